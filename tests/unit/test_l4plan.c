/* l4plan: tcp/udp routers and services -> VIPs with flattened weights. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "l4plan.h"

static const char yaml[] =
	"entryPoints:\n"
	"  web:\n    address: \"10.0.0.1:80\"\n"
	"  pg:\n    address: \":5432\"\n"
	"  dns:\n    address: \"10.0.0.1:53/udp\"\n    udp:\n      timeout: 7s\n"
	"dataplane:\n  interfaces: [sldp0]\n"
	"tcp:\n"
	"  routers:\n"
	"    web:\n      entryPoints: [web]\n      rule: \"HostSNI(`*`)\"\n      service: split\n"
	"    pg:\n      entryPoints: [pg]\n      rule: \"HostSNI(`*`)\"\n      service: pg\n"
	"    tls:\n      entryPoints: [web]\n      rule: \"HostSNI(`a.example`)\"\n      service: pg\n"
	"  services:\n"
	"    split:\n      weighted:\n        services:\n"
	"          - name: a\n            weight: 3\n"
	"          - name: b\n            weight: 1\n"
	"    a:\n      loadBalancer:\n        servers:\n"
	"          - address: \"10.1.0.1:8080\"\n"
	"          - address: \"10.1.0.2:8080\"\n            weight: 2\n"
	"    b:\n      loadBalancer:\n        servers:\n"
	"          - address: \"10.1.0.3:8080\"\n"
	"          - address: \"10.1.0.4:8080\"\n            weight: 0\n"
	"    pg:\n      loadBalancer:\n        forwarding: nat\n        servers:\n"
	"          - address: \"10.1.0.5:5432\"\n"
	"          - address: \"[fd01::5]:5432\"\n"
	"udp:\n"
	"  routers:\n"
	"    dns:\n      entryPoints: [dns]\n      service: dns\n"
	"  services:\n"
	"    dns:\n      loadBalancer:\n        servers:\n"
	"          - address: \"10.1.0.6:53\"\n";

static struct config *cfg;

static int setup(void **state)
{
	cfg = config_load_string("test.yaml", yaml);
	if (!cfg || cfg->fatal)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	config_free(cfg);
	return 0;
}

static const struct l4plan_vip *by_name(const struct l4plan *p, const char *n)
{
	size_t i;

	for (i = 0; i < p->n_vips; i++)
		if (!strcmp(p->vips[i].name, n))
			return &p->vips[i];
	return NULL;
}

static uint64_t weight_of(const struct l4plan_vip *v, const char *key)
{
	size_t i;

	for (i = 0; i < v->n_be; i++)
		if (!strcmp(v->be[i].key, key))
			return v->be[i].weight;
	fail_msg("backend %s missing", key);
	return 0;
}

/* weighted 3:1 over (1:2) and (1:0): 1/4, 2/4, 1/4, drain 0 */
static void test_weighted_flattening(void **state)
{
	struct l4plan *p = l4plan_build(cfg, NULL, 0);
	const struct l4plan_vip *v;

	assert_non_null(p);
	v = by_name(p, "10.0.0.1:80/tcp");
	assert_non_null(v);
	assert_int_equal(v->n_be, 4);
	assert_int_equal(weight_of(v, "10.1.0.1:8080"), 250000);
	assert_int_equal(weight_of(v, "10.1.0.2:8080"), 500000);
	assert_int_equal(weight_of(v, "10.1.0.3:8080"), 250000);
	assert_int_equal(weight_of(v, "10.1.0.4:8080"), 0);
	assert_true(v->flags & LB_VIP_F_FULLNAT);
	assert_string_equal(v->service, "split@file");
	l4plan_free(p);
}

/* ":5432" gives a wildcard VIP per family; forwarding override nat */
static void test_wildcard_families(void **state)
{
	struct l4plan *p = l4plan_build(cfg, NULL, 0);
	const struct l4plan_vip *v4, *v6;

	v4 = by_name(p, "0.0.0.0:5432/tcp");
	v6 = by_name(p, "[::]:5432/tcp");
	assert_non_null(v4);
	assert_non_null(v6);
	assert_int_equal(v4->n_be, 1);
	assert_string_equal(v4->be[0].key, "10.1.0.5:5432");
	assert_string_equal(v6->be[0].key, "[fd01::5]:5432");
	assert_int_equal(v4->key.addr[0], 0);
	assert_int_equal(v4->flags & LB_VIP_F_FULLNAT, 0);
	l4plan_free(p);
}

/* HostSNI(`a.example`) is left to userspace; UDP keeps its timeout */
static void test_sni_left_out_and_udp(void **state)
{
	struct l4plan *p = l4plan_build(cfg, NULL, 0);
	const struct l4plan_vip *u = by_name(p, "10.0.0.1:53/udp");
	size_t i;
	bool noted = false;

	assert_int_equal(p->n_vips, 4);
	assert_non_null(u);
	assert_int_equal(u->udp_timeout_ns, 7000000000ull);
	assert_int_equal(u->key.proto, IPPROTO_UDP);
	for (i = 0; i < p->n_diags; i++)
		noted |= strstr(p->diags[i], "tls@file") != NULL;
	assert_true(noted);
	l4plan_free(p);
}

