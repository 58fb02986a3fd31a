/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IGMP router (see include/mcfwd_igmp.h): RFC 2236, RFC 3376 router
 * side, RFC 4604 for the SSM range, as an MGM client.
 *
 * State: interfaces in an array sorted by ifindex (binary search; the
 * idx-th in order is ifs[idx], so a walk with igmp_if_at is linear); per
 * interface the groups in an array sorted by address (binary search; a
 * report names few groups); per group
 * its sources in an array sorted by address (binary search; bounded by max_sources_per_group, and
 * all groups of an interface together by max_sources_per_if). Live counts
 * (sources per group and per interface, live groups per interface) are
 * kept as the state changes, so that a cap check or a read does not walk
 * every group and source.
 * Each group and source remembers what IGMP installed in MGM
 * (star_installed, installed), so that MGM is told only differences and a
 * paused interface can be caught up later. A group whose MGM calls failed
 * is parked: its adds wait for a retry time that doubles at each failure
 * (RETRY_MIN_MS, up to 32 times that), so an interface MGM finds full (-ENOSPC,
 * counted in state_full) costs one refused call per group and retry, not
 * one per source and tick. A source or group that left the router state
 * but is still installed stays (live = false) until MGM is told.
 *
 * Pure C but for MGM; no DPDK (the clock and the send function are
 * injected). Control thread only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcfwd_igmp.h"
#include "mcfwd_pkt.h"

#define IGMP_QUERY 0x11
#define IGMP_V1_REPORT 0x12
#define IGMP_V2_REPORT 0x16
#define IGMP_V2_LEAVE 0x17
#define IGMP_V3_REPORT 0x22

/* v3 record types (RFC 3376 4.2.12) */
#define REC_IS_IN 1
#define REC_IS_EX 2
#define REC_TO_IN 3
#define REC_TO_EX 4
#define REC_ALLOW 5
#define REC_BLOCK 6

/* The defaults must fit in MGM's default per-interface limit: one (S,G)
 * per source and one (*,G) per group at most. */
_Static_assert(IGMP_DEF_MAX_SOURCES_PER_IF + IGMP_DEF_MAX_GROUPS_PER_IF <= MGM_DEF_MAX_MEMBERS_PER_IF,
	       "IGMP's default caps exceed MGM's per-interface limit");

/* Retry of a group's failed MGM calls: after RETRY_MIN_MS, doubling at
 * every failure up to RETRY_MIN_MS << RETRY_MAX_SHIFT. */
#define RETRY_MIN_MS 1000u
#define RETRY_MAX_SHIFT 5 /* 32 s */

#define ALL_HOSTS 0xe0000001u /* 224.0.0.1 */
#define IP_HDR_LEN 24         /* 20 + Router Alert */
#define MAX_Q_SOURCES ((1500 - IP_HDR_LEN - 12) / 4)

enum { IF_RUN, IF_PAUSED, IF_RESUMING };

struct isrc {
	uint32_t addr;
	uint64_t expires;   /* source timer deadline; 0: not running (Y) */
	uint8_t rxmit;      /* group-and-source query retransmissions left */
	uint64_t rx_next;   /* when its next one is due (each source its own) */
	bool live;          /* in the router state (counted in n_live, n_src) */
	bool installed;     /* (S,G) membership added in MGM */
	bool mark;          /* scratch: in the record being applied */
	bool unplugged;     /* scratch (grp_sync): deleted to make room for the (*,G) */
};

struct igroup {
	uint32_t grp;
	uint8_t mode;       /* IGMP_MODE_* */
	uint64_t timer;     /* group timer deadline (EXCLUDE); 0: not running */
	uint64_t v1_until, v2_until; /* older host present timers; 0: not running */
	uint64_t created;
	uint32_t last_reporter;
	uint8_t g_rxmit;    /* group-specific query retransmissions left */
	uint64_t g_next, s_next;
	/* No deadline beyond these is missed without a walk of s[]: s_min is
	 * at or before the earliest running source timer (0: none runs);
	 * s_pending is set while some source may have retransmissions left. */
	uint64_t s_min;
	bool s_pending;
	bool star_installed;
	bool dirty;         /* MGM not in line with the state */
	bool readd;         /* re-add every wanted membership (MGM may have
			     * dropped what `installed` says) */
	uint8_t retry_shift;/* failures in a row, capped at RETRY_MAX_SHIFT */
	uint64_t retry_at;  /* after a failure: no add before; 0: none */
	bool counted;       /* counted in the interface's n_live_groups */
	uint32_t n, cap;
	uint32_t n_live;    /* sources of s[] that are live */
	struct isrc *s;
};

struct iif {
	struct igmp *ig;
	uint32_t ifindex;
	struct igmp_if_cfg cfg; /* resolved: no zero field */
	struct igmp_if_cfg given; /* as given (zero: the default, or derived) */
	bool querier;
	uint32_t querier_addr;
	uint64_t oqp_expiry;    /* 0: no other querier */
	/* The other querier's QRV, QQI and QRI (Max Resp Code of its general
	 * queries) from its last query: a non-querier's timers follow the
	 * querier's (RFC 3376 4.1.6, 4.1.7, 8). 0: none (v1/v2 query, or not
	 * given): our configuration. Cleared when we query again. */
	uint8_t oq_rv;
	uint32_t oq_qi_ms, oq_qri_ms;
	uint64_t next_gq;
	uint32_t startup_left;
	int state;              /* IF_* */
	uint64_t resume_tid;
	bool resume_armed;
	uint64_t created;
	uint16_t ip_id;
	uint32_t n, cap;        /* groups, sorted by address */
	uint32_t n_live_groups; /* groups g with grp_live(g) (as of their last change) */
	uint32_t n_src;         /* live sources of every group */
	struct igroup **g;
	struct igmp_stats st;
};

struct igmp {
	struct igmp_params p;
	mgm_handle_t h;
	uint64_t tick_tid;
	bool tick_armed;
	uint32_t n_if, cap_if;
	struct iif **ifs;
	struct igmp_stats st;   /* everything, including interfaces gone */
	uint32_t n_groups;
};

#define CNT(ig, f, field)                  \
	do {                               \
		(ig)->st.field++;          \
		if ((f) != NULL)           \
			(f)->st.field++;   \
	} while (0)

static const char *const drop_names[IGMP_DROP_MAX] = {
	[IGMP_DROP_NOT_ENABLED] = "not_enabled",
	[IGMP_DROP_IP_SHORT] = "ip_short",
	[IGMP_DROP_IP_VERSION] = "ip_version",
	[IGMP_DROP_IP_IHL] = "ip_ihl",
	[IGMP_DROP_IP_LEN] = "ip_len",
	[IGMP_DROP_IP_CSUM] = "ip_csum",
	[IGMP_DROP_IP_FRAGMENT] = "ip_fragment",
	[IGMP_DROP_NOT_IGMP] = "not_igmp",
	[IGMP_DROP_IP_ADDR] = "ip_addr",
	[IGMP_DROP_TTL] = "ttl",
	[IGMP_DROP_NO_ROUTER_ALERT] = "no_router_alert",
	[IGMP_DROP_IGMP_LEN] = "igmp_len",
	[IGMP_DROP_IGMP_CSUM] = "igmp_csum",
	[IGMP_DROP_UNKNOWN_TYPE] = "unknown_type",
	[IGMP_DROP_QUERY_LEN] = "query_len",
	[IGMP_DROP_RECORD_BOUNDS] = "record_bounds",
	[IGMP_DROP_BAD_GROUP] = "bad_group",
	[IGMP_DROP_BAD_SOURCE] = "bad_source",
	[IGMP_DROP_SRC_NOT_ONLINK] = "src_not_onlink",
	[IGMP_DROP_TOO_MANY_RECORDS] = "too_many_records",
	[IGMP_DROP_TOO_MANY_SOURCES] = "too_many_sources",
	[IGMP_DROP_V3_ON_V2] = "v3_on_v2",
	[IGMP_DROP_V3_ON_V1] = "v3_on_v1",
};

const char *
igmp_drop_name(enum igmp_drop d)
{
	return (unsigned int)d < IGMP_DROP_MAX ? drop_names[d] : "?";
}

/* ---------------------------------------------------------------- */
/* Helpers                                                            */

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool
is_mcast(uint32_t a)
{
	return (a >> 28) == 0xe;
}

static bool
is_linklocal(uint32_t g)
{
	return (g & 0xffffff00u) == 0xe0000000u;
}

static bool
is_ssm(uint32_t g)
{
	return (g & 0xff000000u) == IGMP_SSM_PREFIX;
}

/* A source host: not 0, loopback, multicast, class E or broadcast. */
static bool
is_unicast(uint32_t a)
{
	return a != 0 && a < 0xe0000000u && (a >> 24) != 127;
}

