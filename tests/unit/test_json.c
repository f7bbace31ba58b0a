/* The JSON writer and the libyaml-backed reader agree: escaping, nesting,
 * numbers, and what the control protocol relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json_writer.h"
#include "jtree.h"

static void test_writer_compact(void **state)
{
	struct json_writer *w = jsonw_new_buf();

	jsonw_start_object(w);
	jsonw_string_field(w, "s", "a\"b\\c\n\t\x01");
	jsonw_u64_field(w, "u", UINT64_MAX);
	jsonw_s64_field(w, "i", -5);
	jsonw_bool_field(w, "b", false);
	jsonw_name(w, "n");
	jsonw_null(w);
	jsonw_name(w, "a");
	jsonw_start_array(w);
	jsonw_u64(w, 1);
	jsonw_start_object(w);
	jsonw_end_object(w);
	jsonw_start_array(w);
	jsonw_end_array(w);
	jsonw_end_array(w);
	jsonw_end_object(w);
	assert_string_equal(jsonw_buf(w),
		"{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\",\"u\":18446744073709551615,"
		"\"i\":-5,\"b\":false,\"n\":null,\"a\":[1,{},[]]}");
	jsonw_destroy(w);
}

static void test_roundtrip(void **state)
{
	struct json_writer *w = jsonw_new_buf(), *w2 = jsonw_new_buf();
	struct jnode *n;
	int64_t i;
	uint64_t u;

	jsonw_start_object(w);
	jsonw_string_field(w, "cmd", "server set");
	jsonw_name(w, "args");
	jsonw_start_array(w);
	jsonw_string(w, "web@file");
	jsonw_string(w, "http://10.0.0.1:80/ü?a=b&c=\"d\"");
	jsonw_string(w, "42");
	jsonw_end_array(w);
	jsonw_s64_field(w, "neg", -7);
	jsonw_u64_field(w, "big", 1ULL << 40);
	jsonw_end_object(w);
	n = jnode_parse(jsonw_buf(w), strlen(jsonw_buf(w)));
	assert_non_null(n);
	assert_string_equal(jnode_str(n, "cmd"), "server set");
	assert_int_equal(jnode_get(n, "args")->n_kids, 3);
	assert_string_equal(jnode_get(n, "args")->kids[1]->text,
			    "http://10.0.0.1:80/ü?a=b&c=\"d\"");
	/* a quoted "42" stays a string */
	assert_true(jnode_get(n, "args")->kids[2]->quoted);
	assert_true(jnode_s64(n, "neg", &i));
	assert_int_equal(i, -7);
	assert_true(jnode_u64(n, "big", &u));
	assert_int_equal(u, 1ULL << 40);
	assert_false(jnode_u64(n, "neg", &u));
	/* written back, the document is the same */
	jnode_write(n, w2);
	assert_string_equal(jsonw_buf(w2), jsonw_buf(w));
	jnode_free(n);
	jsonw_destroy(w);
	jsonw_destroy(w2);
}

static void test_reject_garbage(void **state)
{
	assert_null(jnode_parse("{\"a\": [1, 2", 11));
	assert_null(jnode_parse("{{{", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_compact),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_reject_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
