/* Packet parsing: Ethernet (at most one 802.1Q tag), IPv4, IPv6, TCP and
 * UDP, every bound checked against data_end. lb_parse() fills struct
 * lb_pkt and says whether the packet is a complete TCP/UDP packet the
 * balancer may translate. What it refuses goes to the kernel unchanged:
 *  - IPv4 fragments (MF or offset set): ports are only in the first one,
 *    so no fragment is ever translated (LB_STAT_FRAGMENT);
 *  - IPv4 options: handled (the L4 header is found through ihl), counted;
 *  - IPv6 extension headers (anything but TCP/UDP/ICMPv6 right after the
 *    fixed header, fragment headers included): passed, counted;
 *  - truncation at any layer, ihl < 5, doff < 5, a total/payload length
 *    beyond the frame, a UDP length below 8 or beyond the IP payload:
 *    passed, counted as malformed (the kernel's own checks drop them).
 */
#ifndef LB_PARSE_H
#define LB_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lb_abi.h"
#include "lb_hook.h"

#ifndef ETH_P_8021Q
#define ETH_P_8021Q	0x8100
#endif

#define LB_IP_MF	0x2000
#define LB_IP_OFFSET	0x1fff

struct lb_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* What lb_parse() found. Pointers are valid packet pointers. */
struct lb_pkt {
	struct lb_flow_key key;	/* tuple as on the wire */
	struct ethhdr *eth;
	struct iphdr *ip4;	/* NULL for IPv6 */
	struct ipv6hdr *ip6;	/* NULL for IPv4 */
	struct tcphdr *tcp;	/* NULL unless TCP */
	struct udphdr *udp;	/* NULL unless UDP */
	void *icmp;		/* ICMP/ICMPv6 header (LB_PARSE_ICMP only) */
	__u32 len;		/* frame length, for byte counters */
	__u8 vlan;		/* one 802.1Q tag present */
	__u8 tcp_flags;		/* byte 13 of the TCP header */
};

enum lb_parse_res {
	LB_PARSE_OK,		/* complete TCP or UDP packet */
	LB_PARSE_OTHER,		/* not IP, or IP but not TCP/UDP */
	LB_PARSE_MALFORMED,
	LB_PARSE_FRAGMENT,
	LB_PARSE_IPV6_EXT,
	LB_PARSE_ICMP,		/* ICMP or ICMPv6, unfragmented: see lb_icmp.h */
};

#define LB_TCP_FIN	0x01
#define LB_TCP_SYN	0x02
#define LB_TCP_RST	0x04
#define LB_TCP_ACK	0x10

/* Lengths are checked as numbers against the packet's length (@len,
 * from @off = the layer's offset), not as pointers against data_end: an
 * skb (TC hook) may hold less than its whole packet in its head.
 *
 * Why __always_inline: the parse results are packet pointers kept in a
 * struct on the stack; inlining keeps their verified ranges simple.
 */
static __always_inline int lb_parse_l4(struct lb_pkt *p, void *l4,
				       __u32 l4_len, void *data_end, __u8 proto)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return LB_PARSE_MALFORMED;
		if (th->doff < 5 || th->doff * 4 > l4_len)
			return LB_PARSE_MALFORMED;
		p->tcp = th;
		p->key.sport = th->source;
		p->key.dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;
		__u16 ulen;

		if ((void *)(uh + 1) > data_end)
			return LB_PARSE_MALFORMED;
		ulen = bpf_ntohs(uh->len);
		if (ulen < sizeof(*uh) || ulen > l4_len)
			return LB_PARSE_MALFORMED;
		p->udp = uh;
		p->key.sport = uh->source;
		p->key.dport = uh->dest;
	} else {
		return LB_PARSE_OTHER;
	}
	p->key.proto = proto;
	return LB_PARSE_OK;
}

