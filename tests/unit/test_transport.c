/* Unit tests for l7proxy/transport.c: real TLS handshakes, both ends in this
 * process over an OpenSSL BIO pair. The PKI is generated at test time by
 * tests/l7/tls/gen-certs.sh into a temp dir (removed at the end).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "config_types.h"
#include "transport.h"

static char pki[64];		/* temp dir with the generated PKI */

/* The path of PKI file @name; stable for the whole run (cfg structs keep
 * these pointers).
 */
static char *pki_path(const char *name)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static char paths[32][128];
	static size_t n;
	char want[128];
	char *p = NULL;

	snprintf(want, sizeof(want), "%s/%s", pki, name);
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n && !p; i++)
		if (!strcmp(paths[i], want))
			p = paths[i];
	if (!p && n < 32)
		p = strcpy(paths[n++], want);
	pthread_mutex_unlock(&lock);
	assert_non_null(p);
	return p;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 65536);

	assert_non_null(f);
	assert_non_null(s);
	assert_true(fread(s, 1, 65535, f) > 0);
	fclose(f);
	return s;
}

/* The source tree: $SLUICE_SRC, the current directory (tests/run.sh runs
 * from the top), or four levels above build/tests/unit/<this binary>.
 */
static const char *source_dir(void)
{
	static char exe[4096];
	ssize_t n;

	if (getenv("SLUICE_SRC"))
		return getenv("SLUICE_SRC");
	if (!access("tests/l7/tls/gen-certs.sh", R_OK))
		return ".";
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return ".";
	exe[n] = '\0';
	for (int i = 0; i < 4 && strrchr(exe, '/'); i++)
		*strrchr(exe, '/') = '\0';
	return exe;
}

static int pki_setup(void **state)
{
	char cmd[4200];
	const char *src = source_dir();

	strcpy(pki, "/tmp/slrl-tls.XXXXXX");
	if (!mkdtemp(pki))
		return -1;
	snprintf(cmd, sizeof(cmd), "timeout 30 bash %s/tests/l7/tls/gen-certs.sh %s",
		 src, pki);
	return system(cmd) == 0 ? 0 : -1;
}

static int pki_teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", pki);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- an in-process TLS server ------------------------------------------ */

struct server {
	SSL_CTX *ctx;
	char sni[256];		/* last SNI received, "" if none */
	bool sni_seen;
};

static int sni_cb(SSL *ssl, int *alert, void *arg)
{
	struct server *s = arg;
	const char *n = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

	s->sni_seen = n != NULL;
	snprintf(s->sni, sizeof(s->sni), "%s", n ? n : "");
	return SSL_TLSEXT_ERR_OK;
}

/* A server presenting @cert; with @client_ca it requires a client
 * certificate issued by that CA.
 */
static void server_init(struct server *s, const char *cert, const char *client_ca)
{
	char key[64];

	snprintf(key, sizeof(key), "%.*s.key", (int)(strlen(cert) - 4), cert);
	memset(s, 0, sizeof(*s));
	s->ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(s->ctx);
	assert_int_equal(SSL_CTX_use_certificate_chain_file(s->ctx, pki_path(cert)), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey_file(s->ctx, pki_path(key),
						     SSL_FILETYPE_PEM), 1);
	SSL_CTX_set_tlsext_servername_callback(s->ctx, sni_cb);
	SSL_CTX_set_tlsext_servername_arg(s->ctx, s);
	if (client_ca) {
		assert_int_equal(SSL_CTX_load_verify_locations(s->ctx, pki_path(client_ca),
							       NULL), 1);
		SSL_CTX_set_client_CA_list(s->ctx, SSL_load_client_CA_file(pki_path(client_ca)));
		SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
				   NULL);
	}
}

struct conn {
	SSL *client;
	SSL *server;
	int client_rc;		/* 1: handshake done */
	int server_rc;
	char client_err[256];
};

static bool failed(SSL *ssl, int rc)
{
	int e = SSL_get_error(ssl, rc);

	return rc != 1 && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE;
}

