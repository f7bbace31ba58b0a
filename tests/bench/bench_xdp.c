/* bench_xdp: ns per packet of every path of sluice's XDP program
 * (bpf/lb.bpf.c) next to floor programs (tests/bench/bench_floor.bpf.c:
 * an empty XDP_PASS, XDP_DROP, a MAC swap + XDP_TX, one bpf_fib_lookup())
 * under BPF_PROG_TEST_RUN; tests/bench/xdp_env.h describes the timing
 * methods repeat and single and the checks, "restore rows" below the
 * third (tests/bench/bench_restore.bpf.c), "cost breakdown" the section
 * xdp_cost (tests/bench/bench_cost.bpf.c).
 *
 *   bench_xdp [ROUNDS [RUNS]]
 *
 * Each round loads a fresh program and maps and times every row once, so
 * rows alternate across rounds. Prints one JSON object per row.
 */
#include <arpa/inet.h>
#include <linux/pkt_cls.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "bench_cost.skel.h"
#include "bench_restore.skel.h"
#include "xdp_env.h"

static unsigned int new_seq;	/* distinct tuples across rounds */

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

/* kernel steering: a LB_VIP_F_LOCAL VIP (flow kept, packet passed) */
static void p_new_local(struct pkt *p, unsigned int i)
{
	char src[32];
	uint16_t sp;

	new_src(src, sizeof(src), &sp);
	tcp4(p, src, "10.0.0.4", sp, 80, 0x02);
}

static void p_est_local(struct pkt *p, unsigned int i)
{
	tcp4(p, "192.0.2.10", "10.0.0.4", 40002, 80, 0x10);
}

static char rev_backend[INET6_ADDRSTRLEN];

static void p_rev_nat(struct pkt *p, unsigned int i)
{
	tcp4(p, rev_backend, "192.0.2.10", 8080, 40000, 0x10);
}

static char rev_backend5[INET6_ADDRSTRLEN];

/* a reply of VIP 5 (stateless: lb_rvips + the flow) */
static void p_rev_nat5(struct pkt *p, unsigned int i)
{
	tcp4(p, rev_backend5, "192.0.2.10", 8081, 40005, 0x10);
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

/* ns per run of the sk_lookup program (kernel steering) for a connection
 * to @vip:80 (TCP), BPF_PROG_TEST_RUN with repeat, median of
 * REPEAT_TRIES; -1 on error or when the assignment is not @want_sk.
 */
static double time_sk_lookup(const char *vip, bool want_sk)
{
	struct bpf_sk_lookup ctx = { .family = AF_INET,
				     .protocol = IPPROTO_TCP,
				     .local_port = 80 }, out;
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &out,
		    .ctx_size_out = sizeof(out), .repeat = REPEAT);
	long d[REPEAT_TRIES];
	int i;

	inet_pton(AF_INET, "192.0.2.10", &ctx.remote_ip4);
	inet_pton(AF_INET, vip, &ctx.local_ip4);
	ctx.remote_port = htons(40000);
	for (i = 0; i < REPEAT_TRIES; i++) {
		memset(&out, 0, sizeof(out));
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.lb_steer_sk),
					   &o) || (out.cookie != 0) != want_sk)
			return -1;
		d[i] = o.duration;
	}
	return median(d, REPEAT_TRIES);
}

/* ---- paths ------------------------------------------------------------ */

/* A fresh program and maps for one round of paths: new-flow rows fill
 * the flow tables (and fullnat's SNAT ports), so every round starts
 * empty; then the flows the established and reverse rows use.
 */
#define FLOW_TABLE	(1 << 18)	/* paths_setup()'s flow tables */
#define FLOW_TABLE_BIG	(1 << 21)	/* the 1,000,000-flow row's */
static uint32_t flow_table;	/* capacity of the current flow tables */

/* Fresh maps with flow tables of @cap entries, the VIPs and the five
 * flows every path row starts from.
 */
