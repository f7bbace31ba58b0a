/* The schema-driven YAML decoder: walks libyaml's document tree following
 * the field tables of config_schema.c, converting scalars, checking types
 * and reporting unknown keys with file:line:col and a "did you mean".
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_internal.h"
#include "strmap.h"

char *cfg_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *cfg_qualify(const char *name)
{
	char *q;

	if (!name)
		return NULL;
	if (strchr(name, '@'))
		return strdup(name);
	if (asprintf(&q, "%s@file", name) < 0)
		return NULL;
	return q;
}

int cfg_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return INT_MAX;
	for (j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (i = 1; i <= la; i++) {
		cur[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			int cost = tolower((unsigned char)a[i - 1]) !=
				   tolower((unsigned char)b[j - 1]);
			int best = prev[j] + 1;

			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (prev[j - 1] + cost < best)
				best = prev[j - 1] + cost;
			cur[j] = best;
		}
		memcpy(prev, cur, sizeof(int) * (lb + 1));
	}
	return prev[lb];
}

static void diag_vadd(struct config *cfg, enum cfg_severity sev,
		      const struct cfg_pos *pos, const char *path,
		      const char *fmt, va_list ap)
{
	struct cfg_diag *nd, *diag;
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	nd = realloc(cfg->diags, (cfg->n_diags + 1) * sizeof(*nd));
	if (!nd) {
		free(msg);
		return;
	}
	cfg->diags = nd;
	diag = &cfg->diags[cfg->n_diags++];
	memset(diag, 0, sizeof(*diag));
	diag->severity = sev;
	if (pos)
		diag->pos = *pos;
	diag->path = (path && *path) ? strdup(path) : NULL;
	diag->msg = msg;
	if (sev == CFG_ERROR)
		cfg->n_errors++;
}

void config_diag_add(struct config *cfg, enum cfg_severity sev,
		  const struct cfg_pos *pos, const char *path,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(cfg, sev, pos, path, fmt, ap);
	va_end(ap);
}

void dec_pos(const struct decoder *d, yaml_node_t *node, struct cfg_pos *pos)
{
	pos->file = d->file;
	pos->line = node ? (int)node->start_mark.line + 1 : 0;
	pos->col = node ? (int)node->start_mark.column + 1 : 0;
}

void dec_diag(struct decoder *d, enum cfg_severity sev, yaml_node_t *node,
	      const char *fmt, ...)
{
	struct cfg_pos pos;
	va_list ap;

	dec_pos(d, node, &pos);
	va_start(ap, fmt);
	diag_vadd(d->cfg, sev, &pos, d->path, fmt, ap);
	va_end(ap);
	if (sev == CFG_ERROR)
		d->errors++;
}

size_t dec_push(struct decoder *d, const char *fmt, ...)
{
	size_t old = d->path_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(d->path + old, sizeof(d->path) - old, fmt, ap);
	va_end(ap);
	if (n > 0)
		d->path_len = old + (size_t)n < sizeof(d->path) ?
			      old + (size_t)n : sizeof(d->path) - 1;
	return old;
}

void dec_pop(struct decoder *d, size_t old_len)
{
	d->path_len = old_len;
	d->path[old_len] = '\0';
}

bool dec_is_null(yaml_node_t *node)
{
	const char *v;

	if (!node || node->type != YAML_SCALAR_NODE)
		return false;
	if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)node->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

static const char *node_kind(yaml_node_t *node)
{
	switch (node->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

const char *dec_scalar(struct decoder *d, yaml_node_t *node, const char *what)
{
	if (node->type != YAML_SCALAR_NODE) {
		dec_diag(d, CFG_ERROR, node, "expected %s, got %s", what,
			 node_kind(node));
		return NULL;
	}
	return (const char *)node->data.scalar.value;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes",
					   "Yes", "on", "On", NULL };
	static const char *const no[] = { "false", "False", "FALSE", "no",
					  "No", "off", "Off", NULL };
	int i;

	for (i = 0; yes[i]; i++)
		if (!strcmp(v, yes[i]))
			return *out = true, 0;
	for (i = 0; no[i]; i++)
		if (!strcmp(v, no[i]))
			return *out = false, 0;
	return -EINVAL;
}

static int parse_int64(const char *v, int64_t *out)
{
	char *end;
	long long x;

	if (!*v)
		return -EINVAL;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = x;
	return 0;
}

static int dec_strlist(struct decoder *d, yaml_node_t *node,
		       struct cfg_strlist *l)
{
	yaml_node_item_t *it;
	size_t i = 0;

	if (node->type == YAML_SCALAR_NODE) {
		if (dec_is_null(node))
			return 0;
		l->v = calloc(1, sizeof(char *));
		if (!l->v)
			return -1;
		l->v[0] = strdup((const char *)node->data.scalar.value);
		l->n = 1;
		return 0;
	}
	if (node->type != YAML_SEQUENCE_NODE) {
		dec_diag(d, CFG_ERROR, node, "expected a list of strings, got %s",
			 node_kind(node));
		return -1;
	}
	for (it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++, i++) {
		yaml_node_t *n = yaml_document_get_node(d->doc, *it);
		size_t old = dec_push(d, "[%zu]", i);
		const char *v = dec_scalar(d, n, "a string");
		char **nv;

		dec_pop(d, old);
		if (!v)
			continue;
		nv = realloc(l->v, (l->n + 1) * sizeof(char *));
		if (!nv)
			return -1;
		l->v = nv;
		l->v[l->n++] = strdup(v);
	}
	return 0;
}

/* Checks that @node has the shape a decoder walks. Returns 1 to walk it,
 * 0 for an empty (null) value, -1 for another shape (reported as
 * "expected @what, got ...").
 */
