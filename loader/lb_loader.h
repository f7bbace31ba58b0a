/* The data plane's loader: skeleton lifecycle (open -> load -> attach),
 * with every map pinned under <pin root>/v<LB_ABI_VERSION>/ and every XDP
 * attachment held by a pinned bpf_link (link_<ifname>) there. A second
 * load re-uses the pinned maps (flows survive a restart or upgrade of
 * sluiced) and a second attach swaps the program inside the existing
 * link (bpf_link_update(): no moment without a program).
 *
 * Why bpf_link and not libxdp: libxdp 1.3's multi-program dispatcher
 * loads the BPF object itself (as freplace extensions) and is replaced
 * whole on every change; on the project's kernels its freplace probe is
 * refused (EPERM) and libxdp falls back to one netlink-attached program,
 * which cannot be swapped atomically nor pinned. Pinned links give
 * restart survival, atomic upgrade and forced detach with one mechanism
 * (docs/datapath.md). The
 * native -> generic fallback is done here the way libxdp does it.
 *
 * Return convention: 0 or -errno; constructors NULL with errno set.
 */
#ifndef LB_LOADER_H
#define LB_LOADER_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "lbmap.h"

enum lb_xdp_mode {
	LB_XDP_AUTO,		/* native, falling back to generic */
	LB_XDP_NATIVE,
	LB_XDP_SKB,
};

struct lb_loader_opts {
	const char *pin_root;	/* default LB_PIN_ROOT */
	uint32_t flow_entries;	/* lb_flows/lb_rflows size; 0: default */
};

struct lb_loader;

/* Opens the skeleton and prepares pinning (bpffs mounted if missing).
 * Caller owns; free with lb_loader__close() (pins and links stay).
 */
struct lb_loader *lb_loader__open(const struct lb_loader_opts *opts);
/* Loads the program, re-using every pinned map or pinning new ones. On
 * a fresh load writes LB_ABI_VERSION into lb_cfg. -EINVAL: a pinned map
 * does not match (e.g. another flow table size).
 */
int lb_loader__load(struct lb_loader *ld);
/* True when lb_loader__load() found the maps already pinned. */
bool lb_loader__reused(const struct lb_loader *ld);
/* The map fds, indexed by enum lbmap_id; borrowed from @ld. */
void lb_loader__map_fds(const struct lb_loader *ld, int *fds);
/* Versioned pin folder; borrowed. */
const char *lb_loader__pin_dir(const struct lb_loader *ld);
/* Attaches the program to @ifname in @mode, or swaps it into the pinned
 * link already there. *@used (may be NULL) gets the mode in effect.
 */
int lb_loader__attach(struct lb_loader *ld, const char *ifname,
		      enum lb_xdp_mode mode, enum lb_xdp_mode *used);
/* Attaches the sk_lookup program (kernel steering, bpf/lb_steer.h) to
 * the caller's network namespace with a link pinned as
 * LB_PIN_STEER_LINK, or swaps the program into the pinned link already
 * there (restarts keep it). Returns 0 or -errno.
 */
int lb_loader__attach_steer(struct lb_loader *ld);
/* Attaches a TC program to @ifname's ingress with a tcx link pinned as
 * tc_<ifname>, or swaps it into the link already there: lb_tc (transmits
 * what the XDP program marked, bpf/lb_xmit.h) or, with @balance, lb_tc_lb
 * (the whole balancer at TC, `hook: tc`; it also transmits marked
 * packets, so a reload can move an interface between hooks with no gap).
 * -EINVAL or -EOPNOTSUPP where the kernel has no tcx (before 6.6):
 * without lb_tc translated packets take the kernel's routing path.
 */
int lb_loader__attach_tc(struct lb_loader *ld, const char *ifname,
			 bool balance);
void lb_loader__close(struct lb_loader *ld);

/* The rest works from pins alone (CLI, sluiced --detach). */

struct lb_link_info {
	char ifname[IF_NAMESIZE];
	uint32_t ifindex;	/* 0: the interface is gone */
	bool xdp;		/* an XDP link is pinned: */
	uint32_t link_id;
	uint32_t prog_id;
	enum lb_xdp_mode mode;	/* native or skb, as the kernel reports */
	bool tc;		/* a TC link is pinned: */
	uint32_t tc_link_id;
	uint32_t tc_prog_id;
	bool tc_balance;	/* it runs lb_tc_lb (hook tc), not lb_tc */
};

/* Fills up to @max entries of @out with the interfaces that have pinned
 * links under @pin_root, one entry each. Returns how many, or -errno.
 */
int lb_pins_links(const char *pin_root, struct lb_link_info *out, int max);
/* Detaches and unpins the XDP and TC links of @ifname. -ENOENT if it has
 * neither.
 */
int lb_pins_detach_iface(const char *pin_root, const char *ifname);
/* Detaches and unpins @ifname's XDP link only. -ENOENT if none. */
int lb_pins_detach_xdp(const char *pin_root, const char *ifname);
/* The pinned sk_lookup link: its ids, and whether it serves the
 * caller's network namespace. Returns 0, -ENOENT (none) or -errno.
 */
struct lb_steer_info {
	uint32_t link_id;
	uint32_t prog_id;
	bool this_netns;
};
int lb_pins_steer(const char *pin_root, struct lb_steer_info *out);
/* Detaches every pinned link (XDP and sk_lookup) and removes every pin
 * and the folders.
 */
int lb_pins_remove_all(const char *pin_root);
/* Pins of other ABI versions (<pin_root>/v<N>/, N != LB_ABI_VERSION) are
 * never opened, reused or removed. Finds the link another version pinned
 * for @ifname (what makes attaching fail with -EBUSY) and writes its path
 * to @path. Returns 1 if found, 0 if not, or -errno.
 */
int lb_pins_other_abi_link(const char *pin_root, const char *ifname,
			   char *path, size_t len);

/* Fills the zero SNAT fields of @ifc with @ifname's own first IPv4 and
 * first non-link-local IPv6 address. Returns 0 or -errno.
 */
int lb_iface_addrs(const char *ifname, struct lb_iface *ifc);
/* What netlink says of an interface (IFLA_INFO_KIND, IFLA_LINK_NETNSID;
 * not /sys, which may show another namespace's devices).
 */
struct lb_iface_facts {
	bool pair;		/* a veth or netkit device */
	bool peer_elsewhere;	/* ... whose peer lives in another network
				 * namespace: what bpf_redirect_peer() needs */
};
/* Fills @f for @ifname. Returns 0 or -errno (all false then). */
int lb_iface_facts(const char *ifname, struct lb_iface_facts *f);

const char *lb_xdp_mode_name(enum lb_xdp_mode mode);

#endif /* LB_LOADER_H */
