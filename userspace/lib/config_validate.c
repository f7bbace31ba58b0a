/* Whole-configuration checks after decoding, with Traefik's error texts:
 * service types, references, recursion, health-check propagation ("all or
 * nothing"), mirroring percents, transports, entryPoint addresses. A failed
 * service is marked broken (left out), and so is every parent that needs
 * it and every router that uses it; the rest of the configuration stands.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "config.h"
#include "config_internal.h"

#define err_at(cfg, pos, path, ...) \
	cfg_diag_add(cfg, CFG_ERROR, pos, path, __VA_ARGS__)
#define warn_at(cfg, pos, path, ...) \
	cfg_diag_add(cfg, CFG_WARNING, pos, path, __VA_ARGS__)

/* ---- helpers ------------------------------------------------------------ */

/* Replaces *@ref with its qualified form. */
static void qualify_ref(char **ref)
{
	char *q;

	if (!*ref || !**ref)
		return;
	q = cfg_qualify(*ref);
	if (!q)
		return;
	free(*ref);
	*ref = q;
}

static char *svc_path(const char *proto, const char *qname)
{
	static __thread char buf[320];
	const char *at = strchr(qname, '@');
	int n = at ? (int)(at - qname) : (int)strlen(qname);

	snprintf(buf, sizeof(buf), "%s.services.%.*s", proto, n, qname);
	return buf;
}

int config_split_hostport(const char *addr, char *host, size_t hlen,
			  uint16_t *port)
{
	const char *colon, *h = addr;
	size_t n;
	char *end;
	long p;

	if (addr[0] == '[') {
		const char *rb = strchr(addr, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		h = addr + 1;
		n = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return -EINVAL;
		n = (size_t)(colon - addr);
		if (memchr(addr, ':', n))
			return -EINVAL;	/* bare IPv6 needs brackets */
	}
	if (n >= hlen)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	if (!colon[1])
		return -EINVAL;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || *end || p < 0 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

/* ---- entryPoints and static sections ------------------------------------ */

static void check_entry_point(struct config *cfg, struct cfg_entry_point *ep)
{
	char path[256], addr[300], host[256];
	char *slash;

	snprintf(path, sizeof(path), "entryPoints.%s", ep->name);
	if (!ep->address || !*ep->address) {
		err_at(cfg, &ep->pos, path, "address is required");
		return;
	}
	snprintf(addr, sizeof(addr), "%s", ep->address);
	slash = strrchr(addr, '/');
	ep->proto = CFG_PROTO_TCP;
	if (slash) {
		if (!strcasecmp(slash, "/udp"))
			ep->proto = CFG_PROTO_UDP;
		else if (strcasecmp(slash, "/tcp")) {
			err_at(cfg, &ep->pos, path,
			       "invalid address \"%s\": protocol must be tcp or udp",
			       ep->address);
			return;
		}
		*slash = '\0';
	}
	if (config_split_hostport(addr, host, sizeof(host), &ep->port) < 0) {
		err_at(cfg, &ep->pos, path,
		       "invalid address \"%s\": expected [host]:port[/tcp|/udp]",
		       ep->address);
		return;
	}
	free(ep->host);
	ep->host = strdup(host);
	if (ep->udp_timeout <= 0) {
		err_at(cfg, &ep->pos, path, "udp.timeout must be positive");
		ep->udp_timeout = 3 * NSEC_PER_SEC;
	}
}

static bool valid_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

static void check_static(struct config *cfg)
{
	struct cfg_dataplane *dp = &cfg->dataplane;
	size_t i;

	for (i = 0; i < cfg->n_entry_points; i++)
		check_entry_point(cfg, &cfg->entry_points[i]);
	if (!dp->pin_dir)
		dp->pin_dir = strdup("/sys/fs/bpf/sluice");
	if (!dp->flow_table_size)
		dp->flow_table_size = 1 << 20;
	for (i = 0; i < dp->n_ifaces; i++)
		if (!dp->ifaces[i].name || !*dp->ifaces[i].name)
			err_at(cfg, &dp->ifaces[i].pos, "dataplane.interfaces",
			       "interface name is required");
	for (i = 0; i < dp->snat.n; i++)
		if (!valid_ip(dp->snat.v[i]))
			err_at(cfg, NULL, "dataplane.snat",
			       "invalid address \"%s\"", dp->snat.v[i]);
	if (cfg->metrics.prometheus) {
		if (!cfg->metrics.prometheus_entry_point)
			cfg->metrics.prometheus_entry_point = strdup("traefik");
		if (!config_entry_point(cfg, cfg->metrics.prometheus_entry_point))
			err_at(cfg, NULL, "metrics.prometheus.entryPoint",
			       "entryPoint \"%s\" doesn't exist",
			       cfg->metrics.prometheus_entry_point);
	}
}

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
		qualify_ref(&lb->servers_transport);
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
	const char *path = svc_path("http", s->name);
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
			qualify_ref(&s->weighted.services[i].name);
		check_sticky(cfg, s, &s->weighted.sticky, path);
	} else if (s->has_mirroring) {
		s->kind = CFG_SVC_MIRRORING;
		qualify_ref(&s->mirroring.service);
		for (i = 0; i < s->mirroring.n_mirrors; i++) {
			struct cfg_mirror *m = &s->mirroring.mirrors[i];

			qualify_ref(&m->name);
			if (m->percent < 0 || m->percent > 100) {
				err_at(cfg, &m->pos, path,
				       "percent must be between 0 and 100");
				s->broken = true;
			}
		}
	} else {
		s->kind = CFG_SVC_FAILOVER;
		qualify_ref(&s->failover.service);
		qualify_ref(&s->failover.fallback);
	}
}

