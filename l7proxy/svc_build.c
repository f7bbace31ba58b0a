/* Building weighted, mirroring and failover nodes and wiring health
 * parents: see svc.h. Children are built before their parents by
 * following names depth first; a cycle or a missing child leaves the
 * parent out (the configuration loader already reports both).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "sticky.h"
#include "svc.h"

extern const struct svc_ops weighted_ops;
extern const struct svc_ops mirror_ops;
extern const struct svc_ops failover_ops;

#define MAX_DEPTH 64

struct svc_ext *svc_ext_new(bool reports)
{
	struct svc_ext *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	atomic_init(&x->up, true);
	x->reports = reports;
	return x;
}

void svc_ext_free(struct svc_ext *x)
{
	if (!x)
		return;
	free(x->parents);
	free(x);
}

static void set_warn(char *warn, size_t len, const char *svc, const char *what)
{
	if (!warn[0])
		snprintf(warn, len, "service %s: %s", svc, what);
}

/* "name@file" -> "name": how the child was written (sticky values). */
static char *as_written(const char *q)
{
	const char *at = strstr(q, "@file");

	if (at && !at[5])
		return strndup(q, at - q);
	return strdup(q);
}

static int copy_cookie(struct cfg_sticky_cookie *dst,
		       const struct cfg_sticky_cookie *src)
{
	*dst = *src;
	dst->name = strdup(src->name);
	dst->same_site = src->same_site ? strdup(src->same_site) : NULL;
	dst->path = src->path ? strdup(src->path) : NULL;
	dst->domain = src->domain ? strdup(src->domain) : NULL;
	return dst->name ? 0 : -ENOMEM;
}

struct build_ctx {
	struct l7_graph *g;
	const struct config *cfg;
	struct stats_reg *reg;
	char *warn;
	size_t warnlen;
};

static struct svc_node *get(struct build_ctx *b, const char *name, int depth);

static int node_init(struct svc_node *n, const struct cfg_http_service *cs,
		     const struct svc_ops *ops, bool reports,
		     struct stats_reg *reg)
{
	n->ops = ops;
	n->kind = cs->kind;
	n->name = strdup(cs->name);
	n->stats = stats_get(reg, L7_STATS_SERVICE, cs->name);
	n->x = svc_ext_new(reports);
	return n->name && n->x ? 0 : -ENOMEM;
}

static struct svc_node *build_weighted(struct build_ctx *b,
				       const struct cfg_http_service *cs,
				       int depth)
{
	const struct cfg_http_weighted *cw = &cs->weighted;
	struct weighted_node *w;
	size_t i;
	int up = 0;

	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->ch = calloc(cw->n_services + 1, sizeof(*w->ch));
	if (node_init(&w->node, cs, &weighted_ops, cw->health_check, b->reg) ||
	    !w->ch || edf_init(&w->edf, cw->n_services))
		goto out_free;
	if (cw->sticky.enabled && cw->sticky.cookie.name) {
		w->sticky = true;
		if (copy_cookie(&w->cookie, &cw->sticky.cookie))
			goto out_free;
	}
	for (i = 0; i < cw->n_services; i++) {
		struct wrr_child *c = &w->ch[w->n_ch];

		c->svc = get(b, cw->services[i].name, depth + 1);
		if (!c->svc) {
			set_warn(b->warn, b->warnlen, cs->name,
				 "child service unavailable, service left out");
			goto out_free;
		}
		c->name = as_written(cw->services[i].name);
		if (!c->name)
			goto out_free;
		c->weight = cw->services[i].weight;
		atomic_init(&c->up, true);
		sticky_value(c->name, c->value);
		w->n_ch++;
		if (c->weight > 0)
			up++;
	}
	/* children are placed in the heap in configuration order */
	for (i = 0; i < w->n_ch; i++)
		edf_add(&w->edf, &w->ch[i], w->ch[i].weight);
	atomic_init(&w->n_up, up);
	return &w->node;

out_free:
	w->node.ops = &weighted_ops;
	weighted_ops.free(&w->node);
	return NULL;
}

