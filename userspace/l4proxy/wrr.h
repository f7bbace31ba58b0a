/* Traefik's interleaved weighted round robin for TCP and UDP (v2
 * pkg/tcp/wrr_load_balancer.go): each pick advances an index; every time it
 * wraps, the current weight drops by the gcd of the weights, and the first
 * entry whose weight reaches the current weight wins. Weights 3:1 in order
 * [A, B] give A, A, A, B. Entries of weight 0 are never picked.
 *
 * Unlike Traefik (v3 nextServer), an entry that is down is skipped by
 * computing gcd and maximum over the entries that are up, so "only
 * weight-0 entries are up" is an error, not an endless loop.
 */
#ifndef LB_L4_WRR_H
#define LB_L4_WRR_H

#include <stdbool.h>
#include <stddef.h>

struct wrr_entry {
	int weight;	/* <= 0: never picked */
	bool down;	/* set by health checking; down entries are skipped */
};

struct wrr {
	struct wrr_entry *e;	/* borrowed array of @n entries */
	size_t n;
	int index;		/* last pick; -1 before the first */
	int cur;		/* current weight */
};

/* Starts a balancer over @n entries at @e (borrowed; the caller may change
 * weight and down between picks).
 */
void wrr_init(struct wrr *w, struct wrr_entry *e, size_t n);

/* Returns the index of the next entry, -ENOENT for an empty list, or
 * -EAGAIN when no entry that is up has a positive weight ("all servers have
 * 0 weight").
 */
int wrr_next(struct wrr *w);

#endif /* LB_L4_WRR_H */
