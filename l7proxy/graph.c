/* Building, querying and freeing the routing and service graph: see
 * graph.h.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <http_parser.h>

#include "config.h"
#include "graph.h"
#include "health.h"
#include "metrics.h"
#include "rule.h"
#include "svc.h"
#include "transport.h"

#define DEFAULT_TRANSPORT "default@internal"

static void set_warn(char *warn, size_t len, const char *fmt, const char *a,
		     const char *b)
{
	if (warn[0])
		return;
	snprintf(warn, len, fmt, a, b);
}

/* ---- servers load balancer ---------------------------------------------- */

static int lb_pick(struct svc_node *n, const struct rule_req *req,
		   struct svc_pick *out)
{
	return svc_lb_pick((struct lb_node *)n, req, out);
}

static void lb_free(struct svc_node *n)
{
	struct lb_node *lb = (struct lb_node *)n;
	size_t i;

	for (i = 0; i < lb->n_servers; i++) {
		free(lb->servers[i].url);
		free(lb->servers[i].host);
		free(lb->servers[i].hostport);
		free(lb->servers[i].pool_key);
	}
	free(lb->servers);
	edf_fini(&lb->edf);
	svc_lb_fini(lb);
	svc_ext_free(n->x);
	free(n->name);
	free(lb);
}

static const struct svc_ops lb_ops = {
	.pick = lb_pick,
	.free = lb_free,
};

/* Parses @url into @s (scheme, host, port, address). A host that does not
 * resolve leaves addrlen 0: requests to it fail with 502 as a DNS error
 * does in Traefik.
 */
static int server_init(struct l7_server *s, const char *url)
{
	struct http_parser_url u;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	char port[8];
	size_t hl;

	s->url = strdup(url);
	if (!s->url)
		return -ENOMEM;
	http_parser_url_init(&u);
	if (http_parser_parse_url(url, strlen(url), 0, &u) ||
	    !(u.field_set & (1 << UF_SCHEMA)) || !(u.field_set & (1 << UF_HOST)))
		return -EINVAL;
	if (u.field_data[UF_SCHEMA].len == 5 &&
	    !strncasecmp(url + u.field_data[UF_SCHEMA].off, "https", 5))
		s->tls = true;
	else if (u.field_data[UF_SCHEMA].len != 4 ||
		 strncasecmp(url + u.field_data[UF_SCHEMA].off, "http", 4))
		return -EINVAL;
	hl = u.field_data[UF_HOST].len;
	s->host = strndup(url + u.field_data[UF_HOST].off, hl);
	if (u.field_set & (1 << UF_PORT))
		snprintf(port, sizeof(port), "%u", u.port);
	else
		snprintf(port, sizeof(port), "%u", s->tls ? 443 : 80);
	/* host[:port] exactly as written, brackets included */
	{
		size_t start = u.field_data[UF_HOST].off;
		size_t end = start + hl;

		if (start > 0 && url[start - 1] == '[')
			start--, end++;
		if (u.field_set & (1 << UF_PORT))
			end = u.field_data[UF_PORT].off + u.field_data[UF_PORT].len;
		s->hostport = strndup(url + start, end - start);
	}
	if (!s->host || !s->hostport)
		return -ENOMEM;
	if (!getaddrinfo(s->host, port, &hints, &ai) && ai) {
		memcpy(&s->addr, ai->ai_addr, ai->ai_addrlen);
		s->addrlen = ai->ai_addrlen;
	}
	if (ai)
		freeaddrinfo(ai);
	return 0;
}

