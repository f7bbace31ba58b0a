/* sluiced's core: configuration loading and reloading, signals, the
 * control socket's own commands, and driving the subsystems.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "agent.h"
#include "config.h"
#include "ctl.h"
#include "health.h"
#include "json_writer.h"
#include "log.h"
#include "rule_check.h"
#include "watch.h"

static void log_diags(const struct config *cfg)
{
	char line[2048];
	size_t i;

	for (i = 0; i < cfg->n_diags; i++) {
		config_diag_format(&cfg->diags[i], line, sizeof(line));
		log_print(cfg->diags[i].severity == CFG_ERROR ? LOG_ERR : LOG_WARN,
			  "%s", line);
	}
}

struct config *agent_load_config(const char *path)
{
	struct config *cfg = config_load(path);

	if (!cfg) {
		pr_err("cannot load %s: %s", path, strerror(errno));
		return NULL;
	}
	if (!cfg->fatal)
		rule_check_config(cfg);
	log_diags(cfg);
	if (cfg->fatal) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

static void subsystems_stop(struct agent *a)
{
	int n, i;

	for (n = 0; agent_subsystems[n]; n++)
		;
	for (i = n - 1; i >= 0; i--) {
		if (a->up[i] && agent_subsystems[i]->stop)
			agent_subsystems[i]->stop(a);
		a->up[i] = false;
	}
}

static void watch_fired(void *arg)
{
	struct agent *a = arg;

	pr_info("configuration files changed: reloading");
	agent_reload(a);
}

static void rewatch(struct agent *a)
{
	cfg_watch_free(a->watch);
	a->watch = NULL;
	if (!a->cfg->providers_file.watch)
		return;
	a->watch = cfg_watch_new(a->base, a->cfg, watch_fired, a);
	if (!a->watch)
		pr_warn("cannot watch the configuration files: %s",
			strerror(errno));
}

int agent_reload(struct agent *a)
{
	struct config *next;
	int i, err = 0;

	next = agent_load_config(a->opts.config_path);
	if (!next) {
		pr_err("reload: the new configuration is unusable; keeping generation %llu",
		       (unsigned long long)a->generation);
		return -EINVAL;
	}
	for (i = 0; agent_subsystems[i]; i++) {
		const struct agent_subsys *s = agent_subsystems[i];

		if (!a->up[i] || !s->reload)
			continue;
		err = s->reload(a, next);
		if (err) {
			pr_err("reload: %s refused the new configuration: %s; keeping generation %llu",
			       s->name, strerror(-err),
			       (unsigned long long)a->generation);
			break;
		}
	}
	if (err) {
		/* put back the old configuration where the new one went in */
		while (--i >= 0)
			if (a->up[i] && agent_subsystems[i]->reload)
				agent_subsystems[i]->reload(a, a->cfg);
		config_free(next);
		return err;
	}
	config_free(a->cfg);
	a->cfg = next;
	a->generation++;
	a->loaded = time(NULL);
	pr_info("configuration generation %llu applied (%zu errors, %zu warnings)",
		(unsigned long long)a->generation, next->n_errors,
		next->n_diags - next->n_errors);
	rewatch(a);
	return 0;
}

/* ---- control commands --------------------------------------------------- */

static int ctl_status(void *ctx, int argc, char **args, struct json_writer *w,
		      char *err, size_t errlen)
{
	struct agent *a = ctx;
	size_t i;

	jsonw_start_object(w);
	jsonw_u64_field(w, "pid", (uint64_t)getpid());
	jsonw_string_field(w, "version", SLUICE_VERSION);
	jsonw_string_field(w, "config", a->opts.config_path);
	jsonw_name(w, "files");
	jsonw_start_array(w);
	for (i = 0; i < a->cfg->files.n; i++)
		jsonw_string(w, a->cfg->files.v[i]);
	jsonw_end_array(w);
	jsonw_u64_field(w, "generation", a->generation);
	jsonw_u64_field(w, "uptime_s", (uint64_t)(time(NULL) - a->started));
	jsonw_u64_field(w, "loaded_unix", (uint64_t)a->loaded);
	jsonw_u64_field(w, "errors", a->cfg->n_errors);
	jsonw_u64_field(w, "warnings", a->cfg->n_diags - a->cfg->n_errors);
	jsonw_bool_field(w, "watch", a->watch != NULL);
	jsonw_name(w, "subsystems");
	jsonw_start_object(w);
	for (i = 0; agent_subsystems[i]; i++) {
		const struct agent_subsys *s = agent_subsystems[i];

		jsonw_name(w, s->name);
		if (s->status && a->up[i])
			s->status(a, w);
		else
			jsonw_string(w, a->up[i] ? "running" : "stopped");
	}
	jsonw_end_object(w);
	jsonw_end_object(w);
	return 0;
}

static int ctl_reload(void *ctx, int argc, char **args, struct json_writer *w,
		      char *err, size_t errlen)
{
	struct agent *a = ctx;

	if (agent_reload(a) < 0) {
		snprintf(err, errlen,
			 "the new configuration was refused (see sluiced's log); generation %llu still runs",
			 (unsigned long long)a->generation);
		return -1;
	}
	jsonw_start_object(w);
	jsonw_u64_field(w, "generation", a->generation);
	jsonw_u64_field(w, "errors", a->cfg->n_errors);
	jsonw_end_object(w);
	return 0;
}

/* ---- signals ------------------------------------------------------------ */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct agent *a = arg;

	if (sig == SIGHUP) {
		pr_info("SIGHUP: reloading %s", a->opts.config_path);
		agent_reload(a);
		return;
	}
	pr_info("%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	event_base_loopbreak(a->base);
}

static int add_signals(struct agent *a)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		a->sig_ev[i] = evsignal_new(a->base, sigs[i], on_signal, a);
		if (!a->sig_ev[i] || event_add(a->sig_ev[i], NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

int agent_start(struct agent *a)
{
	int i, err;

	a->started = a->loaded = time(NULL);
	a->generation = 1;
	err = add_signals(a);
	if (err) {
		pr_err("cannot install signal handlers");
		return err;
	}
	a->ctl = ctl_server_new(a->base, a->opts.socket_path);
	if (!a->ctl) {
		err = -errno;
		pr_err("cannot listen on %s: %s", a->opts.socket_path,
		       strerror(errno));
		return err;
	}
	if (ctl_register(a->ctl, "status", ctl_status, a) ||
	    ctl_register(a->ctl, "reload", ctl_reload, a))
		return -ENOMEM;
	/* shared by every subsystem: the checker writes, the proxies read */
	a->health = health_state_new();
	if (!a->health)
		return -ENOMEM;
	for (i = 0; agent_subsystems[i]; i++) {
		const struct agent_subsys *s = agent_subsystems[i];

		err = s->start ? s->start(a) : 0;
		if (err) {
			pr_err("%s: cannot start: %s", s->name, strerror(-err));
			return err;
		}
		a->up[i] = true;
	}
	rewatch(a);
	return 0;
}

void agent_stop(struct agent *a)
{
	size_t i;

	subsystems_stop(a);
	health_state_free(a->health);
	a->health = NULL;
	cfg_watch_free(a->watch);
	a->watch = NULL;
	ctl_server_free(a->ctl);
	a->ctl = NULL;
	for (i = 0; i < sizeof(a->sig_ev) / sizeof(a->sig_ev[0]); i++)
		if (a->sig_ev[i])
			event_free(a->sig_ev[i]);
}
