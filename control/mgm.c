/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Multicast Group Manager (see include/mgm.h and
 * shared/docs/mgm-semantics.md). Single-threaded: the control thread owns
 * every structure here; the forwarding cache is the only thing shared with
 * workers, and it is published through the cache's own RCU protocol.
 *
 * What is kept:
 * - clients: a fixed table, handles = slot + generation;
 * - ownership per interface (ifindex, next hop): a routing owner and an
 *   IGMP co-owner;
 * - memberships per (S,G) key ((*,G): S = 0, (*,*): G = 0 too): the
 *   interfaces with, for each, the clients holding join state and those
 *   holding forward state (two bitmaps): an interface leaves only when no
 *   client holds either; forwarding follows the union of the states;
 * - MFEs: (S,G) -> iif, upstream, timeout, vetoes; indexed by group so a
 *   (*,G) change updates the group's MFEs only. The OIF list of an MFE is
 *   the union of its three membership keys minus the iif minus vetoes; it
 *   is computed and published to the cache, which holds the only copy.
 *
 * Releasing an interface must not cost a walk of its MFE records: the
 * cache purge (which stops forwarding) is synchronous, but the records of
 * the MFEs whose iif it was are only detached, in O(1): their iif vector is
 * marked dead and moved to a graveyard. A record is live iff its iif
 * vector is (mfe_live()); every path that finds records (the mfes map, a
 * group's vector) skips dead ones, so they are absent to every caller, and
 * nothing republishes them. The reaper frees them, MGM_REAP_SLICE at a
 * time, from mgm_poll(); mgm_mfe_create() of a dead (S,G) frees that one
 * at once; mgm_destroy() frees the rest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include <rte_lpm.h>
#include <rte_errno.h>

#include "mgm.h"
#include "hmap.h"
#include "mcfwd_pkt.h"

#define MAX_CLIENTS 64
#define MAX_ENUMS 16
#define NO_CLIENT (-1)
/* Records of released interfaces freed per mgm_poll() (about 2 ms at a
 * million MFEs: each one touches its group's vector and the mfes map). */
#define MGM_REAP_SLICE 4096
/* Cache entries left by a bulk purge reclaimed per mgm_poll() (~1 ms) */
#define MGM_RECLAIM_SLICE 16384

struct client {
	uint32_t gen;
	bool used;
	uint32_t proto, comp;
	struct mgm_callbacks cb;
	void *ctx;
	uint32_t n_owned;
};

struct ifown {
	struct mgm_if ifc;
	int owner;          /* routing protocol client, or NO_CLIENT */
	int igmp;           /* IGMP client co-owning, or NO_CLIENT */
	bool igmp_disabled; /* between DISABLE_IGMP and ENABLE_IGMP */
	bool changing;      /* an ownership change is in progress */
	uint32_t n_members;
	/* the lease of the client that answers for it (if_owner()): new each
	 * time that client changes, or leaves and comes back (never 0) */
	uint32_t lease;
};

struct member {
	struct mgm_if ifc;
	uint64_t join;      /* clients with MGM_JOIN_STATE here (bitmap) */
	uint64_t fwd;       /* clients with MGM_FORWARD_STATE here */
};

/* Clients with any state in mb. */
static inline uint64_t
mb_clients(const struct member *mb)
{
	return mb->join | mb->fwd;
}

/* The states some client holds in mb: what forwarding follows. */
static inline uint32_t
mb_flags(const struct member *mb)
{
	return (mb->join ? MGM_JOIN_STATE : 0u) | (mb->fwd ? MGM_FORWARD_STATE : 0u);
}

/* The states client ci holds in mb. */
static inline uint32_t
mb_flags_of(const struct member *mb, int ci)
{
	return (((mb->join >> ci) & 1) ? MGM_JOIN_STATE : 0u) |
	       (((mb->fwd >> ci) & 1) ? MGM_FORWARD_STATE : 0u);
}

struct sgm { /* memberships of one (S,G) key */
	uint32_t src, grp;
	struct member *v;
	uint32_t n, cap;
};

struct mvec;

struct mfe {
	uint32_t src, grp;
	struct mgm_if iif;
	struct mvec *iv;    /* its iif's vector (dead: released); NULL: unindexed */
	struct mfe *next_free; /* on the limbo list (see mfe_free()) */
	uint32_t upstream;
	uint32_t timeout_s;
	uint64_t created, last_active, last_pkts, last_wrong_if;
	uint64_t id;        /* creation serial (struct mgm_mfe id) */
	uint32_t rx_if;     /* the first packet's arrival interface (mgm_mfe_redo()) */
	bool negative;
	bool rx_iif;        /* no route: its iif is the first packet's arrival one */
	bool short_to;      /* timeout_s is the no-OIF one it was created with */
	bool risk;          /* listed by mfes_at_risk() */
	bool upd_queued;    /* on an mfes_update() list (upd_next) */
	struct mfe *upd_next;
	struct mgm_if *veto;
	uint32_t n_veto;
	uint32_t gpos;      /* position in its group's vector */
	uint32_t ipos;      /* position in its incoming interface's vector */
};

struct mvec {
	struct mfe **v;
	uint32_t n, cap;
	uint32_t n_vetoed;  /* a group's: its records with vetoes (mfes_at_risk()) */
	bool dead;          /* an iif vector whose interface was released */
	struct mvec *next;  /* the graveyard's link (dead ones) */
};

struct route {
	struct mgm_if ifc;
	bool used;
	uint8_t len;
	uint32_t prefix;
};

struct genum {
	uint32_t gen;
	bool used;
	int owner;          /* the client that started it (ended when it deregisters) */
	struct mgm_group_entry *v;
	uint32_t n, pos;
};

struct timer {
	uint64_t id, when_ms, period_ms;
	mgm_timer_fn fn;
	void *arg;
};

struct fdw {
	int fd;
	mgm_fd_fn fn;
	void *arg;
};

struct mgm {
	struct mfc *cache;
	uint32_t max_mfes, max_members_per_if, timeout_s, neg_timeout_s;
	uint32_t flags;      /* MGM_F_* */
	uint8_t ttl[MFC_IFACES_MAX]; /* per-interface TTL threshold of OIFs (0: default 1) */
	uint64_t (*now)(void *);
	void *now_arg;

	struct client cl[MAX_CLIENTS];
	uint64_t igmp_mask;  /* slots whose client is IGMP (is_igmp()) */
	uint64_t n_releases; /* interface releases so far (mgm_mfe_create()'s re-check) */
	uint64_t n_owner_changes; /* leases so far: answering owners changed (lease_new()) */
	uint32_t n_vetoed;   /* indexed records with vetoes (the groups' n_vetoed summed) */
	struct hmap ifs;     /* (ifindex << 32 | nexthop) -> struct ifown */
	struct hmap sgms;    /* mfc_key(S, G) -> struct sgm */
	struct hmap mfes;    /* mfc_key(S, G) -> struct mfe */
	struct hmap groups;  /* G -> struct mvec of MFEs */
	struct hmap byiif;   /* (ifindex << 32 | nexthop) -> struct mvec of MFEs with that iif */
	uint32_t n_members;
	struct mvec *grave;  /* dead iif vectors: their records wait for the reaper */
	uint32_t n_dead;     /* records in them (still in mfes and groups) */
	int busy;            /* walking MFE pointers across callbacks: no record is freed */
	struct mfe *limbo;   /* records unindexed while busy, freed once not */

	struct hmap addrs;   /* ifindex -> struct addrs */
	struct rte_lpm *lpm;
	struct route *routes;
	uint32_t max_routes;
	struct route dflt;   /* 0/0: rte_lpm takes depths 1..32 only */

	struct genum en[MAX_ENUMS];

	uint64_t *snap;      /* sorted MFE keys (group, source), rebuilt when dirty */
	uint32_t n_snap;
	bool snap_dirty;

	int in_enable;       /* inside an ENABLE_IGMP callback */
	int in_cb;           /* inside any callback */
	uint64_t mfe_serial; /* MFEs created so far: their ids */
	uint32_t age_cursor; /* mgm_age_some(): next bucket of mfes */

	uint64_t (*now_ms)(void *);
	struct timer *tm;
	uint32_t n_tm, cap_tm;
	uint64_t next_tm_id;
	int epfd;
	struct fdw *fds;
	uint32_t n_fds, cap_fds;
};

/* ---------------------------------------------------------------- */

static uint64_t
default_now(void *arg)
{
	(void)arg;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static uint64_t
default_now_ms(void *arg)
{
	(void)arg;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
ifkey(uint32_t ifindex, uint32_t nh)
{
	return ((uint64_t)ifindex << 32) | nh;
}

static bool
if_eq(struct mgm_if a, struct mgm_if b)
{
	return a.ifindex == b.ifindex && a.nexthop == b.nexthop;
}

/* Set in every enumeration handle: a protocol handle's slot (1..64) never
 * has it, so neither kind passes for the other (both were gen << 32 |
 * slot from 1: the first enumeration's handle was the first protocol's,
 * and released its interfaces; found by review). */
#define ENUM_TAG 0x80000000u

static struct client *
client_of(struct mgm *m, mgm_handle_t h, int *idx)
{
	uint32_t slot = (uint32_t)h, gen = (uint32_t)(h >> 32);
	if (m == NULL || slot == 0 || slot > MAX_CLIENTS)
		return NULL;
	struct client *c = &m->cl[slot - 1];
	if (!c->used || c->gen != gen)
		return NULL;
	if (idx)
		*idx = (int)slot - 1;
	return c;
}

static bool
is_igmp(const struct mgm *m, int ci)
{
	return ci >= 0 && m->cl[ci].proto == MGM_PROTO_IGMP;
}

static struct ifown *
ifown_get(struct mgm *m, struct mgm_if ifc)
{
	return hmap_get(&m->ifs, ifkey(ifc.ifindex, ifc.nexthop));
}

/* The client that answers for an interface: its routing owner, else IGMP. */
static int
if_owner(struct mgm *m, struct mgm_if ifc)
{
	struct ifown *o = ifown_get(m, ifc);
	if (o == NULL)
		return NO_CLIENT;
	return o->owner != NO_CLIENT ? o->owner : o->igmp;
}

/* The same, and its lease in *lease (0: nobody answers). */
static int
if_answerer(struct mgm *m, struct mgm_if ifc, uint32_t *lease)
{
	struct ifown *o = ifown_get(m, ifc);
	*lease = 0;
	if (o == NULL)
		return NO_CLIENT;
	int ow = o->owner != NO_CLIENT ? o->owner : o->igmp;
	if (ow != NO_CLIENT)
		*lease = o->lease;
	return ow;
}

/* The client that answers for o changed (or left and comes back): a new
 * lease, so that what it answered before is not taken for its answer now */
static void
lease_new(struct mgm *m, struct ifown *o)
{
	o->lease = (uint32_t)++m->n_owner_changes;
	if (o->lease == 0)
		o->lease = (uint32_t)++m->n_owner_changes;
}

struct mgm *
mgm_create(const struct mgm_params *p)
{
	struct mgm *m;
	if (p == NULL || p->cache == NULL) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	m->cache = p->cache;
	m->max_mfes = p->max_mfes ? p->max_mfes : UINT32_MAX;
	m->max_members_per_if = p->max_members_per_if ? p->max_members_per_if : MGM_DEF_MAX_MEMBERS_PER_IF;
	m->timeout_s = p->mfe_timeout_s == MGM_TIMEOUT_NEVER ? 0
		       : p->mfe_timeout_s ? p->mfe_timeout_s : 900;
	m->neg_timeout_s = p->negative_timeout_s ? p->negative_timeout_s : 10;
	m->now = p->now ? p->now : default_now;
	m->now_arg = p->now_arg;
	m->max_routes = p->max_routes ? p->max_routes : 65536;
	m->now_ms = p->now_ms ? p->now_ms : default_now_ms;
	m->flags = p->flags;
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (m->epfd < 0) {
		int e = errno;
		free(m);
		errno = e;
		return NULL;
	}
	if (hmap_init(&m->ifs, 1024) || hmap_init(&m->sgms, 1024) ||
	    hmap_init(&m->mfes, 4096) || hmap_init(&m->groups, 1024) ||
	    hmap_init(&m->byiif, 1024) || hmap_init(&m->addrs, 64))
		goto nomem;
	m->routes = calloc(m->max_routes, sizeof(*m->routes));
	if (m->routes == NULL)
		goto nomem;
	struct rte_lpm_config lc = { .max_rules = m->max_routes, .number_tbl8s = 256 };
	m->lpm = rte_lpm_create(p->name ? p->name : "mgm", 0, &lc);
	if (m->lpm == NULL) {
		int e = rte_errno == EEXIST ? EEXIST : (rte_errno ? rte_errno : ENOMEM);
		mgm_destroy(m);
		errno = e;
		return NULL;
	}
	m->snap_dirty = true;
	return m;
nomem:
	mgm_destroy(m);
	errno = ENOMEM;
	return NULL;
}

static void
mfe_free_now(struct mfe *f)
{
	free(f->veto);
	free(f);
}

/* Free an unindexed record; while a caller walks MFE pointers across
 * callbacks (m->busy), keep it until that walk is over. */
static void
mfe_free(struct mgm *m, struct mfe *f)
{
	if (m->busy) {
		f->next_free = m->limbo;
		m->limbo = f;
	} else
		mfe_free_now(f);
}

static void
limbo_drain(struct mgm *m)
{
	while (m->limbo) {
		struct mfe *f = m->limbo;
		m->limbo = f->next_free;
		mfe_free_now(f);
	}
}

/* Indexed and its incoming interface not released. */
static inline bool
mfe_live(const struct mfe *f)
{
	return f->iv != NULL && !f->iv->dead;
}

static uint64_t mkey(uint32_t src, uint32_t grp);
static void mfe_delete(struct mgm *m, struct mfe *f);
static int u64_cmp(const void *a, const void *b);

/* The live MFE of (src, grp), or NULL. */
static struct mfe *
mfe_lookup(struct mgm *m, uint32_t src, uint32_t grp)
{
	struct mfe *f = hmap_get(&m->mfes, mkey(src, grp));
	return f != NULL && mfe_live(f) ? f : NULL;
}

void
mgm_destroy(struct mgm *m)
{
	if (m == NULL)
		return;
	if (m->ifs.b)
		HMAP_FOREACH(&m->ifs, x)
			free(x->val);
	if (m->sgms.b)
		HMAP_FOREACH(&m->sgms, x) {
			free(((struct sgm *)x->val)->v);
			free(x->val);
		}
	if (m->mfes.b) /* live and dead records */
		HMAP_FOREACH(&m->mfes, x)
			mfe_free_now(x->val);
	limbo_drain(m);
	while (m->grave) {
		struct mvec *iv = m->grave;
		m->grave = iv->next;
		free(iv->v);
		free(iv);
	}
	if (m->groups.b)
		HMAP_FOREACH(&m->groups, x) {
			free(((struct mvec *)x->val)->v);
			free(x->val);
		}
	if (m->byiif.b)
		HMAP_FOREACH(&m->byiif, x) {
			free(((struct mvec *)x->val)->v);
			free(x->val);
		}
	hmap_free(&m->byiif);
	if (m->addrs.b)
		HMAP_FOREACH(&m->addrs, x)
			free(x->val);
	hmap_free(&m->addrs);
	hmap_free(&m->ifs);
	hmap_free(&m->sgms);
	hmap_free(&m->mfes);
	hmap_free(&m->groups);
	for (int i = 0; i < MAX_ENUMS; i++)
		free(m->en[i].v);
	free(m->snap);
	free(m->routes);
	free(m->tm);
	free(m->fds);
	if (m->epfd >= 0)
		close(m->epfd);
	if (m->lpm)
		rte_lpm_free(m->lpm);
	free(m);
}

/* (NULL: 0, as every other call takes a NULL manager without a crash) */
uint32_t mgm_mfe_count(const struct mgm *m) { return m ? m->mfes.n - m->n_dead : 0; }
uint32_t mgm_mfe_reap_pending(const struct mgm *m) { return m ? m->n_dead : 0; }
uint32_t mgm_membership_count(const struct mgm *m) { return m ? m->n_members : 0; }

/* ---------------------------------------------------------------- */
/* Clients                                                           */

int
mgm_protocol_register(struct mgm *m, uint32_t proto_id, uint32_t component_id,
		      const struct mgm_callbacks *cb, void *ctx, mgm_handle_t *out)
{
	int free_slot = -1;
	if (m == NULL || out == NULL)
		return -EINVAL;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (m->cl[i].used && m->cl[i].proto == proto_id && m->cl[i].comp == component_id)
			return -EEXIST;
		if (!m->cl[i].used && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -ENOMEM;
	struct client *c = &m->cl[free_slot];
	uint32_t gen = c->gen;
	memset(c, 0, sizeof(*c));
	c->gen = gen + 1;
	c->used = true;
	c->proto = proto_id;
	if (proto_id == MGM_PROTO_IGMP)
		m->igmp_mask |= 1ull << free_slot;
	else
		m->igmp_mask &= ~(1ull << free_slot);
	c->comp = component_id;
	if (cb)
		c->cb = *cb;
	c->ctx = ctx;
	*out = ((uint64_t)c->gen << 32) | (uint32_t)(free_slot + 1);
	return 0;
}

int
mgm_protocol_deregister(struct mgm *m, mgm_handle_t h)
{
	struct client *c = client_of(m, h, NULL);
	if (c == NULL)
		return -EINVAL;
	if (c->n_owned > 0 || m->in_cb)
		return -EBUSY; /* still owns interfaces, or called from a callback */
	/* enumerations it never ended end with it: they would hold the
	 * shared slots for good */
	int ci = (int)(c - m->cl);
	for (int i = 0; i < MAX_ENUMS; i++)
		if (m->en[i].used && m->en[i].owner == ci) {
			free(m->en[i].v);
			m->en[i].v = NULL;
			m->en[i].used = false;
			m->en[i].gen++;
		}
	c->used = false;
	c->gen++; /* every copy of the handle is dead from now on */
	return 0;
}

/* Call a client's callback; m->in_cb says a callback is running (what
 * mgm_protocol_deregister() refuses). */
#define CB_CALL(m, call) do { (m)->in_cb++; call; (m)->in_cb--; } while (0)

/* ---------------------------------------------------------------- */
/* Memberships (lookups and the OIF union)                           */

static uint64_t
mkey(uint32_t src, uint32_t grp)
{
	return ((uint64_t)grp << 32) | src;
}

static struct sgm *
sgm_get(struct mgm *m, uint32_t src, uint32_t grp)
{
	return hmap_get(&m->sgms, mkey(src, grp));
}

static struct member *
sgm_find(struct sgm *s, struct mgm_if ifc)
{
	for (uint32_t i = 0; s && i < s->n; i++)
		if (if_eq(s->v[i].ifc, ifc))
			return &s->v[i];
	return NULL;
}

/* Clients with any membership in s. */
/* Client ci as the alert rules count it on ifc: IGMP's state on an
 * interface a routing protocol owns is that owner's (the owner hears of it
 * by LOCAL_JOIN/LOCAL_LEAVE; JOIN/PRUNE_ALERTs are about receivers on
 * interfaces other clients own). */
static int
alert_client(struct mgm *m, int ci, struct mgm_if ifc)
{
	if (!is_igmp(m, ci))
		return ci;
	struct ifown *o = ifown_get(m, ifc);
	return o != NULL && o->owner != NO_CLIENT ? o->owner : ci;
}

/* Clients c (a bitmap) on an interface whose routing owner is `owner`
 * (NO_CLIENT: none), as the alert rules count them: IGMP's bits are the
 * owner's. O(1) with the IGMP slot mask (a loop over 64 slots per member
 * made membership adds 17 times slower). */
static uint64_t
igmp_as_owner(const struct mgm *m, uint64_t c, int owner)
{
	uint64_t g = c & m->igmp_mask;
	if (g == 0 || owner == NO_CLIENT)
		return c;
	return (c & ~g) | (1ull << owner);
}

/* The clients of mb as the alert rules count them (alert_client()): the
 * joined ones. A FORWARD_STATE alone raises no JOIN_ALERT, so it is no
 * member to them either (it was: a join after it raised none, its delete
 * a PRUNE_ALERT nobody had a join for; found by a review). */
static uint64_t
mb_alert_clients(struct mgm *m, const struct member *mb)
{
	uint64_t c = mb->join;
	if (!(c & m->igmp_mask))
		return c;
	struct ifown *o = ifown_get(m, mb->ifc);
	return igmp_as_owner(m, c, o != NULL ? o->owner : NO_CLIENT);
}

/* The clients with state in key s, as the alert rules count them. */
static uint64_t
sgm_clients(struct mgm *m, const struct sgm *s)
{
	uint64_t c = 0;
	for (uint32_t i = 0; s && i < s->n; i++)
		c |= s->v[i].join;
	if (!(c & m->igmp_mask))
		return c; /* no IGMP state in the key: nothing to count as an owner's */
	c = 0;
	for (uint32_t i = 0; i < s->n; i++)
		c |= mb_alert_clients(m, &s->v[i]);
	return c;
}

static bool
vetoed(const struct mfe *f, struct mgm_if ifc)
{
	for (uint32_t i = 0; i < f->n_veto; i++)
		if (if_eq(f->veto[i], ifc))
			return true;
	return false;
}

static int
if_cmp(const void *a, const void *b)
{
	const struct mgm_if *x = a, *y = b;
	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return x->nexthop < y->nexthop ? -1 : x->nexthop > y->nexthop;
}

static int
add_oif(struct mgm_if *o, uint32_t n, uint32_t cap, struct mgm_if ifc)
{
	for (uint32_t i = 0; i < n; i++)
		if (if_eq(o[i], ifc))
			return (int)n;
	if (n >= cap)
		return (int)n;
	o[n] = ifc;
	return (int)n + 1;
}

/* OIFs of (src, grp) with incoming interface iif: (S,G) members (join or
 * forward state), (*,G) and (*,*) members (join state), minus the iif. */
static uint32_t
union_oifs(struct mgm *m, uint32_t src, uint32_t grp, struct mgm_if iif,
	   struct mgm_if *o, uint32_t cap)
{
	const struct sgm *k[3] = { sgm_get(m, src, grp), sgm_get(m, 0, grp), sgm_get(m, 0, 0) };
	uint32_t n = 0;
	for (int j = 0; j < 3; j++)
		for (uint32_t i = 0; k[j] && i < k[j]->n; i++) {
			const struct member *mb = &k[j]->v[i];
			if (j > 0 && !(mb->join))
				continue;
			if (if_eq(mb->ifc, iif))
				continue;
			n = (uint32_t)add_oif(o, n, cap, mb->ifc);
		}
	qsort(o, n, sizeof(*o), if_cmp); /* a stable order for alerts and tests */
	return n;
}

/* Publish f's current OIF list to the cache (replace). */
static bool mfe_unanswered(struct mgm *m, const struct mfe *f);

static int
mfe_publish(struct mgm *m, struct mfe *f, bool create)
{
	struct mgm_if o[MFC_OIFS_MAX];
	struct mfc_oif co[MFC_OIFS_MAX];
	uint32_t n = 0, k = 0;

	if (!f->negative)
		n = union_oifs(m, f->src, f->grp, f->iif, o, MFC_OIFS_MAX);
	for (uint32_t i = 0; i < n; i++) {
		if (vetoed(f, o[i]) || o[i].ifindex >= MFC_IFACES_MAX)
			continue;
		uint8_t ttl = m->ttl[o[i].ifindex] ? m->ttl[o[i].ifindex] : 1;
		co[k++] = (struct mfc_oif){ .nexthop = o[i].nexthop, .ifid = (uint16_t)o[i].ifindex,
					    .ttl = ttl, .flags = MFC_OIF_ENABLED };
	}
	struct mfc_spec sp = {
		.iif = f->iif.ifindex < MFC_IFACES_MAX ? (uint16_t)f->iif.ifindex : MFC_IFID_NONE,
		/* the worker hands control only the wrong-interface packets
		 * of these (mgm_wrong_if() can act on nothing else) */
		.flags = mfe_unanswered(m, f) ? MFC_F_RX_IIF : 0,
		.n_oifs = (uint16_t)k, .oifs = co };
	return create ? mfc_add(m->cache, f->src, f->grp, &sp)
		      : mfc_replace(m->cache, f->src, f->grp, &sp);
}

static struct mvec *
mvec_of(struct hmap *h, uint64_t key, bool create)
{
	struct mvec *g = hmap_get(h, key);
	if (g == NULL && create) {
		g = calloc(1, sizeof(*g));
		if (g == NULL || hmap_put(h, key, g) < 0) {
			free(g);
			return NULL;
		}
	}
	return g;
}

static struct mvec *
group_vec(struct mgm *m, uint32_t grp, bool create)
{
	return mvec_of(&m->groups, grp, create);
}

/* Room for one more; -ENOMEM. */
static int
mvec_reserve(struct mvec *g)
{
	if (g->n < g->cap)
		return 0;
	uint32_t nc = g->cap ? g->cap * 2 : 8;
	struct mfe **nv = realloc(g->v, nc * sizeof(*nv));
	if (nv == NULL)
		return -ENOMEM;
	g->v = nv;
	g->cap = nc;
	return 0;
}

/* Remove f (at position *pos) from g; the moved one takes its position. */
static void
mvec_remove(struct hmap *h, uint64_t key, struct mvec *g, uint32_t pos, bool by_group)
{
	g->v[pos] = g->v[--g->n];
	if (by_group)
		g->v[pos]->gpos = pos;
	else
		g->v[pos]->ipos = pos;
	if (g->n == 0) {
		hmap_del(h, key);
		free(g->v);
		free(g);
	}
}

/* Live OIFs of f's cache entry. */
static uint32_t
mfe_n_live(struct mgm *m, const struct mfe *f)
{
	const struct mfc_entry *e = mfc_find(m->cache, f->src, f->grp);
	const struct mfc_oifl_data *d = e ? mfc_entry_oifs(e) : NULL;
	return d ? d->n_live : 0;
}

/* f has just lost its last OIF: PRUNE_ALERT (member_delete false) to the
 * owner of its iif, which may set its timeout. The caller keeps f
 * allocated across the callback (m->busy). */
static void
mfe_emptied(struct mgm *m, struct mfe *f)
{
	int up = if_owner(m, f->iif);
	if (up == NO_CLIENT || m->cl[up].cb.prune_alert == NULL)
		return;
	struct client *c = &m->cl[up];
	uint32_t to = f->timeout_s;
	CB_CALL(m, c->cb.prune_alert(c->ctx, f->src, 0xffffffffu, f->grp, 0xffffffffu, f->iif,
				     false, &to));
	f->timeout_s = to;
	f->short_to = false; /* the client's choice from now on */
}

/* Recompute and republish the MFEs a change of key (src, grp) affects;
 * tell the iif owner when an MFE's list grew (JOIN_ALERT, member_update
 * false) or became empty (PRUNE_ALERT, member_delete false), unless the
 * owner is `actor`, the client that made the change (as the alert rules
 * count it: alert_client()), or NO_CLIENT. */
static void
mfes_update(struct mgm *m, uint32_t src, uint32_t grp, int actor)
{
	/* the records to update, linked through themselves: no allocation
	 * (a membership change that returned 0 cannot leave its MFEs stale
	 * for want of memory, found by review). A record already on the list
	 * of an update further up the stack (a callback's change) is left to
	 * it: it publishes later, from the state as it is then */
	struct mfe *head = NULL, **tail = &head;
#define UPD_QUEUE(x)                                                           \
	do {                                                                   \
		struct mfe *y_ = (x);                                          \
		if (mfe_live(y_) && !y_->upd_queued) {                         \
			y_->upd_queued = true;                                 \
			y_->upd_next = NULL;                                   \
			*tail = y_;                                            \
			tail = &y_->upd_next;                                  \
		}                                                              \
	} while (0)
	/* live records only: a dead one (its iif released, its cache entry
	 * purged) must never be published again */
	if (grp == 0) { /* (*,*): every MFE */
		HMAP_FOREACH(&m->mfes, x)
			UPD_QUEUE((struct mfe *)x->val);
	} else if (src == 0) {
		struct mvec *g = group_vec(m, grp, false);
		if (g == NULL)
			return;
		for (uint32_t i = 0; i < g->n; i++)
			UPD_QUEUE(g->v[i]);
	} else {
		struct mfe *one = hmap_get(&m->mfes, mkey(src, grp));
		if (one == NULL)
			return;
		UPD_QUEUE(one);
	}
#undef UPD_QUEUE
	if (head == NULL)
		return;
	/* callbacks below may release interfaces, create or age MFEs: the
	 * records listed stay allocated (m->busy) and are checked again */
	m->busy++;
	while (head != NULL) {
		struct mfe *f = head;
		head = f->upd_next;
		f->upd_queued = false;
		if (f->negative || !mfe_live(f))
			continue;
		uint32_t before = mfe_n_live(m, f);
		if (mfe_publish(m, f, false) < 0) {
			/* out of memory or room: the cache would keep the old
			 * list (an OIF whose receivers left) while the change
			 * returns 0; gone instead, the next packet makes it
			 * from the memberships as they are (found by review) */
			mfe_delete(m, f);
			continue;
		}
		uint32_t after = mfe_n_live(m, f);
		if (after > 0 && f->short_to) {
			/* receivers came: no longer a no-OIF entry to be rid of
			 * soon (a timeout a PRUNE_ALERT set is never short_to) */
			f->timeout_s = m->timeout_s;
			f->short_to = false;
		}
		int up = if_owner(m, f->iif);
		if (up == NO_CLIENT || up == actor)
			continue;
		struct client *c = &m->cl[up];
		if (after > before && c->cb.join_alert)
			CB_CALL(m, c->cb.join_alert(c->ctx, f->src, 0xffffffffu, f->grp, 0xffffffffu, false));
		if (after == 0 && before > 0)
			mfe_emptied(m, f);
	}
	if (--m->busy == 0)
		limbo_drain(m);
}

/* The client owning the interface towards src (RPF), or NO_CLIENT. */
static int
rpf_owner(struct mgm *m, uint32_t src, struct mgm_if *ifc)
{
	uint32_t nh;
	const struct route *r = &m->dflt;
	if (rte_lpm_lookup(m->lpm, src, &nh) == 0 && nh < m->max_routes && m->routes[nh].used)
		r = &m->routes[nh];
	if (!r->used)
		return NO_CLIENT;
	if (ifc)
		*ifc = r->ifc;
	return if_owner(m, r->ifc);
}

/* The owner of the way back to src for an (S,G) alert: the route's, or,
 * with no route and MGM_F_RPF_RX_FALLBACK, that of the live MFE's incoming
 * interface (the arrival interface that answered RPF at its creation:
 * the alerts missed it, found by review). */
static int
upstream_owner(struct mgm *m, uint32_t src, uint32_t grp)
{
	/* a live forwarding MFE's incoming interface is the way back to S
	 * as RPF answered it: its callback may have moved it off the route's
	 * (the alerts went to the route's owner, who does not feed it; the
	 * MFE's own JOIN/PRUNE_ALERTs go to its iif's owner: found by review) */
	const struct mfe *f = hmap_get(&m->mfes, mkey(src, grp));
	if (f != NULL && mfe_live(f) && !f->negative) {
		int own = if_owner(m, f->iif);
		if (own != NO_CLIENT && !is_igmp(m, own))
			return own;
	}
	int up = rpf_owner(m, src, NULL);
	if (up == NO_CLIENT && (m->flags & MGM_F_RPF_RX_FALLBACK) && f != NULL && mfe_live(f))
		up = if_owner(m, f->iif);
	return up;
}

/* ci: the client as the rules count it (alert_client()); self: the one
 * that called (IGMP for its own join on an owned interface), never told
 * of its own change either. */
static uint64_t
join_targets(struct mgm *m, int ci, int self, uint32_t src, uint32_t grp, uint64_t before)
{
	uint64_t targets = 0;

	if (before & (1ull << ci))
		return 0; /* not a new client for this key */
	if (src == 0) { /* (*,G) or (*,*) */
		int k = __builtin_popcountll(before);
		if (k == 0) {
			for (int i = 0; i < MAX_CLIENTS; i++)
				if (m->cl[i].used && i != ci)
					targets |= 1ull << i;
		} else if (k == 1)
			targets = before;
	} else if (before == 0) {
		int up = upstream_owner(m, src, grp);
		if (up != NO_CLIENT && up != ci)
			targets = 1ull << up;
	}
	return targets & ~(1ull << self);
}

static void
join_send(struct mgm *m, uint64_t targets, uint32_t src, uint32_t grp)
{
	uint32_t smask = src ? 0xffffffffu : 0, gmask = grp ? 0xffffffffu : 0;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if ((targets >> i) & 1 && m->cl[i].used && m->cl[i].cb.join_alert)
			CB_CALL(m, m->cl[i].cb.join_alert(m->cl[i].ctx, src, smask, grp, gmask, true));
}

static void
join_alerts(struct mgm *m, int ci, int self, uint32_t src, uint32_t grp, uint64_t before)
{
	join_send(m, join_targets(m, ci, self, src, grp, before), src, grp);
}

static uint64_t
prune_targets(struct mgm *m, int ci, int self, uint32_t src, uint32_t grp, uint64_t after)
{
	uint64_t targets = 0;

	if (after & (1ull << ci))
		return 0; /* the client still has other interfaces in this key */
	if (src == 0) {
		int k = __builtin_popcountll(after);
		if (k == 1)
			targets = after;
		else if (k == 0)
			for (int i = 0; i < MAX_CLIENTS; i++)
				if (m->cl[i].used && i != ci)
					targets |= 1ull << i;
	} else if (after == 0) {
		int up = upstream_owner(m, src, grp);
		if (up != NO_CLIENT && up != ci)
			targets = 1ull << up;
	}
	return targets & ~(1ull << self);
}

static void
prune_send(struct mgm *m, uint64_t targets, uint32_t src, uint32_t grp, struct mgm_if ifc)
{
	uint32_t smask = src ? 0xffffffffu : 0, gmask = grp ? 0xffffffffu : 0;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if ((targets >> i) & 1 && m->cl[i].used && m->cl[i].cb.prune_alert) {
			uint32_t to = m->timeout_s;
			CB_CALL(m, m->cl[i].cb.prune_alert(m->cl[i].ctx, src, smask, grp, gmask, ifc, true, &to));
		}
}

static void
prune_alerts(struct mgm *m, int ci, int self, uint32_t src, uint32_t grp, struct mgm_if ifc,
	     uint64_t after)
{
	prune_send(m, prune_targets(m, ci, self, src, grp, after), src, grp, ifc);
}

/* Whether client ci holds one of `flags` in key (src, grp) on ifc now:
 * callbacks run since the caller changed it may have changed it again. */
static bool
holds(struct mgm *m, int ci, uint32_t src, uint32_t grp, struct mgm_if ifc, uint32_t flags)
{
	const struct member *mb = sgm_find(sgm_get(m, src, grp), ifc);
	return mb != NULL && (mb_flags_of(mb, ci) & flags) != 0;
}

/* LOCAL_JOIN / LOCAL_LEAVE to the routing owner of ifc, for a change IGMP
 * (client igmp) made there. */
static void
local_notify(struct mgm *m, int igmp, uint32_t src, uint32_t grp, struct mgm_if ifc, bool join)
{
	struct ifown *o = ifown_get(m, ifc);
	if (o == NULL || o->owner == NO_CLIENT || o->owner == igmp)
		return;
	struct client *c = &m->cl[o->owner];
	if (join && c->cb.local_join)
		CB_CALL(m, c->cb.local_join(c->ctx, src, grp, ifc));
	else if (!join && c->cb.local_leave)
		CB_CALL(m, c->cb.local_leave(c->ctx, src, grp, ifc));
}

static int
norm_key(uint32_t *src, uint32_t smask, uint32_t *grp, uint32_t gmask)
{
	if ((smask != 0 && smask != 0xffffffffu) || (gmask != 0 && gmask != 0xffffffffu))
		return -EINVAL; /* single addresses or full wildcards only */
	if (smask == 0)
		*src = 0;
	if (gmask == 0)
		*grp = 0;
	if (*grp == 0 && *src != 0)
		return -EINVAL; /* (S,*) does not exist */
	if (gmask != 0 && (*grp >> 28) != 0xe)
		return -EINVAL; /* groups are 224.0.0.0/4 (0 with a full mask: no (*,*)) */
	if (smask != 0 && !mcfwd_ipv4_src_ok(*src))
		return -EINVAL; /* a source is unicast (0 with a full mask: no (*,G)) */
	return 0;
}

int
mgm_membership_add(struct mgm *m, mgm_handle_t h, uint32_t src, uint32_t smask,
		   uint32_t grp, uint32_t gmask, uint32_t ifindex, uint32_t nexthop,
		   uint32_t flags)
{
	int ci, rc;
	struct client *c = client_of(m, h, &ci);
	struct mgm_if ifc = { ifindex, nexthop };

	if (c == NULL || !(flags & (MGM_JOIN_STATE | MGM_FORWARD_STATE)) ||
	    (flags & ~(MGM_JOIN_STATE | MGM_FORWARD_STATE)))
		return -EINVAL;
	if ((rc = norm_key(&src, smask, &grp, gmask)) < 0)
		return rc;
	if (m->in_enable)
		return -EDEADLK;
	struct ifown *o = ifown_get(m, ifc);
	if (o == NULL || (o->owner != ci && o->igmp != ci))
		return -EINVAL; /* not the caller's interface */
	if (is_igmp(m, ci) && o->igmp_disabled)
		return -EAGAIN; /* IGMP is paused on it */

	struct sgm *s = sgm_get(m, src, grp);
	struct member *mb = sgm_find(s, ifc);
	if (mb != NULL && (mb_flags_of(mb, ci) & flags) == flags)
		return 0; /* already there */
	if (mb == NULL && o->n_members >= m->max_members_per_if)
		return -ENOSPC;
	if (s == NULL) {
		/* with room for its first members: a key is never left in the
		 * map without one (an add failing after it went in left an
		 * empty key that enumerations listed, found by review) */
		s = calloc(1, sizeof(*s));
		if (s != NULL && (s->v = malloc(4 * sizeof(*s->v))) != NULL)
			s->cap = 4;
		if (s == NULL || s->v == NULL || hmap_put(&m->sgms, mkey(src, grp), s) < 0) {
			if (s != NULL)
				free(s->v);
			free(s);
			return -ENOMEM;
		}
		s->src = src;
		s->grp = grp;
	}
	uint64_t before = sgm_clients(m, s);
	int ac = alert_client(m, ci, ifc); /* before any callback changes the owner */
	bool new_if = mb == NULL;
	/* LOCAL_JOIN when IGMP comes to the key there, not for a second
	 * state it adds (its FORWARD over its JOIN told the owner twice) */
	bool had = mb != NULL && mb_flags_of(mb, ci) != 0;
	if (mb == NULL) {
		if (s->n == s->cap) {
			uint32_t nc = s->cap ? s->cap * 2 : 4;
			struct member *nv = realloc(s->v, nc * sizeof(*nv));
			if (nv == NULL)
				return -ENOMEM;
			s->v = nv;
			s->cap = nc;
		}
		mb = &s->v[s->n++];
		*mb = (struct member){ .ifc = ifc };
		o->n_members++;
		m->n_members++;
	}
	uint32_t old_flags = mb_flags(mb);
	if (flags & MGM_JOIN_STATE)
		mb->join |= 1ull << ci;
	if (flags & MGM_FORWARD_STATE)
		mb->fwd |= 1ull << ci;
	/* decided before any callback: a callback may add to this key (s->v
	 * moves) or release the interface (s and o are freed), so mb, s and o
	 * are not used past this point */
	bool changed = new_if || mb_flags(mb) != old_flags;

	/* the spec's order: MFEs updated, LOCAL_JOIN, JOIN_ALERT; so a client
	 * told of the join already finds it in the forwarding state */
	if (changed)
		mfes_update(m, src, grp, ac);
	/* a callback that took the state away again has told its leave: no
	 * join after it */
	if (is_igmp(m, ci) && !had && holds(m, ci, src, grp, ifc, flags))
		local_notify(m, ci, src, grp, ifc, true);
	if ((flags & MGM_JOIN_STATE) && holds(m, ci, src, grp, ifc, MGM_JOIN_STATE))
		join_alerts(m, ac, ci, src, grp, before);
	return 0;
}

int
mgm_membership_delete(struct mgm *m, mgm_handle_t h, uint32_t src, uint32_t smask,
		      uint32_t grp, uint32_t gmask, uint32_t ifindex, uint32_t nexthop,
		      uint32_t flags)
{
	int ci, rc;
	struct client *c = client_of(m, h, &ci);
	struct mgm_if ifc = { ifindex, nexthop };

	if (c == NULL || (flags & ~(MGM_JOIN_STATE | MGM_FORWARD_STATE)))
		return -EINVAL;
	if ((rc = norm_key(&src, smask, &grp, gmask)) < 0)
		return rc;
	if (m->in_enable)
		return -EDEADLK;
	struct ifown *o = ifown_get(m, ifc);
	if (o == NULL || (o->owner != ci && o->igmp != ci))
		return -EINVAL; /* interface owned by another protocol */
	if (is_igmp(m, ci) && o->igmp_disabled)
		return -EAGAIN;
	struct sgm *s = sgm_get(m, src, grp);
	struct member *mb = sgm_find(s, ifc);
	if (flags == 0) /* every state the client holds there */
		flags = MGM_JOIN_STATE | MGM_FORWARD_STATE;
	if (mb == NULL || !(mb_flags_of(mb, ci) & flags))
		return -ENOENT;
	uint32_t old_flags = mb_flags(mb);
	bool had_join = (mb->join >> ci) & 1;
	if (flags & MGM_JOIN_STATE)
		mb->join &= ~(1ull << ci);
	if (flags & MGM_FORWARD_STATE)
		mb->fwd &= ~(1ull << ci);
	bool left = !((mb_clients(mb) >> ci) & 1); /* the client has no state there now */
	bool unjoined = had_join && !((mb->join >> ci) & 1);
	int ac = alert_client(m, ci, ifc);
	bool gone = mb_clients(mb) == 0;
	bool changed = gone || mb_flags(mb) != old_flags;
	if (gone) {
		*mb = s->v[--s->n];
		o->n_members--;
		m->n_members--;
	}
	uint64_t after = sgm_clients(m, s);
	if (s->n == 0) {
		hmap_del(&m->sgms, mkey(src, grp));
		free(s->v);
		free(s);
	}
	/* the mirror of add: MFEs updated, LOCAL_LEAVE, PRUNE_ALERT; the
	 * callbacks may change memberships and ownership (o may be freed), so
	 * both are looked up again */
	if (changed)
		mfes_update(m, src, grp, ac);
	if (left && is_igmp(m, ci) && !holds(m, ci, src, grp, ifc, MGM_JOIN_STATE | MGM_FORWARD_STATE))
		local_notify(m, ci, src, grp, ifc, false);
	/* the mirror of add's JOIN_ALERT: for the join going */
	if (unjoined && !holds(m, ci, src, grp, ifc, MGM_JOIN_STATE))
		prune_alerts(m, ac, ci, src, grp, ifc, after);
	return 0;
}

/* ---------------------------------------------------------------- */
/* MFEs                                                              */

/* Out of the group's vector and the mfes map (what the reaper does). */
static void
mfe_unlink(struct mgm *m, struct mfe *f)
{
	struct mvec *g = group_vec(m, f->grp, false);
	if (g != NULL) {
		if (f->n_veto > 0) {
			g->n_vetoed--;
			m->n_vetoed--;
		}
		mvec_remove(&m->groups, f->grp, g, f->gpos, true);
	}
	hmap_del(&m->mfes, mkey(f->src, f->grp));
}

/* Out of every index, live or dead (then it leaves the graveyard's count;
 * an emptied dead vector is left to the reaper). */
static void
mfe_unindex(struct mgm *m, struct mfe *f)
{
	struct mvec *iv = f->iv;
	mfe_unlink(m, f);
	if (iv != NULL) {
		iv->v[f->ipos] = iv->v[--iv->n];
		iv->v[f->ipos]->ipos = f->ipos;
		if (iv->dead)
			m->n_dead--;
		else if (iv->n == 0) {
			hmap_del(&m->byiif, ifkey(f->iif.ifindex, f->iif.nexthop));
			free(iv->v);
			free(iv);
		}
		f->iv = NULL;
	}
	m->snap_dirty = true;
}

/* Detach every record whose iif is ifc, in O(1): they are dead from now on
 * and wait for the reaper. @return how many. */
static uint32_t
mfes_bury(struct mgm *m, struct mgm_if ifc)
{
	struct mvec *iv = hmap_del(&m->byiif, ifkey(ifc.ifindex, ifc.nexthop));
	if (iv == NULL)
		return 0;
	if (iv->n == 0) { /* left behind by a failed index */
		free(iv->v);
		free(iv);
		return 0;
	}
	iv->dead = true;
	iv->next = m->grave;
	m->grave = iv;
	m->n_dead += iv->n;
	m->snap_dirty = true;
	return iv->n;
}

/* Free up to budget dead records (not while a walk holds pointers).
 * @return how many. */
static uint32_t
mfes_reap(struct mgm *m, uint32_t budget)
{
	uint32_t done = 0;
	if (m->busy)
		return 0;
	while (m->grave != NULL && done < budget) {
		struct mvec *iv = m->grave;
		while (iv->n > 0 && done < budget) {
			struct mfe *f = iv->v[--iv->n];
			if (iv->n > 0)
				__builtin_prefetch(iv->v[iv->n - 1]);
			mfe_unlink(m, f);
			mfe_free_now(f);
			m->n_dead--;
			done++;
		}
		if (iv->n == 0) {
			m->grave = iv->next;
			free(iv->v);
			free(iv);
		} else if (iv->cap - iv->n >= 4 * MGM_REAP_SLICE) {
			/* give the vector back as it empties: freeing a large block
			 * makes glibc consolidate every small chunk freed since the
			 * last time; at the end, in one go, that took ~10 ms for
			 * 150K records, now a few slices' worth at a time */
			struct mfe **nv = realloc(iv->v, iv->n * sizeof(*nv));
			if (nv != NULL) {
				iv->v = nv;
				iv->cap = iv->n;
			}
		}
	}
	return done;
}

static int
mfe_index(struct mgm *m, struct mfe *f)
{
	struct mvec *g = group_vec(m, f->grp, true);
	struct mvec *iv = mvec_of(&m->byiif, ifkey(f->iif.ifindex, f->iif.nexthop), true);
	if (g == NULL || iv == NULL || mvec_reserve(g) < 0 || mvec_reserve(iv) < 0)
		return -ENOMEM; /* empty vectors left behind are harmless */
	if (hmap_put(&m->mfes, mkey(f->src, f->grp), f) < 0)
		return -ENOMEM;
	f->gpos = g->n;
	g->v[g->n++] = f;
	if (f->n_veto > 0) {
		g->n_vetoed++;
		m->n_vetoed++;
	}
	f->ipos = iv->n;
	iv->v[iv->n++] = f;
	f->iv = iv;
	m->snap_dirty = true;
	return 0;
}

/* Rounds of CREATION_ALERTs an MFE's creation makes while callbacks move
 * its OIFs to other owners (mgm_mfe_create()). */
#define MGM_ALERT_ROUNDS 4

/* Drop the veto of ifc, if any, from a creation's vetoes (and leases). */
static void
veto_forget(struct mgm_if *veto, uint32_t *vlease, uint32_t *n, struct mgm_if ifc)
{
	for (uint32_t x = 0; x < *n; x++)
		if (if_eq(veto[x], ifc)) {
			veto[x] = veto[--*n];
			vlease[x] = vlease[*n];
			return;
		}
}

int
mgm_mfe_create(struct mgm *m, uint32_t src, uint32_t grp, uint32_t rx_ifindex,
	       const void *hdr, size_t hdr_len)
{
	/* a source is a unicast address: 0 is the (*,G) key, and the
	 * dataplane never punts a multicast or broadcast one */
	if (m == NULL || (grp >> 28) != 0xe || !mcfwd_ipv4_src_ok(src) ||
	    rx_ifindex >= mfc_table(m->cache)->max_ifaces)
		return -EINVAL; /* (an ifindex past the cache's was taken: found by review) */
	struct mfe *old = hmap_get(&m->mfes, mkey(src, grp));
	if (old != NULL && mfe_live(old))
		return -EEXIST;
	if (old != NULL) { /* the record of a released iif, not reaped yet */
		mfe_unindex(m, old);
		mfe_free(m, old);
	}
	if (mgm_mfe_count(m) >= m->max_mfes)
		return -ENOSPC;
	struct mfe *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	f->src = src;
	f->grp = grp;
	f->created = f->last_active = m->now(m->now_arg);
	f->id = ++m->mfe_serial;
	f->iif = (struct mgm_if){ rx_ifindex, 0 };
	f->rx_if = rx_ifindex;

	int up = rpf_owner(m, src, &f->iif);
	if (up == NO_CLIENT && (m->flags & MGM_F_RPF_RX_FALLBACK) && rx_ifindex < MFC_IFACES_MAX) {
		/* no route towards S: the arrival interface's owner answers RPF */
		f->iif = (struct mgm_if){ rx_ifindex, 0 };
		up = if_owner(m, f->iif);
		f->rx_iif = true;
	}
	/* no route, or no routing protocol answers for the way back to S */
	f->negative = up == NO_CLIENT || is_igmp(m, up);
	uint64_t rel0 = m->n_releases;
	struct mgm_if iif0 = f->iif;
	if (!f->negative && m->cl[up].cb.rpf)
		CB_CALL(m, m->cl[up].cb.rpf(m->cl[up].ctx, src, grp, &f->iif, &f->upstream, hdr, hdr_len));

	if (!f->negative) {
		/* CREATION_ALERT to each client owning OIFs, with its OIFs */
		struct mgm_if o[MFC_OIFS_MAX];
		uint32_t n = union_oifs(m, src, grp, f->iif, o, MFC_OIFS_MAX);
		/* room for every veto before anyone is asked (a veto that
		 * could not be kept forwarded on the OIF it refused, found by
		 * review), in the one allocation with the alerts' arrays: the
		 * vetoes first, so that the block is the MFE's veto array */
		size_t nn = n ? n : 1;
		struct mgm_if *veto = malloc(nn * (sizeof(struct mgm_if) + sizeof(struct mgm_alert_oif)));
		struct mgm_alert_oif *ao = veto ? (struct mgm_alert_oif *)(veto + nn) : NULL;
		uint32_t vlease[MFC_OIFS_MAX]; /* the lease each veto came from */
		uint32_t asked[MFC_OIFS_MAX];  /* the lease asked about each OIF (0: none) */
		uint16_t aidx[MFC_OIFS_MAX];   /* an alert's OIFs: their index in o[] */
		_Static_assert(MFC_OIFS_MAX <= 65536, "aidx holds an index of o[]");
		if (veto == NULL) {
			free(f);
			return -ENOMEM;
		}
		memset(asked, 0, n * sizeof(asked[0]));
		/* Each owner is asked once about its OIFs, in the order of its
		 * first. A callback may take or release an interface: then its
		 * answering owner is asked about it (again, if the same one left
		 * and came back), in a round of its own (as a take after the
		 * creation would have the MFE made again with the new owner
		 * asked, found by review), a few rounds at most; an answer of
		 * an earlier lease goes. */
		uint64_t chg0 = m->n_owner_changes;
		bool settled = true;
		for (int round = 0; round < MGM_ALERT_ROUNDS; round++) {
			uint64_t chg = m->n_owner_changes;
			for (uint32_t i = 0; i < n; i++) {
				uint32_t li, lj;
				int ow = if_answerer(m, o[i], &li);
				if (ow == NO_CLIENT || asked[i] == li)
					continue;
				uint32_t k = 0;
				bool again = false;
				for (uint32_t j = i; j < n; j++)
					if (if_answerer(m, o[j], &lj) == ow && asked[j] != lj) {
						again |= asked[j] != 0;
						asked[j] = lj;
						aidx[k] = (uint16_t)j;
						ao[k++] = (struct mgm_alert_oif){ o[j], true };
					}
				if (m->cl[ow].cb.creation_alert)
					CB_CALL(m, m->cl[ow].cb.creation_alert(m->cl[ow].ctx, src, grp, f->iif,
										ao, k));
				for (uint32_t j = 0; j < k; j++) {
					/* the OIF asked about, not what the callback
					 * may have written over ao[j].ifc */
					struct mgm_if oj = o[aidx[j]];
					/* asked again: the earlier answer goes, whatever
					 * this one (a veto of an owner who had it, lost
					 * it and has it again survived: found by review) */
					if (again)
						veto_forget(veto, vlease, &f->n_veto, oj);
					if (!ao[j].enabled && f->n_veto < n) {
						vlease[f->n_veto] = asked[aidx[j]];
						veto[f->n_veto++] = oj;
					}
				}
			}
			settled = m->n_owner_changes == chg;
			if (settled)
				break;
		}
		/* still changing hands after the last round: an OIF whose owner
		 * was never asked is not forwarded, vetoed in its name (not
		 * forwarded unasked, found by review) */
		for (uint32_t j = 0; !settled && j < n; j++) {
			uint32_t lj;
			if (if_answerer(m, o[j], &lj) == NO_CLIENT || asked[j] == lj)
				continue;
			veto_forget(veto, vlease, &f->n_veto, o[j]);
			if (f->n_veto < n) {
				vlease[f->n_veto] = lj;
				veto[f->n_veto++] = o[j];
			}
		}
		/* a veto is its lease's: one whose interface changed hands
		 * since goes (the owner then was not asked again) */
		if (m->n_owner_changes != chg0) {
			uint32_t kept = 0;
			for (uint32_t j = 0; j < f->n_veto; j++) {
				uint32_t lj;
				(void)if_answerer(m, veto[j], &lj);
				if (lj == vlease[j]) {
					vlease[kept] = vlease[j];
					veto[kept++] = veto[j];
				}
			}
			f->n_veto = kept;
		}
		if (f->n_veto > 0) {
			/* cut to the vetoes (if that fails, the block does) */
			struct mgm_if *v = realloc(veto, f->n_veto * sizeof(*v));
			f->veto = v ? v : veto;
		} else {
			free(veto);
		}
		/* a callback may have released the way back (the RPF one may
		 * also have moved the iif): no owner now, no forwarding. Looked
		 * up only then (a lookup per creation cost ~3% of the rate) */
		/* an iif the RPF callback chose is no arrival one (else a
		 * negative result would be made again on each wrong-if) */
		f->rx_iif &= if_eq(f->iif, iif0);
		if (m->n_releases != rel0 || !if_eq(f->iif, iif0)) {
			int now_up = if_owner(m, f->iif);
			f->negative = now_up == NO_CLIENT || is_igmp(m, now_up);
		}
	}
	f->timeout_s = m->timeout_s;
	/* a callback may have made this (S,G) itself (clients may call MGM
	 * from callbacks), and released its iif: indexed twice, the key's
	 * first removal took the wrong record and left a freed one indexed
	 * (found by review) */
	struct mfe *twin = hmap_get(&m->mfes, mkey(src, grp));
	if (twin != NULL && mfe_live(twin)) {
		mfe_free(m, f);
		return -EEXIST;
	}
	if (twin != NULL) {
		mfe_unindex(m, twin);
		mfe_free(m, twin);
	}
	int rc = mfe_index(m, f);
	if (rc == 0)
		rc = mfe_publish(m, f, true);
	if (rc < 0) {
		if (hmap_get(&m->mfes, mkey(src, grp)) == f)
			mfe_unindex(m, f);
		mfe_free(m, f);
		return rc;
	}
	const struct mfc_entry *e = mfc_find(m->cache, src, grp);
	if (e == NULL || (e->flags & MFC_F_NEGATIVE) || mfc_entry_oifs(e)->n_live == 0) {
		f->timeout_s = m->neg_timeout_s; /* a flood of sources cannot fill the table */
		f->short_to = true; /* until receivers appear (mfes_update()) */
	}
	return 0;
}

/* A negative MFE whose iif is the first packet's arrival interface, which
 * no routing protocol owns: nobody answered RPF for it. */
static bool
mfe_unanswered(struct mgm *m, const struct mfe *f)
{
	if (!f->negative || !f->rx_iif)
		return false;
	int up = if_owner(m, f->iif);
	return up == NO_CLIENT || is_igmp(m, up);
}

int
mgm_wrong_if(struct mgm *m, uint32_t src, uint32_t grp, uint32_t rx_ifindex,
	     const void *hdr, size_t hdr_len)
{
	if (m == NULL)
		return -EINVAL;
	struct mfe *f = mfe_lookup(m, src, grp);
	if (f == NULL)
		return -ENOENT;
	struct mgm_if ifc = { rx_ifindex, 0 };
	int ow = if_owner(m, ifc);
	/* before the rate limit: another unowned interface's event must not
	 * hold this one back (found by review) */
	if (mfe_unanswered(m, f) && ow != NO_CLIENT && !is_igmp(m, ow) && !if_eq(f->iif, ifc) &&
	    rpf_owner(m, src, NULL) == NO_CLIENT) {
		/* nobody answered for the interface the first packet came on
		 * (no route, no owner there), and this one has an owner: the
		 * MFE is made again from here (a stray packet on an unowned
		 * interface kept a configured flow dropped, found by a
		 * black-box test) */
		mfe_delete(m, f);
		int rc = mgm_mfe_create(m, src, grp, rx_ifindex, hdr, hdr_len);
		return rc < 0 ? rc : 0;
	}
	uint64_t now = m->now(m->now_arg);
	if (f->last_wrong_if != 0 && now - f->last_wrong_if < 1)
		return 0; /* rate limit: one a second per MFE */
	f->last_wrong_if = now ? now : 1;
	if (ow == NO_CLIENT || m->cl[ow].cb.wrong_if == NULL)
		return 0;
	CB_CALL(m, m->cl[ow].cb.wrong_if(m->cl[ow].ctx, src, grp, ifc, hdr, hdr_len));
	return 1;
}

static void
mfe_delete(struct mgm *m, struct mfe *f)
{
	(void)mfc_del(m->cache, f->src, f->grp);
	mfe_unindex(m, f);
	mfe_free(m, f);
}

/* Age one MFE: activity from the cache's counters; @return 1 if deleted. */
static int
age_one(struct mgm *m, struct mfe *f, uint64_t now)
{
	struct mfc_stats st;
	if (!mfe_live(f))
		return 0; /* released: its cache entry is gone, the reaper frees it */
	if (mfc_stats_get(m->cache, f->src, f->grp, &st, NULL, NULL) == 0 &&
	    st.pkts != f->last_pkts) {
		f->last_pkts = st.pkts;
		f->last_active = now;
	}
	/* strictly longer: with a clock in whole seconds, ">=" could delete an
	 * MFE one millisecond after its last activity was noticed */
	if (f->timeout_s != 0 && now - f->last_active > f->timeout_s) {
		mfe_delete(m, f);
		return 1;
	}
	return 0;
}

int
mgm_age(struct mgm *m)
{
	if (m == NULL)
		return -EINVAL;
	uint64_t now = m->now(m->now_arg);
	int n = 0;
	HMAP_FOREACH(&m->mfes, x)
		n += age_one(m, x->val, now);
	if (n)
		mfc_sync(m->cache);
	return n;
}

int
mgm_age_some(struct mgm *m, uint32_t budget, bool *wrapped)
{
	if (m == NULL || budget == 0)
		return -EINVAL;
	uint64_t now = m->now(m->now_arg);
	uint32_t seen = 0;
	int n = 0;
	if (wrapped)
		*wrapped = false;
	if (m->age_cursor >= m->mfes.size)
		m->age_cursor = 0; /* the map grew or shrank: start over */
	while (seen < budget) {
		for (struct hmap_node *x = m->mfes.b[m->age_cursor], *nx; x; x = nx) {
			nx = x->next;
			n += age_one(m, x->val, now);
			seen++;
		}
		if (++m->age_cursor >= m->mfes.size) {
			m->age_cursor = 0;
			if (wrapped)
				*wrapped = true;
			break;
		}
	}
	if (n)
		mfc_sync(m->cache);
	return n;
}

int
mgm_interface_ttl_set(struct mgm *m, uint32_t ifindex, uint8_t ttl)
{
	if (m == NULL || ifindex >= MFC_IFACES_MAX || ttl == 0)
		return -EINVAL;
	uint8_t was = m->ttl[ifindex] ? m->ttl[ifindex] : 1;
	m->ttl[ifindex] = ttl;
	if (was == ttl || m->mfes.n == 0)
		return 0;
	/* at once, on every MFE forwarding there (a reload that changes a
	 * threshold keeps its MFEs: they took the old one) */
	m->busy++;
	HMAP_FOREACH(&m->mfes, x) {
		struct mfe *f = x->val;
		if (f->negative || !mfe_live(f))
			continue;
		const struct mfc_entry *e = mfc_find(m->cache, f->src, f->grp);
		const struct mfc_oifl_data *d = e ? mfc_entry_oifs(e) : NULL;
		for (uint32_t i = 0; d != NULL && i < d->n; i++)
			if (d->oif[i].ifid == ifindex) {
				if (mfe_publish(m, f, false) < 0)
					mfe_delete(m, f); /* not the old threshold: made again */
				break;
			}
	}
	if (--m->busy == 0)
		limbo_drain(m);
	return 0;
}

int
mgm_interface_ttl_get(const struct mgm *m, uint32_t ifindex)
{
	if (m == NULL || ifindex >= MFC_IFACES_MAX)
		return -EINVAL;
	return m->ttl[ifindex] ? m->ttl[ifindex] : 1;
}

int
mgm_mfe_set(struct mgm *m, mgm_handle_t h, uint32_t src, uint32_t grp, uint32_t upstream)
{
	if (client_of(m, h, NULL) == NULL)
		return -EINVAL;
	struct mfe *f = mfe_lookup(m, src, grp);
	if (f == NULL)
		return -ENOENT;
	f->upstream = upstream;
	return 0;
}

void
mgm_batch_begin(struct mgm *m)
{
	if (m != NULL)
		mfc_batch_begin(m->cache);
}

void
mgm_batch_end(struct mgm *m)
{
	if (m != NULL)
		(void)mfc_batch_end(m->cache);
}

int
mgm_mfe_redo(struct mgm *m, uint32_t src, uint32_t grp)
{
	if (m == NULL || (grp != 0 && (grp >> 28) != 0xe) || (grp == 0 && src != 0) ||
	    (src != 0 && !mcfwd_ipv4_src_ok(src)))
		return -EINVAL;
	if (m->in_cb)
		return -EBUSY; /* a callback's answer is the one being replaced */
	uint64_t *keys = NULL;
	uint32_t *rx = NULL, n = 0, cap = 1;
	struct mvec *g = NULL;
	if (grp == 0)
		cap = m->mfes.n;
	else if (src == 0 && (g = group_vec(m, grp, false)) != NULL)
		cap = g->n;
	if (cap == 0)
		return 0;
	keys = malloc(cap * sizeof(*keys));
	rx = malloc(cap * sizeof(*rx));
	if (keys == NULL || rx == NULL) {
		free(keys);
		free(rx);
		return -ENOMEM;
	}
	if (grp == 0) {
		HMAP_FOREACH(&m->mfes, x)
			if (mfe_live(x->val) && n < cap) {
				keys[n] = x->key;
				rx[n++] = ((struct mfe *)x->val)->rx_if;
			}
	} else if (src == 0) {
		for (uint32_t i = 0; g != NULL && i < g->n; i++)
			if (mfe_live(g->v[i])) {
				keys[n] = mkey(g->v[i]->src, grp);
				rx[n++] = g->v[i]->rx_if;
			}
	} else {
		struct mfe *f = mfe_lookup(m, src, grp);
		if (f != NULL) {
			keys[n] = mkey(src, grp);
			rx[n++] = f->rx_if;
		}
	}
	/* one at a time: a packet of each finds no entry for the time of a
	 * delete and a create only; made with the interface its first packet
	 * came on (MGM_F_RPF_RX_FALLBACK asks that one's owner: the MFE's iif
	 * is the old answer, found by review) */
	int done = 0, err = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = (uint32_t)keys[i], gk = (uint32_t)(keys[i] >> 32); /* mkey() */
		struct mfe *f = mfe_lookup(m, s, gk);
		if (f == NULL)
			continue;
		mfe_delete(m, f);
		int rc = mgm_mfe_create(m, s, gk, rx[i], NULL, 0);
		if (rc < 0 && err == 0)
			err = rc; /* gone: its next packet makes it */
		done += rc == 0;
	}
	free(keys);
	free(rx);
	if (n > 0)
		mfc_sync(m->cache);
	return err < 0 ? err : done;
}

/* ---------------------------------------------------------------- */
/* Ownership                                                         */

/* ifc lost its owner: the vetoes of it on MFEs were that owner's
 * (CREATION_ALERT asks an OIF's owner), and a first packet now would find
 * none; they go, so IGMP's members there forward again once re-added (a
 * reload that released an interface left them vetoed, found by review).
 * Nothing to look at (and no cost) while no MFE has a veto. */
static void
vetoes_drop(struct mgm *m, struct mgm_if ifc)
{
	if (m->n_vetoed == 0)
		return;
	HMAP_FOREACH(&m->groups, x) {
		struct mvec *g = x->val;
		for (uint32_t i = 0; g->n_vetoed > 0 && i < g->n; i++) {
			struct mfe *f = g->v[i];
			uint32_t k = 0;
			for (uint32_t j = 0; j < f->n_veto; j++)
				if (!if_eq(f->veto[j], ifc))
					f->veto[k++] = f->veto[j];
			if (k == f->n_veto)
				continue;
			f->n_veto = k;
			if (k == 0) {
				g->n_vetoed--;
				m->n_vetoed--;
			}
		}
	}
}

static void
igmp_call(struct mgm *m, struct ifown *o, bool enable)
{
	if (o->igmp == NO_CLIENT)
		return;
	struct client *c = &m->cl[o->igmp];
	if (enable) {
		o->igmp_disabled = false;
		if (c->cb.enable_igmp) {
			m->in_enable++;
			CB_CALL(m, c->cb.enable_igmp(c->ctx, o->ifc));
			m->in_enable--;
		}
	} else {
		o->igmp_disabled = true;
		if (c->cb.disable_igmp)
			CB_CALL(m, c->cb.disable_igmp(c->ctx, o->ifc));
	}
}

/* The membership keys in which IGMP holds a state on o's interface, in
 * (group, source) order; *n = 0 and NULL when none. -ENOMEM. */
static int
igmp_keys_on(struct mgm *m, const struct ifown *o, uint64_t **keys, uint32_t *n)
{
	uint64_t *k = NULL, bit = 1ull << o->igmp;
	uint32_t cap = 0;
	*keys = NULL;
	*n = 0;
	HMAP_FOREACH(&m->sgms, x) {
		const struct member *mb = sgm_find(x->val, o->ifc);
		if (mb == NULL || !(mb_clients(mb) & bit))
			continue;
		if (*n == cap) {
			uint32_t nc = cap ? cap * 2 : 16;
			uint64_t *nk = realloc(k, nc * sizeof(*nk));
			if (nk == NULL) {
				free(k);
				*n = 0;
				return -ENOMEM;
			}
			k = nk;
			cap = nc;
		}
		k[(*n)++] = x->key;
	}
	if (*n > 1) /* (k is NULL when there are none: not for qsort) */
		qsort(k, *n, sizeof(*k), u64_cmp); /* mkey: group high */
	*keys = k;
	return 0;
}

/* The keys (mkey()) of the live MFEs with a veto of ifc, in *keys (NULL
 * when none; the caller frees). Nothing to look at while no MFE has a veto. */
static int
vetoed_keys(struct mgm *m, struct mgm_if ifc, uint64_t **keys, uint32_t *n)
{
	*keys = NULL;
	*n = 0;
	if (m->n_vetoed == 0)
		return 0;
	uint32_t cap = 0;
	for (int pass = 0; pass < 2; pass++) {
		HMAP_FOREACH(&m->groups, x) {
			const struct mvec *g = x->val;
			for (uint32_t i = 0; g->n_vetoed > 0 && i < g->n; i++) {
				const struct mfe *f = g->v[i];
				if (!mfe_live(f) || !vetoed(f, ifc))
					continue;
				if (pass == 0)
					cap++;
				else if (*n < cap)
					(*keys)[(*n)++] = mkey(f->src, f->grp);
			}
		}
		if (pass == 0) {
			if (cap == 0)
				return 0;
			*keys = malloc(cap * sizeof(**keys));
			if (*keys == NULL)
				return -ENOMEM;
		}
	}
	return 0;
}

/* One key of IGMP's join states on ifc when a routing protocol (ci) takes
 * the interface: they become ci's for the alert rules, as if IGMP's state
 * left (PRUNE_ALERTs as IGMP's: DISABLE_IGMP) and came back (JOIN_ALERTs
 * as ci's: the re-add after ENABLE_IGMP). A client that would hear both
 * hears neither (its view does not change). The rest of the key is counted
 * as it is now (callbacks may have changed it); the owner is ci already. */
static void
take_handover_alert(struct mgm *m, int ci, int igmp, uint64_t key, struct mgm_if ifc)
{
	uint32_t src = mfc_key_src(key), grp = mfc_key_grp(key);
	struct sgm *s = sgm_get(m, src, grp);
	struct member *mb = sgm_find(s, ifc);
	uint64_t bit = 1ull << igmp;
	if (mb == NULL || !(mb->join & bit))
		return; /* a FORWARD_STATE alone raises no alert */
	mb->join &= ~bit;
	uint64_t rest = sgm_clients(m, s); /* IGMP's bits elsewhere are unchanged */
	mb->join |= bit;
	uint64_t pr = prune_targets(m, igmp, igmp, src, grp, rest);
	uint64_t jn = join_targets(m, ci, igmp, src, grp, rest);
	prune_send(m, pr & ~jn, src, grp, ifc);
	join_send(m, jn & ~pr, src, grp);
}

int
mgm_interface_take(struct mgm *m, mgm_handle_t h, uint32_t ifindex, uint32_t nexthop)
{
	int ci;
	struct client *c = client_of(m, h, &ci);
	struct mgm_if ifc = { ifindex, nexthop };
	if (c == NULL || ifindex >= mfc_table(m->cache)->max_ifaces)
		return -EINVAL;
	struct ifown *o = ifown_get(m, ifc);
	if (o != NULL && o->changing)
		return -EBUSY;
	if (o == NULL) {
		o = calloc(1, sizeof(*o));
		if (o == NULL || hmap_put(&m->ifs, ifkey(ifindex, nexthop), o) < 0) {
			free(o);
			return -ENOMEM;
		}
		*o = (struct ifown){ .ifc = ifc, .owner = NO_CLIENT, .igmp = NO_CLIENT };
	}
	if (is_igmp(m, ci)) {
		if (o->igmp == ci)
			return -EEXIST;
		if (o->igmp != NO_CLIENT)
			return -EEXIST;
		o->igmp = ci;
		c->n_owned++;
		if (o->owner == NO_CLIENT)
			lease_new(m, o);
		return 0;
	}
	if (o->owner != NO_CLIENT)
		return -EEXIST; /* one routing protocol per interface */
	/* IGMP's receivers there: the new owner hears LOCAL_JOIN for each, as
	 * it would had IGMP added them after the take (IGMP's re-add after
	 * ENABLE_IGMP finds them in MGM and says nothing). Taken before any
	 * change, so that -ENOMEM changes nothing; they cannot change until
	 * the replay: IGMP is paused, and only IGMP or a release (refused
	 * while `changing`) removes IGMP's states. */
	uint64_t *keys = NULL, *vk = NULL;
	uint32_t nk = 0, nv = 0;
	if (o->igmp != NO_CLIENT && igmp_keys_on(m, o, &keys, &nk) < 0)
		return -ENOMEM;
	/* IGMP alone owned it: the vetoes of it on MFEs were IGMP's (their
	 * CREATION_ALERT asked it), and this owner was never asked; listed
	 * here, before any change */
	if (o->igmp != NO_CLIENT && vetoed_keys(m, ifc, &vk, &nv) < 0) {
		free(keys);
		return -ENOMEM;
	}
	o->changing = true;
	igmp_call(m, o, false);
	/* IGMP's join states there change hands for the alert rules (they
	 * become this owner's): take_handover_alert() below, so that every
	 * client's alerts stay paired (the owner, told of IGMP's join, heard
	 * no prune when it left; found by review) */
	int ig = o->igmp;
	o->owner = ci;
	lease_new(m, o);
	c->n_owned++;
	/* MFEs made negative because nobody answered RPF on this interface
	 * (traffic came before its protocol, or after a release) go: the next
	 * packet makes them again, with this owner's RPF, not after their
	 * 10 s. Backwards: a delete moves the vector's last record into its
	 * place, and frees the vector with its last record. */
	struct mvec *iv = mvec_of(&m->byiif, ifkey(ifindex, nexthop), false);
	for (uint32_t i = iv ? iv->n : 0; i-- > 0;)
		if (mfe_live(iv->v[i]) && iv->v[i]->negative)
			mfe_delete(m, iv->v[i]);
	/* and those IGMP vetoed it in go: the next packet makes each again,
	 * its CREATION_ALERT to this owner */
	for (uint32_t i = 0; i < nv; i++) {
		struct mfe *f = mfe_lookup(m, (uint32_t)vk[i], (uint32_t)(vk[i] >> 32)); /* mkey() */
		if (f != NULL && mfe_live(f))
			mfe_delete(m, f);
	}
	free(vk);
	for (uint32_t i = 0; i < nk; i++) {
		if (c->cb.local_join != NULL)
			CB_CALL(m, c->cb.local_join(c->ctx, mfc_key_src(keys[i]), mfc_key_grp(keys[i]), ifc));
		take_handover_alert(m, ci, ig, keys[i], ifc);
	}
	free(keys);
	igmp_call(m, o, true);
	o->changing = false;
	return 0;
}

/* What a release dropped from one membership key. */
struct dropped {
	uint32_t src, grp;
	uint64_t lost;  /* clients that had ifc in this key */
	uint64_t lost_alert; /* the same as the alert rules count them */
	uint64_t after; /* clients left in the key (as the alert rules count them) */
	int igmp_as;    /* the routing owner whose bit in lost_alert is IGMP's state
			 * alone (IGMP's slot in `igmp_slot`), or NO_CLIENT */
	int igmp_slot;
};

/* Remove the memberships of the clients in `which` on ifc: all of them
 * when the routing owner gives the interface up (IGMP re-adds its own after
 * ENABLE_IGMP), IGMP's alone when IGMP stops there and the owner stays.
 * Returns what was dropped, for members_dropped_notify() once the map is
 * no longer being walked (callbacks may change memberships). *n = 0 and
 * NULL if none. Without memory for the list, the keys it misses are still
 * removed; *missed says so (their alerts are lost, and a caller that
 * republishes from the list must republish everything instead). */
static struct dropped *
members_drop_if(struct mgm *m, struct mgm_if ifc, struct ifown *o, uint64_t which, int owner_was,
		uint32_t *n, bool *missed)
{
	struct dropped *d = NULL;
	uint32_t cap = 0;
	*n = 0;
	*missed = false;
	HMAP_FOREACH(&m->sgms, x) {
		struct sgm *s = x->val;
		uint32_t src = s->src, grp = s->grp;
		uint64_t lost = 0, lost_join = 0;
		for (uint32_t i = 0; i < s->n;) {
			struct member *mb = &s->v[i];
			if (!if_eq(mb->ifc, ifc) || !(mb_clients(mb) & which)) {
				i++;
				continue;
			}
			lost |= mb_clients(mb) & which;
			lost_join |= mb->join & which;
			mb->join &= ~which;
			mb->fwd &= ~which;
			if (mb_clients(mb) != 0) {
				i++;
				continue;
			}
			*mb = s->v[--s->n];
			o->n_members--;
			m->n_members--;
		}
		uint64_t after = sgm_clients(m, s);
		if (s->n == 0) {
			hmap_del(&m->sgms, x->key);
			free(s->v);
			free(s);
		}
		if (lost == 0)
			continue;
		if (*n == cap) {
			uint32_t nc = cap ? cap * 2 : 16;
			struct dropped *nd = realloc(d, nc * sizeof(*nd));
			if (nd == NULL) {
				*missed = true; /* its alerts are lost, not its removal */
				continue;
			}
			d = nd;
			cap = nc;
		}
		/* IGMP's state there was the routing owner's for the alerts */
		uint64_t ig = lost_join & m->igmp_mask;
		bool only_igmp = ig != 0 && owner_was != NO_CLIENT &&
				 !(lost_join & (1ull << owner_was));
		d[(*n)++] = (struct dropped){ src, grp, lost, igmp_as_owner(m, lost_join, owner_was),
					      after, only_igmp ? owner_was : NO_CLIENT,
					      only_igmp ? __builtin_ctzll(ig) : NO_CLIENT };
	}
	return d;
}

/* A release's dropped memberships told as leaves are: with `update`, the
 * MFEs of each key republished first; LOCAL_LEAVE to the routing owner
 * for each key IGMP held (the owner heard LOCAL_JOIN for it, and keeps
 * the interface when IGMP is the one stopping there; when the owner is
 * the one giving it up, there is no owner left to tell); PRUNE_ALERTs by
 * the usual rules. */
static void
members_dropped_notify(struct mgm *m, struct mgm_if ifc, struct dropped *d, uint32_t n,
		       bool update, int actor, int self)
{
	for (uint32_t k = 0; k < n; k++) {
		if (update)
			mfes_update(m, d[k].src, d[k].grp, actor);
		for (int ci = 0; ci < MAX_CLIENTS; ci++)
			if (((d[k].lost >> ci) & 1) && is_igmp(m, ci)) {
				local_notify(m, ci, d[k].src, d[k].grp, ifc, false);
				break;
			}
		/* as if the clients left one after the other */
		uint64_t rem = d[k].after | d[k].lost_alert;
		for (int ci = 0; ci < MAX_CLIENTS; ci++)
			if ((d[k].lost_alert >> ci) & 1) {
				rem &= ~(1ull << ci);
				/* IGMP's state counted as the owner's: IGMP was not
				 * told of its own join, nor is it of its leave */
				prune_alerts(m, ci, ci == d[k].igmp_as ? d[k].igmp_slot : self,
					     d[k].src, d[k].grp, ifc,
					     rem | (d[k].after & (1ull << ci)));
			}
	}
	free(d);
}

/* The MFEs a release's purge may leave without OIF. The records stay
 * allocated from the collection to the alerts (m->busy): no lookup again,
 * and a record unindexed meanwhile is simply no longer live. */
struct risks {
	struct mfe **v;
	uint32_t n, cap;
	int releaser;   /* the client releasing: not alerted */
};

/* What the (*,G) and (*,*) join states left in group grp (vector g)
 * guarantee its MFEs when one interface leaves their lists: each MFE
 * forwards on every such interface but its iif, unless it vetoed it.
 * @return the number of those interfaces, capped at 2; *one: the
 * interface when 1. */
static uint32_t
group_receivers(struct mgm *m, uint32_t grp, struct mgm_if *one)
{
	struct sgm *sg = sgm_get(m, 0, grp), *sa = sgm_get(m, 0, 0);
	uint32_t n = 0;
	for (uint32_t i = 0; sg && i < sg->n; i++)
		if (sg->v[i].join) {
			*one = sg->v[i].ifc;
			if (++n >= 2)
				return n;
		}
	for (uint32_t i = 0; sa && i < sa->n; i++) {
		const struct member *mb = sgm_find(sg, sa->v[i].ifc);
		if (sa->v[i].join && !(mb && mb->join)) {
			*one = sa->v[i].ifc;
			if (++n >= 2)
				return n;
		}
	}
	return n;
}

/* f, of a group with `recv` receivers (one: `one`), unless it surely
 * keeps an OIF, or has none to lose, or is already there. */
static void
risk_add(struct mgm *m, struct risks *r, struct mfe *f, bool vetoes, uint32_t recv,
	 struct mgm_if one)
{
	if (f->risk || (!vetoes && (recv >= 2 || (recv == 1 && !if_eq(f->iif, one)))))
		return; /* J is an OIF of every MFE of G whose iif it is not */
	if (!mfe_live(f) || f->negative || mfe_n_live(m, f) == 0)
		return;
	if (r->n == r->cap) {
		uint32_t nc = r->cap ? r->cap * 2 : 16;
		struct mfe **nv = realloc(r->v, nc * sizeof(*nv));
		if (nv == NULL)
			return; /* its alert is lost, not its purge */
		r->v = nv;
		r->cap = nc;
	}
	f->risk = true;
	r->v[r->n++] = f;
}

/* The MFEs of group grp (or the one f of it) that may lose their last OIF.
 * A group with two receivers left and no veto is skipped without a look
 * at its MFEs: an OIF shared by 150K MFEs of groups with other receivers
 * (the common case) costs one look per group. With one receiver J left,
 * only the MFEs whose iif J is may: none when J is the iif of no MFE (an
 * output interface, the common case), else those of the shorter of the
 * group's vector and J's iif vector. */
static void
risk_group(struct mgm *m, struct risks *r, uint32_t grp, struct mfe *f)
{
	struct mvec *g = group_vec(m, grp, false);
	struct mgm_if one = { 0, 0 };
	if (g == NULL)
		return;
	bool vetoes = g->n_vetoed > 0;
	uint32_t recv = group_receivers(m, grp, &one);
	if (!vetoes && recv >= 2)
		return;
	struct mvec *v = g;
	if (!vetoes && recv == 1) {
		struct mvec *iv = mvec_of(&m->byiif, ifkey(one.ifindex, one.nexthop), false);
		if (iv == NULL || iv->n == 0)
			return;
		if (iv->n < g->n)
			v = iv; /* risk_add() checks the iif; the group: below */
	}
	if (f != NULL) {
		risk_add(m, r, f, vetoes, recv, one);
		return;
	}
	for (uint32_t i = 0; i < v->n; i++)
		if (v->v[i]->grp == grp)
			risk_add(m, r, v->v[i], vetoes, recv, one);
}

/* Whether an interface has an upstream owner (if_owner()) other than
 * client ci: one O(interfaces) look. */
static bool
other_upstream_owner(struct mgm *m, int ci)
{
	HMAP_FOREACH(&m->ifs, x) {
		const struct ifown *o = x->val;
		int ow = o->owner != NO_CLIENT ? o->owner : o->igmp;
		if (ow != NO_CLIENT && ow != ci)
			return true;
	}
	return false;
}

/* The MFEs with live OIFs that a release's dropped memberships fed (what
 * a leave of those keys would republish) and that the purge may leave
 * without OIF. Called after the drop, before the purge; m->busy is held
 * until mfes_emptied_alert(). The releasing client ci is not alerted of
 * what its own release empties (it made the change; a protocol shutting
 * down releases every interface, and 1M self-alerts made the teardown
 * benchmark's shutdown 6-10 times longer): when no other client owns an
 * interface, nobody is, and nothing is collected. */
static struct risks
mfes_at_risk(struct mgm *m, const struct dropped *d, uint32_t nd, int ci)
{
	struct risks r = { 0 };
	bool all = false;
	m->busy++;
	r.releaser = ci;
	if (!other_upstream_owner(m, ci))
		return r;
	for (uint32_t k = 0; k < nd; k++)
		all |= d[k].grp == 0;
	if (all) /* (*,*): every group */
		HMAP_FOREACH(&m->groups, x)
			risk_group(m, &r, (uint32_t)x->key, NULL);
	else
		for (uint32_t k = 0; k < nd; k++) {
			struct mfe *f = NULL;
			if (d[k].src != 0 && (f = mfe_lookup(m, d[k].src, d[k].grp)) == NULL)
				continue;
			risk_group(m, &r, d[k].grp, f);
		}
	return r;
}

/* After the purge: PRUNE_ALERT for each MFE at risk that it left without
 * OIF, as a leave does (mfes_update()); the purge edited the cache behind
 * MGM's back, so nothing else tells the upstream owner. */
static void
mfes_emptied_alert(struct mgm *m, struct risks *r)
{
	for (uint32_t i = 0; i < r->n; i++)
		r->v[i]->risk = false;
	for (uint32_t i = 0; i < r->n; i++) {
		struct mfe *f = r->v[i];
		if (mfe_live(f) && !f->negative && if_owner(m, f->iif) != r->releaser &&
		    mfe_n_live(m, f) == 0)
			mfe_emptied(m, f);
	}
	if (--m->busy == 0)
		limbo_drain(m);
	free(r->v);
}

/* Delete every forwarding entry associated with ifc: as iif the MFE goes,
 * as OIF it leaves the list. When ifc is the only owned next hop on its
 * ifindex, the cache's bulk purge does it for all entries with one grace
 * period, and the MFE records whose iif it was are buried in O(1) (dead
 * from now on, freed later by the reaper); otherwise (a point-to-multipoint
 * neighbour) the MFEs concerned are deleted and edited one by one and one
 * grace period covers them all. */
static void
forwarding_purge(struct mgm *m, struct mgm_if ifc)
{
	bool others = false;
	HMAP_FOREACH(&m->ifs, x) {
		struct ifown *o = x->val;
		if (o->ifc.ifindex == ifc.ifindex && o->ifc.nexthop != ifc.nexthop &&
		    (o->owner != NO_CLIENT || o->igmp != NO_CLIENT))
			others = true;
	}
	/* control records first: the MFEs whose iif it was (from the iif
	 * index: cost in proportion to them, not to the table) */
	if (!others)
		/* the cache purge below removes all their entries (that part of
		 * it cannot fail): the records only have to become absent,
		 * which is O(1). It goes by ifindex: the entries of records whose
		 * iif is another next hop of it (unowned: negative MFEs, or an
		 * iif an RPF callback chose) go too, so those records are
		 * buried as well. The walk is over the distinct incoming
		 * interfaces, not the MFEs; mfes_bury() deletes only the
		 * node being visited. */
		HMAP_FOREACH(&m->byiif, x)
			if ((uint32_t)(x->key >> 32) == ifc.ifindex)
				(void)mfes_bury(m, (struct mgm_if){ ifc.ifindex, (uint32_t)x->key });
	struct mvec *iv;
	while (others &&
	       (iv = mvec_of(&m->byiif, ifkey(ifc.ifindex, ifc.nexthop), false)) != NULL) {
		if (iv->n == 0) { /* left behind by a failed index */
			hmap_del(&m->byiif, ifkey(ifc.ifindex, ifc.nexthop));
			free(iv->v);
			free(iv);
			break;
		}
		struct mfe *f = iv->v[iv->n - 1];
		(void)mfc_del(m->cache, f->src, f->grp);
		mfe_unindex(m, f);
		mfe_free(m, f);
	}
	if (others) /* a neighbour on a shared link: edit the lists holding it */
		HMAP_FOREACH(&m->mfes, x) {
			struct mfe *f = x->val;
			/* out of memory, an entry kept the neighbour: it goes
			 * (no generation hides a next hop; found by review) */
			if (mfe_live(f)) {
				int r = mfc_oif_del(m->cache, f->src, f->grp, (uint16_t)ifc.ifindex,
						    ifc.nexthop);
				if (r < 0 && r != -ENOENT)
					mfe_delete(m, f);
			}
		}
	if (others)
		mfc_sync(m->cache);
	else
		/* on -ENOMEM some lists keep the interface, but hidden by its new
		 * generation: nothing forwards on it, and an edit of those
		 * entries drops it (see mfc_oif_add) */
		(void)mfc_iface_purge(m->cache, (uint16_t)ifc.ifindex, NULL);
}

int
mgm_interface_release(struct mgm *m, mgm_handle_t h, uint32_t ifindex, uint32_t nexthop)
{
	int ci;
	struct client *c = client_of(m, h, &ci);
	struct mgm_if ifc = { ifindex, nexthop };
	if (c == NULL)
		return -EINVAL;
	struct ifown *o = ifown_get(m, ifc);
	if (o == NULL || (o->owner != ci && o->igmp != ci))
		return -EINVAL; /* not the owner */
	if (o->changing)
		return -EBUSY;
	o->changing = true;
	if (is_igmp(m, ci)) {
		/* IGMP stops running there: its memberships go */
		uint32_t nd;
		o->igmp = NO_CLIENT;
		if (o->owner == NO_CLIENT)
			lease_new(m, o);
		c->n_owned--;
		bool missed;
		struct dropped *d = members_drop_if(m, ifc, o, 1ull << ci, o->owner, &nd, &missed);
		if (o->owner == NO_CLIENT) {
			struct risks r = mfes_at_risk(m, d, nd, ci);
			forwarding_purge(m, ifc);
			/* IGMP alone owned it: the vetoes of it were IGMP's
			 * (CREATION_ALERT asked it); a later owner was never
			 * asked (found by review) */
			vetoes_drop(m, ifc);
			mfes_emptied_alert(m, &r);
		}
		/* if the routing owner keeps it, only what IGMP fed goes */
		members_dropped_notify(m, ifc, d, nd, o->owner != NO_CLIENT,
				       o->owner != NO_CLIENT ? o->owner : ci, ci);
		/* keys the list missed (no memory): their MFEs would keep
		 * forwarding to ifc, which nothing hides while its owner stays
		 * (found by review): every MFE republished from the memberships
		 * as they are now */
		if (missed && o->owner != NO_CLIENT)
			mfes_update(m, 0, 0, o->owner);
	} else {
		uint32_t nd;
		igmp_call(m, o, false);
		o->owner = NO_CLIENT;
		lease_new(m, o);
		c->n_owned--;
		bool missed; /* only alerts lost: the purge below removes ifc from every MFE */
		struct dropped *d = members_drop_if(m, ifc, o, ~0ull, ci, &nd, &missed);
		/* a leave's order: the MFEs (those left without OIF), then the
		 * memberships */
		struct risks r = mfes_at_risk(m, d, nd, ci);
		forwarding_purge(m, ifc);
		vetoes_drop(m, ifc);
		mfes_emptied_alert(m, &r);
		members_dropped_notify(m, ifc, d, nd, false, ci, ci);
		igmp_call(m, o, true);
	}
	o->changing = false;
	if (o->owner == NO_CLIENT && o->igmp == NO_CLIENT) {
		hmap_del(&m->ifs, ifkey(ifindex, nexthop));
		free(o);
	}
	m->n_releases++;
	return 0;
}

int
mgm_interface_owner(struct mgm *m, uint32_t ifindex, uint32_t nexthop,
		    uint32_t *proto_id, uint32_t *component_id)
{
	if (m == NULL)
		return -EINVAL;
	int ow = if_owner(m, (struct mgm_if){ ifindex, nexthop });
	if (ow == NO_CLIENT)
		return -ENOENT;
	if (proto_id)
		*proto_id = m->cl[ow].proto;
	if (component_id)
		*component_id = m->cl[ow].comp;
	return 0;
}

int
mgm_protocol_shutdown(struct mgm *m, mgm_handle_t h)
{
	int ci;
	struct client *c = client_of(m, h, &ci);
	if (c == NULL)
		return -EINVAL;
	/* from a callback: refused before anything is released (it released
	 * every interface, then the deregister said -EBUSY and left the
	 * client registered with nothing: found by review) */
	if (m->in_cb)
		return -EBUSY;
	/* release each owned interface (the seed's first row), then
	 * deregister (its second row). Each release is its own IGMP-bracketed
	 * bulk purge, hidden at once; the grace period they need is waited
	 * for once, for all of them, before the shutdown returns (design:
	 * one grace period for a protocol shutdown) */
	int rc = 0;
	mfc_batch_begin(m->cache);
	for (;;) {
		struct ifown *mine = NULL;
		HMAP_FOREACH(&m->ifs, x) {
			struct ifown *o = x->val;
			if (o->owner == ci || o->igmp == ci) {
				mine = o;
				break;
			}
		}
		if (mine == NULL)
			break;
		rc = mgm_interface_release(m, h, mine->ifc.ifindex, mine->ifc.nexthop);
		if (rc < 0)
			break;
	}
	mfc_batch_end(m->cache);
	return rc < 0 ? rc : mgm_protocol_deregister(m, h);
}

/* ---------------------------------------------------------------- */
/* Routes                                                            */

static uint32_t
prefix_of(uint32_t a, uint8_t len)
{
	return len ? a & (0xffffffffu << (32 - len)) : 0;
}


int
mgm_route_add(struct mgm *m, uint32_t prefix, uint8_t len, uint32_t ifindex, uint32_t nexthop)
{
	if (m == NULL || len > 32)
		return -EINVAL;
	if (len == 0) { /* the default route, beside the LPM */
		m->dflt = (struct route){ { ifindex, nexthop }, true, 0, 0 };
		return 0;
	}
	prefix = prefix_of(prefix, len);
	uint32_t slot = UINT32_MAX, cur;
	if (rte_lpm_is_rule_present(m->lpm, prefix, len, &cur) == 1) {
		/* the same prefix again: it now goes to this interface */
		m->routes[cur] = (struct route){ { ifindex, nexthop }, true, len, prefix };
		return 0;
	}
	for (uint32_t i = 0; i < m->max_routes; i++)
		if (!m->routes[i].used) {
			slot = i;
			break;
		}
	if (slot == UINT32_MAX)
		return -ENOSPC;
	int rc = rte_lpm_add(m->lpm, prefix, len, slot);
	if (rc < 0)
		return rc;
	m->routes[slot] = (struct route){ { ifindex, nexthop }, true, len, prefix };
	return 0;
}

int
mgm_route_next(const struct mgm *m, uint32_t *cursor, struct mgm_route *out)
{
	if (m == NULL || cursor == NULL || out == NULL)
		return -EINVAL;
	/* cursor 0: the default route; k > 0: the slots from k - 1 on */
	for (uint32_t k = *cursor; k <= m->max_routes; k++) {
		const struct route *r = k == 0 ? &m->dflt : &m->routes[k - 1];
		if (!r->used)
			continue;
		*out = (struct mgm_route){ .prefix = r->prefix, .len = r->len, .ifc = r->ifc };
		*cursor = k + 1;
		return 0;
	}
	*cursor = m->max_routes + 1;
	return -ENOENT;
}

int
mgm_route_delete(struct mgm *m, uint32_t prefix, uint8_t len)
{
	uint32_t nh;
	if (m == NULL || len > 32)
		return -EINVAL;
	if (len == 0) {
		if (!m->dflt.used)
			return -ENOENT;
		m->dflt.used = false;
		return 0;
	}
	if (rte_lpm_is_rule_present(m->lpm, prefix, len, &nh) != 1)
		return -ENOENT;
	rte_lpm_delete(m->lpm, prefix, len);
	m->routes[nh].used = false;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Interface addresses                                               */

#define ADDRS_MAX 16
struct addrs {
	uint32_t n;
	uint32_t a[ADDRS_MAX];
	uint8_t len[ADDRS_MAX];
};

int
mgm_interface_address_add(struct mgm *m, uint32_t ifindex, uint32_t addr, uint8_t len)
{
	if (m == NULL || len == 0 || len > 32 || ifindex >= mfc_table(m->cache)->max_ifaces)
		return -EINVAL;
	struct addrs *v = hmap_get(&m->addrs, ifindex);
	if (v == NULL) {
		v = calloc(1, sizeof(*v));
		if (v == NULL || hmap_put(&m->addrs, ifindex, v) < 0) {
			free(v);
			return -ENOMEM;
		}
	}
	for (uint32_t i = 0; i < v->n; i++)
		if (v->a[i] == addr)
			return -EEXIST;
	/* a connected prefix belongs to one interface: another's address
	 * with the same prefix took its route over, and deleting either then
	 * left the other's address without one (found by a black-box test) */
	uint32_t p = prefix_of(addr, len);
	HMAP_FOREACH(&m->addrs, x) {
		const struct addrs *o = x->val;
		for (uint32_t i = 0; x->key != ifindex && i < o->n; i++)
			if (o->len[i] == len && prefix_of(o->a[i], len) == p)
				return -EEXIST;
	}
	if (v->n == ADDRS_MAX)
		return -ENOSPC;
	int rc = mgm_route_add(m, p, len, ifindex, 0);
	if (rc < 0 && rc != -EEXIST)
		return rc;
	v->a[v->n] = addr;
	v->len[v->n++] = len;
	return 0;
}

int
mgm_interface_address_delete(struct mgm *m, uint32_t ifindex, uint32_t addr, uint8_t len)
{
	if (m == NULL)
		return -EINVAL;
	struct addrs *v = hmap_get(&m->addrs, ifindex);
	for (uint32_t i = 0; v && i < v->n; i++)
		if (v->a[i] == addr && v->len[i] == len) {
			/* keep order: the first stays the primary */
			memmove(&v->a[i], &v->a[i + 1], (v->n - i - 1) * sizeof(v->a[0]));
			memmove(&v->len[i], &v->len[i + 1], (v->n - i - 1) * sizeof(v->len[0]));
			v->n--;
			/* its connected route, unless a route statement via
			 * another interface has taken the prefix since, or
			 * another address of this one is in it */
			uint32_t p = prefix_of(addr, len), nh;
			for (uint32_t j = 0; j < v->n; j++)
				if (v->len[j] == len && prefix_of(v->a[j], len) == p)
					return 0;
			const struct route *r = len == 0 ? &m->dflt
				: rte_lpm_is_rule_present(m->lpm, p, len, &nh) == 1 ? &m->routes[nh] : NULL;
			if (r != NULL && r->used && r->ifc.ifindex == ifindex)
				(void)mgm_route_delete(m, p, len);
			return 0;
		}
	return -ENOENT;
}

int
mgm_interface_address(struct mgm *m, uint32_t ifindex, uint32_t *addr, uint8_t *len)
{
	if (m == NULL)
		return -EINVAL;
	struct addrs *v = hmap_get(&m->addrs, ifindex);
	if (v == NULL || v->n == 0)
		return -ENOENT;
	if (addr)
		*addr = v->a[0];
	if (len)
		*len = v->len[0];
	return 0;
}

/* ---------------------------------------------------------------- */
/* Administrative reads                                              */

static void
mfe_fill(struct mgm *m, const struct mfe *f, struct mgm_mfe *out)
{
	const struct mfc_entry *e = mfc_find(m->cache, f->src, f->grp);
	const struct mfc_oifl_data *d = e ? mfc_entry_oifs(e) : NULL;
	*out = (struct mgm_mfe){
		.src = f->src, .grp = f->grp, .iif = f->iif, .upstream = f->upstream,
		.n_oifs = d ? d->n_live : 0, .timeout_s = f->timeout_s,
		.created_s = f->created, .id = f->id,
		.expires_s = f->timeout_s ? f->last_active + f->timeout_s : 0,
		.negative = e == NULL || (e->flags & MFC_F_NEGATIVE) };
}

int
mgm_mfe_get(struct mgm *m, uint32_t src, uint32_t grp, struct mgm_mfe *out,
	    struct mgm_mfe_oif *oifs, uint32_t *n_oifs)
{
	if (m == NULL || out == NULL || (oifs && n_oifs == NULL))
		return -EINVAL;
	struct mfe *f = mfe_lookup(m, src, grp);
	if (f == NULL)
		return -ENOENT;
	mfe_fill(m, f, out);
	if (n_oifs == NULL)
		return 0;
	const struct mfc_entry *e = mfc_find(m->cache, src, grp);
	const struct mfc_oifl_data *d = e ? mfc_entry_oifs(e) : NULL;
	uint32_t k = 0, room = *n_oifs;
	for (uint32_t i = 0; d && i < d->n; i++) {
		if (d->oif[i].flags & MFC_OIF_REMOVED)
			continue;
		if (oifs && k < room)
			oifs[k] = (struct mgm_mfe_oif){ { d->oif[i].ifid, d->oif[i].nexthop },
							d->oif[i].ttl,
							!!(d->oif[i].flags & MFC_OIF_ENABLED) };
		k++;
	}
	*n_oifs = k;
	return oifs != NULL && k > room ? -ENOSPC : 0; /* NULL: count only */
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Keys in (group, source) order: mkey puts the group high. */
static int
snap_refresh(struct mgm *m)
{
	if (!m->snap_dirty)
		return 0;
	uint64_t *v = realloc(m->snap, (m->mfes.n ? m->mfes.n : 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	m->snap = v;
	m->n_snap = 0;
	HMAP_FOREACH(&m->mfes, x)
		if (mfe_live(x->val))
			v[m->n_snap++] = x->key;
	qsort(v, m->n_snap, sizeof(*v), u64_cmp);
	m->snap_dirty = false;
	return 0;
}

/* WALK_AFTER: from the first key > after; WALK_FIRST: from the first;
 * WALK_AT: from the after-th (a fresh snapshot holds live MFEs only, so
 * that is the MFE's rank) */
enum { WALK_AFTER, WALK_FIRST, WALK_AT };

static int
mfe_walk(struct mgm *m, uint64_t after, int how, uint32_t max, uint32_t *n,
	 void (*emit)(struct mgm *, const struct mfe *, void *, uint32_t), void *out)
{
	if (m == NULL || n == NULL || (max && out == NULL))
		return -EINVAL;
	if (snap_refresh(m) < 0)
		return -ENOMEM;
	uint32_t lo = 0, hi = m->n_snap;
	if (how == WALK_AT)
		lo = after < m->n_snap ? (uint32_t)after : m->n_snap;
	while (how == WALK_AFTER && lo < hi) { /* first key > after */
		uint32_t mid = (lo + hi) / 2;
		if (m->snap[mid] <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	*n = 0;
	uint32_t i = lo;
	for (; i < m->n_snap && *n < max; i++) {
		struct mfe *f = hmap_get(&m->mfes, m->snap[i]);
		if (f != NULL && mfe_live(f))
			emit(m, f, out, (*n)++);
	}
	if (max == 0) /* room for none: -ENOSPC if there is one, not "the end" */
		for (; i < m->n_snap; i++) {
			struct mfe *f = hmap_get(&m->mfes, m->snap[i]);
			if (f != NULL && mfe_live(f))
				return -ENOSPC;
		}
	return 0;
}

static void
emit_mfe(struct mgm *m, const struct mfe *f, void *out, uint32_t i)
{
	mfe_fill(m, f, &((struct mgm_mfe *)out)[i]);
}

static void
stats_fill(struct mgm *m, const struct mfe *f, struct mgm_mfe_stats *out)
{
	struct mfc_stats st = {0};
	memset(out, 0, sizeof(*out));
	mfe_fill(m, f, &out->mfe);
	if (mfc_stats_get(m->cache, f->src, f->grp, &st, NULL, NULL) == 0) {
		out->in_pkts = st.pkts;
		out->in_octets = st.bytes;
		out->pkts_different_if = st.wrong_if;
		out->in_discards = st.discards;
		out->in_hdr_errors = st.hdr_err; /* what it counts: mgm.h */
		out->out_pkts = st.out_pkts;
		/* the OIFs' TX drops: what overflowed their queues (mgm.h) */
		out->queue_overflow = st.out_discards;
	}
}

static void
emit_stats(struct mgm *m, const struct mfe *f, void *out, uint32_t i)
{
	stats_fill(m, f, &((struct mgm_mfe_stats *)out)[i]);
}

int
mgm_mfe_next(struct mgm *m, uint32_t src, uint32_t grp, struct mgm_mfe *out,
	     uint32_t max, uint32_t *n)
{
	return mfe_walk(m, mkey(src, grp), WALK_AFTER, max, n, emit_mfe, out);
}

int
mgm_mfe_first(struct mgm *m, struct mgm_mfe *out, uint32_t max, uint32_t *n)
{
	return mfe_walk(m, 0, WALK_FIRST, max, n, emit_mfe, out);
}

int
mgm_mfe_at(struct mgm *m, uint32_t index, struct mgm_mfe *out, uint32_t max, uint32_t *n)
{
	return mfe_walk(m, index, WALK_AT, max, n, emit_mfe, out);
}

int
mgm_mfe_stats_get(struct mgm *m, uint32_t src, uint32_t grp, struct mgm_mfe_stats *out,
		  struct mgm_oif_stats *oifs, uint32_t *n_oifs)
{
	if (m == NULL || out == NULL || (oifs && n_oifs == NULL))
		return -EINVAL;
	struct mfe *f = mfe_lookup(m, src, grp);
	if (f == NULL)
		return -ENOENT;
	stats_fill(m, f, out);
	if (n_oifs == NULL)
		return 0;
	/* the cache's per-OIF figures, converted; its -ENOSPC and needed
	 * count pass through */
	uint32_t room = *n_oifs, k = room;
	struct mfc_oif_stats *os = oifs ? malloc((room ? room : 1) * sizeof(*os)) : NULL;
	struct mfc_stats st;
	if (oifs && os == NULL)
		return -ENOMEM;
	int rc = mfc_stats_get(m->cache, src, grp, &st, os, &k);
	for (uint32_t i = 0; rc == 0 && oifs && i < k; i++)
		oifs[i] = (struct mgm_oif_stats){ .ifc = { os[i].ifid, os[i].nexthop },
						  .serial = os[i].serial,
						  .out_pkts = os[i].out_pkts,
						  .out_discards = os[i].out_discards,
						  .ttl_too_low = os[i].ttl_low,
						  .frag_needed = os[i].frag_needed };
	free(os);
	*n_oifs = rc == -ENOENT ? 0 : k;
	return rc == -ENOENT ? 0 : rc;
}

int
mgm_mfe_stats_next(struct mgm *m, uint32_t src, uint32_t grp, struct mgm_mfe_stats *out,
		   uint32_t max, uint32_t *n)
{
	return mfe_walk(m, mkey(src, grp), WALK_AFTER, max, n, emit_stats, out);
}

int
mgm_mfe_stats_first(struct mgm *m, struct mgm_mfe_stats *out, uint32_t max, uint32_t *n)
{
	return mfe_walk(m, 0, WALK_FIRST, max, n, emit_stats, out);
}

/* ---------------------------------------------------------------- */
/* Group enumeration                                                 */

static struct genum *
enum_of(struct mgm *m, mgm_enum_t e)
{
	uint32_t slot = (uint32_t)e & ~ENUM_TAG, gen = (uint32_t)(e >> 32);
	if (m == NULL || !((uint32_t)e & ENUM_TAG) || slot == 0 || slot > MAX_ENUMS)
		return NULL;
	struct genum *g = &m->en[slot - 1];
	return g->used && g->gen == gen ? g : NULL;
}

int
mgm_group_enum_start(struct mgm *m, mgm_handle_t h, mgm_enum_t *e)
{
	int ci;
	if (client_of(m, h, &ci) == NULL || e == NULL)
		return -EINVAL;
	int slot = -1;
	for (int i = 0; i < MAX_ENUMS; i++)
		if (!m->en[i].used) {
			slot = i;
			break;
		}
	if (slot < 0)
		return -ENOMEM;
	struct genum *g = &m->en[slot];
	/* a snapshot: every membership key, whichever client added it (the
	 * protocol learns what exists at start-up) */
	g->v = malloc((m->sgms.n ? m->sgms.n : 1) * sizeof(*g->v));
	if (g->v == NULL)
		return -ENOMEM;
	g->n = g->pos = 0;
	HMAP_FOREACH(&m->sgms, x) {
		struct sgm *s = x->val;
		g->v[g->n++] = (struct mgm_group_entry){ s->src, s->src ? 0xffffffffu : 0, s->grp,
							 s->grp ? 0xffffffffu : 0 };
	}
	g->used = true;
	g->owner = ci;
	g->gen++;
	*e = ((uint64_t)g->gen << 32) | ENUM_TAG | (uint32_t)(slot + 1);
	return 0;
}

int
mgm_group_enum_next(struct mgm *m, mgm_enum_t e, struct mgm_group_entry *out,
		    uint32_t max, uint32_t *n)
{
	struct genum *g = enum_of(m, e);
	if (g == NULL || n == NULL || (max && out == NULL))
		return -EINVAL;
	*n = 0;
	while (*n < max && g->pos < g->n)
		out[(*n)++] = g->v[g->pos++];
	return 0;
}

int
mgm_group_enum_end(struct mgm *m, mgm_enum_t e)
{
	struct genum *g = enum_of(m, e);
	if (g == NULL)
		return -EINVAL;
	free(g->v);
	g->v = NULL;
	g->used = false;
	g->gen++;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Timers and file descriptors                                       */

int
mgm_timer_start(struct mgm *m, uint64_t delay_ms, uint64_t period_ms, mgm_timer_fn fn,
		void *arg, uint64_t *id)
{
	if (m == NULL || fn == NULL)
		return -EINVAL;
	if (m->n_tm == m->cap_tm) {
		uint32_t nc = m->cap_tm ? m->cap_tm * 2 : 16;
		struct timer *nv = realloc(m->tm, nc * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		m->tm = nv;
		m->cap_tm = nc;
	}
	uint64_t tid = ++m->next_tm_id;
	m->tm[m->n_tm++] = (struct timer){ tid, m->now_ms(m->now_arg) + delay_ms, period_ms, fn, arg };
	if (id)
		*id = tid;
	return 0;
}

int
mgm_timer_stop(struct mgm *m, uint64_t id)
{
	if (m == NULL)
		return -EINVAL;
	for (uint32_t i = 0; i < m->n_tm; i++)
		if (m->tm[i].id == id) {
			m->tm[i] = m->tm[--m->n_tm];
			return 0;
		}
	return -ENOENT;
}

int
mgm_fd_add(struct mgm *m, int fd, uint32_t events, mgm_fd_fn fn, void *arg)
{
	if (m == NULL || fn == NULL || fd < 0)
		return -EINVAL;
	for (uint32_t i = 0; i < m->n_fds; i++)
		if (m->fds[i].fd == fd)
			return -EEXIST;
	if (m->n_fds == m->cap_fds) {
		uint32_t nc = m->cap_fds ? m->cap_fds * 2 : 8;
		struct fdw *nv = realloc(m->fds, nc * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		m->fds = nv;
		m->cap_fds = nc;
	}
	struct epoll_event ev = { .events = events, .data.fd = fd };
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	m->fds[m->n_fds++] = (struct fdw){ fd, fn, arg };
	return 0;
}

int
mgm_fd_del(struct mgm *m, int fd)
{
	if (m == NULL)
		return -EINVAL;
	for (uint32_t i = 0; i < m->n_fds; i++)
		if (m->fds[i].fd == fd) {
			(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, fd, NULL);
			m->fds[i] = m->fds[--m->n_fds];
			return 0;
		}
	return -ENOENT;
}

int
mgm_poll(struct mgm *m, int timeout_ms)
{
	struct epoll_event ev[16];
	int ran = 0;

	if (m == NULL)
		return -EINVAL;
	/* a slice of the records of released interfaces; while some are left
	 * the loop does not sleep */
	(void)mfes_reap(m, MGM_REAP_SLICE);
	/* and of the cache entries a bulk purge left (mfc_set_reclaim_defer()) */
	(void)mfc_reclaim_some(m->cache, MGM_RECLAIM_SLICE);
	/* what membership changes retired (old versions, their lists and
	 * counter blocks): one grace period for all of them, once a loop, so
	 * they do not stay pinned until the next ageing or release */
	if (mfc_retired_pending(m->cache) > 0)
		(void)mfc_sync(m->cache);
	if (m->grave != NULL || mfc_reclaim_pending(m->cache) > 0)
		timeout_ms = 0;
	uint64_t now = m->now_ms(m->now_arg);
	/* never sleep past the next timer */
	for (uint32_t i = 0; i < m->n_tm; i++) {
		int64_t left = (int64_t)(m->tm[i].when_ms - now);
		if (left < 0)
			left = 0;
		if (timeout_ms < 0 || left < timeout_ms)
			timeout_ms = (int)left;
	}
	int n = epoll_wait(m->epfd, ev, 16, timeout_ms);
	if (n < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < n; i++)
		for (uint32_t k = 0; k < m->n_fds; k++)
			if (m->fds[k].fd == ev[i].data.fd) {
				struct fdw w = m->fds[k]; /* the callback may delete it */
				w.fn(w.fd, ev[i].events, w.arg);
				ran++;
				break;
			}
	/* due timers; a callback may start or stop timers, so look each one
	 * up again by id */
	now = m->now_ms(m->now_arg);
	uint64_t due[64];
	uint32_t nd = 0;
	for (uint32_t i = 0; i < m->n_tm && nd < 64; i++)
		if (m->tm[i].when_ms <= now)
			due[nd++] = m->tm[i].id;
	for (uint32_t j = 0; j < nd; j++)
		for (uint32_t i = 0; i < m->n_tm; i++) {
			if (m->tm[i].id != due[j])
				continue;
			struct timer t = m->tm[i];
			if (t.period_ms)
				m->tm[i].when_ms = now + t.period_ms;
			else
				m->tm[i] = m->tm[--m->n_tm];
			t.fn(t.arg);
			ran++;
			break;
		}
	return ran;
}
