/* Every YAML example of the Traefik services reference page
 * (tests/fixtures/reference/exNN.yml, extracted verbatim) loads into the
 * model we expect: types, names qualified, Traefik defaults applied.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cfg_test.h"

#define SEC NSEC_PER_SEC
#define MS NSEC_PER_MSEC

static struct config *ex(int n)
{
	char path[128];
	struct config *cfg;

	snprintf(path, sizeof(path), "tests/fixtures/reference/ex%02d.yml", n);
	cfg = config_load(path);
	assert_non_null(cfg);
	assert_false(cfg->fatal);
	return cfg;
}

/* Loads example @n and asserts it has no error. */
static struct config *ex_ok(int n)
{
	struct config *cfg = ex(n);

	if (cfg->n_errors)
		cfgt_dump(cfg);
	assert_int_equal(cfg->n_errors, 0);
	return cfg;
}

static const struct cfg_http_service *svc(const struct config *cfg,
					  const char *q)
{
	const struct cfg_http_service *s = config_http_service(cfg, q);

	assert_non_null(s);
	assert_false(s->broken);
	return s;
}

static void test_two_http_servers(void **state)
{
	struct config *cfg = ex_ok(1);
	const struct cfg_http_service *s = svc(cfg, "my-service@file");

	assert_int_equal(s->kind, CFG_SVC_LOADBALANCER);
	assert_int_equal(s->lb.n_servers, 2);
	assert_string_equal(s->lb.servers[0].url,
			    "http://<private-ip-server-1>:<private-port-server-1>/");
	assert_int_equal(s->lb.servers[1].weight, 1);
	/* defaults of the servers load balancer */
	assert_true(s->lb.pass_host_header);
	assert_int_equal(s->lb.flush_interval, 100 * MS);
	assert_null(s->lb.servers_transport);
	assert_false(s->lb.sticky.enabled);
	assert_false(s->lb.health.enabled);
	assert_int_equal(s->lb.strategy, CFG_STRATEGY_WRR);
	config_free(cfg);
}

/* The tcp/udp examples use placeholders, which are not addresses: each
 * server is reported with its place, like Traefik skips it.
 */
static void test_l4_placeholders(void **state)
{
	static const int nums[] = { 2, 3, 17, 18, 21, 22 };
	size_t i;

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		struct config *cfg = ex(nums[i]);
		const struct cfg_diag *d = cfgt_diag(cfg, "invalid server address");

		assert_non_null(d);
		assert_int_equal(d->pos.line, 6 + (nums[i] >= 17));
		assert_non_null(strstr(d->msg, "expected host:port"));
		config_free(cfg);
	}
}

static void test_http_lb_examples(void **state)
{
	static const int nums[] = { 4, 5, 6 };
	size_t i;

	for (i = 0; i < 3; i++) {
		struct config *cfg = ex_ok(nums[i]);
		const struct cfg_http_service *s = svc(cfg, "my-service@file");

		assert_int_equal(s->kind, CFG_SVC_LOADBALANCER);
		assert_string_equal(s->lb.servers[0].url, "http://private-ip-server-1/");
		config_free(cfg);
	}
}

static void test_sticky_default(void **state)
{
	struct config *cfg = ex_ok(7);
	const struct cfg_http_service *s = svc(cfg, "my-service@file");

	assert_true(s->lb.sticky.enabled);
	/* semantics §1.1: SHA-1 of _TRAEFIK_BACKEND_my-service@file */
	assert_string_equal(s->lb.sticky.cookie.name, "_4fcce");
	assert_string_equal(s->lb.sticky.cookie.path, "/");
	assert_false(s->lb.sticky.cookie.secure);
	assert_false(s->lb.sticky.cookie.http_only);
	assert_int_equal(s->lb.sticky.cookie.max_age, 0);
	config_free(cfg);
}

static void test_sticky_custom(void **state)
{
	struct config *cfg = ex_ok(8);
	const struct cfg_http_service *s = svc(cfg, "my-service@file");

	assert_true(s->lb.sticky.enabled);
	assert_string_equal(s->lb.sticky.cookie.name, "my_sticky_cookie_name");
	assert_true(s->lb.sticky.cookie.secure);
	assert_true(s->lb.sticky.cookie.http_only);
	config_free(cfg);
}

static void test_sticky_levels(void **state)
{
	struct config *cfg = ex_ok(9);
	const struct cfg_http_service *w = svc(cfg, "wrr1@file");
	const struct cfg_http_service *l1 = svc(cfg, "whoami1@file");
	const struct cfg_http_service *l2 = svc(cfg, "whoami2@file");

	assert_int_equal(w->kind, CFG_SVC_WEIGHTED);
	assert_string_equal(w->weighted.sticky.cookie.name, "lvl1");
	assert_int_equal(w->weighted.n_services, 2);
	assert_string_equal(w->weighted.services[0].name, "whoami1@file");
	assert_int_equal(w->weighted.services[1].weight, 1);
	assert_string_equal(l1->lb.sticky.cookie.name, "lvl2");
	assert_string_equal(l2->lb.sticky.cookie.name, "lvl2");
	assert_string_equal(l2->lb.servers[1].url, "http://127.0.0.1:8084");
	config_free(cfg);
}

