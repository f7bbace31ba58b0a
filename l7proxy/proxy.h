/* The L7 HTTP reverse proxy: sluiced's HTTP side.
 *
 * One struct l7proxy serves every tcp entryPoint that some http router
 * uses, with one libevent loop per worker thread (SO_REUSEPORT listeners,
 * one per entryPoint per worker). Routing and the service graph are an
 * immutable, refcounted snapshot: l7proxy_reload() builds a new one and
 * swaps it; requests in flight finish on the snapshot they started with,
 * and open client and backend connections are kept.
 *
 * Threading: every function here is called from the agent's thread; the
 * workers only read snapshots and update statistics atomically.
 */
#ifndef LB_L7_PROXY_H
#define LB_L7_PROXY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config_types.h"

struct health_state;
struct l7proxy;
struct json_writer;

/* Knobs that Traefik's file format does not carry; 0 means default. */
struct l7proxy_opts {
	int workers;			/* default: online CPUs */
	int64_t read_timeout_ms;	/* reading one request, head and body: 60000 */
	int64_t idle_timeout_ms;	/* idle keep-alive: 180000 */
	/* after a loop pass that wrote, poll without sleeping (yielding the
	 * CPU between polls) for this long before a poll that waits:
	 * 0 = default (20 us), negative = one such poll only */
	int poll_spin_us;
	/* Server health (health.h), borrowed for the proxy's life: down
	 * servers are skipped. NULL: every server takes traffic. */
	const struct health_state *health;
};

/* Builds a proxy for @cfg (borrowed for the call: nothing in it is kept)
 * with @opts (may be NULL). Routers that Traefik would drop (bad rule,
 * unusable service) are left out and the first reason is put in @err
 * while the call still succeeds. Returns NULL only when out of memory or
 * the entryPoints are unusable (message in @err). Caller owns; free with
 * l7proxy_free().
 */
struct l7proxy *l7proxy_new(const struct config *cfg,
			    const struct l7proxy_opts *opts, char *err,
			    size_t errlen);

/* Opens the listeners (entryPoints used by an http router, and the
 * Prometheus entryPoint) and starts the worker threads, also when there is
 * no router yet, so that a reload can add some. Returns 0, or -errno with
 * a message in @err (e.g. -EADDRINUSE).
 */
int l7proxy_start(struct l7proxy *p, char *err, size_t errlen);

/* Replaces routers, services and transports with those of @cfg (borrowed
 * for the call). On error (-EINVAL, -ENOMEM, message in @err) the running
 * snapshot stays. entryPoints are static configuration: a router on an
 * entryPoint that had no listener gets one now; the listener of an
 * entryPoint that gained a tcp router is closed (the L4 proxy owns it and
 * passes HTTP connections through l7proxy_adopt()).
 */
int l7proxy_reload(struct l7proxy *p, const struct config *cfg, char *err,
		   size_t errlen);

/* Hands a connected client socket @fd on entryPoint @ep to a worker, as
 * if that worker had accepted it from @peer (the client, after any
 * inbound PROXY header). Bytes peeked but not read stay for the HTTP
 * parser. For the L4 proxy, which owns entryPoints with tcp routers and
 * passes on the connections none of them takes (Traefik's order: TCP
 * routers first, then HTTP). Safe from the agent's thread while workers
 * run. Returns 0 (@fd is the proxy's now) or -errno (-ENOENT: no such
 * entryPoint; -EINVAL: not started; @fd stays the caller's).
 */
int l7proxy_adopt(struct l7proxy *p, const char *ep, int fd,
		  const struct sockaddr *peer, socklen_t peerlen);

/* Stops the workers and closes every connection. Safe on a proxy that
 * never started. */
void l7proxy_stop(struct l7proxy *p);

/* Frees @p (stopping it first if needed). NULL is a no-op. */
void l7proxy_free(struct l7proxy *p);

/* Writes one JSON object describing routers, services and servers with
 * their counters to @w. @service, if not NULL, restricts the output to
 * that qualified service (returns -ENOENT if it does not exist).
 */
int l7proxy_stats_json(struct l7proxy *p, const char *service,
		       struct json_writer *w);

/* Number of worker threads (0 before l7proxy_start()). */
int l7proxy_workers(const struct l7proxy *p);

/* Writes the Prometheus text exposition of every counter into a new
 * malloc'd string (caller frees), or NULL when out of memory.
 */
char *l7proxy_prometheus(struct l7proxy *p);

#endif /* LB_L7_PROXY_H */
