/* Service-graph checks shared by http, tcp and udp services: recursion
 * (Traefik's "recursion detected in service:a->service:b->service:a") and
 * the propagation of failure to every parent that needs a failed child.
 * Each protocol describes its services through a struct svc_view.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_internal.h"

#define GRAPH_MAX_DEPTH 64
#define GRAPH_MAX_CHILDREN 256

static char *view_elem(const struct svc_view *v, size_t i)
{
	return (char *)v->arr + i * v->size;
}

static const char *view_name(const struct svc_view *v, const char *e)
{
	return *(char *const *)(e + v->name_off);
}

static bool *view_broken(const struct svc_view *v, char *e)
{
	return (bool *)(e + v->broken_off);
}

static const struct cfg_pos *view_pos(const struct svc_view *v, const char *e)
{
	return (const struct cfg_pos *)(e + v->pos_off);
}

static char *view_find(const struct svc_view *v, const char *name)
{
	size_t i;

	if (name && v->idx && v->idx->cap)
		return strmap_get(v->idx, name, &i) && i < v->n ?
		       view_elem(v, i) : NULL;
	for (i = 0; name && i < v->n; i++)
		if (!strcmp(view_name(v, view_elem(v, i)), name))
			return view_elem(v, i);
	return NULL;
}

/* Writes "recursion detected in service:a->...->service:@kid" into @msg. */
static void cycle_msg(const char **stack, size_t depth, const char *kid,
		      char *msg, size_t len)
{
	size_t off = (size_t)snprintf(msg, len, "recursion detected in ");
	size_t k;

	for (k = 0; k <= depth && off < len; k++)
		off += (size_t)snprintf(msg + off, len - off, "service:%s->",
					stack[k]);
	if (off < len)
		snprintf(msg + off, len - off, "service:%s", kid);
}

static bool find_cycle(const struct svc_view *v, const char *e,
		       const char **stack, size_t depth, char *msg, size_t len)
{
	const char *kids[GRAPH_MAX_CHILDREN];
	size_t n, i, j;

	if (depth >= GRAPH_MAX_DEPTH)
		return false;
	stack[depth] = view_name(v, e);
	n = v->children(e, kids, GRAPH_MAX_CHILDREN);
	for (i = 0; i < n; i++) {
		const char *c;

		if (!kids[i])
			continue;
		for (j = 0; j <= depth; j++) {
			if (!strcmp(stack[j], kids[i])) {
				cycle_msg(stack, depth, kids[i], msg, len);
				return true;
			}
		}
		c = view_find(v, kids[i]);
		if (c && find_cycle(v, c, stack, depth + 1, msg, len))
			return true;
	}
	return false;
}

void graph_check_cycles(struct config *cfg, const struct svc_view *v)
{
	const char *stack[GRAPH_MAX_DEPTH];
	char msg[1024], path[320];
	size_t i;

	for (i = 0; i < v->n; i++) {
		char *e = view_elem(v, i);

		if (*view_broken(v, e) ||
		    !find_cycle(v, e, stack, 0, msg, sizeof(msg)))
			continue;
		config_svc_path(v->proto, view_name(v, e), path, sizeof(path));
		config_diag_add(cfg, CFG_ERROR, view_pos(v, e), path,
				"could not instantiate service %s: %s",
				view_name(v, e), msg);
		*view_broken(v, e) = true;
	}
}

void graph_propagate_broken(struct config *cfg, const struct svc_view *v)
{
	const char *kids[GRAPH_MAX_CHILDREN];
	char path[320];
	bool changed = true;
	size_t i, j, n;

	while (changed) {
		changed = false;
		for (i = 0; i < v->n; i++) {
			char *e = view_elem(v, i), *c = NULL;

			if (*view_broken(v, e))
				continue;
			n = v->children(e, kids, GRAPH_MAX_CHILDREN);
			for (j = 0; j < n && !c; j++) {
				c = view_find(v, kids[j]);
				if (c && !*view_broken(v, c))
					c = NULL;
			}
			if (!c)
				continue;
			config_svc_path(v->proto, view_name(v, e), path,
					sizeof(path));
			config_diag_add(cfg, CFG_ERROR, view_pos(v, e), path,
					"service %s is not available: its child %s failed",
					view_name(v, e), view_name(v, c));
			*view_broken(v, e) = true;
			changed = true;
		}
	}
}
