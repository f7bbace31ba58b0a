/* bench_xdp: the data plane's cost measured with BPF_PROG_TEST_RUN.
 *
 *   bench_xdp paths [ROUNDS [RUNS]]   ns per packet of every path of
 *	bpf/lb.bpf.c next to floor programs (tests/bench/bench_floor.bpf.c)
 *   bench_xdp scale                   growth with VIPs, backends, flows
 *
 * Prints one JSON object per line (the rows of scripts/bench_lib.sh).
 *
 * Two timing methods, named in every row:
 *   repeat  one BPF_PROG_TEST_RUN with repeat=R; the kernel reports the
 *	     mean of R back-to-back runs. Valid only when the program leaves
 *	     the packet as it found it (or rewrites it idempotently): repeat
 *	     reruns the program on its own output.
 *   single  RUNS calls with repeat=1, each on a fresh copy of the input
 *	     (a distinct tuple for new-flow rows); the median duration minus
 *	     the median of the empty program measured the same way (the
 *	     timer's and the test harness's own cost).
 *
 * Runs in a private network namespace with two veth pairs and permanent
 * neighbours, so bpf_fib_lookup() succeeds and forwarding rows take the
 * XDP_REDIRECT path. Every run's verdict is checked; a wrong verdict
 * aborts (a row that timed the wrong path would be a lie).
 */
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
	struct maglev_backend mb[LB_MAX_VIP_BACKENDS];
	char keys[LB_MAX_VIP_BACKENDS][16];
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

	err = maglev_build(mb, n, LB_RING_SIZE, ring);
	if (!err)
		err = lbmap_ring_write(&maps, id, ring);
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
	v.udp_timeout_ns = 30ull * 1000000000;
	return lbmap_vip_set(&maps, &k, &v);
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
	LIBBPF_OPTS(bpf_test_run_opts, o);

	o.data_in = r->pkt->b;
	o.data_size_in = r->pkt->len;
	o.data_out = r->out;
	o.data_size_out = sizeof(r->out);
	o.ctx_in = &ctx;
	o.ctx_size_in = sizeof(ctx);
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

/* ---- packets ---------------------------------------------------------- */

static unsigned int new_seq;	/* distinct tuples across rounds */

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

/* A new client tuple per call: 198.18.0.0/15, ports 1024..65535. */
static void new_src(char *buf, size_t len, uint16_t *sport)
{
	unsigned int n = new_seq++;

	snprintf(buf, len, "198.%u.%u.%u", 18 + (n >> 24) % 2,
		 (n >> 16) & 0xff, (n >> 8) & 0xff);
	*sport = 1024 + (n & 0xff) * 251 % 64000;
}

static void p_nonvip(struct pkt *p, unsigned int i)
{
	tcp4(p, "192.0.2.10", "192.0.2.99", 40000, 80, 0x10);
}

static void p_new_nat(struct pkt *p, unsigned int i)
{
	char src[32];
	uint16_t sp;

	new_src(src, sizeof(src), &sp);
	tcp4(p, src, "10.0.0.1", sp, 80, 0x02);
}

static void p_new_fullnat(struct pkt *p, unsigned int i)
{
	char src[32];
	uint16_t sp;

	new_src(src, sizeof(src), &sp);
	tcp4(p, src, "10.0.0.2", sp, 80, 0x02);
}

static void p_est_nat(struct pkt *p, unsigned int i)
{
	tcp4(p, "192.0.2.10", "10.0.0.1", 40000, 80, 0x10);
}

static void p_est_fullnat(struct pkt *p, unsigned int i)
{
	tcp4(p, "192.0.2.10", "10.0.0.2", 40001, 80, 0x10);
}

static char rev_backend[INET6_ADDRSTRLEN];

static void p_rev_nat(struct pkt *p, unsigned int i)
{
	tcp4(p, rev_backend, "192.0.2.10", 8080, 40000, 0x10);
}

static void p_new6(struct pkt *p, unsigned int i)
{
	char src[64];
	unsigned int n = new_seq++;

	snprintf(src, sizeof(src), "2001:db8:1::%x:%x", n >> 16, n & 0xffff);
	tcp6(p, src, "fd00::1", 1024 + n % 60000, 80, 0x02);
}

