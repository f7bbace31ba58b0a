/* TCP health checks of the kernel data plane's tcp services (see
 * dp_health.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "dp_health.h"
#include "log.h"

struct dp_check {
	struct dp_health *h;
	char *service;
	char *address;
	struct sockaddr_storage sa;
	socklen_t salen;
	const struct cfg_tcp_health_check *cfg;	/* copy in dp_health */
	int down;		/* -1 unknown, 0 up, 1 down */
	int fd;
	bool reading;
	size_t got;
	char buf[512];
	struct event *timer;
	struct event *io;
};

struct dp_health {
	struct event_base *base;
	dp_health_cb cb;
	void *arg;
	struct dp_check *c;
	size_t n;
	struct cfg_tcp_health_check *hc;	/* per check, copied */
};

static struct timeval tv_ns(int64_t ns)
{
	struct timeval tv = { .tv_sec = ns / 1000000000,
			      .tv_usec = (ns % 1000000000) / 1000 };

	return tv;
}

static void probe_start(evutil_socket_t fd, short what, void *arg);

/* Ends the probe of @c with @ok and schedules the next one. */
static void probe_done(struct dp_check *c, bool ok)
{
	struct timeval tv;
	int was = c->down;

	if (c->io) {
		event_free(c->io);
		c->io = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	c->down = !ok;
	tv = tv_ns(ok ? c->cfg->interval : c->cfg->unhealthy_interval);
	evtimer_add(c->timer, &tv);
	if (was != c->down && !(was < 0 && ok)) {
		pr_info("dataplane: health: %s %s is %s", c->service, c->address,
			ok ? "up" : "down");
		c->h->cb(c->h->arg, c->service, c->address, c->down);
	}
}

static void probe_io(evutil_socket_t fd, short what, void *arg)
{
	struct dp_check *c = arg;
	const char *send = c->cfg->send, *expect = c->cfg->expect;
	struct timeval tv = tv_ns(c->cfg->timeout);
	socklen_t len = sizeof(int);
	ssize_t r;
	int err = 0;

	if (what & EV_TIMEOUT)
		return probe_done(c, false);
	if (!c->reading) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
			return probe_done(c, false);
		if (send && *send &&
		    write(fd, send, strlen(send)) != (ssize_t)strlen(send))
			return probe_done(c, false);
		if (!expect || !*expect)
			return probe_done(c, true);
		c->reading = true;
		event_free(c->io);
		c->io = event_new(c->h->base, fd, EV_READ | EV_PERSIST, probe_io, c);
		if (!c->io || event_add(c->io, &tv))
			return probe_done(c, false);
		return;
	}
	r = read(fd, c->buf + c->got, sizeof(c->buf) - 1 - c->got);
	if (r <= 0)
		return probe_done(c, false);
	c->got += r;
	c->buf[c->got] = '\0';
	if (strstr(c->buf, expect))
		return probe_done(c, true);
	if (c->got == sizeof(c->buf) - 1)
		probe_done(c, false);
}

static void probe_start(evutil_socket_t unused, short what, void *arg)
{
	struct dp_check *c = arg;
	struct timeval tv = tv_ns(c->cfg->timeout);

	c->reading = false;
	c->got = 0;
	c->fd = socket(c->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return probe_done(c, false);
	if (connect(c->fd, (struct sockaddr *)&c->sa, c->salen) && errno != EINPROGRESS)
		return probe_done(c, false);
	c->io = event_new(c->h->base, c->fd, EV_WRITE, probe_io, c);
	if (!c->io || event_add(c->io, &tv))
		probe_done(c, false);
}

/* Fills @c's socket address from "host:port", with @port if non-zero. */
static int check_addr(struct dp_check *c, int port)
{
	struct l4plan_backend be;

	if (l4plan_parse_backend(c->address, &be))
		return -EINVAL;
	memset(&c->sa, 0, sizeof(c->sa));
	if (be.family == LB_AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&c->sa;

		s->sin_family = AF_INET;
		s->sin_port = htons(port ? port : be.port);
		memcpy(&s->sin_addr, be.addr, 4);
		c->salen = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&c->sa;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port ? port : be.port);
		memcpy(&s->sin6_addr, be.addr, 16);
		c->salen = sizeof(*s);
	}
	return 0;
}

