/* Earliest-deadline-first weighted round robin, as Traefik v3's servers
 * load balancer and weighted services (wrr.go): a binary min-heap on a
 * float64 deadline with Go container/heap's sift rules, so ties break the
 * same way. Weight <= 0 entries are left out. Thread-safe: one mutex per
 * balancer, held only for a pick.
 */
#ifndef LB_L7_LB_H
#define LB_L7_LB_H

#include <pthread.h>
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

#endif /* LB_L7_LB_H */
