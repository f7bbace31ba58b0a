/* serversTransport TLS with OpenSSL 3, following Traefik's createRoundTripper
 * (v2 pkg/server/service/roundtripper.go) and VerifyPeerCertificate
 * (v2 pkg/tls/certificate.go).
 *
 * Values that are "a file or inline PEM" follow Traefik's FileOrContent: a
 * path that exists is read as a file, anything else is taken as content.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "config_types.h"
#include "transport.h"

#define TRANSPORT_MAX_WARNINGS	32

/* One client certificate from `certificates`. */
struct client_cert {
	X509 *cert;
	EVP_PKEY *key;
	STACK_OF(X509) *chain;	/* intermediates after the leaf; may be NULL */
};

/* SSL ex_data slot holding the leaf certificate of a failed verification,
 * for transport_tls_error() (OpenSSL does not keep the peer certificate of
 * a handshake it rejected).
 */
static int failed_leaf_idx = -1;
static pthread_once_t failed_leaf_once = PTHREAD_ONCE_INIT;

static void failed_leaf_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
			     long argl, void *argp)
{
	X509_free(ptr);
}

static void failed_leaf_init(void)
{
	failed_leaf_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, failed_leaf_free);
}

/* Keeps the leaf when verification fails; never changes the verdict. */
static int remember_failed_leaf(int ok, X509_STORE_CTX *vctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(vctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	X509 *leaf = X509_STORE_CTX_get0_cert(vctx);

	if (!ok && ssl && leaf && failed_leaf_idx >= 0 &&
	    !SSL_get_ex_data(ssl, failed_leaf_idx) && X509_up_ref(leaf) == 1 &&
	    SSL_set_ex_data(ssl, failed_leaf_idx, leaf) != 1)
		X509_free(leaf);
	return ok;
}

struct transport_tls {
	SSL_CTX *ctx;
	char *server_name;		/* NULL: use the URL host */
	char *peer_cert_uri;		/* NULL: no post-handshake check */
	bool insecure_skip_verify;
	struct client_cert *certs;
	size_t n_certs;
	char *warnings[TRANSPORT_MAX_WARNINGS];
	size_t n_warnings;
};

__attribute__((format(printf, 2, 3)))
static void warn(struct transport_tls *t, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (t->n_warnings == TRANSPORT_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) >= 0)
		t->warnings[t->n_warnings++] = msg;
	va_end(ap);
}

/* OpenSSL's most recent reason on this thread, or @fallback. Clears the
 * queue.
 */
static const char *ssl_reason(const char *fallback)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r ? r : fallback;
}

/* Opens a FileOrContent value. Returns a BIO or NULL with the reason in
 * @why. @what names the value in messages.
 */
static BIO *file_or_content(const char *v, const char **why)
{
	struct stat st;
	BIO *b;

	if (!v || !*v) {
		*why = "empty value";
		return NULL;
	}
	if (stat(v, &st) == 0) {
		b = BIO_new_file(v, "r");
		if (!b)
			*why = "cannot open file";
		return b;
	}
	if (!strstr(v, "-----BEGIN")) {
		*why = "no such file, and not inline PEM";
		return NULL;
	}
	b = BIO_new_mem_buf(v, -1);
	if (!b)
		*why = "out of memory";
	return b;
}

/* Short form of a value for messages: the path, or "inline PEM". */
static const char *shown(const char *v)
{
	return v && strstr(v, "-----BEGIN") ? "inline PEM" : (v ? v : "");
}

static int add_root_ca(struct transport_tls *t, X509_STORE *store, size_t i,
		       const char *v)
{
	const char *why = NULL;
	BIO *b = file_or_content(v, &why);
	X509 *x;
	int n = 0;

	if (!b) {
		warn(t, "rootCAs[%zu] (%s): %s, skipped", i, shown(v), why);
		return 0;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		if (X509_STORE_add_cert(store, x) == 1)
			n++;
		X509_free(x);
	}
	ERR_clear_error();	/* end of input reads as an error */
	BIO_free(b);
	if (!n)
		warn(t, "rootCAs[%zu] (%s): no PEM certificate found, skipped", i, shown(v));
	return n;
}

/* rootCAs given: trust exactly those (even if none could be read, as
 * Traefik's empty pool does). Otherwise the system's default roots.
 */
