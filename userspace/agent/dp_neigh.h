/* Keeps the next hops of the data plane's backends resolved: for each
 * backend it asks the kernel for the route (RTM_GETROUTE) and installs a
 * "managed" neighbour entry (NTF_EXT_MANAGED) for the next hop, which the
 * kernel then keeps reachable on its own. bpf_fib_lookup() needs resolved
 * neighbours to redirect; without one a fullnat packet would take the
 * kernel path and be dropped there as a martian (local source).
 */
#ifndef LB_AGENT_DP_NEIGH_H
#define LB_AGENT_DP_NEIGH_H

#include <stddef.h>

#include "l4plan.h"

/* Installs managed neighbour entries for the next hop of every backend of
 * @p (duplicates once). Returns how many entries failed (0: all done);
 * never prints: the caller logs.
 */
int dp_neigh_manage(const struct l4plan *p);

#endif /* LB_AGENT_DP_NEIGH_H */
