// SPDX-License-Identifier: GPL-2.0
/* Floor programs for the XDP microbenchmark (tests/bench/bench_xdp.c):
 * what any XDP program costs under BPF_PROG_TEST_RUN, next to which
 * sluice's paths are read.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define AF_INET		2

/* Does nothing: the cost of running a program at all. */
SEC("xdp")
int floor_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/* The verdict of a forwarded packet, without the work: the target of the
 * restore harness (bench_restore.bpf.c) whose cost rows subtract.
 */
SEC("xdp")
int floor_redirect(struct xdp_md *ctx)
{
	return XDP_REDIRECT;
}

/* The TC hook's verdicts without the work (restore_tc's floors). */
SEC("tc")
int floor_tc_ok(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

SEC("tc")
int floor_tc_redirect(struct __sk_buff *skb)
{
	return TC_ACT_REDIRECT;
}

SEC("xdp")
int floor_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

/* Swaps the Ethernet addresses and sends the frame back: the cheapest
 * program that touches the packet and transmits.
 */
SEC("xdp")
int floor_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	unsigned char tmp[ETH_ALEN];

	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
	return XDP_TX;
}

/* One bpf_fib_lookup() from the packet's IPv4 source to 10.1.0.1 (a
 * backend of the bench's namespace), the lookup every forwarded packet of
 * sluice pays; XDP_PASS when it succeeds, XDP_DROP otherwise (the bench
 * checks the verdict). Leaves the packet alone: timed with repeat.
 */
SEC("xdp")
int floor_fib(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct bpf_fib_lookup fib = {};

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_DROP;
	fib.family = AF_INET;
	fib.ifindex = ctx->ingress_ifindex;
	fib.l4_protocol = ip->protocol;
	fib.tot_len = bpf_ntohs(ip->tot_len);
	fib.ipv4_src = ip->saddr;
	fib.ipv4_dst = bpf_htonl(0x0a010001);
	return bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) == BPF_FIB_LKUP_RET_SUCCESS ?
		XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
