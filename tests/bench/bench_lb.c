/* bench_lb: brings up sluice's XDP data plane for the L4 benchmark without
 * the agent: loads bpf/lb.bpf.c through its skeleton, fills the maps with
 * the agent's own code (lbmap_*, maglev_build) and attaches the program
 * natively to the given interfaces of the current network namespace,
 * then holds everything until SIGTERM/SIGINT and detaches.
 *
 *   bench_lb [-f] [-n FLOWS] -i IFACE... -v VIP:PORT/PROTO=BE:PORT[,BE:PORT...]...
 *
 * -f makes every VIP fullnat (SNAT to the egress interface's address).
 * Prints "ready" once attached. Nothing is pinned: the program and maps
 * live as long as this process.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lb.skel.h"
#include "lb_abi.h"
#include "lbmap.h"
#include "maglev.h"

#define MAX_IF		16
#define MAX_BE		64
#define MAX_VBE		16

struct be_ent {
	char key[64];		/* "addr:port", the maglev identity */
	uint32_t id;
};

static struct be_ent bes[MAX_BE];
static int n_bes;
static struct lb_port_bits ports[LB_PORT_WORDS];	/* the pre-filter */
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* Fills @fds (indexed by enum lbmap_id) from @skel's maps, by name. */
static int bench_lb_fds(struct lb *skel, int *fds)
{
	int i;

	for (i = 0; i < LBMAP_NR; i++) {
		fds[i] = bpf_object__find_map_fd_by_name(skel->obj, lbmap_name(i));
		if (fds[i] < 0)
			return -ENOENT;
	}
	return 0;
}

static int split_hostport(char *s, __be32 *addr, uint16_t *port)
{
	char *c = strrchr(s, ':');

	if (!c)
		return -EINVAL;
	*c = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) != 1)
		return -EINVAL;
	*port = atoi(c + 1);
	*c = ':';
	return *port ? 0 : -EINVAL;
}

/* Backend id of "addr:port" @key, written into lb_backends once. */
static int backend_id(const struct lbmap *m, const char *key, uint32_t *id)
{
	struct lb_backend be = {};
	char tmp[64];
	int i, err;

	for (i = 0; i < n_bes; i++)
		if (!strcmp(bes[i].key, key)) {
			*id = bes[i].id;
			return 0;
		}
	if (n_bes == MAX_BE || strlen(key) >= sizeof(tmp))
		return -E2BIG;
	strcpy(tmp, key);
	err = split_hostport(tmp, be.addr, &be.port);
	if (err)
		return err;
	lbmap_port_mark(ports, be.port, false);
	be.port = htons(be.port);
	be.family = LB_AF_INET;
	be.gen = 1;
	be.flags = LB_BE_F_ACTIVE;
	snprintf(bes[n_bes].key, sizeof(bes[n_bes].key), "%s", key);
	bes[n_bes].id = n_bes + 1;
	err = lbmap_backend_set(m, bes[n_bes].id, &be);
	if (err)
		return err;
	*id = bes[n_bes++].id;
	return 0;
}

/* The lb_addrs index of VIP address @addr, published once. */
static int vip_addr(const struct lbmap *m, const __be32 *addr, uint32_t *idx)
{
	static __be32 addrs[LB_MAX_VIPS];
	static uint32_t n;
	struct lb_addr a;
	uint32_t i;

	for (i = 0; i < n; i++)
		if (addrs[i] == addr[0]) {
			*idx = i;
			return 0;
		}
	if (n == LB_MAX_VIPS)
		return -E2BIG;
	lbmap_addr_make(&a, AF_INET, addr);
	addrs[n] = addr[0];
	*idx = n;
	return lbmap_addr_set(m, n++, &a);
}

