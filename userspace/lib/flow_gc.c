/* Flow table garbage collection (see flow_gc.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "flow_gc.h"

/* The UDP VIPs' timeouts, read once per pass (the first UDP flow it
 * meets) and sorted by key: a pass over many UDP flows makes no syscall
 * per flow.
 */
struct vip_to {
	struct lb_vip_key k;
	uint64_t udp_timeout_ns;
};

struct vip_table {
	struct vip_to *v;
	size_t n, cap;
	bool read;
	int err;		/* reading failed: -errno */
};

static int vt_add(const struct lb_vip_key *k, const struct lb_vip *v,
		  void *arg)
{
	struct vip_table *t = arg;
	void *p;

	if (k->proto != IPPROTO_UDP)
		return 0;
	if (t->n == t->cap) {
		p = realloc(t->v, (t->cap ? t->cap * 2 : 64) * sizeof(*t->v));
		if (!p)
			return -ENOMEM;
		t->v = p;
		t->cap = t->cap ? t->cap * 2 : 64;
	}
	t->v[t->n].k = *k;
	t->v[t->n++].udp_timeout_ns = v->udp_timeout_ns;
	return 0;
}

static int vt_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct lb_vip_key));
}

/* The UDP timeout of the VIP of @k (its address, else its port's wildcard
 * VIP, as the data plane looks it up) into *@limit; -ENOENT without one,
 * -ENOMEM when the table cannot be read.
 */
static int udp_limit(const struct lbmap *m, struct vip_table *t,
		     const struct lb_flow_key *k, uint64_t *limit)
{
	const struct vip_to *hit;
	struct lb_vip_key vk;

	if (!t->read) {
		t->read = true;
		t->err = lbmap_vip_foreach(m, vt_add, t);
		qsort(t->v, t->n, sizeof(*t->v), vt_cmp);
	}
	if (t->err)
		return t->err;
	lbmap_vip_key(&vk, k->family, k->dst, ntohs(k->dport), k->proto);
	hit = t->n ? bsearch(&vk, t->v, t->n, sizeof(*t->v), vt_cmp) : NULL;
	if (!hit) {
		memset(vk.addr, 0, sizeof(vk.addr));
		hit = t->n ? bsearch(&vk, t->v, t->n, sizeof(*t->v), vt_cmp) : NULL;
	}
	if (!hit)
		return -ENOENT;
	*limit = hit->udp_timeout_ns;
	return 0;
}

/* lb_flow_expired() of the data plane, at @now_tick. */
static bool flow_expired(const struct lbmap *m, struct vip_table *vt,
			 const struct lb_cfg *cfg, const struct lb_flow_key *k,
			 const struct lb_flow *f, uint32_t now_tick)
{
	uint64_t limit;

	switch (f->state) {
	case LB_FLOW_SYN:
		limit = cfg->tcp_syn_timeout_ns;
		break;
	case LB_FLOW_EST:
		limit = cfg->tcp_est_timeout_ns;
		break;
	case LB_FLOW_CLOSING:
		limit = cfg->tcp_closing_timeout_ns;
		break;
	default:
		/* without its VIP no packet reaches the flow; a table
		 * that could not be read expires nothing */
		switch (udp_limit(m, vt, k, &limit)) {
		case 0:
			break;
		case -ENOENT:
			return true;
		default:
			return false;
		}
	}
	return limit &&
	       (uint32_t)(now_tick - f->last_tick) > (limit >> LB_TICK_SHIFT);
}

/* Backends read once per pass (an expired flow needs its backend's
 * address; thousands of flows share a few backends).
 */
struct be_cache {
	struct lb_backend be[LB_MAX_BACKENDS];
	uint8_t state[LB_MAX_BACKENDS];	/* 0 unread, 1 read, 2 absent */
};

static const struct lb_backend *be_get(const struct lbmap *m,
				       struct be_cache *c, uint32_t id)
{
	if (id >= LB_MAX_BACKENDS)
		return NULL;
	if (!c->state[id])
		c->state[id] = lbmap_backend_get(m, id, &c->be[id]) ? 2 : 1;
	return c->state[id] == 1 ? &c->be[id] : NULL;
}

/* The key of the reply entry flow @k, @f owns into @rk (bpf/lb.bpf.c
 * writes it with the flow); false when it has none (steered, stateless
 * nat replies) or it cannot be named (the backend id was reused, no SNAT
 * address).
 */
