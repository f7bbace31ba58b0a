/* sluiced's active health checks: HTTP probes for http loadBalancer
 * services with a healthCheck, TCP probes for tcp ones, results in the
 * agent's health registry (health.h). See health_check.c and docs/health.md.
 */
#ifndef LB_AGENT_HEALTH_CHECK_H
#define LB_AGENT_HEALTH_CHECK_H

#include "agent.h"

/* The `health` row of agent_subsystems[]; needs a->health (agent_start()
 * creates it before any subsystem starts).
 */
extern const struct agent_subsys health_subsys;

/* Registers "health show" and "health set" on a->ctl (health_ctl.c), with
 * @a as their context. Returns 0 or -ENOMEM.
 */
int health_ctl_register(struct agent *a);

#endif /* LB_AGENT_HEALTH_CHECK_H */
