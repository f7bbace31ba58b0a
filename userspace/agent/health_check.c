/* sluiced's active health checks (the `health` subsystem).
 *
 * One target per server of every http loadBalancer service whose
 * healthCheck is enabled (an HTTP probe, probe_http.c) and of every tcp
 * loadBalancer service with a healthCheck (a TCP probe, probe_tcp.c). Each
 * target has a timer on the agent's event loop: the first probe runs right
 * after a configuration is applied (Traefik v2, not v3's one interval
 * later), then every `interval` counted from the start of the previous
 * probe, or `unhealthyInterval` while the server is down. At most one probe
 * per target is in flight.
 *
 * Verdicts go into the agent's health registry (a->health, health.h), which
 * the L7 proxy, the userspace L4 proxy and the kernel data plane read.
 * A reload rebuilds every target from the new configuration; the registry
 * keeps the status of servers that stay, and forgets the others.
 *
 * Its control commands ("health show", "health set") are in health_ctl.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "agent.h"
#include "config.h"
#include "health.h"
#include "health_check.h"
#include "json_writer.h"
#include "log.h"
#include "probe_http.h"
#include "probe_tcp.h"
#include "transport.h"
#include "urlref.h"

struct hc;

struct hc_target {
	struct hc *hc;
	char *service;			/* registry keys */
	char *server;
	bool tcp;
	struct probe_http_opts http;	/* strings below are owned */
	char *url;
	char *method;
	char *host;
	struct cfg_kvlist headers;	/* borrowed from the target's own copy */
	struct probe_tcp_opts tcpo;
	char *tcp_host;
	char *send;
	char *expect;
	int64_t interval;
	int64_t unhealthy_interval;
	char *setup_error;		/* the URL or address is unusable */

	struct event *timer;
	struct probe_http *ph;
	struct probe_tcp *pt;
	struct timespec started;
	enum health_status last;	/* our last verdict, for the log */
};

/* One client TLS context per serversTransport that https probes use. */
struct hc_tls {
	char *name;			/* qualified; "" for Go's defaults */
	struct transport_tls *tls;
	char *error;			/* why tls is NULL */
};

struct hc {
	struct agent *a;
	struct evdns_base *dns;
	struct hc_target **t;
	size_t n;
	struct hc_tls *tls;
	size_t n_tls;
	uint64_t probes;
	uint64_t failures;
	uint64_t transitions;
};

/* A set of targets and TLS contexts being built for one configuration. */
struct hc_build {
	struct hc_target **t;
	size_t n;
	struct hc_tls *tls;
	size_t n_tls;
};

/* ---- targets ------------------------------------------------------------ */

static void on_timer(evutil_socket_t fd, short what, void *arg);

