/* SPDX-License-Identifier: BSD-3-Clause */
/* The static routing protocol on a real MGM and forwarding cache: configs
 * applied, MFEs created the data-driven way, the published cache entries
 * checked (incoming interface, OIFs and their TTL thresholds). Also MGM's
 * per-interface TTL thresholds and MGM_F_RPF_RX_FALLBACK. EAL runs with
 * --no-huge (rte_lpm). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>

#include "mgm.h"
#include "test_eal.h"
#include "mfc.h"
#include "mcfwd_config.h"
#include "mcfwd_static.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define G1 IP(232, 1, 1, 1)
#define G2 IP(232, 1, 1, 2)
#define G3 IP(239, 3, 3, 3)
#define S1 IP(10, 0, 0, 1)
#define S2 IP(10, 0, 0, 2)
#define S3 IP(10, 0, 0, 3)

/* interface names: ethN -> N; aliases; one beyond the cache's interfaces */
/* "ethN" for 0..9, no name beyond */
static const char *
ifname(void *arg, uint32_t ifindex)
{
	static const char *n[] = { "eth0", "eth1", "eth2", "eth3", "eth4",
				   "eth5", "eth6", "eth7", "eth8", "eth9" };
	(void)arg;
	return ifindex < 10 ? n[ifindex] : NULL;
}

static int
resolve(void *arg, const char *name, uint32_t *ifindex)
{
	(void)arg;
	if (strncmp(name, "eth", 3) == 0 && name[3] >= '0' && name[3] <= '9' && name[4] == 0) {
		*ifindex = (uint32_t)(name[3] - '0');
		return 0;
	}
	if (strcmp(name, "wan") == 0) {
		*ifindex = 0;
		return 0;
	}
	if (strcmp(name, "lan") == 0) {
		*ifindex = 1;
		return 0;
	}
	if (strcmp(name, "far") == 0) { /* MGM accepts the name, the cache not the index */
		*ifindex = 2000;
		return 0;
	}
	if (strcmp(name, "huge") == 0) {
		*ifindex = 70000;
		return 0;
	}
	return -ENOENT;
}

struct fx {
	struct mfc *c;
	struct mgm *m;
	struct mcfwd_static *s;
	struct mcfwd_config cfg;
	char err[512];
};

static uint64_t clock_s = 1000;
static uint64_t test_now(void *a) { (void)a; return clock_s; }

static struct fx *
fx_new(uint32_t flags)
{
	static int seq;
	char name[32];
	struct fx *f = calloc(1, sizeof(*f));
	struct mfc_params cp = { .max_entries = 4096, .n_lcores = 1 };
	snprintf(name, sizeof(name), "mgm-st%d", seq++);
	f->c = mfc_create(&cp);
	struct mgm_params mp = { .cache = f->c, .now = test_now, .name = name, .flags = flags };
	f->m = f->c ? mgm_create(&mp) : NULL;
	f->s = f->m ? mcfwd_static_create(f->m, resolve, NULL) : NULL;
	if (f->s == NULL)
		return NULL;
	return f;
}

static int
setup(void **state)
{
	*state = fx_new(MGM_F_RPF_RX_FALLBACK);
	return *state ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	mcfwd_static_destroy(f->s);
	mcfwd_config_free(&f->cfg);
	mgm_destroy(f->m);
	mfc_destroy(f->c);
	free(f);
	return 0;
}

/* Parse text into f->cfg (replacing it). */
static void
cfg(struct fx *f, const char *text)
{
	mcfwd_config_free(&f->cfg);
	if (mcfwd_config_parse_string(text, strlen(text), "t.conf", &f->cfg, f->err, sizeof(f->err)))
		fail_msg("config: %s", f->err);
}

static int
apply(struct fx *f, const char *text)
{
	cfg(f, text);
	f->err[0] = 0;
	return mcfwd_static_apply(f->s, &f->cfg, f->err, sizeof(f->err));
}

/* The published entry of (S,G): "none", "neg iif=N", or
 * "iif=N oifs=I/T,I/T" (enabled, live OIFs, interface/ttl threshold). */
static const char *
entry(struct fx *f, uint32_t src, uint32_t grp)
{
	static char b[256];
	const struct mfc_entry *e = mfc_find(f->c, src, grp);
	if (e == NULL)
		return "none";
	const struct mfc_oifl_data *d = mfc_entry_oifs(e);
	if ((e->flags & MFC_F_NEGATIVE) || d == NULL || d->n_live == 0) {
		snprintf(b, sizeof(b), "neg iif=%d", e->iif == MFC_IFID_NONE ? -1 : (int)e->iif);
		return b;
	}
	int l = snprintf(b, sizeof(b), "iif=%u oifs=", e->iif);
	const char *sep = "";
	for (uint16_t i = 0; i < d->n; i++) {
		const struct mfc_oif *o = &d->oif[i];
		if (!(o->flags & MFC_OIF_ENABLED) || (o->flags & MFC_OIF_REMOVED))
			continue;
		l += snprintf(b + l, sizeof(b) - (size_t)l, "%s%u/%u", sep, o->ifid, o->ttl);
		sep = ",";
	}
	return b;
}

static void
owner_is(struct fx *f, uint32_t ifindex, int want_proto)
{
	uint32_t proto = 0, comp = 0;
	int rc = mgm_interface_owner(f->m, ifindex, 0, &proto, &comp);
	if (want_proto < 0)
		assert_int_equal(rc, -ENOENT);
	else {
		assert_int_equal(rc, 0);
		assert_int_equal(proto, (uint32_t)want_proto);
	}
}

static struct mcfwd_static_info
info(struct fx *f)
{
	struct mcfwd_static_info i;
	assert_int_equal(mcfwd_static_info_get(f->s, &i), 0);
	return i;
}

/* ---------------------------------------------------------------- */

