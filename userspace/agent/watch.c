/* inotify-based configuration watch; see watch.h. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <event2/event.h>

#include "watch.h"

#define WATCH_DEBOUNCE_MS 200

struct cfg_watch {
	int fd;
	struct event *ev;
	struct event *timer;
	void (*cb)(void *arg);
	void *arg;
};

static void fire(evutil_socket_t fd, short what, void *arg)
{
	struct cfg_watch *w = arg;

	w->cb(w->arg);
}

static void on_inotify(evutil_socket_t fd, short what, void *arg)
{
	struct cfg_watch *w = arg;
	struct timeval tv = { 0, WATCH_DEBOUNCE_MS * 1000 };
	char buf[4096];

	while (read(w->fd, buf, sizeof(buf)) > 0)
		;
	evtimer_add(w->timer, &tv);	/* re-arming pushes the deadline out */
}

static int watch_dir_of(int fd, const char *path, bool is_dir)
{
	char *copy = strdup(path);
	const char *dir;
	int wd;

	if (!copy)
		return -ENOMEM;
	dir = is_dir ? copy : dirname(copy);
	wd = inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO |
			       IN_CREATE | IN_DELETE | IN_MOVED_FROM);
	free(copy);
	return wd < 0 ? -errno : 0;
}

struct cfg_watch *cfg_watch_new(struct event_base *base,
				const struct config *cfg,
				void (*cb)(void *arg), void *arg)
{
	struct cfg_watch *w = calloc(1, sizeof(*w));
	size_t i;
	int err = 0;

	if (!w)
		return NULL;
	w->cb = cb;
	w->arg = arg;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		err = -errno;
		goto out_free;
	}
	for (i = 0; i < cfg->files.n && !err; i++)
		err = watch_dir_of(w->fd, cfg->files.v[i], false);
	if (!err && cfg->providers_file.directory)
		err = watch_dir_of(w->fd, cfg->providers_file.directory, true);
	if (err)
		goto out_close;
	w->ev = event_new(base, w->fd, EV_READ | EV_PERSIST, on_inotify, w);
	w->timer = evtimer_new(base, fire, w);
	if (!w->ev || !w->timer || event_add(w->ev, NULL) < 0) {
		err = -ENOMEM;
		goto out_events;
	}
	return w;
out_events:
	if (w->ev)
		event_free(w->ev);
	if (w->timer)
		event_free(w->timer);
out_close:
	close(w->fd);
out_free:
	free(w);
	errno = -err;
	return NULL;
}

void cfg_watch_free(struct cfg_watch *w)
{
	if (!w)
		return;
	event_free(w->ev);
	event_free(w->timer);
	close(w->fd);
	free(w);
}
