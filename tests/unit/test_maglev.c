/* Maglev builder: exact weight shares, disruption on removal and
 * addition, independence from backend order, empty and invalid tables.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lb_abi.h"
#include "maglev.h"

#define SIZE LB_RING_SIZE

static char keys[256][32];

static void make_backends(struct maglev_backend *be, size_t n,
			  const uint32_t *weights)
{
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "10.0.%zu.%zu:80", i / 200,
			 i % 200 + 1);
		be[i].key = keys[i];
		be[i].id = i;
		be[i].weight = weights ? weights[i] : 1;
	}
}

static void count(const uint32_t *t, uint32_t *counts, size_t n)
{
	uint32_t i;

	memset(counts, 0, n * sizeof(*counts));
	for (i = 0; i < SIZE; i++) {
		assert_true(t[i] < n);
		counts[t[i]]++;
	}
}

static uint32_t moved(const uint32_t *a, const uint32_t *b)
{
	uint32_t i, m = 0;

	for (i = 0; i < SIZE; i++)
		m += a[i] != b[i];
	return m;
}

/* Every backend owns its exact share of entries, within one entry. */
static void test_exact_shares(void **state)
{
	static const uint32_t w[] = { 1, 2, 3, 5, 0, 7 };
	struct maglev_backend be[6];
	uint32_t *t = malloc(SIZE * sizeof(*t)), c[6];
	double exact;
	int i;

	make_backends(be, 6, w);
	assert_int_equal(maglev_build(be, 6, SIZE, t), 0);
	count(t, c, 6);
	for (i = 0; i < 6; i++) {
		exact = (double)SIZE * w[i] / 18;
		assert_true(c[i] >= exact - 1 && c[i] <= exact + 1);
	}
	assert_int_equal(c[4], 0);	/* weight 0: drained */
	free(t);
}

/* Removing one of N equal backends moves its 1/N, and little more. */
static void test_disruption_remove(void **state)
{
	struct maglev_backend be[10];
	uint32_t *a = malloc(SIZE * 4), *b = malloc(SIZE * 4), i, extra = 0;

	make_backends(be, 10, NULL);
	assert_int_equal(maglev_build(be, 10, SIZE, a), 0);
	be[3].weight = 0;
	assert_int_equal(maglev_build(be, 10, SIZE, b), 0);
	for (i = 0; i < SIZE; i++)
		if (a[i] != b[i] && a[i] != 3)
			extra++;
	/* Entries of the removed backend must move (1/10); others should
	 * stay: allow 3% of the table as Maglev's documented extra churn.
	 */
	assert_true(moved(a, b) >= SIZE / 10 - 1);
	assert_true(extra < SIZE * 3 / 100);
	free(a);
	free(b);
}

/* Adding an 11th equal backend moves about 1/11 of the entries. */
static void test_disruption_add(void **state)
{
	struct maglev_backend be[11];
	uint32_t *a = malloc(SIZE * 4), *b = malloc(SIZE * 4), m;

	make_backends(be, 11, NULL);
	assert_int_equal(maglev_build(be, 10, SIZE, a), 0);
	assert_int_equal(maglev_build(be, 11, SIZE, b), 0);
	m = moved(a, b);
	assert_true(m >= SIZE / 11 - 1);
	assert_true(m < SIZE / 11 + SIZE * 3 / 100);
	free(a);
	free(b);
}

/* The table depends on (key, weight), not on the order given. */
static void test_order_independent(void **state)
{
	struct maglev_backend be[4], rev[4];
	uint32_t *a = malloc(SIZE * 4), *b = malloc(SIZE * 4), i;

	make_backends(be, 4, NULL);
	for (i = 0; i < 4; i++)
		rev[i] = be[3 - i];
	assert_int_equal(maglev_build(be, 4, SIZE, a), 0);
	assert_int_equal(maglev_build(rev, 4, SIZE, b), 0);
	assert_int_equal(moved(a, b), 0);
	free(a);
	free(b);
}

static void test_empty_and_invalid(void **state)
{
	struct maglev_backend be[200];
	uint32_t *t = malloc(SIZE * 4);

	make_backends(be, 1, NULL);
	be[0].weight = 0;
	assert_int_equal(maglev_build(be, 1, SIZE, t), 0);
	assert_int_equal(t[0], MAGLEV_NONE);
	assert_int_equal(t[SIZE - 1], MAGLEV_NONE);
	assert_int_equal(maglev_build(be, 1, 16410, t), -EINVAL);
	make_backends(be, 200, NULL);	/* 200 x 100 > 16411 */
	assert_int_equal(maglev_build(be, 200, SIZE, t), -E2BIG);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_shares),
		cmocka_unit_test(test_disruption_remove),
		cmocka_unit_test(test_disruption_add),
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_empty_and_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
