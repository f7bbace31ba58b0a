/* Stateless nat replies: lb_rvips and LB_BE_F_RVIP (see dp_rvip.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_rvip.h"
#include "lbmap.h"

/* The lb_rvips key of backend @b of a VIP of protocol @proto. */
static void endpoint_key(const struct l4plan_backend *b, uint8_t proto,
			 struct lb_vip_key *k)
{
	lbmap_vip_key(k, b->family, b->addr, b->port, proto);
}

/* A VIP whose backends may answer statelessly: nat, own address, not
 * steered.
 */
static bool vip_kind_ok(const struct l4plan_vip *v)
{
	return !(v->flags & (LB_VIP_F_FULLNAT | LB_VIP_F_LOCAL)) &&
	       (v->key.addr[0] | v->key.addr[1] | v->key.addr[2] |
		v->key.addr[3]);
}

int dp_rvip_plan(const struct l4plan *p, struct dp_rvip_plan *rp)
{
	struct lb_vip_key k;
	size_t i, j, n = 0, old;
	int ret;

	memset(rp, 0, sizeof(*rp));
	for (i = 0; i < p->n_vips; i++)
		n += p->vips[i].n_be;
	rp->keys = calloc(n ? n : 1, sizeof(*rp->keys));
	if (!rp->keys || strmap_init(&rp->owner, n))
		goto out_nomem;
	n = 0;
	for (i = 0; i < p->n_vips; i++) {
		for (j = 0; j < p->vips[i].n_be; j++) {
			endpoint_key(&p->vips[i].be[j], p->vips[i].key.proto, &k);
			strmap_hexkey(&k, sizeof(k), rp->keys[n]);
			ret = strmap_add(&rp->owner, rp->keys[n], i, &old);
			if (ret < 0)
				goto out_nomem;
			/* a second user (another VIP): shared */
			if (!ret && old != i) {
				strmap_del(&rp->owner, rp->keys[n]);
				if (strmap_add(&rp->owner, rp->keys[n], SIZE_MAX,
					       NULL) < 0)
					goto out_nomem;
			}
			n++;
		}
	}
	return 0;

out_nomem:
	dp_rvip_plan_free(rp);
	return -ENOMEM;
}

void dp_rvip_plan_free(struct dp_rvip_plan *rp)
{
	strmap_free(&rp->owner);
	free(rp->keys);
	rp->keys = NULL;
}

bool dp_rvip_eligible(const struct dp_rvip_plan *rp, const struct l4plan *p,
		      size_t vi, const struct l4plan_backend *b)
{
	char hex[2 * sizeof(struct lb_vip_key) + 1];
	struct lb_vip_key k;
	size_t owner;

	if (!vip_kind_ok(&p->vips[vi]))
		return false;
	endpoint_key(b, p->vips[vi].key.proto, &k);
	strmap_hexkey(&k, sizeof(k), hex);
	return strmap_get(&rp->owner, hex, &owner) && owner == vi;
}

/* Sets or clears LB_BE_F_RVIP of backend @id as @on says. */
static int backend_flag(struct dataplane *dp, int id, bool on)
{
	struct lb_backend v;
	uint8_t want;
	int err;

	if (dp->be[id].flags == 0xff ||
	    !!(dp->be[id].flags & LB_BE_F_RVIP) == on)
		return 0;
	want = on ? dp->be[id].flags | LB_BE_F_RVIP :
		    dp->be[id].flags & ~LB_BE_F_RVIP;
	err = lbmap_backend_get(&dp->maps, id, &v);
	if (err)
		return err;
	v.flags = want;
	err = lbmap_backend_set(&dp->maps, id, &v);
	if (!err)
		dp->be[id].flags = want;
	return err;
}

struct stale_ctx {
	const struct dp_rvip_plan *rp;
	const struct dp_rvip_plan *prev;	/* may be NULL */
	const struct l4plan *p;
	struct lb_vip_key *gone;
	size_t n, cap;
};

/* Collects the lb_rvips entries to delete (deleting while iterating
 * would restart the walk): those of endpoints neither this plan nor the
 * previous one has. An entry the plan no longer wants but whose endpoint
 * is still in use stays, pointing at its old VIP: flows made while the
 * backend was stateless have no lb_rflows entry, and lb_reply_find()
 * only translates through it what lb_flows confirms (anything else falls
 * through to lb_rflows).
 */
static int collect_stale(const struct lb_vip_key *k, const struct lb_rvip *v,
			 void *arg)
{
	char hex[2 * sizeof(*k) + 1];
	struct stale_ctx *c = arg;
	struct lb_vip_key *ng;
	size_t owner;

	strmap_hexkey(k, sizeof(*k), hex);
	if (strmap_get(&c->rp->owner, hex, &owner) ||
	    (c->prev && strmap_get(&c->prev->owner, hex, &owner)))
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		ng = realloc(c->gone, c->cap * sizeof(*ng));
		if (!ng)
			return -ENOMEM;
		c->gone = ng;
	}
	c->gone[c->n++] = *k;
	return 0;
}

int dp_rvip_sync(struct dataplane *dp, const struct l4plan *p,
		 const struct dp_rvip_plan *rp)
{
	struct stale_ctx sc = { .rp = rp, .p = p };
	struct dp_rvip_plan prev;
	bool have_prev = false;
	char ikey[sizeof(dp->be[0].ikey)];
	struct lb_vip_key k;
	struct lb_vip vip;
	struct lb_rvip rv;
	bool *want;
	size_t i, j, id;
	int err = 0;

	want = calloc(LB_MAX_BACKENDS, sizeof(*want));
	if (!want)
		return -ENOMEM;
	/* 1. the entries, before any backend gets the flag */
	for (i = 0; i < p->n_vips; i++) {
		const struct l4plan_vip *v = &p->vips[i];

		if (!vip_kind_ok(v) || lbmap_vip_get(&dp->maps, &v->key, &vip))
			continue;
		for (j = 0; j < v->n_be; j++) {
			if (!dp_rvip_eligible(rp, p, i, &v->be[j]))
				continue;
			snprintf(ikey, sizeof(ikey), "%u|%s", vip.vip_id,
				 v->be[j].key);
			if (!strmap_get(&dp->idx.be, ikey, &id))
				continue;
			memset(&rv, 0, sizeof(rv));
			rv.backend_id = id;
			rv.vip_id = vip.vip_id;
			rv.vip_addr_idx = vip.addr_idx;
			rv.vip_port = v->key.port;
			endpoint_key(&v->be[j], v->key.proto, &k);
			err = lbmap_rvip_set(&dp->maps, &k, &rv);
			if (err)
				goto out;
			want[id] = true;
		}
	}
	/* 2. the flags: set where wanted, cleared elsewhere */
	for (id = 0; id < LB_MAX_BACKENDS; id++) {
		if (!dp->be[id].key[0])
			continue;
		err = backend_flag(dp, id, want[id]);
		if (err)
			goto out;
	}
	/* 3. entries of endpoints gone from this plan and the previous one */
	if (dp->applied && !dp_rvip_plan(dp->applied, &prev)) {
		have_prev = true;
		sc.prev = &prev;
	}
	err = lbmap_rvip_foreach(&dp->maps, collect_stale, &sc);
	for (i = 0; !err && i < sc.n; i++) {
		err = lbmap_rvip_del(&dp->maps, &sc.gone[i]);
		if (err == -ENOENT)
			err = 0;
	}
out:
	if (have_prev)
		dp_rvip_plan_free(&prev);
	free(sc.gone);
	free(want);
	return err;
}
