/* One rendering path for text and JSON (the iproute2 json_print model):
 * every field is written once, with PRINT_ANY, and appears as "key": value
 * under -j or through its printf format in text mode. Process-wide state:
 * the CLI sets it up once in main().
 */
#ifndef LB_OUTPUT_H
#define LB_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

enum output_kind {
	PRINT_ANY,	/* both modes */
	PRINT_JSON,	/* JSON only */
	PRINT_FP,	/* text only */
};

void out_init(bool json, bool pretty);
/* Ends the JSON document (prints "null" if nothing was written). */
void out_finish(void);
bool out_is_json(void);

void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

/* @key may be NULL inside arrays; @fmt may be NULL for JSON-only output. */
void print_string(enum output_kind k, const char *key, const char *fmt,
		  const char *v);
void print_u64(enum output_kind k, const char *key, const char *fmt,
	       uint64_t v);
void print_s64(enum output_kind k, const char *key, const char *fmt,
	       int64_t v);
void print_double(enum output_kind k, const char *key, const char *fmt,
		  double v);
void print_bool(enum output_kind k, const char *key, const char *fmt, bool v);
void print_null(enum output_kind k, const char *key, const char *fmt);
/* JSON only: @json, valid JSON, as the next value (passing documents
 * through from the agent or the config model).
 */
void print_json_raw(const char *json);
/* Text-only literal (headings, separators). */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void print_nl(void);

/* The single error path of the CLI: "Error: ..." on stderr, or
 * {"error": "..."} as the JSON document under -j.
 */
void out_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational text, silent under -j. */
void out_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* LB_OUTPUT_H */
