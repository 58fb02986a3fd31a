/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands (read them with dpdk-telemetry.py):
 *   /mcfwd/stats        forwarding counters by fate, control counters
 *   /mcfwd/lcores       workers
 *   /mcfwd/interfaces,N logical interfaces from row N (pages of 128), with "total" and "start"
 *   /mcfwd/protocols    routing protocols
 *   /mcfwd/mroutes,N    MFEs from index N (pages of 48), with "total" and "start"
 *   /mcfwd/igmp,N       IGMP groups from row N (pages of 48), counters, drops by reason
 * Tables are dicts of columns: DPDK 22.11 telemetry nests only arrays of
 * basic values inside a dict (no dict inside an array, no dots in keys),
 * so row i of a table is element i of every column array.
 * Handlers run on DPDK's telemetry thread, which must not touch MGM or the
 * cache's control structures: counters of workers are read directly
 * (each a naturally aligned 64-bit word written by one lcore), the rest
 * comes from a snapshot the control thread refreshes on request. If the
 * control thread does not answer within 500 ms (e.g. a grace period waits
 * for a stalled worker) the last snapshot is served, with "stale": 1.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <rte_telemetry.h>

#include "app.h"

#define PAGE APP_SNAP_PAGE
/* DPDK 22.11 writes a reply into 16 KiB and silently leaves out the
 * columns that do not fit (and arrays stop at 512): tables are paged so
 * that a full page stays well under it (an interface row is under 80
 * bytes of JSON) */
#define IF_PAGE 128

/* The page start in params ("" or NULL: 0); -1 when it is not a number. */
static int64_t
page_param(const char *params)
{
	if (params == NULL || *params == 0)
		return 0;
	char *e;
	if (!isdigit((unsigned char)params[0])) /* strtoul() takes blanks and a sign */
		return -1;
	errno = 0;
	unsigned long v = strtoul(params, &e, 10);
	if (*e || errno || v > UINT32_MAX)
		return -1;
	return (int64_t)v;
}

/* A page start that is not a number: said in the answer (a callback's
 * error reaches the client as a bare null, found by a black-box test). */
static int
bad_page(const char *params, struct rte_tel_data *d)
{
	char m[128];
	snprintf(m, sizeof(m), "page start '%.40s' is not a number (0..4294967295)", params);
	for (char *c = m; *c; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?'; /* DPDK puts the string in the JSON as it is */
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "error", m);
	return 0;
}

/* Ask control for a fresh snapshot whose MFE page starts at `start` and
 * IGMP page at `ig_start` (negative: any page); @return 1 when it is stale
 * (or of another page). Takes the lock. Up to 10 clients run at once (one
 * DPDK thread each): one that asked for another page may have been served
 * first, so a refresh of the wrong page is asked for again until the
 * deadline. */
static int
snap_get_pages(int64_t start, int64_t ig_start)
{
	struct timespec ts;
	pthread_mutex_lock(&app.snap.lock);
	clock_gettime(CLOCK_MONOTONIC, &ts); /* the condition's clock (app_init) */
	ts.tv_nsec += 500000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	for (;;) {
		uint64_t seq = app.snap.seq;
		app.snap.want = true;
		if (start >= 0)
			app.snap.req_start = (uint32_t)start;
		if (ig_start >= 0)
			app.snap.req_igmp_start = (uint32_t)ig_start;
		while (app.snap.seq == seq)
			if (pthread_cond_timedwait(&app.snap.cond, &app.snap.lock, &ts) != 0)
				return 1;
		if ((start < 0 || app.snap.page_start == (uint32_t)start) &&
		    (ig_start < 0 || app.snap.igmp_start == (uint32_t)ig_start))
			return 0;
	}
}

static int
snap_get(void)
{
	return snap_get_pages(-1, -1);
}

/* Stale with no snapshot ever taken (the control thread was busy from the
 * first request on): no figures to serve, and none invented (a protocol
 * "down", zero interfaces): the reply says so. Unlocks. @return true when
 * it answered. */
static bool
snap_none(int stale, struct rte_tel_data *d)
{
	if (!stale || app.snap.seq != 0)
		return false;
	pthread_mutex_unlock(&app.snap.lock);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "stale", 1);
	rte_tel_data_add_dict_string(d, "error", "no snapshot yet: the control thread is busy "
				     "(a grace period waits for a worker); ask again");
	return true;
}

