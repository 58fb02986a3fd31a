/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration parser (include/mcfwd_config.h): plain C, no DPDK.
 * A statement is checked completely before anything is appended, so a
 * failing line changes nothing; a failing file discards the whole parse.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "mcfwd_config.h"
#include "mcfwd_pkt.h"

struct mcfwd_cfg_priv {
	uint32_t cap_ifaces, cap_routes, cap_phyints, cap_mroutes, cap_mgroups;
	char **files;            /* names the locs point to (never moved) */
	uint32_t n_files, cap_files;
	/* iface indexes (open addressing, slot = iface index + 1, 0 empty) */
	uint32_t *by_name, *by_port;
	uint32_t tab_size;       /* power of two, > 2 * n_ifaces; 0: none yet */
	/* route index by (prefix, len), the same way */
	uint32_t *by_route;
	uint32_t rtab_size;      /* power of two, > 2 * n_routes; 0: none yet */
};

#define MAX_TOKENS (MCFWD_CFG_LINE_MAX / 2 + 1)

struct pctx {
	struct mcfwd_config *cfg;
	char *err;
	size_t errlen;
	const char *file;        /* current file name (owned by cfg) */
	unsigned int line;
	int depth;               /* 0: the top file */
	bool allow_include;
	char *stack[MCFWD_CFG_INCLUDE_DEPTH + 1]; /* real paths being read */
	char buf[MCFWD_CFG_LINE_MAX + 1];
	char *tok[MAX_TOKENS];
};

/* ---------------------------------------------------------------- */
/* Messages                                                          */

