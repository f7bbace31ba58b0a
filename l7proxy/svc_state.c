/* The proxy's long-lived service state across graph snapshots: where
 * server health comes from, who hears flips, and the operator's runtime
 * changes (weight, drain, up, down) re-applied to every new snapshot.
 * See l7svc.h; runs on the agent's thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_writer.h"
#include "l7svc.h"
#include "proxy.h"
#include "svc.h"

struct svc_override {
	char *service;
	char *server;
	int weight;		/* < 0: unchanged */
	int drain;		/* -1 unchanged, 0, 1 */
	int down;		/* -1 unchanged, 0, 1 */
	struct svc_override *next;
};

struct svc_state {
	bool (*up)(void *arg, const char *service, const char *server);
	void *arg;
	l7svc_event_fn ev;
	void *ev_arg;
	struct svc_override *ovr;
};

static struct svc_state *state(struct l7proxy *p)
{
	if (!p->svc)
		p->svc = calloc(1, sizeof(*p->svc));
	return p->svc;
}

void svc_state_free(struct svc_state *s)
{
	struct svc_override *o, *n;

	if (!s)
		return;
	for (o = s->ovr; o; o = n) {
		n = o->next;
		free(o->service);
		free(o->server);
		free(o);
	}
	free(s);
}

static struct svc_override *find_ovr(struct svc_state *s, const char *svc,
				     const char *srv)
{
	struct svc_override *o;

	for (o = s->ovr; o; o = o->next)
		if (!strcmp(o->service, svc) && !strcmp(o->server, srv))
			return o;
	return NULL;
}

void svc_attach(struct svc_state *s, struct l7_graph *g)
{
	size_t i, j;

	if (!s)
		return;
	for (i = 0; i < g->n_services; i++) {
		struct lb_node *lb = (struct lb_node *)g->services[i];
		bool rew = false;

		if (lb->node.kind != CFG_SVC_LOADBALANCER)
			continue;
		for (j = 0; j < lb->n_servers; j++) {
			struct lb_srv *st = &lb->x->srv[j];
			struct svc_override *o;
			bool down = s->up && !s->up(s->arg, lb->node.name,
						    lb->servers[j].url);

			o = find_ovr(s, lb->node.name, lb->servers[j].url);
			if (o && o->down >= 0)
				down = o->down;
			if (o && o->drain >= 0)
				atomic_store(&st->drain, o->drain);
			if (o && o->weight >= 0) {
				atomic_store(&st->weight, o->weight);
				rew = true;
			}
			atomic_store(&st->down, down);
		}
		if (rew)
			svc_lb_reweight(lb);
	}
	/* statuses bottom-up, quietly: a new snapshot is not a flip */
	for (i = 0; i < g->n_services; i++)
		if (g->services[i]->kind == CFG_SVC_LOADBALANCER)
			svc_lb_recompute((struct lb_node *)g->services[i],
					 NULL, NULL);
}

void l7proxy_health_source(struct l7proxy *p,
			   bool (*up)(void *arg, const char *service,
				      const char *server),
			   void *arg, l7svc_event_fn ev, void *ev_arg)
{
	struct svc_state *s = state(p);
	struct l7_graph *g;

	if (!s)
		return;
	s->up = up;
	s->arg = arg;
	s->ev = ev;
	s->ev_arg = ev_arg;
	g = proxy_graph(p);
	svc_attach(s, g);
	graph_unref(g);
}

static long find_server(struct l7_graph *g, const char *service,
			const char *server, struct lb_node **lbp)
{
	struct svc_node *n = graph_service(g, service);
	struct lb_node *lb = (struct lb_node *)n;
	size_t i;

	if (!n || n->kind != CFG_SVC_LOADBALANCER)
		return -1;
	for (i = 0; i < lb->n_servers; i++)
		if (!strcmp(lb->servers[i].url, server)) {
			*lbp = lb;
			return (long)i;
		}
	return -1;
}

bool l7proxy_has_server(struct l7proxy *p, const char *service,
			const char *server)
{
	struct l7_graph *g = proxy_graph(p);
	struct lb_node *lb;
	long i = find_server(g, service, server, &lb);

	graph_unref(g);
	return i >= 0;
}

int l7proxy_server_health(struct l7proxy *p, const char *service,
			  const char *server, bool up)
{
	struct svc_state *s = state(p);
	struct l7_graph *g = proxy_graph(p);
	struct lb_node *lb;
	long i = find_server(g, service, server, &lb);

	if (i >= 0)
		svc_server_health(lb, i, up, s ? s->ev : NULL,
				  s ? s->ev_arg : NULL);
	graph_unref(g);
	return i >= 0 ? 0 : -ENOENT;
}

int l7proxy_server_set(struct l7proxy *p, const char *service,
		       const char *server, const char *op, int weight,
		       char *err, size_t errlen)
{
	struct svc_state *s = state(p);
	struct l7_graph *g;
	struct svc_override *o;
	struct lb_node *lb;
	long i;
	int ret = 0;

	if (!s)
		return -ENOMEM;
	g = proxy_graph(p);
	i = find_server(g, service, server, &lb);
	if (i < 0) {
		snprintf(err, errlen, "service %s has no server %s", service,
			 server);
		ret = -ENOENT;
		goto out;
	}
	if (strcmp(op, "weight") && strcmp(op, "drain") && strcmp(op, "up") &&
	    strcmp(op, "down") && strcmp(op, "undrain")) {
		snprintf(err, errlen,
			 "unknown change %s: expected weight N, drain, up or down",
			 op);
		ret = -EINVAL;
		goto out;
	}
	if (!strcmp(op, "weight") && weight < 0) {
		snprintf(err, errlen, "weight must be >= 0");
		ret = -EINVAL;
		goto out;
	}
	o = find_ovr(s, service, server);
	if (!o) {
		o = calloc(1, sizeof(*o));
		if (!o || !(o->service = strdup(service)) ||
		    !(o->server = strdup(server))) {
			if (o)
				free(o->service);
			free(o);
			ret = -ENOMEM;
			goto out;
		}
		o->weight = o->drain = o->down = -1;
		o->next = s->ovr;
		s->ovr = o;
	}
	if (!strcmp(op, "weight")) {
		o->weight = weight;
		atomic_store(&lb->x->srv[i].weight, weight);
		svc_lb_reweight(lb);
		svc_lb_recompute(lb, s->ev, s->ev_arg);
	} else if (!strcmp(op, "drain") || !strcmp(op, "undrain")) {
		o->drain = !strcmp(op, "drain");
		atomic_store(&lb->x->srv[i].drain, o->drain);
	} else {
		bool up = !strcmp(op, "up");

		o->down = !up;
		if (up) {
			o->drain = 0;
			atomic_store(&lb->x->srv[i].drain, false);
		}
		svc_server_health(lb, i, up, s->ev, s->ev_arg);
	}
out:
	graph_unref(g);
	return ret;
}

int l7proxy_graph_json(struct l7proxy *p, const char *service,
		       struct json_writer *w)
{
	int ret = l7proxy_stats_json(p, service, w);

	return ret;
}
