/* sluiced: the agent's shared state and its subsystem interface.
 *
 * main.c owns one struct agent: the libevent loop, the control socket and
 * the current configuration. Every subsystem (kernel data plane, L7 proxy,
 * userspace L4 proxy) is a row in the agent's static subsystem table: it is
 * started once after the first configuration loads, handed every new valid
 * configuration, and stopped at exit. Subsystems register their control
 * commands in start() with ctl_register().
 */
#ifndef LB_AGENT_H
#define LB_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config_types.h"

struct event_base;
struct ctl_server;
struct health_state;
struct json_writer;

enum agent_subsys_id {
	AGENT_DATAPLANE,	/* kernel XDP/TC data plane (bpf/, loader/) */
	AGENT_L7,		/* HTTP reverse proxy (l7proxy/) */
	AGENT_L4,		/* userspace TCP/UDP proxy */
	AGENT_HEALTH,		/* health checks */
	AGENT_SUBSYS_NR,
};

struct agent_opts {
	const char *config_path;
	const char *socket_path;
	const char *pin_dir;	/* overrides dataplane.pinDir */
	bool detach;		/* --detach: remove programs and pins, exit */
	bool no_dataplane;	/* --no-dataplane: never attach XDP */
};

struct agent {
	struct agent_opts opts;
	struct event_base *base;
	struct ctl_server *ctl;
	struct config *cfg;	/* the running configuration; owned */
	struct health_state *health;	/* server health, all subsystems; owned */
	uint64_t generation;	/* configurations applied so far */
	time_t started;
	time_t loaded;		/* when cfg was applied */
	void *subsys[AGENT_SUBSYS_NR];	/* each subsystem's private state */
	bool up[AGENT_SUBSYS_NR];	/* by row of agent_subsystems[] */
	struct cfg_watch *watch;
	struct event *sig_ev[4];
};

struct agent_subsys {
	const char *name;
	/* Starts with a.cfg; returns 0 or -errno (sluiced exits). */
	int (*start)(struct agent *a);
	/* Applies @next (validated, no fatal error) while a->cfg is still the
	 * old one. Returns 0 or -errno; on error the agent keeps the old
	 * configuration everywhere. Must not keep pointers into @next's old
	 * predecessor after returning 0.
	 */
	int (*reload)(struct agent *a, const struct config *next);
	void (*stop)(struct agent *a);
	/* Optional: writes one JSON value describing the subsystem's state
	 * for `sluice daemon status` (e.g. {"state": "attached", ...}).
	 */
	void (*status)(struct agent *a, struct json_writer *w);
};

/* The subsystems, in start order (subsystems.c), NULL-terminated. */
extern const struct agent_subsys *const agent_subsystems[];

/* Loads the configuration at @path and reports every diagnostic through
 * the log. Returns the model, or NULL when it is unusable (fatal problems
 * were logged). Caller owns; free with config_free().
 */
struct config *agent_load_config(const char *path);

/* Starts the agent: control socket, signals, file watch, subsystems.
 * Returns 0 or -errno (reported).
 */
int agent_start(struct agent *a);
/* Re-reads the configuration and hands it to every subsystem; a broken
 * new configuration is reported and the running one kept. Returns 0 or
 * -errno.
 */
int agent_reload(struct agent *a);
/* Stops the subsystems and frees what agent_start() created. */
void agent_stop(struct agent *a);

#endif /* LB_AGENT_H */
