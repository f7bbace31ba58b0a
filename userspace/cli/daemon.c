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

/* The data plane's flow GC line (dp_gc_status() of the agent). */
static void print_flow_gc(const struct jnode *gc)
{
	const char *iv = jnode_str(gc, "interval");
	const char *passes = jnode_str(gc, "passes");
	const char *flows = jnode_str(gc, "deleted");
	const char *replies = jnode_str(gc, "replies_deleted");

	if (!iv || !strcmp(iv, "off")) {
		printf("  %-10s flow GC off\n", "");
		return;
	}
	printf("  %-10s flow GC every %s: %s passes, %s flows and %s reply entries deleted\n",
	       "", iv, passes ? passes : "0", flows ? flows : "0",
	       replies ? replies : "0");
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
			print_flow_gc(gc);
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