static int setup_roots(struct transport_tls *t, const struct cfg_servers_transport *c,
		       char *err, size_t errlen)
{
	X509_STORE *store = SSL_CTX_get_cert_store(t->ctx);

	if (!c || !c->root_cas.n) {
		if (SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
			snprintf(err, errlen, "cannot load system CA roots: %s",
				 ssl_reason("unknown error"));
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < c->root_cas.n; i++)
		add_root_ca(t, store, i, c->root_cas.v[i]);
	return 0;
}

static void client_cert_clear(struct client_cert *cc)
{
	X509_free(cc->cert);
	EVP_PKEY_free(cc->key);
	sk_X509_pop_free(cc->chain, X509_free);
	memset(cc, 0, sizeof(*cc));
}

/* Loads one certFile/keyFile pair into @cc. Returns 0, or -1 with the reason
 * in @why.
 */
static int client_cert_load(const struct cfg_cert_pair *p, struct client_cert *cc,
			    const char **why)
{
	BIO *b;
	X509 *x;

	b = file_or_content(p->cert_file, why);
	if (!b)
		return -1;
	cc->cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	while (cc->cert && (x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		if (!cc->chain)
			cc->chain = sk_X509_new_null();
		if (!cc->chain || !sk_X509_push(cc->chain, x)) {
			X509_free(x);
			break;
		}
	}
	BIO_free(b);
	ERR_clear_error();
	if (!cc->cert) {
		*why = "no PEM certificate in certFile";
		return -1;
	}
	b = file_or_content(p->key_file, why);
	if (!b)
		goto out_clear;
	cc->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!cc->key) {
		*why = "no PEM private key in keyFile";
		goto out_clear;
	}
	if (X509_check_private_key(cc->cert, cc->key) != 1) {
		*why = "private key does not match the certificate";
		goto out_clear;
	}
	ERR_clear_error();
	return 0;

out_clear:
	ERR_clear_error();
	client_cert_clear(cc);
	return -1;
}

static bool name_in_list(const X509_NAME *n, const STACK_OF(X509_NAME) *list)
{
	for (int i = 0; i < sk_X509_NAME_num(list); i++)
		if (!X509_NAME_cmp(n, sk_X509_NAME_value(list, i)))
			return true;
	return false;
}

/* Does @cc chain to one of the CAs the server asked for? As Go's
 * SupportsCertificate: an empty list accepts any certificate; otherwise the
 * issuer of some certificate of the chain must be listed.
 */
static bool client_cert_acceptable(const struct client_cert *cc,
				   const STACK_OF(X509_NAME) *cas)
{
	if (!cas || !sk_X509_NAME_num(cas))
		return true;
	if (name_in_list(X509_get_issuer_name(cc->cert), cas))
		return true;
	for (int i = 0; cc->chain && i < sk_X509_num(cc->chain); i++)
		if (name_in_list(X509_get_issuer_name(sk_X509_value(cc->chain, i)), cas))
			return true;
	return false;
}

/* Called when the server requests a client certificate: picks the first
 * configured one the server accepts (Go's getClientCertificate); none sends
 * an empty certificate list.
 */
static int client_cert_cb(SSL *ssl, void *arg)
{
	const struct transport_tls *t = arg;
	const STACK_OF(X509_NAME) *cas = SSL_get0_peer_CA_list(ssl);
	const struct client_cert *cc;

	for (size_t i = 0; i < t->n_certs; i++) {
		cc = &t->certs[i];
		if (!client_cert_acceptable(cc, cas))
			continue;
		return SSL_use_cert_and_key(ssl, cc->cert, cc->key, cc->chain, 1) == 1;
	}
	return 1;
}

static int setup_client_certs(struct transport_tls *t,
			      const struct cfg_servers_transport *c)
{
	const char *why;

	if (!c || !c->n_certificates)
		return 0;
	t->certs = calloc(c->n_certificates, sizeof(*t->certs));
	if (!t->certs)
		return -1;
	for (size_t i = 0; i < c->n_certificates; i++) {
		if (client_cert_load(&c->certificates[i], &t->certs[t->n_certs], &why)) {
			warn(t, "certificates[%zu] (%s): %s, skipped", i,
			     shown(c->certificates[i].cert_file), why);
			continue;
		}
		t->n_certs++;
	}
	SSL_CTX_set_cert_cb(t->ctx, client_cert_cb, t);
	return 0;
}

static int copy_settings(struct transport_tls *t, const struct cfg_servers_transport *c)
{
	if (!c)
		return 0;
	t->insecure_skip_verify = c->insecure_skip_verify;
	if (c->server_name && *c->server_name) {
		t->server_name = strdup(c->server_name);
		if (!t->server_name)
			return -1;
	}
	if (c->peer_cert_uri && *c->peer_cert_uri) {
		t->peer_cert_uri = strdup(c->peer_cert_uri);
		if (!t->peer_cert_uri)
			return -1;
	}
	return 0;
}

struct transport_tls *transport_tls_new(const struct cfg_servers_transport *c,
					char *err, size_t errlen)
{
	struct transport_tls *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx) {
		snprintf(err, errlen, "cannot create TLS context: %s",
			 ssl_reason("unknown error"));
		goto out_free;
	}
	/* Go's client default since 1.18. */
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	if (copy_settings(t, c) || setup_client_certs(t, c)) {
		snprintf(err, errlen, "out of memory");
		goto out_free;
	}
	if (setup_roots(t, c, err, errlen))
		goto out_free;
	pthread_once(&failed_leaf_once, failed_leaf_init);
	SSL_CTX_set_verify(t->ctx, t->insecure_skip_verify ? SSL_VERIFY_NONE :
			   SSL_VERIFY_PEER, remember_failed_leaf);
	return t;

out_free:
	transport_tls_free(t);
	return NULL;
}