static void kv_free(struct cfg_kvlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int kv_copy(struct cfg_kvlist *dst, const struct cfg_kvlist *src)
{
	size_t i;

	dst->n = 0;
	dst->v = src->n ? calloc(src->n, sizeof(*dst->v)) : NULL;
	if (src->n && !dst->v)
		return -ENOMEM;
	for (i = 0; i < src->n; i++) {
		dst->v[i].key = strdup(src->v[i].key);
		dst->v[i].value = strdup(src->v[i].value ? src->v[i].value : "");
		dst->n++;
		if (!dst->v[i].key || !dst->v[i].value)
			return -ENOMEM;
	}
	return 0;
}

static void target_stop(struct hc_target *t)
{
	probe_http_cancel(t->ph);
	probe_tcp_cancel(t->pt);
	t->ph = NULL;
	t->pt = NULL;
	if (t->timer)
		event_del(t->timer);
}

static void target_free(struct hc_target *t)
{
	if (!t)
		return;
	target_stop(t);
	if (t->timer)
		event_free(t->timer);
	free(t->service);
	free(t->server);
	free(t->url);
	free(t->method);
	free(t->host);
	kv_free(&t->headers);
	free(t->tcp_host);
	free(t->send);
	free(t->expect);
	free(t->setup_error);
	free(t);
}

static void build_free(struct hc_build *b)
{
	size_t i;

	/* probes first: their SSLs read the transports */
	for (i = 0; i < b->n; i++)
		target_free(b->t[i]);
	free(b->t);
	for (i = 0; i < b->n_tls; i++) {
		transport_tls_free(b->tls[i].tls);
		free(b->tls[i].name);
		free(b->tls[i].error);
	}
	free(b->tls);
	memset(b, 0, sizeof(*b));
}

static int build_add(struct hc_build *b, struct hc_target *t)
{
	struct hc_target **v = realloc(b->t, (b->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	b->t = v;
	b->t[b->n++] = t;
	return 0;
}

static struct hc_target *target_new(struct hc *hc, const char *service,
				    const char *server, bool tcp)
{
	struct hc_target *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->hc = hc;
	t->tcp = tcp;
	t->service = strdup(service);
	t->server = strdup(server);
	t->timer = evtimer_new(hc->a->base, on_timer, t);
	if (!t->service || !t->server || !t->timer) {
		target_free(t);
		return NULL;
	}
	return t;
}

/* The TLS context for transport @name (NULL: default), built once per
 * configuration. NULL only when out of memory.
 */
static struct hc_tls *tls_for(struct hc_build *b, const struct config *cfg,
			      const char *name)
{
	const struct cfg_servers_transport *st = NULL;
	struct hc_tls *v, *x;
	char err[512] = "";
	size_t i;

	if (!name || !strcmp(name, "default@internal"))
		name = "";
	for (i = 0; i < b->n_tls; i++)
		if (!strcmp(b->tls[i].name, name))
			return &b->tls[i];
	if (*name)
		st = config_transport(cfg, name);
	v = realloc(b->tls, (b->n_tls + 1) * sizeof(*v));
	if (!v)
		return NULL;
	b->tls = v;
	x = &b->tls[b->n_tls];
	memset(x, 0, sizeof(*x));
	x->name = strdup(name);
	if (!x->name)
		return NULL;
	b->n_tls++;
	x->tls = transport_tls_new(st, err, sizeof(err));
	if (!x->tls) {
		x->error = strdup(err);
		pr_warn("health: serversTransport %s: %s", *name ? name : "default",
			err);
	}
	for (i = 0; x->tls && transport_tls_warning(x->tls, i); i++)
		pr_warn("health: serversTransport %s: %s",
			*name ? name : "default", transport_tls_warning(x->tls, i));
	return x;
}

/* The probe URL of @server_url per Traefik: path resolved as a reference
 * against the server URL, then scheme and port replaced. Returns 0 or
 * -EINVAL (with @why) when the server URL cannot be parsed.
 */
static int probe_url(const char *server_url, const struct cfg_health_check *hc,
		     char *buf, size_t len)
{
	struct urlref base, u;

	if (urlref_parse(server_url, &base) ||
	    urlref_resolve(&base, hc->path, &u))
		return -EINVAL;
	if (hc->scheme && *hc->scheme)
		snprintf(u.scheme, sizeof(u.scheme), "%s", hc->scheme);
	if (hc->port > 0)
		snprintf(u.port, sizeof(u.port), "%u", (unsigned)(uint16_t)hc->port);
	urlref_format(&u, buf, len);
	return 0;
}

static int http_target(struct hc *hc, struct hc_build *b,
		       const struct config *cfg,
		       const struct cfg_http_service *s,
		       const struct cfg_http_server *sv)
{
	const struct cfg_health_check *c = &s->lb.health;
	const struct cfg_servers_transport *st = NULL;
	char url[URLREF_MAX * 2 + 300];
	struct hc_target *t;
	struct hc_tls *tls = NULL;

	t = target_new(hc, s->name, sv->url, false);
	if (!t)
		return -ENOMEM;
	if (s->lb.servers_transport)
		st = config_transport(cfg, s->lb.servers_transport);
	if (probe_url(sv->url, c, url, sizeof(url))) {
		snprintf(url, sizeof(url), "%s", sv->url);
		t->setup_error = strdup("HTTP request failed: invalid server URL");
	}
	t->url = strdup(url);
	t->method = strdup(c->method && *c->method ? c->method : "GET");
	t->host = c->hostname && *c->hostname ? strdup(c->hostname) : NULL;
	if (!strncasecmp(url, "https:", 6))
		tls = tls_for(b, cfg, s->lb.servers_transport);
	if (!t->url || !t->method || (c->hostname && *c->hostname && !t->host) ||
	    kv_copy(&t->headers, &c->headers) ||
	    (!strncasecmp(url, "https:", 6) && !tls) || build_add(b, t)) {
		target_free(t);
		return -ENOMEM;
	}
	t->http = (struct probe_http_opts){
		.url = t->url,
		.method = t->method,
		.host = t->host,
		.headers = &t->headers,
		.follow_redirects = c->follow_redirects,
		.status = c->status,
		.timeout = c->timeout,
		.dial_timeout = st ? st->dial_timeout : 30 * NSEC_PER_SEC,
		.header_timeout = st ? st->response_header_timeout : 0,
		.tls = tls ? tls->tls : NULL,
		.tls_error = tls ? tls->error : NULL,
	};
	t->interval = c->interval;
	t->unhealthy_interval = c->unhealthy_interval > 0 ?
				c->unhealthy_interval : c->interval;
	return 0;
}

static int tcp_target(struct hc *hc, struct hc_build *b,
		      const struct cfg_l4_service *s,
		      const struct cfg_l4_server *sv)
{
	const struct cfg_tcp_health_check *c = &s->lb.health;
	char host[256], port[8];
	struct hc_target *t;

	t = target_new(hc, s->name, sv->address, true);
	if (!t)
		return -ENOMEM;
	if (urlref_split_hostport(sv->address, host, sizeof(host), port,
				  sizeof(port)) || !*host ||
	    (!*port && c->port <= 0)) {
		snprintf(host, sizeof(host), "%s", sv->address);
		snprintf(port, sizeof(port), "0");
		t->setup_error = strdup("invalid server address");
	}
	t->tcp_host = strdup(host);
	t->send = c->send ? strdup(c->send) : NULL;
	t->expect = c->expect ? strdup(c->expect) : NULL;
	if (!t->tcp_host || (c->send && !t->send) || (c->expect && !t->expect) ||
	    build_add(b, t)) {
		target_free(t);
		return -ENOMEM;
	}
	t->tcpo = (struct probe_tcp_opts){
		.host = t->tcp_host,
		.port = (uint16_t)(c->port > 0 ? c->port : atoi(port)),
		.send = t->send,
		.send_len = t->send ? strlen(t->send) : 0,
		.expect = t->expect,
		.expect_len = t->expect ? strlen(t->expect) : 0,
		.timeout = c->timeout,
	};
	if (t->tcpo.expect_len > 65535)
		t->tcpo.expect_len = 65535;
	t->interval = c->interval;
	t->unhealthy_interval = c->unhealthy_interval > 0 ?
				c->unhealthy_interval : c->interval;
	return 0;
}

/* Every target of @cfg into @b. Returns 0 or -ENOMEM (@b then holds what
 * was built; free it with build_free()).
 */
static int build(struct hc *hc, const struct config *cfg, struct hc_build *b)
{
	size_t i, j;
	int err;

	for (i = 0; i < cfg->n_http_services; i++) {
		const struct cfg_http_service *s = &cfg->http_services[i];

		if (s->broken || s->kind != CFG_SVC_LOADBALANCER ||
		    !s->lb.health.enabled)
			continue;
		for (j = 0; j < s->lb.n_servers; j++) {
			err = http_target(hc, b, cfg, s, &s->lb.servers[j]);
			if (err)
				return err;
		}
	}
	for (i = 0; i < cfg->n_tcp_services; i++) {
		const struct cfg_l4_service *s = &cfg->tcp_services[i];

		if (s->broken || s->kind != CFG_SVC_LOADBALANCER ||
		    !s->lb.health.enabled)
			continue;
		for (j = 0; j < s->lb.n_servers; j++) {
			err = tcp_target(hc, b, s, &s->lb.servers[j]);
			if (err)
				return err;
		}
	}
	return 0;
}

/* ---- probing ------------------------------------------------------------ */

static void schedule(struct hc_target *t, int64_t delay_ns)
{
	struct timeval tv;

	probe_tv(delay_ns, &tv);
	event_add(t->timer, &tv);
}

static int64_t elapsed_ns(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * NSEC_PER_SEC +
	       (now.tv_nsec - since->tv_nsec);
}

static void record(struct hc_target *t, bool up, const char *detail)
{
	struct hc *hc = t->hc;

	hc->probes++;
	if (!up)
		hc->failures++;
	if (health_server_set(hc->a->health, t->service, t->server, up, detail))
		pr_warn("health: cannot record the status of %s: out of memory",
			t->server);
	if (!up && t->last != HEALTH_DOWN) {
		pr_info("server %s of service %s is down: %s", t->server,
			t->service, detail);
		hc->transitions++;
	} else if (up && t->last == HEALTH_DOWN) {
		pr_info("server %s of service %s is up again", t->server,
			t->service);
		hc->transitions++;
	} else if (!up) {
		pr_debug("server %s of service %s is still down: %s", t->server,
			 t->service, detail);
	}
	t->last = up ? HEALTH_UP : HEALTH_DOWN;
	schedule(t, (up ? t->interval : t->unhealthy_interval) -
		    elapsed_ns(&t->started));
}

static void probe_done(void *arg, bool up, const char *detail)
{
	struct hc_target *t = arg;

	t->ph = NULL;
	t->pt = NULL;
	record(t, up, detail);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct hc_target *t = arg;
	struct hc *hc = t->hc;

	if (t->ph || t->pt)
		return;		/* cannot happen: scheduled on completion */
	clock_gettime(CLOCK_MONOTONIC, &t->started);
	if (t->setup_error) {
		record(t, false, t->setup_error);
		return;
	}
	if (t->tcp)
		t->pt = probe_tcp_start(hc->a->base, hc->dns, &t->tcpo,
					probe_done, t);
	else
		t->ph = probe_http_start(hc->a->base, hc->dns, &t->http,
					 probe_done, t);
	if (!t->ph && !t->pt) {
		pr_warn("health: cannot probe %s: out of memory", t->server);
		schedule(t, t->interval);
	}
}

/* ---- applying a configuration ------------------------------------------ */

static struct hc_target *find_target(struct hc_target **v, size_t n,
				     const char *service, const char *server,
				     bool tcp)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i]->tcp == tcp && !strcmp(v[i]->service, service) &&
		    !strcmp(v[i]->server, server))
			return v[i];
	return NULL;
}

