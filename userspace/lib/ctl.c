/* The control socket of sluiced: one JSON request line in, one JSON reply
 * out, then close. See ctl.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "ctl.h"
#include "json_writer.h"
#include "jtree.h"

#define CTL_MAX_REQUEST (64 * 1024)
#define CTL_MAX_REPLY (64 * 1024 * 1024)
#define CTL_MAX_ARGS 32
#define CTL_TIMEOUT_SEC 5

struct ctl_cmd {
	char *name;
	ctl_handler_fn fn;
	void *ctx;
};

struct ctl_server {
	struct evconnlistener *lev;
	char *path;
	struct ctl_cmd *cmds;
	size_t n_cmds;
};

int ctl_register(struct ctl_server *s, const char *cmd, ctl_handler_fn fn,
		 void *ctx)
{
	struct ctl_cmd *nc;
	size_t i;

	for (i = 0; i < s->n_cmds; i++)
		if (!strcmp(s->cmds[i].name, cmd))
			return -EEXIST;
	nc = realloc(s->cmds, (s->n_cmds + 1) * sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	s->cmds = nc;
	nc[s->n_cmds].name = strdup(cmd);
	if (!nc[s->n_cmds].name)
		return -ENOMEM;
	nc[s->n_cmds].fn = fn;
	nc[s->n_cmds].ctx = ctx;
	s->n_cmds++;
	return 0;
}

/* Runs one request and returns the reply text. Caller owns the result. */
static char *dispatch(struct ctl_server *s, const char *line, size_t len)
{
	struct json_writer *w = jsonw_new_buf(), *ew;
	char *args[CTL_MAX_ARGS], err[512] = "";
	const struct jnode *cmd, *jargs;
	struct jnode *req;
	char *reply = NULL;
	int argc = 0;
	size_t i;

	if (!w)
		return NULL;
	req = jnode_parse(line, len);
	cmd = jnode_get(req, "cmd");
	jargs = jnode_get(req, "args");
	if (!cmd || cmd->type != JNODE_SCALAR) {
		snprintf(err, sizeof(err), "bad request: expected {\"cmd\": ..., \"args\": [...]}");
		goto out_err;
	}
	if (jargs && jargs->type == JNODE_ARRAY) {
		for (i = 0; i < jargs->n_kids && argc < CTL_MAX_ARGS; i++)
			if (jargs->kids[i]->type == JNODE_SCALAR)
				args[argc++] = jargs->kids[i]->text;
	}
	for (i = 0; i < s->n_cmds; i++) {
		if (strcmp(s->cmds[i].name, cmd->text))
			continue;
		if (s->cmds[i].fn(s->cmds[i].ctx, argc, args, w, err,
				  sizeof(err)) == 0)
			goto out;
		goto out_err;
	}
	snprintf(err, sizeof(err), "unknown command \"%s\"", cmd->text);
out_err:
	ew = jsonw_new_buf();
	if (ew) {
		jsonw_start_object(ew);
		jsonw_string_field(ew, "error", err[0] ? err : "command failed");
		jsonw_end_object(ew);
	}
	jsonw_destroy(w);
	w = ew;
out:
	if (w)
		reply = strdup(jsonw_buf(w));
	jsonw_destroy(w);
	jnode_free(req);
	return reply;
}

static void conn_write_done(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_free(bev);
}

static void conn_read(struct bufferevent *bev, void *arg)
{
	struct ctl_server *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line, *reply;

	line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
	if (!line) {
		if (evbuffer_get_length(in) > CTL_MAX_REQUEST)
			bufferevent_free(bev);
		return;
	}
	reply = dispatch(s, line, len);
	free(line);
	bufferevent_disable(bev, EV_READ);
	if (!reply) {
		bufferevent_free(bev);
		return;
	}
	bufferevent_setcb(bev, NULL, conn_write_done, NULL, s);
	bufferevent_write(bev, reply, strlen(reply));
	bufferevent_write(bev, "\n", 1);
	free(reply);
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	bufferevent_free(bev);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
		      struct sockaddr *sa, int socklen, void *arg)
{
	struct event_base *base = evconnlistener_get_base(l);
	struct timeval tv = { CTL_TIMEOUT_SEC, 0 };
	struct bufferevent *bev;

	bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, conn_read, NULL, conn_event, arg);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ);
}

static int mkdir_parent(const char *path)
{
	char *dir = strdup(path), *slash;
	int err = 0;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			err = -errno;
	}
	free(dir);
	return err;
}

struct ctl_server *ctl_server_new(struct event_base *base, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server *s;
	int err;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->path = strdup(path);
	err = mkdir_parent(path);
	if (err || !s->path)
		goto out_free;
	strcpy(sun.sun_path, path);
	unlink(path);	/* a stale socket from a previous run */
	s->lev = evconnlistener_new_bind(base, on_accept, s,
					 LEV_OPT_CLOSE_ON_FREE |
					 LEV_OPT_CLOSE_ON_EXEC, 16,
					 (struct sockaddr *)&sun, sizeof(sun));
	if (!s->lev) {
		err = -errno;
		goto out_free;
	}
	chmod(path, 0660);
	return s;
out_free:
	free(s->path);
	free(s);
	errno = err ? -err : EINVAL;
	return NULL;
}

void ctl_server_free(struct ctl_server *s)
{
	size_t i;

	if (!s)
		return;
	if (s->lev) {
		evconnlistener_free(s->lev);
		unlink(s->path);
	}
	for (i = 0; i < s->n_cmds; i++)
		free(s->cmds[i].name);
	free(s->cmds);
	free(s->path);
	free(s);
}

/* ---- client ------------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, char **out, size_t *len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;
		int pr = poll(&pfd, 1, CTL_TIMEOUT_SEC * 1000);

		if (pr == 0) {
			free(buf);
			return -ETIMEDOUT;
		}
		if (n + 1 >= cap) {
			char *nb;

			if (cap >= CTL_MAX_REPLY) {
				free(buf);
				return -EMSGSIZE;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = -errno;

			free(buf);
			return err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int ctl_call(const char *path, const char *cmd, int argc, char **args,
	     struct jnode **reply, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct json_writer *w;
	char *buf = NULL;
	size_t len = 0;
	int fd, ret, i;

	*reply = NULL;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return ret;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		snprintf(err, errlen, "sluiced is not running (cannot connect to %s: %s)",
			 path, strerror(errno));
		goto out_close;
	}
	w = jsonw_new_buf();
	if (!w) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out_close;
	}
	jsonw_start_object(w);
	jsonw_string_field(w, "cmd", cmd);
	jsonw_name(w, "args");
	jsonw_start_array(w);
	for (i = 0; i < argc; i++)
		jsonw_string(w, args[i]);
	jsonw_end_array(w);
	jsonw_end_object(w);
	ret = write_all(fd, jsonw_buf(w), strlen(jsonw_buf(w)));
	if (!ret)
		ret = write_all(fd, "\n", 1);
	jsonw_destroy(w);
	if (ret) {
		snprintf(err, errlen, "cannot send to sluiced: %s", strerror(-ret));
		goto out_close;
	}
	ret = read_all(fd, &buf, &len);
	if (ret) {
		snprintf(err, errlen, "no reply from sluiced: %s", strerror(-ret));
		goto out_close;
	}
	*reply = jnode_parse(buf, len);
	if (!*reply) {
		ret = -EPROTO;
		snprintf(err, errlen, "unreadable reply from sluiced");
	}
	free(buf);
out_close:
	close(fd);
	return ret;
}
