/* The userspace L4 proxy's lifecycle: graph swaps on reload, listeners
 * kept, opened and closed to match the entryPoints served, and the JSON
 * view of its state. See l4proxy.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "health.h"
#include "json_writer.h"
#include "l4_internal.h"
#include "l4proxy.h"

void l4_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in6 *s6 = (const void *)sa;
	const struct sockaddr_in *s4 = (const void *)sa;
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else {
		snprintf(buf, len, "?");
	}
}

static void listener_free(struct l4_listener *l)
{
	if (l->udp)
		l4_udp_listener_close(l);
	if (l->ev)
		event_free(l->ev);
	if (l->fd >= 0)
		close(l->fd);
	l4_graph_put(l->graph, &l->px->reg);
	free(l->entry_name);
	free(l);
}

static struct l4_listener *listener_find(struct l4proxy *p,
					 const struct l4_entry *e)
{
	struct l4_listener *l;

	for (l = p->listeners; l; l = l->next)
		if (l->udp == e->udp && !strcmp(l->entry_name, e->name) &&
		    l->bindlen == e->bindlen &&
		    !memcmp(&l->bind, &e->bind, e->bindlen) &&
		    l->n_steer == e->n_steer &&
		    !memcmp(l->steer_keys, e->steer_keys,
			    e->n_steer * sizeof(e->steer_keys[0])))
			return l;
	return NULL;
}

/* Binds @e; an any-address entryPoint falls back to IPv4 on hosts
 * without IPv6.
 */
static int listener_open(struct l4proxy *p, struct l4_graph *g,
			 struct l4_entry *e)
{
	struct l4_listener *l;
	int err;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->px = p;
	l->fd = -1;
	l->udp = e->udp;
	l->entry_name = strdup(e->name);
	l->bind = e->bind;
	l->bindlen = e->bindlen;
	l->graph = l4_graph_get(g);
	l->entry = e;
	l->n_steer = e->n_steer;
	memcpy(l->steer_keys, e->steer_keys, sizeof(l->steer_keys));
	if (!l->entry_name) {
		listener_free(l);
		return -ENOMEM;
	}
	err = e->udp ? l4_udp_listener_open(l) : l4_tcp_listener_open(l);
	if (err == -EAFNOSUPPORT && e->any_host) {
		struct sockaddr_in *s4 = (void *)&l->bind;
		uint16_t port = ((struct sockaddr_in6 *)&e->bind)->sin6_port;

		memset(&l->bind, 0, sizeof(l->bind));
		s4->sin_family = AF_INET;
		s4->sin_port = port;
		l->bindlen = sizeof(*s4);
		err = e->udp ? l4_udp_listener_open(l) : l4_tcp_listener_open(l);
		l->bind = e->bind;	/* keep the key listener_find uses */
		l->bindlen = e->bindlen;
	}
	if (err) {
		listener_free(l);
		return err;
	}
	l->next = p->listeners;
	p->listeners = l;
	return 0;
}

/* Makes the listeners match the entryPoints @g serves. Returns 0 or the
 * first bind error (the rest are still attempted).
 */
static int listeners_sync(struct l4proxy *p, struct l4_graph *g)
{
	struct l4_listener **pp, *l;
	size_t i;
	int err, first = 0;

	for (l = p->listeners; l; l = l->next)
		l->stale = true;
	for (i = 0; i < g->n_entries; i++)
		g->entries[i].n_steer = l4_steer_keys(p, &g->entries[i],
						      g->entries[i].steer_keys);
	for (i = 0; i < g->n_entries; i++) {
		struct l4_entry *e = &g->entries[i];

		if (!e->serve || !(l = listener_find(p, e)))
			continue;
		l->stale = false;
		/* the data plane's maps may be new (detached, restarted) */
		if (l->n_steer)
			l4_steer_register(l);
		l4_graph_put(l->graph, &p->reg);
		l->graph = l4_graph_get(g);
		l->entry = e;
	}
	for (pp = &p->listeners; (l = *pp);) {
		if (l->stale) {
			*pp = l->next;
			listener_free(l);
		} else {
			pp = &l->next;
		}
	}
	for (i = 0; i < g->n_entries; i++) {
		struct l4_entry *e = &g->entries[i];

		if (!e->serve || listener_find(p, e))
			continue;
		err = listener_open(p, g, e);
		if (err && !first) {
			first = err;
			snprintf(p->err, sizeof(p->err),
				 "entryPoint %s (%s): cannot listen: %s",
				 e->name, e->address, strerror(-err));
		}
	}
	return first;
}

