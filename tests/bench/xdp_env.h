/* The XDP benchmarks' shared environment (tests/bench/bench_xdp.c,
 * tests/bench/bench_scale.c), included by each program once: a private
 * network namespace with two veth pairs and permanent neighbours (so
 * bpf_fib_lookup() succeeds and forwarding takes the XDP_REDIRECT path),
 * sluice's program and maps filled with the agent's own lbmap_* and
 * maglev_build(), the floor programs, and two timing methods (the third,
 * restore, lives in bench_xdp.c with its harness):
 *
 *   repeat  one BPF_PROG_TEST_RUN with repeat=R; the kernel reports the
 *	     mean of R back-to-back runs. Valid only when the program leaves
 *	     the packet as it found it (or rewrites it idempotently): repeat
 *	     reruns the program on its own output.
 *   single  RUNS calls with repeat=1, each on a fresh copy of the input
 *	     (a distinct tuple for new-flow rows); the median duration minus
 *	     the median of the empty program measured the same way (the
 *	     timer's and the test harness's own cost).
 *
 * Every run's verdict is checked, and single runs check that the
 * new-flow counter moved as the timed path must move it: a row that
 * timed the wrong path aborts the program. Rows are printed as JSON
 * lines (scripts/bench_lib.sh's format).
 */
#ifndef BENCH_XDP_ENV_H
#define BENCH_XDP_ENV_H

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_floor.skel.h"
#include "lb.skel.h"
#include "lb_abi.h"
#include "lb_pkt.h"
#include "lbmap.h"
#include "maglev.h"

#define REPEAT		200000
#define REPEAT_TRIES	5

static struct lb *skel;
static struct bench_floor *floor_skel;
static struct lbmap maps;
static int if_client, if_backend;
static int round_no;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void row(const char *section, const char *contender,
		const char *measure, const char *param, double value,
		const char *unit, const char *method)
{
	printf("{\"section\":\"%s\",\"contender\":\"%s\",\"measure\":\"%s\","
	       "\"param\":\"%s\",\"round\":%d,\"value\":%.1f,\"unit\":\"%s\","
	       "\"method\":\"%s\"}\n", section, contender, measure, param,
	       round_no, value, unit, method);
	fflush(stdout);
}

static int sys(const char *cmd)
{
	char full[512];

	snprintf(full, sizeof(full), "%s >/dev/null 2>&1", cmd);
	return system(full);
}

static int setup_netns(void)
{
	static const char *const cmds[] = {
		"ip link set lo up",
		"sysctl -qw net.ipv4.ip_forward=1",
		"sysctl -qw net.ipv6.conf.all.forwarding=1",
		"ip link add slbnc type veth peer name slbnc1",
		"ip link add slbnb type veth peer name slbnb1",
		"ip addr add 192.0.2.254/24 dev slbnc",
		"ip addr add 2001:db8::fe/64 dev slbnc nodad",
		"ip addr add 10.1.0.254/24 dev slbnb",
		"ip addr add fd01::fe/64 dev slbnb nodad",
		"ip link set slbnc up", "ip link set slbnc1 up",
		"ip link set slbnb up", "ip link set slbnb1 up",
		"ip route add 198.18.0.0/15 via 192.0.2.10 dev slbnc",
		"ip neigh add 192.0.2.10 lladdr 02:00:00:00:02:10 dev slbnc nud permanent",
		"ip neigh add 2001:db8::10 lladdr 02:00:00:00:02:10 dev slbnc nud permanent",
		"ip neigh add 10.1.0.1 lladdr 02:00:00:00:01:01 dev slbnb nud permanent",
		"ip neigh add 10.1.0.2 lladdr 02:00:00:00:01:02 dev slbnb nud permanent",
		"ip neigh add 10.1.0.3 lladdr 02:00:00:00:01:03 dev slbnb nud permanent",
		"ip neigh add fd01::1 lladdr 02:00:00:00:01:04 dev slbnb nud permanent",
		"ip neigh add fd01::2 lladdr 02:00:00:00:01:05 dev slbnb nud permanent",
		"ip neigh add fd01::3 lladdr 02:00:00:00:01:06 dev slbnb nud permanent",
		NULL,
	};
	int i;

	if (unshare(CLONE_NEWNET)) {
		perror("bench_xdp: unshare");
		return -1;
	}
	for (i = 0; cmds[i]; i++)
		if (sys(cmds[i])) {
			fprintf(stderr, "bench_xdp: setup failed: %s\n", cmds[i]);
			return -1;
		}
	if_client = if_nametoindex("slbnc");
	if_backend = if_nametoindex("slbnb");
	return if_client && if_backend ? 0 : -1;
}

