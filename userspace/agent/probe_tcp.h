/* One TCP health probe (Traefik v3.6 tcp healthCheck): connect, then
 * optionally send bytes and expect an exact answer.
 */
#ifndef LB_AGENT_PROBE_TCP_H
#define LB_AGENT_PROBE_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"

struct event_base;
struct evdns_base;
struct probe_tcp;

struct probe_tcp_opts {
	const char *host;		/* name or address, no brackets */
	uint16_t port;
	const char *send;		/* NULL or "": connect only */
	size_t send_len;
	const char *expect;		/* NULL or "": nothing awaited */
	size_t expect_len;		/* at most 65535 */
	int64_t timeout;		/* ns, the whole probe */
};

/* Starts a probe. Borrows @o until @done runs or the probe is cancelled.
 * Returns NULL with errno set when out of memory; every other failure is
 * a verdict delivered through @done.
 */
struct probe_tcp *probe_tcp_start(struct event_base *base,
				  struct evdns_base *dns,
				  const struct probe_tcp_opts *o,
				  probe_done_fn done, void *arg);

/* Stops @p without calling its callback; NULL-safe. */
void probe_tcp_cancel(struct probe_tcp *p);

#endif /* LB_AGENT_PROBE_TCP_H */
