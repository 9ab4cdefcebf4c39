/*
 * fennec_xdp: AF_XDP receive for Fennec's workers through libxdp's xsk API (the ring
 * helpers are static inline in <xdp/xsk.h>, hence a C shim rather than koffi alone).
 *
 * One socket per (interface, queue), each with its own UMEM: nframes * frame_size bytes
 * allocated here with mmap and reported to JS once (fx_umem) so a frame is an offset into
 * one view. fx_rx() takes up to max descriptors off the RX ring in one call (writing
 * offsets and lengths into caller arrays) and keeps the frame addresses; fx_done() gives
 * them all back to the fill ring with one reserve/submit. No per-packet FFI call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#define FX_MAX_BATCH 1024

struct fx_sock {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_ring_cons rx;
	void *area;
	uint64_t area_len;
	uint32_t frame_size;
	uint32_t nheld;
	uint64_t held[FX_MAX_BATCH];
	uint64_t packets, bytes, fill_short;
	int ifindex;
	uint32_t xdp_flags;
	int nsfd;          /* network namespace the socket was opened in */
	uint64_t nsino;    /* its inode: (nsino, ifindex) names the interface */
};

/* Sockets open per ifindex: the XDP program libxdp attached is detached with the last one.
 * Without bpffs libxdp attaches a single program with no dispatcher and leaves it behind on
 * xsk_socket__delete; the next xsk_socket__create on that interface then failed with EBUSY
 * (seen on veth, kernel 6.18). */
#define FX_MAX_IF 64
static struct { uint64_t ns; int ifindex; int n; } users[FX_MAX_IF];
static int users_add(uint64_t ns, int ifindex, int d)
{
	for (int i = 0; i < FX_MAX_IF; i++)
		if (users[i].n > 0 && users[i].ns == ns && users[i].ifindex == ifindex) {
			users[i].n += d;
			return users[i].n;
		}
	if (d <= 0)
		return 0;
	for (int i = 0; i < FX_MAX_IF; i++)
		if (users[i].n == 0) {
			users[i].ns = ns;
			users[i].ifindex = ifindex;
			users[i].n = d;
			return d;
		}
	return d;
}

/* Detach the XDP program in the namespace the socket was opened in (the closing thread
 * may be elsewhere: an ifindex means nothing outside its namespace). */
static void detach_prog(struct fx_sock *s)
{
	int here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (here < 0 || fstat(here, &st) != 0) {
		if (here >= 0) close(here);
		return;
	}
	int moved = 0;
	if ((uint64_t)st.st_ino != s->nsino) {
		if (setns(s->nsfd, CLONE_NEWNET) != 0) {
			close(here);
			return; /* never detach by ifindex in the wrong namespace */
		}
		moved = 1;
	}
	bpf_xdp_detach(s->ifindex, s->xdp_flags, NULL);
	if (moved)
		setns(here, CLONE_NEWNET);
	close(here);
}

static char last_error[512];
const char *fx_last_error(void) { return last_error; }

static void *fail(const char *what, int err)
{
	snprintf(last_error, sizeof last_error, "%s: %s (errno %d)", what, strerror(err), err);
	return NULL;
}

/* Put every held frame (or all frames at start) on the fill ring. */
static void refill(struct fx_sock *s, const uint64_t *addrs, uint32_t n)
{
	uint32_t idx = 0, done = 0;
	while (done < n) {
		uint32_t got = xsk_ring_prod__reserve(&s->fill, n - done, &idx);
		if (got == 0) { /* fill ring full: cannot happen when sized >= nframes */
			s->fill_short += n - done;
			return;
		}
		for (uint32_t i = 0; i < got; i++)
			*xsk_ring_prod__fill_addr(&s->fill, idx + i) = addrs[done + i];
		xsk_ring_prod__submit(&s->fill, got);
		done += got;
	}
}

/*
 * mode: 0 = let the kernel choose, 1 = generic/SKB, 2 = native driver.
 * zerocopy: 0 = either, 1 = require zero-copy, 2 = force copy.
 */
