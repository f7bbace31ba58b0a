/* Kernel steering: connections to a VIP whose service needs the
 * userspace proxy (LB_VIP_F_LOCAL) are handed by an sk_lookup program to
 * sluiced's listening socket, wherever that socket is bound.
 *
 * The XDP side (lb_to_local() in lb.bpf.c) has already chosen the
 * backend for the flow and recorded it in lb_flows; the packet reaches
 * the local stack untranslated (the VIP must be delivered locally: a
 * local address or a `local` route), the socket lookup runs this program,
 * and the proxy, on accept, reads the flow's backend from lb_flows.
 *
 * Only the VIP table decides: a socket in lb_steer for a VIP that is not
 * LB_VIP_F_LOCAL (any more) is never used.
 */
#ifndef LB_STEER_H
#define LB_STEER_H

#include <linux/bpf.h>
#include <linux/in.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lb_abi.h"
#include "lb_maps.h"
#include "lb_stats.h"

/* The LOCAL VIP @ctx is addressed to, exact first, then the wildcard of
 * its port; @k is left holding the key that matched. NULL: none.
 */
static __always_inline struct lb_vip *lb_steer_vip(struct bpf_sk_lookup *ctx,
						   struct lb_vip_key *k)
{
	struct lb_port_bits *bits;
	struct lb_vip *vip;
	__u32 port = ctx->local_port, word = port >> 6;

	bits = bpf_map_lookup_elem(&lb_ports, &word);
	if (!bits || !(bits->vip & (1ull << (port & 63))))
		return NULL;
	if (ctx->family == LB_AF_INET) {
		k->addr[0] = ctx->local_ip4;
	} else if (ctx->family == LB_AF_INET6) {
		k->addr[0] = ctx->local_ip6[0];
		k->addr[1] = ctx->local_ip6[1];
		k->addr[2] = ctx->local_ip6[2];
		k->addr[3] = ctx->local_ip6[3];
	} else {
		return NULL;
	}
	k->family = ctx->family;
	k->port = bpf_htons(port);	/* local_port is host order */
	k->proto = IPPROTO_TCP;
	vip = bpf_map_lookup_elem(&lb_vips, k);
	if (!vip) {
		k->addr[0] = k->addr[1] = k->addr[2] = k->addr[3] = 0;
		vip = bpf_map_lookup_elem(&lb_vips, k);
	}
	if (!vip || !(vip->flags & LB_VIP_F_LOCAL))
		return NULL;
	return vip;
}

/* Assigns the listener of @ctx's LOCAL VIP. Always SK_PASS: without a
 * listener the normal lookup runs (and, nothing being bound there,
 * answers with a RST).
 */
static __always_inline int lb_steer_assign(struct bpf_sk_lookup *ctx)
{
	struct lb_vip_key k = {};
	struct bpf_sock *sk;

	if (ctx->protocol != IPPROTO_TCP || !lb_steer_vip(ctx, &k))
		return SK_PASS;
	sk = bpf_map_lookup_elem(&lb_steer, &k);
	if (!sk) {
		lb_stat_inc(LB_STAT_STEER_NOSOCK);
		return SK_PASS;
	}
	if (!bpf_sk_assign(ctx, sk, 0))
		lb_stat_inc(LB_STAT_STEER);
	else
		lb_stat_inc(LB_STAT_STEER_NOSOCK);
	bpf_sk_release(sk);
	return SK_PASS;
}

#endif /* LB_STEER_H */