static __always_inline int lb_parse_ipv4(struct lb_pkt *p, void *l3,
					 __u32 off, __u32 len, void *data_end,
					 __u64 *ip_opts)
{
	struct iphdr *iph = l3;
	__u16 tot_len;
	void *l4;

	if ((void *)(iph + 1) > data_end)
		return LB_PARSE_MALFORMED;
	if (iph->version != 4 || iph->ihl < 5)
		return LB_PARSE_MALFORMED;
	tot_len = bpf_ntohs(iph->tot_len);
	if (tot_len < iph->ihl * 4 || off + tot_len > len)
		return LB_PARSE_MALFORMED;
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP &&
	    iph->protocol != IPPROTO_ICMP)
		return LB_PARSE_OTHER;
	if (iph->frag_off & bpf_htons(LB_IP_MF | LB_IP_OFFSET))
		return LB_PARSE_FRAGMENT;
	if (iph->protocol == IPPROTO_ICMP) {
		p->ip4 = iph;
		p->icmp = l3 + iph->ihl * 4;
		p->key.family = LB_AF_INET;
		p->key.src[0] = iph->saddr;
		p->key.dst[0] = iph->daddr;
		return LB_PARSE_ICMP;
	}
	if (iph->ihl > 5)
		*ip_opts = 1;
	l4 = l3 + iph->ihl * 4;
	p->ip4 = iph;
	p->key.family = LB_AF_INET;
	p->key.src[0] = iph->saddr;
	p->key.dst[0] = iph->daddr;
	return lb_parse_l4(p, l4, tot_len - iph->ihl * 4, data_end,
			   iph->protocol);
}

static __always_inline int lb_parse_ipv6(struct lb_pkt *p, void *l3,
					 __u32 off, __u32 len, void *data_end)
{
	struct ipv6hdr *ip6h = l3;
	void *l4 = l3 + sizeof(*ip6h);
	__u8 nh;

	if ((void *)(ip6h + 1) > data_end)
		return LB_PARSE_MALFORMED;
	if (ip6h->version != 6)
		return LB_PARSE_MALFORMED;
	if (off + sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len) > len)
		return LB_PARSE_MALFORMED;
	nh = ip6h->nexthdr;
	if (nh == IPPROTO_ICMPV6) {
		p->ip6 = ip6h;
		p->icmp = l4;
		p->key.family = LB_AF_INET6;
		__builtin_memcpy(p->key.src, &ip6h->saddr, 16);
		__builtin_memcpy(p->key.dst, &ip6h->daddr, 16);
		return LB_PARSE_ICMP;
	}
	if (nh != IPPROTO_TCP && nh != IPPROTO_UDP)
		return LB_PARSE_IPV6_EXT;
	p->ip6 = ip6h;
	p->key.family = LB_AF_INET6;
	__builtin_memcpy(p->key.src, &ip6h->saddr, 16);
	__builtin_memcpy(p->key.dst, &ip6h->daddr, 16);
	return lb_parse_l4(p, l4, bpf_ntohs(ip6h->payload_len), data_end, nh);
}

/* Parses the packet of @ctx (an XDP frame, or an skb when @tc) into @p
 * (zeroed here). Returns an enum lb_parse_res; *@ip_opts is set to 1 for
 * IPv4 with options.
 */
static __always_inline int lb_parse(void *ctx, const bool tc, struct lb_pkt *p,
				    __u64 *ip_opts)
{
	void *data = lb_data(ctx, tc);
	void *data_end = lb_data_end(ctx, tc);
	struct ethhdr *eth = data;
	void *l3 = eth + 1;
	__u32 len = lb_pkt_len(ctx, tc);
	__be16 proto;

	__builtin_memset(p, 0, sizeof(*p));
	p->len = len;
	if (l3 > data_end)
		return LB_PARSE_MALFORMED;
	p->eth = eth;
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q)) {
		struct lb_vlan_hdr *vh = l3;

		if ((void *)(vh + 1) > data_end)
			return LB_PARSE_MALFORMED;
		proto = vh->proto;
		l3 = vh + 1;
		p->vlan = 1;
	}
	if (proto == bpf_htons(ETH_P_IP))
		return lb_parse_ipv4(p, l3, l3 - data, len, data_end, ip_opts);
	if (proto == bpf_htons(ETH_P_IPV6))
		return lb_parse_ipv6(p, l3, l3 - data, len, data_end);
	return LB_PARSE_OTHER;
}

#endif /* LB_PARSE_H */