static void test_health_checks(void **state)
{
	struct config *cfg;
	const struct cfg_http_service *s;

	cfg = ex_ok(10);	/* interval 10s, timeout 3s */
	s = svc(cfg, "Service-1@file");
	assert_true(s->lb.health.enabled);
	assert_string_equal(s->lb.health.path, "/health");
	assert_int_equal(s->lb.health.interval, 10 * SEC);
	assert_int_equal(s->lb.health.timeout, 3 * SEC);
	assert_true(s->lb.health.follow_redirects);
	assert_string_equal(s->lb.health.method, "GET");
	config_free(cfg);

	cfg = ex_ok(11);	/* port 8080, defaults 30s/5s */
	s = svc(cfg, "Service-1@file");
	assert_int_equal(s->lb.health.port, 8080);
	assert_int_equal(s->lb.health.interval, 30 * SEC);
	assert_int_equal(s->lb.health.timeout, 5 * SEC);
	config_free(cfg);

	cfg = ex_ok(12);	/* scheme */
	s = svc(cfg, "Service-1@file");
	assert_string_equal(s->lb.health.scheme, "http");
	config_free(cfg);

	cfg = ex_ok(13);	/* headers */
	s = svc(cfg, "Service-1@file");
	assert_int_equal(s->lb.health.headers.n, 2);
	assert_string_equal(s->lb.health.headers.v[0].key, "My-Custom-Header");
	assert_string_equal(s->lb.health.headers.v[0].value, "foo");
	assert_string_equal(s->lb.health.headers.v[1].value, "bar");
	config_free(cfg);
}

static void test_pass_host_header(void **state)
{
	struct config *cfg = ex_ok(14);
	const struct cfg_http_service *s = svc(cfg, "Service01@file");

	assert_false(s->lb.pass_host_header);
	config_free(cfg);
}

static void test_servers_transport_ref(void **state)
{
	/* the example names a transport it does not define: Traefik's error */
	struct config *cfg = ex(15);
	const struct cfg_diag *d = cfgt_diag(cfg, "servers transport not found");

	assert_non_null(d);
	assert_string_equal(d->msg, "servers transport not found mytransport@file");
	assert_true(config_http_service(cfg, "Service01@file")->broken);
	config_free(cfg);
}

static void test_flush_interval(void **state)
{
	struct config *cfg = ex_ok(16);

	assert_int_equal(svc(cfg, "Service-1@file")->lb.flush_interval, 1 * SEC);
	config_free(cfg);
}

static void test_tcp_proxy_protocol_and_delay(void **state)
{
	struct config *cfg = ex_ok(19);
	const struct cfg_l4_service *s = config_tcp_service(cfg, "my-service@file");

	assert_true(s->lb.proxy_protocol);
	assert_int_equal(s->lb.proxy_protocol_version, 1);
	config_free(cfg);

	cfg = ex_ok(20);
	s = config_tcp_service(cfg, "my-service@file");
	/* an integer terminationDelay is milliseconds */
	assert_int_equal(s->lb.termination_delay, 200 * MS);
	config_free(cfg);
}

static const struct cfg_servers_transport *tr(const struct config *cfg)
{
	const struct cfg_servers_transport *t =
		config_transport(cfg, "mytransport@file");

	assert_non_null(t);
	return t;
}

