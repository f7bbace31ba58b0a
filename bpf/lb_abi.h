/* The ABI of sluice's kernel data plane: every byte that crosses the
 * BPF/userspace boundary (map keys and values, map and pin names, counter
 * indexes, limits and the flow hash) is defined here and only here.
 * Included by bpf/lb.bpf.c and by userspace (lbmap, loader, CLI, tests).
 *
 * Rules: fixed-width UAPI types only, largest fields first, explicit pad
 * members, a _Static_assert after every struct. Callers zero whole keys
 * before filling them: hash maps compare every byte, padding included.
 * Addresses are network order in __be32[4]; IPv4 uses [0], rest zero.
 * Changing any layout below means bumping LB_ABI_VERSION: the loader pins
 * under a versioned folder and refuses maps of another version.
 */
#ifndef LB_ABI_H
#define LB_ABI_H

#include <linux/types.h>

/* v2: per-VIP ring sizes (lb_vip.ring_size, packed struct lb_ring_slot
 * inner maps of differing size), 16384 VIPs, 1024 backends per VIP. v1
 * pins (<root>/v1/) are never opened or removed by a v2 binary.
 */
#define LB_ABI_VERSION		2

/* ---- limits -------------------------------------------------------- */

#define LB_MAX_VIPS		16384	/* vip_id < LB_MAX_VIPS (lb_rflow.vip_id
					 * is 16 bits) */
#define LB_MAX_BACKENDS		32768	/* backend id < LB_MAX_BACKENDS (flows
					 * and ring slots keep 16 bits; 0xffff
					 * is LB_RING_NONE): 10,000 VIPs of 3;
					 * lb_be_stats costs 32 B x CPUs each */
#define LB_MAX_VIP_BACKENDS	1024	/* distinct backends in one ring */
/* Maglev table sizes (lb_vip.ring_size), chosen per VIP by
 * lbmap_ring_size() (userspace/lib/lbmap.h): the smallest prime >=
 * 100 x the VIP's distinct backends rounded up to a power of two (a ring
 * changes size only when that count crosses one), and never below
 * LB_RING_MIN, so shares stay within 0.1 % of the weights.
 */
#define LB_RING_MIN		1021	/* prime */
#define LB_RING_MAX		102407	/* prime >= 100 x LB_MAX_VIP_BACKENDS */
#define LB_RING_PER_SLOT	4	/* backend ids per struct lb_ring_slot */
#define LB_RING_NONE		0xffff	/* id in a slot of an empty ring */
/* Flow times are kept in ticks of 2^LB_TICK_SHIFT ns (~1.05 ms) in 32 bits:
 * they wrap after ~52 days, far beyond any flow's age limit. The clock is
 * bpf_ktime_get_coarse_ns() (CLOCK_MONOTONIC at jiffy resolution, 1-4 ms
 * behind CLOCK_MONOTONIC): reading it costs no clocksource access, which
 * under kvm-clock was ~80 ns a packet.
 */
#define LB_TICK_SHIFT		20
#define LB_FIB_CACHE_SIZE	4096	/* replies and ICMP errors: packets to
					 * backends cache in lb_backends */
#define LB_FIB_TTL_TICKS	1000	/* ~1.05 s: route/neighbour changes
					 * reach cached flows this late */
#define LB_PORT_WORDS		1024	/* 65536 port bits in __u64 words */
#define LB_MAX_IFACES		64
#define LB_MAX_ADDRS		20480	/* VIP and local addresses (lb_addrs):
					 * one per VIP + 4096 local; below
					 * 65536 (lb_rflow.vip_addr_idx) */
#define LB_ADDR_NONE		0xffffffffu	/* lb_vip.addr_idx of a wildcard */
#define LB_FLOWS_DEFAULT	1048576
#define LB_BACKEND_NONE		0xffffffffu	/* no backend (userspace's view of
						 * LB_RING_NONE, maglev's MAGLEV_NONE) */

/* ---- map and pin names (<= 15 characters: BPF_OBJ_NAME_LEN - 1) ------ */

