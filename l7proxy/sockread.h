/* Reading a plain socket into its bufferevent's input without libevent's
 * read path. libevent 2.1's evbuffer_read() asks the kernel how much is
 * queued (ioctl FIONREAD) before every read and then reads at most 4 KiB:
 * on a keep-alive request that is one syscall in four, and a 64 KiB body
 * takes sixteen loop iterations. A socket bufferevent here never enables
 * its own EV_READ; a persistent read event on the same descriptor reads
 * with recv() straight into the input (16 KiB, then 64 KiB at a time
 * after a full read, up to a budget per readiness) and then calls the bufferevent's own callbacks, as
 * libevent would: the read callback after data, the event callback with
 * BEV_EVENT_READING | BEV_EVENT_EOF or BEV_EVENT_ERROR (errno set) after
 * which reading is off. Writing, connecting and everything else stay
 * libevent's. TLS bufferevents keep libevent's reading (OpenSSL reads).
 */
#ifndef LB_L7_SOCKREAD_H
#define LB_L7_SOCKREAD_H

#include <stdbool.h>
#include <stddef.h>

struct bufferevent;
struct sockread;

/* The reader of @bev (a socket bufferevent with its descriptor set),
 * reading at most @budget bytes per readiness; off until sockread_set().
 * NULL when out of memory.
 */
struct sockread *sockread_new(struct bufferevent *bev, size_t budget);

/* Turns reading on or off (no syscall when already in that state). */
void sockread_set(struct sockread *rd, bool on);

/* Whether reading is on. */
bool sockread_on(const struct sockread *rd);

/* Frees the reader (before the bufferevent closes the descriptor).
 * NULL-safe.
 */
void sockread_free(struct sockread *rd);

#endif /* LB_L7_SOCKREAD_H */
