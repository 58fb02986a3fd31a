/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RCU torture test of the forwarding cache, in the style of rcutorture and
 * DPDK's rcu_qsbr_autotest: QSBR reader threads loop on burst lookups and
 * check every entry they reach, while the writer churns inserts, replaces,
 * deletes, OIF edits, interface purges and re-takes, with a table kept
 * nearly full so that cuckoo moves happen all the time.
 *
 * Readers fail loudly if they ever see
 * - an entry whose key is not the one looked up, or a freed (poisoned) one;
 * - an OIF list version that was freed (poisoned magic; ASan catches the
 *   use-after-free itself in the sanitizer build) or out of bounds;
 * - a half-built entry (the per-key check value in each OIF's next hop);
 * - an entry whose incoming interface, or a live OIF slot for an interface,
 *   that was purged before the burst started and not re-taken since;
 * - a miss on one of the pinned keys, which the writer replaces (and the
 *   cuckoo moves) but never deletes: a lost key under concurrent moves.
 *
 * A third run purges as the application does: reclamation deferred
 * (mfc_set_reclaim_defer(), slices given back by mfc_reclaim_some()
 * between other changes) and purges of several interfaces in one batch
 * (mfc_batch_begin/end, one grace period at the end), with adds and
 * replaces inside the batch; an interface counts as purged for the readers
 * only once the batch has ended.
 *
 * MCFWD_TORTURE_SECONDS (default 10) bounds the run; MCFWD_TORTURE_READERS
 * the reader count (default: cores - 1, at least 1).
 */
#define _GNU_SOURCE
#define _LGPL_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <urcu/urcu-qsbr.h>

#include "mfc.h"

#define NIF 16       /* interfaces the writer purges and re-takes */
#define PIN_IF NIF   /* incoming interface of the pinned keys, never purged */
#define NIF_ALL (NIF + 1)
#define PINNED 512   /* keys always present: a miss on one is a false miss */
#define NKEYS 20000 /* more keys than capacity: the table runs full */
#define MAX_READERS 8

static struct mfc *cache;
static volatile int stop;
/* per interface: odd = purged and not taken again; written by the writer
 * after the purge returned, before any re-use; read by readers */
static uint32_t ifstate[NIF_ALL];
static uint64_t failures;
static char first_failure[256];
static uint64_t reads[MAX_READERS], hits[MAX_READERS];
static uint64_t scans, walks; /* purges by bucket scan / by reverse index */
static bool app_mode;         /* deferred reclaim and batches (the third run) */
static uint32_t purging;      /* writer only: interfaces of the open batch, not to be used */

static uint32_t
key_src(uint32_t k) { return 0x0a000000u | k; }
static uint32_t
key_grp(uint32_t k) { return 0xe0000100u | (k & 255); }
static uint32_t
checkval(uint64_t key, uint16_t iif)
{
	return (uint32_t)(key * 2654435761u) ^ iif ^ 0x5a5a0000u;
}
/* odd keys carry a per-entry check value; even keys share their lists */
static uint32_t
nh_for(uint64_t key, uint16_t iif)
{
	return (key & 1) ? checkval(key, iif) : 0;
}

static void
tfail(const char *fmt, ...)
{
	if (__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED) == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(first_failure, sizeof(first_failure), fmt, ap);
		va_end(ap);
	}
}

static uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void
check_entry(const struct mfc_table *t, const struct mfc_entry *e, uint64_t key,
	    const uint32_t *before, const uint32_t *after)
{
	if (e->key != key)
		tfail("entry key %#lx for lookup %#lx", (unsigned long)e->key, (unsigned long)key);
	if (e->flags & MFC_F_FREED)
		tfail("reader reached a freed entry");
	if (e->iif >= NIF_ALL)
		tfail("entry iif %u out of range", e->iif);
	if (e->iif < NIF && before[e->iif] == after[e->iif] && (before[e->iif] & 1))
		tfail("entry with purged iif %u reachable after the purge returned", e->iif);
	if (e->iif < NIF && (before[e->iif] & 1) && before[e->iif] == after[e->iif] &&
	    mfc_iif_ok(t, e, e->iif))
		tfail("purged iif %u still passes RPF", e->iif);
	const struct mfc_oifl_data *d = mfc_entry_oifs(e);
	if (d == NULL) {
		if (!(e->flags & MFC_F_NEGATIVE))
			tfail("positive entry without OIF list");
		return;
	}
	if (d->magic != MFC_OIFL_MAGIC)
		tfail("freed OIF list version reached (magic %#x)", d->magic);
	if (d->n > NIF)
		tfail("OIF list of %u slots", d->n);
	for (uint32_t i = 0; i < d->n && i < NIF; i++) {
		const struct mfc_oif *o = &d->oif[i];
		if (o->ifid >= NIF_ALL) {
			tfail("OIF ifid %u out of range", o->ifid);
			continue;
		}
		if (o->nexthop != nh_for(key, e->iif))
			tfail("half-built entry: OIF check value %#x != %#x", o->nexthop,
			     nh_for(key, e->iif));
		if (!(o->flags & MFC_OIF_REMOVED) && (before[o->ifid] & 1) &&
		    before[o->ifid] == after[o->ifid])
			tfail("live OIF on interface %u after its purge returned", o->ifid);
		if (mfc_oif_usable(t, o) && (before[o->ifid] & 1) && before[o->ifid] == after[o->ifid])
			tfail("usable OIF on purged interface %u", o->ifid);
	}
}

