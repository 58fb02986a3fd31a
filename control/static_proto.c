/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `static` routing protocol (include/mcfwd_static.h): smcroute's
 * mroutes as an MGM client.
 *
 * State: the routes by (S,G) key ((*,G): S = 0) and the interfaces static
 * knows (phyints and interfaces used by routes), with how many route uses
 * hold each. A config is turned into a complete new state first (that is
 * the check); applying it is then a sequence of MGM calls that either all
 * succeed or are undone by mgm_protocol_shutdown().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcfwd_static.h"
#include "mcfwd_pkt.h"
#include "mfc.h"
#include "hmap.h"

struct sroute {
	uint32_t src, grp, iif;
	uint16_t n_oifs;
	uint32_t *oifs;           /* sorted */
	struct mcfwd_cfg_loc loc; /* file: a copy owned by the state, or NULL */
	uint32_t pos;             /* in state.rv */
};

struct sif {
	uint32_t ifindex;
	char name[MCFWD_CFG_NAME_SZ]; /* first name seen (messages) */
	struct mcfwd_cfg_loc loc;     /* first statement naming it */
	bool pinned;                  /* phyint enable */
	bool disabled;                /* phyint disable */
	bool has_phyint;
	struct mcfwd_cfg_loc ploc;    /* of the phyint */
	uint8_t ttl;                  /* ttl-threshold, 0: none */
	int old_ttl;                  /* MGM's threshold before ours (while set) */
	bool ttl_set;
	bool owned;
	bool carried;                 /* apply_diff(): owned before it, kept owned */
	uint32_t refs;
	uint32_t pos;                 /* in state.iv */
};

struct state {
	struct hmap routes;  /* mfc_key(src, grp) -> sroute */
	struct sroute **rv;
	uint32_t n_routes, cap_routes, n_templates;
	struct hmap ifs;     /* ifindex -> sif */
	struct sif **iv;
	uint32_t n_ifs, cap_ifs;
	struct hmap files;   /* config's file pointer -> our copy */
};

struct counters {
	uint64_t rpf, rpf_hits, creation_alerts, oifs_vetoed, wrong_if, join_alerts,
		prune_alerts, local_joins, local_leaves;
};

struct mcfwd_static {
	struct mgm *m;
	mcfwd_static_resolve_fn resolve;
	mcfwd_static_ifname_fn ifname; /* NULL: messages give numbers */
	void *arg;
	bool running;
	mgm_handle_t h;
	struct state *cur;   /* NULL when not running */
	/* a tentative apply (mcfwd_static_apply_tentative()): the state it
	 * replaced (NULL: static was not running), until commit or revert */
	bool tentative;
	struct state *prev;
	uint32_t *prev_rel;  /* interfaces prev needed but did not own: */
	uint32_t n_prev_rel; /* released by the operator (iface_release) */
	struct counters c;
};

/* ---------------------------------------------------------------- */
/* Helpers                                                           */