static int paths_setup_cap(uint32_t cap)
{
	uint32_t *ring = malloc(LB_RING_MAX * sizeof(*ring));
	struct run r = { .verdict = XDP_REDIRECT };
	struct pkt syn;
	struct pkt_view v;
	int err;

	if (skel)
		lb_down();
	flow_table = cap;
	err = !ring || lb_up(cap) || backends_up() || ifaces_up() ||
	      vip_up(1, AF_INET, "10.0.0.1", 80, 0, 1, 3, ring) ||
	      vip_up(2, AF_INET, "10.0.0.2", 80, LB_VIP_F_FULLNAT, 1, 3, ring) ||
	      vip_up(3, AF_INET6, "fd00::1", 80, 0, 4, 3, ring) ||
	      vip_up(4, AF_INET, "10.0.0.4", 80, LB_VIP_F_LOCAL, 1, 3, ring) ||
	      stateless_up(ring) || ports_up();
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
	if (run_once(&r, 1) < 0)
		return -1;
	tcp4(&syn, "192.0.2.10", "10.0.0.5", 40005, 80, 0x02);
	if (run_once(&r, 1) < 0)
		return -1;
	pkt_view(&syn, r.out, r.out_len, &v);
	snprintf(rev_backend5, sizeof(rev_backend5), "%s", v.dst);
	r.verdict = XDP_PASS;
	tcp4(&syn, "192.0.2.10", "10.0.0.4", 40002, 80, 0x02);
	return run_once(&r, 1) < 0 ? -1 : 0;
}

static int paths_setup(void)
{
	return paths_setup_cap(FLOW_TABLE);
}

/* ---- restore rows ------------------------------------------------------
 * Method "restore": one test run of bench_restore.bpf.c's harness with
 * repeat; every run writes the row's input back over the packet (a new
 * client tuple per run for new-flow rows) and tail-calls the timed
 * program, so repeat times the same path on the same input, with warm
 * caches as in a NAPI poll loop. The same harness tail-calling a floor
 * program of the same verdict is timed in the same tries and subtracted
 * (the restore and the tail call). Every try checks that the harness
 * failed no run, that the row's counter moved by repeat (every run took
 * the path; new flows: the new-flow counter too, so every tuple was new)
 * and, for rows with a fixed input, that the last output equals what
 * lb_xdp makes of that input in a plain run.
 */
#define RESTORE_SAME	0	/* bench_restore.bpf.c's restore_vary */
#define RESTORE_NEW4	1
#define RESTORE_NEW6	2
#define RESTORE_NEW_RUNS 4000	/* repeat of new-flow rows (distinct SYNs):
				 * fullnat keeps its SNAT ports <= 10% used, so
				 * 8 colliding tries (a drop) stay unlikely */

static struct bench_restore *rskel;
static uint64_t flows_made;	/* new flows since paths_setup() */

struct rrow {
	const char *name;
	pkt_fn fn;		/* the input (new-flow rows: the template) */
	int ifindex;
	int vary;		/* RESTORE_* */
	int verdict;
	int floor;		/* prog fd: same verdict, no work */
	int stat;		/* LB_STAT_* moved by one per run */
	int new_flow;		/* 1: LB_STAT_NEW_FLOW moves too */
	bool tc;		/* lb_tc_lb through restore_tc (verdict, floor:
				 * TC's) instead of lb_xdp */
};

/* Runs the harness into @target with repeat @repeat; -1 on error. */
static long restore_run(struct run *r, int target, int repeat)
{
	uint64_t fail = rskel->bss->restore_fail;
	int jmp = bpf_map__fd(r->tc ? rskel->maps.restore_jmp_tc :
				      rskel->maps.restore_jmp);
	uint32_t zero = 0;
	long d;

	if (bpf_map_update_elem(jmp, &zero, &target, BPF_ANY)) {
		fprintf(stderr, "bench_xdp: restore_jmp: %s\n", strerror(errno));
		return -1;
	}
	d = run_once(r, repeat);
	if (d >= 0 && rskel->bss->restore_fail != fail) {
		fprintf(stderr, "bench_xdp: %lu runs not restored or tail-called\n",
			(unsigned long)(rskel->bss->restore_fail - fail));
		return -1;
	}
	return d;
}

static int stat_moved(const char *name, const uint64_t *st0,
		      const uint64_t *st1, int id, uint64_t want)
{
	if (st1[id] - st0[id] == want)
		return 0;
	fprintf(stderr, "bench_xdp: %s: %s moved by %lu in %lu runs: wrong path timed\n",
		name, lbmap_stat_name(id), st1[id] - st0[id], want);
	return -1;
}

/* Checks that the harness makes valid packets of a varied template @p:
 * three runs into the floor across a change of every byte the variation
 * writes, every checksum right, a new client each.
 */
