/* `sluice config show`: the normalised model as JSON, written by walking
 * the same field tables the decoder uses, so every key is spelled as in
 * Traefik and every default is visible. Blocks that were not written and
 * carry a presence flag (healthCheck, proxyProtocol, ...) are left out.
 */
#include <stdbool.h>
#include <string.h>

#include "config.h"
#include "config_internal.h"
#include "json_writer.h"

static void render_object(struct json_writer *w, const struct schema *s,
			  const void *obj);

/* Blocks with a presence flag are shown only when written; scalars with
 * one (priority, forwarding) always show their effective value.
 */
static bool field_present(const struct field *f, const void *obj)
{
	return f->type != FT_OBJECT || f->set_off == NO_OFF ||
	       *(const bool *)((const char *)obj + f->set_off);
}

static void render_value(struct json_writer *w, const struct field *f,
			 const void *obj)
{
	const void *dst = (const char *)obj + f->off;
	char buf[64];
	size_t i;

	switch (f->type) {
	case FT_STRING:
		if (*(char *const *)dst)
			jsonw_string(w, *(char *const *)dst);
		else
			jsonw_null(w);
		break;
	case FT_BOOL:
	case FT_PRESENCE:
		jsonw_bool(w, *(const bool *)dst);
		break;
	case FT_INT:
		jsonw_s64(w, *(const int *)dst);
		break;
	case FT_INT64:
		jsonw_s64(w, *(const int64_t *)dst);
		break;
	case FT_DURATION_S:
	case FT_DURATION_MS:
		config_format_duration(*(const int64_t *)dst, buf, sizeof(buf));
		jsonw_string(w, buf);
		break;
	case FT_STRLIST: {
		const struct cfg_strlist *l = dst;

		jsonw_start_array(w);
		for (i = 0; i < l->n; i++)
			jsonw_string(w, l->v[i]);
		jsonw_end_array(w);
		break;
	}
	case FT_KVMAP: {
		const struct cfg_kvlist *l = dst;

		jsonw_start_object(w);
		for (i = 0; i < l->n; i++)
			jsonw_string_field(w, l->v[i].key, l->v[i].value);
		jsonw_end_object(w);
		break;
	}
	case FT_OBJECT:
		render_object(w, f->sub, dst);
		break;
	case FT_LIST: {
		const char *arr = *(char *const *)dst;
		size_t n = *(const size_t *)((const char *)obj + f->count_off);

		jsonw_start_array(w);
		for (i = 0; i < n; i++)
			render_object(w, f->sub, arr + i * f->sub->size);
		jsonw_end_array(w);
		break;
	}
	case FT_NAMED_MAP: {
		const char *arr = *(char *const *)dst;
		size_t n = *(const size_t *)((const char *)obj + f->count_off);

		jsonw_start_object(w);
		for (i = 0; i < n; i++) {
			const char *elem = arr + i * f->sub->size;

			jsonw_name(w, *(char *const *)(elem + f->sub->name_off));
			render_object(w, f->sub, elem);
		}
		jsonw_end_object(w);
		break;
	}
	case FT_CUSTOM:
		if (f->render)
			f->render(w, dst);
		else
			jsonw_null(w);
		break;
	case FT_IGNORED:
		break;
	}
}

static void render_object(struct json_writer *w, const struct schema *s,
			  const void *obj)
{
	const struct field *f;

	jsonw_start_object(w);
	if (s->broken_off != NO_OFF)
		jsonw_string_field(w, "status",
				   *(const bool *)((const char *)obj + s->broken_off) ?
				   "disabled" : "enabled");
	for (f = s->fields; f->key; f++) {
		if (f->type == FT_IGNORED || !field_present(f, obj))
			continue;
		if (f->type == FT_PRESENCE && !*(const bool *)((const char *)obj + f->off))
			continue;
		jsonw_name(w, f->key);
		if (f->type == FT_PRESENCE) {
			jsonw_start_object(w);
			jsonw_end_object(w);
			continue;
		}
		render_value(w, f, obj);
	}
	jsonw_end_object(w);
}

void config_write_json(const struct config *cfg, struct json_writer *w)
{
	size_t i;

	jsonw_start_object(w);
	jsonw_name(w, "files");
	jsonw_start_array(w);
	for (i = 0; i < cfg->files.n; i++)
		jsonw_string(w, cfg->files.v[i]);
	jsonw_end_array(w);
	jsonw_name(w, "config");
	render_object(w, &schema_static_root, cfg);
	jsonw_u64_field(w, "errors", cfg->n_errors);
	jsonw_u64_field(w, "warnings", cfg->n_diags - cfg->n_errors);
	jsonw_end_object(w);
}
