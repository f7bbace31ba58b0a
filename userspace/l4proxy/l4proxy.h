/* The userspace TCP/UDP proxy of sluiced: tcp.routers/tcp.services and
 * udp.routers/udp.services served by a connection-terminating proxy on the
 * agent's libevent loop. TCP: HostSNI routing (ClientHello peek, TLS
 * passthrough), Traefik's interleaved WRR, splice() forwarding, half-close
 * with terminationDelay, PROXY protocol v1/v2 to backends and from trusted
 * balancers in front. UDP: sessions per client address with the
 * entryPoint's udp.timeout.
 *
 * Which entryPoints it serves (docs/l4proxy.md): all tcp/udp ones while the
 * kernel data plane is inactive; otherwise only those with a router that
 * needs a terminating proxy (l4proxy_router_needs_proxy()).
 */
#ifndef LB_L4PROXY_H
#define LB_L4PROXY_H

#include <stdbool.h>
#include <sys/socket.h>

#include "config_types.h"

struct event_base;
struct json_writer;
struct l4proxy;

/* Creates a proxy on @base (borrowed; must outlive the proxy) from @cfg
 * (borrowed for the call: everything needed is copied). The data plane is
 * taken as inactive until l4proxy_set_dataplane() says otherwise. Nothing
 * listens before l4proxy_start(). Returns NULL with errno set. Caller owns;
 * free with l4proxy_free().
 */
struct l4proxy *l4proxy_new(struct event_base *base, const struct config *cfg);

/* Binds the listeners of every entryPoint served in userspace. Returns 0,
 * or -errno of the first listener that could not be bound (the others stay
 * up; l4proxy_last_error() names it).
 */
int l4proxy_start(struct l4proxy *p);

/* Applies @cfg (borrowed for the call): new connections and sessions use
 * the new routers and services, established ones keep their backend.
 * Listeners whose entryPoint kept its address stay bound. Returns 0 or
 * -errno (the old graph stays in force).
 */
int l4proxy_reload(struct l4proxy *p, const struct config *cfg);

/* Tells the proxy whether the kernel XDP data plane is attached; when it
 * is, plain tcp/udp entryPoints are left to the kernel. Rebinds listeners
 * accordingly. Returns 0 or -errno as l4proxy_start().
 */
int l4proxy_set_dataplane(struct l4proxy *p, bool active);
bool l4proxy_dataplane_active(const struct l4proxy *p);

struct lbmap;
/* Kernel steering (docs/datapath.md): with @maps (the data plane's,
 * borrowed until the next call; NULL: none), an entryPoint whose VIPs the
 * data plane marked LB_VIP_F_LOCAL is served by a loopback listener that
 * sk_lookup feeds, and each connection goes to the backend the kernel
 * chose for its flow (lb_flows). Rebinds listeners; returns 0 or -errno
 * as l4proxy_start().
 */
int l4proxy_set_steering(struct l4proxy *p, const struct lbmap *maps);

/* Number of entryPoints currently served in userspace. */
unsigned int l4proxy_served(const struct l4proxy *p);

/* ... of which fed by the kernel's sk_lookup (kernel steering). */
unsigned int l4proxy_steered(const struct l4proxy *p);

/* Message of the last start/reload failure ("" if none); borrowed. */
const char *l4proxy_last_error(const struct l4proxy *p);

/* Writes the proxy's state and counters as one JSON object. */
void l4proxy_stats_json(const struct l4proxy *p, struct json_writer *w);

/* Stops listening, closes every connection and session, frees @p.
 * NULL-safe.
 */
void l4proxy_free(struct l4proxy *p);

/* True when the TCP router @r needs the terminating proxy even with the
 * data plane attached: a HostSNI name other than `*` or a tls block (the
 * ClientHello is examined), or a loadBalancer under its service with
 * proxyProtocol or a terminationDelay other than the 100 ms default. Pure;
 * the data plane's planner must leave these routers' VIPs alone.
 */
bool l4proxy_router_needs_proxy(const struct config *cfg,
				const struct cfg_l4_router *r);

/* Takes a client connection that no tcp router of entryPoint @ep took
 * (the socket @fd, the client @peer). Returns 0 when it took @fd, or
 * -errno (@fd stays the proxy's, which closes it).
 */
typedef int (*l4proxy_http_fn)(void *arg, const char *ep, int fd,
			       const struct sockaddr *peer, socklen_t len);

/* Traefik's order on an entryPoint with both kinds of routers: TCP
 * routers first, HTTP routers for the connections none takes (a plain
 * connection without a HostSNI(`*`) catch-all, a ClientHello no name
 * matches). @fn receives those; without it they are closed (no_route).
 */
void l4proxy_set_http_fallback(struct l4proxy *p, l4proxy_http_fn fn,
			       void *arg);

struct health_state;
/* Reads server health from @h (borrowed; NULL: every server up) for every
 * graph built from now on, and applies it to the current one: a server
 * that is down takes no new connection or UDP session.
 */
void l4proxy_set_health(struct l4proxy *p, const struct health_state *h);
/* Applies one flip reported by the registry (agent thread). */
void l4proxy_server_health(struct l4proxy *p, const char *service,
			   const char *server, bool up);

#endif /* LB_L4PROXY_H */
