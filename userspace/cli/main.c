/* sluice: the command-line interface.
 *   sluice [OPTIONS] OBJECT { COMMAND | help }
 * Global options, then dispatch to one do_<object>() per file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dpcommon.h"
#include "ctl.h"
#include "log.h"
#include "output.h"

static int do_help(int argc, char **argv);

static const struct lb_cmd objects[] = {
	{ "config",	do_config },
	{ "daemon",	do_daemon },
	{ "prog",	do_prog },
	{ "vip",		do_vip },
	{ "server",	do_server },
	{ "flow",	do_flow },
	{ "stats",	do_stats },
	{ "map",		do_map },
	{ "health",	do_health },
	{ "l4",		do_l4 },
	{ "service",	do_service },
	{ "version",	do_version },
	{ "help",	do_help },
	{ NULL }
};

static const char usage_text[] =
	"Usage: sluice [OPTIONS] OBJECT { COMMAND | help }\n"
	"       sluice help\n"
	"OBJECT := { config | daemon | prog | vip | server | flow |\n"
	"            stats | map | health | service | l4 | version }\n"
	"OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} |\n"
	"             {-s|--socket} PATH | {-P|--pin-dir} DIR | {-V|--version} }\n"
	"\n"
	"  config check FILE       validate a configuration, print every error\n"
	"  config show FILE        the normalised configuration (defaults, names)\n"
	"  daemon status           state of the running sluiced\n"
	"  daemon reload           re-read the configuration\n"
	"  prog show|attach|detach the XDP programs of the data plane\n"
	"  vip show                VIPs, their path (xdp or userspace) and backends\n"
	"  vip lookup VIP SRC:PORT the backend a new flow from SRC would get\n"
	"  server show             kernel backends with their counters\n"
	"  server set SERVICE ADDRESS { weight N | down | up }\n"
	"  flow show [VIP]         tracked flows: tuple, backend, state, age\n"
	"  stats show [vip VIP]    data-plane counters\n"
	"  map show|dump NAME      the pinned maps\n"
	"  health show [SERVICE]   active health checks: status of every server\n"
	"  health set SERVICE SERVER { up | down | auto }\n"
	"                          force a server's state (auto: probes decide)\n"
	"  service show [SERVICE]  HTTP routers, services and servers with counters\n"
	"  server show SERVICE     one HTTP service's servers: health, counters\n"
	"  server set SERVICE URL { weight N | drain | up | down }\n"
	"                          change an HTTP server without a reload\n"
	"  l4 show                 tcp/udp entryPoints and their path (kernel or userspace)\n"
	"  version                 version of sluice\n"
	"Each OBJECT has its own help: sluice OBJECT help\n";

static int do_help(int argc, char **argv)
{
	return cmd_help_text(usage_text);
}

static const struct option long_opts[] = {
	{ "json",	no_argument,		NULL, 'j' },
	{ "pretty",	no_argument,		NULL, 'p' },
	{ "debug",	no_argument,		NULL, 'd' },
	{ "socket",	required_argument,	NULL, 's' },
	{ "pin-dir",	required_argument,	NULL, 'P' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL }
};

int main(int argc, char **argv)
{
	bool version = false, help = false;
	int opt, ret;

	cli_opts.socket = getenv("SLUICE_SOCKET") ? getenv("SLUICE_SOCKET") :
			  CTL_DEFAULT_SOCKET;
	cli_opts.pin_dir = getenv("SLUICE_PIN_DIR") ? getenv("SLUICE_PIN_DIR") :
			   "/sys/fs/bpf/sluice";
	/* '+': options stop at the OBJECT, so COMMAND arguments may start with - */
	while ((opt = getopt_long(argc, argv, "+jpds:P:Vh", long_opts,
				  NULL)) >= 0) {
		switch (opt) {
		case 'j':
			cli_opts.json = true;
			break;
		case 'p':
			cli_opts.json = cli_opts.pretty = true;
			break;
		case 'd':
			cli_opts.debug = true;
			break;
		case 's':
			cli_opts.socket = optarg;
			break;
		case 'P':
			cli_opts.pin_dir = optarg;
			break;
		case 'V':
			version = true;
			break;
		case 'h':
			help = true;
			break;
		default:
			fprintf(stderr, "%s", usage_text);
			return EXIT_USAGE;
		}
	}
	log_init("sluice", cli_opts.debug ? LOG_DEBUG : LOG_WARN);
	log_hook_libbpf();
	out_init(cli_opts.json, cli_opts.pretty);
	argc -= optind;
	argv += optind;
	if (version)
		ret = do_version(0, NULL);
	else if (help || argc == 0)
		ret = argc == 0 && !help ?
		      (fprintf(stderr, "%s", usage_text), EXIT_USAGE) :
		      do_help(0, NULL);
	else
		ret = cmd_select(objects, argc, argv, do_help);
	out_finish();
	return ret;
}
