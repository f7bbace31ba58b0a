/* The agent's subsystems, in start order. Each row is a subsystem's
 * exported ops (see agent.h); stop runs in reverse order.
 */
#include <stddef.h>

#include "agent.h"
#include "l4.h"

const struct agent_subsys *const agent_subsystems[] = {
	&l4_subsys,
	NULL
};
