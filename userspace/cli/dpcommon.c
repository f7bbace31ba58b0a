/* Helpers shared by the data plane's CLI objects (see dpcommon.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dpcommon.h"
#include "output.h"

int dp_open(struct lbmap *m)
{
	char dir[512];
	int err;

	lbmap_pin_dir(cli_opts.pin_dir, dir, sizeof(dir));
	err = lbmap_open_pinned(m, dir);
	if (!err)
		return 0;
	if (err == -ENOENT)
		out_err("no data plane pinned under %s (is sluiced running with dataplane.interfaces?)",
			dir);
	else if (err == -EPROTO)
		out_err("maps under %s have another ABI version than this sluice (%d)",
			dir, LB_ABI_VERSION);
	else
		out_err("cannot open the maps under %s: %s", dir, strerror(-err));
	return EXIT_FAIL;
}

int dp_parse_addr_port(const char *s, __be32 *addr, unsigned int *port,
		       int *family)
{
	char host[64];
	const char *colon;
	size_t n;
	char *end;
	long p;

	memset(addr, 0, 16);
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof(host))
			return -EINVAL;
		n = rb - s - 1;
		memcpy(host, s + 1, n);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host))
			return -EINVAL;
		n = colon - s;
		memcpy(host, s, n);
	}
	host[n] = '\0';
	p = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || p < 0 || p > 65535)
		return -EINVAL;
	*port = p;
	if (!n) {
		*family = LB_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET, host, addr) == 1)
		*family = LB_AF_INET;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		*family = LB_AF_INET6;
	else
		return -EINVAL;
	return 0;
}

int dp_parse_vip(const char *s, struct lb_vip_key *k)
{
	char buf[128], *slash;
	__be32 addr[4];
	unsigned int port;
	int family, proto;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	slash = strrchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash++ = '\0';
	if (!strcmp(slash, "tcp"))
		proto = IPPROTO_TCP;
	else if (!strcmp(slash, "udp"))
		proto = IPPROTO_UDP;
	else
		return -EINVAL;
	if (dp_parse_addr_port(buf, addr, &port, &family) || !port)
		return -EINVAL;
	lbmap_vip_key(k, family, addr, port, proto);
	return 0;
}

const char *dp_proto_name(int proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

void dp_addr_port(int family, const __be32 *addr, __be16 port, char *buf,
		  size_t len)
{
	char a[INET6_ADDRSTRLEN];

	lbmap_addr_str(family, addr, a, sizeof(a));
	snprintf(buf, len, family == LB_AF_INET6 ? "[%s]:%u" : "%s:%u", a,
		 ntohs(port));
}

void dp_vip_name(const struct lb_vip_key *k, char *buf, size_t len)
{
	char ap[80];

	dp_addr_port(k->family, k->addr, k->port, ap, sizeof(ap));
	snprintf(buf, len, "%s/%s", ap, dp_proto_name(k->proto));
}

struct name_ctx {
	uint32_t id;
	char *buf;
	size_t len;
};

static int name_of(const struct lb_vip_key *k, const struct lb_vip *v,
		   void *arg)
{
	struct name_ctx *c = arg;

	if (v->vip_id != c->id)
		return 0;
	dp_vip_name(k, c->buf, c->len);
	return 1;
}

int dp_vip_name_by_id(const struct lbmap *m, uint32_t vip_id, char *buf,
		      size_t len)
{
	struct name_ctx c = { vip_id, buf, len };

	return lbmap_vip_foreach(m, name_of, &c) == 1 ? 0 : -ENOENT;
}
