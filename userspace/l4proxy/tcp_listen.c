/* TCP entryPoints: accept, read an inbound PROXY header (trusted peers),
 * peek at a ClientHello when TLS routes exist, route, pick a server, dial
 * it with a timeout, write the outbound PROXY header, then hand both
 * sockets to tcp_conn.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "l4_internal.h"
#include "proxy_proto.h"
#include "sni.h"

enum pre_state {
	PRE_PROXY_HDR,		/* waiting for an inbound PROXY header */
	PRE_HELLO,		/* waiting for a ClientHello */
	PRE_DIAL,		/* connecting to the backend */
};

/* A connection from accept until forwarding starts. */
struct l4_pre {
	struct l4_pre *next, **pprev;
	struct l4proxy *px;
	struct l4_graph *graph;		/* reference */
	struct l4_entry *entry;
	enum pre_state state;
	bool expired;			/* the preamble deadline passed */
	int cfd, bfd;
	struct sockaddr_storage peer;	/* client, after a PROXY header */
	struct sockaddr_storage local;	/* our end, after a PROXY header */
	struct event *ev;		/* cfd (edge-triggered) or bfd */
	struct event *timer;		/* preamble deadline */
	struct l4_service *leaf;
	struct l4_server *srv;
	unsigned char hdr[PP_BUILD_MAX];
	size_t hdr_len;
	bool steered;			/* accepted from a steered listener */
	struct lb_flow_key tuple;	/* ... its lb_flows key */
};

void l4_tcp_pre_free(struct l4_pre *pre)
{
	if (pre->ev)
		event_free(pre->ev);
	if (pre->timer)
		event_free(pre->timer);
	if (pre->cfd >= 0)
		close(pre->cfd);
	if (pre->bfd >= 0)
		close(pre->bfd);
	if (pre->pprev) {
		*pre->pprev = pre->next;
		if (pre->next)
			pre->next->pprev = pre->pprev;
	}
	l4_graph_put(pre->graph, &pre->px->reg);
	free(pre);
}

void l4_tcp_pres_free_all(struct l4proxy *px)
{
	while (px->pres)
		l4_tcp_pre_free(px->pres);
}

static void pre_step(struct l4_pre *pre, bool timed_out);

static void pre_cb(evutil_socket_t fd, short what, void *arg)
{
	pre_step(arg, what & EV_TIMEOUT);
}

/* Waits for @what on the backend socket, at most @secs. */
static int pre_wait_backend(struct l4_pre *pre, short what, int secs)
{
	struct timeval tv = { .tv_sec = secs };

	if (pre->timer)
		evtimer_del(pre->timer);
	if (pre->ev)
		event_free(pre->ev);
	pre->ev = event_new(pre->px->base, pre->bfd, what, pre_cb, pre);
	if (!pre->ev || event_add(pre->ev, &tv))
		return -ENOMEM;
	return 0;
}

/* Peeks at what the client sent so far. Returns bytes, or -errno
 * (-EAGAIN: nothing yet). 0 means the client closed.
 */
static ssize_t pre_peek(struct l4_pre *pre, unsigned char *buf, size_t len)
{
	ssize_t n = recv(pre->cfd, buf, len, MSG_PEEK);

	return n < 0 ? -errno : n;
}

/* Returns 1 when done with this stage, 0 to wait, -1 to close. */
static int pre_proxy_hdr(struct l4_pre *pre, bool timed_out)
{
	unsigned char buf[PP_V2_MAX_LEN];
	struct pp_info info;
	ssize_t n;
	int len;

	n = pre_peek(pre, buf, sizeof(buf));
	if (n == -EAGAIN)
		return timed_out ? 1 : 0;
	if (n <= 0)
		return -1;
	len = pp_parse(buf, (size_t)n, &info);
	if (len == -ENOMSG)
		return 1;		/* no header: the peer's own address */
	if (len == 0)
		return timed_out ? -1 : 0;
	if (len < 0) {
		pre->entry->stats->pp_errors++;
		return -1;
	}
	if (recv(pre->cfd, buf, (size_t)len, 0) != len)
		return -1;
	/* go-proxyproto IGNORE: an untrusted peer's header is consumed and
	 * its addresses are not used.
	 */
	if (!l4_graph_trusted(pre->entry, (struct sockaddr *)&pre->peer)) {
		pre->entry->stats->pp_ignored++;
		return 1;
	}
	if (info.proxied) {
		pre->peer = info.src;
		pre->local = info.dst;
	}
	pre->entry->stats->pp_in++;
	return 1;
}

