/* bench_scale: how the data plane's costs grow with VIPs, backends and
 * tracked flows (rows of scripts/bench-scale.sh), measured on sluice's
 * own program and map code in a private namespace (tests/bench/xdp_env.h).
 *
 *   bench_scale [RUNS]   RUNS: single runs per per-packet row
 *
 * VIPs up to 10,000 and backends up to 1,000 per VIP, configured as the
 * agent does (ring sized by lbmap_ring_size(), ABI v2). Environment:
 * BENCH_SCALE_NO_FLOWS=1 skips the flow-table rows.
 */
#include "xdp_env.h"
#include "flow_gc.h"

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
	/* the program's clock: bpf_ktime_get_coarse_ns() */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
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

/* The flow GC (userspace/lib/flow_gc.c) over the @n flows of
 * flows_fill(): a pass that finds none expired (the scan alone), then
 * one with every flow expired (lb_cfg's established timeout set to 1 ns):
 * the scan, a reply entry checked and deleted per flow, the flows
 * deleted in batches; both counts checked.
 */
static int gc_rows(uint32_t n, const char *param)
{
	struct flow_gc_stats st = {};
	struct lb_cfg cfg;
	double t0;

	t0 = now_ns();
	if (flow_gc_pass(&maps, (uint64_t)t0, 0, &st) || st.expired) {
		fprintf(stderr, "bench_scale: flow GC scan failed\n");
		return -1;
	}
	row("scale", "flows", "gc_scan_ms", param, (now_ns() - t0) / 1e6, "ms",
	    "flow_gc_pass(), no flow expired: the scan (lookup batches of 4096)");
	if (lbmap_cfg_get(&maps, &cfg))
		return -1;
	cfg.tcp_est_timeout_ns = 1;
	if (lbmap_cfg_set(&maps, &cfg))
		return -1;
	usleep(3000);
	memset(&st, 0, sizeof(st));
	t0 = now_ns();
	if (flow_gc_pass(&maps, (uint64_t)t0, 0, &st) || st.deleted != n ||
	    st.replies != n) {
		fprintf(stderr, "bench_scale: flow GC deleted %llu flows, %llu replies of %u\n",
			(unsigned long long)st.deleted, (unsigned long long)st.replies, n);
		return -1;
	}
	row("scale", "flows", "gc_delete_ms", param, (now_ns() - t0) / 1e6, "ms",
	    "flow_gc_pass(), every flow expired: the scan, the reply entries and "
	    "the flows deleted in batches (all of them, checked)");
	return 0;
}

static int scale_flows(int runs)
{
	static const uint32_t ns[] = { 1, 1000, 10000, 100000, 1000000 };
	uint32_t *ring = malloc(LB_RING_MAX * sizeof(*ring));
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
		    vip_up(1, AF_INET, "10.0.0.1", 80, 0, 1, 3, ring) ||
		    ports_up())
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
		if (gc_rows(ns[i], param))
			return 1;
		lb_down();
	}
	free(ring);
	return 0;
}

/* VIP @id (10.0.0.1:@id/tcp, lb_addrs index 1) over backends @mb[0..n):
 * the agent's steps, maglev_build into a ring of lbmap_ring_size(n)
 * entries, lbmap_ring_write, lbmap_vip_set.
 */
static int vip_scale_up(uint32_t id, const struct maglev_backend *mb, int n,
			uint32_t *ring)
{
	uint32_t size = lbmap_ring_size(n);
	struct lb_vip_key k;
	struct lb_vip v = {};
	__be32 a[4] = {};
	int err;

	if (!size)
		return -E2BIG;
	err = maglev_build(mb, n, size, ring);
	if (!err)
		err = lbmap_ring_write(&maps, id, ring, size);
	if (err)
		return err;
	inet_pton(AF_INET, "10.0.0.1", a);
	lbmap_vip_key(&k, LB_AF_INET, a, id, IPPROTO_TCP);
	v.vip_id = id;
	v.addr_idx = 1;
	v.n_backends = n;
	v.ring_size = size;
	v.udp_timeout_ns = 30ull * 1000000000;
	return lbmap_vip_set(&maps, &k, &v);
}

/* memlock of every map of the program plus every VIP's inner ring. */
static uint64_t all_memlock(uint32_t max_vip)
{
	uint64_t sum = 0;
	uint32_t id;
	int i;

	for (i = 0; i < LBMAP_NR; i++)
		sum += fdinfo_memlock(maps.fd[i]);
	for (id = 0; id <= max_vip; id++)
		sum += ring_memlock(id);
	return sum;
}

