/* sluice stats show [vip VIP]: data plane counters from the pinned maps. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "dpcommon.h"
#include "output.h"

static int stats_help(int argc, char **argv)
{
	return cmd_help_text(
		"Usage: sluice stats show [ vip VIP ]\n"
		"       sluice stats help\n"
		"  show   global counters (verdicts, events, drop reasons) and per-VIP\n"
		"         counters; with vip VIP, that VIP's counters only\n"
		"VIP := ADDR:PORT/{ tcp | udp }\n");
}

static void print_counters(const struct lb_counters *c)
{
	print_u64(PRINT_ANY, "pkts", " pkts %llu", c->pkts);
	print_u64(PRINT_ANY, "bytes", " bytes %llu", c->bytes);
	print_u64(PRINT_ANY, "new_flows", " new_flows %llu", c->new_flows);
	print_u64(PRINT_ANY, "drops", " drops %llu", c->drops);
}

static int vip_counters(const struct lb_vip_key *k, const struct lb_vip *v,
			void *arg)
{
	const struct lbmap *m = arg;
	struct lb_counters c;
	char name[128];

	dp_vip_name(k, name, sizeof(name));
	lbmap_vip_stats_get(m, v->vip_id, &c);
	open_json_object(NULL);
	print_string(PRINT_ANY, "vip", "  %-28s", name);
	print_counters(&c);
	print_nl();
	close_json_object();
	return 0;
}

static int stats_show(int argc, char **argv)
{
	uint64_t g[LB_STAT_NR];
	struct lb_vip_key k;
	struct lb_counters c;
	struct lb_vip v;
	struct lbmap m;
	unsigned int i;
	int ret;

	if (argc && (argc != 2 || strcmp(argv[0], "vip")))
		return cmd_usage_err("usage: sluice stats show [ vip VIP ]");
	if (argc && dp_parse_vip(argv[1], &k))
		return cmd_usage_err("bad VIP '%s' (ADDR:PORT/{tcp|udp})", argv[1]);
	ret = dp_open(&m);
	if (ret)
		return ret;
	if (argc) {
		if (lbmap_vip_get(&m, &k, &v)) {
			lbmap_close(&m);
			out_err("%s is not a VIP", argv[1]);
			return EXIT_FAIL;
		}
		lbmap_vip_stats_get(&m, v.vip_id, &c);
		open_json_object(NULL);
		print_string(PRINT_ANY, "vip", "%s", argv[1]);
		print_counters(&c);
		print_nl();
		close_json_object();
		lbmap_close(&m);
		return EXIT_OK;
	}
	ret = lbmap_stats_get(&m, g);
	if (ret) {
		lbmap_close(&m);
		out_err("cannot read the counters: %s", strerror(-ret));
		return EXIT_FAIL;
	}
	open_json_object(NULL);
	open_json_object("global");
	print_text("global:\n");
	for (i = 0; i < LB_STAT_NR; i++) {
		char fmt[64];

		snprintf(fmt, sizeof(fmt), "  %-20s %%llu\n", lbmap_stat_name(i));
		print_u64(PRINT_ANY, lbmap_stat_name(i), fmt, g[i]);
	}
	close_json_object();
	print_text("vips:\n");
	open_json_array("vips");
	lbmap_vip_foreach(&m, vip_counters, &m);
	close_json_array();
	close_json_object();
	lbmap_close(&m);
	return EXIT_OK;
}

static const struct lb_cmd stats_cmds[] = {
	{ "show",	stats_show },
	{ "help",	stats_help },
	{ NULL }
};

int do_stats(int argc, char **argv)
{
	return cmd_select(stats_cmds, argc, argv, stats_help);
}
