/* Absolute http(s) URLs as Go's net/url sees them, and RFC 3986 reference
 * resolution (Go's URL.Parse(ref) on a base URL), for building health-check
 * probe URLs and following redirects. Text is kept as written (already
 * escaped); nothing is decoded.
 */
#ifndef LB_URLREF_H
#define LB_URLREF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define URLREF_MAX	2048

struct urlref {
	char scheme[16];		/* lower-cased */
	char host[256];			/* no brackets around IPv6 */
	char port[8];			/* "" when the URL has none */
	char path[URLREF_MAX];		/* "" or starts with '/' */
	char query[URLREF_MAX];		/* without '?' */
	bool has_query;			/* a '?' was written */
};

/* Parses absolute URL @s (scheme://[userinfo@]host[:port][/path][?q][#f]).
 * Returns 0 or -EINVAL (no scheme or host, bad port, too long).
 */
int urlref_parse(const char *s, struct urlref *u);

/* Resolves reference @ref ("/health", "health", "?q", "//h/p",
 * "http://x/y") against @base into @out (RFC 3986 section 5.2, dot segments
 * removed). The fragment is dropped. Returns 0 or -EINVAL.
 */
int urlref_resolve(const struct urlref *base, const char *ref,
		   struct urlref *out);

/* True when @ref has a scheme (it is an absolute URL). */
bool urlref_is_abs(const char *ref);

/* Port number: the explicit one, else the scheme's (https 443, else 80). */
uint16_t urlref_port(const struct urlref *u);

/* host[:port] as Go's URL.Host (brackets for IPv6, the port only if
 * written), for the Host header. Returns the length written (truncated to
 * @len) like snprintf.
 */
int urlref_authority(const struct urlref *u, char *buf, size_t len);

/* The whole URL: scheme://authority/path[?query]. */
int urlref_format(const struct urlref *u, char *buf, size_t len);

/* The request target: path (or "/") [?query]. */
int urlref_request_uri(const struct urlref *u, char *buf, size_t len);

/* Splits "host:port" or "[v6]:port" into @host (no brackets) and @port.
 * Returns 0 or -EINVAL.
 */
int urlref_split_hostport(const char *s, char *host, size_t hostlen,
			  char *port, size_t portlen);

#endif /* LB_URLREF_H */
