/* Client connections: request heads and bodies through http_parser,
 * limits and smuggling checks, routing, keep-alive, pipelining (one
 * request at a time: the next head is parsed once the response is done),
 * timeouts. The backend side is relay.c. See conn.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "conn.h"
#include "errors.h"
#include "internal.h"
#include "rule.h"
#include "svc.h"
#include "svc_mirror.h"
#include "sockread.h"
#include "upstream.h"

static void conn_process(struct conn *c);

uint64_t l7_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void timer_ms(struct conn *c, int64_t ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(c->timer, &tv);
}

void conn_read(struct conn *c, bool on)
{
	sockread_set(c->rd, on);
}

void conn_want_write(struct conn *c)
{
	if (!(bufferevent_get_enabled(c->bev) & EV_WRITE))
		bufferevent_enable(c->bev, EV_WRITE);
}

/* The last response is out: half-close and discard what the client still
 * sends for a moment, so unread input does not turn our close into a
 * reset that destroys the response in flight (lingering close). With
 * nothing unread, in our buffer or the socket's (at most the client's
 * FIN), a close cannot reset: the connection ends now (HAProxy's way; it
 * saves a read and a wakeup each). Returns true when it did: @c is gone.
 * Called only where @c may be freed (a callback's last step).
 */
static bool conn_linger(struct conn *c)
{
	int fd = bufferevent_getfd(c->bev);
	ssize_t n;
	char b;

	if (!evbuffer_get_length(bufferevent_get_input(c->bev))) {
		n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == EAGAIN)) {
			/* close() sends the FIN itself: no shutdown() */
			conn_free(c);
			return true;
		}
	}
	shutdown(fd, SHUT_WR);
	c->lingering = true;
	timer_ms(c, 2000);
	return false;
}

/* Flushes what is queued for the client, then frees @c (from the loop,
 * never from inside a callback chain that still uses it).
 */
static void conn_close_soon(struct conn *c)
{
	relay_deferred_flush(c);	/* the last response goes out first */
	c->state = C_CLOSING;
	conn_read(c, true);
	/* the write callback lingers once the output is out; an empty
	 * output lingers from the loop (the timer), not from inside the
	 * caller's chain, which still uses @c
	 */
	timer_ms(c, evbuffer_get_length(bufferevent_get_output(c->bev)) ?
		 30000 : 0);
}

static void request_finish(struct conn *c);

void conn_free(struct conn *c)
{
	if (c->g && !c->resp_done) {
		/* The client left with a request in flight: Traefik logs
		 * 499 Client Closed Request. */
		c->status = 499;
		request_finish(c);
	}
	/* what the pass still held: the answer to a client that half-closed
	 * after its request, the request of an abandoned response */
	relay_deferred_flush(c);
	relay_abandon(c);
	graph_unref(c->g);
	if (c->reqhead)
		evbuffer_free(c->reqhead);
	if (c->stage)
		evbuffer_free(c->stage);
	LIST_REMOVE(c, link);
	event_free(c->timer);
	sockread_free(c->rd);	/* before the descriptor closes */
	bufferevent_free(c->bev);
	free(c);
}

void conn_close_all(struct worker *w)
{
	while (!LIST_EMPTY(&w->conns))
		conn_free(LIST_FIRST(&w->conns));
}

static void log_request(struct conn *c, uint64_t dur_us)
{
	char line[1024], ts[64];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	/* Traefik's Common Log Format */
	n = snprintf(line, sizeof(line),
		     "%s - - [%s] \"%s %s HTTP/1.%d\" %d %llu \"%s\" \"%s\" %llu \"%s\" \"%s\" %llums\n",
		     c->client_ip, ts, c->log_method, c->log_target,
		     c->http10 ? 0 : 1, c->status,
		     (unsigned long long)c->bytes_out,
		     c->log_referer[0] ? c->log_referer : "-",
		     c->log_ua[0] ? c->log_ua : "-",
		     (unsigned long long)atomic_fetch_add(&c->p->requests, 1) + 1,
		     c->router ? c->router->name : "-",
		     c->pick.server ? c->pick.server->url : "-",
		     (unsigned long long)(dur_us / 1000));
	if (n > 0)
		access_log_write(c->p, line, (size_t)n < sizeof(line) ?
				 (size_t)n : sizeof(line) - 1);
}

