/* Translation and forwarding: rewrite a packet's addresses and ports with
 * incremental checksums, find the egress with bpf_fib_lookup(), then
 * XDP_REDIRECT where the egress interface accepts XDP frames
 * (LB_IFACE_F_REDIRECT in lb_ifaces) or XDP_PASS the translated packet
 * otherwise: marked for lb_tc (lb_xmit.h) when the egress is known (an
 * interface that takes no XDP frames, a missing neighbour entry), to the
 * kernel's own forwarding path when not (no route, VLAN-tagged frames).
 * At the TC hook (lb_hook.h) the skb itself is redirected to the egress
 * (bpf_redirect(), or bpf_redirect_neigh() without a neighbour entry).
 */
#ifndef LB_FORWARD_H
#define LB_FORWARD_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <stdbool.h>

#include "lb_csum.h"
#include "lb_hook.h"
#include "lb_maps.h"
#include "lb_parse.h"
#include "lb_stats.h"
#include "lb_xmit.h"

#ifndef AF_INET
#define AF_INET		2
#endif
#ifndef AF_INET6
#define AF_INET6	10
#endif

/* The new tuple of a translated packet. */
struct lb_xlate {
	__be32 src[4];
	__be32 dst[4];
	__be16 sport;
	__be16 dport;
};

/* Rewrites @p's addresses and ports to @x, fixing every checksum.
 *
 * XDP computes the TCP/UDP checksum change itself. TC leaves it to
 * bpf_l4_csum_replace(), which knows what the skb's checksum state needs:
 * a CHECKSUM_PARTIAL skb (locally generated, GRO) holds only the
 * pseudo-header sum, which the address change moves and the port change
 * does not; a CHECKSUM_COMPLETE skb's skb->csum follows. TC invalidates
 * every packet pointer: callers reload them.
 */
static __always_inline void lb_rewrite(void *ctx, const bool tc,
				       struct lb_pkt *p, const struct lb_xlate *x)
{
	struct lb_csum_diff ip = {}, ports = {}, l4;
	int words = p->ip4 ? 1 : 4;
	__u64 flags = p->ip4 ? 0 : BPF_F_IPV6;
	__u32 off = 0;

	lb_csum_addr(&ip, p->key.src, x->src, words);
	lb_csum_addr(&ip, p->key.dst, x->dst, words);
	lb_csum_add16(&ports, p->key.sport, x->sport);
	lb_csum_add16(&ports, p->key.dport, x->dport);
	l4.sum = ip.sum + ports.sum;

	if (p->ip4) {
		lb_csum_apply(&p->ip4->check, &ip);
		p->ip4->saddr = x->src[0];
		p->ip4->daddr = x->dst[0];
	} else if (p->ip6) {
		__builtin_memcpy(&p->ip6->saddr, x->src, 16);
		__builtin_memcpy(&p->ip6->daddr, x->dst, 16);
	}
	if (p->tcp) {
		if (tc)
			off = (void *)&p->tcp->check - lb_data(ctx, tc);
		else
			lb_csum_apply(&p->tcp->check, &l4);
		p->tcp->source = x->sport;
		p->tcp->dest = x->dport;
	} else if (p->udp) {
		if (tc)
			off = (void *)&p->udp->check - lb_data(ctx, tc);
		else
			lb_csum_apply_udp(&p->udp->check, &l4);
		flags |= BPF_F_MARK_MANGLED_0;
		p->udp->source = x->sport;
		p->udp->dest = x->dport;
	}
	if (tc && off) {
		bpf_l4_csum_replace(ctx, off, 0, lb_csum_fold32(ip.sum),
				    flags | BPF_F_PSEUDO_HDR);
		bpf_l4_csum_replace(ctx, off, 0, lb_csum_fold32(ports.sum),
				    flags);
	}
}

/* bpf_fib_lookup() from @src to @dst for @p's family at tick @now: fills
 * @fe with the egress ifindex and MACs and the egress interface's
 * lb_ifaces entry (all zero when it has none or the lookup failed).
 * Returns the BPF_FIB_LKUP_RET_* code.
 */
