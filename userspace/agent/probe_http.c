/* One HTTP(S) health probe (probe_http.h).
 *
 * Behaves as Traefik's health check request through Go's http.Client: a
 * request without body, Host from `hostname` or the URL, the configured
 * headers (canonical names, Go's User-Agent unless one is configured), the
 * verdict taken from the status line once the headers are in (the body is
 * never read, as Traefik closes it unread). Redirects (301, 302, 303, 307,
 * 308 with a Location) are followed as Go does: at most 10, 301-303 turn
 * other methods into GET, a custom Host survives only relative Locations,
 * credentials are dropped for another domain. Each attempt uses a fresh
 * connection: a probe every few seconds gains nothing from keep-alive and
 * a fresh dial is what detects a dead server.
 *
 * Responses are parsed with libhttp-parser.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <http_parser.h>
#include <openssl/ssl.h>

#include "config_types.h"
#include "probe_http.h"
#include "transport.h"
#include "urlref.h"

#define MAX_REDIRECTS	10

struct probe_http {
	struct event_base *base;
	struct evdns_base *dns;
	const struct probe_http_opts *o;
	probe_done_fn done;
	void *arg;

	struct event *deadline;		/* the whole probe */
	struct event *phase;		/* dial, then response headers */
	struct event *finish;		/* delivers the verdict */
	struct bufferevent *bev;
	bool tls;
	bool connected;
	struct probe_resolver res;
	struct evutil_addrinfo *cur;	/* address being dialled */
	char first_err[400];		/* Go reports the first address's */

	struct urlref first;		/* the configured URL */
	struct urlref url;		/* this attempt's */
	char method[32];
	char host[320];			/* Host header of this attempt */
	char hostport[80];		/* address being dialled, for errors */
	int redirects;

	http_parser parser;
	char field[32];			/* current header name, truncated */
	size_t field_len;
	bool in_value;
	bool in_location;
	char location[URLREF_MAX];
	size_t loc_len;
	bool headers_done;

	bool finished;			/* verdict known, delivery pending */
	bool up;
	char detail[1024];
};

static void finish(struct probe_http *p)
{
	p->finished = true;
	if (p->bev) {
		bufferevent_setcb(p->bev, NULL, NULL, NULL, NULL);
		bufferevent_disable(p->bev, EV_READ | EV_WRITE);
	}
	event_del(p->deadline);
	event_del(p->phase);
	event_active(p->finish, 0, 0);
}

/* Fails the probe with Go's url.Error wording: `Get "URL": reason`. */
__attribute__((format(printf, 2, 3)))
static void fail(struct probe_http *p, const char *fmt, ...)
{
	char url[URLREF_MAX * 2 + 300], why[768], op[32];
	va_list ap;
	size_t i;

	if (p->finished)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* urlErrorOp: "GET" -> "Get" */
	snprintf(op, sizeof(op), "%s", p->o->method);
	for (i = 1; op[i]; i++)
		op[i] = (char)tolower((unsigned char)op[i]);
	urlref_format(&p->url, url, sizeof(url));
	snprintf(p->detail, sizeof(p->detail),
		 "HTTP request failed: %s \"%.400s\": %.500s", op, url, why);
	p->up = false;
	finish(p);
}

static void verdict(struct probe_http *p, int status)
{
	const struct probe_http_opts *o = p->o;

	if (p->finished)
		return;
	p->up = o->status ? status == o->status :
		status >= 200 && status < 400;
	if (p->up)
		p->detail[0] = '\0';
	else if (o->status)
		snprintf(p->detail, sizeof(p->detail),
			 "received error status code: %d expected status code: %d",
			 status, o->status);
	else
		snprintf(p->detail, sizeof(p->detail),
			 "received error status code: %d", status);
	finish(p);
}

/* ---- the request -------------------------------------------------------- */

/* Go's textproto.CanonicalMIMEHeaderKey, for token names. */
static void canonical_name(const char *in, char *out, size_t len)
{
	bool upper = true;
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++) {
		char c = in[i];

		if (c == ' ' || c == ':' || (unsigned char)c < 0x21) {
			snprintf(out, len, "%s", in);	/* left as written */
			return;
		}
		out[i] = upper ? (char)toupper((unsigned char)c) :
			 (char)tolower((unsigned char)c);
		upper = c == '-';
	}
	out[i] = '\0';
}

