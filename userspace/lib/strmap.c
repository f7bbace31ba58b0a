/* String-keyed hash index (see strmap.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ull;
	return h;
}

static size_t pow2_at_least(size_t n)
{
	size_t c = 16;

	while (c < n)
		c <<= 1;
	return c;
}

int strmap_init(struct strmap *m, size_t hint)
{
	memset(m, 0, sizeof(*m));
	if (!hint)
		return 0;
	m->cap = pow2_at_least(hint * 2);
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		m->cap = 0;
		return -ENOMEM;
	}
	return 0;
}

void strmap_free(struct strmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* The slot of @key, or the empty slot where it would go. */
static struct strmap_slot *probe(const struct strmap *m, const char *key)
{
	size_t i = hash(key) & (m->cap - 1);

	while (m->slots[i].key && strcmp(m->slots[i].key, key))
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

static int grow(struct strmap *m)
{
	struct strmap old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 16;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return -ENOMEM;
	}
	for (i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*probe(m, old.slots[i].key) = old.slots[i];
	free(old.slots);
	return 0;
}

int strmap_add(struct strmap *m, const char *key, size_t val, size_t *old)
{
	struct strmap_slot *s;

	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	s = probe(m, key);
	if (s->key) {
		if (old)
			*old = s->val;
		return 0;
	}
	s->key = key;
	s->val = val;
	m->n++;
	return 1;
}

void strmap_hexkey(const void *k, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b = k;
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * len] = '\0';
}

bool strmap_del(struct strmap *m, const char *key)
{
	size_t i, j, home;

	if (!m->cap)
		return false;
	i = probe(m, key) - m->slots;
	if (!m->slots[i].key)
		return false;
	/* backward-shift deletion: move up every later entry of the run
	 * whose home slot does not lie between the hole and itself
	 */
	j = i;
	for (;;) {
		m->slots[i].key = NULL;
		for (;;) {
			j = (j + 1) & (m->cap - 1);
			if (!m->slots[j].key) {
				m->n--;
				return true;
			}
			home = hash(m->slots[j].key) & (m->cap - 1);
			if (i <= j ? (home <= i || home > j) :
				     (home <= i && home > j))
				break;
		}
		m->slots[i] = m->slots[j];
		i = j;
	}
}

bool strmap_get(const struct strmap *m, const char *key, size_t *val)
{
	const struct strmap_slot *s;

	if (!m->cap)
		return false;
	s = probe(m, key);
	if (!s->key)
		return false;
	*val = s->val;
	return true;
}