/* Routes by ClientHello. Returns 1 when routed, 0 to wait, -1 to close. */
static int pre_hello(struct l4_pre *pre, bool timed_out, struct l4_route **rt)
{
	static unsigned char buf[SNI_PEEK_MAX];
	char name[SNI_NAME_MAX + 1];
	enum sni_result r;
	ssize_t n;

	n = pre_peek(pre, buf, sizeof(buf));
	if (n == 0 || (n < 0 && n != -EAGAIN))
		return -1;
	r = sni_peek(buf, n > 0 ? (size_t)n : 0, name);
	if (r == SNI_NEED_MORE && !timed_out)
		return 0;
	/* A client that sends nothing in time is served as plain TCP. */
	*rt = l4_graph_route(pre->entry, r == SNI_TLS, name);
	return 1;
}

static int dial(struct l4_pre *pre)
{
	int fd, one = 1;

	fd = socket(pre->srv->sa.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&pre->srv->sa, pre->srv->salen) &&
	    errno != EINPROGRESS) {
		int err = -errno;

		close(fd);
		return err;
	}
	pre->bfd = fd;
	return 0;
}

static int pre_route(struct l4_pre *pre, struct l4_route *rt)
{
	int err;

	if (!rt && pre->px->http_fn &&
	    !pre->px->http_fn(pre->px->http_arg, pre->entry->name, pre->cfd,
			      (struct sockaddr *)&pre->peer,
			      sizeof(pre->peer))) {
		/* Traefik: what no TCP router takes goes to HTTP routers */
		pre->entry->stats->to_http++;
		pre->cfd = -1;
		return -1;
	}
	if (!rt || !rt->svc) {
		pre->entry->stats->no_route++;
		return -1;
	}
	pre->srv = NULL;
	if (pre->steered) {
		/* the backend the kernel chose for this flow */
		pre->srv = l4_steer_pick(pre->px, &pre->tuple, rt->svc,
					 &pre->leaf);
		if (pre->srv)
			pre->entry->stats->steered++;
		else
			pre->entry->stats->steer_fallbacks++;
	}
	if (!pre->srv)
		pre->srv = l4_graph_pick(rt->svc, &pre->leaf);
	if (!pre->srv) {
		rt->svc->stats->pick_errors++;
		return -1;
	}
	err = dial(pre);
	if (err) {
		pre->srv->stats->dial_errors++;
		return -1;
	}
	pre->state = PRE_DIAL;
	return pre_wait_backend(pre, EV_WRITE, L4_DIAL_TIMEOUT_SEC) ? -1 : 0;
}

static int pre_connected(struct l4_pre *pre, bool timed_out)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	int n;

	if (timed_out ||
	    getsockopt(pre->bfd, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr) {
		pre->srv->stats->dial_errors++;
		return -1;
	}
	if (pre->leaf->pp_version) {
		n = pp_build(pre->leaf->pp_version,
			     (struct sockaddr *)&pre->peer,
			     (struct sockaddr *)&pre->local, pre->hdr,
			     sizeof(pre->hdr));
		if (n < 0)
			return -1;
		pre->hdr_len = (size_t)n;
	}
	return 1;
}

static void pre_forward(struct l4_pre *pre)
{
	struct l4_conn_args a = {
		.cfd = pre->cfd,
		.bfd = pre->bfd,
		.term_delay = pre->leaf->term_delay,
		.svc = l4_stats_ref(pre->leaf->stats),
		.srv = l4_stats_ref(pre->srv->stats),
		.ep = l4_stats_ref(pre->entry->stats),
	};
	struct l4proxy *px = pre->px;
	unsigned char hdr[PP_BUILD_MAX];

	memcpy(hdr, pre->hdr, pre->hdr_len);
	a.hdr = hdr;
	a.hdr_len = pre->hdr_len;
	a.svc->conns_total++;
	a.srv->conns_total++;
	a.ep->conns_total++;
	pre->cfd = pre->bfd = -1;
	l4_tcp_pre_free(pre);
	l4_tcp_conn_start(px, &a);
}

/* Runs the preamble as far as the bytes at hand allow. */
static void pre_step(struct l4_pre *pre, bool timed_out)
{
	struct l4_route *rt = NULL;
	int r = 1;

	for (;;) {
		switch (pre->state) {
		case PRE_PROXY_HDR:
			r = pre_proxy_hdr(pre, timed_out || pre->expired);
			if (r != 1)
				break;
			timed_out = false;
			if (pre->entry->n_routes) {
				pre->state = PRE_HELLO;
				continue;
			}
			r = pre_route(pre, pre->entry->notls);
			if (r == 0)
				return;
			break;
		case PRE_HELLO:
			r = pre_hello(pre, timed_out || pre->expired, &rt);
			if (r != 1)
				break;
			r = pre_route(pre, rt);
			if (r == 0)
				return;
			break;
		case PRE_DIAL:
			r = pre_connected(pre, timed_out);
			if (r == 1) {
				pre_forward(pre);
				return;
			}
			break;
		}
		break;
	}
	if (r < 0)
		l4_tcp_pre_free(pre);
}