/* ---- http services: the graph ------------------------------------------- */

/* Children of @s in config order: returns the count, fills @out. */
static size_t http_children(const struct cfg_http_service *s, const char **out,
			    size_t max)
{
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
#define MAX_DEPTH 64

/* Depth-first walk from @s; reports the first cycle through @root. */
static bool find_cycle(struct config *cfg, const struct cfg_http_service *s,
		       const char **stack, size_t depth, char *msg, size_t len)
{
	const char *kids[MAX_CHILDREN];
	size_t n, i, j;

	if (depth >= MAX_DEPTH)
		return false;
	stack[depth] = s->name;
	n = http_children(s, kids, MAX_CHILDREN);
	for (i = 0; i < n; i++) {
		const struct cfg_http_service *c;

		if (!kids[i])
			continue;
		for (j = 0; j <= depth; j++) {
			size_t off = 0, k;

			if (strcmp(stack[j], kids[i]))
				continue;
			off += snprintf(msg + off, len - off,
					"recursion detected in ");
			for (k = 0; k <= depth && off < len; k++)
				off += snprintf(msg + off, len - off,
						"service:%s->", stack[k]);
			if (off < len)
				snprintf(msg + off, len - off, "service:%s",
					 kids[i]);
			return true;
		}
		c = config_http_service(cfg, kids[i]);
		if (c && find_cycle(cfg, c, stack, depth + 1, msg, len))
			return true;
	}
	return false;
}

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

/* The name of a child as the user wrote it (Traefik's message uses it). */
static const char *as_written(const char *qname)
{
	static __thread char buf[256];
	const char *at = strstr(qname, "@file");

	if (at && !at[5]) {
		snprintf(buf, sizeof(buf), "%.*s", (int)(at - qname), qname);
		return buf;
	}
	return qname;
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
	       as_written(child), s->name, why);
	s->broken = true;
}

