/* The server health registry (userspace/lib/health.c): statuses, the
 * operator's override, subscribers, keep/sweep across reloads, the JSON
 * document, growth, and readers on other threads while the agent thread
 * writes.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "health.h"
#include "json_writer.h"
#include "jtree.h"

#define SVC	"web@file"
#define S1	"http://10.0.0.1:80"
#define S2	"http://10.0.0.2:80"

struct change {
	char service[64];
	char server[64];
	bool up;
};

struct recorder {
	struct change v[16];
	size_t n;
};

static void record(void *arg, const char *service, const char *server,
		   bool up)
{
	struct recorder *r = arg;

	assert_true(r->n < 16);
	snprintf(r->v[r->n].service, sizeof(r->v[0].service), "%s", service);
	snprintf(r->v[r->n].server, sizeof(r->v[0].server), "%s", server);
	r->v[r->n].up = up;
	r->n++;
}

static struct jnode *to_json(const struct health_state *h, const char *svc)
{
	struct json_writer *w = jsonw_new_buf();
	struct jnode *n;

	assert_non_null(w);
	health_write_json(h, svc, w);
	n = jnode_parse(jsonw_buf(w), strlen(jsonw_buf(w)));
	assert_non_null(n);
	jsonw_destroy(w);
	return n;
}

static void test_status(void **state)
{
	struct health_state *h = health_state_new();

	assert_non_null(h);
	/* a server never heard of is up */
	assert_true(health_server_up(h, SVC, S1));
	assert_int_equal(health_server_status(h, SVC, S1), HEALTH_UNKNOWN);

	assert_int_equal(health_server_add(h, SVC, S1), 0);
	assert_int_equal(health_server_status(h, SVC, S1), HEALTH_UNKNOWN);
	assert_true(health_server_up(h, SVC, S1));

	assert_int_equal(health_server_set(h, SVC, S1, false,
					   "received error status code: 503"), 0);
	assert_false(health_server_up(h, SVC, S1));
	assert_int_equal(health_server_status(h, SVC, S1), HEALTH_DOWN);
	/* other keys are independent: same server in another service */
	assert_true(health_server_up(h, "api@file", S1));
	assert_true(health_server_up(h, SVC, S2));

	assert_int_equal(health_server_set(h, SVC, S1, true, NULL), 0);
	assert_true(health_server_up(h, SVC, S1));
	assert_int_equal(health_server_status(h, SVC, S1), HEALTH_UP);
	health_state_free(h);
}

static void test_subscribers(void **state)
{
	struct health_state *h = health_state_new();
	struct recorder r = { 0 }, r2 = { 0 };

	assert_int_equal(health_subscribe(h, record, &r), 0);
	assert_int_equal(health_subscribe(h, record, &r2), 0);
	/* unknown -> up: no change of rotation, no call */
	health_server_set(h, SVC, S1, true, NULL);
	assert_int_equal(r.n, 0);
	health_server_set(h, SVC, S1, false, "x");
	health_server_set(h, SVC, S1, false, "y");	/* still down */
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].service, SVC);
	assert_string_equal(r.v[0].server, S1);
	assert_false(r.v[0].up);
	health_unsubscribe(h, record, &r2);
	health_server_set(h, SVC, S1, true, NULL);
	assert_int_equal(r.n, 2);
	assert_true(r.v[1].up);
	assert_int_equal(r2.n, 1);
	/* unknown -> down is a change */
	health_server_set(h, SVC, S2, false, "HTTP request failed: x");
	assert_int_equal(r.n, 3);
	assert_false(r.v[2].up);
	health_state_free(h);
}

