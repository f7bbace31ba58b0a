/* PROXY protocol v1/v2 header building and parsing; see proxy_proto.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proxy_proto.h"

const unsigned char pp_v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

static const char pp_v1_sig[] = "PROXY ";

/* An address reduced to what the header carries. */
struct pp_addr {
	int family;		/* AF_INET, AF_INET6 or AF_UNSPEC */
	unsigned char ip[16];	/* network order; IPv4 uses 4 bytes */
	uint16_t port;		/* host order */
};

static void pp_addr_from(const struct sockaddr *sa, struct pp_addr *a)
{
	const struct sockaddr_in6 *s6 = (const void *)sa;
	const struct sockaddr_in *s4 = (const void *)sa;

	memset(a, 0, sizeof(*a));
	a->family = AF_UNSPEC;
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		a->family = AF_INET;
		memcpy(a->ip, &s4->sin_addr, 4);
		a->port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		a->port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a->family = AF_INET;
			memcpy(a->ip, &s6->sin6_addr.s6_addr[12], 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->ip, &s6->sin6_addr, 16);
		}
	}
}

static int pp_build_v1(const struct pp_addr *s, const struct pp_addr *d,
		       char *buf, size_t len)
{
	char sip[INET6_ADDRSTRLEN], dip[INET6_ADDRSTRLEN];
	int n;

	if (s->family == AF_UNSPEC || s->family != d->family) {
		n = snprintf(buf, len, "PROXY UNKNOWN\r\n");
	} else {
		inet_ntop(s->family, s->ip, sip, sizeof(sip));
		inet_ntop(d->family, d->ip, dip, sizeof(dip));
		n = snprintf(buf, len, "PROXY %s %s %s %u %u\r\n",
			     s->family == AF_INET ? "TCP4" : "TCP6",
			     sip, dip, s->port, d->port);
	}
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

static int pp_build_v2(const struct pp_addr *s, const struct pp_addr *d,
		       unsigned char *buf, size_t len)
{
	size_t alen = 0, off = 16;

	if (s->family != AF_UNSPEC && s->family == d->family)
		alen = s->family == AF_INET ? 4 : 16;
	if (len < 16 + 2 * alen + (alen ? 4 : 0))
		return -ENOSPC;
	memcpy(buf, pp_v2_sig, sizeof(pp_v2_sig));
	if (!alen) {
		buf[12] = 0x20;		/* v2, LOCAL */
		buf[13] = 0x00;		/* UNSPEC */
		buf[14] = 0;
		buf[15] = 0;
		return 16;
	}
	buf[12] = 0x21;			/* v2, PROXY */
	buf[13] = alen == 4 ? 0x11 : 0x21;	/* TCP over IPv4 / IPv6 */
	buf[14] = 0;
	buf[15] = (unsigned char)(2 * alen + 4);
	memcpy(buf + off, s->ip, alen);
	off += alen;
	memcpy(buf + off, d->ip, alen);
	off += alen;
	buf[off++] = s->port >> 8;
	buf[off++] = s->port & 0xff;
	buf[off++] = d->port >> 8;
	buf[off++] = d->port & 0xff;
	return (int)off;
}

int pp_build(int version, const struct sockaddr *src,
	     const struct sockaddr *dst, void *buf, size_t len)
{
	struct pp_addr s, d;

	pp_addr_from(src, &s);
	pp_addr_from(dst, &d);
	if (version == 1)
		return pp_build_v1(&s, &d, buf, len);
	if (version == 2)
		return pp_build_v2(&s, &d, buf, len);
	return -EINVAL;
}

static void pp_fill(struct sockaddr_storage *ss, int family, const void *ip,
		    uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (void *)ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, ip, 4);
		s4->sin_port = htons(port);
	} else {
		struct sockaddr_in6 *s6 = (void *)ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, ip, 16);
		s6->sin6_port = htons(port);
	}
}

/* A decimal port without sign or leading zeros, 0..65535. */
static int pp_v1_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	const char *p;

	if (!*s || (s[0] == '0' && s[1]) || strlen(s) > 5)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Parses "TCP4 a b p q" (the line without "PROXY " and CRLF). */