static void shuffle(struct l7_server *v, size_t n)
{
	size_t i;

	/* Traefik shuffles servers at build time with a time-seeded PRNG, so
	 * the first pick after a (re)load is random; ratios are exact. */
	for (i = n; i > 1; i--) {
		size_t j = (size_t)random() % i;
		struct l7_server t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

static struct l7_transport *find_transport(struct l7_graph *g,
					   const char *name)
{
	size_t i;

	for (i = 0; i < g->n_transports; i++)
		if (!strcmp(g->transports[i].name, name))
			return &g->transports[i];
	return NULL;
}

static struct svc_node *lb_build(struct l7_graph *g,
				 const struct cfg_http_service *cs,
				 struct stats_reg *reg, char *warn,
				 size_t warnlen)
{
	const char *tname = cs->lb.servers_transport ?
			    cs->lb.servers_transport : DEFAULT_TRANSPORT;
	struct lb_node *lb;
	char key[1024];
	size_t i;

	lb = calloc(1, sizeof(*lb));
	if (!lb)
		return NULL;
	lb->node.ops = &lb_ops;
	lb->node.kind = CFG_SVC_LOADBALANCER;
	lb->node.name = strdup(cs->name);
	lb->node.stats = stats_get(reg, L7_STATS_SERVICE, cs->name);
	lb->pass_host = cs->lb.pass_host_header;
	lb->flush_interval = cs->lb.flush_interval;
	lb->transport = find_transport(g, tname);
	lb->servers = calloc(cs->lb.n_servers + 1, sizeof(*lb->servers));
	if (!lb->node.name || !lb->servers ||
	    edf_init(&lb->edf, cs->lb.n_servers))
		goto out_free;
	if (!lb->transport) {
		set_warn(warn, warnlen, "servers transport not found %s%s",
			 tname, "");
		goto out_free;
	}
	for (i = 0; i < cs->lb.n_servers; i++) {
		struct l7_server *s = &lb->servers[i];

		lb->n_servers++;
		if (server_init(s, cs->lb.servers[i].url)) {
			set_warn(warn, warnlen, "service %s: bad server url %s",
				 cs->name, cs->lb.servers[i].url);
			goto out_free;
		}
		s->weight = cs->lb.servers[i].weight;
		s->lb = lb;
		snprintf(key, sizeof(key), "%s|%s", cs->name, s->url);
		s->stats = stats_get(reg, L7_STATS_SERVER, key);
		snprintf(key, sizeof(key), "%s#%016llx|%s://%s", tname,
			 (unsigned long long)lb->transport->hash,
			 s->tls ? "https" : "http", s->hostport);
		s->pool_key = strdup(key);
		if (!s->pool_key)
			goto out_free;
	}
	shuffle(lb->servers, lb->n_servers);
	for (i = 0; i < lb->n_servers; i++)
		edf_add(&lb->edf, &lb->servers[i], lb->servers[i].weight);
	if (svc_lb_init(lb, cs))
		goto out_free;
	return &lb->node;

out_free:
	lb_free(&lb->node);
	return NULL;
}

/* ---- transports ---------------------------------------------------------- */

static const struct cfg_servers_transport *
cfg_transport(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_transports; i++)
		if (!strcmp(cfg->transports[i].name, name))
			return &cfg->transports[i];
	return NULL;
}

static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len--)
		h = (h ^ *c++) * 1099511628211ULL;
	return h;
}

static uint64_t transport_hash(const struct cfg_servers_transport *t)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	h = fnv(h, t->server_name ? t->server_name : "", t->server_name ?
		strlen(t->server_name) : 0);
	h = fnv(h, &t->insecure_skip_verify, sizeof(t->insecure_skip_verify));
	for (i = 0; i < t->root_cas.n; i++)
		h = fnv(h, t->root_cas.v[i], strlen(t->root_cas.v[i]));
	for (i = 0; i < t->n_certificates; i++) {
		const struct cfg_cert_pair *c = &t->certificates[i];

		h = fnv(h, c->cert_file, c->cert_file ? strlen(c->cert_file) : 0);
		h = fnv(h, c->key_file, c->key_file ? strlen(c->key_file) : 0);
	}
	h = fnv(h, t->peer_cert_uri, t->peer_cert_uri ?
		strlen(t->peer_cert_uri) : 0);
	return h;
}

