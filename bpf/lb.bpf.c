// SPDX-License-Identifier: GPL-2.0
/* sluice's XDP load balancer: the pipeline only. Concerns live in the
 * headers: parsing (lb_parse.h), lookups (lb_lookup.h), translation and
 * forwarding (lb_forward.h), ICMP errors (lb_icmp.h), resets
 * (lb_reset.h), checksums (lb_csum.h), counters (lb_stats.h), kernel
 * steering to the local proxy (lb_steer.h),
 * maps (lb_maps.h), the userspace ABI (lb_abi.h). docs/datapath.md walks
 * a packet through it.
 *
 * The same pipeline runs at XDP (lb_xdp) or at TC ingress (lb_tc_lb,
 * `hook: tc`): lb_hook.h holds what differs.
 *
 * One program serves every attached interface: packets to a VIP are
 * translated towards a backend (client side), replies found in lb_rflows
 * are translated back (backend side), everything else passes untouched.
 */
#include <linux/bpf.h>
#include <linux/in.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lb_abi.h"
#include "lb_csum.h"
#include "lb_forward.h"
#include "lb_hook.h"
#include "lb_icmp.h"
#include "lb_lookup.h"
#include "lb_maps.h"
#include "lb_parse.h"
#include "lb_reset.h"
#include "lb_stats.h"
#include "lb_steer.h"
#include "lb_xmit.h"

#define LB_SNAT_TRIES		8
#define LB_SNAT_PORT_LO		1024
#define LB_SNAT_PORT_HI		65535
#define LB_TRANSLATED		-1	/* lb_to_local(): not the proxy's flow */

/* Picks a free fullnat source port for @p towards @rk's backend and
 * inserts the reply translation @rv under it. Reuses the port of an
 * existing entry for the same client. Returns the port or 0.
 */
static __always_inline __be16 lb_snat_alloc(const struct lb_cfg *cfg,
					    const struct lb_pkt *p, __u32 hash,
					    struct lb_flow_key *rk,
					    const struct lb_rflow *rv)
{
	__u32 lo = cfg->snat_port_lo, hi = cfg->snat_port_hi, range, i;
	struct lb_rflow *old;

	if (!lo || hi < lo) {
		lo = LB_SNAT_PORT_LO;
		hi = LB_SNAT_PORT_HI;
	}
	range = hi - lo + 1;
	for (i = 0; i < LB_SNAT_TRIES; i++) {
		rk->dport = bpf_htons(lo + (hash + i * 0x9e3779b1u) % range);
		if (!bpf_map_update_elem(&lb_rflows, rk, rv, BPF_NOEXIST))
			return rk->dport;
		old = bpf_map_lookup_elem(&lb_rflows, rk);
		if (old && old->client_port == p->key.sport &&
		    old->client[0] == p->key.src[0] &&
		    old->client[1] == p->key.src[1] &&
		    old->client[2] == p->key.src[2] &&
		    old->client[3] == p->key.src[3]) {
			*old = *rv;
			return rk->dport;
		}
	}
	return 0;
}

/* Finds the flow of @p, or makes one in @nf. Returns the backend, or NULL
 * after setting *@drop to the reason.
 */
static __always_inline struct lb_backend *
lb_flow_get(const struct lb_cfg *cfg, const struct lb_vip *vip,
	    const struct lb_pkt *p, __u64 now, __u32 *hash,
	    struct lb_flow **fp, struct lb_flow *nf, __u32 *drop)
{
	struct lb_flow *f = bpf_map_lookup_elem(&lb_flows, &p->key);
	int tcp = p->key.proto == IPPROTO_TCP;
	struct lb_backend *be;
	__u32 bid;

