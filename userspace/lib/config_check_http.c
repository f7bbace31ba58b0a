/* Checks of http services and routers: types, server URLs, health
 * checks, sticky cookies, transports, references, health propagation
 * ("all or nothing"), routers. Traefik's error texts where it has them.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "config.h"
#include "config_internal.h"

/* ---- sticky cookies ----------------------------------------------------- */

void config_cookie_name(const char *name, const char *qualified_service,
			char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char in[512];
	size_t j;

	if (!len)
		return;
	if (name && *name) {
		/* RFC 2616 token characters stay, everything else is '_' */
		for (j = 0; name[j] && j + 1 < len; j++) {
			unsigned char c = (unsigned char)name[j];

			buf[j] = (isalnum(c) || strchr("!#$%&'*+-.^`|~", c)) &&
				 c < 0x80 ? (char)c : '_';
		}
		buf[j] = '\0';
		return;
	}
	snprintf(in, sizeof(in), "_TRAEFIK_BACKEND_%s", qualified_service);
	EVP_Digest(in, strlen(in), md, &mdlen, EVP_sha1(), NULL);
	buf[0] = '_';
	for (i = 0; i < 5 && i + 1 < len - 1; i++)
		buf[i + 1] = hex[(md[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
	buf[i + 1] = '\0';
}

static void check_sticky(struct config *cfg, struct cfg_http_service *s,
			 struct cfg_sticky *st, const char *path)
{
	struct cfg_sticky_cookie *c = &st->cookie;
	char name[256];

	if (!st->enabled)
		return;
	config_cookie_name(c->name, s->name, name, sizeof(name));
	free(c->name);
	c->name = strdup(name);
	if (!c->path || !*c->path) {
		free(c->path);
		c->path = strdup("/");
	}
	if (c->same_site && *c->same_site &&
	    strcasecmp(c->same_site, "none") && strcasecmp(c->same_site, "lax") &&
	    strcasecmp(c->same_site, "strict"))
		warn_at(cfg, &s->pos, path,
			"sticky.cookie.sameSite \"%s\" is not none, lax or strict: no SameSite attribute is sent",
			c->same_site);
}

/* ---- http services: local checks ---------------------------------------- */

static bool valid_server_url(const char *url)
{
	const char *host;

	if (!strncasecmp(url, "http://", 7))
		host = url + 7;
	else if (!strncasecmp(url, "https://", 8))
		host = url + 8;
	else if (!strncasecmp(url, "h2c://", 6))
		host = url + 6;
	else
		return false;
	return *host && *host != '/' && *host != ':';
}

static void check_health(struct config *cfg, struct cfg_http_service *s,
			 const char *path)
{
	struct cfg_health_check *hc = &s->lb.health;
	char *m;

	if (!hc->present)
		return;
	if (!hc->path || !*hc->path) {
		warn_at(cfg, &hc->pos, path,
			"Ignoring heath check configuration for '%s': no path provided",
			s->name);
		return;
	}
	if (strstr(hc->path, "://")) {
		warn_at(cfg, &hc->pos, path,
			"Ignoring heath check configuration for '%s': path must be relative, got \"%s\"",
			s->name, hc->path);
		return;
	}
	hc->enabled = true;
	if (hc->interval <= 0)
		hc->interval = 30 * NSEC_PER_SEC;
	if (hc->timeout <= 0)
		hc->timeout = 5 * NSEC_PER_SEC;
	if (hc->interval <= hc->timeout) {
		warn_at(cfg, &hc->pos, path,
			"healthCheck interval must be greater than timeout: interval set to timeout + 1s");
		hc->interval = hc->timeout + NSEC_PER_SEC;
	}
	if (hc->unhealthy_interval <= 0)
		hc->unhealthy_interval = hc->interval;
	if (!hc->method || !*hc->method) {
		free(hc->method);
		hc->method = strdup("GET");
	}
	for (m = hc->method; *m; m++)
		*m = (char)toupper((unsigned char)*m);
	if (hc->mode && *hc->mode && strcasecmp(hc->mode, "http"))
		warn_at(cfg, &hc->pos, path,
			"healthCheck mode \"%s\" is not implemented: probed as http",
			hc->mode);
}

static void check_http_lb(struct config *cfg, struct cfg_http_service *s,
			  const char *path)
{
	struct cfg_http_lb *lb = &s->lb;
	size_t i;

	for (i = 0; i < lb->n_servers; i++) {
		struct cfg_http_server *sv = &lb->servers[i];

		if (!sv->url || !valid_server_url(sv->url)) {
			err_at(cfg, &sv->pos, path,
			       "invalid server URL \"%s\": expected http://, https:// or h2c:// with a host",
			       sv->url ? sv->url : "");
			s->broken = true;
		}
	}
	check_health(cfg, s, path);
	check_sticky(cfg, s, &lb->sticky, path);
	if (lb->servers_transport && *lb->servers_transport) {
		cfg_qualify_ref(&lb->servers_transport);
		if (!config_transport(cfg, lb->servers_transport) &&
		    strcmp(lb->servers_transport, "default@internal")) {
			err_at(cfg, &s->pos, path, "servers transport not found %s",
			       lb->servers_transport);
			s->broken = true;
		}
	}
}

static int kinds_written(const struct cfg_http_service *s)
{
	return s->has_lb + s->has_weighted + s->has_mirroring +
	       s->has_failover + s->has_other;
}

static void check_http_service_local(struct config *cfg,
				     struct cfg_http_service *s)
{
	const char *path = cfg_svc_path("http", s->name);
	size_t i;

	if (kinds_written(s) > 1) {
		err_at(cfg, &s->pos, path,
		       "cannot create service: multi-types service not supported, consider declaring two different pieces of service instead");
		s->broken = true;
		return;
	}
	if (kinds_written(s) == 0 || s->has_other) {
		err_at(cfg, &s->pos, path,
		       "the service \"%s\" does not have any type defined",
		       s->name);
		s->broken = true;
		return;
	}
	if (s->has_lb) {
		s->kind = CFG_SVC_LOADBALANCER;
		check_http_lb(cfg, s, path);
	} else if (s->has_weighted) {
		s->kind = CFG_SVC_WEIGHTED;
		for (i = 0; i < s->weighted.n_services; i++)
			cfg_qualify_ref(&s->weighted.services[i].name);
		check_sticky(cfg, s, &s->weighted.sticky, path);
	} else if (s->has_mirroring) {
		s->kind = CFG_SVC_MIRRORING;
		cfg_qualify_ref(&s->mirroring.service);
		for (i = 0; i < s->mirroring.n_mirrors; i++) {
			struct cfg_mirror *m = &s->mirroring.mirrors[i];

			cfg_qualify_ref(&m->name);
			if (m->percent < 0 || m->percent > 100) {
				err_at(cfg, &m->pos, path,
				       "percent must be between 0 and 100");
				s->broken = true;
			}
		}
	} else {
		s->kind = CFG_SVC_FAILOVER;
		cfg_qualify_ref(&s->failover.service);
		cfg_qualify_ref(&s->failover.fallback);
	}
}

/* ---- http services: the graph ------------------------------------------- */

/* Children of @s in config order: returns the count, fills @out. */
static size_t http_children(const void *svc, const char **out, size_t max)
{
	const struct cfg_http_service *s = svc;
	size_t n = 0, i;

	switch (s->kind) {
	case CFG_SVC_WEIGHTED:
		for (i = 0; i < s->weighted.n_services && n < max; i++)
			out[n++] = s->weighted.services[i].name;
		break;
	case CFG_SVC_MIRRORING:
		if (n < max)
			out[n++] = s->mirroring.service;
		for (i = 0; i < s->mirroring.n_mirrors && n < max; i++)
			out[n++] = s->mirroring.mirrors[i].name;
		break;
	case CFG_SVC_FAILOVER:
		if (n < max)
			out[n++] = s->failover.service;
		if (n < max)
			out[n++] = s->failover.fallback;
		break;
	default:
		break;
	}
	return n;
}

#define MAX_CHILDREN 256

/* Can @child report health to a parent? Returns NULL or the kind phrase
 * Traefik names in its error.
 */
static const char *cannot_report(const struct cfg_http_service *c)
{
	switch (c->kind) {
	case CFG_SVC_LOADBALANCER:
		return c->lb.health.enabled ? NULL : "loadbalancer";
	case CFG_SVC_WEIGHTED:
		return c->weighted.health_check ? NULL : "weighted";
	case CFG_SVC_MIRRORING:
		return c->mirroring.health_check ? NULL : "mirroring";
	case CFG_SVC_FAILOVER:
		return c->failover.health_check ? NULL : "failover";
	default:
		return "unknown";
	}
}

static bool parent_tracks_health(const struct cfg_http_service *s)
{
	return (s->kind == CFG_SVC_WEIGHTED && s->weighted.health_check) ||
	       (s->kind == CFG_SVC_MIRRORING && s->mirroring.health_check) ||
	       (s->kind == CFG_SVC_FAILOVER && s->failover.health_check);
}

static void check_health_report(struct config *cfg, struct cfg_http_service *s,
				const char *child, const char *path)
{
	const struct cfg_http_service *c = config_http_service(cfg, child);
	const char *why;

	if (!c || c->broken)
		return;
	why = cannot_report(c);
	if (!why)
		return;
	err_at(cfg, &s->pos, path,
	       "cannot register %s as updater for %s: healthCheck not enabled in config for this %s service",
	       cfg_as_written(child), s->name, why);
	s->broken = true;
}

/* Required members present and every child defined. */
static void check_http_refs(struct config *cfg, struct cfg_http_service *s)
{
	const char *path = cfg_svc_path("http", s->name);
	const char *kids[MAX_CHILDREN];
	size_t n, i;

	if (s->broken)
		return;
	if (s->kind == CFG_SVC_MIRRORING && !s->mirroring.service) {
		err_at(cfg, &s->pos, path, "mirroring.service is required");
		s->broken = true;
		return;
	}
	if (s->kind == CFG_SVC_FAILOVER &&
	    (!s->failover.service || !s->failover.fallback)) {
		err_at(cfg, &s->pos, path,
		       "failover needs both service and fallback");
		s->broken = true;
		return;
	}
	n = http_children(s, kids, MAX_CHILDREN);
	for (i = 0; i < n; i++) {
		if (!kids[i] || !*kids[i]) {
			err_at(cfg, &s->pos, path,
			       "the service \"\" does not exist");
			s->broken = true;
		} else if (!config_http_service(cfg, kids[i])) {
			err_at(cfg, &s->pos, path,
			       "the service \"%s\" does not exist", kids[i]);
			s->broken = true;
		}
	}
}

/* Health propagation: every tracked child must report (all or nothing). */
static void check_http_health(struct config *cfg, struct cfg_http_service *s)
{
	const char *path = cfg_svc_path("http", s->name);
	const char *kids[MAX_CHILDREN];
	size_t n, i;

	if (s->broken)
		return;
	n = http_children(s, kids, MAX_CHILDREN);
	if (parent_tracks_health(s)) {
		for (i = 0; i < n; i++) {
			/* mirrors never affect a mirroring service's health */
			if (s->kind == CFG_SVC_MIRRORING && i > 0)
				break;
			check_health_report(cfg, s, kids[i], path);
		}
	} else if (s->kind == CFG_SVC_FAILOVER) {
		/* the main must report even without healthCheck: {} */
		check_health_report(cfg, s, s->failover.service, path);
	}
}

static void check_http_graph_all(struct config *cfg)
{
	const struct svc_view v = {
		.proto = "http",
		.arr = cfg->http_services, .n = cfg->n_http_services,
		.size = sizeof(struct cfg_http_service),
		.name_off = offsetof(struct cfg_http_service, name),
		.broken_off = offsetof(struct cfg_http_service, broken),
		.pos_off = offsetof(struct cfg_http_service, pos),
		.idx = &cfg->idx_http_services,
		.children = http_children,
	};
	size_t i;

	/* missing references first: a cycle through a missing service is
	 * reported as missing
	 */
	for (i = 0; i < cfg->n_http_services; i++)
		check_http_refs(cfg, &cfg->http_services[i]);
	graph_check_cycles(cfg, &v);
	for (i = 0; i < cfg->n_http_services; i++)
		check_http_health(cfg, &cfg->http_services[i]);
	graph_propagate_broken(cfg, &v);
}

static void check_http_routers(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_http_routers; i++) {
		struct cfg_router *r = &cfg->http_routers[i];
		const struct cfg_http_service *s;
		char path[320];

		snprintf(path, sizeof(path), "http.routers.%s",
			 cfg_as_written(r->name));
		if (!r->rule || !*r->rule) {
			err_at(cfg, &r->pos, path, "router has no rule");
			r->broken = true;
		}
		if (!r->priority_set)
			r->priority = r->rule ? (int64_t)strlen(r->rule) : 0;
		cfg_qualify_ref(&r->service);
		s = r->service ? config_http_service(cfg, r->service) : NULL;
		if (!s) {
			err_at(cfg, &r->pos, path,
			       "the service \"%s\" does not exist",
			       r->service ? r->service : "");
			r->broken = true;
		} else if (s->broken) {
			err_at(cfg, &r->pos, path,
			       "the service \"%s\" failed: router dropped",
			       r->service);
			r->broken = true;
		}
		cfg_check_router_eps(cfg, &r->entry_points, &r->pos, path,
				 CFG_PROTO_TCP, &r->broken);
	}
}

void config_validate_http(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_http_services; i++)
		check_http_service_local(cfg, &cfg->http_services[i]);
	check_http_graph_all(cfg);
	check_http_routers(cfg);
}