/* Accounting for the finished request; the conn is ready for the next. */
static void request_finish(struct conn *c)
{
	uint64_t dur = l7_now_us() - c->t0_us;
	int i;

	if (c->in_flight) {
		if (c->router)
			stats_inflight(c->router->stats, -1);
		if (c->pick.lb)
			stats_inflight(c->pick.lb->node.stats, -1);
		if (c->pick.server)
			stats_inflight(c->pick.server->stats, -1);
		for (i = 0; i < c->pick.n_via; i++)
			stats_inflight(c->pick.via[i]->stats, -1);
	}
	if (c->router)
		stats_record(c->router->stats, c->status, c->bytes_in,
			     c->bytes_out, dur);
	if (c->pick.lb)
		stats_record(c->pick.lb->node.stats, c->status, c->bytes_in,
			     c->bytes_out, dur);
	if (c->pick.server)
		stats_record(c->pick.server->stats, c->status, c->bytes_in,
			     c->bytes_out, dur);
	for (i = 0; i < c->pick.n_via; i++)
		stats_record(c->pick.via[i]->stats, c->status, c->bytes_in,
			     c->bytes_out, dur);
	if (c->p->access_log && c->t0_us)
		log_request(c, dur);
	if (c->pick.lb)
		svc_server_result(c->pick.lb, c->pick.server, c->status);
	if (c->pick.mirror && c->resp_done && c->req_done &&
	    c->status != 499)
		mirror_dispatch(c);
	svc_pick_release(&c->pick);
	graph_unref(c->g);
	c->g = NULL;
	c->router = NULL;
	memset(&c->pick, 0, sizeof(c->pick));
	c->in_flight = false;
	c->t0_us = 0;
	if (c->reqhead) {
		evbuffer_free(c->reqhead);
		c->reqhead = NULL;
	}
}

void conn_request_done(struct conn *c)
{
	request_finish(c);
	if (c->state == C_CLOSING || c->state == C_TUNNEL)
		return;
	if (c->close_after || !c->keep_alive) {
		conn_close_soon(c);
		return;
	}
	c->state = C_HEAD;
	c->n_hdrs = 0;
	c->url = NULL;
	timer_ms(c, c->p->lim.idle_timeout_ms);
	c->timer_head = false;
}

void conn_fail(struct conn *c, int status, int kind)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	upstream_free(c->up);
	c->up = NULL;
	c->status = status;
	relay_flush(c);
	if (c->resp_started) {
		/* Too late for an error response: cut the connection so the
		 * client sees a truncated message. */
		c->resp_done = true;
		c->req_done = true;
		c->close_after = true;
		conn_request_done(c);
		conn_close_soon(c);
		return;
	}
	if (!c->req_done && c->req_body != BODY_NONE)
		c->close_after = true;
	if (kind == L7_ERR_SERVER)
		c->close_after = true;
	l7_error_response(out, status, kind, c->close_after ||
			  !c->keep_alive);
	conn_want_write(c);
	c->bytes_out += 0;
	c->resp_started = true;
	c->resp_done = true;
	if (c->req_done || c->close_after) {
		c->req_done = true;
		conn_request_done(c);
	}
}

/* ---- request parser callbacks ------------------------------------------- */

static int on_url(http_parser *hp, const char *at, size_t len)
{
	struct conn *c = hp->data;

	if (!c->url)
		c->url = at;
	c->url_len = at + len - c->url;
	return 0;
}

int conn_hdr_field(http_parser *hp, const char *at, size_t len)
{
	struct conn *c = hp->data;
	struct hdr *h;

	if (c->n_hdrs && !c->hdr_value) {
		h = &c->hdrs[c->n_hdrs - 1];
		h->nlen = at + len - h->name;
		return 0;
	}
	if (c->n_hdrs >= L7_MAX_HEADERS) {
		c->too_many = true;
		return -1;
	}
	h = &c->hdrs[c->n_hdrs++];
	h->name = at;
	h->nlen = len;
	h->val = at + len;
	h->vlen = 0;
	c->hdr_value = false;
	return 0;
}

