/* sluiced's kernel data plane subsystem (see dataplane.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "dataplane.h"
#include "dp_apply.h"
#include "dp_gc.h"
#include "dp_steer.h"
#include "health.h"
#include "json_writer.h"
#include "l4plan.h"
#include "lb_loader.h"
#include "lbmap.h"
#include "log.h"

#define NSEC_PER_S 1000000000ull

static enum lb_xdp_mode xdp_mode(enum cfg_xdp_mode m)
{
	return m == CFG_XDP_NATIVE ? LB_XDP_NATIVE :
	       m == CFG_XDP_SKB ? LB_XDP_SKB : LB_XDP_AUTO;
}

static const char *pin_root(const struct agent_opts *o,
			    const struct config *cfg)
{
	if (o && o->pin_dir)
		return o->pin_dir;
	if (cfg && cfg->dataplane.pin_dir)
		return cfg->dataplane.pin_dir;
	return LB_PIN_ROOT;
}

int dataplane_detach(const struct agent_opts *o, const struct config *cfg)
{
	return lb_pins_remove_all(pin_root(o, cfg));
}


/* Marks (@svc, @addr) down in @ov[*@n], adding an entry if needed. */
static void ov_mark_down(struct l4plan_override *ov, size_t *n,
			 const char *svc, const char *addr)
{
	size_t j;

	for (j = 0; j < *n; j++)
		if (!strcmp(ov[j].service, svc) && !strcmp(ov[j].address, addr))
			break;
	if (j == *n) {
		ov[j].service = (char *)svc;
		ov[j].address = (char *)addr;
		ov[j].weight = -1;
		(*n)++;
	}
	ov[j].down = 1;
}

static size_t count_l4_servers(const struct cfg_l4_service *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += s[i].kind == CFG_SVC_LOADBALANCER ? s[i].lb.n_servers : 0;
	return k;
}

/* "server set" weights plus every server of @cfg the agent's health
 * registry holds down (probes or operator). Caller frees the array;
 * strings are borrowed from dp and @cfg.
 */
static struct l4plan_override *all_overrides(const struct dataplane *dp,
					     const struct config *cfg,
					     size_t *n)
{
	const struct health_state *hs = dp->a->health;
	const struct cfg_l4_service *lists[2] = { cfg->tcp_services,
						  cfg->udp_services };
	size_t lens[2] = { cfg->n_tcp_services, cfg->n_udp_services };
	struct l4plan_override *ov;
	size_t i, j, l;

	ov = calloc(dp->n_ov + count_l4_servers(lists[0], lens[0]) +
		    count_l4_servers(lists[1], lens[1]) + 1, sizeof(*ov));
	if (!ov)
		return NULL;
	memcpy(ov, dp->ov, dp->n_ov * sizeof(*ov));
	*n = dp->n_ov;
	for (l = 0; hs && l < 2; l++)
		for (i = 0; i < lens[l]; i++) {
			const struct cfg_l4_service *s = &lists[l][i];

			if (s->kind != CFG_SVC_LOADBALANCER)
				continue;
			for (j = 0; j < s->lb.n_servers; j++)
				if (!health_server_up(hs, s->name,
						      s->lb.servers[j].address))
					ov_mark_down(ov, n, s->name,
						     s->lb.servers[j].address);
		}
	return ov;
}

static int plan_and_apply(struct dataplane *dp, const struct config *cfg)
{
	struct l4plan_override *ov;
	struct l4plan *p;
	size_t n;
	int err;

	ov = all_overrides(dp, cfg, &n);
	if (!ov)
		return -ENOMEM;
	p = l4plan_build(cfg, ov, n);
	free(ov);
	if (!p)
		return -errno;
	dp_steer_plan(dp, p);
	err = dp_plan_apply(dp, p);
	if (err)
		l4plan_free(p);
	return err;
}

/* The health registry says a server flipped: write the new rings. */
static void health_changed(void *arg, const char *service, const char *server,
			   bool up)
{
	struct dataplane *dp = arg;
	int err = plan_and_apply(dp, dp->a->cfg);

	if (err)
		pr_err("dataplane: cannot apply %s %s going %s: %s", service,
		       server, up ? "up" : "down", strerror(-err));
}

/* ---- interfaces -------------------------------------------------------- */

/* SNAT sources of @ifname: dataplane.snat entries of each family first,
 * else the interface's own first address (global scope for IPv6).
 */
static void iface_snat(const struct cfg_dataplane *dpc, const char *ifname,
		       struct lb_iface *ifc)
{
	size_t i;

