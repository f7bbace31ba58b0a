/* sluiced's kernel data plane subsystem (see dataplane.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "dataplane.h"
#include "json_writer.h"
#include "l4plan.h"
#include "lb_loader.h"
#include "lbmap.h"
#include "log.h"
#include "maglev.h"

#define NSEC_PER_S 1000000000ull

struct dp_backend {
	char key[64];		/* l4plan_backend.key; "" when free */
	uint32_t gen;		/* last generation handed out for this id */
	uint8_t flags;		/* as written to lb_backends */
};

struct dp_vip {
	bool used;
	struct lb_vip_key key;
};

struct dp_addr {
	struct lb_addr a;
	bool used;		/* index taken (flows may still point here) */
	bool indexed;		/* published in lb_addr_idx */
	bool wanted;		/* scratch for addrs_sync() */
};

struct dp_iface {
	char name[IF_NAMESIZE];
	enum lb_xdp_mode mode;
};

struct dataplane {
	struct agent *a;
	struct lb_loader *ld;
	struct lbmap maps;
	char root[PATH_MAX];
	struct l4plan *applied;		/* owned; NULL until the first apply */
	struct l4plan_override *ov;	/* owned, from "server set" */
	size_t n_ov;
	struct dp_backend be[LB_MAX_BACKENDS];
	struct dp_vip vip[LB_MAX_VIPS];
	struct dp_addr addr[LB_MAX_ADDRS];
	struct dp_iface ifaces[LB_MAX_IFACES];
	size_t n_ifaces;
	bool reused;
};

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

/* ---- backends and VIPs: ids kept stable across reloads and restarts --- */

static int backend_id(struct dataplane *dp, const struct l4plan_backend *b,
		      bool *fresh)
{
	int i, free_id = -1;

	*fresh = false;
	for (i = 0; i < LB_MAX_BACKENDS; i++) {
		if (!strcmp(dp->be[i].key, b->key))
			return i;
		if (free_id < 0 && !dp->be[i].key[0])
			free_id = i;
	}
	if (free_id < 0)
		return -ENOSPC;
	snprintf(dp->be[free_id].key, sizeof(dp->be[free_id].key), "%s", b->key);
	/* flows keep 16 bits of it; 0 is never used */
	dp->be[free_id].gen = dp->be[free_id].gen % 0xffff + 1;
	dp->be[free_id].flags = 0xff;	/* unknown: force a write */
	*fresh = true;
	return free_id;
}

static int backend_write(struct dataplane *dp, int id,
			 const struct l4plan_backend *b)
{
	struct lb_backend v = {};
	uint8_t flags = b->down ? 0 : LB_BE_F_ACTIVE;
	int err;

	if (dp->be[id].flags == flags)
		return 0;
	memcpy(v.addr, b->addr, sizeof(v.addr));
	v.port = htons(b->port);
	v.family = b->family;
	v.gen = dp->be[id].gen;
	v.flags = flags;
	err = lbmap_backend_set(&dp->maps, id, &v);
	if (!err)
		dp->be[id].flags = flags;
	return err;
}

/* The lb_addrs index of @a, published if it was not. */
static int addr_index(struct dataplane *dp, const struct lb_addr *a)
{
	int i, pick = -1, spare = -1, err;

	for (i = 0; i < LB_MAX_ADDRS; i++) {
		struct dp_addr *d = &dp->addr[i];

		if (d->used && !memcmp(&d->a, a, sizeof(*a))) {
			pick = i;
			break;
		}
		if (!d->used && pick < 0 && spare < 0)
			spare = i;
	}
	if (pick < 0) {
		/* full: re-use a withdrawn index (its flows are stale anyway) */
		for (i = 0; spare < 0 && i < LB_MAX_ADDRS; i++)
			if (!dp->addr[i].indexed)
				spare = i;
		if (spare < 0)
			return -ENOSPC;
		pick = spare;
	}
	if (!dp->addr[pick].used || !dp->addr[pick].indexed) {
		err = lbmap_addr_set(&dp->maps, pick, a);
		if (err)
			return err;
	}
	dp->addr[pick].a = *a;
	dp->addr[pick].used = true;
	dp->addr[pick].indexed = true;
	dp->addr[pick].wanted = true;
	return pick;
}