/* Runs both ends of a handshake to completion or failure. */
static void handshake(struct conn *c, struct server *s, SSL *client)
{
	BIO *cb, *sb;

	memset(c, 0, sizeof(*c));
	c->client = client;
	c->server = SSL_new(s->ctx);
	assert_non_null(client);
	assert_non_null(c->server);
	assert_int_equal(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
	SSL_set_bio(client, cb, cb);
	SSL_set_bio(c->server, sb, sb);
	SSL_set_accept_state(c->server);
	for (int i = 0; i < 50; i++) {
		if (c->client_rc != 1) {
			c->client_rc = SSL_do_handshake(client);
			if (failed(client, c->client_rc)) {
				transport_tls_error(client, c->client_err,
						    sizeof(c->client_err));
				break;
			}
		}
		if (c->server_rc != 1) {
			c->server_rc = SSL_do_handshake(c->server);
			if (failed(c->server, c->server_rc))
				break;
		}
		if (c->client_rc == 1 && c->server_rc == 1)
			break;
	}
	ERR_clear_error();
}

/* After a handshake the client saw succeed: can it read the server's
 * bytes? (TLS 1.3 reports a rejected client certificate only here.)
 */
static bool client_reads(struct conn *c)
{
	char buf[8];
	int n;

	if (SSL_write(c->server, "pong", 4) != 4) {
		/* the server failed: deliver its alert */
		n = SSL_read(c->client, buf, sizeof(buf));
		ERR_clear_error();
		return n > 0;
	}
	n = SSL_read(c->client, buf, sizeof(buf));
	ERR_clear_error();
	return n == 4 && !memcmp(buf, "pong", 4);
}

static void conn_free(struct conn *c)
{
	SSL_free(c->client);
	SSL_free(c->server);
}

static void server_free(struct server *s)
{
	SSL_CTX_free(s->ctx);
}

/* ---- helpers ------------------------------------------------------------ */

static struct transport_tls *tls_new(struct cfg_servers_transport *cfg)
{
	char err[256] = "";
	struct transport_tls *t = transport_tls_new(cfg, err, sizeof(err));

	if (!t)
		fail_msg("transport_tls_new: %s", err);
	return t;
}

/* Handshake with @cert's server through a transport made of @cfg to
 * @url_host. Returns the client's error ("" on success).
 */
static void run(struct cfg_servers_transport *cfg, const char *cert,
		const char *url_host, char *err, struct server *s_out)
{
	struct transport_tls *t = tls_new(cfg);
	struct server s;
	struct conn c;

	server_init(&s, cert, NULL);
	handshake(&c, &s, transport_tls_ssl(t, url_host));
	strcpy(err, c.client_err);
	if (!err[0] && !(c.client_rc == 1 && c.server_rc == 1))
		strcpy(err, "handshake did not complete");
	if (!err[0] && !client_reads(&c))
		strcpy(err, "no data after handshake");
	if (s_out)
		*s_out = s;
	else
		server_free(&s);
	conn_free(&c);
	transport_tls_free(t);
}

#define ROOTS(...) ((struct cfg_strlist){ .v = (char *[]){ __VA_ARGS__ }, \
	.n = sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *) })

/* ---- tests -------------------------------------------------------------- */

static void test_right_ca_and_name(void **state)
{
	struct cfg_servers_transport cfg = { .root_cas = ROOTS(pki_path("ca.crt")) };
	struct server s;
	char err[256];

	run(&cfg, "server.crt", "backend.test", err, &s);
	assert_string_equal(err, "");
	assert_string_equal(s.sni, "backend.test");	/* SNI = URL host */
	server_free(&s);
	run(&cfg, "server.crt", "LOCALHOST", err, NULL);
	assert_string_equal(err, "");
	run(&cfg, "server.crt", "backend.test.", err, &s);	/* FQDN form */
	assert_string_equal(err, "");
	assert_string_equal(s.sni, "backend.test");
	server_free(&s);
}

static void test_wrong_ca(void **state)
{
	struct cfg_servers_transport cfg = { .root_cas = ROOTS(pki_path("wrongca.crt")) };
	char err[256];

	run(&cfg, "server.crt", "backend.test", err, NULL);
	assert_string_equal(err, "tls: failed to verify certificate: "
			    "x509: certificate signed by unknown authority");
}

static void test_system_roots_by_default(void **state)
{
	struct cfg_servers_transport cfg = { 0 };
	char err[256];

	/* our test CA is not a system root */
	run(&cfg, "server.crt", "backend.test", err, NULL);
	assert_string_equal(err, "tls: failed to verify certificate: "
			    "x509: certificate signed by unknown authority");
	run(NULL, "server.crt", "backend.test", err, NULL);
	assert_string_equal(err, "tls: failed to verify certificate: "
			    "x509: certificate signed by unknown authority");
}

