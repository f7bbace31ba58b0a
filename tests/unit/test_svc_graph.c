/* The L7 service graph built from YAML and picked without a network:
 * exact EDF sequences of weighted services (semantics §2.2), nesting,
 * weight 0, sticky cookies on every level (§1), health propagation
 * through weighted, mirroring and failover (§3.3, §5), mirroring counters
 * (§4), p2c, leastconn and passive health.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg_test.h"
#include "graph.h"
#include "metrics.h"
#include "rule.h"
#include "svc.h"
#include "svc_mirror.h"

static struct stats_reg reg;

struct built {
	struct config *cfg;
	struct l7_graph *g;
};

static struct built build(const char *yaml)
{
	static char *const eps[] = { "web" };
	struct built b;
	char warn[256] = "";

	b.cfg = cfgt_load(yaml);
	if (b.cfg->n_errors)
		cfgt_dump(b.cfg);
	assert_int_equal(b.cfg->n_errors, 0);
	b.g = graph_build(b.cfg, eps, 1, &reg, NULL, warn, sizeof(warn));
	assert_non_null(b.g);
	if (warn[0])
		fprintf(stderr, "warn: %s\n", warn);
	assert_string_equal(warn, "");
	return b;
}

static void done(struct built *b)
{
	graph_unref(b->g);
	config_free(b->cfg);
}

static const char *cookie_hdr;

static const char *hdr(void *ctx, const char *name)
{
	(void)ctx;
	return !strcasecmp(name, "cookie") ? cookie_hdr : NULL;
}

/* Picks once from @svc with Cookie @cookie (may be NULL). Returns the
 * load balancer's name without "@file" (or the status as "503"), and the
 * Set-Cookie lines in @set (may be NULL).
 */
static const char *pick(struct built *b, const char *svc, const char *cookie,
			char *set, size_t setlen, const char **url)
{
	static char res[64];
	struct rule_req rq = { .method = "GET", .host = "x", .path = "/",
			       .query = "", .header = hdr };
	struct svc_node *n = graph_service(b->g, svc);
	struct svc_pick p = { 0 };
	int st;

	assert_non_null(n);
	cookie_hdr = cookie;
	st = n->ops->pick(n, &rq, &p);
	if (set)
		snprintf(set, setlen, "%s", p.set_cookie ? p.set_cookie : "");
	if (st) {
		snprintf(res, sizeof(res), "%d%s", st,
			 p.unavailable ? " unavailable" : "");
	} else {
		snprintf(res, sizeof(res), "%.*s",
			 (int)strcspn(p.lb->node.name, "@"), p.lb->node.name);
		if (url)
			*url = p.server->url;
	}
	svc_pick_release(&p);
	return res;
}

/* Concatenates the first letters of @n picks. */
static void seq(struct built *b, const char *svc, int n, char *out)
{
	int i;

	for (i = 0; i < n; i++)
		out[i] = pick(b, svc, NULL, NULL, 0, NULL)[0];
	out[n] = '\0';
}

#define LB(name, port) \
	"    " name ":\n      loadBalancer:\n        servers: [{url: \"http://127.0.0.1:" port "\"}]\n"
#define LBHC(name, port) \
	"    " name ":\n      loadBalancer:\n        servers: [{url: \"http://127.0.0.1:" port "\"}]\n" \
	"        healthCheck: {path: /health}\n"

static void test_edf_sequences(void **state)
{
	struct built b = build(
		"http:\n  services:\n"
		LB("A", "1") LB("B", "2") LB("C", "3")
		"    w113:\n      weighted:\n        services:\n"
		"          - {name: A, weight: 11}\n          - {name: B, weight: 3}\n"
		"    w31:\n      weighted:\n        services:\n"
		"          - {name: A, weight: 3}\n          - {name: B, weight: 1}\n"
		"    w21:\n      weighted:\n        services:\n"
		"          - {name: A, weight: 2}\n          - {name: B}\n"
		"    w111:\n      weighted:\n        services:\n"
		"          - {name: A}\n          - {name: B}\n          - {name: C}\n");
	char s[64];

	(void)state;
	seq(&b, "w113@file", 14, s);
	assert_string_equal(s, "AAABAAAABAAABA");
	seq(&b, "w31@file", 8, s);
	assert_string_equal(s, "AABAAAAB");
	seq(&b, "w21@file", 6, s);
	assert_string_equal(s, "ABAABA");
	seq(&b, "w111@file", 9, s);
	assert_string_equal(s, "ACBCBABAC");
	done(&b);
}