	for (i = 0; i < dpc->snat.n; i++) {
		if (!ifc->snat4 && inet_pton(AF_INET, dpc->snat.v[i], &ifc->snat4) == 1)
			continue;
		if (!ifc->snat6[0])
			inet_pton(AF_INET6, dpc->snat.v[i], ifc->snat6);
	}
	lb_iface_addrs(ifname, ifc);
}

/* Writes @ci's lb_ifaces entry: SNAT sources and how packets leave by it
 * (XDP_REDIRECT, or the TC program with transmit: tc; from the TC hook
 * into a veth peer's receive path when the peer is in another namespace).
 */
static int iface_write(struct dataplane *dp, const struct config *cfg,
		       const struct cfg_dp_iface *ci)
{
	struct lb_iface ifc = { .flags = ci->xmit_tc ? 0 : LB_IFACE_F_REDIRECT };
	struct lb_iface_facts facts;

	if (!lb_iface_facts(ci->name, &facts) && facts.peer_elsewhere)
		ifc.flags |= LB_IFACE_F_PEER;
	iface_snat(&cfg->dataplane, ci->name, &ifc);
	return lbmap_iface_set(&dp->maps, if_nametoindex(ci->name), &ifc);
}

/* True when @ci's balancer runs at TC: hook tc, or auto on a veth/netkit
 * device (XDP there runs on a copy of every skb and turns the peer's TSO
 * off; TC sees GRO's super-packets: docs/datapath.md, "The TC hook").
 */
static bool iface_wants_tc(const struct config *cfg,
			   const struct cfg_dp_iface *ci)
{
	enum cfg_hook h = config_dp_iface_hook(&cfg->dataplane, ci);
	struct lb_iface_facts f;

	if (h == CFG_HOOK_AUTO)
		return !lb_iface_facts(ci->name, &f) && f.pair;
	return h == CFG_HOOK_TC;
}

/* Attaches the balancer to @ci at its hook, or moves it there: at XDP
 * (with lb_tc beside it, for what XDP cannot redirect), or at TC ingress
 * alone (lb_tc_lb; the XDP link removed after it is in, so no packet
 * meets neither). Fills @di's mode and hook.
 */
static int iface_attach(struct dataplane *dp, const struct config *cfg,
			const struct cfg_dp_iface *ci, struct dp_iface *di)
{
	enum lb_xdp_mode want = ci->mode != CFG_XDP_AUTO ? xdp_mode(ci->mode) :
				xdp_mode(cfg->dataplane.xdp_mode);
	int err;

	if (iface_wants_tc(cfg, ci)) {
		err = lb_loader__attach_tc(dp->ld, ci->name, true);
		if (err) {
			pr_err("dataplane: cannot attach to %s at TC ingress (hook: tc): %s",
			       ci->name, strerror(-err));
			return err;
		}
		err = lb_pins_detach_xdp(dp->root, ci->name);
		if (err && err != -ENOENT)
			pr_warn("dataplane: cannot remove the XDP link of %s: %s",
				ci->name, strerror(-err));
		di->tc_hook = true;
		di->mode = LB_XDP_AUTO;
		return 0;
	}
	err = lb_loader__attach(dp->ld, ci->name, want, &di->mode);
	if (err) {
		char old[PATH_MAX + 64];

		pr_err("dataplane: cannot attach to %s (%s mode): %s", ci->name,
		       lb_xdp_mode_name(want), strerror(-err));
		if (lb_pins_other_abi_link(dp->root, ci->name, old,
					   sizeof(old)) > 0)
			pr_err("dataplane: %s holds %s: a data plane of another ABI version (this is v%d); detach it with that version's sluiced --detach, or remove its folder (rm -r) if that version's sluiced is not running: its flows are lost",
			       old, ci->name, LB_ABI_VERSION);
		return err;
	}
	di->tc_hook = false;
	/* the TC side: what XDP cannot redirect leaves as an skb */
	err = lb_loader__attach_tc(dp->ld, ci->name, false);
	if (err)
		pr_warn("dataplane: no TC program on %s (%s): translated packets XDP cannot redirect take the kernel's routing path%s",
			ci->name, strerror(-err),
			ci->xmit_tc ? ", and transmit: tc cannot work" : "");
	return 0;
}

static int iface_up(struct dataplane *dp, const struct config *cfg,
		    const struct cfg_dp_iface *ci)
{
	struct dp_iface di = {};
	int err;

	if (dp->n_ifaces == LB_MAX_IFACES)
		return -ENOSPC;
	err = iface_attach(dp, cfg, ci, &di);
	if (err)
		return err;
	err = iface_write(dp, cfg, ci);
	if (err)
		return err;
	snprintf(di.name, sizeof(di.name), "%s", ci->name);
	dp->ifaces[dp->n_ifaces++] = di;
	if (di.tc_hook)
		pr_info("dataplane: attached to %s (tc)", ci->name);
	else
		pr_info("dataplane: attached to %s (xdp %s)", ci->name,
			lb_xdp_mode_name(di.mode));
	return 0;
}

