/* Connecting a probe's bufferevent, and Go's words for why it failed. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/util.h>

#include "probe.h"

int probe_dial(struct bufferevent *bev, struct evdns_base *dns,
	       const char *host, uint16_t port)
{
	return bufferevent_socket_connect_hostname(bev, dns, AF_UNSPEC, host,
						   port);
}

void probe_dial_error(struct bufferevent *bev, int err, const char *host,
		      const char *hostport, char *buf, size_t len)
{
	int dns = bev ? bufferevent_socket_get_dns_error(bev) : 0;
	char msg[128];

	if (dns) {
		snprintf(buf, len, "dial tcp: lookup %s: %s", host,
			 dns == EVUTIL_EAI_NONAME ? "no such host" :
			 evutil_gai_strerror(dns));
		return;
	}
	if (!err) {
		snprintf(buf, len, "dial tcp %s: connection failed", hostport);
		return;
	}
	/* Go's syscall errors are lower-case strerror() texts */
	snprintf(msg, sizeof(msg), "%s", strerror(err));
	msg[0] = (char)tolower((unsigned char)msg[0]);
	snprintf(buf, len, "dial tcp %s: connect: %s", hostport, msg);
}

void probe_tv(int64_t ns, struct timeval *tv)
{
	if (ns < 0)
		ns = 0;
	tv->tv_sec = ns / 1000000000LL;
	tv->tv_usec = (ns % 1000000000LL) / 1000;
}
