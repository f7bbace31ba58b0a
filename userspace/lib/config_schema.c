/* The field tables: which YAML key fills which member, with Traefik's
 * defaults. Key spelling follows Traefik's file provider exactly; matching
 * is case-insensitive as in Traefik (paerser).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_internal.h"
#include "json_writer.h"

#define F(k, t, T, m) \
	{ .key = k, .type = t, .off = offsetof(T, m), .count_off = NO_OFF, \
	  .set_off = NO_OFF }
#define FS(k, t, T, m, s) \
	{ .key = k, .type = t, .off = offsetof(T, m), .count_off = NO_OFF, \
	  .set_off = offsetof(T, s) }
/* A nested block whose keys fill members of the same struct. */
#define FINLINE(k, sch, T, s) \
	{ .key = k, .type = FT_OBJECT, .off = 0, .sub = &sch, \
	  .count_off = NO_OFF, .set_off = s }
#define FO(k, T, m, sch, s) \
	{ .key = k, .type = FT_OBJECT, .off = offsetof(T, m), .sub = &sch, \
	  .count_off = NO_OFF, .set_off = s }
#define FL(k, T, m, c, sch) \
	{ .key = k, .type = FT_LIST, .off = offsetof(T, m), .sub = &sch, \
	  .count_off = offsetof(T, c), .set_off = NO_OFF }
#define FN(k, T, m, c, sch, q) \
	{ .key = k, .type = FT_NAMED_MAP, .off = offsetof(T, m), .sub = &sch, \
	  .count_off = offsetof(T, c), .set_off = NO_OFF, .qualify = q }
#define FC(k, T, m, fn, rn, s) \
	{ .key = k, .type = FT_CUSTOM, .off = offsetof(T, m), .custom = fn, \
	  .render = rn, .count_off = NO_OFF, .set_off = s }
#define FI(k, why) \
	{ .key = k, .type = FT_IGNORED, .count_off = NO_OFF, \
	  .set_off = NO_OFF, .note = why }
#define END { .key = NULL }
#define OFF(T, m) offsetof(T, m)

/* ---- enum decoders ------------------------------------------------------ */

static int dec_enum(struct decoder *d, yaml_node_t *node, int *dst,
		    const char *const *names, int n)
{
	const char *v = dec_scalar(d, node, "a keyword");
	int i;

	if (!v)
		return -1;
	for (i = 0; i < n; i++) {
		if (names[i] && !strcasecmp(v, names[i])) {
			*dst = i;
			return 0;
		}
	}
	dec_diag(d, CFG_ERROR, node, "invalid value \"%s\"", v);
	return -1;
}

static int dec_xdp_mode(struct decoder *d, yaml_node_t *node, void *dst)
{
	static const char *const names[] = { "auto", "native", "generic" };
	int v;

	if (dec_enum(d, node, &v, names, 3) < 0)
		return -1;
	*(enum cfg_xdp_mode *)dst = v;
	return 0;
}

static int dec_fwd_mode(struct decoder *d, yaml_node_t *node, void *dst)
{
	static const char *const names[] = { "fullnat", "nat" };
	int v;

	if (dec_enum(d, node, &v, names, 2) < 0)
		return -1;
	*(enum cfg_fwd_mode *)dst = v;
	return 0;
}

static int dec_strategy(struct decoder *d, yaml_node_t *node, void *dst)
{
	static const char *const names[] = { "wrr", "p2c", "leastconn" };
	const char *v;
	int x;

	v = dec_scalar(d, node, "a strategy");
	if (!v)
		return -1;
	if (!strcasecmp(v, "hrw") || !strcasecmp(v, "leasttime")) {
		dec_diag(d, CFG_WARNING, node,
			 "strategy \"%s\" is not implemented by sluice; using wrr",
			 v);
		*(enum cfg_lb_strategy *)dst = CFG_STRATEGY_WRR;
		return 0;
	}
	if (dec_enum(d, node, &x, names, 3) < 0)
		return -1;
	*(enum cfg_lb_strategy *)dst = x;
	return 0;
}

static int dec_xmit(struct decoder *d, yaml_node_t *node, void *dst)
{
	static const char *const names[] = { "xdp", "tc" };
	int v;

	if (dec_enum(d, node, &v, names, 2) < 0)
		return -1;
	*(bool *)dst = v == 1;
	return 0;
}

static int dec_hook(struct decoder *d, yaml_node_t *node, void *dst)
{
	static const char *const names[] = { "xdp", "tc", "auto" };
	static const enum cfg_hook hooks[] = {
		CFG_HOOK_XDP, CFG_HOOK_TC, CFG_HOOK_AUTO
	};
	int v;

	if (dec_enum(d, node, &v, names, 3) < 0)
		return -1;
	*(enum cfg_hook *)dst = hooks[v];
	return 0;
}

