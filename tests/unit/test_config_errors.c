/* Every class of configuration error, with Traefik's text where Traefik
 * has one and file:line:col always; a broken service is left out while
 * the rest of the configuration loads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cfg_test.h"

/* Asserts @cfg has an error whose message is exactly @msg at @line:@col. */
static void expect_error(const struct config *cfg, const char *msg, int line,
			 int col)
{
	const struct cfg_diag *d = cfgt_diag(cfg, msg);

	if (!d || strcmp(d->msg, msg))
		cfgt_dump(cfg);
	assert_non_null(d);
	assert_string_equal(d->msg, msg);
	assert_int_equal(d->severity, CFG_ERROR);
	assert_string_equal(d->pos.file, "t.yml");
	if (line) {
		assert_int_equal(d->pos.line, line);
		assert_int_equal(d->pos.col, col);
	}
}

static void test_yaml_syntax(void **state)
{
	struct config *cfg = cfgt_load("http:\n  services:\n    a: [\n");

	assert_true(cfg->fatal);
	assert_int_equal(cfg->n_errors, 1);
	assert_non_null(strstr(cfg->diags[0].msg, "invalid YAML"));
	assert_int_equal(cfg->diags[0].pos.line, 4);
	config_free(cfg);

	cfg = cfgt_load("- just\n- a list\n");
	assert_true(cfg->fatal);
	config_free(cfg);
}

static void test_unknown_key(void **state)
{
	struct config *cfg = cfgt_load(
		"http:\n"
		"  services:\n"
		"    a:\n"
		"      loadBalancer:\n"
		"        servers:\n"
		"        - url: http://10.0.0.1/\n"
		"        passHostHeadr: false\n"
		"    b:\n"
		"      loadBalancer:\n"
		"        servers:\n"
		"        - url: http://10.0.0.2/\n");
	const struct cfg_diag *d;

	expect_error(cfg, "unknown key \"passHostHeadr\" in loadBalancer (did you mean \"passHostHeader\"?)",
		     7, 9);
	d = cfgt_diag(cfg, "passHostHeadr");
	assert_string_equal(d->path, "http.services.a.loadBalancer.passHostHeadr");
	/* the broken service is left out; the other one still loads */
	assert_true(config_http_service(cfg, "a@file")->broken);
	assert_false(config_http_service(cfg, "b@file")->broken);
	assert_int_equal(cfg->n_errors, 1);
	config_free(cfg);

	cfg = cfgt_load("htp:\n  services: {}\n");
	expect_error(cfg, "unknown key \"htp\" in the configuration (did you mean \"http\"?)",
		     1, 1);
	config_free(cfg);

	cfg = cfgt_load("zzzzzz: 1\n");
	expect_error(cfg, "unknown key \"zzzzzz\" in the configuration", 1, 1);
	config_free(cfg);
}

static void test_wrong_types(void **state)
{
	struct config *cfg = cfgt_load(
		"http:\n"
		"  services:\n"
		"    a:\n"
		"      loadBalancer:\n"
		"        passHostHeader: maybe\n"
		"        servers:\n"
		"        - url: http://10.0.0.1/\n"
		"          weight: heavy\n"
		"  serversTransports:\n"
		"    t:\n"
		"      forwardingTimeouts:\n"
		"        dialTimeout: soon\n"
		"      rootCAs: {a: b}\n");

	expect_error(cfg, "expected true or false, got \"maybe\"", 5, 25);
	expect_error(cfg, "expected an integer, got \"heavy\"", 8, 19);
	expect_error(cfg, "invalid duration \"soon\" (use Go syntax such as \"100ms\", \"1.5s\", \"1m30s\", or a bare number of seconds)",
		     12, 22);
	expect_error(cfg, "expected a list of strings, got a mapping", 13, 16);
	config_free(cfg);
}

static void test_multi_type(void **state)
{
	struct config *cfg = cfgt_load(
		"http:\n"
		"  services:\n"
		"    both:\n"
		"      loadBalancer:\n"
		"        servers: [{url: 'http://10.0.0.1'}]\n"
		"      weighted:\n"
		"        services: [{name: x}]\n"
		"tcp:\n"
		"  services:\n"
		"    t:\n"
		"      loadBalancer: {servers: [{address: '10.0.0.1:1'}]}\n"
		"      weighted: {services: [{name: t}]}\n");

	expect_error(cfg, "cannot create service: multi-types service not supported, consider declaring two different pieces of service instead",
		     3, 5);
	assert_true(config_http_service(cfg, "both@file")->broken);
	assert_true(config_tcp_service(cfg, "t@file")->broken);
	assert_int_equal(cfg->n_errors, 2);
	config_free(cfg);
}

static void test_no_type(void **state)
{
	struct config *cfg = cfgt_load(
		"http:\n  services:\n    empty: {}\n"
		"tcp:\n  services:\n    te: {}\n"
		"udp:\n  services:\n    ue: {}\n");

	expect_error(cfg, "the service \"empty@file\" does not have any type defined",
		     3, 5);
	expect_error(cfg, "the service \"te@file\" does not have any type defined",
		     6, 5);
	expect_error(cfg, "the udp service \"ue@file\" does not have any type defined",
		     9, 5);
	config_free(cfg);
}

