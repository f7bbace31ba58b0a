/* strmap: a string-keyed hash index (open addressing, FNV-1a), for the
 * places that match names against names: a configuration of 10,000
 * services must not cost 10,000 x 10,000 strcmp().
 *
 * Keys are borrowed (they must outlive the map); values are size_t (an
 * array index, usually). Grows by doubling. Not thread-safe.
 */
#ifndef LB_STRMAP_H
#define LB_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap_slot {
	const char *key;	/* NULL: empty */
	size_t val;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap;		/* power of two, or 0 */
	size_t n;
};

/* Sizes @m for @hint keys (0: grows as needed). Returns 0 or -ENOMEM. */
int strmap_init(struct strmap *m, size_t hint);
void strmap_free(struct strmap *m);

/* Adds @key -> @val, or finds @key already there (its value stays).
 * Returns 1 when added, 0 when present (*@old, if not NULL, gets its
 * value), -ENOMEM.
 */
int strmap_add(struct strmap *m, const char *key, size_t val, size_t *old);

/* Removes @key. Returns true when it was there. */
bool strmap_del(struct strmap *m, const char *key);

/* The value of @key in *@val. Returns false when absent. */
bool strmap_get(const struct strmap *m, const char *key, size_t *val);

/* Writes @len bytes of @k as hex into @out (2 * @len + 1 bytes): a
 * binary key (a struct with zeroed padding) as a strmap key.
 */
void strmap_hexkey(const void *k, size_t len, char *out);

#endif /* LB_STRMAP_H */
