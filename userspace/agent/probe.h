/* Active health probes run on the agent's event loop (health_check.c):
 * what they share. Each probe kind lives in its own file (probe_http.c,
 * probe_tcp.c) and reports once through a probe_done_fn.
 */
#ifndef LB_AGENT_PROBE_H
#define LB_AGENT_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

struct event;
struct event_base;
struct evdns_base;
struct evdns_getaddrinfo_request;
struct timeval;

/* The verdict of one probe, delivered on the event loop, never from inside
 * the call that started the probe, and never after it was cancelled.
 * @detail is NULL when @up, else why not (Traefik's wording); borrowed for
 * the call. The probe is gone when this returns.
 */
typedef void (*probe_done_fn)(void *arg, bool up, const char *detail);

/* Name resolution for a probe: every address of a host, tried in turn as
 * Go's dialer does. Embedded in the probe; zero it before use.
 */
struct probe_resolver {
	struct evdns_getaddrinfo_request *req;
	struct event *ready;		/* delivers the answer on the loop */
	struct evutil_addrinfo *list;	/* owned */
	int err;			/* EVUTIL_EAI_*; 0: @list is set */
	char host[256];
	void (*fn)(void *arg);
	void *arg;
};

/* Resolves @host (a name or a literal address) for TCP port @port through
 * @dns (NULL: blocking getaddrinfo()). Calls @fn(@arg) on the loop once
 * @r->list or @r->err is set, never from inside this call. Returns 0 or
 * -ENOMEM.
 */
int probe_resolve(struct probe_resolver *r, struct event_base *base,
		  struct evdns_base *dns, const char *host, uint16_t port,
		  void (*fn)(void *arg), void *arg);
/* Cancels a pending resolution and frees the answer; idempotent. */
void probe_resolver_clear(struct probe_resolver *r);

/* Go's wording for a failed lookup: "dial tcp: lookup db.local: no such
 * host".
 */
void probe_lookup_error(const struct probe_resolver *r, char *buf, size_t len);

/* "10.0.0.1:80" or "[fd00::1]:80" for @sa. */
void probe_addr_text(const struct sockaddr *sa, char *buf, size_t len);

/* Go's wording for a failed connect to @addr (as probe_addr_text()), with
 * @err the socket errno (ETIMEDOUT: the dial timeout): "dial tcp
 * 10.0.0.1:80: connect: connection refused", "dial tcp 10.0.0.1:80: i/o
 * timeout".
 */
void probe_dial_error(int err, const char *addr, char *buf, size_t len);

/* @ns nanoseconds as a struct timeval. */
void probe_tv(int64_t ns, struct timeval *tv);

#endif /* LB_AGENT_PROBE_H */
