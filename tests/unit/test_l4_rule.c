/* HostSNI rule parsing and matching. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "hostsni.h"

static void test_parse_ok(void **state)
{
	char **v;

	assert_int_equal(l4_rule_parse_host_sni("HostSNI(`*`)", &v), 0);
	assert_string_equal(v[0], "*");
	assert_null(v[1]);
	l4_rule_names_free(v);
	assert_int_equal(l4_rule_parse_host_sni(
		" HostSNI(`A.example`, \"b.example\") || HostSNI(`c`) ", &v), 0);
	assert_string_equal(v[0], "a.example");
	assert_string_equal(v[1], "b.example");
	assert_string_equal(v[2], "c");
	assert_null(v[3]);
	l4_rule_names_free(v);
}

static void test_parse_bad(void **state)
{
	static const char *bad[] = {
		"", "HostSNI()", "HostSNI(``)", "HostSNI(`a`", "HostSNI(`a)",
		"HostSNI(`a`) && ClientIP(`1.2.3.4`)", "ClientIP(`1.2.3.4`)",
		"HostSNI(`a`) ||", "!HostSNI(`a`)", "HostSNI(`a`'b')",
		"HostSNIRegexp(`a`)",
	};
	char **v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(l4_rule_parse_host_sni(bad[i], &v), -EINVAL);
		assert_null(v);
	}
}

static void test_match(void **state)
{
	assert_true(l4_rule_sni_match("a.example", "A.EXAMPLE"));
	assert_false(l4_rule_sni_match("a.example", "b.example"));
	assert_true(l4_rule_sni_match("*.example", "x.example"));
	assert_true(l4_rule_sni_match("*.example", "y.x.example"));
	assert_false(l4_rule_sni_match("*.example", "example"));
	assert_false(l4_rule_sni_match("*.example", ".example"));
	assert_false(l4_rule_sni_match("*.example", "xexample"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