static void pre_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct l4_pre *pre = arg;

	pre->expired = true;
	pre_step(pre, true);
}

static void pre_start(struct l4_listener *l, int cfd,
		      const struct sockaddr_storage *peer)
{
	struct l4proxy *px = l->px;
	struct timeval tv = { .tv_sec = L4_PREAMBLE_TIMEOUT_SEC };
	socklen_t sl = sizeof(struct sockaddr_storage);
	struct l4_pre *pre;
	int one = 1;

	pre = calloc(1, sizeof(*pre));
	if (!pre) {
		close(cfd);
		return;
	}
	pre->px = px;
	pre->graph = l4_graph_get(l->graph);
	pre->entry = l->entry;
	pre->cfd = cfd;
	pre->bfd = -1;
	pre->peer = *peer;
	getsockname(cfd, (struct sockaddr *)&pre->local, &sl);
	/* before an inbound PROXY header replaces the addresses */
	pre->steered = l->n_steer &&
		       !l4_steer_tuple(&pre->peer, &pre->local, &pre->tuple);
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	pre->next = px->pres;
	if (px->pres)
		px->pres->pprev = &pre->next;
	pre->pprev = &px->pres;
	px->pres = pre;

	if (!pre->entry->pp_in && !pre->entry->n_routes) {
		pre->state = PRE_HELLO;		/* catch-all only: no peek */
		if (pre_route(pre, pre->entry->notls) < 0)
			l4_tcp_pre_free(pre);
		return;
	}
	pre->state = pre->entry->pp_in ? PRE_PROXY_HDR : PRE_HELLO;
	pre->ev = event_new(px->base, cfd, EV_READ | EV_PERSIST | EV_ET,
			    pre_cb, pre);
	pre->timer = evtimer_new(px->base, pre_timer_cb, pre);
	if (!pre->ev || !pre->timer || event_add(pre->ev, NULL) ||
	    evtimer_add(pre->timer, &tv)) {
		l4_tcp_pre_free(pre);
		return;
	}
	pre_step(pre, false);
}

static void accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct l4_listener *l = arg;
	struct sockaddr_storage peer;
	socklen_t sl;
	int cfd, i;

	for (i = 0; i < 64; i++) {
		sl = sizeof(peer);
		cfd = accept4(fd, (struct sockaddr *)&peer, &sl,
			      SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			return;	/* EAGAIN, or EMFILE: retried next wakeup */
		pre_start(l, cfd, &peer);
	}
}

/* Where a steered listener binds: loopback, port chosen by the kernel.
 * sk_lookup hands it the VIP's connections whatever its address; nothing
 * from outside reaches it otherwise. IPv4 keys only: 127.0.0.1; IPv6
 * only: ::1; both (a wildcard entryPoint): an IPv6 socket bound to
 * ::ffff:127.0.0.1, which stays dual-stack (binding ::1 would make it
 * IPv6-only, and bpf_sk_assign() refuses IPv4 connections to such a
 * socket), so one socket serves both families.
 */
static socklen_t steer_bind(const struct l4_listener *l,
			    struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (void *)ss;
	struct sockaddr_in *s4 = (void *)ss;
	bool v4 = false, v6 = false;
	int i;

	memset(ss, 0, sizeof(*ss));
	for (i = 0; i < l->n_steer; i++) {
		v4 |= l->steer_keys[i].family == LB_AF_INET;
		v6 |= l->steer_keys[i].family == LB_AF_INET6;
	}
	if (!v6) {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*s4);
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_addr = in6addr_loopback;
	if (v4)
		inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6->sin6_addr);
	return sizeof(*s6);
}

int l4_tcp_listener_open(struct l4_listener *l)
{
	struct sockaddr_storage ss = l->bind;
	socklen_t sl = l->bindlen;
	int fd, one = 1, zero = 0, err;

	if (l->n_steer)
		sl = steer_bind(l, &ss);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	/* With XDP attached a VIP need not be a local address. */
	if (l->px->dp_active && !l->n_steer)
		setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 4096))
		goto out_close;
	l->fd = fd;
	if (l->n_steer) {
		err = l4_steer_register(l);
		if (err) {
			l->fd = -1;
			errno = -err;
			goto out_close;
		}
	}
	l->ev = event_new(l->px->base, fd, EV_READ | EV_PERSIST, accept_cb, l);
	if (!l->ev || event_add(l->ev, NULL)) {
		errno = ENOMEM;
		goto out_close;
	}
	return 0;

out_close:
	err = -errno;
	l->fd = -1;
	if (l->ev)
		event_free(l->ev);
	l->ev = NULL;
	close(fd);
	return err;
}