/* dataplane.flowGcInterval: 0 (no GC) or a positive duration */
static int dec_gc_interval(struct decoder *d, yaml_node_t *node, void *dst)
{
	const char *v = dec_scalar(d, node, "a duration");
	int64_t ns;

	if (!v)
		return -1;
	if (config_parse_duration(v, NSEC_PER_SEC, &ns) < 0 || ns < 0) {
		dec_diag(d, CFG_ERROR, node,
			 "invalid flow GC interval \"%s\" (0 turns the GC off; else a duration such as \"10s\")",
			 v);
		return -1;
	}
	*(int64_t *)dst = ns;
	return 0;
}

static void render_duration(struct json_writer *w, const void *dst)
{
	char buf[32];

	config_format_duration(*(const int64_t *)dst, buf, sizeof(buf));
	jsonw_string(w, buf);
}

static void render_hook(struct json_writer *w, const void *dst)
{
	jsonw_string(w, config_hook_name(*(const enum cfg_hook *)dst));
}

static void render_xmit(struct json_writer *w, const void *dst)
{
	jsonw_string(w, *(const bool *)dst ? "tc" : "xdp");
}

static void render_xdp_mode(struct json_writer *w, const void *dst)
{
	jsonw_string(w, config_xdp_mode_name(*(const enum cfg_xdp_mode *)dst));
}

static void render_fwd_mode(struct json_writer *w, const void *dst)
{
	jsonw_string(w, config_fwd_mode_name(*(const enum cfg_fwd_mode *)dst));
}

static void render_strategy(struct json_writer *w, const void *dst)
{
	static const char *const names[] = { "wrr", "p2c", "leastconn" };

	jsonw_string(w, names[*(const enum cfg_lb_strategy *)dst]);
}