	if (f && lb_flow_expired(cfg, vip, f, now)) {
		lb_stat_inc(LB_STAT_EXPIRED);
		f = NULL;
	}
	/* A SYN on a closing flow is a new connection reusing the tuple. */
	if (f && tcp && f->state == LB_FLOW_CLOSING &&
	    (p->tcp_flags & (LB_TCP_SYN | LB_TCP_ACK)) == LB_TCP_SYN)
		f = NULL;
	if (f) {
		be = lb_flow_backend(f);
		if (be) {
			*fp = f;
			return be;
		}
		if (tcp) {
			*drop = LB_DROP_BACKEND_GONE;
			return NULL;
		}
		lb_stat_inc(LB_STAT_RESTEER);
	}
	if (!vip->n_backends) {
		*drop = LB_DROP_NO_BACKEND;
		return NULL;
	}
	/* only new flows need the hash (ring position, SNAT port) */
	*hash = lb_flow_hash(&p->key);
	bid = lb_ring_pick(vip, *hash);
	be = lb_backend_get(bid);
	if (!be || bid > 0xffff) {
		*drop = LB_DROP_NO_BACKEND;
		return NULL;
	}
	nf->backend_id = bid;
	nf->backend_gen = be->gen;
	nf->created_tick = now >> LB_TICK_SHIFT;
	nf->flags = vip->flags;
	if (tcp)
		nf->state = lb_tcp_next_state(p->tcp_flags & LB_TCP_SYN ?
					      LB_FLOW_SYN : LB_FLOW_EST,
					      p->tcp_flags);
	else
		nf->state = LB_FLOW_UDP;
	*fp = NULL;
	return be;
}

/* A packet of an existing flow steered to the local proxy (the flow was
 * made by lb_to_local()): counted, and passed to the connection's socket.
 * Also taken by such a flow after its VIP stopped being LOCAL (a reload),
 * so established connections stay with the proxy that holds them.
 */
static __always_inline int lb_local_flow(const struct lb_pkt *p, __u32 vip_id,
					 struct lb_flow *f, __u32 tick,
					 const bool tc)
{
	__u8 state = lb_tcp_next_state(f->state, p->tcp_flags);

	if (f->last_tick != tick)
		f->last_tick = tick;
	if (state != f->state)
		f->state = state;
	lb_be_count(f->backend_id, p->len, 0);
	lb_vip_count(vip_id, p->len, 0, 0);
	lb_stat_inc(LB_STAT_LOCAL);
	return LB_V_PASS(tc);
}