/* Keeps an operator's override on a configured server that is not probed
 * (and drops the probes' stale verdict on it).
 */
static void keep_forced(struct health_state *h, const char *service,
			const char *server)
{
	if (health_server_forced(h, service, server) == HEALTH_FORCE_AUTO)
		return;
	health_keep(h, service, server);
	health_server_reset(h, service, server);
}

static void keep_l4(struct health_state *h, const struct cfg_l4_service *v,
		    size_t n, const struct hc_build *b, bool tcp)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < v[i].lb.n_servers; j++)
			if (!tcp || !find_target(b->t, b->n, v[i].name,
						 v[i].lb.servers[j].address, true))
				keep_forced(h, v[i].name,
					    v[i].lb.servers[j].address);
}

/* Updates the registry for the targets of @b: every probed server is
 * registered, forced ones stay, the rest is swept.
 */
static void registry_apply(struct hc *hc, const struct config *cfg,
			   const struct hc_build *b)
{
	struct health_state *h = hc->a->health;
	size_t i, j;

	for (i = 0; i < b->n; i++)
		if (health_server_add(h, b->t[i]->service, b->t[i]->server))
			pr_warn("health: cannot register %s: out of memory",
				b->t[i]->server);
	for (i = 0; i < cfg->n_http_services; i++) {
		const struct cfg_http_service *s = &cfg->http_services[i];

		for (j = 0; j < s->lb.n_servers; j++)
			if (!find_target(b->t, b->n, s->name, s->lb.servers[j].url,
					 false))
				keep_forced(h, s->name, s->lb.servers[j].url);
	}
	keep_l4(h, cfg->tcp_services, cfg->n_tcp_services, b, true);
	keep_l4(h, cfg->udp_services, cfg->n_udp_services, b, false);
	health_sweep(h);
}