static void render_ifaces(struct json_writer *w, const void *dst)
{
	const struct cfg_dataplane *dp = (const struct cfg_dataplane *)
		((const char *)dst - offsetof(struct cfg_dataplane, ifaces));
	size_t i;

	jsonw_start_array(w);
	for (i = 0; i < dp->n_ifaces; i++) {
		jsonw_start_object(w);
		jsonw_string_field(w, "name", dp->ifaces[i].name);
		jsonw_string_field(w, "mode",
				   config_xdp_mode_name(dp->ifaces[i].mode));
		jsonw_string_field(w, "hook", config_hook_name(
			config_dp_iface_hook(dp, &dp->ifaces[i])));
		jsonw_string_field(w, "transmit",
				   dp->ifaces[i].xmit_tc ? "tc" : "xdp");
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

/* ---- static: entryPoints ------------------------------------------------ */

static const struct field ep_udp_fields[] = {
	F("timeout", FT_DURATION_S, struct cfg_entry_point, udp_timeout),
	END
};
static const struct schema ep_udp = {
	"entryPoint udp", 0, ep_udp_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field ep_pp_fields[] = {
	F("insecure", FT_BOOL, struct cfg_entry_point, proxy_protocol_insecure),
	F("trustedIPs", FT_STRLIST, struct cfg_entry_point, proxy_trusted_ips),
	END
};
static const struct schema ep_pp = {
	"entryPoint proxyProtocol", 0, ep_pp_fields, NULL, NO_OFF, NO_OFF,
	NO_OFF
};

static const struct field ep_fwd_fields[] = {
	F("insecure", FT_BOOL, struct cfg_entry_point, fwd_insecure),
	F("trustedIPs", FT_STRLIST, struct cfg_entry_point, fwd_trusted_ips),
	FI("connection", NULL),
	END
};
static const struct schema ep_fwd = {
	"entryPoint forwardedHeaders", 0, ep_fwd_fields, NULL, NO_OFF, NO_OFF,
	NO_OFF
};

static void ep_defaults(void *obj)
{
	struct cfg_entry_point *ep = obj;

	ep->udp_timeout = 3 * NSEC_PER_SEC;
}

static const struct field ep_fields[] = {
	F("address", FT_STRING, struct cfg_entry_point, address),
	FINLINE("udp", ep_udp, struct cfg_entry_point, NO_OFF),
	FINLINE("proxyProtocol", ep_pp, struct cfg_entry_point,
		OFF(struct cfg_entry_point, proxy_protocol)),
	FINLINE("forwardedHeaders", ep_fwd, struct cfg_entry_point, NO_OFF),
	FI("http", "entryPoint redirections, middlewares and TLS"),
	FI("http2", NULL),
	FI("http3", NULL),
	FI("transport", "lifeCycle and respondingTimeouts use sluice's defaults"),
	FI("reusePort", "sluice always sets SO_REUSEPORT"),
	FI("asDefault", NULL),
	FI("allowACMEByPass", NULL),
	FI("observability", NULL),
	END
};
static const struct schema schema_entry_point = {
	"entryPoint", sizeof(struct cfg_entry_point), ep_fields, ep_defaults,
	OFF(struct cfg_entry_point, pos), OFF(struct cfg_entry_point, name),
	NO_OFF
};

/* ---- static: providers, metrics, accessLog, dataplane ------------------- */

static const struct field pfile_fields[] = {
	F("filename", FT_STRING, struct cfg_providers_file, filename),
	F("directory", FT_STRING, struct cfg_providers_file, directory),
	F("watch", FT_BOOL, struct cfg_providers_file, watch),
	FI("debugLogGeneratedTemplate", NULL),
	END
};
static const struct schema schema_pfile = {
	"providers.file", 0, pfile_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field providers_fields[] = {
	FO("file", struct config, providers_file, schema_pfile, NO_OFF),
	FI("providersThrottleDuration", NULL),
	FI("docker", "only the file provider is supported"),
	FI("swarm", "only the file provider is supported"),
	FI("kubernetesCRD", "only the file provider is supported"),
	FI("kubernetesIngress", "only the file provider is supported"),
	FI("kubernetesGateway", "only the file provider is supported"),
	FI("consulCatalog", "only the file provider is supported"),
	FI("nomad", "only the file provider is supported"),
	FI("ecs", "only the file provider is supported"),
	FI("consul", "only the file provider is supported"),
	FI("etcd", "only the file provider is supported"),
	FI("zooKeeper", "only the file provider is supported"),
	FI("redis", "only the file provider is supported"),
	FI("http", "only the file provider is supported"),
	FI("plugin", "only the file provider is supported"),
	FI("rest", "only the file provider is supported"),
	END
};
static const struct schema schema_providers = {
	"providers", 0, providers_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field prom_fields[] = {
	F("entryPoint", FT_STRING, struct config, metrics.prometheus_entry_point),
	FI("buckets", "sluice uses fixed latency buckets"),
	FI("addEntryPointsLabels", NULL),
	FI("addRoutersLabels", NULL),
	FI("addServicesLabels", NULL),
	FI("manualRouting", NULL),
	FI("headerLabels", NULL),
	END
};
static const struct schema schema_prom = {
	"metrics.prometheus", 0, prom_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field metrics_fields[] = {
	FINLINE("prometheus", schema_prom, struct config,
		OFF(struct config, metrics.prometheus)),
	FI("datadog", "only prometheus is supported"),
	FI("statsD", "only prometheus is supported"),
	FI("influxDB2", "only prometheus is supported"),
	FI("otlp", "only prometheus is supported"),
	FI("addInternals", NULL),
	END
};
static const struct schema schema_metrics = {
	"metrics", 0, metrics_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field alog_fields[] = {
	F("filePath", FT_STRING, struct config, access_log.file_path),
	FI("format", "sluice writes the common log format"),
	FI("bufferingSize", NULL),
	FI("filters", NULL),
	FI("fields", NULL),
	FI("addInternals", NULL),
	END
};
static const struct schema schema_alog = {
	"accessLog", 0, alog_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field dp_iface_fields[] = {
	F("name", FT_STRING, struct cfg_dp_iface, name),
	FC("mode", struct cfg_dp_iface, mode, dec_xdp_mode, render_xdp_mode, NO_OFF),
	FC("hook", struct cfg_dp_iface, hook, dec_hook, render_hook, NO_OFF),
	FC("transmit", struct cfg_dp_iface, xmit_tc, dec_xmit, render_xmit, NO_OFF),
	END
};
static const struct schema schema_dp_iface = {
	"dataplane interface", sizeof(struct cfg_dp_iface), dp_iface_fields,
	NULL, OFF(struct cfg_dp_iface, pos), NO_OFF, NO_OFF
};

/* interfaces: [eth1, eth2] or
 * [{name: eth1, mode: native, hook: xdp, transmit: tc}]
 */
static int dec_dp_ifaces(struct decoder *d, yaml_node_t *node, void *dst)
{
	struct cfg_dataplane *dp = (struct cfg_dataplane *)
		((char *)dst - offsetof(struct cfg_dataplane, ifaces));
	yaml_node_item_t *it;
	size_t i = 0;

	if (node->type == YAML_SCALAR_NODE && !dec_is_null(node)) {
		dec_diag(d, CFG_ERROR, node,
			 "expected a list of interface names");
		return -1;
	}
	if (node->type != YAML_SEQUENCE_NODE)
		return dec_is_null(node) ? 0 : -1;
	for (it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++, i++) {
		yaml_node_t *n = yaml_document_get_node(d->doc, *it);
		size_t old = dec_push(d, "[%zu]", i);
		struct cfg_dp_iface *nv, *e;

		nv = realloc(dp->ifaces, (dp->n_ifaces + 1) * sizeof(*nv));
		if (!nv) {
			dec_pop(d, old);
			return -1;
		}
		dp->ifaces = nv;
		e = &dp->ifaces[dp->n_ifaces++];
		memset(e, 0, sizeof(*e));
		e->mode = dp->xdp_mode;
		if (n->type == YAML_SCALAR_NODE) {
			e->name = strdup((const char *)n->data.scalar.value);
			dec_pos(d, n, &e->pos);
		} else {
			dec_object(d, n, &schema_dp_iface, e);
		}
		dec_pop(d, old);
	}
	return 0;
}

static const struct field dp_fields[] = {
	FC("interfaces", struct cfg_dataplane, ifaces, dec_dp_ifaces, render_ifaces, NO_OFF),
	FC("xdpMode", struct cfg_dataplane, xdp_mode, dec_xdp_mode, render_xdp_mode, NO_OFF),
	FC("hook", struct cfg_dataplane, hook, dec_hook, render_hook, NO_OFF),
	FC("forwarding", struct cfg_dataplane, forwarding, dec_fwd_mode, render_fwd_mode, NO_OFF),
	F("snat", FT_STRLIST, struct cfg_dataplane, snat),
	F("pinDir", FT_STRING, struct cfg_dataplane, pin_dir),
	F("flowTableSize", FT_INT64, struct cfg_dataplane, flow_table_size),
	FC("flowGcInterval", struct cfg_dataplane, flow_gc_interval, dec_gc_interval,
	   render_duration, OFF(struct cfg_dataplane, flow_gc_set)),
	END
};
static const struct schema schema_dataplane = {
	"dataplane", 0, dp_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

/* ---- http --------------------------------------------------------------- */

static const struct field cookie_fields[] = {
	F("name", FT_STRING, struct cfg_sticky_cookie, name),
	F("secure", FT_BOOL, struct cfg_sticky_cookie, secure),
	F("httpOnly", FT_BOOL, struct cfg_sticky_cookie, http_only),
	F("sameSite", FT_STRING, struct cfg_sticky_cookie, same_site),
	F("maxAge", FT_INT64, struct cfg_sticky_cookie, max_age),
	F("path", FT_STRING, struct cfg_sticky_cookie, path),
	F("domain", FT_STRING, struct cfg_sticky_cookie, domain),
	FI("expires", NULL),
	END
};
static const struct schema schema_cookie = {
	"sticky.cookie", 0, cookie_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field sticky_fields[] = {
	FO("cookie", struct cfg_sticky, cookie, schema_cookie,
	   OFF(struct cfg_sticky, enabled)),
	END
};
static const struct schema schema_sticky = {
	"sticky", 0, sticky_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field hc_fields[] = {
	F("path", FT_STRING, struct cfg_health_check, path),
	F("scheme", FT_STRING, struct cfg_health_check, scheme),
	F("mode", FT_STRING, struct cfg_health_check, mode),
	F("hostname", FT_STRING, struct cfg_health_check, hostname),
	F("port", FT_INT, struct cfg_health_check, port),
	F("interval", FT_DURATION_S, struct cfg_health_check, interval),
	F("unhealthyInterval", FT_DURATION_S, struct cfg_health_check,
	  unhealthy_interval),
	F("timeout", FT_DURATION_S, struct cfg_health_check, timeout),
	F("headers", FT_KVMAP, struct cfg_health_check, headers),
	F("followRedirects", FT_BOOL, struct cfg_health_check, follow_redirects),
	F("method", FT_STRING, struct cfg_health_check, method),
	F("status", FT_INT, struct cfg_health_check, status),
	END
};
static const struct schema schema_hc = {
	"healthCheck", 0, hc_fields, NULL, OFF(struct cfg_health_check, pos),
	NO_OFF, NO_OFF
};

static const struct field phc_fields[] = {
	F("failureWindow", FT_DURATION_S, struct cfg_passive_health,
	  failure_window),
	F("maxFailedAttempts", FT_INT, struct cfg_passive_health,
	  max_failed_attempts),
	END
};
static const struct schema schema_phc = {
	"passiveHealthCheck", 0, phc_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field rf_fields[] = {
	F("flushInterval", FT_DURATION_S, struct cfg_http_lb, flush_interval),
	END
};
static const struct schema schema_rf = {
	"responseForwarding", 0, rf_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static void http_server_defaults(void *obj)
{
	((struct cfg_http_server *)obj)->weight = 1;
}

static const struct field http_server_fields[] = {
	F("url", FT_STRING, struct cfg_http_server, url),
	F("weight", FT_INT, struct cfg_http_server, weight),
	F("preservePath", FT_BOOL, struct cfg_http_server, preserve_path),
	FI("fenced", NULL),
	END
};
static const struct schema schema_http_server = {
	"server", sizeof(struct cfg_http_server), http_server_fields,
	http_server_defaults, OFF(struct cfg_http_server, pos), NO_OFF, NO_OFF
};

static const struct field http_lb_fields[] = {
	FL("servers", struct cfg_http_lb, servers, n_servers,
	   schema_http_server),
	FO("sticky", struct cfg_http_lb, sticky, schema_sticky, NO_OFF),
	FO("healthCheck", struct cfg_http_lb, health, schema_hc,
	   OFF(struct cfg_http_lb, health.present)),
	FO("passiveHealthCheck", struct cfg_http_lb, passive, schema_phc,
	   OFF(struct cfg_http_lb, passive.enabled)),
	F("passHostHeader", FT_BOOL, struct cfg_http_lb, pass_host_header),
	F("serversTransport", FT_STRING, struct cfg_http_lb, servers_transport),
	FINLINE("responseForwarding", schema_rf, struct cfg_http_lb, NO_OFF),
	FC("strategy", struct cfg_http_lb, strategy, dec_strategy, render_strategy, NO_OFF),
	END
};
static const struct schema schema_http_lb = {
	"loadBalancer", 0, http_lb_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static void wchild_defaults(void *obj)
{
	((struct cfg_weighted_child *)obj)->weight = 1;
}

static const struct field wchild_fields[] = {
	F("name", FT_STRING, struct cfg_weighted_child, name),
	F("weight", FT_INT, struct cfg_weighted_child, weight),
	END
};
static const struct schema schema_wchild = {
	"weighted service", sizeof(struct cfg_weighted_child), wchild_fields,
	wchild_defaults, OFF(struct cfg_weighted_child, pos), NO_OFF, NO_OFF
};

static const struct field http_weighted_fields[] = {
	FL("services", struct cfg_http_weighted, services, n_services,
	   schema_wchild),
	FO("sticky", struct cfg_http_weighted, sticky, schema_sticky, NO_OFF),
	F("healthCheck", FT_PRESENCE, struct cfg_http_weighted, health_check),
	END
};
static const struct schema schema_http_weighted = {
	"weighted", 0, http_weighted_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field mirror_fields[] = {
	F("name", FT_STRING, struct cfg_mirror, name),
	F("percent", FT_INT, struct cfg_mirror, percent),
	END
};
static const struct schema schema_mirror = {
	"mirror", sizeof(struct cfg_mirror), mirror_fields, NULL,
	OFF(struct cfg_mirror, pos), NO_OFF, NO_OFF
};

static const struct field mirroring_fields[] = {
	F("service", FT_STRING, struct cfg_http_mirroring, service),
	F("maxBodySize", FT_INT64, struct cfg_http_mirroring, max_body_size),
	F("mirrorBody", FT_BOOL, struct cfg_http_mirroring, mirror_body),
	FL("mirrors", struct cfg_http_mirroring, mirrors, n_mirrors,
	   schema_mirror),
	F("healthCheck", FT_PRESENCE, struct cfg_http_mirroring, health_check),
	END
};
static const struct schema schema_mirroring = {
	"mirroring", 0, mirroring_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field failover_fields[] = {
	F("service", FT_STRING, struct cfg_http_failover, service),
	F("fallback", FT_STRING, struct cfg_http_failover, fallback),
	F("healthCheck", FT_PRESENCE, struct cfg_http_failover, health_check),
	FI("errors", "status-based failover (Traefik v3.7) is not implemented"),
	END
};
static const struct schema schema_failover = {
	"failover", 0, failover_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static void http_service_defaults(void *obj)
{
	struct cfg_http_service *s = obj;

	s->lb.pass_host_header = true;
	s->lb.flush_interval = 100 * NSEC_PER_MSEC;
	s->lb.health.interval = 30 * NSEC_PER_SEC;
	s->lb.health.timeout = 5 * NSEC_PER_SEC;
	s->lb.health.follow_redirects = true;
	s->lb.passive.failure_window = 10 * NSEC_PER_SEC;
	s->lb.passive.max_failed_attempts = 1;
	s->mirroring.max_body_size = -1;
	s->mirroring.mirror_body = true;
}

static const struct field http_service_fields[] = {
	FO("loadBalancer", struct cfg_http_service, lb, schema_http_lb,
	   OFF(struct cfg_http_service, has_lb)),
	FO("weighted", struct cfg_http_service, weighted, schema_http_weighted,
	   OFF(struct cfg_http_service, has_weighted)),
	FO("mirroring", struct cfg_http_service, mirroring, schema_mirroring,
	   OFF(struct cfg_http_service, has_mirroring)),
	FO("failover", struct cfg_http_service, failover, schema_failover,
	   OFF(struct cfg_http_service, has_failover)),
	FS("highestRandomWeight", FT_IGNORED, struct cfg_http_service, has_other,
	   has_other),
	END
};
static const struct schema schema_http_service = {
	"service", sizeof(struct cfg_http_service), http_service_fields,
	http_service_defaults, OFF(struct cfg_http_service, pos),
	OFF(struct cfg_http_service, name),
	OFF(struct cfg_http_service, broken)
};

static const struct field router_fields[] = {
	F("entryPoints", FT_STRLIST, struct cfg_router, entry_points),
	F("rule", FT_STRING, struct cfg_router, rule),
	F("service", FT_STRING, struct cfg_router, service),
	FS("priority", FT_INT64, struct cfg_router, priority, priority_set),
	FI("middlewares", "middlewares are not implemented; the router runs without them"),
	FS("tls", FT_IGNORED, struct cfg_router, tls, tls),
	FI("ruleSyntax", NULL),
	FI("observability", NULL),
	END
};
static const struct schema schema_http_router = {
	"router", sizeof(struct cfg_router), router_fields, NULL,
	OFF(struct cfg_router, pos), OFF(struct cfg_router, name),
	OFF(struct cfg_router, broken)
};

static const struct field cert_fields[] = {
	F("certFile", FT_STRING, struct cfg_cert_pair, cert_file),
	F("keyFile", FT_STRING, struct cfg_cert_pair, key_file),
	END
};
static const struct schema schema_cert = {
	"certificate", sizeof(struct cfg_cert_pair), cert_fields, NULL, NO_OFF,
	NO_OFF, NO_OFF
};

static const struct field fwd_timeouts_fields[] = {
	F("dialTimeout", FT_DURATION_S, struct cfg_servers_transport,
	  dial_timeout),
	F("responseHeaderTimeout", FT_DURATION_S, struct cfg_servers_transport,
	  response_header_timeout),
	F("idleConnTimeout", FT_DURATION_S, struct cfg_servers_transport,
	  idle_conn_timeout),
	F("readIdleTimeout", FT_DURATION_S, struct cfg_servers_transport,
	  read_idle_timeout),
	F("pingTimeout", FT_DURATION_S, struct cfg_servers_transport,
	  ping_timeout),
	END
};
static const struct schema schema_fwd_timeouts = {
	"forwardingTimeouts", 0, fwd_timeouts_fields, NULL, NO_OFF, NO_OFF,
	NO_OFF
};

static void transport_defaults(void *obj)
{
	struct cfg_servers_transport *t = obj;

	t->max_idle_conns_per_host = 2;
	t->dial_timeout = 30 * NSEC_PER_SEC;
	t->idle_conn_timeout = 90 * NSEC_PER_SEC;
	t->ping_timeout = 15 * NSEC_PER_SEC;
}

static const struct field transport_fields[] = {
	F("serverName", FT_STRING, struct cfg_servers_transport, server_name),
	F("insecureSkipVerify", FT_BOOL, struct cfg_servers_transport,
	  insecure_skip_verify),
	F("rootCAs", FT_STRLIST, struct cfg_servers_transport, root_cas),
	FL("certificates", struct cfg_servers_transport, certificates,
	   n_certificates, schema_cert),
	F("maxIdleConnsPerHost", FT_INT, struct cfg_servers_transport,
	  max_idle_conns_per_host),
	F("disableHTTP2", FT_BOOL, struct cfg_servers_transport, disable_http2),
	F("peerCertURI", FT_STRING, struct cfg_servers_transport, peer_cert_uri),
	FINLINE("forwardingTimeouts", schema_fwd_timeouts,
		struct cfg_servers_transport, NO_OFF),
	FI("spiffe", NULL),
	FI("cipherSuites", NULL),
	FI("minVersion", NULL),
	FI("maxVersion", NULL),
	END
};
static const struct schema schema_transport = {
	"serversTransport", sizeof(struct cfg_servers_transport),
	transport_fields, transport_defaults,
	OFF(struct cfg_servers_transport, pos),
	OFF(struct cfg_servers_transport, name), NO_OFF
};

static const struct field http_fields[] = {
	FN("services", struct config, http_services, n_http_services,
	   schema_http_service, true),
	FN("routers", struct config, http_routers, n_http_routers,
	   schema_http_router, true),
	FN("serversTransports", struct config, transports, n_transports,
	   schema_transport, true),
	FI("middlewares", "middlewares are not implemented"),
	END
};
const struct schema schema_http = {
	"http", 0, http_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

/* ---- tcp and udp -------------------------------------------------------- */

static void l4_server_defaults(void *obj)
{
	((struct cfg_l4_server *)obj)->weight = 1;
}

static const struct field l4_server_fields[] = {
	F("address", FT_STRING, struct cfg_l4_server, address),
	F("weight", FT_INT, struct cfg_l4_server, weight),
	FI("tls", "TLS to TCP backends is not implemented"),
	END
};
static const struct schema schema_l4_server = {
	"server", sizeof(struct cfg_l4_server), l4_server_fields,
	l4_server_defaults, OFF(struct cfg_l4_server, pos), NO_OFF, NO_OFF
};

static const struct field pp_fields[] = {
	F("version", FT_INT, struct cfg_l4_lb, proxy_protocol_version),
	END
};
static const struct schema schema_pp = {
	"proxyProtocol", 0, pp_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field tcp_hc_fields[] = {
	F("port", FT_INT, struct cfg_tcp_health_check, port),
	F("send", FT_STRING, struct cfg_tcp_health_check, send),
	F("expect", FT_STRING, struct cfg_tcp_health_check, expect),
	F("interval", FT_DURATION_S, struct cfg_tcp_health_check, interval),
	F("unhealthyInterval", FT_DURATION_S, struct cfg_tcp_health_check,
	  unhealthy_interval),
	F("timeout", FT_DURATION_S, struct cfg_tcp_health_check, timeout),
	END
};
static const struct schema schema_tcp_hc = {
	"healthCheck", 0, tcp_hc_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field tcp_lb_fields[] = {
	FL("servers", struct cfg_l4_lb, servers, n_servers, schema_l4_server),
	FINLINE("proxyProtocol", schema_pp, struct cfg_l4_lb,
		OFF(struct cfg_l4_lb, proxy_protocol)),
	F("terminationDelay", FT_DURATION_MS, struct cfg_l4_lb,
	  termination_delay),
	FO("healthCheck", struct cfg_l4_lb, health, schema_tcp_hc,
	   OFF(struct cfg_l4_lb, health.enabled)),
	FC("forwarding", struct cfg_l4_lb, forwarding, dec_fwd_mode,
	   render_fwd_mode, OFF(struct cfg_l4_lb, forwarding_set)),
	FI("serversTransport", "TCP serversTransports are not implemented"),
	END
};
static const struct schema schema_tcp_lb = {
	"loadBalancer", 0, tcp_lb_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field udp_lb_fields[] = {
	FL("servers", struct cfg_l4_lb, servers, n_servers, schema_l4_server),
	FC("forwarding", struct cfg_l4_lb, forwarding, dec_fwd_mode,
	   render_fwd_mode, OFF(struct cfg_l4_lb, forwarding_set)),
	END
};
static const struct schema schema_udp_lb = {
	"loadBalancer", 0, udp_lb_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field l4_weighted_fields[] = {
	FL("services", struct cfg_l4_weighted, services, n_services,
	   schema_wchild),
	F("healthCheck", FT_PRESENCE, struct cfg_l4_weighted, health_check),
	END
};
static const struct schema schema_l4_weighted = {
	"weighted", 0, l4_weighted_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static void l4_service_defaults(void *obj)
{
	struct cfg_l4_service *s = obj;

	s->lb.proxy_protocol_version = 2;
	s->lb.termination_delay = 100 * NSEC_PER_MSEC;
	s->lb.health.interval = 30 * NSEC_PER_SEC;
	s->lb.health.timeout = 5 * NSEC_PER_SEC;
}

static const struct field tcp_service_fields[] = {
	FO("loadBalancer", struct cfg_l4_service, lb, schema_tcp_lb,
	   OFF(struct cfg_l4_service, has_lb)),
	FO("weighted", struct cfg_l4_service, weighted, schema_l4_weighted,
	   OFF(struct cfg_l4_service, has_weighted)),
	END
};
static const struct schema schema_tcp_service = {
	"tcp service", sizeof(struct cfg_l4_service), tcp_service_fields,
	l4_service_defaults, OFF(struct cfg_l4_service, pos),
	OFF(struct cfg_l4_service, name), OFF(struct cfg_l4_service, broken)
};

static const struct field udp_service_fields[] = {
	FO("loadBalancer", struct cfg_l4_service, lb, schema_udp_lb,
	   OFF(struct cfg_l4_service, has_lb)),
	FO("weighted", struct cfg_l4_service, weighted, schema_l4_weighted,
	   OFF(struct cfg_l4_service, has_weighted)),
	END
};
static const struct schema schema_udp_service = {
	"udp service", sizeof(struct cfg_l4_service), udp_service_fields,
	l4_service_defaults, OFF(struct cfg_l4_service, pos),
	OFF(struct cfg_l4_service, name), OFF(struct cfg_l4_service, broken)
};

static const struct field tcp_tls_fields[] = {
	F("passthrough", FT_BOOL, struct cfg_l4_router, tls_passthrough),
	FI("options", NULL),
	FI("certResolver", NULL),
	FI("domains", NULL),
	END
};
static const struct schema schema_tcp_tls = {
	"tls", 0, tcp_tls_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field tcp_router_fields[] = {
	F("entryPoints", FT_STRLIST, struct cfg_l4_router, entry_points),
	F("rule", FT_STRING, struct cfg_l4_router, rule),
	F("service", FT_STRING, struct cfg_l4_router, service),
	FS("priority", FT_INT64, struct cfg_l4_router, priority, priority_set),
	FINLINE("tls", schema_tcp_tls, struct cfg_l4_router,
		OFF(struct cfg_l4_router, tls)),
	FI("middlewares", "TCP middlewares are not implemented"),
	FI("ruleSyntax", NULL),
	END
};
static const struct schema schema_tcp_router = {
	"tcp router", sizeof(struct cfg_l4_router), tcp_router_fields, NULL,
	OFF(struct cfg_l4_router, pos), OFF(struct cfg_l4_router, name),
	OFF(struct cfg_l4_router, broken)
};

static const struct field udp_router_fields[] = {
	F("entryPoints", FT_STRLIST, struct cfg_l4_router, entry_points),
	F("service", FT_STRING, struct cfg_l4_router, service),
	END
};
static const struct schema schema_udp_router = {
	"udp router", sizeof(struct cfg_l4_router), udp_router_fields, NULL,
	OFF(struct cfg_l4_router, pos), OFF(struct cfg_l4_router, name),
	OFF(struct cfg_l4_router, broken)
};

static const struct field tcp_fields[] = {
	FN("services", struct config, tcp_services, n_tcp_services,
	   schema_tcp_service, true),
	FN("routers", struct config, tcp_routers, n_tcp_routers,
	   schema_tcp_router, true),
	FI("middlewares", "TCP middlewares are not implemented"),
	FI("serversTransports", "TCP serversTransports are not implemented"),
	END
};
const struct schema schema_tcp = {
	"tcp", 0, tcp_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

static const struct field udp_fields[] = {
	FN("services", struct config, udp_services, n_udp_services,
	   schema_udp_service, true),
	FN("routers", struct config, udp_routers, n_udp_routers,
	   schema_udp_router, true),
	END
};
const struct schema schema_udp = {
	"udp", 0, udp_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};

/* ---- the root: static and dynamic keys in one file ---------------------- */

static const struct field root_fields[] = {
	FN("entryPoints", struct config, entry_points, n_entry_points,
	   schema_entry_point, false),
	FINLINE("providers", schema_providers, struct config, NO_OFF),
	FO("dataplane", struct config, dataplane, schema_dataplane,
	   OFF(struct config, dataplane.present)),
	FINLINE("metrics", schema_metrics, struct config, NO_OFF),
	FINLINE("accessLog", schema_alog, struct config,
		OFF(struct config, access_log.enabled)),
	FINLINE("http", schema_http, struct config, NO_OFF),
	FINLINE("tcp", schema_tcp, struct config, NO_OFF),
	FINLINE("udp", schema_udp, struct config, NO_OFF),
	FI("tls", "TLS termination is not implemented; certificates are not loaded"),
	FI("log", "sluiced logs to stderr; use -v/-q"),
	FI("api", NULL),
	FI("ping", NULL),
	FI("global", NULL),
	FI("serversTransport", "the static default transport uses Traefik's defaults"),
	FI("tcpServersTransport", NULL),
	FI("certificatesResolvers", NULL),
	FI("tracing", NULL),
	FI("experimental", NULL),
	FI("hostResolver", NULL),
	FI("pilot", NULL),
	FI("spiffe", NULL),
	FI("core", NULL),
	FI("ocsp", NULL),
	END
};
const struct schema schema_static_root = {
	"the configuration", 0, root_fields, NULL, NO_OFF, NO_OFF, NO_OFF
};
