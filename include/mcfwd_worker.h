/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file mcfwd_worker.h
 * The forwarding workers: rx burst -> classify -> batched cache lookup ->
 * RPF -> TTL -> replicate -> per-port TX buffers, with per-lcore counters
 * and a punt ring to the control thread.
 *
 * Concurrency contract
 * - struct mcfwd_dp is shared: written by the control thread, read by
 *   workers. Interface maps are written (single aligned stores) before an
 *   interface is used by any forwarding entry and are cleared only after
 *   it was purged from the cache (mfc_iface_purge()), so a worker never
 *   sees a half-made interface.
 * - struct mcfwd_worker is one worker's own state; its counters are
 *   written only by that worker and read (racily, 64-bit aligned) by
 *   others.
 * - mcfwd_worker_burst() and mcfwd_worker_flush() run on a worker lcore
 *   that is an online liburcu QSBR reader. They make no system call, take
 *   no lock, do not log and do not allocate from the C heap (mbufs come
 *   from mempools). mcfwd_worker_loop() reports a quiescent state once per
 *   iteration and goes offline to sleep when idle (if configured).
 */
#ifndef MCFWD_WORKER_H
#define MCFWD_WORKER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include <rte_config.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include "mfc.h"
#include "mcfwd_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MCFWD_MAX_PORTS RTE_MAX_ETHPORTS
_Static_assert(RTE_MAX_ETHPORTS <= 32, "port bit masks are 32 bits");
#define MCFWD_MAX_WORKERS 16
#define MCFWD_BURST_MAX 64
#define MCFWD_TXBUF 128        /**< per worker per port TX buffer (mbufs) */
#define MCFWD_MAX_RXQ 64       /**< rx queues polled by one worker */
#define MCFWD_RXQ_COLD 32      /**< empty polls in a row after which a queue is cold */
_Static_assert(MCFWD_MAX_RXQ <= 64, "the worker keeps its hot RX queues in a 64-bit mask");
#define MCFWD_PUNT_CACHE 1024  /**< per-worker miss de-duplication slots */

/** Why a packet was handed to the control thread (mbuf metadata). */
enum mcfwd_punt_reason {
	MCFWD_PUNT_MISS = 1,     /**< no (S,G) entry: data-driven creation */
	MCFWD_PUNT_CTRL = 2,     /**< IGMP or 224.0.0.0/24 */
	MCFWD_PUNT_WRONG_IF = 3, /**< arrived on the wrong interface */
};

/** Per-packet metadata (an mbuf dynamic field). */
struct mcfwd_meta {
	uint16_t ifid;   /**< rx interface (punted packets) */
	uint8_t reason;  /**< enum mcfwd_punt_reason */
	uint8_t worker;  /**< the punting worker's idx (a held packet goes back to it) */
	uint32_t ocidx;  /**< OIF counter slot of a packet handed to another worker's
			  * TX ring, UINT32_MAX: a control packet */
};

/** Per logical interface, as the workers see it (written by control). */
struct mcfwd_iface_dp {
	uint16_t port;      /**< DPDK port */
	uint16_t vlan;      /**< 802.1Q id, 0: untagged */
	uint16_t mtu;       /**< IP MTU: longer packets are fragmented (DF clear)
			     *   or count frag_needed (DF set, or no fragments) */
	uint8_t used;       /**< 1 while the interface exists */
	uint8_t multiseg;   /**< the port takes chained mbufs (clone replication) */
	uint8_t mac[6];     /**< source MAC of frames sent on it */
	uint16_t pad;       /**< read with mac as 8 bytes (the worker) */
};
_Static_assert(offsetof(struct mcfwd_iface_dp, mac) + 8 <= sizeof(struct mcfwd_iface_dp),
	       "the worker loads mac as 8 bytes");

/** Port-level counters of one worker. */
struct mcfwd_port_ctr {
	uint64_t rx_pkts;
	uint64_t tx_pkts;
	uint64_t tx_discards;   /**< built but not taken by the PMD */
};

/** One worker's counters. Each input packet ends in exactly one of the
 * "fate" counters: fwd, no_oif, negative, wrong_if, miss_punted, miss_dropped,
 * ctrl_punted, ctrl_dropped, not_ip, not_mcast, bad_hdr, ttl_expired, no_iface.
 * rx_pkts + reinjected (held packets control hands back) == the sum of
 * them (see mcfwd_worker_stats_check()). */
