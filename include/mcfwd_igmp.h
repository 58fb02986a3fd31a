/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file mcfwd_igmp.h
 * The IGMP router: IGMPv2 (RFC 2236) and IGMPv3 (RFC 3376) router side,
 * with an IGMPv1 mode (RFC 2236 4, RFC 3376 7.3.1) and the source-specific
 * multicast rules of RFC 4604 for 232.0.0.0/8, as an MGM client (protocol
 * MGM_PROTO_IGMP).
 *
 * What it does
 * - Registers with MGM and co-owns (mgm_interface_take) each interface it
 *   is enabled on; a routing protocol may own the same interface.
 * - Querier: startup queries (SQC at SQI), general queries every QI,
 *   election (the lowest address wins; a router that hears a query from a
 *   lower address stops querying until the Other Querier Present timer
 *   expires), group-specific and group-and-source-specific queries on
 *   leaves, BLOCK and TO_IN records (LMQC queries LMQI apart, the group or
 *   source timers lowered to LMQT, the S flag as RFC 3376 6.6.3). Queries
 *   leave from the interface's primary address (mgm_interface_address),
 *   with TTL 1, TOS 0xc0 and the Router Alert option; an interface without
 *   an address tracks members but sends no query. A non-querier's timers
 *   follow the querier's (RFC 3376 4.1.6, 4.1.7, 8): it adopts the QRV
 *   and QQI of the querier's last query, and the Max Resp Time of its
 *   general queries as QRI, for the Other Querier Present Interval, the
 *   Group Membership Interval and the older host timeout (QRV 0: the
 *   configured RV; QQIC 0: the default QI; a v1/v2 query: the interface's
 *   configuration); on the querier's group(-and-source)-specific queries
 *   with the S flag clear it lowers its timers to the querier's LMQT, LMQC
 *   (the adopted QRV unless lmqc is configured) times that query's Max
 *   Resp Time (RFC 2236 3 likewise). When it becomes querier again its own
 *   configuration rules; igmp_if_info's cfg always shows that one.
 * - Membership: router state per (interface, group) as RFC 3376 6.4:
 *   INCLUDE(A) or EXCLUDE(X,Y) with source timers and a group timer, every
 *   record type (IS_IN, IS_EX, TO_IN, TO_EX, ALLOW, BLOCK) as tables 6.4.1
 *   and 6.4.2. IGMPv1/v2 reports are IS_EX({}), v2 leaves TO_IN({}); older
 *   host present timers give the group compatibility mode of 7.3.2 (v2:
 *   BLOCK ignored, TO_EX(S) taken as TO_EX({}); v1: leaves ignored too).
 *   An interface configured for version 2 sends v2 queries and drops v3
 *   reports (counted), as an IGMPv2 router does.
 * - Version 1 (for links with IGMPv1 routers, where every router must run
 *   the lowest version present: RFC 2236 4, RFC 3376 7.3.1): general
 *   queries are IGMPv1 queries (8 bytes, Max Resp Code 0, to 224.0.0.1),
 *   and nothing else is sent: no group-specific or group-and-source-
 *   specific query. Leaves are ignored (counted in rx_leaves and
 *   records_ignored), and so are the specific queries of other routers
 *   (they lower no timer). v1 and v2 reports are IS_EX({}) as RFC 3376
 *   7.3.2 translates them (RFC 2236 4 has a v1-mode router ignore leaves
 *   only); v3 reports are dropped (IGMP_DROP_V3_ON_V1), as an IGMPv1
 *   router ignores them and a v2 interface drops them. The query response
 *   interval is 10 s, what hosts take for a Max Resp Code of 0, in every
 *   timer (GMI, OQPI, older host timeout); a configuration with another
 *   QRI, a QI of 10 s or less, or a last-member-query interval or count
 *   is refused. Querier election stays (the lowest address wins, a v1
 *   query from a lower address included): RFC 2236 4 asks a v2 router
 *   configured for v1 only for Max Resp Time 0 and ignoring leaves, and
 *   IGMPv1 itself left the choice to the routing protocol. On any
 *   interface, queries of another version are counted (older_queries,
 *   newer_queries): the application warns of them, rate-limited, as RFC
 *   2236 4 and RFC 3376 7.3.1 ask. Switching a running interface to version 1 drops the
 *   last-member queries still to be sent (timers they lowered stay).
 * - SSM (RFC 4604): for groups in 232.0.0.0/8, IS_EX and TO_EX records and
 *   v1/v2 reports and leaves are ignored (counted in ssm_ignored).
 * - Records for groups in 224.0.0.0/24 are ignored (counted in
 *   records_ignored; real hosts report 224.0.0.251 and the like), as are
 *   records of unknown type (RFC 3376 4.2.12).
 *
 * Mapping to MGM memberships (JOIN_STATE, next hop 0):
 * - INCLUDE(A): one (S,G) membership per source of A,
 *   mgm_membership_add(h, S, ~0, G, ~0, ifindex, 0, MGM_JOIN_STATE).
 * - EXCLUDE(X,Y): one (*,G) membership. The excluded sources Y are NOT
 *   expressible in MGM's membership model (keys are (S,G), (*,G), (*,*);
 *   an MFE's OIF list is their union, there is no negative membership), so
 *   traffic from Y is still forwarded onto the link while any host wants
 *   the group in EXCLUDE mode; the hosts' own source filters drop it (as
 *   with any router without per-source forwarding exclusion). X sources
 *   are covered by the (*,G) membership and get no (S,G) of their own; if
 *   the group times back into INCLUDE(X) their (S,G) memberships are added
 *   before the (*,G) is deleted, so no packet of X is lost.
 *
 * Pause and resume (MGM's DISABLE_IGMP / ENABLE_IGMP around an ownership
 * change): on DISABLE_IGMP for an interface IGMP stops adding or deleting
 * memberships there, but keeps processing reports, timers and queries. On
 * ENABLE_IGMP it schedules a 0-ms MGM timer (MGM refuses membership calls
 * inside ENABLE_IGMP with -EDEADLK); when that runs, every membership the
 * router state wants on the interface is (re-)added (MGM drops them all
 * when the routing owner releases the interface; re-adding one MGM still
 * has is a no-op) and every one IGMP had added but no longer wants is
 * deleted (-ENOENT ignored). Until then the interface stays paused.
 *
 * Timers: every deadline is in the injectable clock's milliseconds;
 * igmp_tick() does what is due. By default the instance arms a periodic
 * MGM timer (tick_ms, 100 ms) calling igmp_tick(); tick_ms = UINT32_MAX
 * arms none (tests call igmp_tick() after moving their clock).
 *
 * Validation: every received packet is checked before any state changes;
 * a failure drops the whole packet and counts one reason (enum igmp_drop,
 * per interface and globally).
 *
 * Context: control thread only (the thread calling MGM), for every
 * function here. Functions return 0 or a negative errno; the creator
 * returns NULL and sets errno.
 */