const char *transport_tls_warning(const struct transport_tls *t, size_t i)
{
	return t && i < t->n_warnings ? t->warnings[i] : NULL;
}

/* The name to send and verify: @h without IPv6 brackets or a trailing dot
 * (Go strips both), copied into @buf when changed.
 */
static const char *bare_host(const char *h, char *buf, size_t len)
{
	size_t n = strlen(h);

	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	} else if (n > 1 && h[n - 1] == '.') {
		n--;
	}
	if (n >= len)
		return "";
	memcpy(buf, h, n);
	buf[n] = '\0';
	return buf;
}

static bool is_ip_literal(const char *h)
{
	unsigned char a[16];

	return inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1;
}

SSL *transport_tls_ssl(struct transport_tls *t, const char *url_host)
{
	char buf[256];
	const char *name;
	X509_VERIFY_PARAM *vp;
	SSL *ssl;

	name = t->server_name ? t->server_name : (url_host ? url_host : "");
	name = bare_host(name, buf, sizeof(buf));
	if (!*name && !t->insecure_skip_verify)
		return NULL;
	ssl = SSL_new(t->ctx);
	if (!ssl)
		return NULL;
	SSL_set_connect_state(ssl);
	/* upstream_write_now() writes with SSL_write() itself; a record it
	 * leaves unfinished is retried by libevent from its own buffer */
	SSL_set_mode(ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (*name && !is_ip_literal(name) && SSL_set_tlsext_host_name(ssl, name) != 1)
		goto out_free;
	if (t->insecure_skip_verify)
		return ssl;
	vp = SSL_get0_param(ssl);
	/* Go never falls back to the subject CN and allows only "*." wildcards. */
	X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
					X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (is_ip_literal(name)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, name) != 1)
			goto out_free;
	} else if (SSL_set1_host(ssl, name) != 1) {
		goto out_free;
	}
	return ssl;

out_free:
	SSL_free(ssl);
	return NULL;
}

/* Appends the DNS (or IP) SANs of @x to @out, comma-separated. */
static void list_sans(X509 *x, bool ip, char *out, size_t len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;
	char addr[INET6_ADDRSTRLEN];
	const char *s;

	out[0] = '\0';
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const unsigned char *d;
		int dl;

		if (!ip && g->type == GEN_DNS) {
			s = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
		} else if (ip && g->type == GEN_IPADD) {
			d = ASN1_STRING_get0_data(g->d.iPAddress);
			dl = ASN1_STRING_length(g->d.iPAddress);
			s = inet_ntop(dl == 4 ? AF_INET : AF_INET6, d, addr, sizeof(addr));
			if (dl != 4 && dl != 16)
				s = NULL;
		} else {
			continue;
		}
		if (s && used < len)
			used += snprintf(out + used, len - used, "%s%s", used ? ", " : "", s);
	}
	GENERAL_NAMES_free(gens);
}

/* Go's wording for a chain or name verification failure of @peer. */
static void x509_error(long code, X509 *peer, const char *name, char *err, size_t errlen)
{
	char sans[256];

	switch (code) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		snprintf(err, errlen, "x509: certificate signed by unknown authority");
		return;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		snprintf(err, errlen, "x509: certificate has expired or is not yet valid");
		return;
	case X509_V_ERR_INVALID_PURPOSE:
		snprintf(err, errlen,
			 "x509: certificate specifies an incompatible key usage");
		return;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		sans[0] = '\0';
		if (peer)
			list_sans(peer, code == X509_V_ERR_IP_ADDRESS_MISMATCH,
				  sans, sizeof(sans));
		if (sans[0])
			snprintf(err, errlen, "x509: certificate is valid for %s, not %s",
				 sans, name ? name : "");
		else
			snprintf(err, errlen, "x509: certificate is not valid for %s",
				 name ? name : "");
		return;
	default:
		snprintf(err, errlen, "x509: %s", X509_verify_cert_error_string(code));
	}
}

