/* Typed access to the data plane's maps (see lbmap.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lbmap.h"
#include "maglev.h"

static const char *const map_names[LBMAP_NR] = {
	[LBMAP_CFG] = LB_MAP_CFG,
	[LBMAP_VIPS] = LB_MAP_VIPS,
	[LBMAP_RING] = LB_MAP_RING,
	[LBMAP_BACKENDS] = LB_MAP_BACKENDS,
	[LBMAP_FLOWS] = LB_MAP_FLOWS,
	[LBMAP_RFLOWS] = LB_MAP_RFLOWS,
	[LBMAP_IFACES] = LB_MAP_IFACES,
	[LBMAP_STATS] = LB_MAP_STATS,
	[LBMAP_VIP_STATS] = LB_MAP_VIP_STATS,
	[LBMAP_BE_STATS] = LB_MAP_BE_STATS,
	[LBMAP_ADDRS] = LB_MAP_ADDRS,
	[LBMAP_ADDR_IDX] = LB_MAP_ADDR_IDX,
	[LBMAP_FIB_CACHE] = LB_MAP_FIB_CACHE,
	[LBMAP_PORTS] = LB_MAP_PORTS,
	[LBMAP_STEER] = LB_MAP_STEER,
	[LBMAP_RVIPS] = LB_MAP_RVIPS,
};

static const char *const stat_names[LB_STAT_NR] = {
	[LB_STAT_RX] = "rx",
	[LB_STAT_PASS] = "pass",
	[LB_STAT_TX_REDIRECT] = "tx_redirect",
	[LB_STAT_TX_KERNEL] = "tx_kernel",
	[LB_STAT_DROP] = "drop",
	[LB_STAT_FWD] = "fwd",
	[LB_STAT_REV] = "rev",
	[LB_STAT_NEW_FLOW] = "new_flow",
	[LB_STAT_RESTEER] = "resteer",
	[LB_STAT_EXPIRED] = "expired",
	[LB_STAT_FRAGMENT] = "fragment",
	[LB_STAT_IP_OPTIONS] = "ip_options",
	[LB_STAT_IPV6_EXT] = "ipv6_ext",
	[LB_STAT_MALFORMED] = "malformed",
	[LB_STAT_FIB_MISS] = "fib_miss",
	[LB_STAT_ICMP] = "icmp_xlate",
	[LB_STAT_TCP_RESET] = "tcp_reset",
	[LB_DROP_NO_BACKEND] = "drop_no_backend",
	[LB_DROP_BACKEND_GONE] = "backend_gone",
	[LB_DROP_NO_SNAT] = "drop_no_snat",
	[LB_DROP_SNAT_PORTS] = "drop_snat_ports",
	[LB_DROP_FAMILY] = "drop_family",
	[LB_DROP_FLOW_TABLE] = "drop_flow_table",
	[LB_DROP_REDIRECT] = "drop_redirect",
	[LB_STAT_LOCAL] = "local",
	[LB_STAT_STEER] = "steer",
	[LB_STAT_STEER_NOSOCK] = "steer_nosock",
	[LB_STAT_TX_TC] = "tx_tc",
	[LB_DROP_TC_REDIRECT] = "drop_tc_redirect",
};

const char *lbmap_name(enum lbmap_id id)
{
	return id < LBMAP_NR ? map_names[id] : NULL;
}

int lbmap_id_by_name(const char *name)
{
	int i;

	for (i = 0; i < LBMAP_NR; i++)
		if (!strcmp(map_names[i], name))
			return i;
	return -ENOENT;
}

const char *lbmap_stat_name(unsigned int id)
{
	return id < LB_STAT_NR ? stat_names[id] : NULL;
}

void lbmap_pin_dir(const char *root, char *buf, size_t len)
{
	snprintf(buf, len, "%s/v%d", root ? root : LB_PIN_ROOT,
		 LB_ABI_VERSION);
}

static void lbmap_reset(struct lbmap *m)
{
	int i;

	for (i = 0; i < LBMAP_NR; i++)
		m->fd[i] = -1;
	m->owned = false;
	m->ncpus = libbpf_num_possible_cpus();
}

int lbmap_init_fds(struct lbmap *m, const int *fds)
{
	lbmap_reset(m);
	if (m->ncpus < 0)
		return m->ncpus;
	memcpy(m->fd, fds, sizeof(m->fd));
	return 0;
}

int lbmap_open_pinned(struct lbmap *m, const char *dir)
{
	char path[512];
	struct lb_cfg cfg;
	int i, err;

	lbmap_reset(m);
	if (m->ncpus < 0)
		return m->ncpus;
	m->owned = true;
	for (i = 0; i < LBMAP_NR; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, map_names[i]);
		m->fd[i] = bpf_obj_get(path);
		/* pins made before lb_rvips existed (sluiced not restarted
		 * since the upgrade): everything else still reads
		 */
		if (m->fd[i] < 0 && errno == ENOENT && i == LBMAP_RVIPS)
			continue;
		if (m->fd[i] < 0) {
			err = -errno;
			goto out_close;
		}
	}
	err = lbmap_cfg_get(m, &cfg);
	if (err)
		goto out_close;
	if (cfg.abi_version != LB_ABI_VERSION) {
		err = -EPROTO;
		goto out_close;
	}
	return 0;