static int pp_v1_fields(char *line, struct pp_info *info)
{
	char *f[6], *save = NULL, *tok;
	unsigned char sip[16], dip[16];
	uint16_t sp, dp;
	int n = 0, family;

	for (tok = strtok_r(line, " ", &save); tok && n < 6;
	     tok = strtok_r(NULL, " ", &save))
		f[n++] = tok;
	if (n >= 1 && !strcmp(f[0], "UNKNOWN"))
		return 0;	/* the rest of the line is ignored */
	if (n != 5 || tok)
		return -EINVAL;
	if (!strcmp(f[0], "TCP4"))
		family = AF_INET;
	else if (!strcmp(f[0], "TCP6"))
		family = AF_INET6;
	else
		return -EINVAL;
	if (inet_pton(family, f[1], sip) != 1 ||
	    inet_pton(family, f[2], dip) != 1 ||
	    pp_v1_port(f[3], &sp) || pp_v1_port(f[4], &dp))
		return -EINVAL;
	info->proxied = true;
	pp_fill(&info->src, family, sip, sp);
	pp_fill(&info->dst, family, dip, dp);
	return 0;
}

static int pp_parse_v1(const char *buf, size_t len, struct pp_info *info)
{
	char line[PP_V1_MAX_LEN + 1];
	size_t n, lim = len < PP_V1_MAX_LEN ? len : PP_V1_MAX_LEN;
	const char *cr, *lf;
	int err;

	cr = memchr(buf, '\r', lim);
	lf = memchr(buf, '\n', lim);
	if (lf && (!cr || lf < cr))
		return -EINVAL;
	if (!cr)
		return len >= PP_V1_MAX_LEN ? -EINVAL : 0;
	n = (size_t)(cr - buf);
	if (n + 1 >= len)
		return n + 2 > PP_V1_MAX_LEN ? -EINVAL : 0;
	if (cr[1] != '\n' || memchr(buf, '\0', n) || memchr(buf, '\n', n))
		return -EINVAL;
	memcpy(line, buf + 6, n - 6);
	line[n - 6] = '\0';
	err = pp_v1_fields(line, info);
	if (err)
		return err;
	info->version = 1;
	return (int)(n + 2);
}

static int pp_parse_v2(const unsigned char *b, size_t len,
		       struct pp_info *info)
{
	size_t total;
	int cmd;

	if (len < 16)
		return 0;
	if ((b[12] >> 4) != 2)
		return -EINVAL;
	cmd = b[12] & 0x0f;
	if (cmd > 1)
		return -EINVAL;
	total = 16 + ((size_t)b[14] << 8 | b[15]);
	if (total > PP_V2_MAX_LEN)
		return -EINVAL;
	if (len < total)
		return 0;
	info->version = 2;
	if (cmd == 0)
		return (int)total;	/* LOCAL: keep the real addresses */
	switch (b[13] >> 4) {
	case 1:		/* AF_INET */
		if (total < 16 + 12)
			return -EINVAL;
		pp_fill(&info->src, AF_INET, b + 16, b[24] << 8 | b[25]);
		pp_fill(&info->dst, AF_INET, b + 20, b[26] << 8 | b[27]);
		info->proxied = true;
		break;
	case 2:		/* AF_INET6 */
		if (total < 16 + 36)
			return -EINVAL;
		pp_fill(&info->src, AF_INET6, b + 16, b[48] << 8 | b[49]);
		pp_fill(&info->dst, AF_INET6, b + 32, b[50] << 8 | b[51]);
		info->proxied = true;
		break;
	case 0:		/* AF_UNSPEC */
	case 3:		/* AF_UNIX: nothing usable for a TCP peer */
		break;
	default:
		return -EINVAL;
	}
	return (int)total;
}

int pp_parse(const void *buf, size_t len, struct pp_info *info)
{
	size_t n;

	memset(info, 0, sizeof(*info));
	n = len < sizeof(pp_v2_sig) ? len : sizeof(pp_v2_sig);
	if (n && !memcmp(buf, pp_v2_sig, n))
		return n < sizeof(pp_v2_sig) ? 0 : pp_parse_v2(buf, len, info);
	n = len < 6 ? len : 6;
	if (n && !memcmp(buf, pp_v1_sig, n))
		return n < 6 ? 0 : pp_parse_v1(buf, len, info);
	return len ? -ENOMSG : 0;
}
