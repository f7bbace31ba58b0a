/* One HTTP(S) health probe (Traefik's active health check request): a
 * fresh connection per attempt, the request, the status line and headers
 * of the answer, redirects followed like Go's http.Client when asked.
 */
#ifndef LB_AGENT_PROBE_HTTP_H
#define LB_AGENT_PROBE_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "probe.h"

struct cfg_kvlist;
struct event_base;
struct evdns_base;
struct transport_tls;
struct probe_http;

struct probe_http_opts {
	const char *url;		/* absolute probe URL */
	const char *method;		/* upper case */
	const char *host;		/* Host header; NULL: the URL's host */
	const struct cfg_kvlist *headers;	/* set on every request */
	bool follow_redirects;		/* up to 10, final status judged */
	int status;			/* 0: 200-399 is healthy; else exactly */
	int64_t timeout;		/* ns, the whole probe, redirects included */
	int64_t dial_timeout;		/* ns, each connect (+TLS); 0: none */
	int64_t header_timeout;		/* ns, request sent -> headers; 0: none */
	struct transport_tls *tls;	/* client TLS for https; may be NULL */
	const char *tls_error;		/* why @tls is NULL, for https probes */
};

/* Starts a probe. Borrows @o (and everything it points to) until @done
 * runs or the probe is cancelled. Returns NULL with errno set when out of
 * memory; every other failure is a verdict delivered through @done.
 */
struct probe_http *probe_http_start(struct event_base *base,
				    struct evdns_base *dns,
				    const struct probe_http_opts *o,
				    probe_done_fn done, void *arg);

/* Stops @p without calling its callback; NULL-safe. */
void probe_http_cancel(struct probe_http *p);

#endif /* LB_AGENT_PROBE_HTTP_H */
