/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The multicast forwarding cache (see include/mfc.h for the contract).
 *
 * Table: bucketised cuckoo hash, 4 slots per 64-byte bucket (4 keys and 4
 * entry indexes), two candidate buckets per key: the first from a CRC32-C
 * hash, the second from a multiplicative mix of the key and that hash
 * (bucket2()), both by multiply-shift range reduction (any bucket count, so
 * the table is sized to the requested capacity at <= 90% load). Lookups
 * compare a bucket's four keys with one AVX-512 compare (two AVX2 ones,
 * or scalar: chosen at compile time); the burst lookup is staged so
 * that every bucket and entry load of the burst is prefetched before it is
 * used.
 *
 * Slots are 16 bytes, {key, entry index}, written with one aligned 16-byte
 * store and read with one aligned 16-byte load: on CPUs with AVX both are
 * single-copy atomic (Intel SDM vol. 3A 9.1.1; AMD APM vol. 2 7.3.2), so a
 * reader always sees a key with the index that was published with it and
 * never has to touch the entry to check it. Built without AVX, the reader
 * checks the key stored in the entry instead (one more cache line).
 *
 * Reader/writer protocol (single writer, lock-free readers):
 * - insert: write the entry, then the slot {key, eidx} (release);
 * - replace: store the slot {key, new eidx};
 * - delete: store the slot {0, 0};
 * - cuckoo move: copy the slot to its other bucket, bump t->chg (release),
 *   clear the old slot. A reader that misses re-reads chg and retries if
 *   anything moved meanwhile.
 * Everything a writer unlinks goes to a FIFO limbo list reclaimed after one
 * synchronize_rcu() for the whole batch.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <x86intrin.h>

#include <urcu/urcu-qsbr.h>

#include "mfc.h"

#define SLOTS 4
#define KEY_EMPTY 0ull
#define IDX_NONE UINT32_MAX
#define BFS_QUEUE 256
#define OCLASS_MAX 13 /* blocks of 1 .. 4096 OIF counter slots */
#define OBLOCK_MAX (1u << (OCLASS_MAX - 1))
#define SLAB_CLASSES 8

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define MFC_ASAN_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define MFC_ASAN_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define MFC_ASAN_POISON(p, n) ((void)(p), (void)(n))
#define MFC_ASAN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif
#define LOAD_MAX_PCT 90

struct mfc_slot {
	uint64_t key;  /* 0 = empty */
	uint32_t eidx; /* pool index of the entry */
	uint16_t iif;  /* copy of the entry's iif: bulk purges scan for it */
	uint16_t rsv;
} __attribute__((aligned(16)));

/* written by control (16-byte stores), read by workers (16-byte loads) */
struct mfc_bucket {
	struct mfc_slot s[SLOTS];
} __attribute__((aligned(64)));

#if defined(__AVX__)
#define VERIFY_ENTRY 0
#else
#define VERIFY_ENTRY 1
#endif

_Static_assert(sizeof(struct mfc_bucket) == 64, "bucket is one cache line");
_Static_assert(sizeof(struct mfc_entry) == 32, "entry is 32 bytes");
_Static_assert(sizeof(struct mfc_oif) == 12, "oif is 12 bytes");
_Static_assert(sizeof(struct mfc_ctr) == 32, "entry counters are 32 bytes");

/* Control-side wrapper of an interned OIF list. The reader-visible part is
 * alone on the first cache line so refcount updates do not disturb readers. */
struct oifl_obj {
	struct mfc_oifl pub; /* must be first */
	uint8_t pad_[64 - sizeof(struct mfc_oifl)];
	/* control only */
	uint32_t refcnt;
	uint32_t hash;
	uint32_t vidx;   /* position in c->lv */
	struct oifl_obj *hnext;
} __attribute__((aligned(64))); /* size a multiple of 64 for aligned_alloc */

/* Control metadata per stable counter index. */
struct meta {
	uint32_t eidx; /* current version, or next free cidx when free */
	uint32_t pos;  /* position in the iif reverse index */
};

struct u32vec {
	uint32_t *v;
	uint32_t n, cap;
};

enum limbo_kind { L_VERSION, L_ENTRY, L_DATA };
struct limbo {
	uint32_t kind;
	uint32_t idx;   /* pool index for L_VERSION / L_ENTRY */
	uint32_t moved; /* L_VERSION: counter block passed on to the next version */
	void *ptr;      /* L_DATA */
};

struct mfc {
	struct mfc_table t; /* first: readers get &c->t */

	/* grace periods waited by a helper thread while the caller runs a hook */
	void (*gp_hook)(void *arg);
	void *gp_hook_arg;
	pthread_t gp_thr;
	pthread_mutex_t gp_mu;
	pthread_cond_t gp_cv;
	uint64_t gp_req, gp_done;  /* under gp_mu */
	uint64_t n_gp;             /* grace periods waited for (gp_wait()) */
	bool gp_thr_on, gp_stop;

	uint32_t max_entries, pool_size, n_lcores, max_ifaces;
	uint32_t count;
	int thp;
	size_t bucket_bytes;

	uint32_t *iface_state;
	uint32_t *iface_oifl_refs;  /* lists holding each interface */
	struct u32vec *iifv;        /* reverse index: cidx by incoming interface */

	uint32_t pool_free;         /* head of the intrusive free list (cidx field) */
	uint32_t pool_bump;
	struct meta *meta;
	uint32_t cidx_free, cidx_bump;

	uint32_t ocap;              /* per-OIF counter slots, multiple of 2^(OCLASS_MAX-1) */
	uint32_t *ostk[OCLASS_MAX]; /* free blocks of each class */
	uint32_t ohwm;              /* blocks at or above this were never used */
	uint32_t ostk_n[OCLASS_MAX];
	struct mfc_oif_ctr *obase;  /* control-side folded counts */
	uint32_t *oser;             /* per slot: its OIF's serial (mfc_oif_stats) */
	uint32_t oser_last;
	struct ogone {              /* per cidx: counts of OIFs its versions dropped */
		uint64_t out_pkts, out_discards;
	} *ogone;
	struct mfc_lcore_ctrs *lc;

	struct oifl_obj **ihash;
	uint32_t ihash_size;        /* power of two */
	uint32_t n_lists;
	struct oifl_obj **lv;       /* every list, for scans that prefetch ahead */
	uint32_t lv_cap;

	struct limbo *limbo;
	uint32_t n_limbo, limbo_cap;
	uint64_t *pbm;              /* pool slots retired by a bulk purge (after the limbo) */
	void *slab_free[SLAB_CLASSES]; /* OIF list versions: free lists by size */
	uint8_t *slab_next[SLAB_CLASSES];
	size_t slab_left[SLAB_CLASSES];
	void *slab_chunks;
	uint32_t pbm_n;             /* entries retired in pbm (bits set) */
	uint32_t pbm_cur;           /* mfc_reclaim_some(): next word of pbm */
	bool pbm_safe;              /* every pbm entry is past its grace period */
	uint32_t defer_min;         /* mfc_set_reclaim_defer() */
	uint32_t batch;             /* mfc_batch_begin() depth */
	bool batch_gp;              /* the batch owes a grace period at its end */
};

static const uint32_t SEED1 = 0x9747b28cu;

static void ostack_push(struct mfc *c, unsigned int k, uint32_t b);

/* ---------------------------------------------------------------- */
/* Hashing                                                           */

static inline uint32_t
fastrange(uint32_t h, uint32_t n)
{
	return (uint32_t)(((uint64_t)h * n) >> 32);
}

static inline uint32_t
hash1(uint64_t key)
{
	return (uint32_t)_mm_crc32_u64(SEED1, key);
}

/* CRC is linear: two CRCs with different seeds differ by a constant, which
 * would tie each key's second bucket to its first. The second bucket comes
 * from a multiplicative mix of the key and the first hash instead. */
static inline uint32_t
bucket2(const struct mfc_table *t, uint64_t key, uint32_t h1, uint32_t b1)
{
	uint32_t h2 = (uint32_t)(((key + h1) * 0x9e3779b97f4a7c15ull) >> 32);
	uint32_t y = fastrange(h2, t->nb_buckets);
	if (y == b1)
		y = (b1 + 1 == t->nb_buckets) ? 0 : b1 + 1;
	return y;
}

static inline void
buckets_of(const struct mfc_table *t, uint64_t key, uint32_t *b1, uint32_t *b2)
{
	uint32_t h1 = hash1(key);
	*b1 = fastrange(h1, t->nb_buckets);
	*b2 = bucket2(t, key, h1, *b1);
}

/* Atomic 16-byte slot read (see the top of this file). */
static inline void
slot_read(const struct mfc_slot *sl, uint64_t *key, uint32_t *eidx)
{
	__m128i v = _mm_load_si128((const __m128i *)sl);
	*key = (uint64_t)_mm_cvtsi128_si64(v);
	*eidx = (uint32_t)_mm_extract_epi32(v, 2);
}

static inline void
slot_write(struct mfc_slot *sl, uint64_t key, uint32_t eidx, uint16_t iif)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	_mm_store_si128((__m128i *)sl,
			_mm_set_epi64x((long long)(((uint64_t)iif << 32) | eidx), (long long)key));
}

static inline void
slot_copy(struct mfc_slot *d, const struct mfc_slot *s)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	_mm_store_si128((__m128i *)d, _mm_load_si128((const __m128i *)s));
}

/* Slot of key in bucket b, or -1; *eidx gets the index read with the key
 * in one atomic load. Writers call it too (they are the only writer). */
static inline int
bucket_find(const struct mfc_bucket *b, uint64_t key, uint32_t *eidx)
{
	unsigned int m; /* bit 2s: slot s's key lane matched */
#if defined(__AVX512F__)
	m = (unsigned int)_mm512_cmpeq_epi64_mask(_mm512_load_si512((const void *)b),
						  _mm512_set1_epi64((long long)key));
#elif defined(__AVX2__)
	__m256i k = _mm256_set1_epi64x((long long)key);
	__m256i v0 = _mm256_load_si256((const __m256i *)&b->s[0]);
	__m256i v1 = _mm256_load_si256((const __m256i *)&b->s[2]);
	m = (unsigned int)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(k, v0))) |
	    ((unsigned int)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(k, v1))) << 4);
#else
	m = 0;
	for (int s = 0; s < SLOTS; s++)
		m |= (unsigned int)(__atomic_load_n(&b->s[s].key, __ATOMIC_RELAXED) == key) << (2 * s);
