/* An established TCP connection: two directions, each moving bytes from
 * one socket to the other through a 16 KiB buffer, and, once it carries
 * bulk data, through a pipe with splice(2) (zero copy) where the kernel
 * allows.
 *
 * Half-close follows Traefik (pkg/tcp/proxy.go): when one direction ends
 * (EOF or error), its destination gets a FIN (shutdown SHUT_WR) and the
 * opposite direction, which reads from that destination, gets a deadline of
 * now + terminationDelay (< 0: none). At the deadline that direction stops
 * reading, writes out what it already read, and ends in turn. When both
 * have ended, both sockets close.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "l4_internal.h"

#define DIR_CHUNK	(64 * 1024)	/* per splice */
#define COPY_CHUNK	(16 * 1024)	/* copy buffer, before bulk */
#define DIR_ROUNDS	16	/* transfers per wakeup, for fairness */

struct l4_dir {
	struct l4_conn *c;
	int from, to;
	int pipe[2];		/* -1 until the direction turns bulk */
	bool bulk;		/* a read filled @buf: splice from now on */
	bool no_splice;		/* the kernel refused splice here */
	bool in_pipe;		/* pending bytes sit in the pipe, not @buf */
	bool drained;		/* the last read emptied the socket */
	size_t pre;		/* PROXY header bytes at the start of @buf */
	char *buf;
	size_t off;		/* @buf: bytes already written */
	size_t pending;		/* bytes read, not yet written */
	bool rd_done;		/* no more reading */
	bool done;		/* ended: FIN sent to @to */
	struct event *ev_rd;	/* @from readable */
	struct event *ev_wr;	/* @to writable */
	struct event *deadline;
	uint64_t *count;	/* rx or tx bytes of each counter */
};

struct l4_conn {
	struct l4_conn *next, **pprev;
	struct l4proxy *px;
	int cfd, bfd;
	int64_t term_delay;
	struct l4_dir up;	/* client -> backend */
	struct l4_dir down;	/* backend -> client */
	struct l4_counters *svc, *srv, *ep;
};

static void conn_free(struct l4_conn *c)
{
	struct l4_dir *d[2] = { &c->up, &c->down };
	int i;

	for (i = 0; i < 2; i++) {
		if (d[i]->ev_rd)
			event_free(d[i]->ev_rd);
		if (d[i]->ev_wr)
			event_free(d[i]->ev_wr);
		if (d[i]->deadline)
			event_free(d[i]->deadline);
		if (d[i]->pipe[0] >= 0)
			close(d[i]->pipe[0]);
		if (d[i]->pipe[1] >= 0)
			close(d[i]->pipe[1]);
		free(d[i]->buf);
	}
	if (c->pprev) {
		*c->pprev = c->next;
		if (c->next)
			c->next->pprev = c->pprev;
	}
	close(c->cfd);
	close(c->bfd);
	c->svc->conns_active--;
	c->srv->conns_active--;
	c->ep->conns_active--;
	l4_stats_put(&c->px->reg, c->svc);
	l4_stats_put(&c->px->reg, c->srv);
	l4_stats_put(&c->px->reg, c->ep);
	free(c);
}

static void dir_count(struct l4_dir *d, size_t n)
{
	struct l4_conn *c = d->c;
	bool up = d == &c->up;

	if (up) {
		c->svc->rx_bytes += n;
		c->srv->rx_bytes += n;
		c->ep->rx_bytes += n;
	} else {
		c->svc->tx_bytes += n;
		c->srv->tx_bytes += n;
		c->ep->tx_bytes += n;
	}
}

/* Reads into the buffer, or into the pipe once the direction carries bulk
 * data (a read filled the buffer): short exchanges then cost no pipe, long
 * transfers move without copies (HAProxy's splice-auto idea). Returns
 * bytes, 0 at EOF, or -errno.
 */
static ssize_t dir_in(struct l4_dir *d)
{
	ssize_t n;

	if (d->bulk && !d->no_splice && d->pipe[0] < 0 &&
	    pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC)) {
		d->pipe[0] = d->pipe[1] = -1;
		d->no_splice = true;
	}
	if (d->pipe[0] >= 0) {
		n = splice(d->from, NULL, d->pipe[1], NULL, DIR_CHUNK,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n >= 0 || errno != EINVAL) {
			d->in_pipe = true;
			return n < 0 ? -errno : n;
		}
		/* splice refused on this pair: copy from now on */
		close(d->pipe[0]);
		close(d->pipe[1]);
		d->pipe[0] = d->pipe[1] = -1;
		d->no_splice = true;
	}
	d->in_pipe = false;
	if (!d->buf) {
		d->buf = malloc(COPY_CHUNK);
		if (!d->buf)
			return -ENOMEM;
	}
	/* A PROXY header waiting in @buf leaves with the first client
	 * bytes, in one segment, or alone when the client has none yet.
	 */
	n = recv(d->from, d->buf + d->pre, COPY_CHUNK - d->pre, 0);
	if (n < 0 && (errno != EAGAIN || !d->pre))
		return -errno;
	if (n < 0)
		n = 0;
	else if ((size_t)n == COPY_CHUNK - d->pre)
		d->bulk = true;
	/* a short read emptied the socket: wait for readiness, not EAGAIN */
	d->drained = (size_t)n < COPY_CHUNK - d->pre;
	n += (ssize_t)d->pre;
	d->pre = 0;
	d->off = 0;
	return n;
}

