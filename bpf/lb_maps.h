/* Every map of the data plane, one comment block each: purpose, key,
 * value, writer, readers. Layouts live in lb_abi.h; names (<= 15 chars)
 * are the LB_MAP_* macros there. The loader pins all of them under
 * <pin root>/v<LB_ABI_VERSION>/ and reuses them on restart.
 */
#ifndef LB_MAPS_H
#define LB_MAPS_H

#include <linux/bpf.h>

#include <bpf/bpf_helpers.h>

#include "lb_abi.h"

/* Global settings. key: __u32 0; value: struct lb_cfg.
 * Writer: agent (dataplane.c via lbmap). Readers: lb_xdp, CLI.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lb_cfg);
} lb_cfg SEC(".maps");

/* Services by (address, port, protocol, family); address zero is the
 * wildcard of its port. key: struct lb_vip_key; value: struct lb_vip.
 * Not preallocated: memory follows the VIPs configured, not the limit.
 * Writer: agent. Readers: lb_xdp (every packet), CLI.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, LB_MAX_VIPS);
	__type(key, struct lb_vip_key);
	__type(value, struct lb_vip);
} lb_vips SEC(".maps");

/* The template of a VIP's Maglev lookup table (the inner maps of
 * lb_rings). key: __u32 position / LB_RING_PER_SLOT; value: struct
 * lb_ring_slot. BPF_F_INNER_MAP lets every inner map have its own
 * max_entries (ceil(lb_vip.ring_size / LB_RING_PER_SLOT)): a VIP's ring
 * costs what its backends need. Lookups into it are not inlined (the
 * size is not known when verifying); they happen on new flows only.
 * The value is declared __u64 (the size of struct lb_ring_slot) because
 * clang leaves a struct reached only through the template a BTF forward
 * declaration, which libbpf cannot size.
 */
struct lb_ring {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(max_entries, (LB_RING_MIN + LB_RING_PER_SLOT - 1) / LB_RING_PER_SLOT);
	__type(key, __u32);
	__type(value, __u64);	/* struct lb_ring_slot */
};

