/* URL parsing and RFC 3986 reference resolution (urlref.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "urlref.h"

static int copy(char *dst, size_t len, const char *s, size_t n)
{
	if (n >= len)
		return -EINVAL;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* Length of the scheme of @s including ':' when it has one, else 0. */
static size_t scheme_len(const char *s)
{
	size_t i;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	for (i = 1; s[i]; i++) {
		if (s[i] == ':')
			return i + 1;
		if (!isalnum((unsigned char)s[i]) && !strchr("+-.", s[i]))
			return 0;
	}
	return 0;
}

bool urlref_is_abs(const char *ref)
{
	return scheme_len(ref) > 0;
}

int urlref_split_hostport(const char *s, char *host, size_t hostlen,
			  char *port, size_t portlen)
{
	const char *colon, *end;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -EINVAL;
		if (copy(host, hostlen, s + 1, (size_t)(end - s - 1)))
			return -EINVAL;
		colon = end[1] ? end + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			return -EINVAL;	/* bare IPv6 without brackets */
		if (copy(host, hostlen, s, colon ? (size_t)(colon - s) : strlen(s)))
			return -EINVAL;
	}
	if (!colon) {
		port[0] = '\0';
		return portlen ? 0 : -EINVAL;
	}
	if (copy(port, portlen, colon + 1, strlen(colon + 1)))
		return -EINVAL;
	for (s = port; *s; s++)
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
	if (*port && atoi(port) > 65535)
		return -EINVAL;
	return 0;
}

/* Parses "authority" (up to @end) into @u's host and port. */
static int parse_authority(const char *a, size_t n, struct urlref *u)
{
	char buf[512];
	const char *at;

	if (copy(buf, sizeof(buf), a, n))
		return -EINVAL;
	at = strrchr(buf, '@');		/* userinfo is dropped */
	if (urlref_split_hostport(at ? at + 1 : buf, u->host, sizeof(u->host),
				  u->port, sizeof(u->port)))
		return -EINVAL;
	return u->host[0] ? 0 : -EINVAL;
}

/* Splits the path and query of @s (no fragment) into @u. */
static int parse_path_query(const char *s, struct urlref *u)
{
	const char *q = strchr(s, '?');

	u->has_query = q != NULL;
	if (copy(u->path, sizeof(u->path), s, q ? (size_t)(q - s) : strlen(s)))
		return -EINVAL;
	return copy(u->query, sizeof(u->query), q ? q + 1 : "",
		    q ? strlen(q + 1) : 0);
}

/* @s without its fragment, in @buf. */
static int strip_fragment(const char *s, char *buf, size_t len)
{
	const char *h = strchr(s, '#');

	return copy(buf, len, s, h ? (size_t)(h - s) : strlen(s));
}

int urlref_parse(const char *s, struct urlref *u)
{
	char buf[URLREF_MAX * 2 + 512];
	size_t sl, i;
	const char *auth, *rest;

	memset(u, 0, sizeof(*u));
	if (strip_fragment(s, buf, sizeof(buf)))
		return -EINVAL;
	sl = scheme_len(buf);
	if (!sl || strncmp(buf + sl, "//", 2) || copy(u->scheme, sizeof(u->scheme), buf, sl - 1))
		return -EINVAL;
	for (i = 0; u->scheme[i]; i++)
		u->scheme[i] = (char)tolower((unsigned char)u->scheme[i]);
	auth = buf + sl + 2;
	rest = auth + strcspn(auth, "/?");
	if (parse_authority(auth, (size_t)(rest - auth), u))
		return -EINVAL;
	return parse_path_query(rest, u);
}

/* RFC 3986 5.2.4, in place. */
static void remove_dot_segments(char *path)
{
	char out[URLREF_MAX];
	const char *in = path;
	size_t o = 0;

	while (*in) {
		if (!strncmp(in, "../", 3)) {
			in += 3;
		} else if (!strncmp(in, "./", 2)) {
			in += 2;
		} else if (!strncmp(in, "/./", 3)) {
			in += 2;
		} else if (!strcmp(in, "/.")) {
			in = "/";
		} else if (!strncmp(in, "/../", 4) || !strcmp(in, "/..")) {
			in = in[3] ? in + 3 : "/";
			while (o > 0 && out[--o] != '/')
				;
		} else if (!strcmp(in, ".") || !strcmp(in, "..")) {
			in += strlen(in);
		} else {
			do
				out[o++] = *in++;
			while (*in && *in != '/' && o < sizeof(out) - 1);
		}
	}
	out[o] = '\0';
	strcpy(path, out);
}

int urlref_resolve(const struct urlref *base, const char *ref,
		   struct urlref *out)
{
	char buf[URLREF_MAX * 2 + 512], merged[URLREF_MAX];
	const char *slash;

	if (strip_fragment(ref, buf, sizeof(buf)))
		return -EINVAL;
	if (scheme_len(buf)) {
		if (urlref_parse(buf, out))
			return -EINVAL;
		remove_dot_segments(out->path);
		return 0;
	}
	*out = *base;
	if (!strncmp(buf, "//", 2)) {
		const char *rest = buf + 2 + strcspn(buf + 2, "/?");

		out->port[0] = '\0';
		if (parse_authority(buf + 2, (size_t)(rest - buf - 2), out) ||
		    parse_path_query(rest, out))
			return -EINVAL;
		remove_dot_segments(out->path);
		return 0;
	}
	if (parse_path_query(buf, out))
		return -EINVAL;
	if (!out->path[0]) {
		/* only a query (or nothing): the base path stays */
		strcpy(out->path, base->path);
		if (!out->has_query) {
			strcpy(out->query, base->query);
			out->has_query = base->has_query;
		}
		return 0;
	}
	if (out->path[0] != '/') {
		slash = strrchr(base->path, '/');
		if (snprintf(merged, sizeof(merged), "%.*s/%s",
			     slash ? (int)(slash - base->path) : 0, base->path,
			     out->path) >= (int)sizeof(merged))
			return -EINVAL;
		strcpy(out->path, merged);
	}
	remove_dot_segments(out->path);
	return 0;
}

uint16_t urlref_port(const struct urlref *u)
{
	if (u->port[0])
		return (uint16_t)atoi(u->port);
	return !strcmp(u->scheme, "https") ? 443 : 80;
}

int urlref_authority(const struct urlref *u, char *buf, size_t len)
{
	bool v6 = strchr(u->host, ':') != NULL;

	return snprintf(buf, len, "%s%s%s%s%s", v6 ? "[" : "", u->host,
			v6 ? "]" : "", u->port[0] ? ":" : "", u->port);
}

int urlref_request_uri(const struct urlref *u, char *buf, size_t len)
{
	return snprintf(buf, len, "%s%s%s", u->path[0] ? u->path : "/",
			u->has_query ? "?" : "", u->query);
}

int urlref_format(const struct urlref *u, char *buf, size_t len)
{
	char auth[300];

	urlref_authority(u, auth, sizeof(auth));
	return snprintf(buf, len, "%s://%s%s%s%s", u->scheme, auth, u->path,
			u->has_query ? "?" : "", u->query);
}