static const char *
ipstr(uint32_t a, char *b)
{
	struct in_addr in = { .s_addr = htonl(a) };
	inet_ntop(AF_INET, &in, b, INET_ADDRSTRLEN);
	return b;
}

/* A dict of columns: col(d, "name", type) returns the array to fill. */
struct cols {
	struct rte_tel_data *c[24];
	const char *name[24];
	int n;
	bool failed; /* a column could not be made: so are the ones after */
};

static struct rte_tel_data *
col(struct cols *t, const char *name, enum rte_tel_value_type type)
{
	/* after a failure none: the handlers test the last column alone
	 * (an earlier NULL one was filled as if made: found by review) */
	struct rte_tel_data *a = t->failed ? NULL : rte_tel_data_alloc();
	if (a == NULL || t->n == 24) {
		rte_tel_data_free(a);
		t->failed = true;
		return NULL;
	}
	rte_tel_data_start_array(a, type);
	t->c[t->n] = a;
	t->name[t->n++] = name;
	return a;
}

static int
cols_done(struct cols *t, struct rte_tel_data *d, bool ok)
{
	for (int i = 0; i < t->n; i++)
		if (!ok || rte_tel_data_add_dict_container(d, t->name[i], t->c[i], 0) < 0)
			rte_tel_data_free(t->c[i]);
	return ok ? 0 : -ENOMEM;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	struct mcfwd_wstats t, b;
	struct app_ctl_ctr c;
	pthread_mutex_lock(&app.stats_lock);
	if (app.closing) {
		pthread_mutex_unlock(&app.stats_lock);
		return -EBUSY;
	}
	app_stats_sum(&t);
	b = app.base;
	app_ctl_counters(&c);
	/* held now: a level, from the cumulative counts (as show stats json).
	 * The control thread bumps them without this lock: the two that
	 * lower the level are read first, so a miss counted in between can
	 * only raise it; clamped at 0 all the same */
	uint64_t gone = __atomic_load_n(&app.ctl_reinjected, __ATOMIC_ACQUIRE) +
			__atomic_load_n(&app.ctl_held_dropped, __ATOMIC_ACQUIRE);
	uint64_t missed = __atomic_load_n(&app.ctl_rx[MCFWD_PUNT_MISS], __ATOMIC_ACQUIRE);
	uint64_t held = missed > gone ? missed - gone : 0;
	pthread_mutex_unlock(&app.stats_lock);
	/* the fates against the packets, over the cumulative counts, as show
	 * stats json (a clear under traffic takes baselines mid-burst) */
	int64_t gap = mcfwd_worker_stats_check(&t);
	rte_tel_data_start_dict(d);
	/* a counter below its baseline (a worker's count that a failed TX
	 * took back) shows 0, never a wrapped 1.8e19 */
#define X(f) rte_tel_data_add_dict_u64(d, #f, t.f > b.f ? t.f - b.f : 0);
	X(rx_pkts) X(rx_bytes) X(fwd) X(no_oif) X(negative) X(wrong_if) X(wrong_if_punted)
	X(miss_punted) X(miss_dropped) X(ctrl_punted) X(ctrl_dropped) X(not_ip) X(not_mcast)
	X(bad_hdr) X(ttl_expired) X(no_iface) X(tx_pkts) X(tx_discards) X(alloc_fail) X(ttl_low)
	X(frag_needed) X(copies) X(clones) X(reinjected) X(iterations) X(idle_sleeps) X(rx_cold_skips) X(ctl_tx)
	X(ctl_tx_discards)
#undef X
	rte_tel_data_add_dict_u64(d, "ctl_miss", c.rx[MCFWD_PUNT_MISS]);
	rte_tel_data_add_dict_u64(d, "ctl_igmp_linklocal", c.rx[MCFWD_PUNT_CTRL]);
	rte_tel_data_add_dict_u64(d, "ctl_wrong_if", c.rx[MCFWD_PUNT_WRONG_IF]);
	rte_tel_data_add_dict_u64(d, "mfe_created", c.created);
	rte_tel_data_add_dict_u64(d, "mfe_create_failed", c.create_fail);
	rte_tel_data_add_dict_u64(d, "held_reinjected", c.reinjected);
	rte_tel_data_add_dict_u64(d, "held_dropped", c.held_dropped);
	rte_tel_data_add_dict_u64(d, "held_now", held);
	rte_tel_data_add_dict_u64(d, "grace_periods", c.grace_periods);
	rte_tel_data_add_dict_u64(d, "fragmented", c.fragmented);
	rte_tel_data_add_dict_u64(d, "fragments", c.fragments);
	/* DPDK 22.11 has no 64-bit signed value: a gap beyond int is clamped */
	rte_tel_data_add_dict_int(d, "accounting_gap", gap > INT_MAX ? INT_MAX : gap < INT_MIN ? INT_MIN
				  : (int)gap);
	rte_tel_data_add_dict_int(d, "workers", (int)app.n_workers);
	rte_tel_data_add_dict_int(d, "forwarding", app.forwarding);
	return 0;
}

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	struct cols t = { .n = 0 };
	rte_tel_data_start_dict(d);
	struct rte_tel_data *w_ = col(&t, "worker", RTE_TEL_INT_VAL),
		*lc = col(&t, "lcore", RTE_TEL_INT_VAL), *stt = col(&t, "state", RTE_TEL_STRING_VAL),
		*stl = col(&t, "stalled", RTE_TEL_INT_VAL), *rq = col(&t, "rx_queues", RTE_TEL_INT_VAL),
		*it = col(&t, "iterations", RTE_TEL_U64_VAL), *rx = col(&t, "rx_pkts", RTE_TEL_U64_VAL),
		*fw = col(&t, "fwd", RTE_TEL_U64_VAL), *tx = col(&t, "tx_pkts", RTE_TEL_U64_VAL),
		*sl = col(&t, "idle_sleeps", RTE_TEL_U64_VAL);
	if (sl == NULL)
		return cols_done(&t, d, false);
	pthread_mutex_lock(&app.stats_lock);
	if (app.closing) {
		pthread_mutex_unlock(&app.stats_lock);
		(void)cols_done(&t, d, false); /* frees the columns */
		return -EBUSY;
	}
	for (unsigned int i = 0; i < app.n_workers; i++) {
		const struct mcfwd_worker *w = app.w[i];
		struct mcfwd_wstats st;
		app_worker_stats(i, &st); /* since `clear counters`, as show lcores */
		rte_tel_data_add_array_int(w_, (int)i);
		rte_tel_data_add_array_int(lc, (int)w->lcore_id);
		rte_tel_data_add_array_string(stt, w->state == 1 ? "running" : w->state == 2 ? "idle"
					      : w->state == 3 ? "stopped" : "off");
		rte_tel_data_add_array_int(stl, app.hb_reported[i]);
		rte_tel_data_add_array_int(rq, w->n_rxq);
		rte_tel_data_add_array_u64(it, st.iterations);
		rte_tel_data_add_array_u64(rx, st.rx_pkts);
		rte_tel_data_add_array_u64(fw, st.fwd);
		rte_tel_data_add_array_u64(tx, st.tx_pkts);
		rte_tel_data_add_array_u64(sl, st.idle_sleeps);
	}
	pthread_mutex_unlock(&app.stats_lock);
	return cols_done(&t, d, true);
}