static void
test_ttl_threshold_and_rx_fallback(void **state)
{
	struct fx *f = *state;
	/* MGM's thresholds alone */
	assert_int_equal(mgm_interface_ttl_get(f->m, 2), 1);
	assert_int_equal(mgm_interface_ttl_set(f->m, 2, 0), -EINVAL);
	assert_int_equal(mgm_interface_ttl_set(f->m, MFC_IFACES_MAX, 3), -EINVAL);
	assert_int_equal(mgm_interface_ttl_set(NULL, 2, 3), -EINVAL);
	assert_int_equal(mgm_interface_ttl_get(f->m, MFC_IFACES_MAX), -EINVAL);
	assert_int_equal(mgm_interface_ttl_get(NULL, 1), -EINVAL);

	assert_int_equal(apply(f, "phyint eth2 enable ttl-threshold 5\n"
				  "phyint eth3 enable ttl-threshold 64\n"
				  "mroute from eth0 source 10.0.0.1 group 232.1.1.1 to eth1 eth2 eth3\n"),
			 0);
	assert_true(mcfwd_static_running(f->s));
	assert_int_equal(mgm_interface_ttl_get(f->m, 2), 5);
	assert_int_equal(mgm_interface_ttl_get(f->m, 3), 64);
	/* no unicast route towards S: the arrival interface's owner (static) answers */
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/5,3/64");
	struct mcfwd_static_info i = info(f);
	assert_int_equal(i.rpf, 1);
	assert_int_equal(i.rpf_hits, 1);
	assert_int_equal(i.creation_alerts, 1);
	assert_int_equal(i.oifs_vetoed, 0);
	assert_int_equal(i.n_ifaces, 4);
	assert_int_equal(i.n_mroutes, 1);
	/* shutdown restores the thresholds */
	assert_int_equal(mcfwd_static_shutdown(f->s), 0);
	assert_int_equal(mgm_interface_ttl_get(f->m, 2), 1);
	assert_int_equal(mgm_interface_ttl_get(f->m, 3), 1);

	/* without MGM_F_RPF_RX_FALLBACK the same config gives negative MFEs */
	struct fx *g = fx_new(0);
	assert_non_null(g);
	assert_int_equal(apply(g, "mroute from eth0 source 10.0.0.1 group 232.1.1.1 to eth1\n"), 0);
	assert_int_equal(mgm_mfe_create(g->m, S1, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(g, S1, G1), "neg iif=0");
	assert_int_equal(info(g).rpf, 0);
	/* ... unless a unicast route leads to S through an interface static owns */
	assert_int_equal(mgm_route_add(g->m, IP(10, 0, 0, 0), 8, 0, 0), 0);
	assert_int_equal(mgm_mfe_create(g->m, S2, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(g, S2, G1), "neg iif=0"); /* no route for (S2, G1) */
	assert_int_equal(info(g).rpf, 1);
	assert_int_equal(info(g).rpf_hits, 0);
	void *st = g;
	teardown(&st);
}

static void
test_sg_template_and_veto(void **state)
{
	struct fx *f = *state;
	assert_int_equal(apply(f, "mroute from eth0 group 232.1.1.1 to eth1 eth2 eth3\n"
				  "mroute from eth0 source 10.0.0.1 group 232.1.1.1 to eth1\n"
				  "mroute from eth4 source 10.0.0.9 group 232.1.1.1 to eth2\n"),
			 0);
	assert_int_equal(mgm_membership_count(f->m), 5);
	/* (*,G) template: any source */
	assert_int_equal(mgm_mfe_create(f->m, S2, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S2, G1), "iif=0 oifs=1/1,2/1,3/1");
	/* the (S,G) route wins: the template's other OIFs are vetoed */
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1");
	assert_int_equal(info(f).oifs_vetoed, 2);
	/* an (S,G) route from another interface: its iif, its OIF only */
	assert_int_equal(mgm_mfe_create(f->m, IP(10, 0, 0, 9), G1, 4, NULL, 0), 0);
	assert_string_equal(entry(f, IP(10, 0, 0, 9), G1), "iif=4 oifs=2/1");
	/* the packet came in elsewhere: RPF rewrites the incoming interface to
	 * the route's (the dataplane then counts it as wrong-interface) */
	assert_int_equal(mgm_mfe_create(f->m, S3, G1, 2, NULL, 0), 0);
	assert_string_equal(entry(f, S3, G1), "iif=0 oifs=1/1,2/1,3/1");
	assert_int_equal(mgm_wrong_if(f->m, S3, G1, 2, NULL, 0), 1);
	assert_int_equal(info(f).wrong_if, 1);
	/* a group static has no route for: nothing to forward to */
	assert_int_equal(mgm_mfe_create(f->m, S1, G2, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G2), "neg iif=0");
	/* arriving on an interface nobody owns: negative, no RPF asked */
	uint64_t rpf = info(f).rpf;
	assert_int_equal(mgm_mfe_create(f->m, IP(10, 0, 0, 7), G1, 5, NULL, 0), 0);
	assert_string_equal(entry(f, IP(10, 0, 0, 7), G1), "neg iif=5");
	assert_int_equal(info(f).rpf, rpf);
	struct mcfwd_static_info i = info(f);
	assert_int_equal(i.rpf, 5);
	assert_int_equal(i.rpf_hits, 4);
	assert_int_equal(i.n_mroutes, 3);
	assert_int_equal(i.n_templates, 1);
	assert_int_equal(i.n_ifaces, 5);
	/* the iterator */
	struct mcfwd_static_mroute r;
	int n = 0;
	for (uint32_t k = 0; mcfwd_static_mroute_get(f->s, k, &r) == 0; k++, n++)
		if (r.src == 0) {
			assert_int_equal(r.grp, G1);
			assert_int_equal(r.iif, 0);
			assert_int_equal(r.n_oifs, 3);
			assert_int_equal(r.oifs[0], 1);
			assert_int_equal(r.oifs[2], 3);
			assert_string_equal(r.loc.file, "t.conf");
			assert_int_equal(r.loc.line, 1);
		}
	assert_int_equal(n, 3);
	assert_int_equal(mcfwd_static_mroute_get(f->s, 3, &r), -ENOENT);
}

/* What MGM and the cache hold, as text, for before/after comparisons. */
static void
snapshot(struct fx *f, char *out, size_t len)
{
	struct mgm_mfe v[64];
	uint32_t n = 0;
	int l = snprintf(out, len, "mfes=%u cache=%u members=%u running=%d |", mgm_mfe_count(f->m),
			 mfc_count(f->c), mgm_membership_count(f->m), mcfwd_static_running(f->s));
	if (mgm_mfe_first(f->m, v, 64, &n) < 0)
		n = 0;
	for (uint32_t i = 0; i < n; i++)
		l += snprintf(out + l, len - (size_t)l, " %x,%x:%s", v[i].src, v[i].grp,
			      entry(f, v[i].src, v[i].grp));
	for (uint32_t x = 0; x < 10; x++) {
		uint32_t p = 0, c = 0;
		if (mgm_interface_owner(f->m, x, 0, &p, &c) == 0)
			l += snprintf(out + l, len - (size_t)l, " if%u=%x", x, p);
		l += snprintf(out + l, len - (size_t)l, " ttl%u=%d", x, mgm_interface_ttl_get(f->m, x));
	}
	struct mcfwd_static_info i = info(f);
	snprintf(out + l, len - (size_t)l, " routes=%u ifaces=%u", i.n_mroutes, i.n_ifaces);
}

static const char *good_cfg = "phyint eth1 enable ttl-threshold 3\n"
			      "phyint eth7 enable\n"
			      "phyint eth8 disable\n"
			      "mroute from eth0 group 232.1.1.1 to eth1 eth2\n"
			      "mroute from eth0 source 10.0.0.1 group 232.1.1.2 to eth2\n";

struct bad_cfg {
	const char *text;
	const char *msg;
};

static const struct bad_cfg bad_cfgs[] = {
	{ "phyint eth9 enable\nmroute from eth0 group 232.1.1.1 to eth1 bogus\n",
	  "t.conf:2: unknown interface 'bogus'" },
	{ "phyint nope enable\n", "t.conf:1: unknown interface 'nope'" },
	{ "mroute from nope group 232.1.1.1 to eth1\n", "t.conf:1: unknown interface 'nope'" },
	{ "phyint eth1 disable\nmroute from eth0 group 232.1.1.1 to eth2 eth1\n",
	  "t.conf:2: interface 'eth1' is disabled (t.conf:1) but used by this mroute" },
	{ "mroute from eth1 group 232.1.1.1 to eth2\nphyint eth1 disable\n",
	  "t.conf:1: interface 'eth1' is disabled (t.conf:2) but used by this mroute" },
	{ "phyint eth1 enable\nphyint lan disable\n", "t.conf:2: phyint 'lan' already given at t.conf:1" },
	{ "mroute from eth0 source 10.0.0.1 group 232.1.1.1 to eth1\n"
	  "mroute from eth2 source 10.0.0.1 group 232.1.1.1 to eth3\n",
	  "t.conf:2: mroute (10.0.0.1, 232.1.1.1) from 'eth2' conflicts with t.conf:1 (another incoming interface)" },
	{ "mroute from eth0 group 232.1.1.1 to eth1\n\nmroute from eth2 group 232.1.1.1 to eth3\n",
	  "t.conf:3: mroute (*, 232.1.1.1) from 'eth2' conflicts with t.conf:1 (another incoming interface)" },
	{ "mroute from wan group 232.1.1.1 to eth1 eth0\n",
	  "t.conf:1: outgoing interface 'eth0' is the incoming interface 'wan'" },
	{ "mroute from eth0 group 232.1.1.1 to eth1 lan\n",
	  "t.conf:1: outgoing interfaces 'eth1' and 'lan' are the same interface" },
	{ "phyint huge enable\n", "t.conf:1: interface 'huge' has index 70000, beyond 65534" },
	{ "phyint eth6 enable\n", "t.conf:1: interface 'eth6' is owned by routing protocol 0x63/0" },
	{ "mroute from eth0 group 232.1.1.1 to eth1\nmroute from eth2 group 232.1.1.2 to eth6\n",
	  "t.conf:2: interface 'eth6' is owned by routing protocol 0x63/0" },
};

static void
test_bad_config_changes_nothing(void **state)
{
	struct fx *f = *state;
	mgm_handle_t other;
	assert_int_equal(mgm_protocol_register(f->m, 0x63, 0, &(struct mgm_callbacks){ 0 }, NULL, &other), 0);
	assert_int_equal(mgm_interface_take(f->m, other, 6, 0), 0);

	assert_int_equal(apply(f, good_cfg), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G2, 0, NULL, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S2, G2, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/3,2/1");
	assert_string_equal(entry(f, S1, G2), "iif=0 oifs=2/1");
	assert_string_equal(entry(f, S2, G2), "neg iif=0");
	char before[2048], after[2048];
	snapshot(f, before, sizeof(before));

	for (size_t k = 0; k < sizeof(bad_cfgs) / sizeof(bad_cfgs[0]); k++) {
		cfg(f, bad_cfgs[k].text);
		f->err[0] = 0;
		int rc = mcfwd_static_check(f->s, &f->cfg, f->err, sizeof(f->err));
		if (rc != -EINVAL || strcmp(f->err, bad_cfgs[k].msg) != 0)
			fail_msg("check %zu: rc %d '%s', expected '%s'", k, rc, f->err, bad_cfgs[k].msg);
		f->err[0] = 0;
		rc = mcfwd_static_apply(f->s, &f->cfg, f->err, sizeof(f->err));
		if (rc != -EINVAL || strcmp(f->err, bad_cfgs[k].msg) != 0)
			fail_msg("apply %zu: rc %d '%s', expected '%s'", k, rc, f->err, bad_cfgs[k].msg);
		snapshot(f, after, sizeof(after));
		assert_string_equal(before, after);
	}
	/* check of the good config: fine, and still nothing changes */
	cfg(f, good_cfg);
	assert_int_equal(mcfwd_static_check(f->s, &f->cfg, f->err, sizeof(f->err)), 0);
	snapshot(f, after, sizeof(after));
	assert_string_equal(before, after);

	/* a failure only MGM sees (the cache has 1024 interfaces): the new
	 * config is rolled back and the old one applied again; the old MFEs
	 * were purged by the switch and come back on the next packets */
	assert_int_equal(apply(f, "phyint eth3 enable ttl-threshold 9\n"
				  "mroute from eth0 group 232.1.1.1 to eth4 far\n"),
			 -EINVAL);
	assert_string_equal(f->err, "t.conf:2: cannot take interface 'far' (index 2000): Invalid argument");
	assert_true(mcfwd_static_running(f->s));
	assert_int_equal(mgm_interface_ttl_get(f->m, 3), 1);
	assert_int_equal(mgm_mfe_count(f->m), 0);
	assert_int_equal(mfc_count(f->c), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G2, 0, NULL, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S2, G2, 0, NULL, 0), 0);
	snapshot(f, after, sizeof(after));
	assert_string_equal(before, after);
	owner_is(f, 4, -1);
	owner_is(f, 6, 0x63);
}

static void
test_replace_config(void **state)
{
	struct fx *f = *state;
	assert_int_equal(apply(f, "phyint eth5 enable ttl-threshold 2\n"
				  "mroute from eth0 group 232.1.1.1 to eth1 eth2\n"),
			 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
	owner_is(f, 5, MCFWD_STATIC_PROTO_ID);
	/* the new config: another group, from eth1; eth0 and eth5 go */
	assert_int_equal(apply(f, "phyint eth2 enable ttl-threshold 7\n"
				  "mroute from eth1 source 10.0.0.2 group 232.1.1.2 to eth2 eth3\n"),
			 0);
	assert_string_equal(entry(f, S1, G1), "none"); /* purged with its iif */
	assert_int_equal(mgm_mfe_count(f->m), 0);
	owner_is(f, 0, -1);
	owner_is(f, 5, -1);
	owner_is(f, 1, MCFWD_STATIC_PROTO_ID);
	assert_int_equal(mgm_interface_ttl_get(f->m, 5), 1);
	assert_int_equal(mgm_interface_ttl_get(f->m, 2), 7);
	assert_int_equal(mgm_membership_count(f->m), 2);
	assert_int_equal(mgm_mfe_create(f->m, S2, G2, 1, NULL, 0), 0);
	assert_string_equal(entry(f, S2, G2), "iif=1 oifs=2/7,3/1");
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "neg iif=0");
	/* the config may be freed: static keeps its own copy */
	mcfwd_config_free(&f->cfg);
	struct mcfwd_static_mroute r;
	assert_int_equal(mcfwd_static_mroute_get(f->s, 0, &r), 0);
	assert_string_equal(r.loc.file, "t.conf");
	assert_int_equal(r.loc.line, 2);
	assert_int_equal(r.src, S2);
	/* an empty config: running, owning nothing */
	assert_int_equal(apply(f, "# nothing\n"), 0);
	assert_true(mcfwd_static_running(f->s));
	assert_int_equal(info(f).n_ifaces, 0);
	assert_int_equal(mgm_membership_count(f->m), 0);
	assert_int_equal(mgm_interface_ttl_get(f->m, 2), 1);
}

/* The id of (S,G)'s MFE (0: none): a re-made MFE has a new one. */
static uint64_t
mfe_id(struct fx *f, uint32_t src, uint32_t grp)
{
	struct mgm_mfe e;
	uint32_t n = 0;
	return mgm_mfe_get(f->m, src, grp, &e, NULL, &n) == 0 ? e.id : 0;
}

/* A reload on a running static changes what differs and nothing else: an
 * unchanged route's MFE stays the same one (id: its counters go on), a
 * changed, new or removed route's MFEs are made again at once by the new
 * answers, a changed threshold applies to the MFEs in place; interfaces
 * are taken and released by difference (it shut static down and started
 * it again: every MFE was purged) */
static void
test_reload_diff(void **state)
{
	struct fx *f = *state;
	const char *base = "phyint eth3 enable ttl-threshold 4\n"
			   "mroute from eth0 group 232.1.1.1 to eth1 eth2\n"
			   "mroute from eth0 source 10.0.0.2 group 232.1.1.2 to eth1\n"
			   "mroute from eth0 source 10.0.0.1 group 232.1.1.2 to eth2\n"
			   "mroute from eth4 source 10.0.0.3 group 239.3.3.3 to eth3\n";
	assert_int_equal(apply(f, base), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S2, G1, 0, NULL, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S2, G2, 0, NULL, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G2, 0, NULL, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S3, G3, 4, NULL, 0), 0);
	/* no route: negative, made with the arrival interface */
	assert_int_equal(mgm_mfe_create(f->m, S3, IP(232, 9, 9, 9), 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
	assert_string_equal(entry(f, S3, G3), "iif=4 oifs=3/4");
	assert_string_equal(entry(f, S3, IP(232, 9, 9, 9)), "neg iif=0");
	uint64_t id11 = mfe_id(f, S1, G1), id21 = mfe_id(f, S2, G1), id22 = mfe_id(f, S2, G2),
		 id12 = mfe_id(f, S1, G2), id33 = mfe_id(f, S3, G3);

	/* the same file again: not one MFE made again */
	assert_int_equal(apply(f, base), 0);
	assert_int_equal(mfe_id(f, S1, G1), id11);
	assert_int_equal(mfe_id(f, S2, G1), id21);
	assert_int_equal(mfe_id(f, S2, G2), id22);
	assert_int_equal(mfe_id(f, S1, G2), id12);
	assert_int_equal(mfe_id(f, S3, G3), id33);
	assert_int_equal(mgm_membership_count(f->m), 5);
	assert_int_equal(info(f).n_ifaces, 5);

	/* G1 from eth5 to eth1 eth6 (made again); (S2,G2) from eth4;
	 * (S1,G2) gone; (S3,G3) kept, eth3's threshold 9; a route for the
	 * negative one's group: it forwards now */
	assert_int_equal(apply(f, "phyint eth3 enable ttl-threshold 9\n"
				  "mroute from eth5 group 232.1.1.1 to eth1 eth6\n"
				  "mroute from eth4 source 10.0.0.2 group 232.1.1.2 to eth1\n"
				  "mroute from eth4 source 10.0.0.3 group 239.3.3.3 to eth3\n"
				  "mroute from eth0 group 232.9.9.9 to eth7\n"),
			 0);
	assert_string_equal(entry(f, S1, G1), "iif=5 oifs=1/1,6/1");
	assert_string_equal(entry(f, S2, G1), "iif=5 oifs=1/1,6/1");
	assert_true(mfe_id(f, S1, G1) != id11 && mfe_id(f, S1, G1) != 0);
	assert_string_equal(entry(f, S2, G2), "iif=4 oifs=1/1");
	assert_true(mfe_id(f, S2, G2) != id22);
	/* no route of static's: made again as a first packet makes it */
	assert_string_equal(entry(f, S1, G2), "neg iif=0");
	assert_string_equal(entry(f, S3, G3), "iif=4 oifs=3/9");
	assert_int_equal(mfe_id(f, S3, G3), id33);
	assert_string_equal(entry(f, S3, IP(232, 9, 9, 9)), "iif=0 oifs=7/1");
	owner_is(f, 2, -1); /* no route uses it: released */
	owner_is(f, 5, MCFWD_STATIC_PROTO_ID);
	owner_is(f, 6, MCFWD_STATIC_PROTO_ID);
	owner_is(f, 0, MCFWD_STATIC_PROTO_ID);
	assert_int_equal(mgm_interface_ttl_get(f->m, 3), 9);
	assert_int_equal(mgm_membership_count(f->m), 5);

	/* the threshold goes: MGM's own value (1) comes back, in place */
	assert_int_equal(apply(f, "mroute from eth5 group 232.1.1.1 to eth1 eth6\n"
				  "mroute from eth4 source 10.0.0.2 group 232.1.1.2 to eth1\n"
				  "mroute from eth4 source 10.0.0.3 group 239.3.3.3 to eth3\n"
				  "mroute from eth0 group 232.9.9.9 to eth7\n"),
			 0);
	assert_int_equal(mgm_interface_ttl_get(f->m, 3), 1);
	assert_string_equal(entry(f, S3, G3), "iif=4 oifs=3/1");
	assert_int_equal(mfe_id(f, S3, G3), id33);
	/* shut down after reloads: every threshold and interface given back */
	assert_int_equal(mcfwd_static_shutdown(f->s), 0);
	for (uint32_t i = 0; i < 8; i++) {
		owner_is(f, i, -1);
		assert_int_equal(mgm_interface_ttl_get(f->m, i), 1);
	}
	assert_int_equal(mgm_membership_count(f->m), 0);
}

/* A reload that fails on its way (MGM refuses a membership: the
 * interface's cap) puts the running configuration back whole: its routes,
 * interfaces and thresholds (the new file's threshold on an interface the
 * old one left alone too) */
/* A reload that takes one OIF from a route it keeps, the interface staying
 * static's (another route uses it): static's membership there goes. It
 * stayed (the MFE still forwarded nowhere new, a veto held), counted
 * against the interface's membership cap and listed until the interface
 * was released (found by a mutation review: test_reload_diff releases
 * the interface in the same reload, which drops it anyway). */
static void
test_reload_drops_one_oif(void **state)
{
	struct fx *f = *state;
	assert_int_equal(apply(f, "mroute from eth0 group 232.1.1.1 to eth1 eth2\n"
				  "mroute from eth0 group 232.1.1.2 to eth2\n"), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
	assert_int_equal(mgm_membership_count(f->m), 3);
	assert_int_equal(apply(f, "mroute from eth0 group 232.1.1.1 to eth1\n"
				  "mroute from eth0 group 232.1.1.2 to eth2\n"), 0);
	owner_is(f, 2, MCFWD_STATIC_PROTO_ID);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1");
	assert_int_equal(mgm_membership_count(f->m), 2);
	/* and back: the OIF again */
	assert_int_equal(apply(f, "mroute from eth0 group 232.1.1.1 to eth1 eth2\n"
				  "mroute from eth0 group 232.1.1.2 to eth2\n"), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
	assert_int_equal(mgm_membership_count(f->m), 3);
}

static void
test_reload_diff_fails(void **state)
{
	struct fx *f = *state;
	const char *base = "phyint eth3 enable ttl-threshold 4\n"
			   "mroute from eth0 group 232.1.1.1 to eth1 eth3\n"
			   "mroute from eth0 group 232.1.1.2 to eth1\n";
	assert_int_equal(apply(f, base), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_int_equal(apply(f, "phyint eth3 enable ttl-threshold 9\n"
				  "phyint eth5 enable ttl-threshold 6\n"
				  "mroute from eth0 group 232.1.1.1 to eth1 eth3\n"
				  "mroute from eth0 group 232.1.1.2 to eth1\n"
				  "mroute from eth0 group 239.3.3.3 to eth1\n"
				  "mroute from eth0 group 239.3.3.4 to eth1\n"),
			 -ENOSPC);
	assert_non_null(strstr(f->err, "cannot add"));
	assert_true(mcfwd_static_running(f->s));
	assert_int_equal(info(f).n_mroutes, 2);
	assert_int_equal(mgm_membership_count(f->m), 3);
	assert_int_equal(mgm_interface_ttl_get(f->m, 3), 4);
	assert_int_equal(mgm_interface_ttl_get(f->m, 5), 1);
	owner_is(f, 5, -1);
	owner_is(f, 3, MCFWD_STATIC_PROTO_ID);
	/* the way back was the whole one: the MFE is made by its next packet */
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,3/4");
	/* an interface the operator released stays released through a failed
	 * reload, whose way back installed the old state (found by review: it
	 * was taken again, its memberships back), in both apply modes */
	assert_int_equal(mcfwd_static_iface_release(f->s, 3), 0);
	owner_is(f, 3, -1);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1");
	const char *bigger = "phyint eth3 enable ttl-threshold 9\n"
			     "phyint eth5 enable ttl-threshold 6\n"
			     "mroute from eth0 group 232.1.1.1 to eth1 eth3\n"
			     "mroute from eth0 group 232.1.1.2 to eth1\n"
			     "mroute from eth0 group 239.3.3.3 to eth1\n"
			     "mroute from eth0 group 239.3.3.4 to eth1\n";
	assert_int_equal(apply(f, bigger), -ENOSPC);
	owner_is(f, 3, -1);
	assert_int_equal(mgm_membership_count(f->m), 2);
	cfg(f, bigger);
	assert_int_equal(mcfwd_static_apply_tentative(f->s, &f->cfg, f->err, sizeof(f->err)), -ENOSPC);
	owner_is(f, 3, -1);
	assert_int_equal(mgm_membership_count(f->m), 2);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1");
	assert_int_equal(mcfwd_static_shutdown(f->s), 0);
	assert_int_equal(mgm_interface_ttl_get(f->m, 3), 1);
}

/* A tentative apply (the app's reload, whose IGMP step comes after
 * static's) is undone exactly by mcfwd_static_revert(): routes, run-time
 * edits (a released interface stays released: found by review), owners,
 * TTL thresholds and the MFEs' answers as before; commit keeps the new
 * one; without a running state before, revert shuts down. */
static void
test_tentative_revert(void **state)
{
	struct fx *f = *state;
	char e[128];
	const char *base = "phyint eth3 enable ttl-threshold 4\n"
			   "mroute from eth0 group 232.1.1.1 to eth1 eth3\n";
	assert_int_equal(apply(f, base), 0);
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, 0, G2, (uint32_t[]){ 2 }, 1, e, sizeof(e)), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G2, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,3/4");
	assert_string_equal(entry(f, S1, G2), "iif=0 oifs=2/1");
	assert_int_equal(mcfwd_static_revert(f->s, e, sizeof(e)), 0); /* none pending */
	/* the operator released eth1 (G1's OIF): a revert leaves it released */
	assert_int_equal(mcfwd_static_iface_release(f->s, 1), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=3/4");

	cfg(f, "phyint eth5 enable ttl-threshold 6\nmroute from eth4 group 232.1.1.1 to eth5\n");
	assert_int_equal(mcfwd_static_apply_tentative(f->s, &f->cfg, f->err, sizeof(f->err)), 0);
	assert_int_equal(info(f).n_mroutes, 1);
	assert_int_equal(mgm_interface_ttl_get(f->m, 5), 6);
	assert_int_equal(mgm_interface_ttl_get(f->m, 3), 1);
	owner_is(f, 0, -1);
	owner_is(f, 4, MCFWD_STATIC_PROTO_ID);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 4, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=4 oifs=5/6");

	assert_int_equal(mcfwd_static_revert(f->s, f->err, sizeof(f->err)), 0);
	assert_true(mcfwd_static_running(f->s));
	assert_int_equal(info(f).n_mroutes, 2); /* the run-time one too */
	assert_int_equal(mgm_interface_ttl_get(f->m, 3), 4);
	assert_int_equal(mgm_interface_ttl_get(f->m, 5), 1);
	owner_is(f, 0, MCFWD_STATIC_PROTO_ID);
	owner_is(f, 1, -1); /* released, as before */
	owner_is(f, 2, MCFWD_STATIC_PROTO_ID);
	owner_is(f, 3, MCFWD_STATIC_PROTO_ID);
	owner_is(f, 4, -1);
	owner_is(f, 5, -1);
	assert_string_equal(entry(f, S1, G1), "none"); /* its iif eth4 went */
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=3/4");
	assert_int_equal(mcfwd_static_iface_take(f->s, 1), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,3/4");
	assert_int_equal(mgm_mfe_create(f->m, S2, G2, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S2, G2), "iif=0 oifs=2/1");
	assert_int_equal(mcfwd_static_revert(f->s, e, sizeof(e)), 0); /* once */
	assert_int_equal(info(f).n_mroutes, 2);

	/* committed: it stays */
	cfg(f, "mroute from eth4 group 232.1.1.1 to eth5\n");
	assert_int_equal(mcfwd_static_apply_tentative(f->s, &f->cfg, f->err, sizeof(f->err)), 0);
	mcfwd_static_commit(f->s);
	assert_int_equal(mcfwd_static_revert(f->s, e, sizeof(e)), 0);
	assert_int_equal(info(f).n_mroutes, 1);
	owner_is(f, 4, MCFWD_STATIC_PROTO_ID);
	owner_is(f, 0, -1);

	/* not running before: reverted, it is not running again */
	assert_int_equal(mcfwd_static_shutdown(f->s), 0);
	cfg(f, base);
	assert_int_equal(mcfwd_static_apply_tentative(f->s, &f->cfg, f->err, sizeof(f->err)), 0);
	assert_true(mcfwd_static_running(f->s));
	assert_int_equal(mgm_interface_ttl_get(f->m, 3), 4);
	assert_int_equal(mcfwd_static_revert(f->s, e, sizeof(e)), 0);
	assert_false(mcfwd_static_running(f->s));
	assert_int_equal(mgm_interface_ttl_get(f->m, 3), 1);
	owner_is(f, 0, -1);
	owner_is(f, 3, -1);
	/* pending at destroy (teardown): freed (ASan's leak check) */
	assert_int_equal(mcfwd_static_apply_tentative(f->s, &f->cfg, f->err, sizeof(f->err)), 0);
	assert_int_equal(mcfwd_static_apply_tentative(f->s, &f->cfg, f->err, sizeof(f->err)), 0);
	assert_int_equal(mcfwd_static_revert(NULL, e, sizeof(e)), -EINVAL);
}

/* Run-time edits make the MFEs they concern again: a more specific
 * (S,G) route from another interface takes a flow that runs under the
 * (*,G) one (it kept the old incoming interface for as long as packets
 * came), an OIF added where another client's member was vetoed forwards,
 * and the flow goes back to the template when its route is deleted */
static void
test_runtime_edit_redoes(void **state)
{
	struct fx *f = *state;
	assert_int_equal(apply(f, "phyint eth2 enable\nmroute from eth0 group 232.1.1.1 to eth1\n"), 0);
	mgm_handle_t igmp;
	assert_int_equal(mgm_protocol_register(f->m, MGM_PROTO_IGMP, 0, &(struct mgm_callbacks){ 0 },
					       NULL, &igmp),
			 0);
	assert_int_equal(mgm_interface_take(f->m, igmp, 2, 0), 0);
	assert_int_equal(mgm_membership_add(f->m, igmp, 0, 0, G1, 0xffffffffu, 2, 0, MGM_JOIN_STATE), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	/* static vetoed its eth2, where IGMP has a member: not the route's */
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1");
	char e[128];
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, 0, G1, (uint32_t[]){ 2 }, 1, e, sizeof(e)), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
	assert_int_equal(mcfwd_static_mroute_add(f->s, 4, S1, G1, (uint32_t[]){ 3 }, 1, e, sizeof(e)), 0);
	assert_string_equal(entry(f, S1, G1), "iif=4 oifs=3/1");
	/* its iif eth4 is released with it: the MFE is purged, and the next
	 * packet makes it by the template */
	assert_int_equal(mcfwd_static_mroute_del(f->s, S1, G1), 0);
	assert_string_equal(entry(f, S1, G1), "none");
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
	/* an (S,G) route from the same interface: made again at once */
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, S1, G1, (uint32_t[]){ 3 }, 1, e, sizeof(e)), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=3/1");
	assert_int_equal(mcfwd_static_mroute_del(f->s, S1, G1), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
	assert_int_equal(mcfwd_static_mroute_del(f->s, 0, G1), 0);
	assert_string_equal(entry(f, S1, G1), "none"); /* eth0 released with it */
	assert_int_equal(mcfwd_static_shutdown(f->s), 0);
	assert_int_equal(mgm_interface_release(f->m, igmp, 2, 0), 0);
	assert_int_equal(mgm_protocol_deregister(f->m, igmp), 0);
}

/* A review's cases where a reload by difference ended unlike a fresh
 * install of the same file: each now ends as the fresh one does */

/* an OIF released (mcfwd_static_iface_release) and the same file loaded
 * again: taken back with its memberships (it came back without them) */
static void
test_reload_after_oif_release(void **state)
{
	struct fx *f = *state;
	const char *base = "mroute from eth0 group 232.1.1.1 to eth1 eth2\n";
	assert_int_equal(apply(f, base), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_int_equal(mcfwd_static_iface_release(f->s, 2), 0);
	assert_int_equal(mgm_membership_count(f->m), 1);
	assert_int_equal(apply(f, base), 0);
	owner_is(f, 2, MCFWD_STATIC_PROTO_ID);
	assert_int_equal(mgm_membership_count(f->m), 2);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
}

/* the incoming interface released, an MFE made meanwhile (every OIF
 * vetoed: the route was inactive), the same file again: made again (it
 * stayed vetoed while packets came) */
static void
test_reload_after_iif_release(void **state)
{
	struct fx *f = *state;
	const char *base = "mroute from eth0 group 232.1.1.1 to eth1 eth2\n";
	assert_int_equal(apply(f, base), 0);
	assert_int_equal(mcfwd_static_iface_release(f->s, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 1, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "neg iif=1");
	assert_int_equal(apply(f, base), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
}

/* an interface's memberships replaced by as many others at its cap: the
 * old ones go before the new ones come (it failed with -ENOSPC) */
static void
test_reload_at_member_cap(void **state)
{
	struct fx *f = *state;
	assert_int_equal(apply(f, "mroute from eth0 group 232.1.1.1 to eth1\n"
				  "mroute from eth0 group 232.1.1.2 to eth1\n"
				  "mroute from eth0 group 232.1.1.3 to eth1\n"),
			 0);
	assert_int_equal(apply(f, "mroute from eth0 group 232.1.1.4 to eth1\n"
				  "mroute from eth0 group 232.1.1.5 to eth1\n"
				  "mroute from eth0 group 232.1.1.6 to eth1\n"),
			 0);
	assert_int_equal(mgm_membership_count(f->m), 3);
	assert_int_equal(info(f).n_mroutes, 3);
}

/* IGMP's receivers on eth2 for G1, whose route does not list eth2 */
static mgm_handle_t
igmp_on_eth2(struct fx *f)
{
	mgm_handle_t igmp;
	assert_int_equal(mgm_protocol_register(f->m, MGM_PROTO_IGMP, 0, &(struct mgm_callbacks){ 0 },
					       NULL, &igmp),
			 0);
	assert_int_equal(mgm_interface_take(f->m, igmp, 2, 0), 0);
	assert_int_equal(mgm_membership_add(f->m, igmp, 0, 0, G1, 0xffffffffu, 2, 0, MGM_JOIN_STATE), 0);
	return igmp;
}

/* a removed route's MFE is made again with the interface its first packet
 * came on (MGM_F_RPF_RX_FALLBACK asks that one's owner), not the old
 * route's incoming interface */
static void
test_reload_redo_keeps_arrival(void **state)
{
	struct fx *f = *state;
	(void)igmp_on_eth2(f);
	assert_int_equal(apply(f, "phyint eth0 enable\nphyint eth5 enable\n"
				  "mroute from eth5 group 232.1.1.1 to eth1\n"),
			 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0); /* came on eth0 */
	assert_string_equal(entry(f, S1, G1), "iif=5 oifs=1/1,2/1"); /* eth2 is IGMP's */
	assert_int_equal(apply(f, "phyint eth0 enable\nphyint eth5 enable\n"), 0);
	/* a fresh install and the next packet on eth0 give the same */
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=2/1");
}

/* static vetoed IGMP's eth2 on G1's MFE while it owned eth2 (for G2's
 * route); a reload that drops G2 releases eth2: the veto goes with the
 * owner, and IGMP's receivers get G1 once it re-adds them (they stayed
 * vetoed) */
static void
test_reload_release_drops_veto(void **state)
{
	struct fx *f = *state;
	mgm_handle_t igmp = igmp_on_eth2(f);
	assert_int_equal(apply(f, "mroute from eth0 group 232.1.1.1 to eth1\n"
				  "mroute from eth0 group 232.1.1.2 to eth2\n"),
			 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1");
	assert_int_equal(apply(f, "mroute from eth0 group 232.1.1.1 to eth1\n"), 0);
	owner_is(f, 2, MGM_PROTO_IGMP);
	/* IGMP re-adds its members after ENABLE_IGMP (its callbacks are empty
	 * here) */
	assert_int_equal(mgm_membership_add(f->m, igmp, 0, 0, G1, 0xffffffffu, 2, 0, MGM_JOIN_STATE), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
}

/* the reverse: a reload takes eth2 (G2's new route) where G1's MFE
 * forwards to IGMP's receivers: G1's route does not list eth2, so static
 * vetoes it there now (a fresh install would) */
static void
test_reload_take_vetoes(void **state)
{
	struct fx *f = *state;
	mgm_handle_t igmp = igmp_on_eth2(f);
	assert_int_equal(apply(f, "mroute from eth0 group 232.1.1.1 to eth1\n"), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S2, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
	assert_int_equal(apply(f, "mroute from eth0 group 232.1.1.1 to eth1\n"
				  "mroute from eth0 group 232.1.1.2 to eth2\n"),
			 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1");
	assert_string_equal(entry(f, S2, G1), "iif=0 oifs=1/1");
	/* and at run time: a route that takes eth2 back */
	assert_int_equal(apply(f, "mroute from eth0 group 232.1.1.1 to eth1\n"), 0);
	assert_int_equal(mgm_membership_add(f->m, igmp, 0, 0, G1, 0xffffffffu, 2, 0,
					    MGM_JOIN_STATE), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
	char e[128];
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, S3, G2, (uint32_t[]){ 2 }, 1, e, sizeof(e)), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1");
}

/* a reload that changes 50 routes waits for one grace period, not 50 */
static void
test_reload_one_grace_period(void **state)
{
	struct fx *f = *state;
	char a[8192], b[8192];
	int la = 0, lb = 0;
	for (int i = 1; i <= 50; i++) {
		la += snprintf(a + la, sizeof(a) - (size_t)la,
			       "mroute from eth0 source 10.0.0.%d group 232.1.1.1 to eth1\n", i);
		lb += snprintf(b + lb, sizeof(b) - (size_t)lb,
			       "mroute from eth0 source 10.0.0.%d group 232.1.1.1 to eth2\n", i);
	}
	assert_int_equal(apply(f, a), 0);
	for (int i = 1; i <= 50; i++)
		assert_int_equal(mgm_mfe_create(f->m, IP(10, 0, 0, i), G1, 0, NULL, 0), 0);
	uint64_t g0 = mfc_gp_count(f->c);
	assert_int_equal(apply(f, b), 0);
	assert_true(mfc_gp_count(f->c) - g0 <= 1);
	assert_string_equal(entry(f, IP(10, 0, 0, 50), G1), "iif=0 oifs=2/1");
}

static int
setup_member_cap(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct mfc_params cp = { .max_entries = 4096, .n_lcores = 1 };
	f->c = mfc_create(&cp);
	struct mgm_params mp = { .cache = f->c, .now = test_now, .name = "mgm-cap",
				 .flags = MGM_F_RPF_RX_FALLBACK, .max_members_per_if = 3 };
	f->m = f->c ? mgm_create(&mp) : NULL;
	f->s = f->m ? mcfwd_static_create(f->m, resolve, NULL) : NULL;
	*state = f;
	return f->s ? 0 : -1;
}

static void
test_shutdown_purges(void **state)
{
	struct fx *f = *state;
	assert_int_equal(apply(f, "phyint eth4 enable\n"
				  "mroute from eth0 group 232.1.1.1 to eth1 eth2\n"
				  "mroute from eth1 source 10.0.0.1 group 232.1.1.2 to eth2\n"),
			 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G2, 1, NULL, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S2, G3, 4, NULL, 0), 0); /* no route: negative */
	assert_int_equal(mgm_mfe_create(f->m, S3, G1, 5, NULL, 0), 0); /* eth5: nobody's */
	assert_int_equal(mgm_mfe_count(f->m), 4);
	assert_int_equal(mfc_count(f->c), 4);
	assert_int_equal(mcfwd_static_shutdown(f->s), 0);
	assert_false(mcfwd_static_running(f->s));
	/* every MFE whose iif static owned is gone with the release of that
	 * interface; the one arriving on eth5 (nobody's) stays until it ages */
	assert_int_equal(mgm_mfe_count(f->m), 1);
	assert_int_equal(mfc_count(f->c), 1);
	assert_string_equal(entry(f, S3, G1), "neg iif=5");
	assert_int_equal(mgm_membership_count(f->m), 0);
	for (uint32_t x = 0; x < 8; x++)
		owner_is(f, x, -1);
	struct mcfwd_static_info i = info(f);
	assert_false(i.running);
	assert_int_equal(i.n_mroutes, 0);
	assert_int_equal(i.n_ifaces, 0);
	struct mcfwd_static_mroute r;
	assert_int_equal(mcfwd_static_mroute_get(f->s, 0, &r), -ENOENT);
	/* twice: fine; the registration is gone so static may register again */
	assert_int_equal(mcfwd_static_shutdown(f->s), 0);
	assert_int_equal(apply(f, "mroute from eth0 group 232.1.1.1 to eth1\n"), 0);
	assert_int_equal(mgm_membership_count(f->m), 1);
}

static void
test_runtime_add_del(void **state)
{
	struct fx *f = *state;
	uint32_t o12[] = { 2, 1 }, o3[] = { 3 }, o1[] = { 1 };
	char *e = f->err;
	size_t el = sizeof(f->err);

	/* not running: add is refused and does not start it (it once started
	 * static empty, dropping a shut-down configuration's routes) */
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, S1, G1, o12, 2, e, el), -ENOENT);
	assert_string_equal(e, "protocol static is not running");
	assert_false(mcfwd_static_running(f->s));
	assert_int_equal(mgm_membership_count(f->m), 0);
	owner_is(f, 0, -1);
	owner_is(f, 1, -1);
	/* an empty configuration starts it; then the add edits it */
	assert_int_equal(apply(f, "# nothing\n"), 0);
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, S1, G1, o12, 2, e, el), 0);
	assert_true(mcfwd_static_running(f->s));
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
	/* more OIFs for the same route: the existing MFE follows */
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, S1, G1, o3, 1, e, el), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1,3/1");
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, S1, G1, o12, 2, e, el), 0); /* no-op */
	struct mcfwd_static_mroute r;
	assert_int_equal(mcfwd_static_mroute_get(f->s, 0, &r), 0);
	assert_int_equal(r.n_oifs, 3);
	assert_null(r.loc.file);
	assert_int_equal(mgm_membership_count(f->m), 3);

	/* refusals, each changing nothing */
	mgm_handle_t other;
	assert_int_equal(mgm_protocol_register(f->m, 0x63, 0, &(struct mgm_callbacks){ 0 }, NULL, &other), 0);
	assert_int_equal(mgm_interface_take(f->m, other, 6, 0), 0);
	char before[2048], after[2048];
	snapshot(f, before, sizeof(before));
	assert_int_equal(mcfwd_static_mroute_add(f->s, 4, S1, G1, o1, 1, e, el), -EEXIST);
	assert_string_equal(e, "mroute (10.0.0.1, 232.1.1.1) exists from interface 0");
	/* named by the application when it can (found by audit: the CLI said
	 * "exists from interface 0") */
	mcfwd_static_set_ifname(f->s, ifname);
	assert_int_equal(mcfwd_static_mroute_add(f->s, 4, S1, G1, o1, 1, e, el), -EEXIST);
	assert_string_equal(e, "mroute (10.0.0.1, 232.1.1.1) exists from interface 'eth0'");
	mcfwd_static_set_ifname(f->s, NULL);
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, S1, IP(224, 0, 0, 9), o1, 1, e, el), -EINVAL);
	assert_string_equal(e, "group 224.0.0.9 is not a routable multicast group");
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, S1, S2, o1, 1, e, el), -EINVAL);
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, G2, G1, o1, 1, e, el), -EINVAL);
	assert_string_equal(e, "source 232.1.1.2 is not a unicast address");
	assert_int_equal(mcfwd_static_mroute_add(f->s, 1, S2, G1, o12, 2, e, el), -EINVAL);
	assert_string_equal(e, "bad outgoing interface 1");
	assert_int_equal(mcfwd_static_mroute_add(f->s, 5, S2, G1, (uint32_t[]){ 1, 1 }, 2, e, el), -EINVAL);
	assert_string_equal(e, "duplicate outgoing interface 1");
	assert_int_equal(mcfwd_static_mroute_add(f->s, 5, S2, G1, o1, 0, e, el), -EINVAL);
	assert_int_equal(mcfwd_static_mroute_add(f->s, 5, S2, G1, NULL, 1, e, el), -EINVAL);
	assert_int_equal(mcfwd_static_mroute_add(f->s, 70000, S2, G1, o1, 1, e, el), -EINVAL);
	/* MGM refuses midway: the interfaces taken by this call are given back */
	assert_int_equal(mcfwd_static_mroute_add(f->s, 5, S2, G2, (uint32_t[]){ 7, 6 }, 2, e, el), -EEXIST);
	assert_string_equal(e, "cannot take interface 6: File exists");
	owner_is(f, 5, -1);
	owner_is(f, 7, -1);
	assert_int_equal(mcfwd_static_mroute_add(f->s, 5, S2, G2, (uint32_t[]){ 7, 2000 }, 2, e, el),
			 -EINVAL);
	owner_is(f, 5, -1);
	owner_is(f, 7, -1);
	snapshot(f, after, sizeof(after));
	assert_string_equal(before, after);

	/* a (*,G) template at run time, and the (S,G) it does not widen */
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, 0, G1, (uint32_t[]){ 4, 1 }, 2, e, el), 0);
	/* the (S1,G1) MFE is made again: the template's OIF 4 is vetoed on it,
	 * as a fresh apply would have it (it was not: MGM fixes vetoes at
	 * creation, and the MFE existed before the template) */
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1,3/1");
	assert_int_equal(mgm_mfe_create(f->m, S2, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S2, G1), "iif=0 oifs=1/1,4/1");
	assert_int_equal(mgm_mfe_create(f->m, S3, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S3, G1), "iif=0 oifs=1/1,4/1");
	assert_int_equal(info(f).n_templates, 1);

	/* delete the (S,G) route: its MFE is made again by the template */
	assert_int_equal(mcfwd_static_mroute_del(f->s, S1, G1), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,4/1");
	owner_is(f, 2, -1); /* no route uses eth2, eth3 any more: released */
	owner_is(f, 3, -1);
	owner_is(f, 0, MCFWD_STATIC_PROTO_ID);
	assert_int_equal(mcfwd_static_mroute_del(f->s, S1, G1), -ENOENT);
	/* delete the template: eth0 goes, and with it every MFE it was iif of */
	assert_int_equal(mcfwd_static_mroute_del(f->s, 0, G1), 0);
	assert_int_equal(mgm_mfe_count(f->m), 0);
	assert_int_equal(mfc_count(f->c), 0);
	assert_int_equal(mgm_membership_count(f->m), 0);
	assert_int_equal(info(f).n_ifaces, 0);
	assert_int_equal(info(f).n_mroutes, 0);
	assert_true(mcfwd_static_running(f->s));
	owner_is(f, 6, 0x63);

	/* a phyint-enabled interface stays owned when its last route goes */
	assert_int_equal(apply(f, "phyint eth1 enable\nphyint eth8 disable\n"), 0);
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, S1, G1, o1, 1, e, el), 0);
	assert_int_equal(mcfwd_static_mroute_add(f->s, 8, S2, G1, o1, 1, e, el), -EINVAL);
	assert_string_equal(e, "interface 8 is disabled (t.conf:2)");
	assert_int_equal(mcfwd_static_mroute_del(f->s, S1, G1), 0);
	owner_is(f, 1, MCFWD_STATIC_PROTO_ID);
	owner_is(f, 0, -1);
	/* shut down: an add is refused; the configuration's phyint interface,
	 * the route's and its threshold are not brought back by a partial start */
	assert_int_equal(apply(f, "phyint eth1 enable ttl-threshold 9\n"
				  "mroute from eth0 group 232.1.1.1 to eth1 eth2\n"), 0);
	assert_int_equal(mcfwd_static_shutdown(f->s), 0);
	assert_int_equal(mcfwd_static_mroute_add(f->s, 3, S2, G2, (uint32_t[]){ 1 }, 1, e, el), -ENOENT);
	assert_string_equal(e, "protocol static is not running");
	assert_false(mcfwd_static_running(f->s));
	assert_int_equal(mgm_membership_count(f->m), 0);
	for (uint32_t x = 0; x < 6; x++) /* eth6 is another protocol's */
		owner_is(f, x, -1);
	assert_int_equal(mgm_interface_ttl_get(f->m, 1), 1);
	assert_int_equal(mcfwd_static_mroute_del(f->s, 0, G1), -ENOENT);
}

