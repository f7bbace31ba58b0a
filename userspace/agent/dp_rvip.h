/* Stateless nat replies (lb_rvips, LB_BE_F_RVIP): a backend whose
 * address:port:protocol serves exactly one VIP, in nat mode, with its own
 * address (no wildcard) and not steered to the proxy, gets an lb_rvips
 * entry; its new flows then write no lb_rflows entry (one LRU insert
 * fewer per connection) and its replies find their flow through
 * lb_rvips + lb_flows. Anything shared keeps per-flow reply entries.
 *
 * Order (bpf/lb_abi.h): the lb_rvips entry exists before a backend gets
 * the flag, and the flag is gone before the entry is removed. An entry
 * outlives its eligibility while its endpoint is in the current or the
 * previous plan (dp_rvip_sync()): the flows it made keep their replies.
 */
#ifndef LB_AGENT_DP_RVIP_H
#define LB_AGENT_DP_RVIP_H

#include <stdbool.h>

#include "dp_types.h"
#include "l4plan.h"

/* Which endpoints of a plan are stateless-eligible. */
struct dp_rvip_plan {
	struct strmap owner;	/* endpoint hex key -> VIP index, or SIZE_MAX */
	char (*keys)[2 * sizeof(struct lb_vip_key) + 1];	/* owned */
};

/* Fills @rp for @p. Returns 0 or -ENOMEM. Free with dp_rvip_plan_free(). */
int dp_rvip_plan(const struct l4plan *p, struct dp_rvip_plan *rp);
void dp_rvip_plan_free(struct dp_rvip_plan *rp);
/* True when backend @b of VIP @vi (index in @p) may be stateless. */
bool dp_rvip_eligible(const struct dp_rvip_plan *rp, const struct l4plan *p,
		      size_t vi, const struct l4plan_backend *b);
/* Brings lb_rvips and the backends' LB_BE_F_RVIP to @rp after every VIP
 * and backend of @p is written (their ids exist). Returns 0 or -errno.
 */
int dp_rvip_sync(struct dataplane *dp, const struct l4plan *p,
		 const struct dp_rvip_plan *rp);

#endif /* LB_AGENT_DP_RVIP_H */
