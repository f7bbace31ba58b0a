/* The userspace L4 proxy as an agent subsystem (l4.c). */
#ifndef LB_AGENT_L4_H
#define LB_AGENT_L4_H

#include <stdbool.h>

#include "agent.h"

extern const struct agent_subsys l4_subsys;

/* For the data-plane subsystem: tells the L4 proxy whether XDP is attached
 * (true) or not (attach refused, detached). Plain tcp/udp entryPoints move
 * between the kernel and userspace accordingly. Returns 0 or -errno (a
 * listener could not be bound; reported here).
 */
int l4_dataplane_changed(struct agent *a, bool active);

#endif /* LB_AGENT_L4_H */