/* sluice server set: weight and down overrides */
/* a service with proxyProtocol (or a non-default terminationDelay) needs
 * the terminating userspace proxy: its VIP is steered to it
 * (LB_VIP_F_LOCAL, no translation flags), unless its entryPoint also
 * routes by SNI (the kernel cannot read the ClientHello)
 */
static void test_proxy_protocol_steered(void **state)
{
	struct config *c = config_load_string("pp.yaml",
		"entryPoints:\n  pp: {address: '10.0.0.1:25'}\n"
		"  td: {address: '10.0.0.1:26'}\n  plain: {address: '10.0.0.1:27'}\n"
		"  mixed: {address: '10.0.0.1:28'}\n"
		"tcp:\n  routers:\n"
		"    pp: {entryPoints: [pp], rule: 'HostSNI(`*`)', service: w}\n"
		"    mixpp: {entryPoints: [mixed], rule: 'HostSNI(`*`)', service: w}\n"
		"    mixsni: {entryPoints: [mixed], rule: 'HostSNI(`a.example`)', service: w, tls: {passthrough: true}}\n"
		"    td: {entryPoints: [td], rule: 'HostSNI(`*`)', service: td}\n"
		"    plain: {entryPoints: [plain], rule: 'HostSNI(`*`)', service: plain}\n"
		"  services:\n"
		"    w: {weighted: {services: [{name: pp}]}}\n"
		"    pp: {loadBalancer: {proxyProtocol: {}, servers: [{address: '10.1.0.1:25'}]}}\n"
		"    td: {loadBalancer: {terminationDelay: 50, servers: [{address: '10.1.0.1:26'}]}}\n"
		"    plain: {loadBalancer: {terminationDelay: 100, servers: [{address: '10.1.0.1:27'}]}}\n");
	struct l4plan *p;
	size_t i, noted = 0, sni = 0;

	assert_non_null(c);
	assert_int_equal(c->n_errors, 0);
	p = l4plan_build(c, NULL, 0);
	assert_non_null(p);
	assert_int_equal(p->n_vips, 3);
	assert_int_equal(by_name(p, "10.0.0.1:27/tcp")->flags & LB_VIP_F_LOCAL, 0);
	assert_int_equal(by_name(p, "10.0.0.1:25/tcp")->flags, LB_VIP_F_LOCAL);
	assert_int_equal(by_name(p, "10.0.0.1:26/tcp")->flags, LB_VIP_F_LOCAL);
	assert_int_equal(by_name(p, "10.0.0.1:25/tcp")->n_be, 1);
	assert_null(by_name(p, "10.0.0.1:28/tcp"));
	for (i = 0; i < p->n_diags; i++) {
		noted += strstr(p->diags[i], "steered to it") != NULL;
		sni += strstr(p->diags[i], "entryPoint mixed also routes by SNI") != NULL;
	}
	assert_int_equal(noted, 3);
	assert_int_equal(sni, 1);
	l4plan_free(p);
	config_free(c);
}

static void test_overrides(void **state)
{
	struct l4plan_override ov[2] = {
		{ "a@file", "10.1.0.2:8080", 0, -1 },
		{ "b@file", "10.1.0.3:8080", -1, 1 },
	};
	struct l4plan *p = l4plan_build(cfg, ov, 2);
	const struct l4plan_vip *v = by_name(p, "10.0.0.1:80/tcp");
	size_t i;

	assert_int_equal(weight_of(v, "10.1.0.1:8080"), 750000);
	assert_int_equal(weight_of(v, "10.1.0.2:8080"), 0);
	assert_int_equal(weight_of(v, "10.1.0.3:8080"), 0);
	for (i = 0; i < v->n_be; i++)
		if (!strcmp(v->be[i].key, "10.1.0.3:8080"))
			assert_true(v->be[i].down);
	l4plan_free(p);
}

static void test_parse_backend(void **state)
{
	struct l4plan_backend be;

	assert_int_equal(l4plan_parse_backend("[fd01:0::1]:80", &be), 0);
	assert_string_equal(be.key, "[fd01::1]:80");
	assert_int_equal(be.family, LB_AF_INET6);
	assert_int_equal(l4plan_parse_backend("db.example:80", &be), -EINVAL);
	assert_int_equal(l4plan_parse_backend("10.0.0.1:0", &be), -EINVAL);
	assert_int_equal(l4plan_parse_backend("10.0.0.1", &be), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weighted_flattening),
		cmocka_unit_test(test_wildcard_families),
		cmocka_unit_test(test_sni_left_out_and_udp),
		cmocka_unit_test(test_proxy_protocol_steered),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_parse_backend),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