static void check_http_graph(struct config *cfg, struct cfg_http_service *s)
{
	const char *path = svc_path("http", s->name);
	const char *kids[MAX_CHILDREN], *stack[MAX_DEPTH];
	char msg[1024];
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
	if (s->broken)
		return;
	if (find_cycle(cfg, s, stack, 0, msg, sizeof(msg))) {
		err_at(cfg, &s->pos, path, "could not instantiate service %s: %s",
		       s->name, msg);
		s->broken = true;
		return;
	}
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

/* A service that needs a broken child is broken too; repeat to a fixpoint. */
static void propagate_broken(struct config *cfg)
{
	bool changed = true;
	size_t i, j, n;

	while (changed) {
		changed = false;
		for (i = 0; i < cfg->n_http_services; i++) {
			struct cfg_http_service *s = &cfg->http_services[i];
			const char *kids[MAX_CHILDREN];

			if (s->broken)
				continue;
			n = http_children(s, kids, MAX_CHILDREN);
			for (j = 0; j < n; j++) {
				const struct cfg_http_service *c =
					config_http_service(cfg, kids[j]);

				if (c && c->broken) {
					err_at(cfg, &s->pos,
					       svc_path("http", s->name),
					       "service %s is not available: its child %s failed",
					       s->name, c->name);
					s->broken = true;
					changed = true;
					break;
				}
			}
		}
	}
}

/* ---- routers ------------------------------------------------------------ */

static void check_router_eps(struct config *cfg, struct cfg_strlist *eps,
			     const struct cfg_pos *pos, const char *path,
			     enum cfg_l4proto want, bool *broken)
{
	size_t i, good = 0;

	for (i = 0; i < eps->n; i++) {
		const struct cfg_entry_point *ep =
			config_entry_point(cfg, eps->v[i]);

		if (!ep)
			err_at(cfg, pos, path, "entryPoint \"%s\" doesn't exist",
			       eps->v[i]);
		else if (ep->proto != want)
			err_at(cfg, pos, path,
			       "entryPoint \"%s\" is %s, the router needs %s",
			       eps->v[i], ep->proto == CFG_PROTO_UDP ? "udp" : "tcp",
			       want == CFG_PROTO_UDP ? "udp" : "tcp");
		else
			good++;
	}
	if (eps->n && !good)
		*broken = true;
}

static void check_http_routers(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_http_routers; i++) {
		struct cfg_router *r = &cfg->http_routers[i];
		const struct cfg_http_service *s;
		char path[320];

		snprintf(path, sizeof(path), "http.routers.%s",
			 as_written(r->name));
		if (!r->rule || !*r->rule) {
			err_at(cfg, &r->pos, path, "router has no rule");
			r->broken = true;
		}
		if (!r->priority_set)
			r->priority = r->rule ? (int64_t)strlen(r->rule) : 0;
		qualify_ref(&r->service);
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
		check_router_eps(cfg, &r->entry_points, &r->pos, path,
				 CFG_PROTO_TCP, &r->broken);
	}
}

/* ---- tcp and udp -------------------------------------------------------- */

static const struct cfg_l4_service *l4_find(const struct cfg_l4_service *arr,
					    size_t n, const char *name)
{
	size_t i;

	for (i = 0; name && i < n; i++)
		if (!strcmp(arr[i].name, name))
			return &arr[i];
	return NULL;
}