/* A reload that moves @di (configured as @ci) to another hook. */
static int iface_rehook(struct dataplane *dp, const struct config *cfg,
			const struct cfg_dp_iface *ci, struct dp_iface *di)
{
	bool tc = iface_wants_tc(cfg, ci);
	int err;

	if (tc == di->tc_hook)
		return 0;
	err = iface_attach(dp, cfg, ci, di);
	if (!err)
		pr_info("dataplane: %s moved to %s", ci->name, tc ? "tc" : "xdp");
	return err;
}

static bool cfg_has_iface(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->dataplane.n_ifaces; i++)
		if (!strcmp(cfg->dataplane.ifaces[i].name, name))
			return true;
	return false;
}

/* Attaches to new interfaces of @cfg and detaches from dropped ones. */
static int ifaces_sync(struct dataplane *dp, const struct config *cfg)
{
	size_t i, j;
	int err;

	for (i = 0; i < dp->n_ifaces;) {
		if (cfg_has_iface(cfg, dp->ifaces[i].name)) {
			i++;
			continue;
		}
		lbmap_iface_del(&dp->maps, if_nametoindex(dp->ifaces[i].name));
		err = lb_pins_detach_iface(dp->root, dp->ifaces[i].name);
		if (err && err != -ENOENT)
			return err;
		pr_info("dataplane: detached from %s", dp->ifaces[i].name);
		dp->ifaces[i] = dp->ifaces[--dp->n_ifaces];
	}
	for (i = 0; i < cfg->dataplane.n_ifaces; i++) {
		const struct cfg_dp_iface *ci = &cfg->dataplane.ifaces[i];
		struct dp_iface *have = NULL;

		for (j = 0; j < dp->n_ifaces && !have; j++)
			if (!strcmp(dp->ifaces[j].name, ci->name))
				have = &dp->ifaces[j];
		if (have) {
			err = iface_rehook(dp, cfg, ci, have);
			if (!err)
				err = iface_write(dp, cfg, ci);
		} else {
			err = iface_up(dp, cfg, ci);
		}
		if (err)
			return err;
	}
	return 0;
}

static int cfg_write(struct dataplane *dp, const struct config *cfg)
{
	struct lb_cfg c = {};
	size_t i;
	int err;

	err = lbmap_cfg_get(&dp->maps, &c);
	if (err)
		return err;
	c.abi_version = LB_ABI_VERSION;
	c.tcp_syn_timeout_ns = 30 * NSEC_PER_S;
	c.tcp_est_timeout_ns = 3600 * NSEC_PER_S;
	c.tcp_closing_timeout_ns = 10 * NSEC_PER_S;
	c.snat_port_lo = 1024;
	c.snat_port_hi = 65535;
	c.snat4 = 0;
	memset(c.snat6, 0, sizeof(c.snat6));
	for (i = 0; i < cfg->dataplane.snat.n; i++) {
		if (!c.snat4 && inet_pton(AF_INET, cfg->dataplane.snat.v[i], &c.snat4) == 1)
			continue;
		if (!c.snat6[0])
			inet_pton(AF_INET6, cfg->dataplane.snat.v[i], c.snat6);
	}
	return lbmap_cfg_set(&dp->maps, &c);
}

/* ---- control: server set ------------------------------------------------ */

static bool service_has_server(const struct config *cfg, const char *svc,
			       const char *addr)
{
	const struct cfg_l4_service *s = config_tcp_service(cfg, svc);
	size_t i;

	if (!s)
		s = config_udp_service(cfg, svc);
	if (!s || s->kind != CFG_SVC_LOADBALANCER)
		return false;
	for (i = 0; i < s->lb.n_servers; i++)
		if (!strcmp(s->lb.servers[i].address, addr))
			return true;
	return false;
}

static struct l4plan_override *ov_get(struct dataplane *dp, const char *svc,
				      const char *addr)
{
	struct l4plan_override *v, *o;
	size_t i;

	for (i = 0; i < dp->n_ov; i++)
		if (!strcmp(dp->ov[i].service, svc) &&
		    !strcmp(dp->ov[i].address, addr))
			return &dp->ov[i];
	v = realloc(dp->ov, (dp->n_ov + 1) * sizeof(*v));
	if (!v)
		return NULL;
	dp->ov = v;
	o = &v[dp->n_ov];
	o->service = strdup(svc);
	o->address = strdup(addr);
	if (!o->service || !o->address) {
		free(o->service);
		free(o->address);
		return NULL;
	}
	o->weight = -1;
	o->down = -1;
	dp->n_ov++;
	return o;
}

