/* sluice flow show [VIP]: the flow table, read from the pinned map. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "dpcommon.h"
#include "output.h"

static int flow_help(int argc, char **argv)
{
	return cmd_help_text(
		"Usage: sluice flow { show | list } [VIP]\n"
		"       sluice flow help\n"
		"  show   client flows: tuple, backend, state, age and idle time\n"
		"VIP := ADDR:PORT/{ tcp | udp }\n");
}

static const char *state_name(int s)
{
	switch (s) {
	case LB_FLOW_SYN: return "syn";
	case LB_FLOW_EST: return "established";
	case LB_FLOW_CLOSING: return "closing";
	case LB_FLOW_UDP: return "udp";
	default: return "?";
	}
}

struct flow_ctx {
	const struct lbmap *m;
	const struct lb_vip_key *only;
	uint32_t now_tick;	/* CLOCK_MONOTONIC >> LB_TICK_SHIFT */
	uint64_t n;
};

static int show_flow(const struct lb_flow_key *k, const struct lb_flow *f,
		     void *arg)
{
	struct flow_ctx *c = arg;
	struct lb_backend be;
	char client[80], vip[80], backend[80] = "?";

	if (c->only && (c->only->proto != k->proto ||
			c->only->family != k->family ||
			c->only->port != k->dport ||
			(memcmp(c->only->addr, k->dst, 16) &&
			 (c->only->addr[0] | c->only->addr[1] |
			  c->only->addr[2] | c->only->addr[3]))))
		return 0;
	dp_addr_port(k->family, k->src, k->sport, client, sizeof(client));
	dp_addr_port(k->family, k->dst, k->dport, vip, sizeof(vip));
	if (!lbmap_backend_get(c->m, f->backend_id, &be))
		dp_addr_port(be.family, be.addr, be.port, backend, sizeof(backend));
	open_json_object(NULL);
	print_string(PRINT_ANY, "proto", "%s ", dp_proto_name(k->proto));
	print_string(PRINT_ANY, "client", "%s", client);
	print_string(PRINT_ANY, "vip", " -> %s", vip);
	print_string(PRINT_ANY, "backend", " -> %s", backend);
	print_u64(PRINT_ANY, "backend_id", " (id %llu)", f->backend_id);
	if (f->flags & LB_VIP_F_FULLNAT)
		print_u64(PRINT_ANY, "snat_port", " snat port %llu", ntohs(f->snat_port));
	print_string(PRINT_ANY, "state", " %s", state_name(f->state));
	print_u64(PRINT_ANY, "age_s", " age %llus",
		  ((uint64_t)(uint32_t)(c->now_tick - f->created_tick) <<
		   LB_TICK_SHIFT) / 1000000000ull);
	print_u64(PRINT_ANY, "idle_ms", " idle %llums",
		  ((uint64_t)(uint32_t)(c->now_tick - f->last_tick) <<
		   LB_TICK_SHIFT) / 1000000ull);
	print_nl();
	close_json_object();
	c->n++;
	return 0;
}

static int flow_show(int argc, char **argv)
{
	struct lb_vip_key only;
	struct flow_ctx c = {};
	struct timespec ts;
	struct lbmap m;
	int ret;

	if (argc > 1)
		return cmd_usage_err("flow show takes at most one VIP");
	if (argc && dp_parse_vip(argv[0], &only))
		return cmd_usage_err("bad VIP '%s' (ADDR:PORT/{tcp|udp})", argv[0]);
	ret = dp_open(&m);
	if (ret)
		return ret;
	/* bpf_ktime_get_coarse_ns() is CLOCK_MONOTONIC a jiffy late at most:
	 * ages read here are never negative
	 */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	c.now_tick = (ts.tv_sec * 1000000000ull + ts.tv_nsec) >> LB_TICK_SHIFT;
	c.m = &m;
	c.only = argc ? &only : NULL;
	open_json_array(NULL);
	lbmap_flow_foreach(&m, show_flow, &c);
	close_json_array();
	if (!c.n)
		out_info("no flows\n");
	lbmap_close(&m);
	return EXIT_OK;
}

static const struct lb_cmd flow_cmds[] = {
	{ "show",	flow_show },
	{ "list",	flow_show },
	{ "help",	flow_help },
	{ NULL }
};

int do_flow(int argc, char **argv)
{
	return cmd_select(flow_cmds, argc, argv, flow_help);
}
