/* A small read-only JSON document tree, parsed with libyaml (JSON is a
 * subset of the YAML flow syntax), for control-socket messages. Scalars
 * keep their text; jnode_is_string() tells a quoted string from a bare
 * number/true/false/null.
 */
#ifndef LB_JTREE_H
#define LB_JTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jnode_type {
	JNODE_SCALAR,
	JNODE_ARRAY,
	JNODE_OBJECT,
};

struct jnode {
	enum jnode_type type;
	char *key;		/* member name inside an object, else NULL */
	char *text;		/* scalar text */
	bool quoted;		/* scalar was a JSON string */
	struct jnode **kids;
	size_t n_kids;
};

/* Parses @text. Returns NULL with errno set (EINVAL: not JSON). Caller owns;
 * free with jnode_free().
 */
struct jnode *jnode_parse(const char *text, size_t len);
void jnode_free(struct jnode *n);

/* Member @key of object @n, or NULL. Borrowed. */
const struct jnode *jnode_get(const struct jnode *n, const char *key);
const char *jnode_str(const struct jnode *n, const char *key);
bool jnode_u64(const struct jnode *n, const char *key, uint64_t *v);
bool jnode_s64(const struct jnode *n, const char *key, int64_t *v);

/* Writes @n back as JSON (used to pass agent replies through under -j). */
struct json_writer;
void jnode_write(const struct jnode *n, struct json_writer *w);

#endif /* LB_JTREE_H */
