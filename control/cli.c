/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The testpmd-style command line. One parser (cli_exec) serves every
 * source: the interactive prompt, --cmdline-file, stdin and the fuzzer.
 * The interactive prompt is DPDK's librte_cmdline: a catch-all instance
 * hands each line to cli_exec; one instance per command (generated from
 * the table below, never matching a whole line) gives tab completion and
 * the '?' help of its keywords.
 *
 * Every command either does what it says or changes nothing and prints one
 * line "error: <reason>" (prefixed with "FILE:LINE: " for files).
 */
#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/epoll.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_version.h>

#include "app.h"
#include "mcfwd_config.h"
#include "mcfwd_static.h"
#include "mcfwd_pkt.h"

#define MAXARGS 1100 /* mroute add with 1024 OIFs */

uint32_t cli_wait_cap_ms;

typedef int (*cmd_fn)(int argc, char **argv, FILE *out, char *err, size_t errlen);

struct cmd {
	const char *words;   /* fixed leading keywords */
	const char *args;    /* argument syntax, for help */
	const char *help;
	cmd_fn fn;
};

static int
ip_parse(const char *s, uint32_t *a)
{
	struct in_addr in;
	if (inet_pton(AF_INET, s, &in) != 1)
		return -EINVAL;
	*a = ntohl(in.s_addr);
	return 0;
}

static const char *
ip_str(uint32_t a, char *b)
{
	struct in_addr in = { .s_addr = htonl(a) };
	inet_ntop(AF_INET, &in, b, INET_ADDRSTRLEN);
	return b;
}

static const char *
if_name(uint32_t ifid)
{
	if (ifid < app.n_ifs && app.ifs[ifid].used)
		return app.ifs[ifid].name;
	return "-";
}

static void
hms(uint64_t s, char *b, size_t n)
{
	snprintf(b, n, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600, s / 60 % 60, s % 60);
}

static uint64_t
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* ---------------------------------------------------------------- */
/* show ip mroute                                                     */

struct mroute_row {
	struct mgm_mfe_stats s;
	struct mgm_mfe_oif *oif;  /* all of them: malloc'd, grown as needed */
	uint32_t n_oif, cap_oif;
	struct mgm_oif_stats *os; /* per-OIF counters (detail view only), malloc'd */
	uint32_t n_os;
};

/* What 'clear counters' kept of one MFE (app.mfe_base): its counters and
 * its OIFs'. */
struct mfe_base {
	struct mgm_mfe_stats s;
	uint32_t n_os;
	struct mgm_oif_stats os[];
};

/* One MFE's counters with their OIFs' (*os malloc'd, *n_os of them; NULL
 * when it has none). @return 0 or a negative errno. */
static int
mfe_stats_oifs(uint32_t src, uint32_t grp, struct mgm_mfe_stats *st, struct mgm_oif_stats **os,
	       uint32_t *n_os)
{
	uint32_t room = 8;
	*os = NULL;
	*n_os = 0;
	for (int tries = 0; tries < 2; tries++) {
		struct mgm_oif_stats *b = malloc(room * sizeof(*b));
		if (b == NULL)
			return -ENOMEM;
		uint32_t n = room;
		int rc = mgm_mfe_stats_get(app.mgm, src, grp, st, b, &n);
		if (rc == -ENOSPC && n > room) {
			free(b);
			room = n; /* the number needed */
			continue;
		}
		if (rc < 0 || n == 0) {
			free(b);
			return rc;
		}
		*os = b;
		*n_os = n;
		return 0;
	}
	return -ENOSPC;
}

void
cli_mfe_baseline_sub(struct mgm_mfe_stats *s, struct mgm_oif_stats *os, uint32_t n_os)
{
	const struct mfe_base *b = hmap_get(&app.mfe_base, mfc_key(s->mfe.src, s->mfe.grp));
	if (b == NULL || b->s.mfe.id != s->mfe.id)
		return; /* not cleared, or a newer MFE of the same (S,G) */
	/* a count below its baseline shows 0, never a wrapped 1.8e19 */
#define SUB(f) (s->f = s->f > b->s.f ? s->f - b->s.f : 0)
	SUB(in_pkts);
	SUB(in_octets);
	SUB(pkts_different_if);
	SUB(in_discards);
	SUB(in_hdr_errors);
	SUB(out_pkts);
	SUB(queue_overflow);
#undef SUB
	/* an OIF's, as the entry's, when it is the instance the clear saw:
	 * one that left the list after the clear and came back is a new
	 * instance (serial), counting from 0 since the clear, shown as it is */
	for (uint32_t i = 0; i < n_os; i++)
		for (uint32_t j = 0; j < b->n_os; j++) {
			const struct mgm_oif_stats *o = &b->os[j];
			if (o->ifc.ifindex != os[i].ifc.ifindex || o->ifc.nexthop != os[i].ifc.nexthop)
				continue;
			if (o->serial != os[i].serial)
				break;
#define SUB(f) (os[i].f = os[i].f > o->f ? os[i].f - o->f : 0)
			SUB(out_pkts);
			SUB(out_discards);
			SUB(ttl_too_low);
			SUB(frag_needed);
#undef SUB
			break;
		}
}

/* detail: with the per-OIF counters (r->os, freed by the caller). */
static int
mroute_row(uint32_t src, uint32_t grp, struct mroute_row *r, bool detail)
{
	int rc;
	for (int tries = 0;; tries++) {
		r->n_oif = r->cap_oif;
		rc = mgm_mfe_get(app.mgm, src, grp, &r->s.mfe, r->oif, &r->n_oif);
		/* no array yet (NULL): a count-only read, 0 and the number */
		bool more = rc == -ENOSPC || (rc == 0 && r->n_oif > r->cap_oif);
		if (!more || tries == 2) {
			if (rc == 0 && r->n_oif > r->cap_oif)
				rc = -ENOSPC; /* (still growing after three reads) */
			break;
		}
		/* *n_oif: the number needed */
		struct mgm_mfe_oif *o = realloc(r->oif, r->n_oif * sizeof(*o));
		if (o == NULL)
			return -ENOMEM;
		r->oif = o;
		r->cap_oif = r->n_oif;
	}
	if (rc < 0)
		return rc;
	r->os = NULL;
	r->n_os = 0;
	struct mgm_mfe_stats st;
	rc = detail ? mfe_stats_oifs(src, grp, &st, &r->os, &r->n_os)
		    : mgm_mfe_stats_get(app.mgm, src, grp, &st, NULL, NULL);
	if (rc == -ENOMEM)
		return rc; /* not a row of zeros */
	if (rc == 0) {
		st.mfe = r->s.mfe;
		r->s = st;
		cli_mfe_baseline_sub(&r->s, r->os, r->n_os);
	}
	return 0;
}

/* The detail view's counters (show ip mroute SOURCE GROUP): the spec's
 * per-MFE and per-OIF counters (MIB_IPMCAST_MFE_STATS_EX). */
static void
mroute_detail(FILE *out, const struct mroute_row *r, bool json)
{
	const struct mgm_mfe_stats *s = &r->s;
	char nh[16];
	if (json) {
		fprintf(out, ",\"in_discards\":%" PRIu64 ",\"hdr_errors\":%" PRIu64
			",\"queue_overflow\":%" PRIu64 ",\"oif_stats\":[",
			s->in_discards, s->in_hdr_errors, s->queue_overflow);
		for (uint32_t i = 0; i < r->n_os; i++) {
			const struct mgm_oif_stats *o = &r->os[i];
			ip_str(o->ifc.nexthop, nh);
			fprintf(out, "%s{\"name\":\"%s\",\"nexthop\":\"%s\",\"out_packets\":%" PRIu64
				",\"out_discards\":%" PRIu64 ",\"ttl_too_low\":%" PRIu64
				",\"frag_needed\":%" PRIu64 "}", i ? "," : "", if_name(o->ifc.ifindex), nh,
				o->out_pkts, o->out_discards, o->ttl_too_low, o->frag_needed);
		}
		fputc(']', out);
		return;
	}
	fprintf(out, "  in: %" PRIu64 " packets, %" PRIu64 " bytes; wrong interface %" PRIu64
		", discards %" PRIu64 ", header errors %" PRIu64 "\n", s->in_pkts, s->in_octets,
		s->pkts_different_if, s->in_discards, s->in_hdr_errors);
	fprintf(out, "  out: %" PRIu64 " packets, queue overflow %" PRIu64 "\n", s->out_pkts,
		s->queue_overflow);
	if (r->n_os == 0)
		return;
	fprintf(out, "  %-12s %-15s %12s %10s %10s %10s\n", "Oif", "Nexthop", "Packets", "Discards",
		"TtlLow", "FragNeeded");
	for (uint32_t i = 0; i < r->n_os; i++) {
		const struct mgm_oif_stats *o = &r->os[i];
		ip_str(o->ifc.nexthop, nh);
		fprintf(out, "  %-12s %-15s %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
			if_name(o->ifc.ifindex), nh, o->out_pkts, o->out_discards, o->ttl_too_low,
			o->frag_needed);
	}
}

/* The table's Oifs column: "name(ttl)" each, "!" when disabled; in the
 * table view cut to about 1 KB with "... +N more", whole in the one-(S,G)
 * view. @return o, malloc'd (NULL: out of memory). */