static void p_est6(struct pkt *p, unsigned int i)
{
	tcp6(p, "2001:db8::10", "fd00::1", 40000, 80, 0x10);
}

static void p_floor(struct pkt *p, unsigned int i)
{
	tcp4(p, "192.0.2.10", "10.0.0.1", 40000, 80, 0x10);
}

/* ---- paths ------------------------------------------------------------ */

/* A fresh program and maps for one round of paths: new-flow rows fill
 * the flow tables (and fullnat's SNAT ports), so every round starts
 * empty; then the flows the established and reverse rows use.
 */
static int paths_setup(void)
{
	uint32_t *ring = malloc(LB_RING_SIZE * sizeof(*ring));
	struct run r = { .verdict = XDP_REDIRECT };
	struct pkt syn;
	struct pkt_view v;
	int err;

	if (skel)
		lb_down();
	err = !ring || lb_up(1 << 18) || backends_up() || ifaces_up() ||
	      vip_up(1, AF_INET, "10.0.0.1", 80, 0, 1, 3, ring) ||
	      vip_up(2, AF_INET, "10.0.0.2", 80, LB_VIP_F_FULLNAT, 1, 3, ring) ||
	      vip_up(3, AF_INET6, "fd00::1", 80, 0, 4, 3, ring);
	free(ring);
	if (err) {
		fprintf(stderr, "bench_xdp: map setup failed\n");
		return -1;
	}
	r.prog = bpf_program__fd(skel->progs.lb_xdp);
	r.ifindex = if_client;
	tcp4(&syn, "192.0.2.10", "10.0.0.1", 40000, 80, 0x02);
	r.pkt = &syn;
	if (run_once(&r, 1) < 0)
		return -1;
	pkt_view(&syn, r.out, r.out_len, &v);
	snprintf(rev_backend, sizeof(rev_backend), "%s", v.dst);
	tcp4(&syn, "192.0.2.10", "10.0.0.2", 40001, 80, 0x02);
	if (run_once(&r, 1) < 0)
		return -1;
	tcp6(&syn, "2001:db8::10", "fd00::1", 40000, 80, 0x02);
	return run_once(&r, 1) < 0 ? -1 : 0;
}