#define LB_MAP_CFG		"lb_cfg"
#define LB_MAP_VIPS		"lb_vips"
#define LB_MAP_RING		"lb_rings"
#define LB_MAP_BACKENDS		"lb_backends"
#define LB_MAP_FLOWS		"lb_flows"
#define LB_MAP_RFLOWS		"lb_rflows"
#define LB_MAP_IFACES		"lb_ifaces"
#define LB_MAP_ADDRS		"lb_addrs"
#define LB_MAP_ADDR_IDX		"lb_addr_idx"
#define LB_MAP_FIB_CACHE	"lb_fib_cache"
#define LB_MAP_FIB_SCRATCH	"lb_fib_scratch"	/* per CPU, not pinned */
#define LB_MAP_PORTS		"lb_ports"
#define LB_MAP_STATS		"lb_stats"
#define LB_MAP_VIP_STATS	"lb_vip_stats"
#define LB_MAP_BE_STATS		"lb_be_stats"
#define LB_MAP_STEER		"lb_steer"
#define LB_MAP_RVIPS		"lb_rvips"
#define LB_PIN_ROOT		"/sys/fs/bpf/sluice"
/* Pins live in <root>/v<LB_ABI_VERSION>/; links are named link_<ifname>. */
#define LB_PIN_LINK_PREFIX	"link_"
/* The sk_lookup link of sluiced's network namespace (kernel steering). */
#define LB_PIN_STEER_LINK	"steer_netns"
/* The TC ingress (tcx) link of an interface: tc_<ifname>. */
#define LB_PIN_TC_PREFIX	"tc_"

/* ---- flags ---------------------------------------------------------- */

enum lb_family {
	LB_AF_INET = 2,		/* = AF_INET */
	LB_AF_INET6 = 10,	/* = AF_INET6 */
};

/* lb_vip.flags */
enum lb_vip_flags {
	LB_VIP_F_FULLNAT = 1 << 0,	/* also rewrite the source (SNAT) */
	/* Steered to the local proxy: the XDP program picks the backend
	 * (ring, health, weights), records the flow and passes the packet
	 * untranslated; lb_steer_sk hands the connection to sluiced's
	 * listener, which connects to the flow's backend.
	 */
	LB_VIP_F_LOCAL = 1 << 1,
};

/* lb_backend.flags */
enum lb_backend_flags {
	LB_BE_F_ACTIVE = 1 << 0,	/* exists and healthy: flows may use it */
	/* Its address:port serves this one nat VIP and nothing else
	 * (lb_rvips has it): its flows get no lb_rflows entry, replies
	 * find their flow through lb_rvips. Set after the lb_rvips entry
	 * is written, cleared before it is removed.
	 */
	LB_BE_F_RVIP = 1 << 1,
};

/* lb_iface.flags */
enum lb_iface_flags {
	/* Frames may be XDP_REDIRECTed into this device (its peer takes XDP
	 * frames); otherwise translated packets are passed up, carrying a
	 * struct lb_xmit_meta, to lb_tc on the ingress interface, which
	 * redirects the skb here (or, without lb_tc, the kernel routes it).
	 */
	LB_IFACE_F_REDIRECT = 1 << 0,
	/* A veth (or netkit) whose peer is in another network namespace:
	 * the TC hook hands packets leaving by it straight to the peer's
	 * receive path with bpf_redirect_peer() (no transmit, no backlog
	 * queue). Set by sluiced from the interface's netlink facts.
	 */
	LB_IFACE_F_PEER = 1 << 1,
};

/* XDP metadata (in front of the frame, bpf_xdp_adjust_meta()) on a
 * translated packet passed up: lb_tc redirects it to @ifindex with
 * bpf_redirect_neigh() (the kernel's neighbour resolution, no routing
 * and no netfilter on the way).
 */
struct lb_xmit_meta {
	__u32 magic;		/* LB_XMIT_MAGIC */
	__u32 ifindex;		/* egress, from bpf_fib_lookup() */
};
_Static_assert(sizeof(struct lb_xmit_meta) == 8, "lb_xmit_meta is ABI");
#define LB_XMIT_MAGIC		0x736c7463u	/* "sltc" */

