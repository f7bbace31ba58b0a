/* Flow table garbage collection: deletes the lb_flows entries the data
 * plane already treats as expired (lb_flow_expired() in bpf/lb_lookup.h:
 * idle longer than their state allows) and the reply entries they own.
 * Without it a table fills with closed flows and every new flow evicts
 * one (an LRU insert into a full table costs about twice one into free
 * space: docs/performance.md, cost breakdown), and fullnat's SNAT ports
 * stay taken by their reply entries until the LRU evicts them.
 */
#ifndef LB_FLOW_GC_H
#define LB_FLOW_GC_H

#include <stdint.h>

#include "lbmap.h"

struct flow_gc_stats {
	uint64_t scanned;	/* lb_flows entries read */
	uint64_t expired;	/* of those, expired */
	uint64_t deleted;	/* flow entries deleted (not gone already) */
	uint64_t replies;	/* lb_rflows entries deleted */
};

/* One pass over @m's flow table as of @now_ns (CLOCK_MONOTONIC, the clock
 * of bpf_ktime_get_coarse_ns()). TCP flows age by lb_cfg's timeouts, UDP
 * flows by their VIP's udp timeout (a UDP flow whose VIP is gone is
 * expired). The reply entries of a batch's expired flows go first, then
 * the flows, each in delete batches: per-flow nat replies are keyed by
 * the backend and the client, fullnat replies by the backend and the SNAT
 * address and port (the address of the backend's cached route, else
 * lb_cfg's). Entries the data plane refreshes or takes over during the
 * pass (a flow's next packet; the same client address and port reaching
 * the same backend through another VIP, which shares the reply key) may
 * be deleted with the rest: the data plane makes a flow again on its next
 * packet, as after an eviction, and an established flow puts back a
 * missing reply entry within a second. Reads @batch entries per syscall
 * (0: 4096; grown when a bucket holds more). Adds to *@st. Returns 0 or
 * -errno.
 */
int flow_gc_pass(const struct lbmap *m, uint64_t now_ns, uint32_t batch,
		 struct flow_gc_stats *st);

#endif /* LB_FLOW_GC_H */
