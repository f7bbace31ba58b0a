/* sluiced's flow table GC thread (see dp_gc.h). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "dp_gc.h"
#include "flow_gc.h"
#include "json_writer.h"
#include "lbmap.h"
#include "log.h"

struct dp_gc {
	const struct lbmap *m;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* CLOCK_MONOTONIC */
	/* under lock */
	int64_t interval_ns;
	bool changed;		/* the interval changed: wait anew */
	bool stop;
	uint64_t passes;
	struct flow_gc_stats total;
	uint64_t last_scanned;
	uint64_t last_deleted;
	double last_ms;
	int last_err;		/* -errno of the last pass, or 0 */
};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Waits (lock held) until the interval has passed since the last pass;
 * false when stopped. An interval change restarts the wait.
 */
static bool gc_wait(struct dp_gc *g)
{
	struct timespec ts;
	int64_t until;

	for (;;) {
		if (g->stop)
			return false;
		g->changed = false;
		if (!g->interval_ns) {
			pthread_cond_wait(&g->cond, &g->lock);
			continue;
		}
		until = mono_ns() + g->interval_ns;
		ts.tv_sec = until / 1000000000;
		ts.tv_nsec = until % 1000000000;
		while (!g->stop && !g->changed && mono_ns() < until)
			pthread_cond_timedwait(&g->cond, &g->lock, &ts);
		if (!g->stop && !g->changed)
			return true;
	}
}

static void *gc_main(void *arg)
{
	struct dp_gc *g = arg;
	struct flow_gc_stats st;
	int64_t t0;
	int err;

	pthread_mutex_lock(&g->lock);
	while (gc_wait(g)) {
		pthread_mutex_unlock(&g->lock);
		memset(&st, 0, sizeof(st));
		t0 = mono_ns();
		err = flow_gc_pass(g->m, (uint64_t)t0, 0, &st);
		pthread_mutex_lock(&g->lock);
		if (err && err != g->last_err)
			pr_warn("dataplane: flow GC: %s", strerror(-err));
		g->passes++;
		g->last_err = err;
		g->last_ms = (mono_ns() - t0) / 1e6;
		g->last_scanned = st.scanned;
		g->last_deleted = st.deleted;
		g->total.scanned += st.scanned;
		g->total.expired += st.expired;
		g->total.deleted += st.deleted;
		g->total.replies += st.replies;
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct dp_gc *dp_gc_start(const struct lbmap *m, int64_t interval_ns)
{
	pthread_condattr_t ca;
	struct dp_gc *g;
	int err;

	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->m = m;
	g->interval_ns = interval_ns > 0 ? interval_ns : 0;
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cond, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&g->thread, NULL, gc_main, g);
	if (err) {
		pthread_cond_destroy(&g->cond);
		pthread_mutex_destroy(&g->lock);
		free(g);
		errno = err;
		return NULL;
	}
	return g;
}

void dp_gc_set_interval(struct dp_gc *g, int64_t interval_ns)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	if (interval_ns < 0)
		interval_ns = 0;
	if (interval_ns != g->interval_ns) {
		g->interval_ns = interval_ns;
		g->changed = true;
		pthread_cond_signal(&g->cond);
	}
	pthread_mutex_unlock(&g->lock);
}

void dp_gc_stop(struct dp_gc *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

void dp_gc_status(struct dp_gc *g, struct json_writer *w)
{
	char iv[32];

	jsonw_start_object(w);
	if (g) {
		pthread_mutex_lock(&g->lock);
		config_format_duration(g->interval_ns, iv, sizeof(iv));
		jsonw_string_field(w, "interval", g->interval_ns ? iv : "off");
		jsonw_u64_field(w, "passes", g->passes);
		jsonw_u64_field(w, "last_scanned", g->last_scanned);
		jsonw_u64_field(w, "last_deleted", g->last_deleted);
		jsonw_name(w, "last_ms");
		jsonw_double(w, g->last_ms);
		jsonw_u64_field(w, "deleted", g->total.deleted);
		jsonw_u64_field(w, "replies_deleted", g->total.replies);
		jsonw_string_field(w, "error", g->last_err ?
				   strerror(-g->last_err) : "");
		pthread_mutex_unlock(&g->lock);
	} else {
		jsonw_string_field(w, "interval", "off");
	}
	jsonw_end_object(w);
}
