/* Packet tests of the XDP program (and, as a second group, of the same
 * pipeline at TC ingress, lb_tc_lb) through BPF_PROG_TEST_RUN, table-driven
 * (katran style): each row is {description, input packet, verdict,
 * expected output}, run in order (later rows use flows earlier rows made),
 * and becomes one cmocka test named after its description. Translated
 * output is parsed back and every checksum recomputed from scratch.
 *
 * The test runs in a private network namespace with two veth pairs:
 * "sldpc" faces clients (192.0.2.0/24, 2001:db8::/64) and "sldpb" faces
 * backends (10.1.0.0/24, fd01::/64), with permanent neighbour entries, so
 * bpf_fib_lookup() succeeds deterministically and MACs can be asserted.
 * Maps are filled with the agent's own lbmap_* and maglev_build().
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lb.skel.h"
#include "lb_abi.h"
#include "flow_gc.h"
#include "lb_pkt.h"
#include "lbmap.h"
#include "maglev.h"

#define CLIENT4 "192.0.2.10"
#define CLIENT6 "2001:db8::10"
#define SNAT4 "10.1.0.254"
#define SNAT6 "fd01::fe"

static struct lb *skel;
static struct lbmap maps;
static int if_client, if_backend;
static struct pkt_view last_fwd;	/* output of the last forward row */
static struct pkt_spec last_spec;	/* its input */

struct be_def {
	uint32_t id;
	const char *addr;
	uint16_t port;
};

static const struct be_def backends[] = {
	{ 1, "10.1.0.1", 8080 }, { 2, "10.1.0.2", 8080 },
	{ 3, "10.1.0.3", 5353 }, { 4, "10.1.0.4", 5432 },
	{ 5, "10.1.0.5", 5353 }, { 6, "fd01::1", 8080 },
	{ 7, "fd01::2", 8080 }, { 8, "10.1.0.8", 2525 },
	{ 9, "10.1.0.9", 2525 }, { 10, "10.1.0.10", 7000 },
	{ 11, "fd01::b", 7000 },
};

struct vip_def {
	uint32_t id;
	const char *addr;	/* NULL: wildcard */
	int family;
	uint16_t port;
	uint8_t proto;
	uint32_t flags;
	uint32_t be[4];
	int n_be;
};

static const struct vip_def vips[] = {
	{ 1, "10.0.0.1", AF_INET, 80, IPPROTO_TCP, LB_VIP_F_FULLNAT, { 1, 2 }, 2 },
	{ 2, "10.0.0.2", AF_INET, 53, IPPROTO_UDP, 0, { 3, 5 }, 2 },
	{ 3, "10.0.0.3", AF_INET, 80, IPPROTO_TCP, 0, { 0 }, 0 },
	{ 4, NULL, AF_INET, 5432, IPPROTO_TCP, 0, { 4 }, 1 },
	{ 5, "fd00::1", AF_INET6, 80, IPPROTO_TCP, LB_VIP_F_FULLNAT, { 6, 7 }, 2 },
	{ 6, "fd00::2", AF_INET6, 53, IPPROTO_UDP, LB_VIP_F_FULLNAT, { 6 }, 1 },
	{ 7, "10.0.0.7", AF_INET, 53, IPPROTO_UDP, LB_VIP_F_FULLNAT, { 3 }, 1 },
	/* steered to the local proxy (kernel steering) */
	{ 8, "10.0.0.8", AF_INET, 25, IPPROTO_TCP, LB_VIP_F_LOCAL, { 8, 9 }, 2 },
	/* nat, backends of their own: stateless replies (lb_rvips) */
	{ 9, "10.0.0.9", AF_INET, 7000, IPPROTO_TCP, 0, { 10 }, 1 },
	{ 10, "fd00::9", AF_INET6, 7000, IPPROTO_UDP, 0, { 11 }, 1 },
};