static void *
reader(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;
	const struct mfc_table *t = mfc_table(cache);
	struct mfc_lcore_ctrs *ctr = mfc_lcore_ctrs(cache, id);
	uint64_t seed = 0x9e3779b97f4a7c15ull * (id + 1);
	uint64_t keys[MFC_BULK_MAX];
	const struct mfc_entry *out[MFC_BULK_MAX];
	uint32_t before[NIF_ALL], after[NIF_ALL];

	urcu_qsbr_register_thread();
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		for (int i = 0; i < NIF_ALL; i++)
			before[i] = __atomic_load_n(&ifstate[i], __ATOMIC_ACQUIRE);
		unsigned int n = 1 + (unsigned int)(xorshift(&seed) % MFC_BULK_MAX);
		uint64_t pinned = 0;
		for (unsigned int i = 0; i < n; i++) {
			uint32_t k = (uint32_t)(xorshift(&seed) % NKEYS);
			if ((xorshift(&seed) & 7) == 0) {
				k = NKEYS + (uint32_t)(xorshift(&seed) % PINNED);
				pinned |= 1ull << i;
			}
			keys[i] = mfc_key(key_src(k), key_grp(k));
			/* runs of a key (the bulk lookup resolves them once) */
			if (i > 0 && (xorshift(&seed) & 3) == 0) {
				keys[i] = keys[i - 1];
				pinned = (pinned & ~(1ull << i)) | ((pinned >> (i - 1) & 1) << i);
			}
		}
		uint64_t hit;
		if (n == 1) {
			out[0] = mfc_lookup(t, keys[0]);
			hit = out[0] != NULL;
		} else
			hit = mfc_lookup_bulk(t, keys, n, out);
		for (unsigned int i = 0; i < n; i++)
			if (!!(hit & (1ull << i)) != (out[i] != NULL))
				tfail("hit mask disagrees with the result array");
		if (pinned & ~hit)
			tfail("false miss on a pinned key (%s lookup)", n == 1 ? "single" : "burst");
		/* now and then hold the burst's entries for 50-150 us, as a
		 * worker held up in a burst (a batch's purges take tens of us
		 * here): a reclaim before the grace period (of a batch, of a
		 * deferred slice) then shows; seldom in the first two runs,
		 * whose writer churns faster while no reader holds */
		if ((xorshift(&seed) & (app_mode ? 31 : 255)) == 0) {
			long hold = 50000 + (long)(xorshift(&seed) % 100000);
			struct timespec a, b;
			clock_gettime(CLOCK_MONOTONIC, &a);
			do
				clock_gettime(CLOCK_MONOTONIC, &b);
			while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < hold);
		}
		/* what a worker does with a hit: read it, count on it */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		for (int i = 0; i < NIF_ALL; i++)
			after[i] = __atomic_load_n(&ifstate[i], __ATOMIC_ACQUIRE);
		for (unsigned int i = 0; i < n; i++) {
			if (out[i] == NULL)
				continue;
			check_entry(t, out[i], keys[i], before, after);
			ctr->ent[out[i]->cidx].pkts++;
			const struct mfc_oifl_data *d = mfc_entry_oifs(out[i]);
			if (d != NULL && d->n > 0)
				ctr->oif[out[i]->ocidx].out_pkts++;
			hits[id]++;
		}
		reads[id] += n;
		urcu_qsbr_quiescent_state();
	}
	urcu_qsbr_unregister_thread();
	return NULL;
}

struct wstats {
	uint64_t add, rep, del, oadd, odel, purge, retake, sync, enospc, batches, reclaimed;
};

