/* Counters: global per-CPU counters indexed by enum lb_stat_id, and
 * per-VIP / per-backend struct lb_counters. Per-CPU maps need no atomics.
 */
#ifndef LB_STATS_H
#define LB_STATS_H

#include "lb_hook.h"
#include "lb_maps.h"

static __always_inline void lb_stat_inc(__u32 id)
{
	__u64 *v = bpf_map_lookup_elem(&lb_stats, &id);

	if (v)
		*v += 1;
}

/* Counts one packet of @len bytes (and a new flow / drop) on @c. */
static __always_inline void lb_counters_add(struct lb_counters *c, __u32 len,
					    int new_flow, int drop)
{
	if (!c)
		return;
	c->pkts++;
	c->bytes += len;
	c->new_flows += new_flow;
	c->drops += drop;
}

static __always_inline void lb_vip_count(__u32 vip_id, __u32 len, int new_flow,
					 int drop)
{
	lb_counters_add(bpf_map_lookup_elem(&lb_vip_stats, &vip_id), len,
			new_flow, drop);
}

static __always_inline void lb_be_count(__u32 be_id, __u32 len, int new_flow)
{
	lb_counters_add(bpf_map_lookup_elem(&lb_be_stats, &be_id), len,
			new_flow, 0);
}

/* Counts a drop for @reason and returns the hook's drop verdict. */
static __always_inline int lb_drop(__u32 reason, const bool tc)
{
	lb_stat_inc(reason);
	lb_stat_inc(LB_STAT_DROP);
	return LB_V_DROP(tc);
}

#endif /* LB_STATS_H */
