/* sluice vip { show [VIP] | lookup VIP SRC:PORT }: the VIPs in the
 * pinned maps (works while sluiced is down).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dpcommon.h"
#include "output.h"

static int vip_help(int argc, char **argv)
{
	return cmd_help_text(
		"Usage: sluice vip { show | list } [VIP]\n"
		"       sluice vip lookup VIP SRC:PORT\n"
		"       sluice vip help\n"
		"VIP := ADDR:PORT/{ tcp | udp }   (\":PORT\" or \"[::]:PORT\": wildcard)\n"
		"  show     VIPs with path (xdp: translated by XDP; proxy: the kernel\n"
		"           selects, sluiced's proxy connects), mode, counters and each\n"
		"           backend's share of the ring; entryPoints served by the userspace\n"
		"           proxy alone (SNI, no XDP) are listed by sluice l4 show\n"
		"  lookup   the backend a new flow from SRC:PORT to VIP would get\n");
}

struct show_ctx {
	const struct lbmap *m;
	const struct lb_vip_key *only;
	uint32_t *ring;
	int err;
};

/* Prints the backends of @v's ring with their share of entries. */
static int print_ring(const struct lbmap *m, const struct lb_vip *v,
		      uint32_t *ring)
{
	uint32_t *count = calloc(LB_MAX_BACKENDS, sizeof(*count)), id, pos;
	struct lb_backend be;
	char ap[80];
	int err;

	if (!count)
		return -ENOMEM;
	err = lbmap_ring_read(m, v->vip_id, v->ring_size, ring);
	for (pos = 0; !err && pos < v->ring_size; pos++)
		if (ring[pos] < LB_MAX_BACKENDS)
			count[ring[pos]]++;
	open_json_array("backends");
	for (id = 0; !err && id < LB_MAX_BACKENDS; id++) {
		if (!count[id] || lbmap_backend_get(m, id, &be))
			continue;
		dp_addr_port(be.family, be.addr, be.port, ap, sizeof(ap));
		open_json_object(NULL);
		print_text("    ");
		print_string(PRINT_ANY, "address", "%-28s", ap);
		print_u64(PRINT_ANY, "id", " id %llu", id);
		print_u64(PRINT_ANY, "ring_entries", " entries %llu", count[id]);
		print_double(PRINT_ANY, "share", " share %.4f", (double)count[id] / v->ring_size);
		print_string(PRINT_ANY, "state", " %s",
			     be.flags & LB_BE_F_ACTIVE ? "active" : "down");
		/* how replies find their flow: lb_rvips, or an lb_rflows entry
		 * per flow
		 */
		print_string(PRINT_ANY, "replies", " replies %s",
			     be.flags & LB_BE_F_RVIP ? "stateless" : "per-flow");
		print_nl();
		close_json_object();
	}
	close_json_array();
	free(count);
	return err;
}

static int show_one(const struct lb_vip_key *k, const struct lb_vip *v,
		    void *arg)
{
	struct show_ctx *c = arg;
	struct lb_counters cnt = {};
	char name[128];

	if (c->only && memcmp(c->only, k, sizeof(*k)))
		return 0;
	dp_vip_name(k, name, sizeof(name));
	lbmap_vip_stats_get(c->m, v->vip_id, &cnt);
	open_json_object(NULL);
	print_string(PRINT_ANY, "vip", "%-28s", name);
	print_u64(PRINT_ANY, "id", " id %llu", v->vip_id);
	/* xdp: translated in XDP; proxy: steered to sluiced's proxy
	 * (LB_VIP_F_LOCAL). EntryPoints served by the userspace proxy alone
	 * are listed by `sluice l4 show` (path "userspace").
	 */
	if (v->flags & LB_VIP_F_LOCAL) {
		uint64_t cookie;

		print_string(PRINT_ANY, "path", " path %s", "proxy");
		print_string(PRINT_ANY, "forwarding", " %s", "proxy");
		print_bool(PRINT_ANY, "listener", " listener %s",
			   !lbmap_steer_get(c->m, k, &cookie));
	} else {
		print_string(PRINT_ANY, "path", " path %s", "xdp");
		print_string(PRINT_ANY, "forwarding", " %s",
			     v->flags & LB_VIP_F_FULLNAT ? "fullnat" : "nat");
	}
	print_u64(PRINT_ANY, "active_backends", " backends %llu", v->n_backends);
	print_u64(PRINT_ANY, "ring_size", " ring %llu", v->ring_size);
	if (k->proto == IPPROTO_UDP)
		print_u64(PRINT_ANY, "udp_timeout_ns", " udp_timeout_ns %llu",
			  v->udp_timeout_ns);
	print_u64(PRINT_ANY, "pkts", "\n    pkts %llu", cnt.pkts);
	print_u64(PRINT_ANY, "bytes", " bytes %llu", cnt.bytes);
	print_u64(PRINT_ANY, "new_flows", " new_flows %llu", cnt.new_flows);
	print_u64(PRINT_ANY, "drops", " drops %llu", cnt.drops);
	print_nl();
	c->err = print_ring(c->m, v, c->ring);
	close_json_object();
	return c->err;
}

