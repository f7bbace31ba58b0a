/* The L7 service graph's control commands and health wiring in sluiced
 * (svcctl.c), attached by the l7 subsystem once its proxy runs.
 */
#ifndef LB_AGENT_SVCCTL_H
#define LB_AGENT_SVCCTL_H

struct agent;
struct l7proxy;

/* Registers "l7 server set", feeds @p from the health registry and logs
 * health flips. Returns 0 or -ENOMEM.
 */
int svcctl_attach(struct agent *a, struct l7proxy *p);

/* Stops the registry's notifications (before the proxy is freed). */
void svcctl_detach(struct agent *a);

#endif /* LB_AGENT_SVCCTL_H */
