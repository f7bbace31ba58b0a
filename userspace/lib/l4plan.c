/* l4plan: configuration -> VIPs with flattened backend weights (see
 * l4plan.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "l4plan.h"

#define MAX_DEPTH 8

/* Backends collected for one service tree, as real-valued shares. */
struct flat {
	struct l4plan_backend *be;
	double *share;
	size_t n, cap;
};

struct ctx {
	const struct config *cfg;
	const struct l4plan_override *ov;
	size_t n_ov;
	struct l4plan *plan;
	int err;
};

static void diag(struct ctx *c, const char *fmt, ...)
{
	char buf[512], **v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	v = realloc(c->plan->diags, (c->plan->n_diags + 1) * sizeof(*v));
	if (!v || !(v[c->plan->n_diags] = strdup(buf))) {
		if (v)
			c->plan->diags = v;
		c->err = -ENOMEM;
		return;
	}
	c->plan->diags = v;
	c->plan->n_diags++;
}

int l4plan_parse_backend(const char *address, struct l4plan_backend *be)
{
	char host[48];
	const char *colon;
	size_t hlen;
	long port;
	char *end;

	memset(be, 0, sizeof(*be));
	if (address[0] == '[') {
		const char *rb = strchr(address, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		hlen = rb - address - 1;
		if (hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, address + 1, hlen);
		colon = rb + 1;
	} else {
		colon = strrchr(address, ':');
		if (!colon)
			return -EINVAL;
		hlen = colon - address;
		if (hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, address, hlen);
	}
	host[hlen] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, host, be->addr) == 1) {
		be->family = LB_AF_INET;
		snprintf(be->key, sizeof(be->key), "%s:%ld", host, port);
	} else if (inet_pton(AF_INET6, host, be->addr) == 1) {
		char canon[INET6_ADDRSTRLEN];

		be->family = LB_AF_INET6;
		inet_ntop(AF_INET6, be->addr, canon, sizeof(canon));
		snprintf(be->key, sizeof(be->key), "[%s]:%ld", canon, port);
	} else {
		return -EINVAL;
	}
	be->port = port;
	return 0;
}

static const struct l4plan_override *find_ov(const struct ctx *c,
					     const char *svc, const char *addr)
{
	size_t i;

	for (i = 0; i < c->n_ov; i++)
		if (!strcmp(c->ov[i].service, svc) &&
		    !strcmp(c->ov[i].address, addr))
			return &c->ov[i];
	return NULL;
}

static int flat_add(struct flat *f, const struct l4plan_backend *be,
		    double share)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (strcmp(f->be[i].key, be->key))
			continue;
		f->share[i] += share;
		f->be[i].down = f->be[i].down && be->down;
		return 0;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		void *b = realloc(f->be, cap * sizeof(*f->be));

		if (!b)
			return -ENOMEM;
		f->be = b;
		b = realloc(f->share, cap * sizeof(*f->share));
		if (!b)
			return -ENOMEM;
		f->share = b;
		f->cap = cap;
	}
	f->be[f->n] = *be;
	f->share[f->n] = share;
	f->n++;
	return 0;
}

static const struct cfg_l4_service *service(const struct ctx *c, bool udp,
					    const char *name)
{
	return udp ? config_udp_service(c->cfg, name) :
		     config_tcp_service(c->cfg, name);
}

