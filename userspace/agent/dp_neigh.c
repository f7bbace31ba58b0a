/* Managed neighbour entries for the backends' next hops (see dp_neigh.h). */
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "dp_neigh.h"
#include "strmap.h"

struct nl_req {
	struct nlmsghdr n;
	union {
		struct rtmsg r;
		struct ndmsg nd;
	};
	char attrs[64];
};

static void nl_attr(struct nl_req *req, unsigned short type, const void *data,
		    size_t len)
{
	struct rtattr *rta = (void *)((char *)req + NLMSG_ALIGN(req->n.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	req->n.nlmsg_len = NLMSG_ALIGN(req->n.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Sends @req and reads one answer into @buf. Returns its length or -errno
 * (an NLMSG_ERROR answer becomes its error, 0 for an ack).
 */
static int nl_talk(int fd, struct nl_req *req, char *buf, size_t len)
{
	struct nlmsghdr *h;
	ssize_t r;

	if (send(fd, req, req->n.nlmsg_len, 0) < 0)
		return -errno;
	r = recv(fd, buf, len, 0);
	if (r < 0)
		return -errno;
	h = (struct nlmsghdr *)buf;
	if (!NLMSG_OK(h, (size_t)r))
		return -EIO;
	if (h->nlmsg_type == NLMSG_ERROR)
		return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	return r;
}

/* The egress ifindex and next hop (@nh, 4 or 16 bytes) towards @be. */
static int route_get(int fd, const struct l4plan_backend *be, int *ifindex,
		     __be32 *nh)
{
	int family = be->family == LB_AF_INET6 ? AF_INET6 : AF_INET;
	size_t alen = family == AF_INET6 ? 16 : 4;
	struct nl_req req = {};
	char buf[4096];
	struct rtattr *rta;
	struct rtmsg *rt;
	int len, attrlen;

	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.n.nlmsg_type = RTM_GETROUTE;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.r.rtm_family = family;
	req.r.rtm_dst_len = alen * 8;
	nl_attr(&req, RTA_DST, be->addr, alen);
	len = nl_talk(fd, &req, buf, sizeof(buf));
	if (len < 0)
		return len;
	rt = NLMSG_DATA((struct nlmsghdr *)buf);
	*ifindex = 0;
	memcpy(nh, be->addr, 16);	/* on-link unless a gateway says otherwise */
	attrlen = RTM_PAYLOAD((struct nlmsghdr *)buf);
	for (rta = RTM_RTA(rt); RTA_OK(rta, attrlen); rta = RTA_NEXT(rta, attrlen)) {
		if (rta->rta_type == RTA_OIF)
			memcpy(ifindex, RTA_DATA(rta), sizeof(*ifindex));
		else if (rta->rta_type == RTA_GATEWAY)
			memcpy(nh, RTA_DATA(rta), alen);
	}
	return *ifindex ? 0 : -ENETUNREACH;
}

static int neigh_managed(int fd, int family, int ifindex, const __be32 *nh)
{
	__u32 ext = NTF_EXT_MANAGED;
	struct nl_req req = {};
	char buf[512];
	int r;

	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	req.n.nlmsg_type = RTM_NEWNEIGH;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
			    NLM_F_REPLACE;
	req.nd.ndm_family = family;
	req.nd.ndm_ifindex = ifindex;
	req.nd.ndm_state = NUD_NONE;	/* the kernel resolves it */
	nl_attr(&req, NDA_DST, nh, family == AF_INET6 ? 16 : 4);
	nl_attr(&req, NDA_FLAGS_EXT, &ext, sizeof(ext));
	r = nl_talk(fd, &req, buf, sizeof(buf));
	return r < 0 ? r : 0;
}

int dp_neigh_manage(const struct l4plan *p)
{
	struct timeval tv = { .tv_sec = 1 };
	char (*hex)[33] = NULL;
	struct strmap seen;
	size_t i, j, n = 0;
	int fd, failed = 0;

	for (i = 0; i < p->n_vips; i++)
		n += p->vips[i].n_be;
	/* backend addresses already done (the same server behind many
	 * VIPs): a hash set, not a scan of every earlier backend
	 */
	if (strmap_init(&seen, n))
		return -ENOMEM;
	hex = malloc((n ? n : 1) * sizeof(*hex));
	if (!hex) {
		strmap_free(&seen);
		return -ENOMEM;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		failed = -errno;
		goto out_free;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = 0;
	for (i = 0; i < p->n_vips; i++) {
		for (j = 0; j < p->vips[i].n_be; j++) {
			const struct l4plan_backend *be = &p->vips[i].be[j];
			__be32 nh[4] = {};
			int ifindex;

			strmap_hexkey(be->addr, 16, hex[n]);
			if (strmap_add(&seen, hex[n], n, NULL) != 1)
				continue;	/* done, or out of memory */
			n++;
			if (route_get(fd, be, &ifindex, nh) ||
			    neigh_managed(fd, be->family == LB_AF_INET6 ?
					  AF_INET6 : AF_INET, ifindex, nh))
				failed++;
		}
	}
	close(fd);
out_free:
	free(hex);
	strmap_free(&seen);
	return failed;
}
