/* Typed access to the data plane's maps: the only userspace code that
 * knows their layouts (bpf/lb_abi.h). Works on the maps of a loaded
 * skeleton (agent, tests) or on pinned maps (CLI, works while sluiced is
 * down). Return convention: 0 or -errno; lookups return -ENOENT if absent.
 */
#ifndef LB_LBMAP_H
#define LB_LBMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb_abi.h"

enum lbmap_id {
	LBMAP_CFG,
	LBMAP_VIPS,
	LBMAP_RING,
	LBMAP_BACKENDS,
	LBMAP_FLOWS,
	LBMAP_RFLOWS,
	LBMAP_IFACES,
	LBMAP_STATS,
	LBMAP_VIP_STATS,
	LBMAP_BE_STATS,
	LBMAP_ADDRS,
	LBMAP_ADDR_IDX,
	LBMAP_FIB_CACHE,
	LBMAP_PORTS,
	LBMAP_STEER,
	LBMAP_RVIPS,
	LBMAP_NR,
};

struct lbmap {
	int fd[LBMAP_NR];	/* owned when opened from pins */
	bool owned;
	int ncpus;
};

/* Name (LB_MAP_*) of map @id. */
const char *lbmap_name(enum lbmap_id id);
/* The id of map @name, or -ENOENT. */
int lbmap_id_by_name(const char *name);

/* Fills @m with the maps pinned in @dir (the versioned folder, e.g.
 * /sys/fs/bpf/sluice/v1) and checks lb_cfg's abi_version. Returns 0,
 * -ENOENT (nothing pinned) or -EPROTO (another ABI version). Release with
 * lbmap_close().
 */
int lbmap_open_pinned(struct lbmap *m, const char *dir);
/* Borrows @fds (indexed by enum lbmap_id) for the lifetime of @m. */
int lbmap_init_fds(struct lbmap *m, const int *fds);
void lbmap_close(struct lbmap *m);

/* Versioned pin folder under @root into @buf: "<root>/v<ABI>". */
void lbmap_pin_dir(const char *root, char *buf, size_t len);

int lbmap_cfg_get(const struct lbmap *m, struct lb_cfg *cfg);
int lbmap_cfg_set(const struct lbmap *m, const struct lb_cfg *cfg);

/* Zeroes @k and fills it; @addr is 4 or 16 bytes by @family. */
void lbmap_vip_key(struct lb_vip_key *k, int family, const void *addr,
		   uint16_t port, uint8_t proto);
int lbmap_vip_set(const struct lbmap *m, const struct lb_vip_key *k,
		  const struct lb_vip *v);
int lbmap_vip_get(const struct lbmap *m, const struct lb_vip_key *k,
		  struct lb_vip *v);
int lbmap_vip_del(const struct lbmap *m, const struct lb_vip_key *k);
/* Calls @fn for every VIP; stops at and returns its first non-zero value. */
int lbmap_vip_foreach(const struct lbmap *m,
		      int (*fn)(const struct lb_vip_key *k,
				const struct lb_vip *v, void *arg),
		      void *arg);

/* The ring size (lb_vip.ring_size) of a VIP with @n distinct backends
 * (drained and down ones included, so health changes never resize), or
 * 0 when @n passes LB_MAX_VIP_BACKENDS.
 */
uint32_t lbmap_ring_size(size_t n);
/* Builds a new table of @vip_id from the @size entries of @ring (backend
 * ids, LB_BACKEND_NONE for none) in a fresh inner map of that size and
 * swaps it into lb_rings in one update. -EINVAL: @size is not in
 * LB_RING_MIN..LB_RING_MAX or an id does not fit 16 bits.
 */
int lbmap_ring_write(const struct lbmap *m, uint32_t vip_id,
		     const uint32_t *ring, uint32_t size);
/* Removes @vip_id's table (-ENOENT if none). */
int lbmap_ring_del(const struct lbmap *m, uint32_t vip_id);
/* Reads the @size entries (lb_vip.ring_size) of @vip_id's table into
 * @ring; LB_BACKEND_NONE where no backend. -ERANGE: the table is smaller.
 */
int lbmap_ring_read(const struct lbmap *m, uint32_t vip_id, uint32_t size,
		    uint32_t *ring);
/* The backend id at @pos (< lb_vip.ring_size) of @vip_id's table. */
int lbmap_ring_get(const struct lbmap *m, uint32_t vip_id, uint32_t pos,
		   uint32_t *backend_id);

int lbmap_backend_set(const struct lbmap *m, uint32_t id,
		      const struct lb_backend *be);
