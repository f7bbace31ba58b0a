/* Lookups: the VIP of a packet (exact address, then the wildcard address
 * of its port), the flow table with ageing by state, and the Maglev ring
 * for a new flow.
 */
#ifndef LB_LOOKUP_H
#define LB_LOOKUP_H

#include <stdbool.h>

#include "lb_maps.h"
#include "lb_parse.h"

/* The VIP @p is addressed to, or NULL. */
static __always_inline struct lb_vip *lb_vip_lookup(const struct lb_pkt *p)
{
	struct lb_vip_key vk = {};
	struct lb_vip *vip;

	__builtin_memcpy(vk.addr, p->key.dst, sizeof(vk.addr));
	vk.port = p->key.dport;
	vk.proto = p->key.proto;
	vk.family = p->key.family;
	vip = bpf_map_lookup_elem(&lb_vips, &vk);
	if (vip)
		return vip;
	__builtin_memset(vk.addr, 0, sizeof(vk.addr));
	return bpf_map_lookup_elem(&lb_vips, &vk);
}

/* The lb_addrs index of @p's destination for @vip: the VIP's own, or for
 * a wildcard VIP the local address the packet is for. LB_ADDR_NONE when a
 * wildcard VIP's packet is not for one of our addresses.
 */
static __always_inline __u32 lb_vip_addr_idx(const struct lb_vip *vip,
					     const struct lb_pkt *p)
{
	struct lb_addr a = {};
	__u32 *idx;

	if (vip->addr_idx != LB_ADDR_NONE)
		return vip->addr_idx;
	__builtin_memcpy(a.addr, p->key.dst, sizeof(a.addr));
	a.family = p->key.family;
	idx = bpf_map_lookup_elem(&lb_addr_idx, &a);
	return idx ? *idx : LB_ADDR_NONE;
}

/* The address at @idx of lb_addrs, or NULL. */
static __always_inline struct lb_addr *lb_addr_get(__u32 idx)
{
	return bpf_map_lookup_elem(&lb_addrs, &idx);
}

/* Age limit of a flow entry in @state. */
static __always_inline __u64 lb_flow_timeout(const struct lb_cfg *cfg,
					     const struct lb_vip *vip, __u8 state)
{
	switch (state) {
	case LB_FLOW_SYN:
		return cfg->tcp_syn_timeout_ns;
	case LB_FLOW_EST:
		return cfg->tcp_est_timeout_ns;
	case LB_FLOW_CLOSING:
		return cfg->tcp_closing_timeout_ns;
	default:
		return vip->udp_timeout_ns;
	}
}

/* True when @f is older than its state allows at @now. */
static __always_inline bool lb_flow_expired(const struct lb_cfg *cfg,
					    const struct lb_vip *vip,
					    const struct lb_flow *f, __u64 now)
{
	__u64 limit = lb_flow_timeout(cfg, vip, f->state);

	__u32 age = (__u32)(now >> LB_TICK_SHIFT) - f->last_tick;

	return limit && age > (limit >> LB_TICK_SHIFT);
}

/* The state a TCP flow in @state moves to on a client packet with @flags. */
static __always_inline __u8 lb_tcp_next_state(__u8 state, __u8 flags)
{
	if (flags & (LB_TCP_FIN | LB_TCP_RST))
		return LB_FLOW_CLOSING;
	if (state == LB_FLOW_SYN && !(flags & LB_TCP_SYN))
		return LB_FLOW_EST;
	return state;
}

/* The backend id at @hash in @vip's current ring, or LB_BACKEND_NONE.
 * The position is hash % lb_vip.ring_size; the agent writes a growing
 * ring before the VIP and a shrinking one after it, so a position past
 * the ring in between finds no slot (no backend), never a wrong one.
 */
static __always_inline __u32 lb_ring_pick(const struct lb_vip *vip, __u32 hash)
{
	__u32 vip_id = vip->vip_id, size = vip->ring_size, pos, slot;
	struct lb_ring_slot *s;
	void *ring;
	__u16 id;

	if (!size)
		return LB_BACKEND_NONE;
	pos = hash % size;
	slot = pos / LB_RING_PER_SLOT;
	ring = bpf_map_lookup_elem(&lb_rings, &vip_id);
	if (!ring)
		return LB_BACKEND_NONE;
	s = bpf_map_lookup_elem(ring, &slot);
	if (!s)
		return LB_BACKEND_NONE;
	id = s->id[pos % LB_RING_PER_SLOT];
	return id == LB_RING_NONE ? LB_BACKEND_NONE : id;
}

/* The backend @id if it exists and is active, else NULL. */
static __always_inline struct lb_backend *lb_backend_get(__u32 id)
{
	struct lb_backend *be = bpf_map_lookup_elem(&lb_backends, &id);

	if (!be || !(be->flags & LB_BE_F_ACTIVE))
		return NULL;
	return be;
}

/* The backend of flow @f if it is still the one the flow chose. */
static __always_inline struct lb_backend *lb_flow_backend(const struct lb_flow *f)
{
	struct lb_backend *be = lb_backend_get(f->backend_id);

	if (!be || (__u16)be->gen != f->backend_gen)
		return NULL;
	return be;
}

/* The reply translation of @k (a packet from a backend), into @out:
 * through lb_rvips when the backend serves one nat VIP (the client ->
 * VIP flow it answers must exist on that backend), else lb_rflows.
 * Returns true when @k is a reply of a balanced flow. A subprogram: its
 * two keys do not fit the callers' stack frames.
 */
static __noinline bool lb_reply_find(const struct lb_flow_key *k,
				     struct lb_rflow *out)
{
	struct lb_flow_key *fk;
	struct lb_vip_key bk = {};
	struct lb_rflow *rf;
	struct lb_rvip *rv;
	struct lb_addr *va;
	struct lb_flow *f;
	__u32 zero = 0;

	__builtin_memcpy(bk.addr, k->src, sizeof(bk.addr));
	bk.port = k->sport;
	bk.proto = k->proto;
	bk.family = k->family;
	rv = bpf_map_lookup_elem(&lb_rvips, &bk);
	if (rv) {
		va = lb_addr_get(rv->vip_addr_idx);
		fk = bpf_map_lookup_elem(&lb_key_scratch, &zero);
		if (!va || !fk)
			goto stateful;
		__builtin_memset(fk, 0, sizeof(*fk));
		__builtin_memcpy(fk->src, k->dst, sizeof(fk->src));
		__builtin_memcpy(fk->dst, va->addr, sizeof(fk->dst));
		fk->sport = k->dport;
		fk->dport = rv->vip_port;
		fk->proto = k->proto;
		fk->family = k->family;
		f = bpf_map_lookup_elem(&lb_flows, fk);
		if (f && f->backend_id == rv->backend_id) {
			__builtin_memcpy(out->client, k->dst, sizeof(out->client));
			out->client_port = k->dport;
			out->vip_port = rv->vip_port;
			out->vip_id = rv->vip_id;
			out->vip_addr_idx = rv->vip_addr_idx;
			return true;
		}
	}
stateful:
	/* flows made before the backend became RVIP keep their entries */
	rf = bpf_map_lookup_elem(&lb_rflows, k);
	if (!rf)
		return false;
	*out = *rf;
	return true;
}

#endif /* LB_LOOKUP_H */
