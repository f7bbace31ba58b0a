/* mirroring services (semantics §4): the main service serves the request
 * and answers the client; each mirror takes a deterministic share by
 * counters (request #k goes to a mirror iff count*100 < total*percent).
 * This file decides; svc_mirror_send.c sends the copies.
 */
#include <stdlib.h>
#include <string.h>

#include "svc.h"
#include "svc_mirror.h"

/* A mirroring service whose main is another one: both levels' copies go
 * out, under the stricter body limit. Frees @inner and @outer.
 */
static struct mirror_req *merge(struct mirror_req *inner,
				struct mirror_req *outer)
{
	struct mirror_req *r;

	r = calloc(1, sizeof(*r) + (inner->n + outer->n) * sizeof(r->to[0]));
	if (r) {
		memcpy(r->to, outer->to, outer->n * sizeof(r->to[0]));
		memcpy(r->to + outer->n, inner->to,
		       inner->n * sizeof(r->to[0]));
		r->n = inner->n + outer->n;
		r->max_body = inner->max_body < 0 ? outer->max_body :
			      outer->max_body < 0 ? inner->max_body :
			      inner->max_body < outer->max_body ?
			      inner->max_body : outer->max_body;
		r->mirror_body = inner->mirror_body && outer->mirror_body;
	}
	mirror_req_free(inner);
	mirror_req_free(outer);
	return r;
}

void svc_mirror_plan(struct mirror_node *m, struct svc_pick *out)
{
	struct mirror_req *r = NULL;
	uint64_t total;
	size_t i;

	pthread_mutex_lock(&m->lock);
	total = atomic_fetch_add(&m->total, 1) + 1;
	for (i = 0; i < m->n_m; i++) {
		struct mirror_target *t = &m->m[i];
		uint64_t c = atomic_load(&t->count);

		if (c * 100 >= total * (uint64_t)t->percent)
			continue;
		atomic_store(&t->count, c + 1);
		if (!r) {
			r = calloc(1, sizeof(*r) + m->n_m * sizeof(r->to[0]));
			if (!r)
				break;
			r->max_body = m->max_body;
			r->mirror_body = m->mirror_body;
		}
		r->to[r->n++] = t->svc;
	}
	pthread_mutex_unlock(&m->lock);
	if (r && out->mirror)
		r = merge(out->mirror, r);
	if (r)
		out->mirror = r;
}

static int mirror_pick(struct svc_node *n, const struct rule_req *req,
		       struct svc_pick *out)
{
	struct mirror_node *m = (struct mirror_node *)n;
	int ret;

	svc_pick_via(out, n);
	ret = m->main->ops->pick(m->main, req, out);
	if (!ret)
		svc_mirror_plan(m, out);
	return ret;
}

static void mirror_free(struct svc_node *n)
{
	struct mirror_node *m = (struct mirror_node *)n;

	free(m->m);
	pthread_mutex_destroy(&m->lock);
	svc_ext_free(n->x);
	free(n->name);
	free(m);
}

const struct svc_ops mirror_ops = {
	.pick = mirror_pick,
	.free = mirror_free,
};

void svc_pick_release(struct svc_pick *p)
{
	free(p->set_cookie);
	if (p->mirror)
		mirror_req_free(p->mirror);
	p->set_cookie = NULL;
	p->mirror = NULL;
}
