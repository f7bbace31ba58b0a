/* Retry on another server (sluice extension, semantics §10.8): an
 * idempotent request without a body whose backend connection failed before
 * it was established (nothing was sent) goes once to a different server of
 * the same load balancer. The failed server counts a failure for passive
 * health. Not done for sticky load balancers (the cookie names the failed
 * server) nor when the Host sent upstream depends on the server.
 */
#include <string.h>

#include "conn.h"
#include "metrics.h"
#include "svc.h"
#include "upstream.h"

static bool idempotent(int method)
{
	switch (method) {
	case HTTP_GET:
	case HTTP_HEAD:
	case HTTP_OPTIONS:
	case HTTP_TRACE:
	case HTTP_PUT:
	case HTTP_DELETE:
		return true;
	default:
		return false;
	}
}

bool svc_retry_other(struct conn *c)
{
	struct lb_node *lb = c->pick.lb;
	struct l7_server *old = c->pick.server, *s;

	if (c->retried || !c->up || c->up->connected || c->resp_head_done ||
	    !lb || !lb->x || lb->x->sticky || !lb->pass_host ||
	    c->req_body != BODY_NONE || !idempotent(c->req_p.method))
		return false;
	svc_server_result(lb, old, 502);
	s = svc_lb_repick(lb, old);
	if (!s)
		return false;
	if (c->in_flight) {
		stats_inflight(old->stats, -1);
		stats_inflight(s->stats, 1);
	}
	c->pick.server = s;
	return true;
}
