/* mirroring services (semantics §4): the main service serves the request
 * and answers the client; each mirror takes a deterministic share by
 * counters (request #k goes to a mirror iff count*100 < total*percent).
 * This file decides; svc_mirror_send.c sends the copies.
 */
#include <stdlib.h>

#include "svc.h"
#include "svc_mirror.h"

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
		mirror_req_free(out->mirror);	/* an inner level wins */
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
	if (!ret && !out->mirror)
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
