/* PROXY protocol headers, byte for byte, and the inbound parser. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "proxy_proto.h"

static struct sockaddr_storage sa(const char *ip, int port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
	} else {
		assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
	}
	return ss;
}

static int build(int v, const char *sip, int sp, const char *dip, int dp,
		 unsigned char *buf)
{
	struct sockaddr_storage s = sa(sip, sp), d = sa(dip, dp);

	return pp_build(v, (void *)&s, (void *)&d, buf, PP_BUILD_MAX);
}

static void test_v1_tcp4(void **state)
{
	static const char want[] =
		"PROXY TCP4 192.0.2.7 10.0.0.1 40000 8000\r\n";
	unsigned char buf[PP_BUILD_MAX];
	int n = build(1, "192.0.2.7", 40000, "10.0.0.1", 8000, buf);

	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void test_v1_tcp6(void **state)
{
	static const char want[] =
		"PROXY TCP6 2001:db8::7 fd00::1 65535 443\r\n";
	unsigned char buf[PP_BUILD_MAX];
	int n = build(1, "2001:db8::7", 65535, "fd00::1", 443, buf);

	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void test_v1_mapped_is_tcp4(void **state)
{
	static const char want[] = "PROXY TCP4 192.0.2.7 10.0.0.1 1 2\r\n";
	unsigned char buf[PP_BUILD_MAX];
	int n = build(1, "::ffff:192.0.2.7", 1, "::ffff:10.0.0.1", 2, buf);

	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void test_v1_mixed_unknown(void **state)
{
	static const char want[] = "PROXY UNKNOWN\r\n";
	unsigned char buf[PP_BUILD_MAX];
	int n = build(1, "192.0.2.7", 1, "fd00::1", 2, buf);

	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void test_v2_tcp4(void **state)
{
	static const unsigned char want[] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
		0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c,
		192, 0, 2, 7, 10, 0, 0, 1, 0x9c, 0x40, 0x1f, 0x40,
	};
	unsigned char buf[PP_BUILD_MAX];
	int n = build(2, "192.0.2.7", 40000, "10.0.0.1", 8000, buf);

	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, n);
}

static void test_v2_tcp6(void **state)
{
	static const unsigned char want[] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
		0x54, 0x0a, 0x21, 0x21, 0x00, 0x24,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7,
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0x01, 0xbb, 0x00, 0x50,
	};
	unsigned char buf[PP_BUILD_MAX];
	int n = build(2, "2001:db8::7", 443, "fd00::1", 80, buf);

	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, n);
}

static void test_v2_mixed_local(void **state)
{
	static const unsigned char want[] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
		0x54, 0x0a, 0x20, 0x00, 0x00, 0x00,
	};
	unsigned char buf[PP_BUILD_MAX];
	int n = build(2, "2001:db8::7", 443, "10.0.0.1", 80, buf);

	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, n);
}

static void test_bad_version(void **state)
{
	unsigned char buf[PP_BUILD_MAX];

	assert_int_equal(build(3, "10.0.0.1", 1, "10.0.0.2", 2, buf),
			 -EINVAL);
}

static void assert_addr(const struct sockaddr_storage *ss, const char *ip,
			int port)
{
	struct sockaddr_storage want = sa(ip, port);
	size_t len = want.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
						 sizeof(struct sockaddr_in6);

	assert_memory_equal(ss, &want, len);
}

/* Whatever pp_build() writes, pp_parse() reads back. */
static void test_roundtrip(void **state)
{
	static const char *ips[][2] = {
		{ "192.0.2.7", "10.0.0.1" },
		{ "2001:db8::7", "fd00::1" },
	};
	unsigned char buf[PP_BUILD_MAX + 8];
	struct pp_info info;
	int v, i, n;

	for (v = 1; v <= 2; v++) {
		for (i = 0; i < 2; i++) {
			n = build(v, ips[i][0], 1234, ips[i][1], 80, buf);
			assert_true(n > 0);
			memcpy(buf + n, "data", 4);
			assert_int_equal(pp_parse(buf, n + 4, &info), n);
			assert_int_equal(info.version, v);
			assert_true(info.proxied);
			assert_addr(&info.src, ips[i][0], 1234);
			assert_addr(&info.dst, ips[i][1], 80);
			/* every strict prefix asks for more */
			for (int k = 0; k < n; k++)
				assert_int_equal(pp_parse(buf, k, &info), 0);
		}
	}
}