#ifndef MCFWD_IGMP_H
#define MCFWD_IGMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgm.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Send an IPv4 packet (header and checksums included) out of ifindex.
 * @return 0 or a negative errno (counted in tx_errors). */
typedef int (*igmp_send_fn)(void *arg, uint32_t ifindex, const void *ip_pkt, size_t len);
/** A monotonic clock in milliseconds. */
typedef uint64_t (*igmp_now_fn)(void *arg);

/** Defaults (RFC 3376 8). */
#define IGMP_DEF_RV 2
#define IGMP_DEF_QI_MS 125000u
#define IGMP_DEF_QRI_MS 10000u
#define IGMP_DEF_LMQI_MS 1000u
/* the ranges igmp_if_cfg_check() accepts (0 in a field: its default) */
#define IGMP_RV_MAX 7u
#define IGMP_QI_MIN_MS 1000u
#define IGMP_QI_MAX_MS 31744000u   /* QQIC's largest code */
#define IGMP_QRI_MIN_MS 100u
#define IGMP_QRI_MAX_MS 3174400u   /* Max Resp Code's largest, in 1/10 s */
#define IGMP_LMQI_MIN_MS 100u
#define IGMP_LMQI_MAX_MS 3174400u
#define IGMP_SSM_PREFIX 0xe8000000u /* 232.0.0.0/8 */

/** Default state caps. IGMP holds at most one MGM membership per source
 * (INCLUDE) plus one per group ((*,G), EXCLUDE) on an interface, so with
 * these defaults it stays well below MGM's default per-interface limit and
 * leaves room for the routing protocol that owns the interface. Raising
 * them past MGM's max_members_per_if only makes MGM refuse the excess. */
