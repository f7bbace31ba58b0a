/* A request's mirror copies: which services get one, the buffered body,
 * and sending them once the main response is complete (svc_mirror_send.c).
 */
#ifndef LB_L7_SVC_MIRROR_H
#define LB_L7_SVC_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct svc_node;
struct evbuffer;
struct worker;
struct conn;

struct mirror_req {
	int64_t max_body;	/* -1: unlimited */
	bool mirror_body;
	bool too_large;		/* body over max_body: no copies */
	struct evbuffer *body;	/* buffered request body */
	size_t n;
	struct svc_node *to[];
};

void mirror_req_free(struct mirror_req *r);

/* Request body bytes seen by the main request: buffered while within
 * max_body (Traefik reads max_body + 1 bytes to decide).
 */
void mirror_req_body(struct mirror_req *r, const char *data, size_t len);

/* The main response went to the client completely: sends the copies from
 * worker @c->w, fire and forget (responses discarded). Takes @c's mirror.
 */
void mirror_dispatch(struct conn *c);

#endif /* LB_L7_SVC_MIRROR_H */
