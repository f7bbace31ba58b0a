/* Which entryPoints the userspace L4 proxy serves, from real configuration
 * text: the decision rule of docs/l4proxy.md, and its JSON view.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "config.h"
#include "json_writer.h"
#include "l4proxy.h"

static const char yaml[] =
	"entryPoints:\n"
	"  plain: { address: \"127.0.0.1:20901\" }\n"
	"  pp:    { address: \"127.0.0.1:20902\" }\n"
	"  delay: { address: \"127.0.0.1:20903\" }\n"
	"  sni:   { address: \"127.0.0.1:20904\" }\n"
	"  nested: { address: \"127.0.0.1:20905\" }\n"
	"  dns:   { address: \"127.0.0.1:20906/udp\" }\n"
	"  unused: { address: \"127.0.0.1:20907\" }\n"
	"tcp:\n"
	"  routers:\n"
	"    plain: { entryPoints: [plain], rule: \"HostSNI(`*`)\", service: plain }\n"
	"    pp: { entryPoints: [pp], rule: \"HostSNI(`*`)\", service: pp }\n"
	"    delay: { entryPoints: [delay], rule: \"HostSNI(`*`)\", service: delay }\n"
	"    sni:\n"
	"      entryPoints: [sni]\n"
	"      rule: \"HostSNI(`a.test`)\"\n"
	"      service: plain\n"
	"      tls: { passthrough: true }\n"
	"    nested: { entryPoints: [nested], rule: \"HostSNI(`*`)\", service: w }\n"
	"  services:\n"
	"    plain: { loadBalancer: { servers: [ { address: \"127.0.0.1:1\" } ] } }\n"
	"    pp:\n"
	"      loadBalancer:\n"
	"        proxyProtocol: {}\n"
	"        servers: [ { address: \"127.0.0.1:1\" } ]\n"
	"    delay:\n"
	"      loadBalancer:\n"
	"        terminationDelay: 50\n"
	"        servers: [ { address: \"127.0.0.1:1\" } ]\n"
	"    w:\n"
	"      weighted:\n"
	"        services: [ { name: plain, weight: 1 }, { name: pp, weight: 1 } ]\n"
	"udp:\n"
	"  routers:\n"
	"    dns: { entryPoints: [dns], service: dns }\n"
	"  services:\n"
	"    dns: { loadBalancer: { servers: [ { address: \"127.0.0.1:1\" } ] } }\n";

static const struct cfg_l4_router *router(const struct config *cfg,
					  const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_tcp_routers; i++)
		if (!strncmp(cfg->tcp_routers[i].name, name, strlen(name)) &&
		    cfg->tcp_routers[i].name[strlen(name)] == '@')
			return &cfg->tcp_routers[i];
	fail_msg("no router %s", name);
	return NULL;
}

static void test_needs_proxy(void **state)
{
	struct config *cfg = config_load_string("t.yml", yaml);

	assert_non_null(cfg);
	assert_int_equal(cfg->n_errors, 0);
	assert_false(l4proxy_router_needs_proxy(cfg, router(cfg, "plain")));
	assert_true(l4proxy_router_needs_proxy(cfg, router(cfg, "pp")));
	assert_true(l4proxy_router_needs_proxy(cfg, router(cfg, "delay")));
	assert_true(l4proxy_router_needs_proxy(cfg, router(cfg, "sni")));
	assert_true(l4proxy_router_needs_proxy(cfg, router(cfg, "nested")));
	config_free(cfg);
}

/* The "path" of entryPoint @ep in the proxy's JSON, or NULL if absent. */
static bool path_is(struct l4proxy *p, const char *ep, const char *path)
{
	struct json_writer *w = jsonw_new_buf();
	char want[128];
	bool ok;

	l4proxy_stats_json(p, w);
	snprintf(want, sizeof(want), "\"name\":\"%s\",", ep);
	ok = strstr(jsonw_buf(w), want) != NULL;
	if (ok && path) {
		const char *at = strstr(jsonw_buf(w), want);
		char p2[64];

		snprintf(p2, sizeof(p2), "\"path\":\"%s\"", path);
		at = strstr(at, "\"path\":");
		ok = at && !strncmp(at, p2, strlen(p2));
	}
	jsonw_destroy(w);
	return ok;
}

static void test_served(void **state)
{
	struct config *cfg = config_load_string("t.yml", yaml);
	struct event_base *base = event_base_new();
	struct l4proxy *p;

	p = l4proxy_new(base, cfg);
	assert_non_null(p);
	assert_int_equal(l4proxy_start(p), 0);
	/* no data plane: every tcp/udp entryPoint with a router */
	assert_int_equal(l4proxy_served(p), 6);
	assert_true(path_is(p, "plain", "userspace"));
	assert_true(path_is(p, "dns", "userspace"));
	assert_false(path_is(p, "unused", NULL));
	/* data plane attached: only those that need the proxy */
	assert_int_equal(l4proxy_set_dataplane(p, true), 0);
	assert_int_equal(l4proxy_served(p), 4);
	assert_true(path_is(p, "plain", "kernel"));
	assert_true(path_is(p, "dns", "kernel"));
	assert_true(path_is(p, "pp", "userspace"));
	assert_true(path_is(p, "delay", "userspace"));
	assert_true(path_is(p, "sni", "userspace"));
	assert_true(path_is(p, "nested", "userspace"));
	/* and back, as after a detach */
	assert_int_equal(l4proxy_set_dataplane(p, false), 0);
	assert_int_equal(l4proxy_served(p), 6);
	/* a reload keeps the rule */
	assert_int_equal(l4proxy_set_dataplane(p, true), 0);
	assert_int_equal(l4proxy_reload(p, cfg), 0);
	assert_int_equal(l4proxy_served(p), 4);
	l4proxy_free(p);
	event_base_free(base);
	config_free(cfg);
}

static void test_bind_conflict(void **state)
{
	struct config *cfg = config_load_string("t.yml", yaml);
	struct event_base *base = event_base_new();
	struct l4proxy *p, *q;

	p = l4proxy_new(base, cfg);
	q = l4proxy_new(base, cfg);
	assert_int_equal(l4proxy_start(p), 0);
	assert_int_equal(l4proxy_start(q), -EADDRINUSE);
	assert_non_null(strstr(l4proxy_last_error(q), "cannot listen"));
	l4proxy_free(q);
	l4proxy_free(p);
	event_base_free(base);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_needs_proxy),
		cmocka_unit_test(test_served),
		cmocka_unit_test(test_bind_conflict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