static bool sensitive(const char *name)
{
	return !strcasecmp(name, "Authorization") ||
	       !strcasecmp(name, "Www-Authenticate") ||
	       !strcasecmp(name, "Cookie") || !strcasecmp(name, "Cookie2");
}

/* Go keeps credentials on a redirect to the same domain or a subdomain. */
static bool same_domain(const char *dst, const char *initial)
{
	size_t d = strlen(dst), i = strlen(initial);

	if (!strcasecmp(dst, initial))
		return true;
	return d > i && dst[d - i - 1] == '.' && !strcasecmp(dst + d - i, initial);
}

static bool has_header(const struct cfg_kvlist *h, const char *name)
{
	size_t i;

	for (i = 0; h && i < h->n; i++)
		if (!strcasecmp(h->v[i].key, name))
			return true;
	return false;
}

static int write_request(struct probe_http *p)
{
	const struct cfg_kvlist *h = p->o->headers;
	struct evbuffer *out = bufferevent_get_output(p->bev);
	bool keep_creds = same_domain(p->url.host, p->first.host);
	char uri[URLREF_MAX * 2 + 2], name[128];
	size_t i;
	int err = 0;

	urlref_request_uri(&p->url, uri, sizeof(uri));
	err |= evbuffer_add_printf(out, "%s %s HTTP/1.1\r\nHost: %s\r\n",
				   p->method, uri, p->host) < 0;
	if (!has_header(h, "User-Agent"))
		err |= evbuffer_add_printf(out, "User-Agent: Go-http-client/1.1\r\n") < 0;
	for (i = 0; h && i < h->n; i++) {
		const char *k = h->v[i].key, *v = h->v[i].value ? h->v[i].value : "";

		/* Go sends req.Host, never a Host header; no header injection */
		if (!strcasecmp(k, "Host") || strpbrk(k, "\r\n") ||
		    strpbrk(v, "\r\n") || (!keep_creds && sensitive(k)))
			continue;
		canonical_name(k, name, sizeof(name));
		err |= evbuffer_add_printf(out, "%s: %s\r\n", name, v) < 0;
	}
	if (!strcmp(p->method, "POST") || !strcmp(p->method, "PUT") ||
	    !strcmp(p->method, "PATCH"))
		err |= evbuffer_add_printf(out, "Content-Length: 0\r\n") < 0;
	if (strcmp(p->method, "HEAD") && !has_header(h, "Accept-Encoding"))
		err |= evbuffer_add_printf(out, "Accept-Encoding: gzip\r\n") < 0;
	err |= evbuffer_add(out, "\r\n", 2) < 0;
	return err ? -ENOMEM : 0;
}

/* ---- the response ------------------------------------------------------- */

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
	struct probe_http *p = hp->data;
	size_t n;

	if (p->in_value) {
		p->in_value = false;
		p->field_len = 0;
	}
	n = len < sizeof(p->field) - 1 - p->field_len ?
	    len : sizeof(p->field) - 1 - p->field_len;
	memcpy(p->field + p->field_len, at, n);
	p->field_len += n;
	p->field[p->field_len] = '\0';
	return 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
	struct probe_http *p = hp->data;

	if (!p->in_value) {
		p->in_value = true;
		/* the first Location wins, as Header.Get does */
		p->in_location = !strcasecmp(p->field, "Location") &&
				 !p->loc_len;
	}
	if (p->in_location && p->loc_len + len < sizeof(p->location)) {
		memcpy(p->location + p->loc_len, at, len);
		p->loc_len += len;
		p->location[p->loc_len] = '\0';
	}
	return 0;
}

static int on_headers_complete(http_parser *hp)
{
	struct probe_http *p = hp->data;

	/* Go's client skips informational answers (100 Continue, 103 Early
	 * Hints) and waits for the final one; 101 would be final.
	 */
	if (hp->status_code / 100 == 1 && hp->status_code != 101) {
		p->loc_len = 0;
		p->location[0] = '\0';
		return 0;
	}
	p->headers_done = true;
	http_parser_pause(hp, 1);
	return 1;	/* no body wanted */
}

static const http_parser_settings parser_settings = {
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
};

static bool is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 ||
	       status == 307 || status == 308;
}

static void attempt(struct probe_http *p);

