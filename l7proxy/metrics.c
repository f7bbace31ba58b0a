/* L7 statistics registry and renderers: see metrics.h. */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "json_writer.h"
#include "metrics.h"

const double l7_lat_bounds[L7_LAT_BUCKETS] = { 0.1, 0.3, 1.2, 5.0 };

void stats_reg_init(struct stats_reg *r)
{
	pthread_mutex_init(&r->lock, NULL);
	r->head = NULL;
}

void stats_reg_fini(struct stats_reg *r)
{
	struct l7_stats *s, *next;

	for (s = r->head; s; s = next) {
		next = s->next;
		free(s->name);
		free(s);
	}
	r->head = NULL;
	pthread_mutex_destroy(&r->lock);
}

struct l7_stats *stats_get(struct stats_reg *r, enum l7_stats_kind kind,
			   const char *name)
{
	struct l7_stats *s;

	pthread_mutex_lock(&r->lock);
	for (s = r->head; s; s = s->next)
		if (s->kind == kind && !strcmp(s->name, name))
			goto out_unlock;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out_unlock;
	s->name = strdup(name);
	if (!s->name) {
		free(s);
		s = NULL;
		goto out_unlock;
	}
	s->kind = kind;
	s->next = r->head;
	r->head = s;
out_unlock:
	pthread_mutex_unlock(&r->lock);
	return s;
}

void stats_record(struct l7_stats *s, int status, uint64_t bytes_in,
		  uint64_t bytes_out, uint64_t latency_us)
{
	int cls = status >= 100 && status < 600 ? status / 100 : 0;
	double sec = latency_us / 1e6;
	int b;

	if (!s)
		return;
	atomic_fetch_add_explicit(&s->requests[cls], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->bytes_in, bytes_in, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->bytes_out, bytes_out,
				  memory_order_relaxed);
	for (b = 0; b < L7_LAT_BUCKETS; b++)
		if (sec <= l7_lat_bounds[b])
			break;
	atomic_fetch_add_explicit(&s->latency[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->latency_sum_us, latency_us,
				  memory_order_relaxed);
}

static uint64_t ld(const atomic_uint_fast64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

void stats_json(const struct l7_stats *s, struct json_writer *w)
{
	static const char *const cls[6] = {
		"none", "1xx", "2xx", "3xx", "4xx", "5xx"
	};
	uint64_t total = 0, cum = 0;
	int i;

	for (i = 0; i < 6; i++)
		total += ld(&s->requests[i]);
	jsonw_u64_field(w, "requests", total);
	jsonw_name(w, "responses");
	jsonw_start_object(w);
	for (i = 0; i < 6; i++)
		jsonw_u64_field(w, cls[i], ld(&s->requests[i]));
	jsonw_end_object(w);
	jsonw_u64_field(w, "rx_bytes", ld(&s->bytes_in));
	jsonw_u64_field(w, "tx_bytes", ld(&s->bytes_out));
	jsonw_s64_field(w, "in_flight",
			atomic_load_explicit(&s->in_flight,
					     memory_order_relaxed));
	jsonw_u64_field(w, "latency_sum_us", ld(&s->latency_sum_us));
	jsonw_name(w, "latency_buckets");
	jsonw_start_array(w);
	for (i = 0; i <= L7_LAT_BUCKETS; i++) {
		cum += ld(&s->latency[i]);
		jsonw_start_object(w);
		jsonw_name(w, "le_s");
		if (i < L7_LAT_BUCKETS)
			jsonw_double(w, l7_lat_bounds[i]);
		else
			jsonw_string(w, "+Inf");
		jsonw_u64_field(w, "count", cum);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

void stats_prom(const struct l7_stats *s, const char *label,
		const char *value, struct evbuffer *out)
{
	static const char *const kind[] = { "router", "service", "server" };
	const char *k = kind[s->kind];
	uint64_t cum = 0, count = 0;
	int i;

	for (i = 1; i < 6; i++)
		if (ld(&s->requests[i]))
			evbuffer_add_printf(out,
				"sluice_%s_requests_total{%s=\"%s\",code_class=\"%dxx\"} %llu\n",
				k, label, value, i,
				(unsigned long long)ld(&s->requests[i]));
	evbuffer_add_printf(out, "sluice_%s_requests_bytes_total{%s=\"%s\"} %llu\n",
			    k, label, value,
			    (unsigned long long)ld(&s->bytes_in));
	evbuffer_add_printf(out, "sluice_%s_responses_bytes_total{%s=\"%s\"} %llu\n",
			    k, label, value,
			    (unsigned long long)ld(&s->bytes_out));
	evbuffer_add_printf(out, "sluice_%s_open_connections{%s=\"%s\"} %lld\n",
			    k, label, value,
			    (long long)atomic_load_explicit(&s->in_flight,
							    memory_order_relaxed));
	for (i = 0; i <= L7_LAT_BUCKETS; i++) {
		cum += ld(&s->latency[i]);
		if (i < L7_LAT_BUCKETS)
			evbuffer_add_printf(out,
				"sluice_%s_request_duration_seconds_bucket{%s=\"%s\",le=\"%g\"} %llu\n",
				k, label, value, l7_lat_bounds[i],
				(unsigned long long)cum);
		else
			evbuffer_add_printf(out,
				"sluice_%s_request_duration_seconds_bucket{%s=\"%s\",le=\"+Inf\"} %llu\n",
				k, label, value, (unsigned long long)cum);
	}
	count = cum;
	evbuffer_add_printf(out, "sluice_%s_request_duration_seconds_sum{%s=\"%s\"} %.6f\n",
			    k, label, value, ld(&s->latency_sum_us) / 1e6);
	evbuffer_add_printf(out, "sluice_%s_request_duration_seconds_count{%s=\"%s\"} %llu\n",
			    k, label, value, (unsigned long long)count);
}