int lbmap_backend_get(const struct lbmap *m, uint32_t id,
		      struct lb_backend *be);

/* Zeroes @a and fills it; @addr is 4 or 16 bytes by @family. */
void lbmap_addr_make(struct lb_addr *a, int family, const void *addr);
/* Publishes @a at index @idx (lb_addrs and lb_addr_idx). */
int lbmap_addr_set(const struct lbmap *m, uint32_t idx, const struct lb_addr *a);
/* Withdraws @a from lb_addr_idx; lb_addrs[idx] stays for existing flows. */
int lbmap_addr_unindex(const struct lbmap *m, const struct lb_addr *a);
int lbmap_addr_get(const struct lbmap *m, uint32_t idx, struct lb_addr *a);
/* Calls @fn for every indexed address; stops at its first non-zero return. */
int lbmap_addr_foreach(const struct lbmap *m,
		       int (*fn)(const struct lb_addr *a, uint32_t idx, void *arg),
		       void *arg);

/* Writes the whole port pre-filter (LB_PORT_WORDS entries of @bits). */
int lbmap_ports_write(const struct lbmap *m, const struct lb_port_bits *bits);
/* Sets @port's bit in @bits: @vip for a VIP port, else a backend port. */
void lbmap_port_mark(struct lb_port_bits *bits, uint16_t port, bool vip);

/* Kernel steering (lb_steer): puts the listening TCP socket @sock_fd
 * under VIP key @k (its LB_VIP_F_LOCAL connections go to it), or takes
 * @k out. A closed socket leaves the map by itself.
 */
int lbmap_steer_set(const struct lbmap *m, const struct lb_vip_key *k,
		    int sock_fd);
int lbmap_steer_del(const struct lbmap *m, const struct lb_vip_key *k);
/* The cookie (SO_COOKIE) of the socket under @k. */
int lbmap_steer_get(const struct lbmap *m, const struct lb_vip_key *k,
		    uint64_t *cookie);

/* Both also drop lb_fib_cache's answers through @ifindex (they carry a
 * copy of its entry).
 */
int lbmap_iface_set(const struct lbmap *m, uint32_t ifindex,
		    const struct lb_iface *ifc);
int lbmap_iface_del(const struct lbmap *m, uint32_t ifindex);

/* Sums the per-CPU global counters into @v[LB_STAT_NR]. */
int lbmap_stats_get(const struct lbmap *m, uint64_t *v);
/* Sums the per-CPU counters of VIP @vip_id / backend @id. */
int lbmap_vip_stats_get(const struct lbmap *m, uint32_t vip_id,
			struct lb_counters *c);
int lbmap_be_stats_get(const struct lbmap *m, uint32_t id,
		       struct lb_counters *c);
/* Zeroes the counters of a reused VIP id / backend id. */
int lbmap_vip_stats_reset(const struct lbmap *m, uint32_t vip_id);
int lbmap_be_stats_reset(const struct lbmap *m, uint32_t id);
/* Name of global counter @id ("rx", "drop_no_backend", ...). */
const char *lbmap_stat_name(unsigned int id);

/* Calls @fn for every flow; stops at its first non-zero return. */
int lbmap_flow_foreach(const struct lbmap *m,
		       int (*fn)(const struct lb_flow_key *k,
				 const struct lb_flow *f, void *arg),
		       void *arg);
int lbmap_flow_get(const struct lbmap *m, const struct lb_flow_key *k,
		   struct lb_flow *f);
int lbmap_rflow_get(const struct lbmap *m, const struct lb_flow_key *k,
		    struct lb_rflow *r);

/* Stateless nat replies (lb_rvips): @k is a backend's address, port,
 * protocol and family (lbmap_vip_key()). Write the entry before setting
 * LB_BE_F_RVIP on the backend, clear the flag before deleting it.
 */
int lbmap_rvip_set(const struct lbmap *m, const struct lb_vip_key *k,
		   const struct lb_rvip *v);
int lbmap_rvip_del(const struct lbmap *m, const struct lb_vip_key *k);
/* Calls @fn for every entry; stops at its first non-zero return. */
int lbmap_rvip_foreach(const struct lbmap *m,
		       int (*fn)(const struct lb_vip_key *k,
				 const struct lb_rvip *v, void *arg),
		       void *arg);

/* Formats an lb address of @family as text into @buf (INET6_ADDRSTRLEN). */
const char *lbmap_addr_str(int family, const __be32 *addr, char *buf,
			   size_t len);

#endif /* LB_LBMAP_H */
