/* UDP entryPoints (Traefik pkg/udp): a session per client ip:port, created
 * by its first datagram, with the backend picked once per session and one
 * connected socket to it. Backend replies leave through the entryPoint's
 * socket to the client. A session ends after udp.timeout without a
 * datagram in either direction, checked every timeout/10. Datagrams are
 * read whole into a 65535-byte buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "l4_internal.h"

#define UDP_BUCKETS	1024
#define UDP_BURST	64	/* datagrams per wakeup, for fairness */

struct l4_sess {
	struct l4_sess *next;		/* bucket chain */
	struct l4_udp *u;
	struct sockaddr_storage client;
	socklen_t clen;
	int bfd;
	struct event *ev;
	struct timespec last;
	struct l4_counters *svc, *srv;
};

struct l4_udp {
	struct l4_listener *l;
	struct l4_sess *bucket[UDP_BUCKETS];
	unsigned long n;
	struct event *sweep;
	int64_t timeout;		/* ns, of the current sweep */
};

static void now(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

static unsigned int sess_hash(const struct sockaddr_storage *sa,
			      socklen_t len)
{
	const unsigned char *p = (const void *)sa;
	unsigned int h = 2166136261u;
	socklen_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h % UDP_BUCKETS;
}

static void sess_free(struct l4_sess *s)
{
	struct l4_registry *reg = &s->u->l->px->reg;

	event_free(s->ev);
	close(s->bfd);
	s->svc->conns_active--;
	s->srv->conns_active--;
	s->u->l->entry->stats->conns_active--;
	l4_stats_put(reg, s->svc);
	l4_stats_put(reg, s->srv);
	s->u->n--;
	free(s);
}

/* Backend -> client. */
static void sess_backend_cb(evutil_socket_t fd, short what, void *arg)
{
	struct l4_sess *s = arg;
	unsigned char *buf = s->u->l->px->dgram;
	struct l4_entry *e = s->u->l->entry;
	ssize_t n;
	int i;

	for (i = 0; i < UDP_BURST; i++) {
		n = recv(fd, buf, L4_UDP_BUF, MSG_TRUNC);
		if (n < 0)
			return;
		if (n > L4_UDP_BUF)
			n = L4_UDP_BUF;
		if (sendto(s->u->l->fd, buf, (size_t)n, 0,
			   (struct sockaddr *)&s->client, s->clen) < 0)
			continue;
		now(&s->last);
		s->svc->tx_bytes += (uint64_t)n;
		s->srv->tx_bytes += (uint64_t)n;
		e->stats->tx_bytes += (uint64_t)n;
		s->svc->tx_dgrams++;
		s->srv->tx_dgrams++;
		e->stats->tx_dgrams++;
	}
}

static struct l4_sess *sess_find(struct l4_udp *u,
				 const struct sockaddr_storage *sa,
				 socklen_t len)
{
	struct l4_sess *s;

	for (s = u->bucket[sess_hash(sa, len)]; s; s = s->next)
		if (s->clen == len && !memcmp(&s->client, sa, len))
			return s;
	return NULL;
}

static struct l4_sess *sess_new(struct l4_udp *u,
				const struct sockaddr_storage *sa,
				socklen_t len)
{
	struct l4_entry *e = u->l->entry;
	struct l4_service *leaf;
	struct l4_server *srv;
	struct l4_sess *s;
	unsigned int h;

	if (!e->notls || !e->notls->svc) {
		e->stats->no_route++;
		return NULL;
	}
	srv = l4_graph_pick(e->notls->svc, &leaf);
	if (!srv) {
		e->notls->svc->stats->pick_errors++;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->bfd = socket(srv->sa.ss_family,
			SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->bfd < 0 ||
	    connect(s->bfd, (struct sockaddr *)&srv->sa, srv->salen))
		goto out_dial;
	s->ev = event_new(u->l->px->base, s->bfd, EV_READ | EV_PERSIST,
			  sess_backend_cb, s);
	if (!s->ev || event_add(s->ev, NULL))
		goto out_dial;
	s->u = u;
	s->client = *sa;
	s->clen = len;
	s->svc = l4_stats_ref(leaf->stats);
	s->srv = l4_stats_ref(srv->stats);
	s->svc->conns_total++;
	s->svc->conns_active++;
	s->srv->conns_total++;
	s->srv->conns_active++;
	e->stats->conns_total++;
	e->stats->conns_active++;
	h = sess_hash(sa, len);
	s->next = u->bucket[h];
	u->bucket[h] = s;
	u->n++;
	return s;

out_dial:
	srv->stats->dial_errors++;
	if (s->ev)
		event_free(s->ev);
	if (s->bfd >= 0)
		close(s->bfd);
	free(s);
	return NULL;
}

/* Client -> backend. */
static void udp_listener_cb(evutil_socket_t fd, short what, void *arg)
{
	struct l4_listener *l = arg;
	struct l4_udp *u = l->udp_state;
	unsigned char *buf = l->px->dgram;
	struct sockaddr_storage sa;
	struct l4_sess *s;
	socklen_t len;
	ssize_t n;
	int i;

	for (i = 0; i < UDP_BURST; i++) {
		len = sizeof(sa);
		n = recvfrom(fd, buf, L4_UDP_BUF, MSG_TRUNC,
			     (struct sockaddr *)&sa, &len);
		if (n < 0)
			return;
		if (n > L4_UDP_BUF)
			n = L4_UDP_BUF;
		s = sess_find(u, &sa, len);
		if (!s)
			s = sess_new(u, &sa, len);
		if (!s)
			continue;
		now(&s->last);
		if (send(s->bfd, buf, (size_t)n, 0) < 0)
			continue;
		s->svc->rx_bytes += (uint64_t)n;
		s->srv->rx_bytes += (uint64_t)n;
		l->entry->stats->rx_bytes += (uint64_t)n;
		s->svc->rx_dgrams++;
		s->srv->rx_dgrams++;
		l->entry->stats->rx_dgrams++;
	}
}

static int64_t elapsed_ns(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * NSEC_PER_SEC +
	       (b->tv_nsec - a->tv_nsec);
}

static void sweep_arm(struct l4_udp *u)
{
	int64_t ns;
	struct timeval tv;

	u->timeout = u->l->entry->udp_timeout;
	ns = u->timeout / 10;
	tv.tv_sec = ns / NSEC_PER_SEC;
	tv.tv_usec = (ns % NSEC_PER_SEC) / 1000;
	evtimer_add(u->sweep, &tv);
}

static void sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct l4_udp *u = arg;
	struct l4_sess **pp, *s;
	struct timespec t;
	unsigned int i;

	now(&t);
	for (i = 0; i < UDP_BUCKETS; i++) {
		for (pp = &u->bucket[i]; (s = *pp);) {
			if (elapsed_ns(&s->last, &t) >= u->timeout) {
				*pp = s->next;
				sess_free(s);
			} else {
				pp = &s->next;
			}
		}
	}
	sweep_arm(u);
}

int l4_udp_listener_open(struct l4_listener *l)
{
	struct l4_udp *u;
	int fd, zero = 0, one = 1, err;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->l = l;
	fd = socket(l->bind.ss_family,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto out_free;
	}
	if (l->bind.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (l->px->dp_active)	/* a VIP need not be a local address */
		setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&l->bind, l->bindlen)) {
		err = -errno;
		goto out_close;
	}
	l->fd = fd;
	l->udp_state = u;
	l->ev = event_new(l->px->base, fd, EV_READ | EV_PERSIST,
			  udp_listener_cb, l);
	u->sweep = evtimer_new(l->px->base, sweep_cb, u);
	if (!l->ev || !u->sweep || event_add(l->ev, NULL)) {
		err = -ENOMEM;
		goto out_events;
	}
	sweep_arm(u);
	return 0;

out_events:
	if (l->ev)
		event_free(l->ev);
	if (u->sweep)
		event_free(u->sweep);
	l->ev = NULL;
	l->udp_state = NULL;
	l->fd = -1;
out_close:
	close(fd);
out_free:
	free(u);
	return err;
}

void l4_udp_listener_close(struct l4_listener *l)
{
	struct l4_udp *u = l->udp_state;
	struct l4_sess *s;
	unsigned int i;

	if (!u)
		return;
	for (i = 0; i < UDP_BUCKETS; i++) {
		while ((s = u->bucket[i])) {
			u->bucket[i] = s->next;
			sess_free(s);
		}
	}
	event_free(u->sweep);
	free(u);
	l->udp_state = NULL;
}

unsigned long l4_udp_sessions_count(const struct l4_listener *l)
{
	return l->udp_state ? l->udp_state->n : 0;
}