/* Client -> VIP: choose or find the backend, translate, forward. */
static __always_inline int lb_to_backend(void *ctx, const bool tc,
					 struct lb_pkt *p,
					 const struct lb_vip *vip,
					 const struct lb_cfg *cfg, __u32 addr_idx)
{
	struct lb_flow nf = {}, *f = NULL;
	struct lb_flow_key rk = {};
	struct lb_rflow rv = {};
	struct lb_fib_entry fe;
	struct lb_xlate x = {};
	struct lb_backend *be;
	__u64 now = bpf_ktime_get_coarse_ns();
	__u32 tick = now >> LB_TICK_SHIFT;
	__u32 hash = 0, drop = 0;
	__u32 vip_id = vip->vip_id;
	bool rvip;
	__u8 flags;
	int rc;

	be = lb_flow_get(cfg, vip, p, now, &hash, &f, &nf, &drop);
	if (!be)
		goto out_drop;
	if (f && (f->flags & LB_VIP_F_LOCAL))
		return lb_local_flow(p, vip_id, f, tick, tc);
	if (be->family != p->key.family) {
		drop = LB_DROP_FAMILY;
		goto out_drop;
	}
	flags = f ? f->flags : nf.flags;
	__builtin_memcpy(x.dst, be->addr, 16);
	x.dport = be->port;
	__builtin_memcpy(x.src, p->key.src, 16);
	x.sport = p->key.sport;
	rc = lb_fib_backend(ctx, tc, p, p->key.src, be, now, &fe);

	/* The reply translation, keyed as the backend's reply will be. */
	__builtin_memcpy(rk.src, x.dst, 16);
	rk.sport = x.dport;
	rk.dport = x.sport;
	rk.proto = p->key.proto;
	rk.family = p->key.family;
	__builtin_memcpy(rv.client, p->key.src, 16);
	rv.client_port = p->key.sport;
	rv.vip_port = p->key.dport;
	rv.vip_id = vip_id;
	rv.vip_addr_idx = addr_idx;
	if (flags & LB_VIP_F_FULLNAT) {
		if (!lb_snat_addr(cfg, &fe.egress, p->key.family, x.src)) {
			drop = LB_DROP_NO_SNAT;
			goto out_drop;
		}
		__builtin_memcpy(rk.dst, x.src, 16);
		if (f) {
			x.sport = f->snat_port;
			rk.dport = x.sport;
		} else {
			x.sport = lb_snat_alloc(cfg, p, hash, &rk, &rv);
			if (!x.sport) {
				drop = LB_DROP_SNAT_PORTS;
				goto out_drop;
			}
			nf.snat_port = x.sport;
		}
	} else {
		__builtin_memcpy(rk.dst, p->key.src, 16);
	}
	/* Established flows re-insert a reply entry the LRU evicted; checked
	 * once a second per flow, not on every packet.
	 */
	/* (nat flows of an LB_BE_F_RVIP backend need none: lb_reply_find()) */
	rvip = !(flags & LB_VIP_F_FULLNAT) && (be->flags & LB_BE_F_RVIP);
	if (f && !rvip && (tick >> 10) != (f->last_tick >> 10) &&
	    !bpf_map_lookup_elem(&lb_rflows, &rk))
		bpf_map_update_elem(&lb_rflows, &rk, &rv, BPF_ANY);
	else if (!f && !rvip && !(flags & LB_VIP_F_FULLNAT))
		bpf_map_update_elem(&lb_rflows, &rk, &rv, BPF_ANY);

	/* Established flows write their shared LRU entry only when a field
	 * changes (once a tick at most), not on every packet: a store to
	 * the entry dirties a cache line other CPUs read.
	 */
	if (f) {
		__u8 state = f->state;

		if (f->last_tick != tick)
			f->last_tick = tick;
		if (p->key.proto == IPPROTO_TCP) {
			state = lb_tcp_next_state(state, p->tcp_flags);
			if (state != f->state)
				f->state = state;
		}
	} else {
		nf.last_tick = nf.created_tick;
		if (bpf_map_update_elem(&lb_flows, &p->key, &nf, BPF_ANY)) {
			drop = LB_DROP_FLOW_TABLE;
			goto out_drop;
		}
		lb_stat_inc(LB_STAT_NEW_FLOW);
	}
	lb_vip_count(vip_id, p->len, !f, 0);
	lb_be_count(f ? f->backend_id : nf.backend_id, p->len, !f);
	lb_rewrite(ctx, tc, p, &x);
	lb_stat_inc(LB_STAT_FWD);
	return lb_output(ctx, tc, p, &fe, rc);

out_drop:
	lb_vip_count(vip_id, p->len, 0, 1);
	if (drop == LB_DROP_BACKEND_GONE) {
		int v = tc ? lb_tcp_reset_tc(ctx, p) : lb_tcp_reset(ctx, p);

		lb_stat_inc(LB_DROP_BACKEND_GONE);
		if (v == LB_V_REDIRECT(tc)) {
			lb_stat_inc(LB_STAT_TCP_RESET);
			return v;
		}
		lb_stat_inc(LB_STAT_DROP);
		return LB_V_DROP(tc);
	}
	return lb_drop(drop, tc);
}

/* Client -> LB_VIP_F_LOCAL VIP: the backend is chosen and the flow kept
 * as for any VIP (the proxy reads both from lb_flows on accept), the
 * packet is counted and goes up untranslated, to the local proxy.
 * Returns the verdict, or LB_TRANSLATED for a live flow made while the
 * VIP was not LOCAL (before a reload): such connections keep their
 * backend and their path, lb_xdp() hands them to lb_to_backend(); only
 * new ones (lb_flow_get()'s rules: none, expired, or a SYN reusing a
 * closing tuple) go to the proxy.
 */
