/* TLS ClientHello server-name extraction; see sni.h. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sni.h"

/* A bounds-checked read cursor over one byte range. */
struct cur {
	const unsigned char *p;
	size_t left;
};

static bool cur_skip(struct cur *c, size_t n)
{
	if (c->left < n)
		return false;
	c->p += n;
	c->left -= n;
	return true;
}

static bool cur_u8(struct cur *c, size_t *v)
{
	if (c->left < 1)
		return false;
	*v = c->p[0];
	return cur_skip(c, 1);
}

static bool cur_u16(struct cur *c, size_t *v)
{
	if (c->left < 2)
		return false;
	*v = (size_t)c->p[0] << 8 | c->p[1];
	return cur_skip(c, 2);
}

/* Splits off the next @n bytes of @c as @sub. */
static bool cur_sub(struct cur *c, size_t n, struct cur *sub)
{
	if (c->left < n)
		return false;
	sub->p = c->p;
	sub->left = n;
	return cur_skip(c, n);
}

/* server_name extension body: ServerNameList. Returns true when a
 * host_name entry was copied into @name.
 */
static bool sni_ext(struct cur *c, char *name)
{
	struct cur list, host;
	size_t n, type, i;

	if (!cur_u16(c, &n) || !cur_sub(c, n, &list))
		return false;
	while (list.left) {
		if (!cur_u8(&list, &type) || !cur_u16(&list, &n) ||
		    !cur_sub(&list, n, &host))
			return false;
		if (type != 0)
			continue;
		if (!n || n > SNI_NAME_MAX)
			return false;
		for (i = 0; i < n; i++) {
			if (!host.p[i])
				return false;
			name[i] = (char)tolower(host.p[i]);
		}
		name[n] = '\0';
		return true;
	}
	return false;
}

/* Walks a ClientHello body (after the 4-byte handshake header). */
static void sni_hello(struct cur *c, char *name)
{
	struct cur exts, body;
	size_t n, type;

	if (!cur_skip(c, 2 + 32) ||			/* version, random */
	    !cur_u8(c, &n) || !cur_skip(c, n) ||	/* session id */
	    !cur_u16(c, &n) || !cur_skip(c, n) ||	/* cipher suites */
	    !cur_u8(c, &n) || !cur_skip(c, n))		/* compression */
		return;
	if (!cur_u16(c, &n) || !cur_sub(c, n, &exts))
		return;
	while (exts.left) {
		if (!cur_u16(&exts, &type) || !cur_u16(&exts, &n) ||
		    !cur_sub(&exts, n, &body))
			return;
		if (type == 0) {
			if (!sni_ext(&body, name))
				name[0] = '\0';
			return;
		}
	}
}

enum sni_result sni_peek(const void *buf, size_t len, char *name)
{
	const unsigned char *b = buf;
	struct cur rec, hs;
	size_t rlen, hlen;

	name[0] = '\0';
	if (!len)
		return SNI_NEED_MORE;
	if (b[0] != 0x16)
		return SNI_NOT_TLS;
	if (len < 5)
		return SNI_NEED_MORE;
	rlen = (size_t)b[3] << 8 | b[4];
	if (rlen > SNI_PEEK_MAX - 5)
		return SNI_TLS;
	if (len < 5 + rlen)
		return SNI_NEED_MORE;
	rec.p = b + 5;
	rec.left = rlen;
	if (rec.left < 4 || rec.p[0] != 0x01)	/* client_hello */
		return SNI_TLS;
	hlen = (size_t)rec.p[1] << 16 | (size_t)rec.p[2] << 8 | rec.p[3];
	cur_skip(&rec, 4);
	/* A ClientHello continued in a later record: examine what is here. */
	if (!cur_sub(&rec, hlen < rec.left ? hlen : rec.left, &hs))
		return SNI_TLS;
	sni_hello(&hs, name);
	return SNI_TLS;
}
