/* Text/JSON rendering; see output.h. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "json_writer.h"
#include "output.h"

static struct json_writer *jw;
static bool wrote_any;

void out_init(bool json, bool pretty)
{
	if (!json)
		return;
	jw = jsonw_new(stdout);
	if (jw)
		jsonw_pretty(jw, pretty);
}

void out_finish(void)
{
	if (!jw)
		return;
	if (!wrote_any)
		jsonw_null(jw);
	jsonw_destroy(jw);
	jw = NULL;
	putchar('\n');
	fflush(stdout);
}

bool out_is_json(void)
{
	return jw != NULL;
}

static bool want_json(enum output_kind k)
{
	return jw && k != PRINT_FP;
}

static bool want_text(enum output_kind k, const char *fmt)
{
	return !jw && k != PRINT_JSON && fmt;
}

static void name(const char *key)
{
	wrote_any = true;
	if (key)
		jsonw_name(jw, key);
}

void open_json_object(const char *key)
{
	if (!jw)
		return;
	name(key);
	jsonw_start_object(jw);
}

void close_json_object(void)
{
	if (jw)
		jsonw_end_object(jw);
}

void open_json_array(const char *key)
{
	if (!jw)
		return;
	name(key);
	jsonw_start_array(jw);
}

void close_json_array(void)
{
	if (jw)
		jsonw_end_array(jw);
}

void print_string(enum output_kind k, const char *key, const char *fmt,
		  const char *v)
{
	if (want_json(k)) {
		name(key);
		v ? jsonw_string(jw, v) : jsonw_null(jw);
	} else if (want_text(k, fmt)) {
		printf(fmt, v ? v : "-");
	}
}

void print_u64(enum output_kind k, const char *key, const char *fmt,
	       uint64_t v)
{
	if (want_json(k)) {
		name(key);
		jsonw_u64(jw, v);
	} else if (want_text(k, fmt)) {
		printf(fmt, v);
	}
}

void print_s64(enum output_kind k, const char *key, const char *fmt,
	       int64_t v)
{
	if (want_json(k)) {
		name(key);
		jsonw_s64(jw, v);
	} else if (want_text(k, fmt)) {
		printf(fmt, v);
	}
}

void print_double(enum output_kind k, const char *key, const char *fmt,
		  double v)
{
	if (want_json(k)) {
		name(key);
		jsonw_double(jw, v);
	} else if (want_text(k, fmt)) {
		printf(fmt, v);
	}
}

void print_bool(enum output_kind k, const char *key, const char *fmt, bool v)
{
	if (want_json(k)) {
		name(key);
		jsonw_bool(jw, v);
	} else if (want_text(k, fmt)) {
		printf(fmt, v ? "true" : "false");
	}
}

void print_null(enum output_kind k, const char *key, const char *fmt)
{
	if (want_json(k)) {
		name(key);
		jsonw_null(jw);
	} else if (want_text(k, fmt)) {
		printf("%s", fmt);
	}
}

void print_json_raw(const char *json)
{
	if (!jw)
		return;
	wrote_any = true;
	jsonw_raw(jw, json);
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (jw)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void print_nl(void)
{
	if (!jw)
		putchar('\n');
}

void out_err(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (jw) {
		wrote_any = true;
		jsonw_start_object(jw);
		jsonw_string_field(jw, "error", buf);
		jsonw_end_object(jw);
		return;
	}
	fprintf(stderr, "Error: %s\n", buf);
}

void out_info(const char *fmt, ...)
{
	va_list ap;

	if (jw)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