static int transport_init(struct l7_transport *lt,
			  const struct cfg_servers_transport *t,
			  const char *name)
{
	lt->name = strdup(name);
	if (!lt->name)
		return -ENOMEM;
	if (!t) {
		/* default@internal with the static defaults */
		lt->max_idle = 200;
		lt->dial_timeout = 30 * NSEC_PER_SEC;
		lt->idle_timeout = 90 * NSEC_PER_SEC;
		lt->hash = 1;
		return 0;
	}
	lt->max_idle = t->max_idle_conns_per_host;
	lt->dial_timeout = t->dial_timeout;
	lt->rh_timeout = t->response_header_timeout;
	lt->idle_timeout = t->idle_conn_timeout;
	lt->hash = transport_hash(t);
	return 0;
}

/* Creates the TLS side of every transport an https server uses. A
 * transport whose TLS setup fails keeps tls NULL: its https requests get
 * 500, and @warn says why.
 */
static void transports_tls(struct l7_graph *g, const struct config *cfg,
			   char *warn, size_t warnlen)
{
	size_t i, j;

	for (i = 0; i < g->n_services; i++) {
		struct lb_node *lb = (struct lb_node *)g->services[i];
		const struct cfg_servers_transport *ct;
		char err[256] = "";

		if (g->services[i]->kind != CFG_SVC_LOADBALANCER ||
		    lb->transport->tls)
			continue;
		for (j = 0; j < lb->n_servers && !lb->servers[j].tls; j++)
			;
		if (j == lb->n_servers)
			continue;
		ct = cfg_transport(cfg, lb->transport->name);
		lb->transport->tls = calloc(1, sizeof(*lb->transport->tls));
		if (!lb->transport->tls)
			continue;
		atomic_init(&lb->transport->tls->refs, 1);
		lb->transport->tls->tls = transport_tls_new(ct, err,
							    sizeof(err));
		if (!lb->transport->tls->tls)
			set_warn(warn, warnlen, "servers transport %s: %s",
				 lb->transport->name, err);
	}
}

/* ---- routers -------------------------------------------------------------- */

