/* Checks of tcp and udp services and routers: types, server addresses,
 * PROXY protocol versions, weighted references, health propagation.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_internal.h"

/* ---- tcp and udp -------------------------------------------------------- */

/* Service @name among the tcp (or @udp) services of @cfg (indexed). */
static const struct cfg_l4_service *l4_find(const struct config *cfg,
					    bool udp, const char *name)
{
	return udp ? config_udp_service(cfg, name) :
	       config_tcp_service(cfg, name);
}

static void check_l4_service(struct config *cfg, struct cfg_l4_service *s,
			     struct cfg_l4_service *all, size_t n_all,
			     bool udp)
{
	const char *path = cfg_svc_path(udp ? "udp" : "tcp", s->name);
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

			cfg_qualify_ref(&c->name);
			if (!l4_find(cfg, udp, c->name)) {
				err_at(cfg, &c->pos, path,
				       "the %sservice \"%s\" does not exist",
				       udp ? "udp " : "", c->name ? c->name : "");
				s->broken = true;
			}
		}
		return;
	}
	s->kind = CFG_SVC_LOADBALANCER;
	if (!s->lb.forwarding_set)
		s->lb.forwarding = cfg->dataplane.forwarding;
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

static size_t l4_children(const void *svc, const char **out, size_t max)
{
	const struct cfg_l4_service *s = svc;
	size_t n = 0, i;

	if (s->kind != CFG_SVC_WEIGHTED)
		return 0;
	for (i = 0; i < s->weighted.n_services && n < max; i++)
		out[n++] = s->weighted.services[i].name;
	return n;
}

/* Weighted tcp/udp: every child must report when healthCheck: {} is set. */
static void check_l4_health(struct config *cfg, struct cfg_l4_service *all,
			    size_t n_all, bool udp)
{
	size_t i, j;

	for (i = 0; i < n_all; i++) {
		struct cfg_l4_service *s = &all[i];

		if (s->broken || s->kind != CFG_SVC_WEIGHTED ||
		    !s->weighted.health_check)
			continue;
		for (j = 0; j < s->weighted.n_services; j++) {
			const struct cfg_l4_service *c =
				l4_find(cfg, udp, s->weighted.services[j].name);

			if (!c || (c->kind == CFG_SVC_LOADBALANCER ?
				   c->lb.health.enabled :
				   c->weighted.health_check))
				continue;
			err_at(cfg, &s->pos, cfg_svc_path(udp ? "udp" : "tcp", s->name),
			       "cannot register %s as updater for %s: healthCheck not enabled in config for this %s service",
			       cfg_as_written(c->name), s->name,
			       c->kind == CFG_SVC_LOADBALANCER ? "loadbalancer"
							       : "weighted");
			s->broken = true;
		}
	}
}

static void check_l4_graph(struct config *cfg, struct cfg_l4_service *all,
			   size_t n_all, bool udp)
{
	const struct svc_view v = {
		.proto = udp ? "udp" : "tcp",
		.arr = all, .n = n_all, .size = sizeof(*all),
		.name_off = offsetof(struct cfg_l4_service, name),
		.broken_off = offsetof(struct cfg_l4_service, broken),
		.pos_off = offsetof(struct cfg_l4_service, pos),
		.idx = udp ? &cfg->idx_udp_services : &cfg->idx_tcp_services,
		.children = l4_children,
	};

	graph_check_cycles(cfg, &v);
	check_l4_health(cfg, all, n_all, udp);
	graph_propagate_broken(cfg, &v);
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
			 cfg_as_written(r->name));
		if (!udp && (!r->rule || !*r->rule)) {
			err_at(cfg, &r->pos, path, "router has no rule");
			r->broken = true;
		}
		if (!r->priority_set)
			r->priority = r->rule ? (int64_t)strlen(r->rule) : 0;
		cfg_qualify_ref(&r->service);
		s = l4_find(cfg, udp, r->service);
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
		cfg_check_router_eps(cfg, &r->entry_points, &r->pos, path,
				 udp ? CFG_PROTO_UDP : CFG_PROTO_TCP, &r->broken);
	}
}

void config_validate_l4(struct config *cfg)
{
	size_t i;

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