#endif
	m &= 0x55; /* odd lanes hold {eidx, iif}, not keys */
	/* read the matching slot in one atomic load; it must still hold key */
	while (m) {
		int s = __builtin_ctz(m) >> 1;
		uint64_t k2;
		slot_read(&b->s[s], &k2, eidx);
		if (k2 == key)
			return s;
		m &= m - 1;
	}
	return -1;
}

/* ---------------------------------------------------------------- */
/* Reader side                                                       */

const struct mfc_entry *
mfc_lookup(const struct mfc_table *t, uint64_t key)
{
	uint32_t b1, b2, ei;
	uint64_t chg;

	if (key == KEY_EMPTY)
		return NULL;
	buckets_of(t, key, &b1, &b2);
	for (unsigned int torn = 0;;) {
		chg = __atomic_load_n(&t->chg, __ATOMIC_ACQUIRE);
		if (bucket_find(&t->buckets[b1], key, &ei) >= 0 ||
		    bucket_find(&t->buckets[b2], key, &ei) >= 0) {
			const struct mfc_entry *e = &t->pool[ei];
			if (!VERIFY_ENTRY || e->key == key)
				return e;
			/* without AVX the slot's 16-byte load is not one access:
			 * one read while a move wrote it ({key, old index}) is
			 * read again, whatever chg says (the move bumps it only
			 * after the copy: found by review) */
			if (++torn < 64)
				continue;
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&t->chg, __ATOMIC_ACQUIRE) == chg)
			return NULL;
	}
}

static inline __attribute__((always_inline)) uint64_t
lookup_bulk(const struct mfc_table *t, const uint64_t *keys, unsigned int n,
	    const struct mfc_entry **out, bool pf)
{
	uint32_t h1[MFC_BULK_MAX], b[MFC_BULK_MAX], ei;
	const struct mfc_bucket *bk = t->buckets;
	const struct mfc_entry *pool = t->pool;
	uint64_t hit = 0, second = 0, dup = 0, empty = 0, all, chg;
	unsigned int i;

	if (n > MFC_BULK_MAX)
		n = MFC_BULK_MAX;
	if (n == 0)
		return 0;
	all = (n == 64) ? ~0ull : ((1ull << n) - 1);
	chg = __atomic_load_n(&t->chg, __ATOMIC_ACQUIRE);

	/* stage 1: hash, prefetch primary buckets. Into L2 (prefetcht2), not
	 * L1: a burst of 64 misses overflows the L1 miss buffers, and then the
	 * prefetches stall; measured at 1M entries: 53M/s with prefetcht0,
	 * 83-88M/s with prefetcht2 (bench/results). A key equal to the one
	 * before it (a flow's packets come in runs) is not looked up again:
	 * it takes that one's result at the end. The empty key, which
	 * matches empty slots, is never looked up (a miss). */
	for (i = 0; i < n; i++) {
		if (i > 0 && keys[i] == keys[i - 1]) {
			dup |= 1ull << i;
			continue;
		}
		if (__builtin_expect(keys[i] == KEY_EMPTY, 0)) {
			empty |= 1ull << i;
			out[i] = NULL;
			continue;
		}
		h1[i] = hash1(keys[i]);
		b[i] = fastrange(h1[i], t->nb_buckets);
		__builtin_prefetch(&bk[b[i]], 0, 1);
	}
	/* stage 2: primary match (pf: the entry found prefetched for the
	 * caller); on a miss prefetch the secondary bucket */
	for (uint64_t m = all & ~dup & ~empty; m; m &= m - 1) {
		i = (unsigned int)__builtin_ctzll(m);
		const struct mfc_entry *e = NULL;
		if (bucket_find(&bk[b[i]], keys[i], &ei) >= 0) {
			e = &pool[ei];
			if (pf)
				__builtin_prefetch(e, 0, 3);
			hit |= 1ull << i;
		} else {
			b[i] = bucket2(t, keys[i], h1[i], b[i]);
			__builtin_prefetch(&bk[b[i]], 0, 1);
			second |= 1ull << i;
		}
		out[i] = e;
	}
	/* stage 3: secondary match */
	for (uint64_t m = second; m; m &= m - 1) {
		i = (unsigned int)__builtin_ctzll(m);
		if (bucket_find(&bk[b[i]], keys[i], &ei) >= 0) {
			out[i] = &pool[ei];
			hit |= 1ull << i;
		}
	}
	uint64_t torn = 0; /* a slot read in two halves: see mfc_lookup() */
#if VERIFY_ENTRY
	for (uint64_t m = hit; m; m &= m - 1) {
		i = (unsigned int)__builtin_ctzll(m);
		if (out[i]->key != keys[i]) {
			out[i] = NULL;
			hit &= ~(1ull << i);
			torn |= 1ull << i;
		}
	}
#endif
	/* runs of a key: its first's result (in order: a run's first is
	 * resolved before the rest) */
	for (uint64_t m = dup; m; m &= m - 1) {
		i = (unsigned int)__builtin_ctzll(m);
		out[i] = out[i - 1];
		hit |= ((hit >> (i - 1)) & 1) << i;
	}
	if (hit != all) {
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&t->chg, __ATOMIC_ACQUIRE) != chg || torn) {
			/* an entry moved under us: redo the misses */
			for (uint64_t m = all & ~hit; m; m &= m - 1) {
				i = (unsigned int)__builtin_ctzll(m);
				out[i] = mfc_lookup(t, keys[i]);
				if (out[i] != NULL)
					hit |= 1ull << i;
			}
		}
	}
	return hit;
}

uint64_t
mfc_lookup_bulk(const struct mfc_table *t, const uint64_t *keys, unsigned int n,
		const struct mfc_entry **out)
{
	return lookup_bulk(t, keys, n, out, false);
}

/* bench_worker, 64 B fan-out 1, against mfc_lookup_bulk(): +3.6% at 1K
 * flows, +2.9% at 64K, +3.0% at 1M */
uint64_t
mfc_lookup_bulk_prefetch(const struct mfc_table *t, const uint64_t *keys, unsigned int n,
			 const struct mfc_entry **out)
{
	return lookup_bulk(t, keys, n, out, true);
}

/* ---------------------------------------------------------------- */
/* Small helpers (control thread)                                    */

/* Large arrays: anonymous memory with transparent huge pages asked for
 * (unless the cache was told not to). What workers write and what every
 * insert touches is populated up front, so neither a worker nor the
 * control thread takes a page fault later; control-only arrays used
 * sparsely (folded counters, free stacks) fault in as used. Memory the
 * kernel hands out is zero: counter slots never used before need no
 * zeroing when first allocated.
 *
 * With THP, an array of 2 MiB or more starts at a 2 MiB boundary, so its
 * whole 2 MiB ranges can be huge pages (its tail stays on 4 KiB pages: no
 * memory is added), and asks for them before it is populated: populated
 * first (MAP_POPULATE), a "madvise" kernel had already given it 4 KiB
 * pages, and the tables ran on those (1M-entry lookups +3%, 16M +17%). */
enum { LAZY = 0, POPULATE = 1 };
#define HUGE_SZ ((size_t)2 << 20)

