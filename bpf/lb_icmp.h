/* ICMP errors about balanced flows, so path MTU discovery works through
 * the balancer. Handled: IPv4 destination unreachable (fragmentation
 * needed included) and time exceeded; ICMPv6 destination unreachable,
 * packet too big and time exceeded; each quoting an IPv4 header without
 * options / a bare IPv6 header and at least 8 bytes of TCP or UDP.
 *
 *  - An error from the backend side about a packet we sent to a backend
 *    (the quoted tuple, swapped, is in lb_rflows) goes to the client: the
 *    quoted packet becomes client -> VIP again, the outer header VIP ->
 *    client (the balancer speaks for the VIP).
 *  - An error from the client side about a reply we sent (the quoted
 *    tuple, swapped, is in lb_flows) goes to the backend: the quoted
 *    packet becomes what the backend sent, the outer destination the
 *    backend (and the source our SNAT address in fullnat).
 *
 * Checksums: the outer IPv4 header, the quoted IPv4 header, the quoted
 * TCP/UDP checksum (when the quote reaches it; a zero UDP checksum stays
 * zero) and the ICMP checksum (ICMPv6: including its pseudo-header) are
 * updated incrementally, so the quote reads as the packet its receiver
 * sent, checksums included. Everything else, including errors about
 * unknown flows, passes untouched.
 */
#ifndef LB_ICMP_H
#define LB_ICMP_H

#include "lb_forward.h"
#include "lb_lookup.h"

/* Why our own: <linux/icmp.h> pulls in libc socket headers, which do not
 * build for the BPF target. ICMP and ICMPv6 share this 8-byte shape.
 */
struct lb_icmphdr {
	__u8 type;
	__u8 code;
	__u16 checksum;
	__be32 rest;		/* unused, next-hop MTU, ... */
};

enum {
	LB_ICMP_DEST_UNREACH = 3,
	LB_ICMP_TIME_EXCEEDED = 11,
	LB_ICMP6_DEST_UNREACH = 1,
	LB_ICMP6_PKT_TOOBIG = 2,
	LB_ICMP6_TIME_EXCEED = 3,
};

struct lb_icmp_ctx {
	void *inner_l3;		/* quoted IP header */
	__be16 *inner_ports;	/* quoted source and destination port */
	__u16 *csum;		/* ICMP checksum */
	struct lb_flow_key inner;	/* quoted tuple */
};

/* Finds the quoted packet of the error in @p. Returns 0 or -1 (not an
 * error we translate).
 */
