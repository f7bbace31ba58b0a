/* The L7 proxy's lifecycle: entryPoints, worker threads with their event
 * loops and SO_REUSEPORT listeners, snapshot swaps on reload, statistics
 * rendering. See proxy.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netdb.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "conn.h"
#include "internal.h"
#include "json_writer.h"
#include "proxy.h"
#include "svc.h"
#include "upstream.h"

struct lis_ctx {
	struct worker *w;
	int ep;
};

static int parse_cidr(const char *s, struct l7_cidr *c)
{
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	c->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(c->family, buf, c->addr) != 1)
		return -EINVAL;
	c->bits = slash ? atoi(slash + 1) : (c->family == AF_INET ? 32 : 128);
	return 0;
}

static int eps_init(struct l7proxy *p, const struct config *cfg, char *err,
		    size_t errlen)
{
	size_t i, j;

	for (i = 0; i < cfg->n_entry_points && p->n_eps < L7_MAX_EPS; i++) {
		const struct cfg_entry_point *ce = &cfg->entry_points[i];
		struct l7_ep *ep = &p->eps[p->n_eps];

		if (ce->proto != CFG_PROTO_TCP)
			continue;
		ep->name = strdup(ce->name);
		ep->host = strdup(ce->host ? ce->host : "");
		if (!ep->name || !ep->host)
			return -ENOMEM;
		ep->port = ce->port;
		ep->fwd_insecure = ce->fwd_insecure;
		ep->trusted = calloc(ce->fwd_trusted_ips.n + 1,
				     sizeof(*ep->trusted));
		if (!ep->trusted)
			return -ENOMEM;
		for (j = 0; j < ce->fwd_trusted_ips.n; j++)
			if (!parse_cidr(ce->fwd_trusted_ips.v[j],
					&ep->trusted[ep->n_trusted]))
				ep->n_trusted++;
		ep->metrics = cfg->metrics.prometheus &&
			cfg->metrics.prometheus_entry_point &&
			!strcmp(cfg->metrics.prometheus_entry_point, ce->name);
		p->ep_names[p->n_eps++] = ep->name;
	}
	(void)err;
	(void)errlen;
	return 0;
}

struct l7proxy *l7proxy_new(const struct config *cfg,
			    const struct l7proxy_opts *opts, char *err,
			    size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct l7proxy *p;
	long ncpu;

	err[0] = '\0';
	pthread_once(&once, (void (*)(void))evthread_use_pthreads);
	p = calloc(1, sizeof(*p));
	if (!p)
		goto out_nomem;
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->log_lock, NULL);
	stats_reg_init(&p->stats);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	p->n_workers = opts && opts->workers > 0 ? opts->workers :
		       (ncpu > 0 ? (int)ncpu : 1);
	p->lim.head.max_line = 16 * 1024;
	p->lim.head.max_head = 64 * 1024;
	p->lim.head.max_headers = L7_MAX_HEADERS;
	p->lim.read_timeout_ms = opts && opts->read_timeout_ms > 0 ?
				   opts->read_timeout_ms : 60000;
	p->lim.idle_timeout_ms = opts && opts->idle_timeout_ms > 0 ?
				 opts->idle_timeout_ms : 180000;
	p->lim.buf_high = 256 * 1024;
	if (!opts || !opts->poll_spin_us)
		p->poll_spin_us = 20;
	else if (opts->poll_spin_us > 0)
		p->poll_spin_us = opts->poll_spin_us;
	if (gethostname(p->hostname, sizeof(p->hostname) - 1) ||
	    !p->hostname[0])
		strcpy(p->hostname, "localhost");
	if (eps_init(p, cfg, err, errlen))
		goto out_free;
	if (cfg->access_log.enabled) {
		if (cfg->access_log.file_path && cfg->access_log.file_path[0])
			p->access_log = fopen(cfg->access_log.file_path, "ae");
		else
			p->access_log = stdout;
		if (!p->access_log)
			snprintf(err, errlen, "accessLog %s: %s",
				 cfg->access_log.file_path, strerror(errno));
	}
	p->health = opts ? opts->health : NULL;
	p->graph = graph_build(cfg, p->ep_names, p->n_eps, &p->stats,
			       p->health, err, errlen);
	if (!p->graph)
		goto out_free;
	svc_attach(p->svc, p->graph);
	return p;

out_free:
	l7proxy_free(p);
out_nomem:
	if (!err[0])
		snprintf(err, errlen, "out of memory");
	return NULL;
}

struct l7_graph *proxy_graph(struct l7proxy *p)
{
	struct l7_graph *g;

	pthread_mutex_lock(&p->lock);
	g = graph_ref(p->graph);
	pthread_mutex_unlock(&p->lock);
	return g;
}

void access_log_write(struct l7proxy *p, const char *line, size_t len)
{
	pthread_mutex_lock(&p->log_lock);
	fwrite(line, 1, len, p->access_log);
	fflush(p->access_log);
	pthread_mutex_unlock(&p->log_lock);
}

/* ---- workers and listeners ------------------------------------------------ */

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd,
		      struct sockaddr *sa, int salen, void *arg)
{
	struct lis_ctx *lc = arg;

