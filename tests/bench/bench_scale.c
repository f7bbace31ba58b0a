/* bench_scale: how the data plane's costs grow with VIPs, backends and
 * tracked flows (rows of scripts/bench-scale.sh), measured on sluice's
 * own program and map code in a private namespace (tests/bench/xdp_env.h).
 *
 *   bench_scale [RUNS]   RUNS: single runs per per-packet row
 *
 * VIPs up to 255 and backends up to 160 per VIP: the ABI's limits
 * (LB_MAX_VIPS, LB_MAX_VIP_BACKENDS in bpf/lb_abi.h).
 */
#include "xdp_env.h"

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
		if (maglev_build(mb, nbes[i], 16411, ring))
			return 1;
		row("scale", "ring", "build_ms", param, (now_ns() - t0) / 1e6,
		    "ms", "maglev_build, table 16411 (LB_RING_SIZE)");
		t0 = now_ns();
		if (lbmap_ring_write(&maps, 1, ring, 16411))
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
	int runs = argc > 1 ? atoi(argv[1]) : 5000;
	int err;

	if (runs < 1) {
		fprintf(stderr, "usage: bench_scale [RUNS]\n");
		return 2;
	}
	if (xdp_env_up("bench_scale"))
		return 1;
	round_no = 1;
	err = scale_vips_backends() || scale_flows(runs);
	xdp_env_down();
	return err;
}