/* server set SERVICE ADDRESS { weight N | down | up } ... */
static int ctl_server_set(void *ctx, int argc, char **args,
			  struct json_writer *w, char *err, size_t errlen)
{
	struct dataplane *dp = ctx;
	struct l4plan_override *o, saved;
	int i, rc;

	if (argc < 3) {
		snprintf(err, errlen, "usage: server set SERVICE ADDRESS { weight N | down | up }");
		return -1;
	}
	if (!service_has_server(dp->a->cfg, args[0], args[1])) {
		snprintf(err, errlen, "no server %s in tcp/udp loadBalancer service %s",
			 args[1], args[0]);
		return -1;
	}
	o = ov_get(dp, args[0], args[1]);
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	saved = *o;
	for (i = 2; i < argc; i++) {
		char *end;

		if (!strcmp(args[i], "weight") && i + 1 < argc) {
			long v = strtol(args[++i], &end, 10);

			if (*end || v < 0 || v > 1000000) {
				*o = saved;
				snprintf(err, errlen, "weight must be 0..1000000");
				return -1;
			}
			o->weight = v;
		} else if (!strcmp(args[i], "down") || !strcmp(args[i], "up")) {
			bool down = !strcmp(args[i], "down");

			/* the shared registry: the proxies see it too, and
			 * its subscription replans the data plane
			 */
			if (dp->a->health) {
				if (health_server_force(dp->a->health, args[0], args[1],
							down ? HEALTH_FORCE_DOWN :
							HEALTH_FORCE_UP)) {
					*o = saved;
					snprintf(err, errlen, "out of memory");
					return -1;
				}
			} else {
				o->down = down;
			}
		} else {
			*o = saved;
			snprintf(err, errlen, "unknown keyword '%s'", args[i]);
			return -1;
		}
	}
	rc = plan_and_apply(dp, dp->a->cfg);
	if (rc) {
		*o = saved;
		snprintf(err, errlen, "cannot apply: %s", strerror(-rc));
		return -1;
	}
	jsonw_start_object(w);
	jsonw_string_field(w, "service", o->service);
	jsonw_string_field(w, "address", o->address);
	jsonw_name(w, "weight");
	if (o->weight >= 0)
		jsonw_u64(w, o->weight);
	else
		jsonw_null(w);
	jsonw_bool_field(w, "down", dp->a->health ?
			 health_server_forced(dp->a->health, o->service, o->address) ==
			 HEALTH_FORCE_DOWN : o->down > 0);
	jsonw_end_object(w);
	return 0;
}

/* ---- the subsystem ---------------------------------------------------- */

static void dp_free(struct dataplane *dp)
{
	size_t i;

	if (!dp)
		return;
	dp_gc_stop(dp->gc);	/* it reads the maps */
	if (dp->subscribed)
		health_unsubscribe(dp->a->health, health_changed, dp);
	l4plan_free(dp->applied);
	for (i = 0; i < dp->n_ov; i++) {
		free(dp->ov[i].service);
		free(dp->ov[i].address);
	}
	free(dp->ov);
	lbmap_close(&dp->maps);
	lb_loader__close(dp->ld);
	free(dp);
}

