/* The data plane's loader (see lb_loader.h). */
#include <dirent.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lb.skel.h"
#include "lb_loader.h"
#include "pin.h"

struct lb_loader {
	struct lb *skel;
	char dir[PATH_MAX];
	bool reused;
};

static struct bpf_map *skel_map(struct lb *skel, enum lbmap_id id)
{
	switch (id) {
	case LBMAP_CFG: return skel->maps.lb_cfg;
	case LBMAP_VIPS: return skel->maps.lb_vips;
	case LBMAP_RING: return skel->maps.lb_rings;
	case LBMAP_BACKENDS: return skel->maps.lb_backends;
	case LBMAP_FLOWS: return skel->maps.lb_flows;
	case LBMAP_RFLOWS: return skel->maps.lb_rflows;
	case LBMAP_IFACES: return skel->maps.lb_ifaces;
	case LBMAP_STATS: return skel->maps.lb_stats;
	case LBMAP_VIP_STATS: return skel->maps.lb_vip_stats;
	case LBMAP_BE_STATS: return skel->maps.lb_be_stats;
	case LBMAP_ADDRS: return skel->maps.lb_addrs;
	case LBMAP_ADDR_IDX: return skel->maps.lb_addr_idx;
	case LBMAP_FIB_CACHE: return skel->maps.lb_fib_cache;
	case LBMAP_PORTS: return skel->maps.lb_ports;
	case LBMAP_STEER: return skel->maps.lb_steer;
	case LBMAP_RVIPS: return skel->maps.lb_rvips;
	default: return NULL;
	}
}

const char *lb_xdp_mode_name(enum lb_xdp_mode mode)
{
	switch (mode) {
	case LB_XDP_NATIVE: return "native";
	case LB_XDP_SKB: return "skb";
	default: return "auto";
	}
}

struct lb_loader *lb_loader__open(const struct lb_loader_opts *opts)
{
	const char *root = opts && opts->pin_root ? opts->pin_root : LB_PIN_ROOT;
	char path[PATH_MAX + 32];
	struct lb_loader *ld;
	int i, err;

	ld = calloc(1, sizeof(*ld));
	if (!ld)
		return NULL;
	lbmap_pin_dir(root, ld->dir, sizeof(ld->dir));
	err = pin_dir_create(ld->dir);
	if (err)
		goto out_free;
	ld->skel = lb__open();
	if (!ld->skel) {
		err = -errno;
		goto out_free;
	}
	for (i = 0; i < LBMAP_NR; i++) {
		struct bpf_map *m = skel_map(ld->skel, i);

		if (opts && opts->flow_entries &&
		    (i == LBMAP_FLOWS || i == LBMAP_RFLOWS))
			bpf_map__set_max_entries(m, opts->flow_entries);
		snprintf(path, sizeof(path), "%s/%s", ld->dir, lbmap_name(i));
		if (i == LBMAP_CFG && !access(path, F_OK))
			ld->reused = true;
		err = bpf_map__set_pin_path(m, path);
		if (err)
			goto out_destroy;
	}
	return ld;

out_destroy:
	lb__destroy(ld->skel);
out_free:
	free(ld);
	errno = -err;
	return NULL;
}

int lb_loader__load(struct lb_loader *ld)
{
	struct lb_cfg cfg;
	__u32 zero = 0;
	int fd, err;

	err = lb__load(ld->skel);
	if (err)
		return err;
	fd = bpf_map__fd(ld->skel->maps.lb_cfg);
	if (bpf_map_lookup_elem(fd, &zero, &cfg))
		return -errno;
	if (ld->reused && cfg.abi_version != LB_ABI_VERSION)
		return -EPROTO;
	if (!ld->reused) {
		cfg.abi_version = LB_ABI_VERSION;
		if (bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY))
			return -errno;
	}
	return 0;
}

bool lb_loader__reused(const struct lb_loader *ld)
{
	return ld->reused;
}

void lb_loader__map_fds(const struct lb_loader *ld, int *fds)
{
	int i;

	for (i = 0; i < LBMAP_NR; i++)
		fds[i] = bpf_map__fd(skel_map(ld->skel, i));
}

const char *lb_loader__pin_dir(const struct lb_loader *ld)
{
	return ld->dir;
}

