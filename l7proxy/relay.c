/* The backend side of a request: sending the head and body, parsing the
 * response with http_parser, streaming it to the client with the right
 * framing, error mapping, the one retry Go's transport makes on a reused
 * connection that turns out closed, and WebSocket/Upgrade tunnels.
 */
#include <inttypes.h>
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "conn.h"
#include "errors.h"
#include "internal.h"
#include "svc.h"
#include "upstream.h"

static void up_read_cb(struct bufferevent *bev, void *arg);
static void up_write_cb(struct bufferevent *bev, void *arg);
static void up_event_cb(struct bufferevent *bev, short what, void *arg);

static const struct head_limits resp_limits = {
	.max_line = 64 * 1024,
	.max_head = 64 * 1024,
	.max_headers = L7_MAX_HEADERS - 1,
};

static const struct l7_transport *transport(const struct conn *c)
{
	return c->pick.lb->transport;
}

static void timeout_cb(void *arg)
{
	/* dialTimeout or responseHeaderTimeout: a net timeout, 504 */
	conn_fail(arg, 504, L7_ERR_PROXY);
}

static void arm_rh_timer(struct conn *c)
{
	int64_t ns = transport(c)->rh_timeout;

	if (c->up && c->up->connected && c->req_done && !c->resp_head_done &&
	    ns > 0)
		upstream_timer(c->up, ns, timeout_cb, c);
}

static void send_head(struct conn *c)
{
	struct upstream *u = c->up;
	struct evbuffer *out = bufferevent_get_output(u->bev);
	size_t len = evbuffer_get_length(c->reqhead);
	const char *head = (const char *)evbuffer_pullup(c->reqhead, -1);
	size_t n;

	/* on an idle pooled connection the head usually fits the socket
	 * buffer: sent directly at the end of this loop pass (nothing can
	 * follow a bodiless request), otherwise now, without arming
	 * libevent's write event either way */
	if (u->connected && c->req_body == BODY_NONE &&
	    !evbuffer_get_length(out)) {
		c->head_deferred = true;
		relay_defer(c);
	} else {
		c->head_deferred = false;
		n = upstream_write_now(u, head, len);
		if ((size_t)n < len)
			evbuffer_add(out, head + n, len - n);
	}
	bufferevent_setcb(u->bev, up_read_cb, up_write_cb, up_event_cb, c);
	bufferevent_setwatermark(u->bev, EV_WRITE, c->p->lim.buf_high / 2, 0);
	upstream_read(u, true);
	/* enabling EV_WRITE re-arms the write event even with nothing to
	 * write: only when it is off (a new connection) */
	if (!(bufferevent_get_enabled(u->bev) & EV_WRITE))
		bufferevent_enable(u->bev, EV_WRITE);
	http_parser_init(&c->resp_p, HTTP_RESPONSE);
	c->resp_p.data = c;
	u->requests++;
	if (!u->connected && transport(c)->dial_timeout > 0)
		upstream_timer(u, transport(c)->dial_timeout, timeout_cb, c);
}

void relay_start(struct conn *c)
{
	send_head(c);
	if (c->req_body == BODY_NONE || c->req_done)
		arm_rh_timer(c);
}

void relay_body(struct conn *c, const char *data, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->up->bev);

	if (c->req_body == BODY_CHUNKED) {
		evbuffer_add_printf(out, "%zx\r\n", len);
		evbuffer_add(out, data, len);
		evbuffer_add(out, "\r\n", 2);
	} else {
		evbuffer_add(out, data, len);
	}
}

void relay_body_end(struct conn *c)
{
	if (c->req_body == BODY_CHUNKED)
		evbuffer_add(bufferevent_get_output(c->up->bev),
			     "0\r\n\r\n", 5);
	arm_rh_timer(c);
}

/* ---- tunnels (101 Switching Protocols) ------------------------------------ */

static void tunnel_maybe_free(struct conn *c)
{
	if (!c->close_after)
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) ||
	    (c->up && evbuffer_get_length(bufferevent_get_output(c->up->bev))))
		return;
	conn_free(c);
}

/* Reading the client (@bev is c->bev) or the backend side of a tunnel. */
static void side_read(struct conn *c, struct bufferevent *bev, bool on)
{
	if (bev == c->bev)
		conn_read(c, on);
	else
		upstream_read(c->up, on);
}

static void tunnel_pipe(struct bufferevent *from, struct bufferevent *to,
			struct conn *c)
{
	struct evbuffer *out = bufferevent_get_output(to);

	evbuffer_add_buffer(out, bufferevent_get_input(from));
	if (evbuffer_get_length(out) > c->p->lim.buf_high)
		side_read(c, from, false);
}