static uint16_t
pick_live_if(uint64_t *seed)
{
	for (int tries = 0; tries < 64; tries++) {
		uint16_t x = (uint16_t)(xorshift(seed) % NIF);
		if (!(ifstate[x] & 1) && !(purging >> x & 1))
			return x;
	}
	return MFC_IFID_NONE;
}

static int
make_spec(uint64_t *seed, uint64_t key, struct mfc_spec *sp, struct mfc_oif *o, int pin)
{
	uint16_t iif = pin ? PIN_IF : pick_live_if(seed);
	if (iif == MFC_IFID_NONE)
		return -1;
	uint32_t n = (uint32_t)(xorshift(seed) % 5), m = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint16_t x = pick_live_if(seed);
		int dup = x == MFC_IFID_NONE;
		for (uint32_t j = 0; j < m && !dup; j++)
			dup = o[j].ifid == x;
		if (dup)
			continue;
		o[m++] = (struct mfc_oif){ .ifid = x, .ttl = 1, .flags = MFC_OIF_ENABLED,
					   .nexthop = nh_for(key, iif) };
	}
	*sp = (struct mfc_spec){ .iif = iif, .n_oifs = (uint16_t)m, .oifs = o };
	return 0;
}

/* Before any reader starts: from then on a miss on these is a bug. */
static void
add_pinned(void)
{
	uint64_t seed = 0xfeedull;
	struct mfc_oif o[NIF];
	struct mfc_spec sp;
	for (uint32_t k = NKEYS; k < NKEYS + PINNED; k++) {
		uint64_t key = mfc_key(key_src(k), key_grp(k));
		make_spec(&seed, key, &sp, o, 1);
		assert_int_equal(mfc_add(cache, key_src(k), key_grp(k), &sp), 0);
	}
}

static void
add_or_replace(uint64_t *seed, struct wstats *w)
{
	struct mfc_oif o[NIF];
	struct mfc_spec sp;
	uint32_t k = (uint32_t)(xorshift(seed) % NKEYS);
	uint64_t key = mfc_key(key_src(k), key_grp(k));
	if (make_spec(seed, key, &sp, o, 0) < 0)
		return;
	int rc = (xorshift(seed) & 1) ? mfc_add(cache, key_src(k), key_grp(k), &sp)
				       : mfc_replace(cache, key_src(k), key_grp(k), &sp);
	if (rc == 0)
		w->add++;
	else if (rc != -EEXIST && rc != -ENOENT && rc != -ENOSPC)
		tfail("add/replace in a batch: %d", rc);
}

/* A protocol shutdown's shape: 1-3 live interfaces purged in one batch,
 * alone or together, changes in between (not using them: an entry made
 * after a purge may use the interface again); purged for the readers once
 * the batch has ended (its grace period). */
static void
batch_purge(uint64_t *seed, struct wstats *w)
{
	uint16_t x[3];
	uint32_t n = 0, want = 1 + (uint32_t)(xorshift(seed) % 3);
	for (uint32_t i = 0; i < want; i++) {
		uint16_t y = pick_live_if(seed);
		bool dup = y == MFC_IFID_NONE;
		for (uint32_t j = 0; j < n && !dup; j++)
			dup = x[j] == y;
		if (!dup)
			x[n++] = y;
	}
	if (n == 0)
		return;
	for (uint32_t i = 0; i < n; i++)
		purging |= 1u << x[i];
	/* what earlier purges left is past its grace period: given back now,
	 * so that the check below sees the batch's own entries only (a batch
	 * that removed none would otherwise fail it: found by review) */
	while (mfc_reclaim_some(cache, 1u << 20) > 0)
		;
	mfc_batch_begin(cache);
	bool together = xorshift(seed) & 1;
	if (together && mfc_ifaces_purge(cache, x, n, NULL) != 0)
		tfail("mfc_ifaces_purge in a batch");
	for (uint32_t i = 0; !together && i < n; i++)
		if (mfc_iface_purge(cache, x[i], NULL) != 0)
			tfail("mfc_iface_purge in a batch");
	/* what the purges removed is not given back before the batch's
	 * grace period: readers may hold it */
	if (mfc_reclaim_pending(cache) > 0 && mfc_reclaim_some(cache, 1u << 20) != 0)
		tfail("a slice gave back a batch's entries before its grace period");
	mfc_sync(cache); /* nothing inside a batch */
	/* half the batches make entries too (a full pool: an add may reclaim,
	 * after a grace period of its own); the others owe theirs to the end */
	for (int i = 0; (xorshift(seed) & 1) && i < 4; i++)
		add_or_replace(seed, w);
	if (mfc_batch_end(cache) != 1)
		tfail("a batch with purges ended without its grace period");
	for (uint32_t i = 0; i < n; i++) {
		if (mfc_iface_iif_refs(cache, x[i]) != 0)
			tfail("iif references left after a batch purge");
		__atomic_store_n(&ifstate[x[i]], ifstate[x[i]] + 1, __ATOMIC_RELEASE);
	}
	purging = 0;
	w->purge += n;
	w->batches++;
}

