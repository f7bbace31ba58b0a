/* Kernel steering in the data plane subsystem: the sk_lookup link of
 * sluiced's namespace, LB_VIP_F_LOCAL VIPs only when it is there, and the
 * check that such a VIP's address is delivered locally (else sk_lookup
 * never runs for it). See docs/datapath.md, "Kernel steering".
 */
#ifndef LB_AGENT_DP_STEER_H
#define LB_AGENT_DP_STEER_H

#include "dp_types.h"
#include "l4plan.h"

/* Attaches (or re-uses) the pinned sk_lookup link; sets dp->steer.
 * Failure is not fatal: it is logged, and the services it would steer
 * stay in the userspace proxy, bound to their VIP. Returns 0 or -errno.
 */
int dp_steer_attach(struct dataplane *dp);

/* Prepares @p for writing: without steering, LB_VIP_F_LOCAL VIPs are
 * taken out (logged once per plan); with it, every such VIP new to the
 * maps whose address is not local gets a warning naming the fix.
 */
void dp_steer_plan(struct dataplane *dp, struct l4plan *p);

#endif /* LB_AGENT_DP_STEER_H */
