/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-process benchmark of the forwarding worker: frames are made in
 * mbufs (allocation + a copy of the frame: what a PMD's RX costs at
 * least), run through mcfwd_worker_burst() and sent to net_null ports,
 * which free them. The same loop without the worker (frames straight to a
 * null port) is the baseline measured in the same process.
 */
#define _LGPL_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <urcu/urcu-qsbr.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "mcfwd_worker.h"
#include "shim_worker.h"
#include "../tests/test_eal.h"

#define NPORTS 9 /* 0: input, 1..8: outputs */

static struct mfc *cache;
static struct mcfwd_dp dp;
static struct mcfwd_worker *w;
static struct rte_mempool *pool, *clones, *jpool, *cur_pool;
static uint16_t port[NPORTS];
static uint32_t n_flows, cur_fanout;
static uint16_t cur_size;
/* frames up to a 9000-byte IP MTU (the app's --max-mtu 9000 and its
 * mbufs: app_mbuf_size()): the copy/clone crossover goes past 1500 B */
#define JUMBO_MTU 9000
#define JUMBO_BUF (RTE_PKTMBUF_HEADROOM + RTE_ALIGN_CEIL(JUMBO_MTU + 18u + 4u, 1024u))
static uint8_t tmpl[JUMBO_MTU + 18];
static uint32_t *fsrc, *fgrp;
static uint32_t pos;
static uint32_t unknown_src; /* shimw_unknown() */

