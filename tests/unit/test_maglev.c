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

/* Each test runs at the smallest and the largest ring size of the ABI. */
static uint32_t SIZE;

static int at_min(void **state)
{
	SIZE = LB_RING_MIN;
	return 0;
}

static int at_max(void **state)
{
	SIZE = LB_RING_MAX;
	return 0;
}

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
	 * stay: allow 4% of the table as Maglev's extra churn (measured
	 * ~2-3% at 100 entries per backend, under 1% at 1600 and more).
	 */
	assert_true(moved(a, b) >= SIZE / 10 - 1);
	assert_true(extra < SIZE * 4 / 100);
	free(a);
	free(b);
}

/* Adding a 10th equal backend moves about 1/10 of the entries (10 is
 * the most the smallest ring takes).
 */
static void test_disruption_add(void **state)
{
	struct maglev_backend be[10];
	uint32_t *a = malloc(SIZE * 4), *b = malloc(SIZE * 4), m;

	make_backends(be, 10, NULL);
	assert_int_equal(maglev_build(be, 9, SIZE, a), 0);
	assert_int_equal(maglev_build(be, 10, SIZE, b), 0);
	m = moved(a, b);
	assert_true(m >= SIZE / 10 - 1);
	assert_true(m < SIZE / 10 + SIZE * 4 / 100);
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
	uint32_t *t = malloc(16411 * 4);

	make_backends(be, 1, NULL);
	be[0].weight = 0;
	assert_int_equal(maglev_build(be, 1, SIZE, t), 0);
	assert_int_equal(t[0], MAGLEV_NONE);
	assert_int_equal(t[SIZE - 1], MAGLEV_NONE);
	assert_int_equal(maglev_build(be, 1, 16410, t), -EINVAL);
	make_backends(be, 200, NULL);	/* 200 x 100 > 16411 */
	assert_int_equal(maglev_build(be, 200, 16411, t), -E2BIG);
	free(t);
}

/* Ring sizes: a prime >= 100 x backends rounded up to a power of two,
 * never below the floor; the ABI's bounds are what it gives.
 */
static void test_ring_size(void **state)
{
	assert_int_equal(maglev_size(0, LB_RING_MIN), LB_RING_MIN);
	assert_int_equal(maglev_size(3, LB_RING_MIN), LB_RING_MIN);
	assert_int_equal(maglev_size(8, LB_RING_MIN), LB_RING_MIN);
	assert_int_equal(maglev_size(9, LB_RING_MIN), 1601);
	assert_int_equal(maglev_size(16, LB_RING_MIN), 1601);
	assert_int_equal(maglev_size(17, LB_RING_MIN), 3203);
	assert_int_equal(maglev_size(1000, LB_RING_MIN), LB_RING_MAX);
	assert_int_equal(maglev_size(LB_MAX_VIP_BACKENDS, LB_RING_MIN),
			 LB_RING_MAX);
	assert_int_equal(maglev_size(2, 16411), 16411);
}

/* The largest VIP: 1024 equal backends in the largest ring, each within
 * one entry of its share.
 */
static void test_max_backends(void **state)
{
	struct maglev_backend *be = calloc(LB_MAX_VIP_BACKENDS, sizeof(*be));
	static char k[LB_MAX_VIP_BACKENDS][32];
	uint32_t *t = malloc(LB_RING_MAX * 4), *c = calloc(LB_MAX_VIP_BACKENDS, 4);
	double exact = (double)LB_RING_MAX / LB_MAX_VIP_BACKENDS;
	uint32_t i;

	for (i = 0; i < LB_MAX_VIP_BACKENDS; i++) {
		snprintf(k[i], sizeof(k[i]), "10.1.%u.%u:80", i / 250, i % 250 + 1);
		be[i].key = k[i];
		be[i].id = i;
		be[i].weight = 1;
	}
	assert_int_equal(maglev_build(be, LB_MAX_VIP_BACKENDS, LB_RING_MAX, t), 0);
	for (i = 0; i < LB_RING_MAX; i++) {
		assert_true(t[i] < LB_MAX_VIP_BACKENDS);
		c[t[i]]++;
	}
	for (i = 0; i < LB_MAX_VIP_BACKENDS; i++)
		assert_true(c[i] >= exact - 1 && c[i] <= exact + 1);
	free(be);
	free(t);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_exact_shares, at_min),
		cmocka_unit_test_setup(test_exact_shares, at_max),
		cmocka_unit_test_setup(test_disruption_remove, at_min),
		cmocka_unit_test_setup(test_disruption_remove, at_max),
		cmocka_unit_test_setup(test_disruption_add, at_min),
		cmocka_unit_test_setup(test_disruption_add, at_max),
		cmocka_unit_test_setup(test_order_independent, at_min),
		cmocka_unit_test_setup(test_empty_and_invalid, at_min),
		cmocka_unit_test(test_ring_size),
		cmocka_unit_test(test_max_backends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
