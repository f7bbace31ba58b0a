/* Loading, validating and querying the configuration (types in
 * config_types.h). Loading never prints: every problem becomes a cfg_diag
 * with file:line:col, the key path and a message (Traefik's own text where
 * Traefik has one). Like Traefik, a broken service is marked `broken`, the
 * routers using it are dropped, and the rest still loads.
 */
#ifndef LB_CONFIG_H
#define LB_CONFIG_H

#include <stdio.h>

#include "config_types.h"

/* Loads @path (static and/or dynamic parts; providers.file.filename and
 * .directory are followed). Returns the model, or NULL with errno set only
 * when out of memory. Check ->fatal and ->n_errors. Caller owns the result;
 * free with config_free().
 */
struct config *config_load(const char *path);

/* Loads a configuration from a string, as if read from @name. Same
 * contract as config_load(); relative paths resolve against the cwd.
 */
struct config *config_load_string(const char *name, const char *yaml);

void config_free(struct config *cfg);

/* Records a diagnostic (checks made outside the loader, e.g. router rules
 * parsed by the L7 proxy). @pos and @path may be NULL. An error bumps
 * cfg->n_errors.
 */
void config_diag_add(struct config *cfg, enum cfg_severity sev,
		     const struct cfg_pos *pos, const char *path,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Formats @d as "file:line:col: error: path: message" into @buf. */
void config_diag_format(const struct cfg_diag *d, char *buf, size_t len);

/* Lookups by qualified name; NULL when absent. Borrowed pointers. */
const struct cfg_http_service *
config_http_service(const struct config *cfg, const char *qname);
const struct cfg_servers_transport *
config_transport(const struct config *cfg, const char *qname);
const struct cfg_entry_point *
config_entry_point(const struct config *cfg, const char *name);
const struct cfg_l4_service *
config_tcp_service(const struct config *cfg, const char *qname);
const struct cfg_l4_service *
config_udp_service(const struct config *cfg, const char *qname);

/* Parses a Go duration ("1h2m", "300ms", "-1.5s", "0") into ns. A bare
 * integer is multiplied by @bare_unit_ns (seconds for paerser durations,
 * milliseconds for terminationDelay). Returns 0 or -EINVAL.
 */
int config_parse_duration(const char *s, int64_t bare_unit_ns, int64_t *ns);

struct json_writer;
/* Writes {"files": [...], "config": {...}, "errors": N, "warnings": N}:
 * the normalised model with defaults applied and names qualified, keys
 * spelled as in Traefik. Services and routers carry "status".
 */
void config_write_json(const struct config *cfg, struct json_writer *w);

/* Formats @ns as Go's time.Duration.String() does ("1m30s", "100ms"). */
void config_format_duration(int64_t ns, char *buf, size_t len);

/* Traefik's sticky cookie name: sanitised @name if set, otherwise "_" and
 * the first 5 hex digits of SHA-1("_TRAEFIK_BACKEND_" + @qualified_service).
 * Writes at most @len bytes including the NUL.
 */
void config_cookie_name(const char *name, const char *qualified_service,
			char *buf, size_t len);

/* Splits "host:port" or "[v6]:port" into @host and @port. Returns 0 or
 * -EINVAL.
 */
int config_split_hostport(const char *addr, char *host, size_t hlen,
			  uint16_t *port);

/* Does a loadBalancer anywhere under tcp service @qname need a
 * connection-terminating proxy (proxyProtocol, or a terminationDelay other
 * than Traefik's 100 ms)? Such services are served by sluiced's userspace
 * L4 proxy, never by the XDP path alone.
 */
bool config_tcp_service_needs_proxy(const struct config *cfg,
				    const char *qname);

/* Does a usable tcp router listen on entryPoint @ep (a router without
 * entryPoints listens on every one)? Traefik serves such an entryPoint
 * with its TCP routers first: HTTP routers get only the connections no
 * TCP router takes. sluiced's L4 proxy owns its socket and hands those
 * connections to the L7 proxy.
 */
bool config_entry_point_tcp_routed(const struct config *cfg, const char *ep);

const char *config_kind_name(enum cfg_service_kind kind);
const char *config_fwd_mode_name(enum cfg_fwd_mode mode);
const char *config_xdp_mode_name(enum cfg_xdp_mode mode);
/* The hook @ci of @dp asks for: CFG_HOOK_XDP, _TC or _AUTO (the agent
 * resolves auto per device).
 */
enum cfg_hook config_dp_iface_hook(const struct cfg_dataplane *dp,
				   const struct cfg_dp_iface *ci);
const char *config_hook_name(enum cfg_hook hook);

#endif /* LB_CONFIG_H */
