/* The servers load balancer with issue 5's additions: sticky sessions,
 * server health (registry, operator, passive), runtime weights and drain,
 * and the strategies (wrr by default, p2c, leastconn). See svc.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "health.h"
#include "metrics.h"
#include "rule.h"
#include "sticky.h"
#include "svc.h"

int64_t svc_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool svc_lb_alive(const struct lb_node *lb, size_t i, int64_t now_us)
{
	const struct lb_srv *s = &lb->x->srv[i];

	if (atomic_load_explicit(&s->down, memory_order_relaxed))
		return false;
	/* the registry itself too, when the graph was built with one */
	if (lb->health && !health_server_up(lb->health, lb->node.name,
					    lb->servers[i].url))
		return false;
	return atomic_load_explicit(&s->out_until_us,
				    memory_order_relaxed) <= now_us;
}

bool svc_lb_eligible(const struct lb_node *lb, size_t i, int64_t now_us)
{
	const struct lb_srv *s = &lb->x->srv[i];

	return atomic_load_explicit(&s->weight, memory_order_relaxed) > 0 &&
	       !atomic_load_explicit(&s->drain, memory_order_relaxed) &&
	       svc_lb_alive(lb, i, now_us);
}

struct elig_arg {
	struct lb_node *lb;
	int64_t now;
	const struct l7_server *not;
};

static bool srv_ok(void *item, void *arg)
{
	struct elig_arg *a = arg;
	struct l7_server *s = item;

	return s != a->not && svc_lb_eligible(a->lb, s - a->lb->servers,
					      a->now);
}

/* Any server the algorithm may pick (Traefik: len(status) > 0)? */
static bool any_eligible(struct lb_node *lb, int64_t now,
			 const struct l7_server *not)
{
	size_t i;

	for (i = 0; i < lb->n_servers; i++)
		if (&lb->servers[i] != not && svc_lb_eligible(lb, i, now))
			return true;
	return false;
}

static struct l7_server *algo_pick(struct lb_node *lb, int64_t now,
				   struct l7_server *not)
{
	struct elig_arg a = { lb, now, not };
	long i;

	if (!any_eligible(lb, now, not))
		return NULL;
	switch (lb->x->strategy) {
	case CFG_STRATEGY_P2C:
		i = lb_pick_p2c(lb, now, not ? not - lb->servers : -1);
		return i < 0 ? NULL : &lb->servers[i];
	case CFG_STRATEGY_LEASTCONN:
		i = lb_pick_leastconn(lb, now, not ? not - lb->servers : -1);
		return i < 0 ? NULL : &lb->servers[i];
	case CFG_STRATEGY_WRR:
	default:
		/* bounded: a status flip between the check and the pops must
		 * not spin forever */
		return edf_next_if(&lb->edf, srv_ok, &a, 1u << 20);
	}
}

int svc_lb_pick(struct lb_node *lb, const struct rule_req *req,
		struct svc_pick *out)
{
	struct lb_ext *x = lb->x;
	int64_t now = svc_now_us();
	struct l7_server *s = NULL;
	const char *v;
	size_t vlen, i;

	out->lb = lb;
	out->server = NULL;
	if (x->sticky && svc_cookie_get(req, x->cookie.name, &v, &vlen)) {
		for (i = 0; i < lb->n_servers; i++) {
			enum sticky_match m;

			if (atomic_load_explicit(&x->srv[i].weight,
						 memory_order_relaxed) <= 0 &&
			    !atomic_load_explicit(&x->srv[i].drain,
						  memory_order_relaxed))
				continue;	/* not registered at all */
			m = sticky_match(v, vlen, lb->servers[i].url, true);
			if (m == STICKY_NO_MATCH)
				continue;
			if (!svc_lb_alive(lb, i, now))
				break;	/* re-pick, re-issue */
			out->server = &lb->servers[i];
			if (m == STICKY_MATCH_LEGACY &&
			    svc_cookie_add(out, &x->cookie, x->srv[i].value))
				return 500;
			return 0;
		}
	}
	s = algo_pick(lb, now, NULL);
	if (!s)
		return 503;
	out->server = s;
	if (x->sticky &&
	    svc_cookie_add(out, &x->cookie, x->srv[s - lb->servers].value))
		return 500;
	return 0;
}