out_close:
	lbmap_close(m);
	return err;
}

void lbmap_close(struct lbmap *m)
{
	int i;

	for (i = 0; i < LBMAP_NR; i++) {
		if (m->owned && m->fd[i] >= 0)
			close(m->fd[i]);
		m->fd[i] = -1;
	}
}

static int lookup(const struct lbmap *m, enum lbmap_id id, const void *k,
		  void *v)
{
	return bpf_map_lookup_elem(m->fd[id], k, v) ? -errno : 0;
}

static int update(const struct lbmap *m, enum lbmap_id id, const void *k,
		  const void *v)
{
	return bpf_map_update_elem(m->fd[id], k, v, BPF_ANY) ? -errno : 0;
}

int lbmap_cfg_get(const struct lbmap *m, struct lb_cfg *cfg)
{
	__u32 zero = 0;

	return lookup(m, LBMAP_CFG, &zero, cfg);
}

int lbmap_cfg_set(const struct lbmap *m, const struct lb_cfg *cfg)
{
	__u32 zero = 0;

	return update(m, LBMAP_CFG, &zero, cfg);
}

void lbmap_vip_key(struct lb_vip_key *k, int family, const void *addr,
		   uint16_t port, uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	if (addr)
		memcpy(k->addr, addr, family == LB_AF_INET6 ? 16 : 4);
	k->port = htons(port);
	k->proto = proto;
	k->family = family;
}

int lbmap_vip_set(const struct lbmap *m, const struct lb_vip_key *k,
		  const struct lb_vip *v)
{
	return update(m, LBMAP_VIPS, k, v);
}

int lbmap_vip_get(const struct lbmap *m, const struct lb_vip_key *k,
		  struct lb_vip *v)
{
	return lookup(m, LBMAP_VIPS, k, v);
}

int lbmap_vip_del(const struct lbmap *m, const struct lb_vip_key *k)
{
	return bpf_map_delete_elem(m->fd[LBMAP_VIPS], k) ? -errno : 0;
}

int lbmap_steer_set(const struct lbmap *m, const struct lb_vip_key *k,
		    int sock_fd)
{
	__u64 v = (__u64)sock_fd;

	return bpf_map_update_elem(m->fd[LBMAP_STEER], k, &v, BPF_ANY) ?
	       -errno : 0;
}

int lbmap_steer_del(const struct lbmap *m, const struct lb_vip_key *k)
{
	return bpf_map_delete_elem(m->fd[LBMAP_STEER], k) ? -errno : 0;
}

int lbmap_steer_get(const struct lbmap *m, const struct lb_vip_key *k,
		    uint64_t *cookie)
{
	__u64 v;

	if (bpf_map_lookup_elem(m->fd[LBMAP_STEER], k, &v))
		return -errno;
	*cookie = v;
	return 0;
}

