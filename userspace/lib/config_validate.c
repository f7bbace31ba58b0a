/* Whole-configuration checks after decoding: shared helpers, the static
 * sections, and the order of the checks. A failed service is marked
 * broken (left out), and so is every parent that needs it and every
 * router that uses it; the rest of the configuration stands. The http and
 * tcp/udp checks are in config_check_http.c and config_check_l4.c.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_internal.h"

/* ---- helpers ------------------------------------------------------------ */

/* Replaces *@ref with its qualified form. */
void cfg_qualify_ref(char **ref)
{
	char *q;

	if (!*ref || !**ref)
		return;
	q = cfg_qualify(*ref);
	if (!q)
		return;
	free(*ref);
	*ref = q;
}

void config_svc_path(const char *proto, const char *qname, char *buf,
		     size_t len)
{
	const char *at = strchr(qname, '@');
	int n = at ? (int)(at - qname) : (int)strlen(qname);

	snprintf(buf, len, "%s.services.%.*s", proto, n, qname);
}

/* The key path of a service, for messages; valid until the next call. */
const char *cfg_svc_path(const char *proto, const char *qname)
{
	static __thread char buf[320];

	config_svc_path(proto, qname, buf, sizeof(buf));
	return buf;
}

int config_split_hostport(const char *addr, char *host, size_t hlen,
			  uint16_t *port)
{
	const char *colon, *h = addr;
	size_t n;
	char *end;
	long p;

	if (addr[0] == '[') {
		const char *rb = strchr(addr, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		h = addr + 1;
		n = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return -EINVAL;
		n = (size_t)(colon - addr);
		if (memchr(addr, ':', n))
			return -EINVAL;	/* bare IPv6 needs brackets */
	}
	if (n >= hlen)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	if (!colon[1])
		return -EINVAL;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || *end || p < 0 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}


/* The name of a child as the user wrote it (Traefik's message uses it). */
const char *cfg_as_written(const char *qname)
{
	static __thread char buf[256];
	const char *at = strstr(qname, "@file");

	if (at && !at[5]) {
		snprintf(buf, sizeof(buf), "%.*s", (int)(at - qname), qname);
		return buf;
	}
	return qname;
}

void cfg_check_router_eps(struct config *cfg, struct cfg_strlist *eps,
			  const struct cfg_pos *pos, const char *path,
			  enum cfg_l4proto want, bool *broken)
{
	size_t i, good = 0;

	for (i = 0; i < eps->n; i++) {
		const struct cfg_entry_point *ep =
			config_entry_point(cfg, eps->v[i]);

		if (!ep)
			err_at(cfg, pos, path, "entryPoint \"%s\" doesn't exist",
			       eps->v[i]);
		else if (ep->proto != want)
			err_at(cfg, pos, path,
			       "entryPoint \"%s\" is %s, the router needs %s",
			       eps->v[i], ep->proto == CFG_PROTO_UDP ? "udp" : "tcp",
			       want == CFG_PROTO_UDP ? "udp" : "tcp");
		else
			good++;
	}
	if (eps->n && !good)
		*broken = true;
}

/* ---- entryPoints and static sections ------------------------------------ */

static void check_entry_point(struct config *cfg, struct cfg_entry_point *ep)
{
	char path[256], addr[300], host[256];
	char *slash;

	snprintf(path, sizeof(path), "entryPoints.%s", ep->name);
	if (!ep->address || !*ep->address) {
		err_at(cfg, &ep->pos, path, "address is required");
		return;
	}
	snprintf(addr, sizeof(addr), "%s", ep->address);
	slash = strrchr(addr, '/');
	ep->proto = CFG_PROTO_TCP;
	if (slash) {
		if (!strcasecmp(slash, "/udp"))
			ep->proto = CFG_PROTO_UDP;
		else if (strcasecmp(slash, "/tcp")) {
			err_at(cfg, &ep->pos, path,
			       "invalid address \"%s\": protocol must be tcp or udp",
			       ep->address);
			return;
		}
		*slash = '\0';
	}
	if (config_split_hostport(addr, host, sizeof(host), &ep->port) < 0) {
		err_at(cfg, &ep->pos, path,
		       "invalid address \"%s\": expected [host]:port[/tcp|/udp]",
		       ep->address);
		return;
	}
	free(ep->host);
	ep->host = strdup(host);
	if (ep->udp_timeout <= 0) {
		err_at(cfg, &ep->pos, path, "udp.timeout must be positive");
		ep->udp_timeout = 3 * NSEC_PER_SEC;
	}
}

static bool valid_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

static void check_static(struct config *cfg)
{
	struct cfg_dataplane *dp = &cfg->dataplane;
	size_t i;

	for (i = 0; i < cfg->n_entry_points; i++)
		check_entry_point(cfg, &cfg->entry_points[i]);
	if (!dp->pin_dir)
		dp->pin_dir = strdup("/sys/fs/bpf/sluice");
	if (!dp->flow_table_size)
		dp->flow_table_size = 1 << 20;
	if (!dp->flow_gc_set)
		dp->flow_gc_interval = 10 * NSEC_PER_SEC;
	for (i = 0; i < dp->n_ifaces; i++)
		if (!dp->ifaces[i].name || !*dp->ifaces[i].name)
			err_at(cfg, &dp->ifaces[i].pos, "dataplane.interfaces",
			       "interface name is required");
	for (i = 0; i < dp->snat.n; i++)
		if (!valid_ip(dp->snat.v[i]))
			err_at(cfg, NULL, "dataplane.snat",
			       "invalid address \"%s\"", dp->snat.v[i]);
	if (cfg->metrics.prometheus) {
		if (!cfg->metrics.prometheus_entry_point)
			cfg->metrics.prometheus_entry_point = strdup("traefik");
		if (!config_entry_point(cfg, cfg->metrics.prometheus_entry_point))
			err_at(cfg, NULL, "metrics.prometheus.entryPoint",
			       "entryPoint \"%s\" doesn't exist",
			       cfg->metrics.prometheus_entry_point);
	}
}

void config_validate(struct config *cfg)
{
	check_static(cfg);
	config_validate_http(cfg);
	config_validate_l4(cfg);
}
