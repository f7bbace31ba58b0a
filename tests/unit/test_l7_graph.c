/* Unit tests for l7proxy/graph.c on configurations loaded with
 * config_load_string(): router order (priority, then name), entryPoint
 * masks, routers Traefik drops (bad rule, unsupported or broken service),
 * server URL handling and snapshot refcounting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "graph.h"
#include "health.h"
#include "metrics.h"
#include "rule.h"

static const char *yaml =
	"entryPoints:\n"
	"  web: {address: ':18000'}\n"
	"  admin: {address: ':18001'}\n"
	"http:\n"
	"  routers:\n"
	"    short: {rule: 'Host(`a.test`)', service: s1}\n"
	"    long: {rule: 'Host(`a.test`) && PathPrefix(`/api`)', service: s2, entryPoints: [admin]}\n"
	"    pinned: {rule: 'Host(`a.test`)', service: s2, priority: 100, entryPoints: [admin]}\n"
	"    bad: {rule: 'Hots(`a.test`)', service: s1}\n"
	"    wrr: {rule: 'Host(`w.test`)', service: w}\n"
	"  services:\n"
	"    s1: {loadBalancer: {servers: [{url: 'http://127.0.0.1:9/x/y'}]}}\n"
	"    s2: {loadBalancer: {passHostHeader: false, servers: [{url: 'https://[::1]:8443'}, {url: 'http://b.invalid'}]}}\n"
	"    w: {weighted: {services: [{name: s1}]}}\n";

static const char *path_get(void *ctx, const char *name)
{
	return NULL;
}

static const struct l7_router *route(const struct l7_graph *g, int ep,
				     const char *host, const char *path)
{
	struct rule_req rq = {
		.method = "GET", .host = host, .path = path, .query = "",
		.header = path_get,
	};

	return graph_route(g, ep, &rq);
}

static void test_build_and_route(void **state)
{
	struct config *cfg = config_load_string("t.yml", yaml);
	char *eps[] = { "web", "admin" };
	struct stats_reg reg;
	struct l7_graph *g;
	char warn[256] = "";
	const struct l7_router *r;
	struct lb_node *lb;

	assert_non_null(cfg);
	stats_reg_init(&reg);
	g = graph_build(cfg, eps, 2, &reg, NULL, warn, sizeof(warn));
	assert_non_null(g);
	/* bad rule and the weighted service's router are left out */
	assert_int_equal(g->n_routers, 3);
	assert_true(warn[0] != '\0');
	assert_string_equal(g->routers[0].name, "pinned@file");
	assert_string_equal(g->routers[1].name, "long@file");
	r = route(g, 0, "a.test", "/api/x");
	assert_non_null(r);
	assert_string_equal(r->name, "short@file");
	r = route(g, 1, "a.test", "/api/x");
	assert_string_equal(r->name, "pinned@file");
	assert_null(route(g, 0, "b.test", "/"));
	assert_int_equal(g->ep_used, 3);

	lb = (struct lb_node *)graph_service(g, "s2@file");
	assert_non_null(lb);
	assert_false(lb->pass_host);
	assert_int_equal(lb->n_servers, 2);
	for (size_t i = 0; i < 2; i++) {
		const struct l7_server *s = &lb->servers[i];

		if (s->tls) {
			assert_string_equal(s->host, "::1");
			assert_string_equal(s->hostport, "[::1]:8443");
			assert_int_not_equal(s->addrlen, 0);
		} else {
			assert_string_equal(s->hostport, "b.invalid");
			assert_int_equal(s->addrlen, 0);
		}
	}
	lb = (struct lb_node *)graph_service(g, "s1@file");
	assert_string_equal(lb->servers[0].hostport, "127.0.0.1:9");
	assert_string_equal(lb->transport->name, "default@internal");
	assert_null(graph_service(g, "w@file"));

	graph_ref(g);
	graph_unref(g);
	assert_int_equal(atomic_load(&g->refs), 1);
	graph_unref(g);
	stats_reg_fini(&reg);
	config_free(cfg);
}

static void test_stats_survive_rebuild(void **state)
{
	struct config *cfg = config_load_string("t.yml", yaml);
	char *eps[] = { "web", "admin" };
	struct stats_reg reg;
	struct l7_graph *g1, *g2;
	char warn[256] = "";

	stats_reg_init(&reg);
	g1 = graph_build(cfg, eps, 2, &reg, NULL, warn, sizeof(warn));
	g2 = graph_build(cfg, eps, 2, &reg, NULL, warn, sizeof(warn));
	assert_ptr_equal(g1->routers[0].stats, g2->routers[0].stats);
	stats_record(g1->routers[0].stats, 204, 1, 2, 50);
	assert_int_equal(atomic_load(&g2->routers[0].stats->requests[2]), 1);
	graph_unref(g1);
	graph_unref(g2);
	stats_reg_fini(&reg);
	config_free(cfg);
}

static void test_health_skips_down_servers(void **state)
{
	static const char *two =
		"entryPoints:\n"
		"  web: {address: ':18000'}\n"
		"http:\n"
		"  routers:\n"
		"    r: {rule: 'Host(`a.test`)', service: s}\n"
		"  services:\n"
		"    s: {loadBalancer: {servers: [{url: 'http://127.0.0.1:1'}, {url: 'http://127.0.0.1:2'}]}}\n";
	struct config *cfg = config_load_string("t.yml", two);
	struct health_state *h = health_state_new();
	char *eps[] = { "web" };
	struct stats_reg reg;
	struct l7_graph *g;
	struct svc_node *n;
	struct svc_pick pick;
	char warn[256] = "";
	int i;

	assert_non_null(h);
	stats_reg_init(&reg);
	g = graph_build(cfg, eps, 1, &reg, h, warn, sizeof(warn));
	n = graph_service(g, "s@file");
	assert_int_equal(health_server_set(h, "s@file", "http://127.0.0.1:2",
					   false, "refused"), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(n->ops->pick(n, NULL, &pick), 0);
		assert_string_equal(pick.server->url, "http://127.0.0.1:1");
	}
	assert_int_equal(health_server_set(h, "s@file", "http://127.0.0.1:1",
					   false, "refused"), 0);
	assert_int_equal(n->ops->pick(n, NULL, &pick), 503);
	assert_null(pick.server);
	graph_unref(g);
	stats_reg_fini(&reg);
	health_state_free(h);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_and_route),
		cmocka_unit_test(test_stats_survive_rebuild),
		cmocka_unit_test(test_health_skips_down_servers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
