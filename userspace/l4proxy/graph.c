/* The routing graph: entryPoints -> routes -> services -> servers, copied
 * from a configuration so nothing points into it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "l4_internal.h"
#include "l4proxy.h"
#include "rule.h"

#define L4_MAX_DEPTH	16	/* weighted nesting; deeper is a cycle */

int graph_resolve(const char *address, struct sockaddr_storage *sa,
		  socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	char host[256];
	const char *colon, *h = address, *port;
	size_t hl;

	colon = strrchr(address, ':');
	if (!colon || !colon[1])
		return -EINVAL;
	port = colon + 1;
	hl = (size_t)(colon - address);
	if (hl >= 2 && address[0] == '[' && address[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(hl ? host : NULL, port, &hints, &res))
		return -ENOENT;
	memcpy(sa, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void service_free(struct l4_service *s, struct l4_registry *reg)
{
	size_t i;

	for (i = 0; i < s->n_servers; i++) {
		free(s->servers[i].address);
		stats_put(reg, s->servers[i].stats);
	}
	for (i = 0; i < s->n_children; i++)
		free(s->child_names[i]);
	free(s->servers);
	free(s->child_names);
	free(s->children);
	free(s->wrr_e);
	free(s->name);
	stats_put(reg, s->stats);
}

static void entry_free(struct l4_entry *e, struct l4_registry *reg)
{
	size_t i;

	for (i = 0; i < e->n_routes; i++) {
		free(e->routes[i].name);
		rule_names_free(e->routes[i].snis);
	}
	if (e->notls) {
		free(e->notls->name);
		rule_names_free(e->notls->snis);
		free(e->notls);
	}
	free(e->routes);
	free(e->trusted);
	free(e->name);
	free(e->address);
	stats_put(reg, e->stats);
}

struct l4_graph *graph_get(struct l4_graph *g)
{
	g->refs++;
	return g;
}

void graph_put(struct l4_graph *g, struct l4_registry *reg)
{
	size_t i;

	if (!g || --g->refs)
		return;
	for (i = 0; i < g->n_tcp_svcs; i++)
		service_free(&g->tcp_svcs[i], reg);
	for (i = 0; i < g->n_udp_svcs; i++)
		service_free(&g->udp_svcs[i], reg);
	for (i = 0; i < g->n_entries; i++)
		entry_free(&g->entries[i], reg);
	free(g->tcp_svcs);
	free(g->udp_svcs);
	free(g->entries);
	free(g);
}

/* Traefik shuffles servers and children at build time (time-seeded), so the
 * first pick after a load is random; only the ratios are fixed.
 */
static void shuffle_servers(struct l4_server *v, size_t n)
{
	struct l4_server t;
	size_t i, j;

	for (i = n; i > 1; i--) {
		j = (size_t)random() % i;
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

static int counters_for(struct l4_registry *reg, const char *kind,
			const char *a, const char *b, struct l4_counters **out)
{
	char key[512];

	snprintf(key, sizeof(key), "%s|%s|%s", kind, a, b ? b : "");
	*out = stats_get(reg, key);
	return *out ? 0 : -ENOMEM;
}

static int lb_copy(struct l4_service *s, const struct cfg_l4_service *c,
		   struct l4_registry *reg, bool udp)
{
	size_t i;

	s->servers = calloc(c->lb.n_servers ? c->lb.n_servers : 1,
			    sizeof(*s->servers));
	if (!s->servers)
		return -ENOMEM;
	for (i = 0; i < c->lb.n_servers; i++) {
		struct l4_server *sv = &s->servers[s->n_servers];

		sv->address = strdup(c->lb.servers[i].address ?
				     c->lb.servers[i].address : "");
		if (!sv->address)
			return -ENOMEM;
		sv->weight = c->lb.servers[i].weight;
		sv->resolved = !graph_resolve(sv->address, &sv->sa,
					      &sv->salen);
		s->n_servers++;
		if (counters_for(reg, udp ? "udp-server" : "tcp-server",
				 s->name, sv->address, &sv->stats))
			return -ENOMEM;
	}
	shuffle_servers(s->servers, s->n_servers);
	s->wrr_e = calloc(s->n_servers ? s->n_servers : 1, sizeof(*s->wrr_e));
	if (!s->wrr_e)
		return -ENOMEM;
	for (i = 0; i < s->n_servers; i++) {
		/* An address that does not resolve is skipped, as Traefik
		 * skips servers it cannot build.
		 */
		s->wrr_e[i].weight = s->servers[i].weight;
		s->wrr_e[i].down = !s->servers[i].resolved;
	}
	wrr_init(&s->wrr, s->wrr_e, s->n_servers);
	if (!udp && c->lb.proxy_protocol)
		s->pp_version = c->lb.proxy_protocol_version;
	s->term_delay = udp ? 0 : c->lb.termination_delay;
	return 0;
}

static int weighted_copy(struct l4_service *s, const struct cfg_l4_service *c)
{
	size_t i, n = c->weighted.n_services;

	s->child_names = calloc(n ? n : 1, sizeof(*s->child_names));
	s->children = calloc(n ? n : 1, sizeof(*s->children));
	s->wrr_e = calloc(n ? n : 1, sizeof(*s->wrr_e));
	if (!s->child_names || !s->children || !s->wrr_e)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		s->child_names[i] = strdup(c->weighted.services[i].name);
		if (!s->child_names[i])
			return -ENOMEM;
		s->wrr_e[i].weight = c->weighted.services[i].weight;
		s->n_children++;
	}
	/* shuffle names and weights together */
	for (i = n; i > 1; i--) {
		size_t j = (size_t)random() % i;
		char *tn = s->child_names[i - 1];
		struct wrr_entry te = s->wrr_e[i - 1];

		s->child_names[i - 1] = s->child_names[j];
		s->child_names[j] = tn;
		s->wrr_e[i - 1] = s->wrr_e[j];
		s->wrr_e[j] = te;
	}
	wrr_init(&s->wrr, s->wrr_e, n);
	return 0;
}

static int services_copy(struct l4_service **out, size_t *nout,
			 const struct cfg_l4_service *cs, size_t n,
			 struct l4_registry *reg, bool udp)
{
	struct l4_service *v;
	size_t i;
	int err;

	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	*out = v;
	for (i = 0; i < n; i++) {
		struct l4_service *s = &v[i];

		s->name = strdup(cs[i].name);
		if (!s->name)
			return -ENOMEM;
		(*nout)++;
		s->kind = cs[i].kind;
		s->broken = cs[i].broken;
		err = counters_for(reg, udp ? "udp-service" : "tcp-service",
				   s->name, NULL, &s->stats);
		if (err)
			return err;
		if (s->kind == CFG_SVC_LOADBALANCER)
			err = lb_copy(s, &cs[i], reg, udp);
		else if (s->kind == CFG_SVC_WEIGHTED)
			err = weighted_copy(s, &cs[i]);
		else
			s->broken = true;
		if (err)
			return err;
	}
	return 0;
}

static struct l4_service *svc_find(struct l4_service *v, size_t n,
				   const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

/* A weighted service is broken when a child is missing or the nesting
 * loops; its weight-0 or broken children simply never get picked.
 */
static bool svc_cycle(const struct l4_service *s, int depth)
{
	size_t i;

	if (depth > L4_MAX_DEPTH)
		return true;
	for (i = 0; i < s->n_children; i++)
		if (s->children[i] && svc_cycle(s->children[i], depth + 1))
			return true;
	return false;
}

static void services_link(struct l4_service *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < v[i].n_children; j++) {
			v[i].children[j] = svc_find(v, n, v[i].child_names[j]);
			if (!v[i].children[j])
				v[i].broken = true;
		}
	}
	for (i = 0; i < n; i++)
		if (svc_cycle(&v[i], 0))
			v[i].broken = true;
}

struct l4_server *graph_pick(struct l4_service *svc, struct l4_service **leaf)
{
	int depth, i;

	for (depth = 0; svc && depth <= L4_MAX_DEPTH; depth++) {
		if (svc->broken)
			return NULL;
		i = wrr_next(&svc->wrr);
		if (i < 0)
			return NULL;
		if (svc->kind == CFG_SVC_LOADBALANCER) {
			*leaf = svc;
			return &svc->servers[i];
		}
		svc = svc->children[i];
	}
	return NULL;
}

static const struct cfg_l4_service *cfg_tcp_svc(const struct config *cfg,
					       const char *name)
{
	size_t i;

	for (i = 0; name && i < cfg->n_tcp_services; i++)
		if (!strcmp(cfg->tcp_services[i].name, name))
			return &cfg->tcp_services[i];
	return NULL;
}

/* Does any loadBalancer under @s need the terminating proxy? */
static bool svc_needs_proxy(const struct config *cfg,
			    const struct cfg_l4_service *s, int depth)
{
	size_t i;

	if (!s || depth > L4_MAX_DEPTH)
		return false;
	if (s->kind == CFG_SVC_LOADBALANCER)
		return s->lb.proxy_protocol ||
		       s->lb.termination_delay != L4_DEFAULT_TERM_DELAY;
	for (i = 0; i < s->weighted.n_services; i++)
		if (svc_needs_proxy(cfg, cfg_tcp_svc(cfg,
				    s->weighted.services[i].name), depth + 1))
			return true;
	return false;
}

bool l4proxy_router_needs_proxy(const struct config *cfg,
				const struct cfg_l4_router *r)
{
	char **names, **p;
	bool sni = false;

	if (!rule_parse_host_sni(r->rule, &names)) {
		for (p = names; *p; p++)
			sni |= strcmp(*p, "*") != 0;
		rule_names_free(names);
	}
	return sni || r->tls || r->tls_passthrough ||
	       svc_needs_proxy(cfg, cfg_tcp_svc(cfg, r->service), 0);
}

static int cidr_parse(const char *s, struct l4_cidr *c)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned int max;
	long bits;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, buf, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, c->addr) == 1)
		c->family = AF_INET6;
	else
		return -EINVAL;
	max = c->family == AF_INET ? 32 : 128;
	c->bits = max;
	if (slash) {
		bits = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1 || bits < 0 || bits > (long)max)
			return -EINVAL;
		c->bits = (unsigned int)bits;
	}
	return 0;
}

