/* Packet builder and checker for the data plane's BPF_PROG_TEST_RUN
 * tests: builds Ethernet (+802.1Q) / IPv4 (+options) or IPv6 (+a
 * hop-by-hop header) / TCP or UDP frames with correct checksums, and
 * parses and re-verifies translated frames by full recomputation.
 */
#ifndef LB_TEST_PKT_H
#define LB_TEST_PKT_H

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define PKT_MAX 512

struct pkt_spec {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t tcp_flags;	/* TCP only */
	uint16_t payload;	/* bytes of payload */
	bool vlan;		/* one 802.1Q tag */
	uint8_t ip_opt_words;	/* IPv4 options, in 32-bit words */
	bool ip6_hbh;		/* IPv6 hop-by-hop extension header */
	bool udp_zero_csum;	/* UDP sent without checksum */
	bool frag_mf;		/* IPv4 more-fragments bit */
};

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
	size_t l3, l4;		/* offsets */
	int family;
	uint8_t proto;
};

/* Parsed view of a packet for assertions. */
struct pkt_view {
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	uint16_t sport, dport;
	uint8_t smac[6], dmac[6];
	bool l3_csum_ok, l4_csum_ok;
	uint16_t l4_csum;	/* raw checksum field */
};

static uint32_t csum_add(uint32_t s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (p[i] << 8) | p[i + 1];
	if (len & 1)
		s += p[len - 1] << 8;
	return s;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* One's-complement sum of the L4 segment with its pseudo-header. */
static uint16_t pkt_l4_sum(const struct pkt *p, size_t l4len)
{
	uint32_t s = 0;
	uint8_t z[2] = { 0, p->proto };
	uint32_t len32 = htonl(l4len);

	if (p->family == AF_INET) {
		const struct iphdr *ip = (const void *)(p->b + p->l3);

		s = csum_add(s, &ip->saddr, 8);
		s = csum_add(s, z, 2);
		s += l4len;
	} else {
		const struct ipv6hdr *ip6 = (const void *)(p->b + p->l3);

		s = csum_add(s, &ip6->saddr, 32);
		s = csum_add(s, &len32, 4);
		s += p->proto;
	}
	s = csum_add(s, p->b + p->l4, l4len);
	return csum_fold(s);
}

static void pkt_set_mac(uint8_t *m, uint8_t last)
{
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, last };

	memcpy(m, mac, 6);
}

/* Builds @s into @p with every checksum correct. */
static void pkt_build(struct pkt *p, const struct pkt_spec *s)
{
	size_t off = 0, l4len, i;
	uint16_t *etype;

	memset(p, 0, sizeof(*p));
	p->family = s->family;
	p->proto = s->proto;
	pkt_set_mac(p->b, 0xfe);
	pkt_set_mac(p->b + 6, 0x10);
	etype = (uint16_t *)(p->b + 12);
	off = 14;
	if (s->vlan) {
		*etype = htons(0x8100);
		p->b[14] = 0;
		p->b[15] = 7;
		etype = (uint16_t *)(p->b + 16);
		off = 18;
	}
	*etype = htons(s->family == AF_INET ? ETH_P_IP : ETH_P_IPV6);
	p->l3 = off;
	l4len = (s->proto == IPPROTO_TCP ? 20 : 8) + s->payload;
	if (s->family == AF_INET) {
		struct iphdr *ip = (void *)(p->b + off);

		ip->version = 4;
		ip->ihl = 5 + s->ip_opt_words;
		ip->tot_len = htons(ip->ihl * 4 + l4len);
		ip->id = htons(0x1234);
		ip->frag_off = htons(s->frag_mf ? 0x2000 : 0x4000);
		ip->ttl = 64;
		ip->protocol = s->proto;
		inet_pton(AF_INET, s->src, &ip->saddr);
		inet_pton(AF_INET, s->dst, &ip->daddr);
		for (i = 0; i < s->ip_opt_words * 4u; i++)
			p->b[off + 20 + i] = 1;	/* NOP */
		ip->check = htons(~csum_fold(csum_add(0, ip, ip->ihl * 4)));
		p->l4 = off + ip->ihl * 4;
	} else {
		struct ipv6hdr *ip6 = (void *)(p->b + off);
		size_t ext = s->ip6_hbh ? 8 : 0;

		ip6->version = 6;
		ip6->payload_len = htons(l4len + ext);
		ip6->nexthdr = s->ip6_hbh ? 0 : s->proto;
		ip6->hop_limit = 64;
		inet_pton(AF_INET6, s->src, &ip6->saddr);
		inet_pton(AF_INET6, s->dst, &ip6->daddr);
		if (ext) {
			p->b[off + 40] = s->proto;	/* next header */
			p->b[off + 41] = 0;		/* 8 bytes */
			p->b[off + 42] = 1;		/* PadN */
			p->b[off + 43] = 4;
		}
		p->l4 = off + 40 + ext;
	}
	for (i = 0; i < s->payload; i++)
		p->b[p->l4 + (s->proto == IPPROTO_TCP ? 20 : 8) + i] = 'a' + i % 26;
	if (s->proto == IPPROTO_TCP) {
		struct tcphdr *th = (void *)(p->b + p->l4);

		th->source = htons(s->sport);
		th->dest = htons(s->dport);
		th->seq = htonl(1000);
		th->ack_seq = htonl(s->tcp_flags & 0x10 ? 2000 : 0);
		th->doff = 5;
		p->b[p->l4 + 13] = s->tcp_flags;
		th->window = htons(64240);
		th->check = htons(~pkt_l4_sum(p, l4len));
	} else {
		struct udphdr *uh = (void *)(p->b + p->l4);

		uh->source = htons(s->sport);
		uh->dest = htons(s->dport);
		uh->len = htons(l4len);
		if (!s->udp_zero_csum) {
			uint16_t c = ~pkt_l4_sum(p, l4len);

			uh->check = htons(c ? c : 0xffff);
		}
	}
	p->len = p->l4 + l4len;
}