static void __attribute__((format(printf, 3, 4)))
emsg(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

struct ipbuf {
	char s[16];
};

static struct ipbuf
ip(uint32_t a)
{
	struct ipbuf b;
	snprintf(b.s, sizeof(b.s), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return b;
}

/* "(S, G)" or "(*, G)" */
struct sgbuf {
	char s[40];
};

static struct sgbuf
sg(uint32_t src, uint32_t grp)
{
	struct sgbuf b;
	snprintf(b.s, sizeof(b.s), "(%s, %s)", src ? ip(src).s : "*", ip(grp).s);
	return b;
}

/* An interface in a message: 'NAME' when the application names it, else
 * its number. */
struct ifbuf {
	char s[MCFWD_CFG_NAME_SZ + 16];
};

static struct ifbuf
ifn(const struct mcfwd_static *s, uint32_t ifindex)
{
	struct ifbuf b;
	const char *n = s->ifname ? s->ifname(s->arg, ifindex) : NULL;
	if (n != NULL)
		snprintf(b.s, sizeof(b.s), "'%.*s'", MCFWD_CFG_NAME_SZ, n);
	else
		snprintf(b.s, sizeof(b.s), "%u", ifindex);
	return b;
}

static const char *
fname(const struct mcfwd_cfg_loc *l)
{
	return l->file ? l->file : "?";
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static bool
has_oif(const struct sroute *r, uint32_t ifindex)
{
	return bsearch(&ifindex, r->oifs, r->n_oifs, sizeof(*r->oifs), u32_cmp) != NULL;
}

static int
vec_push(void *vp, uint32_t *n, uint32_t *cap, void *x)
{
	void ***v = vp;
	if (*n == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 16;
		void **nv = realloc(*v, nc * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* ---------------------------------------------------------------- */
/* State                                                             */

static struct state *
state_new(void)
{
	struct state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return NULL;
	if (hmap_init(&st->routes, 64) || hmap_init(&st->ifs, 64) || hmap_init(&st->files, 16)) {
		hmap_free(&st->routes);
		hmap_free(&st->ifs);
		hmap_free(&st->files);
		free(st);
		return NULL;
	}
	return st;
}

static void
state_free(struct state *st)
{
	if (st == NULL)
		return;
	for (uint32_t i = 0; i < st->n_routes; i++) {
		free(st->rv[i]->oifs);
		free(st->rv[i]);
	}
	for (uint32_t i = 0; i < st->n_ifs; i++)
		free(st->iv[i]);
	HMAP_FOREACH(&st->files, x)
		free(x->val);
	hmap_free(&st->routes);
	hmap_free(&st->ifs);
	hmap_free(&st->files);
	free(st->rv);
	free(st->iv);
	free(st);
}

static struct sroute *
route_get(const struct state *st, uint32_t src, uint32_t grp)
{
	return st ? hmap_get(&st->routes, mfc_key(src, grp)) : NULL;
}

static struct sif *
sif_get(const struct state *st, uint32_t ifindex)
{
	return st ? hmap_get(&st->ifs, ifindex) : NULL;
}

/* A new, unowned, unreferenced interface record. */
static struct sif *
sif_add(struct state *st, uint32_t ifindex, const char *name, struct mcfwd_cfg_loc loc)
{
	struct sif *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->ifindex = ifindex;
	if (name)
		snprintf(f->name, sizeof(f->name), "%s", name);
	else
		snprintf(f->name, sizeof(f->name), "#%u", ifindex);
	f->loc = loc;
	f->pos = st->n_ifs;
	if (hmap_put(&st->ifs, ifindex, f) < 0) {
		free(f);
		return NULL;
	}
	if (vec_push(&st->iv, &st->n_ifs, &st->cap_ifs, f) < 0) {
		hmap_del(&st->ifs, ifindex);
		free(f);
		return NULL;
	}
	return f;
}

static void
sif_remove(struct state *st, struct sif *f)
{
	hmap_del(&st->ifs, f->ifindex);
	st->iv[f->pos] = st->iv[--st->n_ifs];
	st->iv[f->pos]->pos = f->pos;
	free(f);
}

/* Does f still need to be remembered? */
static bool
sif_needed(const struct sif *f)
{
	return f->refs > 0 || f->has_phyint;
}

static int
route_put(struct state *st, struct sroute *r)
{
	r->pos = st->n_routes;
	if (hmap_put(&st->routes, mfc_key(r->src, r->grp), r) < 0)
		return -ENOMEM;
	if (vec_push(&st->rv, &st->n_routes, &st->cap_routes, r) < 0) {
		hmap_del(&st->routes, mfc_key(r->src, r->grp));
		return -ENOMEM;
	}
	if (r->src == 0)
		st->n_templates++;
	return 0;
}

static void
route_remove(struct state *st, struct sroute *r)
{
	hmap_del(&st->routes, mfc_key(r->src, r->grp));
	st->rv[r->pos] = st->rv[--st->n_routes];
	st->rv[r->pos]->pos = r->pos;
	if (r->src == 0)
		st->n_templates--;
	free(r->oifs);
	free(r);
}

/* The state's copy of a config file name. */
static int
loc_copy(struct state *st, struct mcfwd_cfg_loc in, struct mcfwd_cfg_loc *out)
{
	out->line = in.line;
	out->file = NULL;
	if (in.file == NULL)
		return 0;
	char *c = hmap_get(&st->files, (uint64_t)(uintptr_t)in.file);
	if (c == NULL) {
		c = strdup(in.file);
		if (c == NULL || hmap_put(&st->files, (uint64_t)(uintptr_t)in.file, c) < 0) {
			free(c);
			return -ENOMEM;
		}
	}
	out->file = c;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Config -> state (the check)                                       */

static int
resolve(const struct mcfwd_static *s, const char *name, struct mcfwd_cfg_loc loc,
	uint32_t *ifindex, char *err, size_t errlen)
{
	int rc = s->resolve(s->arg, name, ifindex);
	if (rc < 0) {
		emsg(err, errlen, "%s:%u: unknown interface '%s'", fname(&loc), loc.line, name);
		return -EINVAL;
	}
	if (*ifindex >= MFC_IFACES_MAX) {
		emsg(err, errlen, "%s:%u: interface '%s' has index %u, beyond %u", fname(&loc),
		     loc.line, name, *ifindex, MFC_IFACES_MAX - 1);
		return -EINVAL;
	}
	return 0;
}

#define OOM(err, errlen) (emsg(err, errlen, "out of memory"), -ENOMEM)

/* The interface record of a route's interface, created if new. */
static struct sif *
use_if(struct state *st, uint32_t ifindex, const char *name, struct mcfwd_cfg_loc loc)
{
	struct sif *f = sif_get(st, ifindex);
	if (f != NULL)
		return f;
	f = sif_add(st, ifindex, name, loc);
	if (f != NULL && loc_copy(st, loc, &f->loc) < 0)
		return NULL; /* the record stays, freed with the state */
	return f;
}

static int
build_mroute(const struct mcfwd_static *s, struct state *st, const struct mcfwd_cfg_mroute *cr,
	     char *err, size_t errlen)
{
	struct mcfwd_cfg_loc l = cr->loc;
	uint32_t iif, *oifs;
	int rc;

	if (cr->iif[0] == 0 || cr->n_oifs == 0 || cr->n_oifs > MCFWD_CFG_OIFS_MAX ||
	    cr->oifs == NULL || (cr->grp >> 28) != 0xe) {
		emsg(err, errlen, "%s:%u: malformed mroute", fname(&l), l.line);
		return -EINVAL;
	}
	if ((rc = resolve(s, cr->iif, l, &iif, err, errlen)) < 0)
		return rc;
	oifs = malloc(cr->n_oifs * sizeof(*oifs));
	if (oifs == NULL)
		return OOM(err, errlen);
	for (uint16_t i = 0; i < cr->n_oifs; i++) {
		if ((rc = resolve(s, cr->oifs[i], l, &oifs[i], err, errlen)) < 0)
			goto out;
		if (oifs[i] == iif) {
			emsg(err, errlen, "%s:%u: outgoing interface '%s' is the incoming interface '%s'",
			     fname(&l), l.line, cr->oifs[i], cr->iif);
			rc = -EINVAL;
			goto out;
		}
		for (uint16_t j = 0; j < i; j++)
			if (oifs[j] == oifs[i]) {
				emsg(err, errlen,
				     "%s:%u: outgoing interfaces '%s' and '%s' are the same interface",
				     fname(&l), l.line, cr->oifs[j], cr->oifs[i]);
				rc = -EINVAL;
				goto out;
			}
	}
	/* disabled interfaces */
	for (int i = -1; i < (int)cr->n_oifs; i++) {
		uint32_t x = i < 0 ? iif : oifs[i];
		const char *nm = i < 0 ? cr->iif : cr->oifs[i];
		struct sif *f = sif_get(st, x);
		if (f && f->disabled) {
			emsg(err, errlen, "%s:%u: interface '%s' is disabled (%s:%u) but used by this mroute",
			     fname(&l), l.line, nm, fname(&f->ploc), f->ploc.line);
			rc = -EINVAL;
			goto out;
		}
	}
	uint32_t src = cr->slen == 0 ? 0 : cr->src;
	struct sroute *r = route_get(st, src, cr->grp);
	if (r != NULL && r->iif != iif) {
		emsg(err, errlen, "%s:%u: mroute %s from '%s' conflicts with %s:%u (another incoming interface)",
		     fname(&l), l.line, sg(src, cr->grp).s, cr->iif, fname(&r->loc), r->loc.line);
		rc = -EINVAL;
		goto out;
	}
	/* interface records (refs counted below, once everything is allocated) */
	if (use_if(st, iif, cr->iif, l) == NULL) {
		rc = OOM(err, errlen);
		goto out;
	}
	for (uint16_t i = 0; i < cr->n_oifs; i++)
		if (use_if(st, oifs[i], cr->oifs[i], l) == NULL) {
			rc = OOM(err, errlen);
			goto out;
		}
	if (r == NULL) {
		r = calloc(1, sizeof(*r));
		if (r == NULL || loc_copy(st, l, &r->loc) < 0) {
			free(r);
			rc = OOM(err, errlen);
			goto out;
		}
		r->src = src;
		r->grp = cr->grp;
		r->iif = iif;
		qsort(oifs, cr->n_oifs, sizeof(*oifs), u32_cmp);
		r->oifs = oifs;
		r->n_oifs = cr->n_oifs;
		if (route_put(st, r) < 0) {
			free(r);
			rc = OOM(err, errlen);
			goto out;
		}
		sif_get(st, iif)->refs++;
		for (uint16_t i = 0; i < r->n_oifs; i++)
			sif_get(st, r->oifs[i])->refs++;
		return 0;
	}
	/* merge into the route of the same (S,G) and incoming interface */
	uint32_t n = r->n_oifs;
	for (uint16_t i = 0; i < cr->n_oifs; i++)
		if (!has_oif(r, oifs[i]))
			n++;
	if (n > MCFWD_CFG_OIFS_MAX) {
		emsg(err, errlen, "%s:%u: mroute %s would have %u outgoing interfaces, at most %d",
		     fname(&l), l.line, sg(src, cr->grp).s, n, MCFWD_CFG_OIFS_MAX);
		rc = -EINVAL;
		goto out;
	}
	uint32_t *nv = malloc(n * sizeof(*nv));
	if (nv == NULL) {
		rc = OOM(err, errlen);
		goto out;
	}
	memcpy(nv, r->oifs, r->n_oifs * sizeof(*nv));
	uint32_t k = r->n_oifs;
	for (uint16_t i = 0; i < cr->n_oifs; i++)
		if (!has_oif(r, oifs[i])) {
			nv[k++] = oifs[i];
			sif_get(st, oifs[i])->refs++;
		}
	qsort(nv, n, sizeof(*nv), u32_cmp);
	free(r->oifs);
	r->oifs = nv;
	r->n_oifs = (uint16_t)n;
	rc = 0;
out:
	free(oifs);
	return rc;
}

/* The complete state of cfg, or an error; nothing in MGM changes. */
static int
build(const struct mcfwd_static *s, const struct mcfwd_config *cfg, struct state **out,
      char *err, size_t errlen)
{
	struct state *st = state_new();
	int rc = 0;
	if (st == NULL)
		return OOM(err, errlen);
	if ((cfg->n_phyints && cfg->phyints == NULL) || (cfg->n_mroutes && cfg->mroutes == NULL)) {
		emsg(err, errlen, "malformed config");
		rc = -EINVAL;
		goto fail;
	}
	for (uint32_t i = 0; i < cfg->n_phyints; i++) {
		const struct mcfwd_cfg_phyint *p = &cfg->phyints[i];
		uint32_t x;
		if ((rc = resolve(s, p->name, p->loc, &x, err, errlen)) < 0)
			goto fail;
		struct sif *f = sif_get(st, x);
		if (f != NULL) {
			emsg(err, errlen, "%s:%u: phyint '%s' already given at %s:%u", fname(&p->loc),
			     p->loc.line, p->name, fname(&f->ploc), f->ploc.line);
			rc = -EINVAL;
			goto fail;
		}
		f = sif_add(st, x, p->name, (struct mcfwd_cfg_loc){ NULL, 0 });
		if (f == NULL || loc_copy(st, p->loc, &f->ploc) < 0) {
			rc = OOM(err, errlen);
			goto fail;
		}
		f->loc = f->ploc;
		f->has_phyint = true;
		f->pinned = p->enable;
		f->disabled = !p->enable;
		f->ttl = p->enable ? p->ttl : 0;
	}
	for (uint32_t i = 0; i < cfg->n_mroutes; i++)
		if ((rc = build_mroute(s, st, &cfg->mroutes[i], err, errlen)) < 0)
			goto fail;
	/* interfaces other routing protocols own */
	for (uint32_t i = 0; i < st->n_ifs; i++) {
		struct sif *f = st->iv[i];
		uint32_t proto, comp;
		if (!(f->pinned || f->refs))
			continue;
		if (mgm_interface_owner(s->m, f->ifindex, 0, &proto, &comp) < 0 ||
		    proto == MGM_PROTO_IGMP)
			continue;
		if (s->running && proto == MCFWD_STATIC_PROTO_ID && comp == 0)
			continue; /* ours: released before the new config is applied */
		emsg(err, errlen, "%s:%u: interface '%s' is owned by routing protocol 0x%x/%u",
		     fname(&f->loc), f->loc.line, f->name, proto, comp);
		rc = -EINVAL;
		goto fail;
	}
	*out = st;
	return 0;
fail:
	state_free(st);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Callbacks                                                         */

/* The most specific route for (src, grp): the (S,G) one, else the (*,G)
 * template. */
static const struct sroute *
match(const struct mcfwd_static *s, uint32_t src, uint32_t grp)
{
	const struct sroute *r = route_get(s->cur, src, grp);
	return r ? r : route_get(s->cur, 0, grp);
}

/* A route whose incoming interface was released (mcfwd_static_iface_release)
 * forwards nothing until it is taken back. */
static bool
iif_owned(const struct mcfwd_static *s, const struct sroute *r)
{
	const struct sif *f = sif_get(s->cur, r->iif);
	return f != NULL && f->owned;
}

static void
cb_rpf(void *ctx, uint32_t src, uint32_t grp, struct mgm_if *iif, uint32_t *upstream,
       const void *hdr, size_t hdr_len)
{
	struct mcfwd_static *s = ctx;
	(void)upstream;
	(void)hdr;
	(void)hdr_len;
	s->c.rpf++;
	const struct sroute *r = match(s, src, grp);
	if (r == NULL || !iif_owned(s, r))
		return; /* CREATION_ALERT vetoes everything for an inactive route */
	s->c.rpf_hits++;
	iif->ifindex = r->iif;
	iif->nexthop = 0;
}

static void
cb_creation(void *ctx, uint32_t src, uint32_t grp, struct mgm_if iif, struct mgm_alert_oif *oifs,
	    uint32_t n)
{
	struct mcfwd_static *s = ctx;
	(void)iif;
	s->c.creation_alerts++;
	const struct sroute *r = match(s, src, grp);
	if (r == NULL)
		return; /* no route of ours: leave the list as MGM built it */
	bool active = iif_owned(s, r);
	for (uint32_t i = 0; i < n; i++)
		if (oifs[i].enabled &&
		    (!active || oifs[i].ifc.nexthop != 0 || !has_oif(r, oifs[i].ifc.ifindex))) {
			oifs[i].enabled = false;
			s->c.oifs_vetoed++;
		}
}

static void
cb_join(void *ctx, uint32_t src, uint32_t smask, uint32_t grp, uint32_t gmask, bool upd)
{
	(void)src, (void)smask, (void)grp, (void)gmask, (void)upd;
	((struct mcfwd_static *)ctx)->c.join_alerts++;
}

static void
cb_prune(void *ctx, uint32_t src, uint32_t smask, uint32_t grp, uint32_t gmask, struct mgm_if ifc,
	 bool del, uint32_t *timeout_s)
{
	(void)src, (void)smask, (void)grp, (void)gmask, (void)ifc, (void)del, (void)timeout_s;
	((struct mcfwd_static *)ctx)->c.prune_alerts++;
}

static void
cb_wrong_if(void *ctx, uint32_t src, uint32_t grp, struct mgm_if ifc, const void *hdr, size_t len)
{
	(void)src, (void)grp, (void)ifc, (void)hdr, (void)len;
	((struct mcfwd_static *)ctx)->c.wrong_if++;
}

static void
cb_local_join(void *ctx, uint32_t src, uint32_t grp, struct mgm_if ifc)
{
	(void)src, (void)grp, (void)ifc;
	((struct mcfwd_static *)ctx)->c.local_joins++;
}

static void
cb_local_leave(void *ctx, uint32_t src, uint32_t grp, struct mgm_if ifc)
{
	(void)src, (void)grp, (void)ifc;
	((struct mcfwd_static *)ctx)->c.local_leaves++;
}

static const struct mgm_callbacks callbacks = {
	.rpf = cb_rpf,
	.creation_alert = cb_creation,
	.join_alert = cb_join,
	.prune_alert = cb_prune,
	.wrong_if = cb_wrong_if,
	.local_join = cb_local_join,
	.local_leave = cb_local_leave,
};

/* ---------------------------------------------------------------- */
/* Install / uninstall a state                                       */

static void
ttl_restore(struct mcfwd_static *s, struct state *st)
{
	for (uint32_t i = 0; i < st->n_ifs; i++) {
		struct sif *f = st->iv[i];
		if (f->ttl_set)
			(void)mgm_interface_ttl_set(s->m, f->ifindex, (uint8_t)f->old_ttl);
		f->ttl_set = false;
	}
}

/* Shut the registration down; the state stays (not owned, no TTLs). */
static int
uninstall(struct mcfwd_static *s, struct state *st)
{
	int rc = mgm_protocol_shutdown(s->m, s->h);
	if (rc < 0)
		return rc;
	s->running = false;
	s->h = 0;
	ttl_restore(s, st);
	for (uint32_t i = 0; i < st->n_ifs; i++)
		st->iv[i]->owned = false;
	return 0;
}

static int
install(struct mcfwd_static *s, struct state *st, char *err, size_t errlen)
{
	int rc = mgm_protocol_register(s->m, MCFWD_STATIC_PROTO_ID, 0, &callbacks, s, &s->h);
	if (rc < 0) {
		emsg(err, errlen, "cannot register with MGM: %s", strerror(-rc));
		return rc;
	}
	s->running = true;
	s->cur = st;
	for (uint32_t i = 0; i < st->n_ifs; i++) {
		struct sif *f = st->iv[i];
		if (f->ttl == 0)
			continue;
		f->old_ttl = mgm_interface_ttl_get(s->m, f->ifindex);
		if (f->old_ttl < 0 || (rc = mgm_interface_ttl_set(s->m, f->ifindex, f->ttl)) < 0) {
			rc = rc < 0 ? rc : f->old_ttl;
			emsg(err, errlen, "%s:%u: cannot set the TTL threshold of '%s': %s",
			     fname(&f->ploc), f->ploc.line, f->name, strerror(-rc));
			goto fail;
		}
		f->ttl_set = true;
	}
	for (uint32_t i = 0; i < st->n_ifs; i++) {
		struct sif *f = st->iv[i];
		if (!(f->pinned || f->refs))
			continue;
		if ((rc = mgm_interface_take(s->m, s->h, f->ifindex, 0)) < 0) {
			emsg(err, errlen, "%s:%u: cannot take interface '%s' (index %u): %s",
			     fname(&f->loc), f->loc.line, f->name, f->ifindex, strerror(-rc));
			goto fail;
		}
		f->owned = true;
	}
	for (uint32_t i = 0; i < st->n_routes; i++) {
		const struct sroute *r = st->rv[i];
		for (uint16_t j = 0; j < r->n_oifs; j++) {
			rc = mgm_membership_add(s->m, s->h, r->src, r->src ? 0xffffffffu : 0, r->grp,
						0xffffffffu, r->oifs[j], 0, MGM_JOIN_STATE);
			if (rc < 0) {
				emsg(err, errlen, "%s:%u: cannot add %s on interface %s: %s",
				     fname(&r->loc), r->loc.line, sg(r->src, r->grp).s,
				     ifn(s, r->oifs[j]).s, strerror(-rc));
				goto fail;
			}
		}
	}
	return 0;
fail:
	(void)uninstall(s, st);
	s->cur = NULL;
	return rc;
}

/* Do r and o (the same key) forward alike: the same incoming interface
 * and OIFs? */
static bool
route_same(const struct sroute *r, const struct sroute *o)
{
	return o != NULL && o->iif == r->iif && o->n_oifs == r->n_oifs &&
	       memcmp(o->oifs, r->oifs, r->n_oifs * sizeof(*r->oifs)) == 0;
}

/* The MFEs a route change concerns are made again by mgm_mfe_redo(): its
 * key, or for a (*,G) template every MFE of G (an (S,G) route's are made
 * again too: they come out as they were). */
static int
redo(struct mcfwd_static *s, const struct sroute *r, char *err, size_t errlen)
{
	int rc = mgm_mfe_redo(s->m, r->src, r->grp);
	if (rc < 0 && rc != -ENOSPC) {
		emsg(err, errlen, "cannot make the MFEs of %s again: %s", sg(r->src, r->grp).s,
		     strerror(-rc));
		return rc;
	}
	return 0; /* -ENOSPC: the table is full; next packets try again */
}

/* Does o[0..n) hold ifindex? */
static bool
oifs_have(const struct mgm_mfe_oif *o, uint32_t n, uint32_t ifindex)
{
	for (uint32_t i = 0; i < n; i++)
		if (o[i].ifc.ifindex == ifindex)
			return true;
	return false;
}

/* Does (src, grp)'s MFE forward on ifindex? (More OIFs than o holds:
 * taken as yes, the caller then makes it again.) */
static bool
mfe_uses_if(struct mcfwd_static *s, uint32_t src, uint32_t grp, uint32_t ifindex)
{
	struct mgm_mfe e;
	struct mgm_mfe_oif o[64];
	uint32_t k = 64;
	int rc = mgm_mfe_get(s->m, src, grp, &e, o, &k);
	return rc == -ENOSPC || (rc == 0 && oifs_have(o, k, ifindex));
}

/* Does an MFE of r (its (S,G), or for a template any of its group's)
 * forward on ifindex? */
static bool
route_mfes_use_if(struct mcfwd_static *s, const struct sroute *r, uint32_t ifindex)
{
	if (r->src != 0)
		return mfe_uses_if(s, r->src, r->grp, ifindex);
	struct mgm_mfe e[16];
	uint32_t src = 0, grp = r->grp, n = 0;
	for (;;) { /* (group, source) order, strictly after (src, grp) */
		if (mgm_mfe_next(s->m, src, grp, e, 16, &n) < 0)
			return true; /* cannot tell: made again */
		for (uint32_t i = 0; i < n; i++) {
			if (e[i].grp != r->grp)
				return false;
			if (mfe_uses_if(s, e[i].src, e[i].grp, ifindex))
				return true;
		}
		if (n < 16)
			return false;
		src = e[n - 1].src;
		grp = e[n - 1].grp;
	}
}

/* Interfaces fresh[0..n) were just taken: MFEs of st's routes that forward
 * on one the route does not list were made while static did not own it
 * (CREATION_ALERT asks an OIF's owner, so nobody vetoed it there): they
 * are made again (found by review). All looked at first, then made
 * again: the walk's sorted snapshot is built once. */
static int
redo_taken(struct mcfwd_static *s, struct state *st, const uint32_t *fresh, uint32_t n,
	   char *err, size_t errlen)
{
	if (n == 0 || st->n_routes == 0)
		return 0;
	bool *stale = calloc(st->n_routes, sizeof(*stale));
	if (stale == NULL)
		return OOM(err, errlen);
	for (uint32_t i = 0; i < st->n_routes; i++)
		for (uint32_t j = 0; j < n && !stale[i]; j++)
			stale[i] = !has_oif(st->rv[i], fresh[j]) &&
				   route_mfes_use_if(s, st->rv[i], fresh[j]);
	int rc = 0;
	for (uint32_t i = 0; i < st->n_routes && rc == 0; i++)
		if (stale[i])
			rc = redo(s, st->rv[i], err, errlen);
	free(stale);
	return rc;
}

/* The running registration changed from old to st in place (a reload):
 * what both have is left as it is, so its MFEs keep forwarding (and
 * counting); interfaces st needs and old did not own are taken,
 * memberships deleted and added by difference, interfaces old owned and
 * st does not need released, and the MFEs made by old answers made again:
 * of routes that came, went or changed, of routes whose incoming
 * interface was not owned (released by mcfwd_static_iface_release: their
 * MFEs vetoed every OIF), and of routes that do not list an interface
 * just taken but forward on it. On failure the caller shuts the
 * registration down and installs old again. The caller holds an MGM batch
 * (one grace period). */
static int
apply_diff(struct mcfwd_static *s, struct state *old, struct state *st, char *err, size_t errlen)
{
	int rc;
	s->cur = st; /* the callbacks answer by st from here on */
	/* TTL thresholds: an interface keeps the value MGM had before static
	 * (old_ttl) across reloads; one st does not set gets it back */
	for (uint32_t i = 0; i < st->n_ifs; i++) {
		struct sif *f = st->iv[i];
		struct sif *of = sif_get(old, f->ifindex);
		if (f->ttl == 0)
			continue;
		if (of != NULL && of->ttl_set) {
			f->old_ttl = of->old_ttl;
			f->ttl_set = true;
			of->ttl_set = false;
			if (of->ttl == f->ttl)
				continue;
		} else {
			f->old_ttl = mgm_interface_ttl_get(s->m, f->ifindex);
			if (f->old_ttl < 0) {
				rc = f->old_ttl;
				goto ttl_fail;
			}
		}
		if ((rc = mgm_interface_ttl_set(s->m, f->ifindex, f->ttl)) < 0)
			goto ttl_fail;
		f->ttl_set = true;
		continue;
ttl_fail:
		emsg(err, errlen, "%s:%u: cannot set the TTL threshold of '%s': %s",
		     fname(&f->ploc), f->ploc.line, f->name, strerror(-rc));
		return rc;
	}
	ttl_restore(s, old); /* those st does not set (the rest were handed over) */
	/* ownership: kept (carried) or taken */
	uint32_t *fresh = malloc((st->n_ifs ? st->n_ifs : 1) * sizeof(*fresh)), n_fresh = 0;
	if (fresh == NULL)
		return OOM(err, errlen);
	for (uint32_t i = 0; i < st->n_ifs; i++) {
		struct sif *f = st->iv[i];
		struct sif *of = sif_get(old, f->ifindex);
		if (!(f->pinned || f->refs))
			continue;
		if (of != NULL && of->owned) {
			of->owned = false; /* handed over */
			f->owned = true;
			f->carried = true;
			continue;
		}
		if ((rc = mgm_interface_take(s->m, s->h, f->ifindex, 0)) < 0) {
			emsg(err, errlen, "%s:%u: cannot take interface '%s' (index %u): %s",
			     fname(&f->loc), f->loc.line, f->name, f->ifindex, strerror(-rc));
			free(fresh);
			return rc;
		}
		f->owned = true;
		fresh[n_fresh++] = f->ifindex;
	}
	/* memberships old had and st has not, before any is added (an
	 * interface's cap must hold the file, not both files: found by
	 * review); an interface released since took its own with it */
	for (uint32_t i = 0; i < old->n_routes; i++) {
		const struct sroute *o = old->rv[i];
		const struct sroute *r = route_get(st, o->src, o->grp);
		for (uint16_t j = 0; j < o->n_oifs; j++)
			if (r == NULL || !has_oif(r, o->oifs[j]))
				(void)mgm_membership_delete(s->m, s->h, o->src, o->src ? 0xffffffffu : 0,
							    o->grp, 0xffffffffu, o->oifs[j], 0, 0);
	}
	/* and those st has and old had not: also every one on an interface
	 * not carried over (a release took them, found by review) */
	for (uint32_t i = 0; i < st->n_routes; i++) {
		const struct sroute *r = st->rv[i];
		const struct sroute *o = route_get(old, r->src, r->grp);
		for (uint16_t j = 0; j < r->n_oifs; j++) {
			if (o != NULL && has_oif(o, r->oifs[j]) && sif_get(st, r->oifs[j])->carried)
				continue;
			rc = mgm_membership_add(s->m, s->h, r->src, r->src ? 0xffffffffu : 0, r->grp,
						0xffffffffu, r->oifs[j], 0, MGM_JOIN_STATE);
			if (rc < 0) {
				emsg(err, errlen, "%s:%u: cannot add %s on interface %s: %s",
				     fname(&r->loc), r->loc.line, sg(r->src, r->grp).s,
				     ifn(s, r->oifs[j]).s, strerror(-rc));
				free(fresh);
				return rc;
			}
		}
	}
	/* interfaces old owned that st does not need (their MFEs purged, and
	 * MGM drops static's vetoes of them) */
	for (uint32_t i = 0; i < old->n_ifs; i++) {
		struct sif *of = old->iv[i];
		if (!of->owned)
			continue;
		if ((rc = mgm_interface_release(s->m, s->h, of->ifindex, 0)) < 0) {
			emsg(err, errlen, "cannot release interface '%s' (index %u): %s", of->name,
			     of->ifindex, strerror(-rc));
			free(fresh);
			return rc;
		}
		of->owned = false;
	}
	/* MFEs made by the old answers (RPF's interface, CREATION_ALERT's
	 * vetoes) */
	for (uint32_t i = 0; i < st->n_routes; i++) {
		const struct sroute *r = st->rv[i];
		if ((!route_same(r, route_get(old, r->src, r->grp)) || !sif_get(st, r->iif)->carried) &&
		    (rc = redo(s, r, err, errlen)) < 0)
			goto out;
	}
	for (uint32_t i = 0; i < old->n_routes; i++) {
		const struct sroute *o = old->rv[i];
		if (route_get(st, o->src, o->grp) == NULL && (rc = redo(s, o, err, errlen)) < 0)
			goto out;
	}
	rc = redo_taken(s, st, fresh, n_fresh, err, errlen);
out:
	free(fresh);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Public                                                            */

void
mcfwd_static_set_ifname(struct mcfwd_static *s, mcfwd_static_ifname_fn fn)
{
	if (s != NULL)
		s->ifname = fn;
}

struct mcfwd_static *
mcfwd_static_create(struct mgm *m, mcfwd_static_resolve_fn resolve_fn, void *arg)
{
	if (m == NULL || resolve_fn == NULL) {
		errno = EINVAL;
		return NULL;
	}
	struct mcfwd_static *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	s->m = m;
	s->resolve = resolve_fn;
	s->arg = arg;
	return s;
}

int
mcfwd_static_shutdown(struct mcfwd_static *s)
{
	if (s == NULL)
		return -EINVAL;
	if (!s->running)
		return 0;
	int rc = uninstall(s, s->cur);
	if (rc < 0)
		return rc;
	state_free(s->cur);
	s->cur = NULL;
	mcfwd_static_commit(s); /* nothing to go back to */
	return 0;
}

void
mcfwd_static_destroy(struct mcfwd_static *s)
{
	if (s == NULL)
		return;
	/* fails only when called from inside an MGM callback (misuse): the
	 * registration then stays, and MGM would call freed memory; nothing
	 * better can be done than not to leak the rest */
	(void)mcfwd_static_shutdown(s);
	if (s->cur != NULL)
		state_free(s->cur);
	mcfwd_static_commit(s);
	free(s);
}

bool
mcfwd_static_running(const struct mcfwd_static *s)
{
	return s != NULL && s->running;
}

int
mcfwd_static_check(const struct mcfwd_static *s, const struct mcfwd_config *cfg, char *err,
		   size_t errlen)
{
	struct state *st;
	if (s == NULL || cfg == NULL) {
		emsg(err, errlen, "bad arguments");
		return -EINVAL;
	}
	int rc = build(s, cfg, &st, err, errlen);
	if (rc == 0)
		state_free(st);
	return rc;
}

/* The whole way back to `to` after a diff from it failed midway (s->cur
 * is `to` again): shut down (both states' thresholds put back as they
 * were before static), `to` installed; `from` is freed. */
static int
way_back(struct mcfwd_static *s, struct state *to, struct state *from, int rc, char *err,
	 size_t errlen)
{
	s->cur = to;
	int rs = mgm_protocol_shutdown(s->m, s->h);
	if (rs < 0) { /* from a callback (misuse): left as it is */
		size_t l = err ? strnlen(err, errlen) : 0;
		if (err && l + 1 < errlen)
			snprintf(err + l, errlen - l, "; cannot go back: %s", strerror(-rs));
		state_free(from);
		return rc;
	}
	s->running = false;
	s->h = 0;
	ttl_restore(s, from);
	ttl_restore(s, to);
	for (uint32_t i = 0; i < to->n_ifs; i++)
		to->iv[i]->owned = false;
	state_free(from);
	char e2[256];
	if (install(s, to, e2, sizeof(e2)) < 0) {
		size_t l = err ? strnlen(err, errlen) : 0;
		if (err && l + 1 < errlen)
			snprintf(err + l, errlen - l,
				 "; the previous configuration could not be restored: %s", e2);
		state_free(to);
		s->cur = NULL;
	}
	return rc;
}

/* From the running state to `st` (installed when not running); a diff
 * that fails midway goes the whole way back. keep: the replaced state is
 * kept for mcfwd_static_revert(). */
static int
apply(struct mcfwd_static *s, struct state *st, bool keep, char *err, size_t errlen)
{
	struct state *old = s->running ? s->cur : NULL;
	uint32_t *rel = NULL, n_rel = 0;
	int rc;
	/* the interfaces released by the operator (needed, not owned), which
	 * the diff takes again (the file is the whole truth): a revert, and a
	 * diff that fails midway (its way back installs the old state, taking
	 * every interface of it), release them again (found by review: a
	 * failed reload gave them back) */
	if (old != NULL && old->n_ifs > 0) {
		if ((rel = malloc(old->n_ifs * sizeof(*rel))) == NULL) {
			state_free(st);
			return OOM(err, errlen);
		}
		for (uint32_t i = 0; i < old->n_ifs; i++) {
			const struct sif *f = old->iv[i];
			if ((f->pinned || f->refs) && !f->owned && !f->disabled)
				rel[n_rel++] = f->ifindex;
		}
	}
	if (old != NULL) {
		mgm_batch_begin(s->m);
		rc = apply_diff(s, old, st, err, errlen);
		for (uint32_t i = 0; i < st->n_ifs; i++)
			st->iv[i]->carried = false;
		mgm_batch_end(s->m);
		if (rc < 0) {
			rc = way_back(s, old, st, rc, err, errlen);
			for (uint32_t i = 0; s->running && i < n_rel; i++)
				(void)mcfwd_static_iface_release(s, rel[i]);
			free(rel);
			return rc;
		}
	} else if ((rc = install(s, st, err, errlen)) < 0) {
		state_free(st);
		return rc;
	}
	if (keep) {
		s->tentative = true;
		s->prev = old;
		s->prev_rel = rel;
		s->n_prev_rel = n_rel;
	} else {
		state_free(old);
		free(rel);
	}
	return 0;
}

void
mcfwd_static_commit(struct mcfwd_static *s)
{
	if (s == NULL || !s->tentative)
		return;
	state_free(s->prev);
	s->prev = NULL;
	free(s->prev_rel);
	s->prev_rel = NULL;
	s->n_prev_rel = 0;
	s->tentative = false;
}

static int
static_apply(struct mcfwd_static *s, const struct mcfwd_config *cfg, bool keep, char *err,
	     size_t errlen)
{
	struct state *st;
	int rc;
	if (s == NULL || cfg == NULL) {
		emsg(err, errlen, "bad arguments");
		return -EINVAL;
	}
	mcfwd_static_commit(s); /* an earlier tentative apply stands */
	if ((rc = build(s, cfg, &st, err, errlen)) < 0)
		return rc;
	return apply(s, st, keep, err, errlen);
}

int
mcfwd_static_apply(struct mcfwd_static *s, const struct mcfwd_config *cfg, char *err,
		   size_t errlen)
{
	return static_apply(s, cfg, false, err, errlen);
}

int
mcfwd_static_apply_tentative(struct mcfwd_static *s, const struct mcfwd_config *cfg, char *err,
			     size_t errlen)
{
	return static_apply(s, cfg, true, err, errlen);
}

int
mcfwd_static_revert(struct mcfwd_static *s, char *err, size_t errlen)
{
	if (s == NULL)
		return -EINVAL;
	if (!s->tentative)
		return 0;
	/* a tentative apply implies running: shutdown() commits */
	struct state *prev = s->prev, *cur = s->cur;
	uint32_t *rel = s->prev_rel, n_rel = s->n_prev_rel;
	s->tentative = false;
	s->prev = NULL;
	s->prev_rel = NULL;
	s->n_prev_rel = 0;
	if (prev == NULL) /* it was not running */
		return mcfwd_static_shutdown(s);
	/* the same diff backwards: what was handed over comes back, routes
	 * and memberships as they were, run-time edits included; failing
	 * midway, the whole way to prev */
	mgm_batch_begin(s->m);
	int rc = apply_diff(s, cur, prev, err, errlen);
	for (uint32_t i = 0; i < prev->n_ifs; i++)
		prev->iv[i]->carried = false;
	mgm_batch_end(s->m);
	if (rc < 0)
		rc = way_back(s, prev, cur, rc, err, errlen);
	else
		state_free(cur);
	/* and released again what the operator had released */
	for (uint32_t i = 0; s->running && i < n_rel; i++)
		(void)mcfwd_static_iface_release(s, rel[i]);
	free(rel);
	return rc;
}

int
mcfwd_static_mroute_add(struct mcfwd_static *s, uint32_t iif, uint32_t src, uint32_t grp,
			const uint32_t *oifs, uint16_t n, char *err, size_t errlen)
{
	if (s == NULL || (oifs == NULL && n > 0)) {
		emsg(err, errlen, "bad arguments");
		return -EINVAL;
	}
	if (n == 0 || n > MCFWD_CFG_OIFS_MAX) {
		emsg(err, errlen, "%u outgoing interfaces, need 1..%d", n, MCFWD_CFG_OIFS_MAX);
		return -EINVAL;
	}
	if ((grp >> 28) != 0xe || (grp >> 8) == 0xe00000) {
		emsg(err, errlen, "group %s is not a routable multicast group", ip(grp).s);
		return -EINVAL;
	}
	if (src != 0 && !mcfwd_ipv4_src_ok(src)) { /* 0: a (*,G) route */
		emsg(err, errlen, "source %s is not a unicast address", ip(src).s);
		return -EINVAL;
	}
	if (iif >= MFC_IFACES_MAX) {
		emsg(err, errlen, "bad incoming interface %u", iif);
		return -EINVAL;
	}
	for (uint16_t i = 0; i < n; i++) {
		if (oifs[i] >= MFC_IFACES_MAX || oifs[i] == iif) {
			emsg(err, errlen, "bad outgoing interface %s", ifn(s, oifs[i]).s);
			return -EINVAL;
		}
		for (uint16_t j = 0; j < i; j++)
			if (oifs[j] == oifs[i]) {
				emsg(err, errlen, "duplicate outgoing interface %s", ifn(s, oifs[i]).s);
				return -EINVAL;
			}
	}
	int rc;
	/* an edit of the running configuration: starting static here, empty,
	 * would drop what a shut-down configuration had (its other routes,
	 * interfaces and TTL thresholds) behind the caller's back */
	if (!s->running) {
		emsg(err, errlen, "protocol static is not running");
		return -ENOENT;
	}
	struct state *st = s->cur;
	struct sroute *r = route_get(st, src, grp);
	if (r != NULL && r->iif != iif) {
		emsg(err, errlen, "mroute %s exists from interface %s", sg(src, grp).s, ifn(s, r->iif).s);
		return -EEXIST;
	}
	for (int i = -1; i < (int)n; i++) {
		struct sif *f = sif_get(st, i < 0 ? iif : oifs[i]);
		if (f && f->disabled) {
			emsg(err, errlen, "interface %s is disabled (%s:%u)", ifn(s, f->ifindex).s,
			     fname(&f->ploc), f->ploc.line);
			return -EINVAL;
		}
		if (f && !f->owned) {
			emsg(err, errlen, "interface %s was released: take it back first",
			     ifn(s, f->ifindex).s);
			return -EINVAL;
		}
	}
	/* what is new: the OIFs, and the interfaces to record */
	uint32_t *add = malloc(n * sizeof(*add)), n_add = 0;
	struct sif **fresh = malloc((n + 1u) * sizeof(*fresh));
	bool made[MCFWD_CFG_OIFS_MAX + 1] = { false }; /* fresh[i] created by this call */
	uint32_t n_fresh = 0, n_joined = 0;
	uint32_t *nv = NULL;
	struct sroute *nr = NULL;
	if (add == NULL || fresh == NULL) {
		rc = OOM(err, errlen);
		goto undo;
	}
	for (uint16_t i = 0; i < n; i++)
		if (r == NULL || !has_oif(r, oifs[i]))
			add[n_add++] = oifs[i];
	if (n_add == 0) {
		rc = 0; /* all there already */
		goto undo;
	}
	uint32_t total = (r ? r->n_oifs : 0) + n_add;
	if (total > MCFWD_CFG_OIFS_MAX) {
		emsg(err, errlen, "mroute %s would have %u outgoing interfaces, at most %d",
		     sg(src, grp).s, total, MCFWD_CFG_OIFS_MAX);
		rc = -EINVAL;
		goto undo;
	}
	nv = malloc(total * sizeof(*nv));
	if (nv == NULL || (r == NULL && (nr = calloc(1, sizeof(*nr))) == NULL)) {
		rc = OOM(err, errlen);
		goto undo;
	}
	/* fresh: interfaces this call takes (new records, or known ones
	 * released with mcfwd_static_iface_release()) */
	for (int i = -1; i < (int)n_add; i++) {
		uint32_t x = i < 0 ? iif : add[i];
		struct sif *f = sif_get(st, x);
		if (f != NULL && f->owned)
			continue;
		if (f == NULL) {
			f = sif_add(st, x, NULL, (struct mcfwd_cfg_loc){ NULL, 0 });
			if (f == NULL) {
				rc = OOM(err, errlen);
				goto undo;
			}
			made[n_fresh] = true;
		}
		fresh[n_fresh++] = f;
	}
	/* MGM: take what is not owned yet, then the memberships */
	for (uint32_t i = 0; i < n_fresh; i++) {
		if ((rc = mgm_interface_take(s->m, s->h, fresh[i]->ifindex, 0)) < 0) {
			emsg(err, errlen, "cannot take interface %s: %s", ifn(s, fresh[i]->ifindex).s,
			     strerror(-rc));
			goto undo;
		}
		fresh[i]->owned = true;
	}
	for (; n_joined < n_add; n_joined++) {
		rc = mgm_membership_add(s->m, s->h, src, src ? 0xffffffffu : 0, grp, 0xffffffffu,
					add[n_joined], 0, MGM_JOIN_STATE);
		if (rc < 0) {
			emsg(err, errlen, "cannot add %s on interface %s: %s", sg(src, grp).s,
			     ifn(s, add[n_joined]).s, strerror(-rc));
			goto undo;
		}
	}
	/* commit */
	if (r != NULL)
		memcpy(nv, r->oifs, r->n_oifs * sizeof(*nv));
	memcpy(nv + (r ? r->n_oifs : 0), add, n_add * sizeof(*nv));
	qsort(nv, total, sizeof(*nv), u32_cmp);
	if (r == NULL) {
		*nr = (struct sroute){ .src = src, .grp = grp, .iif = iif };
		if (route_put(st, nr) < 0) {
			rc = OOM(err, errlen);
			goto undo;
		}
		r = nr;
		nr = NULL;
		sif_get(st, iif)->refs++;
	} else
		free(r->oifs);
	r->oifs = nv;
	r->n_oifs = (uint16_t)total;
	nv = NULL;
	for (uint32_t i = 0; i < n_add; i++)
		sif_get(st, add[i])->refs++;
	free(add);
	/* the MFEs made by the old answers (another route's incoming
	 * interface, OIFs vetoed as not the route's) are made by the new ones,
	 * and other routes' that forward on an interface taken now; one that
	 * cannot be is made by its next packet */
	(void)mgm_mfe_redo(s->m, src, grp);
	uint32_t taken[MCFWD_CFG_OIFS_MAX + 1], n_taken = 0;
	for (uint32_t i = 0; i < n_fresh; i++)
		taken[n_taken++] = fresh[i]->ifindex;
	free(fresh);
	(void)redo_taken(s, st, taken, n_taken, NULL, 0);
	return 0;
undo:
	while (n_joined > 0) {
		n_joined--;
		(void)mgm_membership_delete(s->m, s->h, src, src ? 0xffffffffu : 0, grp, 0xffffffffu,
					    add[n_joined], 0, MGM_JOIN_STATE);
	}
	for (uint32_t i = 0; i < n_fresh; i++) {
		if (fresh[i]->owned)
			(void)mgm_interface_release(s->m, s->h, fresh[i]->ifindex, 0);
		fresh[i]->owned = false;
		if (made[i])
			sif_remove(st, fresh[i]);
	}
	free(nv);
	free(nr);
	free(add);
	free(fresh);
	return rc;
}

int
mcfwd_static_mroute_del(struct mcfwd_static *s, uint32_t src, uint32_t grp)
{
	if (s == NULL)
		return -EINVAL;
	struct state *st = s->cur;
	struct sroute *r = s->running ? route_get(st, src, grp) : NULL;
	if (r == NULL)
		return -ENOENT;
	for (uint16_t i = 0; i < r->n_oifs; i++)
		(void)mgm_membership_delete(s->m, s->h, src, src ? 0xffffffffu : 0, grp, 0xffffffffu,
					    r->oifs[i], 0, MGM_JOIN_STATE);
	uint32_t used[MCFWD_CFG_OIFS_MAX + 1], n = 0;
	used[n++] = r->iif;
	for (uint16_t i = 0; i < r->n_oifs; i++)
		used[n++] = r->oifs[i];
	route_remove(st, r);
	for (uint32_t i = 0; i < n; i++) {
		struct sif *f = sif_get(st, used[i]);
		if (f == NULL)
			continue;
		f->refs--;
		if (f->refs == 0 && !f->pinned && f->owned) {
			(void)mgm_interface_release(s->m, s->h, f->ifindex, 0);
			f->owned = false;
		}
		if (!sif_needed(f))
			sif_remove(st, f);
	}
	(void)mgm_mfe_redo(s->m, src, grp); /* as after an add */
	return 0;
}

int
mcfwd_static_iface_forget(struct mcfwd_static *s, uint32_t ifindex)
{
	if (s == NULL)
		return -EINVAL;
	struct state *st = s->cur;
	struct sif *f = s->running ? sif_get(st, ifindex) : NULL;
	if (f == NULL)
		return -ENOENT;
	if (f->owned) {
		(void)mgm_interface_release(s->m, s->h, ifindex, 0);
		f->owned = false;
	}
	if (f->ttl_set) {
		(void)mgm_interface_ttl_set(s->m, ifindex, (uint8_t)f->old_ttl);
		f->ttl_set = false;
	}
	/* a phyint no longer holds it: the last route going removes it */
	f->has_phyint = false;
	f->pinned = false;
	f->disabled = false;
	/* route deletes move the last route into the slot: walk backwards */
	for (uint32_t i = st->n_routes; i-- > 0;) {
		struct sroute *r = st->rv[i];
		if (r->iif == ifindex || (r->n_oifs == 1 && r->oifs[0] == ifindex)) {
			(void)mcfwd_static_mroute_del(s, r->src, r->grp);
			continue;
		}
		uint32_t *o = bsearch(&ifindex, r->oifs, r->n_oifs, sizeof(*r->oifs), u32_cmp);
		if (o == NULL)
			continue;
		/* its membership went with the release */
		memmove(o, o + 1, (size_t)(r->oifs + r->n_oifs - (o + 1)) * sizeof(*o));
		r->n_oifs--;
		f = sif_get(st, ifindex); /* held: this route used it */
		f->refs--;
	}
	f = sif_get(st, ifindex); /* the deletes may have removed it */
	if (f != NULL)
		sif_remove(st, f);
	return 0;
}

int
mcfwd_static_info_get(const struct mcfwd_static *s, struct mcfwd_static_info *out)
{
	if (s == NULL || out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->running = s->running;
	if (s->cur) {
		out->n_mroutes = s->cur->n_routes;
		out->n_templates = s->cur->n_templates;
		for (uint32_t i = 0; i < s->cur->n_ifs; i++)
			out->n_ifaces += s->cur->iv[i]->owned;
	}
	out->rpf = s->c.rpf;
	out->rpf_hits = s->c.rpf_hits;
	out->creation_alerts = s->c.creation_alerts;
	out->oifs_vetoed = s->c.oifs_vetoed;
	out->wrong_if = s->c.wrong_if;
	out->join_alerts = s->c.join_alerts;
	out->prune_alerts = s->c.prune_alerts;
	out->local_joins = s->c.local_joins;
	out->local_leaves = s->c.local_leaves;
	return 0;
}

int
mcfwd_static_mroute_get(const struct mcfwd_static *s, uint32_t idx,
			struct mcfwd_static_mroute *out)
{
	if (s == NULL || out == NULL)
		return -EINVAL;
	if (s->cur == NULL || idx >= s->cur->n_routes)
		return -ENOENT;
	const struct sroute *r = s->cur->rv[idx];
	*out = (struct mcfwd_static_mroute){ .src = r->src, .grp = r->grp, .iif = r->iif,
					     .n_oifs = r->n_oifs, .oifs = r->oifs, .loc = r->loc };
	return 0;
}

int
mcfwd_static_iface_get(const struct mcfwd_static *s, uint32_t idx, struct mcfwd_static_iface *out)
{
	if (s == NULL || out == NULL)
		return -EINVAL;
	if (s->cur == NULL || idx >= s->cur->n_ifs)
		return -ENOENT;
	const struct sif *f = s->cur->iv[idx];
	*out = (struct mcfwd_static_iface){ .ifindex = f->ifindex, .owned = f->owned,
					    .phyint_enable = f->pinned,
					    .phyint_disable = f->disabled, .ttl = f->ttl,
					    .refs = f->refs };
	return 0;
}

int
mcfwd_static_iface_release(struct mcfwd_static *s, uint32_t ifindex)
{
	if (s == NULL)
		return -EINVAL;
	struct sif *f = s->running ? sif_get(s->cur, ifindex) : NULL;
	if (f == NULL || !f->owned)
		return -ENOENT;
	int rc = mgm_interface_release(s->m, s->h, ifindex, 0);
	if (rc < 0)
		return rc;
	f->owned = false;
	return 0;
}

int
mcfwd_static_iface_take(struct mcfwd_static *s, uint32_t ifindex)
{
	if (s == NULL)
		return -EINVAL;
	struct sif *f = s->running ? sif_get(s->cur, ifindex) : NULL;
	if (f == NULL)
		return -ENOENT;
	if (f->owned)
		return -EALREADY;
	if (f->disabled)
		return -EINVAL;
	int rc = mgm_interface_take(s->m, s->h, ifindex, 0);
	if (rc < 0)
		return rc;
	f->owned = true;
	for (uint32_t i = 0; i < s->cur->n_routes; i++) {
		const struct sroute *r = s->cur->rv[i];
		if (!has_oif(r, ifindex))
			continue;
		rc = mgm_membership_add(s->m, s->h, r->src, r->src ? 0xffffffffu : 0, r->grp,
					0xffffffffu, ifindex, 0, MGM_JOIN_STATE);
		if (rc < 0) {
			/* the release drops the memberships added so far */
			(void)mgm_interface_release(s->m, s->h, ifindex, 0);
			f->owned = false;
			return rc;
		}
	}
	/* MFEs made while it was released are made again, as a reload and a
	 * run-time add do: of routes from it (their MFEs were made from
	 * another interface's answer, negative: they stayed until aged out)
	 * and of routes that do not list it but forward on it (nobody could
	 * veto it then); found by review. One grace period for all. */
	mgm_batch_begin(s->m);
	for (uint32_t i = 0; i < s->cur->n_routes; i++)
		if (s->cur->rv[i]->iif == ifindex)
			(void)redo(s, s->cur->rv[i], NULL, 0);
	(void)redo_taken(s, s->cur, &ifindex, 1, NULL, 0);
	mgm_batch_end(s->m);
	return 0;
}