/* lb_flow.state: TCP states that decide the entry's age limit. */
enum lb_flow_state {
	LB_FLOW_SYN = 1,	/* TCP: only the client's SYN seen */
	LB_FLOW_EST = 2,	/* TCP: a later client packet seen */
	LB_FLOW_CLOSING = 3,	/* TCP: FIN or RST seen */
	LB_FLOW_UDP = 4,	/* UDP: ages after the VIP's udp timeout */
};

/* ---- map layouts ---------------------------------------------------- */

/* lb_cfg[0]: global settings, written by the loader/agent. */
struct lb_cfg {
	__u64 tcp_syn_timeout_ns;	/* SYN-only entry age limit */
	__u64 tcp_est_timeout_ns;	/* established entry age limit */
	__u64 tcp_closing_timeout_ns;	/* after FIN/RST */
	__be32 snat4;			/* fallback SNAT source, IPv4 */
	__be32 snat6[4];		/* fallback SNAT source, IPv6 */
	__u32 abi_version;		/* LB_ABI_VERSION of the writer */
	__u16 snat_port_lo;		/* SNAT source ports, host order */
	__u16 snat_port_hi;		/* inclusive */
	__u32 pad;
};
_Static_assert(sizeof(struct lb_cfg) == 56, "lb_cfg is ABI");

/* Key of lb_vips. addr all zero is the wildcard VIP of its port. */
struct lb_vip_key {
	__be32 addr[4];
	__be16 port;
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family;		/* LB_AF_INET or LB_AF_INET6 */
};
_Static_assert(sizeof(struct lb_vip_key) == 20, "lb_vip_key is ABI");

/* Value of lb_vips. */
struct lb_vip {
	__u64 udp_timeout_ns;	/* UDP flow age limit (entryPoint udp.timeout) */
	__u32 vip_id;		/* index into lb_rings and lb_vip_stats */
	__u32 flags;		/* enum lb_vip_flags */
	__u32 n_backends;	/* active backends in the ring; 0: drop */
	__u32 addr_idx;		/* lb_addrs index of the VIP address, or
				 * LB_ADDR_NONE for a wildcard VIP */
	__u32 ring_size;	/* Maglev table size of this VIP's ring (a
				 * prime, LB_RING_MIN..LB_RING_MAX): a new
				 * flow takes position hash % ring_size */
	__u32 pad;
};
_Static_assert(sizeof(struct lb_vip) == 32, "lb_vip is ABI");

/* Value of a VIP's ring (inner map of lb_rings, index: position /
 * LB_RING_PER_SLOT): backend ids of LB_RING_PER_SLOT consecutive
 * positions, position p in id[p % LB_RING_PER_SLOT]. Array elements take
 * 8 bytes whatever the value, so four 16-bit ids per element cost a
 * quarter of one __u32 per element.
 */
struct lb_ring_slot {
	__u16 id[LB_RING_PER_SLOT];	/* backend id, or LB_RING_NONE */
};
_Static_assert(sizeof(struct lb_ring_slot) == 8, "lb_ring_slot is ABI");

/* A connection tuple, as on the wire: key of lb_flows (client -> VIP) and
 * of lb_rflows (backend -> balancer or client).
 */
struct lb_flow_key {
	__be32 src[4];
	__be32 dst[4];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u8 pad[2];
};
_Static_assert(sizeof(struct lb_flow_key) == 40, "lb_flow_key is ABI");

/* Value of lb_flows: where a client flow goes. Kept at 16 bytes (memory
 * per flow): the fullnat source address is not stored, it is the egress
 * interface's (lb_ifaces) or lb_cfg's, found again on every packet; times
 * are 32-bit ticks (LB_TICK_SHIFT).
 */
struct lb_flow {
	__u32 last_tick;	/* bpf_ktime_get_coarse_ns() >> LB_TICK_SHIFT, last packet */
	__u32 created_tick;	/* same clock, at creation */
	__u16 backend_id;
	__u16 backend_gen;	/* lb_backend.gen when chosen */
	__be16 snat_port;	/* fullnat source port, else 0 */
	__u8 state;		/* enum lb_flow_state */
	__u8 flags;		/* lb_vip.flags when created */
};
_Static_assert(sizeof(struct lb_flow) == 16, "lb_flow is ABI");

