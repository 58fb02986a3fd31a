/* SPDX-License-Identifier: BSD-3-Clause */
/* The IGMP router against the real MGM and forwarding cache, with a fake
 * clock, a recording send function and mock routing protocols whose
 * callbacks log what IGMP's membership calls caused (LOCAL_JOIN/LEAVE to
 * the interface owner, JOIN/PRUNE_ALERTs). EAL runs with --no-huge. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>

#include "mgm.h"
#include "test_eal.h"
#include "mcfwd_igmp.h"

#define IF1 1u            /* IGMP runs here (co-owned by P) */
#define IF2 2u            /* upstream, owned by Q */
#define ADDR1 0x0a0100feu /* 10.1.0.254/24, IF1's address */
#define H1 0x0a01000au    /* a host on IF1 */
#define G 0xef010101u     /* 239.1.1.1 (ASM) */
#define GSSM 0xe8010101u  /* 232.1.1.1 */
#define S1 0x0a000001u
#define S2 0x0a000002u
#define S3 0x0a000003u
#define S4 0x0a000004u
#define ALL 0xffffffffu
#define V3DST 0xe0000016u /* 224.0.0.22 */

enum { IS_IN = 1, IS_EX, TO_IN, TO_EX, ALLOW, BLOCK };

/* ---- MGM calls ---- */
/* Every mgm_membership_add (IGMP's and the test's) is counted: the test
 * links with -Wl,--wrap=mgm_membership_add. */
static unsigned int n_mgm_adds;
int __real_mgm_membership_add(struct mgm *m, mgm_handle_t h, uint32_t src, uint32_t smask,
			      uint32_t grp, uint32_t gmask, uint32_t ifindex, uint32_t nexthop,
			      uint32_t flags);
int __wrap_mgm_membership_add(struct mgm *m, mgm_handle_t h, uint32_t src, uint32_t smask,
			      uint32_t grp, uint32_t gmask, uint32_t ifindex, uint32_t nexthop,
			      uint32_t flags);
int
__wrap_mgm_membership_add(struct mgm *m, mgm_handle_t h, uint32_t src, uint32_t smask,
			  uint32_t grp, uint32_t gmask, uint32_t ifindex, uint32_t nexthop,
			  uint32_t flags)
{
	n_mgm_adds++;
	return __real_mgm_membership_add(m, h, src, smask, grp, gmask, ifindex, nexthop, flags);
}

/* ---- clock, send, log ---- */
static uint64_t now_ms;
static uint64_t fake_ms(void *a) { (void)a; return now_ms; }
static uint64_t fake_s(void *a) { (void)a; return now_ms / 1000; }

static struct { uint32_t ifindex; size_t len; uint8_t b[1500]; } sent[256];
static int n_sent, send_rc;

static int
rec_send(void *arg, uint32_t ifindex, const void *p, size_t len)
{
	(void)arg;
	if (send_rc)
		return send_rc;
	assert_true(n_sent < 256 && len <= 1500);
	sent[n_sent].ifindex = ifindex;
	sent[n_sent].len = len;
	memcpy(sent[n_sent].b, p, len);
	n_sent++;
	return 0;
}

static char logbuf[8192];
static bool log_alerts; /* JOIN/PRUNE_ALERTs too (pause tests) */

static void
logf_(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	strncat(logbuf, line, sizeof(logbuf) - strlen(logbuf) - 2);
	strcat(logbuf, "\n");
}

struct fx;
struct mock {
	const char *name;
	struct fx *fx;
	mgm_handle_t h;
};

struct fx {
	struct mfc *c;
	struct mgm *m;
	struct igmp *ig;
	struct mock p, q;
	int feed_in_prune; /* Q's PRUNE_ALERT feeds a report (IGMP paused) */
};

static int feed_v3(struct fx *f, uint32_t from, uint8_t type, uint32_t grp, uint32_t n, ...);

static void
cb_join(void *ctx, uint32_t s, uint32_t sm, uint32_t g, uint32_t gm, bool upd)
{
	(void)sm, (void)gm, (void)upd;
	if (log_alerts)
		logf_("%s JOIN_ALERT %x %x update=%d", ((struct mock *)ctx)->name, s, g, upd);
}
static void
cb_prune(void *ctx, uint32_t s, uint32_t sm, uint32_t g, uint32_t gm, struct mgm_if ifc, bool del,
	 uint32_t *to)
{
	struct mock *k = ctx;
	(void)sm, (void)gm, (void)del, (void)to;
	if (log_alerts)
		logf_("%s PRUNE_ALERT %x %x if=%u", k->name, s, g, ifc.ifindex);
	if (k->fx->feed_in_prune) {
		k->fx->feed_in_prune = 0;
		/* a host joins while IGMP is paused on IF1: tracked, not added */
		assert_int_equal(feed_v3(k->fx, H1, TO_EX, 0xef030303u, 0), 0);
	}
}
static void
cb_ljoin(void *ctx, uint32_t s, uint32_t g, struct mgm_if ifc)
{
	logf_("%s LOCAL_JOIN %x %x if=%u", ((struct mock *)ctx)->name, s, g, ifc.ifindex);
}
static void
cb_lleave(void *ctx, uint32_t s, uint32_t g, struct mgm_if ifc)
{
	logf_("%s LOCAL_LEAVE %x %x if=%u", ((struct mock *)ctx)->name, s, g, ifc.ifindex);
}

static const struct mgm_callbacks CB = {
	.join_alert = cb_join, .prune_alert = cb_prune, .local_join = cb_ljoin,
	.local_leave = cb_lleave,
};

static void log_clear(void) { logbuf[0] = 0; }

static void
expect_log(const char *want)
{
	if (strcmp(logbuf, want) != 0)
		print_error("MGM log:\n%s--- expected:\n%s", logbuf, want);
	assert_string_equal(logbuf, want);
	log_clear();
}

