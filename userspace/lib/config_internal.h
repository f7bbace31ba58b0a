/* Private to config*.c: the schema-driven YAML decoder and diagnostics.
 *
 * Every struct of config_types.h that YAML can fill has a schema: a table
 * of fields naming the YAML key, a decoder type and the member's offset.
 * One generic walker (config_decode.c) checks types, reports unknown keys
 * with a "did you mean", and records file:line:col for every message.
 */
#ifndef LB_CONFIG_INTERNAL_H
#define LB_CONFIG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "config_types.h"

#define NO_OFF ((size_t)-1)

enum field_type {
	FT_STRING,	/* char * */
	FT_BOOL,	/* bool */
	FT_INT,		/* int */
	FT_INT64,	/* int64_t */
	FT_DURATION_S,	/* int64_t ns; a bare integer means seconds */
	FT_DURATION_MS,	/* int64_t ns; a bare integer means milliseconds */
	FT_STRLIST,	/* struct cfg_strlist; a single scalar is a list of one */
	FT_KVMAP,	/* struct cfg_kvlist from a mapping of scalars */
	FT_OBJECT,	/* nested struct described by .sub */
	FT_LIST,	/* array of .sub structs: pointer at .off, count at .count_off */
	FT_NAMED_MAP,	/* mapping name -> .sub struct (first member char *name) */
	FT_PRESENCE,	/* `{}`: sets the bool at .off; keys inside are errors */
	FT_CUSTOM,	/* .custom decodes it */
	FT_IGNORED,	/* a Traefik key sluice accepts and does not use: warning */
};

struct decoder;
struct schema;
struct json_writer;

struct field {
	const char *key;
	enum field_type type;
	size_t off;
	const struct schema *sub;
	size_t count_off;	/* FT_LIST / FT_NAMED_MAP element count */
	size_t set_off;		/* bool set to true when the key is present */
	int (*custom)(struct decoder *d, yaml_node_t *node, void *dst);
	/* FT_CUSTOM: writes the member's value for `config show` */
	void (*render)(struct json_writer *w, const void *dst);
	const char *note;	/* FT_IGNORED: why */
	bool qualify;		/* FT_NAMED_MAP: names become name@file */
};

struct schema {
	const char *name;
	size_t size;
	const struct field *fields;
	void (*defaults)(void *obj);
	size_t pos_off;		/* struct cfg_pos member, or NO_OFF */
	size_t name_off;	/* FT_NAMED_MAP: char *name member */
	size_t broken_off;	/* bool set when the element had errors, or NO_OFF */
};

/* State of one file's decode. */
struct decoder {
	struct config *cfg;
	yaml_document_t *doc;
	const char *file;	/* owned by cfg->files */
	char path[512];		/* current key path */
	size_t path_len;
	size_t errors;		/* errors reported so far (for "did this subtree fail") */
};

/* Records a diagnostic at @node (may be NULL) under the current path. */
void dec_diag(struct decoder *d, enum cfg_severity sev, yaml_node_t *node,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Records a diagnostic not tied to a decoder (validation). @pos may be
 * NULL; @path may be NULL.
 */
void cfg_diag_add(struct config *cfg, enum cfg_severity sev,
		  const struct cfg_pos *pos, const char *path,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Path stack: push ".key" or "[i]"; returns the old length for pop. */
size_t dec_push(struct decoder *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void dec_pop(struct decoder *d, size_t old_len);

/* Decodes mapping @node into @obj following @s. Returns 0 or -1 when the
 * node itself had the wrong shape (already reported).
 */
int dec_object(struct decoder *d, yaml_node_t *node, const struct schema *s,
	       void *obj);
/* Decodes one field value. */
int dec_field(struct decoder *d, const struct field *f, yaml_node_t *node,
	      void *obj);
/* Scalar helpers: the text of a scalar node, or NULL (reported) if not. */
const char *dec_scalar(struct decoder *d, yaml_node_t *node, const char *what);
bool dec_is_null(yaml_node_t *node);
void dec_pos(const struct decoder *d, yaml_node_t *node, struct cfg_pos *pos);

/* Frees every allocation @s describes below @obj (not @obj itself). */
void schema_free(const struct schema *s, void *obj);

/* Schemas (config_schema.c). */
extern const struct schema schema_static_root;
extern const struct schema schema_http;
extern const struct schema schema_tcp;
extern const struct schema schema_udp;

/* Validation after every file is decoded (config_validate.c). */
void config_validate(struct config *cfg);

/* Levenshtein distance, for "did you mean". */
int cfg_edit_distance(const char *a, const char *b);

char *cfg_strdup(const char *s);
/* "name" -> "name@file"; a name with '@' is kept. Caller owns. */
char *cfg_qualify(const char *name);

#endif /* LB_CONFIG_INTERNAL_H */
