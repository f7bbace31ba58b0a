/* Writing a plan (l4plan) into the data plane's maps with stable ids:
 * only what differs from the plan applied before is written (rings are
 * swapped per VIP), and the id tables can be rebuilt from pinned maps
 * after a restart.
 */
#ifndef LB_AGENT_DP_APPLY_H
#define LB_AGENT_DP_APPLY_H

#include "dp_types.h"
#include "l4plan.h"

/* Writes what differs between dp->applied and @p and takes ownership of
 * @p on success (dp->applied becomes @p). Returns 0 or -errno; on error
 * the maps may hold part of @p and the caller still owns @p.
 */
int dp_plan_apply(struct dataplane *dp, struct l4plan *p);

/* Rebuilds dp's VIP, backend and address tables from the pinned maps a
 * previous sluiced left. Cannot fail (unreadable entries are skipped).
 */
void dp_recover(struct dataplane *dp);

#endif /* LB_AGENT_DP_APPLY_H */