/* ---- packets ---- */
static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}
static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}
static uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)rd16(p) << 16) | rd16(p + 2);
}
static uint16_t
csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;
	for (i = 0; i + 1 < len; i += 2)
		s += rd16(p + i);
	if (i < len)
		s += (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* IPv4 (TTL 1, Router Alert) around an IGMP message; checksums set. */
static size_t
ip_wrap(uint8_t *b, uint32_t src, uint32_t dst, const uint8_t *msg, size_t ml)
{
	memset(b, 0, 24);
	b[0] = 0x46;
	wr16(b + 2, (uint16_t)(24 + ml));
	b[8] = 1;
	b[9] = 2;
	wr32(b + 12, src);
	wr32(b + 16, dst);
	b[20] = 0x94;
	b[21] = 4;
	wr16(b + 10, (uint16_t)~csum(b, 24));
	memcpy(b + 24, msg, ml);
	wr16(b + 26, 0);
	wr16(b + 26, (uint16_t)~csum(b + 24, ml));
	return 24 + ml;
}

/* A v3 report being built. */
struct rb {
	uint8_t m[4096];
	size_t len;
	uint16_t n;
};
static void
rb_init(struct rb *r)
{
	memset(r, 0, sizeof(*r));
	r->m[0] = 0x22;
	r->len = 8;
}
static void
rb_rec(struct rb *r, uint8_t type, uint32_t grp, uint32_t n, const uint32_t *s)
{
	uint8_t *p = r->m + r->len;
	p[0] = type;
	wr16(p + 2, (uint16_t)n);
	wr32(p + 4, grp);
	for (uint32_t i = 0; i < n; i++)
		wr32(p + 8 + 4 * i, s[i]);
	r->len += 8 + 4 * n;
	wr16(r->m + 6, ++r->n);
}

static int
feed_msg(struct fx *f, uint32_t from, uint32_t dst, const uint8_t *msg, size_t ml, enum igmp_drop *why)
{
	uint8_t b[4200];
	size_t l = ip_wrap(b, from, dst, msg, ml);
	return igmp_input(f->ig, IF1, b, l, why);
}

static int
feed_v3(struct fx *f, uint32_t from, uint8_t type, uint32_t grp, uint32_t n, ...)
{
	struct rb r;
	uint32_t s[64];
	va_list ap;
	va_start(ap, n);
	for (uint32_t i = 0; i < n; i++)
		s[i] = va_arg(ap, uint32_t);
	va_end(ap);
	rb_init(&r);
	rb_rec(&r, type, grp, n, s);
	return feed_msg(f, from, V3DST, r.m, r.len, NULL);
}

#define V3(type, grp, ...) assert_int_equal(feed_v3(f, H1, type, grp, __VA_ARGS__), 0)

/* One record of n sources base, base+1, ... (n <= 32, the packet cap). */
static void
feed_range(struct fx *f, uint8_t type, uint32_t grp, uint32_t base, uint32_t n)
{
	struct rb r;
	uint32_t s[32];
	assert_true(n <= 32);
	for (uint32_t i = 0; i < n; i++)
		s[i] = base + i;
	rb_init(&r);
	rb_rec(&r, type, grp, n, s);
	assert_int_equal(feed_msg(f, H1, V3DST, r.m, r.len, NULL), 0);
}

static int
feed_v12(struct fx *f, uint8_t type, uint32_t grp, uint32_t dst)
{
	uint8_t m[8] = { type, 0 };
	wr32(m + 4, grp);
	return feed_msg(f, H1, dst, m, 8, NULL);
}

/* A v3 query from `from`: general (grp 0), group or group-and-source,
 * with its Max Resp Code, QRV and QQIC. */
static int
feed_query_t(struct fx *f, uint32_t from, uint32_t grp, bool sflag, uint32_t n, const uint32_t *s,
	     uint8_t code, uint8_t qrv, uint8_t qqic)
{
	uint8_t m[12 + 4 * 16] = { 0x11, code };
	wr32(m + 4, grp);
	m[8] = (uint8_t)((sflag ? 8 : 0) | qrv);
	m[9] = qqic;
	wr16(m + 10, (uint16_t)n);
	for (uint32_t i = 0; i < n; i++)
		wr32(m + 12 + 4 * i, s[i]);
	return feed_msg(f, from, grp ? grp : 0xe0000001u, m, 12 + 4 * n, NULL);
}

/* ... from a querier with the default timers: QRI 10 s in general
 * queries, LMQI 1 s in specific ones, QRV 2, QQI 125 s. */
static int
feed_query(struct fx *f, uint32_t from, uint32_t grp, bool sflag, uint32_t n, const uint32_t *s)
{
	return feed_query_t(f, from, grp, sflag, n, s, grp ? 10 : 100, 2, 125);
}

/* What was sent, one line per query; checks every header rule. */
static char sentbuf[8192];
static const char *
sent_log(void)
{
	sentbuf[0] = 0;
	for (int i = 0; i < n_sent; i++) {
		const uint8_t *b = sent[i].b;
		size_t len = sent[i].len;
		char line[512];
		assert_int_equal(sent[i].ifindex, IF1);
		assert_true(len >= 32);
		assert_int_equal(b[0], 0x46);               /* IHL 6: an option */
		assert_int_equal(b[1], 0xc0);
		assert_int_equal(rd16(b + 2), len);
		assert_int_equal(b[8], 1);                  /* TTL 1 */
		assert_int_equal(b[9], 2);
		assert_int_equal(rd32(b + 12), ADDR1);      /* from our address */
		assert_int_equal(rd32(b + 20), 0x94040000u); /* Router Alert */
		assert_int_equal(csum(b, 24), 0xffff);
		assert_int_equal(csum(b + 24, len - 24), 0xffff);
		const uint8_t *q = b + 24;
		assert_int_equal(q[0], 0x11);
		if (len - 24 == 8) {
			/* 8 bytes: v1 with Max Resp Code 0, else v2 (RFC 3376 7.1) */
			snprintf(line, sizeof(line), "%s dst=%x g=%x code=%u\n", q[1] ? "v2" : "v1",
				 rd32(b + 16), rd32(q + 4), q[1]);
		} else {
			uint16_t n = rd16(q + 10);
			assert_int_equal(len - 24, 12 + 4 * n);
			int k = snprintf(line, sizeof(line), "v3 dst=%x g=%x code=%u s=%d qrv=%u qqic=%u",
					 rd32(b + 16), rd32(q + 4), q[1], (q[8] >> 3) & 1, q[8] & 7, q[9]);
			for (uint16_t i = 0; i < n; i++)
				k += snprintf(line + k, sizeof(line) - (size_t)k, "%s%x", i ? "," : " srcs=",
					      rd32(q + 12 + 4 * i));
			snprintf(line + k, sizeof(line) - (size_t)k, "\n");
		}
		strcat(sentbuf, line);
	}
	n_sent = 0;
	return sentbuf;
}

static void
expect_sent(const char *want)
{
	const char *got = sent_log();
	if (strcmp(got, want) != 0)
		print_error("sent:\n%s--- expected:\n%s", got, want);
	assert_string_equal(got, want);
}

static int
cmp_src(const void *a, const void *b)
{
	uint32_t x = ((const struct igmp_source_info *)a)->addr;
	uint32_t y = ((const struct igmp_source_info *)b)->addr;
	return x < y ? -1 : x > y;
}

/* "IN 3:1000 4:260000" / "EX 260000 1:260000 2:0" (last octet:timer left,
 * sorted), "none" */
static const char *
state(struct fx *f, uint32_t grp)
{
	static char b[1024];
	struct igmp_group_info gi;
	struct igmp_source_info s[64];
	for (uint32_t i = 0;; i++) {
		uint32_t n = 64;
		if (igmp_group_at(f->ig, IF1, i, &gi, s, &n) < 0)
			return "none";
		if (gi.grp != grp)
			continue;
		qsort(s, n, sizeof(s[0]), cmp_src);
		int k = gi.mode == IGMP_MODE_INCLUDE ? snprintf(b, sizeof(b), "IN")
			: snprintf(b, sizeof(b), "EX %llu", (unsigned long long)gi.timer_ms);
		for (uint32_t j = 0; j < n; j++)
			k += snprintf(b + k, sizeof(b) - (size_t)k, " %u:%llu", s[j].addr & 0xff,
				      (unsigned long long)s[j].timer_ms);
		if (gi.compat != 3)
			snprintf(b + k, sizeof(b) - (size_t)k, " v%u", gi.compat);
		return b;
	}
}

#define STATE(grp, want) assert_string_equal(state(f, grp), want)

/* ---- fixture ---- */
/* Caps for the next setup (0: the fixture's defaults); setup_* set them. */
static uint32_t fx_members_per_if, fx_sources_per_if, fx_max_ifaces;

static int
setup(void **state_)
{
	static int seq;
	char name[32];
	struct fx *f = calloc(1, sizeof(*f));
	struct mfc_params cp = { .max_entries = 4096, .n_lcores = 1, .max_ifaces = fx_max_ifaces };
	snprintf(name, sizeof(name), "igmp%d", seq++);
	now_ms = 1000000;
	f->c = mfc_create(&cp);
	struct mgm_params mp = { .cache = f->c, .now = fake_s, .now_ms = fake_ms, .name = name,
				 .max_members_per_if = fx_members_per_if };
	f->m = mgm_create(&mp);
	if (f->c == NULL || f->m == NULL)
		return -1;
	f->p = (struct mock){ "P", f, 0 };
	f->q = (struct mock){ "Q", f, 0 };
	if (mgm_protocol_register(f->m, 1, 0, &CB, &f->p, &f->p.h) != 0 ||
	    mgm_protocol_register(f->m, 2, 0, &CB, &f->q, &f->q.h) != 0)
		return -1;
	struct igmp_params ip = { .mgm = f->m, .send = rec_send, .now_ms = fake_ms,
				  .tick_ms = UINT32_MAX, .max_records_per_pkt = 16,
				  .max_sources_per_pkt = 32, .max_sources_per_group = 8,
				  .max_sources_per_if = fx_sources_per_if };
	f->ig = igmp_create(&ip);
	if (f->ig == NULL)
		return -1;
	if (mgm_interface_address_add(f->m, IF1, ADDR1, 24) < 0 ||
	    mgm_interface_take(f->m, f->p.h, IF1, 0) < 0 || mgm_interface_take(f->m, f->q.h, IF2, 0) < 0 ||
	    mgm_route_add(f->m, 0x0a000000u, 24, IF2, 0) < 0)
		return -1;
	n_sent = 0;
	send_rc = 0;
	if (igmp_if_enable(f->ig, IF1, NULL) < 0)
		return -1;
	n_sent = 0; /* the first startup query (test_startup_queries checks it) */
	log_alerts = false;
	log_clear();
	*state_ = f;
	return 0;
}

/* IGMP's own cap: 20 sources on the interface (8 per group). */
static int
setup_src_cap(void **state_)
{
	fx_sources_per_if = 20;
	int rc = setup(state_);
	fx_sources_per_if = 0;
	return rc;
}

/* MGM's own limit: 8 memberships per interface. */
static int
setup_mgm_full(void **state_)
{
	fx_members_per_if = 8;
	int rc = setup(state_);
	fx_members_per_if = 0;
	return rc;
}

/* Room for 4096 interfaces. */
static int
setup_many_ifs(void **state_)
{
	fx_max_ifaces = 4096;
	int rc = setup(state_);
	fx_max_ifaces = 0;
	return rc;
}

static int
teardown(void **state_)
{
	struct fx *f = *state_;
	igmp_destroy(f->ig);
	mgm_destroy(f->m);
	mfc_destroy(f->c);
	free(f);
	return 0;
}

static void
tick_to(struct fx *f, uint64_t t)
{
	now_ms = t;
	igmp_tick(f->ig);
}

/* ---------------------------------------------------------------- */

static void
test_codes(void **s)
{
	(void)s;
	assert_int_equal(igmp_code_encode(100), 100);
	assert_int_equal(igmp_code_encode(127), 127);
	assert_int_equal(igmp_code_encode(128), 0x80);
	assert_int_equal(igmp_code_decode(0x80), 128);
	for (uint32_t v = 128; v <= 31744; v += 37) {
		uint32_t d = igmp_code_decode(igmp_code_encode(v));
		assert_true(d <= v && d * 17 / 16 + 8 >= v); /* rounds down, within a mantissa step */
	}
	assert_int_equal(igmp_code_decode(0xff), 31744);
	assert_int_equal(igmp_code_encode(1000000), 0xff);
	/* QQIC rounds up (135 s went out as 128 s: found by review), to the
	 * next code across an exponent too */
	assert_int_equal(igmp_code_decode(igmp_code_encode_up(135)), 136);
	assert_int_equal(igmp_code_decode(igmp_code_encode_up(249)), 256); /* 31 << 3 = 248, then 16 << 4 */
	assert_int_equal(igmp_code_encode_up(128), 0x80);
	assert_int_equal(igmp_code_encode_up(127), 127);
	assert_int_equal(igmp_code_encode_up(31744), 0xff);
	for (uint32_t v = 1; v <= 31744; v++) {
		uint32_t d = igmp_code_decode(igmp_code_encode_up(v));
		if (d < v || d > v + v / 16)
			fail_msg("QQIC for %u s decodes to %u s", v, d);
	}
}

static void
test_startup_and_general_queries(void **st)
{
	struct fx *f = *st;
	assert_int_equal(igmp_if_disable(f->ig, IF1), 0);
	assert_int_equal(igmp_if_disable(f->ig, IF1), -ENOENT);
	assert_int_equal(igmp_if_enable(f->ig, IF1, NULL), 0);
	assert_int_equal(igmp_if_enable(f->ig, IF1, NULL), -EEXIST);
	/* startup: SQC = 2 queries SQI = QI/4 apart, then every QI */
	expect_sent("v3 dst=e0000001 g=0 code=100 s=0 qrv=2 qqic=125\n");
	tick_to(f, now_ms + 31249);
	expect_sent("");
	tick_to(f, now_ms + 1);
	expect_sent("v3 dst=e0000001 g=0 code=100 s=0 qrv=2 qqic=125\n");
	tick_to(f, now_ms + 124999);
	expect_sent("");
	tick_to(f, now_ms + 1);
	expect_sent("v3 dst=e0000001 g=0 code=100 s=0 qrv=2 qqic=125\n");
	struct igmp_if_info ii;
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_true(ii.querier);
	assert_int_equal(ii.querier_addr, ADDR1);
	assert_int_equal(ii.cfg.gmi_ms, 260000);
	assert_int_equal(ii.next_query_ms, 125000);
	/* a v2 interface with its own timers: 8-byte queries */
	struct igmp_if_cfg c = { .version = 2, .query_interval_ms = 60000, .query_response_ms = 5000 };
	assert_int_equal(igmp_if_disable(f->ig, IF1), 0);
	assert_int_equal(igmp_if_enable(f->ig, IF1, &c), 0);
	expect_sent("v2 dst=e0000001 g=0 code=50\n");
	tick_to(f, now_ms + 15000);
	expect_sent("v2 dst=e0000001 g=0 code=50\n");
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_int_equal(ii.cfg.gmi_ms, 2 * 60000 + 5000);
	/* bad configurations */
	struct igmp_if_cfg bad = { .query_interval_ms = 5000, .query_response_ms = 5000 };
	assert_int_equal(igmp_if_set_cfg(f->ig, IF1, &bad), -EINVAL);
	bad = (struct igmp_if_cfg){ .version = 4 };
	assert_int_equal(igmp_if_enable(f->ig, 7, &bad), -EINVAL);
	bad = (struct igmp_if_cfg){ .robustness = 8 };
	assert_int_equal(igmp_if_set_cfg(f->ig, IF1, &bad), -EINVAL);
	/* send failures are counted */
	send_rc = -ENOBUFS;
	tick_to(f, now_ms + 60000);
	struct igmp_stats sts;
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.tx_errors, 1);
	assert_int_equal(sts.tx_general, 2);
	send_rc = 0;
	/* a v3 query interval the code cannot hold: QQIC rounds up, 135 s as
	 * 136 s (0x81; it went out as 128 s, 0x80), 1.5 s as 2 s */
	struct igmp_if_cfg c3 = { .version = 3, .query_interval_ms = 135000 };
	assert_int_equal(igmp_if_disable(f->ig, IF1), 0);
	assert_int_equal(igmp_if_enable(f->ig, IF1, &c3), 0);
	expect_sent("v3 dst=e0000001 g=0 code=100 s=0 qrv=2 qqic=129\n");
	c3.query_interval_ms = 1500;
	c3.query_response_ms = 1000;
	assert_int_equal(igmp_if_disable(f->ig, IF1), 0);
	assert_int_equal(igmp_if_enable(f->ig, IF1, &c3), 0);
	expect_sent("v3 dst=e0000001 g=0 code=10 s=0 qrv=2 qqic=2\n");
	/* a robustness of 3 is what the queries advertise (QRV), and a
	 * group's last reporter is kept (both survived a mutation review:
	 * every query sent in the tests had the default 2) */
	struct igmp_if_cfg r3 = { .version = 3, .robustness = 3 };
	assert_int_equal(igmp_if_disable(f->ig, IF1), 0);
	assert_int_equal(igmp_if_enable(f->ig, IF1, &r3), 0);
	expect_sent("v3 dst=e0000001 g=0 code=100 s=0 qrv=3 qqic=125\n");
	V3(TO_EX, G, 0);
	struct igmp_group_info gi;
	assert_int_equal(igmp_group_at(f->ig, IF1, 0, &gi, NULL, NULL), 0);
	assert_int_equal(gi.grp, G);
	assert_int_equal(gi.last_reporter, H1);
}

static void
test_querier_election(void **st)
{
	struct fx *f = *st;
	uint64_t t0 = now_ms;
	/* a higher address: we stay querier */
	assert_int_equal(feed_query(f, 0x0a0100ffu, 0, false, 0, NULL), 0);
	tick_to(f, t0 + 31250);
	expect_sent("v3 dst=e0000001 g=0 code=100 s=0 qrv=2 qqic=125\n");
	/* a lower one wins: we stop querying until OQPI (2*125+10/2 = 255 s) */
	now_ms = t0 + 40000;
	assert_int_equal(feed_query(f, 0x0a010001u, 0, false, 0, NULL), 0);
	struct igmp_if_info ii;
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_false(ii.querier);
	assert_int_equal(ii.querier_addr, 0x0a010001u);
	assert_int_equal(ii.oqp_left_ms, 255000);
	tick_to(f, t0 + 40000 + 254999);
	expect_sent("");
	/* its queries keep us quiet... */
	assert_int_equal(feed_query(f, 0x0a010001u, 0, false, 0, NULL), 0);
	tick_to(f, now_ms + 254999);
	expect_sent("");
	/* ...until they stop: we take over at once */
	tick_to(f, now_ms + 1);
	expect_sent("v3 dst=e0000001 g=0 code=100 s=0 qrv=2 qqic=125\n");
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_true(ii.querier);
	struct igmp_stats sts;
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.querier_changes, 2);
	assert_int_equal(sts.rx_queries, 3);
	/* a non-querier sends no last-member queries but lowers its timers
	 * on the querier's specific queries (S clear), not with S set */
	assert_int_equal(feed_query(f, 0x0a010001u, 0, false, 0, NULL), 0);
	V3(IS_EX, G, 0);
	V3(IS_IN, G, 1, S1);
	V3(TO_IN, G, 0);
	expect_sent("");
	STATE(G, "EX 260000 1:260000");
	assert_int_equal(feed_query(f, 0x0a010001u, G, true, 0, NULL), 0);
	STATE(G, "EX 260000 1:260000");
	assert_int_equal(feed_query(f, 0x0a010001u, G, false, 0, NULL), 0);
	STATE(G, "EX 2000 1:260000");
	assert_int_equal(feed_query(f, 0x0a010001u, G, false, 1, (uint32_t[]){ S1 }), 0);
	STATE(G, "EX 2000 1:2000");
}