static bool reply_key(const struct lbmap *m, struct be_cache *bc,
		      const struct lb_cfg *cfg, const struct lb_flow_key *k,
		      const struct lb_flow *f, struct lb_flow_key *rk)
{
	const struct lb_backend *be;
	const struct lb_iface *eg;

	if (f->flags & LB_VIP_F_LOCAL)
		return false;
	be = be_get(m, bc, f->backend_id);
	if (!be || (uint16_t)be->gen != f->backend_gen ||
	    be->family != k->family)
		return false;
	memset(rk, 0, sizeof(*rk));
	memcpy(rk->src, be->addr, sizeof(rk->src));
	rk->sport = be->port;
	rk->proto = k->proto;
	rk->family = k->family;
	if (!(f->flags & LB_VIP_F_FULLNAT)) {
		/* stateless replies (lb_rvips): the flow wrote none */
		if (be->flags & LB_BE_F_RVIP)
			return false;
		memcpy(rk->dst, k->src, sizeof(rk->dst));
		rk->dport = k->sport;
		return true;
	}
	/* lb_snat_addr(): the egress interface's, else the configured one */
	eg = &be->route.egress;
	if (k->family == LB_AF_INET) {
		rk->dst[0] = eg->snat4 ? eg->snat4 : cfg->snat4;
	} else if (eg->snat6[0] | eg->snat6[1] | eg->snat6[2] | eg->snat6[3]) {
		memcpy(rk->dst, eg->snat6, sizeof(rk->dst));
	} else {
		memcpy(rk->dst, cfg->snat6, sizeof(rk->dst));
	}
	rk->dport = f->snat_port;
	return rk->dst[0] | rk->dst[1] | rk->dst[2] | rk->dst[3];
}

/* Deletes @n keys of map @id (lb_flows or lb_rflows); keys already gone
 * are skipped. Returns the number deleted, or -errno.
 */
static long keys_delete(const struct lbmap *m, enum lbmap_id id,
			struct lb_flow_key *keys, uint32_t n)
{
	uint32_t done = 0, c;
	long deleted = 0;

	while (done < n) {
		c = n - done;
		if (!bpf_map_delete_batch(m->fd[id], keys + done, &c, NULL)) {
			deleted += c;
			break;
		}
		if (errno != ENOENT)
			return -errno;
		/* c deleted, then keys[done + c] was not there */
		deleted += c;
		done += c + 1;
	}
	return deleted;
}

/* The arrays of one batch of @cap flows: what a lookup batch returns, the
 * expired flows' keys and their reply entries' keys.
 */
struct gc_buf {
	uint32_t cap;
	struct lb_flow_key *keys, *dels, *rdels;
	struct lb_flow *vals;
};

static void buf_free(struct gc_buf *b)
{
	free(b->keys);
	free(b->dels);
	free(b->rdels);
	free(b->vals);
	memset(b, 0, sizeof(*b));
}

/* (Re)allocates @b for @cap flows; the contents are not kept. Returns 0
 * or -ENOMEM.
 */
static int buf_alloc(struct gc_buf *b, uint32_t cap)
{
	buf_free(b);
	b->keys = calloc(cap, sizeof(*b->keys));
	b->dels = calloc(cap, sizeof(*b->dels));
	b->rdels = calloc(cap, sizeof(*b->rdels));
	b->vals = calloc(cap, sizeof(*b->vals));
	if (!b->keys || !b->dels || !b->rdels || !b->vals) {
		buf_free(b);
		return -ENOMEM;
	}
	b->cap = cap;
	return 0;
}

int flow_gc_pass(const struct lbmap *m, uint64_t now_ns, uint32_t batch,
		 struct flow_gc_stats *st)
{
	uint32_t now_tick = (uint32_t)(now_ns >> LB_TICK_SHIFT), n, i, nd, nr;
	union { uint32_t u32; struct lb_flow_key k; } token;
	struct vip_table vt = {};
	struct gc_buf b = {};
	struct be_cache *bc;
	bool last = false;
	struct lb_cfg cfg;
	void *in = NULL;
	long got;
	int err;

	err = lbmap_cfg_get(m, &cfg);
	if (err)
		return err;
	bc = calloc(1, sizeof(*bc));
	if (!bc)
		return -ENOMEM;
	err = buf_alloc(&b, batch ? batch : 4096);
	if (err)
		goto out;
	while (!last) {
		n = b.cap;
		if (bpf_map_lookup_batch(m->fd[LBMAP_FLOWS], in, &token, b.keys,
					 b.vals, &n, NULL)) {
			if (errno == ENOSPC) {
				/* the next bucket holds more than b.cap:
				 * read it again into bigger arrays */
				err = buf_alloc(&b, b.cap * 2);
				if (err)
					goto out;
				continue;
			}
			if (errno != ENOENT) {
				err = -errno;
				goto out;
			}
			last = true;	/* n holds the final entries */
		}
		in = &token;
		st->scanned += n;
		for (i = 0, nd = 0, nr = 0; i < n; i++) {
			if (!flow_expired(m, &vt, &cfg, &b.keys[i], &b.vals[i],
					  now_tick))
				continue;
			st->expired++;
			b.dels[nd++] = b.keys[i];
			if (reply_key(m, bc, &cfg, &b.keys[i], &b.vals[i],
				      &b.rdels[nr]))
				nr++;
		}
		/* the reply entries first, then the flows */
		got = nr ? keys_delete(m, LBMAP_RFLOWS, b.rdels, nr) : 0;
		if (got < 0) {
			err = (int)got;
			goto out;
		}
		st->replies += got;
		got = nd ? keys_delete(m, LBMAP_FLOWS, b.dels, nd) : 0;
		if (got < 0) {
			err = (int)got;
			goto out;
		}
		st->deleted += got;
	}
out:
	buf_free(&b);
	free(vt.v);
	free(bc);
	return err;
}
