/* Kernel steering in the data plane subsystem (see dp_steer.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dp_steer.h"
#include "log.h"

int dp_steer_attach(struct dataplane *dp)
{
	int err = lb_loader__attach_steer(dp->ld);

	dp->steer = !err;
	if (err)
		pr_warn("dataplane: cannot attach the sk_lookup program (%s): services that need the userspace proxy are not steered by the kernel",
			strerror(-err));
	return err;
}

/* True when @k's address is delivered locally: bind() without
 * IP_FREEBIND accepts exactly the addresses of RTN_LOCAL routes (an
 * interface address, or `ip route add local ADDR/32 dev lo`).
 */
static bool vip_is_local(const struct lb_vip_key *k)
{
	struct sockaddr_storage ss = {};
	socklen_t len;
	int fd, ok;

	if (k->family == LB_AF_INET) {
		struct sockaddr_in *s4 = (void *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, k->addr, 4);
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (void *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, k->addr, 16);
		len = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true;	/* cannot tell: no warning */
	ok = !bind(fd, (struct sockaddr *)&ss, len) || errno != EADDRNOTAVAIL;
	close(fd);
	return ok;
}

void dp_steer_plan(struct dataplane *dp, struct l4plan *p)
{
	size_t i, j = 0;

	for (i = 0; i < p->n_vips; i++) {
		struct l4plan_vip *v = &p->vips[i];
		const struct lb_vip_key *k = &v->key;
		bool wild = !(k->addr[0] | k->addr[1] | k->addr[2] | k->addr[3]);

		if (!(v->flags & LB_VIP_F_LOCAL)) {
			p->vips[j++] = *v;
			continue;
		}
		if (!dp->steer) {
			pr_info("dataplane: %s (router %s): no kernel steering, left to the userspace proxy",
				v->name, v->router);
			free(v->be);
			free(v->router);
			free(v->service);
			continue;
		}
		if (!wild && !(dp->applied && l4plan_find(dp->applied, k)) &&
		    !vip_is_local(k)) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(k->family, k->addr, a, sizeof(a));
			pr_warn("dataplane: %s is steered to the userspace proxy but %s is not a local address: connections will not reach it (add the address, or `ip route add local %s/%s dev lo`)",
				v->name, a, a, k->family == LB_AF_INET ? "32" : "128");
		}
		p->vips[j++] = *v;
	}
	p->n_vips = j;
}
