/* One TCP health probe (probe_tcp.h): the server is up when the connect
 * succeeds, the `send` bytes are written, and the first bytes it answers
 * are exactly `expect`; all within `timeout`.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "probe_tcp.h"

struct probe_tcp {
	const struct probe_tcp_opts *o;
	struct event_base *base;
	probe_done_fn done;
	void *arg;
	struct bufferevent *bev;
	struct event *deadline;
	struct event *finish;
	struct probe_resolver res;
	struct evutil_addrinfo *cur;	/* address being dialled */
	char first_err[400];		/* Go reports the first address's */
	char hostport[80];		/* address being dialled */
	bool connected;
	bool finished;
	bool up;
	char detail[512];
};

static void finish(struct probe_tcp *p, bool up, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void finish(struct probe_tcp *p, bool up, const char *fmt, ...)
{
	va_list ap;

	if (p->finished)
		return;
	p->finished = true;
	p->up = up;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
		va_end(ap);
	}
	if (p->bev) {
		bufferevent_setcb(p->bev, NULL, NULL, NULL, NULL);
		bufferevent_disable(p->bev, EV_READ | EV_WRITE);
	}
	event_del(p->deadline);
	event_active(p->finish, 0, 0);
}

/* @s as a quoted, escaped string of at most about 64 bytes. */
static void quote(const unsigned char *s, size_t n, char *buf, size_t len)
{
	size_t o = 0, i;

	buf[o++] = '"';
	for (i = 0; i < n && i < 64 && o + 6 < len; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\')
			buf[o++] = (char)s[i];
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", s[i]);
	}
	if (i < n && o + 4 < len)
		o += (size_t)snprintf(buf + o, len - o, "...");
	buf[o++] = '"';
	buf[o] = '\0';
}

static void check_answer(struct probe_tcp *p, bool eof)
{
	struct evbuffer *in = bufferevent_get_input(p->bev);
	size_t have = evbuffer_get_length(in), want = p->o->expect_len;
	unsigned char *data;
	char got[300], exp[300];

	if (have < want && !eof)
		return;
	data = evbuffer_pullup(in, -1);
	if (have >= want && !memcmp(data, p->o->expect, want)) {
		finish(p, true, NULL);
		return;
	}
	quote(data, have < want ? have : want, got, sizeof(got));
	quote((const unsigned char *)p->o->expect, want, exp, sizeof(exp));
	if (have < want)
		finish(p, false, "read tcp %s: EOF after %zu of %zu expected bytes (got %s)",
		       p->hostport, have, want, got);
	else
		finish(p, false, "unexpected response from %s: got %s, expected %s",
		       p->hostport, got, exp);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	check_answer(arg, false);
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	struct probe_tcp *p = arg;

	/* everything sent; without an expectation that is the verdict */
	if (!p->o->expect_len)
		finish(p, true, NULL);
}

static void connected(struct probe_tcp *p)
{
	const struct probe_tcp_opts *o = p->o;

	p->connected = true;
	if (!o->send_len && !o->expect_len) {
		finish(p, true, NULL);
		return;
	}
	if (o->expect_len) {
		/* read exactly what is compared; the rest is not our business */
		bufferevent_setwatermark(p->bev, EV_READ, o->expect_len, 0);
		bufferevent_enable(p->bev, EV_READ);
	}
	if (o->send_len) {
		if (bufferevent_write(p->bev, o->send, o->send_len) < 0)
			finish(p, false, "out of memory");
		else
			bufferevent_enable(p->bev, EV_WRITE);
	}
}

static void dial_cur(struct probe_tcp *p);

/* The current address failed with @err: tries the next one, or fails the
 * probe with the first address's error.
 */
static void dial_failed(struct probe_tcp *p, int err)
{
	if (!p->first_err[0])
		probe_dial_error(err, p->hostport, p->first_err,
				 sizeof(p->first_err));
	if (p->bev)
		bufferevent_free(p->bev);
	p->bev = NULL;
	p->cur = p->cur->ai_next;
	if (p->cur)
		dial_cur(p);
	else
		finish(p, false, "%s", p->first_err);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct probe_tcp *p = arg;
	int err = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_CONNECTED)
		connected(p);
	else if (!p->connected)
		dial_failed(p, err);
	else if ((what & BEV_EVENT_EOF) && p->o->expect_len)
		check_answer(p, true);
	else if (what & BEV_EVENT_EOF)
		finish(p, false, "read tcp %s: EOF", p->hostport);
	else
		finish(p, false, "read tcp %s: %s", p->hostport, strerror(err));
}

static void dial_cur(struct probe_tcp *p)
{
	probe_addr_text(p->cur->ai_addr, p->hostport, sizeof(p->hostport));
	p->bev = bufferevent_socket_new(p->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!p->bev) {
		finish(p, false, "cannot create a connection: %s", strerror(errno));
		return;
	}
	bufferevent_setcb(p->bev, read_cb, write_cb, event_cb, p);
	if (bufferevent_socket_connect(p->bev, p->cur->ai_addr,
				       (int)p->cur->ai_addrlen) < 0)
		dial_failed(p, errno);
}

static void on_resolved(void *arg)
{
	struct probe_tcp *p = arg;
	char why[400];

	if (p->res.err || !p->res.list) {
		probe_lookup_error(&p->res, why, sizeof(why));
		finish(p, false, "%s", why);
		return;
	}
	p->cur = p->res.list;
	dial_cur(p);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct probe_tcp *p = arg;

	if (!p->connected)
		finish(p, false, "dial tcp %s: i/o timeout", p->hostport);
	else
		finish(p, false, "read tcp %s: i/o timeout", p->hostport);
}

static void on_finish(evutil_socket_t fd, short what, void *arg)
{
	struct probe_tcp *p = arg;

	if (p->bev)
		bufferevent_free(p->bev);
	p->bev = NULL;
	probe_resolver_clear(&p->res);
	p->done(p->arg, p->up, p->up ? NULL : p->detail);
	event_free(p->deadline);
	event_free(p->finish);
	free(p);
}

struct probe_tcp *probe_tcp_start(struct event_base *base,
				  struct evdns_base *dns,
				  const struct probe_tcp_opts *o,
				  probe_done_fn done, void *arg)
{
	struct probe_tcp *p = calloc(1, sizeof(*p));
	struct timeval tv;

	if (!p)
		return NULL;
	p->o = o;
	p->base = base;
	p->done = done;
	p->arg = arg;
	snprintf(p->hostport, sizeof(p->hostport), "%s", o->host);
	p->deadline = evtimer_new(base, on_deadline, p);
	p->finish = event_new(base, -1, 0, on_finish, p);
	if (!p->deadline || !p->finish ||
	    probe_resolve(&p->res, base, dns, o->host, o->port, on_resolved, p)) {
		probe_tcp_cancel(p);
		errno = ENOMEM;
		return NULL;
	}
	probe_tv(o->timeout, &tv);
	event_add(p->deadline, &tv);
	return p;
}

void probe_tcp_cancel(struct probe_tcp *p)
{
	if (!p)
		return;
	if (p->bev)
		bufferevent_free(p->bev);
	probe_resolver_clear(&p->res);
	if (p->deadline)
		event_free(p->deadline);
	if (p->finish)
		event_free(p->finish);
	free(p);
}