static uint64_t
clock_ms(void *arg)
{
	(void)arg;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
now_of(const struct igmp *ig)
{
	return ig->p.now_ms(ig->p.now_arg);
}

static uint64_t
left(uint64_t deadline, uint64_t now)
{
	return deadline == 0 ? 0 : deadline > now ? deadline - now : 0;
}

uint8_t
igmp_code_encode(uint32_t v)
{
	if (v < 128)
		return (uint8_t)v;
	if (v > 31744)
		v = 31744;
	for (unsigned int e = 0; e < 8; e++) {
		uint32_t m = v >> (e + 3);
		if (m < 32)
			return (uint8_t)(0x80 | (e << 4) | (m - 16));
	}
	return 0xff;
}

uint8_t
igmp_code_encode_up(uint32_t v)
{
	uint8_t c = igmp_code_encode(v);
	if (v > 31744 || igmp_code_decode(c) >= v)
		return c;
	/* the next code up: mantissa + 1, into the next exponent past 31
	 * (0x8f + 1 = 0x90: mantissa 0, exponent + 1, the same arithmetic) */
	return (uint8_t)(c + 1);
}

uint32_t
igmp_code_decode(uint8_t c)
{
	if (c < 128)
		return c;
	return ((uint32_t)(c & 0x0f) | 0x10) << (((c >> 4) & 7) + 3);
}

/* Robustness, query interval and query response interval in effect: the
 * other querier's while it queries (what it told us), else our own. */
static bool
oq_learned(const struct iif *f)
{
	return !f->querier && (f->oq_rv || f->oq_qi_ms || f->oq_qri_ms);
}

static uint64_t
eff_rv(const struct iif *f)
{
	return !f->querier && f->oq_rv ? f->oq_rv : f->cfg.robustness;
}

static uint64_t
eff_qi(const struct iif *f)
{
	return !f->querier && f->oq_qi_ms ? f->oq_qi_ms : f->cfg.query_interval_ms;
}

static uint64_t
eff_qri(const struct iif *f)
{
	return !f->querier && f->oq_qri_ms ? f->oq_qri_ms : f->cfg.query_response_ms;
}

/* Derived timers (RFC 3376 8). */
static uint64_t
gmi(const struct iif *f)
{
	/* our configured GMI (maybe given) unless the querier's timers rule */
	if (!oq_learned(f))
		return f->cfg.gmi_ms;
	return eff_rv(f) * eff_qi(f) + eff_qri(f);
}

/* LMQT of our own queries (querier only). */
static uint64_t
lmqt(const struct iif *f)
{
	return (uint64_t)f->cfg.lmqi_ms * f->cfg.lmqc;
}

static uint64_t
oqpi(const struct iif *f)
{
	return eff_rv(f) * eff_qi(f) + eff_qri(f) / 2;
}

/* Older host present timeout: RV * QI + QRI (7.3.2). */
static uint64_t
ohpt(const struct iif *f)
{
	return eff_rv(f) * eff_qi(f) + eff_qri(f);
}

void
igmp_if_cfg_default(struct igmp_if_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->version = 3;
	c->robustness = IGMP_DEF_RV;
	c->query_interval_ms = IGMP_DEF_QI_MS;
	c->query_response_ms = IGMP_DEF_QRI_MS;
	c->lmqi_ms = IGMP_DEF_LMQI_MS;
	/* the derived ones (GMI, LMQC, startup interval and count) stay 0:
	 * made from the others when the configuration is used, so that a
	 * caller changing the query interval or robustness after this gets
	 * them from its values (GMI filled in here was then below QI + QRI
	 * for a longer QI: refused; found by review) */
}

/* Fill zero fields with defaults (derived from the given RV/QI/QRI) and
 * check ranges. */
/* Why a configuration is out of range (why NULL: not said). */
#define CFG_BAD(...) (why ? (void)snprintf(why, n, __VA_ARGS__) : (void)0, -EINVAL)

static int
cfg_resolve_why(const struct igmp_if_cfg *in, struct igmp_if_cfg *c, char *why, size_t n)
{
	if (in == NULL)
		memset(c, 0, sizeof(*c));
	else
		*c = *in;
	bool lmqi_given = c->lmqi_ms != 0, lmqc_given = c->lmqc != 0;
	if (c->version == 0)
		c->version = 3;
	if (c->robustness == 0)
		c->robustness = IGMP_DEF_RV;
	if (c->query_interval_ms == 0)
		c->query_interval_ms = IGMP_DEF_QI_MS;
	if (c->query_response_ms == 0)
		c->query_response_ms = IGMP_DEF_QRI_MS;
	if (c->lmqi_ms == 0)
		c->lmqi_ms = IGMP_DEF_LMQI_MS;
	if (c->version < 1 || c->version > 3)
		return CFG_BAD("version %u: 1, 2 or 3", c->version);
	if (c->robustness > IGMP_RV_MAX)
		return CFG_BAD("robustness %u out of range 1..%u", c->robustness, IGMP_RV_MAX);
	if (c->query_interval_ms < IGMP_QI_MIN_MS || c->query_interval_ms > IGMP_QI_MAX_MS)
		return CFG_BAD("query-interval %g s out of range %g..%g s", c->query_interval_ms / 1000.0,
			       IGMP_QI_MIN_MS / 1000.0, IGMP_QI_MAX_MS / 1000.0);
	if (c->query_response_ms < IGMP_QRI_MIN_MS || c->query_response_ms > IGMP_QRI_MAX_MS)
		return CFG_BAD("query-response-interval %g s out of range %g..%g s",
			       c->query_response_ms / 1000.0, IGMP_QRI_MIN_MS / 1000.0,
			       IGMP_QRI_MAX_MS / 1000.0);
	/* IGMPv1 mode (RFC 2236 4, RFC 3376 7.3.1): queries carry no Max
	 * Resp Time (hosts take 10 s, the QRI of every timer), and no group-
	 * specific query is ever sent */
	if (c->version == 1 && c->query_response_ms != IGMP_DEF_QRI_MS)
		return CFG_BAD("query-response-interval %g s: version 1 queries carry none (hosts take 10 s)",
			       c->query_response_ms / 1000.0);
	if (c->version == 1 && c->query_interval_ms <= IGMP_DEF_QRI_MS)
		return CFG_BAD("query-interval %g s not above version 1's 10 s response time",
			       c->query_interval_ms / 1000.0);
	if (c->version == 1 && lmqi_given)
		return CFG_BAD("last-member-query-interval given: version 1 sends no group-specific queries");
	if (c->version == 1 && lmqc_given)
		return CFG_BAD("last-member-query-count given: version 1 sends no group-specific queries");
	if (c->query_response_ms >= c->query_interval_ms)
		return CFG_BAD("query-response-interval %g s not below query-interval %g s",
			       c->query_response_ms / 1000.0, c->query_interval_ms / 1000.0);
	if (c->lmqi_ms < IGMP_LMQI_MIN_MS || c->lmqi_ms > IGMP_LMQI_MAX_MS)
		return CFG_BAD("last-member-query-interval %u ms out of range %u..%u ms", c->lmqi_ms,
			       IGMP_LMQI_MIN_MS, IGMP_LMQI_MAX_MS);
	/* a v2 max response time is one byte of 1/10 s */
	if (c->version == 2 && c->query_response_ms > 25500)
		return CFG_BAD("query-response-interval %g s above version 2's 25.5 s",
			       c->query_response_ms / 1000.0);
	if (c->version == 2 && c->lmqi_ms > 25500)
		return CFG_BAD("last-member-query-interval %u ms above version 2's 25500 ms", c->lmqi_ms);
	/* given ones: a membership outlives one query and its answers, and
	 * the startup queries are paced within the query interval (1 ms made
	 * every membership expire between reports, and a query go out every
	 * tick: found by review) */
	if (c->gmi_ms != 0 && c->gmi_ms < c->query_interval_ms + c->query_response_ms)
		return CFG_BAD("group-membership-interval %u ms below query-interval + "
			       "query-response-interval (%u ms)", c->gmi_ms,
			       c->query_interval_ms + c->query_response_ms);
	if (c->startup_qi_ms != 0 && (c->startup_qi_ms < IGMP_QI_MIN_MS ||
				      c->startup_qi_ms > c->query_interval_ms))
		return CFG_BAD("startup-query-interval %u ms out of range %u..%u ms (query-interval)",
			       c->startup_qi_ms, IGMP_QI_MIN_MS, c->query_interval_ms);
	if (c->gmi_ms == 0)
		c->gmi_ms = c->robustness * c->query_interval_ms + c->query_response_ms;
	if (c->lmqc == 0)
		c->lmqc = c->robustness;
	if (c->startup_qi_ms == 0)
		c->startup_qi_ms = c->query_interval_ms / 4;
	if (c->startup_qc == 0)
		c->startup_qc = c->robustness;
	return 0;
}
#undef CFG_BAD

static int
cfg_resolve(const struct igmp_if_cfg *in, struct igmp_if_cfg *c)
{
	return cfg_resolve_why(in, c, NULL, 0);
}

int
igmp_if_cfg_check(const struct igmp_if_cfg *cfg, char *why, size_t n)
{
	struct igmp_if_cfg c;
	if (why != NULL && n > 0)
		why[0] = 0;
	return cfg_resolve_why(cfg, &c, why, n);
}

/* ---------------------------------------------------------------- */
/* Lookups                                                            */

/* Index of ifindex in ig's sorted array, or where it would go (*found
 * false). */
static uint32_t
if_pos(const struct igmp *ig, uint32_t ifindex, bool *found)
{
	uint32_t lo = 0, hi = ig->n_if;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (ig->ifs[mid]->ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < ig->n_if && ig->ifs[lo]->ifindex == ifindex;
	return lo;
}

static struct iif *
if_find(const struct igmp *ig, uint32_t ifindex)
{
	bool found;
	uint32_t i = if_pos(ig, ifindex, &found);
	return found ? ig->ifs[i] : NULL;
}

/* Index of grp in f's sorted array, or where it would go (*found false). */
static uint32_t
grp_pos(const struct iif *f, uint32_t grp, bool *found)
{
	uint32_t lo = 0, hi = f->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (f->g[mid]->grp < grp)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < f->n && f->g[lo]->grp == grp;
	return lo;
}

static struct igroup *
grp_find(const struct iif *f, uint32_t grp)
{
	bool found;
	uint32_t i = grp_pos(f, grp, &found);
	return found ? f->g[i] : NULL;
}

static bool
grp_live(const struct igroup *g)
{
	return g->mode == IGMP_MODE_EXCLUDE || g->n_live > 0;
}

/* Bring f->n_live_groups in line with g after a change of its mode or
 * sources (every change ends in grp_changed, which calls this). */
static void
grp_account(struct iif *f, struct igroup *g)
{
	bool live = grp_live(g);
	if (live == g->counted)
		return;
	g->counted = live;
	if (live)
		f->n_live_groups++;
	else
		f->n_live_groups--;
}

static struct igroup *
grp_create(struct igmp *ig, struct iif *f, uint32_t grp, uint64_t now)
{
	bool found;
	uint32_t i = grp_pos(f, grp, &found);
	if (found)
		return f->g[i];
	if (f->n_live_groups >= ig->p.max_groups_per_if) {
		CNT(ig, f, state_full);
		return NULL;
	}
	if (f->n == f->cap) {
		uint32_t nc = f->cap ? f->cap * 2 : 8;
		struct igroup **nv = realloc(f->g, nc * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		f->g = nv;
		f->cap = nc;
	}
	struct igroup *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->grp = grp;
	g->mode = IGMP_MODE_INCLUDE;
	g->created = now;
	memmove(f->g + i + 1, f->g + i, (f->n - i) * sizeof(*f->g));
	f->g[i] = g;
	f->n++;
	ig->n_groups++;
	return g;
}

static void
grp_free_at(struct igmp *ig, struct iif *f, uint32_t i)
{
	struct igroup *g = f->g[i];
	/* the garbage collector frees only dead groups; if_free any */
	f->n_src -= g->n_live;
	if (g->counted)
		f->n_live_groups--;
	free(g->s);
	free(g);
	memmove(f->g + i, f->g + i + 1, (f->n - i - 1) * sizeof(*f->g));
	f->n--;
	ig->n_groups--;
}

/* Where addr is or would go in g's sources, sorted by address (binary
 * search: a report of hundreds of sources against a group of a thousand
 * scanned the array once per source, ~0.4 M comparisons a packet that
 * any host on the link may send; found by review) */
static uint32_t
src_pos(const struct igroup *g, uint32_t addr)
{
	uint32_t lo = 0, hi = g->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->s[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct isrc *
src_find(const struct igroup *g, uint32_t addr)
{
	uint32_t i = src_pos(g, addr);
	return i < g->n && g->s[i].addr == addr ? &g->s[i] : NULL;
}

/* Set a source timer; every running timer goes through here, so that
 * g->s_min stays at or before the earliest. */
static void
src_timer(struct igroup *g, struct isrc *s, uint64_t t)
{
	s->expires = t;
	if (t != 0 && (g->s_min == 0 || t < g->s_min))
		g->s_min = t;
}

/* The live source addr of g, made live (timer `expires`) if it was not.
 * NULL when the group or the interface is full, or out of memory. */
static struct isrc *
src_get(struct igmp *ig, struct iif *f, struct igroup *g, uint32_t addr, uint64_t expires)
{
	struct isrc *s = src_find(g, addr);
	if (s != NULL && s->live)
		return s;
	if (g->n_live >= ig->p.max_sources_per_group || f->n_src >= ig->p.max_sources_per_if) {
		CNT(ig, f, state_full);
		return NULL;
	}
	if (s == NULL) {
		if (g->n == g->cap) {
			uint32_t nc = g->cap ? g->cap * 2 : 4;
			struct isrc *nv = realloc(g->s, nc * sizeof(*nv));
			if (nv == NULL)
				return NULL;
			g->s = nv;
			g->cap = nc;
		}
		/* in order (a pointer into g->s lasts until the next insertion,
		 * as it did until the next growth) */
		uint32_t i = src_pos(g, addr);
		memmove(g->s + i + 1, g->s + i, (g->n - i) * sizeof(*g->s));
		g->n++;
		s = &g->s[i];
		*s = (struct isrc){ .addr = addr };
	}
	s->live = true;
	g->n_live++;
	f->n_src++;
	src_timer(g, s, expires);
	s->rxmit = 0;
	return s;
}

static void
src_delete(struct iif *f, struct igroup *g, struct isrc *s)
{
	if (s->live) {
		g->n_live--;
		f->n_src--;
	}
	s->live = false;
	s->expires = 0;
	s->rxmit = 0;
}

/* ---------------------------------------------------------------- */
/* MGM                                                                */

/* A membership add refused: -ENOSPC is MGM's per-interface limit, a
 * state cap like IGMP's own (state_full); anything else is an error. */
static void
add_failed(struct igmp *ig, struct iif *f, int rc, bool *full)
{
	if (rc == -ENOSPC) {
		CNT(ig, f, state_full);
		*full = true;
	} else {
		CNT(ig, f, mgm_errors);
	}
}

/* Bring MGM in line with g's state: adds first (make before break), then
 * deletes. resume: MGM may have dropped everything on the interface: add
 * what is wanted even if it was added before (MGM no-ops on what it still
 * has), now even if parked, and again at each retry until one sync gets
 * through (a membership refused or not tried then is still `installed`). */
static void
grp_sync(struct igmp *ig, struct iif *f, struct igroup *g, bool resume)
{
	if (f->state != IF_RUN) {
		g->dirty = true;
		return;
	}
	struct mgm *m = ig->p.mgm;
	bool fail = false, excl = g->mode == IGMP_MODE_EXCLUDE;
	if (resume)
		g->readd = true;
	bool force = g->readd;
	/* parked: no add before the retry time (deletes go on: they only
	 * make room); after one -ENOSPC the interface is full, so the
	 * group's other adds would be refused too */
	bool full = !resume && g->retry_at != 0 && now_of(ig) < g->retry_at;
	bool held = false;
	int rc;
	for (uint32_t i = 0; i < g->n; i++) {
		struct isrc *s = &g->s[i];
		if (!excl && s->live && (force || !s->installed)) {
			if (full) {
				held = true;
				continue;
			}
			rc = mgm_membership_add(m, ig->h, s->addr, ~0u, g->grp, ~0u, f->ifindex, 0,
						MGM_JOIN_STATE);
			if (rc == 0) {
				s->installed = true;
				CNT(ig, f, mgm_adds);
			} else {
				fail = true;
				add_failed(ig, f, rc, &full);
			}
		}
	}
	if (excl && (force || !g->star_installed)) {
		if (full) {
			held = true;
		} else {
			rc = mgm_membership_add(m, ig->h, 0, 0, g->grp, ~0u, f->ifindex, 0,
						MGM_JOIN_STATE);
			if (rc == 0) {
				g->star_installed = true;
				CNT(ig, f, mgm_adds);
			} else {
				fail = true;
				add_failed(ig, f, rc, &full);
			}
		}
	}
	/* Deletes, make before break (found by review: a held or refused add
	 * did not hold back the deletes it was to replace, and the group went
	 * unforwarded until the retry, up to 32 s):
	 * - INCLUDE: the (*,G) goes once every wanted (S,G) is in; until then
	 *   it forwards a superset;
	 * - EXCLUDE: the (S,G)s go once the (*,G) is in. When it is missing
	 *   because the interface is full (refused, or held while parked),
	 *   deleting them makes the room: they go, the (*,G) is tried again
	 *   at once, and if it is still refused they are put back. */
	bool incl_missing = false;
	for (uint32_t i = 0; i < g->n; i++)
		incl_missing |= !excl && g->s[i].live && !g->s[i].installed;
	if (!excl && g->star_installed && !incl_missing) {
		rc = mgm_membership_delete(m, ig->h, 0, 0, g->grp, ~0u, f->ifindex, 0, MGM_JOIN_STATE);
		if (rc == 0 || rc == -ENOENT) {
			g->star_installed = false;
			CNT(ig, f, mgm_deletes);
		} else {
			fail = true;
			CNT(ig, f, mgm_errors);
		}
	}
	bool star_missing = excl && !g->star_installed, del_fail = false, freed = false;
	for (uint32_t i = 0; i < g->n; i++) {
		struct isrc *s = &g->s[i];
		if ((excl || !s->live) && s->installed) {
			if (star_missing && !full)
				continue; /* the (*,G) failed otherwise: they stay */
			rc = mgm_membership_delete(m, ig->h, s->addr, ~0u, g->grp, ~0u, f->ifindex, 0,
						   MGM_JOIN_STATE);
			if (rc == 0 || rc == -ENOENT) {
				s->installed = false;
				s->unplugged = star_missing;
				freed |= star_missing;
				CNT(ig, f, mgm_deletes);
			} else {
				del_fail = true;
				CNT(ig, f, mgm_errors);
			}
		}
	}
	if (freed) {
		rc = mgm_membership_add(m, ig->h, 0, 0, g->grp, ~0u, f->ifindex, 0, MGM_JOIN_STATE);
		if (rc == 0) {
			g->star_installed = true;
			CNT(ig, f, mgm_adds);
			fail = held = false; /* its own refusal or park was all there was */
		} else {
			add_failed(ig, f, rc, &full);
			fail = true;
		}
		for (uint32_t i = 0; i < g->n; i++) {
			struct isrc *s = &g->s[i];
			if (!s->unplugged)
				continue;
			s->unplugged = false;
			if (g->star_installed)
				continue;
			/* still no (*,G): forwarding as before */
			if (mgm_membership_add(m, ig->h, s->addr, ~0u, g->grp, ~0u, f->ifindex, 0,
					       MGM_JOIN_STATE) == 0) {
				s->installed = true;
				CNT(ig, f, mgm_adds);
			} else {
				CNT(ig, f, mgm_errors);
			}
		}
	}
	fail |= del_fail;
	if (fail) {
		/* park the group: the next retry waits twice as long */
		g->retry_at = now_of(ig) + ((uint64_t)RETRY_MIN_MS << g->retry_shift);
		if (g->retry_shift < RETRY_MAX_SHIFT)
			g->retry_shift++;
	} else if (!held) {
		g->retry_at = 0;
		g->retry_shift = 0;
	}
	g->dirty = fail || held;
	if (!g->dirty)
		g->readd = false;
}

/* Forget sources and the group once they are out of the state and MGM. */
static void
grp_gc(struct igmp *ig, struct iif *f, struct igroup *g)
{
	uint32_t j = 0;
	for (uint32_t i = 0; i < g->n; i++)
		if (g->s[i].live || g->s[i].installed)
			g->s[j++] = g->s[i];
	g->n = j;
	if (g->n == 0 && g->mode == IGMP_MODE_INCLUDE && !g->star_installed) {
		bool found;
		uint32_t i = grp_pos(f, g->grp, &found);
		if (found)
			grp_free_at(ig, f, i);
	}
}

/* After a change of g: tell MGM, forget what is gone. g may be freed. */
static void
grp_changed(struct igmp *ig, struct iif *f, struct igroup *g)
{
	grp_account(f, g);
	grp_sync(ig, f, g, false);
	grp_gc(ig, f, g);
}

static void
if_resume(void *arg)
{
	struct iif *f = arg;
	struct igmp *ig = f->ig;
	f->resume_armed = false;
	f->state = IF_RUN;
	for (uint32_t i = 0; i < f->n;) {
		struct igroup *g = f->g[i];
		uint32_t n = f->n;
		grp_sync(ig, f, g, true);
		grp_gc(ig, f, g);
		if (f->n == n)
			i++;
	}
}

static void
cb_disable_igmp(void *ctx, struct mgm_if ifc)
{
	struct igmp *ig = ctx;
	struct iif *f = ifc.nexthop == 0 ? if_find(ig, ifc.ifindex) : NULL;
	if (f == NULL)
		return;
	if (f->resume_armed) {
		(void)mgm_timer_stop(ig->p.mgm, f->resume_tid);
		f->resume_armed = false;
	}
	f->state = IF_PAUSED;
}

static void
cb_enable_igmp(void *ctx, struct mgm_if ifc)
{
	struct igmp *ig = ctx;
	struct iif *f = ifc.nexthop == 0 ? if_find(ig, ifc.ifindex) : NULL;
	if (f == NULL)
		return;
	/* MGM refuses membership calls in here (-EDEADLK): after it returns */
	f->state = IF_RESUMING;
	if (mgm_timer_start(ig->p.mgm, 0, 0, if_resume, f, &f->resume_tid) == 0)
		f->resume_armed = true;
	/* else igmp_tick() resumes it */
}

static const struct mgm_callbacks igmp_callbacks = {
	.disable_igmp = cb_disable_igmp,
	.enable_igmp = cb_enable_igmp,
};

/* ---------------------------------------------------------------- */
/* Queries out                                                        */

static int
if_addr(const struct igmp *ig, const struct iif *f, uint32_t *addr, uint8_t *len)
{
	uint8_t l = 0;
	*addr = 0;
	int rc = mgm_interface_address(ig->p.mgm, f->ifindex, addr, &l);
	if (len)
		*len = l;
	return rc;
}

/* One query: general (grp 0), group-specific (n 0) or group-and-source
 * specific; mrt_ms the max response time. */
static void
send_query(struct igmp *ig, struct iif *f, uint32_t grp, bool sflag, const uint32_t *src,
	   uint32_t n, uint32_t mrt_ms)
{
	uint8_t b[1500];
	uint32_t me;
	if (if_addr(ig, f, &me, NULL) < 0 || me == 0) {
		CNT(ig, f, tx_errors);
		return;
	}
	/* a v1 router sends general queries only (RFC 1112) */
	if (f->cfg.version == 1 && grp != 0)
		return;
	bool v2 = f->cfg.version < 3; /* 8 bytes: v1 and v2 */
	size_t il = v2 ? 8 : 12 + 4 * (size_t)n;
	size_t len = IP_HDR_LEN + il;
	uint8_t *ip = b, *q = b + IP_HDR_LEN;
	memset(b, 0, len);
	ip[0] = 0x46;               /* v4, IHL 6: Router Alert */
	ip[1] = 0xc0;               /* internetwork control */
	wr16(ip + 2, (uint16_t)len);
	wr16(ip + 4, f->ip_id++);
	ip[8] = 1;                  /* TTL 1 */
	ip[9] = 2;                  /* IGMP */
	wr32(ip + 12, me);
	wr32(ip + 16, grp ? grp : ALL_HOSTS);
	ip[20] = 0x94;              /* Router Alert (RFC 2113) */
	ip[21] = 4;
	wr16(ip + 10, (uint16_t)~mcfwd_csum_fold(ip, IP_HDR_LEN));
	q[0] = IGMP_QUERY;
	if (f->cfg.version == 1) {
		q[1] = 0; /* hosts take 10 s (RFC 2236 4) */
	} else if (v2) {
		uint32_t t = mrt_ms / 100;
		q[1] = (uint8_t)(t > 255 ? 255 : t);
	} else {
		q[1] = igmp_code_encode(mrt_ms / 100);
	}
	wr32(q + 4, grp);
	if (!v2) {
		q[8] = (uint8_t)((sflag ? 0x08 : 0) | (f->cfg.robustness & 7));
		/* rounded up: other routers take this as our interval, and one
		 * shorter than ours makes their Other Querier Present Interval
		 * end before our next query (the querier flaps) and their Group
		 * Membership Interval drop members we keep (found by review:
		 * 135 s went out as 128 s) */
		q[9] = igmp_code_encode_up((f->cfg.query_interval_ms + 999) / 1000);
		wr16(q + 10, (uint16_t)n);
		for (uint32_t i = 0; i < n; i++)
			wr32(q + 12 + 4 * i, src[i]);
	}
	wr16(q + 2, (uint16_t)~mcfwd_csum_fold(q, il));
	if (ig->p.send(ig->p.send_arg, f->ifindex, b, len) < 0) {
		CNT(ig, f, tx_errors);
		return;
	}
	if (grp == 0)
		CNT(ig, f, tx_general);
	else if (n == 0)
		CNT(ig, f, tx_group);
	else
		CNT(ig, f, tx_group_source);
}

/* The retransmission round of g's group-and-source queries: the sources
 * with one due, in two queries (6.6.3.2): S set for those whose timer is
 * above LMQT, S clear for the others. Each source keeps its own LMQI
 * spacing (one blocked later does not bring the earlier ones' forward:
 * found by review); g->s_next is the earliest one due next. */
static void
send_source_round(struct igmp *ig, struct iif *f, struct igroup *g, uint64_t now)
{
	uint32_t hi[MAX_Q_SOURCES], lo[MAX_Q_SOURCES], nh = 0, nl = 0;
	bool pending = false;
	uint64_t next = UINT64_MAX;
	for (uint32_t i = 0; i < g->n; i++) {
		struct isrc *s = &g->s[i];
		if (!s->live || s->rxmit == 0)
			continue;
		if (s->rx_next > now) { /* not due yet */
			pending = true;
			next = s->rx_next < next ? s->rx_next : next;
			continue;
		}
		s->rxmit--;
		s->rx_next = now + f->cfg.lmqi_ms;
		if (s->rxmit > 0) {
			pending = true;
			next = s->rx_next < next ? s->rx_next : next;
		}
		if (s->expires > now + lmqt(f)) {
			hi[nh++] = s->addr;
		} else {
			lo[nl++] = s->addr;
		}
		if (nh == MAX_Q_SOURCES) {
			send_query(ig, f, g->grp, true, hi, nh, f->cfg.lmqi_ms);
			nh = 0;
		}
		if (nl == MAX_Q_SOURCES) {
			send_query(ig, f, g->grp, false, lo, nl, f->cfg.lmqi_ms);
			nl = 0;
		}
	}
	if (nh)
		send_query(ig, f, g->grp, true, hi, nh, f->cfg.lmqi_ms);
	if (nl)
		send_query(ig, f, g->grp, false, lo, nl, f->cfg.lmqi_ms);
	g->s_next = pending ? next : now + f->cfg.lmqi_ms;
	g->s_pending = pending;
}

/* We stop being the querier (a lower address queries, or we lost ours):
 * only the querier keeps last-member-query retransmission state (6.6.2,
 * 6.6.3), so the pending group and group-and-source queries are dropped.
 * Left over, they would be sent as soon as we query again, long after the
 * report that asked for them, and their deadlines, long past, would make
 * igmp_next_deadline_ms() say "due now" while we may not send them. The
 * timers they lowered stay lowered. */
static void
if_drop_rxmit(struct iif *f)
{
	for (uint32_t i = 0; i < f->n; i++) {
		struct igroup *g = f->g[i];
		g->g_rxmit = 0;
		g->s_pending = false;
		for (uint32_t j = 0; j < g->n; j++)
			g->s[j].rxmit = 0;
	}
}

/* Send Q(G, marked sources) (6.6.3.2): the querier lowers their timers to
 * LMQT and queries them LMQC times, for the sources whose timer is above
 * LMQT only. One at or below it is queried already (a host retransmitting
 * its BLOCK must not restart the LMQC queries) or runs out within LMQT
 * anyway (in EXCLUDE mode a new source takes the group timer, which a
 * Q(G) may have lowered). Uses and clears the marks. */
static void
query_sources(struct igmp *ig, struct iif *f, struct igroup *g, uint64_t now)
{
	bool any = false;
	for (uint32_t i = 0; i < g->n; i++) {
		struct isrc *s = &g->s[i];
		if (!s->mark)
			continue;
		s->mark = false;
		if (!s->live || !f->querier || f->cfg.version == 2)
			continue;
		if (s->expires <= now + lmqt(f))
			continue;
		src_timer(g, s, now + lmqt(f));
		s->rxmit = f->cfg.lmqc;
		s->rx_next = now; /* its first query: in the round below */
		g->s_pending = true;
		any = true;
	}
	if (any)
		send_source_round(ig, f, g, now);
}

/* Send Q(G) (6.6.3.1): group timer lowered to LMQT, LMQC queries. */
static void
query_group(struct igmp *ig, struct iif *f, struct igroup *g, uint64_t now)
{
	if (!f->querier)
		return;
	if (g->mode == IGMP_MODE_EXCLUDE && g->timer > now + lmqt(f))
		g->timer = now + lmqt(f);
	g->g_rxmit = f->cfg.lmqc;
	send_query(ig, f, g->grp, false, NULL, 0, f->cfg.lmqi_ms);
	g->g_rxmit--;
	g->g_next = now + f->cfg.lmqi_ms;
}

/* ---------------------------------------------------------------- */
/* Records (RFC 3376 6.4)                                             */

static void
marks_clear(struct igroup *g)
{
	for (uint32_t i = 0; i < g->n; i++)
		g->s[i].mark = false;
}

/* Mark the live sources of g that the record lists. */
static void
marks_set(struct igroup *g, const uint8_t *src, uint32_t ns)
{
	marks_clear(g);
	for (uint32_t i = 0; i < ns; i++) {
		struct isrc *s = src_find(g, mcfwd_rd32(src + 4 * i));
		if (s != NULL && s->live)
			s->mark = true;
	}
}

/* Apply one record (v1/v2 messages as IS_EX({}) / TO_IN({})) to the state
 * of grp on f. src: ns big-endian addresses. @return false when it is
 * ignored (SSM, compatibility rules; counted there), true when applied. */
static bool
apply_record(struct igmp *ig, struct iif *f, uint8_t type, uint32_t grp, const uint8_t *src,
	     uint32_t ns, uint32_t reporter, uint64_t now)
{
	struct igroup *g = grp_find(f, grp);
	bool excl_rec = type == REC_IS_EX || type == REC_TO_EX;

	if (excl_rec && is_ssm(grp)) {
		CNT(ig, f, ssm_ignored);
		return false;
	}
	/* group compatibility mode (7.3.2) */
	uint8_t compat = g == NULL ? 3 : g->v1_until > now ? 1 : g->v2_until > now ? 2 : 3;
	if ((compat < 3 && type == REC_BLOCK) || (compat == 1 && type == REC_TO_IN)) {
		/* v1 mode also ignores TO_IN(), as it does leaves: a v1 host
		 * answers no group-specific query in LMQT (found by a
		 * black-box test: a v3 host's leave cut the v1 host off) */
		CNT(ig, f, records_ignored);
		return false;
	}
	if (compat < 3 && type == REC_TO_EX)
		ns = 0;
	if (g == NULL) {
		/* INCLUDE({}) stays INCLUDE({}) unless sources are added or it
		 * turns to EXCLUDE */
		if (!excl_rec && (ns == 0 || type == REC_BLOCK))
			return true;
		g = grp_create(ig, f, grp, now);
		if (g == NULL)
			return true; /* applied: no room (counted there) */
	}
	g->last_reporter = reporter;
	uint64_t gmi_at = now + gmi(f);
	bool incl = g->mode == IGMP_MODE_INCLUDE;

	switch (type) {
	case REC_IS_IN:
	case REC_ALLOW:
		/* INCLUDE (A+B), (B)=GMI / EXCLUDE (X+A, Y-A), (A)=GMI */
		for (uint32_t i = 0; i < ns; i++) {
			struct isrc *s = src_get(ig, f, g, mcfwd_rd32(src + 4 * i), gmi_at);
			if (s != NULL)
				src_timer(g, s, gmi_at);
		}
		break;
	case REC_TO_IN:
		/* INCLUDE: (B)=GMI, Q(G,A-B); EXCLUDE: (A)=GMI, Q(G,X-A), Q(G) */
		for (uint32_t i = 0; i < ns; i++) {
			struct isrc *s = src_get(ig, f, g, mcfwd_rd32(src + 4 * i), gmi_at);
			if (s != NULL)
				src_timer(g, s, gmi_at);
		}
		marks_set(g, src, ns);
		for (uint32_t i = 0; i < g->n; i++) {
			struct isrc *s = &g->s[i];
			s->mark = s->live && !s->mark && (incl || s->expires != 0);
		}
		query_sources(ig, f, g, now);
		if (!incl)
			query_group(ig, f, g, now);
		break;
	case REC_BLOCK:
		if (incl) {
			/* INCLUDE (A), Q(G,A*B) */
			marks_set(g, src, ns);
		} else {
			/* EXCLUDE (X+(A-X-Y), Y), (A-X-Y)=Group Timer, Q(G,A-Y) */
			for (uint32_t i = 0; i < ns; i++)
				(void)src_get(ig, f, g, mcfwd_rd32(src + 4 * i), g->timer ? g->timer : gmi_at);
			marks_set(g, src, ns);
			for (uint32_t i = 0; i < g->n; i++)
				g->s[i].mark = g->s[i].mark && g->s[i].expires != 0;
		}
		query_sources(ig, f, g, now);
		break;
	case REC_IS_EX:
	case REC_TO_EX:
		marks_set(g, src, ns);
		if (incl) {
			/* EXCLUDE (A*B, B-A), (B-A)=0, Delete (A-B), Group Timer=GMI;
			 * TO_EX: Q(G,A*B) */
			for (uint32_t i = 0; i < g->n; i++)
				if (g->s[i].live && !g->s[i].mark)
					src_delete(f, g, &g->s[i]);
			for (uint32_t i = 0; i < ns; i++) {
				struct isrc *s = src_find(g, mcfwd_rd32(src + 4 * i));
				if (s == NULL || !s->live)
					(void)src_get(ig, f, g, mcfwd_rd32(src + 4 * i), 0);
			}
			g->mode = IGMP_MODE_EXCLUDE;
			if (type == REC_IS_EX)
				marks_clear(g);
			query_sources(ig, f, g, now); /* the marked ones: A*B */
		} else {
			/* IS_EX: EXCLUDE (A-Y, Y*A), (A-X-Y)=GMI, Delete (X-A), (Y-A)
			 * TO_EX: (A-X-Y)=Group Timer, Delete (X-A), (Y-A), Q(G,A-Y) */
			for (uint32_t i = 0; i < g->n; i++)
				if (g->s[i].live && !g->s[i].mark)
					src_delete(f, g, &g->s[i]);
			uint64_t t = type == REC_IS_EX ? gmi_at : g->timer ? g->timer : gmi_at;
			for (uint32_t i = 0; i < ns; i++)
				(void)src_get(ig, f, g, mcfwd_rd32(src + 4 * i), t);
			marks_set(g, src, ns);
			for (uint32_t i = 0; i < g->n; i++)
				g->s[i].mark = type == REC_TO_EX && g->s[i].mark && g->s[i].expires != 0;
			query_sources(ig, f, g, now);
		}
		g->timer = gmi_at;
		break;
	default:
		break;
	}
	marks_clear(g);
	grp_changed(ig, f, g);
	return true;
}

/* ---------------------------------------------------------------- */
/* Input                                                              */

static int
drop(struct igmp *ig, struct iif *f, enum igmp_drop d, enum igmp_drop *why)
{
	ig->st.drops[d]++;
	ig->st.dropped++;
	if (f != NULL) {
		f->st.drops[d]++;
		f->st.dropped++;
	}
	if (why)
		*why = d;
	return -EBADMSG;
}

static bool
has_router_alert(const uint8_t *ip, unsigned int ihl)
{
	for (unsigned int o = 20; o < ihl;) {
		uint8_t t = ip[o];
		if (t == 0)
			break;
		if (t == 1) {
			o++;
			continue;
		}
		if (o + 1 >= ihl || ip[o + 1] < 2 || o + ip[o + 1] > ihl)
			break;
		if (t == 0x94 && ip[o + 1] == 4)
			return true;
		o += ip[o + 1];
	}
	return false;
}

/* A query heard (6.6.1, 6.6.2): election; a non-querier adopts the
 * querier's QRV, QQI and QRI (4.1.6, 4.1.7) for its OQPI, GMI and older
 * host timeout, and lowers its timers on the querier's specific queries
 * with S clear to the querier's LMQT: LMQC times the Max Resp Time of that
 * query (RFC 3376 6.6.1 and 8.9; RFC 2236 3 likewise). */
static void
query_input(struct igmp *ig, struct iif *f, uint32_t from, const uint8_t *q, size_t qlen,
	    uint64_t now)
{
	uint32_t me;
	uint32_t grp = mcfwd_rd32(q + 4);
	bool v3 = qlen >= 12;
	bool sflag = v3 && (q[8] & 0x08);
	uint32_t ns = v3 ? mcfwd_rd16(q + 10) : 0;

	CNT(ig, f, rx_queries);
	/* a query of another version is a router configured for another
	 * version on the link (RFC 2236 4, RFC 3376 7.3.1: warn, rate-limited:
	 * the application reads these counters) */
	bool v1_query = !v3 && q[1] == 0;
	unsigned int qver = v3 ? 3 : v1_query ? 1 : 2;
	if (qver < f->cfg.version)
		CNT(ig, f, older_queries);
	else if (qver > f->cfg.version)
		CNT(ig, f, newer_queries);
	(void)if_addr(ig, f, &me, NULL);
	if (from == 0 || (me != 0 && from >= me))
		return; /* not a querier candidate against us */
	if (f->querier) {
		CNT(ig, f, querier_changes);
		if_drop_rxmit(f);
	}
	f->querier = false;
	f->querier_addr = from;
	/* Max Resp Time: v3 code (exponential), v1/v2 linear, 1/10 s */
	uint32_t mrt_ms = (v3 ? igmp_code_decode(q[1]) : q[1]) * 100u;
	if (v3) {
		/* QRV 0: the default or configured RV (4.1.6); QQIC 0: the
		 * default QI (4.1.7); a general query's Max Resp Time is the
		 * querier's QRI (8.3), 0 telling nothing */
		f->oq_rv = q[8] & 7;
		f->oq_qi_ms = q[9] ? igmp_code_decode(q[9]) * 1000u : IGMP_DEF_QI_MS;
		if (grp == 0)
			f->oq_qri_ms = mrt_ms;
	} else {
		/* an older querier tells none of them: our own */
		f->oq_rv = 0;
		f->oq_qi_ms = f->oq_qri_ms = 0;
	}
	f->oqp_expiry = now + oqpi(f);
	f->startup_left = 0;
	/* v1 mode ignores leaves, and so the last-member queries that other
	 * routers send on leaves */
	if (grp == 0 || sflag || f->cfg.version == 1)
		return;
	struct igroup *g = grp_find(f, grp);
	if (g == NULL)
		return;
	/* the querier's LMQT: its LMQI is this query's Max Resp Time, its
	 * LMQC its robustness unless we were given one (0: our LMQI) */
	uint64_t lmqc = f->given.lmqc ? f->cfg.lmqc : eff_rv(f);
	uint64_t lt = now + lmqc * (mrt_ms ? mrt_ms : f->cfg.lmqi_ms);
	if (ns == 0) {
		if (g->mode == IGMP_MODE_EXCLUDE && g->timer > lt)
			g->timer = lt;
	} else {
		for (uint32_t i = 0; i < ns; i++) {
			struct isrc *s = src_find(g, mcfwd_rd32(q + 12 + 4 * i));
			if (s != NULL && s->live && s->expires > lt)
				src_timer(g, s, lt);
		}
	}
}

int
igmp_input(struct igmp *ig, uint32_t ifindex, const void *pkt, size_t len, enum igmp_drop *why)
{
	const uint8_t *ip = pkt;
	if (ig == NULL || pkt == NULL)
		return -EINVAL;
	struct iif *f = if_find(ig, ifindex);
	ig->st.rx++;
	if (f == NULL)
		return drop(ig, NULL, IGMP_DROP_NOT_ENABLED, why);
	f->st.rx++;

	/* IPv4 header */
	if (len < 20)
		return drop(ig, f, IGMP_DROP_IP_SHORT, why);
	if ((ip[0] >> 4) != 4)
		return drop(ig, f, IGMP_DROP_IP_VERSION, why);
	unsigned int ihl = (ip[0] & 0x0f) * 4u;
	if (ihl < 20 || ihl > len)
		return drop(ig, f, IGMP_DROP_IP_IHL, why);
	size_t tot = mcfwd_rd16(ip + 2);
	if (tot < ihl || tot > len)
		return drop(ig, f, IGMP_DROP_IP_LEN, why);
	if (mcfwd_csum_fold(ip, ihl) != 0xffff)
		return drop(ig, f, IGMP_DROP_IP_CSUM, why);
	if (mcfwd_rd16(ip + 6) & 0x3fff)
		return drop(ig, f, IGMP_DROP_IP_FRAGMENT, why);
	if (ip[9] != 2)
		return drop(ig, f, IGMP_DROP_NOT_IGMP, why);
	uint32_t from = mcfwd_rd32(ip + 12), dst = mcfwd_rd32(ip + 16), me_dst = 0;
	if (is_mcast(from) || from >= 0xf0000000u)
		return drop(ig, f, IGMP_DROP_IP_ADDR, why);
	/* to our own address on the link: queries and v1/v2 reports are
	 * taken (RFC 3376 4.1.12, 4.2.14: a system MUST accept them sent to
	 * any of the interface's addresses, unicast or multicast; they were
	 * dropped, found by review), the rest below */
	if (!is_mcast(dst) && (if_addr(ig, f, &me_dst, NULL) < 0 || me_dst == 0 || dst != me_dst))
		return drop(ig, f, IGMP_DROP_IP_ADDR, why);
	if (ip[8] != 1)
		return drop(ig, f, IGMP_DROP_TTL, why);
	if (f->cfg.require_router_alert && !has_router_alert(ip, ihl))
		return drop(ig, f, IGMP_DROP_NO_ROUTER_ALERT, why);

	/* IGMP message: the whole payload */
	const uint8_t *q = ip + ihl;
	size_t ql = tot - ihl;
	if (ql < 8)
		return drop(ig, f, IGMP_DROP_IGMP_LEN, why);
	if (mcfwd_csum_fold(q, ql) != 0xffff)
		return drop(ig, f, IGMP_DROP_IGMP_CSUM, why);
	uint8_t type = q[0];
	uint32_t grp = mcfwd_rd32(q + 4);
	uint64_t now = now_of(ig);
	if (!is_mcast(dst) && type != IGMP_QUERY && type != IGMP_V1_REPORT && type != IGMP_V2_REPORT)
		return drop(ig, f, IGMP_DROP_IP_ADDR, why); /* v3 reports, leaves: to groups only */

	if (type == IGMP_QUERY) {
		if (ql > 8 && ql < 12)
			return drop(ig, f, IGMP_DROP_QUERY_LEN, why);
		if (grp != 0 && (!is_mcast(grp) || is_linklocal(grp)))
			return drop(ig, f, IGMP_DROP_BAD_GROUP, why);
		if (ql >= 12) {
			uint32_t ns = mcfwd_rd16(q + 10);
			if (12 + 4 * (size_t)ns > ql)
				return drop(ig, f, IGMP_DROP_QUERY_LEN, why);
			if (ns > ig->p.max_sources_per_pkt)
				return drop(ig, f, IGMP_DROP_TOO_MANY_SOURCES, why);
			for (uint32_t i = 0; i < ns; i++)
				if (!is_unicast(mcfwd_rd32(q + 12 + 4 * i)))
					return drop(ig, f, IGMP_DROP_BAD_SOURCE, why);
			if (ns && grp == 0)
				return drop(ig, f, IGMP_DROP_BAD_GROUP, why);
		}
		query_input(ig, f, from, q, ql, now);
		return 0;
	}
	if (type != IGMP_V1_REPORT && type != IGMP_V2_REPORT && type != IGMP_V2_LEAVE &&
	    type != IGMP_V3_REPORT)
		return drop(ig, f, IGMP_DROP_UNKNOWN_TYPE, why);

	/* reports and leaves: from a host on the link (or 0.0.0.0, 4.2.13);
	 * a /32 address (an unnumbered link) makes no subnet to check */
	uint32_t me;
	uint8_t plen;
	if (from != 0 && if_addr(ig, f, &me, &plen) == 0 && me != 0 && plen < 32) {
		uint32_t mask = plen ? ~0u << (32 - plen) : 0;
		if ((from & mask) != (me & mask))
			return drop(ig, f, IGMP_DROP_SRC_NOT_ONLINK, why);
	}
	if (type != IGMP_V3_REPORT) {
		if (!is_mcast(grp) || is_linklocal(grp))
			return drop(ig, f, IGMP_DROP_BAD_GROUP, why);
		if (type == IGMP_V2_LEAVE) {
			CNT(ig, f, rx_leaves);
			if (f->cfg.version == 1) {
				/* v1 mode: leaves ignored (RFC 2236 4, RFC 3376 7.3.1) */
				CNT(ig, f, records_ignored);
				return 0;
			}
			struct igroup *g = grp_find(f, grp);
			if (is_ssm(grp)) {
				CNT(ig, f, ssm_ignored);
				return 0;
			}
			if (g == NULL)
				return 0;
			if (g->v1_until > now) {
				CNT(ig, f, records_ignored); /* v1 hosts do not leave */
				return 0;
			}
			apply_record(ig, f, REC_TO_IN, grp, NULL, 0, from, now);
			return 0;
		}
		if (type == IGMP_V1_REPORT)
			CNT(ig, f, rx_v1_reports);
		else
			CNT(ig, f, rx_v2_reports);
		if (is_ssm(grp)) {
			CNT(ig, f, ssm_ignored);
			return 0;
		}
		struct igroup *g = grp_create(ig, f, grp, now);
		if (g == NULL)
			return 0;
		if (type == IGMP_V1_REPORT)
			g->v1_until = now + ohpt(f);
		else
			g->v2_until = now + ohpt(f);
		apply_record(ig, f, REC_IS_EX, grp, NULL, 0, from, now);
		return 0;
	}

	/* v3 report: every record checked before any is applied */
	if (f->cfg.version == 2)
		return drop(ig, f, IGMP_DROP_V3_ON_V2, why);
	if (f->cfg.version == 1)
		return drop(ig, f, IGMP_DROP_V3_ON_V1, why);
	uint32_t nrec = mcfwd_rd16(q + 6), total = 0;
	if (nrec > ig->p.max_records_per_pkt)
		return drop(ig, f, IGMP_DROP_TOO_MANY_RECORDS, why);
	size_t off = 8;
	for (uint32_t r = 0; r < nrec; r++) {
		if (off + 8 > ql)
			return drop(ig, f, IGMP_DROP_RECORD_BOUNDS, why);
		uint32_t ns = mcfwd_rd16(q + off + 2);
		size_t rl = 8 + 4 * (size_t)ns + 4 * (size_t)q[off + 1];
		if (off + rl > ql)
			return drop(ig, f, IGMP_DROP_RECORD_BOUNDS, why);
		if (!is_mcast(mcfwd_rd32(q + off + 4)))
			return drop(ig, f, IGMP_DROP_BAD_GROUP, why);
		total += ns;
		if (total > ig->p.max_sources_per_pkt)
			return drop(ig, f, IGMP_DROP_TOO_MANY_SOURCES, why);
		for (uint32_t i = 0; i < ns; i++)
			if (!is_unicast(mcfwd_rd32(q + off + 8 + 4 * i)))
				return drop(ig, f, IGMP_DROP_BAD_SOURCE, why);
		off += rl;
	}
	CNT(ig, f, rx_v3_reports);
	off = 8;
	for (uint32_t r = 0; r < nrec; r++) {
		uint8_t rt = q[off];
		uint32_t ns = mcfwd_rd16(q + off + 2), g = mcfwd_rd32(q + off + 4);
		if (rt < REC_IS_IN || rt > REC_BLOCK || is_linklocal(g))
			CNT(ig, f, records_ignored);
		else if (apply_record(ig, f, rt, g, q + off + 8, ns, from, now))
			CNT(ig, f, rx_records); /* not also as ignored (found by review) */
		off += 8 + 4 * (size_t)ns + 4 * (size_t)q[off + 1];
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Timers                                                             */

/* Expiries of g at now (6.2.2, 6.5, 7.3.2). @return true if g changed. */
static bool
grp_expire(struct iif *f, struct igroup *g, uint64_t now)
{
	bool changed = false;
	if (g->v1_until && now >= g->v1_until)
		g->v1_until = 0;
	if (g->v2_until && now >= g->v2_until)
		g->v2_until = 0;
	if (g->mode == IGMP_MODE_EXCLUDE && g->timer && now >= g->timer) {
		/* Y goes; X, if any, becomes INCLUDE(X); else the group goes */
		for (uint32_t i = 0; i < g->n; i++)
			if (g->s[i].live && g->s[i].expires == 0)
				src_delete(f, g, &g->s[i]);
		g->mode = IGMP_MODE_INCLUDE;
		g->timer = 0;
		g->g_rxmit = 0;
		changed = true;
	}
	if (g->s_min == 0 || now < g->s_min)
		return changed; /* no source timer due: no walk */
	uint64_t next = 0;
	for (uint32_t i = 0; i < g->n; i++) {
		struct isrc *s = &g->s[i];
		if (!s->live || s->expires == 0)
			continue;
		if (now < s->expires) {
			next = next == 0 || s->expires < next ? s->expires : next;
			continue;
		}
		if (g->mode == IGMP_MODE_INCLUDE) {
			src_delete(f, g, s);
		} else {
			s->expires = 0; /* EXCLUDE: moves to the exclude list */
			s->rxmit = 0;
		}
		changed = true;
	}
	g->s_min = next;
	return changed;
}

static void
if_tick(struct igmp *ig, struct iif *f, uint64_t now)
{
	uint32_t me;
	(void)if_addr(ig, f, &me, NULL);
	if (f->state == IF_RESUMING && !f->resume_armed)
		if_resume(f);
	/* querier */
	if (!f->querier && f->oqp_expiry && now >= f->oqp_expiry) {
		f->oqp_expiry = 0;
		f->querier_addr = 0;
		/* the other querier is gone: our own timers again */
		f->oq_rv = 0;
		f->oq_qi_ms = f->oq_qri_ms = 0;
		if (me != 0) {
			f->querier = true;
			f->next_gq = now;
			CNT(ig, f, querier_changes);
		}
	}
	/* (changes both ways counted, as the others: found by review) */
	if (me == 0 && f->querier) {
		f->querier = false; /* no address: no queries */
		if_drop_rxmit(f);
		CNT(ig, f, querier_changes);
	} else if (me != 0 && !f->querier && f->oqp_expiry == 0) {
		f->querier = true;
		f->next_gq = now;
		CNT(ig, f, querier_changes);
	}
	if (f->querier)
		f->querier_addr = me;
	if (f->querier && now >= f->next_gq) {
		send_query(ig, f, 0, false, NULL, 0, f->cfg.query_response_ms);
		if (f->startup_left > 0)
			f->startup_left--;
		f->next_gq = now + (f->startup_left > 0 ? f->cfg.startup_qi_ms : f->cfg.query_interval_ms);
	}
	/* groups: retransmissions, then expiries */
	for (uint32_t i = 0; i < f->n;) {
		struct igroup *g = f->g[i];
		if (f->querier && g->g_rxmit > 0 && now >= g->g_next) {
			bool s = g->mode == IGMP_MODE_EXCLUDE && g->timer > now + lmqt(f);
			send_query(ig, f, g->grp, s, NULL, 0, f->cfg.lmqi_ms);
			g->g_rxmit--;
			g->g_next = now + f->cfg.lmqi_ms;
		}
		if (f->querier && g->s_pending && now >= g->s_next)
			send_source_round(ig, f, g, now); /* clears s_pending when done */
		uint32_t n = f->n;
		/* MGM calls that failed: retried when the group's retry time
		 * comes (a paused interface is caught up by if_resume) */
		bool retry = g->dirty && f->state == IF_RUN && now >= g->retry_at;
		if (grp_expire(f, g, now) || retry)
			grp_changed(ig, f, g);
		if (f->n == n)
			i++;
	}
}

void
igmp_tick(struct igmp *ig)
{
	if (ig == NULL)
		return;
	uint64_t now = now_of(ig);
	for (uint32_t i = 0; i < ig->n_if; i++)
		if_tick(ig, ig->ifs[i], now);
}

static void
tick_cb(void *arg)
{
	igmp_tick(arg);
}

static uint64_t
dmin(uint64_t a, uint64_t b)
{
	return b && b < a ? b : a;
}

uint64_t
igmp_next_deadline_ms(const struct igmp *ig)
{
	uint64_t d = UINT64_MAX;
	if (ig == NULL)
		return d;
	uint64_t now = now_of(ig);
	for (uint32_t i = 0; i < ig->n_if; i++) {
		const struct iif *f = ig->ifs[i];
		if (f->querier)
			d = dmin(d, f->next_gq ? f->next_gq : now);
		d = dmin(d, f->oqp_expiry);
		for (uint32_t j = 0; j < f->n; j++) {
			const struct igroup *g = f->g[j];
			d = dmin(d, g->timer);
			d = dmin(d, g->v1_until);
			d = dmin(d, g->v2_until);
			/* retransmissions: the querier's only (if_tick) */
			if (f->querier && g->g_rxmit)
				d = dmin(d, g->g_next);
			if (g->dirty && f->state == IF_RUN)
				d = dmin(d, g->retry_at ? g->retry_at : now);
			/* may be early (s_min is a bound): one tick too many */
			d = dmin(d, g->s_min);
			if (f->querier && g->s_pending)
				d = dmin(d, g->s_next);
		}
	}
	return d == UINT64_MAX ? d : left(d, now);
}

/* ---------------------------------------------------------------- */
/* Lifecycle                                                          */

struct igmp *
igmp_create(const struct igmp_params *p)
{
	if (p == NULL || p->mgm == NULL || p->send == NULL) {
		errno = EINVAL;
		return NULL;
	}
	struct igmp *ig = calloc(1, sizeof(*ig));
	if (ig == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ig->p = *p;
	if (ig->p.now_ms == NULL)
		ig->p.now_ms = clock_ms;
	if (ig->p.tick_ms == 0)
		ig->p.tick_ms = 100;
	if (ig->p.max_groups_per_if == 0)
		ig->p.max_groups_per_if = IGMP_DEF_MAX_GROUPS_PER_IF;
	if (ig->p.max_sources_per_group == 0)
		ig->p.max_sources_per_group = 1024;
	if (ig->p.max_sources_per_if == 0)
		ig->p.max_sources_per_if = IGMP_DEF_MAX_SOURCES_PER_IF;
	if (ig->p.max_records_per_pkt == 0)
		ig->p.max_records_per_pkt = 256;
	if (ig->p.max_sources_per_pkt == 0)
		ig->p.max_sources_per_pkt = 1024;
	int rc = mgm_protocol_register(p->mgm, MGM_PROTO_IGMP, p->component, &igmp_callbacks, ig,
				       &ig->h);
	if (rc < 0) {
		free(ig);
		errno = -rc;
		return NULL;
	}
	if (ig->p.tick_ms != UINT32_MAX) {
		rc = mgm_timer_start(p->mgm, ig->p.tick_ms, ig->p.tick_ms, tick_cb, ig, &ig->tick_tid);
		if (rc < 0) {
			(void)mgm_protocol_deregister(p->mgm, ig->h);
			free(ig);
			errno = -rc;
			return NULL;
		}
		ig->tick_armed = true;
	}
	return ig;
}

static void
if_free(struct igmp *ig, struct iif *f)
{
	if (f->resume_armed)
		(void)mgm_timer_stop(ig->p.mgm, f->resume_tid);
	while (f->n)
		grp_free_at(ig, f, f->n - 1);
	free(f->g);
	free(f);
}

void
igmp_destroy(struct igmp *ig)
{
	if (ig == NULL)
		return;
	while (ig->n_if)
		if (igmp_if_disable(ig, ig->ifs[ig->n_if - 1]->ifindex) < 0) {
			/* MGM refused: forget the interface anyway */
			if_free(ig, ig->ifs[--ig->n_if]);
		}
	if (ig->tick_armed)
		(void)mgm_timer_stop(ig->p.mgm, ig->tick_tid);
	(void)mgm_protocol_shutdown(ig->p.mgm, ig->h);
	free(ig->ifs);
	free(ig);
}

int
igmp_if_enable(struct igmp *ig, uint32_t ifindex, const struct igmp_if_cfg *cfg)
{
	struct igmp_if_cfg c;
	if (ig == NULL || cfg_resolve(cfg, &c) < 0)
		return -EINVAL;
	if (if_find(ig, ifindex) != NULL)
		return -EEXIST;
	if (ig->n_if == ig->cap_if) {
		uint32_t nc = ig->cap_if ? ig->cap_if * 2 : 8;
		struct iif **nv = realloc(ig->ifs, nc * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		ig->ifs = nv;
		ig->cap_if = nc;
	}
	struct iif *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	int rc = mgm_interface_take(ig->p.mgm, ig->h, ifindex, 0);
	if (rc < 0) {
		free(f);
		return rc;
	}
	uint64_t now = now_of(ig);
	f->ig = ig;
	f->ifindex = ifindex;
	f->cfg = c;
	if (cfg != NULL)
		f->given = *cfg;
	f->state = IF_RUN;
	f->created = now;
	f->querier = true;
	f->next_gq = now;
	f->startup_left = c.startup_qc;
	/* in ifindex order (MGM's callbacks during the take changed nothing) */
	bool found;
	uint32_t i = if_pos(ig, ifindex, &found);
	memmove(ig->ifs + i + 1, ig->ifs + i, (ig->n_if - i) * sizeof(*ig->ifs));
	ig->ifs[i] = f;
	ig->n_if++;
	if_tick(ig, f, now); /* the first startup query */
	return 0;
}

int
igmp_if_disable(struct igmp *ig, uint32_t ifindex)
{
	if (ig == NULL)
		return -EINVAL;
	if (if_find(ig, ifindex) == NULL)
		return -ENOENT;
	/* MGM deletes every membership of ours there */
	int rc = mgm_interface_release(ig->p.mgm, ig->h, ifindex, 0);
	if (rc < 0)
		return rc;
	/* the release's callbacks changed nothing, but look again */
	bool found;
	uint32_t i = if_pos(ig, ifindex, &found);
	if (!found)
		return 0;
	struct iif *f = ig->ifs[i];
	memmove(ig->ifs + i, ig->ifs + i + 1, (ig->n_if - i - 1) * sizeof(*ig->ifs));
	ig->n_if--;
	if_free(ig, f);
	return 0;
}

int
igmp_if_set_cfg(struct igmp *ig, uint32_t ifindex, const struct igmp_if_cfg *cfg)
{
	struct igmp_if_cfg c;
	if (ig == NULL || cfg_resolve(cfg, &c) < 0)
		return -EINVAL;
	struct iif *f = if_find(ig, ifindex);
	if (f == NULL)
		return -ENOENT;
	/* to v1: the last-member queries pending are never sent (the timers
	 * they lowered stay lowered, as when we stop being the querier) */
	if (c.version == 1 && f->cfg.version != 1)
		if_drop_rxmit(f);
	/* from v3 to v2: the group-and-source ones, which v2 has not (they
	 * went out as group-specific queries: found by review) */
	if (c.version == 2 && f->cfg.version == 3)
		for (uint32_t i = 0; i < f->n; i++) {
			struct igroup *g = f->g[i];
			g->s_pending = false;
			for (uint32_t j = 0; j < g->n; j++)
				g->s[j].rxmit = 0;
		}
	f->cfg = c;
	if (cfg != NULL)
		f->given = *cfg;
	else
		memset(&f->given, 0, sizeof(f->given));
	return 0;
}

int
igmp_if_cfg_given(const struct igmp *ig, uint32_t ifindex, struct igmp_if_cfg *out)
{
	if (ig == NULL || out == NULL)
		return -EINVAL;
	const struct iif *f = if_find(ig, ifindex);
	if (f == NULL)
		return -ENOENT;
	*out = f->given;
	return 0;
}

bool
igmp_if_enabled(const struct igmp *ig, uint32_t ifindex)
{
	return ig != NULL && if_find(ig, ifindex) != NULL;
}

mgm_handle_t
igmp_mgm_handle(const struct igmp *ig)
{
	return ig ? ig->h : 0;
}

/* ---------------------------------------------------------------- */
/* Reading                                                            */

static void
if_info(const struct igmp *ig, const struct iif *f, struct igmp_if_info *o)
{
	uint64_t now = now_of(ig);
	memset(o, 0, sizeof(*o));
	o->ifindex = f->ifindex;
	o->cfg = f->cfg;
	(void)if_addr(ig, f, &o->addr, NULL);
	o->querier = f->querier;
	o->querier_addr = f->querier_addr;
	o->oqp_left_ms = left(f->oqp_expiry, now);
	o->next_query_ms = f->querier ? left(f->next_gq, now) : 0;
	o->startup_left = f->startup_left;
	o->paused = f->state != IF_RUN;
	o->n_groups = f->n_live_groups;
	o->uptime_ms = now - f->created;
	o->rv = (uint32_t)eff_rv(f);
	o->qi_ms = (uint32_t)eff_qi(f);
	o->qri_ms = (uint32_t)eff_qri(f);
	o->gmi_ms = (uint32_t)gmi(f);
}

int
igmp_if_at(const struct igmp *ig, uint32_t idx, struct igmp_if_info *out)
{
	if (ig == NULL || out == NULL)
		return -EINVAL;
	if (idx >= ig->n_if)
		return -ENOENT;
	if_info(ig, ig->ifs[idx], out); /* the array is in ifindex order */
	return 0;
}

int
igmp_if_info_get(const struct igmp *ig, uint32_t ifindex, struct igmp_if_info *out)
{
	if (ig == NULL || out == NULL)
		return -EINVAL;
	const struct iif *f = if_find(ig, ifindex);
	if (f == NULL)
		return -ENOENT;
	if_info(ig, f, out);
	return 0;
}

int
igmp_group_at(const struct igmp *ig, uint32_t ifindex, uint32_t idx, struct igmp_group_info *out,
	      struct igmp_source_info *src, uint32_t *n_src)
{
	if (ig == NULL || out == NULL)
		return -EINVAL;
	const struct iif *f = if_find(ig, ifindex);
	if (f == NULL)
		return -ENOENT;
	const struct igroup *g = NULL;
	if (f->n_live_groups == f->n) {
		/* no dead group kept for MGM: the idx-th is there (a walk of
		 * every group stays linear) */
		if (idx < f->n)
			g = f->g[idx];
	} else {
		for (uint32_t i = 0, k = 0; i < f->n; i++)
			if (grp_live(f->g[i]) && k++ == idx) {
				g = f->g[i];
				break;
			}
	}
	if (g == NULL)
		return -ENOENT;
	uint64_t now = now_of(ig);
	memset(out, 0, sizeof(*out));
	out->ifindex = ifindex;
	out->grp = g->grp;
	out->mode = g->mode;
	out->compat = g->v1_until > now ? 1 : g->v2_until > now ? 2 : 3;
	out->timer_ms = g->mode == IGMP_MODE_EXCLUDE ? left(g->timer, now) : 0;
	out->v1_host_ms = left(g->v1_until, now);
	out->v2_host_ms = left(g->v2_until, now);
	out->uptime_ms = now - g->created;
	out->last_reporter = g->last_reporter;
	out->n_sources = g->n_live;
	uint32_t max = n_src ? *n_src : 0, k = 0;
	for (uint32_t i = 0; i < g->n && k < max && src; i++) {
		const struct isrc *s = &g->s[i];
		if (!s->live)
			continue;
		src[k].addr = s->addr;
		src[k].timer_ms = left(s->expires, now);
		src[k].forwarding = g->mode == IGMP_MODE_INCLUDE || s->expires != 0;
		k++;
	}
	if (n_src)
		*n_src = k;
	return 0;
}

int
igmp_stats_get(const struct igmp *ig, uint32_t ifindex, struct igmp_stats *out)
{
	if (ig == NULL || out == NULL)
		return -EINVAL;
	if (ifindex == IGMP_ALL) {
		*out = ig->st;
		return 0;
	}
	const struct iif *f = if_find(ig, ifindex);
	if (f == NULL)
		return -ENOENT;
	*out = f->st;
	return 0;
}

uint32_t
igmp_group_count(const struct igmp *ig)
{
	uint32_t n = 0;
	for (uint32_t i = 0; ig && i < ig->n_if; i++)
		n += ig->ifs[i]->n_live_groups;
	return n;
}