void transport_tls_error(const SSL *ssl, char *err, size_t errlen)
{
	long code = SSL_get_verify_result(ssl);
	X509_VERIFY_PARAM *vp = SSL_get0_param((SSL *)ssl);
	const char *name;
	char x[256], *ip = NULL;

	/* under insecureSkipVerify a bad chain is not why it failed */
	if (code != X509_V_OK && (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER)) {
		name = X509_VERIFY_PARAM_get0_host(vp, 0);
		if (!name)
			name = ip = X509_VERIFY_PARAM_get1_ip_asc(vp);
		x509_error(code, failed_leaf_idx >= 0 ?
			   SSL_get_ex_data(ssl, failed_leaf_idx) : NULL, name, x, sizeof(x));
		OPENSSL_free(ip);
		snprintf(err, errlen, "tls: failed to verify certificate: %s", x);
		return;
	}
	snprintf(err, errlen, "tls: %s", ssl_reason("handshake failed"));
}

/* Chain check without names, against the transport's trust store. */
static int verify_chain(const struct transport_tls *t, SSL *ssl, X509 *leaf,
			char *err, size_t errlen)
{
	X509_STORE_CTX *vctx = X509_STORE_CTX_new();
	int ok = -1;

	if (!vctx) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (X509_STORE_CTX_init(vctx, SSL_CTX_get_cert_store(t->ctx), leaf,
				SSL_get_peer_cert_chain(ssl)) != 1) {
		snprintf(err, errlen, "x509: %s", ssl_reason("cannot verify"));
		goto out_free;
	}
	X509_STORE_CTX_set_purpose(vctx, X509_PURPOSE_SSL_SERVER);
	if (X509_verify_cert(vctx) == 1)
		ok = 0;
	else
		x509_error(X509_STORE_CTX_get_error(vctx), leaf, NULL, err, errlen);
	ERR_clear_error();
out_free:
	X509_STORE_CTX_free(vctx);
	return ok;
}

/* The first URI SAN of @x, or NULL. Borrowed from @gens. */
static const char *first_uri_san(const GENERAL_NAMES *gens)
{
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_URI)
			return (const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
	}
	return NULL;
}

/* Splits "scheme://[user@]host/rest" at the host: *@host_at and *@rest_at
 * index the host and what follows it. False when there is no authority.
 */
static bool split_uri(const char *u, size_t *host_at, size_t *rest_at)
{
	const char *sep = strstr(u, "://"), *a, *end, *at;

	if (!sep || sep == u)
		return false;
	a = sep + 3;
	end = a + strcspn(a, "/?#");
	at = memchr(a, '@', end - a);
	*host_at = (at ? at + 1 : a) - u;
	*rest_at = end - u;
	return true;
}

static bool uri_valid(const char *u)
{
	for (; *u; u++)
		if ((unsigned char)*u <= ' ' || *u == 0x7f)
			return false;
	return true;
}

/* Compares @got (the certificate's URI) with @want after giving @want the
 * host of @got, as Traefik's verifyServerCertMatchesURI.
 */
static int match_uri(const char *got, const char *want, char *err, size_t errlen)
{
	size_t gh, gr, wh, wr;
	char *expect;
	int rc;

	if (!uri_valid(want)) {
		snprintf(err, errlen, "\"%s\" is not a valid URI", want);
		return -1;
	}
	if (split_uri(got, &gh, &gr) && split_uri(want, &wh, &wr)) {
		if (asprintf(&expect, "%.*s%.*s%s", (int)wh, want, (int)(gr - gh),
			     got + gh, want + wr) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		rc = strcasecmp(got, expect);
		free(expect);
	} else {
		rc = strcasecmp(got, want);
	}
	if (!rc)
		return 0;
	snprintf(err, errlen, "peer certificate mismatch got %s, want %s", got, want);
	return -1;
}

int transport_tls_verify_peer(const struct transport_tls *t, SSL *ssl,
			      char *err, size_t errlen)
{
	X509 *leaf;
	GENERAL_NAMES *gens;
	const char *uri;
	int rc;

	if (!t->peer_cert_uri)
		return 0;
	leaf = SSL_get0_peer_certificate(ssl);
	if (!leaf) {
		snprintf(err, errlen, "peer certificate mismatch: no peer certificate presented");
		return -1;
	}
	if (verify_chain(t, ssl, leaf, err, errlen))
		return -1;
	gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	uri = first_uri_san(gens);
	if (!uri) {
		snprintf(err, errlen, "peer certificate mismatch: peer certificate invalid");
		rc = -1;
	} else {
		rc = match_uri(uri, t->peer_cert_uri, err, errlen);
	}
	GENERAL_NAMES_free(gens);
	return rc;
}

void transport_tls_free(struct transport_tls *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	for (size_t i = 0; i < t->n_certs; i++)
		client_cert_clear(&t->certs[i]);
	free(t->certs);
	for (size_t i = 0; i < t->n_warnings; i++)
		free(t->warnings[i]);
	free(t->server_name);
	free(t->peer_cert_uri);
	free(t);
}
