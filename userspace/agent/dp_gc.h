/* sluiced's flow table GC: a thread that runs flow_gc_pass()
 * (userspace/lib/flow_gc.h) on the data plane's maps every
 * dataplane.flowGcInterval. A thread, not a timer of the agent's event
 * loop: a pass over a million flows is a few hundred milliseconds of
 * syscalls, and the loop also carries the userspace proxy and the
 * control socket.
 */
#ifndef LB_AGENT_DP_GC_H
#define LB_AGENT_DP_GC_H

#include <stdint.h>

struct dp_gc;
struct json_writer;
struct lbmap;

/* Starts the GC of @m (borrowed until dp_gc_stop()) with a pass every
 * @interval_ns (0: none until dp_gc_set_interval()). Returns NULL with
 * errno set on failure.
 */
struct dp_gc *dp_gc_start(const struct lbmap *m, int64_t interval_ns);

/* A new interval (a reload), counted from now; 0 pauses the GC. */
void dp_gc_set_interval(struct dp_gc *g, int64_t interval_ns);

/* Stops the thread (a pass under way finishes first) and frees @g;
 * NULL is a no-op.
 */
void dp_gc_stop(struct dp_gc *g);

/* @g's interval and counters as a JSON object: interval, passes, the
 * last pass's flows scanned and its duration, flows and reply entries
 * deleted in all, the last error.
 */
void dp_gc_status(struct dp_gc *g, struct json_writer *w);

#endif /* LB_AGENT_DP_GC_H */