static int scale_vips_backends(void)
{
	static const int nvips[] = { 1, 10, 100, 1000, 10000 };
	static const int nbes[] = { 3, 10, 100, 1000 };
	uint32_t *ring = malloc(LB_RING_MAX * sizeof(*ring));
	struct maglev_backend *mb = calloc(LB_MAX_VIP_BACKENDS, sizeof(*mb));
	char (*keys)[16] = calloc(LB_MAX_VIP_BACKENDS, 16);
	uint64_t base, rings;
	struct lb_addr la;
	__be32 a[4] = {};
	char param[32], how[160];
	double t0, dt;
	size_t i;
	int j;

	if (!ring || !mb || !keys || lb_up(1024))
		return 1;
	for (j = 0; j < LB_MAX_VIP_BACKENDS; j++) {
		snprintf(keys[j], 16, "10.2.%d.%d:80", j >> 8, j & 255);
		mb[j].key = keys[j];
		mb[j].id = j + 1;
		mb[j].weight = 1;
	}
	inet_pton(AF_INET, "10.0.0.1", a);
	lbmap_addr_make(&la, LB_AF_INET, a);
	if (lbmap_addr_set(&maps, 1, &la))
		return 1;
	/* Backends: lb_backends is a preallocated array, so a write costs
	 * the same whatever the count (O(1) each).
	 */
	t0 = now_ns();
	for (j = 0; j < LB_MAX_VIP_BACKENDS; j++) {
		struct lb_backend be = { .family = LB_AF_INET, .gen = 1,
					 .flags = LB_BE_F_ACTIVE };

		be.addr[0] = htonl(0x0a020000u + j);
		be.port = htons(80);
		if (lbmap_backend_set(&maps, j + 1, &be))
			return 1;
	}
	row("scale", "backends", "map_update_us_each", "backends=1024",
	    (now_ns() - t0) / 1e3 / LB_MAX_VIP_BACKENDS, "us",
	    "lbmap_backend_set x 1024, mean");
	base = all_memlock(0);
	for (i = 0; i < sizeof(nvips) / sizeof(nvips[0]); i++) {
		t0 = now_ns();
		for (j = 0; j < nvips[i]; j++)
			if (vip_scale_up(j + 1, mb, 3, ring))
				return 1;
		dt = now_ns() - t0;
		snprintf(param, sizeof(param), "vips=%d", nvips[i]);
		row("scale", "vips", "write_ms", param, dt / 1e6, "ms",
		    "all VIPs written: maglev_build (3 backends, 1021 entries) + ring write + VIP update each");
		row("scale", "vips", "write_us_each", param, dt / 1e3 / nvips[i],
		    "us", "the row above per VIP: flat = O(1) per VIP, O(n) in all");
		rings = all_memlock(nvips[i]) - base;
		row("scale", "vips", "ring_memlock_mib", param,
		    rings / 1048576.0, "MiB",
		    "fdinfo memlock of all VIPs' inner ring maps (1021 entries each): O(n)");
		row("scale", "vips", "vips_memlock_mib", param,
		    fdinfo_memlock(maps.fd[LBMAP_VIPS]) / 1048576.0, "MiB",
		    "fdinfo memlock of lb_vips (hash, not preallocated): O(n)");
	}
	row("scale", "vips", "memlock_mib", "all maps, 10000 VIPs",
	    all_memlock(nvips[i - 1]) / 1048576.0, "MiB",
	    "fdinfo memlock of every map (flow tables at 1024 entries) and every inner ring");
	for (i = 0; i < sizeof(nbes) / sizeof(nbes[0]); i++) {
		uint32_t size = lbmap_ring_size(nbes[i]);

		snprintf(param, sizeof(param), "backends=%d", nbes[i]);
		t0 = now_ns();
		if (maglev_build(mb, nbes[i], size, ring))
			return 1;
		snprintf(how, sizeof(how), "maglev_build, ring of %u entries (lbmap_ring_size)", size);
		row("scale", "ring", "build_ms", param, (now_ns() - t0) / 1e6,
		    "ms", how);
		t0 = now_ns();
		if (vip_scale_up(1, mb, nbes[i], ring))
			return 1;
		snprintf(how, sizeof(how), "maglev_build + lbmap_ring_write + VIP update, %u entries", size);
		row("scale", "ring", "write_ms", param, (now_ns() - t0) / 1e6,
		    "ms", how);
		snprintf(how, sizeof(how), "fdinfo memlock of the VIP's inner ring map, %u entries", size);
		row("scale", "ring", "memlock_kib", param,
		    ring_memlock(1) / 1024.0, "KiB", how);
	}
	lb_down();
	free(ring);
	free(mb);
	free(keys);
	return 0;
}

/* Memory of the maps at the defaults (flowTableSize 1048576): what
 * docs/datapath.md's memory table states.
 */
static int scale_defaults(void)
{
	const char *names[] = { "lb_flows", "lb_rflows", "lb_vips",
				"lb_backends", "lb_be_stats", "lb_vip_stats",
				"lb_fib_cache", "lb_rings" };
	uint64_t sum = 0;
	size_t i;

	if (lb_up(LB_FLOWS_DEFAULT))
		return 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int fd = bpf_object__find_map_fd_by_name(skel->obj, names[i]);

		row("scale", "defaults", "memlock_mib", names[i],
		    fdinfo_memlock(fd) / 1048576.0, "MiB",
		    "fdinfo memlock at flowTableSize 1048576, no VIP");
	}
	for (i = 0; i < LBMAP_NR; i++)
		sum += fdinfo_memlock(maps.fd[i]);
	row("scale", "defaults", "memlock_mib", "all maps", sum / 1048576.0,
	    "MiB", "fdinfo memlock of every map at flowTableSize 1048576, no VIP");
	lb_down();
	return 0;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5000;
	int err;

	if (runs < 1) {
		fprintf(stderr, "usage: bench_scale [RUNS]\n");
		return 2;
	}
	if (xdp_env_up("bench_scale"))
		return 1;
	round_no = 1;
	err = scale_vips_backends() || scale_defaults() ||
	      (!getenv("BENCH_SCALE_NO_FLOWS") && scale_flows(runs));
	xdp_env_down();
	return err;
}
