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
 * Writer: agent. Readers: lb_xdp (every packet), CLI.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LB_MAX_VIPS);
	__type(key, struct lb_vip_key);
	__type(value, struct lb_vip);
} lb_vips SEC(".maps");

/* Maglev lookup tables, LB_RING_SLOTS per VIP (double buffer: the agent
 * fills the idle slot, then flips lb_vip.ring_slot). key: __u32
 * lb_ring_index(vip_id, slot, pos); value: __u32 backend id.
 * Writer: agent. Readers: lb_xdp (new flows), CLI (vip lookup).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LB_MAX_VIPS * LB_RING_SLOTS * LB_RING_SIZE);
	__type(key, __u32);
	__type(value, __u32);
} lb_ring SEC(".maps");

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

#endif /* LB_MAPS_H */