static int cmd_paths(int rounds, int runs)
{
	int fpass = bpf_program__fd(floor_skel->progs.floor_pass);
	int fdrop = bpf_program__fd(floor_skel->progs.floor_drop);
	int ftx = bpf_program__fd(floor_skel->progs.floor_tx);
	int ffib = bpf_program__fd(floor_skel->progs.floor_fib);
	struct run r = {};
	struct pkt p;
	double empty;
	const char *rep = "repeat", *one = "single";

	for (round_no = 1; round_no <= rounds; round_no++) {
		struct run f = { .ifindex = if_client, .verdict = -1,
				 .new_flows = -1 };

		if (paths_setup())
			return 1;
		p_floor(&p, 0);
		f.pkt = &p;
		f.prog = fpass;
		f.verdict = XDP_PASS;
		row("xdp", "floor: empty (XDP_PASS)", "ns_per_pkt", rep,
		    time_repeat(&f), "ns", "repeat=200000, median of 5");
		empty = time_single(&f, p_floor, runs);
		row("xdp", "floor: empty (XDP_PASS)", "ns_per_pkt", one, empty,
		    "ns", "median of single runs, not subtracted (the baseline)");
		f.prog = fdrop;
		f.verdict = XDP_DROP;
		row("xdp", "floor: XDP_DROP", "ns_per_pkt", rep,
		    time_repeat(&f), "ns", "repeat=200000, median of 5");
		f.prog = ftx;
		f.verdict = XDP_TX;
		row("xdp", "floor: MAC swap + XDP_TX", "ns_per_pkt", rep,
		    time_repeat(&f), "ns",
		    "repeat=200000 (the swap is its own inverse), median of 5");
		f.prog = ffib;
		f.verdict = XDP_PASS;
		row("xdp", "floor: one bpf_fib_lookup()", "ns_per_pkt", rep,
		    time_repeat(&f), "ns",
		    "repeat=200000 (packet untouched), median of 5: part of every forwarded packet");

		r.prog = bpf_program__fd(skel->progs.lb_xdp);
		r.ifindex = if_client;
		r.verdict = XDP_PASS;
		p_nonvip(&p, 0);
		r.pkt = &p;
		row("xdp", "sluice: non-VIP pass", "ns_per_pkt", rep,
		    time_repeat(&r), "ns", "repeat=200000, median of 5");
		row("xdp", "sluice: non-VIP pass", "ns_per_pkt", one,
		    time_single(&r, p_nonvip, runs) - empty, "ns",
		    "median of single runs minus empty");
		r.new_flows = 1;
		r.verdict = XDP_REDIRECT;
		row("xdp", "sluice: new flow, nat (v4)", "ns_per_pkt", one,
		    time_single(&r, p_new_nat, runs) - empty, "ns",
		    "median of single runs on distinct SYNs minus empty");
		row("xdp", "sluice: new flow, fullnat (v4)", "ns_per_pkt", one,
		    time_single(&r, p_new_fullnat, runs) - empty, "ns",
		    "median of single runs on distinct SYNs minus empty");
		r.new_flows = 0;
		row("xdp", "sluice: established, nat (v4)", "ns_per_pkt", one,
		    time_single(&r, p_est_nat, runs) - empty, "ns",
		    "median of single runs minus empty");
		row("xdp", "sluice: established, fullnat (v4)", "ns_per_pkt",
		    one, time_single(&r, p_est_fullnat, runs) - empty, "ns",
		    "median of single runs minus empty");
		r.new_flows = 1;
		row("xdp", "sluice: new flow, nat (v6)", "ns_per_pkt", one,
		    time_single(&r, p_new6, runs) - empty, "ns",
		    "median of single runs on distinct SYNs minus empty");
		r.new_flows = 0;
		row("xdp", "sluice: established, nat (v6)", "ns_per_pkt", one,
		    time_single(&r, p_est6, runs) - empty, "ns",
		    "median of single runs minus empty");
		r.ifindex = if_backend;
		row("xdp", "sluice: reverse nat (v4 reply)", "ns_per_pkt", one,
		    time_single(&r, p_rev_nat, runs) - empty, "ns",
		    "median of single runs minus empty");
	}
	return 0;
}

/* ---- scale ------------------------------------------------------------ */

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
static uint64_t ring_memlock(uint32_t vip_id)
{
	uint32_t id = 0;
	uint64_t v;
	int fd;

	if (bpf_map_lookup_elem(maps.fd[LBMAP_RING], &vip_id, &id) || !id)
		return 0;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return 0;
	v = fdinfo_memlock(fd);
	close(fd);
	return v;
}

/* Writes @n established flows (client 198.18.0.0/15 -> 10.0.0.1:80,
 * backend 1) and their reply entries with batch updates.
 */
static int flows_fill(uint32_t n)
{
	const uint32_t chunk = 8192;
	struct lb_flow_key *k = calloc(chunk, sizeof(*k));
	struct lb_flow_key *rk = calloc(chunk, sizeof(*rk));
	struct lb_flow *f = calloc(chunk, sizeof(*f));
	struct lb_rflow *rv = calloc(chunk, sizeof(*rv));
	struct timespec ts;
	uint32_t done = 0, i, c;
	__be32 vip, be, cl;
	int err = 0;

	if (!k || !rk || !f || !rv)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	inet_pton(AF_INET, "10.0.0.1", &vip);
	inet_pton(AF_INET, "10.1.0.1", &be);
	while (done < n && !err) {
		c = n - done < chunk ? n - done : chunk;
		for (i = 0; i < c; i++) {
			uint32_t x = done + i;

			cl = htonl(0xc6120000u + (x >> 6));	/* 198.18/15 */
			memset(&k[i], 0, sizeof(k[i]));
			k[i].src[0] = cl;
			k[i].dst[0] = vip;
			k[i].sport = htons(1024 + (x & 63));
			k[i].dport = htons(80);
			k[i].proto = IPPROTO_TCP;
			k[i].family = LB_AF_INET;
			memset(&f[i], 0, sizeof(f[i]));
			f[i].last_tick = (ts.tv_sec * 1000000000ull + ts.tv_nsec) >>
					 LB_TICK_SHIFT;
			f[i].created_tick = f[i].last_tick;
			f[i].backend_id = 1;
			f[i].backend_gen = 1;
			f[i].state = LB_FLOW_EST;
			memset(&rk[i], 0, sizeof(rk[i]));
			rk[i].src[0] = be;
			rk[i].dst[0] = cl;
			rk[i].sport = htons(8080);
			rk[i].dport = k[i].sport;
			rk[i].proto = IPPROTO_TCP;
			rk[i].family = LB_AF_INET;
			memset(&rv[i], 0, sizeof(rv[i]));
			rv[i].client[0] = cl;
			rv[i].vip_addr_idx = 1;
			rv[i].client_port = k[i].sport;
			rv[i].vip_port = htons(80);
			rv[i].vip_id = 1;
		}
		err = bpf_map_update_batch(maps.fd[LBMAP_FLOWS], k, f, &c, NULL);
		if (!err)
			err = bpf_map_update_batch(maps.fd[LBMAP_RFLOWS], rk, rv,
						   &c, NULL);
		done += c;
	}
	free(k);
	free(rk);
	free(f);
	free(rv);
	return err ? -errno : 0;
}

