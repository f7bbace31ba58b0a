/* Plain-socket reads for bufferevents: see sockread.h. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "sockread.h"

/* 64 KiB or 16 KiB per recv(), less room for the chain header evbuffer allocates in
 * front (a round 65536 would make it allocate 128 KiB) */
#define GULP	(65536 - 512)
#define FIRST	(16384 - 512)

struct sockread {
	struct event *ev;
	struct bufferevent *bev;
	size_t budget;
};

/* Reads what the kernel holds, up to the budget, stopping at the first
 * short read. Returns the bytes read, 0 at EOF, -1 on an error (errno)
 * or when nothing was there (errno EAGAIN).
 */
static ssize_t sock_read(struct bufferevent *bev, int fd, size_t budget)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t got = 0;
	ssize_t n = -1;

	/* a socket bufferevent keeps the end of its input frozen except
	 * while it reads itself */
	evbuffer_unfreeze(in, 0);
	while (got < budget) {
		/* most reads are one small request or response: the first
		 * takes 16 KiB, the ones after a full read 64 KiB */
		size_t want = got ? GULP : FIRST;
		struct evbuffer_iovec v;

		if (evbuffer_reserve_space(in, want, &v, 1) < 1) {
			errno = ENOMEM;
			n = -1;
			break;
		}
		n = recv(fd, v.iov_base, v.iov_len, MSG_DONTWAIT);
		if (n <= 0) {
			evbuffer_commit_space(in, NULL, 0);
			break;
		}
		v.iov_len = n;
		evbuffer_commit_space(in, &v, 1);
		got += n;
		if ((size_t)n < want)
			break;
	}
	evbuffer_freeze(in, 0);
	return got ? (ssize_t)got : n;
}

static void sockread_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sockread *rd = arg;
	struct bufferevent *bev = rd->bev;
	bufferevent_data_cb readcb;
	bufferevent_event_cb eventcb;
	void *cbarg;
	ssize_t n;

	n = sock_read(bev, fd, rd->budget);
	bufferevent_getcb(bev, &readcb, NULL, &eventcb, &cbarg);
	if (n > 0) {
		if (readcb)
			readcb(bev, cbarg);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		      errno == EINTR))
		return;
	/* EOF or an error: reading stops, as libevent stops it */
	event_del(rd->ev);
	if (eventcb)
		eventcb(bev, BEV_EVENT_READING |
			(n == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR), cbarg);
}

struct sockread *sockread_new(struct bufferevent *bev, size_t budget)
{
	struct sockread *rd = calloc(1, sizeof(*rd));

	if (!rd)
		return NULL;
	rd->bev = bev;
	rd->budget = budget;
	rd->ev = event_new(bufferevent_get_base(bev), bufferevent_getfd(bev),
			   EV_READ | EV_PERSIST, sockread_cb, rd);
	if (!rd->ev) {
		free(rd);
		return NULL;
	}
	return rd;
}

void sockread_set(struct sockread *rd, bool on)
{
	/* both are no-ops (no epoll_ctl) when already in that state */
	if (on)
		event_add(rd->ev, NULL);
	else
		event_del(rd->ev);
}

bool sockread_on(const struct sockread *rd)
{
	return event_pending(rd->ev, EV_READ, NULL);
}

void sockread_free(struct sockread *rd)
{
	if (!rd)
		return;
	event_free(rd->ev);
	free(rd);
}
