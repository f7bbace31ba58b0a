/* Peeking at a TLS ClientHello for the server name (SNI), for HostSNI
 * routing of TLS passthrough connections. Like Traefik, only the first TLS
 * record is examined; a ClientHello that does not parse there is a TLS
 * connection without a server name. Pure: no I/O, no allocation.
 */
#ifndef LB_L4_SNI_H
#define LB_L4_SNI_H

#include <stddef.h>

/* Largest first record we wait for: 5-byte header plus 2^14 + 2048 (the
 * TLSCiphertext limit, generous for a plaintext handshake record).
 */
#define SNI_PEEK_MAX	(5 + 16384 + 2048)
#define SNI_NAME_MAX	255

enum sni_result {
	SNI_NEED_MORE,		/* a TLS record has begun; wait for more */
	SNI_NOT_TLS,		/* first byte is not a handshake record */
	SNI_TLS,		/* TLS; @name set, "" when absent/malformed */
};

/* Examines the first @len bytes of a stream. On SNI_TLS, @name (at least
 * SNI_NAME_MAX + 1 bytes) holds the host name, lower-cased.
 */
enum sni_result sni_peek(const void *buf, size_t len, char *name);

#endif /* LB_L4_SNI_H */
