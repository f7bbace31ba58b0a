/* Value conversions that must match Traefik exactly: Go durations (and
 * the bare-integer units), default sticky cookie names, and the
 * normalised JSON model of `sluice config show`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cfg_test.h"
#include "json_writer.h"
#include "jtree.h"

static void test_parse_duration(void **state)
{
	static const struct {
		const char *in;
		int64_t unit;
		int64_t ns;
	} ok[] = {
		{ "0", NSEC_PER_SEC, 0 },
		{ "10", NSEC_PER_SEC, 10 * NSEC_PER_SEC },	/* paerser: seconds */
		{ "200", NSEC_PER_MSEC, 200 * NSEC_PER_MSEC },	/* terminationDelay */
		{ "-1", NSEC_PER_MSEC, -NSEC_PER_MSEC },
		{ "100ms", NSEC_PER_SEC, 100 * NSEC_PER_MSEC },
		{ "1.5s", NSEC_PER_SEC, 1500 * NSEC_PER_MSEC },
		{ "1m30s", NSEC_PER_SEC, 90 * NSEC_PER_SEC },
		{ "2h45m", NSEC_PER_SEC, (2 * 3600 + 45 * 60) * NSEC_PER_SEC },
		{ "-1s", NSEC_PER_SEC, -NSEC_PER_SEC },
		{ "300us", NSEC_PER_SEC, 300000 },
		{ "300\xc2\xb5s", NSEC_PER_SEC, 300000 },
		{ "7ns", NSEC_PER_SEC, 7 },
		{ ".5s", NSEC_PER_SEC, 500 * NSEC_PER_MSEC },
	};
	static const char *const bad[] = { "", "s", "1x", "1.5", "ms", "1s2",
					   "--1s", "1 s", "abc" };
	size_t i;
	int64_t v;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(config_parse_duration(ok[i].in, ok[i].unit, &v), 0);
		assert_int_equal(v, ok[i].ns);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(config_parse_duration(bad[i], NSEC_PER_SEC, &v), 0);
}

static void test_format_duration(void **state)
{
	static const struct {
		int64_t ns;
		const char *out;
	} cases[] = {
		{ 0, "0s" },
		{ 100 * NSEC_PER_MSEC, "100ms" },
		{ 1500 * NSEC_PER_MSEC, "1.5s" },
		{ 90 * NSEC_PER_SEC, "1m30s" },
		{ 3600 * NSEC_PER_SEC, "1h0m0s" },
		{ -NSEC_PER_SEC, "-1s" },
		{ 1500, "1.5\xc2\xb5s" },
		{ 42, "42ns" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		config_format_duration(cases[i].ns, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].out);
	}
}

/* The table of semantics §1.1, verified against Traefik's vectors. */
static void test_cookie_names(void **state)
{
	static const struct {
		const char *svc;
		const char *name;
	} cases[] = {
		{ "/my/BACKEND-v1.0~rc1", "_5f7bc" },
		{ "test", "_6f743" },
		{ "my-service@file", "_4fcce" },
		{ "my-service", "_a4015" },
		{ "whoami1@file", "_064e4" },
		{ "whoami1", "_20a90" },
		{ "whoami2@file", "_d282e" },
		{ "app@file", "_fb0b0" },
		{ "whoami@file", "_77b1f" },
		{ "whoami@docker", "_633ff" },
		{ "service1@file", "_4a6ce" },
		{ "wrr@file", "_96d1d" },
		{ "wrr1@file", "_c3771" },
		{ "test@file", "_0351f" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		config_cookie_name(NULL, cases[i].svc, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].name);
	}
	/* custom names: non-token characters become '_' */
	config_cookie_name("/my/BACKEND-v1.0~rc1", "x", buf, sizeof(buf));
	assert_string_equal(buf, "_my_BACKEND-v1.0~rc1");
	config_cookie_name("a b;c", "x", buf, sizeof(buf));
	assert_string_equal(buf, "a_b_c");
}