#define IGMP_DEF_MAX_GROUPS_PER_IF 4096u
#define IGMP_DEF_MAX_SOURCES_PER_IF 16384u

struct igmp_params {
	struct mgm *mgm;               /**< required */
	igmp_send_fn send;             /**< required */
	void *send_arg;
	igmp_now_fn now_ms;            /**< default CLOCK_MONOTONIC */
	void *now_arg;
	uint32_t component;            /**< MGM component id (default 0) */
	uint32_t tick_ms;              /**< 0: 100; UINT32_MAX: no MGM timer */
	uint32_t max_groups_per_if;    /**< groups in state per interface (IGMP_DEF_MAX_GROUPS_PER_IF) */
	uint32_t max_sources_per_group;/**< sources in state per group (default 1024) */
	uint32_t max_records_per_pkt;  /**< v3 report records (default 256) */
	uint32_t max_sources_per_pkt;  /**< sources in one report/query (default 1024) */
	/** sources in state per interface, all groups together
	 * (IGMP_DEF_MAX_SOURCES_PER_IF) */
	uint32_t max_sources_per_if;
};

/** Per-interface configuration; 0 in any field means its default. */
struct igmp_if_cfg {
	uint8_t version;               /**< 1, 2 or 3 (3) */
	uint8_t robustness;            /**< RV, 1..7 (2) */
	uint32_t query_interval_ms;    /**< QI (125 s), 1 s..31744 s */
	uint32_t query_response_ms;    /**< QRI (10 s), 100 ms..3174.4 s, < QI */
	uint32_t gmi_ms;               /**< group membership interval (RV*QI+QRI = 260 s) */
	uint32_t lmqi_ms;              /**< last member query interval (1 s), 100 ms..3174.4 s */
	uint8_t lmqc;                  /**< last member query count (RV) */
	uint32_t startup_qi_ms;        /**< startup query interval (QI/4) */
	uint8_t startup_qc;            /**< startup query count (RV) */
	bool require_router_alert;     /**< drop packets without the RA option */
};

/** Why a received packet was dropped. */
enum igmp_drop {
	IGMP_DROP_NOT_ENABLED,      /**< IGMP does not run on the interface */
	IGMP_DROP_IP_SHORT,         /**< fewer bytes than an IPv4 header */
	IGMP_DROP_IP_VERSION,       /**< not version 4 */
	IGMP_DROP_IP_IHL,           /**< IHL < 5 or beyond the packet */
	IGMP_DROP_IP_LEN,           /**< total length beyond the frame or below IHL */
	IGMP_DROP_IP_CSUM,          /**< bad IPv4 header checksum */
	IGMP_DROP_IP_FRAGMENT,      /**< MF set or an offset */
	IGMP_DROP_NOT_IGMP,         /**< protocol is not 2 */
	IGMP_DROP_IP_ADDR,          /**< destination not multicast, source multicast/broadcast */
	IGMP_DROP_TTL,              /**< TTL is not 1 */
	IGMP_DROP_NO_ROUTER_ALERT,  /**< RA required and absent */
	IGMP_DROP_IGMP_LEN,         /**< IGMP message shorter than 8 bytes */
	IGMP_DROP_IGMP_CSUM,        /**< bad IGMP checksum (over the whole payload) */
	IGMP_DROP_UNKNOWN_TYPE,     /**< not a query, report or leave */
	IGMP_DROP_QUERY_LEN,        /**< query of 9..11 bytes, or sources beyond the packet */
	IGMP_DROP_RECORD_BOUNDS,    /**< a v3 record beyond the packet */
	IGMP_DROP_BAD_GROUP,        /**< group not multicast (or link-local in a v1/v2 report) */
	IGMP_DROP_BAD_SOURCE,       /**< a source that is not unicast */
	IGMP_DROP_SRC_NOT_ONLINK,   /**< report from outside the interface's prefix (not 0.0.0.0) */
	IGMP_DROP_TOO_MANY_RECORDS, /**< more records than max_records_per_pkt */
	IGMP_DROP_TOO_MANY_SOURCES, /**< more sources than max_sources_per_pkt */
	IGMP_DROP_V3_ON_V2,         /**< v3 report on an interface configured for v2 */
	IGMP_DROP_V3_ON_V1,         /**< v3 report on an interface configured for v1 */
	IGMP_DROP_MAX
};