static int restore_check(struct run *r, const struct rrow *w,
			 const struct pkt *p)
{
	char last[INET6_ADDRSTRLEN + 8] = "", cur[sizeof(last)];
	uint32_t seq = rskel->bss->restore_seq;
	struct pkt_view v;
	int i;

	rskel->bss->restore_seq = 0x7ffffffe;	/* ...fe, ...ff, 0x80000000 */
	for (i = 0; i < 3; i++) {
		if (restore_run(r, w->floor, 1) < 0)
			return -1;
		pkt_view(p, r->out, r->out_len, &v);
		snprintf(cur, sizeof(cur), "%s.%u", v.src, v.sport);
		if (!v.l3_csum_ok || !v.l4_csum_ok || !strcmp(cur, last)) {
			fprintf(stderr, "bench_xdp: %s: the harness made a bad packet "
				"(client %s, checksums %d/%d)\n", w->name, cur,
				v.l3_csum_ok, v.l4_csum_ok);
			return -1;
		}
		memcpy(last, cur, sizeof(last));
	}
	rskel->bss->restore_seq = seq;
	return 0;
}

/* Every new-flow row starts from the tables paths_setup() makes (its 5
 * flows): a new flow's cost grows with the table's fill (an occupied
 * bucket is one more cold line to compare), so rows are compared at the
 * same fill.
 */
static int fresh_tables(void)
{
	if (paths_setup())
		return -1;
	flows_made = 5;
	return 0;
}

/* Times @w: median over REPEAT_TRIES of lb_xdp minus the median of the
 * floor, both through the harness; *@harness gets the floor's median.
 */
static double time_restore(const struct rrow *w, int repeat, double *harness)
{
	struct run r = { .prog = bpf_program__fd(w->tc ? rskel->progs.restore_tc :
						       rskel->progs.restore),
			 .tc = w->tc, .ifindex = w->ifindex, .verdict = w->verdict };
	uint64_t st0[LB_STAT_NR], st1[LB_STAT_NR];
	uint8_t want[PKT_MAX];
	uint32_t want_len = 0;
	long dl[REPEAT_TRIES], df[REPEAT_TRIES];
	struct pkt p;
	int i, lb;

	if (w->new_flow && fresh_tables())
		exit(1);
	lb = bpf_program__fd(w->tc ? skel->progs.lb_tc_lb : skel->progs.lb_xdp);
	w->fn(&p, 0);
	if (p.len > sizeof(rskel->bss->restore_tmpl))
		exit(1);
	memcpy(rskel->bss->restore_tmpl, p.b, p.len);
	rskel->bss->restore_len = p.len;
	rskel->bss->restore_vary = w->vary;
	r.pkt = &p;
	if (w->vary == RESTORE_SAME) {
		struct run plain = r;

		plain.prog = lb;
		if (run_once(&plain, 1) < 0)
			exit(1);
		memcpy(want, plain.out, plain.out_len);
		want_len = plain.out_len;
	} else if (restore_check(&r, w, &p)) {
		exit(1);
	}
	for (i = 0; i < REPEAT_TRIES; i++) {
		df[i] = restore_run(&r, w->floor, repeat);
		if (df[i] < 0 || lbmap_stats_get(&maps, st0))
			exit(1);
		dl[i] = restore_run(&r, lb, repeat);
		if (dl[i] < 0 || lbmap_stats_get(&maps, st1))
			exit(1);
		if (stat_moved(w->name, st0, st1, w->stat, repeat) ||
		    stat_moved(w->name, st0, st1, LB_STAT_NEW_FLOW,
			       (uint64_t)w->new_flow * repeat) ||
		    stat_moved(w->name, st0, st1, LB_STAT_DROP, 0))
			exit(1);
		if (w->vary == RESTORE_SAME &&
		    (r.out_len != want_len || memcmp(r.out, want, want_len))) {
			fprintf(stderr, "bench_xdp: %s: output differs from a plain run\n",
				w->name);
			exit(1);
		}
		flows_made += (uint64_t)w->new_flow * repeat;
	}
	*harness = median(df, REPEAT_TRIES);
	return median(dl, REPEAT_TRIES) - *harness;
}

static void p_tmpl4(struct pkt *p, const char *vip)
{
	tcp4(p, "198.18.0.0", vip, 32768, 80, 0x02);
}

static void p_tmpl_nat_ack(struct pkt *p, unsigned int i)
{
	tcp4(p, "198.18.0.0", "10.0.0.1", 32768, 80, 0x10);
}

static void p_tmpl_nat(struct pkt *p, unsigned int i)
{
	p_tmpl4(p, "10.0.0.1");
}

static void p_tmpl_fullnat(struct pkt *p, unsigned int i)
{
	p_tmpl4(p, "10.0.0.2");
}

static void p_tmpl_nat5(struct pkt *p, unsigned int i)
{
	p_tmpl4(p, "10.0.0.5");
}

