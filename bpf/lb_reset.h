/* Clean TCP resets: a packet of a TCP flow whose backend was removed or
 * went down is turned into a RST back to the client, so the client learns
 * at once instead of retransmitting into a void.
 *
 * The RST leaves by bpf_redirect() to the interface it came in on rather
 * than XDP_TX: a veth hands XDP_TX frames to its peer only when the peer
 * runs an XDP program, while redirected frames also reach a peer that
 * merely has GRO on.
 *
 * The RST follows RFC 9293 3.10.7.1: if the offending segment has ACK,
 * the RST carries seq = its ack number; otherwise seq 0 with ACK of
 * seq + segment length. Addresses and ports are swapped (it comes from
 * the VIP), TCP options and payload are cut (adjust_tail), and both
 * checksums are computed afresh. RSTs are never answered; IPv4 with
 * options is only dropped.
 */
#ifndef LB_RESET_H
#define LB_RESET_H

#include "lb_csum.h"
#include "lb_parse.h"
#include "lb_stats.h"

/* Sums @n 32-bit words at @p into @s (one's complement, unfolded). */
static __always_inline __u64 lb_sum_words(__u64 s, const __u32 *p, int n)
{
	int i;

#pragma clang loop unroll(full)
	for (i = 0; i < 10; i++)
		if (i < n)
			s += p[i];
	return s;
}

/* Rewrites the IP (@ip, or @ip6 when @ip is NULL) and TCP (@th) headers
 * of a segment from the client, carrying @flags, into those of the RST
 * the VIP answers with: the packet itself at XDP, copies at TC. The TCP
 * checksum field is left 0. Returns the RST's pseudo-header sum
 * (unfolded).
 */
static __always_inline __u64 lb_rst_headers(struct iphdr *ip,
					    struct ipv6hdr *ip6,
					    struct tcphdr *th, __u8 flags)
{
	__u32 seq, plen, t32;
	struct in6_addr a;
	__be16 t16;
	__u64 s;

	if (ip) {
		plen = bpf_ntohs(ip->tot_len) - 20 - th->doff * 4;
		t32 = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = t32;
		ip->tot_len = bpf_htons(40);
		ip->ttl = 64;
		ip->frag_off = 0;
		ip->check = 0;
		ip->check = ~lb_csum_fold(lb_sum_words(0, (__u32 *)ip, 5));
		s = ip->saddr + (__u64)ip->daddr + bpf_htons(IPPROTO_TCP) +
		    bpf_htons(20);
	} else {
		plen = bpf_ntohs(ip6->payload_len) - th->doff * 4;
		a = ip6->saddr;
		ip6->saddr = ip6->daddr;
		ip6->daddr = a;
		ip6->payload_len = bpf_htons(20);
		ip6->hop_limit = 64;
		s = lb_sum_words(0, (__u32 *)&ip6->saddr, 8) +
		    bpf_htonl(IPPROTO_TCP) + bpf_htonl(20);
	}
	t16 = th->source;
	th->source = th->dest;
	th->dest = t16;
	if (flags & LB_TCP_ACK) {
		th->seq = th->ack_seq;
		th->ack_seq = 0;
		((__u8 *)th)[13] = LB_TCP_RST;
	} else {
		seq = bpf_ntohl(th->seq) + plen + !!(flags & LB_TCP_SYN) +
		      !!(flags & LB_TCP_FIN);
		th->seq = 0;
		th->ack_seq = bpf_htonl(seq);
		((__u8 *)th)[13] = LB_TCP_RST | LB_TCP_ACK;
	}
	((__u8 *)th)[12] = 5 << 4;	/* doff 5, no options */
	th->window = 0;
	th->urg_ptr = 0;
	th->check = 0;
	return s;
}

/* Rewrites @p (a TCP packet from the client) into a RST from the VIP.
 * Returns XDP_REDIRECT (back out of the ingress interface), or XDP_DROP
 * when no RST is due.
 */
static __always_inline int lb_tcp_reset(struct xdp_md *ctx, struct lb_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = NULL;
	struct tcphdr *th = p->tcp;
	__u8 mac[ETH_ALEN];
	long hdrs, len;
	__u64 s;

	if (!th || (p->tcp_flags & LB_TCP_RST) || (void *)(th + 1) > data_end)
		return XDP_DROP;
	if (p->key.family == LB_AF_INET && p->ip4) {
		ip = p->ip4;
		if ((void *)(ip + 1) > data_end || ip->ihl != 5)
			return XDP_DROP;
	} else if (p->key.family != LB_AF_INET6 || !p->ip6 ||
		   (void *)(p->ip6 + 1) > data_end) {
		return XDP_DROP;
	}
	hdrs = (long)th - (long)data + 20;
	s = lb_rst_headers(ip, p->ip6, th, p->tcp_flags);
	th->check = ~lb_csum_fold(lb_sum_words(s, (__u32 *)th, 5));
	__builtin_memcpy(mac, p->eth->h_source, ETH_ALEN);
	__builtin_memcpy(p->eth->h_source, p->eth->h_dest, ETH_ALEN);
	__builtin_memcpy(p->eth->h_dest, mac, ETH_ALEN);
	/* last: cut options and payload (invalidates packet pointers) */
	len = (long)data_end - (long)data;
	if (len > hdrs && bpf_xdp_adjust_tail(ctx, (int)(hdrs - len)))
		return XDP_DROP;
	return bpf_redirect(ctx->ingress_ifindex, 0);
}