static int
tel_interfaces(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	int64_t start = page_param(params);
	if (start < 0)
		return bad_page(params, d);
	struct cols t = { .n = 0 };
	int stale = snap_get();
	if (snap_none(stale, d))
		return 0;
	uint32_t total = 0;
	for (uint32_t i = 0; i < app.snap.n_ifs; i++)
		total += app.snap.ifs[i].used;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "stale", stale);
	rte_tel_data_add_dict_u64(d, "total", total);
	rte_tel_data_add_dict_u64(d, "start", (uint64_t)start);
	struct rte_tel_data *id = col(&t, "id", RTE_TEL_INT_VAL),
		*nm = col(&t, "name", RTE_TEL_STRING_VAL), *po = col(&t, "port", RTE_TEL_INT_VAL),
		*vl = col(&t, "vlan", RTE_TEL_INT_VAL), *ad = col(&t, "address", RTE_TEL_STRING_VAL),
		*pl = col(&t, "prefix_len", RTE_TEL_INT_VAL), *mt = col(&t, "mtu", RTE_TEL_INT_VAL),
		*ow = col(&t, "owner", RTE_TEL_STRING_VAL);
	bool ok = ow != NULL;
	for (uint32_t i = 0, row = 0, n = 0; ok && i < app.snap.n_ifs && n < IF_PAGE; i++) {
		const struct app_iface *f = &app.snap.ifs[i];
		if (!f->used || row++ < start)
			continue;
		n++;
		char a[16];
		rte_tel_data_add_array_int(id, (int)i);
		rte_tel_data_add_array_string(nm, f->name);
		rte_tel_data_add_array_int(po, f->port);
		rte_tel_data_add_array_int(vl, f->vlan);
		rte_tel_data_add_array_string(ad, f->addr ? ipstr(f->addr, a) : "");
		rte_tel_data_add_array_int(pl, f->plen);
		rte_tel_data_add_array_int(mt, f->mtu);
		rte_tel_data_add_array_string(ow, app.snap.owner[i]);
	}
	pthread_mutex_unlock(&app.snap.lock);
	return cols_done(&t, d, ok);
}