static void p_tmpl_local(struct pkt *p, unsigned int i)
{
	p_tmpl4(p, "10.0.0.4");
}

static void p_tmpl6(struct pkt *p, unsigned int i)
{
	tcp6(p, "2001:db8:1::", "fd00::1", 40000, 80, 0x02);
}

/* @w (an established row over RESTORE_NEW4 tuples) on @nflows flows in
 * turn: the flows are made first (a SYN each through the harness, every
 * one checked new), then timed by time_restore() with the harness going
 * round robin over them.
 */
static double time_restore_many(const struct rrow *w, uint32_t nflows,
				double *harness)
{
	struct run r = { .prog = bpf_program__fd(rskel->progs.restore),
			 .ifindex = w->ifindex, .verdict = w->verdict };
	uint32_t base = rskel->bss->restore_seq;
	uint64_t st0[LB_STAT_NR], st1[LB_STAT_NR];
	struct pkt p;
	double v;

	p_tmpl_nat(&p, 0);
	memcpy(rskel->bss->restore_tmpl, p.b, p.len);
	rskel->bss->restore_len = p.len;
	rskel->bss->restore_vary = RESTORE_NEW4;
	rskel->bss->restore_base = base;
	rskel->bss->restore_mod = nflows;
	rskel->bss->restore_seq = 0;
	r.pkt = &p;
	if (lbmap_stats_get(&maps, st0) ||
	    restore_run(&r, bpf_program__fd(skel->progs.lb_xdp), nflows) < 0 ||
	    lbmap_stats_get(&maps, st1) ||
	    stat_moved(w->name, st0, st1, LB_STAT_NEW_FLOW, nflows))
		exit(1);
	flows_made += nflows;
	v = time_restore(w, REPEAT, harness);
	rskel->bss->restore_mod = 0;
	rskel->bss->restore_seq = base + nflows;
	return v;
}

/* The restore rows of one round, on fresh tables (paths_setup()). */
/* The TC hook's program (lb_tc_lb, `hook: tc`) on the same maps and
 * inputs: its non-VIP pass with repeat (the packet is untouched), its
 * rewriting paths through restore_tc. A test run's skb is linear and
 * CHECKSUM_NONE, so these time the program on small packets, not what
 * GRO's super-packets save per byte on veth (the L4 bench's business).
 */
static int tc_rows(void)
{
	int fred = bpf_program__fd(floor_skel->progs.floor_tc_redirect);
	int fok = bpf_program__fd(floor_skel->progs.floor_tc_ok);
	const struct rrow rows[] = {
		{ "sluice at TC: established, nat (v4)", p_est_nat, if_client,
		  RESTORE_SAME, TC_ACT_REDIRECT, fred, LB_STAT_FWD, 0, true },
		{ "sluice at TC: established, fullnat (v4)", p_est_fullnat, if_client,
		  RESTORE_SAME, TC_ACT_REDIRECT, fred, LB_STAT_FWD, 0, true },
		{ "sluice at TC: reverse nat (v4 reply)", p_rev_nat, if_backend,
		  RESTORE_SAME, TC_ACT_REDIRECT, fred, LB_STAT_REV, 0, true },
		{ "sluice at TC: new flow, nat (v4)", p_tmpl_nat, if_client,
		  RESTORE_NEW4, TC_ACT_REDIRECT, fred, LB_STAT_FWD, 1, true },
	};
	struct run r = { .prog = bpf_program__fd(skel->progs.lb_tc_lb), .tc = true,
			 .ifindex = if_client, .verdict = TC_ACT_OK };
	struct run e = { .prog = fok, .tc = true, .ifindex = if_client,
			 .verdict = TC_ACT_OK };
	char how[320];
	struct pkt p;
	double v, h;
	size_t i;

	p_nonvip(&p, 0);
	r.pkt = e.pkt = &p;
	v = time_repeat(&r) - time_repeat(&e);
	row("xdp", "sluice at TC: non-VIP pass", "ns_per_pkt", "repeat", v, "ns",
	    "lb_tc_lb, repeat=200000 minus an empty TC program the same way, median of 5");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct rrow *w = &rows[i];
		int n = w->new_flow ? RESTORE_NEW_RUNS : REPEAT;
		char fill[96] = "; output checked";

		v = time_restore(w, n, &h);
		if (w->new_flow)
			snprintf(fill, sizeof(fill), "; new_flow +1 per run checked; flow "
				 "table %lu/%u after the row (fresh tables)", flows_made,
				 flow_table);
		snprintf(how, sizeof(how),
			 "as the lb_xdp row of this path, through the TC harness (restore_tc: "
			 "bpf_skb_store_bytes + tail call) into lb_tc_lb, minus the same into "
			 "an empty TC_ACT_REDIRECT program (%.0f ns)%s", h, fill);
		row("xdp", w->name, "ns_per_pkt", "restore", v, "ns", how);
	}
	return flows_made >= flow_table ? -1 : 0;
}

