/* Backend connections: dialling (plain or TLS through serversTransport),
 * the per-worker idle pool (maxIdleConnsPerHost, idleConnTimeout) and the
 * mapping of connection errors to Traefik's status codes.
 *
 * A connection in use belongs to one client connection, which installs
 * its own bufferevent callbacks; upstream_put() gives it back.
 */
#ifndef LB_L7_UPSTREAM_H
#define LB_L7_UPSTREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <http_parser.h>
#include <openssl/ssl.h>

struct worker;
struct l7_server;
struct l7_transport;
struct bufferevent;
struct event;
struct pool_bucket;
struct tls_ref;
struct sockread;

struct upstream {
	struct worker *w;
	struct bufferevent *bev;
	struct sockread *rd;	/* plain sockets: reads (sockread.h) */
	struct event *timer;
	SSL *ssl;		/* TLS backends; freed with bev */
	struct tls_ref *tls;	/* held while ssl lives */
	bool connected;
	bool idle;
	char *key;		/* idle-pool key */
	int max_idle;
	int64_t idle_timeout;	/* ns */
	struct pool_bucket *bucket;	/* while idle */
	TAILQ_ENTRY(upstream) link;
	void (*on_timer)(void *arg);
	void *arg;
	unsigned requests;	/* requests sent on this connection */
	http_parser *drain;	/* finishing a response nobody waits for */
	bool drain_head;	/* ... to a HEAD request */
	bool drain_done;
};

/* An idle connection to @s through @t from worker @w's pool, or a new one
 * being dialled (bufferevent connecting; output may be queued at once).
 * *@reused tells which. Returns NULL with the HTTP status to answer in
 * *@status (500: TLS not usable, 502: no address or socket error).
 */
struct upstream *upstream_get(struct worker *w, const struct l7_server *s,
			      const struct l7_transport *t, bool *reused,
			      int *status);

/* Called on BEV_EVENT_CONNECTED: checks the TLS peer (peerCertURI).
 * Returns 0, or 500 with Traefik's error text in @err.
 */
int upstream_connected(struct upstream *u, const struct l7_transport *t,
		       char *err, size_t errlen);

/* The status Traefik answers for a failed backend connection event @what
 * (BEV_EVENT_* flags, errno still set): 502 for EOF, resets and refusals,
 * 504 for timeouts, 500 for TLS certificate verification failures.
 */
int upstream_error_status(struct upstream *u, short what);

/* Arms the connection's timer: @cb(@arg) after @ns nanoseconds; @ns 0
 * disarms it.
 */
void upstream_timer(struct upstream *u, int64_t ns, void (*cb)(void *arg),
		    void *arg);

/* Gives @u back: into the idle pool if @reusable and the pool has room,
 * otherwise closed.
 */
void upstream_put(struct upstream *u, bool reusable);

/* The client of the request on @u left before its response ended. Rather
 * than closing a connection that is otherwise fine, the rest of the
 * response is read and discarded (parser state @rp, within @ns
 * nanoseconds), then @u goes back to the pool as upstream_put(u, true)
 * would put it; a response that ends the connection, or one that is not
 * over in time, closes it. HAProxy keeps its server
 * connections the same way; a new connection, TLS above all, would cost a
 * handshake on the next request's path. Takes ownership of @u; closes it
 * when it cannot drain (no memory).
 */
void upstream_drain(struct upstream *u, const http_parser *rp, bool head_req,
		    int64_t ns);

/* Closes @u now. NULL-safe. */
void upstream_free(struct upstream *u);

/* Writes the start of @buf to @u now when nothing is queued before it (a
 * pooled connection): send() on plain sockets, SSL_write() on TLS ones,
 * saving libevent's write event (two epoll_ctl calls and a loop iteration
 * per request). Returns how many bytes went out (0 on EAGAIN, errors, or
 * with bytes queued); the caller queues the rest from there, and errors
 * show up through the bufferevent. A TLS record OpenSSL could not finish
 * is completed by libevent's next SSL_write() of the queued bytes
 * (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, set by transport_tls_ssl()).
 */
size_t upstream_write_now(struct upstream *u, const void *buf, size_t len);

/* Turns reading @u's backend on or off (sockread.h for plain sockets,
 * libevent's for TLS); upstream_reading() tells which.
 */
void upstream_read(struct upstream *u, bool on);
bool upstream_reading(const struct upstream *u);

/* Closes every idle and draining connection of @w. */
void upstream_pool_flush(struct worker *w);

#endif /* LB_L7_UPSTREAM_H */
