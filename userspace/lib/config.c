/* Loading the configuration: reads the YAML files (the one named, and what
 * its providers.file points at), decodes them into struct config, then
 * validates the whole as Traefik does. See config.h.
 */
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_internal.h"

static const char *add_file(struct config *cfg, const char *name)
{
	char **nv = realloc(cfg->files.v, (cfg->files.n + 1) * sizeof(char *));

	if (!nv)
		return NULL;
	cfg->files.v = nv;
	nv[cfg->files.n] = strdup(name);
	return nv[cfg->files.n] ? nv[cfg->files.n++] : NULL;
}

static bool file_seen(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->files.n; i++)
		if (!strcmp(cfg->files.v[i], name))
			return true;
	return false;
}

static void fatal(struct config *cfg, const char *file, int line, int col,
		  const char *fmt, const char *arg)
{
	struct cfg_pos pos = { .file = file, .line = line, .col = col };

	config_diag_add(cfg, CFG_ERROR, &pos, NULL, fmt, arg);
	cfg->fatal = true;
}

/* Decodes one YAML text from @name into @cfg. */
static int load_text(struct config *cfg, const char *name,
		     const unsigned char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct decoder d;
	const char *file;
	yaml_node_t *root;
	int err = 0;

	file = add_file(cfg, name);
	if (!file)
		return -ENOMEM;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		fatal(cfg, file, (int)parser.problem_mark.line + 1,
		      (int)parser.problem_mark.column + 1, "invalid YAML: %s",
		      parser.problem ? parser.problem : "syntax error");
		yaml_parser_delete(&parser);
		return 0;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root)
		goto out;	/* an empty file is an empty configuration */
	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	d.doc = &doc;
	d.file = file;
	if (root->type != YAML_MAPPING_NODE && !dec_is_null(root))
		fatal(cfg, file, (int)root->start_mark.line + 1,
		      (int)root->start_mark.column + 1,
		      "the configuration must be a mapping of keys%s", "");
	else
		dec_object(&d, root, &schema_static_root, cfg);
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return err;
}

