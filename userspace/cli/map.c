/* sluice map { show | dump NAME }: the data plane's pinned maps, raw. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cmd.h"
#include "dpcommon.h"
#include "output.h"

static int map_help(int argc, char **argv)
{
	return cmd_help_text(
		"Usage: sluice map { show | list }\n"
		"       sluice map dump NAME\n"
		"       sluice map help\n"
		"NAME := { lb_cfg | lb_vips | lb_rings | lb_backends | lb_flows | lb_rflows |\n"
		"          lb_ifaces | lb_stats | lb_vip_stats | lb_be_stats | lb_addrs |\n"
		"          lb_addr_idx | lb_fib_cache | lb_ports | lb_steer | lb_rvips }\n"
		"  show   id, type, key/value sizes and capacity of each map\n"
		"  dump   every entry as hex (per-CPU values: all CPUs, in order);\n"
		"         array maps print only non-zero entries\n");
}

static int map_show(int argc, char **argv)
{
	struct lbmap m;
	int i, ret;

	if (argc)
		return cmd_usage_err("map show takes no arguments");
	ret = dp_open(&m);
	if (ret)
		return ret;
	open_json_array(NULL);
	for (i = 0; i < LBMAP_NR; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(m.fd[i], &info, &len))
			continue;
		open_json_object(NULL);
		print_string(PRINT_ANY, "name", "%-14s", lbmap_name(i));
		print_u64(PRINT_ANY, "id", " id %-6llu", info.id);
		print_string(PRINT_ANY, "type", " %-14s",
			     libbpf_bpf_map_type_str(info.type));
		print_u64(PRINT_ANY, "key_size", " key %2lluB", info.key_size);
		print_u64(PRINT_ANY, "value_size", " value %2lluB", info.value_size);
		print_u64(PRINT_ANY, "max_entries", " max_entries %llu", info.max_entries);
		print_nl();
		close_json_object();
	}
	close_json_array();
	lbmap_close(&m);
	return EXIT_OK;
}

static void hex(char *out, const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

static bool all_zero(const unsigned char *b, size_t n)
{
	while (n--)
		if (*b++)
			return false;
	return true;
}

static int map_dump(int argc, char **argv)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	unsigned char *key = NULL, *next = NULL, *val = NULL;
	char *hk = NULL, *hv = NULL;
	size_t vsize;
	bool array, percpu;
	struct lbmap m;
	int id, fd, ret;

	if (argc != 1)
		return cmd_usage_err("usage: sluice map dump NAME");
	id = lbmap_id_by_name(argv[0]);
	if (id < 0)
		return cmd_usage_err("no map '%s' (see sluice map help)", argv[0]);
	ret = dp_open(&m);
	if (ret)
		return ret;
	fd = m.fd[id];
	ret = EXIT_FAIL;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		out_err("cannot read map info: %s", strerror(errno));
		goto out_close;
	}
	percpu = info.type == BPF_MAP_TYPE_PERCPU_ARRAY ||
		 info.type == BPF_MAP_TYPE_PERCPU_HASH;
	array = info.type == BPF_MAP_TYPE_ARRAY || percpu;
	vsize = percpu ? ((info.value_size + 7) & ~7u) * m.ncpus : info.value_size;
	key = calloc(1, info.key_size);
	next = calloc(1, info.key_size);
	val = calloc(1, vsize);
	hk = malloc(info.key_size * 2 + 1);
	hv = malloc(vsize * 2 + 1);
	if (!key || !next || !val || !hk || !hv) {
		out_err("out of memory");
		goto out_free;
	}
	open_json_array(NULL);
	for (void *prev = NULL; !bpf_map_get_next_key(fd, prev, next); prev = key) {
		memcpy(key, next, info.key_size);
		if (bpf_map_lookup_elem(fd, key, val))
			continue;
		if (array && all_zero(val, vsize))
			continue;
		hex(hk, key, info.key_size);
		hex(hv, val, vsize);
		open_json_object(NULL);
		print_string(PRINT_ANY, "key", "key %s", hk);
		print_string(PRINT_ANY, "value", " value %s\n", hv);
		close_json_object();
	}
	close_json_array();
	ret = EXIT_OK;
out_free:
	free(key);
	free(next);
	free(val);
	free(hk);
	free(hv);
out_close:
	lbmap_close(&m);
	return ret;
}

static const struct lb_cmd map_cmds[] = {
	{ "show",	map_show },
	{ "list",	map_show },
	{ "dump",	map_dump },
	{ "help",	map_help },
	{ NULL }
};

int do_map(int argc, char **argv)
{
	return cmd_select(map_cmds, argc, argv, map_help);
}
