/* Counters that survive reloads, kept by key in the proxy's registry. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "l4_internal.h"
#include "l4proxy.h"

struct l4_counters *l4_stats_get(struct l4_registry *reg, const char *key)
{
	struct l4_counters *c;
	size_t at;

	if (strmap_get(&reg->idx, key, &at)) {
		c = (struct l4_counters *)(uintptr_t)at;
		c->refs++;
		return c;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->key = strdup(key);
	if (!c->key || strmap_add(&reg->idx, c->key, (uintptr_t)c, NULL) < 0) {
		free(c->key);
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->refs = 1;
	c->next = reg->head;
	reg->head = c;
	return c;
}

struct l4_counters *l4_stats_ref(struct l4_counters *c)
{
	if (c)
		c->refs++;
	return c;
}

void l4_stats_put(struct l4_registry *reg, struct l4_counters *c)
{
	struct l4_counters **pp;

	if (!c || --c->refs)
		return;
	strmap_del(&reg->idx, c->key);
	for (pp = &reg->head; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	free(c->key);
	free(c);
}

static void counters_json(struct json_writer *w, const struct l4_counters *c,
			  bool udp)
{
	jsonw_u64_field(w, udp ? "sessions_total" : "conns_total",
			c->conns_total);
	jsonw_u64_field(w, udp ? "sessions_active" : "conns_active",
			c->conns_active);
	jsonw_u64_field(w, "rx_bytes", c->rx_bytes);
	jsonw_u64_field(w, "tx_bytes", c->tx_bytes);
	if (udp) {
		jsonw_u64_field(w, "rx_dgrams", c->rx_dgrams);
		jsonw_u64_field(w, "tx_dgrams", c->tx_dgrams);
	} else {
		jsonw_u64_field(w, "dial_errors", c->dial_errors);
	}
}

static void service_json(struct json_writer *w, const struct l4_service *s,
			 bool udp)
{
	size_t i;

	jsonw_start_object(w);
	jsonw_string_field(w, "name", s->name);
	jsonw_string_field(w, "proto", udp ? "udp" : "tcp");
	jsonw_string_field(w, "kind", s->kind == CFG_SVC_WEIGHTED ?
			   "weighted" : "loadBalancer");
	jsonw_bool_field(w, "broken", s->broken);
	if (s->kind == CFG_SVC_LOADBALANCER && !udp) {
		jsonw_u64_field(w, "proxy_protocol", (uint64_t)s->pp_version);
		jsonw_s64_field(w, "termination_delay_ns", s->term_delay);
	}
	counters_json(w, s->stats, udp);
	jsonw_u64_field(w, "pick_errors", s->stats->pick_errors);
	jsonw_name(w, s->kind == CFG_SVC_WEIGHTED ? "services" : "servers");
	jsonw_start_array(w);
	for (i = 0; i < s->n_children; i++) {
		jsonw_start_object(w);
		jsonw_string_field(w, "name", s->child_names[i]);
		jsonw_s64_field(w, "weight", s->wrr_e[i].weight);
		jsonw_end_object(w);
	}
	for (i = 0; i < s->n_servers; i++) {
		const struct l4_server *sv = &s->servers[i];

		jsonw_start_object(w);
		jsonw_string_field(w, "address", sv->address);
		jsonw_s64_field(w, "weight", sv->weight);
		jsonw_bool_field(w, "resolved", sv->resolved);
		counters_json(w, sv->stats, udp);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
}

static void entry_json(struct json_writer *w, const struct l4_entry *e)
{
	jsonw_start_object(w);
	jsonw_string_field(w, "name", e->name);
	jsonw_string_field(w, "address", e->address);
	jsonw_string_field(w, "proto", e->udp ? "udp" : "tcp");
	jsonw_string_field(w, "path", !e->serve ? "kernel" :
			   e->n_steer ? "steered" : "userspace");
	jsonw_bool_field(w, "needs_proxy", e->needs_proxy);
	jsonw_bool_field(w, "proxy_protocol_in", e->pp_in);
	if (e->udp)
		jsonw_s64_field(w, "udp_timeout_ns", e->udp_timeout);
	counters_json(w, e->stats, e->udp);
	if (!e->udp) {
		jsonw_u64_field(w, "pp_in", e->stats->pp_in);
		jsonw_u64_field(w, "pp_ignored", e->stats->pp_ignored);
		jsonw_u64_field(w, "pp_errors", e->stats->pp_errors);
		jsonw_u64_field(w, "steered", e->stats->steered);
		jsonw_u64_field(w, "steer_fallbacks", e->stats->steer_fallbacks);
	}
	jsonw_u64_field(w, "no_route", e->stats->no_route);
	jsonw_u64_field(w, "to_http", e->stats->to_http);
	jsonw_end_object(w);
}

void l4proxy_stats_json(const struct l4proxy *p, struct json_writer *w)
{
	const struct l4_graph *g = p->graph;
	size_t i;

	jsonw_start_object(w);
	jsonw_bool_field(w, "dataplane_active", p->dp_active);
	jsonw_u64_field(w, "generation", p->generation);
	jsonw_u64_field(w, "listeners", l4proxy_served(p));
	jsonw_u64_field(w, "conns_active", l4_tcp_conns_count(p));
	jsonw_u64_field(w, "unsupported_routers", g->n_bad_routers);
	jsonw_name(w, "entrypoints");
	jsonw_start_array(w);
	for (i = 0; i < g->n_entries; i++)
		if (g->entries[i].n_routes || g->entries[i].notls)
			entry_json(w, &g->entries[i]);
	jsonw_end_array(w);
	jsonw_name(w, "services");
	jsonw_start_array(w);
	for (i = 0; i < g->n_tcp_svcs; i++)
		service_json(w, &g->tcp_svcs[i], false);
	for (i = 0; i < g->n_udp_svcs; i++)
		service_json(w, &g->udp_svcs[i], true);
	jsonw_end_array(w);
	jsonw_end_object(w);
}
