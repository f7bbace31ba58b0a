/* Interleaved gcd weighted round robin; see wrr.h. */
#include <errno.h>

#include "wrr.h"

void wrr_init(struct wrr *w, struct wrr_entry *e, size_t n)
{
	w->e = e;
	w->n = n;
	w->index = -1;
	w->cur = 0;
}

static int gcd(int a, int b)
{
	while (b) {
		int t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* gcd and maximum of the positive weights of entries that are up. */
static void wrr_scan(const struct wrr *w, int *g, int *max)
{
	size_t i;

	*g = 0;
	*max = 0;
	for (i = 0; i < w->n; i++) {
		int wt = w->e[i].weight;

		if (w->e[i].down || wt <= 0)
			continue;
		*g = gcd(*g, wt);
		if (wt > *max)
			*max = wt;
	}
}

int wrr_next(struct wrr *w)
{
	int g, max;
	size_t steps;

	if (!w->n)
		return -ENOENT;
	wrr_scan(w, &g, &max);
	if (!max)
		return -EAGAIN;
	if (w->cur > max)	/* the heaviest entry went down or changed */
		w->cur = max;
	/* With max > 0 a pick comes within n * (max / g + 1) steps; the bound
	 * only protects against a caller changing weights mid-pick.
	 */
	for (steps = w->n * ((size_t)(max / g) + 1); steps; steps--) {
		w->index = (w->index + 1) % (int)w->n;
		if (w->index == 0) {
			w->cur -= g;
			if (w->cur <= 0)
				w->cur = max;
		}
		if (!w->e[w->index].down && w->e[w->index].weight > 0 &&
		    w->e[w->index].weight >= w->cur)
			return w->index;
	}
	return -EAGAIN;
}
