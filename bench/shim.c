/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmark set-up and inner loops, in C. Compared tables:
 * - mfc: our cache, on 4 KiB pages (MFC_PARAM_NO_THP) and with THP;
 * - DPDK rte_hash with lock-free reader/writer concurrency
 *   (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF), rte_hash_lookup_bulk_data;
 * - liburcu cds_lfht (QSBR flavour), nodes in one array.
 * All on the same backing: 4 KiB anonymous pages (EAL runs with --no-huge;
 * THP is "madvise" on this machine and only the T_MFC_THP row asks for it).
 * Same keys, same lookup stream, same core.
 */
#define _GNU_SOURCE
#define _LGPL_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_rcu_qsbr.h>

#include <urcu/urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "mfc.h"
#include "mgm.h"
#include "shim.h"
#include "../tests/test_eal.h"

#define MAX_SETS 8
#define STREAM_LEN (1u << 22)

struct lf_node {
	struct cds_lfht_node node;
	uint64_t key;
	void *data;
};

struct set {
	uint32_t n;
	uint64_t *keys;     /* the n keys */
	uint64_t *stream;   /* lookup order */
	uint64_t *miss;     /* the stream with keys none of the tables holds */
	uint32_t stream_len;
	struct mfc *mfc[2]; /* 4 KiB pages, THP */
	struct rte_hash *rh;
	struct cds_lfht *lf;
	struct lf_node *lfn;
	size_t lf_bytes;
};