static bool cidr_contains(const struct l4_cidr *c, int family,
			  const unsigned char *a)
{
	unsigned int full = c->bits / 8, rest = c->bits % 8;

	if (family != c->family)
		return false;
	if (memcmp(a, c->addr, full))
		return false;
	return !rest || !((a[full] ^ c->addr[full]) & (0xff00 >> rest));
}

bool graph_trusted(const struct l4_entry *e, const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6 = (const void *)sa;
	const struct sockaddr_in *s4 = (const void *)sa;
	const unsigned char *a;
	int family = sa->sa_family;
	size_t i;

	if (e->pp_insecure)
		return true;
	if (family == AF_INET) {
		a = (const void *)&s4->sin_addr;
	} else if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		family = AF_INET;
		a = &s6->sin6_addr.s6_addr[12];
	} else {
		a = s6->sin6_addr.s6_addr;
	}
	for (i = 0; i < e->n_trusted; i++)
		if (cidr_contains(&e->trusted[i], family, a))
			return true;
	return false;
}

static bool router_on(const struct cfg_l4_router *r, const char *ep)
{
	size_t i;

	if (!r->entry_points.n)
		return true;	/* Traefik: every entryPoint of the protocol */
	for (i = 0; i < r->entry_points.n; i++)
		if (!strcmp(r->entry_points.v[i], ep))
			return true;
	return false;
}