static char *
oif_column(const struct mroute_row *r, bool whole)
{
	size_t cap = whole ? (size_t)r->n_oif * (APP_IFNAME + 8) + 32 : 1024, k = 0;
	char *o = malloc(cap);
	if (o == NULL)
		return NULL;
	o[0] = 0;
	uint32_t i = 0;
	for (; i < r->n_oif && k + APP_IFNAME + 8 < cap - 24; i++)
		k += (size_t)snprintf(o + k, cap - k, "%s%s(%u)%s", i ? " " : "",
				      if_name(r->oif[i].ifc.ifindex), r->oif[i].ttl,
				      r->oif[i].enabled ? "" : "!");
	if (i < r->n_oif)
		snprintf(o + k, cap - k, " ... +%u more", r->n_oif - i);
	return o;
}

/* The entry's incoming interface; NULL when it has none (a negative entry
 * made without one). Text and JSON show the same. */
static const char *
iif_name(const struct mgm_mfe *f)
{
	if (f->iif.ifindex >= MFC_IFACES_MAX || f->iif.ifindex >= app.n_ifs ||
	    !app.ifs[f->iif.ifindex].used)
		return NULL;
	return app.ifs[f->iif.ifindex].name;
}

static void
mroute_print(FILE *out, const struct mroute_row *r, bool json, bool first, bool detail)
{
	char s[16], g[16], up[32], ex[32];
	uint64_t now = now_s();
	const struct mgm_mfe *f = &r->s.mfe;

	ip_str(f->src, s);
	ip_str(f->grp, g);
	hms(now > f->created_s ? now - f->created_s : 0, up, sizeof(up));
	if (f->expires_s == 0)
		snprintf(ex, sizeof(ex), "never");
	else
		hms(f->expires_s > now ? f->expires_s - now : 0, ex, sizeof(ex));
	if (json) {
		fprintf(out, "%s{\"source\":\"%s\",\"group\":\"%s\",\"iif\":\"%s\",\"oifs\":[", first ? "" : ",",
			s, g, iif_name(f) ? iif_name(f) : "");
		for (uint32_t i = 0; i < r->n_oif; i++)
			fprintf(out, "%s{\"name\":\"%s\",\"ttl\":%u,\"enabled\":%s}", i ? "," : "",
				if_name(r->oif[i].ifc.ifindex), r->oif[i].ttl,
				r->oif[i].enabled ? "true" : "false");
		fprintf(out, "],\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"wrong_if\":%" PRIu64
			",\"discards\":%" PRIu64 ",\"out_packets\":%" PRIu64 ",\"negative\":%s,"
			"\"uptime_s\":%" PRIu64 ",\"expires_s\":%" PRId64 ",\"id\":%" PRIu64,
			r->s.in_pkts, r->s.in_octets, r->s.pkts_different_if, r->s.in_discards,
			r->s.out_pkts, f->negative ? "true" : "false", now > f->created_s ? now - f->created_s : 0,
			f->expires_s == 0 ? (int64_t)-1 : (int64_t)(f->expires_s > now ? f->expires_s - now : 0),
			f->id);
		if (detail)
			mroute_detail(out, r, true);
		fputc('}', out);
		return;
	}
	char *o = r->n_oif ? oif_column(r, detail) : NULL;
	/* a negative entry's hits are drops, not "packets" (in_pkts): said
	 * where its OIFs would be, or it looks unused while it drops a flow */
	char neg[48];
	snprintf(neg, sizeof(neg), "(negative: %" PRIu64 " dropped)", r->s.in_discards);
	fprintf(out, "%-15s %-15s %-12s %-30s %10" PRIu64 " %12" PRIu64 " %8" PRIu64 " %9s %9s\n",
		s, g, iif_name(f) ? iif_name(f) : "-",
		o ? o : r->n_oif ? "(out of memory)" : f->negative ? neg : "-",
		r->s.in_pkts, r->s.in_octets, r->s.pkts_different_if, up, ex);
	free(o);
	if (detail)
		mroute_detail(out, r, false);
}

static void
row_free(struct mroute_row *r)
{
	free(r->oif);
	free(r);
}

static const char MROUTE_HDR[] =
	"Source          Group           Iif          Oifs(ttl)                         Packets        Bytes  WrongIf    Uptime   Expires\n";

static int
cmd_show_mroute(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	/* json anywhere among the words ("json count" as "count json") */
	bool json = false;
	for (int i = 0; i < argc && !json; i++)
		if (strcmp(argv[i], "json") == 0) {
			json = true;
			memmove(argv + i, argv + i + 1, (size_t)(argc - i - 1) * sizeof(*argv));
			argc--;
		}
	if (argc == 1 && strcmp(argv[0], "count") == 0) {
		struct mcfwd_wstats t;
		app_stats_sum(&t);
		uint32_t n = mgm_mfe_count(app.mgm);
		fprintf(out, json ? "{\"mfes\":%u,\"cache_entries\":%u,\"oif_lists\":%u,\"memberships\":%u}\n"
			: "MFEs: %u (cache entries %u, shared OIF lists %u), memberships: %u\n",
			n, mfc_count(app.cache), mfc_oifl_count(app.cache), mgm_membership_count(app.mgm));
		return 0;
	}
	struct mroute_row *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (argc == 2) {
		uint32_t s, g;
		if (ip_parse(argv[0], &s) < 0 || ip_parse(argv[1], &g) < 0) {
			char b0[200], b1[200];
			snprintf(err, errlen, "'%s %s' is not SOURCE GROUP (A.B.C.D A.B.C.D)",
				 app_shown(argv[0], b0, sizeof(b0)), app_shown(argv[1], b1, sizeof(b1)));
			row_free(r);
			return -EINVAL;
		}
		int rc = mroute_row(s, g, r, true);
		if (rc < 0) {
			if (rc == -ENOMEM)
				snprintf(err, errlen, "out of memory");
			else
				snprintf(err, errlen, "no MFE for (%s, %s)", argv[0], argv[1]);
			row_free(r);
			return rc == -ENOMEM ? rc : -ENOENT;
		}
		if (!json)
			fputs(MROUTE_HDR, out);
		mroute_print(out, r, json, true, true);
		if (json)
			fputc('\n', out);
		free(r->os);
		row_free(r);
		return 0;
	}
	if (argc != 0) {
		snprintf(err, errlen, "usage: show ip mroute [SOURCE GROUP | count] [json]");
		row_free(r);
		return -EINVAL;
	}
	fputs(json ? "[" : MROUTE_HDR, out);
	struct mgm_mfe v[256];
	uint32_t n = 0;
	bool first = true;
	int rc = mgm_mfe_first(app.mgm, v, RTE_DIM(v), &n);
	while (rc == 0 && n > 0) {
		for (uint32_t i = 0; i < n; i++)
			if (mroute_row(v[i].src, v[i].grp, r, false) == 0) {
				mroute_print(out, r, json, first, false);
				first = false;
			}
		rc = mgm_mfe_next(app.mgm, v[n - 1].src, v[n - 1].grp, v, RTE_DIM(v), &n);
	}
	fputs(json ? "]\n" : "", out);
	row_free(r);
	return 0;
}

/* ---------------------------------------------------------------- */

static int
cmd_show_interfaces(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	bool json = argc == 1 && strcmp(argv[0], "json") == 0;
	if (argc > 1 || (argc == 1 && !json)) {
		snprintf(err, errlen, "usage: show interfaces [json]");
		return -EINVAL;
	}
	if (!json)
		fprintf(out, "%-5s %-16s %-4s %-4s %-18s %-5s %-3s %-8s %-5s\n", "Id", "Name", "Port",
			"Vlan", "Address", "Mtu", "Ttl", "Owner", "Link");
	else
		fputc('[', out);
	bool first = true;
	for (uint32_t i = 0; i < app.n_ifs; i++) {
		const struct app_iface *f = &app.ifs[i];
		if (!f->used)
			continue;
		char a[32] = "-", b[16], own[16] = "-";
		uint32_t proto, comp;
		if (f->addr)
			snprintf(a, sizeof(a), "%s/%u", ip_str(f->addr, b), f->plen);
		if (mgm_interface_owner(app.mgm, i, 0, &proto, &comp) == 0)
			snprintf(own, sizeof(own), "%s", proto == MCFWD_STATIC_PROTO_ID ? "static"
				 : proto == MGM_PROTO_IGMP ? "igmp" : "other");
		const char *link = app.port[f->port].link_up ? "up" : "down";
		int ttl = mgm_interface_ttl_get(app.mgm, i);
		if (json)
			fprintf(out, "%s{\"id\":%u,\"name\":\"%s\",\"port\":%u,\"vlan\":%u,\"address\":\"%s\","
				"\"mtu\":%u,\"ttl_threshold\":%d,\"owner\":\"%s\",\"link\":\"%s\"}",
				first ? "" : ",", i, f->name, f->port, f->vlan, f->addr ? a : "", f->mtu,
				ttl, own, link);
		else
			fprintf(out, "%-5u %-16s %-4u %-4u %-18s %-5u %-3d %-8s %-5s\n", i, f->name, f->port,
				f->vlan, a, f->mtu, ttl, own, link);
		first = false;
	}
	if (json)
		fputs("]\n", out);
	return 0;
}

static int
route_cmp(const void *a, const void *b)
{
	const struct mgm_route *x = a, *y = b;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return (int)x->len - (int)y->len;
}

/* The unicast routes RPF uses: route statements and the interfaces'
 * connected prefixes, by prefix. */