static uint32_t be_weight[12] = { 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
static const uint32_t be_weight0[12] = { 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };

/* The second group runs the same rows through the TC program (lb_tc_lb,
 * `hook: tc`); verdicts are written and compared in XDP terms.
 */
static bool hook_tc;

static int verdict_xdp(int tc_verdict)
{
	switch (tc_verdict) {
	case TC_ACT_OK:
		return XDP_PASS;
	case TC_ACT_SHOT:
		return XDP_DROP;
	case TC_ACT_REDIRECT:
		return XDP_REDIRECT;
	default:
		return -1000 - tc_verdict;
	}
}

/* Runs the program of the group on @in (@len bytes) arriving on
 * @ifindex. Returns the verdict in XDP terms; fills @topts' output.
 */
static int prog_run(const void *in, uint32_t len, int ifindex,
		    struct bpf_test_run_opts *topts)
{
	struct xdp_md xctx = { .data_end = len, .ingress_ifindex = ifindex };
	struct __sk_buff sctx = { .ingress_ifindex = ifindex,
				  .ifindex = ifindex };

	topts->data_in = in;
	topts->data_size_in = len;
	if (hook_tc) {
		topts->ctx_in = &sctx;
		topts->ctx_size_in = sizeof(sctx);
		assert_int_equal(bpf_prog_test_run_opts(
			bpf_program__fd(skel->progs.lb_tc_lb), topts), 0);
		return verdict_xdp(topts->retval);
	}
	topts->ctx_in = &xctx;
	topts->ctx_size_in = sizeof(xctx);
	assert_int_equal(bpf_prog_test_run_opts(
		bpf_program__fd(skel->progs.lb_xdp), topts), 0);
	return topts->retval;
}

static int sys(const char *cmd)
{
	char full[512];

	snprintf(full, sizeof(full), "%s >/dev/null 2>&1", cmd);
	return system(full);
}

static void fill_addr(int family, const char *s, __be32 *out)
{
	memset(out, 0, 16);
	inet_pton(family, s, out);
}

/* Builds VIP @v's ring from the backends of weight > 0 into the idle
 * slot, then flips the VIP to it: the agent's atomic swap.
 */
static void vip_write(const struct vip_def *v)
{
	struct maglev_backend mb[4];
	uint32_t size = lbmap_ring_size(v->n_be);
	uint32_t *ring = malloc(size * sizeof(*ring));
	struct lb_vip_key k;
	struct lb_vip val = {};
	char key[4][48];
	__be32 a[4] = {};
	int i, active = 0;

	if (v->addr)
		fill_addr(v->family, v->addr, a);
	lbmap_vip_key(&k, v->family, v->addr ? a : NULL, v->port, v->proto);
	for (i = 0; i < v->n_be; i++) {
		const struct be_def *b = &backends[v->be[i] - 1];

		snprintf(key[i], sizeof(key[i]), "%s:%u", b->addr, b->port);
		mb[i].key = key[i];
		mb[i].id = b->id;
		mb[i].weight = be_weight[b->id];
		active += mb[i].weight > 0;
	}
	assert_int_equal(size, LB_RING_MIN);
	assert_int_equal(maglev_build(mb, v->n_be, size, ring), 0);
	assert_int_equal(lbmap_ring_write(&maps, v->id, ring, size), 0);
	val.vip_id = v->id;
	val.addr_idx = LB_ADDR_NONE;
	if (v->addr) {
		struct lb_addr la;

		lbmap_addr_make(&la, v->family, a);
		assert_int_equal(lbmap_addr_set(&maps, v->id, &la), 0);
		val.addr_idx = v->id;
	}
	val.flags = v->flags;
	val.n_backends = active;
	val.udp_timeout_ns = 3000000000ull;
	val.ring_size = size;
	assert_int_equal(lbmap_vip_set(&maps, &k, &val), 0);
	free(ring);
}

static void backend_write(const struct be_def *b, bool active)
{
	struct lb_backend be = {};
	int fam = strchr(b->addr, ':') ? AF_INET6 : AF_INET;

	fill_addr(fam, b->addr, be.addr);
	be.port = htons(b->port);
	be.family = fam;
	be.gen = 1;
	be.flags = active ? LB_BE_F_ACTIVE : 0;
	if (b->id >= 10)	/* the stateless VIPs' (rvip_write()) */
		be.flags |= LB_BE_F_RVIP;
	assert_int_equal(lbmap_backend_set(&maps, b->id, &be), 0);
}

/* The lb_rvips entry of backend @b, the only one of VIP @v, as the
 * agent writes it (userspace/agent/dp_rvip.c).
 */
static void rvip_write(const struct vip_def *v, const struct be_def *b)
{
	struct lb_vip_key k;
	struct lb_rvip rv = {};
	__be32 a[4] = {};

	fill_addr(v->family, b->addr, a);
	lbmap_vip_key(&k, v->family, a, b->port, v->proto);
	rv.backend_id = b->id;
	rv.vip_id = v->id;
	rv.vip_addr_idx = v->id;
	rv.vip_port = htons(v->port);
	assert_int_equal(lbmap_rvip_set(&maps, &k, &rv), 0);
}

static void iface_write(int ifindex, const char *s4, const char *s6,
			bool redirect)
{
	struct lb_iface ifc = {};

	inet_pton(AF_INET, s4, &ifc.snat4);
	inet_pton(AF_INET6, s6, ifc.snat6);
	ifc.flags = redirect ? LB_IFACE_F_REDIRECT : 0;
	assert_int_equal(lbmap_iface_set(&maps, ifindex, &ifc), 0);
}

static int setup_netns(void)
{
	static const char *const cmds[] = {
		"ip link set lo up",
		/* bpf_fib_lookup() answers FWD_DISABLED without these */
		"sysctl -qw net.ipv4.ip_forward=1",
		"sysctl -qw net.ipv6.conf.all.forwarding=1",
		"ip link add sldpc type veth peer name sldpc1",
		"ip link add sldpb type veth peer name sldpb1",
		"ip addr add 192.0.2.254/24 dev sldpc",
		"ip addr add 2001:db8::fe/64 dev sldpc nodad",
		"ip addr add 10.1.0.254/24 dev sldpb",
		"ip addr add fd01::fe/64 dev sldpb nodad",
		"ip link set sldpc up", "ip link set sldpc1 up",
		"ip link set sldpb up", "ip link set sldpb1 up",
		"ip neigh add 192.0.2.10 lladdr 02:00:00:00:02:10 dev sldpc nud permanent",
		"ip neigh add 2001:db8::10 lladdr 02:00:00:00:02:10 dev sldpc nud permanent",
		"ip neigh add 10.1.0.1 lladdr 02:00:00:00:01:01 dev sldpb nud permanent",
		"ip neigh add 10.1.0.2 lladdr 02:00:00:00:01:02 dev sldpb nud permanent",
		"ip neigh add 10.1.0.3 lladdr 02:00:00:00:01:03 dev sldpb nud permanent",
		"ip neigh add 10.1.0.4 lladdr 02:00:00:00:01:04 dev sldpb nud permanent",
		"ip neigh add 10.1.0.5 lladdr 02:00:00:00:01:05 dev sldpb nud permanent",
		"ip neigh add fd01::1 lladdr 02:00:00:00:01:06 dev sldpb nud permanent",
		"ip neigh add fd01::2 lladdr 02:00:00:00:01:07 dev sldpb nud permanent",
		"ip neigh add 10.1.0.10 lladdr 02:00:00:00:01:0a dev sldpb nud permanent",
		"ip neigh add fd01::b lladdr 02:00:00:00:01:0b dev sldpb nud permanent",
		NULL,
	};
	int i;

	if (unshare(CLONE_NEWNET))
		return -errno;
	for (i = 0; cmds[i]; i++)
		if (sys(cmds[i])) {
			fprintf(stderr, "setup failed: %s\n", cmds[i]);
			return -1;
		}
	if_client = if_nametoindex("sldpc");
	if_backend = if_nametoindex("sldpb");
	return if_client && if_backend ? 0 : -1;
}

static int group_setup(void **state)
{
	struct lb_cfg cfg = {};
	int fds[LBMAP_NR];
	size_t i;

	if (setup_netns())
		return -1;
	skel = lb__open();
	if (!skel)
		return -1;
	bpf_map__set_max_entries(skel->maps.lb_flows, 4096);
	bpf_map__set_max_entries(skel->maps.lb_rflows, 4096);
	if (lb__load(skel))
		return -1;
	fds[LBMAP_CFG] = bpf_map__fd(skel->maps.lb_cfg);
	fds[LBMAP_VIPS] = bpf_map__fd(skel->maps.lb_vips);
	fds[LBMAP_RING] = bpf_map__fd(skel->maps.lb_rings);
	fds[LBMAP_BACKENDS] = bpf_map__fd(skel->maps.lb_backends);
	fds[LBMAP_FLOWS] = bpf_map__fd(skel->maps.lb_flows);
	fds[LBMAP_RFLOWS] = bpf_map__fd(skel->maps.lb_rflows);
	fds[LBMAP_IFACES] = bpf_map__fd(skel->maps.lb_ifaces);
	fds[LBMAP_STATS] = bpf_map__fd(skel->maps.lb_stats);
	fds[LBMAP_VIP_STATS] = bpf_map__fd(skel->maps.lb_vip_stats);
	fds[LBMAP_BE_STATS] = bpf_map__fd(skel->maps.lb_be_stats);
	fds[LBMAP_ADDRS] = bpf_map__fd(skel->maps.lb_addrs);
	fds[LBMAP_ADDR_IDX] = bpf_map__fd(skel->maps.lb_addr_idx);
	fds[LBMAP_FIB_CACHE] = bpf_map__fd(skel->maps.lb_fib_cache);
	fds[LBMAP_PORTS] = bpf_map__fd(skel->maps.lb_ports);
	fds[LBMAP_STEER] = bpf_map__fd(skel->maps.lb_steer);
	fds[LBMAP_RVIPS] = bpf_map__fd(skel->maps.lb_rvips);
	if (lbmap_init_fds(&maps, fds))
		return -1;
	cfg.abi_version = LB_ABI_VERSION;
	cfg.tcp_syn_timeout_ns = 30ull * 1000000000;
	cfg.tcp_est_timeout_ns = 900ull * 1000000000;
	cfg.tcp_closing_timeout_ns = 10ull * 1000000000;
	inet_pton(AF_INET, "10.255.0.1", &cfg.snat4);
	cfg.snat_port_lo = 20000;
	cfg.snat_port_hi = 29999;
	if (lbmap_cfg_set(&maps, &cfg))
		return -1;
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		backend_write(&backends[i], true);
	for (i = 0; i < sizeof(vips) / sizeof(vips[0]); i++)
		vip_write(&vips[i]);
	rvip_write(&vips[8], &backends[9]);
	rvip_write(&vips[9], &backends[10]);
	{
		static struct lb_port_bits bits[LB_PORT_WORDS];

		for (i = 0; i < sizeof(vips) / sizeof(vips[0]); i++)
			lbmap_port_mark(bits, vips[i].port, true);
		for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
			lbmap_port_mark(bits, backends[i].port, false);
		if (lbmap_ports_write(&maps, bits))
			return -1;
	}
	/* the balancer's "local" address a wildcard VIP serves */
	{
		struct lb_addr la;
		__be32 a[4] = {};

		fill_addr(AF_INET, "198.51.100.77", a);
		lbmap_addr_make(&la, AF_INET, a);
		if (lbmap_addr_set(&maps, 100, &la))
			return -1;
	}
	iface_write(if_client, "192.0.2.254", "2001:db8::fe", true);
	iface_write(if_backend, SNAT4, SNAT6, true);
	return 0;
}

static int group_teardown(void **state)
{
	lb__destroy(skel);
	skel = NULL;
	return 0;
}

/* The TC group: a fresh namespace, maps and flow tables, the same rows. */
static int group_setup_tc(void **state)
{
	hook_tc = true;
	memcpy(be_weight, be_weight0, sizeof(be_weight));
	memset(&last_fwd, 0, sizeof(last_fwd));
	memset(&last_spec, 0, sizeof(last_spec));
	return group_setup(state);
}

/* ---- row hooks (run before a row's packet) ----------------------------- */

static void hook_backend2_down(void)
{
	/* backend 1 of VIP 1 goes away: existing TCP flows must not move */
	backend_write(&backends[0], false);
	backend_write(&backends[1], false);
	be_weight[1] = be_weight[2] = 0;
	vip_write(&vips[0]);
}

static void hook_udp_backend_down(void)
{
	/* the backend of the last UDP flow goes down, ring rebuilt */
	int id = strcmp(last_fwd.dst, "10.1.0.3") ? 5 : 3;

	backend_write(&backends[id - 1], false);
	be_weight[id] = 0;
	vip_write(&vips[1]);
}

static void hook_no_redirect(void)
{
	iface_write(if_backend, SNAT4, SNAT6, false);
}

/* ---- rows ---------------------------------------------------------------- */

enum expect {
	X_SAME,		/* output identical to input */
	X_FWD,		/* translated to the ring's backend */
	X_FWD_LAST,	/* translated exactly like the last forward row */
	X_FWD_OTHER,	/* translated to another backend than last time */
	X_REV,		/* reply to the last forward row, back to the client */
	X_NONE,		/* dropped: output not checked */
};

struct row {
	const char *desc;
	struct pkt_spec in;
	int verdict;
	enum expect expect;
	const char *snat;	/* X_FWD: expected source (NULL: unchanged) */
	int stat;		/* global counter that must move, or -1 */
	int trunc;		/* > 0: cut the frame to this many bytes */
	int poke_off;		/* >= 0 with poke_len: patch bytes at l3 + off */
	int poke_len;
	uint8_t poke[4];
	void (*hook)(void);
	bool from_backend;
	bool tc_meta;		/* passed up marked for lb_tc (lb_xmit_meta
				 * in front: magic, the backend's egress) */
	bool no_rflow;		/* X_FWD nat: no lb_rflows entry (lb_rvips) */
	bool tc_alt;		/* at the TC hook: tc_verdict, tc_stat */
	bool tc_skip;		/* input BPF_PROG_TEST_RUN refuses as an skb */
	int tc_verdict;
	int tc_stat;
};

#define TCP4(s, d, sp, dp, fl) { .family = AF_INET, .proto = IPPROTO_TCP, \
	.src = s, .dst = d, .sport = sp, .dport = dp, .tcp_flags = fl, .payload = 0 }
#define UDP4(s, d, sp, dp, pl) { .family = AF_INET, .proto = IPPROTO_UDP, \
	.src = s, .dst = d, .sport = sp, .dport = dp, .payload = pl }
#define TCP6(s, d, sp, dp, fl) { .family = AF_INET6, .proto = IPPROTO_TCP, \
	.src = s, .dst = d, .sport = sp, .dport = dp, .tcp_flags = fl, .payload = 0 }
#define UDP6(s, d, sp, dp, pl) { .family = AF_INET6, .proto = IPPROTO_UDP, \
	.src = s, .dst = d, .sport = sp, .dport = dp, .payload = pl }
#define SYN 0x02
#define ACK 0x10
#define PSHACK 0x18
#define FIN 0x01
#define RST 0x04

