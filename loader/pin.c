/* bpffs handling for the data plane's pins (see pin.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "pin.h"

#define BPFFS_ROOT "/sys/fs/bpf"

bool pin_is_bpffs(const char *dir)
{
	struct statfs st;

	return !statfs(dir, &st) && st.f_type == BPF_FS_MAGIC;
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int pin_dir_create(const char *dir)
{
	size_t n = strlen(BPFFS_ROOT);
	int err;

	if (!strncmp(dir, BPFFS_ROOT, n) && (dir[n] == '/' || !dir[n])) {
		if (!pin_is_bpffs(BPFFS_ROOT) &&
		    mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700"))
			return -errno;
		return mkdir_p(dir);
	}
	err = mkdir_p(dir);
	if (err)
		return err;
	if (!pin_is_bpffs(dir) && mount("bpf", dir, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

/* True when @dir is a mount point (its device differs from its parent's). */
static bool is_mount_point(const char *dir)
{
	char parent[PATH_MAX];
	struct stat a, b;

	snprintf(parent, sizeof(parent), "%s/..", dir);
	return !stat(dir, &a) && !stat(parent, &b) && a.st_dev != b.st_dev;
}

int pin_dir_remove(const char *dir, const char *const *names)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; names && names[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (unlink(path) && errno != ENOENT)
			return -errno;
	}
	/* a private bpffs that pin_dir_create() mounted outside BPFFS_ROOT */
	if (strcmp(dir, BPFFS_ROOT) && pin_is_bpffs(dir) && is_mount_point(dir) &&
	    umount2(dir, MNT_DETACH))
		return -errno;
	if (rmdir(dir) && errno != ENOENT && errno != ENOTEMPTY)
		return -errno;
	return 0;
}
