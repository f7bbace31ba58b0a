/* Unit tests for l7proxy/lb.c: the EDF balancer reproduces Traefik's
 * pick sequences (wrr.go, TestBalancerBias and the vectors in
 * traefik-semantics.md §2.2), leaves weight <= 0 out and is empty-safe.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lb.h"

/* Adds one entry per letter of @names with @weights, picks @n times and
 * writes the letters picked into @out.
 */
static void run(const char *names, const int *weights, int n, char *out)
{
	static char items[16];
	struct edf e;
	int i, k = (int)strlen(names);

	assert_int_equal(edf_init(&e, k), 0);
	for (i = 0; i < k; i++) {
		items[i] = names[i];
		assert_int_equal(edf_add(&e, &items[i], weights[i]), 0);
	}
	for (i = 0; i < n; i++) {
		char *p = edf_next(&e);

		out[i] = p ? *p : '-';
	}
	out[n] = '\0';
	edf_fini(&e);
}

static void test_bias_11_3(void **state)
{
	const int w[] = { 11, 3 };
	char out[32];

	run("AB", w, 14, out);
	assert_string_equal(out, "AAABAAAABAAABA");
}

static void test_3_1(void **state)
{
	const int w[] = { 3, 1 };
	char out[32];

	run("AB", w, 8, out);
	assert_string_equal(out, "AABAAAAB");
}

static void test_2_1(void **state)
{
	const int w[] = { 2, 1 };
	char out[32];

	run("AB", w, 6, out);
	assert_string_equal(out, "ABAABA");
}

static void test_equal_three(void **state)
{
	const int w[] = { 1, 1, 1 };
	char out[32];

	/* not a,b,c,a,b,c: each once per block of 3, heap order inside */
	run("ABC", w, 9, out);
	assert_string_equal(out, "ACBCBABAC");
}

static void test_zero_weight_left_out(void **state)
{
	const int w[] = { 0, 1, -2 };
	char out[32];

	run("ABC", w, 4, out);
	assert_string_equal(out, "BBBB");
}

static void test_empty(void **state)
{
	const int w[] = { 0 };
	char out[32];

	run("A", w, 2, out);
	assert_string_equal(out, "--");
}

static void test_capacity(void **state)
{
	struct edf e;
	int a, b;

	assert_int_equal(edf_init(&e, 1), 0);
	assert_int_equal(edf_add(&e, &a, 1), 0);
	assert_int_equal(edf_add(&e, &b, 1), -ENOSPC);
	edf_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bias_11_3),
		cmocka_unit_test(test_3_1),
		cmocka_unit_test(test_2_1),
		cmocka_unit_test(test_equal_three),
		cmocka_unit_test(test_zero_weight_left_out),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
