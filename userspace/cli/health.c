/* sluice health { show [SERVICE] | set SERVICE SERVER { up | down | auto } }
 * : server health as sluiced's active checks (and the operator) see it.
 */
#include <string.h>

#include "cmd.h"
#include "ctl.h"
#include "jtree.h"
#include "output.h"

static int health_help(int argc, char **argv)
{
	return cmd_help_text(
		"Usage: sluice health show [SERVICE]\n"
		"       sluice health set SERVICE SERVER { up | down | auto }\n"
		"       sluice health help\n"
		"  show   every checked server: status, last probe's error, flips\n"
		"  set    force a server up or down until `auto` (kept across\n"
		"         reloads while the server stays in the configuration)\n"
		"SERVICE is qualified (web@file); without @provider, @file is assumed.\n"
		"SERVER is written as in the configuration: the URL for http, host:port\n"
		"for tcp and udp.\n");
}

static void show_server(const struct jnode *s)
{
	const char *detail = jnode_str(s, "detail");
	const char *forced = jnode_str(s, "forced");
	const struct jnode *d = jnode_get(s, "detail");
	const struct jnode *f = jnode_get(s, "forced");

	print_text("  %-40s %-7s transitions %s", s->key,
		   jnode_str(s, "status"), jnode_str(s, "transitions"));
	if (f && f->quoted)
		print_text(" forced %s", forced);
	if (d && d->quoted)
		print_text("  %s", detail);
	print_text("\n");
}

static int health_show(int argc, char **argv)
{
	struct jnode *r;
	size_t i, j;

	if (argc > 1)
		return cmd_usage_err("usage: sluice health show [SERVICE]");
	r = agent_call("health show", argc, argv);
	if (!r)
		return EXIT_FAIL;
	if (out_is_json()) {
		print_reply_json(r);
		jnode_free(r);
		return EXIT_OK;
	}
	for (i = 0; i < r->n_kids; i++) {
		const struct jnode *svc = r->kids[i];

		print_text("%s\n", svc->key);
		for (j = 0; j < svc->n_kids; j++)
			show_server(svc->kids[j]);
	}
	jnode_free(r);
	return EXIT_OK;
}

static int health_set(int argc, char **argv)
{
	const struct jnode *f;
	struct jnode *r;

	if (argc != 3 || (strcmp(argv[2], "up") && strcmp(argv[2], "down") &&
			  strcmp(argv[2], "auto")))
		return cmd_usage_err("usage: sluice health set SERVICE SERVER { up | down | auto }");
	r = agent_call("health set", argc, argv);
	if (!r)
		return EXIT_FAIL;
	if (out_is_json()) {
		print_reply_json(r);
	} else {
		f = jnode_get(r, "forced");
		print_text("server %s of %s: %s\n", jnode_str(r, "server"),
		       jnode_str(r, "service"),
		       f && f->quoted ? (!strcmp(f->text, "up") ? "forced up" :
					 "forced down") :
		       "checked by probes");
	}
	jnode_free(r);
	return EXIT_OK;
}

static const struct lb_cmd health_cmds[] = {
	{ "show",	health_show },
	{ "list",	health_show },
	{ "set",	health_set },
	{ "help",	health_help },
	{ NULL }
};

int do_health(int argc, char **argv)
{
	return cmd_select(health_cmds, argc, argv, health_help);
}