int
shimw_init(void)
{
	char prefix[64], lc[32];
	snprintf(prefix, sizeof(prefix), "--file-prefix=mcfwd-benchw-%d", (int)getpid());
	char *argv[] = { "bench_worker", "--no-huge", "-m", "2048", prefix, "--no-pci", "--lcores",
			 (char *)test_lcores(lc, sizeof(lc), 1),
			 "--log-level=lib.eal:error", "--no-telemetry", NULL };
	/* MCFWD_BENCH_HUGE=1: the pools on 2 MiB hugepages (EAL --in-memory),
	 * as the whole-application benchmark runs when it can */
	const char *hp = getenv("MCFWD_BENCH_HUGE");
	if (hp != NULL && strcmp(hp, "1") == 0) {
		argv[1] = "--in-memory";
		argv[3] = "768"; /* with the 9000-byte MTU pool (78 MiB) */
	}
	if (rte_eal_init(10, argv) < 0) {
		fprintf(stderr, "EAL: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	if (mcfwd_worker_init() < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("bw_pool", 65535, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	clones = rte_pktmbuf_pool_create("bw_clones", 65535, 256, 0, 0, 0);
	/* frames above 1500 B and their copies: mbufs of a 9000-byte MTU, as
	 * the app makes them for --max-mtu 9000 (the others keep the default
	 * size, whose cache footprint the other cases measure) */
	jpool = rte_pktmbuf_pool_create("bw_jpool", 8191, 256, 0, JUMBO_BUF, 0);
	if (pool == NULL || clones == NULL || jpool == NULL)
		return -1;
	for (int i = 0; i < NPORTS; i++) {
		char n[32];
		snprintf(n, sizeof(n), "net_null%d", i);
		if (rte_vdev_init(n, "no-rx=1") < 0 || rte_eth_dev_get_port_by_name(n, &port[i]) < 0)
			return -1;
		struct rte_eth_conf conf;
		memset(&conf, 0, sizeof(conf));
		if (rte_eth_dev_configure(port[i], 1, 1, &conf) < 0 ||
		    rte_eth_rx_queue_setup(port[i], 0, 512, 0, NULL, pool) < 0 ||
		    rte_eth_tx_queue_setup(port[i], 0, 512, 0, NULL) < 0 ||
		    rte_eth_dev_start(port[i]) < 0)
			return -1;
	}
	dp.max_ifaces = 64;
	dp.ifs = rte_zmalloc("bw_ifs", 64 * sizeof(*dp.ifs), 64);
	dp.punt = rte_ring_create("bw_punt", 1024, 0, RING_F_SC_DEQ);
	dp.pool = pool;
	dp.clone_pool = clones;
	/* the application's default receive burst; MCFWD_BENCH_BURST=N another
	 * (up to MCFWD_BURST_MAX) */
	dp.burst = 32;
	const char *bs = getenv("MCFWD_BENCH_BURST");
	if (bs != NULL && atoi(bs) >= 1 && atoi(bs) <= MCFWD_BURST_MAX)
		dp.burst = (uint16_t)atoi(bs);
	dp.punt_per_flow = 4;
	dp.tsc_hz = rte_get_tsc_hz();
	dp.punt_window_tsc = dp.tsc_hz / 10;
	dp.punt_rate = 20000;
	for (int i = 0; i < NPORTS; i++) {
		dp.rx_map[port[i]] = rte_malloc("bw_map", 4096 * sizeof(uint16_t), 64);
		memset(dp.rx_map[port[i]], 0xff, 4096 * sizeof(uint16_t));
		dp.rx_map[port[i]][0] = (uint16_t)i;
		dp.ifs[i] = (struct mcfwd_iface_dp){ .port = port[i], .mtu = 1500, .used = 1,
						     .multiseg = 1, .mac = { 2, 0, 0, 0, 0, (uint8_t)i } };
	}
	w = rte_zmalloc("bw_worker", sizeof(*w), 64);
	w->dp = &dp;
	for (int i = 0; i < MCFWD_MAX_PORTS; i++)
		w->txq[i] = UINT16_MAX;
	for (int i = 0; i < NPORTS; i++)
		w->txq[port[i]] = 0;
	urcu_qsbr_register_thread();
	return 0;
}

static void
csum(uint8_t *ip)
{
	ip[10] = ip[11] = 0;
	uint16_t c = (uint16_t)~mcfwd_csum_fold(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
}

int
shimw_setup(uint32_t flows, uint32_t fanout, uint16_t size, uint16_t clone_min)
{
	if (fanout < 1 || fanout > NPORTS - 1 || size < 46 || size > JUMBO_MTU + 14)
		return -EINVAL;
	dp.clone_min = clone_min;
	cur_size = size;
	/* the frame's pool, the worker's copies' pool and the OIFs' MTU */
	cur_pool = size > 1514 ? jpool : pool;
	dp.pool = cur_pool;
	for (int i = 0; i < NPORTS; i++)
		dp.ifs[i].mtu = size > 1514 ? JUMBO_MTU : 1500;
	if (flows != n_flows || fanout != cur_fanout || cache == NULL) {
		if (cache) {
			urcu_qsbr_thread_offline();
			mfc_destroy(cache);
			urcu_qsbr_thread_online();
		}
		struct mfc_params p = { .max_entries = flows < 64 ? 64 : flows + flows / 8,
					.max_ifaces = 64, .n_lcores = 1,
					/* a counter block per entry of fanout slots, rounded up */
					.oif_ctrs = (flows + 64) * (fanout <= 4 ? 4u : 8u) + 4096 };
		cache = mfc_create(&p);
		if (cache == NULL)
			return -ENOMEM;
		free(fsrc);
		free(fgrp);
		fsrc = malloc(flows * sizeof(*fsrc));
		fgrp = malloc(flows * sizeof(*fgrp));
		struct mfc_oif o[8];
		for (uint32_t k = 0; k < fanout; k++)
			o[k] = (struct mfc_oif){ .ifid = (uint16_t)(k + 1), .ttl = 1,
						 .flags = MFC_OIF_ENABLED };
		struct mfc_spec sp = { .iif = 0, .n_oifs = (uint16_t)fanout, .oifs = o };
		uint64_t x = 88172645463325252ull;
		for (uint32_t i = 0; i < flows; i++) {
			int rc;
			do {
				x ^= x << 13; x ^= x >> 7; x ^= x << 17;
				fsrc[i] = 0x0a000000u | (uint32_t)(x & 0xffffff);
				fgrp[i] = 0xe8000000u | (uint32_t)((x >> 24) & 0xffffff);
				rc = mfc_add(cache, fsrc[i], fgrp[i], &sp);
			} while (rc == -EEXIST);
			if (rc < 0)
				return rc;
		}
		dp.t = mfc_table(cache);
		dp.cache = cache;
		w->ctrs = mfc_lcore_ctrs(cache, 0);
		n_flows = flows;
		cur_fanout = fanout;
	}
	/* the frame: Ethernet + IPv4 + zero payload (UDP-less) */
	memset(tmpl, 0, sizeof(tmpl));
	tmpl[0] = 0x01; tmpl[1] = 0x00; tmpl[2] = 0x5e;
	tmpl[6] = 0x02;
	tmpl[12] = 0x08;
	uint8_t *ip = tmpl + 14;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((size - 14) >> 8);
	ip[3] = (uint8_t)(size - 14);
	ip[8] = 64;
	ip[9] = 17;
	pos = 0;
	memset(&w->st, 0, sizeof(w->st));
	return 0;
}

/* Make a burst of frames of the next flows (what RX costs at least). */
static inline unsigned int
make(struct rte_mbuf **m, unsigned int n)
{
	if (rte_pktmbuf_alloc_bulk(cur_pool, m, n) != 0)
		return 0;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);
		rte_memcpy(p, tmpl, cur_size);
		m[i]->data_len = m[i]->pkt_len = cur_size;
		m[i]->port = port[0];
		uint32_t s = fsrc[pos] ^ unknown_src, g = fgrp[pos];
		if (++pos == n_flows)
			pos = 0;
		uint8_t *ip = p + 14;
		ip[12] = (uint8_t)(s >> 24); ip[13] = (uint8_t)(s >> 16);
		ip[14] = (uint8_t)(s >> 8); ip[15] = (uint8_t)s;
		ip[16] = (uint8_t)(g >> 24); ip[17] = (uint8_t)(g >> 16);
		ip[18] = (uint8_t)(g >> 8); ip[19] = (uint8_t)g;
		csum(ip);
	}
	return n;
}

void
shimw_unknown(int on)
{
	unknown_src = on ? 0x01000000u : 0;
}

uint64_t
shimw_misses(void)
{
	return w->st.miss_punted + w->st.miss_dropped;
}

uint64_t
shimw_run(uint32_t bursts, uint64_t *out_pkts)
{
	struct rte_mbuf *m[MCFWD_BURST_MAX];
	uint64_t in = 0, tx0 = w->st.tx_pkts;
	for (uint32_t b = 0; b < bursts; b++) {
		unsigned int n = make(m, dp.burst);
		mcfwd_worker_burst(w, m, (uint16_t)n);
		mcfwd_worker_flush(w);
		urcu_qsbr_quiescent_state();
		in += n;
	}
	void *pm[64];
	unsigned int np;
	while ((np = rte_ring_dequeue_burst(dp.punt, pm, 64, NULL)) > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)pm, np);
	*out_pkts = w->st.tx_pkts - tx0;
	return in;
}

