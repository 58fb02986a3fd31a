/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The C side of the benchmarks: everything is set up and run by C code;
 * the Google Benchmark files (C++) only call these functions.
 */
#ifndef MCFWD_BENCH_SHIM_H
#define MCFWD_BENCH_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum shim_table { T_MFC, T_MFC_THP, T_RTE_HASH, T_LFHT, T_COUNT };

/** EAL (for rte_hash) on 4 KiB pages; pins the calling thread to CPU 0. */
int shim_init(const char *prog);
void shim_fini(void);
const char *shim_table_name(enum shim_table t);

/* ---- lookups ---- */
/** Build (or reuse) table t holding n random (S,G) keys; 0 or -errno. */
int shim_build(enum shim_table t, uint32_t n);
/** Drop every table but those of size n (bounds memory). */
void shim_release_except(uint32_t n);
/** Lookup stream of the keys of size-n tables (random order, with repeats). */
const uint64_t *shim_stream(uint32_t n, uint32_t *len);
/** The same stream with every key changed to one no table holds. */
const uint64_t *shim_stream_miss(uint32_t n, uint32_t *len);
/** One burst of `burst` keys; returns hits. */
uint32_t shim_lookup_bulk(enum shim_table t, uint32_t n, const uint64_t *keys, unsigned int burst);
uint32_t shim_lookup_single(enum shim_table t, uint32_t n, const uint64_t *keys, unsigned int burst);
/** Bytes the table of size n uses for its index and entries. */
double shim_bytes_per_entry(enum shim_table t, uint32_t n);

/* ---- writer rates (seconds for n operations) ---- */
double shim_insert_rate(enum shim_table t, uint32_t n);
double shim_replace_rate(uint32_t n);
double shim_delete_rate(enum shim_table t, uint32_t n);

/* ---- purge of one interface referenced by n entries ---- */
struct shim_purge {
	double hide_us, unlink_ms, gp_us, reclaim_ms, total_ms;
	uint32_t removed, lists;
};
/** kind 0: iif of n entries; 1: OIF of n entries sharing 64 lists;
 *  2: OIF of n entries with a list each (every entry's list republished). */
int shim_purge_mfc(int kind, uint32_t n, int thp, struct shim_purge *out);
/** The same removal with a delete loop + one grace period + free. */
int shim_purge_baseline(enum shim_table t, uint32_t n, struct shim_purge *out);

/* ---- grace period with a busy reader on the other CPU ---- */
enum shim_gp { GP_URCU_QSBR, GP_RTE_RCU_QSBR };
int shim_gp_start(enum shim_gp kind);
/** One grace period (for GP_URCU_QSBR: mfc_iface_hide); returns ns. */
double shim_gp_once(enum shim_gp kind);
void shim_gp_stop(void);

/* ---- MGM ---- */
struct shim_mgm_run {
	double create_s;   /**< n MFEs created from misses (RPF, union, publish) */
	double shutdown_s; /**< mgm_protocol_shutdown of the upstream protocol */
	uint32_t mfes, ifaces;
};
/** Upstream protocol owning 64 interfaces, routes to 64 /16s, a
 * downstream protocol with (*,G) members on 16 interfaces for 16 groups;
 * n MFEs created from misses, then the upstream shuts down. With igmp,
 * IGMP co-owns the 64 interfaces (each release bracketed). */
int shim_mgm_shutdown(uint32_t n, int igmp, struct shim_mgm_run *out);
struct shim_mgm_release_run {
	double release_s;  /**< the mgm_interface_release call */
	double reap_s;     /**< mgm_poll(0) calls until no released record is left (0: none) */
	double reap_max_s; /**< the longest of those calls */
	uint32_t polls;    /**< how many */
	uint32_t mfes, released;
};
/** Upstream protocol owning n_up <= 16 interfaces (routes to /12s), the
 * same downstream set as shim_mgm_shutdown; n MFEs spread evenly over the
 * n_up incoming interfaces, then the upstream releases interface 0 (the
 * iif of n/n_up of them). Then the control loop is polled until the
 * released records are reclaimed, if MGM defers that. */
int shim_mgm_release(uint32_t n, uint32_t n_up, struct shim_mgm_release_run *out);
/** Seconds to add n (*,G) memberships (n/64 groups on 64 interfaces). */
double shim_mgm_member_rate(uint32_t n);

#ifdef __cplusplus
}
#endif
#endif
