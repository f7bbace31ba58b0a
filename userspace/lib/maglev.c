/* Weighted Maglev lookup tables (see maglev.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"

struct perm {
	const struct maglev_backend *be;
	uint32_t quota;
	uint64_t offset;
	uint64_t skip;
	uint64_t next;
	uint64_t credit;
	uint32_t count;
};

static uint64_t fnv1a(const char *s, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	/* final avalanche (splitmix64) */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

static bool is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return false;
	for (d = 2; (uint64_t)d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

uint32_t maglev_size(size_t n, uint32_t floor)
{
	uint64_t p2 = 1, want;

	while (p2 < n)
		p2 <<= 1;
	want = p2 * MAGLEV_MIN_RATIO;
	if (want < floor)
		want = floor;
	for (; want <= UINT32_MAX; want++)
		if (is_prime(want))
			return want;
	return 0;
}

size_t maglev_quota(const struct maglev_backend *be, size_t n, uint32_t size,
		    uint32_t *quota)
{
	uint64_t total = 0, given = 0;
	size_t i, active = 0;

	for (i = 0; i < n; i++) {
		total += be[i].weight;
		active += be[i].weight > 0;
	}
	for (i = 0; i < n; i++) {
		quota[i] = total ? (uint64_t)size * be[i].weight / total : 0;
		given += quota[i];
	}
	/* Largest remainder: hand out what flooring left, one each, to the
	 * backends with the largest fractional parts (ties: lowest key).
	 */
	while (total && given < size) {
		size_t best = n;
		uint64_t best_rem = 0;

		for (i = 0; i < n; i++) {
			uint64_t rem;

			if (!be[i].weight ||
			    quota[i] > (uint64_t)size * be[i].weight / total)
				continue;
			rem = (uint64_t)size * be[i].weight % total;
			if (best == n || rem > best_rem ||
			    (rem == best_rem && strcmp(be[i].key, be[best].key) < 0)) {
				best = i;
				best_rem = rem;
			}
		}
		if (best == n)
			break;
		quota[best]++;
		given++;
	}
	return active;
}

static int perm_cmp(const void *a, const void *b)
{
	const struct perm *x = a, *y = b;

	return strcmp(x->be->key, y->be->key);
}

/* Claims backend @i's next preferred free entry. */
static void claim(struct perm *p, uint32_t *table, uint32_t size, uint32_t id)
{
	uint64_t c;

	do {
		c = (p->offset + p->next * p->skip) % size;
		p->next++;
	} while (table[c] != MAGLEV_NONE);
	table[c] = id;
	p->count++;
}

int maglev_build(const struct maglev_backend *be, size_t n, uint32_t size,
		 uint32_t *table)
{
	uint32_t *quota = NULL, filled = 0, max_quota = 0;
	struct perm *perm = NULL;
	size_t i, active;
	int err = 0;

	if (!is_prime(size))
		return -EINVAL;
	for (i = 0; i < size; i++)
		table[i] = MAGLEV_NONE;
	quota = calloc(n ? n : 1, sizeof(*quota));
	perm = calloc(n ? n : 1, sizeof(*perm));
	if (!quota || !perm) {
		err = -ENOMEM;
		goto out_free;
	}
	active = maglev_quota(be, n, size, quota);
	if (!active)
		goto out_free;
	if (active > size / MAGLEV_MIN_RATIO) {
		err = -E2BIG;
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		perm[i].be = &be[i];
		perm[i].quota = quota[i];
		perm[i].offset = fnv1a(be[i].key, 0x6f6666) % size;
		perm[i].skip = fnv1a(be[i].key, 0x736b6970) % (size - 1) + 1;
		if (quota[i] > max_quota)
			max_quota = quota[i];
	}
	/* Claim rounds go in key order: the table must not depend on the
	 * order the caller lists backends in.
	 */
	qsort(perm, n, sizeof(*perm), perm_cmp);
	/* Rounds: each backend earns credit in proportion to its quota and
	 * claims an entry per max_quota of credit, so heavy and light
	 * backends interleave their preferences instead of taking turns.
	 */
	while (filled < size) {
		for (i = 0; i < n && filled < size; i++) {
			struct perm *p = &perm[i];

			if (p->count >= p->quota)
				continue;
			p->credit += p->quota;
			while (p->credit >= max_quota && p->count < p->quota &&
			       filled < size) {
				p->credit -= max_quota;
				claim(p, table, size, p->be->id);
				filled++;
			}
		}
	}

out_free:
	free(perm);
	free(quota);
	return err;
}