static int restore_rows(void)
{
	int fred = bpf_program__fd(floor_skel->progs.floor_redirect);
	int fpass = bpf_program__fd(floor_skel->progs.floor_pass);
	const struct rrow rows[] = {
		{ "sluice: established, nat (v4)", p_est_nat, if_client,
		  RESTORE_SAME, XDP_REDIRECT, fred, LB_STAT_FWD, 0, false },
		{ "sluice: established, fullnat (v4)", p_est_fullnat, if_client,
		  RESTORE_SAME, XDP_REDIRECT, fred, LB_STAT_FWD, 0, false },
		{ "sluice: established, nat (v6)", p_est6, if_client,
		  RESTORE_SAME, XDP_REDIRECT, fred, LB_STAT_FWD, 0, false },
		{ "sluice: established, steered to the proxy (v4)", p_est_local,
		  if_client, RESTORE_SAME, XDP_PASS, fpass, LB_STAT_LOCAL, 0, false },
		{ "sluice: reverse nat (v4 reply)", p_rev_nat, if_backend,
		  RESTORE_SAME, XDP_REDIRECT, fred, LB_STAT_REV, 0, false },
		{ "sluice: reverse nat, stateless replies (v4 reply)", p_rev_nat5,
		  if_backend, RESTORE_SAME, XDP_REDIRECT, fred, LB_STAT_REV, 0, false },
		{ "sluice: new flow, nat (v4)", p_tmpl_nat, if_client,
		  RESTORE_NEW4, XDP_REDIRECT, fred, LB_STAT_FWD, 1, false },
		{ "sluice: new flow, nat, stateless replies (v4)", p_tmpl_nat5,
		  if_client, RESTORE_NEW4, XDP_REDIRECT, fred, LB_STAT_FWD, 1, false },
		{ "sluice: new flow, fullnat (v4)", p_tmpl_fullnat, if_client,
		  RESTORE_NEW4, XDP_REDIRECT, fred, LB_STAT_FWD, 1, false },
		{ "sluice: new flow, nat (v6)", p_tmpl6, if_client,
		  RESTORE_NEW6, XDP_REDIRECT, fred, LB_STAT_FWD, 1, false },
		{ "sluice: new flow, steered to the proxy (v4)", p_tmpl_local,
		  if_client, RESTORE_NEW4, XDP_PASS, fpass, LB_STAT_LOCAL, 1, false },
	};
	const struct rrow est_many = {
		"sluice: established, nat (v4), flows in turn", p_tmpl_nat_ack,
		if_client, RESTORE_NEW4, XDP_REDIRECT, fred, LB_STAT_FWD, 0, false };
	/* the last on tables of FLOW_TABLE_BIG, made for it */
	static const uint32_t many[] = { 1000, 100000, 1000000 };
	char how[320];
	double v, h;
	size_t i;

	flows_made = 5;		/* paths_setup()'s */
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct rrow *w = &rows[i];

		if (!w->new_flow) {
			v = time_restore(w, REPEAT, &h);
			snprintf(how, sizeof(how),
				 "repeat=200000 of restore + tail call into lb_xdp on the same input "
				 "minus the same into an empty %s program (%.0f ns), median of 5; "
				 "%s +1 per run and output checked",
				 w->verdict == XDP_PASS ? "XDP_PASS" : "XDP_REDIRECT",
				 h, lbmap_stat_name(w->stat));
		} else {
			v = time_restore(w, RESTORE_NEW_RUNS, &h);
			snprintf(how, sizeof(how),
				 "repeat=%d x 5 distinct SYNs (tuple varied per run, checksums fixed) "
				 "minus the same into an empty %s program (%.0f ns), median of 5; "
				 "new_flow +1 per run checked; flow table %lu/%u after the row "
				 "(fresh tables for each new-flow row), never full (no LRU eviction)",
				 RESTORE_NEW_RUNS,
				 w->verdict == XDP_PASS ? "XDP_PASS" : "XDP_REDIRECT",
				 h, flows_made, flow_table);
			if (flows_made >= flow_table) {
				fprintf(stderr, "bench_xdp: flow table filled\n");
				return -1;
			}
		}
		row("xdp", w->name, "ns_per_pkt", "restore", v, "ns", how);
	}
	if (tc_rows())
		return -1;
	for (i = 0; i < sizeof(many) / sizeof(many[0]); i++) {
		char name[96];

		if (flows_made + many[i] >= flow_table) {
			if (paths_setup_cap(FLOW_TABLE_BIG))
				return -1;
			flows_made = 5;
		}
		v = time_restore_many(&est_many, many[i], &h);
		snprintf(name, sizeof(name), "sluice: established, nat (v4), %u flows in turn",
			 many[i]);
		snprintf(how, sizeof(how),
			 "as established, nat (v4), but each run a different flow of %u made "
			 "before (flow tables of %u), round robin (the working set grows past "
			 "the caches) minus the same into an empty XDP_REDIRECT program "
			 "(%.0f ns); fwd +1, new_flow +0 per run checked",
			 many[i], flow_table, h);
		row("xdp", name, "ns_per_pkt", "restore", v, "ns", how);
		if (flows_made >= flow_table) {
			fprintf(stderr, "bench_xdp: flow table filled\n");
			return -1;
		}
	}
	return 0;
}

