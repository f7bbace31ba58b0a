/* sluice server { show | set }: backends of the data plane. show reads
 * the pinned maps; set goes through sluiced (the single writer).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dpcommon.h"
#include "jtree.h"
#include "output.h"

static int server_help(int argc, char **argv)
{
	return cmd_help_text(
		"Usage: sluice server { show | list } [SERVICE]\n"
		"       sluice server set SERVICE ADDRESS { weight N | down | up } ...\n"
		"       sluice server help\n"
		"  show   every backend of the kernel data plane: state and counters\n"
		"  show SERVICE  the servers of an http SERVICE with health, weight and\n"
		"         request counters (from sluiced)\n"
		"  set    override a tcp/udp server's weight (0 drains: no new flows)\n"
		"         or mark it down (its flows move: UDP; or end: TCP) until\n"
		"         sluiced restarts; e.g. sluice server set pg@file 10.0.0.5:5432 weight 0\n");
}

static int server_show(int argc, char **argv)
{
	struct lb_counters c;
	struct lb_backend be;
	struct lbmap m;
	char ap[80], vip[128];
	uint32_t id;
	int ret;

	if (argc == 1)
		return service_server_show(argc, argv);
	if (argc)
		return cmd_usage_err("server show takes at most one SERVICE");
	ret = dp_open(&m);
	if (ret)
		return ret;
	open_json_array(NULL);
	for (id = 0; id < LB_MAX_BACKENDS; id++) {
		if (lbmap_backend_get(&m, id, &be) || !be.family)
			continue;
		lbmap_be_stats_get(&m, id, &c);
		dp_addr_port(be.family, be.addr, be.port, ap, sizeof(ap));
		open_json_object(NULL);
		if (dp_vip_name_by_id(&m, be.vip_id, vip, sizeof(vip)))
			snprintf(vip, sizeof(vip), "?");
		print_string(PRINT_ANY, "address", "%-28s", ap);
		print_string(PRINT_ANY, "vip", " vip %-24s", vip);
		print_u64(PRINT_ANY, "id", " id %llu", id);
		print_u64(PRINT_ANY, "gen", " gen %llu", be.gen);
		print_string(PRINT_ANY, "state", " %-6s",
			     be.flags & LB_BE_F_ACTIVE ? "active" : "down");
		print_u64(PRINT_ANY, "pkts", " pkts %llu", c.pkts);
		print_u64(PRINT_ANY, "bytes", " bytes %llu", c.bytes);
		print_u64(PRINT_ANY, "new_flows", " new_flows %llu", c.new_flows);
		print_nl();
		close_json_object();
	}
	close_json_array();
	lbmap_close(&m);
	return EXIT_OK;
}

static int server_set(int argc, char **argv)
{
	struct jnode *r;

	if (argc < 3)
		return cmd_usage_err("usage: sluice server set SERVICE ADDRESS { weight N | down | up }");
	r = agent_call("server set", argc, argv);
	if (!r)
		return EXIT_FAIL;
	if (out_is_json()) {
		print_reply_json(r);
	} else {
		const char *w = jnode_str(r, "weight");

		printf("%s %s: weight %s%s\n", argv[0], argv[1],
		       w ? w : "as configured",
		       jnode_str(r, "down") && !strcmp(jnode_str(r, "down"), "true") ?
		       ", down" : "");
	}
	jnode_free(r);
	return EXIT_OK;
}

static const struct lb_cmd server_cmds[] = {
	{ "show",	server_show },
	{ "list",	server_show },
	{ "set",	server_set },
	{ "help",	server_help },
	{ NULL }
};

int do_server(int argc, char **argv)
{
	return cmd_select(server_cmds, argc, argv, server_help);
}