/* The kernel's view of the XDP mode on @ifindex. */
static enum lb_xdp_mode query_mode(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return LB_XDP_AUTO;
	if (q.attach_mode == XDP_ATTACHED_SKB)
		return LB_XDP_SKB;
	if (q.attach_mode == XDP_ATTACHED_DRV)
		return LB_XDP_NATIVE;
	return LB_XDP_AUTO;
}

#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46	/* Linux 6.6 UAPI; older headers lack it */
#endif
#define LB_LINK_TYPE_TCX 11	/* BPF_LINK_TYPE_TCX, Linux 6.6 UAPI */

/* Swaps @prog_fd into the link of @type pinned at @path if it still
 * serves @ifindex (XDP and tcx links keep it in the same place: libbpf
 * 1.1's bpf_link_info has no tcx member, the kernel writes the ifindex
 * where xdp's is). Returns 0, -ENOENT (no usable link) or -errno.
 */
static int link_reuse(const char *path, __u32 type, int ifindex, int prog_fd)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd, err = 0;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return -ENOENT;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    info.type != type || (int)info.xdp.ifindex != ifindex) {
		/* defunct (interface gone or recreated): drop the pin */
		unlink(path);
		err = -ENOENT;
		goto out_close;
	}
	if (bpf_link_update(fd, prog_fd, NULL))
		err = -errno;
out_close:
	close(fd);
	return err;
}

static int link_create(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = flags);
	int fd;

	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &lo);
	return fd < 0 ? -errno : fd;
}

int lb_loader__attach(struct lb_loader *ld, const char *ifname,
		      enum lb_xdp_mode mode, enum lb_xdp_mode *used)
{
	int prog_fd = bpf_program__fd(ld->skel->progs.lb_xdp);
	int ifindex = if_nametoindex(ifname), fd, err;
	char path[PATH_MAX + 32];

