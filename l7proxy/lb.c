/* EDF balancer: see lb.h. The heap code follows Go's container/heap
 * (up/down with strict "less"), which decides the order of equal
 * deadlines and therefore the exact pick sequence Traefik produces.
 */
#include <errno.h>
#include <stdlib.h>

#include "lb.h"

static void edf_swap(struct edf *e, size_t i, size_t j)
{
	struct edf_entry t = e->heap[i];

	e->heap[i] = e->heap[j];
	e->heap[j] = t;
}

static int edf_less(const struct edf *e, size_t i, size_t j)
{
	return e->heap[i].deadline < e->heap[j].deadline;
}

static void edf_up(struct edf *e, size_t j)
{
	while (j > 0) {
		size_t i = (j - 1) / 2;

		if (!edf_less(e, j, i))
			break;
		edf_swap(e, i, j);
		j = i;
	}
}

static void edf_down(struct edf *e, size_t i, size_t n)
{
	for (;;) {
		size_t j1 = 2 * i + 1, j = j1;

		if (j1 >= n)
			break;
		if (j1 + 1 < n && edf_less(e, j1 + 1, j1))
			j = j1 + 1;
		if (!edf_less(e, j, i))
			break;
		edf_swap(e, i, j);
		i = j;
	}
}

int edf_init(struct edf *e, size_t cap)
{
	e->heap = calloc(cap ? cap : 1, sizeof(*e->heap));
	if (!e->heap)
		return -ENOMEM;
	e->n = 0;
	e->cap = cap;
	e->cur_deadline = 0;
	pthread_mutex_init(&e->lock, NULL);
	return 0;
}

void edf_fini(struct edf *e)
{
	if (!e->heap)
		return;
	free(e->heap);
	e->heap = NULL;
	pthread_mutex_destroy(&e->lock);
}

int edf_add(struct edf *e, void *item, int weight)
{
	if (weight <= 0)
		return 0;
	if (e->n >= e->cap)
		return -ENOSPC;
	e->heap[e->n].weight = weight;
	e->heap[e->n].deadline = e->cur_deadline + 1.0 / weight;
	e->heap[e->n].item = item;
	e->n++;
	edf_up(e, e->n - 1);
	return 0;
}

void *edf_next(struct edf *e)
{
	struct edf_entry top;
	size_t last;

	pthread_mutex_lock(&e->lock);
	if (!e->n) {
		pthread_mutex_unlock(&e->lock);
		return NULL;
	}
	/* heap.Pop: swap root with last, sift down over n-1, take last */
	last = e->n - 1;
	edf_swap(e, 0, last);
	edf_down(e, 0, last);
	top = e->heap[last];
	e->cur_deadline = top.deadline;
	top.deadline += 1.0 / top.weight;
	/* heap.Push: append and sift up */
	e->heap[last] = top;
	edf_up(e, last);
	pthread_mutex_unlock(&e->lock);
	return top.item;
}