static void test_wrong_name(void **state)
{
	struct cfg_servers_transport cfg = { .root_cas = ROOTS(pki_path("ca.crt")) };
	char err[256];

	run(&cfg, "server.crt", "other.test", err, NULL);
	assert_string_equal(err, "tls: failed to verify certificate: x509: certificate "
			    "is valid for backend.test, localhost, not other.test");
	/* an IP URL host is checked against the IP SANs */
	run(&cfg, "server.crt", "127.0.0.2", err, NULL);
	assert_string_equal(err, "tls: failed to verify certificate: x509: certificate "
			    "is valid for 127.0.0.1, not 127.0.0.2");
}

static void test_ip_literal(void **state)
{
	struct cfg_servers_transport cfg = { .root_cas = ROOTS(pki_path("ca.crt")) };
	struct server s;
	char err[256];

	run(&cfg, "server.crt", "127.0.0.1", err, &s);
	assert_string_equal(err, "");
	assert_false(s.sni_seen);		/* no SNI for an IP */
	server_free(&s);
}

static void test_server_name(void **state)
{
	struct cfg_servers_transport cfg = {
		.root_cas = ROOTS(pki_path("ca.crt")),
		.server_name = "backend.test",
	};
	struct server s;
	char err[256];

	run(&cfg, "server.crt", "10.1.2.3", err, &s);
	assert_string_equal(err, "");
	assert_true(s.sni_seen);
	assert_string_equal(s.sni, "backend.test");
	server_free(&s);
	/* serverName is also the verified name */
	cfg.server_name = "other.test";
	run(&cfg, "server.crt", "backend.test", err, &s);
	assert_string_equal(s.sni, "other.test");
	assert_string_equal(err, "tls: failed to verify certificate: x509: certificate "
			    "is valid for backend.test, localhost, not other.test");
	server_free(&s);
}

static void test_insecure_skip_verify(void **state)
{
	struct cfg_servers_transport cfg = {
		.root_cas = ROOTS(pki_path("wrongca.crt")),
		.insecure_skip_verify = true,
	};
	struct server s;
	char err[256];

	run(&cfg, "server.crt", "other.test", err, &s);
	assert_string_equal(err, "");
	assert_string_equal(s.sni, "other.test");
	server_free(&s);
}

static void test_inline_pem_root(void **state)
{
	char *pem = slurp(pki_path("ca.crt"));
	struct cfg_servers_transport cfg = { .root_cas = ROOTS(pem) };
	struct transport_tls *t;
	char err[256];

	run(&cfg, "server.crt", "backend.test", err, NULL);
	assert_string_equal(err, "");
	t = tls_new(&cfg);
	assert_null(transport_tls_warning(t, 0));
	transport_tls_free(t);
	free(pem);
}

static void test_unreadable_root_skipped(void **state)
{
	struct cfg_servers_transport cfg = {
		.root_cas = ROOTS("/nonexistent/slrl-ca.pem", pki_path("ca.key"),
				  pki_path("ca.crt")),
	};
	struct transport_tls *t = tls_new(&cfg);
	char err[256], want[256];

	assert_string_equal(transport_tls_warning(t, 0), "rootCAs[0] "
			    "(/nonexistent/slrl-ca.pem): no such file, and not inline PEM, skipped");
	snprintf(want, sizeof(want), "rootCAs[1] (%s): no PEM certificate found, skipped",
		 pki_path("ca.key"));
	assert_string_equal(transport_tls_warning(t, 1), want);
	assert_null(transport_tls_warning(t, 2));
	transport_tls_free(t);
	run(&cfg, "server.crt", "backend.test", err, NULL);
	assert_string_equal(err, "");
	/* only unreadable entries: an empty pool, not the system roots */
	cfg.root_cas = ROOTS("/nonexistent/slrl-ca.pem");
	run(&cfg, "server.crt", "backend.test", err, NULL);
	assert_string_equal(err, "tls: failed to verify certificate: "
			    "x509: certificate signed by unknown authority");
}

/* mTLS against a server that requires a client cert from ca. Returns true if
 * the client handshake and first read succeed; *@peer_cn gets the CN the
 * server saw.
 */
static bool mtls(struct cfg_servers_transport *cfg, char *peer_cn, size_t len)
{
	struct transport_tls *t = tls_new(cfg);
	struct server s;
	struct conn c;
	X509 *peer;
	bool ok;

	server_init(&s, "server.crt", "ca.crt");
	handshake(&c, &s, transport_tls_ssl(t, "backend.test"));
	ok = c.client_rc == 1 && client_reads(&c) && c.server_rc == 1;
	peer_cn[0] = '\0';
	peer = SSL_get0_peer_certificate(c.server);
	if (peer)
		X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName,
					  peer_cn, len);
	conn_free(&c);
	server_free(&s);
	transport_tls_free(t);
	return ok;
}

