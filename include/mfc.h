/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file mfc.h
 * The multicast forwarding cache: an RCU-protected exact-match table of
 * immutable (S,G) forwarding entries.
 *
 * Concurrency contract
 * --------------------
 * - One writer: every function marked "control thread only" must be called
 *   from a single thread at a time (the control thread). They never block
 *   readers; the ones that reclaim memory wait for one liburcu QSBR grace
 *   period (synchronize_rcu()) for a whole batch of changes.
 * - Readers: threads registered with liburcu QSBR (rcu_register_thread()
 *   from <urcu/urcu-qsbr.h>) that report quiescent states between bursts.
 *   Reader functions ("any registered RCU reader") take no locks, make no
 *   system calls, do not allocate and use no atomics with full fences.
 *   A pointer obtained from a lookup is valid until the reader's next
 *   quiescent state (or until it goes offline).
 * - Published entries and OIF-list versions never change. An update copies,
 *   edits, publishes; the old version is freed after a grace period.
 * - Interfaces are logical ids 0..max_ifaces-1 (a DPDK port plus an optional
 *   VLAN, mapped by the application). Each has a state word; bumping its
 *   generation hides the interface from every entry at once: as an OIF it is
 *   not sent on, as an incoming interface the RPF check fails.
 *
 * Memory (measured by the benchmark, see README): one 64-byte bucket per
 * four slots at <= 90% load, a 32-byte entry, 8 bytes of control metadata and
 * 4 bytes of reverse index per entry; OIF lists are shared (interned) objects
 * counted separately. Per-lcore counters: 32 bytes per entry plus 24 bytes
 * per OIF counter slot, per lcore slot.
 */
#ifndef MCFWD_MFC_H
#define MCFWD_MFC_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest burst accepted by mfc_lookup_bulk(). */
#define MFC_BULK_MAX 64
/** Default and hard maximum number of logical interfaces. */
#define MFC_IFACES_DEFAULT 1024
#define MFC_IFACES_MAX 65535
/** Invalid interface id (no incoming interface). */
#define MFC_IFID_NONE 0xffff
/** Largest OIF list. */
#define MFC_OIFS_MAX 4096

/** Entry flags. */
#define MFC_F_NEGATIVE 0x0001 /**< no OIF: drop, do not punt */
/** with NEGATIVE: made for the interface its first packet came on, which
 * nobody owned (no route): a packet on another interface goes to control
 * as a wrong-interface event (MGM may make it again from there); any
 * other negative entry drops such packets too */
#define MFC_F_RX_IIF   0x0002
#define MFC_F_FREED    0x8000 /**< set on entries returned to the pool (debug aid) */

/** OIF flags. */
#define MFC_OIF_ENABLED 0x01 /**< forwarding allowed (a client may veto) */
#define MFC_OIF_REMOVED 0x02 /**< hole left by a purge; never forwarded */

/** Key: group in the high half, source in the low half, host byte order. */
static inline uint64_t
mfc_key(uint32_t src, uint32_t grp)
{
	return ((uint64_t)grp << 32) | src;
}
static inline uint32_t mfc_key_src(uint64_t k) { return (uint32_t)k; }
static inline uint32_t mfc_key_grp(uint64_t k) { return (uint32_t)(k >> 32); }

/** One outgoing interface of an OIF list version (12 bytes). */
struct mfc_oif {
	uint32_t nexthop;   /**< next hop on point-to-multipoint links, else 0 */
	uint16_t ifid;      /**< logical interface id */
	uint8_t ttl;        /**< threshold: forward iff packet TTL > ttl (>= 1) */
	uint8_t flags;      /**< MFC_OIF_* */
	uint32_t gen;       /**< interface state word when published */
};

/** An immutable version of an OIF list. Freed after a grace period. */
struct mfc_oifl_data {
	uint16_t n;         /**< slots, including holes */
	uint16_t n_live;    /**< slots neither removed nor disabled */
	uint32_t magic;     /**< MFC_OIFL_MAGIC while published (debug aid) */
	void *ctl;          /**< control only (allocator's link while free) */
	struct mfc_oif oif[];
};
#define MFC_OIFL_MAGIC 0x6f69666cu

/**
 * An interned OIF list, shared by every entry with the same outgoing set.
 * Entries point to the list object; the object points to its current
 * immutable version, which a purge republishes (one object for many entries).
 */
