/*
 * fennec_dpdk: the few DPDK calls Fennec's capture workers need, shaped for one FFI call
 * per burst. Built by native/Makefile against Debian's libdpdk-dev (22.11).
 *
 * Memory model: one mbuf mempool per port, shared by its RX queues. fd_region() reports the
 * lowest and highest address of the pool's memory chunks so JS makes ONE koffi.view over it
 * at start; a burst then reports each frame as an offset into that view (no per-packet
 * view, no copy). The mbufs of a burst stay owned by the queue until fd_release() frees them
 * with one rte_pktmbuf_free_bulk.
 *
 * Threads: fd_init/fd_port_open/fd_port_close from one thread at start/stop; fd_burst,
 * fd_release and fd_queue_stats on queue q from exactly one thread (the worker of q).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#define FD_MAX_PORTS 8
#define FD_MAX_QUEUES 16
#define FD_MAX_BURST 1024

struct fd_queue {
	struct rte_mbuf *held[FD_MAX_BURST];
	uint16_t nheld;
	uint64_t packets, bytes, truncated;
};

struct fd_port {
	int open;
	uint16_t nq;
	struct rte_mempool *pool;
	uintptr_t base, end;
	struct fd_queue q[FD_MAX_QUEUES];
};

static struct fd_port ports[FD_MAX_PORTS];
static char last_error[512];
static int ts_offset = -1;
static uint64_t ts_flag;
static int eal_done;

static int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof last_error, fmt, ap);
	va_end(ap);
	return -1;
}

const char *fd_last_error(void) { return last_error; }

/* rte_eal_init with argv[0..argc). Returns 0, or -1 with fd_last_error() set. */
int fd_init(int argc, char **argv)
{
	if (eal_done)
		return 0;
	int r = rte_eal_init(argc, argv);
	if (r < 0)
		return fail("rte_eal_init: %s", rte_strerror(rte_errno));
	eal_done = 1;
	return 0;
}

int fd_port_count(void) { return eal_done ? rte_eth_dev_count_avail() : 0; }

/* Port id of a device name (e.g. "net_pcap0"), or -1. */
int fd_port_by_name(const char *name)
{
	uint16_t id;
	if (rte_eth_dev_get_port_by_name(name, &id) != 0)
		return fail("no DPDK port named %s", name);
	return id;
}

static int mem_cb_count;
static void region_cb(struct rte_mempool *mp, void *opaque, struct rte_mempool_memhdr *memhdr, unsigned idx)
{
	(void)mp; (void)idx;
	struct fd_port *p = opaque;
	uintptr_t a = (uintptr_t)memhdr->addr, b = a + memhdr->len;
	if (p->base == 0 || a < p->base) p->base = a;
	if (b > p->end) p->end = b;
	mem_cb_count++;
}

/*
 * Configure and start `port` with `nq` RX queues of `ring` descriptors each, fed from one
 * pool of `nmbufs` mbufs. RSS over IP/TCP/UDP with the symmetric key (0x6d5a repeated) when
 * nq > 1 so both directions of a flow reach the same queue. Enables the RX timestamp
 * offload when the PMD offers it (net_pcap does: frames keep their pcap timestamps).
 */
int fd_port_open(uint16_t port, uint16_t nq, uint16_t ring, uint32_t nmbufs, int promisc)
{
	if (port >= FD_MAX_PORTS || nq == 0 || nq > FD_MAX_QUEUES)
		return fail("port %u / %u queues out of range", port, nq);
	if (!rte_eth_dev_is_valid_port(port))
		return fail("port %u does not exist (%u ports)", port, rte_eth_dev_count_avail());
	struct fd_port *p = &ports[port];
	struct rte_eth_dev_info info;
	int r = rte_eth_dev_info_get(port, &info);
	if (r != 0)
		return fail("rte_eth_dev_info_get: %s", rte_strerror(-r));
	if (nq > info.max_rx_queues)
		return fail("port %u has at most %u RX queues, %u asked", port, info.max_rx_queues, nq);

	static uint8_t sym_key[40];
	for (int i = 0; i < 40; i += 2) { sym_key[i] = 0x6d; sym_key[i + 1] = 0x5a; }
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof conf);
	if (nq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = info.hash_key_size == 40 ? sym_key : NULL;
		conf.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size == 40 ? 40 : 0;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	}
	/* Register (or look up: registration is by name) the RX timestamp dynfield even when
	 * the PMD does not advertise the offload: net_pcap in 22.11 fills it for every frame
	 * with the pcap record's time in microseconds without advertising it (checked: without
	 * this, frames got the burst's wall clock instead of their pcap times). */
	if (ts_offset < 0) {
		uint64_t flag = 0;
		if (rte_mbuf_dyn_rx_timestamp_register(&ts_offset, &flag) != 0)
			ts_offset = -1;
		else
			ts_flag = flag;
	}
	if (ts_offset >= 0 && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	uint16_t ntx = info.max_tx_queues > 0 ? 1 : 0;
	r = rte_eth_dev_configure(port, nq, ntx, &conf);
	if (r != 0)
		return fail("rte_eth_dev_configure(port %u, %u rx): %s", port, nq, rte_strerror(-r));
	uint16_t nrx = ring, ntxd = 64;
	rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntxd);

	char name[32];
	snprintf(name, sizeof name, "fennec_pool_%u", port);
	p->pool = rte_mempool_lookup(name);
	if (p->pool == NULL)
		p->pool = rte_pktmbuf_pool_create(name, nmbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_eth_dev_socket_id(port));
	if (p->pool == NULL)
		return fail("rte_pktmbuf_pool_create(%u mbufs): %s", nmbufs, rte_strerror(rte_errno));
	for (uint16_t q = 0; q < nq; q++) {
		r = rte_eth_rx_queue_setup(port, q, nrx, rte_eth_dev_socket_id(port), NULL, p->pool);
		if (r != 0)
			return fail("rte_eth_rx_queue_setup(q %u): %s", q, rte_strerror(-r));
		memset(&p->q[q], 0, sizeof p->q[q]);
	}
	if (ntx) {
		r = rte_eth_tx_queue_setup(port, 0, ntxd, rte_eth_dev_socket_id(port), NULL);
		if (r != 0)
			return fail("rte_eth_tx_queue_setup: %s", rte_strerror(-r));
	}
	p->base = p->end = 0;
	mem_cb_count = 0;
	rte_mempool_mem_iter(p->pool, region_cb, p);
	if (p->end - p->base > 0xffffffffu)
		return fail("mempool spans %lu bytes, more than a 32-bit offset reaches", (unsigned long)(p->end - p->base));
	if (promisc)
		rte_eth_promiscuous_enable(port); /* not every PMD supports it; not fatal */
	r = rte_eth_dev_start(port);
	if (r != 0)
		return fail("rte_eth_dev_start: %s", rte_strerror(-r));
	p->nq = nq;
	p->open = 1;
	return 0;
}