static struct row rows[] = {
	{ "v4 tcp SYN to fullnat VIP picks ring backend, SNAT",
	  TCP4(CLIENT4, "10.0.0.1", 40000, 80, SYN), XDP_REDIRECT, X_FWD, SNAT4,
	  LB_STAT_NEW_FLOW, .poke_off = -1 },
	{ "v4 tcp ACK of the same flow keeps backend and SNAT port",
	  TCP4(CLIENT4, "10.0.0.1", 40000, 80, ACK), XDP_REDIRECT, X_FWD_LAST, SNAT4,
	  LB_STAT_FWD, .poke_off = -1 },
	{ "v4 tcp reply from backend translated back to client",
	  TCP4("", "", 0, 0, SYN | ACK), XDP_REDIRECT, X_REV, NULL, LB_STAT_REV,
	  .poke_off = -1, .from_backend = true },
	{ "v4 tcp with payload on the established flow",
	  { .family = AF_INET, .proto = IPPROTO_TCP, .src = CLIENT4, .dst = "10.0.0.1",
	    .sport = 40000, .dport = 80, .tcp_flags = PSHACK, .payload = 33 },
	  XDP_REDIRECT, X_FWD_LAST, SNAT4, LB_STAT_FWD, .poke_off = -1 },
	{ "v4 tcp second client flow",
	  TCP4(CLIENT4, "10.0.0.1", 40001, 80, SYN), XDP_REDIRECT, X_FWD, SNAT4,
	  LB_STAT_NEW_FLOW, .poke_off = -1 },
	{ "v4 udp to nat VIP keeps client source",
	  UDP4(CLIENT4, "10.0.0.2", 5000, 53, 11), XDP_REDIRECT, X_FWD, NULL,
	  LB_STAT_NEW_FLOW, .poke_off = -1 },
	{ "v4 udp reply from backend (nat) gets VIP source",
	  UDP4("", "", 0, 0, 20), XDP_REDIRECT, X_REV, NULL, LB_STAT_REV,
	  .poke_off = -1, .from_backend = true },
	{ "v4 udp zero-length payload translated",
	  UDP4(CLIENT4, "10.0.0.2", 5001, 53, 0), XDP_REDIRECT, X_FWD, NULL,
	  LB_STAT_NEW_FLOW, .poke_off = -1 },
	{ "v4 udp zero checksum stays zero (fullnat)",
	  { .family = AF_INET, .proto = IPPROTO_UDP, .src = CLIENT4, .dst = "10.0.0.7",
	    .sport = 5002, .dport = 53, .payload = 5, .udp_zero_csum = true },
	  XDP_REDIRECT, X_FWD, SNAT4, LB_STAT_NEW_FLOW, .poke_off = -1 },
	{ "v4 tcp to wildcard VIP :5432",
	  TCP4(CLIENT4, "198.51.100.77", 40002, 5432, SYN), XDP_REDIRECT, X_FWD, NULL,
	  LB_STAT_NEW_FLOW, .poke_off = -1 },
	{ "v4 tcp to wildcard VIP port on an address not ours passes",
	  TCP4(CLIENT4, "198.51.100.78", 40002, 5432, SYN), XDP_PASS, X_SAME, NULL,
	  LB_STAT_PASS, .poke_off = -1 },
	{ "v4 tcp with IP options translated",
	  { .family = AF_INET, .proto = IPPROTO_TCP, .src = CLIENT4, .dst = "10.0.0.1",
	    .sport = 40003, .dport = 80, .tcp_flags = SYN, .ip_opt_words = 2 },
	  XDP_REDIRECT, X_FWD, SNAT4, LB_STAT_IP_OPTIONS, .poke_off = -1 },
	{ "v4 tcp 802.1Q tagged: translated, kernel path",
	  { .family = AF_INET, .proto = IPPROTO_TCP, .src = CLIENT4, .dst = "10.0.0.1",
	    .sport = 40004, .dport = 80, .tcp_flags = SYN, .vlan = true },
	  XDP_PASS, X_FWD, SNAT4, LB_STAT_TX_KERNEL, .poke_off = -1 },
	{ "v6 tcp SYN to fullnat VIP",
	  TCP6(CLIENT6, "fd00::1", 40000, 80, SYN), XDP_REDIRECT, X_FWD, SNAT6,
	  LB_STAT_NEW_FLOW, .poke_off = -1 },
	{ "v6 tcp reply translated back",
	  TCP6("", "", 0, 0, SYN | ACK), XDP_REDIRECT, X_REV, NULL, LB_STAT_REV,
	  .poke_off = -1, .from_backend = true },
	{ "v6 udp to fullnat VIP",
	  UDP6(CLIENT6, "fd00::2", 6000, 53, 9), XDP_REDIRECT, X_FWD, SNAT6,
	  LB_STAT_NEW_FLOW, .poke_off = -1 },
	{ "v6 udp reply translated back",
	  UDP6("", "", 0, 0, 3), XDP_REDIRECT, X_REV, NULL, LB_STAT_REV,
	  .poke_off = -1, .from_backend = true },
	{ "v4 tcp SYN to a nat VIP whose backend is its own: no reply entry",
	  TCP4(CLIENT4, "10.0.0.9", 42000, 7000, SYN), XDP_REDIRECT, X_FWD, NULL,
	  LB_STAT_NEW_FLOW, .poke_off = -1, .no_rflow = true },
	{ "v4 tcp reply of that backend translated through lb_rvips",
	  TCP4("", "", 0, 0, SYN | ACK), XDP_REDIRECT, X_REV, NULL, LB_STAT_REV,
	  .poke_off = -1, .from_backend = true },
	{ "v4 tcp from that backend to a client with no flow passes",
	  TCP4("10.1.0.10", CLIENT4, 7000, 42999, SYN | ACK), XDP_PASS, X_SAME,
	  NULL, LB_STAT_PASS, .poke_off = -1, .from_backend = true },
	{ "v6 udp to a nat VIP whose backend is its own: no reply entry",
	  UDP6(CLIENT6, "fd00::9", 6100, 7000, 5), XDP_REDIRECT, X_FWD, NULL,
	  LB_STAT_NEW_FLOW, .poke_off = -1, .no_rflow = true },
	{ "v6 udp reply translated through lb_rvips",
	  UDP6("", "", 0, 0, 4), XDP_REDIRECT, X_REV, NULL, LB_STAT_REV,
	  .poke_off = -1, .from_backend = true },
	{ "v4 tcp to VIP without backends dropped",
	  TCP4(CLIENT4, "10.0.0.3", 40000, 80, SYN), XDP_DROP, X_NONE, NULL,
	  LB_DROP_NO_BACKEND, .poke_off = -1 },
	{ "v4 tcp not for a VIP passes untouched",
	  TCP4(CLIENT4, "10.0.0.1", 40000, 22, SYN), XDP_PASS, X_SAME, NULL,
	  LB_STAT_PASS, .poke_off = -1 },
	{ "v6 udp not for a VIP passes untouched",
	  UDP6(CLIENT6, "fd00::1", 6000, 53, 4), XDP_PASS, X_SAME, NULL,
	  LB_STAT_PASS, .poke_off = -1 },
	/* BPF_PROG_TEST_RUN refuses frames under ETH_HLEN, as drivers never
	 * hand XDP one: the shortest frame is a bare Ethernet header.
	 */
	{ "frame ending after the Ethernet header passes",
	  TCP4(CLIENT4, "10.0.0.1", 41000, 80, SYN), XDP_PASS, X_SAME, NULL,
	  LB_STAT_MALFORMED, .trunc = 14, .poke_off = -1, .tc_skip = true },
	{ "802.1Q tag cut short passes",
	  { .family = AF_INET, .proto = IPPROTO_TCP, .src = CLIENT4, .dst = "10.0.0.1",
	    .sport = 41000, .dport = 80, .tcp_flags = SYN, .vlan = true },
	  XDP_PASS, X_SAME, NULL, LB_STAT_MALFORMED, .trunc = 16, .poke_off = -1 },
	{ "truncated IPv4 header passes",
	  TCP4(CLIENT4, "10.0.0.1", 41000, 80, SYN), XDP_PASS, X_SAME, NULL,
	  LB_STAT_MALFORMED, .trunc = 14 + 12, .poke_off = -1, .tc_skip = true },
	{ "truncated TCP header passes",
	  TCP4(CLIENT4, "10.0.0.1", 41000, 80, SYN), XDP_PASS, X_SAME, NULL,
	  LB_STAT_MALFORMED, .trunc = 14 + 20 + 10, .poke_off = -1 },
	{ "truncated UDP header passes",
	  UDP4(CLIENT4, "10.0.0.2", 41000, 53, 0), XDP_PASS, X_SAME, NULL,
	  LB_STAT_MALFORMED, .trunc = 14 + 20 + 4, .poke_off = -1 },
	{ "truncated IPv6 header passes",
	  TCP6(CLIENT6, "fd00::1", 41000, 80, SYN), XDP_PASS, X_SAME, NULL,
	  LB_STAT_MALFORMED, .trunc = 14 + 30, .poke_off = -1, .tc_skip = true },
	{ "IPv6 payload length beyond frame passes",
	  TCP6(CLIENT6, "fd00::1", 41000, 80, SYN), XDP_PASS, X_SAME, NULL,
	  LB_STAT_MALFORMED, .poke_off = 4, .poke_len = 2, .poke = { 0x05, 0xdc } },
	{ "IPv4 ihl below 5 passes",
	  TCP4(CLIENT4, "10.0.0.1", 41000, 80, SYN), XDP_PASS, X_SAME, NULL,
	  LB_STAT_MALFORMED, .poke_off = 0, .poke_len = 1, .poke = { 0x44 } },
	{ "IPv4 total length beyond frame passes",
	  TCP4(CLIENT4, "10.0.0.1", 41000, 80, SYN), XDP_PASS, X_SAME, NULL,
	  LB_STAT_MALFORMED, .poke_off = 2, .poke_len = 2, .poke = { 0x05, 0xdc } },
	{ "TCP data offset below 5 passes",
	  TCP4(CLIENT4, "10.0.0.1", 41000, 80, SYN), XDP_PASS, X_SAME, NULL,
	  LB_STAT_MALFORMED, .poke_off = 20 + 12, .poke_len = 1, .poke = { 0x40 } },
	{ "UDP length below 8 passes",
	  UDP4(CLIENT4, "10.0.0.2", 41000, 53, 4), XDP_PASS, X_SAME, NULL,
	  LB_STAT_MALFORMED, .poke_off = 20 + 4, .poke_len = 2, .poke = { 0, 4 } },
	{ "UDP length beyond IP payload passes",
	  UDP4(CLIENT4, "10.0.0.2", 41000, 53, 4), XDP_PASS, X_SAME, NULL,
	  LB_STAT_MALFORMED, .poke_off = 20 + 4, .poke_len = 2, .poke = { 0, 40 } },
	{ "IPv4 first fragment to a VIP passes untranslated",
	  { .family = AF_INET, .proto = IPPROTO_UDP, .src = CLIENT4, .dst = "10.0.0.2",
	    .sport = 41000, .dport = 53, .payload = 8, .frag_mf = true },
	  XDP_PASS, X_SAME, NULL, LB_STAT_FRAGMENT, .poke_off = -1 },
	{ "IPv4 later fragment passes untranslated",
	  UDP4(CLIENT4, "10.0.0.2", 41000, 53, 8), XDP_PASS, X_SAME, NULL,
	  LB_STAT_FRAGMENT, .poke_off = 6, .poke_len = 2, .poke = { 0x00, 0x10 } },
	{ "IPv6 extension header passes untranslated",
	  { .family = AF_INET6, .proto = IPPROTO_TCP, .src = CLIENT6, .dst = "fd00::1",
	    .sport = 41000, .dport = 80, .tcp_flags = SYN, .ip6_hbh = true },
	  XDP_PASS, X_SAME, NULL, LB_STAT_IPV6_EXT, .poke_off = -1 },
	{ "v4 udp flow before its backend goes down",
	  UDP4(CLIENT4, "10.0.0.2", 5100, 53, 7), XDP_REDIRECT, X_FWD, NULL,
	  LB_STAT_NEW_FLOW, .poke_off = -1 },
	{ "v4 udp flow re-steered off a down backend",
	  UDP4(CLIENT4, "10.0.0.2", 5100, 53, 7), XDP_REDIRECT, X_FWD_OTHER, NULL,
	  LB_STAT_RESTEER, .poke_off = -1, .hook = hook_udp_backend_down },
	{ "v4 tcp without redirect permission takes the kernel path",
	  TCP4(CLIENT4, "10.0.0.1", 40010, 80, SYN), XDP_PASS, X_FWD, SNAT4,
	  LB_STAT_TX_KERNEL, .poke_off = -1, .hook = hook_no_redirect,
	  .tc_meta = true,
	  /* TC redirects skbs to any device */
	  .tc_alt = true, .tc_verdict = XDP_REDIRECT, .tc_stat = LB_STAT_TX_TC },
	{ "v4 tcp flow whose backend is gone gets a RST",
	  TCP4(CLIENT4, "10.0.0.1", 40000, 80, ACK), XDP_REDIRECT, X_NONE, NULL,
	  LB_STAT_TCP_RESET, .poke_off = -1, .hook = hook_backend2_down },
	{ "v4 tcp RST of a flow whose backend is gone is dropped",
	  TCP4(CLIENT4, "10.0.0.1", 40000, 80, 0x04), XDP_DROP, X_NONE, NULL,
	  LB_DROP_BACKEND_GONE, .poke_off = -1 },
};