/* A non-querier's timers follow the querier's (RFC 3376 4.1.6, 4.1.7,
 * 6.6.1, 8; RFC 2236 3): its QRV, QQI and QRI make our Other Querier
 * Present Interval, Group Membership Interval and older host timeout, and
 * its specific queries' Max Resp Time our Last Member Query Time. QRV 0
 * and QQIC 0 mean ours and the default; a v2 querier tells none. Once we
 * query again, our own configuration rules. */
static void
test_non_querier_timers(void **st)
{
	struct fx *f = *st;
	const uint32_t Q = 0x0a010001u, G2 = 0xef020202u, G3 = 0xef030303u, G4 = 0xef040404u;
	const uint8_t qqic = igmp_code_encode(300); /* QI 300 s: 288 s in the code */
	const uint8_t qri = igmp_code_encode(200);  /* QRI 20 s */
	struct igmp_if_info ii;
	assert_int_equal(igmp_code_decode(qqic), 288);
	/* the querier: QRV 3, QQI 288 s, QRI 20 s; OQPI 3 * 288 + 20 / 2 s */
	assert_int_equal(feed_query_t(f, Q, 0, false, 0, NULL, qri, 3, qqic), 0);
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_false(ii.querier);
	assert_int_equal(ii.oqp_left_ms, 3 * 288000 + 10000);
	/* the timers in effect (show ip igmp interface), not the configured
	 * ones (found by a black-box test: the table showed ours) */
	assert_int_equal(ii.rv, 3);
	assert_int_equal(ii.qi_ms, 288000);
	assert_int_equal(ii.qri_ms, 20000);
	assert_int_equal(ii.gmi_ms, 884000);
	assert_int_equal(ii.cfg.gmi_ms, 260000);
	/* reports heard meanwhile: GMI 3 * 288 + 20 s */
	V3(IS_EX, G, 0);
	V3(IS_IN, G, 1, S1);
	STATE(G, "EX 884000 1:884000");
	/* its Q(G) and Q(G,S) with LMQI 5 s: LMQT 3 * 5 s */
	assert_int_equal(feed_query_t(f, Q, G, false, 0, NULL, 50, 3, qqic), 0);
	STATE(G, "EX 15000 1:884000");
	assert_int_equal(feed_query_t(f, Q, G, false, 1, (uint32_t[]){ S1 }, 50, 3, qqic), 0);
	STATE(G, "EX 15000 1:15000");
	/* an older host: present for RV * QI + QRI as well */
	assert_int_equal(feed_v12(f, 0x16, G2, G2), 0);
	STATE(G2, "EX 884000 v2");
	struct igmp_group_info gi;
	assert_int_equal(igmp_group_at(f->ig, IF1, 1, &gi, NULL, NULL), 0);
	assert_int_equal(gi.grp, G2);
	assert_int_equal(gi.v2_host_ms, 884000);
	/* QRV 0: our RV (2); QQIC 0: the default QI (125 s) */
	assert_int_equal(feed_query_t(f, Q, 0, false, 0, NULL, qri, 0, 0), 0);
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_int_equal(ii.oqp_left_ms, 2 * 125000 + 10000);
	/* a v2 querier tells none: our own timers; its Q(G) with a Max Resp
	 * Time of 5 s: our LMQC (2) times 5 s */
	uint8_t m[8] = { 0x11, 100 };
	assert_int_equal(feed_msg(f, Q, 0xe0000001u, m, 8, NULL), 0);
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_int_equal(ii.oqp_left_ms, 255000);
	V3(IS_EX, G3, 0);
	STATE(G3, "EX 260000");
	m[1] = 50;
	wr32(m + 4, G3);
	assert_int_equal(feed_msg(f, Q, G3, m, 8, NULL), 0);
	STATE(G3, "EX 10000");
	expect_sent("");
	/* the querier goes quiet: we query, with our own configuration */
	tick_to(f, now_ms + 255000);
	expect_sent("v3 dst=e0000001 g=0 code=100 s=0 qrv=2 qqic=125\n");
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_true(ii.querier);
	assert_int_equal(ii.rv, 2);
	assert_int_equal(ii.qi_ms, 125000);
	assert_int_equal(ii.qri_ms, 10000);
	assert_int_equal(ii.gmi_ms, 260000);
	V3(IS_EX, G4, 0);
	STATE(G4, "EX 260000");
	V3(TO_IN, G4, 0);
	STATE(G4, "EX 2000");
	expect_sent("v3 dst=ef040404 g=ef040404 code=10 s=0 qrv=2 qqic=125\n");
	/* a querier heard again after that: adopted afresh */
	assert_int_equal(feed_query_t(f, Q, 0, false, 0, NULL, qri, 3, qqic), 0);
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_int_equal(ii.oqp_left_ms, 3 * 288000 + 10000);
}

/* Last-member queries pending for G (group-specific, one retransmission
 * left) and G2 (group-and-source for S1, likewise), both answered. */
static void
pending_rxmits(struct fx *f, uint32_t g2)
{
	assert_int_equal(feed_v12(f, 0x16, G, G), 0);
	assert_int_equal(feed_v12(f, 0x17, G, 0xe0000002u), 0);
	V3(IS_IN, g2, 1, S1);
	V3(BLOCK, g2, 1, S1);
	char want[256];
	snprintf(want, sizeof(want),
		 "v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125\n"
		 "v3 dst=%x g=%x code=10 s=0 qrv=2 qqic=125 srcs=a000001\n", g2, g2);
	expect_sent(want);
	assert_int_equal(feed_v12(f, 0x16, G, G), 0);
	V3(IS_IN, g2, 1, S1);
}

/* Only the querier keeps last-member-query retransmission state (RFC 3376
 * 6.6.2, 6.6.3): a router that loses the election drops what it had
 * pending. It used to keep it, blocked only by the querier checks: while
 * not querier the next deadline was "now" (long past retransmission
 * times), and on taking over 255 s later the stale Q(G) and Q(G,S) went
 * out in the same tick as the general query. */
static void
test_rxmit_dropped_on_querier_loss(void **st)
{
	struct fx *f = *st;
	const uint32_t Q = 0x0a010001u, G2 = 0xef020202u;
	pending_rxmits(f, G2);
	now_ms += 100;
	assert_int_equal(feed_query(f, Q, 0, false, 0, NULL), 0); /* OQPI 255 s */
	uint64_t t = now_ms;
	tick_to(f, t + 5000);
	expect_sent("");
	/* nothing due before the other querier present timer (the group and
	 * source timers, GMI after the reports, run 4.9 s longer) */
	assert_int_equal(igmp_next_deadline_ms(f->ig), 255000 - 5000);
	tick_to(f, t + 254999);
	expect_sent("");
	tick_to(f, t + 255000);
	expect_sent("v3 dst=e0000001 g=0 code=100 s=0 qrv=2 qqic=125\n");
	STATE(G, "EX 4900 v2");
	STATE(G2, "IN 1:4900");
	tick_to(f, t + 256000);
	expect_sent("");
}

/* The same when the interface loses its address (no address: no queries)
 * and gets one back. */
static void
test_rxmit_dropped_on_address_loss(void **st)
{
	struct fx *f = *st;
	const uint32_t G2 = 0xef020202u;
	struct igmp_if_info ii;
	pending_rxmits(f, G2);
	assert_int_equal(mgm_interface_address_delete(f->m, IF1, ADDR1, 24), 0);
	uint64_t t = now_ms;
	tick_to(f, t + 100);
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_false(ii.querier);
	tick_to(f, t + 5000);
	expect_sent("");
	assert_int_equal(igmp_next_deadline_ms(f->ig), 260000 - 5000);
	assert_int_equal(mgm_interface_address_add(f->m, IF1, ADDR1, 24), 0);
	tick_to(f, t + 6000);
	expect_sent("v3 dst=e0000001 g=0 code=100 s=0 qrv=2 qqic=125\n");
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_true(ii.querier);
	tick_to(f, t + 7000);
	expect_sent("");
	STATE(G, "EX 253000 v2");
	STATE(G2, "IN 1:253000");
	struct igmp_stats sts; /* querier: lost with the address, back with it */
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.querier_changes, 2);
}

/* RFC 3376 6.4.1 and 6.4.2, INCLUDE rows; P (the interface owner) sees
 * each (S,G) IGMP adds or deletes. */
static void
test_include_records(void **st)
{
	struct fx *f = *st;
	uint64_t t0 = now_ms;
	/* INCLUDE({}) + IS_IN(B) -> INCLUDE(B), (B)=GMI */
	V3(IS_IN, G, 2, S1, S2);
	STATE(G, "IN 1:260000 2:260000");
	expect_log("P LOCAL_JOIN a000001 ef010101 if=1\nP LOCAL_JOIN a000002 ef010101 if=1\n");
	/* ALLOW(B): A+B, (B)=GMI */
	now_ms = t0 + 10000;
	V3(ALLOW, G, 2, S2, S3);
	STATE(G, "IN 1:250000 2:260000 3:260000");
	expect_log("P LOCAL_JOIN a000003 ef010101 if=1\n");
	expect_sent("");
	/* BLOCK(B): INCLUDE(A), Q(G,A*B): S1 lowered to LMQT, queried LMQC times */
	V3(BLOCK, G, 2, S1, S4);
	STATE(G, "IN 1:2000 2:260000 3:260000");
	expect_log("");
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000001\n");
	tick_to(f, now_ms + 1000);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000001\n");
	tick_to(f, now_ms + 999);
	expect_sent("");
	expect_log("");
	/* LMQT after the BLOCK, nobody answered: S1 goes */
	tick_to(f, now_ms + 1);
	STATE(G, "IN 2:258000 3:258000");
	expect_log("P LOCAL_LEAVE a000001 ef010101 if=1\n");
	tick_to(f, now_ms + 5000);
	expect_sent("");
	/* TO_IN(B): A+B, (B)=GMI, Q(G,A-B); an answer within LMQT keeps the
	 * source, and the retransmission says so with S set */
	V3(TO_IN, G, 1, S4);
	STATE(G, "IN 2:2000 3:2000 4:260000");
	expect_log("P LOCAL_JOIN a000004 ef010101 if=1\n");
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000002,a000003\n");
	V3(IS_IN, G, 1, S3);
	tick_to(f, now_ms + 1000);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=1 qrv=2 qqic=125 srcs=a000003\n"
		    "v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000002\n");
	tick_to(f, now_ms + 1000);
	STATE(G, "IN 3:258000 4:258000");
	expect_log("P LOCAL_LEAVE a000002 ef010101 if=1\n");
	/* IS_EX(B): EXCLUDE(A*B, B-A), (B-A)=0, Delete(A-B), GT=GMI: the
	 * (*,G) joins before the (S,G)s leave */
	V3(IS_EX, G, 2, S3, S1);
	STATE(G, "EX 260000 1:0 3:258000");
	expect_log("P LOCAL_JOIN 0 ef010101 if=1\n"
		   "P LOCAL_LEAVE a000003 ef010101 if=1\n"
		   "P LOCAL_LEAVE a000004 ef010101 if=1\n");
	expect_sent("");
	/* TO_EX(B) from INCLUDE: as IS_EX, plus Q(G,A*B) */
	const uint32_t G2 = 0xef020202u;
	V3(ALLOW, G2, 2, S1, S2);
	log_clear();
	V3(TO_EX, G2, 2, S2, S3);
	STATE(G2, "EX 260000 2:2000 3:0");
	expect_log("P LOCAL_JOIN 0 ef020202 if=1\n"
		   "P LOCAL_LEAVE a000001 ef020202 if=1\n"
		   "P LOCAL_LEAVE a000002 ef020202 if=1\n");
	expect_sent("v3 dst=ef020202 g=ef020202 code=10 s=0 qrv=2 qqic=125 srcs=a000002\n");
	/* TO_IN({}) on INCLUDE(A): Q(G,A); nothing answers: the group goes */
	const uint32_t G3 = 0xef030303u;
	V3(ALLOW, G3, 1, S1);
	log_clear();
	V3(TO_IN, G3, 0);
	expect_sent("v3 dst=ef030303 g=ef030303 code=10 s=0 qrv=2 qqic=125 srcs=a000001\n");
	tick_to(f, now_ms + 1000);
	tick_to(f, now_ms + 1000);
	STATE(G3, "none");
	expect_log("P LOCAL_LEAVE a000001 ef030303 if=1\n");
	/* records that change nothing on a group without state create none */
	V3(BLOCK, 0xef090909u, 1, S1);
	V3(TO_IN, 0xef090909u, 0);
	STATE(0xef090909u, "none");
	assert_int_equal(igmp_group_count(f->ig), 2);
}

