/* The health subsystem's control commands:
 *   "health show" [SERVICE]                     the registry as JSON
 *   "health set" SERVICE SERVER up|down|auto    the operator's override
 * Both read the running configuration (a->cfg) to check names.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "config.h"
#include "ctl.h"
#include "health.h"
#include "health_check.h"
#include "json_writer.h"
#include "log.h"

/* @name qualified with "@file" when it has no provider. */
static void qualify(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", name, strchr(name, '@') ? "" : "@file");
}

static bool service_known(const struct config *cfg, const char *svc)
{
	return config_http_service(cfg, svc) || config_tcp_service(cfg, svc) ||
	       config_udp_service(cfg, svc);
}

static bool server_known(const struct config *cfg, const char *svc,
			 const char *server)
{
	const struct cfg_http_service *hs = config_http_service(cfg, svc);
	const struct cfg_l4_service *ls;
	size_t i;

	for (i = 0; hs && i < hs->lb.n_servers; i++)
		if (!strcmp(hs->lb.servers[i].url, server))
			return true;
	ls = config_tcp_service(cfg, svc);
	for (i = 0; ls && i < ls->lb.n_servers; i++)
		if (!strcmp(ls->lb.servers[i].address, server))
			return true;
	ls = config_udp_service(cfg, svc);
	for (i = 0; ls && i < ls->lb.n_servers; i++)
		if (!strcmp(ls->lb.servers[i].address, server))
			return true;
	return false;
}

static int ctl_show(void *ctx, int argc, char **args, struct json_writer *w,
		    char *err, size_t errlen)
{
	struct agent *a = ctx;
	char svc[512];

	if (argc > 1) {
		snprintf(err, errlen, "usage: health show [SERVICE]");
		return -1;
	}
	if (!argc) {
		health_write_json(a->health, NULL, w);
		return 0;
	}
	qualify(args[0], svc, sizeof(svc));
	if (!service_known(a->cfg, svc)) {
		snprintf(err, errlen, "no service %s", svc);
		return -1;
	}
	jsonw_start_object(w);
	jsonw_name(w, svc);
	health_write_json(a->health, svc, w);
	jsonw_end_object(w);
	return 0;
}

static int ctl_set(void *ctx, int argc, char **args, struct json_writer *w,
		   char *err, size_t errlen)
{
	static const char *const names[] = { "auto", "up", "down" };
	struct agent *a = ctx;
	enum health_force f;
	char svc[512];

	if (argc != 3) {
		snprintf(err, errlen, "usage: health set SERVICE SERVER { up | down | auto }");
		return -1;
	}
	for (f = HEALTH_FORCE_AUTO; f <= HEALTH_FORCE_DOWN; f++)
		if (!strcmp(args[2], names[f]))
			break;
	if (f > HEALTH_FORCE_DOWN) {
		snprintf(err, errlen, "expected up, down or auto, got '%s'", args[2]);
		return -1;
	}
	qualify(args[0], svc, sizeof(svc));
	if (!service_known(a->cfg, svc)) {
		snprintf(err, errlen, "no service %s", svc);
		return -1;
	}
	if (!server_known(a->cfg, svc, args[1])) {
		snprintf(err, errlen, "no server %s in service %s", args[1], svc);
		return -1;
	}
	if (health_server_force(a->health, svc, args[1], f)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pr_info("server %s of service %s: %s by the operator", args[1], svc,
		f == HEALTH_FORCE_AUTO ? "override cleared" :
		f == HEALTH_FORCE_UP ? "forced up" : "forced down");
	jsonw_start_object(w);
	jsonw_string_field(w, "service", svc);
	jsonw_string_field(w, "server", args[1]);
	jsonw_string_field(w, "forced", f == HEALTH_FORCE_AUTO ? NULL : names[f]);
	jsonw_bool_field(w, "up", health_server_up(a->health, svc, args[1]));
	jsonw_end_object(w);
	return 0;
}

int health_ctl_register(struct agent *a)
{
	if (ctl_register(a->ctl, "health show", ctl_show, a) ||
	    ctl_register(a->ctl, "health set", ctl_set, a))
		return -ENOMEM;
	return 0;
}