static void test_client_cert(void **state)
{
	struct cfg_cert_pair pair = { pki_path("client.crt"), pki_path("client.key") };
	struct cfg_servers_transport cfg = { .root_cas = ROOTS(pki_path("ca.crt")) };
	char cn[64];

	assert_false(mtls(&cfg, cn, sizeof(cn)));	/* no client cert */
	assert_string_equal(cn, "");
	cfg.certificates = &pair;
	cfg.n_certificates = 1;
	assert_true(mtls(&cfg, cn, sizeof(cn)));
	assert_string_equal(cn, "sluice-client");
}

static void test_client_cert_inline_and_selection(void **state)
{
	char *crt = slurp(pki_path("client.crt")), *key = slurp(pki_path("client.key"));
	struct cfg_cert_pair pairs[] = {
		{ pki_path("client.crt"), pki_path("wrongclient.key") },	/* mismatch */
		{ pki_path("wrongclient.crt"), pki_path("wrongclient.key") },
		{ crt, key },
	};
	struct cfg_servers_transport cfg = {
		.root_cas = ROOTS(pki_path("ca.crt")),
		.certificates = pairs,
		.n_certificates = 3,
	};
	struct transport_tls *t = tls_new(&cfg);
	char cn[64], want[256];

	snprintf(want, sizeof(want), "certificates[0] (%s): private key does not match "
		 "the certificate, skipped", pki_path("client.crt"));
	assert_string_equal(transport_tls_warning(t, 0), want);
	assert_null(transport_tls_warning(t, 1));
	transport_tls_free(t);
	/* the server asks for ca-issued certs: the inline one is chosen */
	assert_true(mtls(&cfg, cn, sizeof(cn)));
	assert_string_equal(cn, "sluice-client");
	/* only a wrong-CA cert: nothing acceptable, none sent */
	cfg.n_certificates = 2;
	assert_false(mtls(&cfg, cn, sizeof(cn)));
	assert_string_equal(cn, "");
	free(crt);
	free(key);
}

/* Handshake with @cert's server, then the peerCertURI check. */
static int peer_uri(struct cfg_servers_transport *cfg, const char *cert, char *err)
{
	struct transport_tls *t = tls_new(cfg);
	struct server s;
	struct conn c;
	int rc;

	server_init(&s, cert, NULL);
	handshake(&c, &s, transport_tls_ssl(t, strcmp(cert, "nouri.crt") ?
					    "backend.test" : "nouri.test"));
	if (c.client_rc != 1)
		fail_msg("handshake: %s", c.client_err);
	err[0] = '\0';
	rc = transport_tls_verify_peer(t, c.client, err, 256);
	conn_free(&c);
	server_free(&s);
	transport_tls_free(t);
	return rc;
}

static void test_peer_cert_uri(void **state)
{
	struct cfg_servers_transport cfg = {
		.root_cas = ROOTS(pki_path("ca.crt")),
		.insecure_skip_verify = true,
		.peer_cert_uri = "spiffe://example.org/ns/default/sa/backend",
	};
	char err[256];

	assert_int_equal(peer_uri(&cfg, "server.crt", err), 0);
	/* the host of the expected URI is replaced by the certificate's */
	cfg.peer_cert_uri = "spiffe://other-domain.test/ns/default/sa/backend";
	assert_int_equal(peer_uri(&cfg, "server.crt", err), 0);
	cfg.peer_cert_uri = "SPIFFE://x/NS/Default/sa/BACKEND";
	assert_int_equal(peer_uri(&cfg, "server.crt", err), 0);
	/* also without insecureSkipVerify */
	cfg.insecure_skip_verify = false;
	assert_int_equal(peer_uri(&cfg, "server.crt", err), 0);
	/* unset: nothing checked */
	cfg.peer_cert_uri = NULL;
	assert_int_equal(peer_uri(&cfg, "nouri.crt", err), 0);
}