static int
cmd_show_route(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	bool json = argc == 1 && strcmp(argv[0], "json") == 0;
	if (argc > 1 || (argc == 1 && !json)) {
		snprintf(err, errlen, "usage: show ip route [json]");
		return -EINVAL;
	}
	uint32_t n = 0, cap = 0, cur = 0;
	struct mgm_route *v = NULL, r;
	while (mgm_route_next(app.mgm, &cur, &r) == 0) {
		if (n == cap) {
			uint32_t nc = cap ? cap * 2 : 64;
			struct mgm_route *nv = realloc(v, nc * sizeof(*nv));
			if (nv == NULL) {
				free(v);
				snprintf(err, errlen, "out of memory");
				return -ENOMEM;
			}
			v = nv;
			cap = nc;
		}
		v[n++] = r;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), route_cmp);
	if (!json)
		fprintf(out, "%-18s %-16s\n", "Prefix", "Interface");
	else
		fputc('[', out);
	for (uint32_t i = 0; i < n; i++) {
		char p[32], b[16];
		const char *name = v[i].ifc.ifindex < app.n_ifs && app.ifs[v[i].ifc.ifindex].used
					   ? app.ifs[v[i].ifc.ifindex].name : "?";
		snprintf(p, sizeof(p), "%s/%u", ip_str(v[i].prefix, b), v[i].len);
		if (json)
			fprintf(out, "%s{\"prefix\":\"%s\",\"interface\":\"%s\",\"ifindex\":%u}",
				i ? "," : "", p, name, v[i].ifc.ifindex);
		else
			fprintf(out, "%-18s %-16s\n", p, name);
	}
	if (json)
		fputs("]\n", out);
	free(v);
	return 0;
}

static int
cmd_show_protocols(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	(void)argv;
	if (argc != 0) {
		snprintf(err, errlen, "usage: show protocols");
		return -EINVAL;
	}
	struct mcfwd_static_info si;
	app_static_info(&si);
	fprintf(out, "%-8s %-8s %-10s %-8s %-9s %-8s %-8s %-8s\n", "Name", "State", "Interfaces",
		"Routes", "RPF", "WrongIf", "Joins", "Prunes");
	fprintf(out, "%-8s %-8s %-10u %-8u %-9" PRIu64 " %-8" PRIu64 " %-8" PRIu64 " %-8" PRIu64 "\n",
		"static", si.running ? "running" : "down", si.n_ifaces, si.n_mroutes, si.rpf,
		si.wrong_if, si.join_alerts, si.prune_alerts);
	struct igmp_if_info ii;
	uint32_t n_igif = 0;
	while (igmp_if_at(app.igmp, n_igif, &ii) == 0)
		n_igif++;
	struct igmp_stats gs;
	app_igmp_stats(&gs);
	fprintf(out, "%-8s %-8s %-10u groups %u, reports %" PRIu64 ", queries sent %" PRIu64
		", dropped %" PRIu64 "\n", "igmp", n_igif ? "running" : "idle", n_igif,
		igmp_group_count(app.igmp), gs.rx_v1_reports + gs.rx_v2_reports + gs.rx_v3_reports,
		gs.tx_general + gs.tx_group + gs.tx_group_source, gs.dropped);
	fprintf(out, "MGM: %u MFEs, %u memberships; config: %s\n", mgm_mfe_count(app.mgm),
		mgm_membership_count(app.mgm), app.cfg_path[0] ? app.cfg_path : "(none)");
	return 0;
}

static void
port_stats_one(FILE *out, uint16_t p)
{
	struct rte_eth_stats s;
	memset(&s, 0, sizeof(s));
	(void)rte_eth_stats_get(p, &s);
	struct mcfwd_port_ctr c;
	app_port_counters(p, &c);
	fprintf(out, "  ######## NIC statistics for port %-2u (%s) ########\n", p, app.port[p].name);
	fprintf(out, "  RX-packets: %-12" PRIu64 " RX-missed: %-10" PRIu64 " RX-bytes:  %" PRIu64 "\n",
		s.ipackets, s.imissed, s.ibytes);
	fprintf(out, "  RX-errors:  %-12" PRIu64 " RX-nombuf: %" PRIu64 "\n", s.ierrors, s.rx_nombuf);
	fprintf(out, "  TX-packets: %-12" PRIu64 " TX-errors: %-10" PRIu64 " TX-bytes:  %" PRIu64 "\n",
		s.opackets, s.oerrors, s.obytes);
	fprintf(out, "  mcfwd: rx %" PRIu64 ", tx %" PRIu64 ", tx-discards %" PRIu64 "\n", c.rx_pkts,
		c.tx_pkts, c.tx_discards);
}

/* A port number as a command's word: a port there is. Every command that
 * takes one says the same for one that is not (port detach said its
 * usage, set link-down "not a port number", for a port that does not
 * exist). @return 0 (*port set) or -ENOENT with the message. */
static int
port_word(const char *w, uint16_t *port, char *err, size_t errlen)
{
	char *e;
	unsigned long p = isdigit((unsigned char)w[0]) ? strtoul(w, &e, 10) : MCFWD_MAX_PORTS;
	if (p >= MCFWD_MAX_PORTS || *e || !app.port[p].used) {
		char l[160], wb[200];
		app_port_ids(l, sizeof(l));
		snprintf(err, errlen, "no port '%s' (ports: %s)", app_shown(w, wb, sizeof(wb)), l);
		return -ENOENT;
	}
	*port = (uint16_t)p;
	return 0;
}

static int
cmd_show_port_stats(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	if (argc != 1) {
		snprintf(err, errlen, "usage: show port stats all|PORT");
		return -EINVAL;
	}
	if (strcmp(argv[0], "all") == 0) {
		for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++)
			if (app.port[p].used)
				port_stats_one(out, p);
		return 0;
	}
	uint16_t p = 0;
	if (port_word(argv[0], &p, err, errlen) < 0)
		return -ENOENT;
	port_stats_one(out, p);
	return 0;
}

static const char *
wstate(int s)
{
	switch (s) {
	case 1: return "running";
	case 2: return "idle";
	case 3: return "stopped";
	default: return "off";
	}
}

static int
cmd_show_lcores(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	(void)argv;
	if (argc != 0) {
		snprintf(err, errlen, "usage: show lcores");
		return -EINVAL;
	}
	fprintf(out, "control: lcore %u\n", rte_get_main_lcore());
	fprintf(out, "%-6s %-6s %-8s %-24s %14s %14s %14s %10s\n", "Worker", "Lcore", "State",
		"RX queues (port:queue)", "Iterations", "RX", "Forwarded", "Sleeps");
	for (unsigned int i = 0; i < app.n_workers; i++) {
		const struct mcfwd_worker *w = app.w[i];
		struct mcfwd_wstats st;
		app_worker_stats(i, &st);
		char q[MCFWD_MAX_RXQ * 12] = ""; /* every queue (it stopped at 128 bytes) */
		size_t k = 0;
		for (uint16_t j = 0; j < w->n_rxq && k + 12 < sizeof(q); j++)
			k += (size_t)snprintf(q + k, sizeof(q) - k, "%s%u:%u", j ? "," : "",
					      w->rxq[j].port, w->rxq[j].queue);
		fprintf(out, "%-6u %-6u %-8s %-24s %14" PRIu64 " %14" PRIu64 " %14" PRIu64 " %10" PRIu64
			"%s\n", i, w->lcore_id, wstate(w->state), k ? q : "-", st.iterations,
			st.rx_pkts, st.fwd, st.idle_sleeps,
			app.hb_reported[i] ? "  STALLED" : "");
	}
	return 0;
}

#define WSTATS(X) X(rx_pkts) X(rx_bytes) X(fwd) X(no_oif) X(negative) X(wrong_if) \
	X(wrong_if_punted) X(miss_punted) X(miss_dropped) X(ctrl_punted) X(ctrl_dropped) \
	X(not_ip) X(not_mcast) X(bad_hdr) X(ttl_expired) X(no_iface) X(tx_pkts) X(tx_discards) \
	X(alloc_fail) X(ttl_low) X(frag_needed) X(copies) X(clones) X(reinjected) X(iterations) \
	X(idle_sleeps) X(rx_cold_skips) X(ctl_tx) X(ctl_tx_discards)

