/* sluiced's L7 subsystem: runs the HTTP reverse proxy (l7proxy/) on the
 * agent's configuration and answers its control commands:
 *   "service show" [SERVICE]	routers, services and servers with counters
 *   "server show" SERVICE	one service's servers
 *   "l7 metrics"		the Prometheus text, as {"text": "..."}
 * Tuning that Traefik's file format has no place for comes from the
 * environment: SLUICE_L7_WORKERS, SLUICE_L7_READ_TIMEOUT_MS,
 * SLUICE_L7_IDLE_TIMEOUT_MS, SLUICE_L7_POLL_SPIN_US.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "ctl.h"
#include "json_writer.h"
#include "log.h"
#include "proxy.h"
#include "svcctl.h"

static long env_long(const char *name)
{
	const char *v = getenv(name);

	return v ? strtol(v, NULL, 10) : 0;
}

static struct l7proxy *l7(void *ctx)
{
	return ((struct agent *)ctx)->subsys[AGENT_L7];
}

static int ctl_service_show(void *ctx, int argc, char **args,
			    struct json_writer *w, char *err, size_t errlen)
{
	const char *svc = argc > 0 ? args[0] : NULL;

	if (l7proxy_stats_json(l7(ctx), svc, w)) {
		snprintf(err, errlen, "service %s does not exist", svc);
		return -1;
	}
	return 0;
}

static int ctl_server_show(void *ctx, int argc, char **args,
			   struct json_writer *w, char *err, size_t errlen)
{
	if (argc < 1) {
		snprintf(err, errlen, "server show needs a SERVICE");
		return -1;
	}
	return ctl_service_show(ctx, 1, args, w, err, errlen);
}

static int ctl_metrics(void *ctx, int argc, char **args,
		       struct json_writer *w, char *err, size_t errlen)
{
	char *text = l7proxy_prometheus(l7(ctx));

	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	jsonw_start_object(w);
	jsonw_string_field(w, "text", text);
	jsonw_end_object(w);
	free(text);
	return 0;
}

static int l7_start(struct agent *a)
{
	struct l7proxy_opts opts = {
		.workers = (int)env_long("SLUICE_L7_WORKERS"),
		.read_timeout_ms = env_long("SLUICE_L7_READ_TIMEOUT_MS"),
		.idle_timeout_ms = env_long("SLUICE_L7_IDLE_TIMEOUT_MS"),
		.poll_spin_us = (int)env_long("SLUICE_L7_POLL_SPIN_US"),
		.health = a->health,
	};
	struct l7proxy *p;
	char err[512];
	int ret;

	p = l7proxy_new(a->cfg, &opts, err, sizeof(err));
	if (!p) {
		pr_err("l7: %s", err);
		return -ENOMEM;
	}
	if (err[0])
		pr_warn("l7: %s", err);
	ret = l7proxy_start(p, err, sizeof(err));
	if (ret) {
		pr_err("l7: %s", err);
		l7proxy_free(p);
		return ret;
	}
	a->subsys[AGENT_L7] = p;
	if (ctl_register(a->ctl, "service show", ctl_service_show, a) ||
	    ctl_register(a->ctl, "server show", ctl_server_show, a) ||
	    ctl_register(a->ctl, "l7 metrics", ctl_metrics, a) ||
	    svcctl_attach(a, p))
		return -ENOMEM;
	return 0;
}

static int l7_reload(struct agent *a, const struct config *next)
{
	char err[512];
	int ret;

	ret = l7proxy_reload(a->subsys[AGENT_L7], next, err, sizeof(err));
	if (ret)
		pr_err("l7: %s", err);
	else if (err[0])
		pr_warn("l7: %s", err);
	return ret;
}

static void l7_stop(struct agent *a)
{
	svcctl_detach(a);
	l7proxy_free(a->subsys[AGENT_L7]);
	a->subsys[AGENT_L7] = NULL;
}

static void l7_status(struct agent *a, struct json_writer *w)
{
	struct l7proxy *p = a->subsys[AGENT_L7];

	jsonw_start_object(w);
	jsonw_string_field(w, "state", "running");
	jsonw_s64_field(w, "workers", p ? l7proxy_workers(p) : 0);
	jsonw_end_object(w);
}

const struct agent_subsys l7_subsys = {
	.name = "l7",
	.start = l7_start,
	.reload = l7_reload,
	.stop = l7_stop,
	.status = l7_status,
};