/* Adds the servers of @name to @f with @scale as their total share. */
static void flatten(struct ctx *c, bool udp, const char *name, double scale,
		    int depth, struct flat *f)
{
	const struct cfg_l4_service *s = service(c, udp, name);
	double total = 0;
	size_t i;

	if (!s || s->broken) {
		diag(c, "service %s: missing or broken, left out", name);
		return;
	}
	if (depth > MAX_DEPTH) {
		diag(c, "service %s: nested deeper than %d, left out", name,
		     MAX_DEPTH);
		return;
	}
	if (s->kind == CFG_SVC_WEIGHTED) {
		for (i = 0; i < s->weighted.n_services; i++)
			if (s->weighted.services[i].weight > 0)
				total += s->weighted.services[i].weight;
		for (i = 0; i < s->weighted.n_services; i++) {
			const struct cfg_weighted_child *ch = &s->weighted.services[i];

			flatten(c, udp, ch->name,
				ch->weight > 0 && total ? scale * ch->weight / total : 0,
				depth + 1, f);
		}
		return;
	}
	/* loadBalancer: first the effective weights, then the shares */
	for (i = 0; i < s->lb.n_servers; i++) {
		const struct cfg_l4_server *sv = &s->lb.servers[i];
		const struct l4plan_override *o = find_ov(c, s->name, sv->address);
		int w = o && o->weight >= 0 ? o->weight : sv->weight;
		bool down = o && o->down > 0;

		if (w > 0 && !down)
			total += w;
	}
	for (i = 0; i < s->lb.n_servers; i++) {
		const struct cfg_l4_server *sv = &s->lb.servers[i];
		const struct l4plan_override *o = find_ov(c, s->name, sv->address);
		int w = o && o->weight >= 0 ? o->weight : sv->weight;
		struct l4plan_backend be;

		if (l4plan_parse_backend(sv->address, &be)) {
			diag(c, "service %s: server %s is not an IP:port literal, left out",
			     s->name, sv->address);
			continue;
		}
		be.down = o && o->down > 0;
		if (flat_add(f, &be, w > 0 && !be.down && total ?
				     scale * w / total : 0))
			c->err = -ENOMEM;
	}
}

/* True for HostSNI(`*`) (any quoting, any spacing). */
static bool rule_is_catchall(const char *rule)
{
	char buf[64];
	size_t n = 0;

	for (; rule && *rule && n < sizeof(buf) - 1; rule++)
		if (!isspace((unsigned char)*rule))
			buf[n++] = *rule == '"' ? '`' : *rule;
	buf[n] = '\0';
	return !strcmp(buf, "HostSNI(`*`)");
}

static int add_vip(struct ctx *c, const struct l4plan_vip *tmpl,
		   const struct flat *f, uint8_t family)
{
	struct l4plan_vip *v, *vv;
	size_t i, n = 0;
	char **kids;

	for (i = 0; i < f->n; i++)
		n += f->be[i].family == family;
	if (!n)
		return 0;
	if (l4plan_find(c->plan, &tmpl->key)) {
		diag(c, "router %s: %s is already served by another router, left out",
		     tmpl->router, tmpl->name);
		return 0;
	}
	vv = realloc(c->plan->vips, (c->plan->n_vips + 1) * sizeof(*vv));
	if (!vv)
		return -ENOMEM;
	c->plan->vips = vv;
	kids = realloc(c->plan->kids, (c->plan->n_vips + 1) * sizeof(*kids));
	if (!kids)
		return -ENOMEM;
	c->plan->kids = kids;
	kids[c->plan->n_vips] = malloc(2 * sizeof(struct lb_vip_key) + 1);
	if (!kids[c->plan->n_vips])
		return -ENOMEM;
	v = &vv[c->plan->n_vips];
	*v = *tmpl;
	v->key.family = family;
	strmap_hexkey(&v->key, sizeof(v->key), kids[c->plan->n_vips]);
	v->be = calloc(n, sizeof(*v->be));
	v->router = strdup(tmpl->router);
	v->service = strdup(tmpl->service);
	if (!v->be || !v->router || !v->service) {
		free(v->be);
		free(v->router);
		free(v->service);
		free(kids[c->plan->n_vips]);
		return -ENOMEM;
	}
	if (strmap_add(&c->plan->idx, kids[c->plan->n_vips], c->plan->n_vips,
		       NULL) < 0) {
		free(v->be);
		free(v->router);
		free(v->service);
		free(kids[c->plan->n_vips]);
		return -ENOMEM;
	}
	c->plan->n_vips++;
	for (i = 0; i < f->n; i++) {
		struct l4plan_backend *b;

		if (f->be[i].family != family)
			continue;
		b = &v->be[v->n_be++];
		*b = f->be[i];
		b->weight = llround(f->share[i] * L4PLAN_WEIGHT_SCALE);
		if (!b->weight && f->share[i] > 0)
			b->weight = 1;
	}
	return 0;
}