static void *
bigalloc(const struct mfc *c, size_t sz, int populate)
{
	const int prot = PROT_READ | PROT_WRITE;
	const int fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	bool align = c->thp && sz >= HUGE_SZ;
	uint8_t *raw = mmap(NULL, sz + (align ? HUGE_SZ : 0), prot, fl, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	uint8_t *p = raw;
	if (align) {
		/* the mapping's head before the boundary and its tail after
		 * sz go back (mmap's sizes are whole pages; the head is at
		 * most HUGE_SZ - 4096, so a tail is always left) */
		p = (uint8_t *)(((uintptr_t)raw + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1));
		size_t end = ((size_t)(p - raw) + sz + 4095) & ~(size_t)4095;
		if (p > raw)
			munmap(raw, (size_t)(p - raw));
		munmap(raw + end, sz + HUGE_SZ - end);
	}
	if (c->thp)
		(void)madvise(p, sz, MADV_HUGEPAGE);
	/* written, not read: a read fault maps the shared zero page. A
	 * kernel without it (before 5.14) gets a write per page; short of
	 * memory, pages fault in as used, as MAP_POPULATE left them. */
	if (populate && madvise(p, sz, MADV_POPULATE_WRITE) != 0 && errno == EINVAL)
		for (size_t o = 0; o < sz; o += 4096)
			((volatile uint8_t *)p)[o] = 0;
	return p;
}

static void
bigfree(void *p, size_t sz)
{
	if (p != NULL)
		munmap(p, sz);
}

static int
vec_push(struct u32vec *v, uint32_t x)
{
	if (v->n == v->cap) {
		uint32_t nc = v->cap ? v->cap * 2 : 16;
		uint32_t *nv = realloc(v->v, (size_t)nc * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		v->v = nv;
		v->cap = nc;
	}
	v->v[v->n++] = x;
	return 0;
}

uint64_t
mfc_tsc_hz(void)
{
	static uint64_t hz;
	if (hz == 0) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		uint64_t t0 = __rdtsc();
		do {
			clock_gettime(CLOCK_MONOTONIC, &b);
		} while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 20000000L);
		uint64_t t1 = __rdtsc();
		uint64_t ns = (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
		hz = (t1 - t0) * 1000000000ull / ns;
	}
	return hz;
}

/* ---------------------------------------------------------------- */
/* Create / destroy                                                  */

struct mfc *
mfc_create(const struct mfc_params *p)
{
	struct mfc_params d = {0};
	struct mfc *c;

	if (p != NULL)
		d = *p;
	if (d.max_entries == 0)
		d.max_entries = 65536;
	if (d.max_ifaces == 0)
		d.max_ifaces = MFC_IFACES_DEFAULT;
	if (d.n_lcores == 0)
		d.n_lcores = 1;
	if (d.oif_ctrs == 0) { /* 4 per entry, and room for replaces in flight */
		uint64_t n = (uint64_t)d.max_entries * 4 + d.max_entries / 8;
		/* rounded up to 4096, as mfc.h says: a table of 1-3 entries
		 * got 4-12, under the minimum of 16 (found by review) */
		n = (n + 4095) & ~(uint64_t)4095;
		d.oif_ctrs = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	}
	if (d.max_entries > (1u << 25) || d.max_ifaces > MFC_IFACES_MAX ||
	    (d.flags & ~MFC_PARAM_NO_THP) ||
	    d.n_lcores > 128 || d.oif_ctrs < 16 || d.oif_ctrs > (1u << 30)) {
		errno = EINVAL;
		return NULL;
	}
	c = aligned_alloc(64, (sizeof(*c) + 63) & ~(size_t)63);
	if (c == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->max_entries = d.max_entries;
	c->pool_size = d.max_entries + d.max_entries / 32 + 64;
	c->n_lcores = d.n_lcores;
	c->max_ifaces = d.max_ifaces;
	c->ocap = (d.oif_ctrs + OBLOCK_MAX - 1) & ~(OBLOCK_MAX - 1);
	c->pool_free = IDX_NONE;
	c->cidx_free = IDX_NONE;

	uint64_t nb = ((uint64_t)d.max_entries * 100 + (uint64_t)SLOTS * LOAD_MAX_PCT - 1) /
		      ((uint64_t)SLOTS * LOAD_MAX_PCT);
	if (nb < 2)
		nb = 2;
	c->thp = !(d.flags & MFC_PARAM_NO_THP);
	c->t.nb_buckets = (uint32_t)nb;
	c->t.max_ifaces = d.max_ifaces;
	c->bucket_bytes = nb * sizeof(struct mfc_bucket);
	c->t.buckets = bigalloc(c, c->bucket_bytes, POPULATE);
	c->t.pool = bigalloc(c, (size_t)c->pool_size * sizeof(struct mfc_entry), POPULATE);
	c->meta = bigalloc(c, (size_t)c->pool_size * sizeof(struct meta), POPULATE);
	c->iface_state = calloc(d.max_ifaces, sizeof(uint32_t));
	c->iface_oifl_refs = calloc(d.max_ifaces, sizeof(uint32_t));
	c->iifv = calloc(d.max_ifaces, sizeof(struct u32vec));
	c->obase = bigalloc(c, (size_t)c->ocap * sizeof(struct mfc_oif_ctr), LAZY);
	c->oser = bigalloc(c, (size_t)c->ocap * sizeof(uint32_t), LAZY);
	c->ogone = bigalloc(c, (size_t)c->pool_size * sizeof(struct ogone), LAZY);
	c->pbm = bigalloc(c, ((size_t)c->pool_size / 64 + 1) * sizeof(uint64_t), POPULATE);
	for (unsigned int k = 0; k < OCLASS_MAX; k++)
		if ((c->ostk[k] = bigalloc(c, (size_t)(c->ocap >> k) * sizeof(uint32_t), LAZY)) == NULL)
			goto nomem;
	c->lc = calloc(d.n_lcores, sizeof(*c->lc));
	c->ihash_size = 1024;
	c->ihash = calloc(c->ihash_size, sizeof(*c->ihash));
	if (!c->t.buckets || !c->t.pool || !c->meta || !c->iface_state ||
	    !c->iface_oifl_refs || !c->iifv || !c->obase || !c->oser || !c->ogone || !c->lc || !c->ihash ||
	    !c->pbm)
		goto nomem;
	for (uint32_t b = c->ocap; b > 0; b -= OBLOCK_MAX)
		ostack_push(c, OCLASS_MAX - 1, b - OBLOCK_MAX);
	for (uint32_t i = 0; i < d.n_lcores; i++) {
		c->lc[i].ent = bigalloc(c, (size_t)c->pool_size * sizeof(struct mfc_ctr), POPULATE);
		c->lc[i].oif = bigalloc(c, (size_t)c->ocap * sizeof(struct mfc_oif_ctr), POPULATE);
		if (!c->lc[i].ent || !c->lc[i].oif)
			goto nomem;
	}
	c->t.iface_state = c->iface_state;
	return c;
nomem:
	mfc_destroy(c);
	errno = ENOMEM;
	return NULL;
}

/* OIF list versions of up to SLAB_OIFS OIFs (nearly all of them) come
 * from per-size free lists carved out of populated 256 KiB chunks: a
 * version is made and freed with a pop and a push instead of malloc and
 * free (a purge republishing a million lists frees a million versions).
 * Larger ones use malloc. Freed objects are poisoned for ASan. */
#define SLAB_OIFS 10
#define SLAB_CHUNK (256u << 10)

static size_t
data_size(uint32_t n)
{
	return (sizeof(struct mfc_oifl_data) + n * sizeof(struct mfc_oif) + 15) & ~(size_t)15;
}

static int
slab_class(uint32_t n)
{
	return n <= SLAB_OIFS ? (int)(data_size(n) / 16) - 2 : -1;
}

static struct mfc_oifl_data *
slab_alloc(struct mfc *c, uint32_t n)
{
	int k = slab_class(n);
	size_t sz = data_size(n);
	void *p;

	if (k < 0)
		return malloc(sz);
	if ((p = c->slab_free[k]) != NULL) {
		MFC_ASAN_UNPOISON(p, sz);
		c->slab_free[k] = ((struct mfc_oifl_data *)p)->ctl;
		return p;
	}
	if (c->slab_left[k] < sz) {
		void **chunk = mmap(NULL, SLAB_CHUNK, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (chunk == MAP_FAILED)
			return NULL;
		chunk[0] = c->slab_chunks; /* chained for destroy */
		c->slab_chunks = chunk;
		c->slab_next[k] = (uint8_t *)chunk + 16;
		c->slab_left[k] = SLAB_CHUNK - 16;
	}
	p = c->slab_next[k];
	c->slab_next[k] += sz;
	c->slab_left[k] -= sz;
	return p;
}

static void
data_free(struct mfc *c, struct mfc_oifl_data *d)
{
	if (d == NULL)
		return;
	d->magic = 0xdeadbeef; /* poison for readers that should not be here */
	int k = slab_class(d->n);
	if (k < 0) {
		free(d);
		return;
	}
	d->ctl = c->slab_free[k];
	c->slab_free[k] = d;
	MFC_ASAN_POISON(d, data_size(d->n));
}

static void gp_thread_stop(struct mfc *c);

void
mfc_destroy(struct mfc *c)
{
	if (c == NULL)
		return;
	gp_thread_stop(c);
	for (uint32_t i = 0; i < c->n_limbo; i++)
		if (c->limbo[i].kind == L_DATA)
			data_free(c, c->limbo[i].ptr);
	free(c->limbo);
	for (uint32_t i = 0; i < c->n_lists; i++) {
		data_free(c, c->lv[i]->pub.data);
		free(c->lv[i]);
	}
	free(c->lv);
	if (c->lc != NULL) {
		for (uint32_t i = 0; i < c->n_lcores; i++) {
			bigfree(c->lc[i].ent, (size_t)c->pool_size * sizeof(struct mfc_ctr));
			bigfree(c->lc[i].oif, (size_t)c->ocap * sizeof(struct mfc_oif_ctr));
		}
		free(c->lc);
	}
	if (c->iifv != NULL)
		for (uint32_t i = 0; i < c->max_ifaces; i++)
			free(c->iifv[i].v);
	for (unsigned int k = 0; k < OCLASS_MAX; k++)
		bigfree(c->ostk[k], (size_t)(c->ocap >> k) * sizeof(uint32_t));
	free(c->iifv);
	free(c->ihash);
	while (c->slab_chunks != NULL) {
		void **ch = c->slab_chunks;
		c->slab_chunks = ch[0];
		MFC_ASAN_UNPOISON(ch, SLAB_CHUNK); /* the shadow outlives the mapping */
		munmap(ch, SLAB_CHUNK);
	}
	free(c->iface_state);
	free(c->iface_oifl_refs);
	bigfree(c->obase, (size_t)c->ocap * sizeof(struct mfc_oif_ctr));
	bigfree(c->oser, (size_t)c->ocap * sizeof(uint32_t));
	bigfree(c->ogone, (size_t)c->pool_size * sizeof(struct ogone));
	bigfree(c->pbm, ((size_t)c->pool_size / 64 + 1) * sizeof(uint64_t));
	bigfree(c->meta, (size_t)c->pool_size * sizeof(struct meta));
	bigfree(c->t.pool, (size_t)c->pool_size * sizeof(struct mfc_entry));
	bigfree(c->t.buckets, c->bucket_bytes);
	free(c);
}

const struct mfc_table *
mfc_table(const struct mfc *c)
{
	return &c->t;
}

struct mfc_lcore_ctrs *
mfc_lcore_ctrs(struct mfc *c, unsigned int slot)
{
	if (c == NULL || slot >= c->n_lcores)
		return NULL;
	return &c->lc[slot];
}

uint32_t mfc_count(const struct mfc *c) { return c->count; }
uint32_t mfc_oifl_count(const struct mfc *c) { return c->n_lists; }

uint32_t
mfc_iface_iif_refs(const struct mfc *c, uint16_t ifid)
{
	return ifid < c->max_ifaces ? c->iifv[ifid].n : 0;
}

size_t
mfc_memory(const struct mfc *c)
{
	size_t m = c->bucket_bytes;
	m += (size_t)c->pool_size * (sizeof(struct mfc_entry) + sizeof(struct meta));
	for (uint32_t i = 0; i < c->max_ifaces; i++)
		m += (size_t)c->iifv[i].cap * sizeof(uint32_t);
	m += (size_t)c->max_ifaces * (2 * sizeof(uint32_t) + sizeof(struct u32vec));
	/* the purge's retired-slot bitmap and the limbo as grown (it keeps
	 * its size): left out, found by review */
	m += ((size_t)c->pool_size / 64 + 1) * sizeof(uint64_t);
	m += (size_t)c->limbo_cap * sizeof(struct limbo);
	return m;
}

size_t
mfc_counter_memory(const struct mfc *c)
{
	/* and the counts of OIFs each entry's versions dropped (per counter
	 * index, written as indexes are reused: left out, found by review) */
	return (size_t)c->n_lcores * ((size_t)c->pool_size * sizeof(struct mfc_ctr) +
				      (size_t)c->ocap * sizeof(struct mfc_oif_ctr)) +
	       (size_t)c->ocap * (sizeof(struct mfc_oif_ctr) + 3 * sizeof(uint32_t)) +
	       (size_t)c->pool_size * sizeof(*c->ogone);
}

/* ---------------------------------------------------------------- */
/* Allocators: pool slots, counter indexes, OIF counter blocks       */

static uint32_t
pool_alloc(struct mfc *c)
{
	uint32_t i = c->pool_free;
	if (i != IDX_NONE) {
		c->pool_free = c->t.pool[i].cidx;
		return i;
	}
	if (c->pool_bump < c->pool_size)
		return c->pool_bump++;
	return IDX_NONE;
}

static void
pool_release(struct mfc *c, uint32_t i)
{
	struct mfc_entry *e = &c->t.pool[i];
	e->key = KEY_EMPTY;
	e->oifl = NULL;
	e->flags = MFC_F_FREED;
	e->cidx = c->pool_free;
	c->pool_free = i;
}

static uint32_t
cidx_alloc(struct mfc *c)
{
	uint32_t i = c->cidx_free;
	if (i != IDX_NONE)
		c->cidx_free = c->meta[i].eidx;
	else if (c->cidx_bump < c->pool_size)
		return c->cidx_bump++; /* never used: still zero */
	else
		return IDX_NONE;
	/* reused only after the grace period that retired it: zero it now */
	for (uint32_t l = 0; l < c->n_lcores; l++)
		memset(&c->lc[l].ent[i], 0, sizeof(struct mfc_ctr));
	c->ogone[i] = (struct ogone){ 0, 0 };
	return i;
}

static void
cidx_release(struct mfc *c, uint32_t i)
{
	c->meta[i].eidx = c->cidx_free;
	c->cidx_free = i;
}

static unsigned int
oclass(uint32_t n)
{
	unsigned int k = 0;
	while ((1u << k) < n)
		k++;
	return k;
}

/* Per-OIF counter blocks: power-of-two blocks over [0, ocap) with lazy
 * buddy coalescing. A free is one push on its class's stack (sequential,
 * so a purge of a million entries frees fast); when no class can serve a
 * request, all free blocks are sorted and buddies merged, then it retries.
 * Each class's stack has room for every block of that class (virtual
 * memory, touched only as used). */
static void
ostack_push(struct mfc *c, unsigned int k, uint32_t b)
{
	c->ostk[k][c->ostk_n[k]++] = b;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void
ocoalesce(struct mfc *c)
{
	for (unsigned int k = 0; k + 1 < OCLASS_MAX; k++) {
		uint32_t *v = c->ostk[k], n = c->ostk_n[k], w = 0;
		qsort(v, n, sizeof(*v), u32_cmp);
		for (uint32_t i = 0; i < n; i++) {
			if (i + 1 < n && !(v[i] & (1u << k)) && v[i + 1] == v[i] + (1u << k)) {
				ostack_push(c, k + 1, v[i]);
				i++;
			} else
				v[w++] = v[i];
		}
		c->ostk_n[k] = w;
	}
}

static uint32_t
oblock_take(struct mfc *c, unsigned int k)
{
	unsigned int j = k;
	while (j < OCLASS_MAX && c->ostk_n[j] == 0)
		j++;
	if (j == OCLASS_MAX)
		return IDX_NONE;
	uint32_t b = c->ostk[j][--c->ostk_n[j]];
	while (j > k) {
		j--;
		ostack_push(c, j, b + (1u << j));
	}
	return b;
}

static uint32_t
oblock_alloc(struct mfc *c, uint32_t n)
{
	unsigned int k = oclass(n);
	uint32_t b;

	if (k >= OCLASS_MAX)
		return IDX_NONE;
	b = oblock_take(c, k);
	if (b == IDX_NONE) {
		ocoalesce(c);
		b = oblock_take(c, k);
	}
	if (b == IDX_NONE)
		return IDX_NONE;
	/* slots at or above the mark were never handed out: still zero.
	 * A coalesced block can straddle the mark: zero it and raise the
	 * mark past it, or its upper part would later pass as fresh. */
	bool fresh = b >= c->ohwm;
	if (b + (1u << k) > c->ohwm)
		c->ohwm = b + (1u << k);
	if (fresh)
		return b;
	memset(&c->obase[b], 0, (1u << k) * sizeof(struct mfc_oif_ctr));
	for (uint32_t l = 0; l < c->n_lcores; l++)
		memset(&c->lc[l].oif[b], 0, (1u << k) * sizeof(struct mfc_oif_ctr));
	return b;
}

static void
oblock_release(struct mfc *c, uint32_t b, uint32_t n)
{
	ostack_push(c, oclass(n), b);
}

/* ---------------------------------------------------------------- */
/* Interned OIF lists                                                */

/* CRC is linear, so lists that differ in one field would collide in
 * structured ways once masked to a table size: finish with a non-linear
 * mix (murmur3's finaliser). */
static inline uint32_t
fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static uint32_t
oifs_hash(const struct mfc_oif *o, uint32_t n)
{
	uint32_t h = _mm_crc32_u32(SEED1, n);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t a, b;
		memcpy(&a, &o[i], 8);
		b = o[i].gen;
		h = (uint32_t)_mm_crc32_u64(h, a);
		h = (uint32_t)_mm_crc32_u64(h, b);
	}
	return fmix32(h);
}

static int
oifs_equal(const struct mfc_oif *a, const struct mfc_oif *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i].ifid != b[i].ifid || a[i].nexthop != b[i].nexthop ||
		    a[i].ttl != b[i].ttl || a[i].flags != b[i].flags || a[i].gen != b[i].gen)
			return 0;
	return 1;
}

static void
ihash_insert(struct mfc *c, struct oifl_obj *o)
{
	uint32_t b = o->hash & (c->ihash_size - 1);
	o->hnext = c->ihash[b];
	c->ihash[b] = o;
}

static void
ihash_remove(struct mfc *c, struct oifl_obj *o)
{
	struct oifl_obj **pp = &c->ihash[o->hash & (c->ihash_size - 1)];
	while (*pp != NULL && *pp != o)
		pp = &(*pp)->hnext;
	if (*pp == o)
		*pp = o->hnext;
}

static void
ihash_grow(struct mfc *c)
{
	uint32_t ns = c->ihash_size * 2;
	struct oifl_obj **nh = calloc(ns, sizeof(*nh));
	if (nh == NULL)
		return; /* keep the smaller table: slower, still correct */
	free(c->ihash);
	c->ihash = nh;
	c->ihash_size = ns;
	for (uint32_t i = 0; i < c->n_lists; i++)
		ihash_insert(c, c->lv[i]);
}

static uint16_t
count_live(const struct mfc_oif *o, uint32_t n)
{
	uint16_t k = 0;
	for (uint32_t i = 0; i < n; i++)
		k += (o[i].flags & (MFC_OIF_ENABLED | MFC_OIF_REMOVED)) == MFC_OIF_ENABLED;
	return k;
}

static struct mfc_oifl_data *
data_new(struct mfc *c, const struct mfc_oif *o, uint32_t n)
{
	struct mfc_oifl_data *d = slab_alloc(c, n);
	if (d == NULL)
		return NULL;
	d->ctl = NULL;
	d->n = (uint16_t)n;
	d->n_live = count_live(o, n);
	d->magic = MFC_OIFL_MAGIC;
	memcpy(d->oif, o, n * sizeof(struct mfc_oif));
	return d;
}

/* o: sorted by (ifid, nexthop), gens filled. Returns a referenced list. */
static struct oifl_obj *
oifl_get(struct mfc *c, const struct mfc_oif *o, uint32_t n)
{
	uint32_t h = oifs_hash(o, n);
	struct oifl_obj *l;

	for (l = c->ihash[h & (c->ihash_size - 1)]; l != NULL; l = l->hnext)
		if (l->hash == h && l->pub.data->n == n && oifs_equal(l->pub.data->oif, o, n)) {
			l->refcnt++;
			return l;
		}
	if (c->n_lists == c->lv_cap) {
		uint32_t nc = c->lv_cap ? c->lv_cap * 2 : 256;
		struct oifl_obj **nv = realloc(c->lv, (size_t)nc * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		c->lv = nv;
		c->lv_cap = nc;
	}
	l = aligned_alloc(64, sizeof(*l));
	if (l == NULL)
		return NULL;
	memset(l, 0, sizeof(*l));
	l->pub.data = data_new(c, o, n);
	if (l->pub.data == NULL) {
		free(l);
		return NULL;
	}
	l->refcnt = 1;
	l->hash = h;
	l->vidx = c->n_lists;
	c->lv[c->n_lists++] = l;
	ihash_insert(c, l);
	for (uint32_t i = 0; i < n; i++)
		c->iface_oifl_refs[o[i].ifid]++;
	if (c->n_lists > c->ihash_size)
		ihash_grow(c);
	return l;
}

/* Only called when no reader can reach the list any more. */
static void
oifl_put(struct mfc *c, const struct mfc_oifl *pub)
{
	struct oifl_obj *l = (struct oifl_obj *)(uintptr_t)pub;
	if (l == NULL || --l->refcnt > 0)
		return;
	ihash_remove(c, l);
	c->lv[l->vidx] = c->lv[--c->n_lists];
	c->lv[l->vidx]->vidx = l->vidx;
	for (uint32_t i = 0; i < l->pub.data->n; i++)
		if (!(l->pub.data->oif[i].flags & MFC_OIF_REMOVED))
			c->iface_oifl_refs[l->pub.data->oif[i].ifid]--;
	data_free(c, l->pub.data);
	free(l);
}

/* ---------------------------------------------------------------- */
/* Limbo and reclamation                                             */

static int
limbo_push(struct mfc *c, uint32_t kind, uint32_t idx, uint32_t moved, void *ptr)
{
	if (c->n_limbo == c->limbo_cap) {
		uint32_t nc = c->limbo_cap ? c->limbo_cap * 2 : 1024;
		struct limbo *nl = realloc(c->limbo, (size_t)nc * sizeof(*nl));
		if (nl == NULL)
			return -ENOMEM;
		c->limbo = nl;
		c->limbo_cap = nc;
	}
	c->limbo[c->n_limbo++] = (struct limbo){ kind, idx, moved, ptr };
	return 0;
}

/* Room in the limbo for `n` more records, so that an operation that has
 * published its change can always retire what it replaced. */
static int
limbo_reserve(struct mfc *c, uint32_t n)
{
	while (c->limbo_cap - c->n_limbo < n) {
		uint32_t nc = c->limbo_cap ? c->limbo_cap * 2 : 1024;
		struct limbo *nl = realloc(c->limbo, (size_t)nc * sizeof(*nl));
		if (nl == NULL)
			return -ENOMEM;
		c->limbo = nl;
		c->limbo_cap = nc;
	}
	return 0;
}

static uint64_t
oif_total(const struct mfc *c, uint32_t slot, struct mfc_oif_ctr *sum)
{
	*sum = c->obase[slot];
	for (uint32_t l = 0; l < c->n_lcores; l++) {
		const struct mfc_oif_ctr *x = &c->lc[l].oif[slot];
		sum->out_pkts += x->out_pkts;
		sum->out_discards += x->out_discards;
		sum->ttl_low += x->ttl_low;
		sum->frag_needed += x->frag_needed;
	}
	return sum->out_pkts;
}

static int
oif_cmp(const struct mfc_oif *a, const struct mfc_oif *b)
{
	if (a->ifid != b->ifid)
		return a->ifid < b->ifid ? -1 : 1;
	if (a->nexthop != b->nexthop)
		return a->nexthop < b->nexthop ? -1 : 1;
	return 0;
}

/* Move a version's per-OIF counts on to the entry's current version,
 * matching OIFs by (ifid, next hop) (both lists are sorted); the counts of
 * OIFs the current version lacks (left, or purged: MFC_OIF_REMOVED) go to
 * the entry's ogone, so its out_pkts never goes back. The old slots are
 * left summing to zero (modular arithmetic): done once when a version is
 * replaced, so that readers see its counts at once, and again when it is
 * reclaimed, which moves what lcores counted in it meanwhile. */
static void
fold_oif_ctrs(struct mfc *c, const struct mfc_entry *old, const struct mfc_entry *cur)
{
	const struct mfc_oifl_data *a = old->oifl->data;
	const struct mfc_oifl_data *b = cur->oifl ? cur->oifl->data : NULL;
	uint32_t j = 0, nb = b ? b->n : 0;

	for (uint32_t i = 0; i < a->n; i++) {
		struct mfc_oif_ctr t, *o = &c->obase[old->ocidx + i];
		oif_total(c, old->ocidx + i, &t);
		if (t.out_pkts == 0 && t.out_discards == 0 && t.ttl_low == 0 && t.frag_needed == 0)
			continue;
		while (j < nb && oif_cmp(&b->oif[j], &a->oif[i]) < 0)
			j++;
		/* into the same instance only (its serial: a version reclaimed
		 * late must not count into one added again since) */
		if (!(a->oif[i].flags & MFC_OIF_REMOVED) && j < nb &&
		    oif_cmp(&b->oif[j], &a->oif[i]) == 0 && !(b->oif[j].flags & MFC_OIF_REMOVED) &&
		    c->oser[cur->ocidx + j] == c->oser[old->ocidx + i]) {
			struct mfc_oif_ctr *d = &c->obase[cur->ocidx + j];
			d->out_pkts += t.out_pkts;
			d->out_discards += t.out_discards;
			d->ttl_low += t.ttl_low;
			d->frag_needed += t.frag_needed;
		} else {
			c->ogone[old->cidx].out_pkts += t.out_pkts;
			c->ogone[old->cidx].out_discards += t.out_discards;
		}
		o->out_pkts -= t.out_pkts;
		o->out_discards -= t.out_discards;
		o->ttl_low -= t.ttl_low;
		o->frag_needed -= t.frag_needed;
	}
}

static void
reclaim_entry(struct mfc *c, uint32_t idx)
{
	struct mfc_entry *e = &c->t.pool[idx];
	if (e->ocidx != IDX_NONE)
		oblock_release(c, e->ocidx, e->oifl->data->n);
	oifl_put(c, e->oifl);
	cidx_release(c, e->cidx);
	pool_release(c, idx);
}

#define RECLAIM_AHEAD 16

static void
reclaim_limbo(struct mfc *c)
{
	for (uint32_t k = 0; k < c->n_limbo; k++) {
		struct limbo *r = &c->limbo[k];
		struct mfc_entry *e;

		if (k + RECLAIM_AHEAD < c->n_limbo) {
			const struct limbo *a = &c->limbo[k + RECLAIM_AHEAD];
			if (a->kind != L_DATA)
				__builtin_prefetch(&c->t.pool[a->idx], 1, 3);
			else /* the free list link goes into it */
				__builtin_prefetch(a->ptr, 1, 3);
		}
		switch (r->kind) {
		case L_DATA:
			data_free(c, r->ptr);
			break;
		case L_VERSION:
			e = &c->t.pool[r->idx];
			if (!r->moved && e->ocidx != IDX_NONE) {
				const struct mfc_entry *cur = &c->t.pool[c->meta[e->cidx].eidx];
				fold_oif_ctrs(c, e, cur);
				oblock_release(c, e->ocidx, e->oifl->data->n);
			}
			oifl_put(c, e->oifl);
			pool_release(c, r->idx);
			break;
		case L_ENTRY:
			reclaim_entry(c, r->idx);
			break;
		}
	}
	c->n_limbo = 0;
}

/* What bulk purges retired, in pool order, up to budget entries from the
 * cursor; all of it past a grace period. When the bitmap is empty the
 * walk's state starts over. @return entries reclaimed. */
static uint32_t
reclaim_pbm(struct mfc *c, uint32_t budget)
{
	uint32_t done = 0;
	for (; c->pbm_n > 0 && c->pbm_cur <= c->pool_size / 64 && done < budget; c->pbm_cur++) {
		uint64_t bits = c->pbm[c->pbm_cur];
		if (bits == 0)
			continue;
		c->pbm[c->pbm_cur] = 0;
		uint32_t k = (uint32_t)__builtin_popcountll(bits);
		done += k;
		c->pbm_n -= k;
		for (; bits; bits &= bits - 1)
			reclaim_entry(c, c->pbm_cur * 64 + (uint32_t)__builtin_ctzll(bits));
	}
	if (c->pbm_n == 0) {
		c->pbm_cur = 0;
		c->pbm_safe = false;
	}
	return done;
}

static void
reclaim(struct mfc *c)
{
	reclaim_limbo(c);
	/* then what a bulk purge retired, in pool order (it came last) */
	c->pbm_cur = 0;
	(void)reclaim_pbm(c, UINT32_MAX);
}

static void *
gp_thread(void *arg)
{
	struct mfc *c = arg;
	pthread_mutex_lock(&c->gp_mu);
	for (;;) {
		while (c->gp_req == c->gp_done && !c->gp_stop)
			pthread_cond_wait(&c->gp_cv, &c->gp_mu);
		if (c->gp_stop)
			break;
		uint64_t req = c->gp_req;
		pthread_mutex_unlock(&c->gp_mu);
		urcu_qsbr_synchronize_rcu();
		pthread_mutex_lock(&c->gp_mu);
		__atomic_store_n(&c->gp_done, req, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&c->gp_mu);
	return NULL;
}

/* One grace period. With a hook, a helper thread waits for it while the
 * calling (control) thread runs the hook every 100 us: it can notice a
 * stalled reader and keep answering, though it must not change the cache. */
static void
gp_wait(struct mfc *c)
{
	/* read by telemetry threads */
	__atomic_fetch_add(&c->n_gp, 1, __ATOMIC_RELAXED);
	if (c->gp_hook == NULL || !c->gp_thr_on) {
		urcu_qsbr_synchronize_rcu();
		return;
	}
	pthread_mutex_lock(&c->gp_mu);
	uint64_t want = ++c->gp_req;
	pthread_cond_signal(&c->gp_cv);
	pthread_mutex_unlock(&c->gp_mu);
	for (int spin = 0;; spin++) {
		uint64_t done = __atomic_load_n(&c->gp_done, __ATOMIC_ACQUIRE);
		if (done >= want)
			break;
		if (spin < 64) {
			__builtin_ia32_pause(); /* a grace period is ~1-5 us when readers run */
			continue;
		}
		c->gp_hook(c->gp_hook_arg);
		struct timespec ts = { 0, 100000 };
		nanosleep(&ts, NULL);
	}
	/* the helper's synchronize_rcu() ordered everything before it */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int
mfc_set_gp_hook(struct mfc *c, void (*hook)(void *arg), void *arg)
{
	if (c == NULL)
		return -EINVAL;
	if (hook != NULL && !c->gp_thr_on) {
		pthread_mutex_init(&c->gp_mu, NULL);
		pthread_cond_init(&c->gp_cv, NULL);
		c->gp_stop = false;
		/* with every signal blocked: the application's SIGINT/SIGTERM
		 * must reach its own thread, whose blocking read they end */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		int rc = pthread_create(&c->gp_thr, NULL, gp_thread, c);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc != 0)
			return -EAGAIN;
		c->gp_thr_on = true;
	}
	c->gp_hook = hook;
	c->gp_hook_arg = arg;
	return 0;
}

static void
gp_thread_stop(struct mfc *c)
{
	if (!c->gp_thr_on)
		return;
	pthread_mutex_lock(&c->gp_mu);
	c->gp_stop = true;
	pthread_cond_signal(&c->gp_cv);
	pthread_mutex_unlock(&c->gp_mu);
	pthread_join(c->gp_thr, NULL);
	c->gp_thr_on = false;
}

unsigned int
mfc_sync(struct mfc *c)
{
	unsigned int n;
	if (c == NULL)
		return 0;
	if (c->batch) {
		c->batch_gp = true; /* waited for once, at the batch's end */
		return 0;
	}
	/* what a deferred purge left is past its grace period already and
	 * waits for mfc_reclaim_some() (or an allocation that needs it), so
	 * that an ageing slice right after a large release does not absorb
	 * the whole reclaim */
	if (c->pbm_n > 0 && c->pbm_safe) {
		n = c->n_limbo;
		if (n == 0)
			return 0;
		gp_wait(c);
		reclaim_limbo(c);
		return n;
	}
	n = c->n_limbo + c->pbm_n; /* the bitmap's entries: each one */
	if (n == 0)
		return 0;
	gp_wait(c);
	reclaim(c);
	return n;
}

/* An allocation found its pool empty: everything retired back now (the
 * limbo after a grace period, a deferred purge's slots at once). */
static void
reclaim_for_alloc(struct mfc *c)
{
	/* bitmap entries not yet past a grace period (a batch's purges
	 * wait at its end) need one too, or a reader could still hold a slot
	 * handed out again (found by review) */
	if (c->n_limbo > 0 || (c->pbm_n > 0 && !c->pbm_safe)) {
		gp_wait(c);
		reclaim_limbo(c);
		c->pbm_safe = true;
	}
	if (c->pbm_n > 0)
		reclaim(c); /* the limbo is empty: the bitmap, all of it */
}

void
mfc_set_reclaim_defer(struct mfc *c, uint32_t min_entries)
{
	if (c != NULL)
		c->defer_min = min_entries;
}

uint32_t
mfc_reclaim_some(struct mfc *c, uint32_t budget)
{
	if (c == NULL || !c->pbm_safe)
		return 0;
	return reclaim_pbm(c, budget);
}

uint32_t
mfc_reclaim_pending(const struct mfc *c)
{
	return c != NULL ? c->pbm_n : 0;
}

uint32_t
mfc_retired_pending(const struct mfc *c)
{
	/* entries mfc_del() put in the bitmap (its limbo could not grow)
	 * wait for a grace period too: left out, mgm_poll() neither synced
	 * nor slept while mfc_reclaim_pending() said 1 (found by review) */
	if (c == NULL)
		return 0;
	return c->n_limbo + (c->pbm_safe ? 0 : c->pbm_n);
}

uint64_t
mfc_gp_count(const struct mfc *c)
{
	return c ? __atomic_load_n(&c->n_gp, __ATOMIC_RELAXED) : 0;
}

/* ---------------------------------------------------------------- */
/* Writer side: slots and cuckoo displacement                        */

static int
slot_of(const struct mfc *c, uint64_t key, uint32_t *bo, int *so, uint32_t *eidx)
{
	uint32_t b[2], ei;
	buckets_of(&c->t, key, &b[0], &b[1]);
	for (int i = 0; i < 2; i++) {
		int s = bucket_find(&c->t.buckets[b[i]], key, &ei);
		if (s >= 0) {
			*bo = b[i];
			*so = s;
			if (eidx != NULL)
				*eidx = ei;
			return 0;
		}
	}
	return -ENOENT;
}

static int
free_slot(const struct mfc_bucket *b)
{
	for (int s = 0; s < SLOTS; s++)
		if (b->s[s].key == KEY_EMPTY)
			return s;
	return -1;
}

/* Move the item at (sb, ss) to the empty slot (db, ds), one of its two
 * buckets. Refuses (-1) when that no longer holds, which can only happen on
 * a search path that visits a bucket twice: every move done so far left each
 * item in one of its buckets, so stopping keeps the table consistent. */
static int
cuckoo_move(struct mfc *c, uint32_t sb, int ss, uint32_t db, int ds)
{
	struct mfc_slot *s = &c->t.buckets[sb].s[ss], *d = &c->t.buckets[db].s[ds];
	uint64_t key = s->key;
	uint32_t x1, x2;

	buckets_of(&c->t, key, &x1, &x2);
	if (key == KEY_EMPTY || d->key != KEY_EMPTY || (db != x1 && db != x2))
		return -1;
	slot_copy(d, s);
	__atomic_store_n(&c->t.chg, c->t.chg + 1, __ATOMIC_RELEASE);
	slot_write(s, KEY_EMPTY, 0, 0);
	return 0;
}

/* Find an empty slot for a key whose buckets are b1, b2: directly, or by a
 * breadth-first search of cuckoo moves (at most BFS_QUEUE buckets). */
static int
make_room(struct mfc *c, uint32_t b1, uint32_t b2, uint32_t *bo, int *so)
{
	struct node {
		uint32_t b;
		int32_t parent;
		int32_t pslot;
	} q[BFS_QUEUE];
	uint32_t head = 0, tail = 0;
	int s;

	if ((s = free_slot(&c->t.buckets[b1])) >= 0) {
		*bo = b1;
		*so = s;
		return 0;
	}
	if ((s = free_slot(&c->t.buckets[b2])) >= 0) {
		*bo = b2;
		*so = s;
		return 0;
	}
	q[tail++] = (struct node){ b1, -1, -1 };
	q[tail++] = (struct node){ b2, -1, -1 };
	while (head < tail) {
		struct node nd = q[head];
		const struct mfc_bucket *bk = &c->t.buckets[nd.b];
		for (int k = 0; k < SLOTS; k++) {
			uint32_t x1, x2, alt;
			buckets_of(&c->t, bk->s[k].key, &x1, &x2);
			alt = (x1 == nd.b) ? x2 : x1;
			int es = free_slot(&c->t.buckets[alt]);
			if (es >= 0) {
				/* execute the path from the leaf back to the root */
				uint32_t fb = nd.b;
				int fs = k;
				if (cuckoo_move(c, nd.b, k, alt, es) < 0)
					return -ENOSPC;
				int32_t cur = (int32_t)head;
				while (q[cur].parent >= 0) {
					const struct node *p = &q[q[cur].parent];
					int ps = q[cur].pslot;
					if (cuckoo_move(c, p->b, ps, fb, fs) < 0)
						return -ENOSPC;
					fb = p->b;
					fs = ps;
					cur = q[cur].parent;
				}
				*bo = fb;
				*so = fs;
				return 0;
			}
			if (tail < BFS_QUEUE)
				q[tail++] = (struct node){ alt, (int32_t)head, k };
		}
		head++;
	}
	return -ENOSPC;
}

/* ---------------------------------------------------------------- */
/* Writer side: add / replace / delete                               */

static int
oif_sort_cmp(const void *a, const void *b)
{
	return oif_cmp(a, b);
}

/* Validate a spec and build its sorted OIF array with gens filled in. */
static int
spec_prepare(const struct mfc *c, const struct mfc_spec *s, struct mfc_oif *o)
{
	if (s == NULL || s->n_oifs > MFC_OIFS_MAX || (s->n_oifs && s->oifs == NULL))
		return -EINVAL;
	if (s->iif != MFC_IFID_NONE && s->iif >= c->max_ifaces)
		return -EINVAL;
	if (s->flags & ~(MFC_F_NEGATIVE | MFC_F_RX_IIF))
		return -EINVAL;
	for (uint32_t i = 0; i < s->n_oifs; i++) {
		o[i] = s->oifs[i];
		if (o[i].ifid >= c->max_ifaces || o[i].ttl == 0 ||
		    (o[i].flags & ~MFC_OIF_ENABLED))
			return -EINVAL;
		o[i].gen = c->iface_state[o[i].ifid] & ~1u;
	}
	if (s->n_oifs <= 16) { /* the usual case: insertion sort, no calls */
		for (uint32_t i = 1; i < s->n_oifs; i++) {
			struct mfc_oif x = o[i];
			uint32_t j = i;
			for (; j > 0 && oif_cmp(&o[j - 1], &x) > 0; j--)
				o[j] = o[j - 1];
			o[j] = x;
		}
	} else
		qsort(o, s->n_oifs, sizeof(*o), oif_sort_cmp);
	for (uint32_t i = 1; i < s->n_oifs; i++)
		if (oif_cmp(&o[i - 1], &o[i]) == 0)
			return -EINVAL;
	return 0;
}

static int
key_valid(uint32_t src, uint32_t grp)
{
	(void)src;
	return grp != 0;
}

static void
iif_index_add(struct mfc *c, uint16_t iif, uint32_t cidx)
{
	if (iif == MFC_IFID_NONE)
		return;
	c->meta[cidx].pos = c->iifv[iif].n;
	c->iifv[iif].v[c->iifv[iif].n++] = cidx; /* room reserved beforehand */
}

static int
iif_index_reserve(struct mfc *c, uint16_t iif)
{
	struct u32vec *v;
	if (iif == MFC_IFID_NONE)
		return 0;
	v = &c->iifv[iif];
	if (v->n < v->cap)
		return 0;
	if (vec_push(v, 0) < 0)
		return -ENOMEM;
	v->n--;
	return 0;
}

static void
iif_index_del(struct mfc *c, uint16_t iif, uint32_t cidx)
{
	struct u32vec *v;
	uint32_t pos, last;
	if (iif == MFC_IFID_NONE)
		return;
	v = &c->iifv[iif];
	pos = c->meta[cidx].pos;
	last = v->v[--v->n];
	v->v[pos] = last;
	c->meta[last].pos = pos;
}

/* The serials of a new OIF block (ocidx, list d): an OIF prev lists (live)
 * keeps its serial, any other is a new instance and gets the next one. */
static void
oser_assign(struct mfc *c, uint32_t ocidx, const struct mfc_oifl_data *d,
	    const struct mfc_entry *prev)
{
	const struct mfc_oifl_data *a = prev && prev->oifl ? prev->oifl->data : NULL;
	uint32_t j = 0, na = a ? a->n : 0;
	for (uint32_t i = 0; i < d->n; i++) {
		while (j < na && oif_cmp(&a->oif[j], &d->oif[i]) < 0)
			j++;
		/* the same instance: listed, not removed, and of the same
		 * interface generation (one hidden and added again is a new
		 * instance, found by review; bit 0 is the link's down bit) */
		if (j < na && oif_cmp(&a->oif[j], &d->oif[i]) == 0 &&
		    !(a->oif[j].flags & MFC_OIF_REMOVED) &&
		    (a->oif[j].gen & ~1u) == (d->oif[i].gen & ~1u)) {
			c->oser[ocidx + i] = c->oser[prev->ocidx + j];
			continue;
		}
		if (++c->oser_last == 0) /* 0 is never a serial */
			c->oser_last = 1;
		c->oser[ocidx + i] = c->oser_last;
	}
}

/* Build a new version in a pool slot. On failure nothing is allocated. */
static int
version_new(struct mfc *c, const struct mfc_spec *s, const struct mfc_oif *o,
	    uint64_t key, uint32_t cidx, const struct mfc_entry *prev,
	    uint32_t *eidx_out, int *moved_block)
{
	struct oifl_obj *l = NULL;
	uint32_t ocidx = IDX_NONE, ei;

	ei = pool_alloc(c);
	if (ei == IDX_NONE && (c->n_limbo > 0 || c->pbm_n > 0)) {
		reclaim_for_alloc(c);
		ei = pool_alloc(c);
	}
	if (ei == IDX_NONE)
		return -ENOSPC;
	if (s->n_oifs > 0) {
		l = oifl_get(c, o, s->n_oifs);
		if (l == NULL) {
			pool_release(c, ei);
			return -ENOMEM;
		}
		if (prev != NULL && prev->oifl == &l->pub) {
			ocidx = prev->ocidx; /* same list: same slots, counters stay */
			*moved_block = 1;
		} else {
			ocidx = oblock_alloc(c, s->n_oifs);
			if (ocidx == IDX_NONE && (c->n_limbo > 0 || c->pbm_n > 0)) {
				reclaim_for_alloc(c);
				ocidx = oblock_alloc(c, s->n_oifs);
			}
			if (ocidx == IDX_NONE) {
				oifl_put(c, &l->pub);
				pool_release(c, ei);
				return -ENOSPC;
			}
			oser_assign(c, ocidx, l->pub.data, prev);
		}
	}
	struct mfc_entry *e = &c->t.pool[ei];
	e->key = key;
	e->oifl = l ? &l->pub : NULL;
	e->cidx = cidx;
	e->ocidx = ocidx;
	e->iif = s->iif;
	e->flags = (uint16_t)(s->flags | (s->n_oifs == 0 ? MFC_F_NEGATIVE : 0));
	e->iif_gen = s->iif == MFC_IFID_NONE ? 0 : (c->iface_state[s->iif] & ~1u);
	*eidx_out = ei;
	return 0;
}

int
mfc_add(struct mfc *c, uint32_t src, uint32_t grp, const struct mfc_spec *s)
{
	struct mfc_oif o[s && s->n_oifs <= MFC_OIFS_MAX ? s->n_oifs + 1 : 1];
	uint64_t key = mfc_key(src, grp);
	uint32_t b1, b2, bo, ei, cidx;
	int so, rc, moved = 0;

	if (c == NULL || !key_valid(src, grp))
		return -EINVAL;
	/* both candidate buckets in flight together while the spec is checked */
	buckets_of(&c->t, key, &b1, &b2);
	__builtin_prefetch(&c->t.buckets[b1], 1, 3);
	__builtin_prefetch(&c->t.buckets[b2], 1, 3);
	if ((rc = spec_prepare(c, s, o)) < 0)
		return rc;
	if (slot_of(c, key, &bo, &so, NULL) == 0)
		return -EEXIST;
	if (c->count >= c->max_entries)
		return -ENOSPC;
	if (iif_index_reserve(c, s->iif) < 0)
		return -ENOMEM;
	cidx = cidx_alloc(c);
	if (cidx == IDX_NONE && (c->n_limbo > 0 || c->pbm_n > 0)) {
		reclaim_for_alloc(c);
		cidx = cidx_alloc(c);
	}
	if (cidx == IDX_NONE)
		return -ENOSPC;
	rc = version_new(c, s, o, key, cidx, NULL, &ei, &moved);
	if (rc < 0) {
		cidx_release(c, cidx);
		return rc;
	}
	if (make_room(c, b1, b2, &bo, &so) < 0) {
		struct mfc_entry *e = &c->t.pool[ei];
		if (e->ocidx != IDX_NONE)
			oblock_release(c, e->ocidx, s->n_oifs);
		oifl_put(c, e->oifl);
		pool_release(c, ei);
		cidx_release(c, cidx);
		return -ENOSPC;
	}
	slot_write(&c->t.buckets[bo].s[so], key, ei, s->iif);
	c->meta[cidx].eidx = ei;
	iif_index_add(c, s->iif, cidx);
	c->count++;
	return 0;
}

int
mfc_replace(struct mfc *c, uint32_t src, uint32_t grp, const struct mfc_spec *s)
{
	struct mfc_oif o[s && s->n_oifs <= MFC_OIFS_MAX ? s->n_oifs + 1 : 1];
	uint64_t key = mfc_key(src, grp);
	uint32_t bo, ei, old;
	int so, rc, moved = 0;

	if (c == NULL || !key_valid(src, grp))
		return -EINVAL;
	if ((rc = spec_prepare(c, s, o)) < 0)
		return rc;
	if (slot_of(c, key, &bo, &so, &old) < 0)
		return -ENOENT;
	if (iif_index_reserve(c, s->iif) < 0 || limbo_reserve(c, 1) < 0)
		return -ENOMEM;
	const struct mfc_entry *prev = &c->t.pool[old];
	rc = version_new(c, s, o, key, prev->cidx, prev, &ei, &moved);
	if (rc < 0)
		return rc;
	/* version_new may have synced: the slot does not move on sync */
	slot_write(&c->t.buckets[bo].s[so], key, ei, s->iif);
	c->meta[prev->cidx].eidx = ei;
	if (prev->iif != s->iif) {
		iif_index_del(c, prev->iif, prev->cidx);
		iif_index_add(c, s->iif, prev->cidx);
	}
	if (!moved && prev->ocidx != IDX_NONE)
		fold_oif_ctrs(c, prev, &c->t.pool[ei]);
	limbo_push(c, L_VERSION, old, (uint32_t)moved, NULL);
	return 0;
}

/* n more entries retired in the bitmap, none of them past its grace period
 * yet; bits of earlier purges may still wait (deferred): they stay. */
static void
pbm_added(struct mfc *c, uint32_t n)
{
	if (n == 0)
		return;
	c->pbm_n += n;
	c->pbm_safe = false;
	c->pbm_cur = 0; /* new bits may lie behind a deferred walk's cursor */
}

int
mfc_del(struct mfc *c, uint32_t src, uint32_t grp)
{
	uint64_t key = mfc_key(src, grp);
	uint32_t bo, ei;
	int so;

	if (c == NULL || !key_valid(src, grp))
		return -EINVAL;
	if (slot_of(c, key, &bo, &so, &ei) < 0)
		return -ENOENT;
	/* no room in the limbo: the bitmap (sized for the whole pool) takes
	 * the entry, as a purge's do, so that a delete cannot fail and leave
	 * its caller's record and the table disagreeing */
	bool to_pbm = limbo_reserve(c, 1) < 0;
	slot_write(&c->t.buckets[bo].s[so], KEY_EMPTY, 0, 0);
	iif_index_del(c, c->t.pool[ei].iif, c->t.pool[ei].cidx);
	c->count--;
	if (to_pbm) {
		c->pbm[ei >> 6] |= 1ull << (ei & 63);
		pbm_added(c, 1);
	} else {
		limbo_push(c, L_ENTRY, ei, 0, NULL);
	}
	return 0;
}

const struct mfc_entry *
mfc_find(const struct mfc *c, uint32_t src, uint32_t grp)
{
	uint32_t bo, ei;
	int so;
	if (c == NULL || !key_valid(src, grp) || slot_of(c, mfc_key(src, grp), &bo, &so, &ei) < 0)
		return NULL;
	return &c->t.pool[ei];
}

/* Whether a published generation is still the interface's (link down
 * does not count: it comes back on link up). */
static bool
gen_current(const struct mfc *c, uint16_t ifid, uint32_t gen)
{
	return (c->iface_state[ifid] & ~1u) == gen;
}

/* Live OIFs of an entry as an editable spec array: holes and OIFs whose
 * interface was hidden since they were published stay out, so an edit
 * never brings a hidden interface back. */
static uint32_t
entry_oifs(const struct mfc *c, const struct mfc_entry *e, struct mfc_oif *o)
{
	uint32_t n = 0;
	if (e->oifl == NULL)
		return 0;
	const struct mfc_oifl_data *d = e->oifl->data;
	for (uint32_t i = 0; i < d->n; i++)
		if (!(d->oif[i].flags & MFC_OIF_REMOVED) && gen_current(c, d->oif[i].ifid, d->oif[i].gen))
			o[n++] = d->oif[i];
	return n;
}

/* An entry whose incoming interface was hidden since it was published is
 * dead until purged: edits are refused rather than reviving it. */
static bool
iif_stale(const struct mfc *c, const struct mfc_entry *e)
{
	return e->iif != MFC_IFID_NONE && !gen_current(c, e->iif, e->iif_gen);
}

int
mfc_oif_add(struct mfc *c, uint32_t src, uint32_t grp, const struct mfc_oif *oif)
{
	if (c == NULL || oif == NULL)
		return -EINVAL;
	const struct mfc_entry *e = mfc_find(c, src, grp);
	if (e == NULL || iif_stale(c, e))
		return -ENOENT;
	uint32_t cap = e->oifl ? e->oifl->data->n + 1u : 1u;
	struct mfc_oif *o = malloc(cap * sizeof(*o));
	if (o == NULL)
		return -ENOMEM;
	uint32_t n = entry_oifs(c, e, o), i;
	for (i = 0; i < n; i++)
		if (o[i].ifid == oif->ifid && o[i].nexthop == oif->nexthop)
			break;
	o[i] = *oif;
	if (i == n)
		n++;
	struct mfc_spec s = { .iif = e->iif, .flags = e->flags & MFC_F_RX_IIF, .n_oifs = (uint16_t)n,
			      .oifs = o };
	int rc = n > MFC_OIFS_MAX ? -ENOSPC : mfc_replace(c, src, grp, &s);
	free(o);
	return rc;
}

int
mfc_oif_del(struct mfc *c, uint32_t src, uint32_t grp, uint16_t ifid, uint32_t nexthop)
{
	if (c == NULL)
		return -EINVAL;
	const struct mfc_entry *e = mfc_find(c, src, grp);
	if (e == NULL || e->oifl == NULL || iif_stale(c, e))
		return -ENOENT;
	struct mfc_oif *o = malloc(e->oifl->data->n * sizeof(*o));
	if (o == NULL)
		return -ENOMEM;
	uint32_t n = entry_oifs(c, e, o), i;
	for (i = 0; i < n; i++)
		if (o[i].ifid == ifid && o[i].nexthop == nexthop)
			break;
	int rc = -ENOENT;
	if (i < n) {
		o[i] = o[n - 1];
		struct mfc_spec s = { .iif = e->iif, .flags = e->flags & MFC_F_RX_IIF,
				      .n_oifs = (uint16_t)(n - 1), .oifs = o };
		rc = mfc_replace(c, src, grp, &s);
	}
	free(o);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Interfaces: hide, link state, bulk purge                          */

int
mfc_iface_hide(struct mfc *c, uint16_t ifid)
{
	if (c == NULL || ifid >= c->max_ifaces)
		return -EINVAL;
	__atomic_store_n(&c->iface_state[ifid], c->iface_state[ifid] + 2, __ATOMIC_RELEASE);
	gp_wait(c);
	return 0;
}

int
mfc_iface_set_down(struct mfc *c, uint16_t ifid, bool down)
{
	if (c == NULL || ifid >= c->max_ifaces)
		return -EINVAL;
	uint32_t st = c->iface_state[ifid];
	uint32_t nst = down ? (st | 1u) : (st & ~1u);
	if (nst == st)
		return 0;
	__atomic_store_n(&c->iface_state[ifid], nst, __ATOMIC_RELEASE);
	if (down)
		gp_wait(c);
	return 0;
}


/* Unlink every entry whose incoming interface is ifid. The reverse index
 * is walked in blocks so that the entry and bucket accesses of a block are
 * all in flight together. The entries go to the limbo (reclaimed in O(n));
 * when it cannot grow, to the bitmap, as the scan's do: that is sized for
 * the whole pool, so this part of a purge cannot fail. */
static uint32_t
purge_iif(struct mfc *c, uint16_t ifid)
{
	enum { BLK = 32 };
	struct u32vec *v = &c->iifv[ifid];
	uint32_t n = v->n;
	/* in a batch (a protocol shutdown: a million entries at once) the
	 * limbo would grow to hold them all, fresh memory for each entry:
	 * they go to the bitmap, sized for the pool already (+25-30 ms for
	 * 1M entries over 64 interfaces through the limbo) */
	bool limbo = !c->batch && limbo_reserve(c, n) == 0;

	for (uint32_t base = 0; base < n; base += BLK) {
		uint32_t m = n - base < BLK ? n - base : BLK;
		uint32_t ei[BLK], b1[BLK], b2[BLK];
		uint64_t key[BLK];
		for (uint32_t i = 0; i < m; i++) {
			ei[i] = c->meta[v->v[base + i]].eidx;
			__builtin_prefetch(&c->t.pool[ei[i]], 0, 3);
			if (base + BLK + i < n)
				__builtin_prefetch(&c->meta[v->v[base + BLK + i]], 0, 3);
		}
		for (uint32_t i = 0; i < m; i++) {
			key[i] = c->t.pool[ei[i]].key;
			buckets_of(&c->t, key[i], &b1[i], &b2[i]);
			__builtin_prefetch(&c->t.buckets[b1[i]], 1, 3);
			__builtin_prefetch(&c->t.buckets[b2[i]], 1, 3);
		}
		for (uint32_t i = 0; i < m; i++) {
			struct mfc_bucket *b = &c->t.buckets[b1[i]];
			uint32_t x;
			int s = bucket_find(b, key[i], &x);
			if (s < 0) {
				b = &c->t.buckets[b2[i]];
				s = bucket_find(b, key[i], &x);
			}
			if (s >= 0)
				slot_write(&b->s[s], KEY_EMPTY, 0, 0);
			if (limbo)
				c->limbo[c->n_limbo++] = (struct limbo){ L_ENTRY, ei[i], 0, NULL };
			else
				c->pbm[ei[i] >> 6] |= 1ull << (ei[i] & 63);
		}
	}
	v->n = 0;
	c->count -= n;
	if (!limbo)
		pbm_added(c, n);
	return n;
}

/* The same by one sequential pass over the buckets, for purges that touch
 * a large part of the table: the slot carries the iif, so no entry is read
 * and the bucket lines come in order. */
static uint32_t
purge_iif_scan(struct mfc *c, uint16_t ifid)
{
	uint32_t n = 0;
	for (uint32_t b = 0; b < c->t.nb_buckets; b++) {
		struct mfc_slot *sl = c->t.buckets[b].s;
		for (int k = 0; k < SLOTS; k++)
			if (sl[k].iif == ifid && sl[k].key != KEY_EMPTY) {
				/* retired through the bitmap: reclaimed in pool
				 * order, not in the random order found here */
				c->pbm[sl[k].eidx >> 6] |= 1ull << (sl[k].eidx & 63);
				slot_write(&sl[k], KEY_EMPTY, 0, 0);
				n++;
			}
	}
	c->iifv[ifid].n = 0;
	c->count -= n;
	pbm_added(c, n);
	return n;
}

/* Republish every OIF list holding ifid with those slots turned to holes.
 * A list with holes never equals a requested set (requests have none), so
 * it stays in the intern table under its old hash, never matched again,
 * until its last entry goes (no random access into the table here). Lists
 * are scanned
 * from an array, prefetching a few ahead. */
static int
purge_oif(struct mfc *c, uint16_t ifid, uint32_t *nlists)
{
	enum { AHEAD = 32 };
	int rc = 0;

	*nlists = 0;
	if (c->iface_oifl_refs[ifid] == 0)
		return 0;
	if (limbo_reserve(c, c->iface_oifl_refs[ifid]) < 0)
		return -ENOMEM;
	for (uint32_t k = 0; k < c->n_lists; k++) {
		if (k + AHEAD < c->n_lists)
			__builtin_prefetch(c->lv[k + AHEAD], 1, 3);
		if (k + AHEAD / 2 < c->n_lists)
			__builtin_prefetch(c->lv[k + AHEAD / 2]->pub.data, 0, 3);
		struct oifl_obj *l = c->lv[k];
		const struct mfc_oifl_data *d = l->pub.data;
		uint32_t hit = 0;
		for (uint32_t i = 0; i < d->n; i++)
			hit += d->oif[i].ifid == ifid && !(d->oif[i].flags & MFC_OIF_REMOVED);
		if (hit == 0)
			continue;
		struct mfc_oifl_data *nd = data_new(c, d->oif, d->n);
		if (nd == NULL) {
			rc = -ENOMEM;
			break;
		}
		for (uint32_t i = 0; i < nd->n; i++)
			if (nd->oif[i].ifid == ifid)
				nd->oif[i].flags |= MFC_OIF_REMOVED;
		nd->n_live = count_live(nd->oif, nd->n);
		__atomic_store_n(&l->pub.data, nd, __ATOMIC_RELEASE);
		c->iface_oifl_refs[ifid] -= hit;
		c->limbo[c->n_limbo++] = (struct limbo){ L_DATA, 0, 0, (void *)(uintptr_t)d };
		(*nlists)++;
		if (c->iface_oifl_refs[ifid] == 0)
			break;
	}
	return rc;
}

/* After a purge's grace period: the lists, and the entries unless a
 * deferred reclaim is asked for (then mfc_reclaim_some() gives them back). */
static void
purge_reclaim(struct mfc *c)
{
	if (c->defer_min && c->pbm_n >= c->defer_min) {
		reclaim_limbo(c);
		c->pbm_safe = true; /* every bit set so far is past the grace period */
	} else {
		reclaim(c);
	}
}

void
mfc_batch_begin(struct mfc *c)
{
	if (c != NULL)
		c->batch++;
}

unsigned int
mfc_batch_end(struct mfc *c)
{
	if (c == NULL || c->batch == 0 || --c->batch > 0 || !c->batch_gp)
		return 0;
	c->batch_gp = false;
	gp_wait(c);
	purge_reclaim(c);
	return 1;
}

int
mfc_ifaces_purge(struct mfc *c, const uint16_t *ifids, uint32_t n, struct mfc_purge_stats *st)
{
	struct mfc_purge_stats z;
	uint64_t t0, t1, t2, t3, t4;
	int rc = 0;

	if (c == NULL || (ifids == NULL && n > 0))
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++)
		if (ifids[i] >= c->max_ifaces)
			return -EINVAL;
	if (st == NULL)
		st = &z;
	memset(st, 0, sizeof(*st));
	if (n == 0)
		return 0; /* no grace period for nothing */
	t0 = __rdtsc();
	/* O(1) each: from here on no reader forwards on them or accepts them
	 * as iif */
	for (uint32_t i = 0; i < n; i++)
		__atomic_store_n(&c->iface_state[ifids[i]], c->iface_state[ifids[i]] + 2,
				 __ATOMIC_RELEASE);
	t1 = __rdtsc();
	for (uint32_t i = 0; i < n; i++) {
		uint16_t ifid = ifids[i];
		uint32_t nl = 0;
		/* index walk: ~1 random bucket access per entry; scan: 1/16
		 * of that per bucket, sequential */
		bool scan = (uint64_t)c->iifv[ifid].n * 16 > c->t.nb_buckets;
		st->scanned |= scan;
		st->entries_removed += scan ? purge_iif_scan(c, ifid) : purge_iif(c, ifid);
		/* a list holding several of them is republished once for each:
		 * every version in between is retired with the rest */
		int r = purge_oif(c, ifid, &nl);
		st->lists_republished += nl;
		if (r < 0)
			rc = r;
	}
	t2 = __rdtsc();
	if (c->batch) {
		c->batch_gp = true; /* the batch's one grace period, at its end */
		t3 = t4 = t2;
	} else {
		gp_wait(c); /* one grace period for the whole set */
		t3 = __rdtsc();
		purge_reclaim(c);
		t4 = __rdtsc();
	}
	st->hide_cycles = t1 - t0;
	st->unlink_cycles = t2 - t1;
	st->gp_cycles = t3 - t2;
	st->reclaim_cycles = t4 - t3;
	/* on -ENOMEM some lists still hold an interface, hidden by its new
	 * generation: nothing forwards on it, the caller may retry */
	return rc;
}

int
mfc_iface_purge(struct mfc *c, uint16_t ifid, struct mfc_purge_stats *st)
{
	return mfc_ifaces_purge(c, &ifid, 1, st);
}

/* ---------------------------------------------------------------- */
/* Statistics and walking                                            */

int
mfc_stats_get(const struct mfc *c, uint32_t src, uint32_t grp,
	      struct mfc_stats *st, struct mfc_oif_stats *oifs, uint32_t *n_oifs)
{
	const struct mfc_entry *e;
	if (c == NULL || st == NULL || (oifs != NULL && n_oifs == NULL))
		return -EINVAL;
	e = mfc_find(c, src, grp);
	if (e == NULL)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	for (uint32_t l = 0; l < c->n_lcores; l++) {
		const struct mfc_ctr *x = &c->lc[l].ent[e->cidx];
		st->pkts += x->pkts;
		st->bytes += x->bytes;
		st->wrong_if += x->wrong_if;
		st->hdr_err += x->hdr_err;
		st->discards += x->discards;
		if (x->last_used > st->last_used)
			st->last_used = x->last_used;
	}
	uint32_t live = 0, room = n_oifs ? *n_oifs : 0;
	st->out_pkts = c->ogone[e->cidx].out_pkts;
	st->out_discards = c->ogone[e->cidx].out_discards;
	if (e->oifl != NULL) {
		const struct mfc_oifl_data *d = e->oifl->data;
		for (uint32_t i = 0; i < d->n; i++) {
			struct mfc_oif_ctr s;
			st->out_pkts += oif_total(c, e->ocidx + i, &s);
			st->out_discards += s.out_discards;
			if (d->oif[i].flags & MFC_OIF_REMOVED)
				continue;
			if (oifs != NULL && live < room)
				oifs[live] = (struct mfc_oif_stats){
					.ifid = d->oif[i].ifid, .ttl = d->oif[i].ttl,
					.serial = c->oser[e->ocidx + i],
					.flags = d->oif[i].flags, .nexthop = d->oif[i].nexthop,
					.out_pkts = s.out_pkts, .out_discards = s.out_discards,
					.ttl_low = s.ttl_low, .frag_needed = s.frag_needed };
			live++;
		}
	}
	if (n_oifs != NULL)
		*n_oifs = live;
	return (oifs != NULL && live > room) ? -ENOSPC : 0;
}

int
mfc_walk(const struct mfc *c, int (*fn)(const struct mfc_entry *e, void *arg), void *arg)
{
	if (c == NULL || fn == NULL)
		return -EINVAL;
	for (uint32_t b = 0; b < c->t.nb_buckets; b++) {
		const struct mfc_bucket *bk = &c->t.buckets[b];
		for (int s = 0; s < SLOTS; s++) {
			if (bk->s[s].key == KEY_EMPTY)
				continue;
			int rc = fn(&c->t.pool[bk->s[s].eidx], arg);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}