/* Replaces the running targets with @b (taken over) and probes them all
 * now. Servers that stay keep the last verdict for the log.
 */
static void install(struct hc *hc, const struct config *cfg,
		    struct hc_build *b)
{
	struct hc_build old = {
		.t = hc->t, .n = hc->n, .tls = hc->tls, .n_tls = hc->n_tls,
	};
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct hc_target *t = b->t[i], *o;

		o = find_target(old.t, old.n, t->service, t->server, t->tcp);
		t->last = o ? o->last : HEALTH_UNKNOWN;
	}
	build_free(&old);
	hc->t = b->t;
	hc->n = b->n;
	hc->tls = b->tls;
	hc->n_tls = b->n_tls;
	memset(b, 0, sizeof(*b));
	registry_apply(hc, cfg, &(struct hc_build){ .t = hc->t, .n = hc->n });
	for (i = 0; i < hc->n; i++)
		schedule(hc->t[i], 0);
	if (hc->n)
		pr_info("health: %zu server%s checked", hc->n,
			hc->n == 1 ? "" : "s");
}

static int apply(struct hc *hc, const struct config *cfg)
{
	struct hc_build b = { 0 };
	int err;

	err = build(hc, cfg, &b);
	if (err) {
		build_free(&b);
		return err;
	}
	install(hc, cfg, &b);
	return 0;
}