int conn_hdr_value(http_parser *hp, const char *at, size_t len)
{
	struct conn *c = hp->data;
	struct hdr *h = &c->hdrs[c->n_hdrs - 1];

	if (!c->hdr_value) {
		h->val = at;
		h->vlen = len;
	} else {
		h->vlen = at + len - h->val;
	}
	c->hdr_value = true;
	return 0;
}

/* The header callbacks borrow the pulled-up head; the byte after each
 * name, value and the target is a delimiter the parser has consumed, so
 * it becomes a NUL and every field is a C string.
 */
static void terminate_fields(struct conn *c)
{
	size_t i;

	for (i = 0; i < c->n_hdrs; i++) {
		((char *)c->hdrs[i].name)[c->hdrs[i].nlen] = '\0';
		((char *)c->hdrs[i].val)[c->hdrs[i].vlen] = '\0';
	}
	if (c->url)
		((char *)c->url)[c->url_len] = '\0';
}

static const char *rule_header(void *ctx, const char *name)
{
	struct conn *c = ctx;
	size_t vlen;

	return hdr_get(c->hdrs, c->n_hdrs, name, &vlen);
}

/* Refuses request smuggling and malformed framing: returns 0 or 400/501. */
static int check_framing(struct conn *c)
{
	int n_cl = 0, n_te = 0, n_host = 0;
	size_t i;

	for (i = 0; i < c->n_hdrs; i++) {
		const struct hdr *h = &c->hdrs[i];

		if (http_name_eq(h->name, h->nlen, "content-length"))
			n_cl++;
		else if (http_name_eq(h->name, h->nlen, "host"))
			n_host++;
		else if (http_name_eq(h->name, h->nlen, "transfer-encoding")) {
			n_te++;
			if (h->vlen != 7 || strncasecmp(h->val, "chunked", 7))
				return c->http10 ? 400 : 501;
		}
	}
	if (n_te && n_cl)
		return 400;
	if (n_cl > 1 || n_te > 1 || n_host > 1)
		return 400;
	if (!n_host && !c->http10)
		return 400;
	if (n_te)
		c->req_body = BODY_CHUNKED;
	else if (n_cl && c->req_p.content_length > 0)
		c->req_body = BODY_LENGTH;
	else if (n_cl)
		c->req_body = BODY_LENGTH;
	else
		c->req_body = BODY_NONE;
	return 0;
}

static void log_fields(struct conn *c)
{
	size_t vlen;
	const char *v;

	snprintf(c->log_method, sizeof(c->log_method), "%s",
		 http_method_str(c->req_p.method));
	snprintf(c->log_target, sizeof(c->log_target), "%s",
		 c->url ? c->url : "");
	v = hdr_get(c->hdrs, c->n_hdrs, "user-agent", &vlen);
	snprintf(c->log_ua, sizeof(c->log_ua), "%s", v ? v : "");
	v = hdr_get(c->hdrs, c->n_hdrs, "referer", &vlen);
	snprintf(c->log_referer, sizeof(c->log_referer), "%s", v ? v : "");
}

static bool ip_trusted(const struct l7_ep *ep, const char *ip)
{
	unsigned char a[16];
	size_t i;
	int fam = strchr(ip, ':') ? AF_INET6 : AF_INET;

	if (ep->fwd_insecure)
		return true;
	if (inet_pton(fam, ip, a) != 1)
		return false;
	for (i = 0; i < ep->n_trusted; i++) {
		const struct l7_cidr *n = &ep->trusted[i];
		int bits = n->bits, k;

		if (n->family != fam)
			continue;
		for (k = 0; bits >= 8; k++, bits -= 8)
			if (a[k] != n->addr[k])
				break;
		if (bits >= 8)
			continue;
		if (!bits || !((a[k] ^ n->addr[k]) & (0xff << (8 - bits))))
			return true;
	}
	return false;
}