static void test_unknown_service(void **state)
{
	struct config *cfg = cfgt_load(
		"entryPoints:\n  web:\n    address: ':80'\n"
		"http:\n"
		"  routers:\n"
		"    r:\n"
		"      rule: Path(`/`)\n"
		"      service: ghost\n"
		"  services:\n"
		"    w:\n"
		"      weighted:\n"
		"        services:\n"
		"        - name: nothere\n"
		"    m:\n"
		"      mirroring:\n"
		"        service: w\n");

	expect_error(cfg, "the service \"ghost@file\" does not exist", 6, 5);
	expect_error(cfg, "the service \"nothere@file\" does not exist", 10, 5);
	assert_true(config_http_service(cfg, "w@file")->broken);
	/* m needs w, which failed: m is left out too */
	assert_true(config_http_service(cfg, "m@file")->broken);
	assert_true(cfg->http_routers[0].broken);
	config_free(cfg);
}

static void test_recursion(void **state)
{
	struct config *cfg = cfgt_load(
		"http:\n"
		"  services:\n"
		"    a:\n"
		"      weighted:\n"
		"        services: [{name: b}]\n"
		"    b:\n"
		"      weighted:\n"
		"        services: [{name: a}]\n");

	expect_error(cfg, "could not instantiate service a@file: recursion detected in service:a@file->service:b@file->service:a@file",
		     3, 5);
	expect_error(cfg, "could not instantiate service b@file: recursion detected in service:b@file->service:a@file->service:b@file",
		     6, 5);
	config_free(cfg);
}

static void test_health_all_or_nothing(void **state)
{
	struct config *cfg = cfgt_load(
		"http:\n"
		"  services:\n"
		"    w:\n"
		"      weighted:\n"
		"        healthCheck: {}\n"
		"        services: [{name: lb}, {name: w2}]\n"
		"    w2:\n"
		"      weighted:\n"
		"        services: [{name: lb}]\n"
		"    m:\n"
		"      mirroring:\n"
		"        healthCheck: {}\n"
		"        service: w2\n"
		"    f:\n"
		"      failover:\n"
		"        service: lb\n"
		"        fallback: lb\n"
		"    lb:\n"
		"      loadBalancer:\n"
		"        servers: [{url: 'http://10.0.0.1'}]\n");

	expect_error(cfg, "cannot register lb as updater for w@file: healthCheck not enabled in config for this loadbalancer service",
		     3, 5);
	expect_error(cfg, "cannot register w2 as updater for m@file: healthCheck not enabled in config for this weighted service",
		     10, 5);
	/* the failover's main must report health even without healthCheck: {} */
	expect_error(cfg, "cannot register lb as updater for f@file: healthCheck not enabled in config for this loadbalancer service",
		     14, 5);
	assert_false(config_http_service(cfg, "lb@file")->broken);
	assert_false(config_http_service(cfg, "w2@file")->broken);
	config_free(cfg);

	/* healthCheck: {} takes no keys */
	cfg = cfgt_load("http:\n  services:\n    w:\n      weighted:\n"
			"        healthCheck: {path: /x}\n        services: []\n");
	assert_non_null(cfgt_diag(cfg, "expected an empty object {}"));
	config_free(cfg);
}

static void test_percent(void **state)
{
	struct config *cfg = cfgt_load(
		"http:\n"
		"  services:\n"
		"    m:\n"
		"      mirroring:\n"
		"        service: lb\n"
		"        mirrors:\n"
		"        - name: lb\n"
		"          percent: 101\n"
		"    lb:\n"
		"      loadBalancer:\n"
		"        servers: [{url: 'http://10.0.0.1'}]\n");

	expect_error(cfg, "percent must be between 0 and 100", 7, 11);
	assert_true(config_http_service(cfg, "m@file")->broken);
	config_free(cfg);
}

static void test_unknown_transport(void **state)
{
	struct config *cfg = cfgt_load(
		"http:\n"
		"  services:\n"
		"    s:\n"
		"      loadBalancer:\n"
		"        serversTransport: nope\n"
		"        servers: [{url: 'http://10.0.0.1'}]\n"
		"    ok:\n"
		"      loadBalancer:\n"
		"        serversTransport: t\n"
		"        servers: [{url: 'https://10.0.0.1'}]\n"
		"  serversTransports:\n"
		"    t: {insecureSkipVerify: true}\n");

	expect_error(cfg, "servers transport not found nope@file", 3, 5);
	assert_false(config_http_service(cfg, "ok@file")->broken);
	assert_string_equal(config_http_service(cfg, "ok@file")->lb.servers_transport,
			    "t@file");
	assert_int_equal(cfg->n_errors, 1);
	config_free(cfg);
}

