/* Subsystem glue for the userspace TCP/UDP proxy (userspace/l4proxy):
 * start, reload, stop, the data-plane switch, and the control command
 * "l4 show". Reports the proxy's errors, once, here at the edge.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "ctl.h"
#include "dataplane.h"
#include "health.h"
#include "json_writer.h"
#include "l4.h"
#include "l4proxy.h"
#include "log.h"
#include "proxy.h"

static struct l4proxy *l4_of(struct agent *a)
{
	return a->subsys[AGENT_L4];
}

/* What the data-plane subsystem last reported; it may report before this
 * subsystem starts (it starts first). Without a report: no data plane, so
 * every tcp/udp entryPoint is served here.
 */
static bool l4_dp_active;

static void say_mode(struct l4proxy *p)
{
	if (!l4proxy_dataplane_active(p))
		pr_info("l4: no kernel data plane: serving tcp/udp in userspace (%u entryPoints)",
			l4proxy_served(p));
	else
		pr_info("l4: kernel data plane active: %u tcp/udp entryPoints need the userspace proxy (%u steered by the kernel)",
			l4proxy_served(p), l4proxy_steered(p));
}

static int ctl_l4_show(void *ctx, int argc, char **args, struct json_writer *w,
		       char *err, size_t errlen)
{
	struct agent *a = ctx;

	if (!l4_of(a)) {
		snprintf(err, errlen, "the l4 proxy is not running");
		return -1;
	}
	l4proxy_stats_json(l4_of(a), w);
	return 0;
}

/* A server's health flipped (agent thread): new connections follow it. */
static void l4_health_changed(void *arg, const char *service,
			      const char *server, bool up)
{
	struct agent *a = arg;

	if (l4_of(a))
		l4proxy_server_health(l4_of(a), service, server, up);
}

/* A connection no tcp router took, on an entryPoint with http routers
 * too: the L7 proxy serves it (Traefik's order).
 */
static int l4_to_http(void *arg, const char *ep, int fd,
		      const struct sockaddr *peer, socklen_t len)
{
	struct agent *a = arg;
	struct l7proxy *l7 = a->subsys[AGENT_L7];

	return l7 ? l7proxy_adopt(l7, ep, fd, peer, len) : -ENOENT;
}

static int l4_start(struct agent *a)
{
	struct l4proxy *p;
	int err;

	p = l4proxy_new(a->base, a->cfg);
	if (!p)
		return -errno;
	a->subsys[AGENT_L4] = p;
	l4proxy_set_http_fallback(p, l4_to_http, a);
	/* The data-plane subsystem starts first and keeps its state in
	 * a->subsys only when XDP is attached.
	 */
	if (a->subsys[AGENT_DATAPLANE])
		l4_dp_active = true;
	l4proxy_set_steering(p, dataplane_steer_maps(a));
	err = l4proxy_set_dataplane(p, l4_dp_active && !a->opts.no_dataplane);
	if (!err)
		err = l4proxy_start(p);
	if (err) {
		pr_err("l4: %s", l4proxy_last_error(p));
		goto out_free;
	}
	err = ctl_register(a->ctl, "l4 show", ctl_l4_show, a);
	if (err)
		goto out_free;
	if (a->health) {
		l4proxy_set_health(p, a->health);
		err = health_subscribe(a->health, l4_health_changed, a);
		if (err)
			goto out_free;
	}
	say_mode(p);
	return 0;

out_free:
	l4proxy_free(p);
	a->subsys[AGENT_L4] = NULL;
	return err;
}

static int l4_reload(struct agent *a, const struct config *next)
{
	int err;

	/* the data plane reloaded first: its LOCAL VIPs are in the maps */
	l4proxy_set_steering(l4_of(a), dataplane_steer_maps(a));
	err = l4proxy_reload(l4_of(a), next);

	if (err)
		pr_err("l4: %s", l4proxy_last_error(l4_of(a))[0] ?
		       l4proxy_last_error(l4_of(a)) : strerror(-err));
	return err;
}

static void l4_stop(struct agent *a)
{
	if (a->health && l4_of(a))
		health_unsubscribe(a->health, l4_health_changed, a);
	l4proxy_free(l4_of(a));
	a->subsys[AGENT_L4] = NULL;
}

static void l4_status(struct agent *a, struct json_writer *w)
{
	struct l4proxy *p = l4_of(a);

	jsonw_start_object(w);
	jsonw_string_field(w, "state", "running");
	jsonw_string_field(w, "mode", l4proxy_dataplane_active(p) ?
			   "steered" : "userspace");
	jsonw_u64_field(w, "listeners", l4proxy_served(p));
	jsonw_end_object(w);
}

int l4_dataplane_changed(struct agent *a, bool active)
{
	struct l4proxy *p = l4_of(a);
	int err;

	l4_dp_active = active;
	if (p)
		l4proxy_set_steering(p, dataplane_steer_maps(a));
	if (!p || l4proxy_dataplane_active(p) == active)
		return 0;
	err = l4proxy_set_dataplane(p, active);
	if (err)
		pr_err("l4: %s", l4proxy_last_error(p));
	say_mode(p);
	return err;
}

const struct agent_subsys l4_subsys = {
	.name = "l4",
	.start = l4_start,
	.reload = l4_reload,
	.stop = l4_stop,
	.status = l4_status,
};