static __always_inline int lb_fib_lookup(void *ctx, const bool tc,
					 const struct lb_pkt *p,
					 const __be32 *src, const __be32 *dst,
					 __u32 now, struct lb_fib_entry *fe)
{
	struct bpf_fib_lookup *fib;
	struct lb_iface *ifc;
	__u32 ifindex, zero = 0;
	int rc;

	__builtin_memset(fe, 0, sizeof(*fe));
	fib = bpf_map_lookup_elem(&lb_fib_scratch, &zero);
	if (!fib)
		return BPF_FIB_LKUP_RET_NOT_FWDED;
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->ifindex = lb_ingress_ifindex(ctx, tc);
	fib->l4_protocol = p->key.proto;
	if (p->key.family == LB_AF_INET) {
		fib->family = AF_INET;
		fib->ipv4_src = src[0];
		fib->ipv4_dst = dst[0];
		/* TC: 0 has the kernel check the skb itself against the
		 * egress MTU, which knows GSO packets
		 */
		fib->tot_len = p->ip4 && !tc ? bpf_ntohs(p->ip4->tot_len) : 0;
	} else {
		fib->family = AF_INET6;
		__builtin_memcpy(fib->ipv6_src, src, 16);
		__builtin_memcpy(fib->ipv6_dst, dst, 16);
	}
	rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return rc;
	ifindex = fib->ifindex;
	ifc = bpf_map_lookup_elem(&lb_ifaces, &ifindex);
	if (ifc)
		fe->egress = *ifc;
	fe->ifindex = ifindex;
	fe->tick = now;
	__builtin_memcpy(fe->smac, fib->smac, ETH_ALEN);
	__builtin_memcpy(fe->dmac, fib->dmac, ETH_ALEN);
	return rc;
}

/* lb_fib_lookup() from @src to @dst at @now_ns (bpf_ktime_get_coarse_ns())
 * through lb_fib_cache (replies, ICMP errors): a cached answer brings the
 * lb_ifaces entry along, one hash lookup instead of two.
 */
static __always_inline int lb_fib(void *ctx, const bool tc,
				  const struct lb_pkt *p,
				  const __be32 *src, const __be32 *dst,
				  __u64 now_ns, struct lb_fib_entry *fe)
{
	__u32 now = now_ns >> LB_TICK_SHIFT;
	struct lb_fib_key k = {};
	struct lb_fib_entry *e;
	int rc;

	__builtin_memcpy(k.addr, dst, sizeof(k.addr));
	k.family = p->key.family;
	e = bpf_map_lookup_elem(&lb_fib_cache, &k);
	if (e && now - e->tick < LB_FIB_TTL_TICKS) {
		*fe = *e;
		return BPF_FIB_LKUP_RET_SUCCESS;
	}
	rc = lb_fib_lookup(ctx, tc, p, src, dst, now, fe);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS)
		bpf_map_update_elem(&lb_fib_cache, &k, fe, BPF_ANY);
	return rc;
}

/* lb_fib() towards backend @be, cached in @be->route: a packet to a
 * backend needs no lookup besides lb_backends'. Concurrent refreshes
 * write the same answer.
 */
static __always_inline int lb_fib_backend(void *ctx, const bool tc,
					  const struct lb_pkt *p,
					  const __be32 *src, struct lb_backend *be,
					  __u64 now_ns, struct lb_fib_entry *fe)
{
	__u32 now = now_ns >> LB_TICK_SHIFT;
	int rc;

	if (be->route.ifindex && now - be->route.tick < LB_FIB_TTL_TICKS) {
		*fe = be->route;
		return BPF_FIB_LKUP_RET_SUCCESS;
	}
	rc = lb_fib_lookup(ctx, tc, p, src, be->addr, now, fe);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS)
		be->route = *fe;
	return rc;
}

/* The fullnat source for a packet leaving through @ifc (lb_fib()'s egress):
 * the egress interface's address, else lb_cfg's.
 * Writes it to @out; returns false when there is none.
 */
