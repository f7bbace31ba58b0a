/* What a request looks like when it reaches the backend, and what the
 * response looks like when it reaches the client (traefik-semantics.md
 * §6.1): forwarded headers (X-Forwarded-*, X-Real-Ip, with untrusted
 * inbound copies removed), hop-by-hop headers removed in both directions,
 * passHostHeader, and message framing. Pure: writes into an evbuffer.
 */
#ifndef LB_L7_HEADERS_H
#define LB_L7_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/* One header line as received; both strings point into the message. */
struct hdr {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
};

enum body_framing {
	BODY_NONE,		/* no body */
	BODY_LENGTH,		/* Content-Length */
	BODY_CHUNKED,		/* Transfer-Encoding: chunked */
	BODY_CLOSE,		/* until the connection closes (responses) */
};

struct fwd_req {
	const char *method;
	const char *target;	/* request-target as received */
	size_t tlen;
	const struct hdr *h;
	size_t n;
	const char *host;	/* Host header value, "" if none */
	size_t hostlen;
	const char *client_ip;
	const char *server_name;	/* X-Forwarded-Server */
	bool trusted;		/* keep inbound forwarded headers */
	bool upgrade;		/* forward Connection: Upgrade + Upgrade */
	bool websocket;		/* X-Forwarded-Proto ws */
	bool tls;		/* client connection is TLS */
	const char *host_out;	/* Host sent upstream (passHostHeader) */
	size_t host_outlen;
	enum body_framing body;
	uint64_t clen;
};

/* Writes the request line and head for the backend. Returns 0 or -ENOMEM. */
int fwd_request_head(struct evbuffer *out, const struct fwd_req *r);

struct fwd_resp {
	int status;
	const struct hdr *h;
	size_t n;
	enum body_framing body;	/* framing towards the client */
	uint64_t clen;
	bool keep_clen;		/* HEAD/304: pass Content-Length unchanged */
	bool close;		/* send Connection: close */
	bool keep_alive_10;	/* HTTP/1.0 client keeping the connection */
	bool upgrade;		/* 101: keep Upgrade, Connection: Upgrade */
};

/* Writes the status line and head for the client. Returns 0 or -ENOMEM. */
int fwd_response_head(struct evbuffer *out, const struct fwd_resp *r);

/* True for headers Traefik manages (X-Forwarded-*, X-Real-Ip, with '-' or
 * '_'), which are removed from untrusted clients.
 */
bool hdr_is_forwarded(const char *name, size_t len);

/* First value of header @name in @h, or NULL (length in *@vlen). */
const char *hdr_get(const struct hdr *h, size_t n, const char *name,
		    size_t *vlen);

#endif /* LB_L7_HEADERS_H */
