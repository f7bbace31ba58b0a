/* sluice version */
#include <bpf/libbpf.h>
#include <yaml.h>

#include "cmd.h"
#include "output.h"

int do_version(int argc, char **argv)
{
	char libbpf_v[32];

	if (argc > 0)
		return cmd_usage_err("version takes no arguments");
	snprintf(libbpf_v, sizeof(libbpf_v), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	open_json_object(NULL);
	print_string(PRINT_ANY, "version", "sluice %s", SLUICE_VERSION);
	print_string(PRINT_ANY, "git", " (%s)\n", SLUICE_GIT_REV);
	print_string(PRINT_ANY, "libbpf", "libbpf %s", libbpf_v);
	print_string(PRINT_ANY, "libyaml", ", libyaml %s\n", yaml_get_version_string());
	close_json_object();
	return EXIT_OK;
}
