/* The routing and service graph: an immutable snapshot built from one
 * configuration, shared by every worker and refcounted so requests in
 * flight keep the snapshot they started with across a reload.
 *
 * Services are nodes behind one interface (struct svc_ops): a node picks
 * the server a request goes to: the servers load balancer here, weighted,
 * mirroring and failover in svc_*.c (svc.h).
 */
#ifndef LB_L7_GRAPH_H
#define LB_L7_GRAPH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config_types.h"
#include "lb.h"

struct rule;
struct rule_req;
struct transport_tls;
struct l7_stats;
struct stats_reg;
struct health_state;

/* A transport's TLS context, shared by the snapshot and every backend
 * connection made from it (their SSLs must die first).
 */
struct tls_ref {
	atomic_long refs;
	struct transport_tls *tls;
};

static inline struct tls_ref *tls_ref_get(struct tls_ref *r)
{
	atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
	return r;
}

/* Drops a reference; the last frees the context. NULL-safe. */
void tls_ref_put(struct tls_ref *r);

struct l7_transport {
	char *name;		/* qualified */
	int max_idle;		/* per backend, per worker; < 0: no reuse */
	int64_t dial_timeout;	/* ns; 0: none */
	int64_t rh_timeout;	/* responseHeaderTimeout, ns; 0: none */
	int64_t idle_timeout;	/* ns */
	uint64_t hash;		/* of every setting, for idle-pool keys */
	struct tls_ref *tls;	/* NULL unless an https server uses it */
};

struct lb_node;

struct l7_server {
	char *url;		/* as configured: the server's name */
	bool tls;		/* https */
	char *host;		/* URL host, no brackets: SNI and verify name */
	char *hostport;		/* URL host[:port]: Host when !passHostHeader */
	struct sockaddr_storage addr;
	socklen_t addrlen;	/* 0: the host did not resolve */
	int weight;
	char *pool_key;		/* idle-pool key: transport and address */
	struct l7_stats *stats;
	struct lb_node *lb;
};

#define SVC_VIA_MAX 8

struct svc_node;
struct svc_ext;
struct lb_ext;
struct mirror_req;

/* Where one request goes: the server and the balancer that owns it. */
struct svc_pick {
	struct l7_server *server;
	struct lb_node *lb;
	char *set_cookie;	/* sticky "Set-Cookie: ..\r\n" lines, owned */
	bool unavailable;	/* 503 is failover's "Service Unavailable" */
	struct mirror_req *mirror;	/* mirrors to send after, owned */
	struct svc_node *via[SVC_VIA_MAX];	/* weighted, mirroring, failover */
	int n_via;			/* nodes passed, outermost first */
};

/* Frees what a pick owns (set_cookie, mirror) and clears it. */
void svc_pick_release(struct svc_pick *p);

struct svc_ops {
	/* Picks a server for @req. Returns 0, or the HTTP status to answer
	 * (503 with Traefik's "no available server" body). Thread-safe.
	 */
	int (*pick)(struct svc_node *n, const struct rule_req *req,
		    struct svc_pick *out);
	void (*free)(struct svc_node *n);
};

struct svc_node {
	const struct svc_ops *ops;
	char *name;		/* qualified */
	enum cfg_service_kind kind;
	struct l7_stats *stats;
	struct svc_ext *x;	/* health and parents (svc.h) */
};

struct lb_node {
	struct svc_node node;
	struct edf edf;
	struct l7_server *servers;
	size_t n_servers;
	bool pass_host;
	int64_t flush_interval;
	struct l7_transport *transport;
	struct lb_ext *x;	/* strategy, sticky, server state (svc.h) */
	const struct health_state *health;	/* registry; picks use x->srv */
};

struct l7_router {
	char *name;		/* qualified */
	char *rule_text;
	struct rule *rule;
	int64_t priority;
	uint64_t ep_mask;	/* bit i: entryPoint i of the proxy */
	struct svc_node *svc;
	struct l7_stats *stats;
};

struct l7_graph {
	atomic_long refs;
	struct l7_router *routers;	/* by priority, highest first */
	size_t n_routers;
	struct svc_node **services;
	size_t n_services;
	struct l7_transport *transports;
	size_t n_transports;
	uint64_t ep_used;	/* entryPoints some router listens on */
	uint64_t ep_tcp;	/* entryPoints the L4 proxy owns (tcp routers
				 * there): never listened on here, connections
				 * come through l7proxy_adopt() */
};

/* Builds a snapshot of @cfg's http routers, services and transports.
 * @ep_names lists the proxy's entryPoints (bit i of a router's mask is
 * @ep_names[i]). Balancers skip servers @health (borrowed for the
 * snapshot's life; may be NULL) reports down. Routers that are broken, whose rule does not parse, or
 * whose service cannot be built are left out, as Traefik drops them; the
 * first such problem is described in @warn (may stay ""). Returns NULL
 * only when out of memory. The result holds one reference.
 */
struct l7_graph *graph_build(const struct config *cfg,
			     char *const *ep_names, size_t n_eps,
			     struct stats_reg *reg,
			     const struct health_state *health, char *warn,
			     size_t warnlen);

static inline struct l7_graph *graph_ref(struct l7_graph *g)
{
	atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
	return g;
}

/* Drops a reference; the last one frees the snapshot. NULL-safe. */
void graph_unref(struct l7_graph *g);

/* The first router on entryPoint @ep whose rule matches @req, or NULL. */
const struct l7_router *graph_route(const struct l7_graph *g, int ep,
				    const struct rule_req *req);

/* Finds a service node by qualified name, or NULL. */
struct svc_node *graph_service(const struct l7_graph *g, const char *name);

#endif /* LB_L7_GRAPH_H */
