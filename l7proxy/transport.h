/* serversTransport TLS: the client side of the L7 proxy's connections to
 * HTTPS backends, built from one `serversTransports` entry with Traefik's
 * semantics (rootCAs, certificates, serverName, insecureSkipVerify,
 * peerCertURI). See docs/l7-rules-tls.md.
 *
 * A transport_tls holds one configured SSL_CTX; it is read-only after
 * transport_tls_new(), so any number of worker threads may call
 * transport_tls_ssl() and transport_tls_verify_peer() on it at once.
 */
#ifndef LB_L7_TRANSPORT_H
#define LB_L7_TRANSPORT_H

#include <stddef.h>

#include <openssl/ssl.h>

struct cfg_servers_transport;
struct transport_tls;

/* Builds the TLS client context of @t (NULL: Go's defaults, i.e. system
 * roots and verification against the URL host). Unusable rootCAs or
 * certificates entries are skipped, as Traefik does, and reported through
 * transport_tls_warning(). Borrows @t for the call. Returns the transport
 * (caller owns; free with transport_tls_free()) or NULL with a message in
 * @err when OpenSSL itself fails.
 */
struct transport_tls *transport_tls_new(const struct cfg_servers_transport *t,
					char *err, size_t errlen);

/* The @i-th warning of transport_tls_new() (an entry it skipped, and why),
 * or NULL past the last one. Borrowed; lives as long as @t.
 */
const char *transport_tls_warning(const struct transport_tls *t, size_t i);

/* A new client SSL for a connection to @url_host (the backend URL's host,
 * with or without [] for IPv6). SNI is serverName if set, else @url_host;
 * none for an IP literal. Unless insecureSkipVerify, the handshake fails
 * when the chain does not verify or the certificate does not match that name
 * (DNS SANs, or IP SANs for an IP; never the subject CN, as in Go). Caller
 * owns the SSL (SSL_free()). NULL on allocation failure, or when there is no
 * name to verify (no serverName and an empty @url_host).
 */
SSL *transport_tls_ssl(struct transport_tls *t, const char *url_host);

/* Call after a successful handshake of an SSL from transport_tls_ssl(). With
 * peerCertURI set, verifies the peer chain against rootCAs (system roots if
 * none) without any name check, even under insecureSkipVerify, and compares
 * the certificate's first URI SAN with peerCertURI (case-insensitively, the
 * host taken from the certificate). Returns 0 (also when peerCertURI is
 * unset) or -1 with Traefik's error text in @err, e.g. "peer certificate
 * mismatch got spiffe://a/x, want spiffe://a/y".
 */
int transport_tls_verify_peer(const struct transport_tls *t, SSL *ssl,
			      char *err, size_t errlen);

/* Describes why the handshake of @ssl failed, in Go's words where they
 * exist ("tls: failed to verify certificate: x509: certificate signed by
 * unknown authority"), else OpenSSL's reason from this thread's error queue.
 */
void transport_tls_error(const SSL *ssl, char *err, size_t errlen);

/* Frees @t. NULL-safe. Free every SSL made from @t first: their client
 * certificate callback reads @t.
 */
void transport_tls_free(struct transport_tls *t);

#endif /* LB_L7_TRANSPORT_H */