/** Counters (per interface, or summed for igmp_stats_get(..., IGMP_ALL, ...)). */
struct igmp_stats {
	uint64_t rx;                /**< packets handed to igmp_input */
	uint64_t rx_queries, rx_v1_reports, rx_v2_reports, rx_v3_reports, rx_leaves;
	uint64_t rx_records;        /**< v3 records applied */
	uint64_t records_ignored;   /**< link-local groups, unknown record types, compat rules */
	uint64_t ssm_ignored;       /**< exclude-mode requests for SSM groups */
	uint64_t older_queries;     /**< queries of a version below the interface's */
	uint64_t newer_queries;     /**< queries of a version above the interface's */
	uint64_t tx_general, tx_group, tx_group_source; /**< queries sent */
	uint64_t tx_errors;         /**< send function failures, no address */
	uint64_t mgm_adds, mgm_deletes, mgm_errors; /**< errors: other than -ENOSPC */
	/** groups or sources refused: a max_* cap reached, or MGM's
	 * per-interface limit (an add refused with -ENOSPC, one per retry) */
	uint64_t state_full;
	uint64_t querier_changes;
	uint64_t drops[IGMP_DROP_MAX];
	uint64_t dropped;           /**< sum of drops */
};

#define IGMP_ALL UINT32_MAX

struct igmp;

/** Create and register with MGM (MGM_PROTO_IGMP, p->component).
 * NULL + errno: EINVAL, ENOMEM, EEXIST (already registered). */
struct igmp *igmp_create(const struct igmp_params *p);
/** Release every interface (MGM drops IGMP's memberships), deregister,
 * free. NULL is a no-op. Not from inside an MGM callback. */
void igmp_destroy(struct igmp *ig);

/** Fill c with the defaults: version, RV, QI, QRI and LMQI; the fields
 * derived from them (GMI, LMQC, startup query interval and count) 0, made
 * from the values in effect when the configuration is used. */
void igmp_if_cfg_default(struct igmp_if_cfg *c);
/** Would igmp_if_enable() take cfg (NULL: defaults)? @return 0, or -EINVAL
 * with why (n bytes, may be NULL) naming the parameter and its range,
 * e.g. "robustness 8 out of range 1..7". */
int igmp_if_cfg_check(const struct igmp_if_cfg *cfg, char *why, size_t n);

/** Run IGMP on ifindex (cfg NULL: defaults): mgm_interface_take, then the
 * startup queries. @return 0, -EEXIST (already), -EINVAL (cfg out of
 * range; bad ifindex), -ENOSPC, -ENOMEM, or MGM's error. */
int igmp_if_enable(struct igmp *ig, uint32_t ifindex, const struct igmp_if_cfg *cfg);
/** Stop IGMP on ifindex: mgm_interface_release (MGM deletes its
 * memberships there), state forgotten. @return 0, -ENOENT, MGM's error. */
int igmp_if_disable(struct igmp *ig, uint32_t ifindex);
/** Change the configuration of a running interface; timers already
 * running keep their deadlines. @return 0, -ENOENT, -EINVAL. */
int igmp_if_set_cfg(struct igmp *ig, uint32_t ifindex, const struct igmp_if_cfg *cfg);
/** The configuration of a running interface as it was given (zero fields:
 * defaults or derived values), to change some fields and set it again.
 * @return 0, -ENOENT, -EINVAL. */
int igmp_if_cfg_given(const struct igmp *ig, uint32_t ifindex, struct igmp_if_cfg *out);
bool igmp_if_enabled(const struct igmp *ig, uint32_t ifindex);

/**
 * A received IPv4 packet (from its IP header on; len = the bytes received
 * after the L2 header) on ifindex. Validated first (enum igmp_drop), then
 * applied. @return 0 (accepted, possibly ignored as counted), -EBADMSG
 * (dropped: *why set when why != NULL), -EINVAL (NULL arguments).
 */
int igmp_input(struct igmp *ig, uint32_t ifindex, const void *ip, size_t len,
	       enum igmp_drop *why);