static uint32_t scale_n;	/* flows in the table for p_est_any */

/* An established packet of a pseudo-random one of the scale_n flows. */
static void p_est_any(struct pkt *p, unsigned int i)
{
	uint32_t x = (i * 2654435761u) % scale_n;
	char src[32];
	uint32_t cl = 0xc6120000u + (x >> 6);

	snprintf(src, sizeof(src), "%u.%u.%u.%u", cl >> 24, (cl >> 16) & 0xff,
		 (cl >> 8) & 0xff, cl & 0xff);
	tcp4(p, src, "10.0.0.1", 1024 + (x & 63), 80, 0x10);
}

static int scale_flows(int runs)
{
	static const uint32_t ns[] = { 1, 1000, 10000, 100000, 1000000 };
	uint32_t *ring = malloc(LB_RING_SIZE * sizeof(*ring));
	struct run r = { .verdict = XDP_REDIRECT, .new_flows = 0 };
	struct run f = { .verdict = XDP_PASS, .new_flows = -1 };
	char param[32];
	struct pkt p;
	double t0, empty;
	size_t i;

	if (!ring)
		return 1;
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		uint32_t cap = ns[i] < 1024 ? 1024 : ns[i] + ns[i] / 4;

		if (lb_up(cap) || backends_up() || ifaces_up() ||
		    vip_up(1, AF_INET, "10.0.0.1", 80, 0, 1, 3, ring))
			return 1;
		t0 = now_ns();
		if (flows_fill(ns[i])) {
			fprintf(stderr, "bench_xdp: flow fill failed\n");
			return 1;
		}
		snprintf(param, sizeof(param), "flows=%u", ns[i]);
		row("scale", "flows", "fill_ms", param, (now_ns() - t0) / 1e6,
		    "ms", "bpf_map_update_batch of flows + reply entries");
		row("scale", "flows", "memlock_mib", param,
		    (fdinfo_memlock(maps.fd[LBMAP_FLOWS]) +
		     fdinfo_memlock(maps.fd[LBMAP_RFLOWS])) / 1048576.0, "MiB",
		    "fdinfo memlock of lb_flows + lb_rflows (preallocated LRU, capacity 1.25 x flows)");
		p_floor(&p, 0);
		f.pkt = &p;
		f.prog = bpf_program__fd(floor_skel->progs.floor_pass);
		f.ifindex = if_client;
		empty = time_single(&f, p_floor, runs);
		scale_n = ns[i];
		r.prog = bpf_program__fd(skel->progs.lb_xdp);
		r.ifindex = if_client;
		row("scale", "flows", "est_ns_per_pkt", param,
		    time_single(&r, p_est_any, runs) - empty, "ns",
		    "single runs over random existing flows, median minus empty");
		lb_down();
	}
	free(ring);
	return 0;
}