	if (!ifindex)
		return -ENODEV;
	snprintf(path, sizeof(path), "%s/%s%s", ld->dir, LB_PIN_LINK_PREFIX,
		 ifname);
	err = link_reuse(path, BPF_LINK_TYPE_XDP, ifindex, prog_fd);
	if (err != -ENOENT)
		goto out_mode;
	if (mode == LB_XDP_SKB)
		fd = link_create(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
	else
		fd = link_create(prog_fd, ifindex, XDP_FLAGS_DRV_MODE);
	if (fd < 0 && mode == LB_XDP_AUTO && fd != -EBUSY && fd != -EEXIST)
		fd = link_create(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
	if (fd < 0)
		return fd;
	err = bpf_obj_pin(fd, path) ? -errno : 0;
	if (err)
		bpf_link_detach(fd);
	close(fd);
out_mode:
	if (!err && used)
		*used = query_mode(ifindex);
	return err;
}

/* The inode of the caller's network namespace (what netns links report). */
static int netns_ino(__u64 *ino)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

/* Reads the link pinned at @path into @info. Returns its fd, or -errno. */
static int link_get(const char *path, struct bpf_link_info *info)
{
	__u32 len = sizeof(*info);
	int fd;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int lb_loader__attach_steer(struct lb_loader *ld)
{
	int prog_fd = bpf_program__fd(ld->skel->progs.lb_steer_sk);
	char path[PATH_MAX + 32];
	struct bpf_link_info info;
	int fd, nsfd, err;
	__u64 ino = 0;

	err = netns_ino(&ino);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", ld->dir, LB_PIN_STEER_LINK);
	fd = link_get(path, &info);
	if (fd >= 0) {
		if (info.type == BPF_LINK_TYPE_NETNS &&
		    info.netns.netns_ino == ino &&
		    info.netns.attach_type == BPF_SK_LOOKUP) {
			err = bpf_link_update(fd, prog_fd, NULL) ? -errno : 0;
			close(fd);
			return err;
		}
		/* defunct (its namespace is gone) or foreign: replace it */
		close(fd);
		unlink(path);
	}
	nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -errno;
	fd = bpf_link_create(prog_fd, nsfd, BPF_SK_LOOKUP, NULL);
	err = fd < 0 ? -errno : 0;
	close(nsfd);
	if (err)
		return err;
	err = bpf_obj_pin(fd, path) ? -errno : 0;
	if (err)
		bpf_link_detach(fd);
	close(fd);
	return err;
}

int lb_pins_steer(const char *pin_root, struct lb_steer_info *out)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct bpf_link_info info;
	__u64 ino = 0;
	int fd;

	lbmap_pin_dir(pin_root, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, LB_PIN_STEER_LINK);
	fd = link_get(path, &info);
	if (fd < 0)
		return fd;
	close(fd);
	netns_ino(&ino);
	out->link_id = info.id;
	out->prog_id = info.prog_id;
	out->this_netns = info.type == BPF_LINK_TYPE_NETNS &&
			  info.netns.netns_ino == ino;
	return 0;
}

/* Detaches (forcibly: other holders, a running sluiced, see it die) and
 * unpins the link at @path. Returns 0, -ENOENT or -errno.
 */
static int link_remove(const char *path)
{
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return -errno;
	bpf_link_detach(fd);
	close(fd);
	return unlink(path) ? -errno : 0;
}

/* Detaches (forcibly) and unpins the sk_lookup link, if any. */
static int steer_link_remove(const char *dir)
{
	char path[PATH_MAX + 32];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, LB_PIN_STEER_LINK);
	err = link_remove(path);
	return err == -ENOENT ? 0 : err;
}

int lb_loader__attach_tc(struct lb_loader *ld, const char *ifname,
			 bool balance)
{
	struct bpf_program *prog = balance ? ld->skel->progs.lb_tc_lb :
				   ld->skel->progs.lb_tc;
	int prog_fd = bpf_program__fd(prog);
	int ifindex = if_nametoindex(ifname), fd, err;
	char path[PATH_MAX + 32];

	if (!ifindex)
		return -ENODEV;
	snprintf(path, sizeof(path), "%s/%s%s", ld->dir, LB_PIN_TC_PREFIX,
		 ifname);
	err = link_reuse(path, LB_LINK_TYPE_TCX, ifindex, prog_fd);
	if (err != -ENOENT)
		return err;
	fd = bpf_link_create(prog_fd, ifindex, BPF_TCX_INGRESS, NULL);
	if (fd < 0)
		return -errno;
	err = bpf_obj_pin(fd, path) ? -errno : 0;
	if (err)
		bpf_link_detach(fd);
	close(fd);
	return err;
}

void lb_loader__close(struct lb_loader *ld)
{
	if (!ld)
		return;
	lb__destroy(ld->skel);
	free(ld);
}

/* Reads the link pinned at @path: ids and the interface it serves;
 * ifindex 0 when it is defunct. Returns 0 or -errno (no pin).
 */
static int link_read(const char *path, __u32 *ifindex, __u32 *link_id,
		     __u32 *prog_id)
{
	struct bpf_link_info info;
	int fd = link_get(path, &info);

	if (fd < 0)
		return fd;
	*ifindex = info.xdp.ifindex;
	*link_id = info.id;
	*prog_id = info.prog_id;
	close(fd);
	return 0;
}

/* True when program @id is lb_tc_lb (the balancer at TC). */
static bool prog_is_tc_lb(__u32 id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	bool yes = false;
	int fd;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		yes = !strcmp(info.name, "lb_tc_lb");
	close(fd);
	return yes;
}

/* The entry of @out[0..*n) for @ifname, appended if new (NULL: full). */
static struct lb_link_info *link_slot(struct lb_link_info *out, int *n,
				      int max, const char *ifname)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(out[i].ifname, ifname))
			return &out[i];
	if (*n == max)
		return NULL;
	memset(&out[*n], 0, sizeof(out[*n]));
	snprintf(out[*n].ifname, sizeof(out[*n].ifname), "%s", ifname);
	return &out[(*n)++];
}

