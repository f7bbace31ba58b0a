/* The L7 service graph's control interface for the agent: feeding server
 * health in, changing servers at runtime, and showing the graph. Every
 * function runs on the agent's thread (one caller at a time).
 */
#ifndef LB_L7SVC_H
#define LB_L7SVC_H

#include <stdbool.h>
#include <stddef.h>

struct l7proxy;
struct json_writer;

/* Hears every status flip: @server NULL for a service's reported status. */
typedef void (*l7svc_event_fn)(void *arg, const char *service,
			       const char *server, bool up);

/* Where a freshly built graph (start, reload) reads each server's health:
 * @up(arg, service, server URL) is false for servers known down. Without a
 * source every server starts up. @ev hears flips (may be NULL).
 */
void l7proxy_health_source(struct l7proxy *p,
			   bool (*up)(void *arg, const char *service,
				      const char *server),
			   void *arg, l7svc_event_fn ev, void *ev_arg);

/* A server's health changed (health_subscribe() callback, operator).
 * Returns 0, or -ENOENT when no load balancer @service has @server.
 */
int l7proxy_server_health(struct l7proxy *p, const char *service,
			  const char *server, bool up);

/* Does load balancer @service have @server in the current graph? */
bool l7proxy_has_server(struct l7proxy *p, const char *service,
			const char *server);

/* Runtime change of one server without a reload, kept across reloads
 * while the server exists: @op "weight" (with @weight >= 0), "drain" (no
 * new picks, sticky sessions stay), "undrain", "up" (undrain, mark up),
 * "down". With a health registry, up/down belong to it instead.
 * Returns 0, -ENOENT (unknown service or server) or -EINVAL with @err.
 */
int l7proxy_server_set(struct l7proxy *p, const char *service,
		       const char *server, const char *op, int weight,
		       char *err, size_t errlen);

/* {"services": [...]}: every http service node with kind, status, weight
 * of each child and server, and the children by name; one service if
 * @service is not NULL. Returns 0 or -ENOENT.
 */
int l7proxy_graph_json(struct l7proxy *p, const char *service,
		       struct json_writer *w);

#endif /* LB_L7SVC_H */