static __always_inline int lb_to_local(const struct lb_pkt *p,
				       const struct lb_vip *vip,
				       const struct lb_cfg *cfg, const bool tc)
{
	struct lb_flow nf = {}, *f = NULL;
	__u64 now = bpf_ktime_get_coarse_ns();
	__u32 tick = now >> LB_TICK_SHIFT;
	__u32 hash = 0, drop = 0;
	struct lb_backend *be;

	be = lb_flow_get(cfg, vip, p, now, &hash, &f, &nf, &drop);
	if (f && !(f->flags & LB_VIP_F_LOCAL))
		return LB_TRANSLATED;
	if (!be && drop != LB_DROP_BACKEND_GONE) {
		lb_vip_count(vip->vip_id, p->len, 0, 1);
		return lb_drop(drop, tc);
	}
	if (f)
		return lb_local_flow(p, vip->vip_id, f, tick, tc);
	/* A gone backend (be NULL): a steered connection is the proxy's,
	 * which sees its backend connection end; the kernel only counts.
	 * (A translated flow's gone backend also lands here: its packet
	 * reaches a stack with no socket for it, which answers with a RST,
	 * as lb_to_backend() would.)
	 */
	if (be) {
		nf.last_tick = nf.created_tick;
		if (bpf_map_update_elem(&lb_flows, &p->key, &nf, BPF_ANY)) {
			lb_vip_count(vip->vip_id, p->len, 0, 1);
			return lb_drop(LB_DROP_FLOW_TABLE, tc);
		}
		lb_stat_inc(LB_STAT_NEW_FLOW);
		lb_be_count(nf.backend_id, p->len, 1);
	}
	lb_vip_count(vip->vip_id, p->len, !!be, 0);
	lb_stat_inc(LB_STAT_LOCAL);
	return LB_V_PASS(tc);
}

/* Backend -> client: translate a reply back, forward. */
static __always_inline int lb_to_client(void *ctx, const bool tc,
					struct lb_pkt *p,
					const struct lb_rflow *rf)
{
	struct lb_addr *vip = lb_addr_get(rf->vip_addr_idx);
	struct lb_fib_entry fe;
	struct lb_xlate x;
	int rc;

	if (!vip)
		return LB_V_PASS(tc);
	__builtin_memcpy(x.src, vip->addr, 16);
	__builtin_memcpy(x.dst, rf->client, 16);
	x.sport = rf->vip_port;
	x.dport = rf->client_port;
	lb_vip_count(rf->vip_id, p->len, 0, 0);
	rc = lb_fib(ctx, tc, p, x.src, x.dst, bpf_ktime_get_coarse_ns(), &fe);
	lb_rewrite(ctx, tc, p, &x);
	lb_stat_inc(LB_STAT_REV);
	return lb_output(ctx, tc, p, &fe, rc);
}

/* The paths above as BPF subprograms, one copy per hook: together they
 * would exceed the 512-byte stack of one function.
 */
#define LB_SUBPROGS(hook, ctx_t, tc)					\
static __noinline int lb_to_backend_##hook(ctx_t *ctx, struct lb_pkt *p,\
					   const struct lb_vip *vip,	\
					   const struct lb_cfg *cfg,	\
					   __u32 addr_idx)		\
{									\
	return lb_to_backend(ctx, tc, p, vip, cfg, addr_idx);		\
}									\
static __noinline int lb_to_local_##hook(const struct lb_pkt *p,	\
					 const struct lb_vip *vip,	\
					 const struct lb_cfg *cfg)	\
{									\
	return lb_to_local(p, vip, cfg, tc);				\
}									\
static __noinline int lb_to_client_##hook(ctx_t *ctx, struct lb_pkt *p,\
					  const struct lb_rflow *rf)	\
{									\
	return lb_to_client(ctx, tc, p, rf);				\
}									\
static __noinline int lb_icmp_##hook(ctx_t *ctx, struct lb_pkt *p,	\
				     const struct lb_cfg *cfg)		\
{									\
	return lb_icmp(ctx, tc, p, cfg);				\
}

LB_SUBPROGS(xdp, struct xdp_md, false)
LB_SUBPROGS(tc, struct __sk_buff, true)

#define LB_CALL(fn, tc, ...) ((tc) ? fn##_tc(__VA_ARGS__) : fn##_xdp(__VA_ARGS__))

