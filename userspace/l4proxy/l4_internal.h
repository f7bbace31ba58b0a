/* Functions shared between the files of the userspace L4 proxy. Not part
 * of the library's API (that is l4proxy.h).
 */
#ifndef LB_L4_INTERNAL_H
#define LB_L4_INTERNAL_H

#include <stdbool.h>
#include <sys/socket.h>

#include "l4proxy_types.h"

/* stats.c: counters by key. l4_stats_get() returns a new reference (creating
 * the entry at zero) or NULL with errno set; l4_stats_put() drops one and
 * frees the entry with the last. NULL-safe.
 */
struct l4_counters *l4_stats_get(struct l4_registry *reg, const char *key);
struct l4_counters *l4_stats_ref(struct l4_counters *c);
void l4_stats_put(struct l4_registry *reg, struct l4_counters *c);

/* graph.c: builds the routing graph of @cfg (borrowed for the call; the
 * graph copies what it needs) and marks the entryPoints to serve given
 * @dp_active. Returns a graph with one reference, or NULL with errno set.
 */
struct l4_graph *l4_graph_build(const struct config *cfg,
			     struct l4_registry *reg, bool dp_active);
struct l4_graph *l4_graph_get(struct l4_graph *g);
/* Drops a reference; the last frees the graph. NULL-safe. */
void l4_graph_put(struct l4_graph *g, struct l4_registry *reg);
/* graph_entry.c: fills @g's entryPoints from @cfg (services already
 * built); frees one entryPoint.
 */
int l4_graph_entries_build(struct l4_graph *g, const struct config *cfg,
			struct l4_registry *reg, bool dp_active);
void l4_graph_entry_free(struct l4_entry *e, struct l4_registry *reg);
/* The service named @name among @n at @v, or NULL. */
struct l4_service *l4_graph_svc_find(struct l4_service *v, size_t n,
				  const char *name);
/* A new counters reference for "@kind|@a|@b". Returns 0 or -ENOMEM. */
int l4_graph_counters(struct l4_registry *reg, const char *kind, const char *a,
		   const char *b, struct l4_counters **out);
/* Picks a server under @svc by WRR at every level. Returns the server and
 * its loadBalancer in *@leaf, or NULL (no usable server).
 */
struct l4_server *l4_graph_pick(struct l4_service *svc, struct l4_service **leaf);
/* The route of @e for a connection: @tls with server name @sni, or not
 * TLS. NULL when none matches.
 */
struct l4_route *l4_graph_route(struct l4_entry *e, bool tls, const char *sni);
/* True when the peer @sa may send a PROXY header that we honour. */
bool l4_graph_trusted(const struct l4_entry *e, const struct sockaddr *sa);
/* Parses "host:port" / "[v6]:port" (names resolved, blocking) into @sa.
 * Returns 0 or -EINVAL / -ENOENT.
 */
int l4_graph_resolve(const char *address, struct sockaddr_storage *sa,
		  socklen_t *len);

/* tcp_listen.c */
int l4_tcp_listener_open(struct l4_listener *l);
void l4_tcp_pre_free(struct l4_pre *pre);
void l4_tcp_pres_free_all(struct l4proxy *px);

/* tcp_conn.c: takes ownership of both connected fds and of the counter
 * references; writes @hdr (a PROXY header, may be empty) to the backend
 * before any client byte and starts forwarding. Returns 0, or -errno after
 * closing both.
 */
struct l4_conn_args {
	int cfd, bfd;
	const void *hdr;
	size_t hdr_len;
	int64_t term_delay;
	struct l4_counters *svc, *srv, *ep;
};
int l4_tcp_conn_start(struct l4proxy *px, struct l4_conn_args *a);
void l4_tcp_conns_free_all(struct l4proxy *px);
unsigned long l4_tcp_conns_count(const struct l4proxy *px);

/* udp.c */
int l4_udp_listener_open(struct l4_listener *l);
void l4_udp_listener_close(struct l4_listener *l);
unsigned long l4_udp_sessions_count(const struct l4_listener *l);

/* steer.c: kernel steering. l4_steer_keys() fills @keys (2) with the
 * LB_VIP_F_LOCAL VIP keys of @e and returns how many (0: not steered).
 * l4_steer_register() puts @l's socket under its keys in lb_steer.
 * l4_steer_tuple() makes the lb_flows key of a connection from its two
 * ends (v4-mapped counts as IPv4). l4_steer_pick() returns the server of
 * @svc's tree that the kernel chose for flow @fk, with its loadBalancer
 * in *@leaf, or NULL (no usable kernel choice).
 */
int l4_steer_keys(const struct l4proxy *px, const struct l4_entry *e,
		  struct lb_vip_key *keys);
int l4_steer_register(const struct l4_listener *l);
int l4_steer_tuple(const struct sockaddr_storage *peer,
		   const struct sockaddr_storage *local, struct lb_flow_key *fk);
struct l4_server *l4_steer_pick(const struct l4proxy *px,
				const struct lb_flow_key *fk,
				struct l4_service *svc, struct l4_service **leaf);

/* util: an address as "ip:port" / "[ip]:port". */
void l4_addr_str(const struct sockaddr *sa, char *buf, size_t len);

#endif /* LB_L4_INTERNAL_H */
