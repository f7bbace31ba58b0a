/* Sending a request's mirror copies (semantics §4): after the main
 * response went to the client, one task per request sends the request to
 * each chosen mirror service in turn, from the same worker, through each
 * mirror's own load balancer and transport, and reads and discards the
 * responses. The task holds the graph snapshot it started with. A failed
 * or stuck mirror only ends its own copy (dial timeout of its transport,
 * and a 60 s cap per copy).
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <http_parser.h>

#include "conn.h"
#include "internal.h"
#include "rule.h"
#include "svc.h"
#include "svc_mirror.h"
#include "upstream.h"

#define MIRROR_CAP_NS (60LL * 1000000000LL)

struct mirror_task {
	struct worker *w;
	struct l7_graph *g;
	struct evbuffer *head;
	struct evbuffer *body;	/* whole body, NULL: none */
	bool chunked;		/* the head says chunked */
	bool head_req;
	struct mirror_req *req;
	size_t next;
	struct upstream *up;
	struct svc_pick pick;
	http_parser rp;
	bool done;
};

void mirror_req_free(struct mirror_req *r)
{
	if (r->body)
		evbuffer_free(r->body);
	free(r);
}

void mirror_req_body(struct mirror_req *r, const char *data, size_t len)
{
	size_t have;

	if (r->too_large || !r->mirror_body)
		return;
	if (!r->body && !(r->body = evbuffer_new())) {
		r->too_large = true;
		return;
	}
	have = evbuffer_get_length(r->body);
	if (r->max_body >= 0 && have + len > (uint64_t)r->max_body) {
		/* Traefik read max_body + 1 bytes: too large, the main
		 * request goes on, nothing is mirrored */
		r->too_large = true;
		evbuffer_free(r->body);
		r->body = NULL;
		return;
	}
	evbuffer_add(r->body, data, len);
}

static void task_next(struct mirror_task *t);

static void task_free(struct mirror_task *t)
{
	upstream_free(t->up);
	svc_pick_release(&t->pick);
	evbuffer_free(t->head);
	mirror_req_free(t->req);
	graph_unref(t->g);
	free(t);
}

static int on_complete(http_parser *p)
{
	struct mirror_task *t = p->data;

	t->done = true;
	http_parser_pause(p, 1);
	return 0;
}

static int on_headers(http_parser *p)
{
	struct mirror_task *t = p->data;

	return t->head_req ? 1 : 0;
}

static const http_parser_settings mirror_settings = {
	.on_headers_complete = on_headers,
	.on_message_complete = on_complete,
};

static void copy_done(struct mirror_task *t, bool reusable)
{
	struct upstream *u = t->up;

	t->up = NULL;
	if (u) {
		upstream_timer(u, 0, NULL, NULL);
		if (reusable)
			upstream_put(u, true);
		else
			upstream_free(u);
	}
	svc_pick_release(&t->pick);
	memset(&t->pick, 0, sizeof(t->pick));
	task_next(t);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct mirror_task *t = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);
	size_t n;

	n = http_parser_execute(&t->rp, &mirror_settings,
				(char *)evbuffer_pullup(in, len), len);
	evbuffer_drain(in, n);
	if (t->done)
		copy_done(t, http_should_keep_alive(&t->rp) &&
			     !evbuffer_get_length(in));
	else if (HTTP_PARSER_ERRNO(&t->rp) != HPE_OK)
		copy_done(t, false);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct mirror_task *t = arg;
	char err[128];

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		if (upstream_connected(t->up, t->pick.lb->transport, err,
				       sizeof(err)))
			copy_done(t, false);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		copy_done(t, false);
}

static void timeout_cb(void *arg)
{
	copy_done(arg, false);
}

static const char *no_header(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return NULL;
}

/* Starts the copy for t->req->to[t->next]. Returns 0, or -1 to skip it. */
static int copy_start(struct mirror_task *t)
{
	struct svc_node *n = t->req->to[t->next];
	struct rule_req rq = { .method = "", .host = "", .path = "/",
			       .query = "", .header = no_header };
	struct evbuffer *out;
	bool reused;
	int status;

	memset(&t->pick, 0, sizeof(t->pick));
	if (n->ops->pick(n, &rq, &t->pick) || !t->pick.server)
		return -1;
	t->up = upstream_get(t->w, t->pick.server, t->pick.lb->transport,
			     &reused, &status);
	if (!t->up)
		return -1;
	out = bufferevent_get_output(t->up->bev);
	evbuffer_add(out, evbuffer_pullup(t->head, -1),
		     evbuffer_get_length(t->head));
	if (t->body && evbuffer_get_length(t->body)) {
		size_t len = evbuffer_get_length(t->body);

		if (t->chunked)
			evbuffer_add_printf(out, "%zx\r\n", len);
		evbuffer_add(out, evbuffer_pullup(t->body, -1), len);
		if (t->chunked)
			evbuffer_add(out, "\r\n", 2);
	}
	if (t->chunked)
		evbuffer_add(out, "0\r\n\r\n", 5);
	http_parser_init(&t->rp, HTTP_RESPONSE);
	t->rp.data = t;
	t->done = false;
	bufferevent_setcb(t->up->bev, read_cb, NULL, event_cb, t);
	bufferevent_enable(t->up->bev, EV_WRITE);
	upstream_read(t->up, true);
	upstream_timer(t->up, MIRROR_CAP_NS, timeout_cb, t);
	return 0;
}

static void task_next(struct mirror_task *t)
{
	while (t->next < t->req->n) {
		int r = copy_start(t);

		t->next++;
		if (!r)
			return;
		svc_pick_release(&t->pick);
	}
	task_free(t);
}

/* Copies the upstream head; @no_body: mirrorBody false on a request with
 * a Content-Length body, whose copies say Content-Length: 0 instead.
 */
static int head_copy(struct evbuffer *dst, struct evbuffer *src,
		     bool no_body)
{
	const char *h = (const char *)evbuffer_pullup(src, -1);
	size_t len = evbuffer_get_length(src);
	const char *cl = no_body ? memmem(h, len, "\r\nContent-Length: ", 18) :
			 NULL;
	const char *end;

	if (!cl)
		return evbuffer_add(dst, h, len);
	cl += 18;
	end = memchr(cl, '\r', len - (cl - h));
	if (!end)
		return -1;
	return evbuffer_add(dst, h, cl - h) || evbuffer_add(dst, "0", 1) ||
	       evbuffer_add(dst, end, len - (end - h));
}

void mirror_dispatch(struct conn *c)
{
	struct mirror_req *r = c->pick.mirror;
	struct mirror_task *t;

	c->pick.mirror = NULL;
	if (r->too_large || !c->reqhead) {
		mirror_req_free(r);
		return;
	}
	t = calloc(1, sizeof(*t));
	if (!t || !(t->head = evbuffer_new())) {
		free(t);
		mirror_req_free(r);
		return;
	}
	t->w = c->w;
	t->g = graph_ref(c->g);
	t->req = r;
	t->body = r->body;
	t->chunked = c->req_body == BODY_CHUNKED;
	t->head_req = c->head_req;
	if (head_copy(t->head, c->reqhead, c->req_body == BODY_LENGTH &&
		      !r->mirror_body)) {
		task_free(t);
		return;
	}
	task_next(t);
}