/* RFC 3376 6.4.1 and 6.4.2, EXCLUDE rows. */
static void
test_exclude_records(void **st)
{
	struct fx *f = *st;
	uint64_t t0 = now_ms;
	V3(IS_EX, G, 2, S1, S2);           /* EXCLUDE({}, {1,2}) */
	STATE(G, "EX 260000 1:0 2:0");
	expect_log("P LOCAL_JOIN 0 ef010101 if=1\n");
	/* IS_IN(A): EXCLUDE(X+A, Y-A), (A)=GMI */
	now_ms = t0 + 10000;
	V3(IS_IN, G, 2, S2, S3);
	STATE(G, "EX 250000 1:0 2:260000 3:260000");
	/* ALLOW(A): same */
	V3(ALLOW, G, 1, S1);
	STATE(G, "EX 250000 1:260000 2:260000 3:260000");
	expect_log("");                    /* (*,G) covers X: no (S,G) */
	/* IS_EX(A): EXCLUDE(A-Y, Y*A), (A-X-Y)=GMI, Delete(X-A), Delete(Y-A), GT=GMI */
	now_ms = t0 + 20000;
	V3(IS_EX, G, 2, S1, S4);           /* was X={1,2,3} Y={} */
	STATE(G, "EX 260000 1:250000 4:260000");
	V3(BLOCK, G, 1, S1);               /* Y via a source timer below */
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000001\n");
	tick_to(f, now_ms + 1000);
	tick_to(f, now_ms + 1000);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000001\n");
	STATE(G, "EX 258000 1:0 4:258000"); /* S1 timed out into Y */
	/* BLOCK(A): EXCLUDE(X+(A-X-Y), Y), (A-X-Y)=GT, Q(G,A-Y) */
	V3(BLOCK, G, 3, S1, S2, S4);
	STATE(G, "EX 258000 1:0 2:2000 4:2000");
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000002,a000004\n");
	/* TO_EX(A): (A-X-Y)=GT, Delete(X-A), Delete(Y-A), Q(G,A-Y), GT=GMI */
	V3(IS_IN, G, 1, S4);               /* X={2:2000,4:GMI} Y={1} */
	V3(TO_EX, G, 3, S1, S3, S4);
	STATE(G, "EX 260000 1:0 3:2000 4:2000");
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000003,a000004\n");
	tick_to(f, now_ms + 1000);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000003,a000004\n");
	tick_to(f, now_ms + 1000);
	STATE(G, "EX 258000 1:0 3:0 4:0");
	/* TO_IN(A): EXCLUDE(X+A, Y-A), (A)=GMI, Q(G,X-A), Q(G) */
	V3(IS_IN, G, 1, S2);
	V3(TO_IN, G, 1, S1);
	STATE(G, "EX 2000 1:260000 2:2000 3:0 4:0");
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000002\n"
		    "v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125\n");
	tick_to(f, now_ms + 1000);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125\n"
		    "v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000002\n");
	expect_log("");
	/* the group timer expires with X={1}: INCLUDE(X), the (S,G) added
	 * before the (*,G) goes (make before break) */
	tick_to(f, now_ms + 1000);
	STATE(G, "IN 1:258000");
	expect_log("P LOCAL_JOIN a000001 ef010101 if=1\nP LOCAL_LEAVE 0 ef010101 if=1\n");
	tick_to(f, now_ms + 258000);
	STATE(G, "none");
	expect_log("P LOCAL_LEAVE a000001 ef010101 if=1\n");
	/* EXCLUDE with X empty at the group timer: the group goes */
	V3(IS_EX, G, 1, S1);
	tick_to(f, now_ms + 260000);
	STATE(G, "none");
	expect_log("P LOCAL_JOIN 0 ef010101 if=1\nP LOCAL_LEAVE 0 ef010101 if=1\n");
	/* the state caps (8 sources per group here) */
	V3(ALLOW, G, 9, 0x0b000001u, 0x0b000002u, 0x0b000003u, 0x0b000004u, 0x0b000005u,
	   0x0b000006u, 0x0b000007u, 0x0b000008u, 0x0b000009u);
	struct igmp_stats sts;
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.state_full, 1);
}

/* Q(G,S) only for the sources whose timer is above LMQT (RFC 3376
 * 6.6.3.2: "for each of the sources in X of group G, with source timer
 * larger than LMQT: set number of retransmissions to LMQC, lower source
 * timer to LMQT"). A host's retransmitted BLOCK used to restart the
 * queries (3 instead of LMQC = 2), and in EXCLUDE mode the new sources of
 * a BLOCK or TO_EX, which take a group timer lowered by a Q(G), were
 * queried LMQC times though they run out within LMQT. */
static void
test_source_query_above_lmqt(void **st)
{
	struct fx *f = *st;
	const uint32_t G2 = 0xef020202u;
	/* INCLUDE: the host sends its BLOCK twice */
	uint64_t t = now_ms;
	V3(IS_IN, G, 2, S1, S2);
	V3(BLOCK, G, 1, S1);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000001\n");
	now_ms = t + 500;
	V3(BLOCK, G, 1, S1);
	expect_sent("");
	STATE(G, "IN 1:1500 2:259500");
	tick_to(f, t + 999);
	expect_sent("");
	tick_to(f, t + 1000);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000001\n");
	for (uint64_t ms = t + 1100; ms <= t + 3500; ms += 100)
		tick_to(f, ms);
	expect_sent("");
	STATE(G, "IN 2:256500");
	/* EXCLUDE, group timer lowered to LMQT by a Q(G): the sources that a
	 * BLOCK or TO_EX adds take it, and are not queried */
	t = now_ms;
	V3(IS_EX, G2, 0);
	V3(TO_IN, G2, 0);
	expect_sent("v3 dst=ef020202 g=ef020202 code=10 s=0 qrv=2 qqic=125\n");
	STATE(G2, "EX 2000");
	now_ms = t + 500;
	V3(BLOCK, G2, 1, S2);
	expect_sent("");
	STATE(G2, "EX 1500 2:1500");
	V3(TO_EX, G2, 2, S1, S2);
	expect_sent("");
	STATE(G2, "EX 260000 1:1500 2:1500");
	/* the Q(G) retransmission (S set: the group timer is GMI again) */
	tick_to(f, t + 1000);
	expect_sent("v3 dst=ef020202 g=ef020202 code=10 s=1 qrv=2 qqic=125\n");
	tick_to(f, t + 2000);
	expect_sent("");
	STATE(G2, "EX 258500 1:0 2:0");
	tick_to(f, t + 5000);
	expect_sent("");
}

/* A v2 host: leave with last-member queries (RFC 2236 / 3376 6.6.3.1). */
static void
test_v2_leave_last_member(void **st)
{
	struct fx *f = *st;
	assert_int_equal(feed_v12(f, 0x16, G, G), 0);
	STATE(G, "EX 260000 v2");
	expect_log("P LOCAL_JOIN 0 ef010101 if=1\n");
	/* leave: Q(G) now and LMQI later, group timer to LMQT */
	assert_int_equal(feed_v12(f, 0x17, G, 0xe0000002u), 0);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125\n");
	STATE(G, "EX 2000 v2");
	tick_to(f, now_ms + 1000);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125\n");
	tick_to(f, now_ms + 999);
	expect_log("");
	tick_to(f, now_ms + 1);
	STATE(G, "none");
	expect_log("P LOCAL_LEAVE 0 ef010101 if=1\n");
	expect_sent("");
	/* a member answers the first query: the retransmission has S set, the
	 * group stays */
	assert_int_equal(feed_v12(f, 0x16, G, G), 0);
	assert_int_equal(feed_v12(f, 0x17, G, 0xe0000002u), 0);
	assert_int_equal(feed_v12(f, 0x16, G, G), 0);
	tick_to(f, now_ms + 1000);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125\n"
		    "v3 dst=ef010101 g=ef010101 code=10 s=1 qrv=2 qqic=125\n");
	tick_to(f, now_ms + 5000);
	STATE(G, "EX 254000 v2");
	/* a v2-only interface: v2 group-specific queries, v3 reports dropped */
	struct igmp_if_cfg c = { .version = 2 };
	assert_int_equal(igmp_if_set_cfg(f->ig, IF1, &c), 0);
	assert_int_equal(feed_v12(f, 0x17, G, 0xe0000002u), 0);
	expect_sent("v2 dst=ef010101 g=ef010101 code=10\n");
	enum igmp_drop why;
	struct rb r;
	rb_init(&r);
	rb_rec(&r, ALLOW, G, 1, (uint32_t[]){ S1 });
	assert_int_equal(feed_msg(f, H1, V3DST, r.m, r.len, &why), -EBADMSG);
	assert_int_equal(why, IGMP_DROP_V3_ON_V2);
}

/* Host compatibility (RFC 3376 7.3.2): v2 and v1 hosts on a v3 router. */
static void
test_older_hosts(void **st)
{
	struct fx *f = *st;
	uint64_t t0 = now_ms;
	assert_int_equal(feed_v12(f, 0x16, G, G), 0);  /* v2 report: IS_EX({}) */
	V3(ALLOW, G, 1, S1);
	STATE(G, "EX 260000 1:260000 v2");
	/* BLOCK ignored; TO_EX(S) is TO_EX({}) */
	V3(BLOCK, G, 1, S1);
	expect_sent("");
	STATE(G, "EX 260000 1:260000 v2");
	V3(TO_EX, G, 1, S2);
	STATE(G, "EX 260000 v2");
	struct igmp_stats sts;
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.records_ignored, 1);
	assert_int_equal(sts.rx_v2_reports, 1);
	/* the older host present timer (RV*QI+QRI) ends the v2 mode */
	tick_to(f, t0 + 259999);
	STATE(G, "EX 1 v2");
	V3(IS_EX, G, 0);
	tick_to(f, t0 + 260000);
	STATE(G, "EX 259999");
	(void)sent_log();                 /* the general queries meanwhile */
	V3(BLOCK, G, 1, S1);              /* v3 again: BLOCK applies */
	STATE(G, "EX 259999 1:2000");
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000001\n");
	/* a v1 host: leaves are ignored */
	const uint32_t G2 = 0xef020202u;
	assert_int_equal(feed_v12(f, 0x12, G2, G2), 0);
	STATE(G2, "EX 260000 v1");
	assert_int_equal(feed_v12(f, 0x17, G2, 0xe0000002u), 0);
	STATE(G2, "EX 260000 v1");
	expect_sent("");
	/* and so are a v3 host's TO_IN() records, with or without sources
	 * (7.3.2), and its BLOCK; its IS_EX/TO_EX/ALLOW still count */
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	uint64_t ign = sts.records_ignored;
	V3(TO_IN, G2, 0);
	V3(TO_IN, G2, 1, S1);
	V3(BLOCK, G2, 1, S1);
	STATE(G2, "EX 260000 v1");
	expect_sent("");
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.records_ignored, ign + 3);
	/* v2 mode takes TO_IN({}) as a leave: Q(G), timer to LMQT */
	const uint32_t G3 = 0xef030303u;
	assert_int_equal(feed_v12(f, 0x16, G3, G3), 0);
	V3(TO_IN, G3, 0);
	STATE(G3, "EX 2000 v2");
}

/* IGMPv1 mode (RFC 2236 4, RFC 3376 7.3.1): the startup and general
 * queries are v1 queries (8 bytes, Max Resp Code 0); the query response
 * interval in every timer is the 10 s hosts take for that code. */
static void
test_v1_queries(void **st)
{
	struct fx *f = *st;
	struct igmp_if_cfg c = { .version = 1 };
	struct igmp_if_info ii;
	assert_int_equal(igmp_if_disable(f->ig, IF1), 0);
	assert_int_equal(igmp_if_enable(f->ig, IF1, &c), 0);
	expect_sent("v1 dst=e0000001 g=0 code=0\n");
	tick_to(f, now_ms + 31249);
	expect_sent("");
	tick_to(f, now_ms + 1);
	expect_sent("v1 dst=e0000001 g=0 code=0\n");
	tick_to(f, now_ms + 124999);
	expect_sent("");
	tick_to(f, now_ms + 1);
	expect_sent("v1 dst=e0000001 g=0 code=0\n");
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_int_equal(ii.cfg.version, 1);
	assert_int_equal(ii.cfg.query_response_ms, 10000);
	assert_int_equal(ii.cfg.gmi_ms, 260000);
	/* its own RV and QI: GMI RV * QI + 10 s */
	c = (struct igmp_if_cfg){ .version = 1, .robustness = 3, .query_interval_ms = 60000 };
	assert_int_equal(igmp_if_set_cfg(f->ig, IF1, &c), 0);
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_int_equal(ii.cfg.gmi_ms, 3 * 60000 + 10000);
	/* a member: EXCLUDE({}) for GMI, then gone with only general
	 * queries between (the one due 125 s after the last) */
	assert_int_equal(feed_v12(f, 0x12, G, G), 0);
	STATE(G, "EX 190000 v1");
	expect_log("P LOCAL_JOIN 0 ef010101 if=1\n");
	tick_to(f, now_ms + 189999);
	expect_sent("v1 dst=e0000001 g=0 code=0\n");
	STATE(G, "EX 1 v1");
	tick_to(f, now_ms + 1);
	STATE(G, "none");
	expect_log("P LOCAL_LEAVE 0 ef010101 if=1\n");
	expect_sent("");
	struct igmp_stats sts;
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.tx_general, 4);
	assert_int_equal(sts.tx_group + sts.tx_group_source, 0);
}

/* v1 mode: v1 and v2 reports are IS_EX({}) (RFC 3376 7.3.2; RFC 2236 4
 * has a v1-mode router ignore leaves only), leaves are ignored and
 * counted (no Q(G), no timer lowered), v3 reports are dropped and counted
 * (nothing of them applied), after the same validation as anywhere. */