void
cli_show_stats(FILE *out, bool json)
{
	struct mcfwd_wstats t;
	app_stats_sum(&t);
	/* every packet's one fate: over the cumulative counts (a clear while
	 * workers count takes its baselines mid-burst, and the gap stayed
	 * off by the burst for good: found by a black-box test) */
	int64_t gap = mcfwd_worker_stats_check(&t);
	const uint64_t *a = (const uint64_t *)&t, *b = (const uint64_t *)&app.base;
	uint64_t *d = (uint64_t *)&t;
	for (size_t k = 0; k < sizeof(t) / sizeof(uint64_t); k++)
		d[k] = a[k] - b[k];
	(void)a;
	bool first = true;
	if (json)
		fputc('{', out);
	else
		fputs("forwarding statistics (all workers):\n", out);
#define X(f)                                                                                  \
	if (json)                                                                                  \
		fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",", #f, t.f);                      \
	else                                                                                       \
		fprintf(out, "  %-16s %" PRIu64 "\n", #f, t.f);                                    \
	first = false;
	WSTATS(X)
#undef X
	/* held now: a level, from the cumulative counts */
	uint64_t held = app.ctl_rx[MCFWD_PUNT_MISS] - app.ctl_reinjected - app.ctl_held_dropped;
	struct app_ctl_ctr c;
	app_ctl_counters(&c);
	if (json)
		fprintf(out, ",\"ctl_miss\":%" PRIu64 ",\"ctl_igmp_linklocal\":%" PRIu64
			",\"ctl_wrong_if\":%" PRIu64 ",\"mfe_created\":%" PRIu64 ",\"mfe_create_failed\":%"
			PRIu64 ",\"held_reinjected\":%" PRIu64 ",\"held_dropped\":%" PRIu64
			",\"held_now\":%" PRIu64 ",\"grace_periods\":%" PRIu64 ",\"fragmented\":%" PRIu64
			",\"fragments\":%" PRIu64 ",\"accounting_gap\":%" PRId64 "}\n",
			c.rx[MCFWD_PUNT_MISS], c.rx[MCFWD_PUNT_CTRL], c.rx[MCFWD_PUNT_WRONG_IF],
			c.created, c.create_fail, c.reinjected, c.held_dropped, held, c.grace_periods,
			c.fragmented, c.fragments, gap);
	else
		fprintf(out, "control: misses %" PRIu64 ", igmp/link-local %" PRIu64 ", wrong-if %"
			PRIu64 ", MFEs created %" PRIu64 " (failed %" PRIu64 "), held packets "
			"reinjected %" PRIu64 ", dropped %" PRIu64 ", RCU grace periods %" PRIu64 "\n"
			"workers: packets fragmented %" PRIu64 " (fragments %" PRIu64 ")\n",
			c.rx[MCFWD_PUNT_MISS], c.rx[MCFWD_PUNT_CTRL], c.rx[MCFWD_PUNT_WRONG_IF],
			c.created, c.create_fail, c.reinjected, c.held_dropped, c.grace_periods,
			c.fragmented, c.fragments);
}

static int
cmd_show_stats(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	bool json = argc == 1 && strcmp(argv[0], "json") == 0;
	if (argc > 1 || (argc == 1 && !json)) {
		snprintf(err, errlen, "usage: show stats [json]");
		return -EINVAL;
	}
	cli_show_stats(out, json);
	return 0;
}

static int
cmd_show_version(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	(void)argv;
	if (argc) {
		snprintf(err, errlen, "usage: show version");
		return -EINVAL;
	}
	fprintf(out, "mcfwd %s (%s), %s, liburcu QSBR\n", MCFWD_VERSION, __DATE__, rte_version());
	return 0;
}

/* ---------------------------------------------------------------- */
/* Changes                                                            */

static void
join(int argc, char **argv, char *b, size_t n)
{
	size_t k = 0;
	b[0] = 0;
	for (int i = 0; i < argc && k < n; i++)
		k += (size_t)snprintf(b + k, n - k, "%s%s", i ? " " : "", argv[i]);
}

/* Runtime edits change the running static configuration; they never start
 * static (an empty start after 'protocol shutdown static' dropped the
 * configuration's other routes and thresholds). @return true, with the
 * message, when it is not running. */
static bool
static_down(char *err, size_t errlen)
{
	if (mcfwd_static_running(app.st))
		return false;
	snprintf(err, errlen, "protocol static is not running (%sprotocol static load FILE)",
		 app.cfg_path[0] ? "reload, or " : "");
	return true;
}

/* mroute add from IF [source S] group G to IF... ; mroute del [source S] group G */
static int
cmd_mroute(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	(void)out;
	if (argc < 1 || (strcmp(argv[0], "add") && strcmp(argv[0], "del"))) {
		snprintf(err, errlen, "usage: mroute add from IF [source S] group G to IF [IF...] | "
			 "mroute del [source S] group G");
		return -EINVAL;
	}
	if (strcmp(argv[0], "del") == 0) {
		uint32_t s = 0, g;
		int i = 1;
		char wb[200];
		if (i + 1 < argc && strcmp(argv[i], "source") == 0) {
			if (ip_parse(argv[i + 1], &s) < 0) {
				snprintf(err, errlen, "source: '%s' is not an IPv4 address",
					 app_shown(argv[i + 1], wb, sizeof(wb)));
				return -EINVAL;
			}
			/* 0.0.0.0 would name the (*,G) route: that is 'mroute del group G' */
			if (!mcfwd_ipv4_src_ok(s)) {
				snprintf(err, errlen, "source: '%s' is not a unicast address", argv[i + 1]);
				return -EINVAL;
			}
			i += 2;
		}
		if (i + 2 != argc || strcmp(argv[i], "group")) {
			snprintf(err, errlen, "usage: mroute del [source S] group G");
			return -EINVAL;
		}
		if (ip_parse(argv[i + 1], &g) < 0 || (g >> 28) != 0xe) {
			snprintf(err, errlen, "group: '%s' is not a multicast address",
				 app_shown(argv[i + 1], wb, sizeof(wb)));
			return -EINVAL;
		}
		if (static_down(err, errlen))
			return -ENOENT;
		int rc = mcfwd_static_mroute_del(app.st, s, g);
		if (rc < 0)
			snprintf(err, errlen, "no static mroute for that %s", s ? "(S,G)" : "(*,G)");
		else
			app_tx_barrier();
		return rc;
	}
	/* the config grammar: "mroute from ..." on the words joined again,
	 * which the config's rules split once more: a word with a '#' (a
	 * comment there), a quote or a blank (quoted here) would come back
	 * cut or split, and the route be made of what was left. No name,
	 * address or keyword has one: refused as it stands. */
	for (int i = 1; i < argc; i++)
		if (strpbrk(argv[i], "#\" \t\r\v\f") != NULL) {
			char wb[200];
			snprintf(err, errlen, "'%s': no interface name, address or keyword has a "
				 "'#', a quote or a blank", app_shown(argv[i], wb, sizeof(wb)));
			return -EINVAL;
		}
	char line[8192];
	join(argc - 1, argv + 1, line + 7, sizeof(line) - 7);
	memcpy(line, "mroute ", 7);
	struct mcfwd_config c;
	memset(&c, 0, sizeof(c));
	int rc = mcfwd_config_parse_line(&c, line, "cli", 0, err, errlen);
	if (rc < 0 && strncmp(err, "cli:0: ", 7) == 0) {
		size_t l = strnlen(err, errlen); /* >= 7: what was compared */
		memmove(err, err + 7, l - 7 + 1); /* one command: no location */
	}
	if (rc < 0 || c.n_mroutes != 1) {
		if (rc >= 0)
			snprintf(err, errlen, "usage: mroute add from IF [source S] group G to IF [IF...]");
		mcfwd_config_free(&c);
		return rc < 0 ? rc : -EINVAL;
	}
	const struct mcfwd_cfg_mroute *m = &c.mroutes[0];
	uint32_t iif, *oifs = calloc(m->n_oifs, sizeof(*oifs));
	rc = oifs ? 0 : -ENOMEM;
	if (rc == 0 && app_iface_by_name(m->iif, &iif) < 0) {
		snprintf(err, errlen, "unknown interface '%s'", m->iif);
		rc = -ENOENT;
	}
	for (uint32_t i = 0; rc == 0 && i < m->n_oifs; i++)
		if (app_iface_by_name(m->oifs[i], &oifs[i]) < 0) {
			snprintf(err, errlen, "unknown interface '%s'", m->oifs[i]);
			rc = -ENOENT;
		}
	if (rc == 0 && static_down(err, errlen))
		rc = -ENOENT;
	if (rc == 0) {
		rc = mcfwd_static_mroute_add(app.st, iif, m->src, m->grp, oifs, m->n_oifs, err, errlen);
		if (rc < 0 && !err[0])
			snprintf(err, errlen, "mroute add: %s", strerror(-rc));
	}
	free(oifs);
	mcfwd_config_free(&c);
	return rc;
}

static int
cmd_protocol(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	if (argc == 3 && strcmp(argv[0], "static") == 0 && strcmp(argv[1], "load") == 0) {
		int rc = app_config_load(argv[2], true, err, errlen);
		if (rc == 0)
			fprintf(out, "static: %s loaded\n", argv[2]);
		return rc;
	}
	if (argc == 2 && strcmp(argv[0], "shutdown") == 0) {
		uint64_t t0 = app_now_ms();
		int rc = app_protocol_shutdown(argv[1], err, errlen);
		if (rc > 0)
			fprintf(out, "protocol %s shut down in %" PRIu64 " ms (%d interface%s)\n", argv[1],
				app_now_ms() - t0, rc, rc == 1 ? "" : "s");
		else if (rc == 0)
			fprintf(out, "protocol %s shut down in %" PRIu64 " ms\n", argv[1], app_now_ms() - t0);
		return rc < 0 ? rc : 0;
	}
	snprintf(err, errlen, "usage: protocol static load FILE | protocol shutdown static|igmp");
	return -EINVAL;
}

static int
cmd_interface(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	if (argc != 2 || strcmp(argv[0], "release")) {
		snprintf(err, errlen, "usage: interface release IF");
		return -EINVAL;
	}
	uint32_t id;
	if (app_iface_by_name(argv[1], &id) < 0) {
		char wb[200];
		snprintf(err, errlen, "unknown interface '%s'", app_shown(argv[1], wb, sizeof(wb)));
		return -ENOENT;
	}
	uint64_t t0 = app_now_ms();
	int rc = app_interface_release(id, err, errlen);
	if (rc == 0)
		fprintf(out, "interface %s released in %" PRIu64 " ms\n", argv[1], app_now_ms() - t0);
	return rc;
}

void
cli_mfe_base_free(struct hmap *h)
{
	HMAP_FOREACH(h, x)
		free(x->val);
	hmap_free(h);
}

/* The new baselines are made in a map of their own before anything is
 * cleared: out of memory, the command fails having changed nothing (the
 * counters and the last clear's baselines stand; it freed those first,
 * then failed to make a new map and left none, which the next read of a
 * baseline dereferenced). */
static int
cmd_clear(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	(void)out;
	(void)argv;
	if (argc != 0) {
		snprintf(err, errlen, "usage: clear counters");
		return -EINVAL;
	}
	struct hmap nb;
	if (hmap_init(&nb, 1024) < 0)
		goto oom_nomap;
	struct mgm_mfe v[256];
	uint32_t n = 0;
	int rc = mgm_mfe_first(app.mgm, v, RTE_DIM(v), &n);
	while (rc == 0 && n > 0) {
		for (uint32_t i = 0; i < n; i++) {
			struct mgm_mfe_stats st;
			struct mgm_oif_stats *os;
			uint32_t n_os;
			int r = mfe_stats_oifs(v[i].src, v[i].grp, &st, &os, &n_os);
			if (r == -ENOMEM)
				goto oom;
			if (r < 0)
				continue; /* gone since it was listed */
			struct mfe_base *b = malloc(sizeof(*b) + n_os * sizeof(b->os[0]));
			if (b == NULL) {
				free(os);
				goto oom;
			}
			b->s = st;
			b->s.mfe.id = v[i].id;
			b->n_os = n_os;
			if (n_os)
				memcpy(b->os, os, n_os * sizeof(b->os[0]));
			free(os);
			if (hmap_put(&nb, mfc_key(v[i].src, v[i].grp), b) < 0) {
				free(b);
				goto oom;
			}
		}
		rc = mgm_mfe_next(app.mgm, v[n - 1].src, v[n - 1].grp, v, RTE_DIM(v), &n);
	}
	app_counters_clear(); /* the workers', ports', control's, protocols' */
	cli_mfe_base_free(&app.mfe_base);
	app.mfe_base = nb;
	return 0;
oom:
	cli_mfe_base_free(&nb);
oom_nomap:
	snprintf(err, errlen, "out of memory: no counter cleared");
	return -ENOMEM;
}

static int
cmd_start(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	(void)argv;
	(void)out;
	if (argc) {
		snprintf(err, errlen, "usage: start");
		return -EINVAL;
	}
	return app_forwarding(true);
}

static int
cmd_stop(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	(void)argv;
	if (argc) {
		snprintf(err, errlen, "usage: stop");
		return -EINVAL;
	}
	app_forwarding(false);
	cli_show_stats(out, false);
	return 0;
}

static int
cmd_quit(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	(void)argv;
	(void)out;
	if (argc) {
		snprintf(err, errlen, "usage: quit");
		return -EINVAL;
	}
	app.quit = 1;
	if (app.cl)
		cmdline_quit(app.cl);
	return 0;
}

static int
cmd_reload(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	(void)argv;
	if (argc) {
		snprintf(err, errlen, "usage: reload");
		return -EINVAL;
	}
	if (!app.cfg_path[0]) {
		snprintf(err, errlen, "no configuration was loaded (--config or protocol static load)");
		return -ENOENT;
	}
	char path[sizeof(app.cfg_path)];
	snprintf(path, sizeof(path), "%s", app.cfg_path);
	int rc = app_config_load(path, true, err, errlen);
	if (rc == 0)
		fprintf(out, "reloaded %s\n", path);
	return rc;
}

static int
cmd_set_link(int argc, char **argv, FILE *out, char *err, size_t errlen, bool up)
{
	(void)out;
	if (argc != 2 || strcmp(argv[0], "port")) {
		snprintf(err, errlen, "usage: set link-%s port N", up ? "up" : "down");
		return -EINVAL;
	}
	uint16_t p = 0;
	if (port_word(argv[1], &p, err, errlen) < 0)
		return -ENOENT;
	return app_set_link(p, up, err, errlen);
}

static int
cmd_set_punt_rate(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	char *e = NULL;
	errno = 0;
	/* a digit first: strtoull() takes blanks and a sign, and wraps */
	unsigned long long v = argc == 1 && isdigit((unsigned char)argv[0][0]) ? strtoull(argv[0], &e, 10)
									    : 0;
	if (argc != 1 || e == NULL || *e || e == argv[0]) {
		snprintf(err, errlen, "usage: set punt-rate N (packets per second per worker)");
		return -EINVAL;
	}
	if (errno == ERANGE || v < 1 || v > 100000000) {
		/* what was typed, not strtoull's clamped value */
		char wb[200];
		snprintf(err, errlen, "punt rate %s out of range 1..100000000", app_shown(argv[0], wb, sizeof(wb)));
		return -EINVAL;
	}
	int rc = app_set_punt_rate(v, err, errlen);
	if (rc == 0)
		fprintf(out, "punt rate: %llu packets per second per worker\n", v);
	return rc;
}

static int
cmd_port(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	uint16_t p = 0;
	if (argc == 2 && strcmp(argv[0], "attach") == 0) {
		uint16_t got[MCFWD_MAX_PORTS];
		unsigned int n;
		uint64_t t0 = app_now_ms();
		int rc = app_port_attach(argv[1], got, RTE_DIM(got), &n, err, errlen);
		for (unsigned int i = 0; rc == 0 && i < n; i++)
			fprintf(out, "port %u (%s) attached in %" PRIu64 " ms\n", got[i],
				app.port[got[i]].name, app_now_ms() - t0);
		return rc;
	}
	if (argc != 2 || strcmp(argv[0], "detach")) {
		snprintf(err, errlen, "usage: port attach DEVARGS | port detach N");
		return -EINVAL;
	}
	if (port_word(argv[1], &p, err, errlen) < 0)
		return -ENOENT;
	uint64_t t0 = app_now_ms();
	int rc = app_port_detach(p, err, errlen);
	if (rc == 0)
		fprintf(out, "port %u detached in %" PRIu64 " ms\n", p, app_now_ms() - t0);
	return rc;
}

static int
cmd_link_up(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	return cmd_set_link(argc, argv, out, err, errlen, true);
}

static int
cmd_link_down(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	return cmd_set_link(argc, argv, out, err, errlen, false);
}

static int
cmd_sleep(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	(void)out;
	char *e;
	bool num = argc == 1 && isdigit((unsigned char)argv[0][0]);
	unsigned long ms = num ? strtoul(argv[0], &e, 10) : 0;
	if (!num || *e || ms > 3600000) {
		snprintf(err, errlen, "usage: sleep MILLISECONDS (0..3600000)");
		return -EINVAL;
	}
	if (cli_wait_cap_ms && ms > cli_wait_cap_ms)
		ms = cli_wait_cap_ms;
	/* the control thread keeps serving the punt ring and timers */
	uint64_t end = app_now_ms() + ms;
	while (!app.quit && app_now_ms() < end)
		app_poll_once((int)RTE_MIN(end - app_now_ms(), 10u));
	return 0;
}


/* ---------------------------------------------------------------- */
/* IGMP                                                               */

static const char IGMP_ENABLE_USAGE[] =
	"usage: igmp enable IF [version 1|2|3] [robustness N] [query-interval S] "
	"[query-response-interval S] [last-member-query-interval MS] [last-member-query-count N] "
	"[require-router-alert] | igmp disable IF";

/* igmp enable's options with a value, and the values the CLI takes: the
 * IGMP router's ranges (mcfwd_igmp.h) in the CLI's units (intervals in
 * whole seconds: the 0.1 s steps the API takes are not offered there) */
static const struct igmp_opt {
	const char *name;
	unsigned long min, max;
	const char *unit;
} IGMP_OPTS[] = {
	{ "version", 1, 3, "" },
	{ "robustness", 1, IGMP_RV_MAX, "" },
	{ "query-interval", IGMP_QI_MIN_MS / 1000, IGMP_QI_MAX_MS / 1000, " s" },
	{ "query-response-interval", (IGMP_QRI_MIN_MS + 999) / 1000, IGMP_QRI_MAX_MS / 1000, " s" },
	{ "last-member-query-interval", IGMP_LMQI_MIN_MS, IGMP_LMQI_MAX_MS, " ms" },
	{ "last-member-query-count", 1, UINT8_MAX, "" },
};

/* What is wrong, then the usage on a line of its own. */
static int __attribute__((format(printf, 3, 4)))
igmp_usage(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (k >= 0 && (size_t)k < errlen)
		snprintf(err + k, errlen - (size_t)k, "\n  %s", IGMP_ENABLE_USAGE);
	return -EINVAL;
}

static int
cmd_igmp(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	char wb[200];
	if (argc < 1 || (strcmp(argv[0], "enable") && strcmp(argv[0], "disable")))
		return igmp_usage(err, errlen, argc ? "igmp: unknown word '%s' (expected: enable, disable)"
				  : "igmp: incomplete command (expected: enable, disable)",
				  argc ? app_shown(argv[0], wb, sizeof(wb)) : "");
	if (argc < 2)
		return igmp_usage(err, errlen, "igmp %s: which interface?", argv[0]);
	if (strcmp(argv[0], "disable") == 0 && argc != 2)
		return igmp_usage(err, errlen, "igmp disable: one interface, nothing after it ('%s')",
				  app_shown(argv[2], wb, sizeof(wb)));
	uint32_t id;
	if (app_iface_by_name(argv[1], &id) < 0) {
		snprintf(err, errlen, "unknown interface '%s'", app_shown(argv[1], wb, sizeof(wb)));
		return -ENOENT;
	}
	if (strcmp(argv[0], "disable") == 0) {
		int rc = app_igmp_disable(id, err, errlen);
		if (rc == 0)
			fprintf(out, "IGMP off on %s\n", argv[1]);
		return rc;
	}
	struct igmp_if_cfg c;
	memset(&c, 0, sizeof(c));
	/* on a running interface the options given change, the others stay */
	bool running = igmp_if_enabled(app.igmp, id);
	if (running)
		(void)igmp_if_cfg_given(app.igmp, id, &c);
	/* an option given twice is an error, as in the configuration (the
	 * last one silently won) */
	bool given[RTE_DIM(IGMP_OPTS) + 1] = { false }; /* the last: require-router-alert */
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "require-router-alert") == 0) {
			if (given[RTE_DIM(IGMP_OPTS)]) {
				snprintf(err, errlen, "igmp enable: duplicate '%s'", argv[i]);
				return -EINVAL;
			}
			given[RTE_DIM(IGMP_OPTS)] = true;
			c.require_router_alert = true;
			continue;
		}
		const struct igmp_opt *o = NULL;
		for (size_t k = 0; k < RTE_DIM(IGMP_OPTS); k++)
			if (strcmp(argv[i], IGMP_OPTS[k].name) == 0)
				o = &IGMP_OPTS[k];
		if (o == NULL)
			return igmp_usage(err, errlen, "igmp enable: unknown option '%s'",
					  app_shown(argv[i], wb, sizeof(wb)));
		if (given[o - IGMP_OPTS]) {
			snprintf(err, errlen, "igmp enable: duplicate '%s'", o->name);
			return -EINVAL;
		}
		given[o - IGMP_OPTS] = true;
		if (i + 1 >= argc)
			return igmp_usage(err, errlen, "igmp enable: %s needs a value (%lu..%lu%s)", o->name,
					  o->min, o->max, o->unit);
		char *e;
		errno = 0;
		bool num = isdigit((unsigned char)argv[i + 1][0]);
		unsigned long v = num ? strtoul(argv[i + 1], &e, 10) : 0;
		if (!num || *e)
			return igmp_usage(err, errlen, "igmp enable: %s '%s' is not a number (%lu..%lu%s)",
					  o->name, app_shown(argv[i + 1], wb, sizeof(wb)), o->min, o->max, o->unit);
		if (errno == ERANGE || v < o->min || v > o->max) {
			snprintf(err, errlen, "igmp enable: %s %s out of range %lu..%lu%s", o->name,
				 app_shown(argv[i + 1], wb, sizeof(wb)), o->min, o->max, o->unit);
			return -EINVAL;
		}
		if (o == &IGMP_OPTS[0])
			c.version = (uint8_t)v;
		else if (o == &IGMP_OPTS[1])
			c.robustness = (uint8_t)v;
		else if (o == &IGMP_OPTS[2])
			c.query_interval_ms = (uint32_t)v * 1000;
		else if (o == &IGMP_OPTS[3])
			c.query_response_ms = (uint32_t)v * 1000;
		else if (o == &IGMP_OPTS[4])
			c.lmqi_ms = (uint32_t)v;
		else
			c.lmqc = (uint8_t)v;
		i++;
	}
	/* the options together (with those kept): name the one out of range */
	char why[160];
	if (igmp_if_cfg_check(&c, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "IGMP on '%s': %s", argv[1], why);
		return -EINVAL;
	}
	if (argc > 2 && running) {
		int rc = igmp_if_set_cfg(app.igmp, id, &c);
		if (rc < 0)
			snprintf(err, errlen, "IGMP on '%s': %s", argv[1], strerror(-rc));
		else
			fprintf(out, "IGMP on %s reconfigured\n", argv[1]);
		return rc;
	}
	int rc = app_igmp_enable(id, &c, err, errlen);
	if (rc == 0)
		fprintf(out, "IGMP on %s\n", argv[1]);
	return rc;
}