/* Backend id the ring of @in's VIP gives a new flow, as vip lookup does. */
static const struct be_def *ring_backend(const struct pkt_spec *in)
{
	struct lb_flow_key fk = {};
	struct lb_vip_key vk;
	struct lb_vip v;
	uint32_t bid;

	fk.family = in->family == AF_INET ? LB_AF_INET : LB_AF_INET6;
	fill_addr(in->family, in->src, fk.src);
	fill_addr(in->family, in->dst, fk.dst);
	fk.sport = htons(in->sport);
	fk.dport = htons(in->dport);
	fk.proto = in->proto;
	lbmap_vip_key(&vk, fk.family, fk.dst, in->dport, in->proto);
	if (lbmap_vip_get(&maps, &vk, &v)) {
		lbmap_vip_key(&vk, fk.family, NULL, in->dport, in->proto);
		assert_int_equal(lbmap_vip_get(&maps, &vk, &v), 0);
	}
	assert_int_equal(lbmap_ring_get(&maps, v.vip_id,
					lb_flow_hash(&fk) % v.ring_size,
					&bid), 0);
	assert_true(bid >= 1 && bid <= 11);
	return &backends[bid - 1];
}

static void check_fwd(const struct row *r, int verdict,
		      const struct pkt_view *out, const struct pkt_view *in)
{
	const struct be_def *b;
	char mac[6] = { 2, 0, 0, 0, 1, 0 };
	struct lb_flow_key rk = {};
	struct lb_rflow rv;

	if (r->expect == X_FWD_LAST) {
		assert_string_equal(out->dst, last_fwd.dst);
		assert_int_equal(out->dport, last_fwd.dport);
		assert_string_equal(out->src, last_fwd.src);
		assert_int_equal(out->sport, last_fwd.sport);
		return;
	}
	b = ring_backend(&r->in);
	if (r->expect == X_FWD_OTHER)
		assert_string_not_equal(b->addr, last_fwd.dst);
	assert_string_equal(out->dst, b->addr);
	assert_int_equal(out->dport, b->port);
	if (verdict == XDP_REDIRECT) {
		mac[5] = b->id;
		assert_memory_equal(out->dmac, mac, 6);
	} else {
		assert_memory_equal(out->dmac, in->dmac, 6);
	}
	/* the reply key, as the backend will answer the translated packet */
	rk.family = r->in.family == AF_INET ? LB_AF_INET : LB_AF_INET6;
	fill_addr(r->in.family, out->dst, rk.src);
	fill_addr(r->in.family, out->src, rk.dst);
	rk.sport = htons(out->dport);
	rk.dport = htons(out->sport);
	rk.proto = r->in.proto;
	if (r->snat) {
		assert_string_equal(out->src, r->snat);
		assert_true(out->sport >= 20000 && out->sport <= 29999);
		assert_int_equal(lbmap_rflow_get(&maps, &rk, &rv), 0);
		assert_int_equal(ntohs(rv.client_port), r->in.sport);
	} else {
		assert_string_equal(out->src, in->src);
		assert_int_equal(out->sport, in->sport);
		/* nat: a reply entry unless the backend answers statelessly */
		assert_int_equal(lbmap_rflow_get(&maps, &rk, &rv),
				 r->no_rflow ? -ENOENT : 0);
	}
}

static void run_row(void **state)
{
	struct row *r = *state;
	struct pkt in, orig;
	uint8_t out[PKT_MAX];
	struct pkt_view vin, vout;
	uint64_t before[LB_STAT_NR], after[LB_STAT_NR];
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	int verdict = hook_tc && r->tc_alt ? r->tc_verdict : r->verdict;
	int stat = hook_tc && r->tc_alt ? r->tc_stat : r->stat;
	bool tc_meta = r->tc_meta && !hook_tc;

	if (r->hook)
		r->hook();
	if (r->expect == X_REV) {
		/* the backend answers the last forwarded packet */
		r->in.src = last_fwd.dst;
		r->in.dst = last_fwd.src;
		r->in.sport = last_fwd.dport;
		r->in.dport = last_fwd.sport;
	}
	pkt_build(&in, &r->in);
	if (r->poke_off >= 0 && r->poke_len)
		memcpy(in.b + in.l3 + r->poke_off, r->poke, r->poke_len);
	if (r->trunc)
		in.len = r->trunc;
	orig = in;
	if (r->expect != X_SAME && r->expect != X_NONE)
		pkt_view(&in, in.b, in.len, &vin);

	topts.data_out = out;
	topts.data_size_out = sizeof(out);
	assert_int_equal(lbmap_stats_get(&maps, before), 0);
	assert_int_equal(prog_run(in.b, in.len, r->from_backend ? if_backend :
				  if_client, &topts), verdict);
	assert_int_equal(lbmap_stats_get(&maps, after), 0);

	if (stat >= 0)
		assert_true(after[stat] > before[stat]);
	if (tc_meta) {
		struct lb_xmit_meta m;

		/* test runs hand the metadata back in front of the frame */
		assert_int_equal(topts.data_size_out, orig.len + sizeof(m));
		memcpy(&m, out, sizeof(m));
		assert_int_equal(m.magic, LB_XMIT_MAGIC);
		assert_int_equal(m.ifindex, if_backend);
		topts.data_size_out -= sizeof(m);
		memmove(out, out + sizeof(m), topts.data_size_out);
	}
	if (r->expect == X_NONE)
		return;
	assert_int_equal(topts.data_size_out, orig.len);
	if (r->expect == X_SAME) {
		assert_memory_equal(out, orig.b, orig.len);
		return;
	}
	pkt_view(&in, out, topts.data_size_out, &vout);
	assert_true(vout.l3_csum_ok);
	assert_true(vout.l4_csum_ok);
	if (r->in.udp_zero_csum)
		assert_int_equal(vout.l4_csum, 0);
	/* bytes past the L4 header are never touched */
	assert_memory_equal(out + in.l4 + 20 * (in.proto == IPPROTO_TCP) +
			    8 * (in.proto == IPPROTO_UDP),
			    orig.b + in.l4 + 20 * (in.proto == IPPROTO_TCP) +
			    8 * (in.proto == IPPROTO_UDP),
			    orig.len - in.l4 - (in.proto == IPPROTO_TCP ? 20 : 8));
	if (r->expect == X_REV) {
		assert_string_equal(vout.src, last_spec.dst);
		assert_int_equal(vout.sport, last_spec.dport);
		assert_string_equal(vout.dst, last_spec.src);
		assert_int_equal(vout.dport, last_spec.sport);
		return;
	}
	check_fwd(r, verdict, &vout, &vin);
	last_fwd = vout;
	last_spec = r->in;
}

