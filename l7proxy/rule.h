/* Traefik HTTP router rules: parse a rule such as
 *	Host(`a.example.com`) && (PathPrefix(`/api`) || !Method(`GET`))
 * once into an immutable tree, then match requests against it.
 *
 * Syntax is Traefik v2's (matchers, {name:regex} templates, `k=v` queries);
 * the v3 forms that do not collide with v2 are accepted too (plain regexes in
 * HostRegexp, PathRegexp, Header/HeaderRegexp, Query(`k`, `v`),
 * QueryRegexp). docs/l7-rules-tls.md lists every matcher and each difference
 * from Traefik.
 */
#ifndef LB_L7_RULE_H
#define LB_L7_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rule;

/* What a rule looks at in one request. Every string is borrowed for the call
 * of rule_match() only.
 */
struct rule_req {
	const char *method;
	const char *host;	/* Host without port, as received */
	const char *path;	/* decoded path, no query */
	const char *query;	/* raw query string without '?', may be "" */
	/* First value of header @name (case-insensitive) or NULL. */
	const char *(*header)(void *ctx, const char *name);
	void *ctx;
	const char *client_ip;	/* may be NULL */
};

/* Parses @text. Returns the rule (caller owns; free with rule_free()) or
 * NULL with a one-line message in @err naming line, column and the offending
 * token, e.g. `1:1: unknown matcher "Hots" (did you mean "Host"?)`.
 */
struct rule *rule_parse(const char *text, char *err, size_t errlen);

/* True if @req satisfies @r. Never fails; a NULL request field only fails
 * the matchers that need it. Reads @r only, so any number of threads may
 * match against the same rule at once.
 */
bool rule_match(const struct rule *r, const struct rule_req *req);

/* Frees @r. NULL-safe. */
void rule_free(struct rule *r);

/* Traefik's default router priority: the length of the rule in bytes. */
int64_t rule_default_priority(const char *text);

#endif /* LB_L7_RULE_H */
