/* Sticky cookie codecs and formatting; see sticky.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "sticky.h"

#define FNV64_OFFSET 0xcbf29ce484222325ULL
#define FNV64_PRIME 0x100000001b3ULL

void sticky_value(const char *target, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	EVP_Digest(target, strlen(target), md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < STICKY_VALUE_LEN / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[STICKY_VALUE_LEN] = '\0';
}

void sticky_fnv1a64_hex(const char *s, char *out)
{
	uint64_t h = FNV64_OFFSET;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= FNV64_PRIME;
	}
	snprintf(out, 17, "%llx", (unsigned long long)h);
}

void sticky_fnv1_64_hex(const char *s, char *out)
{
	uint64_t h = FNV64_OFFSET;

	for (; *s; s++) {
		h *= FNV64_PRIME;
		h ^= (unsigned char)*s;
	}
	snprintf(out, 17, "%llx", (unsigned long long)h);
}

static bool eq(const char *v, size_t len, const char *s)
{
	return strlen(s) == len && !memcmp(v, s, len);
}

/* "scheme://host[:port]/path" split for oxy's sameURL comparison. */
struct url_parts {
	const char *scheme, *host, *path;
	size_t scheme_len, host_len, path_len;
};

static bool split_url(const char *u, size_t len, struct url_parts *p)
{
	const char *end = u + len, *sep, *h, *slash, *q;

	sep = memmem(u, len, "://", 3);
	if (!sep)
		return false;
	p->scheme = u;
	p->scheme_len = (size_t)(sep - u);
	h = sep + 3;
	slash = memchr(h, '/', (size_t)(end - h));
	q = memchr(h, '?', (size_t)(end - h));
	if (q && (!slash || q < slash))
		slash = q;
	p->host = h;
	p->host_len = (size_t)((slash ? slash : end) - h);
	p->path = slash && *slash == '/' ? slash : "";
	p->path_len = 0;
	if (slash && *slash == '/') {
		q = memchr(slash, '?', (size_t)(end - slash));
		p->path_len = (size_t)((q ? q : end) - slash);
	}
	return true;
}

static bool same_url(const char *v, size_t len, const char *target)
{
	struct url_parts a, b;

	if (!split_url(v, len, &a) || !split_url(target, strlen(target), &b))
		return false;
	return a.scheme_len == b.scheme_len &&
	       !strncasecmp(a.scheme, b.scheme, a.scheme_len) &&
	       a.host_len == b.host_len &&
	       !strncasecmp(a.host, b.host, a.host_len) &&
	       a.path_len == b.path_len && !memcmp(a.path, b.path, a.path_len);
}

enum sticky_match sticky_match(const char *v, size_t len, const char *target,
			       bool is_url)
{
	char buf[STICKY_VALUE_LEN + 1], h[17], hh[17];

	sticky_value(target, buf);
	if (eq(v, len, buf))
		return STICKY_MATCH;
	if (eq(v, len, target))
		return STICKY_MATCH_LEGACY;
	if (is_url) {
		sticky_fnv1a64_hex(target, h);
		if (eq(v, len, h) || same_url(v, len, target))
			return STICKY_MATCH_LEGACY;
		return STICKY_NO_MATCH;
	}
	sticky_fnv1_64_hex(target, h);
	if (eq(v, len, h))
		return STICKY_MATCH_LEGACY;
	sticky_fnv1_64_hex(h, hh);
	if (eq(v, len, hh))
		return STICKY_MATCH_LEGACY;
	return STICKY_NO_MATCH;
}

static const char *same_site_attr(const char *s)
{
	if (!s)
		return NULL;
	if (!strcasecmp(s, "none"))
		return "None";
	if (!strcasecmp(s, "lax"))
		return "Lax";
	if (!strcasecmp(s, "strict"))
		return "Strict";
	return NULL;
}

/* Appends to @buf at *@off; false when it does not fit. */
__attribute__((format(printf, 4, 5)))
static bool append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *off)
		return false;
	*off += (size_t)n;
	return true;
}

int sticky_set_cookie(const struct cfg_sticky_cookie *c, const char *value,
		      char *buf, size_t len)
{
	const char *ss = same_site_attr(c->same_site);
	const char *domain = c->domain;
	size_t off = 0;
	bool ok;

	ok = append(buf, len, &off, "%s=%s", c->name, value) &&
	     append(buf, len, &off, "; Path=%s",
		    c->path && *c->path ? c->path : "/");
	if (ok && domain && *domain)	/* Go drops one leading dot */
		ok = append(buf, len, &off, "; Domain=%s",
			    domain + (*domain == '.'));
	if (ok && c->max_age > 0)
		ok = append(buf, len, &off, "; Max-Age=%lld",
			    (long long)c->max_age);
	else if (ok && c->max_age < 0)
		ok = append(buf, len, &off, "; Max-Age=0");
	if (ok && c->http_only)
		ok = append(buf, len, &off, "; HttpOnly");
	if (ok && c->secure)
		ok = append(buf, len, &off, "; Secure");
	if (ok && ss)
		ok = append(buf, len, &off, "; SameSite=%s", ss);
	return ok ? (int)off : -1;
}

bool sticky_cookie_find(const char *header, const char *name,
			const char **val, size_t *vlen)
{
	size_t nlen = strlen(name);
	const char *p = header;

	while (p && *p) {
		const char *end = strchr(p, ';'), *eqs, *k = p, *ke;

		if (!end)
			end = p + strlen(p);
		while (k < end && (*k == ' ' || *k == '\t'))
			k++;
		eqs = memchr(k, '=', (size_t)(end - k));
		if (eqs) {
			ke = eqs;
			while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
				ke--;
			if ((size_t)(ke - k) == nlen && !memcmp(k, name, nlen)) {
				const char *v = eqs + 1, *ve = end;

				while (v < ve && (*v == ' ' || *v == '\t'))
					v++;
				while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
					ve--;
				if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
					v++;
					ve--;
				}
				*val = v;
				*vlen = (size_t)(ve - v);
				return true;
			}
		}
		p = *end ? end + 1 : NULL;
	}
	return false;
}