static struct svc_node *build_mirroring(struct build_ctx *b,
					const struct cfg_http_service *cs,
					int depth)
{
	const struct cfg_http_mirroring *cm = &cs->mirroring;
	struct mirror_node *m;
	size_t i;

	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->m = calloc(cm->n_mirrors + 1, sizeof(*m->m));
	if (node_init(&m->node, cs, &mirror_ops, cm->health_check, b->reg) ||
	    !m->m)
		goto out_free;
	m->max_body = cm->max_body_size;
	m->mirror_body = cm->mirror_body;
	m->main = get(b, cm->service, depth + 1);
	if (!m->main)
		goto out_missing;
	for (i = 0; i < cm->n_mirrors; i++) {
		m->m[i].svc = get(b, cm->mirrors[i].name, depth + 1);
		if (!m->m[i].svc)
			goto out_missing;
		m->m[i].percent = cm->mirrors[i].percent;
		m->n_m++;
	}
	return &m->node;

out_missing:
	set_warn(b->warn, b->warnlen, cs->name,
		 "child service unavailable, service left out");
out_free:
	m->node.ops = &mirror_ops;
	mirror_ops.free(&m->node);
	return NULL;
}

static struct svc_node *build_failover(struct build_ctx *b,
				       const struct cfg_http_service *cs,
				       int depth)
{
	struct failover_node *f;

	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	if (node_init(&f->node, cs, &failover_ops, cs->failover.health_check,
		      b->reg))
		goto out_free;
	atomic_init(&f->main_up, true);
	atomic_init(&f->fallback_up, true);
	f->main = get(b, cs->failover.service, depth + 1);
	f->fallback = get(b, cs->failover.fallback, depth + 1);
	if (!f->main || !f->fallback) {
		set_warn(b->warn, b->warnlen, cs->name,
			 "child service unavailable, service left out");
		goto out_free;
	}
	return &f->node;

out_free:
	f->node.ops = &failover_ops;
	failover_ops.free(&f->node);
	return NULL;
}

static struct svc_node *get(struct build_ctx *b, const char *name, int depth)
{
	const struct cfg_http_service *cs = NULL;
	struct svc_node *n;
	size_t i;

	n = graph_service(b->g, name);
	if (n || depth > MAX_DEPTH)
		return n;
	for (i = 0; i < b->cfg->n_http_services; i++)
		if (!strcmp(b->cfg->http_services[i].name, name))
			cs = &b->cfg->http_services[i];
	if (!cs || cs->broken)
		return NULL;
	switch (cs->kind) {
	case CFG_SVC_WEIGHTED:
		n = build_weighted(b, cs, depth);
		break;
	case CFG_SVC_MIRRORING:
		n = build_mirroring(b, cs, depth);
		break;
	case CFG_SVC_FAILOVER:
		n = build_failover(b, cs, depth);
		break;
	default:
		return NULL;	/* a load balancer that failed to build */
	}
	if (n)
		b->g->services[b->g->n_services++] = n;
	return n;
}

static int add_parent(struct svc_node *child, struct svc_node *parent)
{
	struct svc_ext *x = child->x;
	struct svc_node **p;
	size_t i;

	if (!x->reports)
		return 0;	/* the loader refused such a parent already */
	for (i = 0; i < x->n_parents; i++)
		if (x->parents[i] == parent)
			return 0;
	p = realloc(x->parents, (x->n_parents + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	p[x->n_parents++] = parent;
	x->parents = p;
	return 0;
}

/* Registers @n with the children whose status it tracks (§3.3, §5). */
static int link_parents(struct svc_node *n)
{
	size_t i;

	switch (n->kind) {
	case CFG_SVC_WEIGHTED: {
		struct weighted_node *w = (struct weighted_node *)n;

		if (!n->x->reports)
			return 0;
		for (i = 0; i < w->n_ch; i++)
			if (w->ch[i].weight > 0 && add_parent(w->ch[i].svc, n))
				return -ENOMEM;
		return 0;
	}
	case CFG_SVC_MIRRORING: {
		struct mirror_node *m = (struct mirror_node *)n;

		return n->x->reports ? add_parent(m->main, n) : 0;
	}
	case CFG_SVC_FAILOVER: {
		struct failover_node *f = (struct failover_node *)n;

		if (add_parent(f->main, n))
			return -ENOMEM;
		return n->x->reports ? add_parent(f->fallback, n) : 0;
	}
	default:
		return 0;
	}
}

int svc_build_compound(struct l7_graph *g, const struct config *cfg,
		       struct stats_reg *reg, char *warn, size_t warnlen)
{
	struct build_ctx b = { g, cfg, reg, warn, warnlen };
	size_t i;

	for (i = 0; i < cfg->n_http_services; i++) {
		const struct cfg_http_service *cs = &cfg->http_services[i];

		if (cs->broken || cs->kind == CFG_SVC_LOADBALANCER ||
		    cs->kind == CFG_SVC_NONE)
			continue;
		get(&b, cs->name, 0);
	}
	for (i = 0; i < g->n_services; i++)
		if (link_parents(g->services[i]))
			return -ENOMEM;
	return 0;
}