/* ---- ICMP errors ----------------------------------------------------- */

/* Runs @in arriving on @ifindex; the output lands in @out, without the
 * lb_xmit_meta a packet passed up for lb_tc carries in front.
 */
static int run_pkt(const struct pkt *in, int ifindex, struct pkt *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	uint32_t magic;
	int verdict;

	*out = *in;
	topts.data_out = out->b;
	topts.data_size_out = sizeof(out->b);
	verdict = prog_run(in->b, in->len, ifindex, &topts);
	out->len = topts.data_size_out;
	memcpy(&magic, out->b, sizeof(magic));
	if (verdict == XDP_PASS && magic == LB_XMIT_MAGIC &&
	    out->len >= sizeof(struct lb_xmit_meta)) {
		out->len -= sizeof(struct lb_xmit_meta);
		memmove(out->b, out->b + sizeof(struct lb_xmit_meta), out->len);
	}
	return verdict;
}

struct icmp_case {
	struct pkt_spec fwd;	/* client -> VIP packet that makes the flow */
	const char *vip;
	const char *snat;	/* NULL: nat */
	uint8_t type, code;	/* error from the backend side */
};

/* The flow of @c, an error about it from the backend side, then one about
 * its reply from a router on the client side: both must reach the other
 * party with the quoted packet as that party sent it.
 */
static void icmp_both_ways(const struct icmp_case *c)
{
	struct pkt in, fwd, rep_in, rep, err, out;
	struct pkt_view vf, vr;
	struct icmp_view v;
	struct pkt_spec rs;
	const char *router = c->fwd.family == AF_INET ? "192.0.2.1" : "2001:db8::1";

	pkt_build(&in, &c->fwd);
	assert_int_equal(run_pkt(&in, if_client, &fwd), XDP_REDIRECT);
	pkt_view(&in, fwd.b, fwd.len, &vf);

	/* backend side: "your packet was too big / unreachable" */
	pkt_build_icmp(&err, c->fwd.family, vf.dst, vf.src, c->type, c->code,
		       1400, &fwd, 64);
	assert_int_equal(run_pkt(&err, if_backend, &out), XDP_REDIRECT);
	pkt_icmp_view(&err, out.b, out.len, &v);
	assert_true(v.l3_csum_ok && v.icmp_csum_ok && v.inner_csum_ok);
	assert_true(v.quote_whole && v.quote_l4_csum_ok);
	assert_string_equal(v.src, c->vip);
	assert_string_equal(v.dst, c->fwd.src);
	assert_string_equal(v.isrc, c->fwd.src);
	assert_int_equal(v.isport, c->fwd.sport);
	assert_string_equal(v.idst, c->vip);
	assert_int_equal(v.idport, c->fwd.dport);

	/* the backend's reply, then an error about it from the client side */
	rs = c->fwd;
	rs.src = vf.dst;
	rs.dst = vf.src;
	rs.sport = vf.dport;
	rs.dport = vf.sport;
	pkt_build(&rep_in, &rs);
	assert_int_equal(run_pkt(&rep_in, if_backend, &rep), XDP_REDIRECT);
	pkt_view(&rep_in, rep.b, rep.len, &vr);
	pkt_build_icmp(&err, c->fwd.family, router, vr.src, c->type, c->code,
		       1280, &rep, 64);
	assert_int_equal(run_pkt(&err, if_client, &out), XDP_REDIRECT);
	pkt_icmp_view(&err, out.b, out.len, &v);
	assert_true(v.l3_csum_ok && v.icmp_csum_ok && v.inner_csum_ok);
	assert_true(v.quote_whole && v.quote_l4_csum_ok);
	assert_string_equal(v.dst, vf.dst);		/* to the backend */
	assert_string_equal(v.src, c->snat ? c->snat : router);
	assert_string_equal(v.isrc, vf.dst);		/* as the backend sent it */
	assert_int_equal(v.isport, vf.dport);
	assert_string_equal(v.idst, vf.src);
	assert_int_equal(v.idport, vf.sport);
}

static void test_icmp_v4_fullnat_tcp(void **state)
{
	static const struct icmp_case c = {
		TCP4(CLIENT4, "10.0.0.1", 45000, 80, SYN), "10.0.0.1", SNAT4,
		3, 4,	/* fragmentation needed */
	};

	icmp_both_ways(&c);
}

static void test_icmp_v4_nat_udp(void **state)
{
	static const struct icmp_case c = {
		UDP4(CLIENT4, "10.0.0.2", 45001, 53, 10), "10.0.0.2", NULL,
		3, 3,	/* port unreachable */
	};

	icmp_both_ways(&c);
}

static void test_icmp_v4_nat_stateless(void **state)
{
	static const struct icmp_case c = {
		TCP4(CLIENT4, "10.0.0.9", 45002, 7000, SYN), "10.0.0.9", NULL,
		3, 4,	/* fragmentation needed */
	};

	icmp_both_ways(&c);
}

static void test_icmp_v6_fullnat_tcp(void **state)
{
	static const struct icmp_case c = {
		TCP6(CLIENT6, "fd00::1", 45002, 80, SYN), "fd00::1", SNAT6,
		2, 0,	/* packet too big */
	};

	icmp_both_ways(&c);
}

/* Errors about nothing we balance, and ICMP that is no error, pass. */
static void test_icmp_unrelated_passes(void **state)
{
	static const struct pkt_spec other = TCP4("198.51.100.1", "198.51.100.2",
						  1234, 80, SYN);
	struct pkt q, err, out;

	pkt_build(&q, &other);
	pkt_build_icmp(&err, AF_INET, "10.1.0.1", "10.1.0.254", 3, 4, 1400, &q, 64);
	assert_int_equal(run_pkt(&err, if_backend, &out), XDP_PASS);
	assert_memory_equal(out.b, err.b, err.len);
	pkt_build_icmp(&err, AF_INET, CLIENT4, "10.0.0.1", 8, 0, 0, &q, 16);
	assert_int_equal(run_pkt(&err, if_client, &out), XDP_PASS);
	assert_memory_equal(out.b, err.b, err.len);
}

/* ---- resets ------------------------------------------------------------ */

/* Checks that @out is a bare RST from @vip:@vport to @cli:@cport with
 * @seq/@ack/@flags and correct checksums.
 */
static void check_rst(const struct pkt *in, const struct pkt *out,
		      const char *vip, uint16_t vport, const char *cli,
		      uint16_t cport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	const struct tcphdr *th = (const void *)(out->b + in->l4);
	struct pkt_view v;

	assert_int_equal(out->len, in->l4 + 20);
	pkt_view(in, out->b, out->len, &v);
	assert_true(v.l3_csum_ok);
	assert_true(v.l4_csum_ok);
	assert_string_equal(v.src, vip);
	assert_int_equal(v.sport, vport);
	assert_string_equal(v.dst, cli);
	assert_int_equal(v.dport, cport);
	assert_int_equal(out->b[in->l4 + 13], flags);
	assert_int_equal(ntohl(th->seq), seq);
	assert_int_equal(ntohl(th->ack_seq), ack);
	assert_memory_equal(out->b, in->b + 6, 6);	/* back to the sender */
}

/* data on a v4 flow whose backend is gone: RST seq = its ack */
static void test_reset_v4_with_payload(void **state)
{
	static const struct pkt_spec s = {
		.family = AF_INET, .proto = IPPROTO_TCP, .src = CLIENT4,
		.dst = "10.0.0.1", .sport = 40001, .dport = 80,
		.tcp_flags = PSHACK, .payload = 100 };
	struct pkt in, out;

	pkt_build(&in, &s);
	assert_int_equal(run_pkt(&in, if_client, &out), XDP_REDIRECT);
	check_rst(&in, &out, "10.0.0.1", 80, CLIENT4, 40001, 2000, 0, 0x04);
}

/* a bare SYN hitting a v6 flow whose backend is gone: RST|ACK seq+1 */
static void test_reset_v6_syn(void **state)
{
	static const struct pkt_spec s = TCP6(CLIENT6, "fd00::1", 40000, 80, SYN);
	struct pkt in, out;

	backend_write(&backends[5], false);
	backend_write(&backends[6], false);
	pkt_build(&in, &s);
	assert_int_equal(run_pkt(&in, if_client, &out), XDP_REDIRECT);
	check_rst(&in, &out, "fd00::1", 80, CLIENT6, 40000, 0, 1001, 0x14);
}

/* ---- kernel steering: LB_VIP_F_LOCAL and sk_lookup ----------------------- */

static void counters(uint32_t vip_id, uint32_t be_id, uint64_t *g,
		     struct lb_counters *vc, struct lb_counters *bc)
{
	assert_int_equal(lbmap_stats_get(&maps, g), 0);
	assert_int_equal(lbmap_vip_stats_get(&maps, vip_id, vc), 0);
	assert_int_equal(lbmap_be_stats_get(&maps, be_id, bc), 0);
}

/* The Maglev table size of VIP 8 (10.0.0.8:25), as the kernel reads it. */
static uint32_t vip8_ring_size(void)
{
	struct lb_vip_key k;
	struct lb_vip v;
	__be32 a[4] = {};

	fill_addr(AF_INET, "10.0.0.8", a);
	lbmap_vip_key(&k, LB_AF_INET, a, 25, IPPROTO_TCP);
	assert_int_equal(lbmap_vip_get(&maps, &k, &v), 0);
	return v.ring_size;
}

/* SYN to a LOCAL VIP: the ring's backend is recorded in lb_flows, the
 * packet passes byte for byte, VIP/backend/global counters move; later
 * packets of the flow pass and are counted on the same backend; FIN
 * closes the entry.
 */
