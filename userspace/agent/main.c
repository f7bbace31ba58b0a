/* sluiced: the sluice agent.
 *   sluiced --config FILE [--socket PATH] [--pin-dir DIR] [-v|-q]
 *   sluiced --detach [--config FILE] [--pin-dir DIR]
 * Runs in the foreground and logs to stderr.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "agent.h"
#include "config.h"
#include "dataplane.h"
#include "ctl.h"
#include "log.h"

static const char usage[] =
	"Usage: sluiced --config FILE [OPTIONS]\n"
	"  -c, --config FILE     Traefik-style configuration (static and/or dynamic)\n"
	"  -s, --socket PATH     control socket (default " CTL_DEFAULT_SOCKET ")\n"
	"  -P, --pin-dir DIR     bpffs folder for pinned maps (overrides dataplane.pinDir)\n"
	"      --no-dataplane    never attach XDP; serve tcp/udp in userspace\n"
	"      --detach          remove every attached program and pinned map, then exit\n"
	"  -v, --verbose         more logging (repeat for debug)\n"
	"  -q, --quiet           errors only\n"
	"  -V, --version         print the version\n";

static const struct option long_opts[] = {
	{ "config",	required_argument,	NULL, 'c' },
	{ "socket",	required_argument,	NULL, 's' },
	{ "pin-dir",	required_argument,	NULL, 'P' },
	{ "no-dataplane", no_argument,		NULL, 'N' },
	{ "detach",	no_argument,		NULL, 'D' },
	{ "verbose",	no_argument,		NULL, 'v' },
	{ "quiet",	no_argument,		NULL, 'q' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL }
};

static int parse_opts(int argc, char **argv, struct agent_opts *o,
		      enum log_level *level)
{
	int opt;

	while ((opt = getopt_long(argc, argv, "c:s:P:vqVh", long_opts,
				  NULL)) >= 0) {
		switch (opt) {
		case 'c': o->config_path = optarg; break;
		case 's': o->socket_path = optarg; break;
		case 'P': o->pin_dir = optarg; break;
		case 'N': o->no_dataplane = true; break;
		case 'D': o->detach = true; break;
		case 'v': *level = *level < LOG_DEBUG ? *level + 1 : LOG_DEBUG; break;
		case 'q': *level = LOG_ERR; break;
		case 'V':
			printf("sluiced %s (%s)\n", SLUICE_VERSION, SLUICE_GIT_REV);
			exit(0);
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			fputs(usage, stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sluiced: unexpected argument '%s'\n%s",
			argv[optind], usage);
		return -1;
	}
	if (!o->config_path && !o->detach) {
		fprintf(stderr, "sluiced: --config FILE is required\n%s", usage);
		return -1;
	}
	if (!o->socket_path)
		o->socket_path = CTL_DEFAULT_SOCKET;
	return 0;
}

int main(int argc, char **argv)
{
	enum log_level level = LOG_INFO;
	struct agent a = { 0 };
	int ret = 1;

	if (parse_opts(argc, argv, &a.opts, &level) < 0)
		return 2;
	log_init("sluiced", level);
	log_hook_libbpf();
	if (evthread_use_pthreads() < 0) {
		pr_err("libevent has no thread support");
		return 1;
	}
	if (a.opts.config_path) {
		a.cfg = agent_load_config(a.opts.config_path);
		if (!a.cfg)
			return 1;
	}
	if (a.opts.detach) {
		int derr = dataplane_detach(&a.opts, a.cfg);

		if (derr)
			pr_err("--detach: %s", strerror(-derr));
		ret = derr ? 1 : 0;
		goto out_free_cfg;
	}
	a.base = event_base_new();
	if (!a.base) {
		pr_err("cannot create the event loop");
		goto out_free_cfg;
	}
	if (agent_start(&a) < 0)
		goto out_stop;
	pr_info("sluiced %s running: config %s, control socket %s",
		SLUICE_VERSION, a.opts.config_path, a.opts.socket_path);
	event_base_dispatch(a.base);
	ret = 0;
out_stop:
	agent_stop(&a);
	event_base_free(a.base);
out_free_cfg:
	config_free(a.cfg);
	if (!ret)
		pr_info("stopped");
	return ret;
}
