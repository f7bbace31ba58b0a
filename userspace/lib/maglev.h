/* Weighted Maglev lookup tables (Eisenbud et al., NSDI 2016), pure C.
 *
 * Every backend has a stable permutation of the table positions derived
 * from its key (e.g. "10.0.0.2:80"), so a table depends only on the set
 * of (key, weight) pairs, never on their order or ids. Weights are
 * honoured exactly: backend i owns round(size * w_i / sum(w)) entries
 * (largest-remainder rounding, so shares are within one entry of exact).
 * Removing one of N equal backends moves about 1/N of the entries.
 */
#ifndef LB_MAGLEV_H
#define LB_MAGLEV_H

#include <stddef.h>
#include <stdint.h>

#define MAGLEV_NONE	UINT32_MAX	/* entry of a table without backends */
#define MAGLEV_MIN_RATIO	100	/* size >= 100 x active backends */

struct maglev_backend {
	const char *key;	/* stable identity; borrowed */
	uint32_t id;		/* written into the table */
	uint32_t weight;	/* 0: takes no entries (drain, down) */
};

/* Fills @table (@size entries, @size prime) with the ids of @be. Backends
 * of weight 0 are left out; with none left, every entry is MAGLEV_NONE.
 * Returns 0, -EINVAL (size not prime or < 2), -E2BIG (more than
 * size / MAGLEV_MIN_RATIO active backends) or -ENOMEM.
 */
int maglev_build(const struct maglev_backend *be, size_t n, uint32_t size,
		 uint32_t *table);

/* A table size for @n backends: the smallest prime >= MAGLEV_MIN_RATIO x
 * @n rounded up to a power of two, and >= @floor. Sizes only change when
 * @n crosses a power of two, so adding or removing a backend rarely
 * reshuffles the whole table. 0 if the size would pass UINT32_MAX.
 */
uint32_t maglev_size(size_t n, uint32_t floor);

/* Entries backend i must own in a table of @size: writes @n counts to
 * @quota. Returns the number of active backends.
 */
size_t maglev_quota(const struct maglev_backend *be, size_t n, uint32_t size,
		    uint32_t *quota);

#endif /* LB_MAGLEV_H */
