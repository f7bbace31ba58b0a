/* Incremental Internet checksums (RFC 1624: HC' = ~(~HC + ~m + m')).
 * A struct lb_csum_diff accumulates the changed words once; it is then
 * applied to each checksum that covers them (IPv4 header, TCP/UDP through
 * the pseudo-header). One's-complement sums do not depend on byte order,
 * so raw network-order words are summed as they are.
 */
#ifndef LB_CSUM_H
#define LB_CSUM_H

#include <linux/types.h>
#include <stdbool.h>

#include <bpf/bpf_helpers.h>

struct lb_csum_diff {
	__u64 sum;
};

static __always_inline void lb_csum_add32(struct lb_csum_diff *d,
					  __be32 from, __be32 to)
{
	d->sum += (__u32)~from;
	d->sum += (__u32)to;
}

static __always_inline void lb_csum_add16(struct lb_csum_diff *d,
					  __be16 from, __be16 to)
{
	d->sum += (__u16)~from;
	d->sum += (__u16)to;
}

/* Adds the change of @n 32-bit words from @from to @to. */
static __always_inline void lb_csum_addr(struct lb_csum_diff *d,
					 const __be32 *from, const __be32 *to,
					 int n)
{
	int i;

#pragma clang loop unroll(full)
	for (i = 0; i < 4; i++)
		if (i < n)
			lb_csum_add32(d, from[i], to[i]);
}

static __always_inline __u16 lb_csum_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* @s folded to the 32-bit one's complement sum the kernel's __wsum is
 * (what bpf_l4_csum_replace() takes as a diff).
 */
static __always_inline __u32 lb_csum_fold32(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return (__u32)s;
}

/* Applies @d to the checksum at @csum. */
static __always_inline void lb_csum_apply(__u16 *csum, const struct lb_csum_diff *d)
{
	__u64 s = (__u16)~*csum;

	s += d->sum;
	*csum = ~lb_csum_fold(s);
}

/* UDP variant: a zero checksum (IPv4: none computed) stays zero, and a
 * computed zero is sent as 0xffff (RFC 768).
 */
static __always_inline void lb_csum_apply_udp(__u16 *csum,
					      const struct lb_csum_diff *d)
{
	if (*csum == 0)
		return;
	lb_csum_apply(csum, d);
	if (*csum == 0)
		*csum = 0xffff;
}

#endif /* LB_CSUM_H */
