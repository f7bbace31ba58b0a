/* The service graph as JSON (`sluice service show`) and its health
 * counters as Prometheus text: see svc.h.
 */
#include <inttypes.h>

#include <event2/buffer.h>

#include "json_writer.h"
#include "metrics.h"
#include "svc.h"

const char *svc_kind_str(enum cfg_service_kind k)
{
	switch (k) {
	case CFG_SVC_LOADBALANCER:
		return "loadbalancer";
	case CFG_SVC_WEIGHTED:
		return "weighted";
	case CFG_SVC_MIRRORING:
		return "mirroring";
	case CFG_SVC_FAILOVER:
		return "failover";
	default:
		return "none";
	}
}

static const char *strategy_str(enum cfg_lb_strategy s)
{
	return s == CFG_STRATEGY_P2C ? "p2c" :
	       s == CFG_STRATEGY_LEASTCONN ? "leastconn" : "wrr";
}

static void status_fields(const struct svc_node *n, struct json_writer *w)
{
	jsonw_string_field(w, "status", atomic_load(&n->x->up) ? "up" : "down");
	jsonw_bool_field(w, "reports_health", n->x->reports);
	jsonw_u64_field(w, "transitions", atomic_load(&n->x->transitions));
}

void svc_lb_json(const struct lb_node *lb, long i, struct json_writer *w)
{
	const struct lb_ext *x = lb->x;
	const struct lb_srv *s;
	int64_t now = svc_now_us();

	if (i < 0) {
		status_fields(&lb->node, w);
		jsonw_string_field(w, "strategy", strategy_str(x->strategy));
		jsonw_string_field(w, "sticky_cookie",
				   x->sticky ? x->cookie.name : NULL);
		jsonw_bool_field(w, "passive_health", x->passive.enabled);
		return;
	}
	s = &x->srv[i];
	jsonw_string_field(w, "health",
			   atomic_load(&s->down) ? "down" :
			   !svc_lb_alive(lb, i, now) ? "passive-down" : "up");
	jsonw_s64_field(w, "runtime_weight", atomic_load(&s->weight));
	jsonw_bool_field(w, "drain", atomic_load(&s->drain));
	jsonw_u64_field(w, "transitions", atomic_load(&s->transitions));
}

void svc_node_json(const struct svc_node *n, struct json_writer *w)
{
	size_t i;

	jsonw_start_object(w);
	jsonw_string_field(w, "name", n->name);
	jsonw_string_field(w, "kind", svc_kind_str(n->kind));
	status_fields(n, w);
	switch (n->kind) {
	case CFG_SVC_WEIGHTED: {
		const struct weighted_node *wn = (const void *)n;

		jsonw_string_field(w, "sticky_cookie",
				   wn->sticky ? wn->cookie.name : NULL);
		jsonw_name(w, "services");
		jsonw_start_array(w);
		for (i = 0; i < wn->n_ch; i++) {
			jsonw_start_object(w);
			jsonw_string_field(w, "name", wn->ch[i].svc->name);
			jsonw_s64_field(w, "weight", wn->ch[i].weight);
			jsonw_string_field(w, "status",
					   atomic_load(&wn->ch[i].up) ?
					   "up" : "down");
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
		break;
	}
	case CFG_SVC_MIRRORING: {
		const struct mirror_node *m = (const void *)n;

		jsonw_string_field(w, "service", m->main->name);
		jsonw_s64_field(w, "max_body_size", m->max_body);
		jsonw_u64_field(w, "requests", atomic_load(&m->total));
		jsonw_name(w, "mirrors");
		jsonw_start_array(w);
		for (i = 0; i < m->n_m; i++) {
			jsonw_start_object(w);
			jsonw_string_field(w, "name", m->m[i].svc->name);
			jsonw_s64_field(w, "percent", m->m[i].percent);
			jsonw_u64_field(w, "mirrored",
					atomic_load(&m->m[i].count));
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
		break;
	}
	case CFG_SVC_FAILOVER: {
		const struct failover_node *f = (const void *)n;

		jsonw_string_field(w, "service", f->main->name);
		jsonw_string_field(w, "service_status",
				   atomic_load(&f->main_up) ? "up" : "down");
		jsonw_string_field(w, "fallback", f->fallback->name);
		jsonw_string_field(w, "fallback_status",
				   atomic_load(&f->fallback_up) ?
				   "up" : "down");
		break;
	}
	default:
		break;
	}
	stats_json(n->stats, w);
	jsonw_end_object(w);
}

void svc_prom(const struct l7_graph *g, struct evbuffer *out)
{
	size_t i, j;

	evbuffer_add_printf(out,
		"# HELP sluice_service_up Reported health of a service (1 up).\n"
		"# TYPE sluice_service_up gauge\n"
		"# HELP sluice_service_health_transitions_total Health flips of a service.\n"
		"# TYPE sluice_service_health_transitions_total counter\n"
		"# HELP sluice_server_up Health of a server (1 up).\n"
		"# TYPE sluice_server_up gauge\n"
		"# HELP sluice_server_health_transitions_total Health flips of a server.\n"
		"# TYPE sluice_server_health_transitions_total counter\n");
	for (i = 0; i < g->n_services; i++) {
		const struct svc_node *n = g->services[i];

		evbuffer_add_printf(out,
			"sluice_service_up{service=\"%s\"} %d\n"
			"sluice_service_health_transitions_total{service=\"%s\"} %" PRIu64 "\n",
			n->name, atomic_load(&n->x->up) ? 1 : 0, n->name,
			(uint64_t)atomic_load(&n->x->transitions));
		if (n->kind != CFG_SVC_LOADBALANCER)
			continue;
		{
			const struct lb_node *lb = (const void *)n;

			for (j = 0; j < lb->n_servers; j++)
				evbuffer_add_printf(out,
					"sluice_server_up{service=\"%s\",server=\"%s\"} %d\n"
					"sluice_server_health_transitions_total{service=\"%s\",server=\"%s\"} %" PRIu64 "\n",
					n->name, lb->servers[j].url,
					atomic_load(&lb->x->srv[j].down) ? 0 : 1,
					n->name, lb->servers[j].url,
					(uint64_t)atomic_load(&lb->x->srv[j].transitions));
		}
	}
}