struct fx_sock *fx_open(const char *ifname, uint32_t queue, uint32_t nframes, uint32_t frame_size, int mode, int zerocopy)
{
	/* libxdp/libbpf narrate every load (no bpffs, dispatcher fallback) on stderr; failures
	 * reach the caller through fx_last_error, so their chatter is silenced. */
	libxdp_set_print(NULL);
	libbpf_set_print(NULL);
	struct fx_sock *s = calloc(1, sizeof *s);
	if (!s)
		return fail("calloc", ENOMEM);
	s->frame_size = frame_size;
	s->area_len = (uint64_t)nframes * frame_size;
	s->area = mmap(NULL, s->area_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (s->area == MAP_FAILED) {
		int e = errno;
		free(s);
		return fail("mmap UMEM", e);
	}
	struct xsk_umem_config ucfg = {
		.fill_size = nframes, .comp_size = 64, .frame_size = frame_size,
		.frame_headroom = 0, .flags = 0,
	};
	int r = xsk_umem__create(&s->umem, s->area, s->area_len, &s->fill, &s->comp, &ucfg);
	if (r) {
		munmap(s->area, s->area_len);
		free(s);
		return fail("xsk_umem__create", -r);
	}
	struct xsk_socket_config scfg = {
		.rx_size = nframes, .tx_size = 0, .libxdp_flags = 0,
		.xdp_flags = mode == 1 ? XDP_FLAGS_SKB_MODE : mode == 2 ? XDP_FLAGS_DRV_MODE : 0,
		.bind_flags = zerocopy == 1 ? XDP_ZEROCOPY : zerocopy == 2 ? XDP_COPY : 0,
	};
	/* The kernel releases a closed socket's hold on its queue from a work queue, so binding
	 * the same queue right after a close can fail with EBUSY for a few ms: retry for up to
	 * one second (20 ms steps) before reporting it. */
	for (int tries = 0; tries < 50; tries++) {
		r = xsk_socket__create(&s->xsk, ifname, queue, s->umem, &s->rx, NULL, &scfg);
		if (r != -EBUSY)
			break;
		struct timespec pause = { 0, 20 * 1000 * 1000 };
		nanosleep(&pause, NULL);
	}
	if (r) {
		xsk_umem__delete(s->umem);
		munmap(s->area, s->area_len);
		free(s);
		return fail("xsk_socket__create", -r);
	}
	s->ifindex = (int)if_nametoindex(ifname);
	s->xdp_flags = scfg.xdp_flags;
	s->nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	struct stat st;
	s->nsino = (s->nsfd >= 0 && fstat(s->nsfd, &st) == 0) ? (uint64_t)st.st_ino : 0;
	users_add(s->nsino, s->ifindex, 1);
	uint64_t *all = malloc(sizeof(uint64_t) * nframes);
	for (uint32_t i = 0; i < nframes; i++)
		all[i] = (uint64_t)i * frame_size;
	refill(s, all, nframes);
	free(all);
	return s;
}

void *fx_umem(struct fx_sock *s, uint64_t *len)
{
	*len = s->area_len;
	return s->area;
}

int fx_fd(struct fx_sock *s) { return xsk_socket__fd(s->xsk); }

/* Give the frames of the previous fx_rx back to the kernel. */
void fx_done(struct fx_sock *s)
{
	if (s->nheld) {
		refill(s, s->held, s->nheld);
		s->nheld = 0;
	}
}

/*
 * Up to max frames: off[i] = offset of frame i in the UMEM, len[i] = its length; *ts_us =
 * CLOCK_REALTIME of the call (AF_XDP carries no timestamp). Waits up to timeout_ms in
 * poll(2) when the RX ring is empty. Returns the count (0 on timeout).
 */
int fx_rx(struct fx_sock *s, uint32_t *off, uint32_t *len, double *ts_us, uint32_t max, int timeout_ms)
{
	fx_done(s);
	if (max > FX_MAX_BATCH)
		max = FX_MAX_BATCH;
	uint32_t idx = 0;
	uint32_t n = xsk_ring_cons__peek(&s->rx, max, &idx);
	if (n == 0 && timeout_ms != 0) {
		struct pollfd p = { .fd = xsk_socket__fd(s->xsk), .events = POLLIN };
		poll(&p, 1, timeout_ms);
		n = xsk_ring_cons__peek(&s->rx, max, &idx);
	}
	if (n == 0)
		return 0;
	uint64_t bytes = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx + i);
		uint64_t a = xsk_umem__add_offset_to_addr(d->addr);
		off[i] = (uint32_t)a;
		len[i] = d->len;
		s->held[i] = xsk_umem__extract_addr(d->addr);
		bytes += d->len;
	}
	xsk_ring_cons__release(&s->rx, n);
	s->nheld = n;
	s->packets += n;
	s->bytes += bytes;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	*ts_us = (double)now.tv_sec * 1e6 + (double)(now.tv_nsec / 1000);
	return (int)n;
}

/*
 * out[0..8): packets, bytes, rx_dropped, rx_invalid_descs, rx_ring_full,
 * rx_fill_ring_empty_descs, frames free on the fill ring (kernel side), fill shortfalls.
 */
int fx_stats(struct fx_sock *s, double *out)
{
	struct xdp_statistics st;
	socklen_t l = sizeof st;
	memset(&st, 0, sizeof st);
	getsockopt(xsk_socket__fd(s->xsk), SOL_XDP, XDP_STATISTICS, &st, &l);
	out[0] = (double)s->packets;
	out[1] = (double)s->bytes;
	out[2] = (double)st.rx_dropped;
	out[3] = (double)st.rx_invalid_descs;
	out[4] = (double)st.rx_ring_full;
	out[5] = (double)st.rx_fill_ring_empty_descs;
	out[6] = (double)(s->fill.size - xsk_prod_nb_free(&s->fill, s->fill.size));
	out[7] = (double)s->fill_short;
	return 0;
}

void fx_close(struct fx_sock *s)
{
	if (!s)
		return;
	xsk_socket__delete(s->xsk);
	xsk_umem__delete(s->umem);
	if (users_add(s->nsino, s->ifindex, -1) == 0 && s->nsfd >= 0)
		detach_prog(s);
	if (s->nsfd >= 0)
		close(s->nsfd);
	munmap(s->area, s->area_len);
	free(s);
}