static void
writer(double seconds, struct wstats *w)
{
	uint64_t seed = 0x1234567887654321ull;
	struct timespec t0, now;
	struct mfc_oif o[NIF];
	struct mfc_spec sp;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t it = 0;; it++) {
		if ((it & 15) == 0) {
			/* replace a pinned key: it must never be missing meanwhile */
			uint32_t k = NKEYS + (uint32_t)(xorshift(&seed) % PINNED);
			uint64_t key = mfc_key(key_src(k), key_grp(k));
			make_spec(&seed, key, &sp, o, 1);
			if (mfc_replace(cache, key_src(k), key_grp(k), &sp) != 0)
				tfail("cannot replace pinned key %u", k);
		}
		if ((it & 1023) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if ((double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) * 1e-9 > seconds)
				break;
		}
		uint32_t k = (uint32_t)(xorshift(&seed) % NKEYS);
		uint32_t s = key_src(k), g = key_grp(k);
		uint64_t key = mfc_key(s, g);
		uint32_t op = (uint32_t)(xorshift(&seed) % 1000);
		int rc;

		if (op < 400) {
			if (make_spec(&seed, key, &sp, o, 0) < 0)
				continue;
			rc = mfc_add(cache, s, g, &sp);
			if (rc == 0)
				w->add++;
			else if (rc == -ENOSPC)
				w->enospc++;
			else if (rc != -EEXIST)
				tfail("mfc_add: %d", rc);
		} else if (op < 650) {
			if (make_spec(&seed, key, &sp, o, 0) < 0)
				continue;
			rc = mfc_replace(cache, s, g, &sp);
			if (rc == 0)
				w->rep++;
			else if (rc != -ENOENT && rc != -ENOSPC)
				tfail("mfc_replace: %d", rc);
		} else if (op < 850) {
			rc = mfc_del(cache, s, g);
			if (rc == 0)
				w->del++;
			else if (rc != -ENOENT)
				tfail("mfc_del: %d", rc);
		} else if (op < 940) {
			const struct mfc_entry *e = mfc_find(cache, s, g);
			uint16_t x = pick_live_if(&seed);
			if (e == NULL || x == MFC_IFID_NONE || (ifstate[e->iif] & 1))
				continue;
			struct mfc_oif one = { .ifid = x, .ttl = 2, .flags = MFC_OIF_ENABLED,
					       .nexthop = nh_for(key, e->iif) };
			if (xorshift(&seed) & 1) {
				rc = mfc_oif_add(cache, s, g, &one);
				if (rc == 0)
					w->oadd++;
				else if (rc != -ENOSPC)
					tfail("mfc_oif_add: %d", rc);
			} else {
				rc = mfc_oif_del(cache, s, g, x, one.nexthop);
				if (rc == 0)
					w->odel++;
				else if (rc != -ENOENT)
					tfail("mfc_oif_del: %d", rc);
			}
		} else if (op < 942 || (op < 950 && (xorshift(&seed) & 63) == 0)) {
			/* re-takes ~0.2% of ops, purges ~0.012%: the table stays full */
			uint16_t x = (uint16_t)(xorshift(&seed) % NIF);
			if (!(ifstate[x] & 1) && op < 942)
				continue;
			if (!(ifstate[x] & 1) && app_mode && (xorshift(&seed) & 1)) {
				batch_purge(&seed, w);
			} else if (ifstate[x] & 1) {
				/* re-take: mark live before any entry may use it */
				__atomic_store_n(&ifstate[x], ifstate[x] + 1, __ATOMIC_RELEASE);
				w->retake++;
			} else {
				struct mfc_purge_stats ps;
				rc = mfc_iface_purge(cache, x, &ps);
				if (rc != 0)
					tfail("mfc_iface_purge: %d", rc);
				if (ps.scanned)
					scans++;
				else
					walks++;
				if (mfc_iface_iif_refs(cache, x) != 0)
					tfail("iif references left after purge");
				__atomic_store_n(&ifstate[x], ifstate[x] + 1, __ATOMIC_RELEASE);
				w->purge++;
			}
		} else if (op < 960) {
			mfc_sync(cache);
			w->sync++;
		} else if (op < 990 && app_mode) {
			/* the control loop's slice (mgm_poll()) */
			w->reclaimed += mfc_reclaim_some(cache, 64);
		}
	}
}