/* Parses a frame shaped like @like (same layer offsets) into @v,
 * recomputing every checksum.
 */
static void pkt_view(const struct pkt *like, const uint8_t *b, size_t len,
		     struct pkt_view *v)
{
	struct pkt q = *like;
	size_t l4len;

	memset(v, 0, sizeof(*v));
	memcpy(q.b, b, len < PKT_MAX ? len : PKT_MAX);
	q.len = len;
	memcpy(v->dmac, q.b, 6);
	memcpy(v->smac, q.b + 6, 6);
	if (q.family == AF_INET) {
		const struct iphdr *ip = (const void *)(q.b + q.l3);

		inet_ntop(AF_INET, &ip->saddr, v->src, sizeof(v->src));
		inet_ntop(AF_INET, &ip->daddr, v->dst, sizeof(v->dst));
		v->l3_csum_ok = csum_fold(csum_add(0, ip, ip->ihl * 4)) == 0xffff;
		l4len = ntohs(ip->tot_len) - ip->ihl * 4;
	} else {
		const struct ipv6hdr *ip6 = (const void *)(q.b + q.l3);

		inet_ntop(AF_INET6, &ip6->saddr, v->src, sizeof(v->src));
		inet_ntop(AF_INET6, &ip6->daddr, v->dst, sizeof(v->dst));
		v->l3_csum_ok = true;
		l4len = q.len - q.l4;
	}
	v->sport = ntohs(*(uint16_t *)(q.b + q.l4));
	v->dport = ntohs(*(uint16_t *)(q.b + q.l4 + 2));
	v->l4_csum = ntohs(*(uint16_t *)(q.b + q.l4 +
					 (q.proto == IPPROTO_TCP ? 16 : 6)));
	if (q.proto == IPPROTO_UDP && v->l4_csum == 0)
		v->l4_csum_ok = q.family == AF_INET;	/* "none" */
	else
		v->l4_csum_ok = pkt_l4_sum(&q, l4len) == 0xffff;
}

/* Builds an ICMP(v6) error from @osrc to @odst of @type/@code quoting the
 * first @quote bytes of the IP packet in @inner (as pkt_build() made it).
 */
static void pkt_build_icmp(struct pkt *p, int family, const char *osrc,
			   const char *odst, uint8_t type, uint8_t code,
			   uint32_t rest, const struct pkt *inner, size_t quote)
{
	size_t off = 14, mlen;
	uint8_t *ic;
	uint32_t s;

	memset(p, 0, sizeof(*p));
	p->family = family;
	p->proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	pkt_set_mac(p->b, 0xfe);
	pkt_set_mac(p->b + 6, 0x20);
	*(uint16_t *)(p->b + 12) = htons(family == AF_INET ? ETH_P_IP : ETH_P_IPV6);
	p->l3 = off;
	if (quote > inner->len - inner->l3)
		quote = inner->len - inner->l3;
	mlen = 8 + quote;
	if (family == AF_INET) {
		struct iphdr *ip = (void *)(p->b + off);

		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons(20 + mlen);
		ip->ttl = 64;
		ip->protocol = IPPROTO_ICMP;
		inet_pton(AF_INET, osrc, &ip->saddr);
		inet_pton(AF_INET, odst, &ip->daddr);
		ip->check = htons(~csum_fold(csum_add(0, ip, 20)));
		p->l4 = off + 20;
	} else {
		struct ipv6hdr *ip6 = (void *)(p->b + off);

		ip6->version = 6;
		ip6->payload_len = htons(mlen);
		ip6->nexthdr = IPPROTO_ICMPV6;
		ip6->hop_limit = 64;
		inet_pton(AF_INET6, osrc, &ip6->saddr);
		inet_pton(AF_INET6, odst, &ip6->daddr);
		p->l4 = off + 40;
	}
	ic = p->b + p->l4;
	ic[0] = type;
	ic[1] = code;
	*(uint32_t *)(ic + 4) = htonl(rest);
	memcpy(ic + 8, inner->b + inner->l3, quote);
	p->len = p->l4 + mlen;
	if (family == AF_INET) {
		s = csum_add(0, ic, mlen);
	} else {
		uint32_t len32 = htonl(mlen);
		uint8_t z[4] = { 0, 0, 0, IPPROTO_ICMPV6 };

		s = csum_add(0, p->b + p->l3 + 8, 32);
		s = csum_add(s, &len32, 4);
		s = csum_add(s, z, 4);
		s = csum_add(s, ic, mlen);
	}
	*(uint16_t *)(ic + 2) = htons(~csum_fold(s));
}