struct mfc_oifl {
	struct mfc_oifl_data *data; /**< written by control (RCU publish), read by workers */
};

/** A forwarding entry (32 bytes). Immutable once published. */
struct mfc_entry {
	uint64_t key;               /**< mfc_key(S, G) */
	const struct mfc_oifl *oifl; /**< NULL for a negative entry */
	uint32_t cidx;              /**< stable counter index, kept across replace */
	uint32_t ocidx;             /**< first per-OIF counter slot of this version */
	uint16_t iif;               /**< incoming interface id */
	uint16_t flags;             /**< MFC_F_* */
	uint32_t iif_gen;           /**< state word of iif when published */
};

/** Per-lcore, per-entry counters (32 bytes), written only by their lcore. */
struct mfc_ctr {
	uint64_t pkts;
	uint64_t bytes;
	uint32_t wrong_if;
	uint32_t hdr_err;
	uint32_t discards;
	uint32_t last_used;  /**< coarse timestamp of the last hit (for ageing) */
};

/** Per-lcore, per-(entry, OIF slot) counters (24 bytes). */
struct mfc_oif_ctr {
	uint64_t out_pkts;
	uint32_t out_discards;
	uint32_t ttl_low;
	uint32_t frag_needed;
	uint32_t rsv;
};

/** One lcore's counter arrays (each lcore writes only its own). */
struct mfc_lcore_ctrs {
	struct mfc_ctr *ent;     /**< indexed by entry cidx */
	struct mfc_oif_ctr *oif; /**< indexed by entry ocidx + OIF slot */
};

/** Read-mostly table header shared with readers. */
struct mfc_bucket;
struct mfc_table {
	struct mfc_bucket *buckets;  /**< written by control */
	struct mfc_entry *pool;      /**< entry storage, indexed by bucket eidx */
	const uint32_t *iface_state; /**< per interface: generation | down bit */
	uint32_t nb_buckets;
	uint32_t max_ifaces;
	/* written by control on every cuckoo move; read by workers on a miss */
	uint64_t chg __attribute__((aligned(64)));
} __attribute__((aligned(64)));

struct mfc;

/** Creation parameters. Zero means default. */
struct mfc_params {
	uint32_t max_entries;   /**< capacity (default 65536, max 1<<25) */
	uint32_t max_ifaces;    /**< logical interfaces (default 1024) */
	uint32_t n_lcores;      /**< per-lcore counter slots (default 1, max 128) */
	uint32_t oif_ctrs;      /**< per-OIF counter slots (default 4.125 x max_entries, rounded up to 4096) */
	uint32_t flags;         /**< MFC_PARAM_* */
};
/** Do not ask for transparent huge pages (benchmarks comparing on 4 KiB pages). */
#define MFC_PARAM_NO_THP 0x1

/** What an add/replace publishes. */
struct mfc_spec {
	uint16_t iif;               /**< incoming interface, or MFC_IFID_NONE */
	uint16_t flags;             /**< MFC_F_NEGATIVE forced when n_oifs == 0 */
	uint16_t n_oifs;
	const struct mfc_oif *oifs; /**< gen is filled in by the cache */
};

/** Timings of a purge, in TSC cycles (see mfc_tsc_hz()). */
struct mfc_purge_stats {
	uint64_t hide_cycles;     /**< generation bump (O(1)) */
	uint64_t unlink_cycles;   /**< entries unlinked, lists republished */
	uint64_t gp_cycles;       /**< the one grace period */
	uint64_t reclaim_cycles;  /**< memory back in the pools */
	uint32_t entries_removed; /**< entries whose iif it was */
	uint32_t lists_republished; /**< OIF lists that lost the interface */
	uint32_t scanned;         /**< 1: found by a bucket scan, 0: by the reverse index */
};

/** Summed counters of one entry. out_pkts and out_discards are summed
 * over every OIF slot of its current version, holes a purge left included
 * (their counts end there; the per-OIF array lists live slots only). */
struct mfc_stats {
	uint64_t pkts, bytes, wrong_if, hdr_err, discards, out_pkts, out_discards;
	uint32_t last_used;
};
struct mfc_oif_stats {
	uint16_t ifid;
	uint8_t ttl;
	uint8_t flags;
	uint32_t nexthop;
	/** This OIF's instance on the entry: kept while it stays listed
	 * (edits, replaces, other interfaces' purges); an OIF removed and
	 * added again is a new instance, whose counts start from 0, with a
	 * new serial. Never 0; wraps after 2^32 - 1 OIF additions. */
	uint32_t serial;
	uint64_t out_pkts, out_discards, ttl_low, frag_needed;
};

