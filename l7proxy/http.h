/* Pure HTTP/1.1 helpers around http_parser: finding and checking a message
 * head before it is parsed (limits, obs-fold), path decoding, host and
 * port splitting, header-name canonicalisation. No I/O, no allocation.
 */
#ifndef LB_L7_HTTP_H
#define LB_L7_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct head_limits {
	size_t max_line;	/* request line; longer: 414 */
	size_t max_head;	/* whole head; larger: 431 */
	size_t max_headers;	/* header lines; more: 431 */
};

/* Looks for the end of a message head (the empty line) in @buf. Returns 0
 * and the head length (empty line included) in *@head_len; 1 when more
 * bytes are needed and no limit is exceeded yet; or the HTTP status to
 * refuse with: 414 (first line too long), 431 (head too large or too many
 * headers), 400 (obs-fold: a header line starting with SP or HT).
 */
int http_head_scan(const char *buf, size_t len, const struct head_limits *lim,
		   size_t *head_len);

/* Percent-decodes @len bytes of @in into @out (room for @len + 1 bytes,
 * NUL-terminated). Returns the decoded length or -1 on a bad escape.
 */
long http_pct_decode(const char *in, size_t len, char *out);

/* Splits a Host header value into host (no port, IPv6 without brackets)
 * and port. Writes at most @hostlen bytes of host, NUL-terminated; *@port
 * points into @hostport after the colon or is NULL. Returns false on a
 * malformed value.
 */
bool http_split_host(const char *hostport, size_t len, char *host,
		     size_t hostlen, const char **port, size_t *portlen);

/* Writes @name canonicalised as Go's CanonicalMIMEHeaderKey does
 * ("x-foo-bar" -> "X-Foo-Bar"; names with non-token bytes unchanged), with
 * Traefik's Sec-WebSocket-* spelling, into @out (room for @len bytes).
 */
void http_canon_name(const char *name, size_t len, char *out);

/* Case-insensitive comparison of a counted name with a C string. */
bool http_name_eq(const char *name, size_t len, const char *want);

/* True when the comma-separated list @v contains token @tok (case-
 * insensitive, surrounding spaces ignored).
 */
bool http_list_has(const char *v, size_t len, const char *tok);

/* Reason phrase of @code ("Bad Gateway"), or "" when unknown. */
const char *http_status_text(int code);

#endif /* LB_L7_HTTP_H */
