/* Backend connections and the idle pool: see upstream.h. */
#include <errno.h>
#include <limits.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>

#include "internal.h"
#include "sockread.h"
#include "transport.h"
#include "upstream.h"

static void ns_to_tv(int64_t ns, struct timeval *tv)
{
	tv->tv_sec = ns / NSEC_PER_SEC;
	tv->tv_usec = (ns % NSEC_PER_SEC) / 1000;
}

static void upstream_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream *u = arg;

	if (u->idle || u->drain) {
		/* idleConnTimeout elapsed, or a drain took too long */
		upstream_free(u);
		return;
	}
	if (u->on_timer)
		u->on_timer(u->arg);
}

void upstream_timer(struct upstream *u, int64_t ns, void (*cb)(void *arg),
		    void *arg)
{
	struct timeval tv;

	u->on_timer = cb;
	u->arg = arg;
	if (ns <= 0) {
		evtimer_del(u->timer);
		return;
	}
	ns_to_tv(ns, &tv);
	evtimer_add(u->timer, &tv);
}

static struct pool_bucket *bucket_find(struct worker *w, const char *key,
				       bool create)
{
	struct pool_bucket *b;

	for (b = w->pool; b; b = b->next)
		if (!strcmp(b->key, key))
			return b;
	if (!create)
		return NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->key = strdup(key);
	if (!b->key) {
		free(b);
		return NULL;
	}
	TAILQ_INIT(&b->idle);
	b->next = w->pool;
	w->pool = b;
	return b;
}

static void idle_unlink(struct upstream *u)
{
	if (!u->idle)
		return;
	TAILQ_REMOVE(&u->bucket->idle, u, link);
	u->bucket->n_idle--;
	u->bucket = NULL;
	u->idle = false;
}

static void drain_unlink(struct upstream *u)
{
	if (!u->drain)
		return;
	TAILQ_REMOVE(&u->w->draining, u, link);
	free(u->drain);
	u->drain = NULL;
}

void upstream_free(struct upstream *u)
{
	if (!u)
		return;
	idle_unlink(u);
	drain_unlink(u);
	sockread_free(u->rd);	/* before the descriptor closes */
	if (u->bev)
		bufferevent_free(u->bev);
	else if (u->ssl)
		SSL_free(u->ssl);
	tls_ref_put(u->tls);
	if (u->timer)
		event_free(u->timer);
	free(u->key);
	free(u);
}

static struct upstream *upstream_dial(struct worker *w,
				      const struct l7_server *s,
				      const struct l7_transport *t,
				      int *status)
{
	struct upstream *u;

	*status = 502;
	if (!s->addrlen)
		return NULL;	/* unresolved host: a DNS error, 502 */
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->w = w;
	u->max_idle = t->max_idle;
	u->idle_timeout = t->idle_timeout;
	u->key = strdup(s->pool_key);
	u->timer = evtimer_new(w->base, upstream_timer_cb, u);
	if (!u->key || !u->timer)
		goto out_free;
	if (s->tls) {
		if (!t->tls || !t->tls->tls) {
			*status = 500;
			goto out_free;
		}
		u->tls = tls_ref_get(t->tls);
		u->ssl = transport_tls_ssl(t->tls->tls, s->host);
		if (!u->ssl) {
			*status = 500;
			goto out_free;
		}
		u->bev = bufferevent_openssl_socket_new(w->base, -1, u->ssl,
				BUFFEREVENT_SSL_CONNECTING,
				BEV_OPT_CLOSE_ON_FREE);
		if (!u->bev)
			goto out_free;
		bufferevent_openssl_set_allow_dirty_shutdown(u->bev, 1);
	} else {
		u->bev = bufferevent_socket_new(w->base, -1,
						BEV_OPT_CLOSE_ON_FREE);
		if (!u->bev)
			goto out_free;
	}
	bufferevent_set_max_single_read(u->bev, 256 * 1024);
	bufferevent_set_max_single_write(u->bev, 256 * 1024);
	if (bufferevent_socket_connect(u->bev, (struct sockaddr *)&s->addr,
				       s->addrlen) < 0)
		goto out_free;
	if (!u->ssl) {
		u->rd = sockread_new(u->bev, 256 * 1024);
		if (!u->rd)
			goto out_free;
	}
	w->up_opened++;
	atomic_fetch_add_explicit(&w->p->up_opened, 1, memory_order_relaxed);
	return u;

out_free:
	upstream_free(u);
	return NULL;
}

struct upstream *upstream_get(struct worker *w, const struct l7_server *s,
			      const struct l7_transport *t, bool *reused,
			      int *status)
{
	struct pool_bucket *b = bucket_find(w, s->pool_key, false);
	struct upstream *u;

	if (b && (u = TAILQ_LAST(&b->idle, upstream_q))) {
		idle_unlink(u);
		evtimer_del(u->timer);
		*reused = true;
		w->up_reused++;
		atomic_fetch_add_explicit(&w->p->up_reused, 1,
					  memory_order_relaxed);
		return u;
	}
	*reused = false;
	return upstream_dial(w, s, t, status);
}

int upstream_connected(struct upstream *u, const struct l7_transport *t,
		       char *err, size_t errlen)
{
	int fd = bufferevent_getfd(u->bev), one = 1;

	u->connected = true;
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (u->ssl && u->tls &&
	    transport_tls_verify_peer(u->tls->tls, u->ssl, err, errlen))
		return 500;
	return 0;
}

