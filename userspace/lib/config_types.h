/* The configuration model: Traefik's file-provider static and dynamic
 * configuration, plus our own `dataplane` section, as typed structs.
 * Filled by config_load() (config.h); every field carries Traefik's default
 * after loading. Names are qualified (`name@file`). Durations are in
 * nanoseconds (int64_t), as Go's time.Duration.
 *
 * Ownership: a struct config owns every string and array below it; free
 * the whole tree with config_free().
 */
#ifndef LB_CONFIG_TYPES_H
#define LB_CONFIG_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strmap.h"

#define NSEC_PER_MSEC	1000000LL
#define NSEC_PER_SEC	1000000000LL

/* Where a node came from, for error messages: file:line:col (1-based). */
struct cfg_pos {
	const char *file;	/* owned by struct config's file list */
	int line;
	int col;
};

struct cfg_strlist {
	char **v;
	size_t n;
};

struct cfg_kv {
	char *key;
	char *value;
};

struct cfg_kvlist {
	struct cfg_kv *v;
	size_t n;
};

/* ---- static configuration ---------------------------------------------- */

enum cfg_l4proto {
	CFG_PROTO_TCP,		/* "/tcp" or no suffix; also serves HTTP */
	CFG_PROTO_UDP,
};

struct cfg_entry_point {
	char *name;
	char *address;		/* as written, e.g. ":8000", "10.0.0.1:53/udp" */
	char *host;		/* parsed host part, "" for every address */
	uint16_t port;
	enum cfg_l4proto proto;
	int64_t udp_timeout;	/* udp.timeout, default 3s */
	/* proxyProtocol: accept inbound PROXY v1/v2 headers */
	bool proxy_protocol;	/* the block is present */
	bool proxy_protocol_insecure;
	struct cfg_strlist proxy_trusted_ips;
	/* forwardedHeaders */
	bool fwd_insecure;
	struct cfg_strlist fwd_trusted_ips;
	struct cfg_pos pos;
};

struct cfg_providers_file {
	char *filename;		/* resolved against the static file's folder */
	char *directory;
	bool watch;
};

enum cfg_xdp_mode {
	CFG_XDP_AUTO,		/* native, falling back to generic (skb) */
	CFG_XDP_NATIVE,
	CFG_XDP_SKB,
};

enum cfg_fwd_mode {
	CFG_FWD_FULLNAT,	/* default: DNAT + SNAT to the balancer address */
	CFG_FWD_NAT,		/* DNAT only, client address preserved */
};

/* Where the balancer runs on an interface's receive path. */
enum cfg_hook {
	CFG_HOOK_DEFAULT,	/* interfaces: dataplane.hook's */
	CFG_HOOK_XDP,		/* XDP, before the kernel makes an skb */
	CFG_HOOK_TC,		/* TC ingress, on skbs after GRO */
	CFG_HOOK_AUTO,		/* TC on veth/netkit devices, XDP elsewhere */
};

struct cfg_dp_iface {
	char *name;
	enum cfg_xdp_mode mode;
	enum cfg_hook hook;
	/* How translated packets leave by this interface: true (transmit:
	 * tc) through the TC program, an skb redirect with the kernel's
	 * neighbour resolution, for devices that cannot take XDP frames
	 * (a veth whose peer runs no XDP program and has GRO off); false
	 * (transmit: xdp, the default) by XDP_REDIRECT.
	 */
	bool xmit_tc;
	struct cfg_pos pos;
};

/* Our own section: where and how the kernel data plane runs. */
struct cfg_dataplane {
	bool present;
	struct cfg_dp_iface *ifaces;
	size_t n_ifaces;
	enum cfg_xdp_mode xdp_mode;	/* default for interfaces */
	enum cfg_hook hook;		/* default for interfaces (auto) */
	enum cfg_fwd_mode forwarding;	/* default fullnat */
	struct cfg_strlist snat;	/* source addresses for fullnat */
	char *pin_dir;			/* default /sys/fs/bpf/sluice */
	uint32_t flow_table_size;	/* default 1048576 */
	int64_t flow_gc_interval;	/* ns between flow GC passes; 0: off */
	bool flow_gc_set;		/* flowGcInterval given (default 10s) */
};

struct cfg_metrics {
	char *prometheus_entry_point;	/* metrics.prometheus.entryPoint */
	bool prometheus;
};

