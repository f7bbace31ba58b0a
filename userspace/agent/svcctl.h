/* The L7 service graph's control commands and health wiring in sluiced
 * (svcctl.c), attached by the l7 subsystem once its proxy runs.
 */
#ifndef LB_AGENT_SVCCTL_H
#define LB_AGENT_SVCCTL_H

struct agent;
struct l7proxy;

/* Registers "l7 server set" and the health-flip logger. Returns 0 or
 * -ENOMEM.
 */
int svcctl_attach(struct agent *a, struct l7proxy *p);

#endif /* LB_AGENT_SVCCTL_H */