static void test_entry_points(void **state)
{
	struct config *cfg = cfgt_load(
		"entryPoints:\n"
		"  web: {address: ':8000'}\n"
		"  v6: {address: '[::1]:8443/tcp'}\n"
		"  dns: {address: '10.0.0.1:53/udp', udp: {timeout: 10}}\n"
		"  bad: {address: 'nope'}\n"
		"  badproto: {address: ':1/sctp'}\n");
	const struct cfg_entry_point *ep;

	ep = config_entry_point(cfg, "web");
	assert_int_equal(ep->port, 8000);
	assert_string_equal(ep->host, "");
	assert_int_equal(ep->proto, CFG_PROTO_TCP);
	assert_int_equal(ep->udp_timeout, 3 * NSEC_PER_SEC);
	ep = config_entry_point(cfg, "v6");
	assert_string_equal(ep->host, "::1");
	assert_int_equal(ep->port, 8443);
	ep = config_entry_point(cfg, "dns");
	assert_int_equal(ep->proto, CFG_PROTO_UDP);
	assert_int_equal(ep->udp_timeout, 10 * NSEC_PER_SEC);	/* bare = s */
	expect_error(cfg, "invalid address \"nope\": expected [host]:port[/tcp|/udp]",
		     5, 3);
	expect_error(cfg, "invalid address \":1/sctp\": protocol must be tcp or udp",
		     6, 3);
	config_free(cfg);
}

static void test_router_entry_points(void **state)
{
	struct config *cfg = cfgt_load(
		"entryPoints:\n"
		"  web: {address: ':8000'}\n"
		"  dns: {address: ':53/udp'}\n"
		"http:\n"
		"  routers:\n"
		"    r: {rule: 'Host(`a`)', service: s, entryPoints: [nowhere]}\n"
		"    u: {rule: 'Host(`a`)', service: s, entryPoints: [dns]}\n"
		"    good: {rule: 'Host(`a`)', service: s, entryPoints: [web]}\n"
		"    norule: {service: s}\n"
		"  services:\n"
		"    s: {loadBalancer: {servers: [{url: 'http://10.0.0.1'}]}}\n");

	expect_error(cfg, "entryPoint \"nowhere\" doesn't exist", 6, 5);
	expect_error(cfg, "entryPoint \"dns\" is udp, the router needs tcp", 7, 5);
	expect_error(cfg, "router has no rule", 9, 5);
	assert_true(cfg->http_routers[0].broken);
	assert_false(cfg->http_routers[2].broken);
	/* Traefik's default priority is the length of the rule */
	assert_int_equal(cfg->http_routers[2].priority, strlen("Host(`a`)"));
	config_free(cfg);
}

static void test_l4_errors(void **state)
{
	struct config *cfg = cfgt_load(
		"tcp:\n"
		"  services:\n"
		"    pp:\n"
		"      loadBalancer:\n"
		"        proxyProtocol: {version: 3}\n"
		"        servers: [{address: '10.0.0.1:5432'}]\n"
		"    addr:\n"
		"      loadBalancer:\n"
		"        servers: [{address: '10.0.0.1'}]\n"
		"    w:\n"
		"      weighted:\n"
		"        healthCheck: {}\n"
		"        services: [{name: addr2}]\n"
		"    addr2:\n"
		"      loadBalancer:\n"
		"        servers: [{address: '[fd00::1]:80'}]\n");

	expect_error(cfg, "unknown proxyProtocol version: 3", 3, 5);
	expect_error(cfg, "invalid server address \"10.0.0.1\": expected host:port",
		     9, 19);
	expect_error(cfg, "cannot register addr2 as updater for w@file: healthCheck not enabled in config for this loadbalancer service",
		     10, 5);
	assert_false(config_tcp_service(cfg, "addr2@file")->broken);
	config_free(cfg);
}

static void test_duplicates_across_files(void **state)
{
	struct config *cfg = config_load("tests/fixtures/config/static-dir.yml");
	const struct cfg_diag *d;

	assert_non_null(cfg);
	assert_false(cfg->fatal);
	/* both files of the directory were read, in name order */
	assert_int_equal(cfg->files.n, 3);
	assert_non_null(config_http_service(cfg, "from-a@file"));
	assert_non_null(config_http_service(cfg, "from-b@file"));
	d = cfgt_diag(cfg, "defined more than once");
	assert_non_null(d);
	assert_non_null(strstr(d->pos.file, "b.yml"));
	assert_non_null(strstr(d->msg, "a.yml:"));
	config_free(cfg);
}

static void test_unreadable(void **state)
{
	struct config *cfg = config_load("/nonexistent/sluice.yml");

	assert_true(cfg->fatal);
	assert_non_null(strstr(cfg->diags[0].msg, "cannot read /nonexistent/sluice.yml"));
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_syntax),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_multi_type),
		cmocka_unit_test(test_no_type),
		cmocka_unit_test(test_unknown_service),
		cmocka_unit_test(test_recursion),
		cmocka_unit_test(test_health_all_or_nothing),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_unknown_transport),
		cmocka_unit_test(test_entry_points),
		cmocka_unit_test(test_router_entry_points),
		cmocka_unit_test(test_l4_errors),
		cmocka_unit_test(test_duplicates_across_files),
		cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