static void test_peer_cert_uri_mismatch(void **state)
{
	struct cfg_servers_transport cfg = {
		.root_cas = ROOTS(pki_path("ca.crt")),
		.insecure_skip_verify = true,
		.peer_cert_uri = "spiffe://other.test/ns/prod/sa/backend",
	};
	char err[256];

	assert_int_equal(peer_uri(&cfg, "server.crt", err), -1);
	assert_string_equal(err, "peer certificate mismatch got "
			    "spiffe://example.org/ns/default/sa/backend, want "
			    "spiffe://other.test/ns/prod/sa/backend");
	assert_int_equal(peer_uri(&cfg, "nouri.crt", err), -1);
	assert_string_equal(err, "peer certificate mismatch: peer certificate invalid");
}

static void test_peer_cert_uri_verifies_chain(void **state)
{
	/* insecureSkipVerify skips the handshake check, not peerCertURI's */
	struct cfg_servers_transport cfg = {
		.root_cas = ROOTS(pki_path("wrongca.crt")),
		.insecure_skip_verify = true,
		.peer_cert_uri = "spiffe://example.org/ns/default/sa/backend",
	};
	struct transport_tls *t;
	SSL *ssl;
	char err[256];

	assert_int_equal(peer_uri(&cfg, "server.crt", err), -1);
	assert_string_equal(err, "x509: certificate signed by unknown authority");
	/* no rootCAs: system roots, which do not know our CA */
	cfg.root_cas = (struct cfg_strlist){ 0 };
	assert_int_equal(peer_uri(&cfg, "server.crt", err), -1);
	assert_string_equal(err, "x509: certificate signed by unknown authority");
	/* no handshake yet: no peer certificate */
	t = tls_new(&cfg);
	ssl = transport_tls_ssl(t, "backend.test");
	assert_non_null(ssl);
	assert_int_equal(transport_tls_verify_peer(t, ssl, err, sizeof(err)), -1);
	assert_string_equal(err, "peer certificate mismatch: no peer certificate presented");
	SSL_free(ssl);
	transport_tls_free(t);
}

static void test_no_name(void **state)
{
	struct cfg_servers_transport cfg = { .root_cas = ROOTS(pki_path("ca.crt")) };
	struct transport_tls *t = tls_new(&cfg);

	/* nothing to verify against: refused unless insecureSkipVerify */
	assert_null(transport_tls_ssl(t, ""));
	transport_tls_free(t);
}

struct worker {
	struct transport_tls *t;
	int ok;
};

static void *handshake_loop(void *arg)
{
	struct worker *w = arg;
	struct server s;
	struct conn c;

	server_init(&s, "server.crt", "ca.crt");
	for (int i = 0; i < 20; i++) {
		handshake(&c, &s, transport_tls_ssl(w->t, "backend.test"));
		if (c.client_rc == 1 && client_reads(&c) &&
		    !transport_tls_verify_peer(w->t, c.client, c.client_err, 256))
			w->ok++;
		conn_free(&c);
	}
	server_free(&s);
	return NULL;
}

/* One transport shared by several threads handshaking at once. */
static void test_shared_across_threads(void **state)
{
	struct cfg_cert_pair pair = { pki_path("client.crt"), pki_path("client.key") };
	struct cfg_servers_transport cfg = {
		.root_cas = ROOTS(pki_path("ca.crt")),
		.certificates = &pair,
		.n_certificates = 1,
		.peer_cert_uri = "spiffe://example.org/ns/default/sa/backend",
	};
	struct worker w[4];
	pthread_t th[4];

	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .t = tls_new(&cfg) };
		if (i)
			transport_tls_free(w[i].t), w[i].t = w[0].t;
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, handshake_loop, &w[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].ok, 20);
	}
	transport_tls_free(w[0].t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_right_ca_and_name),
		cmocka_unit_test(test_wrong_ca),
		cmocka_unit_test(test_system_roots_by_default),
		cmocka_unit_test(test_wrong_name),
		cmocka_unit_test(test_ip_literal),
		cmocka_unit_test(test_server_name),
		cmocka_unit_test(test_insecure_skip_verify),
		cmocka_unit_test(test_inline_pem_root),
		cmocka_unit_test(test_unreadable_root_skipped),
		cmocka_unit_test(test_client_cert),
		cmocka_unit_test(test_client_cert_inline_and_selection),
		cmocka_unit_test(test_peer_cert_uri),
		cmocka_unit_test(test_peer_cert_uri_mismatch),
		cmocka_unit_test(test_peer_cert_uri_verifies_chain),
		cmocka_unit_test(test_no_name),
		cmocka_unit_test(test_shared_across_threads),
	};

	return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