static int dp_start(struct agent *a)
{
	const struct config *cfg = a->cfg;
	struct lb_loader_opts lo = {};
	int fds[LBMAP_NR], err;
	char root[PATH_MAX];
	struct dataplane *dp;
	bool fresh;

	if (a->opts.no_dataplane || !cfg->dataplane.present ||
	    !cfg->dataplane.n_ifaces) {
		pr_info("dataplane: off (%s)", a->opts.no_dataplane ?
			"--no-dataplane" : "no dataplane.interfaces");
		return 0;
	}
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->a = a;
	snprintf(dp->root, sizeof(dp->root), "%s", pin_root(&a->opts, cfg));
	lo.pin_root = dp->root;
	lo.flow_entries = cfg->dataplane.flow_table_size;
	dp->ld = lb_loader__open(&lo);
	if (!dp->ld) {
		err = -errno;
		pr_err("dataplane: cannot open the BPF object under %s: %s",
		       dp->root, strerror(errno));
		goto out_free;
	}
	err = lb_loader__load(dp->ld);
	if (err) {
		pr_err("dataplane: cannot load the XDP program: %s%s", strerror(-err),
		       err == -EINVAL ? " (pinned maps of another layout or size? "
					"sluiced --detach removes them)" : "");
		goto out_free;
	}
	dp->reused = lb_loader__reused(dp->ld);
	lb_loader__map_fds(dp->ld, fds);
	err = lbmap_init_fds(&dp->maps, fds);
	if (err)
		goto out_free;
	if (dp->reused)
		dp_recover(dp);
	err = cfg_write(dp, cfg);
	if (!err)
		err = ifaces_sync(dp, cfg);
	if (!err)
		dp_steer_attach(dp);	/* not fatal */
	if (!err)
		err = plan_and_apply(dp, cfg);
	if (!err && a->health) {
		err = health_subscribe(a->health, health_changed, dp);
		dp->subscribed = !err;
	}
	if (!err && a->ctl)
		err = ctl_register(a->ctl, "server set", ctl_server_set, dp);
	if (!err) {
		dp->gc = dp_gc_start(&dp->maps, cfg->dataplane.flow_gc_interval);
		if (!dp->gc)
			err = -errno;
	}
	if (err) {
		pr_err("dataplane: start failed: %s", strerror(-err));
		goto out_free;
	}
	pr_info("dataplane: %s maps under %s", dp->reused ? "re-using" : "pinned",
		lb_loader__pin_dir(dp->ld));
	a->subsys[AGENT_DATAPLANE] = dp;
	return 0;

out_free:
	fresh = dp->ld && !lb_loader__reused(dp->ld);
	snprintf(root, sizeof(root), "%s", dp->root);
	dp_free(dp);
	/* what this failed start pinned and attached, nothing older (a
	 * running data plane's pins stay: its flows go on)
	 */
	if (fresh)
		lb_pins_remove_all(root);
	/* Not fatal: without XDP the userspace L4 proxy serves every tcp/udp
	 * service (it starts after this subsystem and sees no data plane).
	 */
	pr_warn("dataplane: not attached (%s): tcp and udp services are served in userspace",
		strerror(-err));
	return 0;
}

static int dp_reload(struct agent *a, const struct config *next)
{
	struct dataplane *dp = a->subsys[AGENT_DATAPLANE];
	int err;

	if (!dp) {
		if (next->dataplane.present && next->dataplane.n_ifaces)
			pr_warn("dataplane: enabling the data plane needs a restart of sluiced");
		return 0;
	}
	err = cfg_write(dp, next);
	if (!err)
		err = ifaces_sync(dp, next);
	if (!err)
		err = plan_and_apply(dp, next);
	dp_gc_set_interval(dp->gc, next->dataplane.flow_gc_interval);
	return err;
}

static void dp_stop(struct agent *a)
{
	/* Programs, links and maps stay pinned: flows outlive sluiced. */
	dp_free(a->subsys[AGENT_DATAPLANE]);
	a->subsys[AGENT_DATAPLANE] = NULL;
}

static void dp_status(struct agent *a, struct json_writer *w)
{
	struct dataplane *dp = a->subsys[AGENT_DATAPLANE];
	size_t i;

	jsonw_start_object(w);
	jsonw_string_field(w, "state", dp ? "attached" : "off");
	if (dp) {
		jsonw_string_field(w, "pin_dir", lb_loader__pin_dir(dp->ld));
		jsonw_bool_field(w, "reused_pins", dp->reused);
		jsonw_u64_field(w, "vips", dp->applied ? dp->applied->n_vips : 0);
		jsonw_bool_field(w, "steering", dp->steer);
		jsonw_name(w, "flow_gc");
		dp_gc_status(dp->gc, w);
		jsonw_name(w, "interfaces");
		jsonw_start_array(w);
		for (i = 0; i < dp->n_ifaces; i++) {
			jsonw_start_object(w);
			jsonw_string_field(w, "name", dp->ifaces[i].name);
			jsonw_string_field(w, "hook",
					   dp->ifaces[i].tc_hook ? "tc" : "xdp");
			jsonw_string_field(w, "mode", dp->ifaces[i].tc_hook ?
					   "none" :
					   lb_xdp_mode_name(dp->ifaces[i].mode));
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
	}
	jsonw_end_object(w);
}

const struct lbmap *dataplane_steer_maps(struct agent *a)
{
	struct dataplane *dp = a->subsys[AGENT_DATAPLANE];

	return dp && dp->steer ? &dp->maps : NULL;
}

const struct agent_subsys dataplane_subsys = {
	.name = "dataplane",
	.start = dp_start,
	.reload = dp_reload,
	.stop = dp_stop,
	.status = dp_status,
};