static void
test_v1_membership(void **st)
{
	struct fx *f = *st;
	const uint32_t G2 = 0xef020202u, G3 = 0xef030303u;
	struct igmp_if_cfg c = { .version = 1 };
	enum igmp_drop why;
	struct rb r;
	uint8_t b[256];
	assert_int_equal(igmp_if_set_cfg(f->ig, IF1, &c), 0);
	assert_int_equal(feed_v12(f, 0x16, G, G), 0);
	STATE(G, "EX 260000 v2");
	assert_int_equal(feed_v12(f, 0x12, G2, G2), 0);
	STATE(G2, "EX 260000 v1");
	expect_log("P LOCAL_JOIN 0 ef010101 if=1\nP LOCAL_JOIN 0 ef020202 if=1\n");
	/* leaves: ignored */
	now_ms += 500;
	assert_int_equal(feed_v12(f, 0x17, G, 0xe0000002u), 0);
	assert_int_equal(feed_v12(f, 0x17, G2, 0xe0000002u), 0);
	expect_sent("");
	STATE(G, "EX 259500 v2");
	STATE(G2, "EX 259500 v1");
	expect_log("");
	/* v3 reports: dropped, state unchanged */
	rb_init(&r);
	rb_rec(&r, TO_IN, G, 0, NULL);
	assert_int_equal(feed_msg(f, H1, V3DST, r.m, r.len, &why), -EBADMSG);
	assert_int_equal(why, IGMP_DROP_V3_ON_V1);
	rb_init(&r);
	rb_rec(&r, ALLOW, G3, 1, (uint32_t[]){ S1 });
	assert_int_equal(feed_msg(f, H1, V3DST, r.m, r.len, &why), -EBADMSG);
	assert_int_equal(why, IGMP_DROP_V3_ON_V1);
	STATE(G, "EX 259500 v2");
	STATE(G3, "none");
	expect_sent("");
	expect_log("");
	/* validated first, as on any interface */
	size_t l = ip_wrap(b, H1, V3DST, r.m, r.len);
	b[24 + 8] ^= 1;
	assert_int_equal(igmp_input(f->ig, IF1, b, l, &why), -EBADMSG);
	assert_int_equal(why, IGMP_DROP_IGMP_CSUM);
	l = ip_wrap(b, H1, V3DST, r.m, r.len);
	b[8] = 2;
	wr16(b + 10, 0);
	wr16(b + 10, (uint16_t)~csum(b, 24));
	assert_int_equal(igmp_input(f->ig, IF1, b, l, &why), -EBADMSG);
	assert_int_equal(why, IGMP_DROP_TTL);
	struct igmp_stats sts;
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.rx_leaves, 2);
	assert_int_equal(sts.records_ignored, 2);
	assert_int_equal(sts.rx_v1_reports, 1);
	assert_int_equal(sts.rx_v2_reports, 1);
	assert_int_equal(sts.rx_v3_reports, 0);
	assert_int_equal(sts.drops[IGMP_DROP_V3_ON_V1], 2);
	assert_int_equal(sts.drops[IGMP_DROP_V3_ON_V2], 0);
	assert_int_equal(sts.dropped, 4);
	assert_int_equal(sts.tx_group + sts.tx_group_source, 0);
	/* members go when their timer runs out (the startup query meanwhile
	 * is a v1 query) */
	tick_to(f, now_ms + 259499);
	expect_sent("v1 dst=e0000001 g=0 code=0\n");
	expect_log("");
	tick_to(f, now_ms + 1);
	expect_log("P LOCAL_LEAVE 0 ef010101 if=1\nP LOCAL_LEAVE 0 ef020202 if=1\n");
	expect_sent("");
}

/* v1 mode keeps the querier election (RFC 2236 4 asks a v2 router
 * configured for v1 only for Max Resp Time 0 and ignoring leaves): a
 * lower address querying, a v1 query included, silences us for OQPI
 * (RV * QI + 10 s / 2). v2 and v3 queries are counted in newer_queries
 * (the warning RFC 2236 4 asks for); another router's group-specific
 * query lowers no timer (its leave is ignored here). */
static void
test_v1_querier(void **st)
{
	struct fx *f = *st;
	const uint32_t Q = 0x0a010001u;
	struct igmp_if_cfg c = { .version = 1 };
	struct igmp_if_info ii;
	struct igmp_stats sts;
	uint8_t m[8] = { 0x11, 0 };
	assert_int_equal(igmp_if_set_cfg(f->ig, IF1, &c), 0);
	assert_int_equal(feed_msg(f, 0x0a0100ffu, 0xe0000001u, m, 8, NULL), 0); /* higher */
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_true(ii.querier);
	assert_int_equal(feed_msg(f, Q, 0xe0000001u, m, 8, NULL), 0);
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_false(ii.querier);
	assert_int_equal(ii.querier_addr, Q);
	assert_int_equal(ii.oqp_left_ms, 255000);
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.newer_queries, 0);
	assert_int_equal(sts.older_queries, 0);
	assert_int_equal(feed_v12(f, 0x12, G, G), 0);
	STATE(G, "EX 260000 v1");
	/* a v2 Q(G) from it: counted, no timer lowered */
	m[1] = 10;
	wr32(m + 4, G);
	assert_int_equal(feed_msg(f, Q, G, m, 8, NULL), 0);
	STATE(G, "EX 260000 v1");
	assert_int_equal(feed_query(f, Q, G, false, 0, NULL), 0);
	STATE(G, "EX 260000 v1");
	assert_int_equal(feed_query(f, Q, 0, false, 0, NULL), 0);
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.newer_queries, 3);
	assert_int_equal(sts.rx_queries, 5);
	/* the querier goes quiet: we take over, with v1 queries */
	uint64_t t = now_ms;
	tick_to(f, t + 254999);
	expect_sent("");
	tick_to(f, t + 255000);
	expect_sent("v1 dst=e0000001 g=0 code=0\n");
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_true(ii.querier);
}

/* Queries of another version than the interface's are counted, older or
 * newer, whatever the interface's version (the rate-limited warning RFC
 * 2236 4 and RFC 3376 7.3.1 ask for is the app's, from these counters): a
 * v1 query on a v2 interface was not counted at all. */
static void
test_query_versions_counted(void **st)
{
	struct fx *f = *st;
	const uint32_t Q = 0x0a010001u;
	struct igmp_stats sts;
	uint8_t v1[8] = { 0x11, 0 }, v2[8] = { 0x11, 100 };
	for (uint8_t ver = 1; ver <= 3; ver++) {
		struct igmp_if_cfg c = { .version = ver };
		struct igmp_stats b;
		assert_int_equal(igmp_if_set_cfg(f->ig, IF1, &c), 0);
		assert_int_equal(igmp_stats_get(f->ig, IF1, &b), 0);
		assert_int_equal(feed_msg(f, Q, 0xe0000001u, v1, 8, NULL), 0);
		assert_int_equal(feed_msg(f, Q, 0xe0000001u, v2, 8, NULL), 0);
		assert_int_equal(feed_query(f, Q, 0, false, 0, NULL), 0);
		assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
		assert_int_equal(sts.rx_queries - b.rx_queries, 3);
		/* of v1, v2, v3: the versions below ver, and above */
		assert_int_equal(sts.older_queries - b.older_queries, ver - 1);
		assert_int_equal(sts.newer_queries - b.newer_queries, 3 - ver);
	}
}

/* Version changes on a running interface (igmp_if_set_cfg), as 2 <-> 3:
 * the next queries are of the new version and timers keep their
 * deadlines; into v1 the last-member queries still pending are dropped
 * (never sent, no deadline left for them), the timers they lowered stay. */
static void
test_v1_reconfig(void **st)
{
	struct fx *f = *st;
	const uint32_t G2 = 0xef020202u;
	struct igmp_if_cfg c = { .version = 1 };
	uint64_t t0 = now_ms; /* the startup query went out; the next at +31.25 s */
	V3(IS_EX, G, 0);
	V3(TO_IN, G, 0);
	V3(IS_IN, G2, 1, S1);
	V3(BLOCK, G2, 1, S1);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125\n"
		    "v3 dst=ef020202 g=ef020202 code=10 s=0 qrv=2 qqic=125 srcs=a000001\n");
	STATE(G, "EX 2000");
	STATE(G2, "IN 1:2000");
	log_clear();
	assert_int_equal(igmp_if_set_cfg(f->ig, IF1, &c), 0);
	/* no retransmission due in 1 s: the next deadline is the timers' */
	assert_int_equal(igmp_next_deadline_ms(f->ig), 2000);
	tick_to(f, t0 + 1000);
	expect_sent("");
	tick_to(f, t0 + 2000);
	expect_sent("");
	STATE(G, "none");
	STATE(G2, "none");
	expect_log("P LOCAL_LEAVE 0 ef010101 if=1\nP LOCAL_LEAVE a000001 ef020202 if=1\n");
	struct igmp_stats sts;
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.tx_group, 1);
	assert_int_equal(sts.tx_group_source, 1);
	/* the startup query, now a v1 one */
	tick_to(f, t0 + 31250);
	expect_sent("v1 dst=e0000001 g=0 code=0\n");
	/* v1 -> 2 -> 3 -> 1: each next general query in the version set */
	c.version = 2;
	assert_int_equal(igmp_if_set_cfg(f->ig, IF1, &c), 0);
	tick_to(f, now_ms + 125000);
	expect_sent("v2 dst=e0000001 g=0 code=100\n");
	c.version = 3;
	assert_int_equal(igmp_if_set_cfg(f->ig, IF1, &c), 0);
	tick_to(f, now_ms + 125000);
	expect_sent("v3 dst=e0000001 g=0 code=100 s=0 qrv=2 qqic=125\n");
	V3(ALLOW, G, 1, S1);
	STATE(G, "IN 1:260000");
	c.version = 1;
	assert_int_equal(igmp_if_set_cfg(f->ig, IF1, &c), 0);
	STATE(G, "IN 1:260000");
	tick_to(f, now_ms + 125000);
	expect_sent("v1 dst=e0000001 g=0 code=0\n");
	STATE(G, "IN 1:135000");
	/* a configuration v1 refuses leaves the interface as it was */
	struct igmp_if_cfg bad = { .version = 1, .lmqi_ms = 500 };
	assert_int_equal(igmp_if_set_cfg(f->ig, IF1, &bad), -EINVAL);
	struct igmp_if_info ii;
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_int_equal(ii.cfg.version, 1);
}

/* Group-and-source queries for sources blocked at different times keep
 * each source's spacing (RFC 3376 6.6.3.2: LMQC queries every LMQI): a
 * new round sends only the sources just blocked, the earlier ones at
 * their own times (found by review: they went along, 300 ms after their
 * first query, and that round was their last). */
static void
test_source_query_spacing(void **st)
{
	struct fx *f = *st;
	V3(IS_IN, G, 2, S1, S2);
	expect_sent("");
	uint64_t t0 = now_ms;
	V3(BLOCK, G, 1, S1);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000001\n");
	tick_to(f, t0 + 300);
	V3(BLOCK, G, 1, S2);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000002\n");
	tick_to(f, t0 + 999);
	expect_sent("");
	tick_to(f, t0 + 1000);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000001\n");
	tick_to(f, t0 + 1299);
	expect_sent("");
	tick_to(f, t0 + 1300);
	expect_sent("v3 dst=ef010101 g=ef010101 code=10 s=0 qrv=2 qqic=125 srcs=a000002\n");
	tick_to(f, t0 + 1999);
	expect_sent("");
}

/* 3 -> 2 with both kinds of last-member queries pending: a group's goes
 * on (v2 has it), a group-and-source one is dropped (found by review: it
 * went out as a v2 group-specific query, counted as group-and-source). */
static void
test_v2_reconfig_source_queries(void **st)
{
	struct fx *f = *st;
	struct igmp_if_cfg c = { .version = 2 };
	uint64_t t0 = now_ms;
	pending_rxmits(f, 0xef020202u);
	assert_int_equal(igmp_if_set_cfg(f->ig, IF1, &c), 0);
	tick_to(f, t0 + 1000);
	expect_sent("v2 dst=ef010101 g=ef010101 code=10\n");
	struct igmp_stats sts;
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.tx_group, 2);
	assert_int_equal(sts.tx_group_source, 1);
}

/* RFC 4604: no exclude mode in 232/8; INCLUDE maps to (S,G) memberships,
 * which MGM turns into OIFs of the (S,G) MFE. */
