/* Traefik's TCP/UDP interleaved weighted round robin sequences. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "wrr.h"

/* Picks @n times and writes 'A' + index per pick into @out. */
static void picks(struct wrr *w, int n, char *out)
{
	int i, r;

	for (i = 0; i < n; i++) {
		r = wrr_next(w);
		assert_true(r >= 0);
		out[i] = (char)('A' + r);
	}
	out[n] = '\0';
}

static int count(const char *s, char c)
{
	int n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

static void test_three_to_one(void **state)
{
	struct wrr_entry e[] = { { .weight = 3 }, { .weight = 1 } };
	struct wrr w;
	char out[16];

	wrr_init(&w, e, 2);
	picks(&w, 8, out);
	assert_string_equal(out, "AAABAAAB");
}

static void test_one_to_three_order(void **state)
{
	/* Traefik: 3:1 with order [B, A] gives A, A, B, A (here B is 0). */
	struct wrr_entry e[] = { { .weight = 1 }, { .weight = 3 } };
	struct wrr w;
	char out[16];

	wrr_init(&w, e, 2);
	picks(&w, 8, out);
	assert_string_equal(out, "BBABBBAB");
}

static void test_equal_weights(void **state)
{
	struct wrr_entry e[] = { { .weight = 1 }, { .weight = 1 },
				 { .weight = 1 } };
	struct wrr w;
	char out[16];

	wrr_init(&w, e, 3);
	picks(&w, 6, out);
	assert_string_equal(out, "ABCABC");
}

static void test_gcd_interleave(void **state)
{
	/* 4:2 reduces by gcd 2: A, A, B per cycle, as 2:1. */
	struct wrr_entry e[] = { { .weight = 4 }, { .weight = 2 } };
	struct wrr w;
	char out[16];

	wrr_init(&w, e, 2);
	picks(&w, 6, out);
	assert_string_equal(out, "AABAAB");
}

static void test_zero_weight_never_picked(void **state)
{
	struct wrr_entry e[] = { { .weight = 0 }, { .weight = 2 },
				 { .weight = 1 } };
	struct wrr w;
	char out[16];

	wrr_init(&w, e, 3);
	picks(&w, 6, out);
	assert_string_equal(out, "BBCBBC");
}

static void test_all_zero(void **state)
{
	struct wrr_entry e[] = { { .weight = 0 }, { .weight = 0 } };
	struct wrr w;

	wrr_init(&w, e, 2);
	assert_int_equal(wrr_next(&w), -EAGAIN);
	wrr_init(&w, NULL, 0);
	assert_int_equal(wrr_next(&w), -ENOENT);
}

static void test_down_guard(void **state)
{
	/* Every positive-weight entry down, a weight-0 entry up: Traefik v3
	 * loops forever here; we fail the pick.
	 */
	struct wrr_entry e[] = { { .weight = 3, .down = true },
				 { .weight = 0 } };
	struct wrr w;

	wrr_init(&w, e, 2);
	assert_int_equal(wrr_next(&w), -EAGAIN);
}

static void test_down_skipped(void **state)
{
	struct wrr_entry e[] = { { .weight = 5 }, { .weight = 1 },
				 { .weight = 1 } };
	struct wrr w;
	char out[16];

	wrr_init(&w, e, 3);
	picks(&w, 1, out);
	assert_string_equal(out, "A");
	e[0].down = true;
	picks(&w, 4, out);
	assert_string_equal(out, "BCBC");
	e[0].down = false;
	picks(&w, 14, out);
	/* two full cycles: the counts are exact again */
	assert_int_equal(count(out, 'A'), 10);
	assert_int_equal(count(out, 'B'), 2);
	assert_int_equal(count(out, 'C'), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_to_one),
		cmocka_unit_test(test_one_to_three_order),
		cmocka_unit_test(test_equal_weights),
		cmocka_unit_test(test_gcd_interleave),
		cmocka_unit_test(test_zero_weight_never_picked),
		cmocka_unit_test(test_all_zero),
		cmocka_unit_test(test_down_guard),
		cmocka_unit_test(test_down_skipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