static void
test_iface_release_take(void **state)
{
	struct fx *f = *state;
	assert_int_equal(apply(f, "mroute from eth0 group 232.1.1.1 to eth1 eth2\n"
				  "mroute from eth3 source 10.0.0.1 group 232.1.1.2 to eth2\n"),
			 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G2, 3, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
	assert_int_equal(mcfwd_static_iface_release(f->s, 2), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1");
	assert_string_equal(entry(f, S1, G2), "neg iif=3");
	owner_is(f, 2, -1);
	assert_int_equal(mcfwd_static_iface_release(f->s, 2), -ENOENT);
	assert_int_equal(mcfwd_static_iface_release(f->s, 9), -ENOENT);
	assert_int_equal(info(f).n_ifaces, 3);
	/* a run-time add naming it is refused until it is taken back */
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, S2, G2, (uint32_t[]){ 2 }, 1, f->err,
						 sizeof(f->err)),
			 -EINVAL);
	assert_string_equal(f->err, "interface 2 was released: take it back first");
	assert_int_equal(mcfwd_static_iface_take(f->s, 2), 0);
	assert_int_equal(mcfwd_static_iface_take(f->s, 2), -EALREADY);
	assert_int_equal(mcfwd_static_iface_take(f->s, 9), -ENOENT);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
	assert_string_equal(entry(f, S1, G2), "iif=3 oifs=2/1");
	assert_int_equal(mgm_membership_count(f->m), 3);
	/* the iif: its MFEs go */
	assert_int_equal(mcfwd_static_iface_release(f->s, 0), 0);
	assert_string_equal(entry(f, S1, G1), "none");
	/* its routes forward nothing now, whichever interface asks */
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 1, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "neg iif=1");
	assert_int_equal(mgm_mfe_create(f->m, S2, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S2, G1), "neg iif=0");
	/* taken back: what was made meanwhile is made again from the route's
	 * answers, or by the next packet (found by review: (S1,G1) stayed
	 * negative from eth1, and (S2,G1) negative from eth0, until they aged
	 * out) */
	assert_int_equal(mcfwd_static_iface_take(f->s, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
	assert_string_equal(entry(f, S2, G1), "none"); /* made by its next packet */
	assert_int_equal(mgm_mfe_create(f->m, S2, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S2, G1), "iif=0 oifs=1/1,2/1");
	assert_int_equal(mcfwd_static_iface_release(f->s, 0), 0);
	assert_string_equal(entry(f, S1, G1), "none");
	struct mcfwd_static_iface fi;
	int owned = 0, k = 0;
	for (; mcfwd_static_iface_get(f->s, (uint32_t)k, &fi) == 0; k++)
		owned += fi.owned;
	assert_int_equal(k, 4);
	assert_int_equal(owned, 3);
	/* deleting a route of a released interface is fine */
	assert_int_equal(mcfwd_static_mroute_del(f->s, 0, G1), 0);
	assert_int_equal(mcfwd_static_iface_take(f->s, 0), -ENOENT);
}

/* An interface gone for good (port detach; a new interface may get its
 * id): routes from it go, routes to it lose it (the one whose only OIF it
 * was goes), its TTL threshold goes back, and a run-time add naming the id
 * is the new interface's (found by a black-box test: "was released: take
 * it back first" for good). */
static void
test_iface_forget(void **state)
{
	struct fx *f = *state;
	assert_int_equal(apply(f, "phyint eth2 enable ttl-threshold 9\n"
				  "mroute from eth0 group 232.1.1.1 to eth1 eth2\n"
				  "mroute from eth3 source 10.0.0.1 group 232.1.1.2 to eth2\n"
				  "mroute from eth2 group 232.1.1.3 to eth1\n"),
			 0);
	assert_int_equal(mgm_interface_ttl_get(f->m, 2), 9);
	assert_int_equal(mgm_membership_count(f->m), 4);
	assert_int_equal(mcfwd_static_iface_forget(f->s, 2), 0);
	assert_int_equal(mcfwd_static_iface_forget(f->s, 2), -ENOENT);
	assert_int_equal(mcfwd_static_iface_forget(NULL, 2), -EINVAL);
	owner_is(f, 2, -1);
	assert_int_equal(mgm_interface_ttl_get(f->m, 2), 1);
	assert_int_equal(info(f).n_mroutes, 1); /* (*, 232.1.1.1) to eth1 */
	assert_int_equal(mgm_membership_count(f->m), 1);
	owner_is(f, 3, -1); /* its route went: eth3 is no one's */
	struct mcfwd_static_mroute r;
	assert_int_equal(mcfwd_static_mroute_get(f->s, 0, &r), 0);
	assert_int_equal(r.grp, G1);
	assert_int_equal(r.n_oifs, 1);
	/* the id, a new interface now: routes may name it at once */
	assert_int_equal(mcfwd_static_mroute_add(f->s, 0, 0, G1, (uint32_t[]){ 1, 2 }, 2, f->err,
						 sizeof(f->err)),
			 0);
	assert_int_equal(mgm_mfe_create(f->m, S1, G1, 0, NULL, 0), 0);
	assert_string_equal(entry(f, S1, G1), "iif=0 oifs=1/1,2/1");
}

static void
test_misuse(void **state)
{
	struct fx *f = *state;
	char e[64];
	struct mcfwd_static_info i;
	struct mcfwd_static_mroute r;
	struct mcfwd_static_iface fi;
	errno = 0;
	assert_null(mcfwd_static_create(NULL, resolve, NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(mcfwd_static_create(f->m, NULL, NULL));
	mcfwd_static_destroy(NULL);
	assert_int_equal(mcfwd_static_check(NULL, &f->cfg, e, sizeof(e)), -EINVAL);
	assert_int_equal(mcfwd_static_check(f->s, NULL, e, sizeof(e)), -EINVAL);
	assert_int_equal(mcfwd_static_apply(NULL, &f->cfg, e, sizeof(e)), -EINVAL);
	assert_int_equal(mcfwd_static_apply(f->s, NULL, NULL, 0), -EINVAL);
	assert_int_equal(mcfwd_static_shutdown(NULL), -EINVAL);
	assert_int_equal(mcfwd_static_shutdown(f->s), 0); /* not running */
	assert_false(mcfwd_static_running(NULL));
	assert_int_equal(mcfwd_static_mroute_add(NULL, 0, 0, G1, (uint32_t[]){ 1 }, 1, NULL, 0), -EINVAL);
	assert_int_equal(mcfwd_static_mroute_del(NULL, 0, G1), -EINVAL);
	assert_int_equal(mcfwd_static_mroute_del(f->s, 0, G1), -ENOENT);
	assert_int_equal(mcfwd_static_info_get(NULL, &i), -EINVAL);
	assert_int_equal(mcfwd_static_info_get(f->s, NULL), -EINVAL);
	assert_int_equal(mcfwd_static_mroute_get(NULL, 0, &r), -EINVAL);
	assert_int_equal(mcfwd_static_mroute_get(f->s, 0, NULL), -EINVAL);
	assert_int_equal(mcfwd_static_mroute_get(f->s, 0, &r), -ENOENT);
	assert_int_equal(mcfwd_static_iface_get(NULL, 0, &fi), -EINVAL);
	assert_int_equal(mcfwd_static_iface_get(f->s, 0, &fi), -ENOENT);
	assert_int_equal(mcfwd_static_iface_release(NULL, 0), -EINVAL);
	assert_int_equal(mcfwd_static_iface_release(f->s, 0), -ENOENT);
	assert_int_equal(mcfwd_static_iface_take(NULL, 0), -EINVAL);
	/* a hand-made broken config is refused, not trusted */
	struct mcfwd_config c = { .n_mroutes = 3 };
	assert_int_equal(mcfwd_static_check(f->s, &c, e, sizeof(e)), -EINVAL);
	struct mcfwd_cfg_mroute m = { .iif = "eth0", .grp = G1, .glen = 32, .n_oifs = 2 };
	c = (struct mcfwd_config){ .mroutes = &m, .n_mroutes = 1 };
	assert_int_equal(mcfwd_static_check(f->s, &c, e, sizeof(e)), -EINVAL);
	assert_string_equal(e, "?:0: malformed mroute");
	/* someone else registered as static already */
	mgm_handle_t h;
	assert_int_equal(mgm_protocol_register(f->m, MCFWD_STATIC_PROTO_ID, 0, &(struct mgm_callbacks){ 0 },
					       NULL, &h),
			 0);
	assert_int_equal(apply(f, "phyint eth1 enable\n"), -EEXIST);
	assert_string_equal(f->err, "cannot register with MGM: File exists");
	assert_false(mcfwd_static_running(f->s));
}

int
main(void)
{
	if (test_eal_init("test-static", "512") < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ttl_threshold_and_rx_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_template_and_veto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_config_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_drops_one_oif, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_edit_redoes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_after_oif_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_after_iif_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_at_member_cap, setup_member_cap, teardown),
		cmocka_unit_test_setup_teardown(test_reload_redo_keeps_arrival, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_release_drops_veto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_take_vetoes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_one_grace_period, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_diff_fails, setup_member_cap, teardown),
		cmocka_unit_test_setup_teardown(test_tentative_revert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_purges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runtime_add_del, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iface_release_take, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iface_forget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misuse, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
