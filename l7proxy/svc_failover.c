/* failover services (semantics §5): the main service while its reported
 * status is up, the fallback otherwise, 503 "Service Unavailable" when
 * both are down. The main always reports (validated at load); the
 * fallback's status is tracked only with healthCheck: {}, else it is
 * always up. Switching happens only through health status.
 */
#include <stdlib.h>

#include "svc.h"

static int failover_pick(struct svc_node *n, const struct rule_req *req,
			 struct svc_pick *out)
{
	struct failover_node *f = (struct failover_node *)n;

	svc_pick_via(out, n);
	if (atomic_load(&f->main_up))
		return f->main->ops->pick(f->main, req, out);
	if (atomic_load(&f->fallback_up))
		return f->fallback->ops->pick(f->fallback, req, out);
	out->unavailable = true;
	return 503;
}

static void failover_free(struct svc_node *n)
{
	svc_ext_free(n->x);
	free(n->name);
	free(n);
}

const struct svc_ops failover_ops = {
	.pick = failover_pick,
	.free = failover_free,
};