static __always_inline bool lb_snat_addr(const struct lb_cfg *cfg,
					 const struct lb_iface *ifc,
					 __u8 family, __be32 *out)
{
	if (family == LB_AF_INET) {
		out[0] = ifc->snat4 ? ifc->snat4 : cfg->snat4;
		return out[0] != 0;
	}
	if (ifc->snat6[0] | ifc->snat6[1] | ifc->snat6[2] | ifc->snat6[3])
		__builtin_memcpy(out, ifc->snat6, 16);
	else
		__builtin_memcpy(out, cfg->snat6, 16);
	return (out[0] | out[1] | out[2] | out[3]) != 0;
}

/* TC: sends the translated skb of @ctx out of lb_fib()'s egress (@rc,
 * @fe) with its MACs written (into the peer's receive path when the
 * egress is a veth with its peer in another namespace, LB_IFACE_F_PEER),
 * or with the kernel's neighbour resolution when the entry is missing;
 * to the kernel's own path when there is no route. Packet pointers are
 * reloaded (lb_rewrite() dropped them).
 */
static __always_inline int lb_output_tc(void *ctx, const struct lb_pkt *p,
					const struct lb_fib_entry *fe, int rc)
{
	void *data = lb_data(ctx, true), *data_end = lb_data_end(ctx, true);
	struct ethhdr *eth = data;
	long ret;

	if (rc != BPF_FIB_LKUP_RET_SUCCESS) {
		lb_stat_inc(LB_STAT_FIB_MISS);
		if (rc != BPF_FIB_LKUP_RET_NO_NEIGH || p->vlan)
			goto kernel;
		ret = bpf_redirect_neigh(fe->ifindex, NULL, 0, 0);
		goto out;
	}
	if (p->vlan || (void *)(eth + 1) > data_end)
		goto kernel;
	__builtin_memcpy(eth->h_dest, fe->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fe->smac, ETH_ALEN);
	if (fe->egress.flags & LB_IFACE_F_PEER)
		ret = bpf_redirect_peer(fe->ifindex, 0);
	else
		ret = bpf_redirect(fe->ifindex, 0);
out:
	if (ret != TC_ACT_REDIRECT)
		return lb_drop(LB_DROP_REDIRECT, true);
	lb_stat_inc(LB_STAT_TX_TC);
	return TC_ACT_REDIRECT;
kernel:
	lb_stat_inc(LB_STAT_TX_KERNEL);
	return TC_ACT_OK;
}

/* Sends the translated @p (frame or skb of @ctx) on its way after lb_fib()
 * returned @rc and filled @fe. Returns the hook's verdict.
 */
static __always_inline int lb_output(void *ctx, const bool tc, struct lb_pkt *p,
				     const struct lb_fib_entry *fe, int rc)
{
	long ret;

	if (tc)
		return lb_output_tc(ctx, p, fe, rc);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS) {
		lb_stat_inc(LB_STAT_FIB_MISS);
		if (rc == BPF_FIB_LKUP_RET_NO_NEIGH && !p->vlan)
			goto tc;
		goto kernel;
	}
	if (p->vlan)
		goto kernel;
	if (!(fe->egress.flags & LB_IFACE_F_REDIRECT))
		goto tc;
	__builtin_memcpy(p->eth->h_dest, fe->dmac, ETH_ALEN);
	__builtin_memcpy(p->eth->h_source, fe->smac, ETH_ALEN);
	ret = bpf_redirect(fe->ifindex, 0);
	if (ret != XDP_REDIRECT)
		return lb_drop(LB_DROP_REDIRECT, false);
	lb_stat_inc(LB_STAT_TX_REDIRECT);
	return XDP_REDIRECT;
tc:
	lb_xmit_mark(ctx, fe->ifindex);
kernel:
	lb_stat_inc(LB_STAT_TX_KERNEL);
	return XDP_PASS;
}

#endif /* LB_FORWARD_H */