static int prev_state(const struct dp_health *prev, const char *svc,
		      const char *addr)
{
	size_t i;

	for (i = 0; prev && i < prev->n; i++)
		if (!strcmp(prev->c[i].service, svc) &&
		    !strcmp(prev->c[i].address, addr))
			return prev->c[i].down;
	return -1;
}

static size_t count_checks(const struct config *cfg)
{
	size_t i, n = 0;

	for (i = 0; i < cfg->n_tcp_services; i++) {
		const struct cfg_l4_service *s = &cfg->tcp_services[i];

		if (!s->broken && s->kind == CFG_SVC_LOADBALANCER &&
		    s->lb.health.enabled)
			n += s->lb.n_servers;
	}
	return n;
}

struct dp_health *dp_health_new(struct event_base *base,
				const struct config *cfg,
				const struct dp_health *prev,
				dp_health_cb cb, void *arg)
{
	size_t i, j, n = count_checks(cfg);
	struct timeval now = { 0, 0 };
	struct dp_health *h;

	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->base = base;
	h->cb = cb;
	h->arg = arg;
	h->c = calloc(n ? n : 1, sizeof(*h->c));
	h->hc = calloc(n ? n : 1, sizeof(*h->hc));
	if (!h->c || !h->hc)
		goto out_free;
	for (i = 0; i < cfg->n_tcp_services; i++) {
		const struct cfg_l4_service *s = &cfg->tcp_services[i];

		if (s->broken || s->kind != CFG_SVC_LOADBALANCER ||
		    !s->lb.health.enabled)
			continue;
		for (j = 0; j < s->lb.n_servers; j++) {
			struct dp_check *c = &h->c[h->n];
			struct cfg_tcp_health_check *hc = &h->hc[h->n];

			*hc = s->lb.health;
			hc->send = hc->send ? strdup(hc->send) : NULL;
			hc->expect = hc->expect ? strdup(hc->expect) : NULL;
			c->h = h;
			c->cfg = hc;
			c->fd = -1;
			c->service = strdup(s->name);
			c->address = strdup(s->lb.servers[j].address);
			h->n++;
			if (!c->service || !c->address)
				goto out_free;
			if (check_addr(c, hc->port))
				continue;	/* not a literal: l4plan leaves it out */
			c->down = prev_state(prev, c->service, c->address);
			c->timer = evtimer_new(base, probe_start, c);
			if (!c->timer || evtimer_add(c->timer, &now))
				goto out_free;
		}
	}
	return h;

out_free:
	dp_health_free(h);
	errno = ENOMEM;
	return NULL;
}

void dp_health_free(struct dp_health *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n; i++) {
		struct dp_check *c = &h->c[i];

		if (c->timer)
			event_free(c->timer);
		if (c->io)
			event_free(c->io);
		if (c->fd >= 0)
			close(c->fd);
		free(c->service);
		free(c->address);
		free(h->hc[i].send);
		free(h->hc[i].expect);
	}
	free(h->c);
	free(h->hc);
	free(h);
}

size_t dp_health_count(const struct dp_health *h)
{
	return h ? h->n : 0;
}

void dp_health_overrides(const struct dp_health *h,
			 struct l4plan_override *ov, size_t *n)
{
	size_t i;

	for (i = 0; h && i < h->n; i++) {
		if (h->c[i].down != 1)
			continue;
		ov[*n].service = h->c[i].service;
		ov[*n].address = h->c[i].address;
		ov[*n].weight = -1;
		ov[*n].down = 1;
		(*n)++;
	}
}
