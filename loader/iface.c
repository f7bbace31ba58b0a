/* Facts about interfaces the data plane needs (lb_iface_facts()): which
 * devices are veth/netkit pairs, and whose peer is in another namespace.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lb_loader.h"

#define NL_BUF	32768

/* Looks at the RTM_NEWLINK answer @h: kind and peer namespace. */
static void link_facts(struct nlmsghdr *h, bool *peer_kind, bool *netnsid)
{
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = IFLA_PAYLOAD(h);
	struct rtattr *a, *b;
	int blen;

	for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_LINK_NETNSID) {
			*netnsid = true;
			continue;
		}
		if (a->rta_type != IFLA_LINKINFO)
			continue;
		blen = RTA_PAYLOAD(a);
		for (b = RTA_DATA(a); RTA_OK(b, blen); b = RTA_NEXT(b, blen)) {
			const char *kind = RTA_DATA(b);

			if (b->rta_type != IFLA_INFO_KIND)
				continue;
			*peer_kind = !strncmp(kind, "veth", RTA_PAYLOAD(b)) ||
				     !strncmp(kind, "netkit", RTA_PAYLOAD(b));
		}
	}
}

int lb_iface_facts(const char *ifname, struct lb_iface_facts *f)
{
	struct {
		struct nlmsghdr n;
		struct ifinfomsg i;
	} req = {
		.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.n.nlmsg_type = RTM_GETLINK,
		.n.nlmsg_flags = NLM_F_REQUEST,
		.i.ifi_family = AF_UNSPEC,
	};
	bool peer_kind = false, netnsid = false;
	struct nlmsghdr *h;
	char *buf = NULL;
	int fd, err;
	ssize_t r;

	memset(f, 0, sizeof(*f));
	req.i.ifi_index = if_nametoindex(ifname);
	if (!req.i.ifi_index)
		return -ENODEV;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	buf = malloc(NL_BUF);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	if (send(fd, &req, req.n.nlmsg_len, 0) < 0) {
		err = -errno;
		goto out;
	}
	r = recv(fd, buf, NL_BUF, 0);
	if (r < 0) {
		err = -errno;
		goto out;
	}
	h = (struct nlmsghdr *)buf;
	if (!NLMSG_OK(h, (size_t)r)) {
		err = -EIO;
		goto out;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		goto out;
	}
	if (h->nlmsg_type != RTM_NEWLINK) {
		err = -EIO;
		goto out;
	}
	link_facts(h, &peer_kind, &netnsid);
	f->pair = peer_kind;
	f->peer_elsewhere = peer_kind && netnsid;
	err = 0;
out:
	free(buf);
	close(fd);
	return err;
}