/* Loads sluice's program with flow tables of @flows entries. */
static int lb_up(uint32_t flows)
{
	struct lb_cfg cfg = {};
	int fds[LBMAP_NR], i;

	skel = lb__open();
	if (!skel)
		return -1;
	bpf_map__set_max_entries(skel->maps.lb_flows, flows);
	bpf_map__set_max_entries(skel->maps.lb_rflows, flows);
	if (lb__load(skel))
		return -1;
	for (i = 0; i < LBMAP_NR; i++) {
		fds[i] = bpf_object__find_map_fd_by_name(skel->obj,
							 lbmap_name(i));
		if (fds[i] < 0)
			return -1;
	}
	if (lbmap_init_fds(&maps, fds))
		return -1;
	cfg.abi_version = LB_ABI_VERSION;
	cfg.tcp_syn_timeout_ns = 3600ull * 1000000000;
	cfg.tcp_est_timeout_ns = 3600ull * 1000000000;
	cfg.tcp_closing_timeout_ns = 3600ull * 1000000000;
	cfg.snat_port_lo = 1024;
	cfg.snat_port_hi = 65535;
	return lbmap_cfg_set(&maps, &cfg);
}

static void lb_down(void)
{
	lb__destroy(skel);
	skel = NULL;
}

static const char *const be4[] = { "10.1.0.1", "10.1.0.2", "10.1.0.3" };
static const char *const be6[] = { "fd01::1", "fd01::2", "fd01::3" };

/* Backends 1..3 (IPv4) and 4..6 (IPv6), port 8080. */
static int backends_up(void)
{
	struct lb_backend be = {};
	int i, err;

	for (i = 0; i < 6; i++) {
		memset(&be, 0, sizeof(be));
		be.family = i < 3 ? LB_AF_INET : LB_AF_INET6;
		inet_pton(i < 3 ? AF_INET : AF_INET6,
			  i < 3 ? be4[i] : be6[i - 3], be.addr);
		be.port = htons(8080);
		be.gen = 1;
		be.flags = LB_BE_F_ACTIVE;
		err = lbmap_backend_set(&maps, i + 1, &be);
		if (err)
			return err;
	}
	return 0;
}

/* VIP @id at @addr:80/tcp over @n backends from @first, built by the
 * agent's Maglev builder into slot 0.
 */
static int vip_up(uint32_t id, int family, const char *addr, uint16_t port,
		  uint32_t flags, uint32_t first, int n, uint32_t *ring)
{
	static struct maglev_backend mb[LB_MAX_VIP_BACKENDS];
	static char keys[LB_MAX_VIP_BACKENDS][16];
	uint32_t size = lbmap_ring_size(n);
	struct lb_vip_key k;
	struct lb_vip v = {};
	__be32 a[4] = {};
	int i, err;

	for (i = 0; i < n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "be%u", first + i);
		mb[i].key = keys[i];
		mb[i].id = first + i;
		mb[i].weight = 1;
	}
	struct lb_addr la;

	err = size ? maglev_build(mb, n, size, ring) : -E2BIG;
	if (!err)
		err = lbmap_ring_write(&maps, id, ring, size);
	if (err)
		return err;
	inet_pton(family, addr, a);
	lbmap_addr_make(&la, family, a);
	err = lbmap_addr_set(&maps, id, &la);
	if (err)
		return err;
	lbmap_vip_key(&k, family, a, port, IPPROTO_TCP);
	v.vip_id = id;
	v.addr_idx = id;
	v.flags = flags;
	v.n_backends = n;
	v.ring_size = size;
	v.udp_timeout_ns = 30ull * 1000000000;
	return lbmap_vip_set(&maps, &k, &v);
}