static void
msg(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* "FILE:LINE: reason"; returns rc. */
static int __attribute__((format(printf, 3, 4)))
perr(struct pctx *p, int rc, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	msg(p->err, p->errlen, "%s:%u: %s", p->file, p->line, reason);
	return rc;
}

/* A token fit for a message: at most 64 characters, non-printable ones
 * shown as '?'. */
struct qtok {
	char s[72];
};

static struct qtok
q(const char *t)
{
	struct qtok r;
	size_t i = 0;
	for (; t[i] && i < 64; i++)
		r.s[i] = (t[i] >= 0x20 && t[i] < 0x7f) ? t[i] : '?';
	if (t[i]) {
		memcpy(r.s + i, "...", 3);
		i += 3;
	}
	r.s[i] = 0;
	return r;
}

/* A.B.C.D/LEN for a message. */
struct qpfx {
	char s[20];
};

static struct qpfx
qp(uint32_t a, uint8_t len)
{
	struct qpfx r;
	snprintf(r.s, sizeof(r.s), "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		 a & 255, len);
	return r;
}

/* ---------------------------------------------------------------- */
/* Lexical helpers                                                   */

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int
mcfwd_split_words(char *s, char **argv, int max, bool hash_in_word)
{
	int n = 0;
	if (s == NULL || (argv == NULL && max > 0) || max < 0)
		return -EINVAL;
	for (;;) {
		while (is_blank(*s) || *s == '\n')
			s++;
		if (!*s || *s == '#')
			return n;
		if (n == max)
			return -E2BIG;
		argv[n++] = s;
		char *d = s; /* the word is written over itself, quotes dropped */
		bool q = false;
		while (*s && (q || !(is_blank(*s) || *s == '\n' || (*s == '#' && !hash_in_word)))) {
			if (*s == '"') {
				q = !q;
				s++;
				continue;
			}
			if (q && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			*d++ = *s++;
		}
		if (q)
			return -EINVAL;
		char c = *s;
		*d = 0;
		if (c == '#')
			return n; /* a comment right after a word */
		if (c)
			s++;
	}
}

/* Decimal, digits only, within lo..hi. */
static bool
num(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	unsigned long v = 0;
	if (s == NULL || *s == 0)
		return false;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9' || c - s >= 10)
			return false;
		v = v * 10 + (unsigned long)(*c - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* Strict dotted quad: four decimal parts 0..255, no leading zeros, up to
 * `end` (or the end of the string). */
static bool
ip4(const char *s, const char *end, uint32_t *out)
{
	uint32_t a = 0;
	if (end == NULL)
		end = s + strlen(s);
	for (int part = 0; part < 4; part++) {
		unsigned int v = 0, nd = 0;
		while (s < end && *s >= '0' && *s <= '9') {
			if (nd == 1 && v == 0)
				return false; /* leading zero */
			v = v * 10 + (unsigned int)(*s - '0');
			if (++nd > 3 || v > 255)
				return false;
			s++;
		}
		if (nd == 0)
			return false;
		a = (a << 8) | v;
		if (part < 3) {
			if (s >= end || *s != '.')
				return false;
			s++;
		}
	}
	if (s != end)
		return false;
	*out = a;
	return true;
}

/* A.B.C.D[/LEN]; *len = 32 without "/LEN" (need_len: the length is
 * required). */
static bool
prefix(const char *s, bool need_len, uint32_t *a, uint8_t *len)
{
	const char *sl = strchr(s, '/');
	unsigned long l = 32;
	if (sl == NULL && need_len)
		return false;
	if (!ip4(s, sl, a))
		return false;
	if (sl != NULL && !num(sl + 1, 0, 32, &l))
		return false;
	*len = (uint8_t)l;
	return true;
}

static bool
name_ok(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == ':' || c == '-'))
			return false;
	}
	return n >= 1 && n < MCFWD_CFG_NAME_SZ;
}

static uint32_t
mask_of(uint8_t len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

/* ---------------------------------------------------------------- */
/* Storage                                                           */

static int
grow(void *arrp, uint32_t *cap, uint32_t n, size_t sz)
{
	void **arr = arrp;
	if (n < *cap)
		return 0;
	uint32_t nc = *cap ? *cap * 2 : 16;
	void *nv = realloc(*arr, (size_t)nc * sz);
	if (nv == NULL)
		return -ENOMEM;
	*arr = nv;
	*cap = nc;
	return 0;
}

static struct mcfwd_cfg_priv *
priv_of(struct mcfwd_config *cfg)
{
	if (cfg->priv == NULL)
		cfg->priv = calloc(1, sizeof(*cfg->priv));
	return cfg->priv;
}

/* The file name for locs: the last one if equal, else a new copy. */
static const char *
file_intern(struct mcfwd_config *cfg, const char *name)
{
	struct mcfwd_cfg_priv *pv = priv_of(cfg);
	if (pv == NULL)
		return NULL;
	if (pv->n_files > 0 && strcmp(pv->files[pv->n_files - 1], name) == 0)
		return pv->files[pv->n_files - 1];
	if (grow(&pv->files, &pv->cap_files, pv->n_files, sizeof(*pv->files)) < 0)
		return NULL;
	char *c = strdup(name);
	if (c == NULL)
		return NULL;
	pv->files[pv->n_files++] = c;
	return c;
}

static uint32_t
hash_name(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static uint32_t
hash_port(uint16_t port, uint16_t vlan)
{
	uint32_t k = ((uint32_t)port << 16 | vlan) * 0x9e3779b1u;
	return k ^ (k >> 15);
}

/* Index of the iface named `name`, or -1. */
static long
iface_by_name(const struct mcfwd_config *cfg, const char *name)
{
	const struct mcfwd_cfg_priv *pv = cfg->priv;
	if (pv == NULL || pv->tab_size == 0)
		return -1;
	for (uint32_t i = hash_name(name) & (pv->tab_size - 1);; i = (i + 1) & (pv->tab_size - 1)) {
		uint32_t x = pv->by_name[i];
		if (x == 0)
			return -1;
		if (strcmp(cfg->ifaces[x - 1].name, name) == 0)
			return (long)x - 1;
	}
}

static long
iface_by_port(const struct mcfwd_config *cfg, uint16_t port, uint16_t vlan)
{
	const struct mcfwd_cfg_priv *pv = cfg->priv;
	if (pv == NULL || pv->tab_size == 0)
		return -1;
	for (uint32_t i = hash_port(port, vlan) & (pv->tab_size - 1);;
	     i = (i + 1) & (pv->tab_size - 1)) {
		uint32_t x = pv->by_port[i];
		if (x == 0)
			return -1;
		if (cfg->ifaces[x - 1].port == port && cfg->ifaces[x - 1].vlan == vlan)
			return (long)x - 1;
	}
}

static void
tab_insert(struct mcfwd_config *cfg, uint32_t *byn, uint32_t *byp, uint32_t size, uint32_t idx)
{
	const struct mcfwd_cfg_iface *f = &cfg->ifaces[idx];
	uint32_t i = hash_name(f->name) & (size - 1);
	while (byn[i])
		i = (i + 1) & (size - 1);
	byn[i] = idx + 1;
	i = hash_port(f->port, f->vlan) & (size - 1);
	while (byp[i])
		i = (i + 1) & (size - 1);
	byp[i] = idx + 1;
}

/* Index the iface just appended (cfg->n_ifaces - 1). */
static int
iface_index(struct mcfwd_config *cfg)
{
	struct mcfwd_cfg_priv *pv = cfg->priv;
	if (pv->tab_size < 2 * cfg->n_ifaces + 2) {
		uint32_t ns = pv->tab_size ? pv->tab_size * 2 : 64;
		uint32_t *byn = calloc(ns, sizeof(*byn)), *byp = calloc(ns, sizeof(*byp));
		if (byn == NULL || byp == NULL) {
			free(byn);
			free(byp);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i + 1 < cfg->n_ifaces; i++)
			tab_insert(cfg, byn, byp, ns, i);
		free(pv->by_name);
		free(pv->by_port);
		pv->by_name = byn;
		pv->by_port = byp;
		pv->tab_size = ns;
	}
	tab_insert(cfg, pv->by_name, pv->by_port, pv->tab_size, cfg->n_ifaces - 1);
	return 0;
}

static uint32_t
hash_route(uint32_t prefix, uint8_t len)
{
	uint32_t k = (prefix ^ len) * 0x9e3779b1u;
	return k ^ (k >> 15);
}

/* Index of the route for prefix/len, or -1. */
static long
route_find(const struct mcfwd_config *cfg, uint32_t prefix, uint8_t len)
{
	const struct mcfwd_cfg_priv *pv = cfg->priv;
	if (pv == NULL || pv->rtab_size == 0)
		return -1;
	for (uint32_t i = hash_route(prefix, len) & (pv->rtab_size - 1);;
	     i = (i + 1) & (pv->rtab_size - 1)) {
		uint32_t x = pv->by_route[i];
		if (x == 0)
			return -1;
		if (cfg->routes[x - 1].prefix == prefix && cfg->routes[x - 1].len == len)
			return (long)x - 1;
	}
}

static void
rtab_insert(const struct mcfwd_config *cfg, uint32_t *t, uint32_t size, uint32_t idx)
{
	uint32_t i = hash_route(cfg->routes[idx].prefix, cfg->routes[idx].len) & (size - 1);
	while (t[i])
		i = (i + 1) & (size - 1);
	t[i] = idx + 1;
}

/* Index the route just appended (cfg->n_routes - 1). */
static int
route_index(struct mcfwd_config *cfg)
{
	struct mcfwd_cfg_priv *pv = cfg->priv;
	if (pv->rtab_size < 2 * cfg->n_routes + 2) {
		uint32_t ns = pv->rtab_size ? pv->rtab_size * 2 : 64;
		uint32_t *t = calloc(ns, sizeof(*t));
		if (t == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i + 1 < cfg->n_routes; i++)
			rtab_insert(cfg, t, ns, i);
		free(pv->by_route);
		pv->by_route = t;
		pv->rtab_size = ns;
	}
	rtab_insert(cfg, pv->by_route, pv->rtab_size, cfg->n_routes - 1);
	return 0;
}

void
mcfwd_config_free(struct mcfwd_config *cfg)
{
	if (cfg == NULL)
		return;
	for (uint32_t i = 0; cfg->mroutes && i < cfg->n_mroutes; i++)
		free(cfg->mroutes[i].oifs);
	free(cfg->ifaces);
	free(cfg->routes);
	free(cfg->phyints);
	free(cfg->mroutes);
	free(cfg->mgroups);
	if (cfg->priv) {
		for (uint32_t i = 0; i < cfg->priv->n_files; i++)
			free(cfg->priv->files[i]);
		free(cfg->priv->files);
		free(cfg->priv->by_name);
		free(cfg->priv->by_port);
		free(cfg->priv->by_route);
		free(cfg->priv);
	}
	memset(cfg, 0, sizeof(*cfg));
}

/* ---------------------------------------------------------------- */
/* Statements                                                        */

/* The value after keyword tok[*i]; error if missing. */
#define NEED_VALUE(p, tok, n, i, what)                                                   \
	do {                                                                              \
		if ((i) + 1 >= (n))                                                       \
			return perr(p, -EINVAL, "'%s' needs %s, got nothing", tok[i], what); \
	} while (0)

static int
check_name(struct pctx *p, const char *t)
{
	if (!name_ok(t))
		return perr(p, -EINVAL, "bad interface name '%s' (1..31 of A-Z a-z 0-9 _ . : -)",
			    q(t).s);
	return 0;
}

static int
st_iface(struct pctx *p, char **tok, int n, struct mcfwd_cfg_loc loc)
{
	struct mcfwd_cfg_iface f = { .loc = loc };
	bool has_port = false, has_vlan = false, has_mtu = false;
	unsigned long v;
	int rc;

	if (n < 2)
		return perr(p, -EINVAL, "'iface' needs a name");
	if ((rc = check_name(p, tok[1])) < 0)
		return rc;
	strcpy(f.name, tok[1]);
	for (int i = 2; i < n; i += 2) {
		const char *k = tok[i];
		bool *seen;
		if (strcmp(k, "port") == 0)
			seen = &has_port;
		else if (strcmp(k, "vlan") == 0)
			seen = &has_vlan;
		else if (strcmp(k, "mtu") == 0)
			seen = &has_mtu;
		else if (strcmp(k, "address") == 0)
			seen = &f.has_addr;
		else
			return perr(p, -EINVAL, "unexpected '%s' in 'iface'", q(k).s);
		if (*seen)
			return perr(p, -EINVAL, "duplicate '%s'", k);
		if (k[0] == 'p') {
			NEED_VALUE(p, tok, n, i, "a number 0..31");
			if (!num(tok[i + 1], 0, MCFWD_CFG_PORT_MAX, &v))
				return perr(p, -EINVAL, "'port' needs a number 0..31, got '%s'",
					    q(tok[i + 1]).s);
			f.port = (uint16_t)v;
		} else if (k[0] == 'v') {
			NEED_VALUE(p, tok, n, i, "a number 1..4094");
			if (!num(tok[i + 1], 1, 4094, &v))
				return perr(p, -EINVAL, "'vlan' needs a number 1..4094, got '%s'",
					    q(tok[i + 1]).s);
			f.vlan = (uint16_t)v;
		} else if (k[0] == 'm') {
			NEED_VALUE(p, tok, n, i, "a number 68..9600");
			if (!num(tok[i + 1], 68, MCFWD_CFG_MTU_MAX, &v))
				return perr(p, -EINVAL, "'mtu' needs a number 68..%u, got '%s'",
					    MCFWD_CFG_MTU_MAX, q(tok[i + 1]).s);
			f.mtu = (uint16_t)v;
		} else {
			NEED_VALUE(p, tok, n, i, "A.B.C.D/LEN");
			if (!prefix(tok[i + 1], true, &f.addr, &f.addr_len))
				return perr(p, -EINVAL, "'address' needs A.B.C.D/LEN, got '%s'",
					    q(tok[i + 1]).s);
			if (f.addr_len == 0) /* its prefix is a connected route: /0 is not one */
				return perr(p, -EINVAL,
					    "'address' needs a prefix length 1..32, got '%s'",
					    q(tok[i + 1]).s);
			/* an interface's own address: not 0.0.0.0, multicast,
			 * broadcast or loopback */
			if (!mcfwd_ipv4_src_ok(f.addr) || (f.addr >> 24) == 127)
				return perr(p, -EINVAL,
					    "'address' must be a unicast address, got '%s'",
					    q(tok[i + 1]).s);
		}
		*seen = true;
	}
	if (!has_port)
		return perr(p, -EINVAL, "'iface %s' needs 'port N'", f.name);
	long o = iface_by_name(p->cfg, f.name);
	if (o >= 0)
		return perr(p, -EINVAL, "iface '%s' already defined at %s:%u", f.name,
			    p->cfg->ifaces[o].loc.file, p->cfg->ifaces[o].loc.line);
	o = iface_by_port(p->cfg, f.port, f.vlan);
	if (o >= 0)
		return perr(p, -EINVAL, "port %u vlan %u is already iface '%s' (%s:%u)", f.port,
			    f.vlan, p->cfg->ifaces[o].name, p->cfg->ifaces[o].loc.file,
			    p->cfg->ifaces[o].loc.line);
	/* each address's prefix is its interface's connected route (RPF):
	 * two interfaces whose prefixes overlap would fight over it, as a
	 * router refuses ("% 10.0.0.0 overlaps with Ethernet0"). A config
	 * is the whole set of addresses (a load drops the others), so the
	 * config's own interfaces are all there is to check. */
	for (uint32_t i = 0; f.has_addr && i < p->cfg->n_ifaces; i++) {
		const struct mcfwd_cfg_iface *o = &p->cfg->ifaces[i];
		uint8_t l = o->addr_len < f.addr_len ? o->addr_len : f.addr_len;
		if (o->has_addr && ((o->addr ^ f.addr) & mask_of(l)) == 0)
			return perr(p, -EINVAL,
				    "address %s overlaps with iface '%s' address %s (%s:%u)",
				    qp(f.addr, f.addr_len).s, o->name, qp(o->addr, o->addr_len).s,
				    o->loc.file, o->loc.line);
	}
	struct mcfwd_config *c = p->cfg;
	if (grow(&c->ifaces, &c->priv->cap_ifaces, c->n_ifaces, sizeof(f)) < 0)
		return -ENOMEM;
	c->ifaces[c->n_ifaces++] = f;
	if (iface_index(c) < 0) {
		c->n_ifaces--;
		return -ENOMEM;
	}
	return 0;
}

static int
st_route(struct pctx *p, char **tok, int n, struct mcfwd_cfg_loc loc)
{
	struct mcfwd_cfg_route r = { .loc = loc };
	int rc;
	if (n < 2)
		return perr(p, -EINVAL, "'route' needs PREFIX/LEN via IFNAME");
	if (!prefix(tok[1], true, &r.prefix, &r.len))
		return perr(p, -EINVAL, "'route' needs PREFIX/LEN, got '%s'", q(tok[1]).s);
	if (r.prefix & ~mask_of(r.len))
		return perr(p, -EINVAL, "prefix '%s' has bits set beyond /%u", tok[1], r.len);
	if (n < 3 || strcmp(tok[2], "via") != 0)
		return perr(p, -EINVAL, "'route' needs 'via IFNAME' after the prefix, got '%s'",
			    n < 3 ? "" : q(tok[2]).s);
	if (n < 4)
		return perr(p, -EINVAL, "'via' needs an interface name, got nothing");
	if ((rc = check_name(p, tok[3])) < 0)
		return rc;
	if (n > 4)
		return perr(p, -EINVAL, "unexpected '%s' after the route", q(tok[4]).s);
	strcpy(r.via, tok[3]);
	/* one route per prefix: a second one (even via the same interface)
	 * is refused, not silently made the winner */
	long o = route_find(p->cfg, r.prefix, r.len);
	if (o >= 0)
		return perr(p, -EINVAL, "duplicate route %s (%s:%u)", qp(r.prefix, r.len).s,
			    p->cfg->routes[o].loc.file, p->cfg->routes[o].loc.line);
	struct mcfwd_config *c = p->cfg;
	if (grow(&c->routes, &c->priv->cap_routes, c->n_routes, sizeof(r)) < 0)
		return -ENOMEM;
	c->routes[c->n_routes++] = r;
	if (route_index(c) < 0) {
		c->n_routes--;
		return -ENOMEM;
	}
	return 0;
}

static int
st_phyint(struct pctx *p, char **tok, int n, struct mcfwd_cfg_loc loc)
{
	struct mcfwd_cfg_phyint ph = { .loc = loc };
	bool en = false, dis = false;
	unsigned long v;
	int rc;
	if (n < 2)
		return perr(p, -EINVAL, "'phyint' needs an interface name");
	if ((rc = check_name(p, tok[1])) < 0)
		return rc;
	strcpy(ph.name, tok[1]);
	for (int i = 2; i < n; i++) {
		const char *k = tok[i];
		if (strcmp(k, "enable") == 0 || strcmp(k, "disable") == 0) {
			bool *seen = k[0] == 'e' ? &en : &dis;
			if (*seen)
				return perr(p, -EINVAL, "duplicate '%s'", k);
			*seen = true;
		} else if (strcmp(k, "igmp") == 0) {
			if (ph.igmp)
				return perr(p, -EINVAL, "duplicate 'igmp'");
			ph.igmp = true;
		} else if (strcmp(k, "ttl-threshold") == 0) {
			if (ph.ttl)
				return perr(p, -EINVAL, "duplicate 'ttl-threshold'");
			NEED_VALUE(p, tok, n, i, "a number 1..255");
			if (!num(tok[i + 1], 1, 255, &v))
				return perr(p, -EINVAL,
					    "'ttl-threshold' needs a number 1..255, got '%s'",
					    q(tok[i + 1]).s);
			ph.ttl = (uint8_t)v;
			i++;
		} else
			return perr(p, -EINVAL, "unexpected '%s' in 'phyint'", q(k).s);
	}
	if (en == dis)
		return perr(p, -EINVAL, en ? "'phyint %s' has both 'enable' and 'disable'"
					   : "'phyint %s' needs 'enable' or 'disable'",
			    ph.name);
	if (dis && ph.ttl)
		return perr(p, -EINVAL, "'ttl-threshold' on a disabled phyint '%s'", ph.name);
	ph.enable = en;
	struct mcfwd_config *c = p->cfg;
	if (grow(&c->phyints, &c->priv->cap_phyints, c->n_phyints, sizeof(ph)) < 0)
		return -ENOMEM;
	c->phyints[c->n_phyints++] = ph;
	return 0;
}

/* group G[/LEN] of an mroute or mgroup: multicast; `routed`: not
 * link-local and /32. */
static int
group_arg(struct pctx *p, const char *t, bool routed, uint32_t *g, uint8_t *len)
{
	if (!prefix(t, false, g, len))
		return perr(p, -EINVAL, "'group' needs a multicast address G[/LEN], got '%s'",
			    q(t).s);
	if ((*g >> 28) != 0xe)
		return perr(p, -EINVAL, "group '%s' is not multicast (224.0.0.0/4)", q(t).s);
	if (!routed) {
		if (*len != 32)
			return perr(p, -EINVAL, "'group' takes one address, got '%s'", q(t).s);
		return 0;
	}
	if ((*g >> 8) == 0xe00000)
		return perr(p, -EINVAL, "group '%s' is link-local (224.0.0.0/24), never routed",
			    q(t).s);
	if (*len != 32)
		return perr(p, -EINVAL, "group ranges are not supported (only /32), got '%s'",
			    q(t).s);
	return 0;
}

static int
source_arg(struct pctx *p, const char *t, bool routed, uint32_t *s, uint8_t *len)
{
	if (!prefix(t, false, s, len))
		return perr(p, -EINVAL, "'source' needs a unicast address S[/LEN], got '%s'",
			    q(t).s);
	if (!mcfwd_ipv4_src_ok(*s))
		return perr(p, -EINVAL, "source '%s' is not a unicast address", q(t).s);
	if (*len != 32)
		return perr(p, -EINVAL,
			    routed ? "source ranges are not supported (only /32), got '%s'"
				   : "'source' takes one address, got '%s'",
			    q(t).s);
	return 0;
}

static int
name_cmp_idx(const void *a, const void *b, void *arg)
{
	char **tok = arg;
	int x = *(const int *)a, y = *(const int *)b;
	int c = strcmp(tok[x], tok[y]);
	return c ? c : (x > y) - (x < y);
}

/* The "from IFNAME [source S] group G" part shared by mroute and mgroup,
 * options in any order, each once; with `to` (mroute) it stops at "to" and
 * returns its position in *to (-1: none). `ranges`: S[/LEN] and G[/LEN]. */
struct fsg {
	char iif[MCFWD_CFG_NAME_SZ];
	uint32_t src, grp;
	uint8_t slen, glen;
	bool has_src;
};

static int
parse_fsg(struct pctx *p, char **tok, int n, const char *stmt, bool ranges, struct fsg *r,
	  int *to)
{
	bool has_from = false, has_grp = false;
	int rc;
	memset(r, 0, sizeof(*r));
	if (to)
		*to = -1;
	for (int i = 1; i < n; i += 2) {
		const char *k = tok[i];
		if (to && strcmp(k, "to") == 0) {
			*to = i;
			/* everything after 'to' is an OIF: a 'from', 'source'
			 * or 'group' there was meant before it */
			for (int j = i + 1; j < n && (!has_from || !has_grp); j++)
				if (strcmp(tok[j], "from") == 0 || strcmp(tok[j], "group") == 0 ||
				    strcmp(tok[j], "source") == 0)
					return perr(p, -EINVAL, "'to IFNAME...' must come last in '%s' ('%s' after it)",
						    stmt, tok[j]);
			break;
		}
		if (strcmp(k, "from") == 0) {
			if (has_from)
				return perr(p, -EINVAL, "duplicate 'from'");
			NEED_VALUE(p, tok, n, i, "an interface name");
			if ((rc = check_name(p, tok[i + 1])) < 0)
				return rc;
			strcpy(r->iif, tok[i + 1]);
			has_from = true;
		} else if (strcmp(k, "source") == 0) {
			if (r->has_src)
				return perr(p, -EINVAL, "duplicate 'source'");
			NEED_VALUE(p, tok, n, i, ranges ? "a unicast address S[/LEN]" : "a unicast address");
			if ((rc = source_arg(p, tok[i + 1], ranges, &r->src, &r->slen)) < 0)
				return rc;
			r->has_src = true;
		} else if (strcmp(k, "group") == 0) {
			if (has_grp)
				return perr(p, -EINVAL, "duplicate 'group'");
			NEED_VALUE(p, tok, n, i, ranges ? "a multicast address G[/LEN]" : "a multicast address");
			if ((rc = group_arg(p, tok[i + 1], ranges, &r->grp, &r->glen)) < 0)
				return rc;
			has_grp = true;
		} else {
			return perr(p, -EINVAL, "unexpected '%s' in '%s'", q(k).s, stmt);
		}
	}
	if (!has_from)
		return perr(p, -EINVAL, "'%s' needs 'from IFNAME'", stmt);
	if (!has_grp)
		return perr(p, -EINVAL, "'%s' needs 'group G'", stmt);
	return 0;
}

static int
st_mroute(struct pctx *p, char **tok, int n, struct mcfwd_cfg_loc loc)
{
	struct mcfwd_cfg_mroute r = { .loc = loc };
	struct fsg f;
	int to, rc;

	if ((rc = parse_fsg(p, tok, n, "mroute", true, &f, &to)) < 0)
		return rc;
	memcpy(r.iif, f.iif, sizeof(r.iif));
	r.src = f.src;
	r.grp = f.grp;
	r.slen = f.has_src ? f.slen : 0;
	r.glen = f.glen;
	if (to < 0)
		return perr(p, -EINVAL, "'mroute' needs 'to IFNAME...'");
	int no = n - to - 1;
	if (no <= 0)
		return perr(p, -EINVAL, "'to' needs at least one interface");
	if (no > MCFWD_CFG_OIFS_MAX)
		return perr(p, -EINVAL, "%d outgoing interfaces, at most %d", no,
			    MCFWD_CFG_OIFS_MAX);
	for (int i = to + 1; i < n; i++) {
		if ((rc = check_name(p, tok[i])) < 0)
			return rc;
		if (strcmp(tok[i], r.iif) == 0)
			return perr(p, -EINVAL, "incoming interface '%s' is also outgoing", r.iif);
	}
	/* duplicates: sort the positions by name, report the first repeat */
	int ix[MCFWD_CFG_OIFS_MAX], dup = -1;
	for (int i = 0; i < no; i++)
		ix[i] = to + 1 + i;
	qsort_r(ix, (size_t)no, sizeof(ix[0]), name_cmp_idx, tok);
	for (int i = 1; i < no; i++)
		if (strcmp(tok[ix[i - 1]], tok[ix[i]]) == 0 && (dup < 0 || ix[i] < dup))
			dup = ix[i];
	if (dup >= 0)
		return perr(p, -EINVAL, "duplicate outgoing interface '%s'", tok[dup]);

	r.n_oifs = (uint16_t)no;
	r.oifs = malloc((size_t)no * sizeof(*r.oifs));
	if (r.oifs == NULL)
		return -ENOMEM;
	for (int i = 0; i < no; i++)
		strcpy(r.oifs[i], tok[to + 1 + i]);
	struct mcfwd_config *c = p->cfg;
	if (grow(&c->mroutes, &c->priv->cap_mroutes, c->n_mroutes, sizeof(r)) < 0) {
		free(r.oifs);
		return -ENOMEM;
	}
	c->mroutes[c->n_mroutes++] = r;
	return 0;
}

static int
st_mgroup(struct pctx *p, char **tok, int n, struct mcfwd_cfg_loc loc)
{
	struct mcfwd_cfg_mgroup g = { .loc = loc };
	struct fsg f;
	int rc = parse_fsg(p, tok, n, "mgroup", false, &f, NULL);
	if (rc < 0)
		return rc;
	memcpy(g.iif, f.iif, sizeof(g.iif));
	g.src = f.has_src ? f.src : 0;
	g.grp = f.grp;
	struct mcfwd_config *c = p->cfg;
	if (grow(&c->mgroups, &c->priv->cap_mgroups, c->n_mgroups, sizeof(g)) < 0)
		return -ENOMEM;
	c->mgroups[c->n_mgroups++] = g;
	return 0;
}

static int parse_one(struct pctx *p, const char *s, size_t len);

/* ---------------------------------------------------------------- */
/* Files                                                             */

/* The lines of an open file, read as they come: never more than one line
 * (MCFWD_CFG_LINE_MAX characters) is held, so an endless or binary file
 * (/dev/zero, a FIFO) stops at its first over-long line or NUL byte
 * instead of being read whole first. A read error sets *io (the caller
 * reports it as "cannot read"). */
static int
parse_stream(struct pctx *p, FILE *f, bool *io)
{
	char *b = malloc(MCFWD_CFG_LINE_MAX + 2); /* + a CRLF's CR */
	size_t n = 0;
	int rc = 0;
	if (b == NULL)
		return perr(p, -ENOMEM, "out of memory");
	for (;;) {
		int ch = getc_unlocked(f);
		if (ch == EOF) {
			if (ferror(f)) {
				rc = errno ? -errno : -EIO;
				*io = true;
			} else if (n > 0) { /* a last line without a newline */
				p->line++;
				rc = parse_one(p, b, n);
			}
			break;
		}
		if (ch == '\n') {
			p->line++;
			if ((rc = parse_one(p, b, n)) < 0)
				break;
			n = 0;
			continue;
		}
		if (ch == 0 || n > MCFWD_CFG_LINE_MAX || (n == MCFWD_CFG_LINE_MAX && ch != '\r')) {
			p->line++;
			rc = ch == 0 ? perr(p, -EINVAL, "NUL byte in the line")
				     : perr(p, -EINVAL, "line longer than %d characters",
					    MCFWD_CFG_LINE_MAX);
			break;
		}
		b[n++] = (char)ch;
	}
	free(b);
	return rc;
}

/* Parse the file at `path` (already resolved against the includer). */

/* fopen() for reading, except that a FIFO (or socket, or terminal) with
 * nothing to read for FIFO_WAIT_MS is refused instead of waited for
 * without end: fopen() of a FIFO no one writes to blocks, and so would the
 * control thread on 'protocol static load' or --cmdline-file. A writer
 * that is there reads as before. A directory: -EISDIR (fopen() takes one,
 * its first read fails). NULL with *rc a negative errno. */
#define FIFO_WAIT_MS 2000
#define STR_(x) #x
#define STR(x) STR_(x)
FILE *
mcfwd_input_open(const char *path, int *rc)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		*rc = -errno;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		*rc = -EISDIR;
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int r;
		while ((r = poll(&pf, 1, FIFO_WAIT_MS)) < 0 && errno == EINTR)
			;
		if (r <= 0) {
			*rc = r < 0 ? -errno : -ETIMEDOUT;
			close(fd);
			return NULL;
		}
	}
	int fl = fcntl(fd, F_GETFL);
	FILE *f = NULL;
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 || (f = fdopen(fd, "rb")) == NULL) {
		*rc = -errno;
		close(fd);
	}
	return f;
}

const char *
mcfwd_input_strerror(int rc)
{
	return rc == -ETIMEDOUT ? "nothing to read in " STR(FIFO_WAIT_MS) " ms (a FIFO without a writer?)"
				: strerror(-rc);
}

static int
parse_path(struct pctx *p, const char *path)
{
	char *real;
	FILE *f = NULL;
	bool io = false;
	int rc;

	real = realpath(path, NULL);
	if (real == NULL) {
		rc = errno == ENOMEM ? -ENOMEM : -errno;
		goto cannot;
	}
	for (int i = 0; i < p->depth; i++)
		if (strcmp(p->stack[i], real) == 0) {
			free(real);
			return perr(p, -EINVAL, "include cycle: '%s' is already being read",
				    q(path).s);
		}
	f = mcfwd_input_open(path, &rc);
	if (f == NULL) {
		free(real);
		goto cannot;
	}
	const char *name = file_intern(p->cfg, path);
	if (name == NULL) {
		free(real);
		fclose(f);
		return perr(p, -ENOMEM, "out of memory");
	}
	const char *ofile = p->file;
	unsigned int oline = p->line;
	p->stack[p->depth++] = real;
	p->file = name;
	p->line = 0;
	rc = parse_stream(p, f, &io);
	p->depth--;
	p->file = ofile;
	p->line = oline;
	free(real);
	fclose(f);
	if (!io)
		return rc;
cannot:;
	const char *why = mcfwd_input_strerror(rc);
	if (p->file == NULL)
		msg(p->err, p->errlen, "%s: cannot read: %s", path, why);
	else
		perr(p, rc, "cannot read '%s': %s", q(path).s, why);
	return rc;
}

static int
st_include(struct pctx *p, char **tok, int n)
{
	if (!p->allow_include)
		return perr(p, -EINVAL, "'include' is not allowed here");
	if (n < 2)
		return perr(p, -EINVAL, "'include' needs a file name");
	if (n > 2)
		return perr(p, -EINVAL, "unexpected '%s' after the file name", q(tok[2]).s);
	if (p->depth > MCFWD_CFG_INCLUDE_DEPTH)
		return perr(p, -EINVAL, "includes nested deeper than %d", MCFWD_CFG_INCLUDE_DEPTH);
	const char *f = tok[1], *sl = strrchr(p->file, '/');
	if (f[0] == '/' || sl == NULL) {
		/* a copy: f points into the line buffer, which the included
		 * file's lines overwrite (a read error then named a line of it) */
		char *c = strdup(f);
		if (c == NULL)
			return -ENOMEM;
		int rc = parse_path(p, c);
		free(c);
		return rc;
	}
	size_t dl = (size_t)(sl - p->file) + 1;
	char *path = malloc(dl + strlen(f) + 1);
	if (path == NULL)
		return -ENOMEM;
	memcpy(path, p->file, dl);
	strcpy(path + dl, f);
	int rc = parse_path(p, path);
	free(path);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Lines                                                             */

/* One line (len bytes, no newline) at p->file:p->line. */
static int
parse_one(struct pctx *p, const char *s, size_t len)
{
	if (len > 0 && s[len - 1] == '\r')
		len--; /* a CRLF line's CR is not one of its characters (the CLI drops it too) */
	if (len > MCFWD_CFG_LINE_MAX)
		return perr(p, -EINVAL, "line longer than %d characters", MCFWD_CFG_LINE_MAX);
	if (memchr(s, 0, len) != NULL)
		return perr(p, -EINVAL, "NUL byte in the line");
	memcpy(p->buf, s, len);
	p->buf[len] = 0;
	int n = mcfwd_split_words(p->buf, p->tok, MAX_TOKENS, false);
	if (n == -EINVAL)
		return perr(p, -EINVAL, "a double quote is not closed");
	if (n < 0) /* cannot be: a word takes two characters at least */
		return perr(p, -EINVAL, "too many words");
	if (n == 0)
		return 0;
	if (p->cfg->n_statements >= MCFWD_CFG_STATEMENTS_MAX)
		return perr(p, -EINVAL, "more than %u statements", MCFWD_CFG_STATEMENTS_MAX);
	if (priv_of(p->cfg) == NULL)
		return perr(p, -ENOMEM, "out of memory");
	struct mcfwd_cfg_loc loc = { p->file, p->line };
	const char *k = p->tok[0];
	int rc;
	if (strcmp(k, "include") == 0)
		rc = st_include(p, p->tok, n);
	else if (strcmp(k, "iface") == 0)
		rc = st_iface(p, p->tok, n, loc);
	else if (strcmp(k, "route") == 0)
		rc = st_route(p, p->tok, n, loc);
	else if (strcmp(k, "phyint") == 0)
		rc = st_phyint(p, p->tok, n, loc);
	else if (strcmp(k, "mroute") == 0)
		rc = st_mroute(p, p->tok, n, loc);
	else if (strcmp(k, "mgroup") == 0)
		rc = st_mgroup(p, p->tok, n, loc);
	else
		rc = perr(p, -EINVAL, "unknown statement '%s'", q(k).s);
	if (rc == -ENOMEM)
		perr(p, rc, "out of memory");
	if (rc == 0)
		p->cfg->n_statements++;
	return rc;
}

static int
parse_buf(struct pctx *p, const char *text, size_t len)
{
	if (len == 0)
		return 0; /* an empty file: text may be NULL */
	const char *s = text, *end = text + len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l = nl ? (size_t)(nl - s) : (size_t)(end - s);
		p->line++;
		int rc = parse_one(p, s, l);
		if (rc < 0)
			return rc;
		if (nl == NULL)
			break; /* the last line had no newline: s + l + 1 is past the end */
		s = nl + 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Entry points                                                      */

static struct pctx *
pctx_new(struct mcfwd_config *cfg, char *err, size_t errlen)
{
	struct pctx *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		msg(err, errlen, "out of memory");
		return NULL;
	}
	p->cfg = cfg;
	p->err = err;
	p->errlen = errlen;
	return p;
}

int
mcfwd_config_parse_file(const char *path, struct mcfwd_config *cfg, char *err, size_t errlen)
{
	struct mcfwd_config tmp = { 0 };
	if (cfg == NULL || path == NULL || path[0] == 0) {
		msg(err, errlen, "no file name");
		if (cfg)
			memset(cfg, 0, sizeof(*cfg));
		return -EINVAL;
	}
	memset(cfg, 0, sizeof(*cfg));
	struct pctx *p = pctx_new(&tmp, err, errlen);
	if (p == NULL)
		return -ENOMEM;
	p->allow_include = true;
	int rc = parse_path(p, path);
	free(p);
	if (rc < 0) {
		mcfwd_config_free(&tmp);
		return rc;
	}
	*cfg = tmp;
	return 0;
}

int
mcfwd_config_parse_string(const char *text, size_t len, const char *name,
			  struct mcfwd_config *cfg, char *err, size_t errlen)
{
	struct mcfwd_config tmp = { 0 };
	if (cfg == NULL || (text == NULL && len > 0)) {
		msg(err, errlen, "bad arguments");
		if (cfg)
			memset(cfg, 0, sizeof(*cfg));
		return -EINVAL;
	}
	memset(cfg, 0, sizeof(*cfg));
	struct pctx *p = pctx_new(&tmp, err, errlen);
	if (p == NULL)
		return -ENOMEM;
	int rc = -ENOMEM;
	p->file = file_intern(&tmp, name ? name : "<string>");
	if (p->file != NULL)
		rc = parse_buf(p, text, len);
	else
		msg(err, errlen, "out of memory");
	free(p);
	if (rc < 0) {
		mcfwd_config_free(&tmp);
		return rc;
	}
	*cfg = tmp;
	return 0;
}

int
mcfwd_config_parse_line(struct mcfwd_config *cfg, const char *line, const char *name,
			unsigned int lineno, char *err, size_t errlen)
{
	if (cfg == NULL || line == NULL) {
		msg(err, errlen, "bad arguments");
		return -EINVAL;
	}
	size_t len = strnlen(line, MCFWD_CFG_LINE_MAX + 2);
	const char *nl = memchr(line, '\n', len);
	if (nl != NULL && nl[1] == 0)
		len--; /* one trailing newline is fine */
	struct pctx *p = pctx_new(cfg, err, errlen);
	if (p == NULL)
		return -ENOMEM;
	/* the name is interned first; if the statement then fails the name
	 * stays in the file list, unused and invisible (freed with cfg) */
	int rc;
	p->file = file_intern(cfg, name ? name : "<cli>");
	p->line = lineno;
	if (p->file == NULL) {
		msg(err, errlen, "out of memory");
		rc = -ENOMEM;
	} else if (nl != NULL && (size_t)(nl - line) < len)
		rc = perr(p, -EINVAL, "more than one line");
	else
		rc = parse_one(p, line, len);
	free(p);
	return rc;
}
