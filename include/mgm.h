/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file mgm.h
 * The Multicast Group Manager: the control plane that routing protocols
 * and IGMP talk to (the behaviour of Windows RRAS mgm.h, in C, with
 * negative errno). See docs: ../shared/docs/mgm-semantics.md.
 *
 * Context: every function here is "control thread only" (one thread at a
 * time). Callbacks are called synchronously from MGM calls, without any MGM
 * lock held (MGM takes none: it is single-threaded); their return values
 * are ignored. From inside a callback a client may call MGM again, except:
 * - from ENABLE_IGMP, mgm_membership_add/_delete return -EDEADLK: IGMP must
 *   re-add its memberships after the callback returned;
 * - from any callback, mgm_protocol_deregister, mgm_protocol_shutdown and
 *   mgm_interface_release of the interface being changed return -EBUSY
 *   (nothing changed);
 * - between DISABLE_IGMP and ENABLE_IGMP of an interface (the spec: "while
 *   disabled IGMP adds or deletes nothing there"), mgm_membership_add and
 *   _delete by IGMP on that interface return -EAGAIN (nothing changed).
 *
 * Interfaces are (ifindex, next hop): ifindex is the forwarding cache's
 * logical interface id, next hop tells neighbours apart on
 * point-to-multipoint links (0 elsewhere).
 */
#ifndef MCFWD_MGM_H
#define MCFWD_MGM_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include "mfc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** IGMP's protocol id (as in MGM's header). */
#define MGM_PROTO_IGMP 10

/** Handle of a registered client; 0 is never valid. Stale handles are
 * detected (generation) and refused with -EINVAL. */
typedef uint64_t mgm_handle_t;

/** Membership flags. */
#define MGM_JOIN_STATE    0x1 /**< membership: updates every matching MFE */
/** the interface in that one (S,G) MFE's OIF list (never a (*,G)'s MFEs);
 * kept as a state of the key: it holds for the MFE there is and for one
 * made later, until deleted */
#define MGM_FORWARD_STATE 0x2

struct mgm_if {
	uint32_t ifindex;
	uint32_t nexthop;
};

/** One OIF handed to CREATION_ALERT; the client may clear `enabled`. */
struct mgm_alert_oif {
	struct mgm_if ifc;
	bool enabled;
};

/** The nine callbacks. Any may be NULL. `ctx` is the client's. */
struct mgm_callbacks {
	/** RPF: asked of the owner of the interface towards S when an MFE is
	 * created; it may rewrite the incoming interface and upstream. */
	void (*rpf)(void *ctx, uint32_t src, uint32_t grp, struct mgm_if *iif,
		    uint32_t *upstream, const void *hdr, size_t hdr_len);
	/** After an MFE is built, to each client owning OIFs of it: only that
	 * client's OIFs; it may veto some by clearing `enabled`. An OIF that
	 * changes hands in a callback (a take, a release; the same owner
	 * leaving and coming back too) is asked of its new owner in turn,
	 * whose answer replaces the old one; after 4 rounds
	 * of such changes an OIF whose owner was not asked is vetoed. */
	void (*creation_alert)(void *ctx, uint32_t src, uint32_t grp, struct mgm_if iif,
			       struct mgm_alert_oif *oifs, uint32_t n);
	/** New receivers on other clients' interfaces (rules in the spec). */
	void (*join_alert)(void *ctx, uint32_t src, uint32_t smask, uint32_t grp,
			   uint32_t gmask, bool member_update);
	/** Receivers gone; with member_delete false the client may set the MFE
	 * timeout in seconds (*timeout_s). */
	void (*prune_alert)(void *ctx, uint32_t src, uint32_t smask, uint32_t grp,
			    uint32_t gmask, struct mgm_if ifc, bool member_delete,
			    uint32_t *timeout_s);
	/** A packet of (S,G) arrived on an interface that is not its iif. */
	void (*wrong_if)(void *ctx, uint32_t src, uint32_t grp, struct mgm_if ifc,
			 const void *hdr, size_t hdr_len);
	/** To the owner of an interface when IGMP adds/deletes a membership. */
	void (*local_join)(void *ctx, uint32_t src, uint32_t grp, struct mgm_if ifc);
	void (*local_leave)(void *ctx, uint32_t src, uint32_t grp, struct mgm_if ifc);
	/** To IGMP around any ownership change of an interface it runs on. */
	void (*disable_igmp)(void *ctx, struct mgm_if ifc);
	void (*enable_igmp)(void *ctx, struct mgm_if ifc);
};

struct mgm;

/** Memberships MGM accepts on one interface by default (all clients
 * together; beyond it mgm_membership_add returns -ENOSPC). Public so that
 * clients can size their own caps below it (IGMP does). */
#define MGM_DEF_MAX_MEMBERS_PER_IF 65536u

struct mgm_params {
	struct mfc *cache;           /**< the forwarding cache MGM publishes to (required) */
	uint32_t max_mfes;           /**< default: the cache's capacity */
	uint32_t max_members_per_if; /**< memberships per interface (default MGM_DEF_MAX_MEMBERS_PER_IF) */
	uint32_t mfe_timeout_s;      /**< default MFE timeout (0: 900; MGM_TIMEOUT_NEVER: MFEs
				      *   with OIFs never age, as a timeout of 0 means) */
	uint32_t negative_timeout_s; /**< timeout of MFEs created without OIF (10); one
				      *   that gains OIFs gets mfe_timeout_s */
	uint32_t max_routes;         /**< unicast routes for RPF (default 65536) */
	uint64_t (*now)(void *arg);  /**< clock in seconds (default: CLOCK_MONOTONIC) */
	void *now_arg;
	const char *name;            /**< unique name for DPDK objects (default "mgm") */
	uint64_t (*now_ms)(void *arg); /**< clock for timers, ms (default: CLOCK_MONOTONIC) */
	uint32_t flags;              /**< MGM_F_* */
};
/** mgm_params.mfe_timeout_s: no ageing (0 there means the default). */
#define MGM_TIMEOUT_NEVER UINT32_MAX

/** When no unicast route covers S, treat the interface the packet arrived
 * on as the RPF interface: its owner gets the RPF callback (and may rewrite
 * the incoming interface). This is how smcroute-style static routes
 * ("mroute from IF ...") work without unicast routes. Off: no route makes
 * the MFE negative (MGM's behaviour). */
#define MGM_F_RPF_RX_FALLBACK 0x1

/** Create. Needs DPDK EAL initialised (rte_lpm for RPF). NULL + errno. */
struct mgm *mgm_create(const struct mgm_params *p);
/** Destroy; the cache is left to its owner. */
void mgm_destroy(struct mgm *m);

/* ---- clients ---- */
int mgm_protocol_register(struct mgm *m, uint32_t proto_id, uint32_t component_id,
			  const struct mgm_callbacks *cb, void *ctx, mgm_handle_t *out);
/** -EBUSY while it still owns interfaces; afterwards the handle is dead. */
int mgm_protocol_deregister(struct mgm *m, mgm_handle_t h);
/** The seed's sequence: release every owned interface (IGMP bracketing,
 * purge), then deregister. */
int mgm_protocol_shutdown(struct mgm *m, mgm_handle_t h);

/* ---- interface ownership ---- */
/** Take an interface: one routing protocol per interface, IGMP may co-own.
 * A routing protocol taking one where IGMP runs: DISABLE_IGMP, then
 * LOCAL_JOIN to it for each membership IGMP has there (in (group, source)
 * order: it learns of the receivers it would have heard of, had IGMP
 * added them after the take), then ENABLE_IGMP. @return 0, -EINVAL,
 * -EEXIST, -EBUSY, -ENOMEM (nothing changed). */
int mgm_interface_take(struct mgm *m, mgm_handle_t h, uint32_t ifindex, uint32_t nexthop);
/**
 * Release an interface (IGMP bracketing, memberships on it dropped, every
 * forwarding entry of it purged from the cache with one grace period: when
 * it returns nothing forwards on it). The MFEs whose iif it was (when no
 * other next hop of its ifindex is owned, every MFE whose iif has that
 * ifindex: the cache purges by ifindex) are gone at once for every MGM
 * call (count, get, enumeration, ageing, updates, a new create of the
 * same (S,G)); only the freeing of their records is deferred
 * to mgm_poll() (see mgm_mfe_reap_pending()), so the call does not grow
 * with their number. Alerts, as leaves would raise them, after the purge
 * (and before ENABLE_IGMP): PRUNE_ALERT (member_delete false) to the
 * upstream owner of each MFE the purge left without OIF, unless that is
 * the releasing client itself (its own change; a shutdown releases every
 * interface, and a million self-alerts made it 6-10 times longer), then, per
 * dropped membership, LOCAL_LEAVE to the owner when IGMP stops on an
 * interface it keeps, and PRUNE_ALERTs by the usual rules. A routing
 * owner's CREATION_ALERT vetoes of the interface go with it (a first
 * packet would find no owner to veto it): IGMP's members re-added there
 * reach the MFEs again.
 * @return 0, -EINVAL, -EBUSY.
 */
int mgm_interface_release(struct mgm *m, mgm_handle_t h, uint32_t ifindex, uint32_t nexthop);
/** Routing protocol owning the interface (IGMP if it is the only one). */
int mgm_interface_owner(struct mgm *m, uint32_t ifindex, uint32_t nexthop,
			uint32_t *proto_id, uint32_t *component_id);

/** TTL threshold of an interface as an OIF (forward iff packet TTL > ttl;
 * 1..255, default 1, like Linux ipmr's vif threshold). A change applies
 * at once: the MFEs with the interface as an OIF are republished.
 * @return 0, -EINVAL. */
int mgm_interface_ttl_set(struct mgm *m, uint32_t ifindex, uint8_t ttl);
/** The threshold (1..255) or -EINVAL. */
int mgm_interface_ttl_get(const struct mgm *m, uint32_t ifindex);

/* ---- memberships ---- */
/** (S,G), (*,G) with src = smask = 0, (*,*) with grp = gmask = 0 too.
 * flags: MGM_JOIN_STATE and/or MGM_FORWARD_STATE, held per client: each
 * client's states are its own, and an interface forwards by the union of
 * every client's. Order (the spec's lifecycle): the MFEs are republished
 * (JOIN_ALERT, member_update false, for each whose list grew, to its iif's
 * owner unless that made the change), then LOCAL_JOIN to the owner
 * (caller IGMP), then JOIN_ALERT by the rules; a callback thus finds the
 * join in the forwarding state. For the rules, IGMP's state on an
 * interface a routing protocol owns is that owner's, and the caller is
 * never alerted of its own change. */
int mgm_membership_add(struct mgm *m, mgm_handle_t h, uint32_t src, uint32_t smask,
		       uint32_t grp, uint32_t gmask, uint32_t ifindex, uint32_t nexthop,
		       uint32_t flags);
/** The mirror of add: removes the caller's states in flags (0: all of
 * them); the other states it holds there, and other clients', stay.
 * LOCAL_LEAVE and PRUNE_ALERT when the caller holds no state there any
 * more, after the MFEs are republished (PRUNE_ALERT, member_delete false,
 * for each left without OIF). -ENOENT when it holds none of those states. */
int mgm_membership_delete(struct mgm *m, mgm_handle_t h, uint32_t src, uint32_t smask,
			  uint32_t grp, uint32_t gmask, uint32_t ifindex, uint32_t nexthop,
			  uint32_t flags);

/* ---- routes for RPF ---- */
/** A unicast route towards sources: the most specific one covering S gives
 * its RPF interface. The same prefix again replaces the interface. len 0
 * is the default route. Addresses' connected routes are routes too. */
int mgm_route_add(struct mgm *m, uint32_t prefix, uint8_t len, uint32_t ifindex,
		  uint32_t nexthop);
int mgm_route_delete(struct mgm *m, uint32_t prefix, uint8_t len);
struct mgm_route {
	uint32_t prefix; /**< host bits cleared */
	uint8_t len;
	struct mgm_if ifc;
};
/** Walk the routes: *cursor = 0 to start; each call gives the next one
 * (the default route first, then in no particular order). @return 0,
 * -ENOENT at the end, -EINVAL. */
int mgm_route_next(const struct mgm *m, uint32_t *cursor, struct mgm_route *out);

/* ---- interface addresses ----
 * An address makes its prefix a connected route for RPF; the first
 * address of an interface is its primary one (IGMP's querier address).
 * @return 0, -EEXIST (the address is there already, or another
 *   interface has an address with the same prefix: a connected route has
 *   one interface), -ENOSPC, -EINVAL, -ENOMEM. */
int mgm_interface_address_add(struct mgm *m, uint32_t ifindex, uint32_t addr, uint8_t len);
/** Delete an address and its connected route; a route to another
 * interface that has since taken the same prefix stays. */
int mgm_interface_address_delete(struct mgm *m, uint32_t ifindex, uint32_t addr, uint8_t len);
/** Primary address of ifindex: 0 or -ENOENT. */
int mgm_interface_address(struct mgm *m, uint32_t ifindex, uint32_t *addr, uint8_t *len);

/* ---- data-driven creation, wrong interface, ageing ---- */
/**
 * A packet of (S,G) had no MFE (the punt path): RPF of S, RPF callback to
 * the upstream owner, OIFs = (S,G) + (*,G) + (*,*) memberships minus the
 * iif minus vetoes, CREATION_ALERT, published to the cache (negative when
 * no OIF or no owner upstream). @return 0, -EEXIST, -ENOSPC, -EINVAL.
 */
int mgm_mfe_create(struct mgm *m, uint32_t src, uint32_t grp, uint32_t rx_ifindex,
		   const void *hdr, size_t hdr_len);
/** A packet arrived on the wrong interface: WRONG_IF to the owner of that
 * interface, at most once a second per MFE. Except for a negative MFE made
 * by MGM_F_RPF_RX_FALLBACK on an interface nobody owned (or IGMP only):
 * when this interface has a routing owner and still no route goes towards
 * S, the MFE is made again from it (its owner answers RPF).
 * @return 1 if called, 0, -ENOENT (or mgm_mfe_create()'s error). */
int mgm_wrong_if(struct mgm *m, uint32_t src, uint32_t grp, uint32_t rx_ifindex,
		 const void *hdr, size_t hdr_len);
/** Delete MFEs idle longer than their timeout (0: never). @return deleted. */
int mgm_age(struct mgm *m);
/**
 * The same for about `budget` MFEs, resuming where the last call stopped:
 * a control loop calls it often with a small budget so that ageing a
 * million MFEs never holds the thread for long (a full mgm_age() at 1M MFEs
 * takes most of a second). *wrapped (optional) tells that the sweep went
 * round. @return deleted, or -EINVAL.
 */
int mgm_age_some(struct mgm *m, uint32_t budget, bool *wrapped);

/* ---- administrative reads ---- */
struct mgm_mfe {
	uint32_t src, grp;
	struct mgm_if iif;
	uint32_t upstream;
	uint32_t n_oifs;
	uint32_t timeout_s;
	uint64_t created_s, expires_s;   /**< expires 0: never */
	uint64_t id;                     /**< this MFE's creation: a re-created (S,G) has a new one */
	bool negative;
};
struct mgm_mfe_oif {
	struct mgm_if ifc;
	uint8_t ttl;
	bool enabled;
};
/** The spec's per-MFE counters (MIB_IPMCAST_MFE_STATS), summed over the
 * workers from the forwarding cache's counters. */
struct mgm_mfe_stats {
	struct mgm_mfe mfe;
	uint64_t in_pkts;           /**< arrived on the iif (RPF passed) */
	uint64_t in_octets;         /**< their IP bytes */
	uint64_t pkts_different_if; /**< arrived on another interface */
	uint64_t in_discards;       /**< matched but sent nowhere: a negative MFE, or
				     *   no OIF could take it (TTL, MTU, interface) */
	/** Packets of this (S,G) that arrived on its iif with TTL <= 1 (the
	 * spec's "in header errors (e.g. TTL)"), dropped and not in in_pkts.
	 * A packet whose IPv4 header is bad (version, length, checksum,
	 * source) is not: its (S,G) cannot be trusted; it is dropped while
	 * it is classified and counted per worker only (mcfwd_wstats
	 * bad_hdr). A TTL not above one OIF's threshold is that OIF's
	 * ttl_too_low. */
	uint64_t in_hdr_errors;
	uint64_t out_pkts;          /**< sent, one per OIF (N OIFs: N) */
	/** Packets that did not get onto an OIF's queue: the OIFs'
	 * out_discards summed (replicas a TX queue or the hand-over ring to
	 * the queue's worker refused, and replicas no mbuf could be had for),
	 * over every OIF slot including interfaces purged from the list, as
	 * out_pkts. A handed-over replica the owner's port then refuses is
	 * counted in the worker's and port's tx_discards only (its entry may
	 * be gone by then). */
	uint64_t queue_overflow;
};
struct mgm_oif_stats {
	struct mgm_if ifc;
	/** This OIF's instance on the MFE: the same while it stays on the
	 * list; one that left and came back is a new instance, counting from
	 * 0, with a new serial (never 0) */
	uint32_t serial;
	uint64_t out_pkts;
	uint64_t out_discards; /**< refused by the TX queue or the hand-over ring, or no mbuf */
	uint64_t ttl_too_low;  /**< TTL not above the OIF's threshold */
	uint64_t frag_needed;  /**< longer than the OIF's MTU */
};

/** One MFE. -ENOENT; -ENOSPC with *n_oifs = needed when oifs is too small;
 * oifs NULL with n_oifs: count only (*n_oifs = the OIFs, 0 returned), as
 * mgm_mfe_stats_get(). */
int mgm_mfe_get(struct mgm *m, uint32_t src, uint32_t grp, struct mgm_mfe *out,
		struct mgm_mfe_oif *oifs, uint32_t *n_oifs);
/** Up to max MFEs ordered by group then source, strictly after (src, grp)
 * (even if that MFE is gone); first: mgm_mfe_next(m, 0, 0, ...). 0 with
 * *n = 0: no MFE after it; max 0: -ENOSPC when there is one (as MGM's
 * ERROR_INSUFFICIENT_BUFFER), not the end of the table. */
int mgm_mfe_next(struct mgm *m, uint32_t src, uint32_t grp, struct mgm_mfe *out,
		 uint32_t max, uint32_t *n);
int mgm_mfe_first(struct mgm *m, struct mgm_mfe *out, uint32_t max, uint32_t *n);
/** Up to max MFEs in the same order from the index-th (0: the first), in
 * O(log n + max) once the sorted view is fresh (pages of a long listing
 * without a walk from the start). 0 with *n = 0 past the end. */
int mgm_mfe_at(struct mgm *m, uint32_t index, struct mgm_mfe *out, uint32_t max, uint32_t *n);
int mgm_mfe_stats_get(struct mgm *m, uint32_t src, uint32_t grp, struct mgm_mfe_stats *out,
		      struct mgm_oif_stats *oifs, uint32_t *n_oifs);
int mgm_mfe_stats_next(struct mgm *m, uint32_t src, uint32_t grp,
		       struct mgm_mfe_stats *out, uint32_t max, uint32_t *n);
int mgm_mfe_stats_first(struct mgm *m, struct mgm_mfe_stats *out, uint32_t max, uint32_t *n);
/** Change only the upstream neighbour of an existing MFE; a protocol's
 * call (MgmSetMfe takes the protocol handle). -EINVAL (bad or stale
 * handle), -ENOENT. */
int mgm_mfe_set(struct mgm *m, mgm_handle_t h, uint32_t src, uint32_t grp, uint32_t upstream);
/** Make again the MFE of (src, grp), with src 0 every MFE of grp, with
 * both 0 every MFE, as their first packets would (RPF, CREATION_ALERT):
 * after answers changed (a reloaded configuration: a protocol's routes,
 * the unicast routes). Not in MGM's spec; administrative, as creation
 * (no handle). Each is deleted and made at once (its counters start
 * again); one that cannot be made is gone, and its next packet makes it.
 * @return how many were made, -EINVAL (bad key), -EBUSY (from a
 * callback), -ENOMEM, -ENOSPC. */
int mgm_mfe_redo(struct mgm *m, uint32_t src, uint32_t grp);
/** Changes between these wait for one grace period, at the end, not one
 * each (a reload: its releases and mgm_mfe_redo() calls); they nest.
 * What is released or deleted is hidden from the workers at once. */
void mgm_batch_begin(struct mgm *m);
void mgm_batch_end(struct mgm *m);

/* ---- group enumeration ---- */
struct mgm_group_entry {
	uint32_t src, smask, grp, gmask;
};
typedef uint64_t mgm_enum_t;
int mgm_group_enum_start(struct mgm *m, mgm_handle_t h, mgm_enum_t *e);
/** Up to max entries; *n = 0 at the end. */
int mgm_group_enum_next(struct mgm *m, mgm_enum_t e, struct mgm_group_entry *out,
			uint32_t max, uint32_t *n);
int mgm_group_enum_end(struct mgm *m, mgm_enum_t e);

/* ---- the control thread's loop: timers and file descriptors ----
 * External protocols run inside the control thread: they arm timers and
 * watch sockets here, and need nothing but this header. Callbacks run from
 * mgm_poll() on the control thread and may call any MGM function. */
typedef void (*mgm_timer_fn)(void *arg);
typedef void (*mgm_fd_fn)(int fd, uint32_t events, void *arg);
/** Fire fn after delay_ms, then every period_ms (0: once). *id to stop it. */
int mgm_timer_start(struct mgm *m, uint64_t delay_ms, uint64_t period_ms, mgm_timer_fn fn,
		    void *arg, uint64_t *id);
/** -ENOENT if it already fired (one-shot) or was stopped. */
int mgm_timer_stop(struct mgm *m, uint64_t id);
/** Watch fd for events (EPOLLIN, EPOLLOUT, ...). -EEXIST, -EBADF. */
int mgm_fd_add(struct mgm *m, int fd, uint32_t events, mgm_fd_fn fn, void *arg);
int mgm_fd_del(struct mgm *m, int fd);
/** Wait at most timeout_ms (0: do not wait; -1: until something happens)
 * and run what is due. Each call also frees a slice (4096) of the MFE
 * records of released interfaces; while some are left it does not wait.
 * @return callbacks run, or -errno. */
int mgm_poll(struct mgm *m, int timeout_ms);

/** Counts (control thread; 0 for a NULL manager). MFEs: live ones only. */
uint32_t mgm_mfe_count(const struct mgm *m);
/** Records of MFEs of released interfaces not freed yet (mgm_poll() frees
 * them in slices; they are absent to every other call). */
uint32_t mgm_mfe_reap_pending(const struct mgm *m);
uint32_t mgm_membership_count(const struct mgm *m);

#ifdef __cplusplus
}
#endif
#endif