static void
torture(uint32_t cap, double share, bool app_like)
{
	const char *e = getenv("MCFWD_TORTURE_SECONDS");
	double seconds = (e ? atof(e) : 10.0) * share;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int nr = (unsigned int)(ncpu > 1 ? ncpu - 1 : 1);
	e = getenv("MCFWD_TORTURE_READERS");
	if (e != NULL)
		nr = (unsigned int)atoi(e);
	if (nr < 1)
		nr = 1;
	if (nr > MAX_READERS)
		nr = MAX_READERS;

	struct mfc_params p = { .max_entries = cap, .max_ifaces = NIF_ALL, .n_lcores = nr };
	memset(reads, 0, sizeof(reads));
	memset(hits, 0, sizeof(hits));
	memset(ifstate, 0, sizeof(ifstate));
	stop = 0;
	scans = walks = 0;
	cache = mfc_create(&p);
	assert_non_null(cache);
	app_mode = app_like;
	if (app_mode)
		mfc_set_reclaim_defer(cache, 8);

	add_pinned();
	pthread_t th[MAX_READERS];
	for (unsigned int i = 0; i < nr; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, (void *)(uintptr_t)i), 0);
	struct wstats w = {0};
	writer(seconds, &w);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < nr; i++)
		pthread_join(th[i], NULL);

	uint64_t r = 0, h = 0;
	for (unsigned int i = 0; i < nr; i++) {
		r += reads[i];
		h += hits[i];
	}
	print_message("cap %u (%lu scan purges, %lu index purges), %.1f s, %u readers: %lu lookups (%lu hits); writer: %lu add, %lu "
		      "replace, %lu del, %lu oif add, %lu oif del, %lu purges, %lu re-takes, "
		      "%lu syncs, %lu ENOSPC, %lu batches, %lu reclaimed in slices; entries %u, lists %u\n",
		      cap, (unsigned long)scans, (unsigned long)walks, seconds, nr, (unsigned long)r, (unsigned long)h, (unsigned long)w.add,
		      (unsigned long)w.rep, (unsigned long)w.del, (unsigned long)w.oadd,
		      (unsigned long)w.odel, (unsigned long)w.purge, (unsigned long)w.retake,
		      (unsigned long)w.sync, (unsigned long)w.enospc, (unsigned long)w.batches,
		      (unsigned long)w.reclaimed, mfc_count(cache),
		      mfc_oifl_count(cache));
	if (failures)
		print_error("%lu failures; first: %s\n", (unsigned long)failures, first_failure);
	assert_int_equal(failures, 0);
	/* the run must have exercised what it claims to */
	assert_true(r > 10000);
	assert_true(h > 1000);
	assert_true(w.purge > 10);
	assert_true(w.rep > 1000 && w.del > 1000);
	if (app_mode)
		assert_true(w.batches > 10 && w.reclaimed > 1000);
	/* everything retired comes back: drain the table, all lists go */
	for (int x = 0; x < NIF_ALL; x++)
		assert_int_equal(mfc_iface_purge(cache, (uint16_t)x, NULL), 0);
	assert_int_equal(mfc_count(cache), 0);
	while (mfc_reclaim_some(cache, 4096) > 0)
		;
	assert_int_equal(mfc_reclaim_pending(cache), 0);
	mfc_sync(cache);
	assert_int_equal(mfc_oifl_count(cache), 0);
	mfc_destroy(cache);
}

/* A full table: cuckoo moves all the time; purges find their entries by
 * scanning the buckets. */
static void
test_torture_full(void **st)
{
	(void)st;
	torture(8192, 0.6, false);
	assert_true(scans > 0);
}

/* A sparse table: purges walk the reverse index. */
static void
test_torture_sparse(void **st)
{
	(void)st;
	torture(1u << 17, 0.4, false);
	assert_true(walks > 0);
}

/* As the application purges: deferred reclaim, batches (a full table:
 * allocations reclaim what is pending, inside batches too). */
static void
test_torture_batch_defer(void **st)
{
	(void)st;
	torture(8192, 0.4, true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_torture_full),
		cmocka_unit_test(test_torture_sparse),
		cmocka_unit_test(test_torture_batch_defer),
	};
	return cmocka_run_group_tests_name("mfc_torture", tests, NULL, NULL);
}