/* Writes pending bytes out. Returns bytes or -errno. */
static ssize_t dir_out(struct l4_dir *d)
{
	ssize_t n;

	if (d->in_pipe)
		n = splice(d->pipe[0], NULL, d->to, NULL, d->pending,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	else
		n = send(d->to, d->buf + d->off, d->pending, MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	d->off += (size_t)n;
	return n;
}

static struct l4_dir *dir_other(struct l4_dir *d)
{
	return d == &d->c->up ? &d->c->down : &d->c->up;
}

static void dir_pump(struct l4_dir *d);

static void dir_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct l4_dir *d = arg;

	if (d->done)
		return;
	d->rd_done = true;
	dir_pump(d);
}

/* The direction has ended: FIN its destination, bound the opposite one. */
static int dir_finish(struct l4_dir *d)
{
	struct l4_dir *o = dir_other(d);
	struct timeval tv;
	int64_t ns = d->c->term_delay;

	d->done = true;
	event_del(d->ev_rd);
	event_del(d->ev_wr);
	/* both ended: the close sends the FIN (what is left unread, if
	 * anything, resets either way)
	 */
	if (o->done) {
		conn_free(d->c);
		return 1;
	}
	shutdown(d->to, SHUT_WR);
	if (ns >= 0 && !o->rd_done) {
		tv.tv_sec = ns / NSEC_PER_SEC;
		tv.tv_usec = (ns % NSEC_PER_SEC) / 1000;
		evtimer_add(o->deadline, &tv);
	}
	return 0;
}

static void dir_pump(struct l4_dir *d)
{
	ssize_t n;
	int round;

	for (round = 0; round < DIR_ROUNDS; round++) {
		if (d->pending) {
			n = dir_out(d);
			if (n == -EAGAIN) {
				event_del(d->ev_rd);
				event_add(d->ev_wr, NULL);
				return;
			}
			if (n < 0) {	/* write error ends this copy */
				d->pending = 0;
				d->rd_done = true;
				break;
			}
			d->pending -= (size_t)n;
			dir_count(d, (size_t)n);
			continue;
		}
		if (d->rd_done)
			break;
		if (d->drained) {
			event_add(d->ev_rd, NULL);
			return;
		}
		n = dir_in(d);
		if (n == -EAGAIN) {
			event_del(d->ev_wr);
			event_add(d->ev_rd, NULL);
			return;
		}
		if (n <= 0) {		/* EOF or read error */
			d->rd_done = true;
			break;
		}
		d->pending = (size_t)n;
	}
	if (d->rd_done && !d->pending) {
		dir_finish(d);
		return;
	}
	/* out of rounds: come back through the loop */
	event_add(d->pending ? d->ev_wr : d->ev_rd, NULL);
}

static void dir_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct l4_dir *d = arg;

	d->drained = false;
	dir_pump(d);
}

static int dir_init(struct l4_conn *c, struct l4_dir *d, int from, int to)
{
	struct event_base *base = c->px->base;

	d->c = c;
	d->from = from;
	d->to = to;
	d->pipe[0] = d->pipe[1] = -1;
	/* persistent: added once, removed only under backpressure and at
	 * the end (each add/del is an epoll_ctl)
	 */
	d->ev_rd = event_new(base, from, EV_READ | EV_PERSIST, dir_io_cb, d);
	d->ev_wr = event_new(base, to, EV_WRITE, dir_io_cb, d);
	d->deadline = evtimer_new(base, dir_deadline_cb, d);
	if (!d->ev_rd || !d->ev_wr || !d->deadline)
		return -ENOMEM;
	return 0;
}

int l4_tcp_conn_start(struct l4proxy *px, struct l4_conn_args *a)
{
	struct l4_conn *c;
	int err = -ENOMEM;

	c = calloc(1, sizeof(*c));
	if (!c)
		goto out_close;
	c->px = px;
	c->cfd = a->cfd;
	c->bfd = a->bfd;
	c->term_delay = a->term_delay;
	c->svc = a->svc;
	c->srv = a->srv;
	c->ep = a->ep;
	c->svc->conns_active++;
	c->srv->conns_active++;
	c->ep->conns_active++;
	c->next = px->conns;
	if (px->conns)
		px->conns->pprev = &c->next;
	c->pprev = &px->conns;
	px->conns = c;
	err = dir_init(c, &c->up, c->cfd, c->bfd);
	if (!err)
		err = dir_init(c, &c->down, c->bfd, c->cfd);
	if (err) {
		conn_free(c);
		return err;
	}
	if (a->hdr_len) {
		c->up.buf = malloc(COPY_CHUNK);
		if (!c->up.buf) {
			conn_free(c);
			return -ENOMEM;
		}
		memcpy(c->up.buf, a->hdr, a->hdr_len);
		c->up.pre = a->hdr_len;
	}
	event_add(c->down.ev_rd, NULL);
	dir_pump(&c->up);
	return 0;

out_close:
	close(a->cfd);
	close(a->bfd);
	l4_stats_put(&px->reg, a->svc);
	l4_stats_put(&px->reg, a->srv);
	l4_stats_put(&px->reg, a->ep);
	return err;
}

void l4_tcp_conns_free_all(struct l4proxy *px)
{
	while (px->conns)
		conn_free(px->conns);
}

unsigned long l4_tcp_conns_count(const struct l4proxy *px)
{
	const struct l4_conn *c;
	unsigned long n = 0;

	for (c = px->conns; c; c = c->next)
		n++;
	return n;
}