static int load_file(struct config *cfg, const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int err;

	f = fopen(path, "rb");
	if (!f) {
		char msg[512];

		snprintf(msg, sizeof(msg), "cannot read %s: %s", path,
			 strerror(errno));
		fatal(cfg, add_file(cfg, path), 0, 0, "%s", msg);
		return 0;
	}
	for (;;) {
		size_t n;

		if (len + 4096 > cap) {
			unsigned char *nb = realloc(buf, cap ? cap * 2 : 8192);

			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
			cap = cap ? cap * 2 : 8192;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	err = load_text(cfg, path, buf ? buf : (unsigned char *)"", len);
	free(buf);
	return err;
}

/* @rel resolved against the folder of @base. Caller owns. */
static char *resolve(const char *base, const char *rel)
{
	char *copy, *dir, *out;

	if (rel[0] == '/' || !base)
		return strdup(rel);
	copy = strdup(base);
	if (!copy)
		return NULL;
	dir = dirname(copy);
	if (asprintf(&out, "%s/%s", dir, rel) < 0)
		out = NULL;
	free(copy);
	return out;
}

static bool is_yaml_name(const char *n)
{
	size_t l = strlen(n);

	return (l > 4 && !strcmp(n + l - 4, ".yml")) ||
	       (l > 5 && !strcmp(n + l - 5, ".yaml"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_directory(struct config *cfg, const char *dir)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	DIR *dp;
	int err = 0;

	dp = opendir(dir);
	if (!dp) {
		char msg[512];

		snprintf(msg, sizeof(msg), "cannot read directory %s: %s", dir,
			 strerror(errno));
		fatal(cfg, NULL, 0, 0, "%s", msg);
		return 0;
	}
	while ((de = readdir(dp))) {
		char **nn;
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		if (l > 5 && !strcmp(de->d_name + l - 5, ".toml")) {
			struct cfg_pos pos = { 0 };

			config_diag_add(cfg, CFG_WARNING, &pos, NULL,
				     "%s/%s: TOML files are not read by sluice (convert to YAML); skipped",
				     dir, de->d_name);
			continue;
		}
		if (!is_yaml_name(de->d_name))
			continue;
		nn = realloc(names, (n + 1) * sizeof(char *));
		if (!nn) {
			err = -ENOMEM;
			break;
		}
		names = nn;
		if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(dp);
	qsort(names, n, sizeof(char *), cmp_str);
	for (i = 0; i < n; i++) {
		if (!err && !file_seen(cfg, names[i]))
			err = load_file(cfg, names[i]);
		free(names[i]);
	}
	free(names);
	return err;
}

/* Follows providers.file of the first (static) file. */
static int load_providers(struct config *cfg, const char *base)
{
	struct cfg_providers_file *pf = &cfg->providers_file;
	char *p;
	int err = 0;

	if (pf->filename && *pf->filename) {
		p = resolve(base, pf->filename);
		if (!p)
			return -ENOMEM;
		free(pf->filename);
		pf->filename = p;
		if (!file_seen(cfg, p))
			err = load_file(cfg, p);
	}
	if (!err && pf->directory && *pf->directory) {
		p = resolve(base, pf->directory);
		if (!p)
			return -ENOMEM;
		free(pf->directory);
		pf->directory = p;
		err = load_directory(cfg, p);
	}
	return err;
}

/* Indexes @n elements of @arr (@size bytes each, name at @name_off); the
 * first of equal names wins, as the scan did.
 */
static int index_names(struct strmap *m, const void *arr, size_t n,
		       size_t size, size_t name_off)
{
	size_t i;

	if (strmap_init(m, n))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const char *name = *(char *const *)((const char *)arr +
						     i * size + name_off);

		if (name && strmap_add(m, name, i, NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

#define INDEX(cfg, f, T) \
	index_names(&(cfg)->idx_##f, (cfg)->f, (cfg)->n_##f, sizeof(T), \
		    offsetof(T, name))

static int index_all(struct config *cfg)
{
	if (INDEX(cfg, http_services, struct cfg_http_service) ||
	    INDEX(cfg, transports, struct cfg_servers_transport) ||
	    INDEX(cfg, entry_points, struct cfg_entry_point) ||
	    INDEX(cfg, tcp_services, struct cfg_l4_service) ||
	    INDEX(cfg, udp_services, struct cfg_l4_service))
		return -ENOMEM;
	return 0;
}

static struct config *finish(struct config *cfg, int err, const char *base)
{
	if (!err && !cfg->fatal)
		err = load_providers(cfg, base);
	if (!err && !cfg->fatal)
		err = index_all(cfg);
	if (err) {
		config_free(cfg);
		errno = -err;
		return NULL;
	}
	if (!cfg->fatal)
		config_validate(cfg);
	return cfg;
}

struct config *config_load(const char *path)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	return finish(cfg, load_file(cfg, path), path);
}

struct config *config_load_string(const char *name, const char *yaml)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	return finish(cfg, load_text(cfg, name, (const unsigned char *)yaml,
				     strlen(yaml)), NULL);
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	/* members the schema does not describe, before it frees the arrays */
	for (i = 0; i < cfg->n_entry_points; i++)
		free(cfg->entry_points[i].host);
	schema_free(&schema_static_root, cfg);
	for (i = 0; i < cfg->dataplane.n_ifaces; i++)
		free(cfg->dataplane.ifaces[i].name);
	free(cfg->dataplane.ifaces);
	for (i = 0; i < cfg->n_diags; i++) {
		free(cfg->diags[i].path);
		free(cfg->diags[i].msg);
	}
	free(cfg->diags);
	for (i = 0; i < cfg->files.n; i++)
		free(cfg->files.v[i]);
	free(cfg->files.v);
	strmap_free(&cfg->idx_http_services);
	strmap_free(&cfg->idx_transports);
	strmap_free(&cfg->idx_entry_points);
	strmap_free(&cfg->idx_tcp_services);
	strmap_free(&cfg->idx_udp_services);
	free(cfg);
}

void config_diag_format(const struct cfg_diag *d, char *buf, size_t len)
{
	const char *sev = d->severity == CFG_ERROR ? "error" : "warning";
	char where[320] = "";

	if (d->pos.file && d->pos.line)
		snprintf(where, sizeof(where), "%s:%d:%d: ", d->pos.file,
			 d->pos.line, d->pos.col);
	else if (d->pos.file)
		snprintf(where, sizeof(where), "%s: ", d->pos.file);
	snprintf(buf, len, "%s%s: %s%s%s", where, sev, d->path ? d->path : "",
		 d->path ? ": " : "", d->msg);
}

/* The element of @arr whose char * at @name_off equals @key, or NULL. */
static const void *find_by_name(const struct strmap *idx, const void *arr,
				size_t n, size_t size, size_t name_off,
				const char *key)
{
	size_t i;

	if (key && idx->cap)
		return strmap_get(idx, key, &i) && i < n ?
		       (const char *)arr + i * size : NULL;
	for (i = 0; key && i < n; i++) {
		const char *elem = (const char *)arr + i * size;
		const char *name = *(char *const *)(elem + name_off);

		if (name && !strcmp(name, key))
			return elem;
	}
	return NULL;
}

#define FIND_ARGS(idx, arr, n, T) &(idx), (arr), (n), sizeof(T), offsetof(T, name)

const struct cfg_http_service *
config_http_service(const struct config *cfg, const char *qname)
{
	return find_by_name(FIND_ARGS(cfg->idx_http_services, cfg->http_services, cfg->n_http_services,
				      struct cfg_http_service), qname);
}

const struct cfg_servers_transport *
config_transport(const struct config *cfg, const char *qname)
{
	return find_by_name(FIND_ARGS(cfg->idx_transports, cfg->transports, cfg->n_transports,
				      struct cfg_servers_transport), qname);
}

const struct cfg_entry_point *
config_entry_point(const struct config *cfg, const char *name)
{
	return find_by_name(FIND_ARGS(cfg->idx_entry_points, cfg->entry_points, cfg->n_entry_points,
				      struct cfg_entry_point), name);
}

const struct cfg_l4_service *
config_tcp_service(const struct config *cfg, const char *qname)
{
	return find_by_name(FIND_ARGS(cfg->idx_tcp_services, cfg->tcp_services, cfg->n_tcp_services,
				      struct cfg_l4_service), qname);
}

const struct cfg_l4_service *
config_udp_service(const struct config *cfg, const char *qname)
{
	return find_by_name(FIND_ARGS(cfg->idx_udp_services, cfg->udp_services, cfg->n_udp_services,
				      struct cfg_l4_service), qname);
}

static bool tcp_needs_proxy(const struct config *cfg,
			    const struct cfg_l4_service *s, int depth)
{
	size_t i;

	if (!s || depth > 64)
		return false;
	if (s->kind == CFG_SVC_LOADBALANCER)
		return s->lb.proxy_protocol ||
		       s->lb.termination_delay != 100 * NSEC_PER_MSEC;
	for (i = 0; i < s->weighted.n_services; i++)
		if (tcp_needs_proxy(cfg, config_tcp_service(cfg,
				    s->weighted.services[i].name), depth + 1))
			return true;
	return false;
}

bool config_tcp_service_needs_proxy(const struct config *cfg,
				    const char *qname)
{
	return tcp_needs_proxy(cfg, config_tcp_service(cfg, qname), 0);
}

bool config_entry_point_tcp_routed(const struct config *cfg, const char *ep)
{
	size_t i, j;

	for (i = 0; i < cfg->n_tcp_routers; i++) {
		const struct cfg_l4_router *r = &cfg->tcp_routers[i];

		if (r->broken)
			continue;
		if (!r->entry_points.n)
			return true;
		for (j = 0; j < r->entry_points.n; j++)
			if (!strcmp(r->entry_points.v[j], ep))
				return true;
	}
	return false;
}

const char *config_kind_name(enum cfg_service_kind kind)
{
	switch (kind) {
	case CFG_SVC_LOADBALANCER: return "loadBalancer";
	case CFG_SVC_WEIGHTED: return "weighted";
	case CFG_SVC_MIRRORING: return "mirroring";
	case CFG_SVC_FAILOVER: return "failover";
	default: return "none";
	}
}

const char *config_fwd_mode_name(enum cfg_fwd_mode mode)
{
	return mode == CFG_FWD_NAT ? "nat" : "fullnat";
}

enum cfg_hook config_dp_iface_hook(const struct cfg_dataplane *dp,
				   const struct cfg_dp_iface *ci)
{
	if (ci->hook != CFG_HOOK_DEFAULT)
		return ci->hook;
	return dp->hook != CFG_HOOK_DEFAULT ? dp->hook : CFG_HOOK_AUTO;
}

const char *config_hook_name(enum cfg_hook hook)
{
	switch (hook) {
	case CFG_HOOK_TC: return "tc";
	case CFG_HOOK_XDP: return "xdp";
	default: return "auto";	/* CFG_HOOK_DEFAULT is auto */
	}
}

const char *config_xdp_mode_name(enum cfg_xdp_mode mode)
{
	switch (mode) {
	case CFG_XDP_NATIVE: return "native";
	case CFG_XDP_SKB: return "generic";
	default: return "auto";
	}
}
