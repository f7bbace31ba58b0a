/* The sluice CLI's command framework (bpftool style): every OBJECT is one
 * file userspace/cli/<object>.c exporting do_<object>(), with a NULL-ended
 * static table of commands. cmd_select() matches an exact name, then a
 * unique prefix; an ambiguous or unknown command is a usage error (exit 2).
 */
#ifndef LB_CLI_CMD_H
#define LB_CLI_CMD_H

#include <stdbool.h>

/* Exit statuses of every command. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

struct lb_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/* Global options, set once by main() before dispatch. */
struct cli_opts {
	bool json;
	bool pretty;
	bool debug;
	const char *socket;	/* control socket of sluiced */
	const char *pin_dir;	/* bpffs folder of the pinned maps */
};
extern struct cli_opts cli_opts;

/* Dispatches argv[0] in @cmds with the rest of argv. No argument, or
 * "help", calls @help. Returns the command's exit status.
 */
int cmd_select(const struct lb_cmd *cmds, int argc, char **argv,
	       int (*help)(int argc, char **argv));

/* True when @arg is a non-empty prefix of @word. */
bool is_prefix(const char *arg, const char *word);

/* Reports a usage error once (JSON-aware) and returns EXIT_USAGE. */
int cmd_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Help output: text to stdout, or `null` under -j. Returns EXIT_OK. */
int cmd_help_text(const char *text);

struct jnode;
/* Sends @cmd with @argv to sluiced. Returns the reply (caller owns; free
 * with jnode_free()), or NULL after reporting the failure once (agent not
 * running, or its {"error": ...}).
 */
struct jnode *agent_call(const char *cmd, int argc, char **argv);
/* Under -j, writes the agent's reply as the command's JSON document. */
void print_reply_json(const struct jnode *reply);

/* `sluice server show SERVICE`: an http service's servers (service.c). */
int service_server_show(int argc, char **argv);

/* Object entry points, one per file. */
int do_config(int argc, char **argv);
int do_daemon(int argc, char **argv);
int do_health(int argc, char **argv);
int do_version(int argc, char **argv);
int do_l4(int argc, char **argv);
int do_service(int argc, char **argv);
int do_server(int argc, char **argv);

#endif /* LB_CLI_CMD_H */