static void test_parse_not_proxy(void **state)
{
	struct pp_info info;

	assert_int_equal(pp_parse("GET / HTTP/1.1\r\n", 16, &info), -ENOMSG);
	assert_int_equal(pp_parse("\x16\x03\x01", 3, &info), -ENOMSG);
	assert_int_equal(pp_parse("PROXX", 5, &info), -ENOMSG);
	assert_int_equal(pp_parse("\r\n\r\n\0\r\nX", 8, &info), -ENOMSG);
}

static void test_parse_v1_malformed(void **state)
{
	static const char *bad[] = {
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n",
		"PROXY TCP4 ::1 5.6.7.8 1 2\r\n",
		"PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
		"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",
	};
	struct pp_info info;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pp_parse(bad[i], strlen(bad[i]), &info),
				 -EINVAL);
}

static void test_parse_v1_unknown_and_long(void **state)
{
	static const char unk[] = "PROXY UNKNOWN whatever 1 2\r\nrest";
	char longline[200];
	struct pp_info info;

	assert_int_equal(pp_parse(unk, strlen(unk), &info), strlen(unk) - 4);
	assert_false(info.proxied);
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "PROXY ", 6);
	assert_int_equal(pp_parse(longline, sizeof(longline), &info), -EINVAL);
	assert_int_equal(pp_parse(longline, 100, &info), 0);
}

static void test_parse_v2_local_and_tlv(void **state)
{
	unsigned char b[64] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
		0x54, 0x0a, 0x20, 0x00, 0x00, 0x00,
	};
	struct pp_info info;

	assert_int_equal(pp_parse(b, 16, &info), 16);
	assert_false(info.proxied);
	/* PROXY over IPv4 with a 3-byte TLV after the addresses */
	b[12] = 0x21;
	b[13] = 0x11;
	b[15] = 15;
	memcpy(b + 16, "\x0a\x00\x00\x09\x0a\x00\x00\x01\x00\x07\x00\x50",
	       12);
	memcpy(b + 28, "\x04\x00\x00", 3);
	assert_int_equal(pp_parse(b, 40, &info), 31);
	assert_true(info.proxied);
	assert_addr(&info.src, "10.0.0.9", 7);
	assert_addr(&info.dst, "10.0.0.1", 80);
}

static void test_parse_v2_malformed(void **state)
{
	unsigned char b[64] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
		0x54, 0x0a, 0x21, 0x11, 0x00, 0x08,
	};
	struct pp_info info;

	/* IPv4 block shorter than 12 bytes */
	assert_int_equal(pp_parse(b, 24, &info), -EINVAL);
	/* version 1 in the v2 framing */
	b[12] = 0x11;
	b[15] = 12;
	assert_int_equal(pp_parse(b, 28, &info), -EINVAL);
	/* command 2 */
	b[12] = 0x22;
	assert_int_equal(pp_parse(b, 28, &info), -EINVAL);
	/* length beyond the limit */
	b[12] = 0x21;
	b[14] = 0xff;
	assert_int_equal(pp_parse(b, 28, &info), -EINVAL);
	/* unknown family */
	b[14] = 0;
	b[13] = 0x41;
	assert_int_equal(pp_parse(b, 28, &info), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_tcp4),
		cmocka_unit_test(test_v1_tcp6),
		cmocka_unit_test(test_v1_mapped_is_tcp4),
		cmocka_unit_test(test_v1_mixed_unknown),
		cmocka_unit_test(test_v2_tcp4),
		cmocka_unit_test(test_v2_tcp6),
		cmocka_unit_test(test_v2_mixed_local),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_parse_not_proxy),
		cmocka_unit_test(test_parse_v1_malformed),
		cmocka_unit_test(test_parse_v1_unknown_and_long),
		cmocka_unit_test(test_parse_v2_local_and_tlv),
		cmocka_unit_test(test_parse_v2_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
