/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Concurrency test of MGM over the forwarding cache: QSBR reader threads
 * forward (burst lookups, OIF and RPF checks as a worker does) while the
 * control thread releases and re-takes outgoing interfaces and shuts the
 * upstream protocol down and brings it back, and makes MFEs again
 * (mgm_mfe_redo). After a release (or the
 * shutdown) returns, no reader may ever resolve a usable OIF on a released
 * interface, nor pass RPF on a released incoming interface, until it is
 * taken again.
 */
#define _GNU_SOURCE
#define _LGPL_SOURCE
#include <errno.h>
#include <pthread.h>
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
#include <urcu/urcu-qsbr.h>

#include <rte_eal.h>

#include "mgm.h"
#include "test_eal.h"

#define NIF 16        /* 0: upstream (P), 1..15: downstream (Q) */
#define NSRC 64
#define NGRP 16
#define G(g) (0xe8000100u + (g))
#define S(s) (0x0a000000u + (s) + 1)

static struct mfc *cache;
static struct mgm *mgm;
static volatile int stop;
/* odd: released (and not taken again); written by control after the call
 * returned, read by readers before and after each burst */
static uint32_t ifstate[NIF];
static uint64_t failures, bursts, resolved;
static char first[200];

static void
tfail(const char *what, unsigned int x)
{
	if (__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED) == 0)
		snprintf(first, sizeof(first), "%s %u", what, x);
}

static void *
reader(void *arg)
{
	(void)arg;
	const struct mfc_table *t = mfc_table(cache);
	uint64_t keys[32], seed = 7;
	const struct mfc_entry *out[32];
	uint32_t before[NIF], after[NIF];

	urcu_qsbr_register_thread();
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		for (int i = 0; i < NIF; i++)
			before[i] = __atomic_load_n(&ifstate[i], __ATOMIC_ACQUIRE);
		for (int i = 0; i < 32; i++) {
			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			keys[i] = mfc_key(S(seed % NSRC), G((seed >> 20) % NGRP));
		}
		uint64_t hit = mfc_lookup_bulk(t, keys, 32, out);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		for (int i = 0; i < NIF; i++)
			after[i] = __atomic_load_n(&ifstate[i], __ATOMIC_ACQUIRE);
		for (int i = 0; i < 32; i++) {
			if (!(hit & (1ull << i)))
				continue;
			const struct mfc_entry *e = out[i];
			if (e->iif < NIF && (before[e->iif] & 1) && before[e->iif] == after[e->iif] &&
			    mfc_iif_ok(t, e, e->iif))
				tfail("RPF passes on released iif", e->iif);
			const struct mfc_oifl_data *d = mfc_entry_oifs(e);
			for (uint32_t k = 0; d && k < d->n; k++) {
				const struct mfc_oif *o = &d->oif[k];
				if (!mfc_oif_usable(t, o) || o->ifid >= NIF)
					continue;
				resolved++;
				if ((before[o->ifid] & 1) && before[o->ifid] == after[o->ifid])
					tfail("usable OIF on released interface", o->ifid);
			}
		}
		bursts++;
		urcu_qsbr_quiescent_state();
	}
	urcu_qsbr_unregister_thread();
	return NULL;
}

static mgm_handle_t
up_protocol(void)
{
	mgm_handle_t p;
	assert_int_equal(mgm_protocol_register(mgm, 1, 0, &(struct mgm_callbacks){0}, NULL, &p), 0);
	assert_int_equal(mgm_interface_take(mgm, p, 0, 0), 0);
	__atomic_store_n(&ifstate[0], ifstate[0] | 0, __ATOMIC_RELEASE);
	for (uint32_t s = 0; s < NSRC; s++)
		for (uint32_t g = 0; g < NGRP; g++)
			assert_int_equal(mgm_mfe_create(mgm, S(s), G(g), 0, NULL, 0), 0);
	return p;
}

static void
take_down(mgm_handle_t q, uint32_t x)
{
	assert_int_equal(mgm_interface_take(mgm, q, x, 0), 0);
	for (uint32_t g = 0; g < NGRP; g++)
		if ((g + x) % 3 != 0)
			assert_int_equal(mgm_membership_add(mgm, q, 0, 0, G(g), 0xffffffffu, x, 0,
							    MGM_JOIN_STATE), 0);
}