static int route_cmp(const void *a, const void *b)
{
	const struct l4_route *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int route_add(struct l4_graph *g, struct l4_entry *e,
		     const struct config *cfg, const struct cfg_l4_router *r)
{
	struct l4_route rt = { .priority = r->priority }, *v;
	char **p;
	bool star = false, named = false;

	if (e->udp) {
		rt.svc = svc_find(g->udp_svcs, g->n_udp_svcs, r->service);
	} else {
		if (rule_parse_host_sni(r->rule, &rt.snis)) {
			g->n_bad_routers++;
			return 0;
		}
		rt.svc = svc_find(g->tcp_svcs, g->n_tcp_svcs, r->service);
		for (p = rt.snis; *p; p++) {
			star |= !strcmp(*p, "*");
			named |= strcmp(*p, "*") != 0;
		}
		e->needs_proxy |= l4proxy_router_needs_proxy(cfg, r);
	}
	rt.name = strdup(r->name);
	if (!rt.name)
		goto out_free;
	/* HostSNI(`*`) alone without tls: the plain TCP catch-all. The
	 * first by priority wins.
	 */
	if (e->udp || (star && !named && !r->tls && !r->tls_passthrough)) {
		if (e->notls) {
			free(rt.name);
			rule_names_free(rt.snis);
			return 0;
		}
		e->notls = malloc(sizeof(*e->notls));
		if (!e->notls)
			goto out_free;
		*e->notls = rt;
		return 0;
	}
	rt.tls = true;
	v = realloc(e->routes, (e->n_routes + 1) * sizeof(*v));
	if (!v)
		goto out_free;
	v[e->n_routes++] = rt;
	e->routes = v;
	return 0;

out_free:
	free(rt.name);
	rule_names_free(rt.snis);
	return -ENOMEM;
}

static int router_name_cmp(const void *a, const void *b)
{
	const struct cfg_l4_router *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int entry_routes(struct l4_graph *g, struct l4_entry *e,
			const struct config *cfg)
{
	const struct cfg_l4_router *rv = e->udp ? cfg->udp_routers :
						  cfg->tcp_routers;
	size_t n = e->udp ? cfg->n_udp_routers : cfg->n_tcp_routers, i;
	const struct cfg_l4_router **sorted;
	int err = 0;

	/* UDP has one router per entryPoint: take the first by name, so the
	 * choice does not depend on file order.
	 */
	sorted = calloc(n ? n : 1, sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		sorted[i] = &rv[i];
	qsort(sorted, n, sizeof(*sorted), router_name_cmp);
	for (i = 0; i < n && !err; i++) {
		if (sorted[i]->broken || !router_on(sorted[i], e->name))
			continue;
		err = route_add(g, e, cfg, sorted[i]);
	}
	free(sorted);
	if (e->n_routes > 1)
		qsort(e->routes, e->n_routes, sizeof(*e->routes), route_cmp);
	return err;
}

static int entry_copy(struct l4_graph *g, struct l4_entry *e,
		      const struct cfg_entry_point *c, struct l4_registry *reg)
{
	size_t i;
	int err;

	e->name = strdup(c->name);
	e->address = strdup(c->address ? c->address : "");
	if (!e->name || !e->address)
		return -ENOMEM;
	e->udp = c->proto == CFG_PROTO_UDP;
	e->udp_timeout = c->udp_timeout > 0 ? c->udp_timeout :
					      3 * NSEC_PER_SEC;
	e->pp_in = c->proxy_protocol;
	e->pp_insecure = c->proxy_protocol_insecure;
	e->trusted = calloc(c->proxy_trusted_ips.n + 1, sizeof(*e->trusted));
	if (!e->trusted)
		return -ENOMEM;
	for (i = 0; i < c->proxy_trusted_ips.n; i++)
		if (!cidr_parse(c->proxy_trusted_ips.v[i],
				&e->trusted[e->n_trusted]))
			e->n_trusted++;
	err = counters_for(reg, e->udp ? "udp-entrypoint" : "tcp-entrypoint",
			   e->name, NULL, &e->stats);
	if (err)
		return err;
	if (!c->host || !c->host[0]) {
		struct sockaddr_in6 *s6 = (void *)&e->bind;

		e->any_host = true;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons(c->port);
		e->bindlen = sizeof(*s6);
		return 0;
	}
	{
		char hp[300];

		snprintf(hp, sizeof(hp), strchr(c->host, ':') ? "[%s]:%u" :
			 "%s:%u", c->host, c->port);
		return graph_resolve(hp, &e->bind, &e->bindlen);
	}
}

static int entries_build(struct l4_graph *g, const struct config *cfg,
			 struct l4_registry *reg, bool dp_active)
{
	size_t i;
	int err;

	g->entries = calloc(cfg->n_entry_points + 1, sizeof(*g->entries));
	if (!g->entries)
		return -ENOMEM;
	for (i = 0; i < cfg->n_entry_points; i++) {
		struct l4_entry *e = &g->entries[g->n_entries];

		err = entry_copy(g, e, &cfg->entry_points[i], reg);
		g->n_entries++;
		if (err == -ENOMEM)
			return err;
		if (err)
			continue;	/* unresolvable host: never served */
		err = entry_routes(g, e, cfg);
		if (err)
			return err;
		if (!e->n_routes && !e->notls)
			continue;	/* no tcp/udp router here */
		e->serve = !dp_active || e->needs_proxy;
	}
	return 0;
}

struct l4_graph *graph_build(const struct config *cfg,
			     struct l4_registry *reg, bool dp_active)
{
	static bool seeded;
	struct l4_graph *g;
	int err;

	if (!seeded) {
		srandom((unsigned int)time(NULL) ^ (unsigned int)getpid());
		seeded = true;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->refs = 1;
	err = services_copy(&g->tcp_svcs, &g->n_tcp_svcs, cfg->tcp_services,
			    cfg->n_tcp_services, reg, false);
	if (!err)
		err = services_copy(&g->udp_svcs, &g->n_udp_svcs,
				    cfg->udp_services, cfg->n_udp_services,
				    reg, true);
	if (err)
		goto out_put;
	services_link(g->tcp_svcs, g->n_tcp_svcs);
	services_link(g->udp_svcs, g->n_udp_svcs);
	err = entries_build(g, cfg, reg, dp_active);
	if (err)
		goto out_put;
	return g;

out_put:
	graph_put(g, reg);
	errno = -err;
	return NULL;
}

struct l4_route *graph_route(struct l4_entry *e, bool tls, const char *sni)
{
	size_t i;
	char **p;

	if (!tls)
		return e->notls;
	/* A named match by priority first, then a TLS catch-all `*`. */
	for (i = 0; sni[0] && i < e->n_routes; i++)
		for (p = e->routes[i].snis; *p; p++)
			if (strcmp(*p, "*") && rule_sni_match(*p, sni))
				return &e->routes[i];
	for (i = 0; i < e->n_routes; i++)
		for (p = e->routes[i].snis; *p; p++)
			if (!strcmp(*p, "*"))
				return &e->routes[i];
	return NULL;
}