static void check_l4_service(struct config *cfg, struct cfg_l4_service *s,
			     struct cfg_l4_service *all, size_t n_all,
			     bool udp)
{
	const char *path = svc_path(udp ? "udp" : "tcp", s->name);
	char host[256];
	uint16_t port;
	size_t i;

	if (s->has_lb && s->has_weighted) {
		err_at(cfg, &s->pos, path,
		       "cannot create service: multi-types service not supported, consider declaring two different pieces of service instead");
		s->broken = true;
		return;
	}
	if (!s->has_lb && !s->has_weighted) {
		err_at(cfg, &s->pos, path,
		       udp ? "the udp service \"%s\" does not have any type defined"
			   : "the service \"%s\" does not have any type defined",
		       s->name);
		s->broken = true;
		return;
	}
	if (s->has_weighted) {
		s->kind = CFG_SVC_WEIGHTED;
		for (i = 0; i < s->weighted.n_services; i++) {
			struct cfg_weighted_child *c = &s->weighted.services[i];

			qualify_ref(&c->name);
			if (!l4_find(all, n_all, c->name)) {
				err_at(cfg, &c->pos, path,
				       "the %sservice \"%s\" does not exist",
				       udp ? "udp " : "", c->name ? c->name : "");
				s->broken = true;
			}
		}
		return;
	}
	s->kind = CFG_SVC_LOADBALANCER;
	for (i = 0; i < s->lb.n_servers; i++) {
		struct cfg_l4_server *sv = &s->lb.servers[i];

		if (!sv->address ||
		    config_split_hostport(sv->address, host, sizeof(host),
					  &port) < 0 || !port) {
			err_at(cfg, &sv->pos, path,
			       "invalid server address \"%s\": expected host:port",
			       sv->address ? sv->address : "");
			s->broken = true;
		}
	}
	if (!udp && s->lb.proxy_protocol && s->lb.proxy_protocol_version != 1 &&
	    s->lb.proxy_protocol_version != 2) {
		err_at(cfg, &s->pos, path, "unknown proxyProtocol version: %d",
		       s->lb.proxy_protocol_version);
		s->broken = true;
	}
	if (s->lb.health.enabled) {
		if (s->lb.health.interval <= 0)
			s->lb.health.interval = 30 * NSEC_PER_SEC;
		if (s->lb.health.timeout <= 0)
			s->lb.health.timeout = 5 * NSEC_PER_SEC;
		if (s->lb.health.unhealthy_interval <= 0)
			s->lb.health.unhealthy_interval = s->lb.health.interval;
	}
}

/* Weighted tcp/udp: recursion, health propagation, broken children. */
static bool l4_cycle(const struct cfg_l4_service *all, size_t n_all,
		     const struct cfg_l4_service *s, const char **stack,
		     size_t depth, char *msg, size_t len)
{
	size_t i, j;

	if (depth >= MAX_DEPTH || s->kind != CFG_SVC_WEIGHTED)
		return false;
	stack[depth] = s->name;
	for (i = 0; i < s->weighted.n_services; i++) {
		const char *kid = s->weighted.services[i].name;
		const struct cfg_l4_service *c;

		for (j = 0; j <= depth; j++) {
			size_t off = 0, k;

			if (strcmp(stack[j], kid))
				continue;
			off += snprintf(msg, len, "recursion detected in ");
			for (k = 0; k <= depth && off < len; k++)
				off += snprintf(msg + off, len - off,
						"service:%s->", stack[k]);
			if (off < len)
				snprintf(msg + off, len - off, "service:%s", kid);
			return true;
		}
		c = l4_find(all, n_all, kid);
		if (c && l4_cycle(all, n_all, c, stack, depth + 1, msg, len))
			return true;
	}
	return false;
}