static __always_inline int lb_icmp_parse(const struct lb_pkt *p,
					 void *data_end, struct lb_icmp_ctx *c)
{
	__be16 *ports;
	__u8 proto;

	struct lb_icmphdr *ic = p->icmp;

	if ((void *)(ic + 1) > data_end)
		return -1;
	c->csum = &ic->checksum;
	/* Branch on the family scalar, not on p->ip4: the verifier does not
	 * prune a NULL test of a packet pointer, and would walk the IPv6
	 * layout with IPv4 bounds.
	 */
	if (p->key.family == LB_AF_INET) {
		struct iphdr *in;

		if (ic->type != LB_ICMP_DEST_UNREACH &&
		    ic->type != LB_ICMP_TIME_EXCEEDED)
			return -1;
		in = (void *)(ic + 1);
		if ((void *)(in + 1) > data_end || in->version != 4 || in->ihl != 5)
			return -1;
		proto = in->protocol;
		ports = (void *)(in + 1);
		c->inner.src[0] = in->saddr;
		c->inner.dst[0] = in->daddr;
		c->inner_l3 = in;
	} else {
		struct ipv6hdr *in;

		if (ic->type != LB_ICMP6_DEST_UNREACH &&
		    ic->type != LB_ICMP6_PKT_TOOBIG &&
		    ic->type != LB_ICMP6_TIME_EXCEED)
			return -1;
		in = (void *)(ic + 1);
		if ((void *)(in + 1) > data_end || in->version != 6)
			return -1;
		proto = in->nexthdr;
		ports = (void *)(in + 1);
		__builtin_memcpy(c->inner.src, &in->saddr, 16);
		__builtin_memcpy(c->inner.dst, &in->daddr, 16);
		c->inner_l3 = in;
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return -1;
	if ((void *)ports + 8 > data_end)
		return -1;
	c->inner_ports = ports;
	c->inner.sport = ports[0];
	c->inner.dport = ports[1];
	c->inner.proto = proto;
	c->inner.family = p->key.family;
	return 0;
}

/* Updates the quoted TCP/UDP checksum by @d (the quoted addresses and
 * ports changes: pseudo-header and ports) when the quote holds it, and
 * adds that field's own change to @d, which the ICMP checksum covers.
 * Returns 0, or -1 when the bounds are lost (nothing written).
 */
static __always_inline int lb_icmp_quoted_l4(struct lb_icmp_ctx *c,
					     struct lb_csum_diff *d,
					     void *data_end)
{
	__be16 *ports = c->inner_ports;
	__u16 *l4csum, old;

	if ((void *)ports + 8 > data_end)
		return -1;
	if (c->inner.proto == IPPROTO_UDP) {
		l4csum = (__u16 *)&ports[3];
		old = *l4csum;
		lb_csum_apply_udp(l4csum, d);
	} else {
		/* TCP: the checksum is bytes 16-17; quotes of 8 bytes
		 * (the RFC 792 minimum) stop before it
		 */
		if ((void *)ports + 18 > data_end)
			return 0;
		l4csum = (__u16 *)&ports[8];
		old = *l4csum;
		lb_csum_apply(l4csum, d);
	}
	lb_csum_add16(d, old, *l4csum);
	return 0;
}

/* Rewrites the outer addresses to @o and the quoted tuple to @in.
 * Bounds are checked again here, per family, before any write: the
 * verifier cannot always tie this branch to lb_icmp_parse()'s. Returns 0
 * or -1 (nothing written).
 */
static __always_inline int lb_icmp_rewrite(struct lb_pkt *p,
					   struct lb_icmp_ctx *c,
					   const struct lb_xlate *o,
					   const struct lb_xlate *in,
					   void *data_end)
{
	struct lb_csum_diff od = {}, id = {}, ic;
	int v4 = p->key.family == LB_AF_INET, words = v4 ? 1 : 4;

	lb_csum_addr(&od, p->key.src, o->src, words);
	lb_csum_addr(&od, p->key.dst, o->dst, words);
	lb_csum_addr(&id, c->inner.src, in->src, words);
	lb_csum_addr(&id, c->inner.dst, in->dst, words);
	ic = id;
	lb_csum_add16(&ic, c->inner.sport, in->sport);
	lb_csum_add16(&ic, c->inner.dport, in->dport);
	if (lb_icmp_quoted_l4(c, &ic, data_end))
		return -1;
	if (v4 && p->ip4) {
		struct iphdr *inner = c->inner_l3;
		__u16 old;

		if ((void *)(inner + 1) + 8 > data_end)
			return -1;
		old = inner->check;
		lb_csum_apply(&inner->check, &id);
		lb_csum_add16(&ic, old, inner->check);
		lb_csum_apply(c->csum, &ic);
		inner->saddr = in->src[0];
		inner->daddr = in->dst[0];
		lb_csum_apply(&p->ip4->check, &od);
		p->ip4->saddr = o->src[0];
		p->ip4->daddr = o->dst[0];
	} else if (!v4 && p->ip6) {
		struct ipv6hdr *inner = c->inner_l3;

		if ((void *)(inner + 1) + 8 > data_end)
			return -1;
		ic.sum += od.sum;	/* ICMPv6 covers the pseudo-header */
		lb_csum_apply(c->csum, &ic);
		__builtin_memcpy(&inner->saddr, in->src, 16);
		__builtin_memcpy(&inner->daddr, in->dst, 16);
		__builtin_memcpy(&p->ip6->saddr, o->src, 16);
		__builtin_memcpy(&p->ip6->daddr, o->dst, 16);
	} else {
		return -1;
	}
	c->inner_ports[0] = in->sport;
	c->inner_ports[1] = in->dport;
	return 0;
}

/* Turns tuple @k around (source <-> destination). */
static __always_inline void lb_icmp_swap(struct lb_flow_key *k)
{
	__be32 a;
	__be16 port;
	int i;

#pragma clang loop unroll(full)
	for (i = 0; i < 4; i++) {
		a = k->src[i];
		k->src[i] = k->dst[i];
		k->dst[i] = a;
	}
	port = k->sport;
	k->sport = k->dport;
	k->dport = port;
}

/* Translates an ICMP error about a balanced flow. Returns the hook's
 * verdict, or -1 when @p is not one (the caller passes it). Direct
 * writes serve both hooks: ICMP is never a CHECKSUM_PARTIAL skb, and
 * every checksum the rewrite touches absorbs its own change.
 */
static __always_inline int lb_icmp(void *ctx, const bool tc, struct lb_pkt *p,
				   const struct lb_cfg *cfg)
{
	void *data_end = lb_data_end(ctx, tc);
	struct lb_icmp_ctx c = {};
	struct lb_xlate o = {}, in = {};
	struct lb_fib_entry fe;
	struct lb_backend *be;
	struct lb_rflow *rf, r;
	struct lb_flow *f;
	__u64 now = bpf_ktime_get_coarse_ns();
	int rc;

	if (lb_icmp_parse(p, data_end, &c))
		return -1;
	/* the quoted packet, seen in the direction it answers: swapped in
	 * place for the lookups and back (a second 40-byte key would not
	 * fit the stack beside the forward path's)
	 */
	lb_icmp_swap(&c.inner);
	rf = lb_reply_find(&c.inner, &r) ? &r : NULL;
	f = rf ? NULL : bpf_map_lookup_elem(&lb_flows, &c.inner);
	lb_icmp_swap(&c.inner);
	if (rf) {
		struct lb_addr *vip = lb_addr_get(rf->vip_addr_idx);

		if (!vip)
			return -1;
		__builtin_memcpy(in.src, rf->client, 16);
		__builtin_memcpy(in.dst, vip->addr, 16);
		in.sport = rf->client_port;
		in.dport = rf->vip_port;
		__builtin_memcpy(o.src, vip->addr, 16);
		__builtin_memcpy(o.dst, rf->client, 16);
		lb_vip_count(rf->vip_id, p->len, 0, 0);
	} else {
		if (!f)
			return -1;
		be = lb_flow_backend(f);
		if (!be)
			return -1;
		__builtin_memcpy(in.src, be->addr, 16);
		in.sport = be->port;
		__builtin_memcpy(in.dst, c.inner.dst, 16);
		in.dport = c.inner.dport;
		__builtin_memcpy(o.src, p->key.src, 16);
		__builtin_memcpy(o.dst, be->addr, 16);
		if (f->flags & LB_VIP_F_FULLNAT) {
			rc = lb_fib(ctx, tc, p, o.src, o.dst, now, &fe);
			if (!lb_snat_addr(cfg, &fe.egress, p->key.family, in.dst))
				return -1;
			in.dport = f->snat_port;
			__builtin_memcpy(o.src, in.dst, 16);
		}
	}
	rc = lb_fib(ctx, tc, p, o.src, o.dst, now, &fe);
	if (lb_icmp_rewrite(p, &c, &o, &in, data_end))
		return -1;
	lb_stat_inc(LB_STAT_ICMP);
	return lb_output(ctx, tc, p, &fe, rc);
}

#endif /* LB_ICMP_H */
