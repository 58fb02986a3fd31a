/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file mcfwd_static.h
 * The built-in `static` routing protocol: an MGM client configured like
 * smcroute (phyint / mroute statements of mcfwd_config.h).
 *
 * - It registers with MGM as protocol MCFWD_STATIC_PROTO_ID, component 0.
 * - Interfaces: it owns the interfaces the config names, no others:
 *   every `phyint X enable` and every interface of an mroute (smcroute
 *   enables every system interface unless `phyint X disable`; a DPDK
 *   router has no "all interfaces" to default to, and taking interfaces
 *   nobody mentioned would keep other protocols off them). A disabled
 *   phyint may not be used by an mroute.
 * - ttl-threshold N becomes the interface's OIF threshold in MGM
 *   (mgm_interface_ttl_set); the previous value is restored when static
 *   stops.
 * - Routes: an (S,G) mroute adds (S,G) JOIN_STATE memberships on its OIFs;
 *   a (*,G) template adds (*,G) ones. On data-driven creation the RPF
 *   callback sets the incoming interface to the route's (the (S,G) one,
 *   else the (*,G) template); CREATION_ALERT vetoes OIFs that the matching
 *   route does not list, so the most specific route wins (as smcroute and
 *   Linux ipmr: an (S,G) route is not widened by a template of its group).
 *   The application creates MGM with MGM_F_RPF_RX_FALLBACK: with no
 *   unicast route towards S, the owner of the arrival interface is asked.
 * - Several mroutes with the same (S,G) and the same incoming interface
 *   are merged (their OIFs united); with different incoming interfaces
 *   they are an error.
 * - `mgroup` statements are ignored (a router does not join groups), and
 *   `iface`/`route` statements are the application's, not checked here.
 *
 * Runtime edits (mcfwd_static_mroute_add/_del) and reloads change
 * memberships, which MGM applies to existing MFEs' OIF lists at once. What
 * MGM fixes when an MFE is created (its incoming interface, its
 * CREATION_ALERT vetoes) is redone for the (S,G), or the group of a (*,G)
 * template, whose route an edit or a reload changes: mgm_mfe_redo() makes
 * those MFEs again by the new answers. MFEs of routes left unchanged are
 * not touched.
 *
 * Context: control thread only (the thread that calls MGM), except where
 * stated. Functions return 0 or a negative errno; NULL arguments give
 * -EINVAL; the creator returns NULL and sets errno.
 */
#ifndef MCFWD_STATIC_H
#define MCFWD_STATIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgm.h"
#include "mcfwd_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** 'ST': the protocol id static registers with. */
#define MCFWD_STATIC_PROTO_ID 0x5354

/**
 * Map an interface name (a DPDK port name or an `iface` alias) to its MGM
 * ifindex. Called from static's functions, on their thread.
 * @return 0 (and *ifindex set) or -ENOENT.
 */
typedef int (*mcfwd_static_resolve_fn)(void *arg, const char *name, uint32_t *ifindex);

struct mcfwd_static;

/** Create (not running: nothing registered). NULL + errno (EINVAL, ENOMEM). */
struct mcfwd_static *mcfwd_static_create(struct mgm *m, mcfwd_static_resolve_fn resolve,
					 void *arg);

/** Shut down if running, then free. NULL is a no-op. */
void mcfwd_static_destroy(struct mcfwd_static *s);

/** The name of an MGM ifindex, for messages (NULL: none). */
typedef const char *(*mcfwd_static_ifname_fn)(void *arg, uint32_t ifindex);
/** Name interfaces in mcfwd_static_mroute_add()'s messages ("interface
 * 'NAME'"; without it, or for an index it has no name for, "interface N").
 * fn gets the create's arg. */
void mcfwd_static_set_ifname(struct mcfwd_static *s, mcfwd_static_ifname_fn fn);