static const char *
igmp_mode(uint8_t m)
{
	return m == IGMP_MODE_EXCLUDE ? "exclude" : "include";
}

static int
cmd_show_igmp_groups(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	bool json = argc == 1 && strcmp(argv[0], "json") == 0;
	if (argc > 1 || (argc == 1 && !json)) {
		snprintf(err, errlen, "usage: show ip igmp groups [json]");
		return -EINVAL;
	}
	static struct igmp_source_info src[1024];
	struct igmp_if_info ii;
	struct igmp_group_info gi;
	bool first = true;
	if (json)
		fputc('[', out);
	else
		fprintf(out, "%-12s %-15s %-7s %-9s %-3s %-9s %s\n", "Interface", "Group", "Mode",
			"Timer", "Ver", "Uptime", "Sources (timer; ! excluded)");
	for (uint32_t k = 0; igmp_if_at(app.igmp, k, &ii) == 0; k++) {
		uint32_t ns = RTE_DIM(src);
		for (uint32_t j = 0; igmp_group_at(app.igmp, ii.ifindex, j, &gi, src, &ns) == 0;
		     j++, ns = RTE_DIM(src)) {
			char g[16], a[16], tm[32], up[32];
			ip_str(gi.grp, g);
			if (json) {
				fprintf(out, "%s{\"interface\":\"%s\",\"group\":\"%s\",\"mode\":\"%s\","
					"\"timer_s\":%" PRIu64 ",\"version\":%u,\"uptime_s\":%" PRIu64
					",\"last_reporter\":\"%s\",\"sources\":[", first ? "" : ",",
					if_name(ii.ifindex), g, igmp_mode((uint8_t)gi.mode),
					(gi.timer_ms + 999) / 1000, gi.compat, gi.uptime_ms / 1000,
					ip_str(gi.last_reporter, a));
				for (uint32_t q = 0; q < ns; q++)
					fprintf(out, "%s{\"source\":\"%s\",\"timer_s\":%" PRIu64
						",\"forwarding\":%s}", q ? "," : "", ip_str(src[q].addr, a),
						(src[q].timer_ms + 999) / 1000,
						src[q].forwarding ? "true" : "false");
				fputs("]}", out);
			} else {
				char sl[256] = "";
				size_t l = 0;
				if (gi.mode == IGMP_MODE_EXCLUDE)
					hms((gi.timer_ms + 999) / 1000, tm, sizeof(tm));
				else
					snprintf(tm, sizeof(tm), "-");
				hms(gi.uptime_ms / 1000, up, sizeof(up));
				for (uint32_t q = 0; q < ns && l + 40 < sizeof(sl); q++)
					l += (size_t)snprintf(sl + l, sizeof(sl) - l, "%s%s(%" PRIu64 "s)%s",
							      q ? " " : "", ip_str(src[q].addr, a),
							      (src[q].timer_ms + 999) / 1000,
							      src[q].forwarding ? "" : "!");
				if (ns < gi.n_sources)
					snprintf(sl + l, sizeof(sl) - l, " ...");
				fprintf(out, "%-12s %-15s %-7s %-9s v%-2u %-9s %s\n", if_name(ii.ifindex), g,
					igmp_mode((uint8_t)gi.mode), tm, gi.compat, up,
					ns ? sl : gi.mode == IGMP_MODE_EXCLUDE ? "(any)" : "-");
			}
			first = false;
		}
	}
	fputs(json ? "]\n" : "", out);
	return 0;
}

