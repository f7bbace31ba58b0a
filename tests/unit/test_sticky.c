/* Sticky cookies byte for byte: the value codecs of every Traefik version
 * (semantics §1.2 worked values), matching, Set-Cookie, Cookie parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sticky.h"

static void test_values(void **state)
{
	char v[STICKY_VALUE_LEN + 1], h[17];

	sticky_value("http://127.0.0.1:8081", v);
	assert_string_equal(v, "08d5f409490f61fc");
	sticky_value("http://127.0.0.1:8082", v);
	assert_string_equal(v, "6bf4bc2f5d722cee");
	sticky_value("http://127.0.0.1:8081/", v);
	assert_string_equal(v, "ab3713bb4a099ce6");
	sticky_value("http://10.0.0.1:80", v);
	assert_string_equal(v, "df5bd2f9c0180410");
	sticky_value("whoami1", v);
	assert_string_equal(v, "8dfb3926c09f6a70");
	sticky_value("whoami2", v);
	assert_string_equal(v, "95a51080d653f83f");
	sticky_value("service1", v);
	assert_string_equal(v, "e9c34be8fdc0142f");

	sticky_fnv1a64_hex("a", h);
	assert_string_equal(h, "af63dc4c8601ec8c");
	sticky_fnv1_64_hex("a", h);
	assert_string_equal(h, "af63bd4c8601b7be");
	sticky_fnv1a64_hex("http://127.0.0.1:8081", h);
	assert_string_equal(h, "75327ea3b04bcda5");
	sticky_fnv1a64_hex("http://127.0.0.1:8082", h);
	assert_string_equal(h, "75327ba3b04bc88c");
	sticky_fnv1a64_hex("http://127.0.0.1:8081/", h);
	assert_string_equal(h, "709aba2490ce417e");
	sticky_fnv1a64_hex("http://10.0.0.1:80", h);
	assert_string_equal(h, "c2e8df179a351d87");
	/* no zero padding: 15 characters */
	sticky_fnv1_64_hex("whoami1", h);
	assert_string_equal(h, "1c7d966a641b6f7");
	sticky_fnv1_64_hex("whoami2", h);
	assert_string_equal(h, "1c7d966a641b6f4");
	sticky_fnv1_64_hex("service1", h);
	assert_string_equal(h, "eb73801f39dd3d33");
}

#define M(v, t, url) sticky_match(v, strlen(v), t, url)

static void test_match_servers(void **state)
{
	const char *u = "http://127.0.0.1:8081";

	assert_int_equal(M("08d5f409490f61fc", u, true), STICKY_MATCH);
	/* v2.0-2.4 raw URL, compared by scheme, host and path */
	assert_int_equal(M("http://127.0.0.1:8081", u, true), STICKY_MATCH_LEGACY);
	assert_int_equal(M("HTTP://127.0.0.1:8081", u, true), STICKY_MATCH_LEGACY);
	assert_int_equal(M("http://127.0.0.1:8081?x=1", u, true),
			 STICKY_MATCH_LEGACY);
	/* v2.5-2.11 FNV-1a */
	assert_int_equal(M("75327ea3b04bcda5", u, true), STICKY_MATCH_LEGACY);
	assert_int_equal(M("75327ba3b04bc88c", u, true), STICKY_NO_MATCH);
	assert_int_equal(M("http://127.0.0.1:8082", u, true), STICKY_NO_MATCH);
	assert_int_equal(M("http://127.0.0.1:8081/x", u, true), STICKY_NO_MATCH);
	assert_int_equal(M("", u, true), STICKY_NO_MATCH);
	assert_int_equal(M("garbage\x01\xff", u, true), STICKY_NO_MATCH);
}

static void test_match_children(void **state)
{
	char h[17], hh[17];

	assert_int_equal(M("8dfb3926c09f6a70", "whoami1", false), STICKY_MATCH);
	assert_int_equal(M("whoami1", "whoami1", false), STICKY_MATCH_LEGACY);
	assert_int_equal(M("1c7d966a641b6f7", "whoami1", false),
			 STICKY_MATCH_LEGACY);
	sticky_fnv1_64_hex("whoami1", h);
	sticky_fnv1_64_hex(h, hh);
	assert_int_equal(M(hh, "whoami1", false), STICKY_MATCH_LEGACY);
	assert_int_equal(M("1c7d966a641b6f4", "whoami1", false), STICKY_NO_MATCH);
	assert_int_equal(M("whoami2", "whoami1", false), STICKY_NO_MATCH);
}

static void test_set_cookie(void **state)
{
	struct cfg_sticky_cookie c = { .name = "_4fcce", .path = "/" };
	char buf[256];

	assert_true(sticky_set_cookie(&c, "08d5f409490f61fc", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "_4fcce=08d5f409490f61fc; Path=/");

	c.name = "lvl1";
	c.secure = c.http_only = true;
	c.same_site = "LAX";
	c.max_age = 3600;
	c.domain = ".example.com";
	c.path = "/app";
	sticky_set_cookie(&c, "v", buf, sizeof(buf));
	assert_string_equal(buf, "lvl1=v; Path=/app; Domain=example.com; "
				 "Max-Age=3600; HttpOnly; Secure; SameSite=Lax");

	c.max_age = -1;
	c.same_site = "bogus";
	c.domain = NULL;
	c.secure = c.http_only = false;
	sticky_set_cookie(&c, "v", buf, sizeof(buf));
	assert_string_equal(buf, "lvl1=v; Path=/app; Max-Age=0");
	assert_int_equal(sticky_set_cookie(&c, "v", buf, 8), -1);
}

static void test_cookie_find(void **state)
{
	const char *v;
	size_t n;

	assert_true(sticky_cookie_find("lvl1=whoami1; lvl2=http://127.0.0.1:8081",
				       "lvl2", &v, &n));
	assert_int_equal(n, strlen("http://127.0.0.1:8081"));
	assert_memory_equal(v, "http://127.0.0.1:8081", n);
	assert_true(sticky_cookie_find("a=1;b = \"x\" ", "b", &v, &n));
	assert_int_equal(n, 1);
	assert_memory_equal(v, "x", 1);
	assert_false(sticky_cookie_find("lvl11=a; xlvl1=b", "lvl1", &v, &n));
	assert_false(sticky_cookie_find("", "a", &v, &n));
	assert_false(sticky_cookie_find(";;;=", "a", &v, &n));
	assert_true(sticky_cookie_find("a=", "a", &v, &n));
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_match_servers),
		cmocka_unit_test(test_match_children),
		cmocka_unit_test(test_set_cookie),
		cmocka_unit_test(test_cookie_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