/* The Prometheus endpoint of metrics.prometheus.entryPoint. */
static void serve_metrics(struct conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct evbuffer *body = evbuffer_new();

	if (!body) {
		conn_fail(c, 500, L7_ERR_PROXY);
		return;
	}
	relay_flush(c);	/* a pipelined response before this one */
	proxy_prom(c->p, body);
	c->status = 200;
	c->bytes_out = evbuffer_get_length(body);
	if (!c->req_done && c->req_body != BODY_NONE)
		c->close_after = true;
	evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
			    "Content-Type: text/plain; version=0.0.4\r\n"
			    "Content-Length: %zu\r\n%s\r\n",
			    evbuffer_get_length(body),
			    c->close_after || !c->keep_alive ?
			    "Connection: close\r\n" : "");
	evbuffer_add_buffer(out, body);
	evbuffer_free(body);
	conn_want_write(c);
	c->resp_started = true;
	c->resp_done = true;
	if (c->close_after) {
		c->req_done = true;
		conn_request_done(c);
	}
}

/* Routes the request and starts it on a backend. Returns 0, or the status
 * for a server refusal (the parser stops).
 */
static int request_start(struct conn *c, const char *path,
			 const char *query, const char *host)
{
	struct rule_req rq = {
		.method = http_method_str(c->req_p.method),
		.host = host,
		.path = path,
		.query = query,
		.header = rule_header,
		.ctx = c,
		.client_ip = c->client_ip,
	};
	const struct l7_transport *t;
	int status, i;

	c->g = proxy_graph(c->p);
	if (c->p->eps[c->ep].metrics && !strcmp(path, "/metrics")) {
		serve_metrics(c);
		return 0;
	}
	c->router = graph_route(c->g, c->ep, &rq);
	if (!c->router) {
		conn_fail(c, 404, L7_ERR_NOT_FOUND);
		return 0;
	}
	status = c->router->svc->ops->pick(c->router->svc, &rq, &c->pick);
	if (status) {
		int kind = c->pick.unavailable ? L7_ERR_UNAVAILABLE :
			   status == 503 ? L7_ERR_NO_SERVER : L7_ERR_PROXY;

		svc_pick_release(&c->pick);
		memset(&c->pick, 0, sizeof(c->pick));
		conn_fail(c, status, kind);
		return 0;
	}
	c->in_flight = true;
	stats_inflight(c->router->stats, 1);
	stats_inflight(c->pick.lb->node.stats, 1);
	stats_inflight(c->pick.server->stats, 1);
	for (i = 0; i < c->pick.n_via; i++)
		stats_inflight(c->pick.via[i]->stats, 1);
	t = c->pick.lb->transport;
	c->up = upstream_get(c->w, c->pick.server, t, &c->up_reused, &status);
	if (!c->up) {
		conn_fail(c, status, L7_ERR_PROXY);
		return 0;
	}
	return -1;	/* go on: the caller builds the upstream head */
}

/* Splits the request target into the decoded path and the raw query
 * (without '?'), both NUL-terminated in @buf (room for 2 * url_len + 4).
 * Returns 0 or 400.
 */
static int split_target(struct conn *c, char *buf, const char **path,
			const char **query)
{
	struct http_parser_url u;
	char *q;

	http_parser_url_init(&u);
	if (!c->url || http_parser_parse_url(c->url, c->url_len, 0, &u))
		return 400;
	*path = buf;
	if (u.field_set & (1 << UF_PATH)) {
		long dl = http_pct_decode(c->url + u.field_data[UF_PATH].off,
					  u.field_data[UF_PATH].len, buf);

		if (dl < 0)
			return 400;
		q = buf + dl + 1;
	} else {
		strcpy(buf, "/");
		q = buf + 2;
	}
	*query = q;
	q[0] = '\0';
	if (u.field_set & (1 << UF_QUERY)) {
		memcpy(q, c->url + u.field_data[UF_QUERY].off,
		       u.field_data[UF_QUERY].len);
		q[u.field_data[UF_QUERY].len] = '\0';
	}
	return 0;
}

