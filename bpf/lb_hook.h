/* What differs between the two hooks the balancer runs at: XDP (a frame,
 * before the kernel allocates an skb) and TC ingress (an skb, after GRO;
 * `hook: tc`, docs/datapath.md). The pipeline is written once over a
 * `void *ctx` and a `const bool tc` that every caller passes as a
 * constant, so each program gets its own specialised copy and no runtime
 * test: lb_xdp() passes false, lb_tc_lb() true.
 */
#ifndef LB_HOOK_H
#define LB_HOOK_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <stdbool.h>

/* Verdicts. Note TC_ACT_SHOT == XDP_PASS: never mix the two sets. */
#define LB_V_PASS(tc)		((tc) ? TC_ACT_OK : XDP_PASS)
#define LB_V_DROP(tc)		((tc) ? TC_ACT_SHOT : XDP_DROP)
#define LB_V_REDIRECT(tc)	((tc) ? TC_ACT_REDIRECT : XDP_REDIRECT)

/* How many bytes of a (possibly non-linear) skb must be in its head for
 * lb_parse(): Ethernet + VLAN + IPv6 + TCP with options.
 */
#define LB_HDR_PULL		128

static __always_inline void *lb_data(void *ctx, const bool tc)
{
	if (tc)
		return (void *)(long)((struct __sk_buff *)ctx)->data;
	return (void *)(long)((struct xdp_md *)ctx)->data;
}

static __always_inline void *lb_data_end(void *ctx, const bool tc)
{
	if (tc)
		return (void *)(long)((struct __sk_buff *)ctx)->data_end;
	return (void *)(long)((struct xdp_md *)ctx)->data_end;
}

/* The whole packet's length: an skb's may be longer than its head
 * (GRO packets), an XDP frame is all in [data, data_end).
 */
static __always_inline __u32 lb_pkt_len(void *ctx, const bool tc)
{
	if (tc)
		return ((struct __sk_buff *)ctx)->len;
	return lb_data_end(ctx, false) - lb_data(ctx, false);
}

static __always_inline __u32 lb_ingress_ifindex(void *ctx, const bool tc)
{
	if (tc)
		return ((struct __sk_buff *)ctx)->ingress_ifindex;
	return ((struct xdp_md *)ctx)->ingress_ifindex;
}

/* TC: pulls the headers lb_parse() reads into the skb's head, for a
 * packet whose head ended before them (lb_parse() said malformed).
 * Returns true when the head grew, so parsing again may succeed.
 */
static __always_inline bool lb_pull_headers(void *ctx, const bool tc)
{
	struct __sk_buff *skb = ctx;
	__u32 len, head;

	if (!tc)
		return false;
	len = skb->len;
	head = lb_data_end(ctx, tc) - lb_data(ctx, tc);
	if (head >= LB_HDR_PULL || head >= len)
		return false;
	return !bpf_skb_pull_data(skb, len < LB_HDR_PULL ? len : LB_HDR_PULL);
}

#endif /* LB_HOOK_H */