/* Names and keys VIP @t for @family at @addr (NULL: wildcard). */
static void vip_key(struct l4plan_vip *t, const struct cfg_entry_point *ep,
		    bool udp, uint8_t family, const __be32 *addr)
{
	const char *proto = udp ? "udp" : "tcp";
	bool v6 = family == LB_AF_INET6;

	memset(&t->key, 0, sizeof(t->key));
	if (addr)
		memcpy(t->key.addr, addr, v6 ? 16 : 4);
	t->key.port = htons(ep->port);
	t->key.proto = udp ? IPPROTO_UDP : IPPROTO_TCP;
	t->key.family = family;
	if (addr)
		snprintf(t->name, sizeof(t->name), "%s%s%s:%u/%s", v6 ? "[" : "",
			 ep->host, v6 ? "]" : "", ep->port, proto);
	else
		snprintf(t->name, sizeof(t->name), "%s:%u/%s",
			 v6 ? "[::]" : "0.0.0.0", ep->port, proto);
}

static bool router_on(const struct cfg_l4_router *r, const char *ep)
{
	size_t j;

	if (!r->entry_points.n)
		return true;	/* Traefik: every entryPoint of the protocol */
	for (j = 0; j < r->entry_points.n; j++)
		if (!strcmp(r->entry_points.v[j], ep))
			return true;
	return false;
}

/* True when a TCP router on @ep routes by SNI or TLS: the proxy must read
 * the ClientHello of every connection there, which the kernel cannot do
 * at SYN time, so no catch-all of @ep can be steered by the kernel.
 */
static bool ep_routes_by_sni(const struct ctx *c, const struct cfg_entry_point *ep)
{
	size_t i;

	for (i = 0; i < c->cfg->n_tcp_routers; i++) {
		const struct cfg_l4_router *r = &c->cfg->tcp_routers[i];

		if (!r->broken && router_on(r, ep->name) &&
		    (!rule_is_catchall(r->rule) || r->tls || r->tls_passthrough))
			return true;
	}
	return false;
}

static void plan_entry_point(struct ctx *c, const struct cfg_l4_router *r,
			     const struct cfg_entry_point *ep, bool udp,
			     bool local, const struct flat *f)
{
	const struct cfg_l4_service *top = service(c, udp, r->service);
	enum cfg_fwd_mode mode = c->cfg->dataplane.forwarding;
	struct l4plan_vip t = {};
	__be32 addr[4] = {};
	uint8_t family = 0;

	if (top && top->kind == CFG_SVC_LOADBALANCER && top->lb.forwarding_set)
		mode = top->lb.forwarding;
	if (ep->host && *ep->host) {
		if (inet_pton(AF_INET, ep->host, addr) == 1)
			family = LB_AF_INET;
		else if (inet_pton(AF_INET6, ep->host, addr) == 1)
			family = LB_AF_INET6;
		else {
			diag(c, "entryPoint %s: host %s is not an IP literal; no VIP",
			     ep->name, ep->host);
			return;
		}
	}
	t.router = r->name;
	t.service = r->service;
	if (local && ep_routes_by_sni(c, ep)) {
		diag(c, "router %s: entryPoint %s also routes by SNI/TLS: left to the userspace proxy",
		     r->name, ep->name);
		return;
	}
	t.flags = mode == CFG_FWD_FULLNAT ? LB_VIP_F_FULLNAT : 0;
	if (local)
		t.flags = LB_VIP_F_LOCAL;	/* no translation in the kernel */
	t.udp_timeout_ns = ep->udp_timeout > 0 ? (uint64_t)ep->udp_timeout :
						 3000000000ull;
	if (family) {
		vip_key(&t, ep, udp, family, addr);
		if (add_vip(c, &t, f, family))
			c->err = -ENOMEM;
		return;
	}
	/* ":port": one wildcard VIP per family that has backends */
	vip_key(&t, ep, udp, LB_AF_INET, NULL);
	if (add_vip(c, &t, f, LB_AF_INET))
		c->err = -ENOMEM;
	vip_key(&t, ep, udp, LB_AF_INET6, NULL);
	if (add_vip(c, &t, f, LB_AF_INET6))
		c->err = -ENOMEM;
}

