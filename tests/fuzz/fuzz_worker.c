/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: arbitrary bytes become a burst of mbufs on three rte_ring
 * ports and go through mcfwd_worker_burst() against a fixed table. Checks,
 * for every input: nothing crashes; every input packet ends in exactly one
 * fate counter; every frame sent is IPv4 with a valid header checksum, a
 * routable multicast destination, the group's MAC, and an (S,G) that the
 * table forwards out of that interface; every mbuf is back in its pool.
 *
 * Input: byte 0 = number of frames (mod 32, +1); then per frame one byte
 * (rx port, mod 3) and a 2-byte length, then the frame's bytes.
 * EAL (--no-huge) is brought up on the first call.
 */
#define _LGPL_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <urcu/urcu-qsbr.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "mcfwd_worker.h"
#include "../test_eal.h"

#define NP 3
static struct mfc *cache;
static struct mcfwd_dp dp;
static struct mcfwd_worker *w;
static struct rte_ring *pr[NP];
static uint16_t port[NP];
static struct rte_mempool *pool, *clones;
static struct rte_ring *txr[MCFWD_MAX_PORTS];

#define S1 0x0a000001u
#define S2 0x0a000002u
#define S3 0x0a000003u
#define G1 0xe8010101u
#define G2 0xe8010102u

static void
die(const char *m)
{
	fprintf(stderr, "fuzz_worker: %s\n", m);
	abort();
}

static void
add(uint32_t s, uint32_t g, uint16_t iif, uint16_t n, const uint16_t *oif, uint8_t ttl)
{
	struct mfc_oif o[4];
	for (uint16_t i = 0; i < n; i++)
		o[i] = (struct mfc_oif){ .ifid = oif[i], .ttl = ttl, .flags = MFC_OIF_ENABLED };
	struct mfc_spec sp = { .iif = iif, .n_oifs = n, .oifs = o };
	if (mfc_add(cache, s, g, &sp) != 0)
		die("mfc_add");
}