static struct set sets[MAX_SETS];
static int eal_ok;

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t
xs(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void
pin(int cpu)
{
	cpu_set_t cs;
	CPU_ZERO(&cs);
	CPU_SET(test_cpu((unsigned int)cpu), &cs);
	pthread_setaffinity_np(pthread_self(), sizeof(cs), &cs);
}

int
shim_init(const char *prog)
{
	char prefix[64], lc[32];
	snprintf(prefix, sizeof(prefix), "--file-prefix=mcfwd-bench-%d", (int)getpid());
	char *argv[] = { (char *)prog, "--no-huge", "-m", "3072", prefix, "--no-pci",
			 "--lcores", (char *)test_lcores(lc, sizeof(lc), 1), "--log-level=lib.eal:error", "--no-telemetry", NULL };
	if (rte_eal_init(10, argv) < 0) {
		fprintf(stderr, "shim: EAL init failed: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	eal_ok = 1;
	pin(0);
	return 0;
}

static void
set_free(struct set *s)
{
	for (int i = 0; i < 2; i++)
		mfc_destroy(s->mfc[i]);
	if (s->rh)
		rte_hash_free(s->rh);
	if (s->lf)
		cds_lfht_destroy(s->lf, NULL);
	if (s->lfn)
		munmap(s->lfn, s->lf_bytes);
	free(s->keys);
	free(s->stream);
	free(s->miss);
	memset(s, 0, sizeof(*s));
}

void
shim_fini(void)
{
	for (int i = 0; i < MAX_SETS; i++)
		set_free(&sets[i]);
	if (eal_ok)
		rte_eal_cleanup();
}

const char *
shim_table_name(enum shim_table t)
{
	static const char *names[] = { "mfc", "mfc_thp", "rte_hash", "cds_lfht" };
	return t < T_COUNT ? names[t] : "?";
}

/* n distinct keys: sources 10/8, groups 232/8, pseudo-random */
static uint64_t *
make_keys(uint32_t n, uint64_t seed)
{
	uint64_t *k = calloc(n ? n : 1, sizeof(*k));
	if (k == NULL)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		/* a bijection of i keeps keys distinct */
		uint32_t x = (uint32_t)(i * 2654435761u) ^ (uint32_t)seed;
		uint32_t src = 0x0a000000u | (x & 0x00ffffffu);
		uint32_t grp = 0xe8000000u | ((i >> 24) << 16) | (x >> 24) | ((i & 0xff) << 8);
		k[i] = mfc_key(src, grp);
	}
	return k;
}

static struct set *
set_get(uint32_t n)
{
	struct set *free_slot = NULL;
	for (int i = 0; i < MAX_SETS; i++) {
		if (sets[i].n == n)
			return &sets[i];
		if (sets[i].n == 0 && free_slot == NULL)
			free_slot = &sets[i];
	}
	if (free_slot == NULL)
		return NULL;
	struct set *s = free_slot;
	s->keys = make_keys(n, 0x5eed);
	s->stream_len = n < STREAM_LEN ? (n < 65536 ? 65536 : n) : STREAM_LEN;
	s->stream = malloc((size_t)s->stream_len * sizeof(uint64_t));
	if (s->keys == NULL || s->stream == NULL) {
		set_free(s);
		return NULL;
	}
	uint64_t seed = 88172645463325252ull;
	for (uint32_t i = 0; i < s->stream_len; i++)
		s->stream[i] = s->keys[xs(&seed) % n];
	s->n = n;
	return s;
}

void
shim_release_except(uint32_t n)
{
	for (int i = 0; i < MAX_SETS; i++)
		if (sets[i].n != 0 && sets[i].n != n)
			set_free(&sets[i]);
}

const uint64_t *
shim_stream(uint32_t n, uint32_t *len)
{
	struct set *s = set_get(n);
	if (s == NULL)
		return NULL;
	*len = s->stream_len;
	return s->stream;
}

const uint64_t *
shim_stream_miss(uint32_t n, uint32_t *len)
{
	struct set *s = set_get(n);
	if (s == NULL)
		return NULL;
	if (s->miss == NULL) {
		s->miss = malloc((size_t)s->stream_len * sizeof(uint64_t));
		if (s->miss == NULL)
			return NULL;
		/* the same (S,G)s with sources moved from 10/8 to 11/8, where
		 * make_keys() puts none: unknown flows, as the packets of a
		 * released input interface or a scan of groups are */
		for (uint32_t i = 0; i < s->stream_len; i++)
			s->miss[i] = s->stream[i] ^ mfc_key(0x01000000u, 0);
	}
	*len = s->stream_len;
	return s->miss;
}

static struct mfc *
mfc_build(uint32_t n, const uint64_t *keys, int thp, int *rc)
{
	struct mfc_params p = { .max_entries = n, .max_ifaces = 1024, .n_lcores = 1,
				.flags = thp ? 0 : MFC_PARAM_NO_THP };
	struct mfc *c = mfc_create(&p);
	struct mfc_oif o[2] = { { 0, 1, 1, MFC_OIF_ENABLED, 0 }, { 0, 2, 1, MFC_OIF_ENABLED, 0 } };
	struct mfc_spec sp = { .iif = 0, .n_oifs = 2, .oifs = o };
	*rc = 0;
	if (c == NULL) {
		*rc = -errno;
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		*rc = mfc_add(c, mfc_key_src(keys[i]), mfc_key_grp(keys[i]), &sp);
		if (*rc < 0) {
			fprintf(stderr, "mfc_add %u/%u: %d\n", i, n, *rc);
			mfc_destroy(c);
			return NULL;
		}
	}
	return c;
}

static struct rte_hash *
rh_create(uint32_t n)
{
	static int seq;
	char name[32];
	snprintf(name, sizeof(name), "bh%d", seq++);
	/* rte_hash needs headroom: 8-way buckets, power-of-two sized */
	uint32_t entries = n + n / 4 + 64;
	struct rte_hash_parameters hp = {
		.name = name, .entries = entries, .key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc, .hash_func_init_val = 0, .socket_id = 0,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	return rte_hash_create(&hp);
}

static int
lf_match(struct cds_lfht_node *node, const void *key)
{
	return caa_container_of(node, struct lf_node, node)->key == *(const uint64_t *)key;
}

static inline unsigned long
lf_hash(uint64_t key)
{
	return rte_hash_crc_8byte(key, 0x12345678);
}

static struct cds_lfht *
lf_create(uint32_t n)
{
	unsigned long sz = 1;
	while (sz < n)
		sz <<= 1;
	return cds_lfht_new_flavor(sz, sz, sz, 0, &urcu_qsbr_flavor, NULL);
}

int
shim_build(enum shim_table t, uint32_t n)
{
	struct set *s = set_get(n);
	int rc = 0;
	if (s == NULL)
		return -ENOMEM;
	switch (t) {
	case T_MFC:
	case T_MFC_THP:
		if (s->mfc[t == T_MFC_THP] == NULL)
			s->mfc[t == T_MFC_THP] = mfc_build(n, s->keys, t == T_MFC_THP, &rc);
		return rc;
	case T_RTE_HASH:
		if (s->rh != NULL)
			return 0;
		s->rh = rh_create(n);
		if (s->rh == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < n; i++)
			if ((rc = rte_hash_add_key_data(s->rh, &s->keys[i], (void *)(uintptr_t)(i + 1))) < 0)
				return rc;
		return 0;
	case T_LFHT:
		if (s->lf != NULL)
			return 0;
		s->lf = lf_create(n);
		s->lf_bytes = (size_t)n * sizeof(struct lf_node);
		s->lfn = mmap(NULL, s->lf_bytes, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s->lf == NULL || s->lfn == MAP_FAILED) {
			s->lfn = NULL;
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < n; i++) {
			struct lf_node *x = &s->lfn[i];
			cds_lfht_node_init(&x->node);
			x->key = s->keys[i];
			x->data = (void *)(uintptr_t)(i + 1);
			cds_lfht_add(s->lf, lf_hash(x->key), &x->node);
		}
		return 0;
	default:
		return -EINVAL;
	}
}

double
shim_bytes_per_entry(enum shim_table t, uint32_t n)
{
	struct set *s = set_get(n);
	if (s == NULL)
		return 0;
	if ((t == T_MFC || t == T_MFC_THP) && s->mfc[t == T_MFC_THP])
		return (double)mfc_memory(s->mfc[t == T_MFC_THP]) / n;
	return 0;
}

uint32_t
shim_lookup_bulk(enum shim_table t, uint32_t n, const uint64_t *keys, unsigned int burst)
{
	struct set *s = set_get(n);
	uint32_t hits = 0;
	switch (t) {
	case T_MFC:
	case T_MFC_THP: {
		const struct mfc_entry *out[MFC_BULK_MAX];
		uint64_t m = mfc_lookup_bulk(mfc_table(s->mfc[t == T_MFC_THP]), keys, burst, out);
		hits = (uint32_t)__builtin_popcountll(m);
		break;
	}
	case T_RTE_HASH: {
		const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
		void *data[RTE_HASH_LOOKUP_BULK_MAX];
		uint64_t m = 0;
		for (unsigned int i = 0; i < burst; i++)
			kp[i] = &keys[i];
		rte_hash_lookup_bulk_data(s->rh, kp, burst, &m, data);
		hits = (uint32_t)__builtin_popcountll(m);
		break;
	}
	case T_LFHT:
		/* cds_lfht has no burst lookup: the burst is a loop */
		return shim_lookup_single(t, n, keys, burst);
	default:
		break;
	}
	return hits;
}

uint32_t
shim_lookup_single(enum shim_table t, uint32_t n, const uint64_t *keys, unsigned int burst)
{
	struct set *s = set_get(n);
	uint32_t hits = 0;
	switch (t) {
	case T_MFC:
	case T_MFC_THP: {
		const struct mfc_table *tb = mfc_table(s->mfc[t == T_MFC_THP]);
		for (unsigned int i = 0; i < burst; i++)
			hits += mfc_lookup(tb, keys[i]) != NULL;
		break;
	}
	case T_RTE_HASH:
		for (unsigned int i = 0; i < burst; i++) {
			void *d;
			hits += rte_hash_lookup_data(s->rh, &keys[i], &d) >= 0;
		}
		break;
	case T_LFHT:
		for (unsigned int i = 0; i < burst; i++) {
			struct cds_lfht_iter it;
			cds_lfht_lookup(s->lf, lf_hash(keys[i]), lf_match, &keys[i], &it);
			hits += cds_lfht_iter_get_node(&it) != NULL;
		}
		break;
	default:
		break;
	}
	return hits;
}

/* ---------------------------------------------------------------- */
/* Writer rates                                                      */

double
shim_insert_rate(enum shim_table t, uint32_t n)
{
	uint64_t *keys = make_keys(n, 0xabc);
	double sec = -1;
	uint64_t t0, t1;
	if (keys == NULL)
		return -1;
	if (t == T_MFC || t == T_MFC_THP) {
		struct mfc_params p = { .max_entries = n, .n_lcores = 1,
					.flags = t == T_MFC ? MFC_PARAM_NO_THP : 0 };
		struct mfc *c = mfc_create(&p);
		struct mfc_oif o[2] = { { 0, 1, 1, MFC_OIF_ENABLED, 0 }, { 0, 2, 1, MFC_OIF_ENABLED, 0 } };
		struct mfc_spec sp = { .iif = 0, .n_oifs = 2, .oifs = o };
		t0 = now_ns();
		for (uint32_t i = 0; i < n; i++)
			if (mfc_add(c, mfc_key_src(keys[i]), mfc_key_grp(keys[i]), &sp) < 0)
				goto out_mfc;
		t1 = now_ns();
		sec = (double)(t1 - t0) * 1e-9;
out_mfc:
		mfc_destroy(c);
	} else if (t == T_RTE_HASH) {
		struct rte_hash *h = rh_create(n);
		t0 = now_ns();
		for (uint32_t i = 0; i < n; i++)
			if (rte_hash_add_key_data(h, &keys[i], (void *)(uintptr_t)(i + 1)) < 0)
				goto out_rh;
		t1 = now_ns();
		sec = (double)(t1 - t0) * 1e-9;
out_rh:
		rte_hash_free(h);
	} else if (t == T_LFHT) {
		struct cds_lfht *h = lf_create(n);
		size_t bytes = (size_t)n * sizeof(struct lf_node);
		struct lf_node *nodes = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
					     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		t0 = now_ns();
		for (uint32_t i = 0; i < n; i++) {
			cds_lfht_node_init(&nodes[i].node);
			nodes[i].key = keys[i];
			cds_lfht_add(h, lf_hash(keys[i]), &nodes[i].node);
		}
		t1 = now_ns();
		sec = (double)(t1 - t0) * 1e-9;
		cds_lfht_destroy(h, NULL);
		munmap(nodes, bytes);
	}
	free(keys);
	return sec;
}

/* Replace every entry once with the other of two OIF lists, then one sync. */
double
shim_replace_rate(uint32_t n)
{
	uint64_t *keys = make_keys(n, 0xdef);
	int rc;
	struct mfc *c = mfc_build(n, keys, 0, &rc);
	struct mfc_oif o[3] = { { 0, 1, 1, MFC_OIF_ENABLED, 0 }, { 0, 2, 1, MFC_OIF_ENABLED, 0 },
				{ 0, 3, 1, MFC_OIF_ENABLED, 0 } };
	struct mfc_spec sp = { .iif = 0, .n_oifs = 3, .oifs = o };
	double sec = -1;
	if (c != NULL) {
		uint64_t t0 = now_ns();
		for (uint32_t i = 0; i < n; i++)
			if (mfc_replace(c, mfc_key_src(keys[i]), mfc_key_grp(keys[i]), &sp) < 0)
				goto out;
		mfc_sync(c);
		sec = (double)(now_ns() - t0) * 1e-9;
	}
out:
	mfc_destroy(c);
	free(keys);
	return sec;
}

/* Delete every entry, then one grace period and reclamation. */
double
shim_delete_rate(enum shim_table t, uint32_t n)
{
	struct shim_purge p;
	if (t == T_MFC || t == T_MFC_THP) {
		uint64_t *keys = make_keys(n, 0x123);
		int rc;
		struct mfc *c = mfc_build(n, keys, t == T_MFC_THP, &rc);
		double sec = -1;
		if (c != NULL) {
			uint64_t t0 = now_ns();
			for (uint32_t i = 0; i < n; i++)
				mfc_del(c, mfc_key_src(keys[i]), mfc_key_grp(keys[i]));
			mfc_sync(c);
			sec = (double)(now_ns() - t0) * 1e-9;
		}
		mfc_destroy(c);
		free(keys);
		return sec;
	}
	if (shim_purge_baseline(t, n, &p) < 0)
		return -1;
	return p.total_ms * 1e-3;
}

/* ---------------------------------------------------------------- */
/* Purge                                                             */

int
shim_purge_mfc(int kind, uint32_t n, int thp, struct shim_purge *out)
{
	uint64_t *keys = make_keys(n, 0x777);
	/* enough interfaces for 64 shared lists, or a list per entry */
	struct mfc_params p = { .max_entries = n, .max_ifaces = 4096, .n_lcores = 1,
				.flags = thp ? 0 : MFC_PARAM_NO_THP };
	struct mfc *c = mfc_create(&p);
	struct mfc_purge_stats ps;
	int rc = -ENOMEM;
	const uint16_t X = 1;

	if (c == NULL || keys == NULL)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		struct mfc_oif o[3] = {
			{ 0, X, 1, MFC_OIF_ENABLED, 0 },
			{ 0, (uint16_t)(2 + (i & 63)), 1, MFC_OIF_ENABLED, 0 },
			{ 0, 100, 1, MFC_OIF_ENABLED, 0 },
		};
		struct mfc_spec sp = { .iif = 0, .n_oifs = 3, .oifs = o };
		if (kind == 0)
			sp.iif = X;
		if (kind == 0)
			o[0].ifid = 66;
		if (kind == 2) /* a distinct next hop makes each entry's list its own */
			o[2].nexthop = i + 1;
		if ((rc = mfc_add(c, mfc_key_src(keys[i]), mfc_key_grp(keys[i]), &sp)) < 0)
			goto out;
	}
	rc = mfc_iface_purge(c, X, &ps);
	if (rc == 0) {
		double hz = (double)mfc_tsc_hz();
		out->hide_us = (double)ps.hide_cycles / hz * 1e6;
		out->unlink_ms = (double)ps.unlink_cycles / hz * 1e3;
		out->gp_us = (double)ps.gp_cycles / hz * 1e6;
		out->reclaim_ms = (double)ps.reclaim_cycles / hz * 1e3;
		out->total_ms = (double)(ps.hide_cycles + ps.unlink_cycles + ps.gp_cycles +
					 ps.reclaim_cycles) / hz * 1e3;
		out->removed = ps.entries_removed;
		out->lists = ps.lists_republished;
	}
out:
	mfc_destroy(c);
	free(keys);
	return rc;
}

/* The peers have no purge: a loop of deletes, one grace period, then the
 * memory given back (rte_hash_free_key_with_position / the nodes). */
int
shim_purge_baseline(enum shim_table t, uint32_t n, struct shim_purge *out)
{
	uint64_t *keys = make_keys(n, 0x999);
	uint64_t t0, t1, t2, t3;
	int rc = 0;
	memset(out, 0, sizeof(*out));
	if (keys == NULL)
		return -ENOMEM;
	if (t == T_RTE_HASH) {
		struct rte_hash *h = rh_create(n);
		int32_t *pos = malloc((size_t)n * sizeof(*pos));
		if (h == NULL || pos == NULL) {
			rc = -ENOMEM;
			goto rh_out;
		}
		for (uint32_t i = 0; i < n; i++)
			rte_hash_add_key_data(h, &keys[i], (void *)(uintptr_t)(i + 1));
		t0 = now_ns();
		for (uint32_t i = 0; i < n; i++)
			pos[i] = rte_hash_del_key(h, &keys[i]);
		t1 = now_ns();
		urcu_qsbr_synchronize_rcu(); /* the same (empty) reader set as mfc */
		t2 = now_ns();
		for (uint32_t i = 0; i < n; i++)
			if (pos[i] >= 0)
				rte_hash_free_key_with_position(h, pos[i]);
		t3 = now_ns();
		out->unlink_ms = (double)(t1 - t0) * 1e-6;
		out->gp_us = (double)(t2 - t1) * 1e-3;
		out->reclaim_ms = (double)(t3 - t2) * 1e-6;
		out->total_ms = (double)(t3 - t0) * 1e-6;
		out->removed = n;
rh_out:
		free(pos);
		rte_hash_free(h);
	} else if (t == T_LFHT) {
		struct cds_lfht *h = lf_create(n);
		struct lf_node **nodes = malloc((size_t)n * sizeof(*nodes));
		if (h == NULL || nodes == NULL) {
			rc = -ENOMEM;
			goto lf_out;
		}
		/* each node its own allocation, as an application would do */
		for (uint32_t i = 0; i < n; i++) {
			nodes[i] = malloc(sizeof(struct lf_node));
			cds_lfht_node_init(&nodes[i]->node);
			nodes[i]->key = keys[i];
			cds_lfht_add(h, lf_hash(keys[i]), &nodes[i]->node);
		}
		t0 = now_ns();
		for (uint32_t i = 0; i < n; i++) {
			struct cds_lfht_iter it;
			cds_lfht_lookup(h, lf_hash(keys[i]), lf_match, &keys[i], &it);
			struct cds_lfht_node *nd = cds_lfht_iter_get_node(&it);
			if (nd != NULL)
				cds_lfht_del(h, nd);
		}
		t1 = now_ns();
		urcu_qsbr_synchronize_rcu();
		t2 = now_ns();
		for (uint32_t i = 0; i < n; i++)
			free(nodes[i]);
		t3 = now_ns();
		out->unlink_ms = (double)(t1 - t0) * 1e-6;
		out->gp_us = (double)(t2 - t1) * 1e-3;
		out->reclaim_ms = (double)(t3 - t2) * 1e-6;
		out->total_ms = (double)(t3 - t0) * 1e-6;
		out->removed = n;
lf_out:
		free(nodes);
		if (h)
			cds_lfht_destroy(h, NULL);
	} else
		rc = -EINVAL;
	free(keys);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Grace period with a busy reader                                   */

static struct {
	pthread_t th;
	volatile int stop;
	enum shim_gp kind;
	struct mfc *c;
	uint64_t *keys;
	struct rte_rcu_qsbr *v;
	volatile uint64_t bursts;
} gp;

static void *
gp_reader(void *arg)
{
	(void)arg;
	const struct mfc_table *t = mfc_table(gp.c);
	const struct mfc_entry *out[32];
	uint64_t seed = 42;
	uint32_t i = 0;

	pin(1);
	if (gp.kind == GP_URCU_QSBR)
		urcu_qsbr_register_thread();
	else {
		rte_rcu_qsbr_thread_register(gp.v, 0);
		rte_rcu_qsbr_thread_online(gp.v, 0);
	}
	while (!gp.stop) {
		/* a worker's burst: 32 lookups, then a quiescent state */
		mfc_lookup_bulk(t, &gp.keys[i], 32, out);
		i = (i + 32) & ((1u << 16) - 32);
		(void)xs(&seed);
		if (gp.kind == GP_URCU_QSBR)
			urcu_qsbr_quiescent_state();
		else
			rte_rcu_qsbr_quiescent(gp.v, 0);
		gp.bursts++;
	}
	if (gp.kind == GP_URCU_QSBR)
		urcu_qsbr_unregister_thread();
	else {
		rte_rcu_qsbr_thread_offline(gp.v, 0);
		rte_rcu_qsbr_thread_unregister(gp.v, 0);
	}
	return NULL;
}

int
shim_gp_start(enum shim_gp kind)
{
	int rc;
	memset(&gp, 0, sizeof(gp));
	gp.kind = kind;
	gp.keys = make_keys(1u << 16, 0x4242);
	gp.c = mfc_build(1u << 16, gp.keys, 0, &rc);
	if (gp.c == NULL)
		return rc;
	if (kind == GP_RTE_RCU_QSBR) {
		size_t sz = rte_rcu_qsbr_get_memsize(1);
		gp.v = aligned_alloc(RTE_CACHE_LINE_SIZE, (sz + RTE_CACHE_LINE_SIZE - 1) &
				     ~(size_t)(RTE_CACHE_LINE_SIZE - 1));
		if (gp.v == NULL || rte_rcu_qsbr_init(gp.v, 1) != 0)
			return -ENOMEM;
	}
	if (pthread_create(&gp.th, NULL, gp_reader, NULL) != 0)
		return -EAGAIN;
	while (gp.bursts < 1000)
		sched_yield();
	return 0;
}

double
shim_gp_once(enum shim_gp kind)
{
	uint64_t t0 = now_ns();
	if (kind == GP_URCU_QSBR)
		mfc_iface_hide(gp.c, 5);
	else {
		uint64_t tok = rte_rcu_qsbr_start(gp.v);
		rte_rcu_qsbr_check(gp.v, tok, true);
	}
	return (double)(now_ns() - t0);
}

void
shim_gp_stop(void)
{
	gp.stop = 1;
	pthread_join(gp.th, NULL);
	mfc_destroy(gp.c);
	free(gp.keys);
	free(gp.v);
	memset(&gp, 0, sizeof(gp));
}

/* ---------------------------------------------------------------- */
/* MGM                                                               */

static void
nop_disable(void *ctx, struct mgm_if ifc)
{
	(void)ctx;
	(void)ifc;
}

/* The downstream side of the MGM benchmarks: protocol q owns interfaces
 * 64..67, each a (*,G) member of the 16 groups 232.0.1.0..15, so every MFE
 * gets 4 OIFs. */
static int
mgm_downstream(struct mgm *m, mgm_handle_t q)
{
	int rc;
	for (uint32_t k = 64; k < 68; k++) {
		if ((rc = mgm_interface_take(m, q, k, 0)) < 0)
			return rc;
		for (uint32_t g = 0; g < 16; g++)
			if ((rc = mgm_membership_add(m, q, 0, 0, 0xe8000100u + g, 0xffffffffu, k, 0,
						     MGM_JOIN_STATE)) < 0)
				return rc;
	}
	return 0;
}

int
shim_mgm_shutdown(uint32_t n, int igmp, struct shim_mgm_run *out)
{
	static int seq;
	char name[32];
	struct mfc_params cp = { .max_entries = n, .max_ifaces = 1024, .n_lcores = 1 };
	struct mfc *c = mfc_create(&cp);
	snprintf(name, sizeof(name), "bmgm%d", seq++);
	struct mgm_params mp = { .cache = c, .name = name };
	struct mgm *m = c ? mgm_create(&mp) : NULL;
	struct mgm_callbacks icb = { .disable_igmp = nop_disable, .enable_igmp = nop_disable };
	mgm_handle_t p, q, ig;
	int rc = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (m == NULL)
		goto out;
	if ((rc = mgm_protocol_register(m, 1, 0, NULL, NULL, &p)) < 0 ||
	    (rc = mgm_protocol_register(m, 2, 0, NULL, NULL, &q)) < 0 ||
	    (rc = mgm_protocol_register(m, MGM_PROTO_IGMP, 0, &icb, NULL, &ig)) < 0)
		goto out;
	for (uint32_t k = 0; k < 64; k++) {
		if (igmp && (rc = mgm_interface_take(m, ig, k, 0)) < 0)
			goto out;
		if ((rc = mgm_interface_take(m, p, k, 0)) < 0 ||
		    (rc = mgm_route_add(m, 0x0a000000u | (k << 16), 16, k, 0)) < 0)
			goto out;
	}
	if ((rc = mgm_downstream(m, q)) < 0)
		goto out;
	uint64_t t0 = now_ns();
	for (uint32_t i = 0; i < n; i++) {
		uint32_t src = 0x0a000000u | ((i % 64) << 16) | ((i / 64) & 0xffff);
		if ((rc = mgm_mfe_create(m, src, 0xe8000100u + (i / 64) % 16,
					 i % 64, NULL, 0)) < 0)
			goto out;
	}
	uint64_t t1 = now_ns();
	out->mfes = mgm_mfe_count(m);
	out->ifaces = 64;
	if ((rc = mgm_protocol_shutdown(m, p)) < 0)
		goto out;
	uint64_t t2 = now_ns();
	if (mfc_count(c) != 0 || mgm_mfe_count(m) != 0) {
		rc = -EIO; /* the shutdown left forwarding entries behind */
		goto out;
	}
	out->create_s = (double)(t1 - t0) * 1e-9;
	out->shutdown_s = (double)(t2 - t1) * 1e-9;
	rc = 0;
out:
	mgm_destroy(m);
	mfc_destroy(c);
	return rc;
}

int
shim_mgm_release(uint32_t n, uint32_t n_up, struct shim_mgm_release_run *out)
{
	static int seq;
	char name[32];
	struct mfc_params cp = { .max_entries = n, .max_ifaces = 1024, .n_lcores = 1 };
	struct mfc *c = mfc_create(&cp);
	mfc_set_reclaim_defer(c, 4096); /* as the app */
	snprintf(name, sizeof(name), "bmgmrel%d", seq++);
	struct mgm_params mp = { .cache = c, .name = name };
	struct mgm *m = c ? mgm_create(&mp) : NULL;
	mgm_handle_t p, q;
	int rc = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (m == NULL || n_up == 0 || n_up > 16 || n / n_up >= (1u << 20))
		goto out;
	if ((rc = mgm_protocol_register(m, 1, 0, NULL, NULL, &p)) < 0 ||
	    (rc = mgm_protocol_register(m, 2, 0, NULL, NULL, &q)) < 0)
		goto out;
	for (uint32_t k = 0; k < n_up; k++)
		if ((rc = mgm_interface_take(m, p, k, 0)) < 0 ||
		    (rc = mgm_route_add(m, 0x0a000000u | (k << 20), 12, k, 0)) < 0)
			goto out;
	if ((rc = mgm_downstream(m, q)) < 0)
		goto out;
	/* sources interleaved over the incoming interfaces, as flows arrive */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = i % n_up, j = i / n_up;
		uint32_t src = 0x0a000000u | (k << 20) | j;
		if ((rc = mgm_mfe_create(m, src, 0xe8000100u + (i / 64) % 16, k, NULL, 0)) < 0)
			goto out;
	}
	out->mfes = mgm_mfe_count(m);
	uint32_t before = mfc_count(c);
	uint64_t t0 = now_ns();
	if ((rc = mgm_interface_release(m, p, 0, 0)) < 0)
		goto out;
	uint64_t t1 = now_ns();
	out->released = before - mfc_count(c);
	if (out->released != (n + n_up - 1) / n_up || mgm_mfe_count(m) != n - out->released ||
	    mfc_iface_iif_refs(c, 0) != 0) {
		rc = -EIO; /* the release left forwarding entries or records behind */
		goto out;
	}
	out->release_s = (double)(t1 - t0) * 1e-9;
	/* the control loop then frees the released records in slices */
	while ((mgm_mfe_reap_pending(m) > 0 || mfc_reclaim_pending(c) > 0) &&
	       out->polls < 100000) {
		uint64_t p0 = now_ns();
		if ((rc = mgm_poll(m, 0)) < 0)
			goto out;
		double d = (double)(now_ns() - p0) * 1e-9;
		out->reap_s += d;
		if (d > out->reap_max_s)
			out->reap_max_s = d;
		out->polls++;
	}
	if (mgm_mfe_reap_pending(m) != 0 || mgm_mfe_count(m) != n - out->released) {
		rc = -EIO;
		goto out;
	}
	rc = 0;
out:
	mgm_destroy(m);
	mfc_destroy(c);
	return rc;
}

double
shim_mgm_member_rate(uint32_t n)
{
	struct mfc_params cp = { .max_entries = 1024, .max_ifaces = 1024 };
	struct mfc *c = mfc_create(&cp);
	struct mgm_params mp = { .cache = c, .name = "bmgm-members" };
	struct mgm *m = c ? mgm_create(&mp) : NULL;
	mgm_handle_t q;
	double sec = -1;
	if (m == NULL || mgm_protocol_register(m, 2, 0, NULL, NULL, &q) < 0)
		goto out;
	for (uint32_t k = 0; k < 64; k++)
		if (mgm_interface_take(m, q, k, 0) < 0)
			goto out;
	uint64_t t0 = now_ns();
	for (uint32_t i = 0; i < n; i++)
		if (mgm_membership_add(m, q, 0, 0, 0xe8000000u + i / 64, 0xffffffffu, i % 64, 0,
				       MGM_JOIN_STATE) < 0)
			goto out;
	sec = (double)(now_ns() - t0) * 1e-9;
out:
	mgm_destroy(m);
	mfc_destroy(c);
	return sec;
}