/**
 * Create a cache. Control thread only.
 * @return the cache, or NULL with errno set (EINVAL, ENOMEM).
 */
struct mfc *mfc_create(const struct mfc_params *p);

/** Destroy; no reader may use it any more. Control thread only. */
void mfc_destroy(struct mfc *c);

/** The reader view of the table. Any thread. */
const struct mfc_table *mfc_table(const struct mfc *c);

/**
 * Insert an entry. Control thread only. It waits for a grace period
 * (mfc_sync()) only when the entry pool or counter space is exhausted and
 * retired objects are pending: the caller must then not be an online QSBR
 * reader holding entry pointers (the control thread is not a reader).
 * @return 0, -EINVAL (bad arguments), -EEXIST, -ENOSPC (capacity or
 *   counter space exhausted), -ENOMEM.
 */
int mfc_add(struct mfc *c, uint32_t src, uint32_t grp, const struct mfc_spec *s);

/**
 * Replace the entry of (S,G) by a new version (copy, edit, publish). The
 * counter index is kept; per-OIF counters follow their interface. The old
 * version is reclaimed after a later grace period (mfc_sync()).
 * Control thread only; like mfc_add() it may wait for a grace period when
 * the pool or counter space is exhausted and retired objects are pending.
 * @return 0, -EINVAL, -ENOENT, -ENOSPC, -ENOMEM.
 */
int mfc_replace(struct mfc *c, uint32_t src, uint32_t grp, const struct mfc_spec *s);

/** Add one OIF to (S,G) (or change its TTL/flags). OIFs whose interface
 * was hidden since publication are left out of the new version, and an
 * entry whose iif was hidden is refused (-ENOENT): an edit never brings a
 * hidden interface back. Control thread only; may wait for a grace period
 * as mfc_replace(). @return 0, -EINVAL, -ENOENT, -ENOSPC (more than
 * MFC_OIFS_MAX, or no room), -ENOMEM. */
int mfc_oif_add(struct mfc *c, uint32_t src, uint32_t grp, const struct mfc_oif *oif);

/** Remove one OIF from (S,G). Control thread only; may wait for a grace
 * period as mfc_replace(). @return 0, -EINVAL, -ENOENT (no such entry or
 * OIF), -ENOSPC, -ENOMEM. */
int mfc_oif_del(struct mfc *c, uint32_t src, uint32_t grp, uint16_t ifid, uint32_t nexthop);

/** Delete (S,G). Control thread only. @return 0, -EINVAL, -ENOENT. */
int mfc_del(struct mfc *c, uint32_t src, uint32_t grp);

/**
 * Wait for one grace period and reclaim everything retired so far (except
 * what a deferred purge left: see mfc_set_reclaim_defer()).
 * Control thread only (must not be an online QSBR reader inside a
 * read-side section). @return number of objects reclaimed (0: nothing
 * was pending, and no grace period was waited for).
 */
unsigned int mfc_sync(struct mfc *c);

/**
 * Defer the reclamation of the entries bulk purges (mfc_iface_purge())
 * retired through the pool bitmap once it holds at least `min_entries` (0:
 * never defer, the default). Those are the entries of a purge by table
 * scan (an interface that is the iif of more entries than 1/16 of the
 * table's bucket count) and of every purge inside a batch; a purge that finds
 * its entries through the per-interface index (fewer) puts them in the
 * limbo and reclaims them before it returns, however many. The purge still
 * unlinks them, hides the interface and waits for its grace period before
 * it returns; only giving their pool slots, counter indexes and OIF
 * counter blocks back (about 70 ns per entry, 11 ms for 150K entries) is
 * left to mfc_reclaim_some(). An allocation that finds its pool empty
 * reclaims everything pending first. Control thread.
 */
void mfc_set_reclaim_defer(struct mfc *c, uint32_t min_entries);

/** Reclaim up to about `budget` deferred entries (whole 64-entry words).
 * Control thread. @return entries reclaimed. */
uint32_t mfc_reclaim_some(struct mfc *c, uint32_t budget);

/** Deferred entries not yet reclaimed. */
uint32_t mfc_reclaim_pending(const struct mfc *c);

/** Objects retired (replaced versions, deleted entries, lists) that wait
 * for a grace period (mfc_sync()). */
