/* Streaming JSON writer: handles commas, nesting and string escaping, so
 * callers only say what comes next. Writes to a FILE or to a growing
 * in-memory buffer (for control-socket replies).
 */
#ifndef LB_JSON_WRITER_H
#define LB_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

/* Constructors return NULL with errno set. Caller owns the writer; free it
 * with jsonw_destroy(). jsonw_new() borrows @f.
 */
struct json_writer *jsonw_new(FILE *f);
struct json_writer *jsonw_new_buf(void);
void jsonw_destroy(struct json_writer *w);
/* The buffer of a jsonw_new_buf() writer, NUL-terminated; borrowed. */
const char *jsonw_buf(const struct json_writer *w);
void jsonw_pretty(struct json_writer *w, bool on);

void jsonw_name(struct json_writer *w, const char *name);
void jsonw_start_object(struct json_writer *w);
void jsonw_end_object(struct json_writer *w);
void jsonw_start_array(struct json_writer *w);
void jsonw_end_array(struct json_writer *w);
void jsonw_string(struct json_writer *w, const char *s);
void jsonw_string_len(struct json_writer *w, const char *s, size_t len);
void jsonw_u64(struct json_writer *w, uint64_t v);
void jsonw_s64(struct json_writer *w, int64_t v);
void jsonw_double(struct json_writer *w, double v);
void jsonw_bool(struct json_writer *w, bool v);
void jsonw_null(struct json_writer *w);
/* Writes @json verbatim as one value; the caller vouches it is valid. */
void jsonw_raw(struct json_writer *w, const char *json);

static inline void jsonw_string_field(struct json_writer *w, const char *n,
				      const char *s)
{
	jsonw_name(w, n);
	s ? jsonw_string(w, s) : jsonw_null(w);
}

static inline void jsonw_u64_field(struct json_writer *w, const char *n,
				   uint64_t v)
{
	jsonw_name(w, n);
	jsonw_u64(w, v);
}

static inline void jsonw_s64_field(struct json_writer *w, const char *n,
				   int64_t v)
{
	jsonw_name(w, n);
	jsonw_s64(w, v);
}

static inline void jsonw_bool_field(struct json_writer *w, const char *n,
				    bool v)
{
	jsonw_name(w, n);
	jsonw_bool(w, v);
}

#endif /* LB_JSON_WRITER_H */
