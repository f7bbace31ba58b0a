/* The agent's subsystems, in start order. Each row is a subsystem's
 * exported ops (see agent.h); stop runs in reverse order. The health
 * registry (a->health) exists before any of them starts. The data plane
 * starts first (the userspace L4 proxy serves what XDP does not), the
 * health checker last (its first probes go out once everything runs, and
 * its reload sweeps only after every other subsystem accepted the new
 * configuration).
 */
#include <stddef.h>

#include "agent.h"
#include "dataplane.h"
#include "health_check.h"
#include "l4.h"

extern const struct agent_subsys l7_subsys;

const struct agent_subsys *const agent_subsystems[] = {
	&dataplane_subsys,
	&l7_subsys,
	&l4_subsys,
	&health_subsys,
	NULL
};