static void test_force(void **state)
{
	struct health_state *h = health_state_new();
	struct recorder r = { 0 };

	health_subscribe(h, record, &r);
	health_server_set(h, SVC, S1, true, NULL);
	assert_int_equal(health_server_force(h, SVC, S1, HEALTH_FORCE_DOWN), 0);
	assert_false(health_server_up(h, SVC, S1));
	assert_int_equal(health_server_forced(h, SVC, S1), HEALTH_FORCE_DOWN);
	assert_int_equal(r.n, 1);
	/* probes keep running underneath and do not override */
	health_server_set(h, SVC, S1, true, NULL);
	assert_false(health_server_up(h, SVC, S1));
	health_server_set(h, SVC, S1, false, "boom");
	health_server_set(h, SVC, S1, true, NULL);
	assert_int_equal(r.n, 1);
	/* auto: the probes' verdict (up) comes back */
	health_server_force(h, SVC, S1, HEALTH_FORCE_AUTO);
	assert_true(health_server_up(h, SVC, S1));
	assert_int_equal(r.n, 2);
	assert_true(r.v[1].up);

	/* forcing up a server the probes say is down */
	health_server_set(h, SVC, S2, false, "boom");
	health_server_force(h, SVC, S2, HEALTH_FORCE_UP);
	assert_true(health_server_up(h, SVC, S2));
	assert_int_equal(health_server_status(h, SVC, S2), HEALTH_UP);
	/* forcing a server never probed creates it */
	health_server_force(h, "db@file", "10.0.0.9:5432", HEALTH_FORCE_DOWN);
	assert_false(health_server_up(h, "db@file", "10.0.0.9:5432"));
	/* auto on an unknown server is a no-op */
	assert_int_equal(health_server_force(h, "x@file", "y", HEALTH_FORCE_AUTO), 0);
	assert_true(health_server_up(h, "x@file", "y"));
	health_state_free(h);
}

static void test_reset(void **state)
{
	struct health_state *h = health_state_new();
	struct recorder r = { 0 };

	health_subscribe(h, record, &r);
	health_server_set(h, SVC, S1, false, "boom");
	health_server_reset(h, SVC, S1);
	assert_int_equal(health_server_status(h, SVC, S1), HEALTH_UNKNOWN);
	assert_int_equal(r.n, 2);
	assert_true(r.v[1].up);
	health_server_reset(h, SVC, "nope");
	health_state_free(h);
}

static void test_keep_sweep(void **state)
{
	struct health_state *h = health_state_new();
	struct recorder r = { 0 };

	health_server_add(h, SVC, S1);
	health_server_set(h, SVC, S1, false, "boom");
	health_server_set(h, SVC, S2, false, "boom");
	health_server_set(h, "old@file", S1, true, NULL);
	health_sweep(h);	/* first load: S1 was added, nothing kept else */
	assert_false(health_server_up(h, SVC, S1));
	assert_int_equal(health_server_status(h, SVC, S2), HEALTH_UNKNOWN);
	assert_int_equal(health_server_status(h, "old@file", S1), HEALTH_UNKNOWN);

	/* a reload that keeps S1: it stays down, no flap */
	health_subscribe(h, record, &r);
	health_server_set(h, SVC, S2, false, "boom");
	r.n = 0;
	health_keep(h, SVC, S1);
	health_keep(h, SVC, "never-seen");
	health_sweep(h);
	assert_false(health_server_up(h, SVC, S1));
	assert_int_equal(health_server_status(h, SVC, S1), HEALTH_DOWN);
	/* S2 left the configuration while down: subscribers hear it is up */
	assert_true(health_server_up(h, SVC, S2));
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].server, S2);
	assert_true(r.v[0].up);
	/* marks do not survive a sweep */
	health_sweep(h);
	assert_true(health_server_up(h, SVC, S1));
	health_state_free(h);
}

static void test_json(void **state)
{
	struct health_state *h = health_state_new();
	const struct jnode *s;
	struct jnode *n;
	uint64_t v;

	health_server_add(h, SVC, S2);
	health_server_set(h, SVC, S1, false, "received error status code: 503");
	health_server_set(h, SVC, S1, true, NULL);
	health_server_set(h, SVC, S1, false, "HTTP request failed: \"quoted\"");
	health_server_force(h, "db@file", "10.0.0.9:5432", HEALTH_FORCE_UP);

	n = to_json(h, SVC);
	assert_int_equal(n->type, JNODE_OBJECT);
	assert_int_equal(n->n_kids, 2);
	/* registration order */
	assert_string_equal(n->kids[0]->key, S2);
	assert_string_equal(n->kids[1]->key, S1);
	s = jnode_get(n, S2);
	assert_string_equal(jnode_str(s, "status"), "unknown");
	assert_true(jnode_u64(s, "last_probe_unix_ms", &v) && v == 0);
	assert_true(jnode_u64(s, "transitions", &v) && v == 0);
	assert_false(jnode_get(s, "detail")->quoted);	/* null */
	s = jnode_get(n, S1);
	assert_string_equal(jnode_str(s, "status"), "down");
	assert_string_equal(jnode_str(s, "detail"),
			    "HTTP request failed: \"quoted\"");
	assert_true(jnode_u64(s, "last_probe_unix_ms", &v) && v > 1600000000000ULL);
	assert_true(jnode_u64(s, "transitions", &v) && v == 3);
	assert_false(jnode_get(s, "forced")->quoted);
	jnode_free(n);

	n = to_json(h, "nothing@file");
	assert_int_equal(n->type, JNODE_OBJECT);
	assert_int_equal(n->n_kids, 0);
	jnode_free(n);

	n = to_json(h, NULL);
	assert_int_equal(n->n_kids, 2);
	assert_string_equal(n->kids[0]->key, SVC);
	assert_string_equal(n->kids[1]->key, "db@file");
	s = jnode_get(jnode_get(n, "db@file"), "10.0.0.9:5432");
	assert_string_equal(jnode_str(s, "status"), "up");
	assert_string_equal(jnode_str(s, "forced"), "up");
	jnode_free(n);
	health_state_free(h);
}