uint32_t mfc_retired_pending(const struct mfc *c);

/**
 * A batch of bulk changes (a protocol shutdown: one release per
 * interface) with ONE grace period: between begin and end, purges
 * (mfc_ifaces_purge(), mfc_iface_purge()) hide and unlink as ever but do
 * not wait, and mfc_sync() does nothing; mfc_batch_end() waits once and
 * reclaims. Only when it returns is nothing reachable that forwards on
 * the purged interfaces (they are hidden at once: a reader that has not
 * passed a quiescent state may still finish a packet on them). Nests;
 * the outermost end waits. Control thread only.
 * @return 1 if it waited for a grace period, 0 if not (nothing owed, or
 *   an inner end).
 */
void mfc_batch_begin(struct mfc *c);
unsigned int mfc_batch_end(struct mfc *c);

/** Grace periods the cache has waited for since its creation (every
 * mfc_sync(), purge, and allocation that had to reclaim). Control thread. */
uint64_t mfc_gp_count(const struct mfc *c);

/**
 * Let grace periods be waited for by a helper thread while the calling
 * (control) thread runs `hook` about every 100 us, so that a reader that
 * stops reporting quiescent states (a stalled worker) can be noticed and
 * reported while a purge waits for it. The hook runs inside cache calls:
 * it must not call the cache or anything that changes it. NULL: wait in
 * the caller again (the thread stays until mfc_destroy()). Control thread
 * only. @return 0, -EINVAL, -EAGAIN (no thread).
 */
int mfc_set_gp_hook(struct mfc *c, void (*hook)(void *arg), void *arg);

/** Bump an interface's generation: from now on no reader uses it; when this
 * returns (after one grace period) no reader still does. Control thread only.
 * @return 0 or -EINVAL. */
int mfc_iface_hide(struct mfc *c, uint16_t ifid);

/** Link down/up: hide the interface without touching entries, or restore it
 * (entries published before the down become usable again). Control thread
 * only. mfc_iface_set_down() waits for a grace period. @return 0, -EINVAL. */
int mfc_iface_set_down(struct mfc *c, uint16_t ifid, bool down);

/**
 * Bulk purge of an interface: hide it (O(1)), unlink every entry whose
 * incoming interface it is, republish every OIF list that contains it
 * (positions keep their slot as a hole, so per-OIF counters stay put),
 * wait for ONE grace period (inside mfc_batch_begin/end: at the end),
 * reclaim. When it returns no reader holds or can
 * reach anything that forwards on the interface. The interface keeps its new
 * generation: later entries may use it again. Control thread only.
 * The hiding and the removal of the entries whose incoming interface it is
 * never fail (without memory to track them, the entries are retired
 * through a bitmap sized for the whole pool).
 * @param st optional timings. @return 0, -EINVAL, or -ENOMEM: some lists
 * could not be republished; they keep the interface, hidden by its new
 * generation (nothing forwards on it; an edit of such an entry drops it).
 */
int mfc_iface_purge(struct mfc *c, uint16_t ifid, struct mfc_purge_stats *st);

/**
 * The same for n interfaces at once (a port's, when it goes): all hidden
 * first, then purged, with ONE grace period for the whole set. st sums
 * the counts (scanned: 1 if any was found by a scan). Control thread only.
 * @return 0, -EINVAL (an id out of range: nothing done), -ENOMEM (as above,
 * for some interface; the others are purged).
 */
int mfc_ifaces_purge(struct mfc *c, const uint16_t *ifids, uint32_t n,
		     struct mfc_purge_stats *st);

/** Number of live entries. Control thread only. */
uint32_t mfc_count(const struct mfc *c);
/** Number of live interned OIF lists. Control thread only. */
uint32_t mfc_oifl_count(const struct mfc *c);
/** Entries whose incoming interface is ifid. Control thread only. */
uint32_t mfc_iface_iif_refs(const struct mfc *c, uint16_t ifid);
/** Bytes allocated for the table, entries and control metadata (excluding
 * per-lcore counters and OIF lists). Control thread only. */
size_t mfc_memory(const struct mfc *c);
/** Bytes of the per-lcore counter arrays (all lcore slots). */
size_t mfc_counter_memory(const struct mfc *c);

/** Current version of (S,G) as the control thread sees it (NULL if none). */
const struct mfc_entry *mfc_find(const struct mfc *c, uint32_t src, uint32_t grp);

