/* strmap: the name index behind config lookups, plans and the data
 * plane's id tables. Checked against a plain array model through many
 * adds and deletes (collisions, wrap-around, growth).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strmap.h"

#define N 3000

static char keys[N][16];

static void test_add_get(void **state)
{
	struct strmap m;
	size_t v, i;

	assert_int_equal(strmap_init(&m, 0), 0);
	assert_false(strmap_get(&m, "a", &v));
	for (i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
		assert_int_equal(strmap_add(&m, keys[i], i, NULL), 1);
	}
	/* a second add keeps the first value and reports it */
	assert_int_equal(strmap_add(&m, keys[7], 99, &v), 0);
	assert_int_equal(v, 7);
	for (i = 0; i < N; i++) {
		assert_true(strmap_get(&m, keys[i], &v));
		assert_int_equal(v, i);
	}
	assert_false(strmap_get(&m, "k3000", &v));
	assert_int_equal(m.n, N);
	strmap_free(&m);
}

/* Deletes every third key, then re-adds some: every lookup agrees with
 * the model, whatever runs the deletions shifted.
 */
static void test_del(void **state)
{
	static bool in[N];
	struct strmap m;
	size_t v, i, round;

	assert_int_equal(strmap_init(&m, 16), 0);	/* small: many collisions */
	for (i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "key-%zu", i * 7919);
		assert_int_equal(strmap_add(&m, keys[i], i, NULL), 1);
		in[i] = true;
	}
	for (round = 0; round < 3; round++) {
		for (i = round; i < N; i += 3) {
			assert_int_equal(strmap_del(&m, keys[i]), in[i]);
			in[i] = false;
		}
		for (i = 0; i < N; i += 5 + round) {
			if (in[i])
				continue;
			assert_int_equal(strmap_add(&m, keys[i], i, NULL), 1);
			in[i] = true;
		}
		for (i = 0; i < N; i++) {
			assert_int_equal(strmap_get(&m, keys[i], &v), in[i]);
			if (in[i])
				assert_int_equal(v, i);
		}
	}
	assert_false(strmap_del(&m, "absent"));
	strmap_free(&m);
}

static void test_hexkey(void **state)
{
	const unsigned char k[3] = { 0x00, 0xab, 0x7f };
	char out[7];

	strmap_hexkey(k, sizeof(k), out);
	assert_string_equal(out, "00ab7f");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_get),
		cmocka_unit_test(test_del),
		cmocka_unit_test(test_hexkey),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