static void test_local_vip_flow(void **state)
{
	struct pkt_spec s = TCP4(CLIENT4, "10.0.0.8", 41000, 25, SYN);
	uint64_t g0[LB_STAT_NR], g1[LB_STAT_NR];
	struct lb_counters v0, v1, b0, b1;
	struct lb_flow_key fk = {};
	struct lb_flow f;
	struct pkt in, out;
	uint32_t bid;
	uint8_t flags[3] = { SYN, ACK, FIN | ACK };
	uint8_t states[3] = { LB_FLOW_SYN, LB_FLOW_EST, LB_FLOW_CLOSING };
	int i;

	fk.family = LB_AF_INET;
	fill_addr(AF_INET, CLIENT4, fk.src);
	fill_addr(AF_INET, "10.0.0.8", fk.dst);
	fk.sport = htons(41000);
	fk.dport = htons(25);
	fk.proto = IPPROTO_TCP;
	assert_int_equal(lbmap_ring_get(&maps, 8, lb_flow_hash(&fk) % vip8_ring_size(),
					&bid), 0);
	assert_true(bid == 8 || bid == 9);
	for (i = 0; i < 3; i++) {
		s.tcp_flags = flags[i];
		s.payload = i == 1 ? 40 : 0;
		pkt_build(&in, &s);
		counters(8, bid, g0, &v0, &b0);
		assert_int_equal(run_pkt(&in, if_client, &out), XDP_PASS);
		counters(8, bid, g1, &v1, &b1);
		assert_int_equal(out.len, in.len);
		assert_memory_equal(out.b, in.b, in.len);
		assert_int_equal(lbmap_flow_get(&maps, &fk, &f), 0);
		assert_int_equal(f.backend_id, bid);
		assert_int_equal(f.flags, LB_VIP_F_LOCAL);
		assert_int_equal(f.state, states[i]);
		assert_int_equal(f.snat_port, 0);
		assert_int_equal(g1[LB_STAT_LOCAL] - g0[LB_STAT_LOCAL], 1);
		assert_int_equal(g1[LB_STAT_NEW_FLOW] - g0[LB_STAT_NEW_FLOW], i == 0);
		assert_int_equal(g1[LB_STAT_FWD], g0[LB_STAT_FWD]);
		assert_int_equal(g1[LB_STAT_PASS], g0[LB_STAT_PASS]);
		assert_int_equal(v1.pkts - v0.pkts, 1);
		assert_int_equal(v1.bytes - v0.bytes, in.len);
		assert_int_equal(v1.new_flows - v0.new_flows, i == 0);
		assert_int_equal(b1.pkts - b0.pkts, 1);
		assert_int_equal(b1.new_flows - b0.new_flows, i == 0);
	}
}

/* A LOCAL VIP whose ring is empty drops, as any VIP without backends. */
static void test_local_vip_no_backend(void **state)
{
	static const struct pkt_spec s = TCP4(CLIENT4, "10.0.0.8", 41001, 25, SYN);
	uint64_t g0[LB_STAT_NR], g1[LB_STAT_NR];
	struct pkt in, out;

	be_weight[8] = be_weight[9] = 0;
	vip_write(&vips[7]);
	pkt_build(&in, &s);
	assert_int_equal(lbmap_stats_get(&maps, g0), 0);
	assert_int_equal(run_pkt(&in, if_client, &out), XDP_DROP);
	assert_int_equal(lbmap_stats_get(&maps, g1), 0);
	assert_int_equal(g1[LB_DROP_NO_BACKEND] - g0[LB_DROP_NO_BACKEND], 1);
	be_weight[8] = be_weight[9] = 1;
	vip_write(&vips[7]);
}

/* Writes VIP 8 (10.0.0.8:25) with @flags: a reload switching its path. */
static void vip8_flags(uint32_t flags)
{
	struct vip_def v = vips[7];

	v.flags = flags;
	vip_write(&v);
}

/* A reload switching a VIP between the two paths moves only new
 * connections: a flow made while the VIP was LOCAL keeps passing to the
 * proxy that holds it, a flow made while it was translated keeps being
 * translated to its backend.
 */
static void test_local_vip_switch(void **state)
{
	struct pkt_spec s = TCP4(CLIENT4, "10.0.0.8", 41002, 25, SYN);
	uint64_t g0[LB_STAT_NR], g1[LB_STAT_NR];
	struct lb_flow_key fk = {};
	struct pkt_view v;
	struct pkt in, out;
	struct lb_flow f;

	/* made under LOCAL, then the VIP becomes plain nat */
	pkt_build(&in, &s);
	assert_int_equal(run_pkt(&in, if_client, &out), XDP_PASS);
	vip8_flags(0);
	s.tcp_flags = ACK;
	pkt_build(&in, &s);
	assert_int_equal(lbmap_stats_get(&maps, g0), 0);
	assert_int_equal(run_pkt(&in, if_client, &out), XDP_PASS);
	assert_int_equal(lbmap_stats_get(&maps, g1), 0);
	assert_memory_equal(out.b, in.b, in.len);
	assert_int_equal(g1[LB_STAT_LOCAL] - g0[LB_STAT_LOCAL], 1);
	assert_int_equal(g1[LB_STAT_FWD], g0[LB_STAT_FWD]);

	/* made while plain (translated), then the VIP becomes LOCAL again */
	s.sport = 41003;
	s.tcp_flags = SYN;
	pkt_build(&in, &s);
	run_pkt(&in, if_client, &out);
	pkt_view(&in, out.b, out.len, &v);
	assert_true(!strcmp(v.dst, "10.1.0.8") || !strcmp(v.dst, "10.1.0.9"));
	vip8_flags(LB_VIP_F_LOCAL);
	s.tcp_flags = ACK;
	pkt_build(&in, &s);
	assert_int_equal(lbmap_stats_get(&maps, g0), 0);
	run_pkt(&in, if_client, &out);
	assert_int_equal(lbmap_stats_get(&maps, g1), 0);
	pkt_view(&in, out.b, out.len, &v);
	assert_true(!strcmp(v.dst, "10.1.0.8") || !strcmp(v.dst, "10.1.0.9"));
	assert_int_equal(g1[LB_STAT_FWD] - g0[LB_STAT_FWD], 1);
	assert_int_equal(g1[LB_STAT_LOCAL], g0[LB_STAT_LOCAL]);

	/* ... until it closes: a SYN reusing the closing tuple is new, and
	 * goes to the proxy
	 */
	s.tcp_flags = FIN | ACK;
	pkt_build(&in, &s);
	run_pkt(&in, if_client, &out);
	s.tcp_flags = SYN;
	pkt_build(&in, &s);
	assert_int_equal(run_pkt(&in, if_client, &out), XDP_PASS);
	assert_memory_equal(out.b, in.b, in.len);
	fk.family = LB_AF_INET;
	fill_addr(AF_INET, CLIENT4, fk.src);
	fill_addr(AF_INET, "10.0.0.8", fk.dst);
	fk.sport = htons(41003);
	fk.dport = htons(25);
	fk.proto = IPPROTO_TCP;
	assert_int_equal(lbmap_flow_get(&maps, &fk, &f), 0);
	assert_int_equal(f.flags, LB_VIP_F_LOCAL);
	assert_int_equal(f.state, LB_FLOW_SYN);
}

/* Runs lb_steer_sk for a connection to @vip:@port/@proto; returns the
 * cookie of the socket it assigned (0: none).
 */
static uint64_t sk_lookup_run(const char *vip, int family, uint16_t port,
			      uint8_t proto)
{
	struct bpf_sk_lookup ctx = {}, out = {};
	LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &out,
		    .ctx_size_out = sizeof(out));

	ctx.family = family;
	ctx.protocol = proto;
	if (family == AF_INET) {
		inet_pton(AF_INET, CLIENT4, &ctx.remote_ip4);
		inet_pton(AF_INET, vip, &ctx.local_ip4);
	} else {
		inet_pton(AF_INET6, CLIENT6, ctx.remote_ip6);
		inet_pton(AF_INET6, vip, ctx.local_ip6);
	}
	ctx.remote_port = htons(41000);
	ctx.local_port = port;
	assert_int_equal(bpf_prog_test_run_opts(
		bpf_program__fd(skel->progs.lb_steer_sk), &topts), 0);
	assert_int_equal(topts.retval, SK_PASS);
	return out.cookie;
}

static int tcp_listener(int family)
{
	struct sockaddr_storage ss = {};
	int fd = socket(family, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	ss.ss_family = family;
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, family == AF_INET ?
			      sizeof(struct sockaddr_in) :
			      sizeof(struct sockaddr_in6)), 0);
	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

/* sk_lookup assigns the listener registered under a LOCAL VIP's key, and
 * nothing for plain VIPs, other protocols, or a LOCAL VIP without one.
 */