struct cfg_access_log {
	bool enabled;
	char *file_path;	/* empty: stdout */
};

/* ---- http ---------------------------------------------------------------- */

enum cfg_service_kind {
	CFG_SVC_NONE,
	CFG_SVC_LOADBALANCER,
	CFG_SVC_WEIGHTED,
	CFG_SVC_MIRRORING,
	CFG_SVC_FAILOVER,
};

struct cfg_sticky_cookie {
	char *name;		/* sanitised; default derived from the service */
	bool secure;
	bool http_only;
	char *same_site;	/* "", none, lax, strict */
	int64_t max_age;	/* seconds; 0 = session cookie */
	char *path;		/* default "/" */
	char *domain;
};

struct cfg_sticky {
	bool enabled;		/* sticky.cookie present */
	struct cfg_sticky_cookie cookie;
};

struct cfg_health_check {
	bool enabled;		/* healthCheck present and usable (has a path) */
	bool present;		/* healthCheck block written */
	char *path;
	char *scheme;
	char *mode;		/* "http" (default) or "grpc" (accepted, not run) */
	char *hostname;
	int port;		/* 0: the server's */
	int64_t interval;	/* default 30s */
	int64_t unhealthy_interval;	/* default = interval */
	int64_t timeout;	/* default 5s */
	struct cfg_kvlist headers;
	bool follow_redirects;	/* default true */
	char *method;		/* default GET */
	int status;		/* 0: any 2xx-3xx */
	struct cfg_pos pos;
};

/* passiveHealthCheck (Traefik v3.6) */
struct cfg_passive_health {
	bool enabled;
	int64_t failure_window;	/* default 10s */
	int max_failed_attempts;	/* default 1 */
};

struct cfg_http_server {
	char *url;
	int weight;		/* default 1; <= 0 takes no traffic */
	bool preserve_path;
	struct cfg_pos pos;
};

enum cfg_lb_strategy {
	CFG_STRATEGY_WRR,	/* default: EDF over server weights */
	CFG_STRATEGY_P2C,
	CFG_STRATEGY_LEASTCONN,	/* sluice extension */
};

struct cfg_http_lb {
	struct cfg_http_server *servers;
	size_t n_servers;
	struct cfg_sticky sticky;
	struct cfg_health_check health;
	struct cfg_passive_health passive;
	bool pass_host_header;		/* default true */
	char *servers_transport;	/* qualified; NULL: default@internal */
	int64_t flush_interval;		/* default 100ms; < 0 every write */
	enum cfg_lb_strategy strategy;
};

struct cfg_weighted_child {
	char *name;		/* qualified */
	int weight;		/* default 1 */
	struct cfg_pos pos;
};

struct cfg_http_weighted {
	struct cfg_weighted_child *services;
	size_t n_services;
	struct cfg_sticky sticky;
	bool health_check;	/* healthCheck: {} */
};

struct cfg_mirror {
	char *name;		/* qualified */
	int percent;		/* 0..100 */
	struct cfg_pos pos;
};

struct cfg_http_mirroring {
	char *service;		/* qualified */
	int64_t max_body_size;	/* default -1: unlimited */
	bool mirror_body;	/* default true */
	struct cfg_mirror *mirrors;
	size_t n_mirrors;
	bool health_check;
};

struct cfg_http_failover {
	char *service;		/* qualified */
	char *fallback;		/* qualified */
	bool health_check;
};

struct cfg_http_service {
	char *name;		/* qualified */
	enum cfg_service_kind kind;
	struct cfg_http_lb lb;
	struct cfg_http_weighted weighted;
	struct cfg_http_mirroring mirroring;
	struct cfg_http_failover failover;
	bool broken;		/* failed validation: left out, routers dropped */
	struct cfg_pos pos;
	/* which type keys were written (validation: exactly one) */
	bool has_lb, has_weighted, has_mirroring, has_failover, has_other;
};

struct cfg_cert_pair {
	char *cert_file;	/* a path or inline PEM */
	char *key_file;
};

struct cfg_servers_transport {
	char *name;		/* qualified */
	char *server_name;
	bool insecure_skip_verify;
	struct cfg_strlist root_cas;	/* files or inline PEM */
	struct cfg_cert_pair *certificates;
	size_t n_certificates;
	int max_idle_conns_per_host;	/* default 2; < 0: no reuse */
	bool disable_http2;
	char *peer_cert_uri;
	int64_t dial_timeout;		/* default 30s; 0: none */
	int64_t response_header_timeout;	/* default 0: none */
	int64_t idle_conn_timeout;	/* default 90s */
	int64_t read_idle_timeout;	/* default 0 */
	int64_t ping_timeout;		/* default 15s */
	struct cfg_pos pos;
};

