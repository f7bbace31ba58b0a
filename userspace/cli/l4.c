/* sluice l4 show: the tcp/udp entryPoints as sluiced serves them, each
 * with its path: "kernel" (the XDP data plane carries it), "steered"
 * (the kernel selects and hands connections to sluiced's proxy: PROXY
 * protocol, termination delay) or "userspace" (the proxy alone: SNI
 * routing, or no data plane), from the agent's "l4 show" command.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "jtree.h"
#include "output.h"

static int l4_help(int argc, char **argv)
{
	return cmd_help_text(
		"Usage: sluice l4 { show | help }\n"
		"  show   tcp/udp entryPoints with their path (kernel, steered or\n"
		"         userspace),\n"
		"         connection counters, and the userspace proxy's services\n");
}

static const char *str(const struct jnode *n, const char *key)
{
	const char *v = jnode_str(n, key);

	return v ? v : "-";
}

static int l4_show(int argc, char **argv)
{
	const struct jnode *eps;
	struct jnode *r;
	size_t i;

	if (argc)
		return cmd_usage_err("l4 show takes no arguments");
	r = agent_call("l4 show", 0, NULL);
	if (!r)
		return EXIT_FAIL;
	if (out_is_json()) {
		print_reply_json(r);
		jnode_free(r);
		return EXIT_OK;
	}
	printf("data plane %s, %s userspace listeners, %s connections\n",
	       !strcmp(str(r, "dataplane_active"), "true") ? "attached" : "off",
	       str(r, "listeners"), str(r, "conns_active"));
	eps = jnode_get(r, "entrypoints");
	for (i = 0; eps && i < eps->n_kids; i++) {
		const struct jnode *e = eps->kids[i];

		printf("  %-12s %-24s %s path %-9s%s\n", str(e, "name"),
		       str(e, "address"), str(e, "proto"), str(e, "path"),
		       !strcmp(str(e, "needs_proxy"), "true") ?
		       " (needs the terminating proxy)" : "");
		if (!strcmp(str(e, "path"), "steered"))
			printf("    %s connections, backend chosen by the kernel %s, by the proxy (no flow entry) %s\n",
			       str(e, "conns_total"), str(e, "steered"),
			       str(e, "steer_fallbacks"));
	}
	jnode_free(r);
	return EXIT_OK;
}

static const struct lb_cmd l4_cmds[] = {
	{ "show",	l4_show },
	{ "list",	l4_show },
	{ "help",	l4_help },
	{ NULL }
};

int do_l4(int argc, char **argv)
{
	return cmd_select(l4_cmds, argc, argv, l4_help);
}