int lb_pins_links(const char *pin_root, struct lb_link_info *out, int max)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	size_t xlen = strlen(LB_PIN_LINK_PREFIX);
	size_t tlen = strlen(LB_PIN_TC_PREFIX);
	struct lb_link_info *li;
	struct dirent *de;
	__u32 ifindex;
	int n = 0;
	DIR *d;

	lbmap_pin_dir(pin_root, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		bool xdp = !strncmp(de->d_name, LB_PIN_LINK_PREFIX, xlen);
		bool tc = !strncmp(de->d_name, LB_PIN_TC_PREFIX, tlen);

		if (!xdp && !tc)
			continue;
		li = link_slot(out, &n, max,
			       de->d_name + (xdp ? xlen : tlen));
		if (!li)
			break;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ifindex = 0;
		if (xdp) {
			li->xdp = true;
			if (link_read(path, &ifindex, &li->link_id,
				      &li->prog_id))
				continue;
			li->ifindex = ifindex;
			if (ifindex)
				li->mode = query_mode(ifindex);
		} else {
			li->tc = true;
			if (link_read(path, &ifindex, &li->tc_link_id,
				      &li->tc_prog_id))
				continue;
			li->tc_balance = prog_is_tc_lb(li->tc_prog_id);
			if (!li->xdp)
				li->ifindex = ifindex;
		}
	}
	closedir(d);
	return n;
}


int lb_pins_detach_xdp(const char *pin_root, const char *ifname)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];

	lbmap_pin_dir(pin_root, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s%s", dir, LB_PIN_LINK_PREFIX, ifname);
	return link_remove(path);
}

int lb_pins_detach_iface(const char *pin_root, const char *ifname)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	int tc, xdp;

	lbmap_pin_dir(pin_root, dir, sizeof(dir));
	/* the TC link first: without the XDP side it only passes traffic */
	snprintf(path, sizeof(path), "%s/%s%s", dir, LB_PIN_TC_PREFIX, ifname);
	tc = link_remove(path);
	xdp = lb_pins_detach_xdp(pin_root, ifname);
	if (xdp == -ENOENT)
		return tc;
	return xdp;
}

int lb_pins_remove_all(const char *pin_root)
{
	const char *names[LBMAP_NR + 1];
	struct lb_link_info links[LB_MAX_IFACES];
	char dir[PATH_MAX];
	int i, n, err;

	n = lb_pins_links(pin_root, links, LB_MAX_IFACES);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		err = lb_pins_detach_iface(pin_root, links[i].ifname);
		if (err && err != -ENOENT)
			return err;
	}
	lbmap_pin_dir(pin_root, dir, sizeof(dir));
	err = steer_link_remove(dir);
	if (err)
		return err;
	for (i = 0; i < LBMAP_NR; i++)
		names[i] = lbmap_name(i);
	names[LBMAP_NR] = NULL;
	err = pin_dir_remove(dir, names);
	if (err)
		return err;
	/* the root too, if nothing else lives there */
	if (rmdir(pin_root ? pin_root : LB_PIN_ROOT) && errno != ENOENT &&
	    errno != ENOTEMPTY && errno != EBUSY)
		return -errno;
	return 0;
}

int lb_pins_other_abi_link(const char *pin_root, const char *ifname,
			   char *path, size_t len)
{
	const char *root = pin_root ? pin_root : LB_PIN_ROOT;
	struct dirent *de;
	int found = 0;
	unsigned int v;
	char tail;
	DIR *d;

	d = opendir(root);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!found && (de = readdir(d))) {
		if (sscanf(de->d_name, "v%u%c", &v, &tail) != 1 ||
		    v == LB_ABI_VERSION)
			continue;
		snprintf(path, len, "%s/%s/%s%s", root, de->d_name,
			 LB_PIN_LINK_PREFIX, ifname);
		found = !access(path, F_OK);
	}
	closedir(d);
	return found;
}

int lb_iface_addrs(const char *ifname, struct lb_iface *ifc)
{
	struct ifaddrs *ifa, *it;

	if (getifaddrs(&ifa))
		return -errno;
	for (it = ifa; it; it = it->ifa_next) {
		if (!it->ifa_addr || strcmp(it->ifa_name, ifname))
			continue;
		if (it->ifa_addr->sa_family == AF_INET && !ifc->snat4) {
			ifc->snat4 = ((struct sockaddr_in *)it->ifa_addr)->sin_addr.s_addr;
		} else if (it->ifa_addr->sa_family == AF_INET6 &&
			   !(ifc->snat6[0] | ifc->snat6[1] | ifc->snat6[2] |
			     ifc->snat6[3])) {
			struct in6_addr *a6 =
				&((struct sockaddr_in6 *)it->ifa_addr)->sin6_addr;

			if (!IN6_IS_ADDR_LINKLOCAL(a6))
				memcpy(ifc->snat6, a6, 16);
		}
	}
	freeifaddrs(ifa);
	return 0;
}