static int
cmd_show_igmp_interface(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	(void)argv;
	if (argc != 0) {
		snprintf(err, errlen, "usage: show ip igmp interface");
		return -EINVAL;
	}
	struct igmp_if_info ii;
	fprintf(out, "%-12s %-15s %-3s %-8s %-15s %-7s %-2s %-6s %-6s %-6s %-6s %-6s %s\n", "Interface",
		"Address", "Ver", "Querier", "QuerierAddr", "Groups", "RV", "QI(s)", "QRI(s)", "GMI(s)",
		"LMQI", "NextQ", "State");
	for (uint32_t k = 0; igmp_if_at(app.igmp, k, &ii) == 0; k++) {
		char a[16], q[16];
		fprintf(out, "%-12s %-15s v%-2u %-8s %-15s %-7u %-2u %-6u %-6.1f %-6u %-6u %-6" PRIu64
			" %s\n", if_name(ii.ifindex), ii.addr ? ip_str(ii.addr, a) : "-", ii.cfg.version,
			ii.querier ? "yes" : "no", ii.querier_addr ? ip_str(ii.querier_addr, q) : "-",
			ii.n_groups, ii.rv, ii.qi_ms / 1000, ii.qri_ms / 1000.0, ii.gmi_ms / 1000,
			ii.cfg.lmqi_ms,
			ii.querier ? (ii.next_query_ms + 999) / 1000 : 0,
			ii.paused ? "paused" : ii.cfg.require_router_alert ? "running (RA required)" : "running");
	}
	return 0;
}

#define IGMP_STATS(X) X(rx) X(rx_queries) X(rx_v1_reports) X(rx_v2_reports) X(rx_v3_reports) \
	X(rx_leaves) X(rx_records) X(records_ignored) X(ssm_ignored) X(older_queries) X(newer_queries) \
	X(tx_general) X(tx_group) X(tx_group_source) X(tx_errors) X(mgm_adds) X(mgm_deletes) \
	X(mgm_errors) X(state_full) X(querier_changes) X(dropped)