/* ---- cost breakdown ----------------------------------------------------
 * One operation per program (bench_cost.bpf.c), repeat, minus the empty
 * program timed the same way.
 */
static double time_cost(struct bench_cost *c, struct bpf_program *prog,
			int verdict, int repeat, double empty)
{
	struct run r = { .prog = bpf_program__fd(prog), .ifindex = if_client,
			 .verdict = verdict };
	uint64_t fail = c->bss->cost_fail;
	long d[REPEAT_TRIES];
	struct pkt p;
	int i;

	p_floor(&p, 0);
	r.pkt = &p;
	for (i = 0; i < REPEAT_TRIES; i++) {
		d[i] = run_once(&r, repeat);
		if (d[i] < 0)
			exit(1);
	}
	if (c->bss->cost_fail != fail) {
		fprintf(stderr, "bench_xdp: %s failed %lu runs\n",
			bpf_program__name(prog),
			(unsigned long)(c->bss->cost_fail - fail));
		exit(1);
	}
	return median(d, REPEAT_TRIES) - empty;
}

/* A row of @prog inserting @repeat x REPEAT_TRIES new keys into a @kind of
 * @size entries (never full: the bench starts each round on a fresh one).
 */
static void cost_insert(struct bench_cost *c, struct bpf_program *prog,
			const char *name, const char *kind,
			const struct bpf_map *map, int repeat, double empty)
{
	int size = bpf_map__max_entries(map);
	char how[256];

	snprintf(how, sizeof(how), "repeat=%d x 5 distinct keys (BPF_NOEXIST, checked) into "
		 "a %s of %d entries, minus the empty program, median of 5",
		 repeat, kind, size);
	row("xdp_cost", name, "ns_per_op", "repeat",
	    time_cost(c, prog, XDP_PASS, repeat, empty), "ns", how);
}

/* Deletes @n entries of the lb_flow_key table @fd, as a GC pass would
 * (lookup batches, then batch deletes of what they returned). Returns 0
 * or -1.
 */
static int flows_free(int fd, uint32_t n)
{
	enum { CHUNK = 4096 };
	static struct lb_flow_key keys[CHUNK];
	static struct lb_flow vals[CHUNK];
	uint32_t token, got, done = 0;

	while (done < n) {
		/* a whole chunk: fewer may not hold the first bucket */
		got = CHUNK;
		/* from the first bucket each time: what was there is gone */
		if (bpf_map_lookup_batch(fd, NULL, &token, keys, vals, &got, NULL) &&
		    errno != ENOENT)
			return -1;
		if (got > n - done)
			got = n - done;
		if (!got || bpf_map_delete_batch(fd, keys, &got, NULL))
			return -1;
		done += got;
	}
	return 0;
}