static int scale_vips_backends(void)
{
	static const int nvips[] = { 1, 10, 100, 255 };
	static const int nbes[] = { 3, 10, 100, 160 };
	uint32_t *ring = malloc(100003 * sizeof(*ring));
	struct maglev_backend *mb = calloc(1000, sizeof(*mb));
	char (*keys)[16] = calloc(1000, 16);
	char param[32];
	double t0;
	size_t i;
	int j;

	if (!ring || !mb || !keys || lb_up(1024) || backends_up())
		return 1;
	for (j = 0; j < 1000; j++) {
		snprintf(keys[j], 16, "be%d", j);
		mb[j].key = keys[j];
		mb[j].id = j + 1;
		mb[j].weight = 1;
	}
	t0 = now_ns();
	for (j = 0; j < 1000; j++) {
		struct lb_backend be = { .family = LB_AF_INET, .gen = 1,
					 .flags = LB_BE_F_ACTIVE };

		be.addr[0] = htonl(0x0a020000u + j);
		be.port = htons(80);
		if (lbmap_backend_set(&maps, j + 1, &be))
			return 1;
	}
	row("scale", "backends", "map_update_us_each", "backends=1000",
	    (now_ns() - t0) / 1e3 / 1000, "us", "lbmap_backend_set x 1000");
	for (i = 0; i < sizeof(nvips) / sizeof(nvips[0]); i++) {
		t0 = now_ns();
		for (j = 0; j < nvips[i]; j++)
			if (vip_up(j + 1, AF_INET, "10.0.0.1", 1000 + j, 0, 1, 3,
				   ring))
				return 1;
		snprintf(param, sizeof(param), "vips=%d", nvips[i]);
		row("scale", "vips", "write_ms", param, (now_ns() - t0) / 1e6,
		    "ms", "maglev_build (3 backends) + ring write + VIP update, each VIP");
	}
	row("scale", "vips", "memlock_kib", "rings outer map",
	    fdinfo_memlock(maps.fd[LBMAP_RING]) / 1024.0, "KiB",
	    "fdinfo memlock of lb_rings, the map-in-map of all VIPs' rings");
	row("scale", "vips", "memlock_kib", "one VIP's ring",
	    ring_memlock(1) / 1024.0, "KiB",
	    "fdinfo memlock of VIP 1's inner ring map: memory grows by this per VIP");
	for (i = 0; i < sizeof(nbes) / sizeof(nbes[0]); i++) {
		snprintf(param, sizeof(param), "backends=%d", nbes[i]);
		t0 = now_ns();
		if (maglev_build(mb, nbes[i], LB_RING_SIZE, ring))
			return 1;
		row("scale", "ring", "build_ms", param, (now_ns() - t0) / 1e6,
		    "ms", "maglev_build, table 16411 (LB_RING_SIZE)");
		t0 = now_ns();
		if (lbmap_ring_write(&maps, 1, ring))
			return 1;
		row("scale", "ring", "write_ms", param, (now_ns() - t0) / 1e6,
		    "ms", "lbmap_ring_write, 16411 entries");
	}
	t0 = now_ns();
	if (maglev_build(mb, 1000, 100003, ring))
		return 1;
	row("scale", "ring", "build_ms", "backends=1000",
	    (now_ns() - t0) / 1e6, "ms",
	    "maglev_build, table 100003: builder only, beyond the ABI's 160 per VIP");
	lb_down();
	free(ring);
	free(mb);
	free(keys);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 3;
	int runs = argc > 3 ? atoi(argv[3]) : 20000;
	int err;

	if (argc < 2 || (strcmp(argv[1], "paths") && strcmp(argv[1], "scale"))) {
		fprintf(stderr, "usage: bench_xdp paths|scale [ROUNDS [RUNS]]\n");
		return 2;
	}
	libbpf_set_print(NULL);
	if (setup_netns())
		return 1;
	floor_skel = bench_floor__open_and_load();
	if (!floor_skel) {
		fprintf(stderr, "bench_xdp: cannot load the floor programs\n");
		return 1;
	}
	if (!strcmp(argv[1], "paths")) {
		err = cmd_paths(rounds, runs);
		if (skel)
			lb_down();
	} else {
		round_no = 1;
		err = scale_vips_backends() || scale_flows(runs);
	}
	bench_floor__destroy(floor_skel);
	return err;
}
