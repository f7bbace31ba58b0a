/* Sticky sessions on a level of the service graph: reading the level's
 * cookie from the request and queueing its Set-Cookie for the response
 * (the codecs and formatting are sticky.c's). See svc.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "sticky.h"
#include "svc.h"

bool svc_cookie_get(const struct rule_req *req, const char *name,
		    const char **val, size_t *vlen)
{
	const char *h;

	if (!req || !req->header)
		return false;
	h = req->header(req->ctx, "cookie");
	return h && sticky_cookie_find(h, name, val, vlen);
}

int svc_cookie_add(struct svc_pick *out, const struct cfg_sticky_cookie *c,
		   const char *value)
{
	char line[1024];
	size_t old = out->set_cookie ? strlen(out->set_cookie) : 0;
	char *n;
	int len;

	len = sticky_set_cookie(c, value, line, sizeof(line));
	if (len < 0)
		return -EINVAL;
	n = realloc(out->set_cookie, old + len + sizeof("Set-Cookie: \r\n"));
	if (!n)
		return -ENOMEM;
	memcpy(n + old, "Set-Cookie: ", 12);
	memcpy(n + old + 12, line, len);
	memcpy(n + old + 12 + len, "\r\n", 3);
	out->set_cookie = n;
	return 0;
}