	conn_accept(lc->w, lc->ep, fd, sa, salen);
}

static int bind_addr(const struct l7_ep *ep, bool ipv6,
		     struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai;
	char port[8];

	snprintf(port, sizeof(port), "%u", ep->port);
	if (!ep->host[0]) {
		/* ":port": every address; "::" is dual-stack on Linux
		 * (IPv4 clients appear v4-mapped), as Go's listener is */
		hints.ai_family = ipv6 ? AF_INET6 : AF_INET;
	}
	if (getaddrinfo(ep->host[0] ? ep->host : NULL, port, &hints, &ai))
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* Closes entryPoint @ep's listeners in every worker. */
static void unlisten_ep(struct l7proxy *p, int ep)
{
	int i;

	for (i = 0; i < p->n_workers; i++) {
		struct worker *w = &p->workers[i];

		if (w->lis[ep])
			evconnlistener_free(w->lis[ep]);
		free(w->lis_arg[ep]);
		w->lis[ep] = NULL;
		w->lis_arg[ep] = NULL;
	}
	p->eps[ep].listening = false;
}

static int listen_ep_family(struct l7proxy *p, int ep, bool ipv6, char *err,
			    size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int i;

	if (bind_addr(&p->eps[ep], ipv6, &ss, &len)) {
		snprintf(err, errlen, "entryPoint %s: bad address",
			 p->eps[ep].name);
		return -EINVAL;
	}
	for (i = 0; i < p->n_workers; i++) {
		struct worker *w = &p->workers[i];
		struct lis_ctx *lc = calloc(1, sizeof(*lc));

		if (!lc)
			return -ENOMEM;
		lc->w = w;
		lc->ep = ep;
		w->lis[ep] = evconnlistener_new_bind(w->base, accept_cb, lc,
				LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
				LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT |
				LEV_OPT_THREADSAFE, 1024,
				(struct sockaddr *)&ss, len);
		w->lis_arg[ep] = lc;
		if (!w->lis[ep] && ipv6 && !p->eps[ep].host[0] && i == 0 &&
		    (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
			/* no IPv6 here: every IPv4 address instead */
			free(lc);
			w->lis_arg[ep] = NULL;
			return listen_ep_family(p, ep, false, err, errlen);
		}
		if (!w->lis[ep]) {
			int e = errno;

			snprintf(err, errlen, "entryPoint %s (:%u): %s",
				 p->eps[ep].name, p->eps[ep].port,
				 strerror(e));
			unlisten_ep(p, ep);
			return -e;
		}
	}
	p->eps[ep].listening = true;
	return 0;
}

static int listen_ep(struct l7proxy *p, int ep, char *err, size_t errlen)
{
	return listen_ep_family(p, ep, true, err, errlen);
}

/* Opens listeners for entryPoints that routers (or metrics) of @g now
 * use, and closes those the L4 proxy now owns (tcp routers there).
 */
static int listen_used(struct l7proxy *p, const struct l7_graph *g,
		       char *err, size_t errlen)
{
	size_t i;
	int ret;

	for (i = 0; i < p->n_eps; i++) {
		if (g->ep_tcp & (1ULL << i)) {
			if (p->eps[i].listening)
				unlisten_ep(p, i);
			continue;
		}
		if (p->eps[i].listening)
			continue;
		if (!(g->ep_used & (1ULL << i)) && !p->eps[i].metrics)
			continue;
		ret = listen_ep(p, i, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t spin_us = w->p->poll_spin_us, until = 0;
	bool wrote = false;

	/* One pass: every ready socket's callbacks, then the writes they
	 * held (relay_defer()). After a pass that wrote, the worker polls
	 * without sleeping for up to poll_spin_us (20), yielding the CPU
	 * between polls, and only then waits: the answers to what it wrote
	 * (a backend's response, the client's next request) are usually a
	 * few microseconds away, and a worker that sleeps for them makes
	 * each sender pay a wake-up (an IPI on a VM) and breaks everyone's
	 * batches into ones and twos; sched_yield() lets the processes on
	 * this CPU produce them. An idle worker does not spin: the window
	 * opens only after writing. Measured (docs/l7proxy.md, after "Reads
	 * first, then writes"): small keep-alive requests +12 %, sleeps per
	 * request 0.3-0.6 -> 0.02-0.05; at one connection latency -20 % for
	 * up to 20 us of CPU per request. */
	do {
		int how = EVLOOP_ONCE;

		if (wrote) {
			until = l7_now_us() + spin_us;
			how = EVLOOP_NONBLOCK;
		} else if (until) {
			if (l7_now_us() < until) {
				sched_yield();
				how = EVLOOP_NONBLOCK;
			} else {
				until = 0;
			}
		}
		if (event_base_loop(w->base, how | EVLOOP_NO_EXIT_ON_EMPTY) < 0)
			break;
		wrote = !TAILQ_EMPTY(&w->flushq);
		relay_flush_pass(w);
	} while (!event_base_got_exit(w->base) &&
		 !event_base_got_break(w->base));
	return NULL;
}

int l7proxy_start(struct l7proxy *p, char *err, size_t errlen)
{
	int i, ret;

	if (p->started)
		return 0;
	/* Body buffers come and go by the 64 KiB: without this, glibc trims
	 * and regrows the workers' arenas on every response (sysmalloc and
	 * page faults dominated a 64 KiB proxy profile). */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 4 << 20);
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	p->workers = calloc(p->n_workers, sizeof(*p->workers));
	if (!p->workers)
		return -ENOMEM;
	for (i = 0; i < p->n_workers; i++) {
		struct worker *w = &p->workers[i];

		w->p = p;
		w->id = i;
		LIST_INIT(&w->conns);
		TAILQ_INIT(&w->flushq);
		TAILQ_INIT(&w->draining);
		w->base = event_base_new();
		if (!w->base) {
			snprintf(err, errlen, "event_base_new failed");
			ret = -ENOMEM;
			goto out_stop;
		}
	}
	pthread_mutex_lock(&p->lock);
	ret = listen_used(p, p->graph, err, errlen);
	pthread_mutex_unlock(&p->lock);
	if (ret)
		goto out_stop;
	for (i = 0; i < p->n_workers; i++) {
		ret = -pthread_create(&p->workers[i].thread, NULL, worker_main,
				      &p->workers[i]);
		if (ret) {
			snprintf(err, errlen, "pthread_create: %s",
				 strerror(-ret));
			goto out_stop;
		}
		p->workers[i].running = true;
	}
	p->started = true;
	return 0;

out_stop:
	p->started = true;
	l7proxy_stop(p);
	return ret;
}

int l7proxy_reload(struct l7proxy *p, const struct config *cfg, char *err,
		   size_t errlen)
{
	struct l7_graph *g, *old;
	int ret = 0;

	err[0] = '\0';
	g = graph_build(cfg, p->ep_names, p->n_eps, &p->stats, p->health,
			err, errlen);
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	svc_attach(p->svc, g);
	pthread_mutex_lock(&p->lock);
	if (p->started && p->workers)
		ret = listen_used(p, g, err, errlen);
	if (ret) {
		/* the agent keeps the old configuration: so do we */
		pthread_mutex_unlock(&p->lock);
		graph_unref(g);
		return ret;
	}
	old = p->graph;
	p->graph = g;
	pthread_mutex_unlock(&p->lock);
	graph_unref(old);
	return 0;
}

struct adopt {
	struct worker *w;
	int ep, fd;
	struct sockaddr_storage peer;
	socklen_t peerlen;
};

/* Runs on the worker's loop: the connection joins it as if accepted. */
static void adopt_cb(evutil_socket_t fd, short what, void *arg)
{
	struct adopt *ad = arg;

	conn_accept(ad->w, ad->ep, ad->fd, (struct sockaddr *)&ad->peer,
		    (int)ad->peerlen);
	free(ad);
}

int l7proxy_adopt(struct l7proxy *p, const char *ep, int fd,
		  const struct sockaddr *peer, socklen_t peerlen)
{
	static const struct timeval now;
	struct adopt *ad;
	size_t i;

	if (!p->started || !p->workers || peerlen > sizeof(ad->peer))
		return -EINVAL;
	for (i = 0; i < p->n_eps; i++)
		if (!strcmp(p->eps[i].name, ep))
			break;
	if (i == p->n_eps)
		return -ENOENT;
	ad = calloc(1, sizeof(*ad));
	if (!ad)
		return -ENOMEM;
	ad->w = &p->workers[atomic_fetch_add(&p->adopt_next, 1) %
			    (unsigned int)p->n_workers];
	ad->ep = (int)i;
	ad->fd = fd;
	memcpy(&ad->peer, peer, peerlen);
	ad->peerlen = peerlen;
	/* event_base_once() is safe from this thread (evthread_use_pthreads)
	 * and wakes the worker's loop.
	 */
	if (event_base_once(ad->w->base, -1, EV_TIMEOUT, adopt_cb, ad, &now)) {
		free(ad);
		return -ENOMEM;
	}
	return 0;
}

void l7proxy_stop(struct l7proxy *p)
{
	int i, j;

	if (!p || !p->workers)
		return;
	/* loopexit, not loopbreak: it is an event, kept until the loop runs
	 * it, where loopbreak's flag is cleared by a loop that starts after
	 * it (a stop right after l7proxy_start() then waited forever)
	 */
	for (i = 0; i < p->n_workers; i++)
		if (p->workers[i].running)
			event_base_loopexit(p->workers[i].base, NULL);
	for (i = 0; i < p->n_workers; i++) {
		struct worker *w = &p->workers[i];

		if (w->running)
			pthread_join(w->thread, NULL);
		w->running = false;
		for (j = 0; j < L7_MAX_EPS; j++) {
			if (w->lis[j])
				evconnlistener_free(w->lis[j]);
			free(w->lis_arg[j]);
			w->lis[j] = NULL;
			w->lis_arg[j] = NULL;
		}
		if (w->base) {
			conn_close_all(w);
			upstream_pool_flush(w);
			event_base_free(w->base);
		}
	}
	free(p->workers);
	p->workers = NULL;
	for (i = 0; i < (int)p->n_eps; i++)
		p->eps[i].listening = false;
	p->started = false;
}

void l7proxy_free(struct l7proxy *p)
{
	size_t i;

	if (!p)
		return;
	l7proxy_stop(p);
	graph_unref(p->graph);
	for (i = 0; i < p->n_eps; i++) {
		free(p->eps[i].name);
		free(p->eps[i].host);
		free(p->eps[i].trusted);
	}
	if (p->access_log && p->access_log != stdout)
		fclose(p->access_log);
	stats_reg_fini(&p->stats);
	svc_state_free(p->svc);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->log_lock);
	free(p);
}

int l7proxy_workers(const struct l7proxy *p)
{
	return p->started ? p->n_workers : 0;
}

/* ---- statistics -------------------------------------------------------------- */

static void service_json(const struct svc_node *n, struct json_writer *w)
{
	const struct lb_node *lb = (const struct lb_node *)n;
	size_t i;

	if (n->kind != CFG_SVC_LOADBALANCER) {
		svc_node_json(n, w);
		return;
	}
	jsonw_start_object(w);
	jsonw_string_field(w, "name", n->name);
	jsonw_string_field(w, "kind", "loadbalancer");
	jsonw_bool_field(w, "pass_host_header", lb->pass_host);
	jsonw_string_field(w, "servers_transport", lb->transport->name);
	svc_lb_json(lb, -1, w);
	stats_json(n->stats, w);
	jsonw_name(w, "servers");
	jsonw_start_array(w);
	for (i = 0; i < lb->n_servers; i++) {
		const struct l7_server *s = &lb->servers[i];

		jsonw_start_object(w);
		jsonw_string_field(w, "url", s->url);
		jsonw_s64_field(w, "weight", s->weight);
		svc_lb_json(lb, (long)i, w);
		stats_json(s->stats, w);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
}

int l7proxy_stats_json(struct l7proxy *p, const char *service,
		       struct json_writer *w)
{
	struct l7_graph *g = proxy_graph(p);
	size_t i;

	if (service) {
		struct svc_node *n = graph_service(g, service);

		if (!n) {
			graph_unref(g);
			return -ENOENT;
		}
		service_json(n, w);
		graph_unref(g);
		return 0;
	}
	jsonw_start_object(w);
	jsonw_s64_field(w, "workers", l7proxy_workers(p));
	jsonw_u64_field(w, "backend_conns_opened",
			atomic_load(&p->up_opened));
	jsonw_u64_field(w, "backend_conns_reused",
			atomic_load(&p->up_reused));
	jsonw_name(w, "entry_points");
	jsonw_start_array(w);
	for (i = 0; i < p->n_eps; i++) {
		jsonw_start_object(w);
		jsonw_string_field(w, "name", p->eps[i].name);
		jsonw_u64_field(w, "port", p->eps[i].port);
		jsonw_bool_field(w, "listening", p->eps[i].listening);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_name(w, "routers");
	jsonw_start_array(w);
	for (i = 0; i < g->n_routers; i++) {
		const struct l7_router *r = &g->routers[i];

		jsonw_start_object(w);
		jsonw_string_field(w, "name", r->name);
		jsonw_string_field(w, "rule", r->rule_text);
		jsonw_s64_field(w, "priority", r->priority);
		jsonw_string_field(w, "service", r->svc->name);
		stats_json(r->stats, w);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_name(w, "services");
	jsonw_start_array(w);
	for (i = 0; i < g->n_services; i++)
		service_json(g->services[i], w);
	jsonw_end_array(w);
	jsonw_end_object(w);
	graph_unref(g);
	return 0;
}

void proxy_prom(struct l7proxy *p, struct evbuffer *out)
{
	struct l7_graph *g = proxy_graph(p);
	size_t i, j;

	for (i = 0; i < g->n_routers; i++)
		stats_prom(g->routers[i].stats, "router", g->routers[i].name,
			   out);
	for (i = 0; i < g->n_services; i++) {
		const struct lb_node *lb = (const struct lb_node *)g->services[i];

		stats_prom(lb->node.stats, "service", lb->node.name, out);
		if (lb->node.kind != CFG_SVC_LOADBALANCER)
			continue;
		for (j = 0; j < lb->n_servers; j++)
			stats_prom(lb->servers[j].stats, "server",
				   lb->servers[j].stats->name, out);
	}
	svc_prom(g, out);
	graph_unref(g);
}

char *l7proxy_prometheus(struct l7proxy *p)
{
	struct evbuffer *b = evbuffer_new();
	char *s = NULL;
	size_t len;

	if (!b)
		return NULL;
	proxy_prom(p, b);
	len = evbuffer_get_length(b);
	s = malloc(len + 1);
	if (s) {
		evbuffer_remove(b, s, len);
		s[len] = '\0';
	}
	evbuffer_free(b);
	return s;
}
