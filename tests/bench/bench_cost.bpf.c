// SPDX-License-Identifier: GPL-2.0
/* Cost breakdown of the XDP microbenchmark (tests/bench/bench_xdp.c,
 * section xdp_cost): one operation of sluice's data plane per program,
 * on maps shaped like bpf/lb_maps.h's. None touches the packet, so each is
 * timed with repeat and read minus the empty program (floor_pass).
 * Each returns XDP_PASS when its operation succeeded and XDP_DROP when
 * not (the bench checks the verdict); cost_fail counts failed runs.
 */
#include <linux/bpf.h>
#include <linux/in.h>

#include <bpf/bpf_helpers.h>

#include "lb_abi.h"

#define COST_SMALL	16384	/* entries of cost_flows_small */

/* Like lb_flows: LRU hash of struct lb_flow_key -> struct lb_flow at the
 * default flow table size.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LB_FLOWS_DEFAULT);
	__type(key, struct lb_flow_key);
	__type(value, struct lb_flow);
} cost_flows SEC(".maps");

/* Variants of cost_flows for the new-key insert: per-CPU LRU lists
 * (BPF_F_NO_COMMON_LRU: each CPU evicts from its own max_entries / CPUs),
 * a small table (its memory stays in cache), a plain preallocated hash.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, LB_FLOWS_DEFAULT);
	__type(key, struct lb_flow_key);
	__type(value, struct lb_flow);
} cost_flows_pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, COST_SMALL);
	__type(key, struct lb_flow_key);
	__type(value, struct lb_flow);
} cost_flows_small SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LB_FLOWS_DEFAULT);
	__type(key, struct lb_flow_key);
	__type(value, struct lb_flow);
} cost_flows_hash SEC(".maps");

/* Like lb_vips: hash of struct lb_vip_key -> struct lb_vip, not
 * preallocated.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, LB_MAX_VIPS);
	__type(key, struct lb_vip_key);
	__type(value, struct lb_vip);
} cost_vips SEC(".maps");

/* Like lb_backends (an array: lookups inlined by the verifier). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct lb_backend);
} cost_backends SEC(".maps");

/* Like lb_stats. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_STAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} cost_stats SEC(".maps");

/* The machine's memory floor: one 64-byte line of a 16 MiB array (the
 * size of cost_flows' bucket array) read at a random index, cold unless
 * cost_line_mask is 0 (then always line 0: the same work, warm).
 */
struct line {
	__u64 w[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 262144);
	__type(key, __u32);
	__type(value, struct line);
} cost_lines SEC(".maps");

__u32 cost_line_mask;	/* set by the bench: 262143 or 0 */
__u32 cost_line_dep;	/* the last line's first word (0) */
__u32 cost_seq;		/* the next new key of the inserts */
__u32 cost_miss_seq;	/* the next key of cost_lru_miss */
__u64 cost_fail;
__u64 cost_sink;

/* The key the bench inserts before timing cost_lru_hit / cost_hash_hit:
 * TCP, 192.0.2.10:40000 -> 10.0.0.1:80 (bytes in network order).
 */
static __always_inline void hit_key(struct lb_flow_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->src[0] = 0x0a0200c0;
	k->dst[0] = 0x0100000a;
	k->sport = 0x409c;
	k->dport = 0x5000;
	k->proto = IPPROTO_TCP;
	k->family = LB_AF_INET;
}

static __always_inline int verdict(int ok)
{
	if (ok)
		return XDP_PASS;
	cost_fail++;
	return XDP_DROP;
}

SEC("xdp")
int cost_lru_hit(struct xdp_md *ctx)
{
	struct lb_flow_key k;

	hit_key(&k);
	return verdict(bpf_map_lookup_elem(&cost_flows, &k) != NULL);
}

/* A key never used before: UDP, the source address from cost_seq. */
static __always_inline void new_key(struct lb_flow_key *k)
{
	hit_key(k);
	k->proto = IPPROTO_UDP;
	k->src[3] = cost_seq++;
}

static __always_inline int insert_new(void *map)
{
	struct lb_flow v = { .backend_id = 1, .state = LB_FLOW_UDP };
	struct lb_flow_key k;

	new_key(&k);
	return verdict(!bpf_map_update_elem(map, &k, &v, BPF_NOEXIST));
}

SEC("xdp")
int cost_lru_new(struct xdp_md *ctx)
{
	return insert_new(&cost_flows);
}

SEC("xdp")
int cost_lru_pcpu_new(struct xdp_md *ctx)
{
	return insert_new(&cost_flows_pcpu);
}

SEC("xdp")
int cost_lru_small_new(struct xdp_md *ctx)
{
	return insert_new(&cost_flows_small);
}

SEC("xdp")
int cost_hash_new(struct xdp_md *ctx)
{
	return insert_new(&cost_flows_hash);
}

/* The lookup a new flow starts with: a key not in the table. */
SEC("xdp")
int cost_lru_miss(struct xdp_md *ctx)
{
	struct lb_flow_key k;

	hit_key(&k);
	k.proto = IPPROTO_ICMP;
	k.src[3] = cost_miss_seq++;
	return verdict(bpf_map_lookup_elem(&cost_flows, &k) == NULL);
}

SEC("xdp")
int cost_line_read(struct xdp_md *ctx)
{
	__u32 i = (bpf_get_prandom_u32() + cost_line_dep) & cost_line_mask;
	struct line *l = bpf_map_lookup_elem(&cost_lines, &i);

	/* The next run's index waits for this run's load (the array holds
	 * zeros): misses of consecutive runs cannot overlap, as a packet's
	 * dependent lookups do not.
	 */
	if (l)
		cost_line_dep = (__u32)l->w[0];
	return verdict(l != NULL);
}

SEC("xdp")
int cost_hash_hit(struct xdp_md *ctx)
{
	struct lb_vip_key k = {};

	k.addr[0] = 0x0100000a;
	k.port = 0x5000;
	k.proto = IPPROTO_TCP;
	k.family = LB_AF_INET;
	return verdict(bpf_map_lookup_elem(&cost_vips, &k) != NULL);
}

SEC("xdp")
int cost_array(struct xdp_md *ctx)
{
	__u32 id = 1;

	return verdict(bpf_map_lookup_elem(&cost_backends, &id) != NULL);
}

SEC("xdp")
int cost_pcpu_inc(struct xdp_md *ctx)
{
	__u32 id = LB_STAT_FWD;
	__u64 *v = bpf_map_lookup_elem(&cost_stats, &id);

	if (v)
		*v += 1;
	return verdict(v != NULL);
}

SEC("xdp")
int cost_ktime(struct xdp_md *ctx)
{
	__u64 now = bpf_ktime_get_coarse_ns();

	cost_sink = now;
	return verdict(now != 0);
}

/* bpf_redirect() to the ingress interface (only sets the per-CPU
 * redirect target: the test run does not send).
 */
SEC("xdp")
int cost_redirect(struct xdp_md *ctx)
{
	return bpf_redirect(ctx->ingress_ifindex, 0) == XDP_REDIRECT ?
		XDP_REDIRECT : verdict(0);
}

char LICENSE[] SEC("license") = "GPL";