static void follow(struct probe_http *p, int status)
{
	struct urlref next;
	bool abs = urlref_is_abs(p->location);

	if (urlref_resolve(&p->url, p->location, &next)) {
		fail(p, "failed to parse Location header \"%s\"", p->location);
		return;
	}
	if (++p->redirects > MAX_REDIRECTS) {
		p->url = next;
		fail(p, "stopped after %d redirects", MAX_REDIRECTS);
		return;
	}
	if (status <= 303 && strcmp(p->method, "GET") && strcmp(p->method, "HEAD"))
		snprintf(p->method, sizeof(p->method), "GET");
	/* Go: a custom Host header survives relative redirects only */
	if (!(p->o->host && !abs))
		urlref_authority(&next, p->host, sizeof(p->host));
	p->url = next;
	bufferevent_free(p->bev);
	p->bev = NULL;
	attempt(p);
}

static void headers_in(struct probe_http *p)
{
	int status = p->parser.status_code;

	if (p->o->follow_redirects && is_redirect(status) && p->loc_len)
		follow(p, status);
	else
		verdict(p, status);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct probe_http *p = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in), used;
	enum http_errno e;
	char *data;

	data = (char *)evbuffer_pullup(in, (ev_ssize_t)len);
	used = http_parser_execute(&p->parser, &parser_settings, data, len);
	evbuffer_drain(in, used);
	if (p->headers_done) {
		headers_in(p);
		return;
	}
	e = HTTP_PARSER_ERRNO(&p->parser);
	if (e != HPE_OK)
		fail(p, "net/http: HTTP/1.x transport connection broken: malformed HTTP response (%s)",
		     http_errno_description(e));
}

/* ---- connection --------------------------------------------------------- */

static void connected(struct probe_http *p)
{
	char err[512];
	struct timeval tv;

	p->connected = true;
	event_del(p->phase);
	if (p->tls && transport_tls_verify_peer(p->o->tls,
						bufferevent_openssl_get_ssl(p->bev),
						err, sizeof(err))) {
		fail(p, "%s", err);
		return;
	}
	if (write_request(p)) {
		fail(p, "out of memory");
		return;
	}
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	if (p->o->header_timeout > 0) {
		probe_tv(p->o->header_timeout, &tv);
		event_add(p->phase, &tv);
	}
}

static void dial_cur(struct probe_http *p);

/* The current address failed with @err: tries the next one, or fails the
 * probe with the first address's error.
 */
static void dial_failed(struct probe_http *p, int err)
{
	if (!p->first_err[0])
		probe_dial_error(err, p->hostport, p->first_err,
				 sizeof(p->first_err));
	event_del(p->phase);
	if (p->bev)
		bufferevent_free(p->bev);
	p->bev = NULL;
	p->cur = p->cur->ai_next;
	if (p->cur)
		dial_cur(p);
	else
		fail(p, "%s", p->first_err);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct probe_http *p = arg;
	int err = EVUTIL_SOCKET_ERROR();
	char why[512];

	if (what & BEV_EVENT_CONNECTED) {
		connected(p);
	} else if (!p->connected && p->tls &&
		   bufferevent_get_openssl_error(bev)) {
		/* the dial worked, the handshake did not: no other address */
		transport_tls_error(bufferevent_openssl_get_ssl(bev), why,
				    sizeof(why));
		while (bufferevent_get_openssl_error(bev))
			;
		fail(p, "%s", why);
	} else if (!p->connected) {
		dial_failed(p, err);
	} else if (what & BEV_EVENT_EOF) {
		fail(p, "EOF");
	} else {
		fail(p, "read tcp %s: %s", p->hostport, strerror(err));
	}
}