static void test_growth(void **state)
{
	struct health_state *h = health_state_new();
	char srv[32];
	int i;

	for (i = 0; i < 3000; i++) {
		snprintf(srv, sizeof(srv), "10.0.%d.%d:80", i / 256, i % 256);
		assert_int_equal(health_server_set(h, SVC, srv, i % 3 != 0,
						   i % 3 ? NULL : "down"), 0);
	}
	for (i = 0; i < 3000; i++) {
		snprintf(srv, sizeof(srv), "10.0.%d.%d:80", i / 256, i % 256);
		assert_int_equal(health_server_up(h, SVC, srv), i % 3 != 0);
		if (i % 2)
			health_keep(h, SVC, srv);
	}
	health_sweep(h);
	for (i = 0; i < 3000; i++) {
		snprintf(srv, sizeof(srv), "10.0.%d.%d:80", i / 256, i % 256);
		assert_int_equal(health_server_status(h, SVC, srv),
				 !(i % 2) ? HEALTH_UNKNOWN :
				 i % 3 ? HEALTH_UP : HEALTH_DOWN);
	}
	health_state_free(h);
}

/* ---- readers on other threads ------------------------------------------- */

#define N_READERS	3
#define ROUNDS		200

struct race {
	struct health_state *h;
	atomic_bool stop;
	atomic_long reads;
	atomic_int bad;
};

/* Invariants that hold whatever the writer is doing: "pinned@file" S1 is
 * forced down from before the threads start and never released; S2 of the
 * same service is never set down. JSON rendering must not crash.
 */
static void *reader(void *arg)
{
	struct race *r = arg;
	char srv[32];
	long i = 0;

	while (!atomic_load(&r->stop)) {
		if (health_server_up(r->h, "pinned@file", S1))
			atomic_fetch_add(&r->bad, 1);
		if (!health_server_up(r->h, "pinned@file", S2))
			atomic_fetch_add(&r->bad, 1);
		snprintf(srv, sizeof(srv), "10.1.0.%ld:80", i % 64);
		(void)health_server_status(r->h, SVC, srv);
		if (i % 64 == 0) {
			struct json_writer *w = jsonw_new_buf();

			health_write_json(r->h, NULL, w);
			jsonw_destroy(w);
		}
		i++;
	}
	atomic_fetch_add(&r->reads, i);
	return NULL;
}

static void test_concurrent_readers(void **state)
{
	struct race r = { .h = health_state_new() };
	pthread_t th[N_READERS];
	char srv[32], detail[32];
	int i, j;

	health_server_force(r.h, "pinned@file", S1, HEALTH_FORCE_DOWN);
	health_server_set(r.h, "pinned@file", S2, true, NULL);
	for (i = 0; i < N_READERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, &r), 0);
	for (i = 0; i < ROUNDS; i++) {
		/* status flips, fresh detail strings (freed after a grace
		 * period), growth of the index, and a sweep every round
		 */
		for (j = 0; j < 64; j++) {
			snprintf(srv, sizeof(srv), "10.1.0.%d:80", j);
			snprintf(detail, sizeof(detail), "err %d", i);
			health_server_set(r.h, SVC, srv, (i + j) % 2, detail);
			if ((i + j) % 3)
				health_keep(r.h, SVC, srv);
		}
		health_keep(r.h, "pinned@file", S1);
		health_keep(r.h, "pinned@file", S2);
		health_sweep(r.h);
	}
	atomic_store(&r.stop, true);
	for (i = 0; i < N_READERS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&r.bad), 0);
	assert_true(atomic_load(&r.reads) > 0);
	assert_false(health_server_up(r.h, "pinned@file", S1));
	health_state_free(r.h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_subscribers),
		cmocka_unit_test(test_force),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_keep_sweep),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_concurrent_readers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
