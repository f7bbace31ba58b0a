/* bpffs handling for the data plane's pins: make sure a bpffs is mounted
 * where the pins go, create and remove the versioned pin folder.
 * Returns 0 or -errno.
 */
#ifndef LB_LOADER_PIN_H
#define LB_LOADER_PIN_H

#include <stdbool.h>
#include <stddef.h>

/* Mounts bpffs on /sys/fs/bpf (when @dir is below it) or on @dir itself
 * unless a bpffs is already there, then creates @dir (mkdir -p).
 */
int pin_dir_create(const char *dir);

/* True when @dir is on a bpffs. */
bool pin_is_bpffs(const char *dir);

/* Removes the files named in @names (NULL-ended) from @dir, then @dir if
 * it became empty. Missing files are not an error.
 */
int pin_dir_remove(const char *dir, const char *const *names);

#endif /* LB_LOADER_PIN_H */