static void on_phase(evutil_socket_t fd, short what, void *arg)
{
	struct probe_http *p = arg;

	if (!p->connected)
		dial_failed(p, ETIMEDOUT);
	else
		fail(p, "net/http: timeout awaiting response headers");
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	fail(arg, "context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
}

static struct bufferevent *new_bev(struct probe_http *p)
{
	const struct probe_http_opts *o = p->o;
	SSL *ssl;

	if (!p->tls)
		return bufferevent_socket_new(p->base, -1, BEV_OPT_CLOSE_ON_FREE);
	ssl = o->tls ? transport_tls_ssl(o->tls, p->url.host) : NULL;
	if (!ssl)
		return NULL;
	return bufferevent_openssl_socket_new(p->base, -1, ssl,
					      BUFFEREVENT_SSL_CONNECTING,
					      BEV_OPT_CLOSE_ON_FREE);
}

/* Dials p->cur; the rest follows from the callbacks. */
static void dial_cur(struct probe_http *p)
{
	struct timeval tv;

	probe_addr_text(p->cur->ai_addr, p->hostport, sizeof(p->hostport));
	p->bev = new_bev(p);
	if (!p->bev) {
		fail(p, "cannot create a connection: %s", strerror(errno));
		return;
	}
	bufferevent_setcb(p->bev, read_cb, NULL, event_cb, p);
	if (p->o->dial_timeout > 0) {
		probe_tv(p->o->dial_timeout, &tv);
		event_add(p->phase, &tv);
	}
	if (bufferevent_socket_connect(p->bev, p->cur->ai_addr,
				       (int)p->cur->ai_addrlen) < 0)
		dial_failed(p, errno);
}

static void on_resolved(void *arg)
{
	struct probe_http *p = arg;
	char why[512];

	if (p->res.err || !p->res.list) {
		probe_lookup_error(&p->res, why, sizeof(why));
		fail(p, "%s", why);
		return;
	}
	p->cur = p->res.list;
	dial_cur(p);
}

/* Resolves and connects for the current URL. */
static void attempt(struct probe_http *p)
{
	const char *s = p->url.scheme;

	http_parser_init(&p->parser, HTTP_RESPONSE);
	p->parser.data = p;
	p->field_len = p->loc_len = 0;
	p->in_value = p->in_location = p->headers_done = p->connected = false;
	p->location[0] = p->first_err[0] = '\0';
	event_del(p->phase);	/* a redirect: the last attempt's header timer */
	probe_resolver_clear(&p->res);
	if (strcmp(s, "http") && strcmp(s, "https") && strcmp(s, "h2c")) {
		fail(p, "unsupported protocol scheme \"%s\"", s);
		return;
	}
	p->tls = !strcmp(s, "https");
	if (p->tls && !p->o->tls) {
		fail(p, "%s", p->o->tls_error ? p->o->tls_error :
		     "no TLS client configuration");
		return;
	}
	if (probe_resolve(&p->res, p->base, p->dns, p->url.host,
			  urlref_port(&p->url), on_resolved, p))
		fail(p, "out of memory");
}

static void on_finish(evutil_socket_t fd, short what, void *arg)
{
	struct probe_http *p = arg;

	if (p->bev)
		bufferevent_free(p->bev);
	p->bev = NULL;
	probe_resolver_clear(&p->res);
	p->done(p->arg, p->up, p->up ? NULL : p->detail);
	event_free(p->deadline);
	event_free(p->phase);
	event_free(p->finish);
	free(p);
}

struct probe_http *probe_http_start(struct event_base *base,
				    struct evdns_base *dns,
				    const struct probe_http_opts *o,
				    probe_done_fn done, void *arg)
{
	struct probe_http *p = calloc(1, sizeof(*p));
	struct timeval tv;

	if (!p)
		return NULL;
	p->base = base;
	p->dns = dns;
	p->o = o;
	p->done = done;
	p->arg = arg;
	p->deadline = evtimer_new(base, on_deadline, p);
	p->phase = evtimer_new(base, on_phase, p);
	p->finish = event_new(base, -1, 0, on_finish, p);
	if (!p->deadline || !p->phase || !p->finish) {
		probe_http_cancel(p);
		errno = ENOMEM;
		return NULL;
	}
	snprintf(p->method, sizeof(p->method), "%s", o->method);
	if (urlref_parse(o->url, &p->url)) {
		fail(p, "invalid URL");
		return p;
	}
	p->first = p->url;
	if (o->host)
		snprintf(p->host, sizeof(p->host), "%s", o->host);
	else
		urlref_authority(&p->url, p->host, sizeof(p->host));
	probe_tv(o->timeout, &tv);
	event_add(p->deadline, &tv);
	attempt(p);
	return p;
}

void probe_http_cancel(struct probe_http *p)
{
	if (!p)
		return;
	if (p->bev)
		bufferevent_free(p->bev);
	probe_resolver_clear(&p->res);
	if (p->deadline)
		event_free(p->deadline);
	if (p->phase)
		event_free(p->phase);
	if (p->finish)
		event_free(p->finish);
	free(p);
}