int lbmap_vip_foreach(const struct lbmap *m,
		      int (*fn)(const struct lb_vip_key *k,
				const struct lb_vip *v, void *arg),
		      void *arg)
{
	struct lb_vip_key k, next;
	struct lb_vip v;
	void *prev = NULL;
	int ret;

	while (!bpf_map_get_next_key(m->fd[LBMAP_VIPS], prev, &next)) {
		k = next;
		prev = &k;
		if (lookup(m, LBMAP_VIPS, &k, &v))
			continue;
		ret = fn(&k, &v, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int lbmap_rvip_set(const struct lbmap *m, const struct lb_vip_key *k,
		   const struct lb_rvip *v)
{
	return update(m, LBMAP_RVIPS, k, v);
}

int lbmap_rvip_del(const struct lbmap *m, const struct lb_vip_key *k)
{
	return bpf_map_delete_elem(m->fd[LBMAP_RVIPS], k) ? -errno : 0;
}

int lbmap_rvip_foreach(const struct lbmap *m,
		       int (*fn)(const struct lb_vip_key *k,
				 const struct lb_rvip *v, void *arg),
		       void *arg)
{
	struct lb_vip_key k, next;
	struct lb_rvip v;
	void *prev = NULL;
	int ret;

	while (!bpf_map_get_next_key(m->fd[LBMAP_RVIPS], prev, &next)) {
		k = next;
		prev = &k;
		if (lookup(m, LBMAP_RVIPS, &k, &v))
			continue;
		ret = fn(&k, &v, arg);
		if (ret)
			return ret;
	}
	return 0;
}

uint32_t lbmap_ring_size(size_t n)
{
	if (n > LB_MAX_VIP_BACKENDS)
		return 0;
	return maglev_size(n, LB_RING_MIN);
}

int lbmap_ring_write(const struct lbmap *m, uint32_t vip_id,
		     const uint32_t *ring, uint32_t size)
{
	/* must match struct lb_ring in bpf/lb_maps.h */
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_INNER_MAP);
	struct lb_ring_slot slots[1024];
	__u32 keys[1024], n_slots, count, done = 0, i, j, pos;
	int fd, err = 0;

	if (vip_id >= LB_MAX_VIPS || size < LB_RING_MIN || size > LB_RING_MAX)
		return -EINVAL;
	for (pos = 0; pos < size; pos++)
		if (ring[pos] >= LB_MAX_BACKENDS && ring[pos] != LB_BACKEND_NONE)
			return -EINVAL;
	n_slots = (size + LB_RING_PER_SLOT - 1) / LB_RING_PER_SLOT;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "lb_ring", sizeof(__u32),
			    sizeof(struct lb_ring_slot), n_slots, &o);
	if (fd < 0)
		return -errno;
	/* Batches of 1024 slots (4096 positions) per syscall. */
	while (done < n_slots) {
		count = n_slots - done;
		if (count > 1024)
			count = 1024;
		for (i = 0; i < count; i++) {
			keys[i] = done + i;
			for (j = 0; j < LB_RING_PER_SLOT; j++) {
				pos = (done + i) * LB_RING_PER_SLOT + j;
				slots[i].id[j] = pos < size &&
						 ring[pos] != LB_BACKEND_NONE ?
						 ring[pos] : LB_RING_NONE;
			}
		}
		if (bpf_map_update_batch(fd, keys, slots, &count, NULL)) {
			err = -errno;
			goto out_close;
		}
		done += count;
	}
	/* the swap: one update of the outer map */
	if (bpf_map_update_elem(m->fd[LBMAP_RING], &vip_id, &fd, BPF_ANY))
		err = -errno;
out_close:
	close(fd);	/* lb_rings holds its own reference */
	return err;
}

int lbmap_ring_del(const struct lbmap *m, uint32_t vip_id)
{
	return bpf_map_delete_elem(m->fd[LBMAP_RING], &vip_id) ? -errno : 0;
}

/* An fd for @vip_id's inner table; caller closes it. */
static int ring_fd(const struct lbmap *m, uint32_t vip_id)
{
	__u32 id;
	int fd;

	if (vip_id >= LB_MAX_VIPS)
		return -EINVAL;
	if (bpf_map_lookup_elem(m->fd[LBMAP_RING], &vip_id, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

static uint32_t slot_id(const struct lb_ring_slot *s, uint32_t pos)
{
	uint16_t id = s->id[pos % LB_RING_PER_SLOT];

	return id == LB_RING_NONE ? LB_BACKEND_NONE : id;
}

int lbmap_ring_read(const struct lbmap *m, uint32_t vip_id, uint32_t size,
		    uint32_t *ring)
{
	struct lb_ring_slot s;
	__u32 slot, pos;
	int fd, err = 0;

	fd = ring_fd(m, vip_id);
	if (fd < 0)
		return fd;
	for (pos = 0; pos < size && !err; pos++) {
		slot = pos / LB_RING_PER_SLOT;
		if (pos % LB_RING_PER_SLOT == 0 &&
		    bpf_map_lookup_elem(fd, &slot, &s)) {
			err = errno == ENOENT ? -ERANGE : -errno;
			break;
		}
		ring[pos] = slot_id(&s, pos);
	}
	close(fd);
	return err;
}

int lbmap_ring_get(const struct lbmap *m, uint32_t vip_id, uint32_t pos,
		   uint32_t *backend_id)
{
	__u32 slot = pos / LB_RING_PER_SLOT;
	struct lb_ring_slot s;
	int fd, err = 0;

	if (pos >= LB_RING_MAX)
		return -EINVAL;
	fd = ring_fd(m, vip_id);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &slot, &s))
		err = -errno;
	else
		*backend_id = slot_id(&s, pos);
	close(fd);
	return err;
}

int lbmap_backend_set(const struct lbmap *m, uint32_t id,
		      const struct lb_backend *be)
{
	return update(m, LBMAP_BACKENDS, &id, be);
}

int lbmap_backend_get(const struct lbmap *m, uint32_t id,
		      struct lb_backend *be)
{
	return lookup(m, LBMAP_BACKENDS, &id, be);
}

void lbmap_addr_make(struct lb_addr *a, int family, const void *addr)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->addr, addr, family == LB_AF_INET6 ? 16 : 4);
	a->family = family;
}