/* Scratch space for the TC hook's RST (lb_tcp_reset_tc()): copies of the
 * headers it rewrites (kept here, with its one user, rather than in
 * lb_maps.h: it needs the packet headers' types). Not pinned.
 * Writer and reader: lb_tc_lb.
 */
struct lb_rst_hdrs {
	__u8 mac[2 * ETH_ALEN];
	struct iphdr ip;
	struct ipv6hdr ip6;
	struct tcphdr th;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lb_rst_hdrs);
} lb_rst_scratch SEC(".maps");

/* The probe's raw checksum field: as written, and after the +1 move when
 * the skb is CHECKSUM_PARTIAL (see below).
 */
#define LB_RST_PROBE		0x0100
#define LB_RST_PROBE_PARTIAL	0x0101

/* The same RST at the TC hook, built from copies of the headers and
 * written back through helpers. What the TCP checksum field must hold
 * depends on the skb's checksum state, which a program cannot read:
 * CHECKSUM_NONE/UNNECESSARY/COMPLETE want the full checksum (and
 * COMPLETE's skb->csum kept in step with every write, which
 * BPF_F_RECOMPUTE_CSUM does), CHECKSUM_PARTIAL (a packet a local sender
 * left to the device, as veths at their defaults carry) wants the
 * pseudo-header sum, to which the device or skb_checksum_help() adds the
 * header's. The state shows in bpf_l4_csum_replace() with
 * BPF_F_PSEUDO_HDR (inet_proto_csum_replace4()): it subtracts the change
 * from a full checksum but adds it to a PARTIAL field. So the field is
 * written as LB_RST_PROBE, moved by +1, read back, and then written
 * for what it turned out to be.
 * Returns TC_ACT_REDIRECT (back out of the ingress interface) or
 * TC_ACT_SHOT when no RST is due or a helper failed.
 */
static __always_inline int lb_tcp_reset_tc(struct __sk_buff *skb,
					   struct lb_pkt *p)
{
	long data = (long)skb->data;
	struct lb_rst_hdrs *h;
	__u8 t[ETH_ALEN];
	__u32 l3, l4, zero = 0;
	__u16 check;
	bool v4;
	__u64 s;

	h = bpf_map_lookup_elem(&lb_rst_scratch, &zero);
	if (!h || !p->tcp || (p->tcp_flags & LB_TCP_RST))
		return TC_ACT_SHOT;
	v4 = p->key.family == LB_AF_INET && p->ip4;
	if (v4)
		l3 = (long)p->ip4 - data;
	else if (p->key.family == LB_AF_INET6 && p->ip6)
		l3 = (long)p->ip6 - data;
	else
		return TC_ACT_SHOT;
	l4 = (long)p->tcp - data;
	if (bpf_skb_load_bytes(skb, 0, h->mac, sizeof(h->mac)) ||
	    bpf_skb_load_bytes(skb, l4, &h->th, sizeof(h->th)))
		return TC_ACT_SHOT;
	if (v4) {
		if (bpf_skb_load_bytes(skb, l3, &h->ip, sizeof(h->ip)) ||
		    h->ip.ihl != 5)
			return TC_ACT_SHOT;
		s = lb_rst_headers(&h->ip, NULL, &h->th, p->tcp_flags);
	} else {
		if (bpf_skb_load_bytes(skb, l3, &h->ip6, sizeof(h->ip6)))
			return TC_ACT_SHOT;
		s = lb_rst_headers(NULL, &h->ip6, &h->th, p->tcp_flags);
	}
	check = ~lb_csum_fold(lb_sum_words(s, (__u32 *)&h->th, 5));
	__builtin_memcpy(t, h->mac, ETH_ALEN);
	__builtin_memcpy(h->mac, h->mac + ETH_ALEN, ETH_ALEN);
	__builtin_memcpy(h->mac + ETH_ALEN, t, ETH_ALEN);
	h->th.check = LB_RST_PROBE;
	/* options and payload go first (the helper may reallocate; it
	 * also ends a GSO packet's segmentation state)
	 */
	if (bpf_skb_change_tail(skb, l4 + sizeof(h->th), 0) ||
	    bpf_skb_store_bytes(skb, 0, h->mac, sizeof(h->mac), 0) ||
	    (v4 ? bpf_skb_store_bytes(skb, l3, &h->ip, sizeof(h->ip),
				      BPF_F_RECOMPUTE_CSUM) :
		  bpf_skb_store_bytes(skb, l3, &h->ip6, sizeof(h->ip6),
				      BPF_F_RECOMPUTE_CSUM)) ||
	    bpf_skb_store_bytes(skb, l4, &h->th, sizeof(h->th),
				BPF_F_RECOMPUTE_CSUM) ||
	    bpf_l4_csum_replace(skb, l4 + offsetof(struct tcphdr, check), 0, 1,
				BPF_F_PSEUDO_HDR | sizeof(__u16)) ||
	    bpf_skb_load_bytes(skb, l4 + offsetof(struct tcphdr, check),
			       &h->th.check, sizeof(h->th.check)))
		return TC_ACT_SHOT;
	if (h->th.check == LB_RST_PROBE_PARTIAL)
		check = lb_csum_fold(s);
	if (bpf_skb_store_bytes(skb, l4 + offsetof(struct tcphdr, check), &check,
				sizeof(check), BPF_F_RECOMPUTE_CSUM))
		return TC_ACT_SHOT;
	return bpf_redirect(skb->ingress_ifindex, 0);
}

#endif /* LB_RESET_H */
