/* Error responses: see errors.h. */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "errors.h"
#include "http.h"

void l7_error_response(struct evbuffer *out, int status,
		       enum l7_err_kind kind, bool close)
{
	char body[128];
	bool nosniff = false;

	switch (kind) {
	case L7_ERR_NOT_FOUND:
		/* Go's http.NotFound */
		snprintf(body, sizeof(body), "404 page not found\n");
		nosniff = true;
		break;
	case L7_ERR_NO_SERVER:
		/* http.Error(w, "no available server", 503) */
		snprintf(body, sizeof(body), "no available server\n");
		nosniff = true;
		break;
	case L7_ERR_SERVER:
		/* net/http server refusals: "400 Bad Request" */
		snprintf(body, sizeof(body), "%d %s", status,
			 http_status_text(status));
		close = true;
		break;
	case L7_ERR_PROXY:
	default:
		snprintf(body, sizeof(body), "%s", http_status_text(status));
		break;
	}
	evbuffer_add_printf(out,
			    "HTTP/1.1 %d %s\r\n"
			    "Content-Type: text/plain; charset=utf-8\r\n"
			    "%s%s"
			    "Content-Length: %zu\r\n\r\n%s",
			    status, http_status_text(status),
			    nosniff ? "X-Content-Type-Options: nosniff\r\n" : "",
			    close ? "Connection: close\r\n" : "",
			    strlen(body), body);
}
