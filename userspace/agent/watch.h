/* Watching configuration files for changes (providers.file.watch), with
 * inotify on their folders and a short debounce, so an editor's
 * write-rename sequence triggers one reload.
 */
#ifndef LB_AGENT_WATCH_H
#define LB_AGENT_WATCH_H

#include "config_types.h"

struct event_base;
struct cfg_watch;

/* Calls @cb(@arg) once after files of @cfg (or files appearing in its
 * providers.file.directory) change. Returns NULL with errno set. Caller
 * owns; free with cfg_watch_free().
 */
struct cfg_watch *cfg_watch_new(struct event_base *base,
				const struct config *cfg,
				void (*cb)(void *arg), void *arg);
void cfg_watch_free(struct cfg_watch *w);

#endif /* LB_AGENT_WATCH_H */
