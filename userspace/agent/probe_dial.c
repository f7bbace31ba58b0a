/* Resolving and dialling for probes (probe.h), and Go's words for why it
 * failed.
 */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "probe.h"

static void on_ready(evutil_socket_t fd, short what, void *arg)
{
	struct probe_resolver *r = arg;

	r->fn(r->arg);
}

static void on_answer(int err, struct evutil_addrinfo *res, void *arg)
{
	struct probe_resolver *r = arg;

	if (err == EVUTIL_EAI_CANCEL)
		return;		/* probe_resolver_clear() is running */
	r->req = NULL;
	r->err = err;
	r->list = res;
	event_active(r->ready, 0, 0);
}

int probe_resolve(struct probe_resolver *r, struct event_base *base,
		  struct evdns_base *dns, const char *host, uint16_t port,
		  void (*fn)(void *arg), void *arg)
{
	struct evutil_addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_protocol = IPPROTO_TCP,
	};
	struct evutil_addrinfo *res = NULL;
	char serv[8];
	int err;

	r->fn = fn;
	r->arg = arg;
	snprintf(r->host, sizeof(r->host), "%s", host);
	snprintf(serv, sizeof(serv), "%u", port);
	r->ready = event_new(base, -1, 0, on_ready, r);
	if (!r->ready)
		return -ENOMEM;
	if (dns) {
		/* may answer at once (literals, /etc/hosts): on_answer defers */
		r->req = evdns_getaddrinfo(dns, host, serv, &hints, on_answer, r);
		return 0;
	}
	err = evutil_getaddrinfo(host, serv, &hints, &res);
	on_answer(err, err ? NULL : res, r);
	return 0;
}

void probe_resolver_clear(struct probe_resolver *r)
{
	if (r->req)
		evdns_getaddrinfo_cancel(r->req);
	r->req = NULL;
	if (r->list)
		evutil_freeaddrinfo(r->list);
	r->list = NULL;
	if (r->ready)
		event_free(r->ready);
	r->ready = NULL;
}

void probe_lookup_error(const struct probe_resolver *r, char *buf, size_t len)
{
	snprintf(buf, len, "dial tcp: lookup %s: %s", r->host,
		 r->err == EVUTIL_EAI_NONAME || r->err == EVUTIL_EAI_NODATA ?
		 "no such host" : evutil_gai_strerror(r->err));
}

void probe_addr_text(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[64] = "?", port[8] = "0";

	getnameinfo(sa, sa->sa_family == AF_INET6 ?
			sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
		    host, sizeof(host), port, sizeof(port),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(buf, len, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s",
		 host, port);
}

void probe_dial_error(int err, const char *addr, char *buf, size_t len)
{
	char msg[128];

	if (err == ETIMEDOUT) {
		snprintf(buf, len, "dial tcp %s: i/o timeout", addr);
		return;
	}
	if (!err) {
		snprintf(buf, len, "dial tcp %s: connection failed", addr);
		return;
	}
	/* Go's syscall errors are lower-case strerror() texts */
	snprintf(msg, sizeof(msg), "%s", strerror(err));
	msg[0] = (char)tolower((unsigned char)msg[0]);
	snprintf(buf, len, "dial tcp %s: connect: %s", addr, msg);
}

void probe_tv(int64_t ns, struct timeval *tv)
{
	if (ns < 0)
		ns = 0;
	tv->tv_sec = ns / 1000000000LL;
	tv->tv_usec = (ns % 1000000000LL) / 1000;
}