int lbmap_addr_set(const struct lbmap *m, uint32_t idx, const struct lb_addr *a)
{
	int err;

	if (idx >= LB_MAX_ADDRS)
		return -EINVAL;
	/* the address first: a packet that finds the index finds it */
	err = update(m, LBMAP_ADDRS, &idx, a);
	if (!err)
		err = update(m, LBMAP_ADDR_IDX, a, &idx);
	return err;
}

int lbmap_addr_unindex(const struct lbmap *m, const struct lb_addr *a)
{
	return bpf_map_delete_elem(m->fd[LBMAP_ADDR_IDX], a) ? -errno : 0;
}

int lbmap_addr_get(const struct lbmap *m, uint32_t idx, struct lb_addr *a)
{
	return lookup(m, LBMAP_ADDRS, &idx, a);
}

int lbmap_addr_foreach(const struct lbmap *m,
		       int (*fn)(const struct lb_addr *a, uint32_t idx, void *arg),
		       void *arg)
{
	struct lb_addr k, next;
	void *prev = NULL;
	__u32 idx;
	int ret;

	while (!bpf_map_get_next_key(m->fd[LBMAP_ADDR_IDX], prev, &next)) {
		k = next;
		prev = &k;
		if (lookup(m, LBMAP_ADDR_IDX, &k, &idx))
			continue;
		ret = fn(&k, idx, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int lbmap_ports_write(const struct lbmap *m, const struct lb_port_bits *bits)
{
	__u32 keys[LB_PORT_WORDS], count = LB_PORT_WORDS, i;

	for (i = 0; i < LB_PORT_WORDS; i++)
		keys[i] = i;
	return bpf_map_update_batch(m->fd[LBMAP_PORTS], keys, (void *)bits,
				    &count, NULL) ? -errno : 0;
}

void lbmap_port_mark(struct lb_port_bits *bits, uint16_t port, bool vip)
{
	if (vip)
		bits[port >> 6].vip |= 1ull << (port & 63);
	else
		bits[port >> 6].reply |= 1ull << (port & 63);
}

/* Zeroes the cached routes (lb_backend.route) through @ifindex. */
static int backend_routes_drop(const struct lbmap *m, uint32_t ifindex)
{
	enum { CHUNK = 1024 };
	struct lb_backend *v = calloc(CHUNK, sizeof(*v));
	__u32 *keys = calloc(CHUNK, sizeof(*keys)), count, i, out;
	int fd = m->fd[LBMAP_BACKENDS], err = 0;
	void *in = NULL;
	__u32 batch;

	if (!v || !keys) {
		err = -ENOMEM;
		goto out_free;
	}
	for (;;) {
		count = CHUNK;
		if (bpf_map_lookup_batch(fd, in, &out, keys, v, &count, NULL) &&
		    errno != ENOENT) {
			err = -errno;
			break;
		}
		for (i = 0; i < count; i++) {
			if (v[i].route.ifindex != ifindex)
				continue;
			memset(&v[i].route, 0, sizeof(v[i].route));
			if (bpf_map_update_elem(fd, &keys[i], &v[i], BPF_ANY)) {
				err = -errno;
				goto out_free;
			}
		}
		if (count < CHUNK)
			break;
		batch = out;
		in = &batch;
	}
out_free:
	free(v);
	free(keys);
	return err;
}

/* Drops the cached FIB answers through @ifindex (lb_fib_cache entries,
 * backends' routes): they carry a copy of its lb_ifaces entry. A packet
 * racing the change may cache the old entry again, for LB_FIB_TTL_TICKS
 * at most.
 */
static int fib_cache_drop(const struct lbmap *m, uint32_t ifindex)
{
	int fd = m->fd[LBMAP_FIB_CACHE];
	struct lb_fib_key k, next;
	struct lb_fib_entry e;
	void *prev = NULL;

	if (fd < 0)
		return 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (!bpf_map_lookup_elem(fd, &k, &e) && e.ifindex == ifindex)
			bpf_map_delete_elem(fd, &k);
	}
	if (errno != ENOENT)
		return -errno;
	return m->fd[LBMAP_BACKENDS] < 0 ? 0 : backend_routes_drop(m, ifindex);
}

int lbmap_iface_set(const struct lbmap *m, uint32_t ifindex,
		    const struct lb_iface *ifc)
{
	int err = update(m, LBMAP_IFACES, &ifindex, ifc);

	return err ? err : fib_cache_drop(m, ifindex);
}

int lbmap_iface_del(const struct lbmap *m, uint32_t ifindex)
{
	if (bpf_map_delete_elem(m->fd[LBMAP_IFACES], &ifindex))
		return -errno;
	return fib_cache_drop(m, ifindex);
}

int lbmap_stats_get(const struct lbmap *m, uint64_t *v)
{
	uint64_t *pc;
	__u32 id;
	int c, err = 0;

	pc = calloc(m->ncpus, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	for (id = 0; id < LB_STAT_NR; id++) {
		v[id] = 0;
		err = lookup(m, LBMAP_STATS, &id, pc);
		if (err)
			break;
		for (c = 0; c < m->ncpus; c++)
			v[id] += pc[c];
	}
	free(pc);
	return err;
}

static int counters_get(const struct lbmap *m, enum lbmap_id map, uint32_t id,
			struct lb_counters *sum)
{
	struct lb_counters *pc;
	int c, err;

	pc = calloc(m->ncpus, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	err = lookup(m, map, &id, pc);
	for (c = 0; !err && c < m->ncpus; c++) {
		sum->pkts += pc[c].pkts;
		sum->bytes += pc[c].bytes;
		sum->new_flows += pc[c].new_flows;
		sum->drops += pc[c].drops;
	}
	free(pc);
	return err;
}

static int counters_reset(const struct lbmap *m, enum lbmap_id map,
			  uint32_t id)
{
	struct lb_counters *pc;
	int err;

	pc = calloc(m->ncpus, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	err = update(m, map, &id, pc);
	free(pc);
	return err;
}

int lbmap_vip_stats_get(const struct lbmap *m, uint32_t vip_id,
			struct lb_counters *c)
{
	return counters_get(m, LBMAP_VIP_STATS, vip_id, c);
}

int lbmap_be_stats_get(const struct lbmap *m, uint32_t id,
		       struct lb_counters *c)
{
	return counters_get(m, LBMAP_BE_STATS, id, c);
}

int lbmap_vip_stats_reset(const struct lbmap *m, uint32_t vip_id)
{
	return counters_reset(m, LBMAP_VIP_STATS, vip_id);
}

int lbmap_be_stats_reset(const struct lbmap *m, uint32_t id)
{
	return counters_reset(m, LBMAP_BE_STATS, id);
}

int lbmap_flow_foreach(const struct lbmap *m,
		       int (*fn)(const struct lb_flow_key *k,
				 const struct lb_flow *f, void *arg),
		       void *arg)
{
	struct lb_flow_key k, next;
	struct lb_flow f;
	void *prev = NULL;
	int ret;

	while (!bpf_map_get_next_key(m->fd[LBMAP_FLOWS], prev, &next)) {
		k = next;
		prev = &k;
		if (lookup(m, LBMAP_FLOWS, &k, &f))
			continue;
		ret = fn(&k, &f, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int lbmap_flow_get(const struct lbmap *m, const struct lb_flow_key *k,
		   struct lb_flow *f)
{
	return lookup(m, LBMAP_FLOWS, k, f);
}

int lbmap_rflow_get(const struct lbmap *m, const struct lb_flow_key *k,
		    struct lb_rflow *r)
{
	return lookup(m, LBMAP_RFLOWS, k, r);
}

const char *lbmap_addr_str(int family, const __be32 *addr, char *buf,
			   size_t len)
{
	if (!inet_ntop(family == LB_AF_INET6 ? AF_INET6 : AF_INET, addr, buf,
		       len))
		snprintf(buf, len, "?");
	return buf;
}