/* VIP 5, 10.0.0.5:80/tcp nat, over backends 7..9 of its own (the IPv4
 * addresses of 1..3, port 8081): what the agent makes of such a VIP
 * (userspace/agent/dp_rvip.c): lb_rvips entries, LB_BE_F_RVIP, so new
 * flows write no reply entry.
 */
static int stateless_up(uint32_t *ring)
{
	struct lb_backend be = {};
	struct lb_vip_key k;
	struct lb_rvip rv;
	int i, err;

	for (i = 0; i < 3; i++) {
		memset(&be, 0, sizeof(be));
		be.family = LB_AF_INET;
		inet_pton(AF_INET, be4[i], be.addr);
		be.port = htons(8081);
		be.gen = 1;
		be.flags = LB_BE_F_ACTIVE | LB_BE_F_RVIP;
		lbmap_vip_key(&k, LB_AF_INET, be.addr, 8081, IPPROTO_TCP);
		memset(&rv, 0, sizeof(rv));
		rv.backend_id = 7 + i;
		rv.vip_id = 5;
		rv.vip_addr_idx = 5;
		rv.vip_port = htons(80);
		err = lbmap_rvip_set(&maps, &k, &rv);
		if (!err)
			err = lbmap_backend_set(&maps, 7 + i, &be);
		if (err)
			return err;
	}
	return vip_up(5, AF_INET, "10.0.0.5", 80, 0, 7, 3, ring);
}

/* The port pre-filter: VIPs listen on 80, backends answer from 8080
 * (and VIP 5's from 8081).
 */
static int ports_up(void)
{
	struct lb_port_bits *bits = calloc(LB_PORT_WORDS, sizeof(*bits));
	int err;

	if (!bits)
		return -ENOMEM;
	lbmap_port_mark(bits, 80, true);
	lbmap_port_mark(bits, 8080, false);
	lbmap_port_mark(bits, 8081, false);
	err = lbmap_ports_write(&maps, bits);
	free(bits);
	return err;
}

static int ifaces_up(void)
{
	struct lb_iface c = { .flags = LB_IFACE_F_REDIRECT };
	struct lb_iface b = { .flags = LB_IFACE_F_REDIRECT };
	int err;

	inet_pton(AF_INET, "192.0.2.254", &c.snat4);
	inet_pton(AF_INET6, "2001:db8::fe", c.snat6);
	inet_pton(AF_INET, "10.1.0.254", &b.snat4);
	inet_pton(AF_INET6, "fd01::fe", b.snat6);
	err = lbmap_iface_set(&maps, if_client, &c);
	return err ? err : lbmap_iface_set(&maps, if_backend, &b);
}

/* ---- timing ---------------------------------------------------------- */

struct run {
	int prog;
	bool tc;		/* prog is a TC program: an skb test run */
	const struct pkt *pkt;
	int ifindex;
	int verdict;		/* expected; -1: any */
	int new_flows;		/* single runs: LB_STAT_NEW_FLOW must move by
				 * this per run (1: new-flow path, 0: not);
				 * -1: not checked (floors) */
	uint8_t out[PKT_MAX];
	uint32_t out_len;
};

