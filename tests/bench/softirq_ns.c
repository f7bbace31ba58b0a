/* softirq_ns: network softirq CPU time for the L4 bench.
 *
 *   softirq_ns start DIR   attach (links and the total pinned in DIR)
 *   softirq_ns read DIR    print the ns spent in NET_RX/NET_TX softirqs,
 *                          all CPUs, since start
 *
 * DIR is on bpffs; removing it (rm -r) detaches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "softirq_ns.skel.h"

static int start(const char *dir)
{
	struct softirq_ns *skel;
	char path[512];
	int err = 1;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	skel = softirq_ns__open_and_load();
	if (!skel || softirq_ns__attach(skel)) {
		fprintf(stderr, "softirq_ns: cannot load or attach\n");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/in", dir);
	if (bpf_link__pin(skel->links.softirq_in, path))
		goto out;
	snprintf(path, sizeof(path), "%s/out", dir);
	if (bpf_link__pin(skel->links.softirq_out, path))
		goto out;
	snprintf(path, sizeof(path), "%s/total", dir);
	if (bpf_map__pin(skel->maps.total, path))
		goto out;
	err = 0;
out:
	if (err)
		fprintf(stderr, "softirq_ns: cannot pin in %s\n", dir);
	softirq_ns__destroy(skel);
	return err;
}

static int read_total(const char *dir)
{
	int ncpu = libbpf_num_possible_cpus(), fd, i;
	unsigned long long sum = 0;
	char path[512];
	__u64 *v;
	__u32 zero = 0;

	snprintf(path, sizeof(path), "%s/total", dir);
	fd = bpf_obj_get(path);
	if (fd < 0 || ncpu <= 0) {
		fprintf(stderr, "softirq_ns: %s: %s\n", path, strerror(errno));
		return 1;
	}
	v = calloc(ncpu, sizeof(*v));
	if (!v || bpf_map_lookup_elem(fd, &zero, v)) {
		fprintf(stderr, "softirq_ns: cannot read %s\n", path);
		free(v);
		close(fd);
		return 1;
	}
	for (i = 0; i < ncpu; i++)
		sum += v[i];
	printf("%llu\n", sum);
	free(v);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "start"))
		return start(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "read"))
		return read_total(argv[2]);
	fprintf(stderr, "usage: softirq_ns { start | read } DIR\n");
	return 2;
}
