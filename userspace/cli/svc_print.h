/* Text rendering of the service graph fields (health, children, runtime
 * weights) inside `sluice service show` / `sluice server show`, and the
 * `sluice server set` command for http servers (svc_print.c).
 */
#ifndef LB_CLI_SVC_PRINT_H
#define LB_CLI_SVC_PRINT_H

struct jnode;

/* " status up" (and the strategy, sticky cookie) of a service. */
void svc_print_status(const struct jnode *s);
/* One line per child of a weighted, mirroring or failover service. */
void svc_print_children(const struct jnode *s);
/* " health up runtime_weight 3 drain probe up last_probe T" of a server. */
void svc_print_server(const struct jnode *sv);

/* Fetches the health registry's view of @service ("health show") for
 * svc_print_server() in text mode; svc_probe_free() drops it.
 */
void svc_probe_load(const char *service);
void svc_probe_free(void);

/* sluice server set SERVICE URL { weight N | drain | up | down } */
int svc_server_set(int argc, char **argv);

#endif /* LB_CLI_SVC_PRINT_H */
