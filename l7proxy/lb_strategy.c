/* Load-aware strategies of the servers load balancer (sluice extensions
 * to Traefik's wrr, semantics §10.3):
 *   p2c        power of two choices: two distinct random eligible servers,
 *              the one with fewer requests in flight (Traefik v3.4's p2c);
 *   leastconn  the eligible server with the fewest requests in flight per
 *              unit of weight, ties broken round robin.
 * In-flight counts are the per-server counters every worker updates
 * (metrics.h), so they cover the whole proxy.
 */
#include "metrics.h"
#include "svc.h"

static unsigned next_rand(struct lb_ext *x)
{
	unsigned s = atomic_fetch_add_explicit(&x->seed, 0x9e3779b9u,
					       memory_order_relaxed);

	/* xorshift32 over a Weyl sequence: cheap, lock-free, good enough */
	s ^= s << 13;
	s ^= s >> 17;
	s ^= s << 5;
	return s;
}

static int64_t inflight(const struct lb_node *lb, size_t i)
{
	const struct l7_stats *st = lb->servers[i].stats;

	return st ? atomic_load_explicit(&st->in_flight,
					 memory_order_relaxed) : 0;
}

long lb_pick_p2c(struct lb_node *lb, int64_t now_us, long exclude)
{
	long cand[2] = { -1, -1 };
	size_t n = 0, i, k;
	long a, b;

	for (i = 0; i < lb->n_servers; i++)
		if ((long)i != exclude && svc_lb_eligible(lb, i, now_us))
			n++;
	if (!n)
		return -1;
	if (n == 1) {
		for (i = 0; i < lb->n_servers; i++)
			if ((long)i != exclude && svc_lb_eligible(lb, i, now_us))
				return (long)i;
	}
	a = next_rand(lb->x) % n;
	b = next_rand(lb->x) % (n - 1);
	if (b >= a)
		b++;
	for (i = 0, k = 0; i < lb->n_servers; i++) {
		if ((long)i == exclude || !svc_lb_eligible(lb, i, now_us))
			continue;
		if ((long)k == a)
			cand[0] = (long)i;
		if ((long)k == b)
			cand[1] = (long)i;
		k++;
	}
	if (cand[0] < 0 || cand[1] < 0)
		return cand[0] >= 0 ? cand[0] : cand[1];
	return inflight(lb, cand[1]) < inflight(lb, cand[0]) ? cand[1] :
							       cand[0];
}

long lb_pick_leastconn(struct lb_node *lb, int64_t now_us, long exclude)
{
	size_t n = lb->n_servers, start, k;
	long best = -1;
	int64_t bf = 0, bw = 1;

	if (!n)
		return -1;
	start = next_rand(lb->x) % n;
	for (k = 0; k < n; k++) {
		size_t i = (start + k) % n;
		int64_t f, w;

		if ((long)i == exclude || !svc_lb_eligible(lb, i, now_us))
			continue;
		f = inflight(lb, i);
		w = atomic_load_explicit(&lb->x->srv[i].weight,
					 memory_order_relaxed);
		/* f/w < bf/bw without division */
		if (best < 0 || f * bw < bf * w) {
			best = (long)i;
			bf = f;
			bw = w;
		}
	}
	return best;
}