struct l4proxy *l4proxy_new(struct event_base *base, const struct config *cfg)
{
	struct l4proxy *p;

	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->base = base;
	p->dgram = malloc(L4_UDP_BUF);
	if (!p->dgram)
		goto out_free;
	p->graph = l4_graph_build(cfg, &p->reg, false);
	if (!p->graph)
		goto out_free;
	return p;

out_free:
	free(p->dgram);
	free(p);
	errno = ENOMEM;
	return NULL;
}

/* Marks the down servers of every loadBalancer of @g from the registry. */
static void apply_health(struct l4proxy *p, struct l4_graph *g)
{
	struct l4_service *sets[2] = { g->tcp_svcs, g->udp_svcs };
	size_t ns[2] = { g->n_tcp_svcs, g->n_udp_svcs }, k, i, j;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < ns[k]; i++) {
			struct l4_service *s = &sets[k][i];

			if (s->kind != CFG_SVC_LOADBALANCER)
				continue;
			for (j = 0; j < s->n_servers; j++)
				s->wrr_e[j].down = p->health &&
					!health_server_up(p->health, s->name,
							  s->servers[j].address);
		}
	}
}

void l4proxy_set_health(struct l4proxy *p, const struct health_state *h)
{
	p->health = h;
	apply_health(p, p->graph);
}

void l4proxy_server_health(struct l4proxy *p, const char *service,
			   const char *server, bool up)
{
	struct l4_graph *g = p->graph;
	struct l4_service *sets[2] = { g->tcp_svcs, g->udp_svcs };
	size_t ns[2] = { g->n_tcp_svcs, g->n_udp_svcs }, k, i, j;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < ns[k]; i++) {
			struct l4_service *s = &sets[k][i];

			if (s->kind != CFG_SVC_LOADBALANCER ||
			    strcmp(s->name, service))
				continue;
			for (j = 0; j < s->n_servers; j++)
				if (!strcmp(s->servers[j].address, server))
					s->wrr_e[j].down = !up;
		}
	}
}

int l4proxy_start(struct l4proxy *p)
{
	p->started = true;
	p->err[0] = '\0';
	return listeners_sync(p, p->graph);
}

/* Builds a graph of @cfg for the current data-plane state and swaps it
 * in; the old one lives on while listeners or connections use it.
 */
static int swap_graph(struct l4proxy *p, const struct config *cfg)
{
	struct l4_graph *g;

	g = l4_graph_build(cfg, &p->reg, p->dp_active);
	if (!g)
		return -errno;
	apply_health(p, g);
	l4_graph_put(p->graph, &p->reg);
	p->graph = g;
	p->generation++;
	p->err[0] = '\0';
	return p->started ? listeners_sync(p, g) : 0;
}

int l4proxy_reload(struct l4proxy *p, const struct config *cfg)
{
	return swap_graph(p, cfg);
}

int l4proxy_set_dataplane(struct l4proxy *p, bool active)
{
	size_t i;

	if (p->dp_active == active)
		return 0;
	p->dp_active = active;
	for (i = 0; i < p->graph->n_entries; i++) {
		struct l4_entry *e = &p->graph->entries[i];

		if (e->n_routes || e->notls)
			e->serve = !active || e->needs_proxy;
	}
	return p->started ? listeners_sync(p, p->graph) : 0;
}

int l4proxy_set_steering(struct l4proxy *p, const struct lbmap *maps)
{
	if (p->steer == maps)
		return 0;
	p->steer = maps;
	return p->started ? listeners_sync(p, p->graph) : 0;
}

void l4proxy_set_http_fallback(struct l4proxy *p, l4proxy_http_fn fn,
			       void *arg)
{
	p->http_fn = fn;
	p->http_arg = arg;
}

bool l4proxy_dataplane_active(const struct l4proxy *p)
{
	return p->dp_active;
}

unsigned int l4proxy_served(const struct l4proxy *p)
{
	const struct l4_listener *l;
	unsigned int n = 0;

	for (l = p->listeners; l; l = l->next)
		n++;
	return n;
}

unsigned int l4proxy_steered(const struct l4proxy *p)
{
	const struct l4_listener *l;
	unsigned int n = 0;

	for (l = p->listeners; l; l = l->next)
		n += l->n_steer > 0;
	return n;
}

const char *l4proxy_last_error(const struct l4proxy *p)
{
	return p->err;
}

void l4proxy_free(struct l4proxy *p)
{
	struct l4_listener *l;

	if (!p)
		return;
	l4_tcp_pres_free_all(p);
	l4_tcp_conns_free_all(p);
	while ((l = p->listeners)) {
		p->listeners = l->next;
		listener_free(l);
	}
	l4_graph_put(p->graph, &p->reg);
	strmap_free(&p->reg.idx);
	free(p->dgram);
	free(p);
}