/* ---- the subsystem ------------------------------------------------------ */

static void hc_free(struct hc *hc)
{
	struct hc_build old;

	if (!hc)
		return;
	old = (struct hc_build){ .t = hc->t, .n = hc->n, .tls = hc->tls,
				 .n_tls = hc->n_tls };
	build_free(&old);
	if (hc->dns)
		evdns_base_free(hc->dns, 0);
	free(hc);
}

static int hc_start(struct agent *a)
{
	struct hc *hc;
	int err;

	if (!a->health)
		return -EINVAL;	/* agent_start() creates it */
	hc = calloc(1, sizeof(*hc));
	if (!hc)
		return -ENOMEM;
	hc->a = a;
	/* names resolve without blocking the loop; numeric addresses never
	 * touch DNS. Without a resolver, names fall back to getaddrinfo().
	 */
	hc->dns = evdns_base_new(a->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
					  EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (!hc->dns)
		pr_debug("health: no DNS resolver; names resolve with getaddrinfo()");
	err = health_ctl_register(a);
	if (err) {
		hc_free(hc);
		return err;
	}
	err = apply(hc, a->cfg);
	if (err) {
		hc_free(hc);
		return err;
	}
	a->subsys[AGENT_HEALTH] = hc;
	return 0;
}

static int hc_reload(struct agent *a, const struct config *next)
{
	return apply(a->subsys[AGENT_HEALTH], next);
}

static void hc_stop(struct agent *a)
{
	hc_free(a->subsys[AGENT_HEALTH]);
	a->subsys[AGENT_HEALTH] = NULL;
}

static void hc_status(struct agent *a, struct json_writer *w)
{
	struct hc *hc = a->subsys[AGENT_HEALTH];
	size_t i, http = 0, down = 0;

	for (i = 0; i < hc->n; i++) {
		http += !hc->t[i]->tcp;
		down += hc->t[i]->last == HEALTH_DOWN;
	}
	jsonw_start_object(w);
	jsonw_string_field(w, "state", "running");
	jsonw_u64_field(w, "http_targets", http);
	jsonw_u64_field(w, "tcp_targets", hc->n - http);
	jsonw_u64_field(w, "down", down);
	jsonw_u64_field(w, "probes", hc->probes);
	jsonw_u64_field(w, "failures", hc->failures);
	jsonw_u64_field(w, "transitions", hc->transitions);
	jsonw_end_object(w);
}

const struct agent_subsys health_subsys = {
	.name = "health",
	.start = hc_start,
	.reload = hc_reload,
	.stop = hc_stop,
	.status = hc_status,
};