/* What an ICMP error says, after translation. */
struct icmp_view {
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];	/* outer */
	char isrc[INET6_ADDRSTRLEN], idst[INET6_ADDRSTRLEN];	/* quoted */
	uint16_t isport, idport;
	bool l3_csum_ok, icmp_csum_ok, inner_csum_ok;
	bool quote_whole;	/* the quote holds the whole packet */
	bool quote_l4_csum_ok;	/* then: its TCP/UDP checksum verifies */
};

/* Checks the TCP/UDP checksum of the packet quoted in an ICMP error
 * (@q, @qlen bytes from its IP header) when the quote holds all of it.
 */
static void pkt_quote_view(const struct pkt *like, const uint8_t *q,
			   size_t qlen, struct icmp_view *v)
{
	struct pkt in = { .l3 = 0 };
	struct pkt_view qv;
	size_t whole;

	in.family = like->family;
	if (in.family == AF_INET) {
		in.proto = ((const struct iphdr *)q)->protocol;
		in.l4 = 20;
		whole = ntohs(((const struct iphdr *)q)->tot_len);
	} else {
		in.proto = ((const struct ipv6hdr *)q)->nexthdr;
		in.l4 = 40;
		whole = 40 + ntohs(((const struct ipv6hdr *)q)->payload_len);
	}
	v->quote_whole = qlen == whole;
	if (!v->quote_whole)
		return;
	pkt_view(&in, q, qlen, &qv);
	v->quote_l4_csum_ok = qv.l4_csum_ok;
}

static void pkt_icmp_view(const struct pkt *like, const uint8_t *b, size_t len,
			  struct icmp_view *v)
{
	const uint8_t *ic = b + like->l4;
	size_t mlen = len - like->l4;
	uint32_t s;

	memset(v, 0, sizeof(*v));
	if (like->family == AF_INET) {
		const struct iphdr *ip = (const void *)(b + like->l3);
		const struct iphdr *in = (const void *)(ic + 8);

		inet_ntop(AF_INET, &ip->saddr, v->src, sizeof(v->src));
		inet_ntop(AF_INET, &ip->daddr, v->dst, sizeof(v->dst));
		v->l3_csum_ok = csum_fold(csum_add(0, ip, 20)) == 0xffff;
		v->icmp_csum_ok = csum_fold(csum_add(0, ic, mlen)) == 0xffff;
		inet_ntop(AF_INET, &in->saddr, v->isrc, sizeof(v->isrc));
		inet_ntop(AF_INET, &in->daddr, v->idst, sizeof(v->idst));
		v->inner_csum_ok = csum_fold(csum_add(0, in, 20)) == 0xffff;
		v->isport = ntohs(*(const uint16_t *)(ic + 28));
		v->idport = ntohs(*(const uint16_t *)(ic + 30));
	} else {
		const struct ipv6hdr *ip6 = (const void *)(b + like->l3);
		const struct ipv6hdr *in = (const void *)(ic + 8);
		uint32_t len32 = htonl(mlen);
		uint8_t z[4] = { 0, 0, 0, IPPROTO_ICMPV6 };

		inet_ntop(AF_INET6, &ip6->saddr, v->src, sizeof(v->src));
		inet_ntop(AF_INET6, &ip6->daddr, v->dst, sizeof(v->dst));
		v->l3_csum_ok = true;
		s = csum_add(0, &ip6->saddr, 32);
		s = csum_add(s, &len32, 4);
		s = csum_add(s, z, 4);
		s = csum_add(s, ic, mlen);
		v->icmp_csum_ok = csum_fold(s) == 0xffff;
		inet_ntop(AF_INET6, &in->saddr, v->isrc, sizeof(v->isrc));
		inet_ntop(AF_INET6, &in->daddr, v->idst, sizeof(v->idst));
		v->inner_csum_ok = true;
		v->isport = ntohs(*(const uint16_t *)(ic + 48));
		v->idport = ntohs(*(const uint16_t *)(ic + 50));
	}
	pkt_quote_view(like, ic + 8, mlen - 8, v);
}

#endif /* LB_TEST_PKT_H */
