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

#include "config.h"
#include "l4_internal.h"
#include "l4proxy.h"
#include "hostsni.h"

#define L4_MAX_DEPTH	16	/* weighted nesting; deeper is a cycle */

int l4_graph_resolve(const char *address, struct sockaddr_storage *sa,
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
		l4_stats_put(reg, s->servers[i].stats);
	}
	for (i = 0; i < s->n_children; i++)
		free(s->child_names[i]);
	free(s->servers);
	free(s->child_names);
	free(s->children);
	free(s->wrr_e);
	free(s->name);
	l4_stats_put(reg, s->stats);
}

struct l4_graph *l4_graph_get(struct l4_graph *g)
{
	g->refs++;
	return g;
}

void l4_graph_put(struct l4_graph *g, struct l4_registry *reg)
{
	size_t i;

	if (!g || --g->refs)
		return;
	for (i = 0; i < g->n_tcp_svcs; i++)
		service_free(&g->tcp_svcs[i], reg);
	for (i = 0; i < g->n_udp_svcs; i++)
		service_free(&g->udp_svcs[i], reg);
	for (i = 0; i < g->n_entries; i++)
		l4_graph_entry_free(&g->entries[i], reg);
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

int l4_graph_counters(struct l4_registry *reg, const char *kind,
			const char *a, const char *b, struct l4_counters **out)
{
	char key[512];

	snprintf(key, sizeof(key), "%s|%s|%s", kind, a, b ? b : "");
	*out = l4_stats_get(reg, key);
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
		sv->resolved = !l4_graph_resolve(sv->address, &sv->sa,
					      &sv->salen);
		s->n_servers++;
		if (l4_graph_counters(reg, udp ? "udp-server" : "tcp-server",
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
		err = l4_graph_counters(reg, udp ? "udp-service" : "tcp-service",
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

struct l4_service *l4_graph_svc_find(struct l4_service *v, size_t n,
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
			v[i].children[j] = l4_graph_svc_find(v, n, v[i].child_names[j]);
			if (!v[i].children[j])
				v[i].broken = true;
		}
	}
	for (i = 0; i < n; i++)
		if (svc_cycle(&v[i], 0))
			v[i].broken = true;
}

struct l4_server *l4_graph_pick(struct l4_service *svc, struct l4_service **leaf)
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

bool l4proxy_router_needs_proxy(const struct config *cfg,
				const struct cfg_l4_router *r)
{
	char **names, **p;
	bool sni = false;

	if (!l4_rule_parse_host_sni(r->rule, &names)) {
		for (p = names; *p; p++)
			sni |= strcmp(*p, "*") != 0;
		l4_rule_names_free(names);
	}
	return sni || r->tls || r->tls_passthrough ||
	       config_tcp_service_needs_proxy(cfg, r->service);
}

struct l4_graph *l4_graph_build(const struct config *cfg,
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
	err = l4_graph_entries_build(g, cfg, reg, dp_active);
	if (err)
		goto out_put;
	return g;

out_put:
	l4_graph_put(g, reg);
	errno = -err;
	return NULL;
}
