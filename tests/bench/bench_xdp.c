/* bench_xdp: ns per packet of every path of sluice's XDP program
 * (bpf/lb.bpf.c) next to floor programs (tests/bench/bench_floor.bpf.c:
 * an empty XDP_PASS, XDP_DROP, a MAC swap + XDP_TX, one bpf_fib_lookup())
 * under BPF_PROG_TEST_RUN; tests/bench/xdp_env.h describes the two
 * timing methods and the checks.
 *
 *   bench_xdp [ROUNDS [RUNS]]
 *
 * Each round loads a fresh program and maps and times every row once, so
 * rows alternate across rounds. Prints one JSON object per row.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <sys/socket.h>

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
static int paths_setup(void)
{
	uint32_t *ring = malloc(LB_RING_MAX * sizeof(*ring));
	struct run r = { .verdict = XDP_REDIRECT };
	struct pkt syn;
	struct pkt_view v;
	int err;

	if (skel)
		lb_down();
	err = !ring || lb_up(1 << 18) || backends_up() || ifaces_up() ||
	      vip_up(1, AF_INET, "10.0.0.1", 80, 0, 1, 3, ring) ||
	      vip_up(2, AF_INET, "10.0.0.2", 80, LB_VIP_F_FULLNAT, 1, 3, ring) ||
	      vip_up(3, AF_INET6, "fd00::1", 80, 0, 4, 3, ring) ||
	      vip_up(4, AF_INET, "10.0.0.4", 80, LB_VIP_F_LOCAL, 1, 3, ring) ||
	      ports_up();
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
	r.verdict = XDP_PASS;
	tcp4(&syn, "192.0.2.10", "10.0.0.4", 40002, 80, 0x02);
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
	err = cmd_paths(rounds, runs);
	xdp_env_down();
	return err;
}
