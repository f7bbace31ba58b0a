/* Request statistics of the L7 proxy: one struct l7_stats per router,
 * service and server, kept in a registry by kind and name so counters
 * survive reloads (a new snapshot finds the same block again). Workers
 * update them with relaxed atomics; readers see eventually consistent
 * values.
 */
#ifndef LB_L7_METRICS_H
#define LB_L7_METRICS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct json_writer;
struct evbuffer;

/* Latency histogram upper bounds in seconds, Traefik's defaults. */
#define L7_LAT_BUCKETS 4
extern const double l7_lat_bounds[L7_LAT_BUCKETS];

enum l7_stats_kind {
	L7_STATS_ROUTER,
	L7_STATS_SERVICE,
	L7_STATS_SERVER,
};

struct l7_stats {
	enum l7_stats_kind kind;
	char *name;		/* router/service name, or "service|url" */
	atomic_uint_fast64_t requests[6];	/* [0] no status, [1..5] 1xx..5xx */
	atomic_uint_fast64_t bytes_in;		/* request bytes from clients */
	atomic_uint_fast64_t bytes_out;		/* response bytes to clients */
	atomic_int_fast64_t in_flight;
	atomic_uint_fast64_t latency[L7_LAT_BUCKETS + 1];	/* last: +Inf */
	atomic_uint_fast64_t latency_sum_us;
	struct l7_stats *next;	/* registry list */
};

struct stats_reg {
	pthread_mutex_t lock;
	struct l7_stats *head;
};

void stats_reg_init(struct stats_reg *r);
void stats_reg_fini(struct stats_reg *r);

/* The block for (@kind, @name), created at zero on first use. Never freed
 * before the registry. Returns NULL when out of memory.
 */
struct l7_stats *stats_get(struct stats_reg *r, enum l7_stats_kind kind,
			   const char *name);

/* Records one finished request: @status 0 when none was sent. NULL-safe. */
void stats_record(struct l7_stats *s, int status, uint64_t bytes_in,
		  uint64_t bytes_out, uint64_t latency_us);

static inline void stats_inflight(struct l7_stats *s, int delta)
{
	if (s)
		atomic_fetch_add_explicit(&s->in_flight, delta,
					  memory_order_relaxed);
}

/* Writes the counters of @s as members of the current JSON object. */
void stats_json(const struct l7_stats *s, struct json_writer *w);

/* Appends the Prometheus text samples of @s (metric family prefix
 * sluice_<kind>_..., label @label="@name") to @out.
 */
void stats_prom(const struct l7_stats *s, const char *label,
		const char *value, struct evbuffer *out);

#endif /* LB_L7_METRICS_H */
