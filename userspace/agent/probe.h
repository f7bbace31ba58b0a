/* Active health probes run on the agent's event loop (health_check.c):
 * what they share. Each probe kind lives in its own file (probe_http.c,
 * probe_tcp.c) and reports once through a probe_done_fn.
 */
#ifndef LB_AGENT_PROBE_H
#define LB_AGENT_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bufferevent;
struct evdns_base;
struct timeval;

/* The verdict of one probe, delivered on the event loop, never from inside
 * the call that started the probe, and never after it was cancelled.
 * @detail is NULL when @up, else why not (Traefik's wording); borrowed for
 * the call. The probe is gone when this returns.
 */
typedef void (*probe_done_fn)(void *arg, bool up, const char *detail);

/* Starts connecting @bev (a socket or OpenSSL bufferevent without fd) to
 * @host:@port, resolving names through @dns (NULL: blocking getaddrinfo).
 * Returns 0, or -1 when the attempt failed at once (then the bufferevent's
 * event callback is not called; see probe_dial_error()).
 */
int probe_dial(struct bufferevent *bev, struct evdns_base *dns,
	       const char *host, uint16_t port);

/* Go's wording for a failed dial of @bev to @hostport, with @err the socket
 * errno seen (0: unknown): "dial tcp 10.0.0.1:80: connect: connection
 * refused", "dial tcp: lookup db.local: no such host".
 */
void probe_dial_error(struct bufferevent *bev, int err, const char *host,
		      const char *hostport, char *buf, size_t len);

/* @ns nanoseconds as a struct timeval. */
void probe_tv(int64_t ns, struct timeval *tv);

#endif /* LB_AGENT_PROBE_H */
