/* sluice prog { show | attach | detach }: the XDP program's attachments,
 * from the pinned links. attach and detach work without sluiced (they
 * load against / remove the pins directly); detach with no device is
 * what sluiced --detach does.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "dpcommon.h"
#include "lb_loader.h"
#include "output.h"

static int prog_help(int argc, char **argv)
{
	return cmd_help_text(
		"Usage: sluice prog { show | list }\n"
		"       sluice prog attach DEV [ mode { auto | native | skb | tc } ]\n"
		"       sluice prog detach [ DEV ]\n"
		"       sluice prog help\n"
		"  show     interfaces with the program attached (pinned links), and\n"
		"           the sk_lookup link of kernel steering\n"
		"  attach   attach to DEV re-using the pinned maps (mode tc: the\n"
		"           balancer at TC ingress instead of XDP, hook: tc)\n"
		"  detach   detach from DEV; with no DEV, detach everywhere and remove\n"
		"           every pin (as sluiced --detach)\n");
}

static int prog_show(int argc, char **argv)
{
	struct lb_link_info li[LB_MAX_IFACES];
	struct lb_steer_info si;
	char dir[512];
	int n, i;

	if (argc)
		return cmd_usage_err("prog show takes no arguments");
	n = lb_pins_links(cli_opts.pin_dir, li, LB_MAX_IFACES);
	if (n < 0) {
		out_err("cannot read %s: %s", cli_opts.pin_dir, strerror(-n));
		return EXIT_FAIL;
	}
	lbmap_pin_dir(cli_opts.pin_dir, dir, sizeof(dir));
	open_json_object(NULL);
	print_string(PRINT_ANY, "pin_dir", "pins %s", dir);
	print_u64(PRINT_ANY, "abi_version", " abi %llu\n", LB_ABI_VERSION);
	open_json_array("links");
	for (i = 0; i < n; i++) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "dev", "%-16s", li[i].ifname);
		print_u64(PRINT_ANY, "ifindex", " ifindex %llu", li[i].ifindex);
		print_string(PRINT_ANY, "hook", " hook %s",
			     li[i].xdp ? "xdp" : li[i].tc_balance ? "tc" : "none");
		print_string(PRINT_ANY, "mode", " xdp %s",
			     !li[i].ifindex ? "defunct" : !li[i].xdp ? "none" :
			     lb_xdp_mode_name(li[i].mode));
		print_u64(PRINT_ANY, "prog_id", " prog_id %llu", li[i].prog_id);
		print_u64(PRINT_ANY, "link_id", " link_id %llu", li[i].link_id);
		print_bool(PRINT_ANY, "tc", " tc %s", li[i].tc);
		print_u64(PRINT_ANY, "tc_prog_id", " tc_prog_id %llu",
			  li[i].tc_prog_id);
		print_nl();
		close_json_object();
	}
	close_json_array();
	/* kernel steering: the sk_lookup link of sluiced's namespace */
	if (!lb_pins_steer(cli_opts.pin_dir, &si)) {
		open_json_object("steer");
		print_string(PRINT_ANY, "attach", "%-16s", "sk_lookup");
		print_string(PRINT_ANY, "netns", " netns %s",
			     si.this_netns ? "this" : "other");
		print_u64(PRINT_ANY, "prog_id", " prog_id %llu", si.prog_id);
		print_u64(PRINT_ANY, "link_id", " link_id %llu", si.link_id);
		print_nl();
		close_json_object();
	} else {
		print_null(PRINT_JSON, "steer", NULL);
	}
	close_json_object();
	return EXIT_OK;
}

