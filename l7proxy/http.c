/* HTTP helpers: see http.h. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "http.h"

int http_head_scan(const char *buf, size_t len, const struct head_limits *lim,
		   size_t *head_len)
{
	size_t pos = 0, nlines = 0;

	/* Empty lines before the start line are ignored (RFC 9112 2.2). */
	while (pos < len && (buf[pos] == '\r' || buf[pos] == '\n'))
		pos++;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t linelen;

		if (!nl) {
			if (nlines == 0 && len - pos > lim->max_line)
				return 414;
			break;
		}
		linelen = nl - (buf + pos);
		if (nlines == 0 && linelen > lim->max_line)
			return 414;
		if (linelen == 0 || (linelen == 1 && buf[pos] == '\r')) {
			*head_len = nl - buf + 1;
			if (*head_len > lim->max_head)
				return 431;
			return 0;
		}
		if (nlines > 0 && (buf[pos] == ' ' || buf[pos] == '\t'))
			return 400;
		if (++nlines > lim->max_headers + 1)
			return 431;
		pos = nl - buf + 1;
		if (pos > lim->max_head)
			return 431;
	}
	if (len > lim->max_head)
		return 431;
	return 1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

long http_pct_decode(const char *in, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == '%') {
			int h, l;

			if (i + 2 >= len)
				return -1;
			h = hexval(in[i + 1]);
			l = hexval(in[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			out[o++] = (char)(h << 4 | l);
			i += 2;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
	return (long)o;
}

bool http_split_host(const char *hp, size_t len, char *host, size_t hostlen,
		     const char **port, size_t *portlen)
{
	const char *h = hp, *colon = NULL;
	size_t hl;

	*port = NULL;
	*portlen = 0;
	if (len && hp[0] == '[') {
		const char *rb = memchr(hp, ']', len);

		if (!rb)
			return false;
		h = hp + 1;
		hl = rb - h;
		if ((size_t)(rb + 1 - hp) < len) {
			if (rb[1] != ':')
				return false;
			colon = rb + 1;
		}
	} else {
		colon = memrchr(hp, ':', len);
		hl = colon ? (size_t)(colon - hp) : len;
	}
	if (colon) {
		*port = colon + 1;
		*portlen = hp + len - (colon + 1);
	}
	if (hl >= hostlen)
		return false;
	memcpy(host, h, hl);
	host[hl] = '\0';
	return true;
}

static bool is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

void http_canon_name(const char *name, size_t len, char *out)
{
	bool upper = true;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!is_token_char((unsigned char)name[i]) || name[i] == ' ') {
			memcpy(out, name, len);
			return;
		}
	}
	for (i = 0; i < len; i++) {
		char c = name[i];

		out[i] = upper ? toupper((unsigned char)c) :
				 tolower((unsigned char)c);
		upper = c == '-';
	}
	/* Traefik re-cases the WebSocket handshake headers (proxy.go). */
	if (len > 14 && !memcmp(out, "Sec-Websocket-", 14))
		out[7] = 'S';
}

bool http_name_eq(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && !strncasecmp(name, want, len);
}

bool http_list_has(const char *v, size_t len, const char *tok)
{
	size_t tl = strlen(tok), i = 0;

	while (i < len) {
		size_t s, e;

		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && !strncasecmp(v + s, tok, tl))
			return true;
	}
	return false;
}

const char *http_status_text(int code)
{
	switch (code) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Request Entity Too Large";
	case 414: return "Request URI Too Long";
	case 417: return "Expectation Failed";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 499: return "Client Closed Request";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	}
	return "";
}