int upstream_error_status(struct upstream *u, short what)
{
	int e = errno;

	if (u->ssl) {
		unsigned long ossl = bufferevent_get_openssl_error(u->bev);
		long vr = SSL_get_verify_result(u->ssl);

		/* Go: x509 verification errors are not net errors -> 500;
		 * alerts from the server are (net.OpError) -> 502. */
		if (vr != X509_V_OK && !u->connected)
			return 500;
		while (ossl) {
			if (ERR_GET_REASON(ossl) == SSL_R_CERTIFICATE_VERIFY_FAILED)
				return 500;
			ossl = bufferevent_get_openssl_error(u->bev);
		}
	}
	if (what & BEV_EVENT_TIMEOUT)
		return 504;
	if ((what & BEV_EVENT_ERROR) && e == ETIMEDOUT)
		return 504;
	return 502;
}

static void idle_event_cb(struct bufferevent *bev, short what, void *arg)
{
	upstream_free(arg);
}

static void idle_read_cb(struct bufferevent *bev, void *arg)
{
	/* A backend must not send anything between responses. */
	upstream_free(arg);
}

void upstream_put(struct upstream *u, bool reusable)
{
	struct pool_bucket *b;
	int max = u->max_idle == 0 ? 2 : u->max_idle;
	struct timeval tv;

	evtimer_del(u->timer);
	u->on_timer = NULL;
	if (!reusable || max < 0 || !u->connected ||
	    evbuffer_get_length(bufferevent_get_input(u->bev)) ||
	    evbuffer_get_length(bufferevent_get_output(u->bev)))
		goto out_free;
	b = bucket_find(u->w, u->key, true);
	if (!b || b->n_idle >= max)
		goto out_free;
	u->idle = true;
	u->bucket = b;
	TAILQ_INSERT_TAIL(&b->idle, u, link);
	b->n_idle++;
	bufferevent_setcb(u->bev, idle_read_cb, NULL, idle_event_cb, u);
	upstream_read(u, true);
	if (u->idle_timeout > 0) {
		ns_to_tv(u->idle_timeout, &tv);
		evtimer_add(u->timer, &tv);
	}
	return;

out_free:
	upstream_free(u);
}

static int drain_headers_complete(http_parser *rp)
{
	struct upstream *u = rp->data;

	return u->drain_head ? 1 : 0;	/* a HEAD response has no body */
}

static int drain_message_complete(http_parser *rp)
{
	struct upstream *u = rp->data;

	u->drain_done = true;
	http_parser_pause(rp, 1);
	return 0;
}

static const http_parser_settings drain_settings = {
	.on_headers_complete = drain_headers_complete,
	.on_message_complete = drain_message_complete,
};

static void drain_read_cb(struct bufferevent *bev, void *arg)
{
	struct upstream *u = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_iovec v;
	bool keep;
	size_t n;

	while (!u->drain_done && evbuffer_peek(in, -1, NULL, &v, 1) == 1 &&
	       v.iov_len) {
		n = http_parser_execute(u->drain, &drain_settings, v.iov_base,
					v.iov_len);
		if (HTTP_PARSER_ERRNO(u->drain) != HPE_OK &&
		    HTTP_PARSER_ERRNO(u->drain) != HPE_PAUSED) {
			upstream_free(u);
			return;
		}
		evbuffer_drain(in, n);
	}
	if (!u->drain_done)
		return;
	/* an informational response is not the end: not worth following */
	keep = u->drain->status_code >= 200 && http_should_keep_alive(u->drain);
	drain_unlink(u);
	upstream_put(u, keep);
}

static void drain_event_cb(struct bufferevent *bev, short what, void *arg)
{
	upstream_free(arg);
}

void upstream_drain(struct upstream *u, const http_parser *rp, bool head_req,
		    int64_t ns)
{
	struct timeval tv;

	u->drain = malloc(sizeof(*u->drain));
	if (!u->drain) {
		upstream_free(u);
		return;
	}
	*u->drain = *rp;
	u->drain->data = u;
	u->drain_head = head_req;
	u->drain_done = false;
	TAILQ_INSERT_TAIL(&u->w->draining, u, link);
	u->on_timer = NULL;
	bufferevent_setcb(u->bev, drain_read_cb, NULL, drain_event_cb, u);
	upstream_read(u, true);
	ns_to_tv(ns, &tv);
	evtimer_add(u->timer, &tv);
	if (evbuffer_get_length(bufferevent_get_input(u->bev)))
		drain_read_cb(u->bev, u);
}

size_t upstream_write_now(struct upstream *u, const void *buf, size_t len)
{
	ssize_t n;
	int r;

	if (!u->connected || !len ||
	    evbuffer_get_length(bufferevent_get_output(u->bev)))
		return 0;
	if (!u->ssl) {
		n = send(bufferevent_getfd(u->bev), buf, len,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		return n < 0 ? 0 : (size_t)n;
	}
	ERR_clear_error();
	r = SSL_write(u->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (r > 0)
		return (size_t)r;
	/* want read/write, or a failure libevent's own write will meet
	 * and report */
	ERR_clear_error();
	return 0;
}

void upstream_read(struct upstream *u, bool on)
{
	if (u->rd)
		sockread_set(u->rd, on);
	else if (on)
		bufferevent_enable(u->bev, EV_READ);
	else
		bufferevent_disable(u->bev, EV_READ);
}

bool upstream_reading(const struct upstream *u)
{
	if (u->rd)
		return sockread_on(u->rd);
	return bufferevent_get_enabled(u->bev) & EV_READ;
}

void upstream_pool_flush(struct worker *w)
{
	struct pool_bucket *b, *next;

	for (b = w->pool; b; b = next) {
		next = b->next;
		while (!TAILQ_EMPTY(&b->idle))
			upstream_free(TAILQ_FIRST(&b->idle));
		free(b->key);
		free(b);
	}
	w->pool = NULL;
	while (!TAILQ_EMPTY(&w->draining))
		upstream_free(TAILQ_FIRST(&w->draining));
}