static void test_show_json(void **state)
{
	struct config *cfg = cfgt_load(
		"entryPoints:\n"
		"  web: {address: ':8000'}\n"
		"http:\n"
		"  routers:\n"
		"    r: {rule: 'PathPrefix(`/`)', service: s}\n"
		"  services:\n"
		"    s:\n"
		"      loadBalancer:\n"
		"        servers: [{url: 'http://10.0.0.1'}]\n"
		"        healthCheck: {path: /h}\n"
		"dataplane:\n"
		"  interfaces: [veth0, {name: veth1, mode: native}]\n"
		"  forwarding: nat\n");
	struct json_writer *w = jsonw_new_buf();
	const struct jnode *c, *s, *lb, *hc, *r, *dp;
	struct jnode *doc;

	assert_int_equal(cfg->n_errors, 0);
	config_write_json(cfg, w);
	doc = jnode_parse(jsonw_buf(w), strlen(jsonw_buf(w)));
	assert_non_null(doc);
	c = jnode_get(doc, "config");
	s = jnode_get(jnode_get(jnode_get(c, "http"), "services"), "s@file");
	assert_string_equal(jnode_str(s, "status"), "enabled");
	lb = jnode_get(s, "loadBalancer");
	assert_string_equal(jnode_str(lb, "passHostHeader"), "true");
	assert_string_equal(jnode_str(lb, "strategy"), "wrr");
	hc = jnode_get(lb, "healthCheck");
	assert_string_equal(jnode_str(hc, "interval"), "30s");
	assert_string_equal(jnode_str(hc, "timeout"), "5s");
	assert_string_equal(jnode_str(hc, "method"), "GET");
	assert_string_equal(jnode_str(jnode_get(lb, "responseForwarding"),
				       "flushInterval"), "100ms");
	r = jnode_get(jnode_get(jnode_get(c, "http"), "routers"), "r@file");
	assert_string_equal(jnode_str(r, "service"), "s@file");
	assert_string_equal(jnode_str(r, "priority"), "15");	/* len(rule) */
	dp = jnode_get(c, "dataplane");
	assert_string_equal(jnode_str(dp, "forwarding"), "nat");
	assert_string_equal(jnode_str(dp, "pinDir"), "/sys/fs/bpf/sluice");
	assert_string_equal(jnode_str(dp, "flowGcInterval"), "10s");
	assert_int_equal(jnode_get(dp, "interfaces")->n_kids, 2);
	assert_string_equal(jnode_str(jnode_get(dp, "interfaces")->kids[1], "mode"),
			    "native");
	assert_string_equal(jnode_str(doc, "errors"), "0");
	jnode_free(doc);
	jsonw_destroy(w);
	config_free(cfg);
}

/* dataplane.hook and its per-interface override: xdp, tc, auto; the
 * default auto; anything else is an error naming the value and place.
 */
static void test_dataplane_hook(void **state)
{
	struct config *cfg = cfgt_load(
		"dataplane:\n"
		"  hook: auto\n"
		"  interfaces: [veth0, {name: veth1, hook: tc}, {name: veth2, hook: xdp}]\n");
	const struct cfg_dataplane *dp = &cfg->dataplane;

	assert_int_equal(cfg->n_errors, 0);
	assert_int_equal(config_dp_iface_hook(dp, &dp->ifaces[0]), CFG_HOOK_AUTO);
	assert_int_equal(config_dp_iface_hook(dp, &dp->ifaces[1]), CFG_HOOK_TC);
	assert_int_equal(config_dp_iface_hook(dp, &dp->ifaces[2]), CFG_HOOK_XDP);
	config_free(cfg);

	cfg = cfgt_load("dataplane:\n  interfaces: [veth0, {name: veth1, hook: xdp}]\n");
	assert_int_equal(config_dp_iface_hook(&cfg->dataplane,
					      &cfg->dataplane.ifaces[0]),
			 CFG_HOOK_AUTO);
	assert_int_equal(config_dp_iface_hook(&cfg->dataplane,
					      &cfg->dataplane.ifaces[1]),
			 CFG_HOOK_XDP);
	config_free(cfg);

	cfg = cfgt_load("dataplane:\n  interfaces: [{name: veth0, hook: ebpf}]\n");
	assert_int_equal(cfg->n_errors, 1);
	assert_non_null(strstr(cfg->diags[0].msg, "\"ebpf\""));
	assert_int_equal(cfg->diags[0].pos.line, 2);
	config_free(cfg);
}

/* dataplane.flowGcInterval: 10s when absent, 0 turns the GC off, a
 * negative or malformed value is an error at its place.
 */
static void test_dataplane_flow_gc(void **state)
{
	struct config *cfg = cfgt_load("dataplane:\n  interfaces: [veth0]\n");

	assert_int_equal(cfg->n_errors, 0);
	assert_int_equal(cfg->dataplane.flow_gc_interval, 10000000000ll);
	config_free(cfg);
	cfg = cfgt_load("dataplane:\n  flowGcInterval: 0\n");
	assert_int_equal(cfg->n_errors, 0);
	assert_int_equal(cfg->dataplane.flow_gc_interval, 0);
	config_free(cfg);
	cfg = cfgt_load("dataplane:\n  flowGcInterval: 1.5s\n");
	assert_int_equal(cfg->n_errors, 0);
	assert_int_equal(cfg->dataplane.flow_gc_interval, 1500000000ll);
	config_free(cfg);
	cfg = cfgt_load("dataplane:\n  interfaces: [veth0]\n  flowGcInterval: -3s\n");
	assert_int_equal(cfg->n_errors, 1);
	assert_non_null(strstr(cfg->diags[0].msg, "\"-3s\""));
	assert_int_equal(cfg->diags[0].pos.line, 3);
	assert_int_equal(cfg->diags[0].pos.col, 19);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_dataplane_flow_gc),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_cookie_names),
		cmocka_unit_test(test_show_json),
		cmocka_unit_test(test_dataplane_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