/** Do what is due at the clock's now: queries, retransmissions, timer
 * expiries, MGM calls that failed before (a group whose calls failed is
 * retried 1 s later, then 2, 4 ... up to 32 s apart, until they succeed;
 * sources stay in the router state meanwhile). Called by the MGM timer. */
void igmp_tick(struct igmp *ig);

/** Milliseconds until the next deadline (UINT64_MAX: none). It may be
 * early, never late: a source timer raised since the last tick still
 * counts until then, and that tick finds nothing due. */
uint64_t igmp_next_deadline_ms(const struct igmp *ig);

/* ---- reading the state (CLI, telemetry snapshots) ---- */

enum igmp_filter_mode { IGMP_MODE_INCLUDE = 1, IGMP_MODE_EXCLUDE = 2 };

struct igmp_if_info {
	uint32_t ifindex;
	struct igmp_if_cfg cfg;     /**< defaults filled in */
	uint32_t addr;              /**< our address (0: none) */
	bool querier;               /**< we are the querier */
	uint32_t querier_addr;      /**< the querier's address */
	uint64_t oqp_left_ms;       /**< other querier present timer (0: not running) */
	uint64_t next_query_ms;     /**< next general query (when querier) */
	uint32_t startup_left;      /**< startup queries still to send */
	bool paused;                /**< between DISABLE_IGMP and the resume */
	uint32_t n_groups;
	uint64_t uptime_ms;
	/** in effect: the other querier's robustness, query interval and
	 * query response interval while it queries (what its queries said,
	 * RFC 3376 4.1.6-4.1.7), else cfg's; and the GMI they give */
	uint32_t rv, qi_ms, qri_ms, gmi_ms;
};

struct igmp_group_info {
	uint32_t ifindex, grp;
	enum igmp_filter_mode mode;
	uint8_t compat;             /**< 1, 2 or 3: the group compatibility mode */
	uint64_t timer_ms;          /**< group timer left (EXCLUDE), 0: not running */
	uint64_t v1_host_ms, v2_host_ms; /**< older host present timers left */
	uint64_t uptime_ms;
	uint32_t last_reporter;
	uint32_t n_sources;         /**< sources in state (X+Y, or A) */
};

struct igmp_source_info {
	uint32_t addr;
	uint64_t timer_ms;          /**< 0: excluded (Y) */
	bool forwarding;            /**< in A or X */
};

/** idx-th interface IGMP runs on (0..), in ifindex order; O(1), so a walk
 * over idx is linear. @return 0, -ENOENT past the end, -EINVAL. */
int igmp_if_at(const struct igmp *ig, uint32_t idx, struct igmp_if_info *out);
int igmp_if_info_get(const struct igmp *ig, uint32_t ifindex, struct igmp_if_info *out);
/**
 * idx-th group of ifindex in group order; up to *n_src sources into src
 * (may be NULL with *n_src 0), *n_src set to the number written.
 * @return 0, -ENOENT (past the end or no such interface).
 */
int igmp_group_at(const struct igmp *ig, uint32_t ifindex, uint32_t idx,
		  struct igmp_group_info *out, struct igmp_source_info *src, uint32_t *n_src);
/** Counters of ifindex, or of everything with IGMP_ALL (including drops of
 * packets on interfaces IGMP does not run on). @return 0, -ENOENT. */
int igmp_stats_get(const struct igmp *ig, uint32_t ifindex, struct igmp_stats *out);
/** Number of groups in state on every interface. */
uint32_t igmp_group_count(const struct igmp *ig);
/** Short name of a drop reason ("ip_csum", ...). */
const char *igmp_drop_name(enum igmp_drop d);
/** The MGM handle (tests). */
mgm_handle_t igmp_mgm_handle(const struct igmp *ig);

/* ---- codes (RFC 3376 4.1.1, 4.1.7) ---- */
/** Encode a max response code / QQIC (exponential above 127), rounding
 * down to a value the code holds (a Max Resp Code: hosts answer sooner). */
uint8_t igmp_code_encode(uint32_t v);
/** The same rounding up (QQIC: the interval others take as ours must not
 * be shorter than it); 0xff above 31744. */
uint8_t igmp_code_encode_up(uint32_t v);
uint32_t igmp_code_decode(uint8_t c);

#ifdef __cplusplus
}
#endif
#endif
