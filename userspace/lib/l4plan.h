/* l4plan: turns the configuration's tcp/udp routers and services into
 * what the kernel data plane balances: VIPs (entryPoint address, port,
 * protocol; a wildcard entryPoint ":5432" becomes one wildcard VIP per
 * address family that has backends) with flattened backend weights.
 *
 * Selection semantics (Traefik's): a loadBalancer server's weight
 * defaults to 1; a weighted service gives each child weight x the child's
 * own server shares, nested; a server of weight 0 takes no new flows
 * (drain) but stays usable by existing flows; a server marked down takes
 * none and its flows move (UDP) or end (TCP).
 *
 * Only routers the kernel can serve are planned: TCP routers whose rule
 * is HostSNI(`*`) without TLS, and UDP routers; every other router is
 * left to the userspace proxy (reported in diags). A planned TCP router
 * whose service needs the userspace proxy (proxyProtocol,
 * terminationDelay: config_tcp_service_needs_proxy()) gets
 * LB_VIP_F_LOCAL VIPs: the kernel selects, sluiced's proxy connects
 * (kernel steering, docs/datapath.md); not on an entryPoint where some
 * router routes by SNI or TLS (the kernel cannot read a ClientHello at
 * SYN time). Pure: no I/O except parsing address literals.
 */
#ifndef LB_L4PLAN_H
#define LB_L4PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_types.h"
#include "strmap.h"
#include "lb_abi.h"

#define L4PLAN_WEIGHT_SCALE	1000000	/* weight 1.0 after flattening */

struct l4plan_backend {
	char key[64];		/* "10.0.0.2:80" / "[fd00::2]:80"; identity */
	__be32 addr[4];
	uint16_t port;		/* host order */
	uint8_t family;		/* LB_AF_INET or LB_AF_INET6 */
	bool down;		/* health: takes nothing, flows move */
	uint64_t weight;	/* flattened, x L4PLAN_WEIGHT_SCALE; 0 drains */
};

struct l4plan_vip {
	struct lb_vip_key key;	/* zeroed padding, ready for the map */
	char name[80];		/* "10.0.0.1:80/tcp", "*:5432/tcp (v6)" */
	char *router;		/* qualified; owned */
	char *service;		/* qualified; owned */
	uint32_t flags;		/* enum lb_vip_flags */
	uint64_t udp_timeout_ns;
	struct l4plan_backend *be;	/* owned */
	size_t n_be;
};

/* A runtime change of one server (sluice server set). */
struct l4plan_override {
	char *service;		/* qualified service holding the server */
	char *address;		/* server address as configured */
	int weight;		/* < 0: unchanged */
	int down;		/* < 0: unchanged; 0 up; 1 down */
};

struct l4plan {
	struct l4plan_vip *vips;
	size_t n_vips;
	struct strmap idx;	/* hex of vips[i].key -> i (l4plan_find) */
	char **kids;		/* the index's keys, one per VIP; owned */
	char **diags;		/* notes for the log; owned */
	size_t n_diags;
};

/* Builds the plan of @cfg with @ov (@n_ov entries, may be NULL) applied.
 * Returns the plan, or NULL with errno set (ENOMEM). Caller owns; free
 * with l4plan_free().
 */
struct l4plan *l4plan_build(const struct config *cfg,
			    const struct l4plan_override *ov, size_t n_ov);
void l4plan_free(struct l4plan *p);

/* The VIP of @p with key @k, or NULL. Borrowed. */
const struct l4plan_vip *l4plan_find(const struct l4plan *p,
				     const struct lb_vip_key *k);

/* Parses "host:port" / "[v6]:port" (IP literals only) into @be's address,
 * port, family and key. Returns 0 or -EINVAL.
 */
int l4plan_parse_backend(const char *address, struct l4plan_backend *be);

#endif /* LB_L4PLAN_H */