static void
test_release_under_readers(void **st)
{
	(void)st;
	const char *e = getenv("MCFWD_TORTURE_SECONDS");
	double seconds = e ? atof(e) : 10.0;
	struct mfc_params cp = { .max_entries = 4096, .max_ifaces = NIF, .n_lcores = 1 };
	cache = mfc_create(&cp);
	struct mgm_params mp = { .cache = cache, .name = "mgm-torture" };
	mgm = mgm_create(&mp);
	assert_non_null(mgm);
	mgm_handle_t q;
	assert_int_equal(mgm_protocol_register(mgm, 2, 0, &(struct mgm_callbacks){0}, NULL, &q), 0);
	assert_int_equal(mgm_route_add(mgm, 0x0a000000u, 8, 0, 0), 0);
	for (uint32_t x = 1; x < NIF; x++)
		take_down(q, x);
	mgm_handle_t p = up_protocol();

	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, reader, NULL), 0);
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t seed = 99, releases = 0, shutdowns = 0, down_shutdowns = 0, redos = 0, redone = 0;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) * 1e-9 > seconds)
			break;
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		uint32_t x = 1 + (uint32_t)(seed % (NIF - 1));
		if (seed % 50 == 0) {
			/* the seed's sequence for the upstream protocol */
			assert_int_equal(mgm_protocol_shutdown(mgm, p), 0);
			__atomic_store_n(&ifstate[0], ifstate[0] + 1, __ATOMIC_RELEASE);
			usleep(100);
			/* the flows are gone: packets now make negative MFEs */
			assert_null(mfc_find(cache, S(1), G(1)));
			__atomic_store_n(&ifstate[0], ifstate[0] + 1, __ATOMIC_RELEASE);
			p = up_protocol();
			shutdowns++;
		} else if (seed % 50 == 25) {
			/* the downstream protocol's shutdown: all of its
			 * interfaces released in one batch, one grace period,
			 * and none usable once it returns */
			assert_int_equal(mgm_protocol_shutdown(mgm, q), 0);
			for (uint32_t y = 1; y < NIF; y++)
				if (!(ifstate[y] & 1))
					__atomic_store_n(&ifstate[y], ifstate[y] + 1, __ATOMIC_RELEASE);
			usleep(100);
			assert_int_equal(mgm_protocol_register(mgm, 2, 0, &(struct mgm_callbacks){0},
							       NULL, &q), 0);
			for (uint32_t y = 1; y < NIF; y++) {
				__atomic_store_n(&ifstate[y], ifstate[y] + 1, __ATOMIC_RELEASE);
				take_down(q, y);
			}
			down_shutdowns++;
		} else if (seed % 50 == 10 || seed % 50 == 40) {
			/* MFEs made again under the readers (a reload's
			 * mgm_mfe_redo): a group's, or every one; none may come
			 * back with a released OIF */
			int rc = mgm_mfe_redo(mgm, 0, seed % 50 == 10 ? G((seed >> 8) % NGRP) : 0);
			assert_true(rc >= 0);
			redone += (uint64_t)rc;
			redos++;
		} else if (!(ifstate[x] & 1)) {
			assert_int_equal(mgm_interface_release(mgm, q, x, 0), 0);
			__atomic_store_n(&ifstate[x], ifstate[x] + 1, __ATOMIC_RELEASE);
			releases++;
		} else {
			__atomic_store_n(&ifstate[x], ifstate[x] + 1, __ATOMIC_RELEASE);
			take_down(q, x);
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	print_message("%.1f s: %lu releases, %lu + %lu shutdowns, %lu redos (%lu MFEs); reader: "
		      "%lu bursts, %lu OIFs resolved\n", seconds, (unsigned long)releases,
		      (unsigned long)shutdowns, (unsigned long)down_shutdowns, (unsigned long)redos,
		      (unsigned long)redone,
		      (unsigned long)bursts, (unsigned long)resolved);
	if (failures)
		print_error("%lu failures, first: %s\n", (unsigned long)failures, first);
	assert_int_equal(failures, 0);
	assert_true(releases > 20 && shutdowns > 0 && down_shutdowns > 0 && resolved > 1000 &&
		    redone > 100);
	assert_int_equal(mgm_protocol_shutdown(mgm, p), 0);
	assert_int_equal(mgm_protocol_shutdown(mgm, q), 0);
	assert_int_equal(mfc_count(cache), 0);
	mgm_destroy(mgm);
	mfc_destroy(cache);
}

int
main(void)
{
	if (test_eal_init("torture-mgm", "256") < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_under_readers),
	};
	int rc = cmocka_run_group_tests_name("mgm_torture", tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
