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

/* One protocol's services, as the graph checks see them (config_graph.c). */
struct svc_view {
	const char *proto;	/* "http", "tcp", "udp": for key paths */
	void *arr;
	size_t n, size;
	size_t name_off, broken_off, pos_off;
	const struct strmap *idx;	/* name -> index of @arr; may be empty */
	/* Fills @out with up to @max child names of service @svc. */
	size_t (*children)(const void *svc, const char **out, size_t max);
};

/* Marks (and reports) every service that is part of a cycle. */
void graph_check_cycles(struct config *cfg, const struct svc_view *v);
/* Marks (and reports) every service with a broken child, to a fixpoint. */
void graph_propagate_broken(struct config *cfg, const struct svc_view *v);
/* "proto.services.name" (the name without @file) into @buf. */
void config_svc_path(const char *proto, const char *qname, char *buf,
		     size_t len);

/* Validation after every file is decoded (config_validate.c), in parts. */
void config_validate(struct config *cfg);
void config_validate_http(struct config *cfg);
void config_validate_l4(struct config *cfg);

/* Helpers of the checks (config_validate.c). */
#define err_at(cfg, pos, path, ...) \
	config_diag_add(cfg, CFG_ERROR, pos, path, __VA_ARGS__)
#define warn_at(cfg, pos, path, ...) \
	config_diag_add(cfg, CFG_WARNING, pos, path, __VA_ARGS__)
/* Replaces *@ref with its qualified form. */
void cfg_qualify_ref(char **ref);
/* The key path of a service for messages; valid until the next call. */
const char *cfg_svc_path(const char *proto, const char *qname);
/* A child's name as the user wrote it: "x@file" -> "x". */
const char *cfg_as_written(const char *qname);
/* Reports unknown or wrong-protocol entryPoints of a router; sets
 * *@broken when none is usable.
 */
void cfg_check_router_eps(struct config *cfg, struct cfg_strlist *eps,
			  const struct cfg_pos *pos, const char *path,
			  enum cfg_l4proto want, bool *broken);

/* Levenshtein distance, for "did you mean". */
int cfg_edit_distance(const char *a, const char *b);

char *cfg_strdup(const char *s);
/* "name" -> "name@file"; a name with '@' is kept. Caller owns. */
char *cfg_qualify(const char *name);

#endif /* LB_CONFIG_INTERNAL_H */
