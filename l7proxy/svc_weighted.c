/* weighted services (semantics §2.2, §1.5, §3.3): Traefik's WRR over child
 * services. EDF over child weights (lb.c, Go heap tie rules), weight <= 0
 * left out; the sticky cookie of this level names a child; with
 * healthCheck: {} a child whose status went down is skipped, and none up
 * answers 503 "no available server".
 */
#include <stdlib.h>

#include "rule.h"
#include "sticky.h"
#include "svc.h"

static bool child_ok(void *item, void *arg)
{
	struct wrr_child *c = item;

	(void)arg;
	return atomic_load_explicit(&c->up, memory_order_relaxed);
}

static int weighted_pick(struct svc_node *n, const struct rule_req *req,
			 struct svc_pick *out)
{
	struct weighted_node *w = (struct weighted_node *)n;
	struct wrr_child *c = NULL;
	const char *v;
	size_t vlen, i;

	svc_pick_via(out, n);
	if (w->sticky && svc_cookie_get(req, w->cookie.name, &v, &vlen)) {
		for (i = 0; i < w->n_ch; i++) {
			enum sticky_match m;

			if (w->ch[i].weight <= 0)
				continue;
			m = sticky_match(v, vlen, w->ch[i].name, false);
			if (m == STICKY_NO_MATCH)
				continue;
			if (!atomic_load(&w->ch[i].up))
				break;
			if (m == STICKY_MATCH_LEGACY &&
			    svc_cookie_add(out, &w->cookie, w->ch[i].value))
				return 500;
			c = &w->ch[i];
			return c->svc->ops->pick(c->svc, req, out);
		}
	}
	if (atomic_load(&w->n_up) <= 0)
		return 503;
	c = edf_next_if(&w->edf, child_ok, NULL, 1u << 20);
	if (!c)
		return 503;
	if (w->sticky && svc_cookie_add(out, &w->cookie, c->value))
		return 500;
	return c->svc->ops->pick(c->svc, req, out);
}

static void weighted_free(struct svc_node *n)
{
	struct weighted_node *w = (struct weighted_node *)n;
	size_t i;

	for (i = 0; i < w->n_ch; i++)
		free(w->ch[i].name);
	free(w->ch);
	edf_fini(&w->edf);
	free(w->cookie.name);
	free(w->cookie.same_site);
	free(w->cookie.path);
	free(w->cookie.domain);
	svc_ext_free(n->x);
	free(n->name);
	free(w);
}

const struct svc_ops weighted_ops = {
	.pick = weighted_pick,
	.free = weighted_free,
};