static int
cmd_show_igmp_stats(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	bool json = argc == 1 && strcmp(argv[0], "json") == 0;
	if (argc > 1 || (argc == 1 && !json)) {
		snprintf(err, errlen, "usage: show ip igmp stats [json]");
		return -EINVAL;
	}
	struct igmp_stats t;
	struct app_ctl_ctr c;
	app_igmp_stats(&t);
	app_ctl_counters(&c);
	if (json) {
		bool first = true;
		fputc('{', out);
#define X(f) fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",", #f, t.f); first = false;
		IGMP_STATS(X)
#undef X
		fputs(",\"drops\":{", out);
		for (int i = 0; i < IGMP_DROP_MAX; i++)
			fprintf(out, "%s\"%s\":%" PRIu64, i ? "," : "", igmp_drop_name(i), t.drops[i]);
		fprintf(out, "},\"ctl_igmp\":%" PRIu64 ",\"ctl_linklocal\":%" PRIu64 "}\n", c.igmp,
			c.linklocal);
		return 0;
	}
	fputs("IGMP (all interfaces):\n", out);
#define X(f) fprintf(out, "  %-18s %" PRIu64 "\n", #f, t.f);
	IGMP_STATS(X)
#undef X
	fputs("drops by reason:\n", out);
	for (int i = 0; i < IGMP_DROP_MAX; i++)
		fprintf(out, "  %-18s %" PRIu64 "\n", igmp_drop_name(i), t.drops[i]);
	fprintf(out, "punted to control: IGMP %" PRIu64 ", other link-local %" PRIu64 "\n", c.igmp,
		c.linklocal);
	return 0;
}

/* Fault injection for tests: a worker spins without quiescent states. */
static int
cmd_debug(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	char *e1 = NULL, *e2 = NULL;
	/* digits only: strtoul() takes a sign ("-18446744073709551615" is 1,
	 * "-0" 0); a worker that is not a number is no worker */
	bool wnum = argc == 3 && isdigit((unsigned char)argv[1][0]);
	bool mnum = argc == 3 && isdigit((unsigned char)argv[2][0]);
	unsigned long wi = wnum ? strtoul(argv[1], &e1, 10) : ULONG_MAX;
	unsigned long ms = mnum ? strtoul(argv[2], &e2, 10) : 0;
	if (argc != 3 || strcmp(argv[0], "stall-worker") || (wnum && *e1) || !mnum || *e2 ||
	    ms == 0 || ms > 60000) {
		snprintf(err, errlen, "usage: debug stall-worker WORKER MS (1..60000)");
		return -EINVAL;
	}
	if (wi >= app.n_workers) {
		/* what was typed ("-1"), not strtoul's wrapped value */
		snprintf(err, errlen, "no worker %.24s (workers: 0..%u)", argv[1], app.n_workers - 1);
		return -ENOENT;
	}
	if (cli_wait_cap_ms && ms > cli_wait_cap_ms)
		ms = cli_wait_cap_ms;
	app.w[wi]->stall_ms = (uint32_t)ms;
	fprintf(out, "worker %lu stalls for %lu ms\n", wi, ms);
	return 0;
}

static int cmd_help(int argc, char **argv, FILE *out, char *err, size_t errlen);

static const struct cmd cmds[] = {
	{ "help", "", "this list", cmd_help },
	{ "show ip mroute", "[SOURCE GROUP | count] [json]", "multicast forwarding entries", cmd_show_mroute },
	{ "show interfaces", "[json]", "logical interfaces", cmd_show_interfaces },
	{ "show ip route", "[json]", "unicast routes for RPF (route statements, connected prefixes)",
	  cmd_show_route },
	{ "show protocols", "", "routing protocols and MGM", cmd_show_protocols },
	{ "show port stats", "all|PORT", "port counters", cmd_show_port_stats },
	{ "show lcores", "", "workers and their queues", cmd_show_lcores },
	{ "show stats", "[json]", "forwarding counters by fate", cmd_show_stats },
	{ "show version", "", "versions", cmd_show_version },
	{ "show ip igmp groups", "[json]", "IGMP group state per interface", cmd_show_igmp_groups },
	{ "show ip igmp interface", "", "IGMP interfaces, querier, timers", cmd_show_igmp_interface },
	{ "show ip igmp stats", "[json]", "IGMP counters and drops by reason", cmd_show_igmp_stats },
	{ "mroute", "add from IF [source S] group G to IF [IF...] | del [source S] group G",
	  "static multicast routes", cmd_mroute },
	{ "protocol", "static load FILE | shutdown static|igmp", "load a configuration, shut a protocol down", cmd_protocol },
	{ "interface", "release IF", "the protocol owning IF releases it (purge)", cmd_interface },
	{ "igmp", "enable IF [version 1|2|3] [robustness N] [query-interval S] ... | disable IF",
	  "run the IGMP router on IF, or stop it", cmd_igmp },
	{ "clear counters", "", "zero the counters shown", cmd_clear },
	{ "reload", "", "re-apply the configuration file, all or nothing", cmd_reload },
	{ "port", "attach DEVARGS | detach N", "hot-plug a device (each new port: an interface, a worker) / release the port's interfaces, stop, close and remove it", cmd_port },
	{ "set link-up", "port N", "administrative link up", cmd_link_up },
	{ "set link-down", "port N", "administrative link down", cmd_link_down },
	{ "set punt-rate", "N", "packets per second each worker may hand to control (as --punt-rate)",
	  cmd_set_punt_rate },
	{ "start", "", "start forwarding", cmd_start },
	{ "stop", "", "stop forwarding and show counters", cmd_stop },
	{ "sleep", "MS", "let the control thread run for MS milliseconds (scripts)", cmd_sleep },
	{ "debug", "stall-worker WORKER MS", "fault injection: a worker stops reporting quiescent states", cmd_debug },
	{ "quit", "", "shut every protocol down and exit", cmd_quit },
};

static int
cmd_help(int argc, char **argv, FILE *out, char *err, size_t errlen)
{
	(void)argv;
	if (argc != 0) {
		snprintf(err, errlen, "usage: help");
		return -EINVAL;
	}
	/* one column of syntax, one of help: a syntax wider than the column
	 * has its help on the next line, in the column */
	enum { COL = 48 };
	for (size_t i = 0; i < RTE_DIM(cmds); i++) {
		char syn[256];
		snprintf(syn, sizeof(syn), "%s%s%s", cmds[i].words, cmds[i].args[0] ? " " : "",
			 cmds[i].args);
		if (strlen(syn) <= COL)
			fprintf(out, "  %-*s  %s\n", COL, syn, cmds[i].help);
		else
			fprintf(out, "  %s\n  %-*s  %s\n", syn, COL, "", cmds[i].help);
	}
	return 0;
}

/* Words as a configuration line has them (mcfwd_config.h), but '#' starts
 * a comment only at a word's start (a file `site#2.conf` is one word) */
static int
split(char *s, char **argv, int max)
{
	return mcfwd_split_words(s, argv, max, true);
}

/* Is w already in the ", "-separated list? */
static bool
word_listed(const char *list, const char *w)
{
	size_t l = strlen(w);
	for (const char *p = list; (p = strstr(p, w)) != NULL; p += l)
		if ((p == list || p[-1] == ' ') && (p[l] == ',' || p[l] == 0))
			return true;
	return false;
}


int
cli_exec(const char *line, FILE *out, const char *src, unsigned int lineno)
{
	return cli_exec_n(line, strlen(line), out, src, lineno);
}

int
cli_exec_n(const char *line, size_t n, FILE *out, const char *src, unsigned int lineno)
{
	static char *argv[MAXARGS];
	char err[1024] = "";
	char *buf = NULL;
	int rc;
	if (memchr(line, 0, n) != NULL) {
		snprintf(err, sizeof(err), "NUL byte in the line");
		rc = -EINVAL;
		goto report;
	}
	/* README: a line is at most 4096 characters, as in a configuration
	 * (its line ending not counted); a longer one was executed */
	size_t len = n;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len > MCFWD_CFG_LINE_MAX) {
		snprintf(err, sizeof(err), "line longer than %d characters", MCFWD_CFG_LINE_MAX);
		rc = -E2BIG;
		goto report;
	}
	buf = strndup(line, len);
	if (buf == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		rc = -ENOMEM;
		goto report;
	}
	int argc = split(buf, argv, MAXARGS);
	if (argc <= 0) {
		free(buf);
		if (argc == 0)
			return 0;
		if (argc == -EINVAL) {
			snprintf(err, sizeof(err), "a double quote is not closed");
			rc = -EINVAL;
			goto report;
		}
		snprintf(err, sizeof(err), "more than %d words", MAXARGS);
		rc = -E2BIG;
		goto report;
	}
	const struct cmd *best = NULL;
	char wb[200];
	int best_n = 0, partial = 0;
	const char *partial_cmd = NULL;
	for (size_t i = 0; i < RTE_DIM(cmds); i++) {
		char w[64];
		snprintf(w, sizeof(w), "%s", cmds[i].words);
		char *wv[8];
		int wn = split(w, wv, 8), k = 0;
		while (k < wn && k < argc && strcmp(wv[k], argv[k]) == 0)
			k++;
		if (k == wn && wn > best_n) {
			best = &cmds[i];
			best_n = wn;
		} else if (k > partial && k < wn) {
			partial = k;
			partial_cmd = cmds[i].words;
		}
	}
	if (best == NULL) {
		if (partial > 0) {
			/* list what may follow the words given */
			char exp[256] = "";
			size_t k = 0;
			for (size_t i = 0; i < RTE_DIM(cmds); i++) {
				char w[64];
				snprintf(w, sizeof(w), "%s", cmds[i].words);
				char *wv[8];
				int wn = split(w, wv, 8), j = 0;
				while (j < wn && j < argc && j < partial && strcmp(wv[j], argv[j]) == 0)
					j++;
				if (j == partial && wn > partial && k + 20 < sizeof(exp) &&
				    !word_listed(exp, wv[partial]))
					k += (size_t)snprintf(exp + k, sizeof(exp) - k, "%s%s", k ? ", " : "",
							      wv[partial]);
			}
			if (argc > partial) {
				/* the words matched so far (keywords), not the
				 * line's text: quotes make the two differ */
				char pre[256];
				join(partial, argv, pre, sizeof(pre));
				snprintf(err, sizeof(err), "unknown word '%s' after '%s' (expected: %s)",
					 app_shown(argv[partial], wb, sizeof(wb)), pre, exp);
			} else
				snprintf(err, sizeof(err), "incomplete command (expected: %s)", exp);
			(void)partial_cmd;
		} else {
			snprintf(err, sizeof(err), "unknown command '%s' (try 'help')",
				 app_shown(argv[0], wb, sizeof(wb)));
		}
		rc = -EINVAL;
	} else {
		rc = best->fn(argc - best_n, argv + best_n, out, err, sizeof(err));
		if (rc < 0 && !err[0])
			snprintf(err, sizeof(err), "%s", strerror(-rc));
	}
	free(buf);