static void
test_ssm(void **st)
{
	struct fx *f = *st;
	log_alerts = true;
	V3(IS_EX, GSSM, 0);
	V3(TO_EX, GSSM, 1, S1);
	assert_int_equal(feed_v12(f, 0x16, GSSM, GSSM), 0);
	assert_int_equal(feed_v12(f, 0x17, GSSM, 0xe0000002u), 0);
	STATE(GSSM, "none");
	expect_log("");
	struct igmp_stats sts;
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.ssm_ignored, 4);
	assert_int_equal(sts.rx_records, 0); /* ignored, not applied too (found by review) */
	V3(TO_IN, GSSM, 1, S1);
	STATE(GSSM, "IN 1:260000");
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.rx_records, 1);
	/* (S,G) first client -> the owner of the interface towards S (Q) */
	expect_log("P LOCAL_JOIN a000001 e8010101 if=1\nQ JOIN_ALERT a000001 e8010101 update=1\n");
	assert_int_equal(mgm_mfe_create(f->m, S1, GSSM, IF2, NULL, 0), 0);
	const struct mfc_entry *e = mfc_find(f->c, S1, GSSM);
	assert_non_null(e);
	const struct mfc_oifl_data *d = mfc_entry_oifs(e);
	assert_true(d != NULL && d->n == 1 && d->oif[0].ifid == IF1);
	/* another source of the group is not forwarded there */
	assert_int_equal(mgm_mfe_create(f->m, S2, GSSM, IF2, NULL, 0), 0);
	e = mfc_find(f->c, S2, GSSM);
	assert_true(e != NULL && (e->flags & MFC_F_NEGATIVE));
}

/* Every validation drop, by reason, counted per interface and globally. */
static void
test_validation(void **st)
{
	struct fx *f = *st;
	uint8_t b[4200], m[64];
	enum igmp_drop why;
	struct rb r;
	size_t l;
	uint64_t want[IGMP_DROP_MAX] = { 0 };
	/* a good v2 report to mutate */
	uint8_t rep[8] = { 0x16, 0 };
	wr32(rep + 4, G);
#define DROP(len, reason)                                                          \
	do {                                                                       \
		why = IGMP_DROP_MAX;                                               \
		assert_int_equal(igmp_input(f->ig, IF1, b, (len), &why), -EBADMSG); \
		assert_int_equal(why, (reason));                                   \
		want[reason]++;                                                    \
	} while (0)
#define FIXIP() do { wr16(b + 10, 0); wr16(b + 10, (uint16_t)~csum(b, (b[0] & 15) * 4u)); } while (0)
#define FIXIGMP(ihl, ml) do { wr16(b + (ihl) + 2, 0); wr16(b + (ihl) + 2, (uint16_t)~csum(b + (ihl), (ml))); } while (0)

	l = ip_wrap(b, H1, G, rep, 8);
	assert_int_equal(igmp_input(f->ig, IF1, b, l, &why), 0);
	assert_int_equal(igmp_input(f->ig, 9, b, l, &why), -EBADMSG);
	assert_int_equal(why, IGMP_DROP_NOT_ENABLED);
	DROP(19, IGMP_DROP_IP_SHORT);
	b[0] = 0x66;
	DROP(l, IGMP_DROP_IP_VERSION);
	b[0] = 0x44;
	DROP(l, IGMP_DROP_IP_IHL);
	b[0] = 0x4f; /* 60 bytes of header in a 32-byte packet */
	DROP(l, IGMP_DROP_IP_IHL);
	l = ip_wrap(b, H1, G, rep, 8);
	DROP(l - 1, IGMP_DROP_IP_LEN);     /* total length beyond the bytes received */
	wr16(b + 2, 23);
	FIXIP();
	DROP(l, IGMP_DROP_IP_LEN);         /* below the header */
	l = ip_wrap(b, H1, G, rep, 8);
	b[10] ^= 1;
	DROP(l, IGMP_DROP_IP_CSUM);
	l = ip_wrap(b, H1, G, rep, 8);
	b[6] = 0x20;                       /* MF */
	FIXIP();
	DROP(l, IGMP_DROP_IP_FRAGMENT);
	l = ip_wrap(b, H1, G, rep, 8);
	b[7] = 1;                          /* offset */
	FIXIP();
	DROP(l, IGMP_DROP_IP_FRAGMENT);
	l = ip_wrap(b, H1, G, rep, 8);
	b[9] = 17;
	FIXIP();
	DROP(l, IGMP_DROP_NOT_IGMP);
	l = ip_wrap(b, H1, 0x0a010001u, rep, 8);
	DROP(l, IGMP_DROP_IP_ADDR);        /* unicast destination, not ours */
	/* to our own address: v1/v2 reports and queries are taken (RFC 3376
	 * 4.1.12, 4.2.14: they were dropped, found by review); v2 leaves and
	 * v3 reports go to groups only */
	const uint32_t G5 = 0xef0a0a0au;
	uint8_t rep5[8] = { 0x16, 0 }, lv5[8] = { 0x17, 0 }, v3r[16] = { 0x22, 0, 0, 0, 0, 0, 0, 1, 2 };
	wr32(rep5 + 4, G5);
	wr32(lv5 + 4, G5);
	wr32(v3r + 12, G5);
	uint32_t ng = igmp_group_count(f->ig);
	l = ip_wrap(b, H1, ADDR1, rep5, 8);
	assert_int_equal(igmp_input(f->ig, IF1, b, l, &why), 0);
	assert_int_equal(igmp_group_count(f->ig), ng + 1);
	l = ip_wrap(b, H1, ADDR1, lv5, 8);
	DROP(l, IGMP_DROP_IP_ADDR);
	l = ip_wrap(b, H1, ADDR1, v3r, 16);
	DROP(l, IGMP_DROP_IP_ADDR);
	uint8_t gq[8] = { 0x11, 100 };
	l = ip_wrap(b, 0x0a0100ffu, ADDR1, gq, 8); /* a higher address: we stay querier */
	assert_int_equal(igmp_input(f->ig, IF1, b, l, &why), 0);
	l = ip_wrap(b, 0xe0000005u, G, rep, 8);
	DROP(l, IGMP_DROP_IP_ADDR);        /* multicast source */
	l = ip_wrap(b, H1, G, rep, 8);
	b[8] = 2;
	FIXIP();
	DROP(l, IGMP_DROP_TTL);
	/* Router Alert: optional unless required */
	l = ip_wrap(b, H1, G, rep, 8);
	b[20] = 1; b[21] = 1; b[22] = 1; b[23] = 0; /* NOPs and an end */
	FIXIP();
	assert_int_equal(igmp_input(f->ig, IF1, b, l, &why), 0);
	struct igmp_if_cfg c = { .require_router_alert = true };
	assert_int_equal(igmp_if_set_cfg(f->ig, IF1, &c), 0);
	DROP(l, IGMP_DROP_NO_ROUTER_ALERT);
	l = ip_wrap(b, H1, G, rep, 8);
	assert_int_equal(igmp_input(f->ig, IF1, b, l, &why), 0);
	assert_int_equal(igmp_if_set_cfg(f->ig, IF1, NULL), 0);
	/* IGMP length and checksum over the whole payload (odd length too) */
	l = ip_wrap(b, H1, G, rep, 7);
	DROP(l, IGMP_DROP_IGMP_LEN);
	l = ip_wrap(b, H1, G, rep, 8);
	b[24 + 4] ^= 0x10;
	DROP(l, IGMP_DROP_IGMP_CSUM);
	memcpy(m, rep, 8);
	m[8] = 0x5a;                       /* a trailing byte the checksum must cover */
	l = ip_wrap(b, H1, G, m, 9);
	assert_int_equal(igmp_input(f->ig, IF1, b, l, &why), 0);
	b[32] ^= 1;
	DROP(l, IGMP_DROP_IGMP_CSUM);
	m[0] = 0x13;                       /* DVMRP */
	l = ip_wrap(b, H1, G, m, 8);
	DROP(l, IGMP_DROP_UNKNOWN_TYPE);
	/* query version by length: 8 (v2), 9..11 dropped, 12+4N (v3) */
	uint8_t qy[16] = { 0x11, 100 };
	l = ip_wrap(b, 0x0a0100ffu, 0xe0000001u, qy, 8);
	assert_int_equal(igmp_input(f->ig, IF1, b, l, &why), 0);
	l = ip_wrap(b, 0x0a0100ffu, 0xe0000001u, qy, 10);
	DROP(l, IGMP_DROP_QUERY_LEN);
	wr16(qy + 10, 1);                  /* one source, none in the packet */
	wr32(qy + 4, G);
	l = ip_wrap(b, 0x0a0100ffu, G, qy, 12);
	DROP(l, IGMP_DROP_QUERY_LEN);
	wr32(qy + 12, 0xe0000001u);
	l = ip_wrap(b, 0x0a0100ffu, G, qy, 16);
	DROP(l, IGMP_DROP_BAD_SOURCE);
	wr32(qy + 4, 0x0a000001u);
	wr16(qy + 10, 0);
	l = ip_wrap(b, 0x0a0100ffu, G, qy, 12);
	DROP(l, IGMP_DROP_BAD_GROUP);
	/* reports: group, source on link */
	wr32(m + 4, 0x0a000001u);
	m[0] = 0x16;
	l = ip_wrap(b, H1, G, m, 8);
	DROP(l, IGMP_DROP_BAD_GROUP);
	wr32(m + 4, 0xe00000fbu);          /* 224.0.0.251 */
	l = ip_wrap(b, H1, G, m, 8);
	DROP(l, IGMP_DROP_BAD_GROUP);
	l = ip_wrap(b, 0x0a020001u, G, rep, 8);
	DROP(l, IGMP_DROP_SRC_NOT_ONLINK);
	l = ip_wrap(b, 0, G, rep, 8);      /* 0.0.0.0 is allowed */
	assert_int_equal(igmp_input(f->ig, IF1, b, l, &why), 0);
	/* a /32 address (an unnumbered link) is no subnet to hold a host to
	 * (found by review: every report but our own address's was dropped) */
	assert_int_equal(mgm_interface_address_delete(f->m, IF1, ADDR1, 24), 0);
	assert_int_equal(mgm_interface_address_add(f->m, IF1, ADDR1, 32), 0);
	l = ip_wrap(b, 0x0a020001u, G, rep, 8);
	assert_int_equal(igmp_input(f->ig, IF1, b, l, &why), 0);
	assert_int_equal(mgm_interface_address_delete(f->m, IF1, ADDR1, 32), 0);
	assert_int_equal(mgm_interface_address_add(f->m, IF1, ADDR1, 24), 0);
	/* v3 record bounds: 8 + 4N + 4*aux within the packet; whole packet */
	rb_init(&r);
	rb_rec(&r, ALLOW, 0xef050505u, 1, (uint32_t[]){ S1 });
	rb_rec(&r, ALLOW, 0xef060606u, 2, (uint32_t[]){ S1, S2 });
	l = ip_wrap(b, H1, V3DST, r.m, r.len - 4);
	DROP(l, IGMP_DROP_RECORD_BOUNDS);
	r.m[8 + 12 + 1] = 1;               /* aux data of the second record: not there */
	l = ip_wrap(b, H1, V3DST, r.m, r.len);
	DROP(l, IGMP_DROP_RECORD_BOUNDS);
	r.m[8 + 12 + 1] = 0;
	wr16(r.m + 6, 3);                  /* a third record: not there */
	l = ip_wrap(b, H1, V3DST, r.m, r.len);
	DROP(l, IGMP_DROP_RECORD_BOUNDS);
	STATE(0xef050505u, "none");        /* nothing of it applied */
	rb_init(&r);
	rb_rec(&r, ALLOW, 0xef050505u, 1, (uint32_t[]){ S1 });
	rb_rec(&r, ALLOW, 0xef060606u, 1, (uint32_t[]){ 0xffffffffu });
	l = ip_wrap(b, H1, V3DST, r.m, r.len);
	DROP(l, IGMP_DROP_BAD_SOURCE);
	rb_init(&r);
	rb_rec(&r, ALLOW, 0x0a0a0a0au, 1, (uint32_t[]){ S1 });
	l = ip_wrap(b, H1, V3DST, r.m, r.len);
	DROP(l, IGMP_DROP_BAD_GROUP);
	/* per-packet caps (16 records, 32 sources here) */
	rb_init(&r);
	for (int i = 0; i < 17; i++)
		rb_rec(&r, IS_IN, 0xef070000u + (uint32_t)i, 0, NULL);
	l = ip_wrap(b, H1, V3DST, r.m, r.len);
	DROP(l, IGMP_DROP_TOO_MANY_RECORDS);
	rb_init(&r);
	uint32_t many[33];
	for (int i = 0; i < 33; i++)
		many[i] = 0x0b000001u + (uint32_t)i;
	rb_rec(&r, ALLOW, 0xef080808u, 20, many);
	rb_rec(&r, ALLOW, 0xef090909u, 13, many + 20);
	l = ip_wrap(b, H1, V3DST, r.m, r.len);
	DROP(l, IGMP_DROP_TOO_MANY_SOURCES);
	/* ignored, not dropped: link-local and unknown record types */
	rb_init(&r);
	rb_rec(&r, IS_EX, 0xe00000fbu, 0, NULL);
	rb_rec(&r, 7, 0xef050505u, 0, NULL);
	rb_rec(&r, ALLOW, 0xef050505u, 1, (uint32_t[]){ S1 });
	l = ip_wrap(b, H1, V3DST, r.m, r.len);
	assert_int_equal(igmp_input(f->ig, IF1, b, l, &why), 0);
	STATE(0xef050505u, "IN 1:260000");
	STATE(0xe00000fbu, "none");
	assert_int_equal(igmp_input(f->ig, IF1, NULL, 0, NULL), -EINVAL);
	assert_int_equal(igmp_input(NULL, IF1, b, l, NULL), -EINVAL);

	struct igmp_stats sts, all;
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(igmp_stats_get(f->ig, IGMP_ALL, &all), 0);
	uint64_t sum = 0;
	for (int i = 0; i < IGMP_DROP_MAX; i++) {
		if (i != IGMP_DROP_NOT_ENABLED && i != IGMP_DROP_V3_ON_V2 && i != IGMP_DROP_V3_ON_V1)
			assert_true(want[i] > 0); /* every reason exercised */
		if (sts.drops[i] != want[i])
			print_error("%s: %llu, expected %llu\n", igmp_drop_name(i),
				    (unsigned long long)sts.drops[i], (unsigned long long)want[i]);
		assert_int_equal(sts.drops[i], want[i]);
		sum += want[i];
	}
	assert_int_equal(sts.dropped, sum);
	assert_int_equal(all.drops[IGMP_DROP_NOT_ENABLED], 1);
	assert_int_equal(all.dropped, sum + 1);
	assert_int_equal(sts.records_ignored, 2);
	assert_string_equal(igmp_drop_name(IGMP_DROP_IP_CSUM), "ip_csum");
}

