/* Command dispatch for the sluice CLI; see cmd.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "ctl.h"
#include "json_writer.h"
#include "jtree.h"
#include "output.h"

struct cli_opts cli_opts;

bool is_prefix(const char *arg, const char *word)
{
	size_t n = strlen(arg);

	return n && n <= strlen(word) && !strncmp(arg, word, n);
}

int cmd_usage_err(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out_err("%s", buf);
	return EXIT_USAGE;
}

int cmd_help_text(const char *text)
{
	if (out_is_json())
		return EXIT_OK;	/* out_finish() prints null */
	fputs(text, stdout);
	return EXIT_OK;
}

int cmd_select(const struct lb_cmd *cmds, int argc, char **argv,
	       int (*help)(int argc, char **argv))
{
	const struct lb_cmd *c, *match = NULL;
	char names[512] = "";
	int n = 0;

	if (argc < 1 || !strcmp(argv[0], "help"))
		return help(argc - (argc > 0), argv + (argc > 0));
	for (c = cmds; c->name; c++)
		if (!strcmp(argv[0], c->name))
			return c->fn(argc - 1, argv + 1);
	for (c = cmds; c->name; c++) {
		if (!is_prefix(argv[0], c->name))
			continue;
		/* aliases of one handler are not ambiguous */
		if (match && match->fn == c->fn)
			continue;
		if (n++)
			strncat(names, " or ", sizeof(names) - strlen(names) - 1);
		strncat(names, "'", sizeof(names) - strlen(names) - 1);
		strncat(names, c->name, sizeof(names) - strlen(names) - 1);
		strncat(names, "'", sizeof(names) - strlen(names) - 1);
		match = c;
	}
	if (n == 1)
		return match->fn(argc - 1, argv + 1);
	if (n > 1)
		return cmd_usage_err("ambiguous command '%s': could be %s",
				     argv[0], names);
	return cmd_usage_err("unknown command '%s' (try 'help')", argv[0]);
}

struct jnode *agent_call(const char *cmd, int argc, char **argv)
{
	struct jnode *reply;
	const char *e;
	char err[512];

	if (ctl_call(cli_opts.socket, cmd, argc, argv, &reply, err,
		     sizeof(err)) < 0) {
		out_err("%s", err);
		return NULL;
	}
	e = jnode_str(reply, "error");
	if (e) {
		out_err("%s", e);
		jnode_free(reply);
		return NULL;
	}
	return reply;
}

void print_reply_json(const struct jnode *reply)
{
	struct json_writer *w = jsonw_new_buf();

	if (!w)
		return;
	jnode_write(reply, w);
	print_json_raw(jsonw_buf(w));
	jsonw_destroy(w);
}