struct mcfwd_wstats {
	uint64_t rx_pkts, rx_bytes;
	uint64_t fwd;            /**< sent on at least one OIF */
	uint64_t no_oif;         /**< entry found, RPF ok, no OIF usable */
	uint64_t negative;       /**< negative entry */
	uint64_t wrong_if;       /**< RPF failure (some punted to control) */
	uint64_t wrong_if_punted;
	uint64_t miss_punted;    /**< handed to control for MFE creation */
	uint64_t miss_dropped;   /**< de-duplicated, rate-limited, ring full or reinjected miss */
	uint64_t ctrl_punted;    /**< IGMP / link-local handed to control */
	uint64_t ctrl_dropped;   /**< punt ring full or rate limit */
	uint64_t not_ip;
	uint64_t not_mcast;      /**< not to 224/4, or to another host's MAC */
	uint64_t bad_hdr, ttl_expired;
	uint64_t no_iface;       /**< port/VLAN with no interface, or the entry's
				   * incoming interface hidden or down */
	uint64_t tx_pkts;        /**< replicas taken by PMDs */
	uint64_t tx_discards;    /**< replicas not taken (freed) */
	uint64_t alloc_fail;     /**< copies/clones that could not be made (out-discards) */
	uint64_t ttl_low;        /**< OIFs skipped: TTL not above the threshold */
	uint64_t frag_needed;    /**< OIFs skipped: packet longer than the MTU, DF set
				   * (or its fragments could not be made) */
	uint64_t copies, clones; /**< replicas made each way */
	uint64_t reinjected;     /**< held packets handed back by control */
	uint64_t iterations;     /**< loop iterations (heartbeat) */
	uint64_t idle_sleeps;
	uint64_t rx_cold_skips;  /**< polls of cold RX queues skipped (rx_cold_every) */
	uint64_t ctl_tx;         /**< control packets sent */
	uint64_t ctl_tx_discards; /**< control packets a port refused */
};

/** TSC cycles spent in each pass of a burst, summed over bursts: where a
 * packet's cycles go. Only in benchmark builds compiled with
 * MCFWD_PHASE_CYCLES (bench_worker_phases); the app never has it. */
struct mcfwd_phase_cycles {
	uint64_t classify; /**< from the burst's start to its lookup (classification, gathering) */
	uint64_t lookup;   /**< mfc_lookup_bulk_prefetch() */
	uint64_t forward;  /**< RPF, TTL, rewrite, replication, counters, TX queueing */
	uint64_t pkts;     /**< packets in those bursts */
	uint64_t bursts;
};
#ifdef MCFWD_PHASE_CYCLES
/** Summed over every worker's bursts: measure with one worker. */
extern struct mcfwd_phase_cycles mcfwd_phases;
#endif