static int dec_shape(struct decoder *d, yaml_node_t *node,
		     yaml_node_type_t type, const char *what)
{
	if (dec_is_null(node))
		return 0;
	if (node->type != type) {
		dec_diag(d, CFG_ERROR, node, "expected %s, got %s", what,
			 node_kind(node));
		return -1;
	}
	return 1;
}

static int dec_kvmap(struct decoder *d, yaml_node_t *node, struct cfg_kvlist *l)
{
	yaml_node_pair_t *p;
	int shape;

	shape = dec_shape(d, node, YAML_MAPPING_NODE, "a mapping");
	if (shape <= 0)
		return shape;
	for (p = node->data.mapping.pairs.start;
	     p < node->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(d->doc, p->value);
		const char *ks = dec_scalar(d, k, "a key");
		const char *vs;
		struct cfg_kv *nv;
		size_t old;

		if (!ks)
			continue;
		old = dec_push(d, ".%s", ks);
		vs = dec_scalar(d, v, "a string");
		dec_pop(d, old);
		if (!vs)
			continue;
		nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
		if (!nv)
			return -1;
		l->v = nv;
		l->v[l->n].key = strdup(ks);
		l->v[l->n].value = strdup(vs);
		l->n++;
	}
	return 0;
}

/* Appends one zeroed, defaulted element to the array at @arrp. */
/* Initialises element *@count of @arr, which has room for it, and counts
 * it.
 */
static void *array_next(void *arr, size_t *count, const struct schema *s)
{
	void *elem = (char *)arr + *count * s->size;

	memset(elem, 0, s->size);
	if (s->defaults)
		s->defaults(elem);
	(*count)++;
	return elem;
}

static void *array_append(void **arrp, size_t *count, const struct schema *s)
{
	char *na = realloc(*arrp, (*count + 1) * s->size);

	if (!na)
		return NULL;
	*arrp = na;
	return array_next(na, count, s);
}

static int dec_list(struct decoder *d, const struct field *f,
		    yaml_node_t *node, void *obj)
{
	void **arrp = (void **)((char *)obj + f->off);
	size_t *count = (size_t *)((char *)obj + f->count_off);
	yaml_node_item_t *it;
	size_t i = 0;
	int shape;

	shape = dec_shape(d, node, YAML_SEQUENCE_NODE, "a list");
	if (shape <= 0)
		return shape;
	for (it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++, i++) {
		yaml_node_t *n = yaml_document_get_node(d->doc, *it);
		size_t old = dec_push(d, "[%zu]", i);
		void *elem = array_append(arrp, count, f->sub);

		if (elem)
			dec_object(d, n, f->sub, elem);
		dec_pop(d, old);
	}
	return 0;
}