static int
tel_protocols(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	struct cols t = { .n = 0 };
	int stale = snap_get();
	if (snap_none(stale, d))
		return 0;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "stale", stale);
	struct rte_tel_data *nm = col(&t, "name", RTE_TEL_STRING_VAL),
		*st = col(&t, "state", RTE_TEL_STRING_VAL), *ifs = col(&t, "interfaces", RTE_TEL_U64_VAL),
		*mr = col(&t, "mroutes", RTE_TEL_U64_VAL);
	bool ok = mr != NULL;
	if (ok) {
		rte_tel_data_add_array_string(nm, "static");
		rte_tel_data_add_array_string(st, app.snap.static_running ? "running" : "down");
		rte_tel_data_add_array_u64(ifs, app.snap.static_ifaces);
		rte_tel_data_add_array_u64(mr, app.snap.static_routes);
	}
	rte_tel_data_add_dict_u64(d, "memberships", app.snap.memberships);
	rte_tel_data_add_dict_u64(d, "mfes", app.snap.total_mfes);
	pthread_mutex_unlock(&app.snap.lock);
	return cols_done(&t, d, ok);
}

static int
tel_mroutes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	int64_t start = page_param(params);
	if (start < 0)
		return bad_page(params, d);
	struct cols t = { .n = 0 };
	int stale = snap_get_pages(start, -1);
	if (snap_none(stale, d))
		return 0;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "stale", stale);
	rte_tel_data_add_dict_u64(d, "total", app.snap.total_mfes);
	rte_tel_data_add_dict_u64(d, "start", app.snap.page_start);
	struct rte_tel_data *sr = col(&t, "source", RTE_TEL_STRING_VAL),
		*gr = col(&t, "group", RTE_TEL_STRING_VAL), *ii = col(&t, "iif", RTE_TEL_STRING_VAL),
		*oi = col(&t, "oifs", RTE_TEL_STRING_VAL), *pk = col(&t, "packets", RTE_TEL_U64_VAL),
		*by = col(&t, "bytes", RTE_TEL_U64_VAL), *wi = col(&t, "wrong_if", RTE_TEL_U64_VAL),
		*op = col(&t, "out_packets", RTE_TEL_U64_VAL), *ng = col(&t, "negative", RTE_TEL_INT_VAL);
	bool ok = ng != NULL;
	for (uint32_t i = 0; ok && i < app.snap.n_mfes; i++) {
		const struct mgm_mfe_stats *s = &app.snap.mfes[i];
		char a[16];
		rte_tel_data_add_array_string(sr, ipstr(s->mfe.src, a));
		rte_tel_data_add_array_string(gr, ipstr(s->mfe.grp, a));
		rte_tel_data_add_array_string(ii, app.snap.mfe_iif[i]);
		rte_tel_data_add_array_string(oi, app.snap.mfe_oifs[i]);
		rte_tel_data_add_array_u64(pk, s->in_pkts);
		rte_tel_data_add_array_u64(by, s->in_octets);
		rte_tel_data_add_array_u64(wi, s->pkts_different_if);
		rte_tel_data_add_array_u64(op, s->out_pkts);
		rte_tel_data_add_array_int(ng, s->mfe.negative);
	}
	pthread_mutex_unlock(&app.snap.lock);
	return cols_done(&t, d, ok);
}

