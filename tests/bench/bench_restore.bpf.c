// SPDX-License-Identifier: GPL-2.0
/* The restore harness of the XDP microbenchmark (tests/bench/bench_xdp.c,
 * method "restore"): times a program that rewrites its packet with
 * BPF_PROG_TEST_RUN's repeat, warm, one path per row.
 *
 * Every run writes the template frame (restore_tmpl, set by the bench,
 * the same length as the test input) back over the packet, optionally
 * makes it a new flow (a distinct client tuple per run, checksums fixed
 * incrementally; or one of a set of flows in turn), then tail-calls slot 0 of restore_jmp: sluice's lb_xdp
 * for a measured row, a floor program returning the same verdict for the
 * harness's own cost (subtracted). So repeat reruns the same path on the
 * same input instead of on the program's own output.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define RESTORE_MAX	128	/* bytes of template: TCP/IPv6 is 74 */

/* values of restore_vary */
#define RESTORE_SAME	0	/* the template as it is */
#define RESTORE_NEW4	1	/* TCP/IPv4: client 198.18.0.0/15 + port from seq */
#define RESTORE_NEW6	2	/* TCP/IPv6: low 32 bits of the client from seq */

/* Offsets in an untagged Ethernet frame without IP options. */
#define OFF4_CHECK	(14 + 10)
#define OFF4_SADDR	(14 + 12)
#define OFF4_TCP	(14 + 20)
#define OFF6_SADDR_LO	(14 + 8 + 12)
#define OFF6_TCP	(14 + 40)
#define TCP_CHECK	16

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} restore_jmp SEC(".maps");

/* The same for the TC hook's program (lb_tc_lb) and TC floors. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} restore_jmp_tc SEC(".maps");

/* Written by the bench before each row (the skeleton's .bss). */
__u8 restore_tmpl[RESTORE_MAX];
__u32 restore_len;
__u32 restore_vary;
__u32 restore_seq;	/* the next flow number (RESTORE_NEW*) */
__u32 restore_mod;	/* not 0: flow restore_base + restore_seq % this, a
			 * round robin over existing flows */
__u32 restore_base;
__u64 restore_fail;	/* runs that could not restore or tail-call */

/* RFC 1624 incremental update: @sum is ~HC + sum(~m) + sum(m'). */
static __always_inline __u16 csum_done(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static __always_inline __u32 csum_word(__u32 sum, __u16 old, __u16 new)
{
	return sum + (__u16)~old + new;
}

static __always_inline __u32 csum_word32(__u32 sum, __u32 old, __u32 new)
{
	sum = csum_word(sum, old >> 16, new >> 16);
	return csum_word(sum, old & 0xffff, new & 0xffff);
}

/* Client n: 198.18.0.0 + (n >> 15) (a /15), port 32768 + (n & 0x7fff):
 * 2^32 distinct tuples.
 */
static __always_inline int vary4(void *data, void *end, __u32 n)
{
	__u32 saddr = bpf_htonl(0xc6120000 | ((n >> 15) & 0x1ffff));
	__u16 sport = bpf_htons(0x8000 | (n & 0x7fff));
	__u16 *ipc = data + OFF4_CHECK, *tcpc = data + OFF4_TCP + TCP_CHECK;
	__u32 *sa = data + OFF4_SADDR;
	__u16 *sp = data + OFF4_TCP;
	__u32 ip, l4;

	if (data + OFF4_TCP + 20 > end)
		return -1;
	ip = csum_word32((__u16)~*ipc, *sa, saddr);
	l4 = csum_word32((__u16)~*tcpc, *sa, saddr);
	l4 = csum_word(l4, *sp, sport);
	*ipc = csum_done(ip);
	*tcpc = csum_done(l4);
	*sa = saddr;
	*sp = sport;
	return 0;
}

static __always_inline int vary6(void *data, void *end, __u32 n)
{
	__u16 *tcpc = data + OFF6_TCP + TCP_CHECK;
	__u32 *sa = data + OFF6_SADDR_LO;
	__u32 lo = bpf_htonl(n);

	if (data + OFF6_TCP + 20 > end)
		return -1;
	*tcpc = csum_done(csum_word32((__u16)~*tcpc, *sa, lo));
	*sa = lo;
	return 0;
}

static __always_inline __u32 flow_no(void)
{
	__u32 n = restore_seq++;

	return restore_mod ? restore_base + n % restore_mod : n;
}

/* The row's variation of the restored frame in [@data, @end): 0, or
 * -1 when the frame is too short for it.
 */
static __always_inline int vary(void *data, void *end)
{
	if (restore_vary == RESTORE_NEW4)
		return vary4(data, end, flow_no());
	if (restore_vary == RESTORE_NEW6)
		return vary6(data, end, flow_no());
	return 0;
}

SEC("xdp")
int restore(struct xdp_md *ctx)
{
	__u32 len = restore_len;

	if (!len || len > RESTORE_MAX ||
	    len != ctx->data_end - ctx->data ||
	    bpf_xdp_store_bytes(ctx, 0, restore_tmpl, len))
		goto fail;
	if (vary((void *)(long)ctx->data, (void *)(long)ctx->data_end))
		goto fail;
	bpf_tail_call(ctx, &restore_jmp, 0);
fail:
	restore_fail++;
	return XDP_ABORTED;
}

/* The harness for the TC hook: the same on an skb (a test run's skb is
 * linear: the template is all in its head).
 */
SEC("tc")
int restore_tc(struct __sk_buff *skb)
{
	__u32 len = restore_len;

	if (!len || len > RESTORE_MAX || len != skb->len ||
	    bpf_skb_store_bytes(skb, 0, restore_tmpl, len, 0))
		goto fail;
	if (vary((void *)(long)skb->data, (void *)(long)skb->data_end))
		goto fail;
	bpf_tail_call(skb, &restore_jmp_tc, 0);
fail:
	restore_fail++;
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