static int dec_named_map(struct decoder *d, const struct field *f,
			 yaml_node_t *node, void *obj)
{
	void **arrp = (void **)((char *)obj + f->off);
	size_t *count = (size_t *)((char *)obj + f->count_off);
	const struct schema *s = f->sub;
	size_t n_pairs, i, first_idx;
	struct strmap names;
	yaml_node_pair_t *p;
	char *na;
	int shape, ret = -1;

	shape = dec_shape(d, node, YAML_MAPPING_NODE, "a mapping of names");
	if (shape <= 0)
		return shape;
	/* the names so far (earlier files too) by index: duplicates are
	 * found in O(1), not by a scan of every earlier name
	 */
	n_pairs = node->data.mapping.pairs.top - node->data.mapping.pairs.start;
	if (strmap_init(&names, *count + n_pairs))
		return -1;
	for (i = 0; i < *count; i++) {
		const char *n = *(char **)((char *)*arrp + i * s->size + s->name_off);

		if (n && strmap_add(&names, n, i, NULL) < 0)
			goto out_free;
	}
	/* room for every element at once (one realloc, not one each) */
	na = realloc(*arrp, (*count + n_pairs + 1) * s->size);
	if (!na)
		goto out_free;
	*arrp = na;
	for (p = node->data.mapping.pairs.start;
	     p < node->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(d->doc, p->value);
		const char *ks = dec_scalar(d, k, "a name");
		char *name, *elem;
		size_t old, errs;

		if (!ks)
			continue;
		name = f->qualify ? cfg_qualify(ks) : strdup(ks);
		if (!name)
			goto out_free;
		old = dec_push(d, ".%s", ks);
		if (strmap_get(&names, name, &first_idx)) {
			elem = (char *)*arrp + first_idx * s->size;
			const struct cfg_pos *first =
				(const struct cfg_pos *)(elem + s->pos_off);

			dec_diag(d, CFG_ERROR, k,
				 "%s defined more than once (first at %s:%d:%d); this one is skipped",
				 name, first->file, first->line, first->col);
			free(name);
			dec_pop(d, old);
			continue;
		}
		elem = array_next(*arrp, count, s);
		if (strmap_add(&names, name, *count - 1, NULL) < 0) {
			free(name);
			dec_pop(d, old);
			goto out_free;
		}
		*(char **)(elem + s->name_off) = name;
		errs = d->errors;
		dec_object(d, v, s, elem);
		if (s->pos_off != NO_OFF)
			dec_pos(d, k, (struct cfg_pos *)(elem + s->pos_off));
		if (s->broken_off != NO_OFF && d->errors != errs)
			*(bool *)(elem + s->broken_off) = true;
		dec_pop(d, old);
	}
	ret = 0;
out_free:
	strmap_free(&names);
	return ret;
}

static int dec_duration(struct decoder *d, yaml_node_t *node, int64_t unit,
			int64_t *out)
{
	const char *v = dec_scalar(d, node, "a duration");

	if (!v)
		return -1;
	if (config_parse_duration(v, unit, out) < 0) {
		dec_diag(d, CFG_ERROR, node,
			 "invalid duration \"%s\" (use Go syntax such as \"100ms\", \"1.5s\", \"1m30s\", or a bare number of %s)",
			 v, unit == NSEC_PER_SEC ? "seconds" : "milliseconds");
		return -1;
	}
	return 0;
}

int dec_field(struct decoder *d, const struct field *f, yaml_node_t *node,
	      void *obj)
{
	void *dst = (char *)obj + f->off;
	const char *v;
	int64_t i64;

	switch (f->type) {
	case FT_STRING:
		v = dec_scalar(d, node, "a string");
		if (!v)
			return -1;
		free(*(char **)dst);
		*(char **)dst = strdup(dec_is_null(node) ? "" : v);
		return 0;
	case FT_BOOL:
		v = dec_scalar(d, node, "true or false");
		if (!v)
			return -1;
		if (parse_bool(v, (bool *)dst) < 0) {
			dec_diag(d, CFG_ERROR, node,
				 "expected true or false, got \"%s\"", v);
			return -1;
		}
		return 0;
	case FT_INT:
	case FT_INT64:
		v = dec_scalar(d, node, "an integer");
		if (!v)
			return -1;
		if (parse_int64(v, &i64) < 0 ||
		    (f->type == FT_INT && (i64 > INT_MAX || i64 < INT_MIN))) {
			dec_diag(d, CFG_ERROR, node,
				 "expected an integer, got \"%s\"", v);
			return -1;
		}
		if (f->type == FT_INT)
			*(int *)dst = (int)i64;
		else
			*(int64_t *)dst = i64;
		return 0;
	case FT_DURATION_S:
		return dec_duration(d, node, NSEC_PER_SEC, dst);
	case FT_DURATION_MS:
		return dec_duration(d, node, NSEC_PER_MSEC, dst);
	case FT_STRLIST:
		return dec_strlist(d, node, dst);
	case FT_KVMAP:
		return dec_kvmap(d, node, dst);
	case FT_OBJECT:
		return dec_object(d, node, f->sub, dst);
	case FT_LIST:
		return dec_list(d, f, node, obj);
	case FT_NAMED_MAP:
		return dec_named_map(d, f, node, obj);
	case FT_PRESENCE:
		if (!dec_is_null(node) && (node->type != YAML_MAPPING_NODE ||
		    node->data.mapping.pairs.start != node->data.mapping.pairs.top)) {
			dec_diag(d, CFG_ERROR, node,
				 "expected an empty object {} (this service only tracks its children's health)");
			return -1;
		}
		*(bool *)dst = true;
		return 0;
	case FT_CUSTOM:
		return f->custom(d, node, dst);
	case FT_IGNORED:
		dec_diag(d, CFG_WARNING, node, "not used by sluice, ignored%s%s",
			 f->note ? ": " : "", f->note ? f->note : "");
		return 0;
	}
	return -1;
}

