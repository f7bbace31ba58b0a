/* The L7 service graph beyond a single servers load balancer (issue 5):
 * weighted, mirroring and failover nodes, sticky sessions on every level,
 * health flowing from servers up through parents, load-aware strategies and
 * passive health. Internal to l7proxy; the agent uses l7svc.h.
 *
 * Threads: picks run on any worker; every status below is an atomic that
 * workers only read. Health changes, operator changes and graph attach run
 * on one thread at a time (the agent's).
 */
#ifndef LB_L7_SVC_H
#define LB_L7_SVC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config_types.h"
#include "graph.h"
#include "lb.h"
#include "sticky.h"

struct json_writer;
struct evbuffer;
struct rule_req;

/* Called when a service's reported status or a server's status flips. */
typedef void (*svc_event_fn)(void *arg, const char *service,
			     const char *server, bool up);

/* Health bookkeeping every node has (svc_node.x). */
struct svc_ext {
	atomic_bool up;			/* as reported to parents */
	bool reports;			/* has (LB) / is healthCheck: {} */
	struct svc_node **parents;	/* nodes that track this one */
	size_t n_parents;
	atomic_uint_fast64_t transitions;
};

/* One server's runtime state, parallel to lb_node.servers. */
struct lb_srv {
	atomic_bool down;		/* health registry or operator */
	atomic_bool drain;		/* no new picks; sticky kept */
	atomic_int weight;		/* runtime weight (config at build) */
	atomic_int_fast64_t out_until_us;	/* passive: out of rotation */
	atomic_int_fast64_t window_us;	/* passive: window start */
	atomic_int fails;		/* passive: failures in window */
	atomic_uint_fast64_t transitions;
	char value[STICKY_VALUE_LEN + 1];	/* sticky cookie value */
};

/* Servers load balancer extension (lb_node.x). */
struct lb_ext {
	struct lb_srv *srv;
	bool sticky;
	struct cfg_sticky_cookie cookie;	/* strings owned */
	enum cfg_lb_strategy strategy;
	struct cfg_passive_health passive;
	bool hc;			/* active healthCheck configured */
	atomic_uint seed;		/* p2c, leastconn randomness */
};

struct wrr_child {
	struct svc_node *svc;
	char *name;			/* as written in the configuration */
	int weight;
	atomic_bool up;
	char value[STICKY_VALUE_LEN + 1];
};

/* weighted.services */
struct weighted_node {
	struct svc_node node;
	struct edf edf;
	struct wrr_child *ch;
	size_t n_ch;
	atomic_int n_up;
	bool sticky;
	struct cfg_sticky_cookie cookie;
};

struct mirror_target {
	struct svc_node *svc;
	int percent;
	atomic_uint_fast64_t count;
};

/* mirroring */
struct mirror_node {
	struct svc_node node;
	struct svc_node *main;
	struct mirror_target *m;
	size_t n_m;
	int64_t max_body;		/* -1: unlimited */
	bool mirror_body;
	atomic_uint_fast64_t total;
	pthread_mutex_t lock;		/* the percent counters */
};

/* failover */
struct failover_node {
	struct svc_node node;
	struct svc_node *main;
	struct svc_node *fallback;
	atomic_bool main_up;
	atomic_bool fallback_up;
};

/* ---- building (svc_build.c) ---- */

/* Extends freshly built servers load balancer @lb with the strategy, sticky,
 * passive and per-server state of @cs. Returns 0 or -ENOMEM.
 */
int svc_lb_init(struct lb_node *lb, const struct cfg_http_service *cs);
void svc_lb_fini(struct lb_node *lb);

/* Builds every weighted, mirroring and failover service of @cfg into @g
 * (after its load balancers), children first, then registers each node
 * with the parents that track its health. Services whose children are
 * missing are left out and described in @warn. Returns 0 or -ENOMEM.
 */
int svc_build_compound(struct l7_graph *g, const struct config *cfg,
		       struct stats_reg *reg, char *warn, size_t warnlen);

struct svc_ext *svc_ext_new(bool reports);
void svc_ext_free(struct svc_ext *x);

/* ---- picking ---- */

/* The servers load balancer's pick (graph.c's lb_pick delegates here). */
int svc_lb_pick(struct lb_node *lb, const struct rule_req *req,
		struct svc_pick *out);

/* Is server @i of @lb eligible for a new pick at @now_us? */
bool svc_lb_eligible(const struct lb_node *lb, size_t i, int64_t now_us);
/* Is it usable for a sticky session (up and not passively out)? */
bool svc_lb_alive(const struct lb_node *lb, size_t i, int64_t now_us);

/* p2c and leastconn (lb_strategy.c): index of the server, or -1. */
long lb_pick_p2c(struct lb_node *lb, int64_t now_us, long exclude);
long lb_pick_leastconn(struct lb_node *lb, int64_t now_us, long exclude);

/* Records the outcome of a request on @s for passive health: @status is
 * the status sent to the client (502/504 for connection failures).
 */
void svc_server_result(struct lb_node *lb, struct l7_server *s, int status);

/* Picks a server of @lb other than @not for a retry, or NULL. */
struct l7_server *svc_lb_repick(struct lb_node *lb, struct l7_server *not);

struct conn;
/* The backend connection of @c failed before it was established: moves
 * @c->pick to another server when the request may be retried there
 * (svc_retry.c). Returns true if it did.
 */
bool svc_retry_other(struct conn *c);

/* Records that the pick passed through compound node @n (statistics). */
static inline void svc_pick_via(struct svc_pick *out, struct svc_node *n)
{
	if (out->n_via < SVC_VIA_MAX)
		out->via[out->n_via++] = n;
}

/* ---- sticky (svc_sticky.c) ---- */

/* Finds the sticky cookie @c->name in @req. */
bool svc_cookie_get(const struct rule_req *req, const char *name,
		    const char **val, size_t *vlen);
/* Appends "Set-Cookie: ...\r\n" for @value to @out->set_cookie. */
int svc_cookie_add(struct svc_pick *out, const struct cfg_sticky_cookie *c,
		   const char *value);

/* ---- health (svc_health.c) ---- */

/* Sets server @server of load balancer @lb down or up and propagates the
 * load balancer's status to the parents that track it; @ev hears each
 * flip (may be NULL). Returns 1 if something changed, 0 if not.
 */
int svc_server_health(struct lb_node *lb, size_t i, bool up,
		      svc_event_fn ev, void *arg);

/* Recomputes @lb's status from its servers and propagates a change. */
void svc_lb_recompute(struct lb_node *lb, svc_event_fn ev, void *arg);

/* Rebuilds @lb's EDF after a runtime weight change. */
void svc_lb_reweight(struct lb_node *lb);

/* ---- mirroring (svc_mirror.c) ---- */

/* Which mirrors take the current request: advances the counters and fills
 * @out->mirror. Called from the mirroring node's pick.
 */
void svc_mirror_plan(struct mirror_node *m, struct svc_pick *out);

/* ---- introspection (svc_json.c) ---- */

void svc_node_json(const struct svc_node *n, struct json_writer *w);
/* Fields of a load balancer (@i < 0) or of its server @i, inside the
 * object proxy.c writes.
 */
void svc_lb_json(const struct lb_node *lb, long i, struct json_writer *w);
void svc_prom(const struct l7_graph *g, struct evbuffer *out);
const char *svc_kind_str(enum cfg_service_kind k);

int64_t svc_now_us(void);

#endif /* LB_L7_SVC_H */