/* Publishes every exact VIP address of @p and every local address (what
 * a wildcard VIP serves); withdraws addresses no longer wanted.
 */
static int addrs_sync(struct dataplane *dp, const struct l4plan *p)
{
	struct ifaddrs *ifa, *it;
	struct lb_addr a;
	size_t i;
	int ret = 0;

	for (i = 0; i < LB_MAX_ADDRS; i++)
		dp->addr[i].wanted = false;
	for (i = 0; i < p->n_vips && ret >= 0; i++) {
		const struct lb_vip_key *k = &p->vips[i].key;

		if (k->addr[0] | k->addr[1] | k->addr[2] | k->addr[3]) {
			lbmap_addr_make(&a, k->family, k->addr);
			ret = addr_index(dp, &a);
		}
	}
	if (ret >= 0 && getifaddrs(&ifa))
		ret = -errno;
	else if (ret >= 0) {
		for (it = ifa; it && ret >= 0; it = it->ifa_next) {
			if (!it->ifa_addr)
				continue;
			if (it->ifa_addr->sa_family == AF_INET)
				lbmap_addr_make(&a, LB_AF_INET,
						&((struct sockaddr_in *)it->ifa_addr)->sin_addr);
			else if (it->ifa_addr->sa_family == AF_INET6)
				lbmap_addr_make(&a, LB_AF_INET6,
						&((struct sockaddr_in6 *)it->ifa_addr)->sin6_addr);
			else
				continue;
			ret = addr_index(dp, &a);
		}
		freeifaddrs(ifa);
	}
	if (ret < 0)
		return ret;
	for (i = 0; i < LB_MAX_ADDRS; i++) {
		struct dp_addr *d = &dp->addr[i];

		if (!d->indexed || d->wanted)
			continue;
		ret = lbmap_addr_unindex(&dp->maps, &d->a);
		if (ret && ret != -ENOENT)
			return ret;
		d->indexed = false;
	}
	return 0;
}

static int vip_id(struct dataplane *dp, const struct lb_vip_key *k,
		  bool *fresh)
{
	int i, free_id = -1;

	*fresh = false;
	for (i = 0; i < LB_MAX_VIPS; i++) {
		if (dp->vip[i].used && !memcmp(&dp->vip[i].key, k, sizeof(*k)))
			return i;
		if (free_id < 0 && !dp->vip[i].used)
			free_id = i;
	}
	if (free_id < 0)
		return -ENOSPC;
	dp->vip[free_id].used = true;
	dp->vip[free_id].key = *k;
	*fresh = true;
	return free_id;
}

/* Rebuilds the ring of @v (swapped in atomically), then the VIP entry. */
static int vip_write(struct dataplane *dp, const struct l4plan_vip *v)
{
	struct maglev_backend *mb;
	uint32_t *ring = NULL, active = 0;
	struct lb_vip val = {};
	bool fresh;
	size_t i;
	int id, err;

	mb = calloc(v->n_be ? v->n_be : 1, sizeof(*mb));
	ring = malloc(LB_RING_SIZE * sizeof(*ring));
	if (!mb || !ring) {
		err = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < v->n_be; i++) {
		id = backend_id(dp, &v->be[i], &fresh);
		if (id < 0) {
			err = id;
			goto out_free;
		}
		if (fresh)
			lbmap_be_stats_reset(&dp->maps, id);
		err = backend_write(dp, id, &v->be[i]);
		if (err)
			goto out_free;
		mb[i].key = v->be[i].key;
		mb[i].id = id;
		mb[i].weight = v->be[i].down ? 0 : v->be[i].weight;
		active += mb[i].weight > 0;
	}
	err = maglev_build(mb, v->n_be, LB_RING_SIZE, ring);
	if (err)
		goto out_free;
	id = vip_id(dp, &v->key, &fresh);
	if (id < 0) {
		err = id;
		goto out_free;
	}
	if (fresh)
		lbmap_vip_stats_reset(&dp->maps, id);
	val.vip_id = id;
	val.addr_idx = LB_ADDR_NONE;
	if (v->key.addr[0] | v->key.addr[1] | v->key.addr[2] | v->key.addr[3]) {
		struct lb_addr a;

		lbmap_addr_make(&a, v->key.family, v->key.addr);
		err = addr_index(dp, &a);
		if (err < 0)
			goto out_free;
		val.addr_idx = err;
	}
	val.flags = v->flags;
	val.n_backends = active;
	val.udp_timeout_ns = v->udp_timeout_ns;
	err = lbmap_ring_write(&dp->maps, id, ring);
	if (!err)
		err = lbmap_vip_set(&dp->maps, &v->key, &val);

out_free:
	free(ring);
	free(mb);
	return err;
}