/* Builds the head the backend gets into c->reqhead. Returns 0 or -ENOMEM. */
static int upstream_head(struct conn *c, const char *hv, size_t hlen)
{
	struct fwd_req r = {
		.method = http_method_str(c->req_p.method),
		.target = c->url,
		.tlen = c->url_len,
		.h = c->hdrs,
		.n = c->n_hdrs,
		.host = hv,
		.hostlen = hlen,
		.client_ip = c->client_ip,
		.server_name = c->p->hostname,
		.trusted = ip_trusted(&c->p->eps[c->ep], c->client_ip),
		.upgrade = c->upgrade,
		.body = c->req_body,
		.clen = c->req_p.content_length,
		.host_out = hv,
		.host_outlen = hlen,
	};
	const char *upg;
	size_t vlen;

	upg = hdr_get(c->hdrs, c->n_hdrs, "upgrade", &vlen);
	r.websocket = upg && http_list_has(upg, vlen, "websocket");
	/* passHostHeader false, or an HTTP/1.0 request without Host: Go
	 * sends the server URL's host */
	if (!c->pick.lb->pass_host || !hlen) {
		r.host_out = c->pick.server->hostport;
		r.host_outlen = strlen(r.host_out);
	}
	c->reqhead = evbuffer_new();
	if (!c->reqhead || fwd_request_head(c->reqhead, &r))
		return -ENOMEM;
	return 0;
}

/* A complete request head: checks, routing, and the start of forwarding.
 * Returns 0 (also after an error response was queued) or the status of a
 * server refusal.
 */
static int request_head(struct conn *c)
{
	const char *hv, *port, *path, *query;
	size_t hlen = 0, plen;
	char host[256], *buf;
	int status;

	terminate_fields(c);
	c->http10 = c->req_p.http_major == 1 && c->req_p.http_minor == 0;
	c->keep_alive = http_should_keep_alive(&c->req_p);
	c->head_req = c->req_p.method == HTTP_HEAD;
	c->upgrade = c->req_p.upgrade;
	if (c->p->access_log)	/* fixed when the proxy is built */
		log_fields(c);
	status = check_framing(c);
	if (status)
		return status;
	if (c->req_p.method == HTTP_CONNECT)
		return 501;
	hv = hdr_get(c->hdrs, c->n_hdrs, "host", &hlen);
	if (!hv)
		hv = "";
	if (!http_split_host(hv, hlen, host, sizeof(host), &port, &plen))
		return 400;
	buf = malloc(2 * c->url_len + 4);
	if (!buf)
		return 500;
	status = split_target(c, buf, &path, &query);
	if (!status)
		status = request_start(c, path, query, host);
	free(buf);
	if (status >= 0)
		return status;
	if (upstream_head(c, hv, hlen)) {
		conn_fail(c, 500, L7_ERR_PROXY);
		return 0;
	}
	relay_start(c);
	return 0;
}

static int on_headers_complete(http_parser *hp)
{
	struct conn *c = hp->data;
	int status = request_head(c);

	if (status) {
		c->stop = status;
		return -1;
	}
	return 0;
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
	struct conn *c = hp->data;

	c->bytes_in += len;
	if (c->pick.mirror)
		mirror_req_body(c->pick.mirror, at, len);
	if (c->up)
		relay_body(c, at, len);
	return 0;
}

/* The whole request is in: its read timeout stops. */
static void request_read(struct conn *c)
{
	c->req_done = true;
	if (c->timer_head) {
		evtimer_del(c->timer);
		c->timer_head = false;
	}
}

static int on_message_complete(http_parser *hp)
{
	struct conn *c = hp->data;

	request_read(c);
	if (c->up)
		relay_body_end(c);
	http_parser_pause(hp, 1);
	return 0;
}

