/* The agent's subsystems, in start order. Each row is a subsystem's
 * exported ops (see agent.h); stop runs in reverse order.
 */
#include <stddef.h>

#include "agent.h"
#include "health_check.h"
#include "l4.h"

const struct agent_subsys *const agent_subsystems[] = {
	&health_subsys,
	&l4_subsys,
	NULL
};