static void tun_client_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	c->bytes_in += evbuffer_get_length(bufferevent_get_input(bev));
	tunnel_pipe(bev, c->up->bev, c);
}

static void tun_up_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	c->bytes_out += evbuffer_get_length(bufferevent_get_input(bev));
	tunnel_pipe(bev, c->bev, c);
}

static void tun_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->close_after) {
		tunnel_maybe_free(c);
		return;
	}
	/* the other side may read again */
	side_read(c, bev == c->bev ? c->up->bev : c->bev, true);
}

static void tun_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	c->close_after = true;
	conn_read(c, false);
	upstream_read(c->up, false);
	tunnel_maybe_free(c);
}

static void tunnel_start(struct conn *c)
{
	upstream_timer(c->up, 0, NULL, NULL);
	relay_flush(c);
	c->state = C_TUNNEL;
	c->resp_done = true;
	c->req_done = true;
	conn_request_done(c);	/* accounting: the 101 is the response */
	evbuffer_add_buffer(bufferevent_get_output(c->bev),
			    bufferevent_get_input(c->up->bev));
	evbuffer_add_buffer(bufferevent_get_output(c->up->bev),
			    bufferevent_get_input(c->bev));
	bufferevent_setcb(c->bev, tun_client_read, tun_write, tun_event, c);
	bufferevent_setcb(c->up->bev, tun_up_read, tun_write, tun_event, c);
	bufferevent_enable(c->bev, EV_WRITE);
	bufferevent_enable(c->up->bev, EV_WRITE);
	conn_read(c, true);
	upstream_read(c->up, true);
}

/* ---- response parser callbacks ------------------------------------------- */

static enum body_framing resp_framing(struct conn *c, int status)
{
	const http_parser *rp = &c->resp_p;

	if (c->head_req || status == 204 || status == 304)
		return BODY_NONE;
	if (!(rp->flags & F_CHUNKED) && rp->content_length != ULLONG_MAX)
		return BODY_LENGTH;
	/* unknown length: chunked to HTTP/1.1 clients, close-delimited
	 * to HTTP/1.0 ones */
	return c->http10 ? BODY_CLOSE : BODY_CHUNKED;
}

static int on_resp_headers_complete(http_parser *rp)
{
	struct conn *c = rp->data;
	int status = rp->status_code;
	struct fwd_resp r = { 0 };

	upstream_timer(c->up, 0, NULL, NULL);
	if (status >= 100 && status < 200 && status != 101) {
		/* informational (100 Continue, 103): relayed as is */
		evbuffer_add_printf(c->stage,
				    "HTTP/1.1 %d %s\r\n\r\n", status,
				    http_status_text(status));
		c->resp_1xx = true;
		return 0;
	}
	c->status = status;
	r.status = status;
	r.h = c->hdrs;
	r.n = c->n_hdrs;
	r.upgrade = status == 101 && c->upgrade;
	r.body = r.upgrade ? BODY_NONE : resp_framing(c, status);
	r.clen = rp->content_length;
	r.keep_clen = c->head_req || status == 304;
	if (!c->req_done || r.body == BODY_CLOSE)
		c->close_after = true;
	r.close = !r.upgrade && (c->close_after || !c->keep_alive);
	r.keep_alive_10 = c->http10 && c->keep_alive;
	r.extra = c->pick.set_cookie;
	c->resp_body = r.body;
	fwd_response_head(c->stage, &r);
	c->resp_head_done = true;
	c->resp_started = true;
	return c->head_req ? 1 : 0;
}

static int on_resp_body(http_parser *rp, const char *at, size_t len)
{
	struct conn *c = rp->data;
	struct evbuffer *out = c->stage;

	c->bytes_out += len;
	if (c->resp_body == BODY_CHUNKED) {
		evbuffer_add_printf(out, "%zx\r\n", len);
		evbuffer_add(out, at, len);
		evbuffer_add(out, "\r\n", 2);
	} else {
		evbuffer_add(out, at, len);
	}
	return 0;
}

static int on_resp_message_complete(http_parser *rp)
{
	struct conn *c = rp->data;

	if (!c->resp_1xx)
		c->resp_done = true;
	http_parser_pause(rp, 1);
	return 0;
}

static const http_parser_settings resp_settings = {
	.on_header_field = conn_hdr_field,
	.on_header_value = conn_hdr_value,
	.on_headers_complete = on_resp_headers_complete,
	.on_body = on_resp_body,
	.on_message_complete = on_resp_message_complete,
};

/* ---- response flow --------------------------------------------------------- */