/* Value of lb_rflows: how to translate a reply back to the client. The
 * VIP address is an lb_addrs index (24 bytes instead of 40 per flow).
 */
struct lb_rflow {
	__be32 client[4];	/* becomes the reply's destination */
	__be16 client_port;
	__be16 vip_port;	/* becomes the reply's source port */
	__u16 vip_id;		/* replies count in this VIP's counters */
	__u16 vip_addr_idx;	/* lb_addrs[]: becomes the reply's source */
};
_Static_assert(sizeof(struct lb_rflow) == 24, "lb_rflow is ABI");

/* Value of lb_rvips (key: struct lb_vip_key of a backend's address,
 * port, protocol and family): the one nat VIP the backend serves. A reply
 * from it is translated when the flow it answers exists in lb_flows:
 * client -> VIP (lb_addrs[vip_addr_idx]:vip_port), on backend_id.
 */
struct lb_rvip {
	__u32 backend_id;
	__u16 vip_id;
	__u16 vip_addr_idx;
	__be16 vip_port;
	__u16 pad;
};
_Static_assert(sizeof(struct lb_rvip) == 12, "lb_rvip is ABI");

/* Value of lb_addrs (index: address index) and key of lb_addr_idx. */
struct lb_addr {
	__be32 addr[4];
	__u8 family;
	__u8 pad[3];
};
_Static_assert(sizeof(struct lb_addr) == 20, "lb_addr is ABI");

/* Key of lb_fib_cache: the destination a FIB answer is for. */
struct lb_fib_key {
	__be32 addr[4];
	__u8 family;
	__u8 pad[3];
};
_Static_assert(sizeof(struct lb_fib_key) == 20, "lb_fib_key is ABI");

/* Value of lb_ports (index: port >> 6; bit: port & 63, host order): the
 * pre-filter that lets non-balanced traffic pass after one array lookup.
 */
struct lb_port_bits {
	__u64 vip;		/* some VIP listens on this destination port */
	__u64 reply;		/* some backend answers from this source port */
};
_Static_assert(sizeof(struct lb_port_bits) == 16, "lb_port_bits is ABI");

/* Value of lb_ifaces (key: __u32 ifindex). */
struct lb_iface {
	__be32 snat6[4];	/* SNAT source when leaving here, IPv6 */
	__be32 snat4;		/* SNAT source when leaving here, IPv4 */
	__u32 flags;		/* enum lb_iface_flags */
};
_Static_assert(sizeof(struct lb_iface) == 24, "lb_iface is ABI");

/* Value of lb_fib_cache: a successful bpf_fib_lookup() answer and the
 * lb_ifaces entry of its egress interface, so a cached packet needs no
 * lb_ifaces lookup. lbmap_iface_set()/_del() drop the answers of the
 * interface they change.
 */
struct lb_fib_entry {
	struct lb_iface egress;	/* lb_ifaces[ifindex] when looked up; all
				 * zero when the interface is not there */
	__u32 ifindex;		/* egress */
	__u32 tick;		/* when looked up (LB_TICK_SHIFT clock) */
	__u8 smac[6];
	__u8 dmac[6];
};
_Static_assert(sizeof(struct lb_fib_entry) == 44, "lb_fib_entry is ABI");

/* Value of lb_backends (index: backend id). A backend is a server of one
 * VIP: the same address behind two VIPs is two backends, so a server
 * drained or down in one service stays up in another. The agent writes
 * the fields before route; lb_xdp keeps route, the FIB answer for addr,
 * so forwarding to a backend needs no lookup besides this one.
 */
struct lb_backend {
	__be32 addr[4];
	__u32 gen;		/* 1..65535, bumped when the id is reused: flows
				 * remember it (16 bits) and see the change */
	__u32 vip_id;		/* the VIP it serves */
	__be16 port;
	__u8 family;
	__u8 flags;		/* enum lb_backend_flags */
	struct lb_fib_entry route;	/* written by lb_xdp (tick 0: none);
					 * the agent writes it zero */
};
_Static_assert(sizeof(struct lb_backend) == 72, "lb_backend is ABI");