static int cost_rows(void)
{
	struct run f = { .prog = bpf_program__fd(floor_skel->progs.floor_pass),
			 .ifindex = if_client, .verdict = XDP_PASS };
	struct bench_cost *c = bench_cost__open_and_load();
	struct lb_flow_key fk = {};
	struct lb_flow fv = { .backend_id = 1 };
	struct lb_vip_key vk;
	struct lb_vip vv = { .vip_id = 1 };
	__be32 a[4] = {};
	const char *sub = "repeat=200000 minus the empty program (repeat), median of 5";
	int flows, first = REPEAT * REPEAT_TRIES;
	char how[256];
	struct pkt p;
	double empty, warm;

	if (!c) {
		fprintf(stderr, "bench_xdp: cannot load the cost programs\n");
		return -1;
	}
	flows = bpf_map__max_entries(c->maps.cost_flows);
	inet_pton(AF_INET, "192.0.2.10", fk.src);
	inet_pton(AF_INET, "10.0.0.1", fk.dst);
	fk.sport = htons(40000);
	fk.dport = htons(80);
	fk.proto = IPPROTO_TCP;
	fk.family = LB_AF_INET;
	inet_pton(AF_INET, "10.0.0.1", a);
	lbmap_vip_key(&vk, AF_INET, a, 80, IPPROTO_TCP);
	if (bpf_map_update_elem(bpf_map__fd(c->maps.cost_flows), &fk, &fv, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(c->maps.cost_vips), &vk, &vv, BPF_ANY)) {
		bench_cost__destroy(c);
		return -1;
	}
	p_floor(&p, 0);
	f.pkt = &p;
	empty = time_repeat(&f);
	row("xdp_cost", "empty program (subtracted below)", "ns_per_op", "repeat",
	    empty, "ns", "repeat=200000, median of 5");
	row("xdp_cost", "array lookup (lb_backends-like, inlined)", "ns_per_op",
	    "repeat", time_cost(c, c->progs.cost_array, XDP_PASS, REPEAT, empty),
	    "ns", sub);
	row("xdp_cost", "per-CPU array lookup + increment (lb_stat_inc)",
	    "ns_per_op", "repeat",
	    time_cost(c, c->progs.cost_pcpu_inc, XDP_PASS, REPEAT, empty), "ns", sub);
	row("xdp_cost", "bpf_ktime_get_coarse_ns()", "ns_per_op", "repeat",
	    time_cost(c, c->progs.cost_ktime, XDP_PASS, REPEAT, empty), "ns", sub);
	row("xdp_cost", "hash lookup, lb_vip_key, hit (lb_vips-like)", "ns_per_op",
	    "repeat", time_cost(c, c->progs.cost_hash_hit, XDP_PASS, REPEAT, empty),
	    "ns", sub);
	row("xdp_cost", "LRU hash lookup, lb_flow_key, hit (lb_flows-like)",
	    "ns_per_op", "repeat",
	    time_cost(c, c->progs.cost_lru_hit, XDP_PASS, REPEAT, empty), "ns", sub);
	row("xdp_cost", "LRU hash lookup, lb_flow_key, miss (a new flow's first lookup)",
	    "ns_per_op", "repeat",
	    time_cost(c, c->progs.cost_lru_miss, XDP_PASS, REPEAT, empty), "ns",
	    "repeat=200000, a distinct absent key per run, the table above (holding 1); "
	    "minus the empty program, median of 5");
	c->bss->cost_line_mask = 0;
	warm = time_cost(c, c->progs.cost_line_read, XDP_PASS, REPEAT, empty);
	c->bss->cost_line_mask = bpf_map__max_entries(c->maps.cost_lines) - 1;
	row("xdp_cost", "memory floor: one random 64-byte line of 16 MiB (cold)",
	    "ns_per_op", "repeat",
	    time_cost(c, c->progs.cost_line_read, XDP_PASS, REPEAT, empty) - warm,
	    "ns", "repeat=200000, an array map of 262144 lines (the bucket array of "
	    "a 1048576-entry hash) read at bpf_get_prandom_u32() & 262143, minus the "
	    "same program reading line 0 every run (warm), median of 5: the "
	    "machine's cost of one cache and TLB miss");
	cost_insert(c, c->progs.cost_lru_new, "LRU hash update, new key, table not full",
		    "LRU hash", c->maps.cost_flows, REPEAT, empty);
	/* fill the table: every insert from here on evicts */
	while (c->bss->cost_seq < (uint32_t)flows) {
		uint32_t left = flows - c->bss->cost_seq;
		struct run g = { .prog = bpf_program__fd(c->progs.cost_lru_new),
				 .ifindex = if_client, .verdict = XDP_PASS, .pkt = &p };

		if (run_once(&g, left < REPEAT ? (int)left : REPEAT) < 0)
			exit(1);
	}
	snprintf(how, sizeof(how), "as above after %d inserts (%d timed above) into the "
		 "full table of %d: every insert evicts", flows, first, flows);
	row("xdp_cost", "LRU hash update, new key, table full (evicts)", "ns_per_op",
	    "repeat", time_cost(c, c->progs.cost_lru_new, XDP_PASS, REPEAT, empty),
	    "ns", how);
	/* a GC pass frees entries of the full table: inserts take them */
	if (flows_free(bpf_map__fd(c->maps.cost_flows), 250000)) {
		fprintf(stderr, "bench_xdp: cannot delete flows\n");
		exit(1);
	}
	snprintf(how, sizeof(how), "repeat=40000 x 5 distinct keys into the full table "
		 "above after 250000 of its entries were deleted from userspace (lookup "
		 "and delete batches, as the flow GC does), minus the empty program, median of 5");
	row("xdp_cost", "LRU hash update, new key, full table after a GC pass",
	    "ns_per_op", "repeat",
	    time_cost(c, c->progs.cost_lru_new, XDP_PASS, 40000, empty), "ns", how);
	cost_insert(c, c->progs.cost_lru_pcpu_new,
		    "LRU hash (BPF_F_NO_COMMON_LRU) update, new key, not full",
		    "LRU hash with per-CPU LRU lists", c->maps.cost_flows_pcpu,
		    40000, empty);
	cost_insert(c, c->progs.cost_lru_small_new,
		    "LRU hash update, new key, small table not full",
		    "LRU hash", c->maps.cost_flows_small, 3000, empty);
	cost_insert(c, c->progs.cost_hash_new,
		    "hash (preallocated) update, new key, not full",
		    "plain hash", c->maps.cost_flows_hash, REPEAT, empty);
	f.prog = bpf_program__fd(floor_skel->progs.floor_fib);
	row("xdp_cost", "bpf_fib_lookup() (IPv4, neighbour known)", "ns_per_op",
	    "repeat", time_repeat(&f) - empty, "ns", sub);
	row("xdp_cost", "bpf_redirect()", "ns_per_op", "repeat",
	    time_cost(c, c->progs.cost_redirect, XDP_REDIRECT, REPEAT, empty), "ns",
	    sub);
	bench_cost__destroy(c);
	return 0;
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
		r.verdict = XDP_PASS;
		r.new_flows = 1;
		row("xdp", "sluice: new flow, steered to the proxy (v4)",
		    "ns_per_pkt", one,
		    time_single(&r, p_new_local, runs) - empty, "ns",
		    "median of single runs on distinct SYNs minus empty");
		r.new_flows = 0;
		row("xdp", "sluice: established, steered to the proxy (v4)",
		    "ns_per_pkt", one,
		    time_single(&r, p_est_local, runs) - empty, "ns",
		    "median of single runs minus empty");
		{
			struct lb_vip_key k;
			__be32 a[4] = {};
			int lfd = socket(AF_INET, SOCK_STREAM, 0);

			inet_pton(AF_INET, "10.0.0.4", a);
			lbmap_vip_key(&k, AF_INET, a, 80, IPPROTO_TCP);
			if (lfd < 0 || listen(lfd, 1) ||
			    lbmap_steer_set(&maps, &k, lfd))
				return 1;
			row("sk_lookup", "sluice: steered VIP, socket assigned",
			    "ns_per_lookup", rep, time_sk_lookup("10.0.0.4", true),
			    "ns", "repeat=200000, median of 5");
			row("sk_lookup", "sluice: plain VIP, no assignment",
			    "ns_per_lookup", rep, time_sk_lookup("10.0.0.1", false),
			    "ns", "repeat=200000, median of 5");
			close(lfd);
		}
		r.verdict = XDP_REDIRECT;
		r.ifindex = if_backend;
		row("xdp", "sluice: reverse nat (v4 reply)", "ns_per_pkt", one,
		    time_single(&r, p_rev_nat, runs) - empty, "ns",
		    "median of single runs minus empty");
		if (paths_setup() || restore_rows() || cost_rows())
			return 1;
	}
	return 0;
}


int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	int runs = argc > 2 ? atoi(argv[2]) : 20000;
	int err;

	if (rounds < 1 || runs < 1) {
		fprintf(stderr, "usage: bench_xdp [ROUNDS [RUNS]]\n");
		return 2;
	}
	if (xdp_env_up("bench_xdp"))
		return 1;
	rskel = bench_restore__open_and_load();
	if (!rskel) {
		fprintf(stderr, "bench_xdp: cannot load the restore harness\n");
		xdp_env_down();
		return 1;
	}
	err = cmd_paths(rounds, runs);
	bench_restore__destroy(rskel);
	xdp_env_down();
	return err;
}