static int router_cmp(const void *a, const void *b)
{
	const struct l7_router *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

static uint64_t router_eps(const struct cfg_router *r, char *const *eps,
			   size_t n_eps)
{
	uint64_t mask = 0;
	size_t i, j;

	if (!r->entry_points.n)
		return n_eps >= 64 ? ~0ULL : (1ULL << n_eps) - 1;
	for (i = 0; i < r->entry_points.n; i++)
		for (j = 0; j < n_eps; j++)
			if (!strcmp(r->entry_points.v[i], eps[j]))
				mask |= 1ULL << j;
	return mask;
}

static int routers_build(struct l7_graph *g, const struct config *cfg,
			 char *const *eps, size_t n_eps,
			 struct stats_reg *reg, char *warn, size_t warnlen)
{
	size_t i;

	g->routers = calloc(cfg->n_http_routers + 1, sizeof(*g->routers));
	if (!g->routers)
		return -ENOMEM;
	for (i = 0; i < n_eps && i < 64; i++)
		if (config_entry_point_tcp_routed(cfg, eps[i]))
			g->ep_tcp |= 1ULL << i;
	for (i = 0; i < cfg->n_http_routers; i++) {
		const struct cfg_router *cr = &cfg->http_routers[i];
		struct l7_router *r = &g->routers[g->n_routers];
		char err[256];

		if (cr->broken || !cr->rule || !cr->service)
			continue;
		r->svc = graph_service(g, cr->service);
		if (!r->svc) {
			set_warn(warn, warnlen,
				 "router %s: service %s unavailable, router left out",
				 cr->name, cr->service);
			continue;
		}
		r->rule = rule_parse(cr->rule, err, sizeof(err));
		if (!r->rule) {
			set_warn(warn, warnlen, "router %s: %s", cr->name, err);
			continue;
		}
		r->name = strdup(cr->name);
		r->rule_text = strdup(cr->rule);
		if (!r->name || !r->rule_text) {
			free(r->name);
			free(r->rule_text);
			rule_free(r->rule);
			return -ENOMEM;
		}
		r->priority = cr->priority;
		r->ep_mask = router_eps(cr, eps, n_eps);
		r->stats = stats_get(reg, L7_STATS_ROUTER, cr->name);
		g->ep_used |= r->ep_mask & ~g->ep_tcp;
		g->n_routers++;
	}
	qsort(g->routers, g->n_routers, sizeof(*g->routers), router_cmp);
	return 0;
}

struct l7_graph *graph_build(const struct config *cfg,
			     char *const *ep_names, size_t n_eps,
			     struct stats_reg *reg,
			     const struct health_state *health, char *warn,
			     size_t warnlen)
{
	struct l7_graph *g;
	size_t i;

	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	atomic_init(&g->refs, 1);
	srandom((unsigned)time(NULL) ^ (unsigned)(uintptr_t)g);
	g->transports = calloc(cfg->n_transports + 1, sizeof(*g->transports));
	g->services = calloc(cfg->n_http_services + 1, sizeof(*g->services));
	if (!g->transports || !g->services)
		goto out_free;
	if (transport_init(&g->transports[g->n_transports++],
			   cfg_transport(cfg, DEFAULT_TRANSPORT),
			   DEFAULT_TRANSPORT))
		goto out_free;
	for (i = 0; i < cfg->n_transports; i++) {
		if (!strcmp(cfg->transports[i].name, DEFAULT_TRANSPORT))
			continue;
		if (transport_init(&g->transports[g->n_transports++],
				   &cfg->transports[i],
				   cfg->transports[i].name))
			goto out_free;
	}
	for (i = 0; i < cfg->n_http_services; i++) {
		const struct cfg_http_service *cs = &cfg->http_services[i];
		struct svc_node *n;

		if (cs->broken || cs->kind != CFG_SVC_LOADBALANCER)
			continue;	/* the others: svc_build_compound() */
		n = lb_build(g, cs, reg, warn, warnlen);
		if (!n)
			continue;
		((struct lb_node *)n)->health = health;
		g->services[g->n_services++] = n;
	}
	if (svc_build_compound(g, cfg, reg, warn, warnlen))
		goto out_free;
	transports_tls(g, cfg, warn, warnlen);
	if (routers_build(g, cfg, ep_names, n_eps, reg, warn, warnlen))
		goto out_free;
	return g;

out_free:
	graph_unref(g);
	return NULL;
}

void tls_ref_put(struct tls_ref *r)
{
	if (!r || atomic_fetch_sub_explicit(&r->refs, 1,
					    memory_order_acq_rel) != 1)
		return;
	transport_tls_free(r->tls);
	free(r);
}

void graph_unref(struct l7_graph *g)
{
	size_t i;

	if (!g || atomic_fetch_sub_explicit(&g->refs, 1,
					    memory_order_acq_rel) != 1)
		return;
	for (i = 0; i < g->n_routers; i++) {
		free(g->routers[i].name);
		free(g->routers[i].rule_text);
		rule_free(g->routers[i].rule);
	}
	free(g->routers);
	for (i = 0; i < g->n_services; i++)
		g->services[i]->ops->free(g->services[i]);
	free(g->services);
	for (i = 0; i < g->n_transports; i++) {
		free(g->transports[i].name);
		tls_ref_put(g->transports[i].tls);
	}
	free(g->transports);
	free(g);
}

const struct l7_router *graph_route(const struct l7_graph *g, int ep,
				    const struct rule_req *req)
{
	size_t i;

	for (i = 0; i < g->n_routers; i++) {
		const struct l7_router *r = &g->routers[i];

		if ((r->ep_mask & (1ULL << ep)) && rule_match(r->rule, req))
			return r;
	}
	return NULL;
}

struct svc_node *graph_service(const struct l7_graph *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->n_services; i++)
		if (!strcmp(g->services[i]->name, name))
			return g->services[i];
	return NULL;
}