static void check_l4_graph(struct config *cfg, struct cfg_l4_service *all,
			   size_t n_all, bool udp)
{
	const char *stack[MAX_DEPTH];
	char msg[1024];
	bool changed = true;
	size_t i, j;

	for (i = 0; i < n_all; i++) {
		struct cfg_l4_service *s = &all[i];

		if (s->broken || s->kind != CFG_SVC_WEIGHTED)
			continue;
		if (l4_cycle(all, n_all, s, stack, 0, msg, sizeof(msg))) {
			err_at(cfg, &s->pos, svc_path(udp ? "udp" : "tcp", s->name),
			       "could not instantiate service %s: %s", s->name,
			       msg);
			s->broken = true;
			continue;
		}
		if (!s->weighted.health_check)
			continue;
		for (j = 0; j < s->weighted.n_services; j++) {
			const struct cfg_l4_service *c =
				l4_find(all, n_all, s->weighted.services[j].name);

			if (!c || (c->kind == CFG_SVC_LOADBALANCER ?
				   c->lb.health.enabled :
				   c->weighted.health_check))
				continue;
			err_at(cfg, &s->pos, svc_path(udp ? "udp" : "tcp", s->name),
			       "cannot register %s as updater for %s: healthCheck not enabled in config for this %s service",
			       as_written(c->name), s->name,
			       c->kind == CFG_SVC_LOADBALANCER ? "loadbalancer"
							       : "weighted");
			s->broken = true;
		}
	}
	while (changed) {
		changed = false;
		for (i = 0; i < n_all; i++) {
			struct cfg_l4_service *s = &all[i];

			if (s->broken || s->kind != CFG_SVC_WEIGHTED)
				continue;
			for (j = 0; j < s->weighted.n_services; j++) {
				const struct cfg_l4_service *c = l4_find(
					all, n_all, s->weighted.services[j].name);

				if (c && c->broken) {
					err_at(cfg, &s->pos,
					       svc_path(udp ? "udp" : "tcp", s->name),
					       "service %s is not available: its child %s failed",
					       s->name, c->name);
					s->broken = true;
					changed = true;
					break;
				}
			}
		}
	}
}

static void check_l4_routers(struct config *cfg, struct cfg_l4_router *rs,
			     size_t n, struct cfg_l4_service *svcs,
			     size_t n_svcs, bool udp)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct cfg_l4_router *r = &rs[i];
		const struct cfg_l4_service *s;
		char path[320];

		snprintf(path, sizeof(path), "%s.routers.%s", udp ? "udp" : "tcp",
			 as_written(r->name));
		if (!udp && (!r->rule || !*r->rule)) {
			err_at(cfg, &r->pos, path, "router has no rule");
			r->broken = true;
		}
		if (!r->priority_set)
			r->priority = r->rule ? (int64_t)strlen(r->rule) : 0;
		qualify_ref(&r->service);
		s = l4_find(svcs, n_svcs, r->service);
		if (!s) {
			err_at(cfg, &r->pos, path,
			       "the %sservice \"%s\" does not exist",
			       udp ? "udp " : "", r->service ? r->service : "");
			r->broken = true;
		} else if (s->broken) {
			err_at(cfg, &r->pos, path,
			       "the service \"%s\" failed: router dropped",
			       r->service);
			r->broken = true;
		}
		check_router_eps(cfg, &r->entry_points, &r->pos, path,
				 udp ? CFG_PROTO_UDP : CFG_PROTO_TCP, &r->broken);
	}
}

void config_validate(struct config *cfg)
{
	size_t i;

	check_static(cfg);
	for (i = 0; i < cfg->n_http_services; i++)
		check_http_service_local(cfg, &cfg->http_services[i]);
	for (i = 0; i < cfg->n_http_services; i++)
		check_http_graph(cfg, &cfg->http_services[i]);
	propagate_broken(cfg);
	check_http_routers(cfg);

	for (i = 0; i < cfg->n_tcp_services; i++)
		check_l4_service(cfg, &cfg->tcp_services[i], cfg->tcp_services,
				 cfg->n_tcp_services, false);
	check_l4_graph(cfg, cfg->tcp_services, cfg->n_tcp_services, false);
	check_l4_routers(cfg, cfg->tcp_routers, cfg->n_tcp_routers,
			 cfg->tcp_services, cfg->n_tcp_services, false);
	for (i = 0; i < cfg->n_udp_services; i++)
		check_l4_service(cfg, &cfg->udp_services[i], cfg->udp_services,
				 cfg->n_udp_services, true);
	check_l4_graph(cfg, cfg->udp_services, cfg->n_udp_services, true);
	check_l4_routers(cfg, cfg->udp_routers, cfg->n_udp_routers,
			 cfg->udp_services, cfg->n_udp_services, true);
}