static void test_exact_rounds_and_nesting(void **state)
{
	struct built b = build(
		"http:\n  services:\n"
		LB("A", "1") LB("B", "2") LB("C", "3") LB("D", "4")
		"    inner:\n      weighted:\n        services:\n"
		"          - {name: B, weight: 1}\n          - {name: C, weight: 2}\n"
		"    mid:\n      weighted:\n        services:\n"
		"          - {name: inner, weight: 1}\n          - {name: D, weight: 1}\n"
		"    root:\n      weighted:\n        services:\n"
		"          - {name: A, weight: 5}\n          - {name: mid, weight: 2}\n"
		"          - {name: Z0, weight: 0}\n"
		"    Z0:\n      loadBalancer:\n        servers: [{url: \"http://127.0.0.1:9\"}]\n"
		"    zero:\n      weighted:\n        services:\n"
		"          - {name: A, weight: 0}\n          - {name: B, weight: -1}\n");
	int count[26] = { 0 }, round, i;

	(void)state;
	/* root: 5 A and 2 mid per block of 7; mid alternates inner and D;
	 * inner gives C twice per B. 84 picks = 12 blocks. */
	for (round = 0; round < 12; round++) {
		int blk[26] = { 0 };

		for (i = 0; i < 7; i++)
			blk[pick(&b, "root@file", NULL, NULL, 0, NULL)[0] - 'A']++;
		assert_int_equal(blk[0], 5);
		assert_int_equal(blk['Z' - 'A'], 0);
		for (i = 0; i < 26; i++)
			count[i] += blk[i];
	}
	assert_int_equal(count[0], 60);
	assert_int_equal(count['D' - 'A'], 12);
	assert_int_equal(count['B' - 'A'], 4);
	assert_int_equal(count['C' - 'A'], 8);
	/* every child weight <= 0: nothing to pick, 503 */
	assert_string_equal(pick(&b, "zero@file", NULL, NULL, 0, NULL), "503");
	done(&b);
}