struct l7_server *svc_lb_repick(struct lb_node *lb, struct l7_server *not)
{
	return algo_pick(lb, svc_now_us(), not);
}

void svc_server_result(struct lb_node *lb, struct l7_server *s, int status)
{
	struct lb_ext *x = lb->x;
	struct lb_srv *st;
	int64_t now, start;

	if (!x || !x->passive.enabled || !s)
		return;
	st = &x->srv[s - lb->servers];
	if (status < 500 || status > 599)
		return;
	now = svc_now_us();
	start = atomic_load(&st->window_us);
	if (!start || now - start > x->passive.failure_window / 1000) {
		atomic_store(&st->window_us, now);
		atomic_store(&st->fails, 0);
	}
	if (atomic_fetch_add(&st->fails, 1) + 1 >=
	    (x->passive.max_failed_attempts > 0 ?
	     x->passive.max_failed_attempts : 1)) {
		atomic_store(&st->out_until_us,
			     now + x->passive.failure_window / 1000);
		atomic_store(&st->fails, 0);
		atomic_store(&st->window_us, 0);
	}
}

void svc_lb_reweight(struct lb_node *lb)
{
	void **items = calloc(lb->n_servers + 1, sizeof(*items));
	int *w = calloc(lb->n_servers + 1, sizeof(*w));
	size_t i;

	if (!items || !w)
		goto out;
	for (i = 0; i < lb->n_servers; i++) {
		items[i] = &lb->servers[i];
		w[i] = atomic_load(&lb->x->srv[i].weight);
	}
	edf_reset(&lb->edf, items, w, lb->n_servers);
out:
	free(items);
	free(w);
}

int svc_lb_init(struct lb_node *lb, const struct cfg_http_service *cs)
{
	struct lb_ext *x;
	size_t i;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	lb->x = x;
	x->srv = calloc(lb->n_servers + 1, sizeof(*x->srv));
	lb->node.x = svc_ext_new(cs->lb.health.enabled);
	if (!x->srv || !lb->node.x)
		return -ENOMEM;
	x->hc = cs->lb.health.enabled;
	x->strategy = cs->lb.strategy;
	x->passive = cs->lb.passive;
	x->sticky = cs->lb.sticky.enabled && cs->lb.sticky.cookie.name;
	x->cookie = cs->lb.sticky.cookie;
	if (x->sticky) {
		x->cookie.name = strdup(cs->lb.sticky.cookie.name);
		x->cookie.same_site = cs->lb.sticky.cookie.same_site ?
			strdup(cs->lb.sticky.cookie.same_site) : NULL;
		x->cookie.path = cs->lb.sticky.cookie.path ?
			strdup(cs->lb.sticky.cookie.path) : NULL;
		x->cookie.domain = cs->lb.sticky.cookie.domain ?
			strdup(cs->lb.sticky.cookie.domain) : NULL;
		if (!x->cookie.name)
			return -ENOMEM;
	} else {
		memset(&x->cookie, 0, sizeof(x->cookie));
	}
	atomic_init(&x->seed, (unsigned)random());
	for (i = 0; i < lb->n_servers; i++) {
		atomic_init(&x->srv[i].weight, lb->servers[i].weight);
		sticky_value(lb->servers[i].url, x->srv[i].value);
	}
	return 0;
}

void svc_lb_fini(struct lb_node *lb)
{
	struct lb_ext *x = lb->x;

	if (!x)
		return;
	free(x->cookie.name);
	free(x->cookie.same_site);
	free(x->cookie.path);
	free(x->cookie.domain);
	free(x->srv);
	free(x);
	lb->x = NULL;
}
