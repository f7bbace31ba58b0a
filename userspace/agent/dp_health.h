/* TCP health checks of the kernel data plane's tcp services (Traefik v3
 * `healthCheck` on a TCP loadBalancer): every `interval` (every
 * `unhealthyInterval` while down) each server gets a TCP connect, then
 * optionally `send` and a wait for `expect`, all within `timeout`. One
 * failure marks a server down, one success up again; a down server takes
 * no new flows and its flows end (see docs/datapath.md).
 */
#ifndef LB_AGENT_DP_HEALTH_H
#define LB_AGENT_DP_HEALTH_H

#include <stddef.h>

#include "config_types.h"
#include "l4plan.h"

struct event_base;
struct dp_health;

/* Called after a server changed state; @arg as given to dp_health_new(). */
typedef void (*dp_health_cb)(void *arg, const char *service,
			     const char *address, int down);

/* Starts checks for every tcp loadBalancer service of @cfg with a
 * healthCheck. States of servers also in @prev (may be NULL) carry over.
 * Copies what it needs from @cfg. Returns NULL with errno set. Caller
 * owns; free with dp_health_free().
 */
struct dp_health *dp_health_new(struct event_base *base,
				const struct config *cfg,
				const struct dp_health *prev,
				dp_health_cb cb, void *arg);
void dp_health_free(struct dp_health *h);

/* Servers currently down, as overrides (weight -1, down 1) appended to
 * @ov[*@n] (room for dp_health_count() more). Strings are borrowed from
 * @h.
 */
void dp_health_overrides(const struct dp_health *h,
			 struct l4plan_override *ov, size_t *n);
size_t dp_health_count(const struct dp_health *h);

#endif /* LB_AGENT_DP_HEALTH_H */
