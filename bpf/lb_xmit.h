/* Translated packets the XDP program cannot XDP_REDIRECT (the egress
 * device does not take XDP frames, e.g. a veth whose peer runs no XDP
 * program and has GRO off; or no neighbour entry yet): the XDP side marks
 * them with a struct lb_xmit_meta in the frame's metadata and passes them
 * up; lb_tc, on TC ingress of the same interface, sends the skb straight
 * to the egress with bpf_redirect_neigh(): the kernel resolves the
 * neighbour, and nothing routes or filters the packet again (a fullnat
 * packet carries our own address as source: the routing path would drop
 * it as a martian). Without lb_tc attached the mark is ignored and the
 * kernel routes the packet.
 */
#ifndef LB_XMIT_H
#define LB_XMIT_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <stdbool.h>

#include <bpf/bpf_helpers.h>

#include "lb_abi.h"
#include "lb_stats.h"

/* XDP side: marks the frame of @ctx for lb_tc to send out of @ifindex.
 * Invalidates every packet pointer: call last.
 */
static __always_inline void lb_xmit_mark(struct xdp_md *ctx, __u32 ifindex)
{
	struct lb_xmit_meta *m;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return;		/* no metadata room: the kernel routes it */
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > (void *)(long)ctx->data)
		return;
	m->magic = LB_XMIT_MAGIC;
	m->ifindex = ifindex;
}

/* TC side: true when the XDP program marked @skb. */
static __always_inline bool lb_xmit_marked(struct __sk_buff *skb)
{
	struct lb_xmit_meta *m = (void *)(long)skb->data_meta;

	return (void *)(m + 1) <= (void *)(long)skb->data &&
	       m->magic == LB_XMIT_MAGIC;
}

/* TC side: a marked skb leaves by its egress; anything else goes on. */
static __always_inline int lb_xmit_tc(struct __sk_buff *skb)
{
	struct lb_xmit_meta *m = (void *)(long)skb->data_meta;
	long ret;

	if ((void *)(m + 1) > (void *)(long)skb->data ||
	    m->magic != LB_XMIT_MAGIC)
		return TC_ACT_OK;
	ret = bpf_redirect_neigh(m->ifindex, NULL, 0, 0);
	if (ret != TC_ACT_REDIRECT) {
		lb_stat_inc(LB_DROP_TC_REDIRECT);
		lb_stat_inc(LB_STAT_DROP);
		return TC_ACT_SHOT;
	}
	lb_stat_inc(LB_STAT_TX_TC);
	return TC_ACT_REDIRECT;
}

#endif /* LB_XMIT_H */
