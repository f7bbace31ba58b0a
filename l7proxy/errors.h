/* Responses the proxy writes itself, byte-compatible with Traefik's
 * (traefik-semantics.md §6.2): router miss, empty pool, backend errors,
 * and the HTTP server's own refusals (bad request, limits).
 */
#ifndef LB_L7_ERRORS_H
#define LB_L7_ERRORS_H

#include <stdbool.h>

struct evbuffer;

/* Which body Traefik writes for a status. */
enum l7_err_kind {
	L7_ERR_PROXY,		/* reverse-proxy error: body = status text */
	L7_ERR_NOT_FOUND,	/* no router: "404 page not found\n" */
	L7_ERR_NO_SERVER,	/* empty pool: "no available server\n" */
	L7_ERR_SERVER,		/* request refused by the HTTP server */
};

/* Appends a complete response with status @status to @out; @close adds
 * Connection: close.
 */
void l7_error_response(struct evbuffer *out, int status,
		       enum l7_err_kind kind, bool close);

#endif /* LB_L7_ERRORS_H */