static void test_sk_lookup_steers(void **state)
{
	uint64_t cookie, g0[LB_STAT_NR], g1[LB_STAT_NR];
	socklen_t cl = sizeof(cookie);
	struct lb_vip_key k, plain;
	__be32 a[4] = {};
	int fd = tcp_listener(AF_INET), fd2 = tcp_listener(AF_INET);

	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &cl), 0);
	fill_addr(AF_INET, "10.0.0.8", a);
	lbmap_vip_key(&k, AF_INET, a, 25, IPPROTO_TCP);
	fill_addr(AF_INET, "10.0.0.1", a);
	lbmap_vip_key(&plain, AF_INET, a, 80, IPPROTO_TCP);
	assert_int_equal(lbmap_steer_set(&maps, &k, fd), 0);
	/* a socket under a plain VIP's key is never used */
	assert_int_equal(lbmap_steer_set(&maps, &plain, fd2), 0);

	assert_int_equal(lbmap_stats_get(&maps, g0), 0);
	assert_true(sk_lookup_run("10.0.0.8", AF_INET, 25, IPPROTO_TCP) == cookie);
	assert_int_equal(lbmap_stats_get(&maps, g1), 0);
	assert_int_equal(g1[LB_STAT_STEER] - g0[LB_STAT_STEER], 1);
	assert_true(sk_lookup_run("10.0.0.1", AF_INET, 80, IPPROTO_TCP) == 0);
	assert_true(sk_lookup_run("10.0.0.8", AF_INET, 26, IPPROTO_TCP) == 0);
	assert_true(sk_lookup_run("10.0.0.8", AF_INET, 25, IPPROTO_UDP) == 0);
	assert_true(sk_lookup_run("fd00::1", AF_INET6, 80, IPPROTO_TCP) == 0);

	/* closing the listener takes it out of lb_steer */
	close(fd);
	assert_int_equal(lbmap_steer_get(&maps, &k, &cookie), -ENOENT);
	assert_int_equal(lbmap_stats_get(&maps, g0), 0);
	assert_true(sk_lookup_run("10.0.0.8", AF_INET, 25, IPPROTO_TCP) == 0);
	assert_int_equal(lbmap_stats_get(&maps, g1), 0);
	assert_int_equal(g1[LB_STAT_STEER_NOSOCK] - g0[LB_STAT_STEER_NOSOCK], 1);
	close(fd2);
}

/* A wildcard LOCAL VIP (":2526") steers connections to any local address
 * to the listener registered under the wildcard key.
 */
static void test_sk_lookup_wildcard(void **state)
{
	static const struct vip_def w = { 9, NULL, AF_INET, 2526, IPPROTO_TCP,
					  LB_VIP_F_LOCAL, { 8 }, 1 };
	static struct lb_port_bits bits[LB_PORT_WORDS];
	uint64_t cookie;
	socklen_t cl = sizeof(cookie);
	struct lb_vip_key k;
	size_t i;
	int fd = tcp_listener(AF_INET6);	/* dual-stack */

	vip_write(&w);
	for (i = 0; i < sizeof(vips) / sizeof(vips[0]); i++)
		lbmap_port_mark(bits, vips[i].port, true);
	lbmap_port_mark(bits, 2526, true);
	assert_int_equal(lbmap_ports_write(&maps, bits), 0);
	lbmap_vip_key(&k, AF_INET, NULL, 2526, IPPROTO_TCP);
	assert_int_equal(lbmap_steer_set(&maps, &k, fd), 0);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &cl), 0);
	assert_true(sk_lookup_run("198.51.100.77", AF_INET, 2526, IPPROTO_TCP) == cookie);
	close(fd);
}

/* A VIP whose ring is not the smallest (40 backends: 6421 entries): the
 * kernel takes position hash % lb_vip.ring_size, as `vip lookup` (here
 * ring_backend()) predicts, for positions past the smallest ring too.
 */
static void test_big_ring(void **state)
{
	static char keys[40][24];
	struct maglev_backend mb[40];
	uint32_t size = lbmap_ring_size(40), *ring = malloc(size * 4);
	struct pkt_spec sp = { .family = AF_INET, .proto = IPPROTO_TCP,
			       .src = CLIENT4, .dst = "10.0.0.30", .dport = 80,
			       .tcp_flags = 0x02 };
	struct lb_vip_key k;
	struct lb_vip v = {};
	struct lb_addr la;
	struct lb_flow_key fk = {};
	__be32 a[4] = {};
	int i, past_min = 0, seen[3] = {};

	assert_int_equal(size, 6421);
	for (i = 0; i < 40; i++) {
		snprintf(keys[i], sizeof(keys[i]), "10.9.0.%d:80", i + 1);
		mb[i].key = keys[i];
		mb[i].id = 1 + i % 2;	/* backends 1 and 2 behind many keys */
		mb[i].weight = 1;
	}
	assert_int_equal(maglev_build(mb, 40, size, ring), 0);
	assert_int_equal(lbmap_ring_write(&maps, 30, ring, size), 0);
	fill_addr(AF_INET, "10.0.0.30", a);
	lbmap_addr_make(&la, AF_INET, a);
	assert_int_equal(lbmap_addr_set(&maps, 30, &la), 0);
	lbmap_vip_key(&k, LB_AF_INET, a, 80, IPPROTO_TCP);
	v.vip_id = 30;
	v.addr_idx = 30;
	v.n_backends = 2;
	v.ring_size = size;
	assert_int_equal(lbmap_vip_set(&maps, &k, &v), 0);
	fk.family = LB_AF_INET;
	fk.src[0] = inet_addr(CLIENT4);
	fk.dst[0] = a[0];
	fk.dport = htons(80);
	fk.proto = IPPROTO_TCP;
	for (i = 0; i < 64; i++) {
		const struct be_def *b;
		struct pkt in, out;
		struct pkt_view vo;

		sp.sport = 41000 + i;
		fk.sport = htons(sp.sport);
		past_min += lb_flow_hash(&fk) % size >= LB_RING_MIN;
		b = ring_backend(&sp);
		pkt_build(&in, &sp);
		assert_int_equal(run_pkt(&in, if_client, &out), XDP_REDIRECT);
		pkt_view(&in, out.b, out.len, &vo);
		assert_string_equal(vo.dst, b->addr);
		seen[b->id]++;
	}
	assert_true(past_min > 0);
	assert_true(seen[1] > 0 && seen[2] > 0);
	free(ring);
}

/* ---- flow table GC --------------------------------------------------- */

struct gc_count {
	uint64_t all, closing;
};

static int gc_count_flow(const struct lb_flow_key *k, const struct lb_flow *f,
			 void *arg)
{
	struct gc_count *c = arg;

	c->all++;
	c->closing += f->state == LB_FLOW_CLOSING;
	return 0;
}

/* Sends @s (client side) and returns its flow entry in @f and the key of
 * its reply entry in @rk (read from what the backend would answer to).
 */
static void gc_flow(struct pkt_spec *s, uint8_t flags, struct lb_flow *f,
		    struct lb_flow_key *rk)
{
	struct lb_flow_key k = {};
	struct pkt in, out;
	struct pkt_view v;
	int fam = s->family, verdict;

	s->tcp_flags = flags;
	pkt_build(&in, s);
	/* translated either way: redirected, or passed up for lb_tc when
	 * an earlier test left the egress without a neighbour */
	verdict = run_pkt(&in, if_client, &out);
	assert_true(verdict == XDP_REDIRECT || verdict == XDP_PASS);
	pkt_view(&in, out.b, out.len, &v);
	k.family = fam == AF_INET6 ? LB_AF_INET6 : LB_AF_INET;
	fill_addr(fam, s->src, k.src);
	fill_addr(fam, s->dst, k.dst);
	k.sport = htons(s->sport);
	k.dport = htons(s->dport);
	k.proto = s->proto;
	assert_int_equal(lbmap_flow_get(&maps, &k, f), 0);
	/* the reply: from the backend the packet went to, to its source */
	memset(rk, 0, sizeof(*rk));
	rk->family = k.family;
	rk->proto = s->proto;
	fill_addr(fam, v.dst, rk->src);
	fill_addr(fam, v.src, rk->dst);
	rk->sport = htons(v.dport);
	rk->dport = htons(v.sport);
}

/* flow_gc_pass() deletes what the data plane treats as expired and the
 * reply entries those flows own, nothing else: a fullnat flow closed by
 * FIN (its SNAT reply entry too), a nat flow closed by RST (its per-flow
 * reply entry), while an established flow, a flow that saw only its SYN
 * and a UDP flow stay with their reply entries.
 */
