/* udpblast: UDP packet-rate load for the L4 benchmark (iperf3's UDP mode
 * tops out near 100 kpps on this class of machine, below what the kernel
 * paths under test forward).
 *
 *   udpblast send ADDR PORT SECONDS [LEN [FLOWS [PPS]]]
 *	sends LEN-byte datagrams (default 64) from FLOWS sockets (default 8,
 *	one source port each) with sendmmsg batches of 32, as fast as it can
 *	or paced to PPS; prints "sent N seconds S".
 *   udpblast recv PORT SECONDS
 *	counts datagrams on PORT for SECONDS (recvmmsg); prints "recv N".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH		32
#define MAX_FLOWS	64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int do_send(const char *addr, int port, double secs, int len,
		   int flows, double pps)
{
	static char buf[BATCH][2048];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int fd[MAX_FLOWS], i, n;
	unsigned long long sent = 0;
	double t0, t;

	if (inet_pton(AF_INET, addr, &dst.sin_addr) != 1 || len < 1 ||
	    len > 1472 || flows < 1 || flows > MAX_FLOWS) {
		fprintf(stderr, "udpblast: bad arguments\n");
		return 2;
	}
	dst.sin_port = htons(port);
	for (i = 0; i < flows; i++) {
		fd[i] = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd[i] < 0 || connect(fd[i], (void *)&dst, sizeof(dst))) {
			perror("udpblast: socket");
			return 1;
		}
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		memset(buf[i], 'u', len);
		iov[i].iov_base = buf[i];
		iov[i].iov_len = len;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now_s();
	for (i = 0;; i = (i + 1) % flows) {
		t = now_s() - t0;
		if (t >= secs)
			break;
		if (pps > 0 && sent >= pps * t) {
			usleep(200);
			continue;
		}
		n = sendmmsg(fd[i], msgs, BATCH, 0);
		if (n > 0)
			sent += n;
		else if (errno != ENOBUFS && errno != EAGAIN &&
			 errno != ECONNREFUSED) {
			perror("udpblast: sendmmsg");
			return 1;
		}
	}
	printf("sent %llu seconds %.3f\n", sent, now_s() - t0);
	return 0;
}

static int do_recv(int port, double secs)
{
	static char buf[BATCH][2048];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { .tv_usec = 100000 };
	unsigned long long got = 0;
	int fd, i, n, sz = 4 << 20;
	double t0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = htons(port);
	if (fd < 0 || bind(fd, (void *)&a, sizeof(a))) {
		perror("udpblast: bind");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	printf("ready\n");
	fflush(stdout);
	t0 = now_s();
	while (now_s() - t0 < secs) {
		n = recvmmsg(fd, msgs, BATCH, 0, NULL);
		if (n > 0)
			got += n;
	}
	printf("recv %llu\n", got);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), atof(argv[4]),
			       argc > 5 ? atoi(argv[5]) : 64,
			       argc > 6 ? atoi(argv[6]) : 8,
			       argc > 7 ? atof(argv[7]) : 0);
	if (argc == 4 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]), atof(argv[3]));
	fprintf(stderr, "usage: udpblast send ADDR PORT SECONDS [LEN [FLOWS [PPS]]]\n"
			"       udpblast recv PORT SECONDS\n");
	return 2;
}
