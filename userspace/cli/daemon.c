/* sluice daemon { status | reload } : talks to sluiced's control socket. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "ctl.h"
#include "jtree.h"
#include "output.h"

static int daemon_help(int argc, char **argv)
{
	return cmd_help_text(
		"Usage: sluice daemon { status | reload }\n"
		"       sluice daemon help\n"
		"  status   pid, uptime, configuration file and generation, subsystems\n"
		"  reload   re-read the configuration (as SIGHUP does)\n"
		"The socket is -s PATH, $SLUICE_SOCKET, or " CTL_DEFAULT_SOCKET ".\n");
}

/* Prints a scalar member of the reply in text mode. */
static void field(const struct jnode *r, const char *key, const char *fmt)
{
	const char *v = jnode_str(r, key);

	if (v)
		printf(fmt, v);
}

static int daemon_status(int argc, char **argv)
{
	const struct jnode *subs;
	struct jnode *r;
	size_t i;

	if (argc)
		return cmd_usage_err("daemon status takes no arguments");
	r = agent_call("status", 0, NULL);
	if (!r)
		return EXIT_FAIL;
	if (out_is_json()) {
		print_reply_json(r);
		jnode_free(r);
		return EXIT_OK;
	}
	field(r, "pid", "sluiced pid %s");
	field(r, "version", ", version %s");
	field(r, "uptime_s", ", up %ss\n");
	field(r, "config", "config %s");
	field(r, "generation", ", generation %s");
	field(r, "errors", ", %s errors");
	field(r, "warnings", ", %s warnings\n");
	subs = jnode_get(r, "subsystems");
	for (i = 0; subs && i < subs->n_kids; i++) {
		const struct jnode *s = subs->kids[i];

		const struct jnode *gc = jnode_get(s, "flow_gc");

		printf("  %-10s %s\n", s->key,
		       s->type == JNODE_SCALAR ? s->text :
		       jnode_str(s, "state") ? jnode_str(s, "state") : "");
		if (gc)
			printf("  %-10s flow GC every %s: %s passes, %s flows and %s reply entries deleted\n",
			       "", jnode_str(gc, "interval"),
			       jnode_str(gc, "passes") ? jnode_str(gc, "passes") : "0",
			       jnode_str(gc, "deleted") ? jnode_str(gc, "deleted") : "0",
			       jnode_str(gc, "replies_deleted") ?
			       jnode_str(gc, "replies_deleted") : "0");
	}
	jnode_free(r);
	return EXIT_OK;
}

static int daemon_reload(int argc, char **argv)
{
	struct jnode *r;

	if (argc)
		return cmd_usage_err("daemon reload takes no arguments");
	r = agent_call("reload", 0, NULL);
	if (!r)
		return EXIT_FAIL;
	if (out_is_json()) {
		print_reply_json(r);
	} else {
		field(r, "generation", "reloaded: generation %s\n");
	}
	jnode_free(r);
	return EXIT_OK;
}

static const struct lb_cmd daemon_cmds[] = {
	{ "status",	daemon_status },
	{ "show",	daemon_status },
	{ "reload",	daemon_reload },
	{ "help",	daemon_help },
	{ NULL }
};

int do_daemon(int argc, char **argv)
{
	return cmd_select(daemon_cmds, argc, argv, daemon_help);
}