static int size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static void plan_router(struct ctx *c, const struct cfg_l4_router *r, bool udp)
{
	size_t i, *eps, n_eps = 0;
	struct flat f = {};
	bool local = false;

	if (r->broken)
		return;
	if (!udp && (!rule_is_catchall(r->rule) || r->tls || r->tls_passthrough)) {
		diag(c, "router %s: rule %s needs the userspace proxy (only HostSNI(`*`) runs in the kernel)",
		     r->name, r->rule ? r->rule : "(none)");
		return;
	}
	/* proxyProtocol or terminationDelay: the kernel still chooses the
	 * backend, and steers the connection to sluiced's proxy.
	 */
	if (!udp && config_tcp_service_needs_proxy(c->cfg, r->service)) {
		diag(c, "router %s: service %s needs the userspace proxy (proxyProtocol or terminationDelay): steered to it",
		     r->name, r->service);
		local = true;
	}
	flatten(c, udp, r->service, 1.0, 0, &f);
	/* the router's entryPoints in configuration order (every one of
	 * the protocol when it lists none, as Traefik), found by name: not
	 * a scan of every entryPoint for every router
	 */
	eps = calloc(r->entry_points.n ? r->entry_points.n :
		     c->cfg->n_entry_points + 1, sizeof(*eps));
	if (!eps) {
		c->err = -ENOMEM;
		goto out_free;
	}
	for (i = 0; !r->entry_points.n && i < c->cfg->n_entry_points; i++)
		eps[n_eps++] = i;
	for (i = 0; i < r->entry_points.n; i++) {
		const struct cfg_entry_point *ep =
			config_entry_point(c->cfg, r->entry_points.v[i]);

		if (ep)
			eps[n_eps++] = (size_t)(ep - c->cfg->entry_points);
	}
	qsort(eps, n_eps, sizeof(*eps), size_cmp);
	for (i = 0; i < n_eps; i++) {
		const struct cfg_entry_point *ep = &c->cfg->entry_points[eps[i]];

		if (i && eps[i] == eps[i - 1])
			continue;	/* listed twice */
		if ((ep->proto == CFG_PROTO_UDP) == udp)
			plan_entry_point(c, r, ep, udp, local, &f);
	}
	free(eps);
out_free:
	free(f.be);
	free(f.share);
}

static int prio_cmp(const void *a, const void *b)
{
	const struct cfg_l4_router *x = *(const struct cfg_l4_router *const *)a;
	const struct cfg_l4_router *y = *(const struct cfg_l4_router *const *)b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Plans @n routers in priority order (Traefik: highest first). */
static void plan_routers(struct ctx *c, const struct cfg_l4_router *r,
			 size_t n, bool udp)
{
	const struct cfg_l4_router **order;
	size_t i;

	order = calloc(n ? n : 1, sizeof(*order));
	if (!order) {
		c->err = -ENOMEM;
		return;
	}
	for (i = 0; i < n; i++)
		order[i] = &r[i];
	qsort(order, n, sizeof(*order), prio_cmp);
	for (i = 0; i < n && !c->err; i++)
		plan_router(c, order[i], udp);
	free(order);
}

struct l4plan *l4plan_build(const struct config *cfg,
			    const struct l4plan_override *ov, size_t n_ov)
{
	struct ctx c = { .cfg = cfg, .ov = ov, .n_ov = n_ov };

	c.plan = calloc(1, sizeof(*c.plan));
	if (!c.plan)
		return NULL;
	plan_routers(&c, cfg->tcp_routers, cfg->n_tcp_routers, false);
	plan_routers(&c, cfg->udp_routers, cfg->n_udp_routers, true);
	if (c.err) {
		l4plan_free(c.plan);
		errno = -c.err;
		return NULL;
	}
	return c.plan;
}

void l4plan_free(struct l4plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_vips; i++) {
		free(p->vips[i].be);
		free(p->vips[i].router);
		free(p->vips[i].service);
	}
	for (i = 0; i < p->n_diags; i++)
		free(p->diags[i]);
	for (i = 0; i < p->n_vips; i++)
		free(p->kids[i]);
	free(p->kids);
	strmap_free(&p->idx);
	free(p->diags);
	free(p->vips);
	free(p);
}

const struct l4plan_vip *l4plan_find(const struct l4plan *p,
				     const struct lb_vip_key *k)
{
	char kid[2 * sizeof(*k) + 1];
	size_t i;

	strmap_hexkey(k, sizeof(*k), kid);
	return strmap_get(&p->idx, kid, &i) && i < p->n_vips ?
	       &p->vips[i] : NULL;
}