static void test_sticky_weighted_and_lb(void **state)
{
	struct built b = build(
		"http:\n  services:\n"
		"    whoami1:\n      loadBalancer:\n        servers:\n"
		"          - url: \"http://127.0.0.1:8081\"\n"
		"          - url: \"http://127.0.0.1:8082\"\n"
		"        sticky: {cookie: {name: lvl2, secure: true, httpOnly: true, sameSite: lax, maxAge: 60}}\n"
		LB("whoami2", "8083")
		"    wrr:\n      weighted:\n        sticky: {cookie: {}}\n"
		"        services:\n"
		"          - {name: whoami1, weight: 1}\n          - {name: whoami2, weight: 1}\n");
	char set[512], want[512], ck[256];
	const char *url = NULL, *first;
	int i;

	(void)state;
	/* no cookie: EDF picks whoami1 first; both levels issue cookies */
	assert_string_equal(pick(&b, "wrr@file", NULL, set, sizeof(set), &url),
			    "whoami1");
	first = strdup(url);
	snprintf(want, sizeof(want),
		 "Set-Cookie: _96d1d=8dfb3926c09f6a70; Path=/\r\n"
		 "Set-Cookie: lvl2=%s; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax\r\n",
		 !strcmp(first, "http://127.0.0.1:8081") ? "08d5f409490f61fc" :
							"6bf4bc2f5d722cee");
	assert_string_equal(set, want);
	/* replaying both cookies: 100 requests on the same server, no
	 * Set-Cookie */
	snprintf(ck, sizeof(ck), "a=b; _96d1d=8dfb3926c09f6a70; lvl2=%s",
		 !strcmp(first, "http://127.0.0.1:8081") ? "08d5f409490f61fc" :
							"6bf4bc2f5d722cee");
	for (i = 0; i < 100; i++) {
		assert_string_equal(pick(&b, "wrr@file", ck, set, sizeof(set),
					 &url), "whoami1");
		assert_string_equal(url, first);
		assert_string_equal(set, "");
	}
	/* older forms are accepted and re-issued: raw child name, FNV-1 */
	assert_string_equal(pick(&b, "wrr@file", "_96d1d=whoami2", set,
				 sizeof(set), NULL), "whoami2");
	assert_string_equal(set,
			    "Set-Cookie: _96d1d=95a51080d653f83f; Path=/\r\n");
	assert_string_equal(pick(&b, "wrr@file", "_96d1d=1c7d966a641b6f7", set,
				 sizeof(set), NULL), "whoami1");
	assert_true(!strncmp(set, "Set-Cookie: _96d1d=8dfb3926c09f6a70; Path=/\r\n",
			     45));
	/* LB level: raw URL and FNV-1a forms pick that server, re-issued */
	pick(&b, "whoami1@file", "lvl2=http://127.0.0.1:8082", set, sizeof(set),
	     &url);
	assert_string_equal(url, "http://127.0.0.1:8082");
	assert_string_equal(set, "Set-Cookie: lvl2=6bf4bc2f5d722cee; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax\r\n");
	pick(&b, "whoami1@file", "lvl2=75327ea3b04bcda5", set, sizeof(set),
	     &url);
	assert_string_equal(url, "http://127.0.0.1:8081");
	/* garbage: a normal pick and a fresh cookie, never an error */
	assert_string_equal(pick(&b, "wrr@file", "_96d1d=zzz; lvl2=\"\"", set,
				 sizeof(set), NULL), "whoami2");
	assert_non_null(strstr(set, "_96d1d=95a51080d653f83f"));
	free((void *)first);
	done(&b);
}

static struct lb_node *lbn(struct built *b, const char *name)
{
	struct svc_node *n = graph_service(b->g, name);

	assert_non_null(n);
	assert_int_equal(n->kind, CFG_SVC_LOADBALANCER);
	return (struct lb_node *)n;
}

static void set_health(struct built *b, const char *lb, bool up)
{
	svc_server_health(lbn(b, lb), 0, up, NULL, NULL);
}

static void test_sticky_server_down_and_back(void **state)
{
	struct built b = build(
		"http:\n  services:\n"
		"    s:\n      loadBalancer:\n        servers:\n"
		"          - url: \"http://127.0.0.1:8081\"\n"
		"          - url: \"http://127.0.0.1:8082\"\n"
		"        sticky: {cookie: {name: c}}\n");
	struct lb_node *lb = lbn(&b, "s@file");
	size_t i1 = !strcmp(lb->servers[0].url, "http://127.0.0.1:8081") ? 0 : 1;
	char set[256];
	const char *url;

	(void)state;
	svc_server_health(lb, i1, false, NULL, NULL);
	pick(&b, "s@file", "c=08d5f409490f61fc", set, sizeof(set), &url);
	assert_string_equal(url, "http://127.0.0.1:8082");
	assert_string_equal(set, "Set-Cookie: c=6bf4bc2f5d722cee; Path=/\r\n");
	svc_server_health(lb, i1, true, NULL, NULL);
	pick(&b, "s@file", "c=08d5f409490f61fc", set, sizeof(set), &url);
	assert_string_equal(url, "http://127.0.0.1:8081");
	assert_string_equal(set, "");
	/* both down: 503 "no available server", no cookie */
	svc_server_health(lb, 0, false, NULL, NULL);
	svc_server_health(lb, 1, false, NULL, NULL);
	assert_string_equal(pick(&b, "s@file", "c=08d5f409490f61fc", set,
				 sizeof(set), NULL), "503");
	assert_false(atomic_load(&lb->node.x->up));
	done(&b);
}

