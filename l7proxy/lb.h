/* Earliest-deadline-first weighted round robin, as Traefik v3's servers
 * load balancer and weighted services (wrr.go): a binary min-heap on a
 * float64 deadline with Go container/heap's sift rules, so ties break the
 * same way. Weight <= 0 entries are left out. Thread-safe: one mutex per
 * balancer, held only for a pick.
 */
#ifndef LB_L7_LB_H
#define LB_L7_LB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct edf_entry {
	double deadline;
	double weight;
	void *item;
};

struct edf {
	struct edf_entry *heap;
	size_t n;
	size_t cap;
	double cur_deadline;
	pthread_mutex_t lock;
};

/* Prepares an empty balancer with room for @cap entries. Returns 0 or
 * -ENOMEM. Free with edf_fini().
 */
int edf_init(struct edf *e, size_t cap);
void edf_fini(struct edf *e);

/* Adds @item with @weight (<= 0: ignored, returns 0). Not thread-safe:
 * call while building. Returns 0 or -ENOSPC past @cap.
 */
int edf_add(struct edf *e, void *item, int weight);

/* Next item in EDF order, or NULL when the balancer is empty. */
void *edf_next(struct edf *e);

/* As Traefik's WRR: pops in EDF order until @ok(item, @arg) holds (every
 * popped entry's deadline advances). Gives up with NULL after @max_tries
 * refusals (0: no limit; only safe when @ok holds for some entry).
 */
void *edf_next_if(struct edf *e, bool (*ok)(void *item, void *arg),
		  void *arg, unsigned long max_tries);

/* Replaces the content with @n items and weights, deadlines from zero
 * (runtime weight changes). Thread-safe.
 */
void edf_reset(struct edf *e, void *const *items, const int *weights,
	       size_t n);

#endif /* LB_L7_LB_H */