static int prog_attach(int argc, char **argv)
{
	struct lb_loader_opts lo = { .pin_root = cli_opts.pin_dir };
	enum lb_xdp_mode mode = LB_XDP_AUTO, used = LB_XDP_AUTO;
	bool tc = false;
	struct lb_iface ifc = { .flags = LB_IFACE_F_REDIRECT };
	struct lb_iface_facts facts;
	struct lb_loader *ld = NULL;
	struct lbmap m;
	int fds[LBMAP_NR], err, ret = EXIT_FAIL;

	if (argc != 1 && !(argc == 3 && !strcmp(argv[1], "mode")))
		return cmd_usage_err("usage: sluice prog attach DEV [ mode { auto | native | skb | tc } ]");
	if (argc == 3) {
		if (!strcmp(argv[2], "native"))
			mode = LB_XDP_NATIVE;
		else if (!strcmp(argv[2], "skb"))
			mode = LB_XDP_SKB;
		else if (!strcmp(argv[2], "tc"))
			tc = true;
		else if (strcmp(argv[2], "auto"))
			return cmd_usage_err("mode is auto, native, skb or tc, not \"%s\"",
					     argv[2]);
	}
	if (!if_nametoindex(argv[0])) {
		out_err("no interface %s", argv[0]);
		return EXIT_FAIL;
	}
	ld = lb_loader__open(&lo);
	if (!ld) {
		out_err("cannot open the BPF object: %s", strerror(errno));
		return EXIT_FAIL;
	}
	err = lb_loader__load(ld);
	if (err) {
		out_err("cannot load the program: %s", strerror(-err));
		goto out_close;
	}
	if (tc) {
		err = lb_loader__attach_tc(ld, argv[0], true);
		if (err) {
			out_err("cannot attach to %s at TC ingress: %s", argv[0],
				strerror(-err));
			goto out_close;
		}
		err = lb_pins_detach_xdp(cli_opts.pin_dir, argv[0]);
		if (err == -ENOENT)
			err = 0;
	} else {
		err = lb_loader__attach(ld, argv[0], mode, &used);
	}
	if (err) {
		char old[PATH_MAX + 64];

		if (lb_pins_other_abi_link(cli_opts.pin_dir, argv[0], old,
					   sizeof(old)) > 0)
			out_err("cannot attach to %s: %s holds it, a data plane of another ABI version (this is v%d): detach it with that version, or remove its folder if that version's sluiced is not running",
				argv[0], old, LB_ABI_VERSION);
		else
			out_err("cannot attach to %s: %s", argv[0], strerror(-err));
		goto out_close;
	}
	/* without TC, what XDP cannot redirect takes the kernel's path */
	if (!tc)
		lb_loader__attach_tc(ld, argv[0], false);
	lb_loader__map_fds(ld, fds);
	lbmap_init_fds(&m, fds);
	lb_iface_addrs(argv[0], &ifc);
	if (!lb_iface_facts(argv[0], &facts) && facts.peer_elsewhere)
		ifc.flags |= LB_IFACE_F_PEER;
	lbmap_iface_set(&m, if_nametoindex(argv[0]), &ifc);
	open_json_object(NULL);
	print_string(PRINT_ANY, "dev", "attached to %s", argv[0]);
	print_string(PRINT_ANY, "hook", " (%s", tc ? "tc" : "xdp");
	print_string(PRINT_ANY, "mode", tc ? "%.0s)\n" : " %s)\n",
		     tc ? "none" : lb_xdp_mode_name(used));
	close_json_object();
	ret = EXIT_OK;
out_close:
	lb_loader__close(ld);
	return ret;
}

static int prog_detach(int argc, char **argv)
{
	int err;

	if (argc > 1)
		return cmd_usage_err("usage: sluice prog detach [ DEV ]");
	err = argc ? lb_pins_detach_iface(cli_opts.pin_dir, argv[0]) :
		     lb_pins_remove_all(cli_opts.pin_dir);
	if (err) {
		out_err("cannot detach%s%s: %s", argc ? " from " : "",
			argc ? argv[0] : "", strerror(-err));
		return EXIT_FAIL;
	}
	open_json_object(NULL);
	print_string(PRINT_ANY, "detached", "detached %s\n", argc ? argv[0] : "all");
	close_json_object();
	return EXIT_OK;
}

static const struct lb_cmd prog_cmds[] = {
	{ "show",	prog_show },
	{ "list",	prog_show },
	{ "attach",	prog_attach },
	{ "detach",	prog_detach },
	{ "help",	prog_help },
	{ NULL }
};

int do_prog(int argc, char **argv)
{
	return cmd_select(prog_cmds, argc, argv, prog_help);
}
