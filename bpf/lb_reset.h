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

/* Rewrites @p (a TCP packet from the client) into a RST from the VIP.
 * Returns XDP_REDIRECT (back out of the ingress interface), or XDP_DROP
 * when no RST is due.
 */
static __always_inline int lb_tcp_reset(struct xdp_md *ctx, struct lb_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct tcphdr *th = p->tcp;
	__u8 mac[ETH_ALEN], flags = p->tcp_flags;
	__u32 seq, plen, t32;
	long hdrs, len;
	__be16 t16;
	__u64 s;

	if (!th || (flags & LB_TCP_RST) || (void *)(th + 1) > data_end)
		return XDP_DROP;
	if (p->key.family == LB_AF_INET && p->ip4) {
		struct iphdr *ip = p->ip4;

		if ((void *)(ip + 1) > data_end || ip->ihl != 5)
			return XDP_DROP;
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
		hdrs = (long)th - (long)data + 20;
	} else if (p->key.family == LB_AF_INET6 && p->ip6) {
		struct ipv6hdr *ip6 = p->ip6;
		struct in6_addr a;

		if ((void *)(ip6 + 1) > data_end)
			return XDP_DROP;
		plen = bpf_ntohs(ip6->payload_len) - th->doff * 4;
		a = ip6->saddr;
		ip6->saddr = ip6->daddr;
		ip6->daddr = a;
		ip6->payload_len = bpf_htons(20);
		ip6->hop_limit = 64;
		s = lb_sum_words(0, (__u32 *)&ip6->saddr, 8) +
		    bpf_htonl(IPPROTO_TCP) + bpf_htonl(20);
		hdrs = (long)th - (long)data + 20;
	} else {
		return XDP_DROP;
	}
	__builtin_memcpy(mac, p->eth->h_source, ETH_ALEN);
	__builtin_memcpy(p->eth->h_source, p->eth->h_dest, ETH_ALEN);
	__builtin_memcpy(p->eth->h_dest, mac, ETH_ALEN);
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
	th->check = ~lb_csum_fold(lb_sum_words(s, (__u32 *)th, 5));
	/* last: cut options and payload (invalidates packet pointers) */
	len = (long)data_end - (long)data;
	if (len > hdrs && bpf_xdp_adjust_tail(ctx, (int)(hdrs - len)))
		return XDP_DROP;
	return bpf_redirect(ctx->ingress_ifindex, 0);
}

#endif /* LB_RESET_H */
