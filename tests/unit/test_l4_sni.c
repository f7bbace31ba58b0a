/* ClientHello SNI peek: well-formed hellos, truncation, malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sni.h"

static size_t put16(unsigned char *p, size_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
	return 2;
}

/* Writes a TLS record holding a ClientHello with an ALPN extension and,
 * when @host is set, a server_name extension. Returns the length.
 */
static size_t hello(unsigned char *b, const char *host)
{
	unsigned char ext[512];
	size_t e = 0, n = 0, hl, h;

	/* ALPN "h2" first, so SNI is not the first extension */
	e += put16(ext + e, 16);
	e += put16(ext + e, 5);
	e += put16(ext + e, 3);
	ext[e++] = 2;
	memcpy(ext + e, "h2", 2);
	e += 2;
	if (host) {
		hl = strlen(host);
		e += put16(ext + e, 0);
		e += put16(ext + e, hl + 5);
		e += put16(ext + e, hl + 3);
		ext[e++] = 0;
		e += put16(ext + e, hl);
		memcpy(ext + e, host, hl);
		e += hl;
	}
	b[n++] = 0x16;
	b[n++] = 3;
	b[n++] = 1;
	n += 2;				/* record length, below */
	b[n++] = 1;			/* client_hello */
	n += 3;				/* handshake length, below */
	h = n;
	b[n++] = 3;
	b[n++] = 3;
	memset(b + n, 0xab, 32);	/* random */
	n += 32;
	b[n++] = 32;			/* session id */
	memset(b + n, 0xcd, 32);
	n += 32;
	n += put16(b + n, 4);		/* cipher suites */
	n += put16(b + n, 0x1301);
	n += put16(b + n, 0x1302);
	b[n++] = 1;			/* compression: null */
	b[n++] = 0;
	n += put16(b + n, e);
	memcpy(b + n, ext, e);
	n += e;
	put16(b + 3, n - 5);
	b[6] = 0;
	put16(b + 7, n - h);
	return n;
}

static void test_sni_found(void **state)
{
	unsigned char b[1024];
	char name[SNI_NAME_MAX + 1];
	size_t n = hello(b, "Www.Example.COM");

	assert_int_equal(sni_peek(b, n, name), SNI_TLS);
	assert_string_equal(name, "www.example.com");
	/* trailing application bytes do not matter */
	assert_int_equal(sni_peek(b, sizeof(b), name), SNI_TLS);
	assert_string_equal(name, "www.example.com");
}

static void test_no_sni(void **state)
{
	unsigned char b[1024];
	char name[SNI_NAME_MAX + 1];
	size_t n = hello(b, NULL);

	assert_int_equal(sni_peek(b, n, name), SNI_TLS);
	assert_string_equal(name, "");
}

static void test_not_tls(void **state)
{
	char name[SNI_NAME_MAX + 1];

	assert_int_equal(sni_peek("GET / HTTP/1.1\r\n", 16, name),
			 SNI_NOT_TLS);
	assert_int_equal(sni_peek("\x15\x03\x01", 3, name), SNI_NOT_TLS);
	assert_int_equal(sni_peek("", 0, name), SNI_NEED_MORE);
}

/* Every truncation of the record asks for more bytes. */
static void test_truncated(void **state)
{
	unsigned char b[1024];
	char name[SNI_NAME_MAX + 1];
	size_t n = hello(b, "a.example"), k;

	for (k = 1; k < n; k++)
		assert_int_equal(sni_peek(b, k, name), SNI_NEED_MORE);
}

/* Corrupting any single byte inside the record still gives a TLS verdict
 * and a bounded name, and never reads out of bounds (run under ASan).
 */
static void test_corrupted_lengths(void **state)
{
	unsigned char b[1024], c[1024];
	char name[SNI_NAME_MAX + 1];
	size_t n = hello(b, "a.example"), k;
	int v;
	enum sni_result r;

	for (k = 5; k < n; k++) {
		for (v = 0; v < 256; v += 51) {
			memcpy(c, b, n);
			c[k] = (unsigned char)v;
			r = sni_peek(c, n, name);
			assert_int_equal(r, SNI_TLS);
			assert_true(!name[0] || strlen(name) <= SNI_NAME_MAX);
		}
	}
}

static void test_not_client_hello(void **state)
{
	unsigned char b[1024];
	char name[SNI_NAME_MAX + 1];
	size_t n = hello(b, "a.example");

	b[5] = 2;	/* server_hello */
	assert_int_equal(sni_peek(b, n, name), SNI_TLS);
	assert_string_equal(name, "");
}

static void test_huge_record(void **state)
{
	unsigned char b[8] = { 0x16, 3, 1, 0xff, 0xff, 1, 0, 0 };
	char name[SNI_NAME_MAX + 1];

	/* longer than any first record we wait for: TLS without a name */
	assert_int_equal(sni_peek(b, sizeof(b), name), SNI_TLS);
	assert_string_equal(name, "");
}

static void test_nul_in_name(void **state)
{
	unsigned char b[1024];
	char name[SNI_NAME_MAX + 1];
	size_t n = hello(b, "evil.example");
	unsigned char *p = memmem(b, n, "evil", 4);

	p[4] = '\0';
	assert_int_equal(sni_peek(b, n, name), SNI_TLS);
	assert_string_equal(name, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sni_found),
		cmocka_unit_test(test_no_sni),
		cmocka_unit_test(test_not_tls),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupted_lengths),
		cmocka_unit_test(test_not_client_hello),
		cmocka_unit_test(test_huge_record),
		cmocka_unit_test(test_nul_in_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
