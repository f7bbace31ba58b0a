/* sluiced's side of the L7 service graph:
 *   - the control command "l7 server set" SERVICE URL weight N|drain|up|down
 *     (weight and drain act on the proxy at once, kept across reloads; up
 *     and down go through the health registry when there is one, as the
 *     operator's forced state, else straight to the proxy);
 *   - server health from the registry (agent.health) into the proxy: new
 *     graphs read it, and its flips are pushed as they happen;
 *   - one log line per health flip of a service (and of a server when no
 *     registry logs it); the proxy counts them for metrics.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "ctl.h"
#include "health.h"
#include "json_writer.h"
#include "l7svc.h"
#include "log.h"
#include "proxy.h"
#include "svcctl.h"

static void log_flip(void *arg, const char *service, const char *server,
		     bool up)
{
	struct agent *a = arg;

	if (!server)
		pr_info("l7: service %s is %s", service, up ? "up" : "down");
	else if (!a->health)
		pr_info("l7: server %s of service %s is %s", server, service,
			up ? "up" : "down");
}

static bool reg_up(void *arg, const char *service, const char *server)
{
	return health_server_up(arg, service, server);
}

static void reg_change(void *arg, const char *service, const char *server,
		       bool up)
{
	struct agent *a = arg;

	if (a->subsys[AGENT_L7])
		l7proxy_server_health(a->subsys[AGENT_L7], service, server, up);
}

static int set_via_registry(struct agent *a, char **args, char *err,
			    size_t errlen)
{
	struct l7proxy *p = a->subsys[AGENT_L7];
	bool up = !strcmp(args[2], "up");

	if (!l7proxy_has_server(p, args[0], args[1])) {
		snprintf(err, errlen, "service %s has no server %s", args[0],
			 args[1]);
		return -1;
	}
	/* "up" undrains and hands the server back to the probes */
	if (up && l7proxy_server_set(p, args[0], args[1], "undrain", 0, err,
				     errlen))
		return -1;
	if (health_server_force(a->health, args[0], args[1],
				up ? HEALTH_FORCE_AUTO : HEALTH_FORCE_DOWN)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int ctl_server_set(void *ctx, int argc, char **args,
			  struct json_writer *w, char *err, size_t errlen)
{
	struct agent *a = ctx;
	struct l7proxy *p = a->subsys[AGENT_L7];
	long weight = -1;
	char *end;
	int ret;

	if (argc < 3) {
		snprintf(err, errlen,
			 "usage: server set SERVICE URL weight N|drain|up|down");
		return -1;
	}
	if (!strcmp(args[2], "weight")) {
		if (argc < 4) {
			snprintf(err, errlen, "weight needs a number");
			return -1;
		}
		weight = strtol(args[3], &end, 10);
		if (*end || end == args[3] || weight < 0 || weight > 1000000) {
			snprintf(err, errlen, "bad weight %s", args[3]);
			return -1;
		}
	}
	if (a->health && (!strcmp(args[2], "up") || !strcmp(args[2], "down")))
		ret = set_via_registry(a, args, err, errlen);
	else
		ret = l7proxy_server_set(p, args[0], args[1], args[2],
					 (int)weight, err, errlen);
	if (ret)
		return -1;
	pr_info("l7: server %s of service %s: %s%s%s by the operator", args[1],
		args[0], args[2], weight >= 0 ? " " : "",
		weight >= 0 ? args[3] : "");
	jsonw_start_object(w);
	jsonw_string_field(w, "service", args[0]);
	jsonw_string_field(w, "server", args[1]);
	jsonw_string_field(w, "change", args[2]);
	if (weight >= 0)
		jsonw_s64_field(w, "weight", weight);
	jsonw_end_object(w);
	return 0;
}

int svcctl_attach(struct agent *a, struct l7proxy *p)
{
	if (a->health) {
		l7proxy_health_source(p, reg_up, a->health, log_flip, a);
		if (health_subscribe(a->health, reg_change, a))
			return -ENOMEM;
	} else {
		l7proxy_health_source(p, NULL, NULL, log_flip, a);
	}
	return ctl_register(a->ctl, "l7 server set", ctl_server_set, a);
}

void svcctl_detach(struct agent *a)
{
	if (a->health)
		health_unsubscribe(a->health, reg_change, a);
}
