/* Helpers shared by the data plane's CLI objects (prog, vip, server,
 * flow, stats, map): opening the pinned maps, VIP syntax.
 *   VIP := ADDR:PORT/{ tcp | udp }   ([v6]:PORT, ":PORT" = wildcard IPv4,
 *                                     "[::]:PORT" = wildcard IPv6)
 */
#ifndef LB_CLI_DPCOMMON_H
#define LB_CLI_DPCOMMON_H

#include <stddef.h>

#include "lbmap.h"

/* Opens the maps pinned under cli_opts.pin_dir. Reports the error itself;
 * returns 0 or EXIT_FAIL. Release with lbmap_close().
 */
int dp_open(struct lbmap *m);

/* Parses VIP syntax into @k (zeroed). Returns 0 or -EINVAL. */
int dp_parse_vip(const char *s, struct lb_vip_key *k);
/* Parses "ADDR:PORT" / "[v6]:PORT" into @addr (16 bytes, zero padded),
 * @port (host order) and @family. Returns 0 or -EINVAL.
 */
int dp_parse_addr_port(const char *s, __be32 *addr, unsigned int *port,
		       int *family);

/* "10.0.0.1:80/tcp", "[fd00::1]:53/udp", "0.0.0.0:5432/tcp" */
void dp_vip_name(const struct lb_vip_key *k, char *buf, size_t len);
/* "10.0.0.1:80", "[fd00::1]:80" */
void dp_addr_port(int family, const __be32 *addr, __be16 port, char *buf,
		  size_t len);
const char *dp_proto_name(int proto);
/* Name of the VIP with id @vip_id into @buf; -ENOENT if none. */
int dp_vip_name_by_id(const struct lbmap *m, uint32_t vip_id, char *buf,
		      size_t len);

/* Entry points of the objects (the lead lists them in cmd.h's table). */
int do_prog(int argc, char **argv);
int do_vip(int argc, char **argv);
int do_server(int argc, char **argv);
int do_flow(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_map(int argc, char **argv);

#endif /* LB_CLI_DPCOMMON_H */