/**
 * Check everything apply could refuse, changing nothing: unknown interface
 * names ("FILE:LINE: unknown interface 'eth9'"), an mroute using a
 * disabled phyint, a phyint given twice for one interface, an interface
 * owned by another routing protocol, two mroutes of one (S,G) with
 * different incoming interfaces, an OIF that is the incoming interface
 * once names are resolved (aliases), duplicate OIFs after resolution.
 * @return 0, -EINVAL (message in err), -ENOMEM.
 */
int mcfwd_static_check(const struct mcfwd_static *s, const struct mcfwd_config *cfg, char *err,
		       size_t errlen);

/**
 * Run static with cfg (which may be freed afterwards: static keeps its own
 * copy). All or nothing: check first; if static already runs, the
 * difference is applied to its registration (thresholds set, interfaces
 * taken, memberships added and deleted, interfaces no longer needed
 * released, the MFEs of routes that came, went or changed made again by
 * mgm_mfe_redo()): an unchanged route's MFEs stay as they are. If that
 * fails midway, the registration is shut down, the old configuration
 * installed again and the error returned. An empty config still
 * registers (static runs, owns nothing). Run-time edits made since the
 * last apply are replaced too: the config is the whole truth.
 * @return 0, -EINVAL (check failed), or the MGM error (-EEXIST, -ENOSPC,
 *   -ENOMEM...) with a message in err.
 */
int mcfwd_static_apply(struct mcfwd_static *s, const struct mcfwd_config *cfg, char *err,
		       size_t errlen);

/**
 * mcfwd_static_apply() that keeps the configuration it replaced (run-time
 * edits included) until mcfwd_static_commit() or mcfwd_static_revert():
 * for a caller whose own later step may fail (the app's IGMP step of a
 * reload). Nothing else should change static in between. A failure goes
 * back as mcfwd_static_apply()'s does, and keeps nothing.
 */
int mcfwd_static_apply_tentative(struct mcfwd_static *s, const struct mcfwd_config *cfg,
				 char *err, size_t errlen);

/** The tentative apply stands (what it replaced is freed). No-op without one. */
void mcfwd_static_commit(struct mcfwd_static *s);

/**
 * Back to what the tentative apply replaced, as it was (not running: shut
 * down), by the same diff backwards, interfaces the operator had released
 * (mcfwd_static_iface_release()) released again; failing midway, shut
 * down and that configuration installed whole. No-op (0) without a
 * tentative apply (a shutdown or an apply since commits it).
 * @return 0, -EINVAL, or MGM's error (a message in err).
 */
int mcfwd_static_revert(struct mcfwd_static *s, char *err, size_t errlen);

/**
 * Stop: mgm_protocol_shutdown (every owned interface released with the
 * IGMP bracketing, its MFEs purged; then deregistered), TTL thresholds
 * restored, routes forgotten. Not running: 0.
 */
int mcfwd_static_shutdown(struct mcfwd_static *s);

/** Registered with MGM? false for NULL. */
bool mcfwd_static_running(const struct mcfwd_static *s);

/**
 * Add an mroute at run time (src 0: a (*,G) template) to the running
 * configuration. Not running (never applied, or shut down): -ENOENT, and
 * static is not started (an empty start would silently drop what a
 * shut-down configuration had); mcfwd_static_apply() starts it. If (src,
 * grp) exists with the same iif, the OIFs are added to it; with another
 * iif: -EEXIST. Interfaces are taken as needed. All or nothing.
 * @return 0, -ENOENT (not running), -EINVAL (bad address, iif among oifs, duplicate oif, n 0 or
 *   above MCFWD_CFG_OIFS_MAX, an interface disabled by a phyint or released
 *   with mcfwd_static_iface_release()),
 *   -EEXIST, or the MGM error (-EEXIST: an interface owned by another
 *   protocol; -ENOSPC, -ENOMEM). The message, if err is given.
 */
int mcfwd_static_mroute_add(struct mcfwd_static *s, uint32_t iif, uint32_t src, uint32_t grp,
			    const uint32_t *oifs, uint16_t n, char *err, size_t errlen);