/* Parses "VIP:PORT/PROTO=BE:PORT,..." and writes the VIP and its ring. */
static int add_vip(const struct lbmap *m, char *spec, uint32_t vip_id,
		   uint32_t flags)
{
	struct maglev_backend mb[MAX_VBE];
	struct lb_vip_key k;
	struct lb_vip v = {};
	char *eq = strchr(spec, '='), *slash, *tok, *save;
	uint32_t *ring;
	uint16_t port;
	__be32 addr[4];
	uint8_t proto;
	int n = 0, err;

	if (!eq)
		return -EINVAL;
	*eq = '\0';
	slash = strchr(spec, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	proto = !strcmp(slash + 1, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
	err = split_hostport(spec, addr, &port);
	if (err)
		return err;
	for (tok = strtok_r(eq + 1, ",", &save); tok && n < MAX_VBE;
	     tok = strtok_r(NULL, ",", &save)) {
		err = backend_id(m, tok, &mb[n].id);
		if (err)
			return err;
		mb[n].key = tok;
		mb[n].weight = 1;
		n++;
	}
	v.ring_size = lbmap_ring_size(n);
	ring = malloc(LB_RING_MAX * sizeof(*ring));
	if (!ring)
		return -ENOMEM;
	err = maglev_build(mb, n, v.ring_size, ring);
	if (!err)
		err = lbmap_ring_write(m, vip_id, ring, v.ring_size);
	free(ring);
	if (!err)
		err = vip_addr(m, addr, &v.addr_idx);
	if (err)
		return err;
	lbmap_port_mark(ports, port, true);
	lbmap_vip_key(&k, AF_INET, addr, port, proto);
	v.vip_id = vip_id;
	v.flags = flags;
	v.n_backends = n;
	v.udp_timeout_ns = 30ull * 1000000000;
	return lbmap_vip_set(m, &k, &v);
}

/* The first IPv4 address of @ifname, network order, or 0. */
static __be32 iface_addr4(const char *ifname)
{
	struct ifaddrs *ifa, *i;
	__be32 a = 0;

	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    !strcmp(i->ifa_name, ifname)) {
			a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
			break;
		}
	freeifaddrs(ifa);
	return a;
}

int main(int argc, char **argv)
{
	const char *ifs[MAX_IF];
	char *vips[LB_MAX_VIPS];
	int n_if = 0, n_vip = 0, ifx[MAX_IF] = {}, n_att = 0;
	int fds[LBMAP_NR], opt, i, err = 1, prog;
	uint32_t flags = 0, flows = 262144;
	struct lb_cfg cfg = {};
	struct lbmap maps;
	struct lb *skel;

	while ((opt = getopt(argc, argv, "fn:i:v:")) != -1) {
		switch (opt) {
		case 'f':
			flags |= LB_VIP_F_FULLNAT;
			break;
		case 'n':
			flows = strtoul(optarg, NULL, 0);
			break;
		case 'i':
			if (n_if < MAX_IF)
				ifs[n_if++] = optarg;
			break;
		case 'v':
			if (n_vip < LB_MAX_VIPS)
				vips[n_vip++] = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (!n_if || !n_vip)
		goto usage;

	skel = lb__open();
	if (!skel) {
		perror("bench_lb: open");
		return 1;
	}
	bpf_map__set_max_entries(skel->maps.lb_flows, flows);
	bpf_map__set_max_entries(skel->maps.lb_rflows, flows);
	if (lb__load(skel)) {
		fprintf(stderr, "bench_lb: load failed\n");
		goto out_destroy;
	}
	if (bench_lb_fds(skel, fds) || lbmap_init_fds(&maps, fds))
		goto out_destroy;
	cfg.abi_version = LB_ABI_VERSION;
	cfg.tcp_syn_timeout_ns = 30ull * 1000000000;
	cfg.tcp_est_timeout_ns = 900ull * 1000000000;
	cfg.tcp_closing_timeout_ns = 10ull * 1000000000;
	cfg.snat_port_lo = 1024;
	cfg.snat_port_hi = 65535;
	if (lbmap_cfg_set(&maps, &cfg))
		goto out_destroy;
	for (i = 0; i < n_vip; i++) {
		err = add_vip(&maps, vips[i], i + 1, flags);
		if (err) {
			fprintf(stderr, "bench_lb: VIP %s: %s\n", vips[i],
				strerror(-err));
			goto out_destroy;
		}
	}
	err = lbmap_ports_write(&maps, ports);
	if (err) {
		fprintf(stderr, "bench_lb: ports: %s\n", strerror(-err));
		goto out_destroy;
	}
	prog = bpf_program__fd(skel->progs.lb_xdp);
	for (i = 0; i < n_if; i++) {
		struct lb_iface ifc = { .flags = LB_IFACE_F_REDIRECT };

		ifx[i] = if_nametoindex(ifs[i]);
		ifc.snat4 = iface_addr4(ifs[i]);
		if (!ifx[i] || lbmap_iface_set(&maps, ifx[i], &ifc)) {
			fprintf(stderr, "bench_lb: interface %s\n", ifs[i]);
			goto out_detach;
		}
		err = bpf_xdp_attach(ifx[i], prog, XDP_FLAGS_DRV_MODE, NULL);
		if (err) {
			fprintf(stderr, "bench_lb: attach %s: %s\n", ifs[i],
				strerror(-err));
			goto out_detach;
		}
		n_att++;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	err = 0;
out_detach:
	for (i = 0; i < n_att; i++)
		bpf_xdp_detach(ifx[i], XDP_FLAGS_DRV_MODE, NULL);
out_destroy:
	lb__destroy(skel);
	return err ? 1 : 0;
usage:
	fprintf(stderr, "usage: bench_lb [-f] [-n FLOWS] -i IFACE... "
			"-v VIP:PORT/PROTO=BE:PORT[,BE:PORT...]...\n");
	return 2;
}
