/* The entryPoint side of the routing graph: listeners' addresses,
 * inbound PROXY trust (CIDRs), routes by HostSNI and priority, and the
 * userspace-or-kernel decision per entryPoint.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "l4_internal.h"
#include "l4proxy.h"
#include "hostsni.h"

void l4_graph_entry_free(struct l4_entry *e, struct l4_registry *reg)
{
	size_t i;

	for (i = 0; i < e->n_routes; i++) {
		free(e->routes[i].name);
		l4_rule_names_free(e->routes[i].snis);
	}
	if (e->notls) {
		free(e->notls->name);
		l4_rule_names_free(e->notls->snis);
		free(e->notls);
	}
	free(e->routes);
	free(e->trusted);
	free(e->name);
	free(e->address);
	l4_stats_put(reg, e->stats);
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

bool l4_graph_trusted(const struct l4_entry *e, const struct sockaddr *sa)
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
		rt.svc = l4_graph_svc_find(g->udp_svcs, g->n_udp_svcs, r->service);
	} else {
		if (l4_rule_parse_host_sni(r->rule, &rt.snis)) {
			g->n_bad_routers++;
			return 0;
		}
		rt.svc = l4_graph_svc_find(g->tcp_svcs, g->n_tcp_svcs, r->service);
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
			l4_rule_names_free(rt.snis);
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
	l4_rule_names_free(rt.snis);
	return -ENOMEM;
}

static int router_name_cmp(const void *a, const void *b)
{
	const struct cfg_l4_router *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* The usable routers of each entryPoint, in name order (UDP has one
 * router per entryPoint: the first by name, so the choice does not depend
 * on file order): one sort and one pass over the routers, not a scan of
 * every router for every entryPoint. A router without entryPoints is on
 * every entryPoint (Traefik). Compressed rows: entryPoint i's routers
 * are at[off[i]] .. at[off[i + 1] - 1], entryPoints in cfg order.
 */
struct ep_routers {
	const struct cfg_l4_router **at;
	size_t *off;
};

/* Calls @fn for every (entryPoint index, router) pair of @r, in order. */
static void ep_pairs(const struct config *cfg,
		     const struct cfg_l4_router *const *r, size_t n,
		     void (*fn)(void *, size_t, const struct cfg_l4_router *),
		     void *arg)
{
	size_t i, j, ep;

	for (i = 0; i < n; i++) {
		if (r[i]->broken)
			continue;
		if (!r[i]->entry_points.n) {
			for (ep = 0; ep < cfg->n_entry_points; ep++)
				fn(arg, ep, r[i]);
			continue;
		}
		for (j = 0; j < r[i]->entry_points.n; j++) {
			const struct cfg_entry_point *e =
				config_entry_point(cfg, r[i]->entry_points.v[j]);

			if (e)
				fn(arg, (size_t)(e - cfg->entry_points), r[i]);
		}
	}
}

static void pair_count(void *arg, size_t ep, const struct cfg_l4_router *r)
{
	((struct ep_routers *)arg)->off[ep + 1]++;
}

static void pair_put(void *arg, size_t ep, const struct cfg_l4_router *r)
{
	struct ep_routers *x = arg;

	x->at[x->off[ep]++] = r;
}

static int ep_routers_build(struct ep_routers *x, const struct config *cfg,
			    const struct cfg_l4_router *rv, size_t n)
{
	const struct cfg_l4_router **sorted;
	size_t i, n_ep = cfg->n_entry_points;

	sorted = calloc(n ? n : 1, sizeof(*sorted));
	x->off = calloc(n_ep + 2, sizeof(*x->off));
	x->at = NULL;
	if (!sorted || !x->off)
		goto out_nomem;
	for (i = 0; i < n; i++)
		sorted[i] = &rv[i];
	qsort(sorted, n, sizeof(*sorted), router_name_cmp);
	ep_pairs(cfg, sorted, n, pair_count, x);
	for (i = 0; i < n_ep; i++)
		x->off[i + 1] += x->off[i];
	x->at = calloc(x->off[n_ep] ? x->off[n_ep] : 1, sizeof(*x->at));
	if (!x->at)
		goto out_nomem;
	ep_pairs(cfg, sorted, n, pair_put, x);
	/* pair_put advanced each row's start to the next row's: shift back */
	memmove(x->off + 1, x->off, n_ep * sizeof(*x->off));
	x->off[0] = 0;
	free(sorted);
	return 0;

out_nomem:
	free(sorted);
	free(x->off);
	x->off = NULL;
	return -ENOMEM;
}

static void ep_routers_free(struct ep_routers *x)
{
	free(x->at);
	free(x->off);
}

static int entry_routes(struct l4_graph *g, struct l4_entry *e,
			const struct config *cfg, const struct ep_routers *x,
			size_t ep)
{
	size_t i;
	int err = 0;

	for (i = x->off[ep]; i < x->off[ep + 1] && !err; i++)
		err = route_add(g, e, cfg, x->at[i]);
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
	err = l4_graph_counters(reg, e->udp ? "udp-entrypoint" : "tcp-entrypoint",
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
		return l4_graph_resolve(hp, &e->bind, &e->bindlen);
	}
}

int l4_graph_entries_build(struct l4_graph *g, const struct config *cfg,
			 struct l4_registry *reg, bool dp_active)
{
	struct ep_routers tcp, udp;
	size_t i;
	int err;

	g->entries = calloc(cfg->n_entry_points + 1, sizeof(*g->entries));
	if (!g->entries)
		return -ENOMEM;
	err = ep_routers_build(&tcp, cfg, cfg->tcp_routers, cfg->n_tcp_routers);
	if (err)
		return err;
	err = ep_routers_build(&udp, cfg, cfg->udp_routers, cfg->n_udp_routers);
	if (err) {
		ep_routers_free(&tcp);
		return err;
	}
	for (i = 0; i < cfg->n_entry_points; i++) {
		struct l4_entry *e = &g->entries[g->n_entries];

		err = entry_copy(g, e, &cfg->entry_points[i], reg);
		g->n_entries++;
		if (err == -ENOMEM)
			break;
		if (err) {
			err = 0;
			continue;	/* unresolvable host: never served */
		}
		err = entry_routes(g, e, cfg, e->udp ? &udp : &tcp, i);
		if (err)
			break;
		if (!e->n_routes && !e->notls)
			continue;	/* no tcp/udp router here */
		e->serve = !dp_active || e->needs_proxy;
	}
	ep_routers_free(&tcp);
	ep_routers_free(&udp);
	return err;
}

struct l4_route *l4_graph_route(struct l4_entry *e, bool tls, const char *sni)
{
	size_t i;
	char **p;

	if (!tls)
		return e->notls;
	/* A named match by priority first, then a TLS catch-all `*`. */
	for (i = 0; sni[0] && i < e->n_routes; i++)
		for (p = e->routes[i].snis; *p; p++)
			if (strcmp(*p, "*") && l4_rule_sni_match(*p, sni))
				return &e->routes[i];
	for (i = 0; i < e->n_routes; i++)
		for (p = e->routes[i].snis; *p; p++)
			if (!strcmp(*p, "*"))
				return &e->routes[i];
	return NULL;
}