/* Traefik's TestPropagate (semantics §3.3). */
static void test_propagate(void **state)
{
	struct built b = build(
		"http:\n  services:\n"
		LBHC("s1", "1") LBHC("s2", "2") LBHC("s3", "3") LBHC("s4", "4")
		"    fooServices:\n      weighted:\n        healthCheck: {}\n        services:\n"
		"          - {name: s1, weight: 1}\n          - {name: s2, weight: 1}\n"
		"    barServices:\n      weighted:\n        healthCheck: {}\n        services:\n"
		"          - {name: s2, weight: 1}\n          - {name: s3, weight: 1}\n"
		"    root:\n      weighted:\n        healthCheck: {}\n        services:\n"
		"          - {name: fooServices, weight: 1}\n          - {name: barServices, weight: 1}\n"
		"    nohc:\n      weighted:\n        services:\n"
		"          - {name: s1, weight: 1}\n          - {name: s4, weight: 1}\n");
	int c[5] = { 0 }, i;

	(void)state;
	set_health(&b, "s1@file", false);
	set_health(&b, "s3@file", false);
	for (i = 0; i < 8; i++)
		c[pick(&b, "root@file", NULL, NULL, 0, NULL)[1] - '0']++;
	assert_int_equal(c[2], 8);	/* foo -> s2, bar -> s2 */
	for (i = 0; i < 4; i++)
		assert_string_equal(pick(&b, "fooServices@file", NULL, NULL, 0,
					 NULL), "s2");
	/* without healthCheck: {} the down child keeps its share (503) */
	assert_string_equal(pick(&b, "nohc@file", NULL, NULL, 0, NULL), "503");
	assert_string_equal(pick(&b, "nohc@file", NULL, NULL, 0, NULL), "s4");
	set_health(&b, "s2@file", false);
	assert_false(atomic_load(&graph_service(b.g, "root@file")->x->up));
	assert_string_equal(pick(&b, "root@file", NULL, NULL, 0, NULL), "503");
	assert_string_equal(pick(&b, "fooServices@file", NULL, NULL, 0, NULL),
			    "503");
	set_health(&b, "s1@file", true);
	set_health(&b, "s2@file", true);
	set_health(&b, "s3@file", true);
	assert_true(atomic_load(&graph_service(b.g, "root@file")->x->up));
	memset(c, 0, sizeof(c));
	for (i = 0; i < 8; i++)
		c[pick(&b, "root@file", NULL, NULL, 0, NULL)[1] - '0']++;
	/* foo: s1 s2, bar: s2 s3 -> s1 2, s2 4, s3 2 */
	assert_int_equal(c[1], 2);
	assert_int_equal(c[2], 4);
	assert_int_equal(c[3], 2);
	/* a flip is counted once per transition */
	assert_int_equal(atomic_load(&graph_service(b.g, "root@file")->x->transitions), 2);
	done(&b);
}

