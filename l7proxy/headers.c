/* Request and response heads as the proxy forwards them: see headers.h. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "headers.h"
#include "http.h"

static const char *const forwarded_names[] = {
	"x-forwarded-proto", "x-forwarded-for", "x-forwarded-host",
	"x-forwarded-port", "x-forwarded-server", "x-forwarded-uri",
	"x-forwarded-method", "x-forwarded-prefix",
	"x-forwarded-tls-client-cert", "x-forwarded-tls-client-cert-info",
	"x-real-ip", NULL
};

/* Go's ReverseProxy hop-by-hop list (Upgrade and Te handled apart). */
static const char *const hop_names[] = {
	"connection", "proxy-connection", "keep-alive", "proxy-authenticate",
	"proxy-authorization", "te", "trailer", "transfer-encoding",
	"upgrade", "content-length", NULL
};

static bool name_in(const char *name, size_t len, const char *const *list,
		    bool underscore)
{
	size_t i, j;

	for (i = 0; list[i]; i++) {
		const char *w = list[i];

		if (strlen(w) != len)
			continue;
		for (j = 0; j < len; j++) {
			char c = name[j] | 0x20;

			if (underscore && name[j] == '_')
				c = '-';
			if (c != w[j])
				break;
		}
		if (j == len)
			return true;
	}
	return false;
}

bool hdr_is_forwarded(const char *name, size_t len)
{
	return name_in(name, len, forwarded_names, true);
}

const char *hdr_get(const struct hdr *h, size_t n, const char *name,
		    size_t *vlen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (http_name_eq(h[i].name, h[i].nlen, name)) {
			*vlen = h[i].vlen;
			return h[i].val;
		}
	return NULL;
}

/* True if a Connection header of @h lists @name. */
static bool conn_lists(const struct hdr *h, size_t n, const char *name,
		       size_t len)
{
	char tok[128];
	size_t i;

	if (len >= sizeof(tok))
		return false;
	memcpy(tok, name, len);
	tok[len] = '\0';
	for (i = 0; i < n; i++)
		if (http_name_eq(h[i].name, h[i].nlen, "connection") &&
		    http_list_has(h[i].val, h[i].vlen, tok))
			return true;
	return false;
}

static void add_header(struct evbuffer *out, const char *name, size_t nlen,
		       const char *val, size_t vlen)
{
	char canon[256];

	if (nlen < sizeof(canon)) {
		http_canon_name(name, nlen, canon);
		name = canon;
	}
	evbuffer_add(out, name, nlen);
	evbuffer_add(out, ": ", 2);
	evbuffer_add(out, val, vlen);
	evbuffer_add(out, "\r\n", 2);
}

static void add_str(struct evbuffer *out, const char *name, const char *val)
{
	add_header(out, name, strlen(name), val, strlen(val));
}

/* X-Forwarded-For: inbound values folded with ", " (kept only from
 * trusted peers), then the client address.
 */
static void add_xff(struct evbuffer *out, const struct fwd_req *r)
{
	bool first = true;
	size_t i;

	evbuffer_add(out, "X-Forwarded-For: ", 17);
	for (i = 0; r->trusted && i < r->n; i++) {
		if (!http_name_eq(r->h[i].name, r->h[i].nlen, "x-forwarded-for"))
			continue;
		if (!first)
			evbuffer_add(out, ", ", 2);
		evbuffer_add(out, r->h[i].val, r->h[i].vlen);
		first = false;
	}
	if (!first)
		evbuffer_add(out, ", ", 2);
	evbuffer_add_printf(out, "%s\r\n", r->client_ip);
}

static bool has(const struct fwd_req *r, const char *name)
{
	size_t vlen;

	return r->trusted && hdr_get(r->h, r->n, name, &vlen);
}

static void add_forwarded(struct evbuffer *out, const struct fwd_req *r)
{
	const char *port;
	size_t plen;
	char host[512];

	add_xff(out, r);
	if (!has(r, "x-forwarded-host"))
		add_header(out, "X-Forwarded-Host", 16, r->host, r->hostlen);
	if (!has(r, "x-forwarded-port")) {
		if (http_split_host(r->host, r->hostlen, host, sizeof(host),
				    &port, &plen) && port && plen)
			add_header(out, "X-Forwarded-Port", 16, port, plen);
		else
			add_str(out, "X-Forwarded-Port", r->tls ? "443" : "80");
	}
	if (!has(r, "x-forwarded-proto"))
		add_str(out, "X-Forwarded-Proto",
			r->websocket ? (r->tls ? "wss" : "ws") :
				       (r->tls ? "https" : "http"));
	add_str(out, "X-Forwarded-Server", r->server_name);
	if (!has(r, "x-real-ip"))
		add_str(out, "X-Real-Ip", r->client_ip);
}