static void test_flow_gc(void **state)
{
	struct pkt_spec fin = TCP4(CLIENT4, "10.0.0.1", 42001, 80, SYN);
	struct pkt_spec est = TCP4(CLIENT4, "10.0.0.1", 42002, 80, SYN);
	struct pkt_spec udp = UDP4(CLIENT4, "10.0.0.2", 42003, 53, 20);
	struct pkt_spec rst = TCP4(CLIENT4, "198.51.100.77", 42004, 5432, SYN);
	struct pkt_spec syn = TCP4(CLIENT4, "10.0.0.1", 42005, 80, SYN);
	struct lb_flow_key rk_fin, rk_est, rk_udp, rk_rst, rk_syn, k;
	struct flow_gc_stats st = {};
	struct gc_count before = {}, after = {};
	struct lb_cfg cfg, cfg0;
	struct lb_flow f;
	struct lb_rflow rv;
	struct timespec ts;
	size_t i;

	memcpy(be_weight, be_weight0, sizeof(be_weight));
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		backend_write(&backends[i], true);
	vip_write(&vips[0]);
	vip_write(&vips[1]);
	vip_write(&vips[3]);

	gc_flow(&fin, SYN, &f, &rk_fin);
	assert_int_equal(f.flags & LB_VIP_F_FULLNAT, LB_VIP_F_FULLNAT);
	gc_flow(&fin, FIN | ACK, &f, &rk_fin);
	assert_int_equal(f.state, LB_FLOW_CLOSING);
	gc_flow(&est, SYN, &f, &rk_est);
	gc_flow(&est, ACK, &f, &rk_est);
	assert_int_equal(f.state, LB_FLOW_EST);
	gc_flow(&udp, 0, &f, &rk_udp);
	assert_int_equal(f.state, LB_FLOW_UDP);
	gc_flow(&rst, SYN, &f, &rk_rst);
	assert_int_equal(f.flags & LB_VIP_F_FULLNAT, 0);
	gc_flow(&rst, RST, &f, &rk_rst);
	assert_int_equal(f.state, LB_FLOW_CLOSING);
	gc_flow(&syn, SYN, &f, &rk_syn);
	assert_int_equal(f.state, LB_FLOW_SYN);
	assert_int_equal(lbmap_rflow_get(&maps, &rk_fin, &rv), 0);
	assert_int_equal(lbmap_rflow_get(&maps, &rk_rst, &rv), 0);

	/* closing flows expire after one tick; the rest keep their limits */
	assert_int_equal(lbmap_cfg_get(&maps, &cfg0), 0);
	cfg = cfg0;
	cfg.tcp_closing_timeout_ns = 1;
	assert_int_equal(lbmap_cfg_set(&maps, &cfg), 0);
	usleep(5000);
	/* earlier tests' closing flows expire with these */
	assert_int_equal(lbmap_flow_foreach(&maps, gc_count_flow, &before), 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	assert_int_equal(flow_gc_pass(&maps, ts.tv_sec * 1000000000ull + ts.tv_nsec,
				      1, &st), 0);
	assert_int_equal(lbmap_cfg_set(&maps, &cfg0), 0);
	assert_int_equal(lbmap_flow_foreach(&maps, gc_count_flow, &after), 0);
	assert_int_equal(st.scanned, before.all);
	assert_int_equal(st.expired, before.closing);
	assert_int_equal(st.deleted, before.closing);
	assert_true(st.replies >= 2);
	assert_int_equal(after.closing, 0);
	assert_int_equal(after.all, before.all - before.closing);

	k = (struct lb_flow_key){ .proto = IPPROTO_TCP, .family = LB_AF_INET };
	fill_addr(AF_INET, CLIENT4, k.src);
	fill_addr(AF_INET, "10.0.0.1", k.dst);
	k.dport = htons(80);
	k.sport = htons(42001);
	assert_int_equal(lbmap_flow_get(&maps, &k, &f), -ENOENT);
	k.sport = htons(42002);
	assert_int_equal(lbmap_flow_get(&maps, &k, &f), 0);
	k.sport = htons(42005);
	assert_int_equal(lbmap_flow_get(&maps, &k, &f), 0);
	fill_addr(AF_INET, "198.51.100.77", k.dst);	/* the wildcard VIP's */
	k.sport = htons(42004);
	k.dport = htons(5432);
	assert_int_equal(lbmap_flow_get(&maps, &k, &f), -ENOENT);
	k.proto = IPPROTO_UDP;
	fill_addr(AF_INET, "10.0.0.2", k.dst);
	k.sport = htons(42003);
	k.dport = htons(53);
	assert_int_equal(lbmap_flow_get(&maps, &k, &f), 0);

	assert_int_equal(lbmap_rflow_get(&maps, &rk_fin, &rv), -ENOENT);
	assert_int_equal(lbmap_rflow_get(&maps, &rk_rst, &rv), -ENOENT);
	assert_int_equal(lbmap_rflow_get(&maps, &rk_est, &rv), 0);
	assert_int_equal(lbmap_rflow_get(&maps, &rk_syn, &rv), 0);
	assert_int_equal(lbmap_rflow_get(&maps, &rk_udp, &rv), 0);
}

/* Why fullnat needs the GC: a reply entry holds its SNAT port until it is
 * deleted, and the LRU evicts only when the whole table is full, so the
 * ports towards one backend run out long before (here the range is one
 * port). A flow that has aged out still blocks its port; after a GC pass
 * a new client gets it.
 */
static void test_flow_gc_frees_snat_ports(void **state)
{
	struct pkt_spec a = UDP4(CLIENT4, "10.0.0.7", 43001, 53, 20);
	struct pkt_spec b = UDP4("192.0.2.11", "10.0.0.7", 43002, 53, 20);
	uint64_t g0[LB_STAT_NR], g1[LB_STAT_NR];
	struct flow_gc_stats st = {};
	struct lb_cfg cfg, cfg0;
	struct lb_vip_key vk;
	struct lb_vip v, v0;
	struct pkt in, out;
	struct pkt_view view;
	struct timespec ts;
	__be32 va[4] = {};
	int verdict;

	backend_write(&backends[2], true);
	vip_write(&vips[6]);
	assert_int_equal(lbmap_cfg_get(&maps, &cfg0), 0);
	cfg = cfg0;
	cfg.snat_port_lo = cfg.snat_port_hi = 20999;
	assert_int_equal(lbmap_cfg_set(&maps, &cfg), 0);

	pkt_build(&in, &a);
	verdict = run_pkt(&in, if_client, &out);
	assert_true(verdict == XDP_REDIRECT || verdict == XDP_PASS);
	pkt_view(&in, out.b, out.len, &view);
	assert_int_equal(view.sport, 20999);
	/* another client: all tries find the port taken */
	pkt_build(&in, &b);
	lbmap_stats_get(&maps, g0);
	assert_int_equal(run_pkt(&in, if_client, &out), XDP_DROP);
	lbmap_stats_get(&maps, g1);
	assert_int_equal(g1[LB_DROP_SNAT_PORTS] - g0[LB_DROP_SNAT_PORTS], 1);

	/* a's flow ages out (its VIP's udp timeout: 1 ns); its port stays
	 * taken until a GC pass */
	fill_addr(AF_INET, "10.0.0.7", va);
	lbmap_vip_key(&vk, AF_INET, va, 53, IPPROTO_UDP);
	assert_int_equal(lbmap_vip_get(&maps, &vk, &v0), 0);
	v = v0;
	v.udp_timeout_ns = 1;
	assert_int_equal(lbmap_vip_set(&maps, &vk, &v), 0);
	usleep(5000);
	assert_int_equal(run_pkt(&in, if_client, &out), XDP_DROP);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	assert_int_equal(flow_gc_pass(&maps, ts.tv_sec * 1000000000ull + ts.tv_nsec,
				      0, &st), 0);
	assert_true(st.replies >= 1);
	verdict = run_pkt(&in, if_client, &out);
	assert_int_equal(lbmap_vip_set(&maps, &vk, &v0), 0);
	assert_int_equal(lbmap_cfg_set(&maps, &cfg0), 0);
	assert_true(verdict == XDP_REDIRECT || verdict == XDP_PASS);
	pkt_view(&in, out.b, out.len, &view);
	assert_int_equal(view.sport, 20999);
	assert_string_equal(view.src, "10.1.0.254");
}

int main(void)
{
	static const struct CMUnitTest tail[] = {
		cmocka_unit_test(test_reset_v4_with_payload),
		cmocka_unit_test(test_reset_v6_syn),
		cmocka_unit_test(test_local_vip_flow),
		cmocka_unit_test(test_local_vip_no_backend),
		cmocka_unit_test(test_local_vip_switch),
		cmocka_unit_test(test_sk_lookup_steers),
		cmocka_unit_test(test_sk_lookup_wildcard),
		cmocka_unit_test(test_flow_gc),
		cmocka_unit_test(test_flow_gc_frees_snat_ports),
	};
	static const struct CMUnitTest icmp[] = {
		cmocka_unit_test(test_icmp_v4_fullnat_tcp),
		cmocka_unit_test(test_icmp_v4_nat_udp),
		cmocka_unit_test(test_icmp_v4_nat_stateless),
		cmocka_unit_test(test_icmp_v6_fullnat_tcp),
		cmocka_unit_test(test_icmp_unrelated_passes),
		cmocka_unit_test(test_big_ring),
	};
	size_t n = sizeof(rows) / sizeof(rows[0]), ni = 6, i, j = 0, cut = n;
	size_t nt = sizeof(tail) / sizeof(tail[0]), jx;
	struct CMUnitTest *tests = calloc(2 * (n + ni + nt), sizeof(*tests));
	char **names = calloc(n, sizeof(*names));
	int fails;

	/* ICMP cases and the big ring run before the rows that take
	 * backends down
	 */
	for (i = 0; i < n; i++)
		if (rows[i].hook && cut == n)
			cut = i;
	for (i = 0; i < n; i++) {
		if (i == cut)
			for (size_t k = 0; k < ni; k++)
				tests[j++] = icmp[k];
		tests[j].name = rows[i].desc;
		tests[j].test_func = run_row;
		tests[j++].initial_state = &rows[i];
	}
	for (i = 0; i < nt; i++)
		tests[j++] = tail[i];
	jx = j;
	/* the TC hook: the rows and ICMP cases again, named "tc: ...". An
	 * skb test run refuses frames whose IP header is cut short
	 * (EINVAL): the XDP group covers that parsing, which both share.
	 */
	for (i = 0; i < n; i++) {
		if (rows[i].tc_skip)
			continue;
		if (i == cut)
			for (size_t k = 0; k < ni; k++)
				tests[j++] = icmp[k];
		if (asprintf(&names[i], "tc: %s", rows[i].desc) < 0)
			return 1;
		tests[j].name = names[i];
		tests[j].test_func = run_row;
		tests[j++].initial_state = &rows[i];
	}
	/* resets (an skb test run's checksum state is CHECKSUM_NONE: the
	 * PARTIAL case is tests/netns/test-dp-hook.sh's) and kernel
	 * steering's LOCAL path are hook-agnostic too
	 */
	tests[j++] = (struct CMUnitTest)cmocka_unit_test(test_reset_v4_with_payload);
	tests[j++] = (struct CMUnitTest)cmocka_unit_test(test_reset_v6_syn);
	tests[j++] = (struct CMUnitTest)cmocka_unit_test(test_local_vip_flow);
	tests[j++] = (struct CMUnitTest)cmocka_unit_test(test_local_vip_no_backend);
	tests[j++] = (struct CMUnitTest)cmocka_unit_test(test_local_vip_switch);
	fails = _cmocka_run_group_tests("lb_xdp", tests, jx, group_setup,
					group_teardown);
	fails += _cmocka_run_group_tests("lb_tc_lb", tests + jx, j - jx,
					 group_setup_tc, group_teardown);
	return fails;
}