/** Shared dataplane state (one per application). */
struct mcfwd_dp {
	const struct mfc_table *t;       /**< the cache (reader view) */
	struct mfc *cache;               /**< for counter arrays */
	struct mcfwd_iface_dp *ifs;      /**< [max_ifaces], written by control */
	uint16_t *rx_map[MCFWD_MAX_PORTS]; /**< per port [4096]: VLAN (0 untagged) -> ifid */
	/** each port's own MAC: a unicast frame to another one is another
	 * host's (a promiscuous port, where allmulticast is missing) */
	uint8_t port_mac[MCFWD_MAX_PORTS][6];
	uint32_t max_ifaces;
	struct rte_ring *punt;           /**< MP/SC: workers -> control */
	struct rte_mempool *pool;        /**< copies and clone headers */
	struct rte_mempool *clone_pool;  /**< indirect mbufs (NULL: copy only) */
	uint16_t clone_min;              /**< IP length from which clones are used (0: never) */
	uint16_t burst;                  /**< rx burst size (<= MCFWD_BURST_MAX) */
	/** a cold RX queue (MCFWD_RXQ_COLD empty polls in a row) is polled
	 * one loop turn in rx_cold_every while the worker receives on others
	 * (0 or 1: every queue every turn) */
	uint16_t rx_cold_every;
	uint32_t punt_per_flow;          /**< misses of one (S,G) punted per window */
	uint64_t punt_window_tsc;        /**< de-duplication window */
	uint64_t punt_rate;              /**< punts per second per worker (token bucket) */
	uint64_t idle_tsc;               /**< idle this long -> sleep (0: never) */
	uint32_t idle_sleep_us;
	uint64_t tsc_hz;
	/** [max_ifaces] each interface's IPv4 address (0: none), for the
	 * Record Route and Timestamp options of forwarded packets; written by
	 * control (relaxed stores), NULL: no addresses */
	uint32_t *if_addr;
	/** one past the highest interface with an address (relaxed store;
	 * a Timestamp's prespecified address is looked for below it) */
	uint32_t if_addr_n;
	/** Timestamp options: UT milliseconds = TSC / tsc_per_ms + ts_off_ms
	 * (tsc_per_ms 0: no clock, stamps carry the high bit, RFC 791);
	 * ts_off_ms is refreshed by control (relaxed store) */
	uint64_t tsc_per_ms;
	int64_t ts_off_ms;
	volatile int stop;               /**< written by control */
	volatile int pause;              /**< written by control: workers go offline and wait */
};

/** Per-millisecond log, recorded by the worker itself (so that a reader
 * sharing a core with the control thread does not distort what it
 * measures). Ports >= MCFWD_MSLOG_PORTS are not logged. */
#define MCFWD_MSLOG_PORTS 16
struct mcfwd_msrow {
	uint64_t tsc;            /**< when the row was written */
	uint64_t rx_pkts, fwd, iterations;
	uint64_t tx[MCFWD_MSLOG_PORTS]; /**< this worker's tx_pkts per port */
};
struct mcfwd_mslog {
	uint64_t period_tsc;     /**< one row per period (1 ms) */
	uint64_t next_tsc;
	uint64_t n;              /**< rows written (row[n % n_rows] is next), release store */
	uint32_t n_rows;
	struct mcfwd_msrow row[];
};

/** Replica buffers a worker takes from the pool in one call. */
#define MCFWD_SPARE 32
/** Fragments one packet may become on one OIF (a 9600-byte packet into a
 * 576-byte MTU: 17); more: not sent there, counted frag_needed. */
#define MCFWD_MAX_FRAGS 64

/** One worker (one lcore). */
struct mcfwd_worker {
	struct mcfwd_dp *dp;
	struct mfc_lcore_ctrs *ctrs;     /**< this lcore's cache counters */
	unsigned int lcore_id;
	unsigned int idx;                /**< worker index (counter slot) */
	uint16_t n_rxq;
	/** polled RX queues; empty: polls in a row that found nothing, up to
	 * MCFWD_RXQ_COLD (zero when control adds the queue) */
	struct { uint16_t port, queue, empty; } rxq[MCFWD_MAX_RXQ];
	/** per port: TX queue of this worker, or UINT16_MAX: hand to txr[port] */
	uint16_t txq[MCFWD_MAX_PORTS];
	/** per port: MP/SC ring of packets for this port's TX queue 0 (other
	 * workers' replicas when the port has too few TX queues, control
	 * packets); drained by the worker whose txq is 0 */
	struct rte_ring **txr;
	struct rte_ring *reinject;       /**< control -> this worker: held packets */
	uint32_t tx_pending;             /**< ports with buffered packets (bit per port) */
	/** ports whose TX ring this worker drains (its txq is 0 there); set
	 * with the queue map, before the worker runs */
	uint32_t txr_owned;
	struct {
		uint16_t n;
		struct rte_mbuf *m[MCFWD_TXBUF];
		uint32_t oc[MCFWD_TXBUF]; /* OIF counter slot of m[i]: kept here, not in the
					   * mbuf, so the fast path never writes the
					   * mbuf's second cache line */
	} tx[MCFWD_MAX_PORTS];
	struct {
		uint64_t key, tsc;
		uint32_t cnt;
	} pc[MCFWD_PUNT_CACHE];
	/** punt token buckets, each at dp->punt_rate: data (misses, wrong
	 * interface) and control (IGMP, 224.0.0.0/24) apart, so that a flood
	 * of new flows cannot starve IGMP and let memberships expire */
	struct mcfwd_tbucket {
		uint64_t tokens, tsc;
	} tb_data, tb_ctl;
	uint64_t last_rx_tsc;
	/** replica buffers taken from dp->pool MCFWD_SPARE at a time; those a
	 * burst did not use go back in mcfwd_worker_flush() */
	uint16_t n_spare;
	struct rte_mbuf *spare[MCFWD_SPARE];
	volatile int state;              /**< 0 stopped, 1 running, 2 idle-sleeping, 3 paused */
	/** fault injection (`debug stall-worker`): written by control; the
	 * worker then spins this many ms without a quiescent state */
	volatile uint32_t stall_ms;
	/** packets fragmented for an OIF (DF clear, over its MTU), and the
	 * fragments made (each a replica on its OIF). Not in st: here they
	 * take the 16 bytes before its 64-byte line, and the struct keeps its
	 * size and layout (st grown by them made the worker's benchmark 2-3%
	 * slower at every fan-out, by where its memory then lay) */
	uint64_t fragmented, fragments;
	struct mcfwd_wstats st __attribute__((aligned(64)));
	struct mcfwd_port_ctr port[MCFWD_MAX_PORTS];
	/** per-millisecond counter log (benchmarks, `mcfwd --ms-log`); NULL: off.
	 * Set by control (release store) while the worker runs. */
	struct mcfwd_mslog *mslog;
	/** a prespecified Timestamp's address and whether it is the
	 * router's, found once a burst (now) for all its copies (last: the
	 * hot fields keep their places) */
	struct { uint64_t now; uint32_t want, mine; } ts3;
} __attribute__((aligned(64)));

