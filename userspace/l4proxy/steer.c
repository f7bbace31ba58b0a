/* Kernel steering on the userspace proxy's side (docs/datapath.md,
 * "Kernel steering"): an entryPoint whose VIPs the data plane marked
 * LB_VIP_F_LOCAL gets a listener that the sk_lookup program feeds (it is
 * bound on loopback, port chosen by the kernel, and registered in
 * lb_steer under each such VIP key), and each accepted connection goes
 * to the backend the XDP program chose for its flow (lb_flows ->
 * lb_backends). A connection the XDP program did not see (from the
 * balancer itself, through an interface without XDP, or after its flow
 * entry was evicted) falls back to the proxy's own WRR and is counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "l4_internal.h"
#include "lbmap.h"

/* @sa as an lb address of @family; v4-mapped IPv6 counts as IPv4. */
static int sa_to_lb(const struct sockaddr_storage *sa, __be32 *addr,
		    __be16 *port, __u8 *family)
{
	const struct sockaddr_in6 *s6 = (const void *)sa;
	const struct sockaddr_in *s4 = (const void *)sa;

	memset(addr, 0, 16);
	if (sa->ss_family == AF_INET) {
		addr[0] = s4->sin_addr.s_addr;
		*port = s4->sin_port;
		*family = LB_AF_INET;
	} else if (sa->ss_family == AF_INET6 &&
		   IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		memcpy(addr, &s6->sin6_addr.s6_addr[12], 4);
		*port = s6->sin6_port;
		*family = LB_AF_INET;
	} else if (sa->ss_family == AF_INET6) {
		memcpy(addr, &s6->sin6_addr, 16);
		*port = s6->sin6_port;
		*family = LB_AF_INET6;
	} else {
		return -EAFNOSUPPORT;
	}
	return 0;
}

int l4_steer_keys(const struct l4proxy *px, const struct l4_entry *e,
		  struct lb_vip_key *keys)
{
	struct lb_vip_key k[2];
	__be32 addr[4];
	__be16 port;
	__u8 family;
	struct lb_vip v;
	int i, n = 0, nk;

	if (!px->steer || !px->dp_active || e->udp || !e->serve ||
	    e->n_routes || !e->notls)
		return 0;
	if (sa_to_lb(&e->bind, addr, &port, &family))
		return 0;
	if (e->any_host) {
		lbmap_vip_key(&k[0], LB_AF_INET, NULL, ntohs(port), IPPROTO_TCP);
		lbmap_vip_key(&k[1], LB_AF_INET6, NULL, ntohs(port), IPPROTO_TCP);
		nk = 2;
	} else {
		lbmap_vip_key(&k[0], family, addr, ntohs(port), IPPROTO_TCP);
		nk = 1;
	}
	for (i = 0; i < nk; i++)
		if (!lbmap_vip_get(px->steer, &k[i], &v) &&
		    (v.flags & LB_VIP_F_LOCAL))
			keys[n++] = k[i];
	return n;
}

int l4_steer_register(const struct l4_listener *l)
{
	int i, err;

	for (i = 0; i < l->n_steer; i++) {
		err = lbmap_steer_set(l->px->steer, &l->steer_keys[i], l->fd);
		if (err)
			return err;
	}
	return 0;
}

int l4_steer_tuple(const struct sockaddr_storage *peer,
		   const struct sockaddr_storage *local, struct lb_flow_key *fk)
{
	__u8 fa, fb;

	memset(fk, 0, sizeof(*fk));
	if (sa_to_lb(peer, fk->src, &fk->sport, &fa) ||
	    sa_to_lb(local, fk->dst, &fk->dport, &fb) || fa != fb)
		return -EAFNOSUPPORT;
	fk->family = fa;
	fk->proto = IPPROTO_TCP;
	return 0;
}

static bool server_is(const struct l4_server *s, const struct lb_backend *be)
{
	__be32 addr[4];
	__be16 port;
	__u8 family;

	if (!s->resolved || sa_to_lb(&s->sa, addr, &port, &family))
		return false;
	return family == be->family && port == be->port &&
	       !memcmp(addr, be->addr, sizeof(addr));
}

/* The server of @svc's tree at @be's address, with its loadBalancer. */
static struct l4_server *find_server(struct l4_service *svc,
				     const struct lb_backend *be,
				     struct l4_service **leaf, int depth)
{
	struct l4_server *s;
	size_t i;

	if (!svc || svc->broken || depth > 8)
		return NULL;
	if (svc->kind == CFG_SVC_LOADBALANCER) {
		for (i = 0; i < svc->n_servers; i++)
			if (server_is(&svc->servers[i], be)) {
				*leaf = svc;
				return &svc->servers[i];
			}
		return NULL;
	}
	for (i = 0; i < svc->n_children; i++) {
		s = find_server(svc->children[i], be, leaf, depth + 1);
		if (s)
			return s;
	}
	return NULL;
}

struct l4_server *l4_steer_pick(const struct l4proxy *px,
				const struct lb_flow_key *fk,
				struct l4_service *svc, struct l4_service **leaf)
{
	struct lb_backend be;
	struct lb_flow f;

	if (!px->steer || lbmap_flow_get(px->steer, fk, &f) ||
	    !(f.flags & LB_VIP_F_LOCAL) ||
	    lbmap_backend_get(px->steer, f.backend_id, &be) ||
	    (uint16_t)be.gen != f.backend_gen || !(be.flags & LB_BE_F_ACTIVE))
		return NULL;
	return find_server(svc, &be, leaf, 0);
}