static const char *
oifs(struct fx *f, uint32_t s, uint32_t g)
{
	static char b[64];
	const struct mfc_entry *e = mfc_find(f->c, s, g);
	b[0] = 0;
	if (e == NULL)
		return "none";
	const struct mfc_oifl_data *d = mfc_entry_oifs(e);
	for (uint32_t i = 0; d && i < d->n; i++)
		if (mfc_oif_usable(mfc_table(f->c), &d->oif[i]))
			snprintf(b + strlen(b), sizeof(b) - strlen(b), " %u", d->oif[i].ifid);
	return b;
}

/* Pause and resume: P, the owner of IF1, shuts down. MGM brackets the
 * release with DISABLE_IGMP / ENABLE_IGMP and drops IGMP's memberships on
 * IF1; IGMP keeps tracking hosts (a join arrives meanwhile), adds nothing
 * while paused or inside ENABLE_IGMP, then re-adds everything from its
 * 0-ms timer. */
static void
test_pause_resume_shutdown(void **st)
{
	struct fx *f = *st;
	const uint32_t G3 = 0xef030303u;
	log_alerts = true;
	V3(TO_EX, G, 0);                     /* (*,G) */
	V3(TO_IN, GSSM, 1, S1);              /* (S1,GSSM) */
	assert_int_equal(mgm_mfe_create(f->m, S1, G, IF2, NULL, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, GSSM, IF2, NULL, 0), 0);
	assert_string_equal(oifs(f, S1, G), " 1");
	assert_string_equal(oifs(f, S1, GSSM), " 1");
	assert_int_equal(mgm_membership_count(f->m), 2);
	log_clear();

	f->feed_in_prune = 1;
	assert_int_equal(mgm_protocol_shutdown(f->m, f->p.h), 0);
	/* MGM: DISABLE_IGMP, IGMP's memberships on IF1 dropped, ENABLE. As a
	 * leave would: first the MFEs the purge of IF1 left without OIF (to
	 * their upstream owner Q), then the memberships ((*,G) to every other
	 * client but P, the releaser, whose interface they were on; (S,G) to
	 * the upstream owner). IGMP called MGM neither while
	 * paused nor from ENABLE_IGMP: no JOIN_ALERT yet; the host's join of
	 * G3 is only tracked. */
	expect_log("Q PRUNE_ALERT a000001 ef010101 if=2\n"
		   "Q PRUNE_ALERT a000001 e8010101 if=2\n"
		   "Q PRUNE_ALERT 0 ef010101 if=1\n"
		   "Q PRUNE_ALERT a000001 e8010101 if=1\n");
	assert_string_equal(oifs(f, S1, G), "");
	assert_string_equal(oifs(f, S1, GSSM), "");
	assert_int_equal(mgm_membership_count(f->m), 0);
	STATE(G3, "EX 260000");
	struct igmp_if_info ii;
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_true(ii.paused);
	/* between ENABLE_IGMP and the timer: still paused; a leave of GSSM's
	 * source is tracked (timer lowered), not applied */
	V3(BLOCK, GSSM, 1, S1);
	STATE(GSSM, "IN 1:2000");
	expect_log("");
	/* the 0-ms timer: every wanted membership re-added */
	assert_true(mgm_poll(f->m, 0) >= 1);
	/* per membership, as the spec orders it: MFEs updated, then the
	 * membership's alerts */
	expect_log("Q JOIN_ALERT a000001 e8010101 update=0\n"  /* its MFE's OIF list grew */
		   "Q JOIN_ALERT a000001 e8010101 update=1\n"  /* membership, to the upstream owner */
		   "Q JOIN_ALERT a000001 ef010101 update=0\n"
		   "Q JOIN_ALERT 0 ef010101 update=1\n"        /* (*,G): every other client */
		   "Q JOIN_ALERT 0 ef030303 update=1\n");
	assert_int_equal(mgm_membership_count(f->m), 3);
	assert_string_equal(oifs(f, S1, G), " 1");
	assert_string_equal(oifs(f, S1, GSSM), " 1");
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_false(ii.paused);
	/* IGMP alone on IF1 now; the BLOCK's queries go on, nobody answers,
	 * and the (S,G) leaves normally */
	tick_to(f, now_ms + 2000);
	expect_log("Q PRUNE_ALERT a000001 e8010101 if=2\n"  /* its MFE has no OIF left */
		   "Q PRUNE_ALERT a000001 e8010101 if=1\n"); /* the membership */
	assert_string_equal(oifs(f, S1, GSSM), "");
	uint32_t proto;
	assert_int_equal(mgm_interface_owner(f->m, IF1, 0, &proto, NULL), 0);
	assert_int_equal(proto, MGM_PROTO_IGMP);
	/* a routing protocol taking IF1 again: bracketed, nothing dropped;
	 * the new owner hears LOCAL_JOIN for IGMP's receivers during the take
	 * (by group), and the resume re-adds what MGM still has (no callbacks).
	 * They were another client's for the alert rules (R learnt of them by
	 * enumerating at start-up) and are R's own now: PRUNE_ALERT to R; Q's
	 * view does not change (mgm.c take_handover_alert()) */
	mgm_handle_t h;
	struct mock r = { "R", f, 0 };
	assert_int_equal(mgm_protocol_register(f->m, 3, 0, &CB, &r, &h), 0);
	assert_int_equal(mgm_interface_take(f->m, h, IF1, 0), 0);
	expect_log("R LOCAL_JOIN 0 ef010101 if=1\n"
		   "R PRUNE_ALERT 0 ef010101 if=1\n"
		   "R LOCAL_JOIN 0 ef030303 if=1\n"
		   "R PRUNE_ALERT 0 ef030303 if=1\n");
	assert_int_equal(mgm_poll(f->m, 0) >= 1, 1);
	expect_log("");
	assert_int_equal(mgm_membership_count(f->m), 2);
	/* an IGMP leave now reaches R as LOCAL_LEAVE (and not as a
	 * PRUNE_ALERT too: the receivers were on its own interface) */
	V3(TO_IN, G3, 0);
	tick_to(f, now_ms + 1000);
	tick_to(f, now_ms + 1000);
	expect_log("R LOCAL_LEAVE 0 ef030303 if=1\n"
		   "Q PRUNE_ALERT 0 ef030303 if=1\n");
	assert_int_equal(mgm_protocol_shutdown(f->m, h), 0);
	assert_true(mgm_poll(f->m, 0) >= 1);
	assert_int_equal(mgm_membership_count(f->m), 1);
	/* IGMP's own shutdown releases IF1: MGM drops the rest */
	igmp_destroy(f->ig);
	f->ig = NULL;
	assert_int_equal(mgm_membership_count(f->m), 0);
	assert_int_equal(mgm_interface_owner(f->m, IF1, 0, NULL, NULL), -ENOENT);
}

/* Two ownership changes before the resume timer runs: one resume. */
static void
test_pause_twice(void **st)
{
	struct fx *f = *st;
	log_alerts = true;
	V3(TO_EX, G, 0);
	log_clear();
	assert_int_equal(mgm_interface_release(f->m, f->p.h, IF1, 0), 0);
	assert_int_equal(mgm_interface_take(f->m, f->p.h, IF1, 0), 0);
	expect_log("Q PRUNE_ALERT 0 ef010101 if=1\n"); /* not P, the releaser */
	assert_int_equal(mgm_membership_count(f->m), 0);
	assert_true(mgm_poll(f->m, 0) >= 1);
	expect_log("P LOCAL_JOIN 0 ef010101 if=1\n" /* its interface: no JOIN_ALERT too */
		   "Q JOIN_ALERT 0 ef010101 update=1\n");
	assert_int_equal(mgm_poll(f->m, 0), 0);
	assert_int_equal(mgm_membership_count(f->m), 1);
}

static uint32_t
n_sources_of(struct fx *f, uint32_t grp)
{
	struct igmp_group_info gi;
	for (uint32_t i = 0; igmp_group_at(f->ig, IF1, i, &gi, NULL, NULL) == 0; i++)
		if (gi.grp == grp)
			return gi.n_sources;
	return UINT32_MAX;
}

static uint64_t
state_full_of(struct fx *f)
{
	struct igmp_stats sts;
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	return sts.state_full;
}

/* max_sources_per_if caps the sources of every group of an interface
 * together (8 per group and 20 per interface here); a refused source is
 * counted in state_full, and sources that leave make room again. */
static void
test_source_cap_per_if(void **st)
{
	struct fx *f = *st;
	const uint32_t G1 = 0xef000001u, G2 = 0xef000002u, G3 = 0xef000003u, G4 = 0xef000004u;
	const uint32_t B1 = 0x0b000001u, B2 = 0x0b000101u, B3 = 0x0b000201u;
	uint64_t t0 = now_ms;
	struct igmp_if_info ii;
	feed_range(f, ALLOW, G1, B1, 8);
	feed_range(f, ALLOW, G2, B2, 8);
	feed_range(f, ALLOW, G3, B3, 8);   /* 4 fit */
	assert_int_equal(state_full_of(f), 4);
	assert_int_equal(n_sources_of(f, G3), 4);
	assert_int_equal(mgm_membership_count(f->m), 20);
	/* full: a group can still turn to EXCLUDE (its (*,G)), but keeps no
	 * excluded source */
	V3(IS_EX, G4, 2, S1, S2);
	STATE(G4, "EX 260000");
	assert_int_equal(state_full_of(f), 6);
	assert_int_equal(mgm_membership_count(f->m), 21);
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_int_equal(ii.n_groups, 4);
	assert_int_equal(igmp_group_count(f->ig), 4);
	/* two of G1's sources leave (BLOCK, nobody answers): room for two */
	feed_range(f, BLOCK, G1, B1, 2);
	tick_to(f, now_ms + 1000);
	tick_to(f, now_ms + 1000);
	n_sent = 0;
	assert_int_equal(n_sources_of(f, G1), 6);
	feed_range(f, ALLOW, G3, B3 + 4, 4);
	assert_int_equal(n_sources_of(f, G3), 6);
	assert_int_equal(state_full_of(f), 8);
	assert_int_equal(mgm_membership_count(f->m), 21);
	/* everything times out: the whole cap is free again */
	tick_to(f, t0 + 260000);
	tick_to(f, now_ms + 2000);
	assert_int_equal(igmp_group_count(f->ig), 0);
	assert_int_equal(igmp_if_info_get(f->ig, IF1, &ii), 0);
	assert_int_equal(ii.n_groups, 0);
	assert_int_equal(mgm_membership_count(f->m), 0);
	feed_range(f, ALLOW, G2, B2, 8);
	feed_range(f, ALLOW, G3, B3, 8);
	feed_range(f, ALLOW, G1, B1, 8);
	assert_int_equal(n_sources_of(f, G1), 4);
	assert_int_equal(state_full_of(f), 12);
	assert_int_equal(igmp_group_count(f->ig), 3);
}

/* MGM refuses adds past its per-interface limit (-ENOSPC): a refusal is
 * state_full, not an MGM error; the group is parked, and neither ticks nor
 * reports call MGM for it again before its retry time, which doubles at
 * each refusal. When there is room again, the retry adds the rest. */