uint64_t
shimw_baseline(uint32_t bursts, uint32_t fanout, uint64_t *out_pkts)
{
	/* no lookup, no rewrite: the frames and their copies straight out
	 * (what a forwarder without a table costs: the floor of our path) */
	struct rte_mbuf *m[32];
	uint64_t in = 0, out = 0;
	for (uint32_t b = 0; b < bursts; b++) {
		unsigned int n = make(m, 32);
		for (uint32_t k = 1; k < fanout; k++) {
			struct rte_mbuf *c[32];
			if (rte_pktmbuf_alloc_bulk(cur_pool, c, n) != 0)
				break;
			for (unsigned int i = 0; i < n; i++) {
				rte_memcpy(rte_pktmbuf_mtod(c[i], void *), rte_pktmbuf_mtod(m[i], void *),
					   cur_size);
				c[i]->data_len = c[i]->pkt_len = cur_size;
			}
			uint16_t s = rte_eth_tx_burst(port[k + 1], 0, c, (uint16_t)n);
			out += s;
			if (s < n)
				rte_pktmbuf_free_bulk(c + s, n - s);
		}
		uint16_t s = rte_eth_tx_burst(port[1], 0, m, (uint16_t)n);
		out += s;
		if (s < n)
			rte_pktmbuf_free_bulk(m + s, n - s);
		in += n;
	}
	*out_pkts = out;
	return in;
}

int64_t
shimw_accounting_gap(void)
{
	return mcfwd_worker_stats_check(&w->st);
}

uint64_t
shimw_clones(void)
{
	return w->st.clones;
}

int
shimw_phase_cycles(uint64_t c[5], uint64_t *tsc_hz)
{
#ifdef MCFWD_PHASE_CYCLES
	c[0] = mcfwd_phases.classify;
	c[1] = mcfwd_phases.lookup;
	c[2] = mcfwd_phases.forward;
	c[3] = mcfwd_phases.pkts;
	c[4] = mcfwd_phases.bursts;
	*tsc_hz = rte_get_tsc_hz();
	return 0;
#else
	(void)c;
	(void)tsc_hz;
	return -ENOTSUP;
#endif
}