/* Value of lb_vip_stats and lb_be_stats (per-CPU arrays; sum the CPUs). */
struct lb_counters {
	__u64 pkts;
	__u64 bytes;
	__u64 new_flows;
	__u64 drops;
};
_Static_assert(sizeof(struct lb_counters) == 32, "lb_counters is ABI");

/* Index of lb_stats (per-CPU array of __u64): verdicts, events, drop
 * reasons. Keep lb_stat_names in sync (userspace/lib/lbmap.c).
 */
enum lb_stat_id {
	LB_STAT_RX,			/* packets seen */
	LB_STAT_PASS,			/* XDP_PASS, untouched */
	LB_STAT_TX_REDIRECT,		/* translated, XDP_REDIRECT */
	LB_STAT_TX_KERNEL,		/* translated, XDP_PASS to the stack */
	LB_STAT_DROP,			/* XDP_DROP (sum of reasons) */
	LB_STAT_FWD,			/* client -> backend translations */
	LB_STAT_REV,			/* backend -> client translations */
	LB_STAT_NEW_FLOW,
	LB_STAT_RESTEER,		/* UDP flow moved off a gone backend */
	LB_STAT_EXPIRED,		/* flow entry found but aged out */
	LB_STAT_FRAGMENT,		/* IP fragment: passed untouched */
	LB_STAT_IP_OPTIONS,		/* IPv4 with options: handled */
	LB_STAT_IPV6_EXT,		/* IPv6 extension header: passed */
	LB_STAT_MALFORMED,		/* truncated/bad lengths: passed */
	LB_STAT_FIB_MISS,		/* no route/neighbour: kernel path */
	LB_STAT_ICMP,			/* ICMP error about a flow, translated */
	LB_STAT_TCP_RESET,		/* RST sent for a flow whose backend is gone */
	LB_DROP_NO_BACKEND,		/* VIP has no active backend */
	LB_DROP_BACKEND_GONE,		/* TCP flow's backend removed/down (the
					 * packet becomes a RST: LB_STAT_TCP_RESET) */
	LB_DROP_NO_SNAT,		/* fullnat without source address */
	LB_DROP_SNAT_PORTS,		/* no free SNAT port */
	LB_DROP_FAMILY,			/* backend family differs from VIP */
	LB_DROP_FLOW_TABLE,		/* flow table update failed */
	LB_DROP_REDIRECT,		/* bpf_redirect failed */
	LB_STAT_LOCAL,			/* LB_VIP_F_LOCAL packet passed to the
					 * local proxy (flow recorded) */
	LB_STAT_STEER,			/* sk_lookup: connection handed to
					 * sluiced's listener */
	LB_STAT_STEER_NOSOCK,		/* sk_lookup: LOCAL VIP, no listener
					 * in lb_steer (normal lookup) */
	LB_STAT_TX_TC,			/* lb_tc: translated packet redirected
					 * as an skb (part of tx_kernel) */
	LB_DROP_TC_REDIRECT,		/* lb_tc: bpf_redirect_neigh() failed */
	LB_STAT_NR,
};

/* Flow hash shared by the data plane (ring position of a new flow) and
 * `sluice vip lookup` (which must predict it): a murmur3-style mix over
 * the tuple words. Pure, no helpers.
 */
static inline __u32 lb_hash_mix(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51u;
	k = (k << 15) | (k >> 17);
	k *= 0x1b873593u;
	h ^= k;
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xe6546b64u;
}

static inline __u32 lb_flow_hash(const struct lb_flow_key *k)
{
	__u32 h = 0x736c6963u;	/* "slic" */
	int i;

	for (i = 0; i < 4; i++)
		h = lb_hash_mix(h, k->src[i]);
	for (i = 0; i < 4; i++)
		h = lb_hash_mix(h, k->dst[i]);
	h = lb_hash_mix(h, ((__u32)k->sport << 16) | k->dport);
	h = lb_hash_mix(h, k->proto);
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

#endif /* LB_ABI_H */