report:
	if (rc < 0) {
		if (src)
			fprintf(out, "%s:%u: error: %s\n", src, lineno, err);
		else
			fprintf(out, "error: %s\n", err);
	}
	fflush(out);
	return rc;
}

int
cli_run_file(FILE *in, const char *name, FILE *out, bool stop_on_error)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned int no = 0;
	int rc = 0;
	ssize_t got;
	while (!app.quit && (got = getline(&line, &cap, in)) >= 0) {
		no++;
		size_t l = (size_t)got;
		while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
			line[--l] = 0;
		/* a transcript: each command before its output */
		const char *t = line;
		while (*t == ' ' || *t == '\t')
			t++;
		if (*t && *t != '#') {
			/* control bytes as \xNN: an ESC in the file would
			 * reach the terminal as a sequence (NUL too: the line
			 * ends at l, not at a NUL) */
			fputs("mcfwd> ", out);
			for (size_t i = 0; i < l; i++) {
				unsigned char c = (unsigned char)line[i];
				if ((c < 0x20 && c != '\t') || c == 0x7f)
					fprintf(out, "\\x%02x", c);
				else
					putc(c, out);
			}
			putc('\n', out);
		}
		int r = cli_exec_n(line, l, out, name, no);
		if (r < 0) {
			rc = r;
			if (stop_on_error)
				break;
		}
	}
	free(line);
	return rc;
}

/* ---------------------------------------------------------------- */
/* The interactive prompt (librte_cmdline)                            */

struct tok_line {
	struct cmdline_token_hdr hdr;
};

/* Catch-all: the whole line, handed to cli_exec. */
static int
tok_line_parse(cmdline_parse_token_hdr_t *tk, const char *buf, void *res, unsigned int ressize)
{
	(void)tk;
	unsigned int n = 0;
	while (buf[n] && buf[n] != '\n' && buf[n] != '\r')
		n++;
	if (n == 0)
		return -1;
	if (res) {
		if (n >= ressize)
			return -1;
		memcpy(res, buf, n);
		((char *)res)[n] = 0;
	}
	return (int)n;
}

static int
tok_none_nb(cmdline_parse_token_hdr_t *tk)
{
	(void)tk;
	return 0;
}

static int
tok_line_help(cmdline_parse_token_hdr_t *tk, char *dst, unsigned int size)
{
	(void)tk;
	snprintf(dst, size, "any command");
	return 0;
}

static struct cmdline_token_ops tok_line_ops = {
	.parse = tok_line_parse,
	.complete_get_nb = tok_none_nb,
	.get_help = tok_line_help,
};

/* Never matches: ends the generated completion-only instances. */
static int
tok_never_parse(cmdline_parse_token_hdr_t *tk, const char *buf, void *res, unsigned int ressize)
{
	(void)tk;
	(void)buf;
	(void)res;
	(void)ressize;
	return -1;
}

static int
tok_args_help(cmdline_parse_token_hdr_t *tk, char *dst, unsigned int size)
{
	const struct cmd *c = ((struct cmdline_token_hdr *)tk)->offset < RTE_DIM(cmds)
		? &cmds[((struct cmdline_token_hdr *)tk)->offset] : NULL;
	snprintf(dst, size, "%s", c && c->args[0] ? c->args : "<end>");
	return 0;
}

static struct cmdline_token_ops tok_never_ops = {
	.parse = tok_never_parse,
	.complete_get_nb = tok_none_nb,
	.get_help = tok_args_help,
};

static struct tok_line tok_line = { { &tok_line_ops, 0 } };

/* A command's keyword: a string token whose '?' help is the command's
 * syntax (the string token's own is "[Fixed STRING]" for every one). */
struct tok_kw {
	cmdline_parse_token_string_t t; /* first: the string ops see only it */
	const struct cmd *c;
};

static int
tok_kw_help(cmdline_parse_token_hdr_t *tk, char *dst, unsigned int size)
{
	const struct cmd *c = ((struct tok_kw *)tk)->c;
	snprintf(dst, size, "%s%s%s", c->words, c->args[0] ? " " : "", c->args);
	return 0;
}

static struct cmdline_token_ops tok_kw_ops;

static void
line_cb(void *res, struct cmdline *cl, void *data)
{
	(void)cl;
	(void)data;
	(void)cli_exec(res, stdout, NULL, 0);
}

static cmdline_parse_inst_t inst_line = {
	.f = line_cb,
	.data = NULL,
	.help_str = "",
	.tokens = { (cmdline_parse_token_hdr_t *)&tok_line, NULL },
};

static cmdline_parse_ctx_t *ctx;
static void **allocs;
static unsigned int n_allocs;

static void *
keep(void *p)
{
	if (p != NULL) {
		void **n = realloc(allocs, (n_allocs + 1) * sizeof(*n));
		if (n == NULL) {
			free(p);
			return NULL;
		}
		allocs = n;
		allocs[n_allocs++] = p;
	}
	return p;
}

static int
build_ctx(void)
{
	ctx = keep(calloc(RTE_DIM(cmds) + 2, sizeof(*ctx)));
	if (ctx == NULL)
		return -ENOMEM;
	tok_kw_ops = cmdline_token_string_ops;
	tok_kw_ops.get_help = tok_kw_help;
	ctx[0] = &inst_line;
	for (size_t i = 0; i < RTE_DIM(cmds); i++) {
		char w[64];
		snprintf(w, sizeof(w), "%s", cmds[i].words);
		char *wv[8];
		int wn = split(w, wv, 8);
		cmdline_parse_inst_t *in = keep(calloc(1, sizeof(*in) + (size_t)(wn + 2) * sizeof(void *)));
		if (in == NULL)
			return -ENOMEM;
		in->f = NULL;
		in->help_str = cmds[i].help;
		for (int k = 0; k < wn; k++) {
			struct tok_kw *t = keep(calloc(1, sizeof(*t)));
			char *s = keep(strdup(wv[k]));
			if (t == NULL || s == NULL)
				return -ENOMEM;
			t->t.hdr.ops = &tok_kw_ops;
			t->t.hdr.offset = 0;
			t->t.string_data.str = s;
			t->c = &cmds[i];
			in->tokens[k] = &t->t.hdr;
		}
		struct cmdline_token_hdr *nv = keep(calloc(1, sizeof(*nv)));
		if (nv == NULL)
			return -ENOMEM;
		nv->ops = &tok_never_ops;
		nv->offset = (unsigned int)i; /* never used as an offset: it never parses */
		in->tokens[wn] = nv;
		in->tokens[wn + 1] = NULL;
		ctx[i + 1] = in;
	}
	ctx[RTE_DIM(cmds) + 1] = NULL;
	return 0;
}

static void
prompt_ready(int fd, uint32_t ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	if (app.cl == NULL)
		return;
	/* a command may run the control loop (sleep, a grace period's hook):
	 * stdin is not watched meanwhile, or a line typed then would run
	 * inside this one, in librte_cmdline's half-consumed state (found by
	 * review); it is read when the command is over */
	(void)mgm_fd_del(app.mgm, 0);
	/* cmdline_poll() reads one character per call */
	for (int i = 0; i < 256; i++) {
		int st = cmdline_poll(app.cl);
		if (st < 0 || st == RDLINE_EXITED) {
			app.quit = 1;
			return;
		}
		struct pollfd p = { .fd = 0, .events = POLLIN };
		if (poll(&p, 1, 0) <= 0)
			break;
	}
	if (app.cl != NULL && !app.quit)
		(void)mgm_fd_add(app.mgm, 0, EPOLLIN, prompt_ready, NULL);
}

int
cli_interactive_start(void)
{
	if (build_ctx() < 0)
		return -ENOMEM;
	app.cl = cmdline_stdin_new(ctx, "mcfwd> ");
	if (app.cl == NULL)
		return -ENOMEM;
	int rc = mgm_fd_add(app.mgm, 0, EPOLLIN, prompt_ready, NULL);
	if (rc == -EPERM) {
		/* a regular file (`-i < cmds.txt`) or /dev/null, which epoll
		 * does not take ("cannot start the prompt", exit 1; found by
		 * review): read to its end now, as without -i */
		while (app.cl != NULL && !app.quit)
			prompt_ready(0, EPOLLIN, NULL);
		return 0;
	}
	return rc;
}

void
cli_interactive_stop(void)
{
	if (app.cl) {
		(void)mgm_fd_del(app.mgm, 0);
		cmdline_stdin_exit(app.cl);
		app.cl = NULL;
	}
	for (unsigned int i = 0; i < n_allocs; i++)
		free(allocs[i]);
	free(allocs);
	allocs = NULL;
	n_allocs = 0;
}