static void test_transports(void **state)
{
	struct config *cfg;

	cfg = ex_ok(23);
	assert_string_equal(tr(cfg)->server_name, "myhost");
	/* every default of a dynamic transport (semantics §7) */
	assert_int_equal(tr(cfg)->max_idle_conns_per_host, 2);
	assert_int_equal(tr(cfg)->dial_timeout, 30 * SEC);
	assert_int_equal(tr(cfg)->response_header_timeout, 0);
	assert_int_equal(tr(cfg)->idle_conn_timeout, 90 * SEC);
	assert_int_equal(tr(cfg)->read_idle_timeout, 0);
	assert_int_equal(tr(cfg)->ping_timeout, 15 * SEC);
	assert_false(tr(cfg)->insecure_skip_verify);
	config_free(cfg);

	cfg = ex_ok(24);
	assert_int_equal(tr(cfg)->n_certificates, 1);
	assert_string_equal(tr(cfg)->certificates[0].cert_file, "foo.crt");
	assert_string_equal(tr(cfg)->certificates[0].key_file, "bar.crt");
	config_free(cfg);

	cfg = ex_ok(25);
	assert_true(tr(cfg)->insecure_skip_verify);
	config_free(cfg);

	cfg = ex_ok(26);
	assert_int_equal(tr(cfg)->root_cas.n, 2);
	assert_string_equal(tr(cfg)->root_cas.v[1], "bar.crt");
	config_free(cfg);

	cfg = ex_ok(27);
	assert_int_equal(tr(cfg)->max_idle_conns_per_host, 7);
	config_free(cfg);

	cfg = ex_ok(28);
	assert_true(tr(cfg)->disable_http2);
	config_free(cfg);

	cfg = ex_ok(29);
	assert_string_equal(tr(cfg)->peer_cert_uri, "foobar");
	config_free(cfg);

	cfg = ex_ok(30);
	assert_int_equal(tr(cfg)->dial_timeout, 1 * SEC);
	config_free(cfg);
	cfg = ex_ok(31);
	assert_int_equal(tr(cfg)->response_header_timeout, 1 * SEC);
	assert_int_equal(tr(cfg)->dial_timeout, 30 * SEC);
	config_free(cfg);
	cfg = ex_ok(32);
	assert_int_equal(tr(cfg)->idle_conn_timeout, 1 * SEC);
	config_free(cfg);
	cfg = ex_ok(33);
	assert_int_equal(tr(cfg)->read_idle_timeout, 1 * SEC);
	config_free(cfg);
	cfg = ex_ok(34);
	assert_int_equal(tr(cfg)->ping_timeout, 1 * SEC);
	config_free(cfg);
}

static void test_weighted(void **state)
{
	struct config *cfg = ex_ok(35);
	const struct cfg_http_service *s = svc(cfg, "app@file");

	assert_int_equal(s->kind, CFG_SVC_WEIGHTED);
	assert_int_equal(s->weighted.services[0].weight, 3);
	assert_string_equal(s->weighted.services[1].name, "appv2@file");
	assert_false(s->weighted.health_check);
	config_free(cfg);

	cfg = ex_ok(36);
	s = svc(cfg, "app@file");
	assert_true(s->weighted.health_check);
	assert_string_equal(svc(cfg, "appv1@file")->lb.health.path, "/status");
	config_free(cfg);
}

static void test_mirroring(void **state)
{
	struct config *cfg = ex_ok(37);
	const struct cfg_http_service *s = svc(cfg, "mirrored-api@file");

	assert_int_equal(s->kind, CFG_SVC_MIRRORING);
	assert_string_equal(s->mirroring.service, "appv1@file");
	assert_int_equal(s->mirroring.max_body_size, 1024);
	assert_int_equal(s->mirroring.n_mirrors, 1);
	assert_string_equal(s->mirroring.mirrors[0].name, "appv2@file");
	assert_int_equal(s->mirroring.mirrors[0].percent, 10);
	config_free(cfg);

	cfg = ex_ok(38);
	s = svc(cfg, "mirrored-api@file");
	assert_true(s->mirroring.health_check);
	assert_int_equal(s->mirroring.max_body_size, -1);	/* default */
	config_free(cfg);
}

static void test_failover(void **state)
{
	struct config *cfg = ex_ok(39);
	const struct cfg_http_service *s = svc(cfg, "app@file");

	assert_int_equal(s->kind, CFG_SVC_FAILOVER);
	assert_string_equal(s->failover.service, "main@file");
	assert_string_equal(s->failover.fallback, "backup@file");
	assert_false(s->failover.health_check);
	config_free(cfg);

	cfg = ex_ok(40);
	assert_true(svc(cfg, "app@file")->failover.health_check);
	config_free(cfg);
}

static void test_l4_weighted(void **state)
{
	struct config *cfg = ex(41);	/* tcp, placeholder addresses */
	const struct cfg_l4_service *s = config_tcp_service(cfg, "app@file");

	assert_non_null(s);
	assert_int_equal(s->kind, CFG_SVC_WEIGHTED);
	assert_int_equal(s->weighted.services[0].weight, 3);
	assert_string_equal(s->weighted.services[1].name, "appv2@file");
	config_free(cfg);

	cfg = ex(42);
	s = config_udp_service(cfg, "app@file");
	assert_non_null(s);
	assert_int_equal(s->kind, CFG_SVC_WEIGHTED);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_http_servers),
		cmocka_unit_test(test_l4_placeholders),
		cmocka_unit_test(test_http_lb_examples),
		cmocka_unit_test(test_sticky_default),
		cmocka_unit_test(test_sticky_custom),
		cmocka_unit_test(test_sticky_levels),
		cmocka_unit_test(test_health_checks),
		cmocka_unit_test(test_pass_host_header),
		cmocka_unit_test(test_servers_transport_ref),
		cmocka_unit_test(test_flush_interval),
		cmocka_unit_test(test_tcp_proxy_protocol_and_delay),
		cmocka_unit_test(test_transports),
		cmocka_unit_test(test_weighted),
		cmocka_unit_test(test_mirroring),
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_l4_weighted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
