/* Writing a plan into the data plane's maps with stable ids (see
 * dp_apply.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_apply.h"
#include "dp_neigh.h"
#include "dp_rvip.h"
#include "log.h"
#include "maglev.h"

/* ---- the id tables' indexes (struct dp_index) ------------------------- */

static void index_free(struct dataplane *dp)
{
	strmap_free(&dp->idx.be);
	strmap_free(&dp->idx.vip);
	strmap_free(&dp->idx.addr);
	dp->idx.built = false;
}

static int index_addrs(struct dataplane *dp)
{
	int i;

	strmap_free(&dp->idx.addr);
	if (strmap_init(&dp->idx.addr, 256))
		return -ENOMEM;
	for (i = 0; i < LB_MAX_ADDRS; i++) {
		struct dp_addr *d = &dp->addr[i];

		if (!d->used)
			continue;
		strmap_hexkey(&d->a, sizeof(d->a), d->ikey);
		if (strmap_add(&dp->idx.addr, d->ikey, i, NULL) < 0)
			return -ENOMEM;
	}
	dp->idx.addr_free = 0;
	return 0;
}

/* Indexes every id in use (the tables may come from dp_recover()). */
static int index_build(struct dataplane *dp)
{
	int i;

	index_free(dp);
	memset(&dp->idx, 0, sizeof(dp->idx));
	if (strmap_init(&dp->idx.be, 1024) || strmap_init(&dp->idx.vip, 256))
		goto out_nomem;
	for (i = 0; i < LB_MAX_BACKENDS; i++) {
		struct dp_backend *b = &dp->be[i];

		if (!b->key[0])
			continue;
		snprintf(b->ikey, sizeof(b->ikey), "%u|%s", b->vip_id, b->key);
		if (strmap_add(&dp->idx.be, b->ikey, i, NULL) < 0)
			goto out_nomem;
	}
	for (i = 0; i < LB_MAX_VIPS; i++) {
		struct dp_vip *v = &dp->vip[i];

		if (!v->used)
			continue;
		strmap_hexkey(&v->key, sizeof(v->key), v->ikey);
		if (strmap_add(&dp->idx.vip, v->ikey, i, NULL) < 0)
			goto out_nomem;
	}
	if (index_addrs(dp))
		goto out_nomem;
	dp->idx.built = true;
	return 0;

out_nomem:
	index_free(dp);
	return -ENOMEM;
}

/* ---- backends and VIPs: ids kept stable across reloads and restarts --- */

static int backend_id(struct dataplane *dp, uint32_t vip_id,
		      const struct l4plan_backend *b, bool *fresh)
{
	char ikey[sizeof(dp->be[0].ikey)];
	int free_id;
	size_t at;

	*fresh = false;
	snprintf(ikey, sizeof(ikey), "%u|%s", vip_id, b->key);
	if (strmap_get(&dp->idx.be, ikey, &at))
		return (int)at;
	while (dp->idx.be_free < LB_MAX_BACKENDS &&
	       dp->be[dp->idx.be_free].key[0])
		dp->idx.be_free++;
	if (dp->idx.be_free == LB_MAX_BACKENDS)
		return -ENOSPC;
	free_id = dp->idx.be_free;
	snprintf(dp->be[free_id].key, sizeof(dp->be[free_id].key), "%s", b->key);
	memcpy(dp->be[free_id].ikey, ikey, sizeof(ikey));
	if (strmap_add(&dp->idx.be, dp->be[free_id].ikey, free_id, NULL) < 0) {
		dp->be[free_id].key[0] = '\0';
		return -ENOMEM;
	}
	dp->be[free_id].vip_id = vip_id;
	/* flows keep 16 bits of it; 0 is never used */
	dp->be[free_id].gen = dp->be[free_id].gen % 0xffff + 1;
	dp->be[free_id].flags = 0xff;	/* unknown: force a write */
	*fresh = true;
	return free_id;
}

/* Writes backend @id from @b. LB_BE_F_RVIP is kept while @rvip (still
 * eligible) and never set here: dp_rvip_sync() sets it once its lb_rvips
 * entry exists.
 */
static int backend_write(struct dataplane *dp, int id,
			 const struct l4plan_backend *b, bool rvip)
{
	struct lb_backend v = {};
	uint8_t flags = b->down ? 0 : LB_BE_F_ACTIVE;
	int err;

	if (rvip && dp->be[id].flags != 0xff &&
	    (dp->be[id].flags & LB_BE_F_RVIP))
		flags |= LB_BE_F_RVIP;

	if (dp->be[id].flags == flags)
		return 0;
	memcpy(v.addr, b->addr, sizeof(v.addr));
	v.port = htons(b->port);
	v.family = b->family;
	v.gen = dp->be[id].gen;
	v.vip_id = dp->be[id].vip_id;
	v.flags = flags;
	err = lbmap_backend_set(&dp->maps, id, &v);
	if (!err)
		dp->be[id].flags = flags;
	return err;
}