/* One test run; returns its duration in ns or -1 on error/wrong verdict. */
static long run_once(struct run *r, int repeat)
{
	struct xdp_md ctx = { .ingress_ifindex = r->ifindex,
			      .data_end = r->pkt->len };
	struct __sk_buff sctx = { .ingress_ifindex = r->ifindex,
				  .ifindex = r->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o);

	o.data_in = r->pkt->b;
	o.data_size_in = r->pkt->len;
	o.data_out = r->out;
	o.data_size_out = sizeof(r->out);
	o.ctx_in = r->tc ? (void *)&sctx : (void *)&ctx;
	o.ctx_size_in = r->tc ? sizeof(sctx) : sizeof(ctx);
	o.repeat = repeat;
	if (bpf_prog_test_run_opts(r->prog, &o)) {
		fprintf(stderr, "bench_xdp: test run: %s\n", strerror(errno));
		return -1;
	}
	if (r->verdict >= 0 && (int)o.retval != r->verdict) {
		uint64_t st[LB_STAT_NR];
		unsigned int i;

		fprintf(stderr, "bench_xdp: verdict %u, expected %d\n",
			o.retval, r->verdict);
		if (skel && !lbmap_stats_get(&maps, st))
			for (i = 0; i < LB_STAT_NR; i++)
				if (st[i])
					fprintf(stderr, "  %s %lu\n",
						lbmap_stat_name(i), st[i]);
		return -1;
	}
	r->out_len = o.data_size_out;
	return o.duration;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static double median(long *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_long);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Median over REPEAT_TRIES of the mean of REPEAT back-to-back runs. */
static double time_repeat(struct run *r)
{
	long d[REPEAT_TRIES];
	int i;

	for (i = 0; i < REPEAT_TRIES; i++) {
		d[i] = run_once(r, REPEAT);
		if (d[i] < 0)
			exit(1);
	}
	return median(d, REPEAT_TRIES);
}

/* Builds the @i-th input of a row (a distinct tuple per @i for new-flow
 * rows) into @p.
 */
typedef void (*pkt_fn)(struct pkt *p, unsigned int i);

/* Median of @runs single runs, each on a fresh packet from @fn. */
static double time_single(struct run *r, pkt_fn fn, int runs)
{
	long *d = calloc(runs, sizeof(*d));
	const struct pkt *keep = r->pkt;
	uint64_t st0[LB_STAT_NR], st1[LB_STAT_NR];
	struct pkt p;
	double m;
	int i;

	if (!d)
		exit(1);
	if (r->new_flows >= 0 && lbmap_stats_get(&maps, st0))
		exit(1);
	r->pkt = &p;
	for (i = 0; i < runs; i++) {
		fn(&p, i);
		d[i] = run_once(r, 1);
		if (d[i] < 0)
			exit(1);
	}
	r->pkt = keep;
	if (r->new_flows >= 0) {
		if (lbmap_stats_get(&maps, st1))
			exit(1);
		if (st1[LB_STAT_NEW_FLOW] - st0[LB_STAT_NEW_FLOW] !=
		    (uint64_t)r->new_flows * runs) {
			fprintf(stderr, "bench_xdp: %lu new flows in %d runs, "
				"expected %d per run: wrong path timed\n",
				st1[LB_STAT_NEW_FLOW] - st0[LB_STAT_NEW_FLOW],
				runs, r->new_flows);
			exit(1);
		}
	}
	m = median(d, runs);
	free(d);
	return m;
}


static void tcp4(struct pkt *p, const char *src, const char *dst,
		 uint16_t sport, uint16_t dport, uint8_t flags)
{
	struct pkt_spec s = { .family = AF_INET, .proto = IPPROTO_TCP,
			      .src = src, .dst = dst, .sport = sport,
			      .dport = dport, .tcp_flags = flags };

	pkt_build(p, &s);
}

static void tcp6(struct pkt *p, const char *src, const char *dst,
		 uint16_t sport, uint16_t dport, uint8_t flags)
{
	struct pkt_spec s = { .family = AF_INET6, .proto = IPPROTO_TCP,
			      .src = src, .dst = dst, .sport = sport,
			      .dport = dport, .tcp_flags = flags };

	pkt_build(p, &s);
}


static void p_floor(struct pkt *p, unsigned int i)
{
	tcp4(p, "192.0.2.10", "10.0.0.1", 40000, 80, 0x10);
}


static uint64_t fdinfo_memlock(int fd)
{
	char path[64], line[128];
	uint64_t v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Memory of @vip_id's inner ring map (lb_rings holds its id), or 0. */

/* Enters the private namespace and loads the floor programs. */
static int xdp_env_up(const char *prog)
{
	libbpf_set_print(NULL);
	if (setup_netns())
		return -1;
	floor_skel = bench_floor__open_and_load();
	if (!floor_skel) {
		fprintf(stderr, "%s: cannot load the floor programs\n", prog);
		return -1;
	}
	return 0;
}

static void xdp_env_down(void)
{
	if (skel)
		lb_down();
	bench_floor__destroy(floor_skel);
}

#endif /* BENCH_XDP_ENV_H */