static const struct field *closest_field(const struct schema *s,
					 const char *key)
{
	const struct field *f, *best = NULL;
	int bestd = INT_MAX;

	for (f = s->fields; f->key; f++) {
		int dist = cfg_edit_distance(key, f->key);

		if (dist < bestd) {
			bestd = dist;
			best = f;
		}
	}
	/* close enough to be a typo: a third of the key, at least 1, at most 3 */
	if (best && bestd <= 3 && bestd * 3 <= (int)strlen(key) + 2)
		return best;
	return NULL;
}

int dec_object(struct decoder *d, yaml_node_t *node, const struct schema *s,
	       void *obj)
{
	yaml_node_pair_t *p;

	if (s->pos_off != NO_OFF)
		dec_pos(d, node, (struct cfg_pos *)((char *)obj + s->pos_off));
	if (dec_is_null(node))
		return 0;
	if (node->type != YAML_MAPPING_NODE) {
		dec_diag(d, CFG_ERROR, node, "expected a mapping (%s), got %s",
			 s->name, node_kind(node));
		return -1;
	}
	for (p = node->data.mapping.pairs.start;
	     p < node->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(d->doc, p->value);
		const char *ks = dec_scalar(d, k, "a key");
		const struct field *f;
		size_t old;

		if (!ks)
			continue;
		/* Traefik's YAML keys are case-insensitive (paerser) */
		for (f = s->fields; f->key; f++)
			if (!strcasecmp(f->key, ks))
				break;
		old = dec_push(d, "%s%s", d->path_len ? "." : "", ks);
		if (!f->key) {
			const struct field *near = closest_field(s, ks);

			if (near)
				dec_diag(d, CFG_ERROR, k,
					 "unknown key \"%s\" in %s (did you mean \"%s\"?)",
					 ks, s->name, near->key);
			else
				dec_diag(d, CFG_ERROR, k,
					 "unknown key \"%s\" in %s", ks, s->name);
			dec_pop(d, old);
			continue;
		}
		if (f->set_off != NO_OFF)
			*(bool *)((char *)obj + f->set_off) = true;
		dec_field(d, f, v, obj);
		dec_pop(d, old);
	}
	return 0;
}

static void strlist_free(struct cfg_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Frees every allocation the schema describes below @obj (not @obj). */
void schema_free(const struct schema *s, void *obj)
{
	const struct field *f;

	for (f = s->fields; f->key; f++) {
		void *dst = (char *)obj + f->off;

		switch (f->type) {
		case FT_STRING:
			free(*(char **)dst);
			*(char **)dst = NULL;
			break;
		case FT_STRLIST:
			strlist_free(dst);
			break;
		case FT_KVMAP: {
			struct cfg_kvlist *l = dst;
			size_t i;

			for (i = 0; i < l->n; i++) {
				free(l->v[i].key);
				free(l->v[i].value);
			}
			free(l->v);
			l->v = NULL;
			l->n = 0;
			break;
		}
		case FT_OBJECT:
			schema_free(f->sub, dst);
			break;
		case FT_LIST:
		case FT_NAMED_MAP: {
			char *arr = *(char **)dst;
			size_t *count = (size_t *)((char *)obj + f->count_off);
			size_t i;

			for (i = 0; arr && i < *count; i++) {
				char *elem = arr + i * f->sub->size;

				schema_free(f->sub, elem);
				if (f->type == FT_NAMED_MAP)
					free(*(char **)(elem + f->sub->name_off));
			}
			free(arr);
			*(char **)dst = NULL;
			*count = 0;
			break;
		}
		default:
			break;
		}
	}
}