/* The pipeline, at either hook (lb_hook.h). */
static __always_inline int lb_main(void *ctx, const bool tc)
{
	struct lb_port_bits *bits;
	__u32 word, dport, sport;
	struct lb_pkt p;
	struct lb_rflow r;
	struct lb_vip *vip;
	struct lb_cfg *cfg;
	__u32 zero = 0;
	__u64 opts = 0;
	int res;

	lb_stat_inc(LB_STAT_RX);
	res = lb_parse(ctx, tc, &p, &opts);
	/* TC: headers past a short skb head (most heads hold them all) */
	if (tc && res == LB_PARSE_MALFORMED && lb_pull_headers(ctx, tc))
		res = lb_parse(ctx, tc, &p, &opts);
	if (opts)
		lb_stat_inc(LB_STAT_IP_OPTIONS);
	switch (res) {
	case LB_PARSE_OK:
		break;
	case LB_PARSE_ICMP:
		cfg = bpf_map_lookup_elem(&lb_cfg, &zero);
		if (!cfg)
			goto pass;
		res = LB_CALL(lb_icmp, tc, ctx, &p, cfg);
		if (res >= 0)
			return res;
		goto pass;
	case LB_PARSE_MALFORMED:
		lb_stat_inc(LB_STAT_MALFORMED);
		goto pass;
	case LB_PARSE_FRAGMENT:
		lb_stat_inc(LB_STAT_FRAGMENT);
		goto pass;
	case LB_PARSE_IPV6_EXT:
		lb_stat_inc(LB_STAT_IPV6_EXT);
		goto pass;
	default:
		goto pass;
	}
	cfg = bpf_map_lookup_elem(&lb_cfg, &zero);
	if (!cfg)
		goto pass;
	dport = bpf_ntohs(p.key.dport);
	sport = bpf_ntohs(p.key.sport);
	word = dport >> 6;
	bits = bpf_map_lookup_elem(&lb_ports, &word);
	if (bits && (bits->vip & (1ull << (dport & 63))))
		vip = lb_vip_lookup(&p);
	else
		vip = NULL;
	if (vip) {
		__u32 idx = lb_vip_addr_idx(vip, &p);

		/* a wildcard VIP serves our own addresses only */
		if (idx >= LB_MAX_ADDRS)
			goto pass;
		if (vip->flags & LB_VIP_F_LOCAL) {
			if (p.key.proto != IPPROTO_TCP)
				goto pass;
			res = LB_CALL(lb_to_local, tc, &p, vip, cfg);
			if (res != LB_TRANSLATED)
				return res;
		}
		return LB_CALL(lb_to_backend, tc, ctx, &p, vip, cfg, idx);
	}
	word = sport >> 6;
	bits = bpf_map_lookup_elem(&lb_ports, &word);
	if (!bits || !(bits->reply & (1ull << (sport & 63))))
		goto pass;
	if (lb_reply_find(&p.key, &r))
		return LB_CALL(lb_to_client, tc, ctx, &p, &r);
pass:
	lb_stat_inc(LB_STAT_PASS);
	return LB_V_PASS(tc);
}

SEC("xdp")
int lb_xdp(struct xdp_md *ctx)
{
	return lb_main(ctx, false);
}

/* Hands connections to LB_VIP_F_LOCAL VIPs to sluiced's listener
 * (lb_steer.h); attached to sluiced's network namespace.
 */
SEC("sk_lookup")
int lb_steer_sk(struct bpf_sk_lookup *ctx)
{
	return lb_steer_assign(ctx);
}

/* Sends translated packets the XDP program marked (lb_xmit.h) out of
 * their egress as skbs; attached to TC ingress (tcx) of every data plane
 * interface.
 */
SEC("tc")
int lb_tc(struct __sk_buff *skb)
{
	return lb_xmit_tc(skb);
}

/* The whole balancer at TC ingress, for interfaces with `hook: tc`
 * (lb_hook.h): it sees skbs after GRO, so a veth's TSO/GRO super-packets
 * are balanced whole. A packet the XDP program marked (while a reload
 * moves the interface between hooks) is sent on as lb_tc would.
 */
SEC("tc")
int lb_tc_lb(struct __sk_buff *skb)
{
	if (lb_xmit_marked(skb))
		return lb_xmit_tc(skb);
	if (skb->vlan_present)	/* the tag is outside the packet: kernel's */
		return TC_ACT_OK;
	return lb_main(skb, true);
}

char LICENSE[] SEC("license") = "GPL";