/* The lb_addrs index of @a, published if it was not. */
static int addr_index(struct dataplane *dp, const struct lb_addr *a)
{
	char ikey[sizeof(dp->addr[0].ikey)];
	int i, pick = -1, err;
	bool reused = false;
	size_t at;

	strmap_hexkey(a, sizeof(*a), ikey);
	if (strmap_get(&dp->idx.addr, ikey, &at)) {
		pick = (int)at;
	} else {
		while (dp->idx.addr_free < LB_MAX_ADDRS &&
		       dp->addr[dp->idx.addr_free].used)
			dp->idx.addr_free++;
		if (dp->idx.addr_free < LB_MAX_ADDRS)
			pick = dp->idx.addr_free;
		/* full: re-use a withdrawn index (its flows are stale anyway) */
		for (i = 0; pick < 0 && i < LB_MAX_ADDRS; i++)
			if (!dp->addr[i].indexed)
				pick = i;
		if (pick < 0)
			return -ENOSPC;
		reused = dp->addr[pick].used;
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
	if (reused) {
		/* the index still holds the old address there: rebuild it */
		err = index_addrs(dp);
	} else if (!strmap_get(&dp->idx.addr, ikey, &at)) {
		memcpy(dp->addr[pick].ikey, ikey, sizeof(ikey));
		err = strmap_add(&dp->idx.addr, dp->addr[pick].ikey, pick,
				 NULL) < 0 ? -ENOMEM : 0;
	} else {
		err = 0;
	}
	return err ? err : pick;
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
	char ikey[sizeof(dp->vip[0].ikey)];
	int free_id;
	size_t at;

	*fresh = false;
	strmap_hexkey(k, sizeof(*k), ikey);
	if (strmap_get(&dp->idx.vip, ikey, &at))
		return (int)at;
	while (dp->idx.vip_free < LB_MAX_VIPS && dp->vip[dp->idx.vip_free].used)
		dp->idx.vip_free++;
	if (dp->idx.vip_free == LB_MAX_VIPS)
		return -ENOSPC;
	free_id = dp->idx.vip_free;
	memcpy(dp->vip[free_id].ikey, ikey, sizeof(ikey));
	if (strmap_add(&dp->idx.vip, dp->vip[free_id].ikey, free_id, NULL) < 0)
		return -ENOMEM;
	dp->vip[free_id].used = true;
	dp->vip[free_id].key = *k;
	*fresh = true;
	return free_id;
}

/* Rebuilds the ring of @v (swapped in atomically) and the VIP entry. A
 * ring that grows is written before the VIP entry (whose ring_size picks
 * positions), one that shrinks after it: positions stay inside the ring.
 */
static int vip_write(struct dataplane *dp, const struct l4plan *p, size_t vi,
		     const struct dp_rvip_plan *rp)
{
	const struct l4plan_vip *v = &p->vips[vi];
	uint32_t *ring = NULL, active = 0, size = lbmap_ring_size(v->n_be);
	struct lb_vip val = {}, old = {};
	struct maglev_backend *mb;
	bool fresh;
	size_t i;
	int id, bid, err;

	if (!size)
		return -E2BIG;
	mb = calloc(v->n_be ? v->n_be : 1, sizeof(*mb));
	ring = malloc(size * sizeof(*ring));
	if (!mb || !ring) {
		err = -ENOMEM;
		goto out_free;
	}
	id = vip_id(dp, &v->key, &fresh);
	if (id < 0) {
		err = id;
		goto out_free;
	}
	if (fresh)
		lbmap_vip_stats_reset(&dp->maps, id);
	for (i = 0; i < v->n_be; i++) {
		bid = backend_id(dp, id, &v->be[i], &fresh);
		if (bid < 0) {
			err = bid;
			goto out_free;
		}
		if (fresh)
			lbmap_be_stats_reset(&dp->maps, bid);
		err = backend_write(dp, bid, &v->be[i],
				    dp_rvip_eligible(rp, p, vi, &v->be[i]));
		if (err)
			goto out_free;
		mb[i].key = v->be[i].key;
		mb[i].id = bid;
		mb[i].weight = v->be[i].down ? 0 : v->be[i].weight;
		active += mb[i].weight > 0;
	}
	err = maglev_build(mb, v->n_be, size, ring);
	if (err)
		goto out_free;
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
	val.ring_size = size;
	if (lbmap_vip_get(&dp->maps, &v->key, &old) || old.ring_size <= size) {
		err = lbmap_ring_write(&dp->maps, id, ring, size);
		if (!err)
			err = lbmap_vip_set(&dp->maps, &v->key, &val);
	} else {
		err = lbmap_vip_set(&dp->maps, &v->key, &val);
		if (!err)
			err = lbmap_ring_write(&dp->maps, id, ring, size);
	}

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

/* True when backend @b (of VIP @vip) is still in plan @p. */
static bool plan_has_backend(const struct l4plan *p, const struct dp_vip *vip,
			     const struct dp_backend *b)
{
	const struct l4plan_vip *v = l4plan_find(p, &vip->key);
	size_t j;

	for (j = 0; v && j < v->n_be; j++)
		if (!strcmp(v->be[j].key, b->key))
			return true;
	return false;
}

/* Writes the port pre-filter of @p: VIP ports and backend ports, plus
 * those of the plan it replaces (one more generation), so replies of
 * flows on a just-removed backend still translate back.
 */
static int ports_write(struct dataplane *dp, const struct l4plan *p)
{
	struct lb_port_bits *bits;
	size_t i, j;
	int err;

	bits = calloc(LB_PORT_WORDS, sizeof(*bits));
	if (!bits)
		return -ENOMEM;
	for (i = 0; i < p->n_vips; i++) {
		lbmap_port_mark(bits, ntohs(p->vips[i].key.port), true);
		for (j = 0; j < p->vips[i].n_be; j++)
			lbmap_port_mark(bits, p->vips[i].be[j].port, false);
	}
	/* keep the old plan's ports too: its flows may still be draining */
	for (i = 0; dp->applied && i < dp->applied->n_vips; i++) {
		lbmap_port_mark(bits, ntohs(dp->applied->vips[i].key.port), true);
		for (j = 0; j < dp->applied->vips[i].n_be; j++)
			lbmap_port_mark(bits, dp->applied->vips[i].be[j].port, false);
	}
	err = lbmap_ports_write(&dp->maps, bits);
	free(bits);
	return err;
}

static int plan_apply(struct dataplane *dp, struct l4plan *p,
		      const struct dp_rvip_plan *rp)
{
	const struct l4plan_vip *old;
	size_t i, changed = 0, removed = 0;
	int err, id;

	err = addrs_sync(dp, p);
	if (!err)
		err = ports_write(dp, p);
	if (err)
		return err;
	for (i = 0; i < p->n_vips; i++) {
		old = dp->applied ? l4plan_find(dp->applied, &p->vips[i].key) : NULL;
		if (old && vip_same(old, &p->vips[i]))
			continue;
		err = vip_write(dp, p, i, rp);
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

		if (!dp->be[id].key[0] || (dp->be[id].vip_id < LB_MAX_VIPS &&
		    plan_has_backend(p, &dp->vip[dp->be[id].vip_id], &dp->be[id])))
			continue;
		/* Flows still pointing here see an inactive backend. */
		gone.gen = dp->be[id].gen;
		err = lbmap_backend_set(&dp->maps, id, &gone);
		if (err)
			return err;
		dp->be[id].key[0] = '\0';
	}
	err = dp_rvip_sync(dp, p, rp);
	if (err)
		return err;
	err = dp_neigh_manage(p);
	if (err)
		pr_warn("dataplane: %d backend next hops have no managed neighbour entry (%s): their first packets take the kernel path",
			err < 0 ? 1 : err, err < 0 ? strerror(-err) : "no route?");
	for (i = 0; i < p->n_diags; i++)
		pr_info("dataplane: %s", p->diags[i]);
	pr_info("dataplane: %zu VIPs, %zu written, %zu removed", p->n_vips,
		changed, removed);
	l4plan_free(dp->applied);
	dp->applied = p;
	return 0;
}

int dp_plan_apply(struct dataplane *dp, struct l4plan *p)
{
	struct dp_rvip_plan rp;
	int err = index_build(dp);

	if (err)
		return err;
	err = dp_rvip_plan(p, &rp);
	if (!err) {
		err = plan_apply(dp, p, &rp);
		dp_rvip_plan_free(&rp);
	}
	index_free(dp);
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

void dp_recover(struct dataplane *dp)
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
		dp->be[id].vip_id = b.vip_id;
		dp->be[id].flags = b.flags;
	}
}