static void
test_mgm_full_parks(void **st)
{
	struct fx *f = *st;
	const uint32_t B = 0x0b000001u, GP = 0xef0f0f0fu;
	struct igmp_stats sts;
	/* P, IF1's owner, holds 4 of the 8: room for 4 of IGMP's */
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(mgm_membership_add(f->m, f->p.h, S1 + i, ALL, GP, ALL, IF1, 0,
						    MGM_JOIN_STATE), 0);
	uint64_t t0 = now_ms;
	n_mgm_adds = 0;
	feed_range(f, ALLOW, G, B, 8);
	/* 4 added, the fifth refused; the other three not tried (full) */
	assert_int_equal(n_mgm_adds, 5);
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.state_full, 1);
	assert_int_equal(sts.mgm_errors, 0);
	assert_int_equal(sts.mgm_adds, 4);
	assert_int_equal(mgm_membership_count(f->m), 8);
	assert_int_equal(n_sources_of(f, G), 8);  /* still in the router state */
	assert_int_equal(igmp_next_deadline_ms(f->ig), 1000);
	/* no retry before 1 s, from ticks or from the hosts' reports */
	for (uint64_t t = 100; t < 1000; t += 100)
		tick_to(f, t0 + t);
	feed_range(f, ALLOW, G, B, 8);
	assert_int_equal(n_mgm_adds, 5);
	tick_to(f, t0 + 1000);
	assert_int_equal(n_mgm_adds, 6);
	/* then 2 s later, 4 s later */
	tick_to(f, t0 + 2999);
	assert_int_equal(n_mgm_adds, 6);
	tick_to(f, t0 + 3000);
	assert_int_equal(n_mgm_adds, 7);
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.state_full, 3);
	assert_int_equal(sts.mgm_errors, 0);
	/* P leaves: room; the next retry adds the rest, P hears of them */
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(mgm_membership_delete(f->m, f->p.h, S1 + i, ALL, GP, ALL, IF1, 0,
						       MGM_JOIN_STATE), 0);
	log_clear();
	tick_to(f, t0 + 6999);
	assert_int_equal(n_mgm_adds, 7);
	tick_to(f, t0 + 7000);
	assert_int_equal(n_mgm_adds, 11);
	expect_log("P LOCAL_JOIN b000005 ef010101 if=1\nP LOCAL_JOIN b000006 ef010101 if=1\n"
		   "P LOCAL_JOIN b000007 ef010101 if=1\nP LOCAL_JOIN b000008 ef010101 if=1\n");
	assert_int_equal(mgm_membership_count(f->m), 8);
	/* in line with MGM: nothing more to do */
	for (uint64_t t = 7100; t < 40000; t += 100)
		tick_to(f, t0 + t);
	assert_int_equal(n_mgm_adds, 11);
	assert_int_equal(igmp_stats_get(f->ig, IF1, &sts), 0);
	assert_int_equal(sts.state_full, 3);
	assert_int_equal(sts.mgm_adds, 8);
	n_sent = 0;
}

/* Make before break while MGM is full (found by review: the deletes went
 * on while the add that replaces them was held or refused, and the group
 * had no membership until the retry, up to 32 s):
 * - a group parked with 4 of its 8 (S,G)s in turns EXCLUDE({}): its (S,G)s
 *   make the room for the (*,G), which is added at once;
 * - back to INCLUDE({B}) with no room for (B,G): the (*,G) stays until
 *   (B,G) is in. */
static void
test_mgm_full_make_before_break(void **st)
{
	struct fx *f = *st;
	const uint32_t B = 0x0b000001u, GP = 0xef0f0f0fu;
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(mgm_membership_add(f->m, f->p.h, S1 + i, ALL, GP, ALL, IF1, 0,
						    MGM_JOIN_STATE), 0);
	feed_range(f, ALLOW, G, B, 8);
	assert_int_equal(mgm_membership_count(f->m), 8); /* P's 4, IGMP's 4 (parked) */
	feed_range(f, TO_EX, G, 0, 0);
	assert_int_equal(mgm_membership_count(f->m), 5); /* P's 4 and the (*,G) */
	assert_int_equal(mgm_membership_delete(f->m, f->p.h, 0, 0, G, ALL, IF1, 0, MGM_JOIN_STATE),
			 -ENOENT); /* not P's */
	/* P takes all the room left; the group goes back to INCLUDE({B}) */
	for (uint32_t i = 4; i < 7; i++)
		assert_int_equal(mgm_membership_add(f->m, f->p.h, S1 + i, ALL, GP, ALL, IF1, 0,
						    MGM_JOIN_STATE), 0);
	uint64_t t0 = now_ms;
	feed_range(f, TO_IN, G, B, 1);
	for (uint64_t t = 100; t <= 5000; t += 100) {
		tick_to(f, t0 + t);
		/* the (*,G) kept while (B,G) has no room: G never without one */
		assert_int_equal(mgm_membership_count(f->m), 8);
	}
	assert_int_equal(strncmp(state(f, G), "IN 1:", 5), 0); /* INCLUDE({B}) */
	n_sent = 0;
}

/* A resume that MGM cuts short: P releases IF1 (MGM drops IGMP's four
 * memberships there) and takes it again with six of its own before IGMP's
 * resume runs, so only two of IGMP's fit. Once P leaves, the retry must
 * re-add all four: MGM dropped them, whatever IGMP had installed before. */
static void
test_resume_full_readds(void **st)
{
	struct fx *f = *st;
	const uint32_t B = 0x0b000001u, GP = 0xef0f0f0fu;
	uint64_t t0 = now_ms;
	feed_range(f, ALLOW, G, B, 4);
	assert_int_equal(mgm_membership_count(f->m), 4);
	assert_int_equal(mgm_interface_release(f->m, f->p.h, IF1, 0), 0);
	assert_int_equal(mgm_membership_count(f->m), 0);
	assert_int_equal(mgm_interface_take(f->m, f->p.h, IF1, 0), 0);
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(mgm_membership_add(f->m, f->p.h, S1 + i, ALL, GP, ALL, IF1, 0,
						    MGM_JOIN_STATE), 0);
	n_mgm_adds = 0;
	assert_true(mgm_poll(f->m, 0) >= 1); /* the resume */
	assert_int_equal(mgm_membership_count(f->m), 8);
	assert_int_equal(n_mgm_adds, 3); /* two fit, the third refused */
	assert_int_equal(state_full_of(f), 1);
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(mgm_membership_delete(f->m, f->p.h, S1 + i, ALL, GP, ALL, IF1, 0,
						       MGM_JOIN_STATE), 0);
	tick_to(f, t0 + 999);
	assert_int_equal(mgm_membership_count(f->m), 2);
	tick_to(f, t0 + 1000);
	assert_int_equal(mgm_membership_count(f->m), 4);
	/* done: no more calls */
	n_mgm_adds = 0;
	for (uint64_t t = 1100; t < 40000; t += 100)
		tick_to(f, t0 + t);
	assert_int_equal(n_mgm_adds, 0);
	assert_int_equal(mgm_membership_count(f->m), 4);
	n_sent = 0;
}

static uint64_t
real_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Many interfaces, enabled in a scrambled order and some disabled again:
 * igmp_if_at walks them in ifindex order, and the whole walk is linear.
 * (It was a selection per index, n^3 for a walk: about 1.7 s for 1366
 * interfaces in the release build, so several seconds for the 2048 here,
 * against about a millisecond now; the bound leaves room either way.) */
static void
test_if_order_many(void **st)
{
	struct fx *f = *st;
	enum { N = 3072, P = 3079 }; /* P prime: i * 1031 % P visits 1..P-1 */
	uint32_t n = 1;              /* IF1 */
	for (uint32_t i = 1; i < P; i++) {
		uint32_t ifx = i * 1031u % P;
		if (ifx == IF1 || ifx > N)
			continue;
		assert_int_equal(igmp_if_enable(f->ig, ifx, NULL), 0);
		n++;
	}
	assert_int_equal(n, N);
	for (uint32_t ifx = 3; ifx <= N; ifx += 3) {
		assert_int_equal(igmp_if_disable(f->ig, ifx), 0);
		n--;
	}
	assert_int_equal(igmp_if_disable(f->ig, 3), -ENOENT);
	assert_int_equal(igmp_if_enable(f->ig, 2, NULL), -EEXIST);
	assert_true(igmp_if_enabled(f->ig, 2000) && !igmp_if_enabled(f->ig, 2001));
	struct igmp_if_info ii;
	uint64_t t = real_ms();
	uint32_t k = 0, last = 0;
	for (; igmp_if_at(f->ig, k, &ii) == 0; k++) {
		assert_true(k == 0 || ii.ifindex > last);
		assert_true(ii.ifindex % 3 != 0);
		last = ii.ifindex;
	}
	t = real_ms() - t;
	assert_int_equal(k, n);
	assert_int_equal(last, N - 1);
	assert_int_equal(igmp_if_at(f->ig, n, &ii), -ENOENT);
	assert_int_equal(igmp_if_at(f->ig, 0, NULL), -EINVAL);
	if (t >= 500)
		print_error("a walk of %u interfaces took %llu ms\n", n, (unsigned long long)t);
	assert_true(t < 500);
	/* IF1 still works among them */
	V3(ALLOW, G, 1, S1);
	STATE(G, "IN 1:260000");
	n_sent = 0;
}

/* igmp_if_cfg_check names the parameter out of range and its range (found
 * by audit: the CLI said "a parameter is out of range"). */
static void
test_cfg_check(void **state)
{
	(void)state;
	char why[160];
	struct igmp_if_cfg c;
	assert_int_equal(igmp_if_cfg_check(NULL, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	memset(&c, 0, sizeof(c));
	c.robustness = 8;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "robustness 8 out of range 1..7");
	memset(&c, 0, sizeof(c));
	c.version = 2;
	c.query_response_ms = 30000;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "query-response-interval 30 s above version 2's 25.5 s");
	memset(&c, 0, sizeof(c));
	c.query_interval_ms = 10000;
	c.query_response_ms = 20000;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "query-response-interval 20 s not below query-interval 10 s");
	memset(&c, 0, sizeof(c));
	c.lmqi_ms = 50;
	assert_int_equal(igmp_if_cfg_check(&c, NULL, 0), -EINVAL);
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "last-member-query-interval 50 ms out of range 100..3174400 ms");
	memset(&c, 0, sizeof(c));
	c.query_interval_ms = 500;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "query-interval 0.5 s out of range 1..31744 s");
	/* given GMI and startup query interval: bounded (1 ms was taken: found
	 * by review) */
	memset(&c, 0, sizeof(c));
	c.gmi_ms = 1;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "group-membership-interval 1 ms below query-interval + "
				 "query-response-interval (135000 ms)");
	c.gmi_ms = 135000;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), 0);
	memset(&c, 0, sizeof(c));
	c.startup_qi_ms = 1;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "startup-query-interval 1 ms out of range 1000..125000 ms (query-interval)");
	c.startup_qi_ms = 126000;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), -EINVAL);
	c.startup_qi_ms = 1000;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), 0);
	/* the defaults, then a longer query interval: the derived ones follow
	 * (the defaults filled them in, and the GMI was then refused) */
	igmp_if_cfg_default(&c);
	c.query_interval_ms = 300000;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), 0);
	c.query_interval_ms = 20000;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), 0);
	memset(&c, 0, sizeof(c));
	c.query_response_ms = 50;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "query-response-interval 0.05 s out of range 0.1..3174.4 s");
	/* version 1: no response time, no group-specific queries */
	memset(&c, 0, sizeof(c));
	c.version = 4;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "version 4: 1, 2 or 3");
	c.version = 1;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), 0);
	c.query_response_ms = 10000;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), 0);
	c.query_response_ms = 5000;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "query-response-interval 5 s: version 1 queries carry none (hosts take 10 s)");
	memset(&c, 0, sizeof(c));
	c.version = 1;
	c.query_interval_ms = 10000;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "query-interval 10 s not above version 1's 10 s response time");
	c.query_interval_ms = 11000;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), 0);
	c.lmqi_ms = 1000;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "last-member-query-interval given: version 1 sends no group-specific queries");
	c.lmqi_ms = 0;
	c.lmqc = 2;
	assert_int_equal(igmp_if_cfg_check(&c, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "last-member-query-count given: version 1 sends no group-specific queries");
}

int
main(void)
{
	if (test_eal_init("test-igmp", "512") < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_cfg_check),
		cmocka_unit_test_setup_teardown(test_startup_and_general_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_querier_election, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_querier_timers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rxmit_dropped_on_querier_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rxmit_dropped_on_address_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_include_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exclude_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_query_above_lmqt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_leave_last_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_older_hosts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_membership, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_querier, setup, teardown),
cmocka_unit_test_setup_teardown(test_query_versions_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_reconfig, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ssm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_resume_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_cap_per_if, setup_src_cap, teardown),
		cmocka_unit_test_setup_teardown(test_mgm_full_parks, setup_mgm_full, teardown),
		cmocka_unit_test_setup_teardown(test_if_order_many, setup_many_ifs, teardown),
		cmocka_unit_test_setup_teardown(test_resume_full_readds, setup_mgm_full, teardown),
		cmocka_unit_test_setup_teardown(test_mgm_full_make_before_break, setup_mgm_full, teardown),
		cmocka_unit_test_setup_teardown(test_v2_reconfig_source_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_query_spacing, setup, teardown),
	};
	int rc = cmocka_run_group_tests_name("igmp", tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
