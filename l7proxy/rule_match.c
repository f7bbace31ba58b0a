/* Matching a request against a parsed rule: reads the tree only, so any
 * number of threads may match the same rule at once.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rule.h"
#include "rule_internal.h"

/* ---- matching ----------------------------------------------------------- */

static bool pat_match(const struct rule_pat *pat, const char *s)
{
	switch (pat->kind) {
	case PAT_ANY:
		return true;
	case PAT_LIT:
		return !strcmp(pat->lit, s);
	case PAT_RE:
		return !regexec(&pat->re, s, 0, NULL, 0);
	}
	return false;
}

/* Host equality as Traefik: case-insensitive, a trailing dot on either side
 * ignored.
 */
static bool host_eq(const char *want, const char *host)
{
	size_t lw = strlen(want), lh = strlen(host);

	if (lw && want[lw - 1] == '.')
		lw--;
	if (lh && host[lh - 1] == '.')
		lh--;
	return lw == lh && !strncasecmp(want, host, lw);
}

static bool host_match(const struct rule_node *n, const char *host)
{
	char low[RULE_HOST_MAX];
	size_t len;

	if (!host || !*host)
		return false;
	len = strlen(host);
	for (size_t i = 0; i < n->n; i++) {
		if (n->pats[i].kind == PAT_LIT) {
			if (host_eq(n->pats[i].lit, host))
				return true;
			continue;
		}
		if (len >= sizeof(low))
			continue;
		for (size_t j = 0; j <= len; j++)
			low[j] = tolower((unsigned char)host[j]);
		if (pat_match(&n->pats[i], low))
			return true;
	}
	return false;
}

static bool path_match(const struct rule_node *n, const char *path)
{
	const struct rule_pat *pat;

	if (!path)
		return false;
	for (size_t i = 0; i < n->n; i++) {
		pat = &n->pats[i];
		if (n->def->kind == M_PATH_PREFIX && pat->kind == PAT_LIT) {
			if (!strncmp(path, pat->lit, strlen(pat->lit)))
				return true;
		} else if (pat_match(pat, path)) {
			return true;
		}
	}
	return false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Go's url.QueryUnescape of s[0..n) into @d (room for n + 1). */
static int query_unescape(const char *s, size_t n, char *d)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			*d++ = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n)
				return -1;
			if (hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				return -1;
			*d++ = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
			i += 2;
		} else {
			*d++ = s[i];
		}
	}
	*d = '\0';
	return 0;
}

/* Does the query have @key with a value matching @pat? With @first_only
 * (v2, mux's findFirstQueryKey) only the first occurrence of @key counts and
 * ';' separates pairs like '&'; otherwise (v3, Go's URL.Query()) any
 * occurrence counts and pairs containing ';' are ignored.
 */
static bool query_has(const char *q, const char *key, const struct rule_pat *pat,
		      bool first_only)
{
	size_t len = strlen(q), seg, klen;
	const char *eq;
	char sbuf[512], *buf = len < sizeof(sbuf) ? sbuf : malloc(len + 1);
	bool found = false, hit = false;

	if (!buf)
		return false;
	for (; *q && !found; q += seg + (q[seg] != '\0')) {
		seg = strcspn(q, first_only ? "&;" : "&");
		if (!seg || memchr(q, ';', seg))
			continue;
		eq = memchr(q, '=', seg);
		klen = eq ? (size_t)(eq - q) : seg;
		if (query_unescape(q, klen, buf) || strcmp(buf, key))
			continue;
		if (query_unescape(eq ? eq + 1 : q + seg, eq ? seg - klen - 1 : 0, buf))
			continue;
		hit = pat_match(pat, buf);
		found = hit || first_only;
	}
	if (buf != sbuf)
		free(buf);
	return hit;
}

static bool query_match(const struct rule_node *n, const char *q)
{
	if (!q)
		q = "";
	for (size_t i = 0; i < n->n; i++)
		if (!query_has(q, n->keys[i], &n->pats[i], n->query_v2))
			return false;
	return true;
}

static int ip_parse(const char *s, struct rule_cidr *ip)
{
	static const unsigned char v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (inet_pton(AF_INET, s, ip->addr) == 1) {
		ip->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip->addr) != 1)
		return -1;
	ip->family = AF_INET6;
	if (!memcmp(ip->addr, v4mapped, sizeof(v4mapped))) {
		memmove(ip->addr, ip->addr + 12, 4);
		ip->family = AF_INET;
	}
	return 0;
}

static bool cidr_contains(const struct rule_cidr *c, const struct rule_cidr *ip)
{
	int full = c->bits / 8, rest = c->bits % 8;
	unsigned char mask;

	if (c->family != ip->family || memcmp(c->addr, ip->addr, full))
		return false;
	if (!rest)
		return true;
	mask = 0xff << (8 - rest);
	return (c->addr[full] & mask) == (ip->addr[full] & mask);
}

static bool client_ip_match(const struct rule_node *n, const char *s)
{
	struct rule_cidr ip;

	if (!s || ip_parse(s, &ip))
		return false;
	for (size_t i = 0; i < n->n; i++)
		if (cidr_contains(&n->cidrs[i], &ip))
			return true;
	return false;
}

static bool matcher_match(const struct rule_node *n, const struct rule_req *req)
{
	const char *v;

	switch (n->def->kind) {
	case M_HOST:
	case M_HOST_REGEXP:
		return host_match(n, req->host);
	case M_PATH:
	case M_PATH_PREFIX:
	case M_PATH_REGEXP:
		return path_match(n, req->path);
	case M_METHOD:
		for (size_t i = 0; req->method && i < n->n; i++)
			if (!strcmp(req->method, n->pats[i].lit))
				return true;
		return false;
	case M_HEADER:
	case M_HEADER_REGEXP:
		v = req->header ? req->header(req->ctx, n->keys[0]) : NULL;
		return v && pat_match(&n->pats[0], v);
	case M_QUERY:
	case M_QUERY_REGEXP:
		return query_match(n, req->query);
	case M_CLIENT_IP:
		return client_ip_match(n, req->client_ip);
	}
	return false;
}

static bool node_match(const struct rule_node *n, const struct rule_req *req)
{
	switch (n->op) {
	case OP_AND:
		return node_match(n->left, req) && node_match(n->right, req);
	case OP_OR:
		return node_match(n->left, req) || node_match(n->right, req);
	case OP_NOT:
		return !node_match(n->left, req);
	case OP_MATCH:
		return matcher_match(n, req);
	}
	return false;
}

bool rule_match(const struct rule *r, const struct rule_req *req)
{
	return r && req && node_match(r->root, req);
}