/* The pool's address range: *len bytes from the returned base (NULL if not open). */
void *fd_region(uint16_t port, uint64_t *len)
{
	if (port >= FD_MAX_PORTS || !ports[port].open)
		return NULL;
	*len = ports[port].end - ports[port].base;
	return (void *)ports[port].base;
}

/*
 * Receive up to `max` frames on (port, q). Frees the previous burst first if the caller did
 * not (so a forgotten release never leaks mbufs). For each frame i: off[i] = offset of its
 * first byte from the region base, cap[i] = bytes in the first segment, wire[i] = pkt_len,
 * ts[i] = microseconds since the epoch (PMD timestamp when offered, else the burst's
 * CLOCK_REALTIME), vlan[i] = stripped VLAN id or -1.
 */
int fd_burst(uint16_t port, uint16_t q, uint32_t *off, uint32_t *cap, uint32_t *wire, double *ts, int32_t *vlan, uint16_t max)
{
	struct fd_port *p = &ports[port];
	struct fd_queue *fq = &p->q[q];
	if (fq->nheld) {
		rte_pktmbuf_free_bulk(fq->held, fq->nheld);
		fq->nheld = 0;
	}
	if (max > FD_MAX_BURST)
		max = FD_MAX_BURST;
	uint16_t n = rte_eth_rx_burst(port, q, fq->held, max);
	if (n == 0)
		return 0;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	double now_us = (double)now.tv_sec * 1e6 + (double)(now.tv_nsec / 1000);
	uint64_t bytes = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = fq->held[i];
		off[i] = (uint32_t)(rte_pktmbuf_mtod(m, uintptr_t) - p->base);
		cap[i] = m->data_len;
		wire[i] = m->pkt_len;
		if (m->nb_segs > 1)
			fq->truncated++;
		ts[i] = (ts_offset >= 0 && (m->ol_flags & ts_flag))
			? (double)*RTE_MBUF_DYNFIELD(m, ts_offset, rte_mbuf_timestamp_t *)
			: now_us;
		vlan[i] = (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) ? (int32_t)(m->vlan_tci & 0xfff) : -1;
		bytes += m->pkt_len;
	}
	fq->nheld = n;
	fq->packets += n;
	fq->bytes += bytes;
	return n;
}

void fd_release(uint16_t port, uint16_t q)
{
	struct fd_queue *fq = &ports[port].q[q];
	if (fq->nheld) {
		rte_pktmbuf_free_bulk(fq->held, fq->nheld);
		fq->nheld = 0;
	}
}

/*
 * out[0..8): queue packets, queue bytes, multi-segment frames, port ipackets, port imissed
 * (dropped by the NIC/PMD for lack of descriptors), port ierrors, port rx_nombuf, mbufs free
 * in the pool.
 */
int fd_queue_stats(uint16_t port, uint16_t q, double *out)
{
	struct fd_port *p = &ports[port];
	struct rte_eth_stats st;
	memset(&st, 0, sizeof st);
	rte_eth_stats_get(port, &st);
	out[0] = (double)p->q[q].packets;
	out[1] = (double)p->q[q].bytes;
	out[2] = (double)p->q[q].truncated;
	out[3] = (double)st.ipackets;
	out[4] = (double)st.imissed;
	out[5] = (double)st.ierrors;
	out[6] = (double)st.rx_nombuf;
	out[7] = p->pool ? (double)rte_mempool_avail_count(p->pool) : 0;
	return 0;
}

int fd_port_close(uint16_t port)
{
	struct fd_port *p = &ports[port];
	if (!p->open)
		return 0;
	for (uint16_t q = 0; q < p->nq; q++)
		fd_release(port, q);
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	p->open = 0;
	return 0;
}