struct cfg_router {
	char *name;		/* qualified */
	struct cfg_strlist entry_points;	/* empty: every entryPoint */
	char *rule;
	char *service;		/* qualified */
	int64_t priority;	/* default: length of rule */
	bool priority_set;
	bool tls;		/* tls block present (accepted, see docs) */
	bool broken;
	struct cfg_pos pos;
};

/* ---- tcp and udp ------------------------------------------------------- */

struct cfg_l4_server {
	char *address;		/* host:port as written */
	int weight;		/* sluice extension, default 1 */
	struct cfg_pos pos;
};

struct cfg_tcp_health_check {
	bool enabled;
	int port;
	char *send;
	char *expect;
	int64_t interval;	/* default 30s */
	int64_t unhealthy_interval;
	int64_t timeout;	/* default 5s */
};

struct cfg_l4_lb {
	struct cfg_l4_server *servers;
	size_t n_servers;
	/* tcp only */
	bool proxy_protocol;	/* proxyProtocol block present */
	int proxy_protocol_version;	/* default 2 */
	int64_t termination_delay;	/* default 100ms; < 0 never forced */
	struct cfg_tcp_health_check health;
	/* our own: per-service override of dataplane.forwarding */
	bool forwarding_set;
	enum cfg_fwd_mode forwarding;
};

struct cfg_l4_weighted {
	struct cfg_weighted_child *services;
	size_t n_services;
	bool health_check;
};

/* tcp.services and udp.services entries share one shape. */
struct cfg_l4_service {
	char *name;		/* qualified */
	enum cfg_service_kind kind;	/* LOADBALANCER or WEIGHTED */
	struct cfg_l4_lb lb;
	struct cfg_l4_weighted weighted;
	bool broken;
	struct cfg_pos pos;
	bool has_lb, has_weighted;
};

struct cfg_l4_router {
	char *name;
	struct cfg_strlist entry_points;
	char *rule;		/* tcp: HostSNI(...); udp: none */
	char *service;		/* qualified */
	int64_t priority;
	bool priority_set;
	bool tls;		/* tls block present */
	bool tls_passthrough;
	bool broken;
	struct cfg_pos pos;
};

/* ---- diagnostics ------------------------------------------------------- */

enum cfg_severity {
	CFG_ERROR,
	CFG_WARNING,
};

struct cfg_diag {
	enum cfg_severity severity;
	struct cfg_pos pos;	/* file NULL when not tied to a place */
	char *path;		/* key path, e.g. http.services.x.loadBalancer */
	char *msg;
};

/* ---- the whole configuration ------------------------------------------ */

struct config {
	/* files read, in order; cfg_pos.file points into these */
	struct cfg_strlist files;

	struct cfg_entry_point *entry_points;
	size_t n_entry_points;
	struct cfg_providers_file providers_file;
	struct cfg_dataplane dataplane;
	struct cfg_metrics metrics;
	struct cfg_access_log access_log;

	struct cfg_http_service *http_services;
	size_t n_http_services;
	struct cfg_servers_transport *transports;
	size_t n_transports;
	struct cfg_router *http_routers;
	size_t n_http_routers;

	struct cfg_l4_service *tcp_services;
	size_t n_tcp_services;
	struct cfg_l4_router *tcp_routers;
	size_t n_tcp_routers;
	struct cfg_l4_service *udp_services;
	size_t n_udp_services;
	struct cfg_l4_router *udp_routers;
	size_t n_udp_routers;

	struct cfg_diag *diags;
	size_t n_diags;
	size_t n_errors;
	bool fatal;	/* a file was unreadable or not YAML: nothing usable */

	/* name -> index of the named arrays, built once every file is read
	 * (the config_*() lookups are O(1) then); empty in a config built
	 * by hand, where the lookups scan.
	 */
	struct strmap idx_http_services;
	struct strmap idx_transports;
	struct strmap idx_entry_points;
	struct strmap idx_tcp_services;
	struct strmap idx_udp_services;
};

#endif /* LB_CONFIG_TYPES_H */