/** Offset of struct mcfwd_meta in mbufs (registered by mcfwd_worker_init()). */
extern int mcfwd_meta_off;

/** The IPv4 header checksum as the port's RX offload found it (ports that
 * advertise RTE_ETH_RX_OFFLOAD_IPV4_CKSUM get it enabled). Unknown, and
 * NONE (the field in the data is not right although the header is),
 * leave it to software. */
static inline enum mcfwd_csum
mcfwd_rx_csum(const struct rte_mbuf *m)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (f == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return MCFWD_CSUM_GOOD;
	if (f == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return MCFWD_CSUM_BAD;
	return MCFWD_CSUM_CHECK;
}

static inline struct mcfwd_meta *
mcfwd_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, mcfwd_meta_off, struct mcfwd_meta *);
}

/** Register the mbuf metadata field. Control thread, before workers start.
 * @return 0 or -errno. */
int mcfwd_worker_init(void);

/**
 * Process a burst of received mbufs (up to MCFWD_BURST_MAX; each
 * carries its port in m->port, a burst may mix ports). Every
 * mbuf is consumed: forwarded (buffered for TX), punted or freed and counted.
 * Worker lcore, online QSBR reader.
 */
void mcfwd_worker_burst(struct mcfwd_worker *w, struct rte_mbuf **pkts, uint16_t n);

/** The same for packets control held while their entry was created: they
 * count as `reinjected` (not rx) and are never punted again. Worker lcore. */
void mcfwd_worker_burst_reinjected(struct mcfwd_worker *w, struct rte_mbuf **pkts, uint16_t n);

/** Send buffered packets (and drain TX rings this worker owns). Packets a
 * PMD does not take are freed and counted. Worker lcore; or another
 * thread while the worker is paused (state 3: parked, touching nothing).
 * @return packets taken from the TX rings it owns (work done for others). */
unsigned int mcfwd_worker_flush(struct mcfwd_worker *w);

/** Whether a TX ring w drains (the ports whose queue 0 it owns) holds
 * packets. Any thread (a read of the rings' counts). */
bool mcfwd_worker_tx_pending(const struct mcfwd_worker *w);

/** The lcore function: poll until dp->stop. Registers with QSBR itself. */
int mcfwd_worker_loop(void *arg);

/** Sum of the fate counters minus rx_pkts (0 when every packet is accounted for). */
int64_t mcfwd_worker_stats_check(const struct mcfwd_wstats *s);

#ifdef __cplusplus
}
#endif
#endif