static const http_parser_settings req_settings = {
	.on_url = on_url,
	.on_header_field = conn_hdr_field,
	.on_header_value = conn_hdr_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

/* ---- the client read loop ------------------------------------------------ */

static void request_reset(struct conn *c)
{
	http_parser_init(&c->req_p, HTTP_REQUEST);
	c->req_p.data = c;
	c->n_hdrs = 0;
	c->hdr_value = false;
	c->too_many = false;
	c->url = NULL;
	c->url_len = 0;
	c->stop = 0;
	c->up_reused = false;
	c->retried = false;
	c->keep_alive = false;
	c->head_req = false;
	c->upgrade = false;
	c->req_body = BODY_NONE;
	c->req_done = false;
	c->resp_head_done = false;
	c->resp_started = false;
	c->resp_done = false;
	c->resp_body = BODY_NONE;
	c->status = 0;
	c->bytes_in = 0;
	c->bytes_out = 0;
	c->t0_us = l7_now_us();
}

int conn_head_pull(struct evbuffer *in, const struct head_limits *lim,
		   char **buf, size_t *head_len)
{
	size_t len = evbuffer_get_length(in), cap = lim->max_head + 1;
	size_t want = len < 4096 ? len : 4096;
	int r;

	for (;;) {
		*buf = (char *)evbuffer_pullup(in, want);
		r = http_head_scan(*buf, want, lim, head_len);
		if (r != 1 || want == len || want >= cap)
			return r;
		want = len < cap ? len : cap;
	}
}

/* Parses one request head from the input. Returns true to go on. */
static bool process_head(struct conn *c, struct evbuffer *in)
{
	size_t len = evbuffer_get_length(in), head_len = 0, n;
	const struct head_limits *lim = &c->p->lim.head;
	char *buf;
	int r;

	if (!len)
		return false;
	r = conn_head_pull(in, lim, &buf, &head_len);
	if (r == 1) {
		if (!c->timer_head) {
			c->timer_head = true;
			timer_ms(c, c->p->lim.read_timeout_ms);
		}
		return false;
	}
	/* readTimeout covers the whole request: the timer started with the
	 * head's first bytes runs on until the body is read */
	if (!c->timer_head) {
		c->timer_head = true;
		timer_ms(c, c->p->lim.read_timeout_ms);
	}
	request_reset(c);
	c->state = C_BODY;
	if (r) {
		c->http10 = false;
		conn_fail(c, r, L7_ERR_SERVER);
		return false;
	}
	n = http_parser_execute(&c->req_p, &req_settings, buf, head_len);
	if (c->stop) {
		conn_fail(c, c->stop, L7_ERR_SERVER);
		return false;
	}
	if (HTTP_PARSER_ERRNO(&c->req_p) != HPE_OK &&
	    HTTP_PARSER_ERRNO(&c->req_p) != HPE_PAUSED) {
		conn_fail(c, 400, L7_ERR_SERVER);
		return false;
	}
	(void)n;
	evbuffer_drain(in, head_len);
	if (c->state == C_CLOSING || c->state == C_HEAD)
		return false;
	if (c->req_done)
		c->state = C_WAIT;
	if (c->resp_done)
		conn_request_done(c);
	return c->state == C_BODY || c->state == C_HEAD;
}

/* Feeds request body bytes. Returns true to go on. */
static bool process_body(struct conn *c, struct evbuffer *in)
{
	struct evbuffer_iovec v;
	size_t n;

	if (c->req_body == BODY_LENGTH) {
		/* as relay.c does for responses: move, no parsing */
		uint64_t left = c->req_p.content_length;

		n = evbuffer_get_length(in);
		if (!n)
			return false;
		if (n > left)
			n = (size_t)left;
		if (c->pick.mirror && !c->pick.mirror->too_large &&
		    c->pick.mirror->mirror_body)
			mirror_req_body(c->pick.mirror,
					(const char *)evbuffer_pullup(in, n), n);
		if (c->up)
			evbuffer_remove_buffer(in,
				bufferevent_get_output(c->up->bev), n);
		else
			evbuffer_drain(in, n);
		c->req_p.content_length -= n;
		c->bytes_in += n;
		if (!c->req_p.content_length) {
			request_read(c);
			if (c->up)
				relay_body_end(c);
			c->state = C_WAIT;
			if (c->resp_done)
				conn_request_done(c);
		}
		return true;
	}
	if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || !v.iov_len)
		return false;
	n = http_parser_execute(&c->req_p, &req_settings, v.iov_base,
				v.iov_len);
	if (HTTP_PARSER_ERRNO(&c->req_p) != HPE_OK &&
	    HTTP_PARSER_ERRNO(&c->req_p) != HPE_PAUSED) {
		evbuffer_drain(in, n);
		c->close_after = true;
		conn_fail(c, 400, L7_ERR_SERVER);
		return false;
	}
	evbuffer_drain(in, n);
	if (c->req_done) {
		c->state = C_WAIT;
		if (c->resp_done)
			conn_request_done(c);
	}
	return true;
}