static void test_failover(void **state)
{
	struct built b = build(
		"http:\n  services:\n"
		LBHC("main", "1") LBHC("fb", "2") LB("plain", "3")
		"    fo:\n      failover: {service: main, fallback: plain}\n"
		"    fohc:\n      failover: {service: main, fallback: fb, healthCheck: {}}\n"
		"    top:\n      weighted:\n        healthCheck: {}\n        services:\n"
		"          - {name: fohc, weight: 1}\n"
		"    mir:\n      mirroring:\n        service: main\n        healthCheck: {}\n"
		"        mirrors: [{name: fb, percent: 10}]\n"
		"    top2:\n      weighted:\n        healthCheck: {}\n        services:\n"
		"          - {name: mir, weight: 1}\n");

	(void)state;
	assert_string_equal(pick(&b, "fo@file", NULL, NULL, 0, NULL), "main");
	assert_string_equal(pick(&b, "fohc@file", NULL, NULL, 0, NULL), "main");
	set_health(&b, "main@file", false);
	assert_string_equal(pick(&b, "fo@file", NULL, NULL, 0, NULL), "plain");
	assert_string_equal(pick(&b, "fohc@file", NULL, NULL, 0, NULL), "fb");
	/* mirroring reports its main's status */
	assert_false(atomic_load(&graph_service(b.g, "mir@file")->x->up));
	assert_false(atomic_load(&graph_service(b.g, "top2@file")->x->up));
	assert_true(atomic_load(&graph_service(b.g, "top@file")->x->up));
	set_health(&b, "fb@file", false);
	assert_string_equal(pick(&b, "fohc@file", NULL, NULL, 0, NULL),
			    "503 unavailable");
	assert_false(atomic_load(&graph_service(b.g, "top@file")->x->up));
	assert_string_equal(pick(&b, "top@file", NULL, NULL, 0, NULL), "503");
	/* the untracked fallback of fo stays in use */
	assert_string_equal(pick(&b, "fo@file", NULL, NULL, 0, NULL), "plain");
	set_health(&b, "main@file", true);
	assert_string_equal(pick(&b, "fohc@file", NULL, NULL, 0, NULL), "main");
	assert_string_equal(pick(&b, "fo@file", NULL, NULL, 0, NULL), "main");
	assert_true(atomic_load(&graph_service(b.g, "top@file")->x->up));
	assert_true(atomic_load(&graph_service(b.g, "top2@file")->x->up));
	done(&b);
}

static void test_mirror_counters(void **state)
{
	struct built b = build(
		"http:\n  services:\n"
		LB("main", "1") LB("m10", "2") LB("m50", "3") LB("m0", "4")
		LB("m100", "5")
		"    mir:\n      mirroring:\n        service: main\n"
		"        mirrors:\n"
		"          - {name: m10, percent: 10}\n          - {name: m50, percent: 50}\n"
		"          - {name: m0, percent: 0}\n          - {name: m100, percent: 100}\n");
	struct rule_req rq = { .method = "GET", .host = "x", .path = "/",
			       .query = "", .header = hdr };
	struct svc_node *n = graph_service(b.g, "mir@file");
	int c[4] = { 0 }, i;
	size_t k;
	char order[16] = "";

	(void)state;
	cookie_hdr = NULL;
	for (i = 0; i < 10; i++) {
		struct svc_pick p = { 0 };

		assert_int_equal(n->ops->pick(n, &rq, &p), 0);
		assert_string_equal(p.lb->node.name, "main@file");
		assert_non_null(p.mirror);	/* m100 takes every one */
		for (k = 0; k < p.mirror->n; k++) {
			const char *nm = p.mirror->to[k]->name;

			c[!strcmp(nm, "m10@file") ? 0 :
			  !strcmp(nm, "m50@file") ? 1 :
			  !strcmp(nm, "m0@file") ? 2 : 3]++;
			if (i == 0 || i == 1)
				strncat(order, nm, 2);
		}
		if (i == 0 || i == 1)
			strcat(order, "|");
		svc_pick_release(&p);
	}
	assert_int_equal(c[0], 1);
	assert_int_equal(c[1], 5);
	assert_int_equal(c[2], 0);
	assert_int_equal(c[3], 10);
	/* request #1 goes to 10% and 50%; #2 only to 100% */
	assert_string_equal(order, "m1m5m1|m1|");
	done(&b);
}

