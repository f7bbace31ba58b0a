/* PROXY protocol v1 and v2 (haproxy doc/proxy-protocol.txt): building the
 * header sluice writes to a backend, exactly as Traefik writes it
 * (go-proxyproto HeaderProxyFromAddrs: TCP4/TCP6 chosen from the source
 * address, no TLVs), and parsing the header a trusted balancer in front of
 * sluice sends. Pure functions: no I/O, no allocation.
 */
#ifndef LB_L4_PROXY_PROTO_H
#define LB_L4_PROXY_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Longest v1 line (with CRLF), and the largest inbound v2 header we accept
 * (16-byte fixed part plus addresses and TLVs); longer ones are refused.
 */
#define PP_V1_MAX_LEN	107
#define PP_V2_MAX_LEN	4096
/* Room for any header pp_build() writes. */
#define PP_BUILD_MAX	(16 + 36)

extern const unsigned char pp_v2_sig[12];

/* Writes the PROXY header of protocol @version (1 or 2) for a TCP
 * connection whose client is @src and whose local end is @dst into @buf.
 * IPv4-mapped IPv6 addresses count as IPv4. When the two ends are not both
 * IPv4 or both IPv6 the header says UNKNOWN (v1) or LOCAL (v2), as
 * go-proxyproto does for addresses it cannot express. Returns the length
 * written, or -EINVAL (bad version) / -ENOSPC (@len too small).
 */
int pp_build(int version, const struct sockaddr *src,
	     const struct sockaddr *dst, void *buf, size_t len);

/* What an inbound header said. @proxied is false for v1 UNKNOWN and v2
 * LOCAL (or non-IP families): the connection's own addresses stand.
 */
struct pp_info {
	int version;
	bool proxied;
	struct sockaddr_storage src;
	struct sockaddr_storage dst;
};

/* Parses the start of a stream, @buf of @len bytes. Returns the header
 * length (> 0) and fills @info; 0 when the bytes so far are a valid prefix
 * of a header and more are needed; -ENOMSG when the stream does not start
 * with a PROXY header; -EINVAL for a malformed or oversized header.
 */
int pp_parse(const void *buf, size_t len, struct pp_info *info);

#endif /* LB_L4_PROXY_PROTO_H */