static bool vip_same(const struct l4plan_vip *a, const struct l4plan_vip *b)
{
	size_t i;

	if (a->flags != b->flags || a->udp_timeout_ns != b->udp_timeout_ns ||
	    a->n_be != b->n_be)
		return false;
	for (i = 0; i < a->n_be; i++)
		if (strcmp(a->be[i].key, b->be[i].key) ||
		    a->be[i].weight != b->be[i].weight ||
		    a->be[i].down != b->be[i].down)
			return false;
	return true;
}

static bool plan_has_backend(const struct l4plan *p, const char *key)
{
	size_t i, j;

	for (i = 0; i < p->n_vips; i++)
		for (j = 0; j < p->vips[i].n_be; j++)
			if (!strcmp(p->vips[i].be[j].key, key))
				return true;
	return false;
}

/* Writes what differs between dp->applied and @p; takes ownership of
 * @p on success. Returns 0 or -errno (maps may hold part of @p).
 */
static int plan_apply(struct dataplane *dp, struct l4plan *p)
{
	const struct l4plan_vip *old;
	size_t i, changed = 0, removed = 0;
	int err, id;

	err = addrs_sync(dp, p);
	if (err)
		return err;
	for (i = 0; i < p->n_vips; i++) {
		old = dp->applied ? l4plan_find(dp->applied, &p->vips[i].key) : NULL;
		if (old && vip_same(old, &p->vips[i]))
			continue;
		err = vip_write(dp, &p->vips[i]);
		if (err)
			return err;
		changed++;
	}
	for (id = 0; id < LB_MAX_VIPS; id++) {
		if (!dp->vip[id].used || l4plan_find(p, &dp->vip[id].key))
			continue;
		err = lbmap_vip_del(&dp->maps, &dp->vip[id].key);
		if (err && err != -ENOENT)
			return err;
		err = lbmap_ring_del(&dp->maps, id);
		if (err && err != -ENOENT)
			return err;
		dp->vip[id].used = false;
		removed++;
	}
	for (id = 0; id < LB_MAX_BACKENDS; id++) {
		struct lb_backend gone = {};

		if (!dp->be[id].key[0] || plan_has_backend(p, dp->be[id].key))
			continue;
		/* Flows still pointing here see an inactive backend. */
		gone.gen = dp->be[id].gen;
		err = lbmap_backend_set(&dp->maps, id, &gone);
		if (err)
			return err;
		dp->be[id].key[0] = '\0';
	}
	for (i = 0; i < p->n_diags; i++)
		pr_info("dataplane: %s", p->diags[i]);
	pr_info("dataplane: %zu VIPs, %zu written, %zu removed", p->n_vips,
		changed, removed);
	l4plan_free(dp->applied);
	dp->applied = p;
	return 0;
}

static int plan_and_apply(struct dataplane *dp, const struct config *cfg)
{
	struct l4plan *p = l4plan_build(cfg, dp->ov, dp->n_ov);
	int err;

	if (!p)
		return -errno;
	err = plan_apply(dp, p);
	if (err)
		l4plan_free(p);
	return err;
}

static int recover_vip(const struct lb_vip_key *k, const struct lb_vip *v,
		       void *arg)
{
	struct dataplane *dp = arg;

	if (v->vip_id < LB_MAX_VIPS) {
		dp->vip[v->vip_id].used = true;
		dp->vip[v->vip_id].key = *k;
	}
	return 0;
}

static int recover_addr(const struct lb_addr *a, uint32_t idx, void *arg)
{
	struct dataplane *dp = arg;

	if (idx < LB_MAX_ADDRS) {
		dp->addr[idx].a = *a;
		dp->addr[idx].used = true;
		dp->addr[idx].indexed = true;
	}
	return 0;
}

