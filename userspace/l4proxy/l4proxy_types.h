/* Internal types of the userspace L4 proxy: the routing graph built from a
 * configuration (graph.c), counters that outlive reloads (stats.c), and the
 * listener, connection and session state (tcp_*.c, udp.c).
 *
 * Lifetimes: a graph is reference-counted; the proxy holds the current one
 * and every listener or connection still routing (pre-dial) holds one.
 * Established connections and UDP sessions keep no graph reference: they
 * hold references to their counters only, so a reload never waits on them.
 */
#ifndef LB_L4PROXY_TYPES_H
#define LB_L4PROXY_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config_types.h"
#include "strmap.h"
#include "lb_abi.h"
#include "wrr.h"

struct event;
struct event_base;

/* Cumulative counters of one service, server or entryPoint, kept by name
 * across reloads in the proxy's registry (stats.c).
 */
struct l4_counters {
	struct l4_counters *next;
	unsigned int refs;
	char *key;
	uint64_t conns_total;	/* TCP connections or UDP sessions */
	uint64_t conns_active;
	uint64_t rx_bytes;	/* client to backend */
	uint64_t tx_bytes;	/* backend to client */
	uint64_t rx_dgrams;	/* UDP only */
	uint64_t tx_dgrams;
	uint64_t dial_errors;	/* connect failed or timed out */
	uint64_t pick_errors;	/* no usable server */
	uint64_t pp_in;		/* inbound PROXY headers honoured */
	uint64_t pp_ignored;	/* ... stripped from untrusted peers */
	uint64_t pp_errors;	/* malformed inbound headers (closed) */
	uint64_t no_route;	/* no router matched (closed) */
	uint64_t steered;	/* backend chosen by the kernel (steer.c) */
	uint64_t steer_fallbacks; /* steered listener, no kernel choice:
				 * the proxy's own WRR picked */
	uint64_t to_http;	/* no router matched: handed to HTTP routers */
};

struct l4_server {
	char *address;			/* as configured */
	int weight;
	bool resolved;			/* @sa is usable */
	struct sockaddr_storage sa;
	socklen_t salen;
	struct l4_counters *stats;
};

struct l4_service {
	char *name;			/* qualified */
	enum cfg_service_kind kind;	/* LOADBALANCER or WEIGHTED */
	bool broken;			/* unresolvable child, cycle */
	/* loadBalancer */
	struct l4_server *servers;
	size_t n_servers;
	int pp_version;			/* 0: no PROXY header */
	int64_t term_delay;		/* ns; < 0 never forced */
	/* weighted */
	char **child_names;
	struct l4_service **children;
	size_t n_children;
	/* selection over servers or children */
	struct wrr_entry *wrr_e;
	struct wrr wrr;
	struct l4_counters *stats;
};

/* A CIDR of proxyProtocol.trustedIPs. */
struct l4_cidr {
	int family;
	unsigned char addr[16];
	unsigned int bits;
};

struct l4_route {
	char *name;
	struct l4_service *svc;
	int64_t priority;
	char **snis;			/* NULL-terminated; "*" catches all */
	bool tls;			/* matched against a ClientHello */
};

struct l4_entry {
	char *name;
	bool udp;
	char *address;			/* as configured, for display */
	struct sockaddr_storage bind;
	socklen_t bindlen;
	bool any_host;			/* bind [::] and 0.0.0.0 */
	int64_t udp_timeout;		/* ns */
	bool pp_in;			/* accept inbound PROXY headers */
	bool pp_insecure;		/* ... from anyone */
	struct l4_cidr *trusted;
	size_t n_trusted;
	struct l4_route *routes;	/* TLS routes, by priority */
	size_t n_routes;
	struct l4_route *notls;		/* HostSNI(`*`) without tls */
	bool needs_proxy;		/* a route needs the userspace proxy */
	bool serve;			/* served in userspace */
	/* LB_VIP_F_LOCAL VIPs of this entryPoint (kernel steering): its
	 * listener is fed by sk_lookup; set by listeners_sync()
	 */
	struct lb_vip_key steer_keys[2];
	int n_steer;
	struct l4_counters *stats;
};

struct l4_graph {
	unsigned int refs;
	struct l4_service *tcp_svcs;
	size_t n_tcp_svcs;
	struct l4_service *udp_svcs;
	size_t n_udp_svcs;
	struct l4_entry *entries;
	size_t n_entries;
	size_t n_bad_routers;		/* rules we cannot serve */
};

struct l4_registry {
	struct l4_counters *head;
	struct strmap idx;	/* key -> (uintptr_t) counters */
};

/* One bound entryPoint socket (TCP or UDP). */
struct l4_listener {
	struct l4_listener *next;
	struct l4proxy *px;
	char *entry_name;
	bool udp;
	struct sockaddr_storage bind;
	socklen_t bindlen;
	int fd;
	struct event *ev;
	struct l4_graph *graph;		/* reference */
	struct l4_entry *entry;		/* inside @graph */
	struct l4_udp *udp_state;	/* UDP sessions */
	struct lb_vip_key steer_keys[2];	/* registered in lb_steer */
	int n_steer;			/* 0: bound to the entryPoint */
	bool stale;			/* reload bookkeeping */
};

struct l4_conn;
struct l4_pre;

struct health_state;
struct lbmap;

struct l4proxy {
	struct event_base *base;
	struct l4_graph *graph;
	struct l4_registry reg;
	struct l4_listener *listeners;
	struct l4_conn *conns;		/* established TCP connections */
	struct l4_pre *pres;		/* connections still routing */
	bool dp_active;
	const struct lbmap *steer;	/* borrowed; NULL: no kernel steering */
	bool started;
	const struct health_state *health;	/* borrowed; NULL: all up */
	/* l4proxy_set_http_fallback(); NULL: no HTTP routers */
	int (*http_fn)(void *arg, const char *ep, int fd,
		       const struct sockaddr *peer, socklen_t len);
	void *http_arg;
	uint64_t generation;
	unsigned char *dgram;		/* 65535-byte UDP buffer */
	char err[256];
};

#define L4_DEFAULT_TERM_DELAY	(100 * NSEC_PER_MSEC)
/* Traefik v3 tcp serversTransport.dialTimeout default (v2: the OS's). */
#define L4_DIAL_TIMEOUT_SEC	30
/* How long a connection may take to send its PROXY header or ClientHello. */
#define L4_PREAMBLE_TIMEOUT_SEC	10
#define L4_UDP_BUF		65535

#endif /* LB_L4PROXY_TYPES_H */
