/* State shared inside the L7 proxy: the proxy itself, its entryPoints and
 * its workers. Not part of the public API (proxy.h).
 */
#ifndef LB_L7_INTERNAL_H
#define LB_L7_INTERNAL_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/queue.h>

#include "graph.h"
#include "http.h"
#include "metrics.h"

struct event_base;
struct evconnlistener;
struct event;
struct conn;
struct upstream;

#define L7_MAX_EPS	64

struct l7_cidr {
	int family;
	unsigned char addr[16];
	int bits;
};

struct l7_ep {
	char *name;
	char *host;		/* "" or an address to bind */
	uint16_t port;
	bool fwd_insecure;	/* forwardedHeaders.insecure */
	struct l7_cidr *trusted;	/* forwardedHeaders.trustedIPs */
	size_t n_trusted;
	bool listening;
	bool metrics;		/* serves Prometheus /metrics */
};

/* Client-side limits and timeouts, the same for every entryPoint. */
struct l7_limits {
	struct head_limits head;
	int64_t read_timeout_ms;	/* reading one request (Traefik readTimeout) */
	int64_t idle_timeout_ms;	/* keep-alive between requests */
	size_t buf_high;		/* backpressure watermark, bytes */
};

/* Idle backend connections of one worker for one key. */
struct pool_bucket {
	char *key;
	TAILQ_HEAD(upstream_q, upstream) idle;
	int n_idle;
	struct pool_bucket *next;
};

struct worker {
	struct l7proxy *p;
	int id;
	struct event_base *base;
	pthread_t thread;
	bool running;
	struct evconnlistener *lis[L7_MAX_EPS];
	void *lis_arg[L7_MAX_EPS];	/* owned: which entryPoint */
	struct pool_bucket *pool;
	TAILQ_HEAD(, upstream) draining;	/* upstream_drain() */
	LIST_HEAD(, conn) conns;
	/* conns with writes held until the end of this loop pass (relay.c:
	 * relay_defer()) */
	TAILQ_HEAD(, conn) flushq;
	/* counters of this worker's backend connections (tests, stats) */
	uint64_t up_opened;
	uint64_t up_reused;
};

struct l7proxy {
	struct l7_ep eps[L7_MAX_EPS];
	char *ep_names[L7_MAX_EPS];
	size_t n_eps;
	int n_workers;
	struct worker *workers;
	bool started;
	pthread_mutex_t lock;		/* guards graph and listeners */
	struct l7_graph *graph;
	struct stats_reg stats;
	const struct health_state *health;	/* borrowed; may be NULL */
	struct l7_limits lim;
	char hostname[256];		/* X-Forwarded-Server */
	int poll_spin_us;		/* worker_main(); 0: one poll */
	FILE *access_log;		/* NULL: off */
	pthread_mutex_t log_lock;
	atomic_uint_fast64_t requests;	/* access-log request count */
	atomic_uint_fast64_t up_opened;
	atomic_uint_fast64_t up_reused;
	atomic_uint adopt_next;		/* worker of the next adopted conn */
	struct svc_state *svc;		/* health source, overrides (svc_state.c) */
};

/* A new graph replaces the old: applies health and runtime overrides
 * (svc_state.c). Frees the state with svc_state_free().
 */
struct svc_state;
void svc_attach(struct svc_state *s, struct l7_graph *g);
void svc_state_free(struct svc_state *s);

/* The current snapshot with a reference the caller drops with
 * graph_unref(). Never NULL once the proxy is built.
 */
struct l7_graph *proxy_graph(struct l7proxy *p);

/* Accepts a new client socket @fd on entryPoint @ep in worker @w. Takes
 * ownership of @fd.
 */
void conn_accept(struct worker *w, int ep, int fd, const struct sockaddr *sa,
		 int salen);

/* Closes every client connection of @w (worker stop). */
void conn_close_all(struct worker *w);

/* Writes one access-log line for a finished request. */
void access_log_write(struct l7proxy *p, const char *line, size_t len);

/* Prometheus text of every router, service and server into @out. */
void proxy_prom(struct l7proxy *p, struct evbuffer *out);

#endif /* LB_L7_INTERNAL_H */
