/* Health of servers, shared by every subsystem: the active checker (and
 * the operator, through `sluice server set ... up|down`) writes it; the L7
 * proxy, the userspace L4 proxy and the kernel data plane read it.
 *
 * Keys are (qualified service name, server as written in the
 * configuration: the URL for http, host:port for tcp/udp). A server the
 * registry has never heard of is up. Reads are safe from any thread and
 * never block on a writer; writes happen on the agent's thread.
 */
#ifndef LB_HEALTH_H
#define LB_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

struct json_writer;
struct health_state;

enum health_status {
	HEALTH_UNKNOWN,		/* not probed yet: in rotation */
	HEALTH_UP,
	HEALTH_DOWN,
};

/* The operator's override of a server's state (`sluice health set`). */
enum health_force {
	HEALTH_FORCE_AUTO,	/* no override: the probes decide */
	HEALTH_FORCE_UP,
	HEALTH_FORCE_DOWN,
};

/* Called on the agent thread after a server's status flips. */
typedef void (*health_change_fn)(void *arg, const char *service,
				 const char *server, bool up);

/* Returns NULL with errno set. Caller owns; free with health_state_free(). */
struct health_state *health_state_new(void);
void health_state_free(struct health_state *h);

/* True unless the server is known to be down (probe or operator). A
 * forced state wins over the probes.
 */
bool health_server_up(const struct health_state *h, const char *service,
		      const char *server);
/* The effective status: the forced one if any, else the probes'. */
enum health_status health_server_status(const struct health_state *h,
					const char *service,
					const char *server);

/* Records a probe result; @detail ("received error status code: 503",
 * "HTTP request failed: connection refused") is copied. Notifies
 * subscribers when the up/down state changes. Returns 0 or -ENOMEM.
 */
int health_server_set(struct health_state *h, const char *service,
		      const char *server, bool up, const char *detail);

/* Adds a subscriber; @arg is borrowed. Returns 0 or -ENOMEM. */
int health_subscribe(struct health_state *h, health_change_fn fn, void *arg);
void health_unsubscribe(struct health_state *h, health_change_fn fn,
			void *arg);

/* Writes {"SERVER": {"status": "up"|"down"|"unknown", "detail": ...,
 * "last_probe_unix_ms": N, "transitions": N, "forced": null|"up"|"down"},
 * ...} for @service, servers in the order they were first registered.
 * "status" is the effective one, "detail" the last probe's (null when it
 * passed), "transitions" counts the probes' up/down flips. With @service
 * NULL: {"SERVICE": {...as above...}, ...} for every service known.
 */
void health_write_json(const struct health_state *h, const char *service,
		       struct json_writer *w);

/* Registers @server of @service as probed (status unknown until the first
 * result) unless already known, and marks it as health_keep() does.
 * Returns 0 or -ENOMEM.
 */
int health_server_add(struct health_state *h, const char *service,
		      const char *server);

/* Sets or clears (HEALTH_FORCE_AUTO) the operator's override. A forced
 * state persists across probes and reloads until cleared or the server
 * leaves the configuration. Notifies subscribers when the up/down state
 * changes. Returns 0 or -ENOMEM.
 */
int health_server_force(struct health_state *h, const char *service,
			const char *server, enum health_force force);
enum health_force health_server_forced(const struct health_state *h,
				       const char *service,
				       const char *server);

/* Forgets the probes' verdict on @server (status unknown, no detail), for
 * a server whose service is no longer checked; the forced state stays.
 * Notifies subscribers when the up/down state changes. No-op when unknown.
 */
void health_server_reset(struct health_state *h, const char *service,
			 const char *server);

/* Forgets servers that are no longer in any configuration (after reload):
 * every entry not marked by health_keep() or health_server_add() since the
 * last sweep. A forgotten server is up: subscribers are told when one that
 * was down goes. health_keep() on an unknown server does nothing.
 */
void health_keep(struct health_state *h, const char *service,
		 const char *server);
void health_sweep(struct health_state *h);

#endif /* LB_HEALTH_H */