void relay_flush(struct conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (!evbuffer_get_length(c->stage))
		return;
	/* Written here, while the client socket has nothing queued, the bytes
	 * never wake libevent's write event: two epoll_ctl calls fewer per
	 * response. What the socket does not take is queued as usual. */
	if (!evbuffer_get_length(out))
		evbuffer_write(c->stage, bufferevent_getfd(c->bev));
	if (evbuffer_get_length(c->stage)) {
		evbuffer_add_buffer(out, c->stage);
		conn_want_write(c);
	}
}

/* A response held at most this long for the end of the pass. */
#define DEFER_MAX	(64 * 1024)

void relay_defer(struct conn *c)
{
	if (c->flush_queued)
		return;
	c->flush_queued = true;
	TAILQ_INSERT_TAIL(&c->w->flushq, c, flush_link);
}

void relay_deferred_flush(struct conn *c)
{
	struct upstream *u = c->up;

	if (!c->flush_queued)
		return;
	TAILQ_REMOVE(&c->w->flushq, c, flush_link);
	c->flush_queued = false;
	if (c->head_deferred && u && c->reqhead) {
		size_t len = evbuffer_get_length(c->reqhead);
		const char *head = (const char *)evbuffer_pullup(c->reqhead,
								 -1);
		size_t n = upstream_write_now(u, head, len);

		if (n < len)
			evbuffer_add(bufferevent_get_output(u->bev), head + n,
				     len - n);
	}
	c->head_deferred = false;
	relay_flush(c);
}

void relay_flush_pass(struct worker *w)
{
	while (!TAILQ_EMPTY(&w->flushq))
		relay_deferred_flush(TAILQ_FIRST(&w->flushq));
}

static void response_done(struct conn *c)
{
	struct upstream *u = c->up;
	bool reusable;

	if (c->resp_body == BODY_CHUNKED)
		evbuffer_add(c->stage, "0\r\n\r\n", 5);
	/* a whole small response waits for the end of the pass while
	 * nothing is queued before it; relay_flush() and conn_close_soon()
	 * write it earlier when something must follow it at once */
	if (!evbuffer_get_length(bufferevent_get_output(c->bev)) &&
	    evbuffer_get_length(c->stage) <= DEFER_MAX)
		relay_defer(c);
	else
		relay_flush(c);
	reusable = c->req_done && http_should_keep_alive(&c->resp_p) &&
		   !evbuffer_get_length(bufferevent_get_input(u->bev));
	c->up = NULL;
	upstream_put(u, reusable);
	if (!c->req_done) {
		/* the backend answered before the body ended: stop here */
		c->req_done = true;
		c->close_after = true;
	}
	c->state = C_WAIT;
	conn_request_done(c);
	conn_resume(c);
}

/* Parses a response head. Returns 1 to go on, 0 to wait, -1 when @c may be
 * gone or finished.
 */
static int read_head(struct conn *c, struct evbuffer *in)
{
	size_t head_len = 0;
	char *buf;
	int r;

	r = conn_head_pull(in, &resp_limits, &buf, &head_len);
	if (r == 1)
		return 0;
	if (r) {
		conn_fail(c, 502, L7_ERR_PROXY);
		return -1;
	}
	c->n_hdrs = 0;
	c->hdr_value = false;
	c->resp_1xx = false;
	http_parser_execute(&c->resp_p, &resp_settings, buf, head_len);
	if (HTTP_PARSER_ERRNO(&c->resp_p) != HPE_OK &&
	    HTTP_PARSER_ERRNO(&c->resp_p) != HPE_PAUSED) {
		conn_fail(c, 502, L7_ERR_PROXY);
		return -1;
	}
	evbuffer_drain(in, head_len);
	if (c->resp_1xx) {
		http_parser_init(&c->resp_p, HTTP_RESPONSE);
		c->resp_p.data = c;
		return 1;
	}
	if (c->status == 101 && c->upgrade) {
		tunnel_start(c);
		return -1;
	}
	if (c->resp_done) {
		response_done(c);
		return -1;
	}
	return 1;
}

/* A Content-Length body needs no parsing: its buffers move to the client
 * as they are (no copy). http_parser counts content_length down the same
 * way, so the parser is bypassed only for the body.
 */
static void move_length_body(struct conn *c, struct evbuffer *in)
{
	uint64_t left = c->resp_p.content_length;
	size_t n = evbuffer_get_length(in);

	if (n > left)
		n = (size_t)left;
	evbuffer_remove_buffer(in, c->stage, n);
	c->resp_p.content_length -= n;
	c->bytes_out += n;
	if (!c->resp_p.content_length)
		c->resp_done = true;
}