/* Rebuilds the id tables from maps a previous sluiced left pinned. */
static void recover(struct dataplane *dp)
{
	struct lb_backend b;
	char a[INET6_ADDRSTRLEN];
	uint32_t id;

	lbmap_vip_foreach(&dp->maps, recover_vip, dp);
	lbmap_addr_foreach(&dp->maps, recover_addr, dp);
	for (id = 0; id < LB_MAX_BACKENDS; id++) {
		if (lbmap_backend_get(&dp->maps, id, &b) || !b.gen)
			continue;
		dp->be[id].gen = b.gen;
		if (!b.family)
			continue;	/* removed earlier: only the gen matters */
		lbmap_addr_str(b.family, b.addr, a, sizeof(a));
		snprintf(dp->be[id].key, sizeof(dp->be[id].key),
			 b.family == LB_AF_INET6 ? "[%s]:%u" : "%s:%u", a,
			 ntohs(b.port));
		dp->be[id].flags = b.flags;
	}
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

static int iface_up(struct dataplane *dp, const struct config *cfg,
		    const struct cfg_dp_iface *ci)
{
	enum lb_xdp_mode want = ci->mode != CFG_XDP_AUTO ? xdp_mode(ci->mode) :
				xdp_mode(cfg->dataplane.xdp_mode);
	struct lb_iface ifc = { .flags = LB_IFACE_F_REDIRECT };
	struct dp_iface *di;
	enum lb_xdp_mode used;
	int err;

	if (dp->n_ifaces == LB_MAX_IFACES)
		return -ENOSPC;
	err = lb_loader__attach(dp->ld, ci->name, want, &used);
	if (err) {
		pr_err("dataplane: cannot attach to %s (%s mode): %s", ci->name,
		       lb_xdp_mode_name(want), strerror(-err));
		return err;
	}
	iface_snat(&cfg->dataplane, ci->name, &ifc);
	err = lbmap_iface_set(&dp->maps, if_nametoindex(ci->name), &ifc);
	if (err)
		return err;
	di = &dp->ifaces[dp->n_ifaces++];
	snprintf(di->name, sizeof(di->name), "%s", ci->name);
	di->mode = used;
	pr_info("dataplane: attached to %s (%s)", ci->name, lb_xdp_mode_name(used));
	return 0;
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
		bool have = false;

		for (j = 0; j < dp->n_ifaces; j++)
			have |= !strcmp(dp->ifaces[j].name,
					cfg->dataplane.ifaces[i].name);
		if (have)
			continue;
		err = iface_up(dp, cfg, &cfg->dataplane.ifaces[i]);
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
			o->down = !strcmp(args[i], "down");
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
	jsonw_bool_field(w, "down", o->down > 0);
	jsonw_end_object(w);
	return 0;
}

/* ---- the subsystem ---------------------------------------------------- */

static void dp_free(struct dataplane *dp)
{
	size_t i;

	if (!dp)
		return;
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
	struct dataplane *dp;

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
		recover(dp);
	err = cfg_write(dp, cfg);
	if (!err)
		err = ifaces_sync(dp, cfg);
	if (!err)
		err = plan_and_apply(dp, cfg);
	if (!err && a->ctl)
		err = ctl_register(a->ctl, "server set", ctl_server_set, dp);
	if (err) {
		pr_err("dataplane: start failed: %s", strerror(-err));
		goto out_free;
	}
	pr_info("dataplane: %s maps under %s", dp->reused ? "re-using" : "pinned",
		lb_loader__pin_dir(dp->ld));
	a->subsys[AGENT_DATAPLANE] = dp;
	return 0;

out_free:
	dp_free(dp);
	return err;
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
		jsonw_name(w, "interfaces");
		jsonw_start_array(w);
		for (i = 0; i < dp->n_ifaces; i++) {
			jsonw_start_object(w);
			jsonw_string_field(w, "name", dp->ifaces[i].name);
			jsonw_string_field(w, "mode",
					   lb_xdp_mode_name(dp->ifaces[i].mode));
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
	}
	jsonw_end_object(w);
}

const struct agent_subsys dataplane_subsys = {
	.name = "dataplane",
	.start = dp_start,
	.reload = dp_reload,
	.stop = dp_stop,
	.status = dp_status,
};