static void test_mirror_nested(void **state)
{
	struct built b = build(
		"http:\n  services:\n"
		LB("main", "1") LB("m1", "2") LB("m2", "3")
		"    inner:\n      mirroring:\n        service: main\n        maxBodySize: 100\n"
		"        mirrors: [{name: m1, percent: 50}]\n"
		"    outer:\n      mirroring:\n        service: inner\n        maxBodySize: 10\n"
		"        mirrors: [{name: m2, percent: 100}]\n");
	struct rule_req rq = { .method = "GET", .host = "x", .path = "/",
			       .query = "", .header = hdr };
	struct svc_node *n = graph_service(b.g, "outer@file");
	int i, c1 = 0, c2 = 0;
	size_t k;

	(void)state;
	cookie_hdr = NULL;
	for (i = 0; i < 4; i++) {
		struct svc_pick p = { 0 };

		assert_int_equal(n->ops->pick(n, &rq, &p), 0);
		assert_string_equal(p.lb->node.name, "main@file");
		assert_non_null(p.mirror);
		assert_int_equal(p.mirror->max_body, 10);
		for (k = 0; k < p.mirror->n; k++) {
			c1 += !strcmp(p.mirror->to[k]->name, "m1@file");
			c2 += !strcmp(p.mirror->to[k]->name, "m2@file");
		}
		assert_int_equal(p.n_via, 2);
		svc_pick_release(&p);
	}
	assert_int_equal(c1, 2);
	assert_int_equal(c2, 4);
	done(&b);
}

static void test_mirror_body_limit(void **state)
{
	struct mirror_req *r = calloc(1, sizeof(*r));

	(void)state;
	r->max_body = 8;
	r->mirror_body = true;
	mirror_req_body(r, "12345", 5);
	mirror_req_body(r, "678", 3);
	assert_false(r->too_large);
	mirror_req_body(r, "9", 1);
	assert_true(r->too_large);
	mirror_req_free(r);
	r = calloc(1, sizeof(*r));
	r->max_body = 0;
	r->mirror_body = true;
	mirror_req_body(r, "x", 1);
	assert_true(r->too_large);
	mirror_req_free(r);
}

static void test_strategies_and_passive(void **state)
{
	struct built b = build(
		"http:\n  services:\n"
		"    lc:\n      loadBalancer:\n        strategy: leastconn\n        servers:\n"
		"          - url: \"http://127.0.0.1:1\"\n          - url: \"http://127.0.0.1:2\"\n"
		"          - url: \"http://127.0.0.1:3\"\n"
		"    p2:\n      loadBalancer:\n        strategy: p2c\n        servers:\n"
		"          - url: \"http://127.0.0.1:1\"\n          - url: \"http://127.0.0.1:2\"\n"
		"    pv:\n      loadBalancer:\n        passiveHealthCheck: {failureWindow: 1h, maxFailedAttempts: 2}\n"
		"        servers:\n"
		"          - url: \"http://127.0.0.1:1\"\n          - url: \"http://127.0.0.1:2\"\n");
	struct lb_node *lc = lbn(&b, "lc@file"), *p2 = lbn(&b, "p2@file"),
		       *pv = lbn(&b, "pv@file");
	const char *url;
	int i;

	(void)state;
	/* leastconn: the two busy servers are avoided */
	stats_inflight(lc->servers[0].stats, 3);
	stats_inflight(lc->servers[1].stats, 1);
	for (i = 0; i < 10; i++) {
		pick(&b, "lc@file", NULL, NULL, 0, &url);
		assert_string_equal(url, lc->servers[2].url);
	}
	stats_inflight(lc->servers[2].stats, 2);
	pick(&b, "lc@file", NULL, NULL, 0, &url);
	assert_string_equal(url, lc->servers[1].url);
	/* p2c over two servers compares both: the idle one wins */
	stats_inflight(p2->servers[1].stats, 5);
	for (i = 0; i < 10; i++) {
		pick(&b, "p2@file", NULL, NULL, 0, &url);
		assert_string_equal(url, p2->servers[0].url);
	}
	/* passive: two failures in the window take a server out */
	svc_server_result(pv, &pv->servers[0], 502);
	assert_true(svc_lb_alive(pv, 0, svc_now_us()));
	svc_server_result(pv, &pv->servers[0], 503);
	assert_false(svc_lb_alive(pv, 0, svc_now_us()));
	for (i = 0; i < 6; i++) {
		pick(&b, "pv@file", NULL, NULL, 0, &url);
		assert_string_equal(url, pv->servers[1].url);
	}
	/* a 4xx is not a failure */
	svc_server_result(pv, &pv->servers[1], 404);
	svc_server_result(pv, &pv->servers[1], 404);
	assert_true(svc_lb_alive(pv, 1, svc_now_us()));
	/* retry excludes the failed server */
	assert_ptr_equal(svc_lb_repick(pv, &pv->servers[1]), NULL);
	done(&b);
}