static void up_read(struct bufferevent *bev, struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	while (evbuffer_get_length(in)) {
		struct evbuffer_iovec v;
		size_t n;

		if (!c->resp_head_done) {
			int r = read_head(c, in);

			if (r <= 0)
				return;
			continue;
		}
		if (c->resp_body == BODY_LENGTH) {
			move_length_body(c, in);
			if (c->resp_done) {
				response_done(c);
				return;
			}
			goto check_backpressure;
		}
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			return;
		n = http_parser_execute(&c->resp_p, &resp_settings,
					v.iov_base, v.iov_len);
		if (HTTP_PARSER_ERRNO(&c->resp_p) != HPE_OK &&
		    HTTP_PARSER_ERRNO(&c->resp_p) != HPE_PAUSED) {
			conn_fail(c, 502, L7_ERR_PROXY);
			return;
		}
		evbuffer_drain(in, n);
		if (c->resp_done) {
			response_done(c);
			return;
		}
check_backpressure:
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) +
		    evbuffer_get_length(c->stage) > c->p->lim.buf_high) {
			upstream_read(c->up, false);
			return;
		}
	}
}

static void up_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	for (;;) {
		up_read(bev, c);
		if (!c->flush_queued)	/* else at the end of the pass */
			relay_flush(c);
		if (!c->up || c->up->bev != bev || upstream_reading(c->up))
			return;
		/* up_read() paused the backend; if the direct write took it
		 * all, no write callback will resume it: go on here */
		if (evbuffer_get_length(bufferevent_get_output(c->bev)))
			return;
		upstream_read(c->up, true);
		if (!evbuffer_get_length(bufferevent_get_input(bev)))
			return;
	}
}

static void up_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	/* the backend took request body bytes: read more from the client */
	if (c->state == C_BODY)
		conn_resume(c);
}

/* A reused idle connection that the backend had already closed: retry
 * once on a new one, as Go's transport does for requests without a body.
 */
static bool retry(struct conn *c)
{
	int status;

	if (!svc_retry_other(c) &&
	    (!c->up_reused || c->retried || c->resp_head_done ||
	     c->req_body != BODY_NONE))
		return false;
	c->retried = true;
	upstream_free(c->up);
	c->up = upstream_get(c->w, c->pick.server, transport(c),
			     &c->up_reused, &status);
	if (!c->up) {
		conn_fail(c, status, L7_ERR_PROXY);
		return true;
	}
	send_head(c);
	arm_rh_timer(c);
	return true;
}

static void up_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	char err[256];
	int status;

	if (what & BEV_EVENT_CONNECTED) {
		upstream_timer(c->up, 0, NULL, NULL);
		status = upstream_connected(c->up, transport(c), err,
					    sizeof(err));
		if (status) {
			conn_fail(c, status, L7_ERR_PROXY);
			return;
		}
		arm_rh_timer(c);
		return;
	}
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	if (evbuffer_get_length(bufferevent_get_input(bev))) {
		up_read_cb(bev, c);
		if (c->up != NULL && c->up->bev != bev)
			return;
		if (!c->up)
			return;
	}
	if ((what & BEV_EVENT_EOF) && c->resp_head_done && !c->resp_done) {
		/* a close-delimited body ends here */
		http_parser_execute(&c->resp_p, &resp_settings, NULL, 0);
		if (c->resp_done) {
			response_done(c);
			return;
		}
	}
	if (retry(c))
		return;
	status = upstream_error_status(c->up, what);
	conn_fail(c, status, L7_ERR_PROXY);
}

/* How long an abandoned response may take to end, and how much of a known
 * length is worth reading rather than a new connection. */
#define DRAIN_NS	(5 * NSEC_PER_SEC)
#define DRAIN_MAX	(1024 * 1024)

void relay_abandon(struct conn *c)
{
	struct upstream *u = c->up;
	const http_parser *rp = &c->resp_p;

	c->up = NULL;
	if (!u)
		return;
	if (!u->connected || !c->req_done || c->upgrade ||
	    c->state == C_TUNNEL || c->resp_1xx)
		goto out_free;
	if (c->resp_head_done &&
	    (!http_should_keep_alive(rp) ||
	     (!(rp->flags & F_CHUNKED) && rp->content_length > DRAIN_MAX)))
		goto out_free;
	upstream_drain(u, rp, c->head_req, DRAIN_NS);
	return;

out_free:
	upstream_free(u);
}

void relay_client_drained(struct conn *c)
{
	if (!c->up || c->state == C_CLOSING || c->state == C_TUNNEL ||
	    upstream_reading(c->up))
		return;
	upstream_read(c->up, true);
	/* bytes read before the pause wait in the input: no new readiness
	 * event will announce them */
	if (evbuffer_get_length(bufferevent_get_input(c->up->bev)))
		up_read_cb(c->up->bev, c);
}
