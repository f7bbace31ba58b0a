/* Streaming JSON writer; see json_writer.h. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

#define JSONW_MAX_DEPTH 64

struct json_writer {
	FILE *out;		/* NULL: write into buf */
	char *buf;
	size_t len, cap;
	bool pretty;
	unsigned int depth;
	bool sep[JSONW_MAX_DEPTH];	/* a value was written at this depth */
	bool after_name;
};

struct json_writer *jsonw_new(FILE *f)
{
	struct json_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->out = f;
	return w;
}

struct json_writer *jsonw_new_buf(void)
{
	struct json_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->cap = 256;
	w->buf = malloc(w->cap);
	if (!w->buf) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	w->buf[0] = '\0';
	return w;
}

void jsonw_destroy(struct json_writer *w)
{
	if (!w)
		return;
	if (w->out && w->pretty)
		fputc('\n', w->out);
	free(w->buf);
	free(w);
}

const char *jsonw_buf(const struct json_writer *w)
{
	return w->buf ? w->buf : "";
}

void jsonw_pretty(struct json_writer *w, bool on)
{
	w->pretty = on;
}

static void put(struct json_writer *w, const char *s, size_t n)
{
	if (w->out) {
		fwrite(s, 1, n, w->out);
		return;
	}
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap * 2;
		char *nb;

		while (cap < w->len + n + 1)
			cap *= 2;
		nb = realloc(w->buf, cap);
		if (!nb)
			return;	/* output truncated; callers cannot recover */
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void puts_(struct json_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void putf(struct json_writer *w, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(w, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void indent(struct json_writer *w)
{
	unsigned int i;

	if (!w->pretty)
		return;
	put(w, "\n", 1);
	for (i = 0; i < w->depth; i++)
		put(w, "  ", 2);
}

/* Called before every value or name: writes the separator it needs. */
static void begin_value(struct json_writer *w)
{
	if (w->after_name) {
		w->after_name = false;
		return;
	}
	if (w->depth && w->depth < JSONW_MAX_DEPTH) {
		if (w->sep[w->depth])
			put(w, ",", 1);
		w->sep[w->depth] = true;
		indent(w);
	}
}

static void write_escaped(struct json_writer *w, const char *s, size_t len)
{
	size_t i;

	put(w, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': puts_(w, "\\\""); break;
		case '\\': puts_(w, "\\\\"); break;
		case '\n': puts_(w, "\\n"); break;
		case '\r': puts_(w, "\\r"); break;
		case '\t': puts_(w, "\\t"); break;
		case '\b': puts_(w, "\\b"); break;
		case '\f': puts_(w, "\\f"); break;
		default:
			if (c < 0x20)
				putf(w, "\\u%04x", c);
			else
				put(w, (const char *)&s[i], 1);
		}
	}
	put(w, "\"", 1);
}

void jsonw_name(struct json_writer *w, const char *name)
{
	begin_value(w);
	write_escaped(w, name, strlen(name));
	put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
	w->after_name = true;
}

static void open_(struct json_writer *w, const char *c)
{
	begin_value(w);
	puts_(w, c);
	if (w->depth + 1 < JSONW_MAX_DEPTH)
		w->sep[w->depth + 1] = false;
	w->depth++;
}

static void close_(struct json_writer *w, const char *c)
{
	bool had = w->depth < JSONW_MAX_DEPTH && w->sep[w->depth];

	w->depth--;
	if (had)
		indent(w);
	puts_(w, c);
}

void jsonw_start_object(struct json_writer *w)
{
	open_(w, "{");
}

void jsonw_end_object(struct json_writer *w)
{
	close_(w, "}");
}

void jsonw_start_array(struct json_writer *w)
{
	open_(w, "[");
}

void jsonw_end_array(struct json_writer *w)
{
	close_(w, "]");
}

void jsonw_string(struct json_writer *w, const char *s)
{
	begin_value(w);
	write_escaped(w, s, strlen(s));
}

void jsonw_string_len(struct json_writer *w, const char *s, size_t len)
{
	begin_value(w);
	write_escaped(w, s, len);
}

void jsonw_u64(struct json_writer *w, uint64_t v)
{
	begin_value(w);
	putf(w, "%" PRIu64, v);
}

void jsonw_s64(struct json_writer *w, int64_t v)
{
	begin_value(w);
	putf(w, "%" PRId64, v);
}

void jsonw_double(struct json_writer *w, double v)
{
	begin_value(w);
	if (isfinite(v))
		putf(w, "%.17g", v);
	else
		puts_(w, "null");
}

void jsonw_bool(struct json_writer *w, bool v)
{
	begin_value(w);
	puts_(w, v ? "true" : "false");
}

void jsonw_null(struct json_writer *w)
{
	begin_value(w);
	puts_(w, "null");
}

void jsonw_raw(struct json_writer *w, const char *json)
{
	begin_value(w);
	puts_(w, json);
}
