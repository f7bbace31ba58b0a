// SPDX-License-Identifier: GPL-2.0
/* The network softirqs' CPU time, in ns, summed per CPU: what the L4
 * bench charges the kernel's forwarding paths with (routing, netfilter,
 * XDP and TC on veth all run there). /proc/stat counts softirq time in
 * 10 ms ticks, too coarse for a 2-second run at a fixed low load.
 */
#include <linux/bpf.h>

#include <bpf/bpf_helpers.h>

#define NET_TX_SOFTIRQ	2
#define NET_RX_SOFTIRQ	3

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} since SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} total SEC(".maps");

static __always_inline int is_net(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 vec = ctx->args[0];

	return vec == NET_TX_SOFTIRQ || vec == NET_RX_SOFTIRQ;
}

SEC("raw_tp/softirq_entry")
int softirq_in(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 zero = 0;
	__u64 *s;

	if (!is_net(ctx))
		return 0;
	s = bpf_map_lookup_elem(&since, &zero);
	if (s)
		*s = bpf_ktime_get_ns();
	return 0;
}

SEC("raw_tp/softirq_exit")
int softirq_out(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 zero = 0;
	__u64 *s, *t;

	if (!is_net(ctx))
		return 0;
	s = bpf_map_lookup_elem(&since, &zero);
	t = bpf_map_lookup_elem(&total, &zero);
	if (s && t && *s) {
		*t += bpf_ktime_get_ns() - *s;
		*s = 0;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
