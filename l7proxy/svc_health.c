/* Health flowing through the service graph (semantics §3.3, §5): a server
 * going down or up changes its load balancer's status set; a load balancer
 * reports down when its last server leaves and up when one comes back; a
 * weighted parent with healthCheck: {} is up while any tracked child is up
 * and reports only any-up <-> none-up transitions; mirroring reports its
 * main service's status; failover switches between main and fallback and
 * reports main || fallback. Runs on the agent's thread.
 */
#include <stdlib.h>

#include "svc.h"

static void notify_parents(struct svc_node *child, bool up, svc_event_fn ev,
			   void *arg);

/* Sets @n's reported status; a change is an event and goes to parents. */
static void set_status(struct svc_node *n, bool up, svc_event_fn ev,
		       void *arg)
{
	if (atomic_load(&n->x->up) == up)
		return;
	atomic_store(&n->x->up, up);
	atomic_fetch_add(&n->x->transitions, 1);
	if (ev)
		ev(arg, n->name, NULL, up);
	notify_parents(n, up, ev, arg);
}

static void child_changed(struct svc_node *p, struct svc_node *child,
			  bool up, svc_event_fn ev, void *arg)
{
	size_t i;

	switch (p->kind) {
	case CFG_SVC_WEIGHTED: {
		struct weighted_node *w = (struct weighted_node *)p;
		int n_up = 0;

		for (i = 0; i < w->n_ch; i++) {
			if (w->ch[i].svc == child)
				atomic_store(&w->ch[i].up, up);
			if (w->ch[i].weight > 0 && atomic_load(&w->ch[i].up))
				n_up++;
		}
		atomic_store(&w->n_up, n_up);
		set_status(p, n_up > 0, ev, arg);
		break;
	}
	case CFG_SVC_MIRRORING:
		set_status(p, up, ev, arg);
		break;
	case CFG_SVC_FAILOVER: {
		struct failover_node *f = (struct failover_node *)p;

		if (child == f->main)
			atomic_store(&f->main_up, up);
		if (child == f->fallback && p->x->reports)
			atomic_store(&f->fallback_up, up);
		set_status(p, atomic_load(&f->main_up) ||
			      atomic_load(&f->fallback_up), ev, arg);
		break;
	}
	default:
		break;
	}
}

static void notify_parents(struct svc_node *child, bool up, svc_event_fn ev,
			   void *arg)
{
	size_t i;

	for (i = 0; i < child->x->n_parents; i++)
		child_changed(child->x->parents[i], child, up, ev, arg);
}

void svc_lb_recompute(struct lb_node *lb, svc_event_fn ev, void *arg)
{
	size_t i, n_weighted = 0, n_up = 0;

	for (i = 0; i < lb->n_servers; i++) {
		if (atomic_load(&lb->x->srv[i].weight) <= 0)
			continue;
		n_weighted++;
		if (!atomic_load(&lb->x->srv[i].down))
			n_up++;
	}
	/* a balancer with nothing weighted never reports (Traefik never
	 * calls its updaters) */
	if (n_weighted)
		set_status(&lb->node, n_up > 0, ev, arg);
}

int svc_server_health(struct lb_node *lb, size_t i, bool up,
		      svc_event_fn ev, void *arg)
{
	struct lb_srv *s = &lb->x->srv[i];

	if (atomic_load(&s->down) == !up)
		return 0;
	atomic_store(&s->down, !up);
	atomic_fetch_add(&s->transitions, 1);
	if (ev)
		ev(arg, lb->node.name, lb->servers[i].url, up);
	svc_lb_recompute(lb, ev, arg);
	return 1;
}
