/* sluiced's side of the L7 service graph: control commands
 *   "l7 server set" SERVICE URL weight N|drain|up|down
 * and the log line of every health flip (one per transition; the proxy
 * counts them for metrics). When the shared health registry runs
 * (agent.health), its flips should reach l7proxy_server_health() and new
 * graphs read it through l7proxy_health_source(): see docs/services.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "ctl.h"
#include "json_writer.h"
#include "l7svc.h"
#include "svcctl.h"
#include "log.h"
#include "proxy.h"

static void log_flip(void *arg, const char *service, const char *server,
		     bool up)
{
	(void)arg;
	if (server)
		pr_info("l7: server %s of service %s is %s", server, service,
			up ? "up" : "down");
	else
		pr_info("l7: service %s is %s", service, up ? "up" : "down");
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
	ret = l7proxy_server_set(p, args[0], args[1], args[2], (int)weight,
				 err, errlen);
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
	l7proxy_health_source(p, NULL, NULL, log_flip, NULL);
	return ctl_register(a->ctl, "l7 server set", ctl_server_set, a);
}
