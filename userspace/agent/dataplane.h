/* sluiced's kernel data plane subsystem: loads and attaches the XDP
 * program (loader/), turns tcp/udp routers into VIPs (l4plan) and writes
 * them into the pinned maps (lbmap). start() re-uses pinned maps and
 * links, reload() writes only what changed, stop() leaves programs and
 * pins in place so established flows survive a restart of sluiced.
 * Control commands: "server set" (weight / drain / down overrides).
 */
#ifndef LB_AGENT_DATAPLANE_H
#define LB_AGENT_DATAPLANE_H

#include "agent.h"

extern const struct agent_subsys dataplane_subsys;

/* sluiced --detach: detaches every program attached under the pin root
 * (@o->pin_dir, else @cfg's dataplane.pinDir, else the default; @cfg may
 * be NULL) and removes every pin. Returns 0 or -errno.
 */
int dataplane_detach(const struct agent_opts *o, const struct config *cfg);

struct lbmap;
/* The data plane's maps when kernel steering is in place (the sk_lookup
 * link attached), for the userspace proxy: it registers its listeners in
 * lb_steer and reads the kernel's choice from lb_flows. NULL otherwise.
 * Borrowed; valid until the data plane subsystem stops (after l4).
 */
const struct lbmap *dataplane_steer_maps(struct agent *a);

#endif /* LB_AGENT_DATAPLANE_H */
