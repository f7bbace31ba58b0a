/* sluiced's control protocol over a Unix stream socket.
 *
 * One request per connection: a single line holding a JSON object
 *   {"cmd": "server set", "args": ["web@file", "http://10.0.0.2", "weight", "3"]}
 * and one reply: a JSON object, then the server closes. A reply
 * {"error": "..."} means the command failed; anything else is the result.
 *
 * The agent side (ctl_server_*) dispatches on "cmd" through a table that
 * each subsystem fills with ctl_register(). The client side (ctl_call) is
 * used by the sluice CLI.
 */
#ifndef LB_CTL_H
#define LB_CTL_H

#include <stddef.h>

struct event_base;
struct json_writer;
struct jnode;
struct ctl_server;

#define CTL_DEFAULT_SOCKET "/run/sluice/sluiced.sock"

/* A command handler writes exactly one JSON value (the result) to @w, or
 * returns -1 after writing a message into @err. @args are borrowed.
 */
typedef int (*ctl_handler_fn)(void *ctx, int argc, char **args,
			      struct json_writer *w, char *err, size_t errlen);

/* Listens on @path (its folder is created; a stale socket is replaced).
 * Returns NULL with errno set. Caller owns; free with ctl_server_free().
 */
struct ctl_server *ctl_server_new(struct event_base *base, const char *path);
void ctl_server_free(struct ctl_server *s);

/* Adds @cmd ("status", "server set", ...) to the table. @ctx is borrowed
 * and passed to @fn. Returns 0 or -ENOMEM/-EEXIST.
 */
int ctl_register(struct ctl_server *s, const char *cmd, ctl_handler_fn fn,
		 void *ctx);

/* Client: sends @cmd with @args to the agent at @path and parses the reply.
 * Returns 0 and a tree in *@reply (caller owns; jnode_free()), or -errno
 * (-ENOENT/-ECONNREFUSED: agent not running) with a message in @err.
 */
int ctl_call(const char *path, const char *cmd, int argc, char **args,
	     struct jnode **reply, char *err, size_t errlen);

#endif /* LB_CTL_H */
