/* Sticky-session cookies as Traefik writes and reads them (semantics §1):
 * the value codecs of every Traefik version, matching a cookie value to a
 * target, the Set-Cookie line, and finding a cookie in a Cookie header.
 * Pure functions, safe from any thread.
 */
#ifndef LB_L7_STICKY_H
#define LB_L7_STICKY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_types.h"

#define STICKY_VALUE_LEN 16

/* The value Traefik v3.3.4+ writes for a target: the first 16 hex digits of
 * SHA-256 of @target (a server URL exactly as configured, or a weighted
 * child's name as configured). @out holds STICKY_VALUE_LEN + 1 bytes.
 */
void sticky_value(const char *target, char *out);

enum sticky_match {
	STICKY_NO_MATCH,
	STICKY_MATCH,		/* current form: route, no Set-Cookie */
	STICKY_MATCH_LEGACY,	/* older form: route and re-issue the cookie */
};

/* Does cookie value @v (of length @len) name @target? Accepted, as Traefik
 * v2.0 to v3.7 wrote them: SHA-256[:16] (current); the raw target; for
 * server URLs FNV-1a 64 hex (v2.5-2.11) and a raw URL equal in scheme,
 * host and path; for children FNV-1 64 hex (v2.11, v3.0-3.3.3) and
 * FNV-1 of that hex (v3.3.4's compatibility form). @is_url selects the
 * server rules.
 */
enum sticky_match sticky_match(const char *v, size_t len, const char *target,
			       bool is_url);

/* FNV hashes as hex without zero padding (Go's strconv.FormatUint(h, 16)).
 * @out holds 17 bytes.
 */
void sticky_fnv1a64_hex(const char *s, char *out);
void sticky_fnv1_64_hex(const char *s, char *out);

/* Writes the Set-Cookie header value for @value as Go's http.Cookie does:
 * "name=value; Path=/; Domain=d; Max-Age=N; HttpOnly; Secure; SameSite=Lax".
 * @is_weighted: Traefik v2 weighted services ignored sameSite; we follow v3
 * and send it on every level. Returns the length, or -1 if @len is short.
 */
int sticky_set_cookie(const struct cfg_sticky_cookie *c, const char *value,
		      char *buf, size_t len);

/* Finds cookie @name in a Cookie header value. Returns true and the value
 * (not NUL-terminated, quotes stripped) through @val/@vlen.
 */
bool sticky_cookie_find(const char *header, const char *name,
			const char **val, size_t *vlen);

#endif /* LB_L7_STICKY_H */
