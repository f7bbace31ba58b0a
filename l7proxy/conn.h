/* One client connection and the request on it: the state machine shared
 * by conn.c (client side: request heads, bodies, keep-alive, timeouts)
 * and relay.c (backend side: response heads, bodies, tunnels). A conn is
 * freed only by conn_free().
 */
#ifndef LB_L7_CONN_H
#define LB_L7_CONN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <http_parser.h>

#include "graph.h"
#include "headers.h"
#include "http.h"

#define L7_MAX_HEADERS	100

struct worker;
struct l7proxy;
struct upstream;
struct bufferevent;
struct evbuffer;
struct event;
struct sockread;

enum conn_state {
	C_HEAD,		/* waiting for a request head */
	C_BODY,		/* streaming the request body */
	C_WAIT,		/* request read, response not finished */
	C_TUNNEL,	/* after 101: raw bytes both ways */
	C_CLOSING,	/* flushing the last response, then close */
};

struct conn {
	struct worker *w;
	struct l7proxy *p;
	int ep;
	struct bufferevent *bev;
	struct sockread *rd;	/* reads the client socket (sockread.h) */
	struct event *timer;	/* header read and keep-alive timeouts */
	bool timer_head;	/* timer runs for a partial head */
	bool lingering;		/* half-closed, draining the client */
	char client_ip[INET6_ADDRSTRLEN];
	LIST_ENTRY(conn) link;
	TAILQ_ENTRY(conn) flush_link;	/* on w->flushq */
	bool flush_queued;
	bool head_deferred;	/* c->reqhead not yet written to c->up */
	enum conn_state state;

	/* the current request */
	http_parser req_p;
	struct hdr hdrs[L7_MAX_HEADERS];	/* request, then response */
	size_t n_hdrs;
	bool hdr_value;		/* last header callback was a value */
	bool too_many;
	const char *url;
	size_t url_len;
	int stop;		/* status refused in on_headers_complete */
	struct l7_graph *g;
	const struct l7_router *router;
	struct svc_pick pick;
	struct upstream *up;
	struct evbuffer *reqhead;	/* kept for one retry on a reused conn */
	bool up_reused;
	bool retried;
	bool keep_alive;	/* client wants the connection kept */
	bool http10;
	bool head_req;
	bool upgrade;
	enum body_framing req_body;
	bool req_done;
	bool in_flight;		/* counted in stats in_flight */

	/* the response */
	struct evbuffer *stage;	/* response bytes not yet handed to bev */
	http_parser resp_p;
	bool resp_head_done;	/* backend head parsed */
	bool resp_1xx;		/* an informational response was relayed */
	bool resp_started;	/* head sent to the client */
	bool resp_done;
	enum body_framing resp_body;
	bool close_after;
	int status;

	uint64_t t0_us;
	uint64_t bytes_in;
	uint64_t bytes_out;
	char log_method[16];
	char log_target[256];
	char log_ua[128];
	char log_referer[128];
};

/* Frees @c, its backend connection and its snapshot reference. */
void conn_free(struct conn *c);

/* Ends the current request with @status. Before any response byte went
 * out, the client gets the error response of @kind (enum l7_err_kind);
 * afterwards the connection is cut. The backend connection is closed.
 */
void conn_fail(struct conn *c, int status, int kind);

/* The response is complete: accounting, backend back to the pool, then the
 * next request (or close).
 */
void conn_request_done(struct conn *c);

/* Sends the request head (and any body already read) to c->up and wires
 * the backend callbacks (relay.c).
 */
void relay_start(struct conn *c);

/* The client left with the request on c->up unanswered: hands c->up to
 * upstream_drain() when its response can still end cleanly (the request
 * went out whole, no tunnel, a bounded body), else closes it (relay.c).
 */
void relay_abandon(struct conn *c);

/* Request body bytes or framing for the backend (relay.c). */
void relay_body(struct conn *c, const char *data, size_t len);
void relay_body_end(struct conn *c);

/* Turns reading the client on or off. */
void conn_read(struct conn *c, bool on);

/* Lets libevent write the client output (enabled lazily: enabling EV_WRITE
 * costs an epoll_ctl even with nothing queued). Call after queueing.
 */
void conn_want_write(struct conn *c);

/* Sends the staged response bytes: straight to the socket when nothing is
 * queued before them, else behind the queue.
 */
void relay_flush(struct conn *c);

/* Writes held for the end of the loop pass: a finished response in
 * c->stage and a bodiless request head (c->head_deferred). One pass of
 * the worker's loop first reads every ready socket and only then writes,
 * as HAProxy does: the backend and the client get their bytes in a burst
 * and find more queued when they wake (see docs/l7proxy.md).
 */
void relay_defer(struct conn *c);

/* Writes what relay_defer() held for @c now (also from conn_free()). */
void relay_deferred_flush(struct conn *c);

/* Runs relay_deferred_flush() for every conn of @w: the end of a pass. */
void relay_flush_pass(struct worker *w);

/* Client output drained below the watermark: resume reading the backend. */
void relay_client_drained(struct conn *c);

/* Continues the client side after a backend event (parsing pipelined
 * input, re-enabling reads).
 */
void conn_resume(struct conn *c);

/* http_parser header callbacks filling c->hdrs (requests and responses). */
int conn_hdr_field(http_parser *hp, const char *at, size_t len);
int conn_hdr_value(http_parser *hp, const char *at, size_t len);

/* Pulls up just enough of @in to hold a message head (4 KiB first, then
 * up to the limit, never the body behind it) and scans it with
 * http_head_scan(), whose result it returns; *@buf is the contiguous head.
 */
int conn_head_pull(struct evbuffer *in, const struct head_limits *lim,
		   char **buf, size_t *head_len);

uint64_t l7_now_us(void);

#endif /* LB_L7_CONN_H */
