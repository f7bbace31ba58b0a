/* Probe URLs: parsing of server URLs and RFC 3986 reference resolution
 * of the healthCheck path against them (Traefik: serverURL.Parse(path)),
 * plus redirect Location resolution.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "urlref.h"

static void test_parse(void **state)
{
	struct urlref u;
	char buf[512];

	assert_int_equal(urlref_parse("HTTP://user:pw@10.0.0.1:8080/a/b?x=1#f", &u), 0);
	assert_string_equal(u.scheme, "http");
	assert_string_equal(u.host, "10.0.0.1");
	assert_string_equal(u.port, "8080");
	assert_string_equal(u.path, "/a/b");
	assert_string_equal(u.query, "x=1");
	assert_int_equal(urlref_port(&u), 8080);
	urlref_authority(&u, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.1:8080");

	assert_int_equal(urlref_parse("https://[::1]", &u), 0);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.port, "");
	assert_int_equal(urlref_port(&u), 443);
	urlref_format(&u, buf, sizeof(buf));
	assert_string_equal(buf, "https://[::1]");
	urlref_request_uri(&u, buf, sizeof(buf));
	assert_string_equal(buf, "/");

	assert_int_equal(urlref_parse("h2c://backend?q", &u), 0);
	assert_int_equal(urlref_port(&u), 80);
	assert_true(u.has_query);

	assert_int_not_equal(urlref_parse("10.0.0.1:80", &u), 0);
	assert_int_not_equal(urlref_parse("http://", &u), 0);
	assert_int_not_equal(urlref_parse("http://h:99999/", &u), 0);
	assert_int_not_equal(urlref_parse("http://h:8x/", &u), 0);
}

static void test_resolve(void **state)
{
	static const struct {
		const char *base, *ref, *want;
	} cases[] = {
		/* Traefik's healthCheck.path */
		{ "http://10.0.0.1:81", "/health", "http://10.0.0.1:81/health" },
		{ "http://10.0.0.1:81/api/v1?x=1", "/health", "http://10.0.0.1:81/health" },
		{ "http://10.0.0.1:81", "/health?ready=1", "http://10.0.0.1:81/health?ready=1" },
		{ "http://10.0.0.1:81/api/v1", "health", "http://10.0.0.1:81/api/health" },
		{ "http://10.0.0.1:81/api/", "health", "http://10.0.0.1:81/api/health" },
		{ "http://10.0.0.1:81", "health", "http://10.0.0.1:81/health" },
		{ "http://h/a/b/c", "../d", "http://h/a/d" },
		{ "http://h/a/b/c", "./d/./e/../f", "http://h/a/b/d/f" },
		{ "http://h/a?x=1", "?y=2", "http://h/a?y=2" },
		{ "http://h/a?x=1", "", "http://h/a?x=1" },
		/* redirect Locations */
		{ "http://h:81/a", "http://other:82/b?c", "http://other:82/b?c" },
		{ "http://h:81/a", "//other/x", "http://other/x" },
		{ "https://h/a", "/b#frag", "https://h/b" },
		{ "http://h/a", "/../../x", "http://h/x" },
	};
	struct urlref b, o;
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(urlref_parse(cases[i].base, &b), 0);
		assert_int_equal(urlref_resolve(&b, cases[i].ref, &o), 0);
		urlref_format(&o, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want))
			fail_msg("%s + %s: got %s, want %s", cases[i].base,
				 cases[i].ref, buf, cases[i].want);
	}
	assert_true(urlref_is_abs("https://x"));
	assert_false(urlref_is_abs("/x:y"));
	assert_false(urlref_is_abs("health"));
}

static void test_split_hostport(void **state)
{
	char h[64], p[8];

	assert_int_equal(urlref_split_hostport("10.0.0.1:5432", h, sizeof(h), p, sizeof(p)), 0);
	assert_string_equal(h, "10.0.0.1");
	assert_string_equal(p, "5432");
	assert_int_equal(urlref_split_hostport("[fd00::1]:53", h, sizeof(h), p, sizeof(p)), 0);
	assert_string_equal(h, "fd00::1");
	assert_string_equal(p, "53");
	assert_int_equal(urlref_split_hostport("db.local", h, sizeof(h), p, sizeof(p)), 0);
	assert_string_equal(p, "");
	assert_int_not_equal(urlref_split_hostport("fd00::1:53", h, sizeof(h), p, sizeof(p)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_split_hostport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
