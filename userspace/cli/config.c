/* sluice config { check | show } FILE */
#include <stdio.h>

#include "cmd.h"
#include "config.h"
#include "json_writer.h"
#include "output.h"
#include "rule_check.h"

static int config_help(int argc, char **argv)
{
	return cmd_help_text(
		"Usage: sluice config { check | show } FILE\n"
		"       sluice config help\n"
		"  check FILE   validate FILE (and the files it points at); prints ok or every\n"
		"               problem as file:line:col: severity: key.path: message;\n"
		"               exits 1 when there are errors\n"
		"  show FILE    the normalised configuration: defaults applied, names\n"
		"               qualified (name@file), keys as Traefik spells them\n");
}

/* Loads FILE for a command; reports and returns NULL on failure. */
static struct config *load_arg(int argc, char **argv, const char *cmd)
{
	struct config *cfg;

	if (argc != 1) {
		cmd_usage_err("config %s needs exactly one FILE", cmd);
		return NULL;
	}
	cfg = config_load(argv[0]);
	if (!cfg)
		out_err("cannot load %s: out of memory", argv[0]);
	else if (!cfg->fatal)
		rule_check_config(cfg);
	return cfg;
}

static void print_diags(const struct config *cfg)
{
	char line[2048];
	size_t i;

	open_json_array("diagnostics");
	for (i = 0; i < cfg->n_diags; i++) {
		const struct cfg_diag *d = &cfg->diags[i];

		config_diag_format(d, line, sizeof(line));
		open_json_object(NULL);
		print_string(PRINT_JSON, "severity", NULL,
			     d->severity == CFG_ERROR ? "error" : "warning");
		print_string(PRINT_JSON, "file", NULL, d->pos.file);
		print_u64(PRINT_JSON, "line", NULL, (uint64_t)d->pos.line);
		print_u64(PRINT_JSON, "col", NULL, (uint64_t)d->pos.col);
		print_string(PRINT_JSON, "path", NULL, d->path);
		print_string(PRINT_JSON, "message", NULL, d->msg);
		print_string(PRINT_FP, NULL, "%s\n", line);
		close_json_object();
	}
	close_json_array();
}

static int config_check(int argc, char **argv)
{
	struct config *cfg = load_arg(argc, argv, "check");
	bool ok;

	if (!cfg)
		return argc != 1 ? EXIT_USAGE : EXIT_FAIL;
	ok = cfg->n_errors == 0;
	open_json_object(NULL);
	print_bool(PRINT_JSON, "ok", NULL, ok);
	print_u64(PRINT_JSON, "errors", NULL, cfg->n_errors);
	print_u64(PRINT_JSON, "warnings", NULL, cfg->n_diags - cfg->n_errors);
	print_diags(cfg);
	if (ok)
		print_text("ok\n");
	close_json_object();
	config_free(cfg);
	return ok ? EXIT_OK : EXIT_FAIL;
}

static int config_show(int argc, char **argv)
{
	struct config *cfg = load_arg(argc, argv, "show");
	struct json_writer *w;
	if (!cfg)
		return argc != 1 ? EXIT_USAGE : EXIT_FAIL;
	if (cfg->fatal) {
		char line[2048];

		config_diag_format(&cfg->diags[0], line, sizeof(line));
		out_err("%s", line);
		config_free(cfg);
		return EXIT_FAIL;
	}
	/* The model is a JSON document in both modes; text mode pretty-prints
	 * it and lists problems on stderr.
	 */
	if (!out_is_json()) {
		char line[2048];
		size_t i;

		w = jsonw_new(stdout);
		if (w) {
			jsonw_pretty(w, true);
			config_write_json(cfg, w);
			jsonw_destroy(w);
		}
		for (i = 0; i < cfg->n_diags; i++) {
			config_diag_format(&cfg->diags[i], line, sizeof(line));
			fprintf(stderr, "%s\n", line);
		}
	} else {
		w = jsonw_new_buf();
		if (w) {
			config_write_json(cfg, w);
			print_json_raw(jsonw_buf(w));
			jsonw_destroy(w);
		}
	}
	config_free(cfg);
	return EXIT_OK;
}

static const struct lb_cmd config_cmds[] = {
	{ "check",	config_check },
	{ "validate",	config_check },
	{ "show",	config_show },
	{ "help",	config_help },
	{ NULL }
};

int do_config(int argc, char **argv)
{
	return cmd_select(config_cmds, argc, argv, config_help);
}