static void conn_process(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	for (;;) {
		switch (c->state) {
		case C_HEAD:
			if (!process_head(c, in))
				return;
			break;
		case C_BODY:
			/* backpressure: the backend reads slower than we do */
			if (c->up && evbuffer_get_length(
				bufferevent_get_output(c->up->bev)) >
			    c->p->lim.buf_high) {
				conn_read(c, false);
				return;
			}
			if (!process_body(c, in))
				return;
			break;
		case C_WAIT:
			/* pipelined requests wait for this response */
			if (evbuffer_get_length(in) > c->p->lim.buf_high)
				conn_read(c, false);
			return;
		case C_TUNNEL:
		case C_CLOSING:
			return;
		}
	}
}

void conn_resume(struct conn *c)
{
	if (c->state == C_CLOSING || c->state == C_TUNNEL)
		return;
	conn_read(c, true);
	conn_process(c);
}

static void client_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->state == C_CLOSING) {
		struct evbuffer *in = bufferevent_get_input(bev);

		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	conn_process(c);
}

static void client_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->state == C_CLOSING) {
		if (!c->lingering &&
		    !evbuffer_get_length(bufferevent_get_output(bev)))
			conn_linger(c);
		return;
	}
	relay_client_drained(c);
}

static void client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	/* EOF or error from the client: whatever is in flight is abandoned
	 * (recorded as 499 by conn_free). */
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(c);
}

static void conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (c->state == C_CLOSING && !c->lingering &&
	    !evbuffer_get_length(bufferevent_get_output(c->bev))) {
		conn_linger(c);		/* from conn_close_soon() */
		return;
	}
	if (c->state == C_CLOSING || !c->timer_head) {
		conn_free(c);
		return;
	}
	c->timer_head = false;
	if (c->state != C_HEAD) {
		/* the body did not arrive in time */
		conn_fail(c, 408, L7_ERR_SERVER);
		return;
	}
	/* a partial head did not complete in time */
	request_reset(c);
	c->t0_us = 0;
	l7_error_response(bufferevent_get_output(c->bev), 408, L7_ERR_SERVER,
			  true);
	conn_want_write(c);
	conn_close_soon(c);
}

void conn_accept(struct worker *w, int ep, int fd, const struct sockaddr *sa,
		 int salen)
{
	struct conn *c;
	int one = 1;

	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->w = w;
	c->p = w->p;
	c->ep = ep;
	if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)sa)->sin6_addr))
		inet_ntop(AF_INET,
			  &((struct sockaddr_in6 *)sa)->sin6_addr.s6_addr[12],
			  c->client_ip, sizeof(c->client_ip));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr,
			  c->client_ip, sizeof(c->client_ip));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr,
			  c->client_ip, sizeof(c->client_ip));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(w->base, conn_timer_cb, c);
	c->stage = evbuffer_new();
	if (c->bev)
		c->rd = sockread_new(c->bev, c->p->lim.buf_high);
	if (!c->bev || !c->timer || !c->stage || !c->rd) {
		sockread_free(c->rd);
		if (c->stage)
			evbuffer_free(c->stage);
		if (c->bev)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->timer)
			event_free(c->timer);
		free(c);
		return;
	}
	LIST_INSERT_HEAD(&w->conns, c, link);
	/* libevent writes 16 KiB per syscall by default: a 64 KiB response
	 * would take four loop iterations (reads: sockread.h) */
	bufferevent_set_max_single_write(c->bev, 256 * 1024);
	c->state = C_HEAD;
	bufferevent_setcb(c->bev, client_read_cb, client_write_cb,
			  client_event_cb, c);
	conn_read(c, true);
	timer_ms(c, c->p->lim.idle_timeout_ms);
}