static void test_runtime_weight(void **state)
{
	struct built b = build(
		"http:\n  services:\n"
		"    s:\n      loadBalancer:\n        servers:\n"
		"          - url: \"http://127.0.0.1:1\"\n          - url: \"http://127.0.0.1:2\"\n");
	struct lb_node *lb = lbn(&b, "s@file");
	const char *url;
	int c0 = 0, i;

	(void)state;
	atomic_store(&lb->x->srv[0].weight, 3);
	svc_lb_reweight(lb);
	for (i = 0; i < 40; i++) {
		pick(&b, "s@file", NULL, NULL, 0, &url);
		c0 += !strcmp(url, lb->servers[0].url);
	}
	assert_int_equal(c0, 30);
	atomic_store(&lb->x->srv[0].drain, true);
	for (i = 0; i < 5; i++) {
		pick(&b, "s@file", NULL, NULL, 0, &url);
		assert_string_equal(url, lb->servers[1].url);
	}
	atomic_store(&lb->x->srv[1].weight, 0);
	svc_lb_reweight(lb);
	assert_string_equal(pick(&b, "s@file", NULL, NULL, 0, NULL), "503");
	done(&b);
}

/* Services failing Traefik's all-or-nothing health validation (the
 * loader's texts, tests/unit/test_config_errors.c) are left out of the
 * graph with their routers; their healthy siblings are built.
 */
static void test_validation_left_out(void **state)
{
	static char *const eps[] = { "web" };
	struct config *cfg = cfgt_load(
		"http:\n  routers:\n"
		"    rw: {rule: 'Host(`w`)', service: w}\n"
		"    rw2: {rule: 'Host(`w2`)', service: w2}\n"
		"    rf: {rule: 'Host(`f`)', service: f}\n"
		"  services:\n"
		"    w: {weighted: {healthCheck: {}, services: [{name: lb}, {name: w2}]}}\n"
		"    w2: {weighted: {services: [{name: lb}]}}\n"
		"    f: {failover: {service: lb, fallback: lb}}\n"
		"    lb: {loadBalancer: {servers: [{url: 'http://10.0.0.1'}]}}\n");
	char warn[256] = "";
	struct l7_graph *g;

	(void)state;
	assert_non_null(cfgt_diag(cfg, "cannot register lb as updater for w@file: healthCheck not enabled in config for this loadbalancer service"));
	assert_non_null(cfgt_diag(cfg, "cannot register lb as updater for f@file: healthCheck not enabled in config for this loadbalancer service"));
	g = graph_build(cfg, eps, 1, &reg, NULL, warn, sizeof(warn));
	assert_non_null(g);
	assert_null(graph_service(g, "w@file"));
	assert_null(graph_service(g, "f@file"));
	assert_non_null(graph_service(g, "w2@file"));
	assert_int_equal(g->n_routers, 1);
	assert_string_equal(g->routers[0].name, "rw2@file");
	graph_unref(g);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edf_sequences),
		cmocka_unit_test(test_exact_rounds_and_nesting),
		cmocka_unit_test(test_sticky_weighted_and_lb),
		cmocka_unit_test(test_sticky_server_down_and_back),
		cmocka_unit_test(test_propagate),
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_mirror_counters),
		cmocka_unit_test(test_mirror_nested),
		cmocka_unit_test(test_mirror_body_limit),
		cmocka_unit_test(test_strategies_and_passive),
		cmocka_unit_test(test_runtime_weight),
		cmocka_unit_test(test_validation_left_out),
	};

	stats_reg_init(&reg);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