static void add_target(struct evbuffer *out, const char *t, size_t len)
{
	const char *q;
	size_t i;

	/* absolute-form: forward origin-form (path and query) */
	if (len > 7 && (!strncasecmp(t, "http://", 7) ||
			!strncasecmp(t, "https://", 8))) {
		const char *p = memchr(t + 8, '/', len - 8);

		if (!p) {
			evbuffer_add(out, "/", 1);
			return;
		}
		len -= p - t;
		t = p;
	}
	q = memchr(t, '?', len);
	if (!q) {
		evbuffer_add(out, t, len);
		return;
	}
	evbuffer_add(out, t, q - t + 1);
	/* Traefik rewrites ';' in the query to '&' */
	for (i = q - t + 1; i < len; i++)
		evbuffer_add(out, t[i] == ';' ? "&" : &t[i], 1);
}

int fwd_request_head(struct evbuffer *out, const struct fwd_req *r)
{
	size_t i, vlen;
	const char *v;

	evbuffer_add_printf(out, "%s ", r->method);
	add_target(out, r->target, r->tlen);
	evbuffer_add(out, " HTTP/1.1\r\nHost: ", 17);
	evbuffer_add(out, r->host_out, r->host_outlen);
	evbuffer_add(out, "\r\n", 2);
	for (i = 0; i < r->n; i++) {
		const struct hdr *h = &r->h[i];
		bool fwd = hdr_is_forwarded(h->name, h->nlen);

		if (http_name_eq(h->name, h->nlen, "host"))
			continue;
		if (name_in(h->name, h->nlen, hop_names, false))
			continue;
		if (fwd) {
			/* kept only from trusted peers; X-Forwarded-For and
			 * -Server are always rewritten below */
			if (!r->trusted ||
			    http_name_eq(h->name, h->nlen, "x-forwarded-for") ||
			    http_name_eq(h->name, h->nlen, "x-forwarded-server"))
				continue;
		} else if (conn_lists(r->h, r->n, h->name, h->nlen)) {
			continue;
		}
		add_header(out, h->name, h->nlen, h->val, h->vlen);
	}
	v = hdr_get(r->h, r->n, "te", &vlen);
	if (v && http_list_has(v, vlen, "trailers"))
		add_str(out, "Te", "trailers");
	if (r->upgrade) {
		v = hdr_get(r->h, r->n, "upgrade", &vlen);
		add_str(out, "Connection", "Upgrade");
		if (v)
			add_header(out, "Upgrade", 7, v, vlen);
	}
	add_forwarded(out, r);
	if (r->body == BODY_LENGTH)
		evbuffer_add_printf(out, "Content-Length: %" PRIu64 "\r\n",
				    r->clen);
	else if (r->body == BODY_CHUNKED)
		evbuffer_add(out, "Transfer-Encoding: chunked\r\n", 28);
	if (evbuffer_add(out, "\r\n", 2))
		return -ENOMEM;
	return 0;
}

int fwd_response_head(struct evbuffer *out, const struct fwd_resp *r)
{
	const char *text = http_status_text(r->status);
	size_t i, vlen;
	const char *v;

	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n", r->status,
			    *text ? text : "status code");
	for (i = 0; i < r->n; i++) {
		const struct hdr *h = &r->h[i];

		if (r->keep_clen &&
		    http_name_eq(h->name, h->nlen, "content-length")) {
			add_header(out, h->name, h->nlen, h->val, h->vlen);
			continue;
		}
		if (name_in(h->name, h->nlen, hop_names, false) ||
		    conn_lists(r->h, r->n, h->name, h->nlen))
			continue;
		add_header(out, h->name, h->nlen, h->val, h->vlen);
	}
	if (r->upgrade) {
		v = hdr_get(r->h, r->n, "upgrade", &vlen);
		add_str(out, "Connection", "Upgrade");
		if (v)
			add_header(out, "Upgrade", 7, v, vlen);
	} else if (r->close) {
		add_str(out, "Connection", "close");
	} else if (r->keep_alive_10) {
		add_str(out, "Connection", "keep-alive");
	}
	if (r->body == BODY_LENGTH)
		evbuffer_add_printf(out, "Content-Length: %" PRIu64 "\r\n",
				    r->clen);
	else if (r->body == BODY_CHUNKED)
		evbuffer_add(out, "Transfer-Encoding: chunked\r\n", 28);
	if (evbuffer_add(out, "\r\n", 2))
		return -ENOMEM;
	return 0;
}