/* Maglev tables by VIP. key: __u32 vip_id; value: a struct lb_ring map.
 * The agent builds a new table in a fresh inner map and swaps it in with
 * one update: a packet sees the whole old table or the whole new one,
 * and only VIPs in use cost memory. Writer: agent. Readers: lb_xdp (new
 * flows), CLI (vip show, vip lookup).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, LB_MAX_VIPS);
	__type(key, __u32);
	__array(values, struct lb_ring);
} lb_rings SEC(".maps");

/* Backends by id. key: __u32 id; value: struct lb_backend.
 * Writer: agent (health changes clear LB_BE_F_ACTIVE). Readers: lb_xdp, CLI.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct lb_backend);
} lb_backends SEC(".maps");

/* Client flows, shared by all CPUs. key: struct lb_flow_key as the
 * client sent it; value: struct lb_flow. max_entries is set by the loader
 * from dataplane.flowTableSize. Writer: lb_xdp. Readers: lb_xdp, CLI.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LB_FLOWS_DEFAULT);
	__type(key, struct lb_flow_key);
	__type(value, struct lb_flow);
} lb_flows SEC(".maps");

/* Reply translations. key: struct lb_flow_key of a reply as the backend
 * sends it; value: struct lb_rflow. Also the SNAT port allocator: a port
 * is free when its key is absent. Sized like lb_flows.
 * Writer: lb_xdp. Readers: lb_xdp, CLI.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LB_FLOWS_DEFAULT);
	__type(key, struct lb_flow_key);
	__type(value, struct lb_rflow);
} lb_rflows SEC(".maps");

/* Stateless replies for nat (LB_BE_F_RVIP): backends whose address:port
 * serves exactly one nat VIP with its own address (no wildcard, no
 * steering). key: struct lb_vip_key of the backend; value: struct
 * lb_rvip. A new flow to such a backend writes no lb_rflows entry: one
 * LRU insert fewer per connection. Writer: agent. Readers: lb_xdp.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LB_MAX_BACKENDS);
	__type(key, struct lb_vip_key);
	__type(value, struct lb_rvip);
} lb_rvips SEC(".maps");

/* Interfaces of the balancer: SNAT source and redirect permission.
 * key: __u32 ifindex; value: struct lb_iface.
 * Writer: agent. Readers: lb_xdp (after the FIB lookup), CLI.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LB_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct lb_iface);
} lb_ifaces SEC(".maps");

/* Addresses a reply may leave from: every exact VIP's and every local
 * address of the balancer (which a wildcard VIP serves). Flows store an
 * index, not the 16-byte address. key: __u32 index; value: struct lb_addr.
 * Writer: agent (indexes are never reused while in the table).
 * Readers: lb_xdp (replies, ICMP), CLI.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LB_MAX_ADDRS);
	__type(key, __u32);
	__type(value, struct lb_addr);
} lb_addrs SEC(".maps");

/* The index of an address in lb_addrs. key: struct lb_addr (zeroed pad);
 * value: __u32 index. A wildcard VIP serves exactly the addresses found
 * here. Not preallocated: memory follows the addresses in use.
 * Writer: agent. Readers: lb_xdp (wildcard VIP packets), CLI.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, LB_MAX_ADDRS);
	__type(key, struct lb_addr);
	__type(value, __u32);
} lb_addr_idx SEC(".maps");

/* Recent bpf_fib_lookup() answers by destination (LB_FIB_TTL_TICKS), so
 * established flows skip the FIB: the lookup is the most expensive step
 * of the path. Policy routing by source is not honoured for cached
 * answers. Writer: lb_xdp. Readers: lb_xdp, CLI (map dump).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LB_FIB_CACHE_SIZE);
	__type(key, struct lb_fib_key);
	__type(value, struct lb_fib_entry);
} lb_fib_cache SEC(".maps");

/* Scratch space for bpf_fib_lookup()'s argument (64 bytes the program's
 * 512-byte stack cannot spare). key: __u32 0; value: struct
 * bpf_fib_lookup per CPU. Not pinned: nothing outlives one packet.
 * Writer and reader: lb_xdp (FIB cache misses only).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_fib_lookup);
} lb_fib_scratch SEC(".maps");

/* Scratch space for lb_reply_find()'s client -> VIP key, which the
 * stack cannot spare when an ICMP error is translated. Not pinned.
 * Writer and reader: lb_xdp.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lb_flow_key);
} lb_key_scratch SEC(".maps");

/* Ports in use: VIP destination ports and backend source ports. A TCP or
 * UDP packet matching neither passes after this one lookup. key: __u32
 * port >> 6; value: struct lb_port_bits. Writer: agent. Readers: lb_xdp.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LB_PORT_WORDS);
	__type(key, __u32);
	__type(value, struct lb_port_bits);
} lb_ports SEC(".maps");

/* Global counters. key: enum lb_stat_id; value: __u64 per CPU.
 * Writer: lb_xdp. Readers: CLI, agent.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_STAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} lb_stats SEC(".maps");

/* Per-VIP counters. key: vip_id; value: struct lb_counters per CPU.
 * Writer: lb_xdp (agent zeroes a reused id). Readers: CLI.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct lb_counters);
} lb_vip_stats SEC(".maps");

/* Per-backend counters. key: backend id; value: struct lb_counters per
 * CPU. Writer: lb_xdp (agent zeroes a reused id). Readers: CLI.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct lb_counters);
} lb_be_stats SEC(".maps");

/* Listening sockets of sluiced's userspace proxy by the VIP they serve
 * (kernel steering). key: struct lb_vip_key as in lb_vips (wildcard:
 * address zero); value: the socket (userspace writes an fd, reads the
 * socket cookie). A socket closed by its owner leaves the map by itself.
 * Writer: agent (l4proxy, for LB_VIP_F_LOCAL VIPs). Readers: lb_steer_sk.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, LB_MAX_VIPS);
	__type(key, struct lb_vip_key);
	__type(value, __u64);
} lb_steer SEC(".maps");

#endif /* LB_MAPS_H */