static int
tel_igmp(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	int64_t start = page_param(params);
	if (start < 0)
		return bad_page(params, d);
	struct cols t = { .n = 0 };
	int stale = snap_get_pages(-1, start);
	if (snap_none(stale, d))
		return 0;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "stale", stale);
	rte_tel_data_add_dict_u64(d, "interfaces", app.snap.igmp_ifs);
	rte_tel_data_add_dict_u64(d, "total", app.snap.total_igmp);
	rte_tel_data_add_dict_u64(d, "start", app.snap.igmp_start);
	const struct igmp_stats *st = &app.snap.igmp_stats;
#define X(f) rte_tel_data_add_dict_u64(d, #f, st->f);
	X(rx) X(rx_queries) X(rx_v1_reports) X(rx_v2_reports) X(rx_v3_reports) X(rx_leaves)
	X(rx_records) X(records_ignored) X(ssm_ignored) X(tx_general) X(tx_group)
	X(tx_group_source) X(tx_errors) X(mgm_adds) X(mgm_deletes) X(mgm_errors) X(dropped)
	X(older_queries) X(newer_queries) X(state_full) X(querier_changes)
#undef X
	for (int i = 0; i < IGMP_DROP_MAX; i++) {
		char k[64];
		snprintf(k, sizeof(k), "drop_%s", igmp_drop_name(i));
		rte_tel_data_add_dict_u64(d, k, st->drops[i]);
	}
	struct rte_tel_data *ifn = col(&t, "interface", RTE_TEL_STRING_VAL),
		*gr = col(&t, "group", RTE_TEL_STRING_VAL), *md = col(&t, "mode", RTE_TEL_STRING_VAL),
		*tm = col(&t, "timer_s", RTE_TEL_U64_VAL), *ns = col(&t, "n_sources", RTE_TEL_U64_VAL),
		*sr = col(&t, "sources", RTE_TEL_STRING_VAL), *vr = col(&t, "version", RTE_TEL_INT_VAL),
		*up = col(&t, "uptime_s", RTE_TEL_U64_VAL);
	bool ok = up != NULL;
	for (uint32_t i = 0; ok && i < app.snap.n_igmp; i++) {
		const struct app_snap_igmp *e = &app.snap.igmp[i];
		char a[16];
		rte_tel_data_add_array_string(ifn, e->ifname);
		rte_tel_data_add_array_string(gr, ipstr(e->grp, a));
		rte_tel_data_add_array_string(md, e->mode == IGMP_MODE_EXCLUDE ? "exclude" : "include");
		rte_tel_data_add_array_u64(tm, (e->timer_ms + 999) / 1000);
		rte_tel_data_add_array_u64(ns, e->n_sources);
		rte_tel_data_add_array_string(sr, e->sources);
		rte_tel_data_add_array_int(vr, e->compat);
		rte_tel_data_add_array_u64(up, e->uptime_ms / 1000);
	}
	pthread_mutex_unlock(&app.snap.lock);
	return cols_done(&t, d, ok);
}

int
app_telemetry_init(void)
{
	int rc = rte_telemetry_register_cmd("/mcfwd/stats", tel_stats,
		"Forwarding counters by fate and control-thread counters. No parameters");
	rc |= rte_telemetry_register_cmd("/mcfwd/lcores", tel_lcores,
		"Workers: state, queues, counters. No parameters");
	rc |= rte_telemetry_register_cmd("/mcfwd/interfaces", tel_interfaces,
		"Logical interfaces, 128 per page. Parameter: first row (default 0)");
	rc |= rte_telemetry_register_cmd("/mcfwd/protocols", tel_protocols,
		"Routing protocols. No parameters");
	rc |= rte_telemetry_register_cmd("/mcfwd/mroutes", tel_mroutes,
		"Multicast forwarding entries, 48 per page. Parameter: first index (default 0)");
	rc |= rte_telemetry_register_cmd("/mcfwd/igmp", tel_igmp,
		"IGMP groups, 48 per page, counters and drops by reason. Parameter: first row (default 0)");
	return rc ? -EINVAL : 0;
}
