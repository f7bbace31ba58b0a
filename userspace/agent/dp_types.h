/* sluiced data plane subsystem: private state shared by dataplane.c
 * (lifecycle, interfaces, control) and dp_apply.c (writing plans into the
 * maps). Not for other modules.
 */
#ifndef LB_AGENT_DP_TYPES_H
#define LB_AGENT_DP_TYPES_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb_abi.h"
#include "lb_loader.h"
#include "lbmap.h"
#include "strmap.h"

struct agent;
struct l4plan;
struct l4plan_override;

struct dp_backend {
	char key[64];		/* l4plan_backend.key; "" when free */
	char ikey[80];		/* "vip_id|key": its dp_index key */
	uint32_t vip_id;	/* with key: the backend's identity */
	uint32_t gen;		/* last generation handed out for this id */
	uint8_t flags;		/* as written to lb_backends */
};

struct dp_vip {
	bool used;
	struct lb_vip_key key;
	char ikey[2 * sizeof(struct lb_vip_key) + 1];	/* hex: dp_index */
};

struct dp_addr {
	struct lb_addr a;
	char ikey[2 * sizeof(struct lb_addr) + 1];	/* hex: dp_index */
	bool used;		/* index taken (flows may still point here) */
	bool indexed;		/* published in lb_addr_idx */
	bool wanted;		/* scratch for addrs_sync() */
};

struct dp_iface {
	char name[IF_NAMESIZE];
	enum lb_xdp_mode mode;	/* hook xdp: the mode in effect */
	bool tc_hook;		/* the balancer runs at TC ingress */
};

/* Name indexes of the id tables, alive during one dp_plan_apply():
 * finding a backend's, VIP's or address's id is O(1), not a scan of
 * every id (10,000 VIPs made an apply O(n^2)). Free slots are searched
 * from a cursor, once per apply.
 */
struct dp_index {
	struct strmap be, vip, addr;
	int be_free, vip_free, addr_free;	/* no free id below these */
	bool built;
};

struct dataplane {
	struct agent *a;
	struct lb_loader *ld;
	struct lbmap maps;
	char root[PATH_MAX];
	struct l4plan *applied;		/* owned; NULL until the first apply */
	struct l4plan_override *ov;	/* owned, from "server set" */
	size_t n_ov;
	bool subscribed;		/* to the agent's health registry */
	struct dp_backend be[LB_MAX_BACKENDS];
	struct dp_vip vip[LB_MAX_VIPS];
	struct dp_addr addr[LB_MAX_ADDRS];
	struct dp_index idx;
	struct dp_iface ifaces[LB_MAX_IFACES];
	size_t n_ifaces;
	bool reused;
	bool steer;			/* sk_lookup link attached (dp_steer.c) */
	struct dp_gc *gc;		/* flow table GC thread (dp_gc.c) */
};

#endif /* LB_AGENT_DP_TYPES_H */