/**
 * Delete an mroute (src 0: the (*,G) template) with its memberships; an
 * interface no longer used by any mroute nor enabled by a phyint is
 * released (which purges the MFEs it carried). @return 0, -ENOENT, -EINVAL.
 */
int mcfwd_static_mroute_del(struct mcfwd_static *s, uint32_t src, uint32_t grp);

/**
 * Release one interface static owns (mgm_interface_release: IGMP
 * bracketing, the MFEs it carried purged, memberships on it dropped). The
 * routes stay configured but forward neither from nor to it until
 * mcfwd_static_iface_take() or the next apply.
 * @return 0, -ENOENT (static does not own it), -EINVAL, or MGM's error.
 */
int mcfwd_static_iface_release(struct mcfwd_static *s, uint32_t ifindex);

/**
 * Take back an interface released with mcfwd_static_iface_release() and
 * re-add the memberships of the routes using it. All or nothing.
 * @return 0, -ENOENT (not an interface of static's routes or phyints),
 *   -EALREADY (owned already), -EINVAL (disabled by a phyint), MGM's error.
 */
int mcfwd_static_iface_take(struct mcfwd_static *s, uint32_t ifindex);

/**
 * The interface is gone for good (its port detached; its id may come back
 * as another interface): it is released if owned, routes from it are
 * deleted, routes to it lose it (deleted when it was their last OIF), its
 * TTL threshold goes back to MGM's, and static forgets it, so that a new
 * interface on the id starts clean. Control thread.
 * @return 0, -EINVAL, -ENOENT (static does not know it).
 */
int mcfwd_static_iface_forget(struct mcfwd_static *s, uint32_t ifindex);

/** Counters and sizes for `show protocols`. */
struct mcfwd_static_info {
	bool running;
	uint32_t n_mroutes;      /**< (S,G) routes and (*,G) templates */
	uint32_t n_templates;    /**< (*,G) among them */
	uint32_t n_ifaces;       /**< interfaces owned */
	uint64_t rpf;            /**< RPF callbacks */
	uint64_t rpf_hits;       /**< of which matched a route */
	uint64_t creation_alerts;
	uint64_t oifs_vetoed;
	uint64_t wrong_if, join_alerts, prune_alerts, local_joins, local_leaves;
};
int mcfwd_static_info_get(const struct mcfwd_static *s, struct mcfwd_static_info *out);

/** One configured mroute, as returned by the iterator. */
struct mcfwd_static_mroute {
	uint32_t src;            /**< 0: (*,G) template */
	uint32_t grp;
	uint32_t iif;
	uint16_t n_oifs;
	const uint32_t *oifs;    /**< sorted; valid until the next change of static */
	struct mcfwd_cfg_loc loc; /**< where it was configured; file NULL: run time */
};

/**
 * The idx-th mroute (0..n_mroutes-1, in no particular order; an edit may
 * reorder). @return 0, -ENOENT past the end, -EINVAL.
 */
int mcfwd_static_mroute_get(const struct mcfwd_static *s, uint32_t idx,
			    struct mcfwd_static_mroute *out);

/** An interface static knows: owned, or named by a phyint. */
struct mcfwd_static_iface {
	uint32_t ifindex;
	bool owned;              /**< taken in MGM */
	bool phyint_enable;      /**< `phyint X enable` */
	bool phyint_disable;     /**< `phyint X disable` (never owned) */
	uint8_t ttl;             /**< ttl-threshold, 0: not set */
	uint32_t refs;           /**< uses by mroutes (as iif or oif) */
};

/** The idx-th interface (in no particular order). @return 0, -ENOENT, -EINVAL. */
int mcfwd_static_iface_get(const struct mcfwd_static *s, uint32_t idx,
			   struct mcfwd_static_iface *out);

#ifdef __cplusplus
}
#endif
#endif