/**
 * Sum the counters of (S,G) over all lcores. Control thread only.
 * @param oifs optional array for per-OIF counters (live slots only)
 * @param n_oifs in: room in oifs; out: live OIFs of the entry
 * @return 0, -ENOENT, -ENOSPC (oifs too small; *n_oifs says how many).
 */
int mfc_stats_get(const struct mfc *c, uint32_t src, uint32_t grp,
		  struct mfc_stats *st, struct mfc_oif_stats *oifs, uint32_t *n_oifs);

/** Call fn on every entry (unspecified order) until it returns non-zero.
 * Control thread only; fn must not modify the cache. */
int mfc_walk(const struct mfc *c,
	     int (*fn)(const struct mfc_entry *e, void *arg), void *arg);

/** Counter arrays of lcore slot `slot` (< n_lcores). Any thread. */
struct mfc_lcore_ctrs *mfc_lcore_ctrs(struct mfc *c, unsigned int slot);

/** TSC frequency used for the purge statistics. */
uint64_t mfc_tsc_hz(void);

/* ------------------------------------------------------------------ */
/* Reader side: any registered RCU reader (worker lcore).              */
/* ------------------------------------------------------------------ */

/**
 * Look up one (S,G). @return the entry or NULL. Any registered RCU reader.
 */
const struct mfc_entry *mfc_lookup(const struct mfc_table *t, uint64_t key);

/**
 * Look up a burst of up to MFC_BULK_MAX keys, hiding memory latency with
 * prefetch. out[i] is the entry of keys[i] or NULL.
 * @return bit mask of hits (bit i set when out[i] != NULL).
 * Any registered RCU reader.
 */
uint64_t mfc_lookup_bulk(const struct mfc_table *t, const uint64_t *keys,
			 unsigned int n, const struct mfc_entry **out);

/**
 * mfc_lookup_bulk() that also prefetches each entry its primary bucket
 * gives (most of them: secondary hits and a run's repeats are not
 * prefetched), for a caller that reads every entry right after (the
 * worker: +3% in bench_worker at 1K to 1M flows). A caller that only
 * wants the pointers is faster without it (bench_mfc: -16% at 1M entries).
 */
uint64_t mfc_lookup_bulk_prefetch(const struct mfc_table *t, const uint64_t *keys,
			 unsigned int n, const struct mfc_entry **out);

/** OIF list version of an entry (NULL for negative entries). Reader. */
static inline const struct mfc_oifl_data *
mfc_entry_oifs(const struct mfc_entry *e)
{
	if (e->oifl == NULL)
		return NULL;
	return __atomic_load_n(&e->oifl->data, __ATOMIC_ACQUIRE);
}

/** RPF and liveness of the incoming interface, ist being the table's
 * iface_state (a burst loop reads the pointer once). rx_ifid must be an
 * interface id (< max_ifaces), not MFC_IFID_NONE: an entry without iif
 * would read ist[MFC_IFID_NONE], past the array (the worker drops packets
 * of no interface first; not checked here, on the packet path). Reader. */
static inline bool
mfc_iif_ok_in(const uint32_t *ist, const struct mfc_entry *e, uint16_t rx_ifid)
{
	return e->iif == rx_ifid && __atomic_load_n(&ist[rx_ifid], __ATOMIC_RELAXED) == e->iif_gen;
}

/** RPF and liveness of the incoming interface (rx_ifid as above). Reader. */
static inline bool
mfc_iif_ok(const struct mfc_table *t, const struct mfc_entry *e, uint16_t rx_ifid)
{
	return mfc_iif_ok_in(t->iface_state, e, rx_ifid);
}

/** Whether an OIF may be sent on now (enabled, not a hole, interface not
 * hidden since publication), ist being the table's iface_state. Reader. */
static inline bool
mfc_oif_usable_in(const uint32_t *ist, const struct mfc_oif *o)
{
	return (o->flags & (MFC_OIF_ENABLED | MFC_OIF_REMOVED)) == MFC_OIF_ENABLED &&
	       __atomic_load_n(&ist[o->ifid], __ATOMIC_RELAXED) == o->gen;
}

/** Whether an OIF may be sent on now. Reader. */
static inline bool
mfc_oif_usable(const struct mfc_table *t, const struct mfc_oif *o)
{
	return mfc_oif_usable_in(t->iface_state, o);
}

#ifdef __cplusplus
}
#endif
#endif /* MCFWD_MFC_H */