static int vip_show(int argc, char **argv)
{
	struct lb_vip_key only;
	struct show_ctx c = {};
	struct lbmap m;
	int ret;

	if (argc > 1)
		return cmd_usage_err("vip show takes at most one VIP");
	if (argc && dp_parse_vip(argv[0], &only))
		return cmd_usage_err("bad VIP '%s' (ADDR:PORT/{tcp|udp})", argv[0]);
	ret = dp_open(&m);
	if (ret)
		return ret;
	c.m = &m;
	c.only = argc ? &only : NULL;
	c.ring = malloc(LB_RING_MAX * sizeof(*c.ring));
	if (!c.ring) {
		lbmap_close(&m);
		out_err("out of memory");
		return EXIT_FAIL;
	}
	open_json_array(NULL);
	ret = lbmap_vip_foreach(&m, show_one, &c);
	close_json_array();
	free(c.ring);
	lbmap_close(&m);
	if (ret) {
		out_err("cannot read the VIPs: %s", strerror(-ret));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int vip_lookup(int argc, char **argv)
{
	struct lb_flow_key fk = {};
	struct lb_vip_key k;
	struct lb_backend be;
	struct lb_flow f;
	struct lb_vip v;
	unsigned int port;
	uint32_t bid, pos;
	char ap[80];
	struct lbmap m;
	int family, ret;

	if (argc != 2)
		return cmd_usage_err("usage: sluice vip lookup VIP SRC:PORT");
	if (dp_parse_vip(argv[0], &k))
		return cmd_usage_err("bad VIP '%s' (ADDR:PORT/{tcp|udp})", argv[0]);
	if (dp_parse_addr_port(argv[1], fk.src, &port, &family) ||
	    family != k.family)
		return cmd_usage_err("bad source '%s' (same family as the VIP)", argv[1]);
	ret = dp_open(&m);
	if (ret)
		return ret;
	memcpy(fk.dst, k.addr, sizeof(fk.dst));
	fk.sport = htons(port);
	fk.dport = k.port;
	fk.proto = k.proto;
	fk.family = k.family;
	if (lbmap_vip_get(&m, &k, &v)) {
		struct lb_vip_key wild = k;

		memset(wild.addr, 0, sizeof(wild.addr));
		if (lbmap_vip_get(&m, &wild, &v)) {
			lbmap_close(&m);
			out_err("%s is not a VIP", argv[0]);
			return EXIT_FAIL;
		}
	}
	/* as lb_ring_pick() in bpf/lb_lookup.h */
	pos = v.ring_size ? lb_flow_hash(&fk) % v.ring_size : 0;
	ret = v.ring_size ? lbmap_ring_get(&m, v.vip_id, pos, &bid) : -ENOENT;
	open_json_object(NULL);
	print_string(PRINT_ANY, "vip", "vip %s", argv[0]);
	print_string(PRINT_ANY, "source", " from %s", argv[1]);
	print_u64(PRINT_ANY, "ring_pos", " ring position %llu\n", pos);
	if (!ret && bid != LB_BACKEND_NONE && !lbmap_backend_get(&m, bid, &be)) {
		dp_addr_port(be.family, be.addr, be.port, ap, sizeof(ap));
		print_string(PRINT_ANY, "backend", "new flow -> %s", ap);
		print_u64(PRINT_ANY, "backend_id", " (id %llu)\n", bid);
	} else {
		print_null(PRINT_ANY, "backend", "new flow -> none (no active backend)\n");
	}
	if (!lbmap_flow_get(&m, &fk, &f) && !lbmap_backend_get(&m, f.backend_id, &be)) {
		dp_addr_port(be.family, be.addr, be.port, ap, sizeof(ap));
		print_string(PRINT_ANY, "flow_backend", "existing flow -> %s\n", ap);
	}
	close_json_object();
	lbmap_close(&m);
	return EXIT_OK;
}

static const struct lb_cmd vip_cmds[] = {
	{ "show",	vip_show },
	{ "list",	vip_show },
	{ "lookup",	vip_lookup },
	{ "help",	vip_help },
	{ NULL }
};

int do_vip(int argc, char **argv)
{
	return cmd_select(vip_cmds, argc, argv, vip_help);
}