static void
setup(void)
{
	char prefix[64], lc[32];
	snprintf(prefix, sizeof(prefix), "--file-prefix=mcfwd-fuzzw-%d", (int)getpid());
	char *eal[] = { "fuzz_worker", "--no-huge", "-m", "128", "--no-pci", "--no-shconf", prefix,
			"--log-level=*:error", "--lcores", (char *)test_lcores(lc, sizeof(lc), 1),
			"--no-telemetry", NULL };
	if (rte_eal_init(11, eal) < 0 || mcfwd_worker_init() < 0)
		die("EAL");
	pool = rte_pktmbuf_pool_create("fz_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	clones = rte_pktmbuf_pool_create("fz_clones", 1023, 0, 0, 0, 0);
	struct mfc_params cp = { .max_entries = 64, .max_ifaces = 8, .n_lcores = 1 };
	cache = mfc_create(&cp);
	if (!pool || !clones || !cache)
		die("pools/cache");
	dp.t = mfc_table(cache);
	dp.cache = cache;
	dp.max_ifaces = 8;
	dp.ifs = calloc(8, sizeof(*dp.ifs));
	dp.punt = rte_ring_create("fz_punt", 256, 0, RING_F_SC_DEQ);
	dp.pool = pool;
	dp.clone_pool = clones;
	dp.clone_min = 600;
	dp.burst = 32;
	dp.punt_per_flow = 4;
	dp.tsc_hz = rte_get_tsc_hz();
	dp.punt_window_tsc = dp.tsc_hz / 10;
	dp.punt_rate = 1000000;
	w = rte_zmalloc("fz_w", sizeof(*w), 64);
	w->dp = &dp;
	w->ctrs = mfc_lcore_ctrs(cache, 0);
	w->txr = txr;
	for (int i = 0; i < MCFWD_MAX_PORTS; i++)
		w->txq[i] = UINT16_MAX;
	for (int p = 0; p < NP; p++) {
		char n[16];
		snprintf(n, sizeof(n), "fz_port%d", p);
		pr[p] = rte_ring_create(n, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		int id = rte_eth_from_ring(pr[p]);
		struct rte_eth_conf conf;
		memset(&conf, 0, sizeof(conf));
		if (id < 0 || rte_eth_dev_configure((uint16_t)id, 1, 1, &conf) < 0 ||
		    rte_eth_rx_queue_setup((uint16_t)id, 0, 256, 0, NULL, pool) < 0 ||
		    rte_eth_tx_queue_setup((uint16_t)id, 0, 256, 0, NULL) < 0 ||
		    rte_eth_dev_start((uint16_t)id) < 0)
			die("ports");
		port[p] = (uint16_t)id;
		w->txq[id] = 0;
		dp.rx_map[id] = malloc(4096 * sizeof(uint16_t));
		memset(dp.rx_map[id], 0xff, 4096 * sizeof(uint16_t));
	}
	/* interfaces 0..2: the ports untagged; 3: port 2 VLAN 5 (MTU 576) */
	for (int i = 0; i < 4; i++) {
		int p = i < NP ? i : 2;
		dp.ifs[i] = (struct mcfwd_iface_dp){ .port = port[p], .vlan = i == 3 ? 5 : 0,
			.mtu = i == 3 ? 576 : 1500, .used = 1, .multiseg = 1,
			.mac = { 2, 0, 0, 0, 0, (uint8_t)i } };
		dp.rx_map[port[p]][dp.ifs[i].vlan] = (uint16_t)i;
	}
	uint16_t o12[] = { 1, 2 }, o0[] = { 0 }, o3[] = { 3, 1 }, o31[] = { 3, 1 };
	add(S1, G1, 0, 2, o12, 1);
	add(S2, G1, 1, 1, o0, 5);
	add(S3, G2, 0, 0, NULL, 1); /* negative */
	add(S1, G2, 3, 2, o3, 1);
	add(S3, G1, 0, 2, o31, 1); /* out on the VLAN (MTU 576: fragments) too */
	urcu_qsbr_register_thread();
}

/* May a frame of (s, g) leave on interface ifid? Its TTL threshold
 * there, or -1. */
static int
allowed(uint32_t s, uint32_t g, uint16_t ifid)
{
	const struct mfc_entry *e = mfc_lookup(dp.t, mfc_key(s, g));
	const struct mfc_oifl_data *d = e ? mfc_entry_oifs(e) : NULL;
	for (uint16_t k = 0; d && k < d->n; k++)
		if (d->oif[k].ifid == ifid)
			return d->oif[k].ttl;
	return -1;
}

static void
check_sent(int p)
{
	struct rte_mbuf *m[64];
	unsigned int n;
	while ((n = rte_ring_dequeue_burst(pr[p], (void **)m, 64, NULL)) > 0) {
		for (unsigned int i = 0; i < n; i++) {
			uint8_t buf[2048];
			if (m[i]->pkt_len > sizeof(buf))
				die("frame too long");
			const uint8_t *f = rte_pktmbuf_read(m[i], 0, m[i]->pkt_len, buf);
			uint16_t l2 = 14, vlan = 0;
			if (mcfwd_rd16(f + 12) == 0x8100) {
				vlan = mcfwd_rd16(f + 14) & 0xfff;
				l2 = 18;
			}
			if (mcfwd_rd16(f + l2 - 2) != 0x0800)
				die("not IPv4");
			const uint8_t *ip = f + l2;
			unsigned int ihl = (ip[0] & 0xf) * 4u;
			if ((ip[0] >> 4) != 4 || ihl < 20 || l2 + ihl > m[i]->pkt_len)
				die("bad IPv4 header sent");
			if (!mcfwd_ipv4_csum_ok(ip, ihl))
				die("bad checksum sent");
			uint32_t s = mcfwd_rd32(ip + 12), g = mcfwd_rd32(ip + 16);
			uint8_t mac[6];
			mcfwd_mcast_mac(g, mac);
			if ((g >> 28) != 0xe || (g & 0xffffff00u) == 0xe0000000u || memcmp(f, mac, 6))
				die("destination");
			if (ip[8] < 1)
				die("TTL 0 sent");
			uint16_t ifid = dp.rx_map[port[p]][vlan];
			int thr = ifid == MFC_IFID_NONE ? -1 : allowed(s, g, ifid);
			if (thr < 0)
				die("sent where the table does not forward");
			/* sent only with a TTL above the OIF's threshold before
			 * the decrement, and never above the OIF's MTU (found
			 * missing from this check by review) */
			if (ip[8] < thr)
				die("TTL threshold");
			if (mcfwd_rd16(ip + 2) > dp.ifs[ifid].mtu)
				die("above the OIF's MTU");
			if (mcfwd_rd16(ip + 2) + l2 != m[i]->pkt_len)
				die("length");
		}
		rte_pktmbuf_free_bulk(m, n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1)
		return 0;
	unsigned int want = (data[0] % 32) + 1, n = 0;
	size_t off = 1;
	struct rte_mbuf *m[32];
	while (n < want && off + 3 <= size) {
		int p = data[off] % NP;
		size_t len = ((size_t)data[off + 1] << 8 | data[off + 2]) % 1600;
		off += 3;
		if (len > size - off)
			len = size - off;
		struct rte_mbuf *b = rte_pktmbuf_alloc(pool);
		if (b == NULL)
			die("pool empty: a leak");
		char *d = rte_pktmbuf_append(b, (uint16_t)len);
		if (len && d == NULL)
			die("append");
		if (len)
			memcpy(d, data + off, len);
		off += len;
		b->port = port[p];
		m[n++] = b;
	}
	memset(&w->st, 0, sizeof(w->st));
	if (n)
		mcfwd_worker_burst(w, m, (uint16_t)n);
	mcfwd_worker_flush(w);
	if (mcfwd_worker_stats_check(&w->st) != 0 || w->st.rx_pkts != n)
		die("fate counters do not add up");
	for (int p = 0; p < NP; p++)
		check_sent(p);
	struct rte_mbuf *x;
	while (rte_ring_dequeue(dp.punt, (void **)&x) == 0)
		rte_pktmbuf_free(x);
	urcu_qsbr_quiescent_state();
	if (rte_mempool_avail_count(pool) != pool->size ||
	    rte_mempool_avail_count(clones) != clones->size)
		die("mbufs not back in their pools");
	return 0;
}
