/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mcfwd application: ports, pools, workers, interfaces, and the
 * control thread's loop (punt ring, MGM timers, link state, stall
 * detection, CLI input).
 */
#define _LGPL_SOURCE
/* rte_dev_iterator_*() and rte_devargs_reset(), for `port attach` to know
 * a device probed already (DPDK's probe says 0 for it) and to remove one
 * that brings no port: experimental in DPDK 22.11, the version pinned */
#define ALLOW_EXPERIMENTAL_API
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#include <urcu/urcu-qsbr.h>

#include <rte_bus.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "app.h"
#include "mcfwd_config.h"
#include "mcfwd_static.h"


struct app app;
int mcfwd_logtype_app;

RTE_INIT(app_log_init)
{
	mcfwd_logtype_app = rte_log_register_type_and_pick_level("mcfwd.app", RTE_LOG_INFO);
}

void
app_opts_defaults(struct app_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->burst = 32;
	o->rx_cold_every = 8;
	o->mfe_timeout_s = 900;
	o->max_mfes = 65536;
	o->sleep_us = 100;
	o->max_mtu = APP_DEFAULT_MAX_MTU;
	o->clone_min = APP_CLONE_MIN_DEFAULT;
	o->punt_rate = 20000;
	o->punt_per_flow = 4;
	o->rx_desc = o->tx_desc = 1024;
	o->stats_on_exit = true;
}

/* The largest interface MTU: --max-mtu (1500 up), by default what one
 * default mbuf holds. Below that default it only caps the `mtu` lines
 * (it was raised to the default without a word: found by a black-box
 * test); the mbufs keep their size. */
static uint16_t
app_max_mtu(void)
{
	return (uint16_t)app.o.max_mtu;
}

/* Whether --max-mtu asks for more than one default mbuf holds. */
static bool
app_jumbo(void)
{
	return app.o.max_mtu > APP_DEFAULT_MAX_MTU;
}

/* An mbuf's data size (headroom included): a frame of app_max_mtu() IP
 * bytes with a VLAN-tagged Ethernet header and its FCS, in one segment.
 * Above the default, rounded up to 1 KiB: NICs size their receive
 * buffers down to their own granularity (ixgbe 1 KiB, i40e 128 bytes),
 * and a frame longer than that would come chained (found by review). */
static uint16_t
app_mbuf_size(void)
{
	if (!app_jumbo())
		return RTE_MBUF_DEFAULT_BUF_SIZE;
	return (uint16_t)(RTE_PKTMBUF_HEADROOM + RTE_ALIGN_CEIL(app_max_mtu() + 18u + 4u, 1024u));
}

uint64_t
app_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- */
/* Interfaces                                                         */

int
app_iface_by_name(const char *name, uint32_t *ifid)
{
	for (uint32_t i = 0; i < app.n_ifs; i++)
		if (app.ifs[i].used && strcmp(app.ifs[i].name, name) == 0) {
			*ifid = i;
			return 0;
		}
	return -ENOENT;
}

/* The configuration being checked/applied: its `iface` names resolve as
 * they will once it is applied (new ones to ids above every real one). */
static const struct mcfwd_config *pending_cfg;

const char *
app_iface_name(void *arg, uint32_t ifid)
{
	(void)arg;
	return ifid < app.n_ifs && app.ifs[ifid].used ? app.ifs[ifid].name : NULL;
}

int
app_iface_resolve(void *arg, const char *name, uint32_t *ifid)
{
	(void)arg;
	const struct mcfwd_config *c = pending_cfg;
	for (uint32_t i = 0; c && i < c->n_ifaces; i++)
		if (strcmp(c->ifaces[i].name, name) == 0) {
			uint16_t cur = app.dp.rx_map[c->ifaces[i].port][c->ifaces[i].vlan];
			*ifid = cur != MFC_IFID_NONE ? cur : APP_MAX_IFACES + i;
			return 0;
		}
	uint32_t id;
	if (app_iface_by_name(name, &id) < 0)
		return -ENOENT;
	/* renamed by the pending config: the old name is gone */
	for (uint32_t i = 0; c && i < c->n_ifaces; i++)
		if (app.dp.rx_map[c->ifaces[i].port][c->ifaces[i].vlan] == id)
			return -ENOENT;
	*ifid = id;
	return 0;
}

/* Publish interface ifid to the workers (before any entry can use it). */
static void
iface_publish(uint32_t ifid)
{
	struct app_iface *f = &app.ifs[ifid];
	struct mcfwd_iface_dp *d = &app.dp.ifs[ifid];
	struct app_port *p = &app.port[f->port];

	d->port = f->port;
	d->vlan = f->vlan;
	d->mtu = f->mtu;
	memcpy(d->mac, p->mac.addr_bytes, 6);
	d->multiseg = p->multiseg;
	__atomic_store_n(&d->used, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&app.dp.rx_map[f->port][f->vlan], (uint16_t)ifid, __ATOMIC_RELEASE);
}

/* Set interface id's address (0: none), for control and for the workers
 * (the Record Route and Timestamp options of what they forward). */
static void
iface_addr_set(uint32_t id, uint32_t addr, uint8_t plen)
{
	app.ifs[id].addr = addr;
	app.ifs[id].plen = plen;
	if (app.dp.if_addr == NULL)
		return;
	__atomic_store_n(&app.dp.if_addr[id], addr, __ATOMIC_RELAXED);
	uint32_t n = APP_MAX_IFACES;
	while (n > 0 && app.dp.if_addr[n - 1] == 0)
		n--;
	__atomic_store_n(&app.dp.if_addr_n, n, __ATOMIC_RELAXED);
}

/* Whether configuration c (NULL: none) has an `iface` named name. */
static bool
cfg_has_name(const struct mcfwd_config *c, const char *name)
{
	for (uint32_t i = 0; c != NULL && i < c->n_ifaces; i++)
		if (strcmp(c->ifaces[i].name, name) == 0)
			return true;
	return false;
}

/* A name for the interface on (port, vlan) that no interface has, nor
 * the file c (may be NULL) gives: the port's name ("NAME.VLAN" for a VLAN),
 * else "portN" ("portN.VLAN"), else "portN-2" ("portN.VLAN-2")... One rule
 * for an attached port's interface, one a reload takes a name from, one a
 * rollback takes a name back from. */
static void
iface_default_name(char nm[APP_IFNAME], uint16_t port, uint16_t vlan, const struct mcfwd_config *c)
{
	uint32_t other;
	for (unsigned int k = 0;; k++) {
		if (k == 0 && vlan)
			snprintf(nm, APP_IFNAME, "%.20s.%u", app.port[port].name, vlan);
		else if (k == 0)
			snprintf(nm, APP_IFNAME, "%.*s", APP_IFNAME - 1, app.port[port].name);
		else if (k == 1 && vlan)
			snprintf(nm, APP_IFNAME, "port%u.%u", port, vlan);
		else if (k == 1)
			snprintf(nm, APP_IFNAME, "port%u", port);
		else if (vlan)
			snprintf(nm, APP_IFNAME, "port%u.%u-%u", port, vlan, k);
		else
			snprintf(nm, APP_IFNAME, "port%u-%u", port, k);
		if (!cfg_has_name(c, nm) && app_iface_by_name(nm, &other) < 0)
			return;
	}
}

/* A new logical interface; @return its id or -errno. */
static int
iface_add(const char *name, uint16_t port, uint16_t vlan, uint16_t mtu)
{
	uint32_t id;
	if (app_iface_by_name(name, &id) == 0)
		return -EEXIST;
	if (port >= MCFWD_MAX_PORTS || !app.port[port].used || vlan > 4094)
		return -EINVAL;
	if (app.dp.rx_map[port][vlan] != MFC_IFID_NONE)
		return -EEXIST;
	/* untagged interfaces of ports are ifid == port; VLANs above them */
	uint32_t i = vlan == 0 ? port : MCFWD_MAX_PORTS;
	while (i < APP_MAX_IFACES && app.ifs[i].used)
		i++;
	if (i >= APP_MAX_IFACES)
		return -ENOSPC;
	struct app_iface *f = &app.ifs[i];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->port = port;
	f->vlan = vlan;
	f->mtu = mtu ? mtu : 1500;
	f->used = true;
	if (i + 1 > app.n_ifs)
		app.n_ifs = i + 1;
	/* down with its port, before anything can forward on it; up if the
	 * id's last interface was left down (found by review: a VLAN made on
	 * a down port forwarded, one on a reused id stayed down for good) */
	(void)mfc_iface_set_down(app.cache, (uint16_t)i, !app.port[port].link_up);
	iface_publish(i);
	return (int)i;
}

/* Set while a port detach releases its interfaces: their grace period
 * comes at the batch's end and the workers pause after it (which drains
 * every ring), so a barrier per interface would only wait. */
static bool detach_batch;

/* After a purge returned (its grace period: every worker has flushed its
 * TX buffers since), replicas another worker handed to a port's TX ring
 * before it may still sit in the ring: wait until the ring's consumer has
 * passed the producer's position seen here (exact: the ring is FIFO; it
 * was "two loop iterations of the owner", which drain at most 1024 of the
 * 2048, and gave up after 100 ms while an idle owner may sleep for a
 * second: found by review). An owner parked by a pause had its rings
 * drained then (app_forwarding()). Bounded by 100 ms beyond the longest
 * idle sleep (a stalled worker is reported by the heartbeat). */
void
app_tx_barrier(void)
{
	uint32_t want[MCFWD_MAX_PORTS], pend = 0;
	if (detach_batch)
		return;
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++)
		if (app.port[p].used && app.port[p].nb_txq < app.n_workers && app.txr[p] != NULL) {
			want[p] = __atomic_load_n(&app.txr[p]->prod.tail, __ATOMIC_ACQUIRE);
			pend |= 1u << p;
		}
	if (pend == 0)
		return;
	const struct mcfwd_worker *w0 = app.w[0]; /* worker 0 owns every ring (map_queues()) */
	uint64_t end = app_now_ms() + 100 + app.o.sleep_us / 1000;
	while (pend != 0) {
		for (uint32_t b = pend; b; b &= b - 1) {
			uint16_t p = (uint16_t)__builtin_ctz(b);
			uint32_t ct = __atomic_load_n(&app.txr[p]->cons.tail, __ATOMIC_ACQUIRE);
			int st = w0->state;
			if ((int32_t)(ct - want[p]) >= 0 || st == 0 || st == 3)
				pend &= ~(1u << p);
		}
		if (pend == 0 || app_now_ms() >= end)
			break;
		rte_delay_us_sleep(20);
	}
	/* the consumer moves before the owner hands what it took to the port:
	 * its drain is over once its loop has turned (iterations count after
	 * the flush) or it is out of the loop (found by review) */
	uint64_t it = __atomic_load_n(&w0->st.iterations, __ATOMIC_ACQUIRE);
	while (w0->state == 1 && __atomic_load_n(&w0->st.iterations, __ATOMIC_ACQUIRE) == it &&
	       app_now_ms() < end)
		rte_pause();
}

int
app_interface_release(uint32_t ifid, char *err, size_t errlen)
{
	uint32_t proto, comp;
	if (ifid >= app.n_ifs || !app.ifs[ifid].used) {
		snprintf(err, errlen, "no such interface");
		return -ENOENT;
	}
	int rc = mgm_interface_owner(app.mgm, ifid, 0, &proto, &comp);
	if (rc < 0) {
		snprintf(err, errlen, "interface '%s' is not owned by any protocol", app.ifs[ifid].name);
		return rc;
	}
	/* the owner's handle is private to the protocol: ask the protocol */
	if (proto == MCFWD_STATIC_PROTO_ID) {
		rc = mcfwd_static_iface_release(app.st, ifid);
		if (rc < 0) {
			snprintf(err, errlen, "release of '%s' failed: %s", app.ifs[ifid].name,
				 strerror(-rc));
			return rc;
		}
		app_tx_barrier();
		return 0;
	}
	if (proto == MGM_PROTO_IGMP) {
		/* IGMP alone (no routing protocol): its own command ends it */
		snprintf(err, errlen, "interface '%s' is owned by igmp only: use 'igmp disable %s'",
			 app.ifs[ifid].name, app.ifs[ifid].name);
		return -EPERM;
	}
	snprintf(err, errlen, "interface '%s' is owned by protocol %u, which mcfwd cannot drive",
		 app.ifs[ifid].name, proto);
	return -EPERM;
}

/* A word as it may be shown in a message: at most 40 characters, control
 * and non-ASCII bytes as \xNN. */
const char *
app_shown(const char *w, char *b, size_t n)
{
	size_t k = 0, i = 0;
	for (; w[i] && k + 8 < n && i < 40; i++) {
		unsigned char c = (unsigned char)w[i];
		if (c < 0x20 || c >= 0x7f)
			k += (size_t)snprintf(b + k, n - k, "\\x%02x", c);
		else
			b[k++] = (char)c;
	}
	b[k] = 0;
	if (w[i] && k + 4 < n)
		strcat(b, "...");
	return b;
}

int
app_protocol_shutdown(const char *name, char *err, size_t errlen)
{
	if (strcmp(name, "static") == 0) {
		if (!mcfwd_static_running(app.st)) {
			snprintf(err, errlen, "protocol static is not running");
			return -ENOENT;
		}
		int rc = mcfwd_static_shutdown(app.st);
		if (rc < 0)
			snprintf(err, errlen, "shutdown of static failed: %s", strerror(-rc));
		app_tx_barrier();
		return rc;
	}
	if (strcmp(name, "igmp") == 0) {
		/* IGMP off on every interface it runs on (each a release where
		 * it was alone), one TX barrier for all; `igmp enable` or a
		 * reload of a file that enables it brings it back */
		/* one grace period for all the releases (one each before,
		 * found by review) */
		uint32_t n = 0;
		mgm_batch_begin(app.mgm);
		for (uint32_t id = 0; app.igmp && id < app.n_ifs; id++) {
			if (!app.ifs[id].used || !igmp_if_enabled(app.igmp, id))
				continue;
			int rc = igmp_if_disable(app.igmp, id);
			if (rc < 0) {
				mgm_batch_end(app.mgm);
				snprintf(err, errlen, "IGMP off on '%s': %s", app.ifs[id].name,
					 strerror(-rc));
				app_tx_barrier();
				return rc;
			}
			app.igmp_by_cfg[id] = false;
			n++;
		}
		mgm_batch_end(app.mgm);
		if (n == 0) {
			snprintf(err, errlen, "protocol igmp runs on no interface");
			return -ENOENT;
		}
		app_tx_barrier();
		return (int)n;
	}
	char nb[176];
	snprintf(err, errlen, "unknown protocol '%s' (known: static, igmp)", app_shown(name, nb, sizeof(nb)));
	return -ENOENT;
}

/* ---------------------------------------------------------------- */
/* IGMP                                                               */

static int
igmp_send(void *arg, uint32_t ifindex, const void *ip, size_t len)
{
	(void)arg;
	return app_ctl_send(ifindex, ip, len);
}

static uint64_t
igmp_now(void *arg)
{
	(void)arg;
	return app_now_ms();
}

int
app_igmp_enable(uint32_t ifid, const struct igmp_if_cfg *cfg, char *err, size_t errlen)
{
	if (ifid >= app.n_ifs || !app.ifs[ifid].used) {
		snprintf(err, errlen, "no such interface");
		return -ENOENT;
	}
	int rc = igmp_if_enable(app.igmp, ifid, cfg);
	if (rc == -EEXIST)
		snprintf(err, errlen, "IGMP already runs on '%s'", app.ifs[ifid].name);
	else if (rc == -EINVAL) {
		char why[160];
		if (igmp_if_cfg_check(cfg, why, sizeof(why)) < 0)
			snprintf(err, errlen, "IGMP on '%s': %s", app.ifs[ifid].name, why);
		else
			snprintf(err, errlen, "IGMP on '%s': %s", app.ifs[ifid].name, strerror(-rc));
	}
	else if (rc < 0)
		snprintf(err, errlen, "IGMP on '%s': %s", app.ifs[ifid].name, strerror(-rc));
	else if (app.ifs[ifid].addr == 0)
		APP_LOG(NOTICE, "IGMP on %s: no address, so no queries (members are tracked)\n",
			app.ifs[ifid].name);
	return rc;
}

int
app_igmp_disable(uint32_t ifid, char *err, size_t errlen)
{
	if (ifid >= app.n_ifs || !app.ifs[ifid].used) {
		snprintf(err, errlen, "no such interface");
		return -ENOENT;
	}
	int rc = igmp_if_disable(app.igmp, ifid);
	if (rc == -ENOENT)
		snprintf(err, errlen, "IGMP does not run on '%s'", app.ifs[ifid].name);
	else if (rc < 0)
		snprintf(err, errlen, "IGMP off on '%s': %s", app.ifs[ifid].name, strerror(-rc));
	else {
		app.igmp_by_cfg[ifid] = false;
		/* IGMP alone there: that was a release with its purge, and a
		 * replica handed to another worker's TX ring must not go out
		 * after this returns, as after any other release */
		app_tx_barrier();
	}
	return rc;
}

/* `phyint IF enable igmp`: only with enable, on an interface that exists
 * once the config is applied. Nothing changes. */
static int
config_check_igmp(const struct mcfwd_config *c, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < c->n_phyints; i++) {
		const struct mcfwd_cfg_phyint *ph = &c->phyints[i];
		uint32_t id;
		if (!ph->igmp)
			continue;
		if (!ph->enable) {
			snprintf(err, errlen, "%s:%u: 'igmp' on a disabled phyint '%s'", ph->loc.file,
				 ph->loc.line, ph->name);
			return -EINVAL;
		}
		if (app_iface_resolve(NULL, ph->name, &id) < 0) {
			snprintf(err, errlen, "%s:%u: unknown interface '%s'", ph->loc.file, ph->loc.line,
				 ph->name);
			return -ENOENT;
		}
	}
	return 0;
}

/* IGMP where the config says, off where the previous config said and
 * this one does not; interfaces enabled by `igmp enable` are left alone. */
static int
config_apply_igmp(const struct mcfwd_config *c, char *err, size_t errlen)
{
	static bool want[APP_MAX_IFACES];
	memset(want, 0, sizeof(want));
	for (uint32_t i = 0; i < c->n_phyints; i++) {
		const struct mcfwd_cfg_phyint *ph = &c->phyints[i];
		uint32_t id;
		if (!ph->igmp || app_iface_by_name(ph->name, &id) < 0)
			continue;
		want[id] = true;
		if (igmp_if_enabled(app.igmp, id)) {
			app.igmp_by_cfg[id] = true;
			continue;
		}
		int rc = igmp_if_enable(app.igmp, id, NULL);
		if (rc < 0) {
			snprintf(err, errlen, "%s:%u: IGMP on '%s': %s", ph->loc.file, ph->loc.line,
				 ph->name, strerror(-rc));
			return rc;
		}
		app.igmp_by_cfg[id] = true;
	}
	for (uint32_t i = 0; i < APP_MAX_IFACES; i++)
		if (app.igmp_by_cfg[i] && !want[i]) {
			(void)igmp_if_disable(app.igmp, i);
			app.igmp_by_cfg[i] = false;
		}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Configuration: all-or-nothing                                     */

/* Whether an interface name exists now or in configuration c. */
static bool
cfg_iface_known(const struct mcfwd_config *c, const char *name)
{
	uint32_t id;
	if (cfg_has_name(c, name))
		return true;
	if (app_iface_by_name(name, &id) < 0)
		return false;
	/* renamed by c: the name is gone once c is applied, as
	 * app_iface_resolve() will find (the check passed, the apply step
	 * failed and rolled back: found by review) */
	for (uint32_t i = 0; i < c->n_ifaces; i++)
		if (app.dp.rx_map[c->ifaces[i].port][c->ifaces[i].vlan] == id)
			return false;
	return true;
}

void
app_port_ids(char *buf, size_t len)
{
	size_t k = 0;
	buf[0] = 0;
	for (uint16_t q = 0; q < MCFWD_MAX_PORTS && k + 8 < len; q++)
		if (app.port[q].used)
			k += (size_t)snprintf(buf + k, len - k, "%s%u", k ? " " : "", q);
}

/* Check the `iface`, `route` and `mgroup` statements against the ports and
 * the interfaces that exist; nothing changes. */
static int
config_check_ifaces(const struct mcfwd_config *c, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < c->n_ifaces; i++) {
		const struct mcfwd_cfg_iface *f = &c->ifaces[i];
		if (f->port >= MCFWD_MAX_PORTS || !app.port[f->port].used) {
			char l[160];
			app_port_ids(l, sizeof(l));
			snprintf(err, errlen, "%s:%u: no port %u (ports: %s)", f->loc.file,
				 f->loc.line, f->port, l);
			return -EINVAL;
		}
		if (f->mtu > app.port[f->port].max_mtu) {
			const struct app_port *pt = &app.port[f->port];
			if (f->mtu > app_max_mtu() && app.o.max_mtu < APP_DEFAULT_MAX_MTU)
				snprintf(err, errlen, "%s:%u: mtu %u of '%s' above --max-mtu %u",
					 f->loc.file, f->loc.line, f->mtu, f->name, app_max_mtu());
			else if (f->mtu > app_max_mtu())
				snprintf(err, errlen, "%s:%u: mtu %u of '%s' above %u, the largest "
					 "the mbufs hold in one segment (jumbo frames: start mcfwd with "
					 "--max-mtu %u)", f->loc.file, f->loc.line, f->mtu, f->name,
					 app_max_mtu(), f->mtu);
			else
				snprintf(err, errlen, "%s:%u: mtu %u of '%s' above what port %u's "
					 "device takes (%u)", f->loc.file, f->loc.line, f->mtu,
					 f->name, f->port, pt->dev_max_mtu);
			return -EINVAL;
		}
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(c->ifaces[j].name, f->name) == 0 ||
			    (c->ifaces[j].port == f->port && c->ifaces[j].vlan == f->vlan)) {
				snprintf(err, errlen, "%s:%u: interface '%s' duplicates %s:%u",
					 f->loc.file, f->loc.line, f->name, c->ifaces[j].loc.file,
					 c->ifaces[j].loc.line);
				return -EEXIST;
			}
		/* a name another interface has now is not checked: the file's
		 * set is what results (two interfaces may swap names, and one
		 * the file does not name gives a name up, config_apply_ifaces()).
		 * Names are only labels: MGM, static, IGMP and the cache hold
		 * interface ids, and the file's names resolve through
		 * pending_cfg while it applies */
	}
	/* the VLAN interfaces it makes must fit: one that failed for want of
	 * an id would leave those made before it (interfaces stay), found by
	 * a black-box test */
	uint32_t need = 0, free_ids = 0;
	for (uint32_t id = MCFWD_MAX_PORTS; id < APP_MAX_IFACES; id++)
		free_ids += !app.ifs[id].used;
	for (uint32_t i = 0; i < c->n_ifaces; i++) {
		const struct mcfwd_cfg_iface *f = &c->ifaces[i];
		if (f->vlan == 0 || app.dp.rx_map[f->port][f->vlan] != MFC_IFID_NONE ||
		    ++need <= free_ids)
			continue;
		uint32_t total = need;
		for (uint32_t j = i + 1; j < c->n_ifaces; j++)
			total += c->ifaces[j].vlan != 0 &&
				 app.dp.rx_map[c->ifaces[j].port][c->ifaces[j].vlan] == MFC_IFID_NONE;
		snprintf(err, errlen, "%s:%u: interface '%s': %u new VLAN interfaces, room for %u "
			 "more (%u in all; interfaces stay after a reload, and no file removes them)",
			 f->loc.file, f->loc.line, f->name, total, free_ids,
			 APP_MAX_IFACES - MCFWD_MAX_PORTS);
		return -ENOSPC;
	}
	for (uint32_t i = 0; i < c->n_routes; i++) {
		const struct mcfwd_cfg_route *r = &c->routes[i];
		if (!cfg_iface_known(c, r->via)) {
			snprintf(err, errlen, "%s:%u: unknown interface '%s'", r->loc.file, r->loc.line,
				 r->via);
			return -ENOENT;
		}
	}
	/* mgroup is not acted on, but a typo in it is still a typo */
	for (uint32_t i = 0; i < c->n_mgroups; i++) {
		const struct mcfwd_cfg_mgroup *g = &c->mgroups[i];
		if (!cfg_iface_known(c, g->iif)) {
			snprintf(err, errlen, "%s:%u: unknown interface '%s'", g->loc.file, g->loc.line,
				 g->iif);
			return -ENOENT;
		}
	}
	return 0;
}

/* The interface whose address has prefix/len as its connected route (a
 * route statement for the same prefix shares its slot), or -1. */
static int
connected_iface(uint32_t prefix, uint8_t len)
{
	for (uint32_t id = 0; id < app.n_ifs; id++) {
		const struct app_iface *f = &app.ifs[id];
		if (f->used && f->addr && f->plen == len && len &&
		    (f->addr & (0xffffffffu << (32 - len))) == prefix)
			return (int)id;
	}
	return -1;
}

/* A reload makes addresses and routes what the new file says: those the
 * running configuration set and the new one does not go (interfaces stay:
 * protocols and IGMP may hold them). Addresses (addrs), then routes
 * (!addrs), go before any new one is added. */
static void
config_drop_stale(const struct mcfwd_config *c, bool addrs)
{
	for (uint32_t id = 0; addrs && id < app.n_ifs; id++) {
		struct app_iface *f = &app.ifs[id];
		if (!f->used || f->addr == 0)
			continue;
		bool kept = false;
		for (uint32_t i = 0; i < c->n_ifaces && !kept; i++)
			kept = c->ifaces[i].has_addr && c->ifaces[i].addr == f->addr &&
			       c->ifaces[i].addr_len == f->plen &&
			       app.dp.rx_map[c->ifaces[i].port][c->ifaces[i].vlan] == id;
		if (kept)
			continue;
		(void)mgm_interface_address_delete(app.mgm, id, f->addr, f->plen);
		iface_addr_set(id, 0, 0);
	}
	for (uint32_t i = 0; !addrs && app.cfg && i < app.cfg->n_routes; i++) {
		const struct mcfwd_cfg_route *r = &app.cfg->routes[i];
		bool kept = false;
		for (uint32_t j = 0; j < c->n_routes && !kept; j++)
			kept = c->routes[j].prefix == r->prefix && c->routes[j].len == r->len;
		if (kept)
			continue;
		int id = connected_iface(r->prefix, r->len);
		if (id < 0)
			(void)mgm_route_delete(app.mgm, r->prefix, r->len);
		else /* the route had taken an address's prefix: give it back */
			(void)mgm_route_add(app.mgm, r->prefix, r->len, (uint32_t)id, 0);
	}
}

/* Each port's device MTU: its interfaces' largest, so that a NIC takes
 * in what they may forward (1500 when none asks for more). A device that
 * cannot change it (most virtual ones) is said once. */
static void
ports_mtu_sync(void)
{
	uint16_t want[MCFWD_MAX_PORTS];
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++)
		want[p] = 1500;
	for (uint32_t id = 0; id < app.n_ifs; id++)
		if (app.ifs[id].used && app.ifs[id].mtu > want[app.ifs[id].port])
			want[app.ifs[id].port] = app.ifs[id].mtu;
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++) {
		struct app_port *pt = &app.port[p];
		if (!pt->used || want[p] == (pt->mtu ? pt->mtu : 1500) ||
		    (pt->mtu_at_start && want[p] <= pt->mtu))
			continue;
		int rc = rte_eth_dev_set_mtu(p, want[p]);
		if (rc == 0) {
			pt->mtu = want[p];
			APP_LOG(INFO, "port %u (%s): MTU %u\n", p, pt->name, want[p]);
		} else {
			APP_LOG(WARNING, "port %u (%s): MTU %u not set: %s; the device's own limit "
				"applies\n", p, pt->name, want[p], rte_strerror(-rc));
			pt->mtu = want[p]; /* said once */
		}
	}
}

/* Does the file name interface id (by its port and VLAN)? */
static bool
cfg_names_id(const struct mcfwd_config *c, uint32_t id)
{
	for (uint32_t i = 0; i < c->n_ifaces; i++)
		if (app.dp.rx_map[c->ifaces[i].port][c->ifaces[i].vlan] == id)
			return true;
	return false;
}

/* An interface the file does not name keeps its name, unless the file
 * gives that name to another one (a name moving to another port or VLAN):
 * then it takes iface_default_name(). The rollback gives the old name back. */
static void
config_free_names(const struct mcfwd_config *c)
{
	for (uint32_t id = 0; id < app.n_ifs; id++) {
		struct app_iface *f = &app.ifs[id];
		if (!f->used || !cfg_has_name(c, f->name) || cfg_names_id(c, id))
			continue;
		char nm[APP_IFNAME];
		iface_default_name(nm, f->port, f->vlan, c);
		APP_LOG(NOTICE, "interface %u (port %u vlan %u), which the file does not name, gives "
			"its name '%s' up: now '%s'\n", id, f->port, f->vlan, f->name, nm);
		memcpy(f->name, nm, sizeof(nm));
	}
}

static int
config_apply_ifaces(const struct mcfwd_config *c, bool rollback, char *err, size_t errlen)
{
	config_free_names(c);
	/* the interfaces that exist are renamed first, then the new ones
	 * made: a new one may take the name an existing one gives up */
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < c->n_ifaces; i++) {
			const struct mcfwd_cfg_iface *f = &c->ifaces[i];
			if (rollback && !app.port[f->port].used)
				continue; /* its port was detached since */
			uint16_t cur = app.dp.rx_map[f->port][f->vlan];
			if ((cur == MFC_IFID_NONE) != (pass == 1))
				continue;
			if (cur == MFC_IFID_NONE) {
				int id = iface_add(f->name, f->port, f->vlan, f->mtu);
				if (id < 0) {
					snprintf(err, errlen, "%s:%u: cannot create interface '%s': %s",
						 f->loc.file, f->loc.line, f->name, strerror(-id));
					return id;
				}
				continue;
			}
			snprintf(app.ifs[cur].name, APP_IFNAME, "%s", f->name);
			/* the file's MTU, or the default when it gives none: a
			 * reload is the file, not the file over the last one */
			uint16_t mtu = f->mtu ? f->mtu : 1500;
			if (app.ifs[cur].mtu != mtu) {
				app.ifs[cur].mtu = mtu;
				iface_publish(cur);
			}
		}
	ports_mtu_sync();
	/* addresses that go or change are deleted before any is added: a
	 * prefix moving to another interface is then free when it comes
	 * (MGM refuses a connected prefix two interfaces would claim; it was
	 * added over the old one, whose delete then took the route away) */
	config_drop_stale(c, true);
	/* and routes it does not keep, before any address or route comes:
	 * the table may be full of them (a rollback after a file that filled
	 * it could not put the running file's address back, found by a
	 * black-box test). A route that had taken a kept address's prefix
	 * gives it back; a new address's prefix is free when it comes */
	config_drop_stale(c, false);
	for (uint32_t i = 0; i < c->n_ifaces; i++) {
		const struct mcfwd_cfg_iface *f = &c->ifaces[i];
		if (rollback && !app.port[f->port].used)
			continue;
		uint16_t id = app.dp.rx_map[f->port][f->vlan];
		if (!f->has_addr || app.ifs[id].addr != 0)
			continue; /* none, or kept as it is */
		int rc = mgm_interface_address_add(app.mgm, id, f->addr, f->addr_len);
		if (rc < 0) {
			snprintf(err, errlen, "%s:%u: address of '%s': %s", f->loc.file, f->loc.line,
				 f->name, strerror(-rc));
			return rc;
		}
		iface_addr_set(id, f->addr, f->addr_len);
	}
	for (uint32_t i = 0; i < c->n_routes; i++) {
		const struct mcfwd_cfg_route *r = &c->routes[i];
		uint32_t id;
		if (app_iface_by_name(r->via, &id) < 0) {
			if (rollback)
				continue; /* on a port detached since */
			snprintf(err, errlen, "%s:%u: unknown interface '%s'", r->loc.file, r->loc.line,
				 r->via);
			return -ENOENT;
		}
		int rc = mgm_route_add(app.mgm, r->prefix, r->len, id, 0);
		if (rc < 0 && rc != -EEXIST) {
			snprintf(err, errlen, "%s:%u: route: %s", r->loc.file, r->loc.line, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* A load failed after the apply steps began (resource exhaustion the
 * checks cannot see, e.g. MGM's memberships per interface): put the
 * running configuration's addresses, routes, names, static routes and
 * IGMP interfaces back. Interfaces the failed file created stay (as on any
 * reload: protocols may hold them). Its own failures are appended to err.
 * igmp_saved: which interfaces had IGMP by the configuration before (an
 * `igmp enable` from the CLI is not the file's to turn off). */
static char names_saved[APP_MAX_IFACES][APP_IFNAME]; /* before the apply ("" : none) */
static uint16_t mtu_saved[APP_MAX_IFACES]; /* before the apply (0: none) */
static bool igmp_on_saved[APP_MAX_IFACES]; /* IGMP running, by file or CLI, before it */

/* config_rollback() turned IGMP off somewhere: app_config_load() waits
 * for the TX rings after its grace period */
static bool rollback_igmp_off;

static void
config_rollback(struct mcfwd_config *failed, bool static_done, const bool *igmp_saved, char *err,
		size_t errlen)
{
	static const struct mcfwd_config none; /* no file ran before (a load from the CLI) */
	const struct mcfwd_config *old = app.cfg ? app.cfg : &none;
	struct mcfwd_config *keep = app.cfg;
	char e2[256] = "";
	int rc;
	pending_cfg = NULL;
	/* every name as it was, also of interfaces the running file does not
	 * name; an interface the failed file made keeps its name unless an
	 * old one takes it back (the file had renamed that one): then it is
	 * named after its port. Before the running file's statements are
	 * applied again: its routes name their interfaces, and a new
	 * interface on a lower id holding an old name took them (found by
	 * review), and was not renamed either (a lookup by name finds it) */
	for (uint32_t id = 0; id < app.n_ifs; id++)
		if (app.ifs[id].used && names_saved[id][0])
			memcpy(app.ifs[id].name, names_saved[id], APP_IFNAME);
	/* every MTU as it was too: the running file sets only those it
	 * names, and one the failed file gave an interface it did not name
	 * stayed (found by review) */
	bool mtu_back = false;
	for (uint32_t id = 0; id < app.n_ifs; id++)
		if (app.ifs[id].used && mtu_saved[id] && app.ifs[id].mtu != mtu_saved[id]) {
			app.ifs[id].mtu = mtu_saved[id];
			iface_publish(id);
			mtu_back = true;
		}
	if (mtu_back)
		ports_mtu_sync();
	for (uint32_t id = 0; id < app.n_ifs; id++) {
		struct app_iface *f = &app.ifs[id];
		if (!f->used || names_saved[id][0])
			continue;
		for (uint32_t o = 0; o < app.n_ifs; o++)
			if (o != id && app.ifs[o].used && names_saved[o][0] &&
			    strcmp(app.ifs[o].name, f->name) == 0) {
				char nm[APP_IFNAME]; /* (gcc -Wrestrict: both are in app) */
				iface_default_name(nm, f->port, f->vlan, NULL);
				memcpy(f->name, nm, sizeof(nm));
				break;
			}
	}
	app.cfg = failed; /* config_drop_stale() drops what the running one set */
	/* the running file as it still can be: its lines on ports detached
	 * since are left out (it stopped at the first, found by review) */
	rc = config_apply_ifaces(old, true, e2, sizeof(e2));
	app.cfg = keep;
	/* static as it was, its run-time edits (mroute add/del) included: the
	 * running file again lost them (found by review) */
	if (static_done) {
		char e3[256] = "";
		int rs = mcfwd_static_revert(app.st, e3, sizeof(e3));
		if (rc == 0 && rs < 0) { /* the interfaces' message first, if both */
			rc = rs;
			memcpy(e2, e3, sizeof(e2));
		}
	}
	/* IGMP off where the failed file's pass turned it on before it
	 * failed on a later interface (found by review: it stayed on, and
	 * since no file claimed it, no later reload turned it off) */
	bool igmp_off = false;
	for (uint32_t id = 0; id < APP_MAX_IFACES; id++)
		if (!igmp_on_saved[id] && igmp_if_enabled(app.igmp, id)) {
			(void)igmp_if_disable(app.igmp, id);
			igmp_off = true;
		}
	/* a release when IGMP was alone there (app_igmp_disable): its TX
	 * barrier after the batch's grace period, in app_config_load()
	 * (here, before it, a replica could still leave after the return:
	 * found by review) */
	rollback_igmp_off = igmp_off;
	memcpy(app.igmp_by_cfg, igmp_saved, sizeof(app.igmp_by_cfg));
	if (rc == 0)
		rc = config_apply_igmp(old, e2, sizeof(e2));
	size_t l = strnlen(err, errlen);
	if (l + 1 < errlen)
		snprintf(err + l, errlen - l, rc == 0 ? "; the running configuration is unchanged"
			 : "; the running configuration could not be restored: %s", e2);
}

/* The unicast routes (addresses' connected ones too) as one number, in no
 * order: a reload that changes RPF's answers makes the MFEs again. */
static uint64_t
rpf_digest(void)
{
	uint64_t d = 0;
	uint32_t cur = 0;
	struct mgm_route r;
	while (mgm_route_next(app.mgm, &cur, &r) == 0) {
		uint64_t x = ((uint64_t)r.prefix << 32) ^ ((uint64_t)r.len << 24) ^
			     ((uint64_t)r.ifc.ifindex << 1) ^ ((uint64_t)r.ifc.nexthop * 0x9e3779b97f4a7c15ull);
		x ^= x >> 33; /* splitmix64's finaliser */
		x *= 0xff51afd7ed558ccdull;
		x ^= x >> 33;
		x *= 0xc4ceb9fe1a85ec53ull;
		x ^= x >> 33;
		d += x;
	}
	return d;
}

int
app_config_load(const char *path, bool reload, char *err, size_t errlen)
{
	struct mcfwd_config *c = calloc(1, sizeof(*c));
	bool batched = false;
	int rc;
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = mcfwd_config_parse_file(path, c, err, errlen);
	if (rc < 0)
		goto fail;
	rc = config_check_ifaces(c, err, errlen);
	if (rc < 0)
		goto fail;
	/* the protocol's check sees the interfaces as they will be */
	pending_cfg = c;
	rc = mcfwd_static_check(app.st, c, err, errlen);
	if (rc < 0)
		goto fail;
	rc = config_check_igmp(c, err, errlen);
	if (rc < 0)
		goto fail;
	for (uint32_t i = 0; i < c->n_mgroups; i++)
		APP_LOG(NOTICE, "%s:%u: mgroup ignored: a router does not join groups itself\n",
			c->mgroups[i].loc.file, c->mgroups[i].loc.line);
	/* from here on only resource exhaustion can fail, and then the
	 * running configuration is put back */
	static bool igmp_saved[APP_MAX_IFACES];
	memcpy(igmp_saved, app.igmp_by_cfg, sizeof(igmp_saved));
	for (uint32_t id = 0; id < APP_MAX_IFACES; id++) {
		snprintf(names_saved[id], APP_IFNAME, "%s",
			 id < app.n_ifs && app.ifs[id].used ? app.ifs[id].name : "");
		mtu_saved[id] = id < app.n_ifs && app.ifs[id].used ? app.ifs[id].mtu : 0;
		igmp_on_saved[id] = igmp_if_enabled(app.igmp, id);
	}
	uint64_t rpf0 = rpf_digest();
	/* one grace period for the whole apply (releases, MFEs made again) */
	mgm_batch_begin(app.mgm);
	batched = true;
	rc = config_apply_ifaces(c, false, err, errlen);
	if (rc < 0)
		goto undo;
	/* on failure it puts the running static routes back itself; kept
	 * until IGMP's step is through */
	rc = mcfwd_static_apply_tentative(app.st, c, err, errlen);
	if (rc < 0)
		goto undo;
	/* IGMP co-owns interfaces static may own too (MGM brackets) */
	rc = config_apply_igmp(c, err, errlen);
	if (rc < 0) {
		config_rollback(c, true, igmp_saved, err, errlen);
		goto fail;
	}
	mcfwd_static_commit(app.st);
	if (rpf_digest() != rpf0) {
		/* static's routes say the incoming interface; the unicast routes
		 * say whose answer is asked (and with no route, none) */
		int n = mgm_mfe_redo(app.mgm, 0, 0);
		if (n >= 0)
			APP_LOG(INFO, "unicast routes changed: %d MFEs made again\n", n);
		else /* the rest are made by their next packets */
			APP_LOG(WARNING, "unicast routes changed: MFEs not all made again: %s\n",
				strerror(-n));
	}
	if (app.cfg) {
		mcfwd_config_free(app.cfg);
		free(app.cfg);
	}
	app.cfg = c;
	pending_cfg = NULL;
	mgm_batch_end(app.mgm);
	app_tx_barrier();
	snprintf(app.cfg_path, sizeof(app.cfg_path), "%s", path);
	APP_LOG(INFO, "%s %s: %u interfaces, %u routes, %u mroutes\n", reload ? "reloaded" : "loaded",
		path, c->n_ifaces, c->n_routes, c->n_mroutes);
	return 0;
undo:
	config_rollback(c, false, igmp_saved, err, errlen);
fail:
	if (batched)
		mgm_batch_end(app.mgm);
	if (rollback_igmp_off)
		app_tx_barrier();
	rollback_igmp_off = false;
	pending_cfg = NULL;
	mcfwd_config_free(c);
	free(c);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Ports and pools                                                    */

/* PMD removal events arrive on the interrupt thread: only a flag there,
 * read by timer_link(); a port id set up anew clears its own (a flag left
 * by a detached port detached the next one given its id: found by review) */
static volatile uint32_t rmv_pending[MCFWD_MAX_PORTS];

/* The largest MTU the device takes, as rte_eth_dev_configure() checks it:
 * the frame (MTU + its L2 overhead) within max_rx_pktlen, and max_mtu.
 * Virtual devices (af_packet, tap, memif) leave max_mtu at 65535 and
 * state their limit in max_rx_pktlen alone (1518: configure refused
 * --max-mtu 9000 and start-up failed; found by review). 0: unknown. */
static uint16_t
dev_mtu_limit(const struct rte_eth_dev_info *di)
{
	uint32_t ovh = RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
	uint32_t lim = di->max_mtu;
	/* DPDK's own overhead rule (eth_dev_get_overhead_len()) */
	if (di->max_mtu != UINT16_MAX && di->max_rx_pktlen > di->max_mtu)
		ovh = di->max_rx_pktlen - di->max_mtu;
	if (di->max_rx_pktlen > ovh && di->max_rx_pktlen - ovh < lim)
		lim = di->max_rx_pktlen - ovh;
	return (uint16_t)lim;
}

static int
port_setup(uint16_t pid, unsigned int n_workers, char *err, size_t errlen)
{
	struct app_port *p = &app.port[pid];
	struct rte_eth_dev_info di;
	struct rte_eth_conf conf;
	int rc = rte_eth_dev_info_get(pid, &di);
	if (rc < 0) {
		snprintf(err, errlen, "port %u: dev_info: %s", pid, rte_strerror(-rc));
		return rc;
	}
	memset(&conf, 0, sizeof(conf));
	rte_eth_dev_get_name_by_port(pid, p->name);
	snprintf(p->driver, sizeof(p->driver), "%s", di.driver_name);
	uint64_t rss = di.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
	p->nb_rxq = 1;
	if (n_workers > 1 && rss && di.max_rx_queues > 1) {
		p->nb_rxq = (uint16_t)RTE_MIN(n_workers, di.max_rx_queues);
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = rss;
		p->rss = true;
	} else if (n_workers > 1) {
		APP_LOG(WARNING, "port %u (%s): no RSS; one RX queue, polled by one worker\n", pid,
			di.driver_name);
	}
	p->nb_txq = (uint16_t)RTE_MIN(n_workers, di.max_tx_queues);
	if (p->nb_txq < n_workers)
		APP_LOG(WARNING, "port %u (%s): %u TX queues for %u workers; the others hand "
			"packets over through a ring\n", pid, di.driver_name, p->nb_txq, n_workers);
	if (di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		p->multiseg = true;
	} else {
		APP_LOG(WARNING, "port %u (%s): no multi-segment TX; replicas are copies\n", pid,
			di.driver_name);
	}
	/* the NIC checks IPv4 header checksums when it can (software does
	 * otherwise, packet by packet: see mcfwd_rx_csum()) */
	if (di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	else
		APP_LOG(NOTICE, "port %u (%s): no RX IPv4 checksum offload; checked in software\n",
			pid, di.driver_name);
	/* removal events (hot-unplug: the port is detached as by 'port
	 * detach') come only from ports configured for them, and only those
	 * that can may be */
	p->rmv_intr = di.dev_flags != NULL && (*di.dev_flags & RTE_ETH_DEV_INTR_RMV);
	conf.intr_conf.rmv = p->rmv_intr;
	if (p->rmv_intr)
		APP_LOG(INFO, "port %u (%s): removal events on: a removed device is detached\n",
			pid, di.driver_name);
	/* a frame in one mbuf (no scatter RX: a frame in several would come
	 * as a chain, which the forwarding path does not take), VLAN tag
	 * included, and what the device takes */
	p->max_mtu = app_max_mtu();
	p->dev_max_mtu = dev_mtu_limit(&di);
	if (p->dev_max_mtu != 0 && p->dev_max_mtu < p->max_mtu)
		p->max_mtu = p->dev_max_mtu;
	/* jumbo frames: the device's MTU is set here, before it starts (many
	 * NICs refuse an MTU change while started, or one that would need
	 * scatter RX: found by review); interface MTUs then limit what is
	 * sent, and ports_mtu_sync() only ever raises it */
	if (app_jumbo() && p->max_mtu > RTE_ETHER_MTU) {
		conf.rxmode.mtu = p->max_mtu;
		p->mtu = p->max_mtu;
		p->mtu_at_start = true;
	}
	rc = rte_eth_dev_configure(pid, p->nb_rxq, p->nb_txq, &conf);
	if (rc < 0) {
		snprintf(err, errlen, "port %u: configure: %s", pid, rte_strerror(-rc));
		return rc;
	}
	if (p->mtu_at_start)
		APP_LOG(INFO, "port %u (%s): MTU %u (--max-mtu: set before start)\n", pid, p->name,
			p->mtu);
	p->rx_desc = app.o.rx_desc;
	p->tx_desc = app.o.tx_desc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &p->rx_desc, &p->tx_desc);
	if (rc < 0) {
		snprintf(err, errlen, "port %u: descriptors: %s", pid, rte_strerror(-rc));
		return rc;
	}
	p->used = true;
	__atomic_store_n(&rmv_pending[pid], 0, __ATOMIC_RELEASE);
	return 0;
}

static int
port_start(uint16_t pid, struct rte_mempool *pool, char *err, size_t errlen)
{
	struct app_port *p = &app.port[pid];
	int sock = rte_eth_dev_socket_id(pid);
	if (sock < 0)
		sock = (int)rte_socket_id();
	for (uint16_t q = 0; q < p->nb_rxq; q++) {
		int rc = rte_eth_rx_queue_setup(pid, q, p->rx_desc, (unsigned int)sock, NULL, pool);
		if (rc < 0) {
			snprintf(err, errlen, "port %u: rx queue %u: %s", pid, q, rte_strerror(-rc));
			return rc;
		}
	}
	for (uint16_t q = 0; q < p->nb_txq; q++) {
		int rc = rte_eth_tx_queue_setup(pid, q, p->tx_desc, (unsigned int)sock, NULL);
		if (rc < 0) {
			snprintf(err, errlen, "port %u: tx queue %u: %s", pid, q, rte_strerror(-rc));
			return rc;
		}
	}
	int rc = rte_eth_dev_start(pid);
	if (rc < 0) {
		snprintf(err, errlen, "port %u: start: %s", pid, rte_strerror(-rc));
		return rc;
	}
	app.port[pid].started = true;
	rc = rte_eth_allmulticast_enable(pid);
	p->allmulti = rc == 0 && rte_eth_allmulticast_get(pid) == 1;
	if (!p->allmulti) {
		/* af_packet and others: promiscuous also lets multicast in */
		rc = rte_eth_promiscuous_enable(pid);
		p->promisc = rc == 0;
		APP_LOG(WARNING, "port %u (%s): allmulticast not supported%s\n", pid, p->driver,
			p->promisc ? "; promiscuous instead" : "; relying on the device's default");
	}
	rte_eth_macaddr_get(pid, &p->mac);
	memcpy(app.dp.port_mac[pid], p->mac.addr_bytes, 6);
	struct rte_eth_link l;
	if (rte_eth_link_get_nowait(pid, &l) == 0)
		p->link_up = l.link_status == RTE_ETH_LINK_UP;
	return 0;
}

/* Without hugepages (--no-huge) EAL's memory is a memfd mapped at start
 * and faulted in a page at a time on first touch; hugepages are faulted
 * in by EAL as it maps them. A worker then takes page faults on its
 * packet path whenever it reaches a page of a pool or ring nobody touched
 * before: a mempool's ring, for one, as the pool's use goes deeper than it
 * ever did (the teardown benchmark: two faults in the mbuf pool's ring on
 * the worker right after a release, found with perf's page-faults event).
 * So every memzone (pools, their rings, the rings between lcores, what
 * queue setup reserved) is faulted in once the ports have started, before
 * the workers, and again after an attach (present pages cost a page-table
 * walk), as hugepages are; the rest of -m is left alone.
 * An atomic add of 0 where the kernel cannot populate: EAL's threads, and
 * after an attach the workers, run. */
static void
mz_populate(const struct rte_memzone *mz, void *arg)
{
	uint64_t *bytes = arg;
	uintptr_t lo = (uintptr_t)mz->addr & ~(uintptr_t)4095;
	uintptr_t hi = ((uintptr_t)mz->addr + mz->len + 4095) & ~(uintptr_t)4095;
	if (mz->addr == NULL || hi <= lo)
		return;
	if (madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) != 0)
		for (uintptr_t o = lo; o < hi; o += 4096)
			(void)__atomic_fetch_add((uint8_t *)o, 0, __ATOMIC_RELAXED);
	*bytes += hi - lo;
}

static void
dpdk_mem_populate(void)
{
	if (rte_eal_has_hugepages())
		return;
	uint64_t bytes = 0, t0 = app_now_ms();
	rte_memzone_walk(mz_populate, &bytes);
	APP_LOG(DEBUG, "no hugepages: %" PRIu64 " MiB of memzones faulted in (%" PRIu64 " ms)\n",
		bytes >> 20, app_now_ms() - t0);
}

/* A port's VLAN map (no interface yet) and TX hand-over ring; a port
 * attached on the id of one detached before reuses both (the ring is
 * empty: the detach drained it). */
static int
port_maps(uint16_t pid, char *err, size_t errlen)
{
	struct mcfwd_dp *dp = &app.dp;
	if (dp->rx_map[pid] == NULL)
		dp->rx_map[pid] = rte_malloc("mcfwd_rxmap", 4096 * sizeof(uint16_t), 64);
	if (dp->rx_map[pid] == NULL) {
		snprintf(err, errlen, "out of DPDK memory");
		return -ENOMEM;
	}
	memset(dp->rx_map[pid], 0xff, 4096 * sizeof(uint16_t));
	if (app.txr[pid] != NULL)
		return 0;
	char name[32];
	snprintf(name, sizeof(name), "mcfwd_tx%u", pid);
	app.txr[pid] = rte_ring_create(name, 2048, rte_eth_dev_socket_id(pid) < 0 ?
				       (int)rte_socket_id() : rte_eth_dev_socket_id(pid),
				       RING_F_SC_DEQ);
	if (app.txr[pid] == NULL) {
		snprintf(err, errlen, "ring %s: %s", name, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}


/* What one port holds at most: its RX and TX rings, the workers' TX
 * buffers for it and its TX hand-over ring. */
static uint64_t
port_mbufs(uint16_t p)
{
	return (uint64_t)app.port[p].nb_rxq * app.port[p].rx_desc +
	       (uint64_t)app.port[p].nb_txq * app.port[p].tx_desc +
	       (uint64_t)app.n_workers * MCFWD_TXBUF + 2048 /* tx ring */;
}

static int
pools_create(char *err, size_t errlen)
{
	uint64_t n = app.o.nb_mbufs;
	if (n == 0) {
		for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++)
			if (app.port[p].used)
				n += port_mbufs(p);
		n += (uint64_t)app.n_workers * (MCFWD_BURST_MAX * 4 + 1024 /* reinject */);
		n += 4096 /* punt ring */ + 8192 /* replication in flight */;
		/* mbuf caches keep up to 1.5 x cache size per lcore */
		n += (uint64_t)(app.n_workers + 1) * 512;
	}
	unsigned int sock = rte_socket_id();
	app.pool = rte_pktmbuf_pool_create("mcfwd_pool", (unsigned int)n, 256, 0, app_mbuf_size(),
					   (int)sock);
	if (app.pool == NULL) {
		snprintf(err, errlen, "cannot create a pool of %" PRIu64 " mbufs (%.0f MiB): %s; give "
			 "DPDK more memory (-m N with --no-huge, or more hugepages) or fewer "
			 "descriptors (--rxd/--txd)", n,
			 (double)n * (app_mbuf_size() + 192) / 1048576.0, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	app.clone_pool = rte_pktmbuf_pool_create("mcfwd_clones", (unsigned int)n, 256, 0, 0,
						 (int)sock);
	if (app.clone_pool == NULL) {
		snprintf(err, errlen, "cannot create a pool of %" PRIu64 " clone mbufs: %s; give DPDK "
			 "more memory (-m N / hugepages)", n, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	APP_LOG(INFO, "mbuf pool: %" PRIu64 " mbufs of %u bytes\n", n, app_mbuf_size());
	return 0;
}

/* Which worker polls which (port, queue), and which TX queue each uses. */
static int
map_queues(char *err, size_t errlen)
{
	unsigned int rr = 0;
	int pin[MCFWD_MAX_PORTS];
	for (int i = 0; i < MCFWD_MAX_PORTS; i++)
		pin[i] = -1;
	if (app.o.portmap) {
		const char *s = app.o.portmap;
		while (*s) {
			char *e;
			/* digits only: strtoul() takes a sign, and wraps */
			unsigned long p = isdigit((unsigned char)*s) ? strtoul(s, &e, 10) : ULONG_MAX;
			if (p == ULONG_MAX || *e != ':' || p >= MCFWD_MAX_PORTS || !app.port[p].used) {
				snprintf(err, errlen, "--portmap: bad port at '%s' (want PORT:LCORE,...)", s);
				return -EINVAL;
			}
			s = e + 1;
			unsigned long l = isdigit((unsigned char)*s) ? strtoul(s, &e, 10) : ULONG_MAX;
			if (l == ULONG_MAX || (*e != ',' && *e != 0) || (*e == ',' && e[1] == 0)) {
				/* a trailing comma too: a pair cut off */
				snprintf(err, errlen, "--portmap: bad lcore at '%s'", s);
				return -EINVAL;
			}
			int wi = -1;
			for (unsigned int i = 0; i < app.n_workers; i++)
				if (app.w[i]->lcore_id == l)
					wi = (int)i;
			if (wi < 0) {
				snprintf(err, errlen, "--portmap: lcore %lu is not a worker lcore", l);
				return -EINVAL;
			}
			/* a port pinned twice: the last one silently won */
			if (pin[p] >= 0) {
				snprintf(err, errlen, "--portmap: duplicate port %lu", p);
				return -EINVAL;
			}
			pin[p] = wi;
			s = *e ? e + 1 : e;
		}
	}
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++) {
		if (!app.port[p].used)
			continue;
		/* a port with RSS has a queue for every worker: a pin of it
		 * cannot hold (it was ignored without a word; found by review) */
		if (pin[p] >= 0 && app.port[p].nb_rxq > 1)
			APP_LOG(WARNING, "--portmap: port %u has RSS over %u RX queues, one per worker: "
				"every worker polls it, the pin to lcore %u is not used\n", p,
				app.port[p].nb_rxq, app.w[pin[p]]->lcore_id);
		for (uint16_t q = 0; q < app.port[p].nb_rxq; q++) {
			unsigned int wi = app.port[p].nb_rxq > 1 ? q % app.n_workers
				: pin[p] >= 0 ? (unsigned int)pin[p] : rr++ % app.n_workers;
			struct mcfwd_worker *w = app.w[wi];
			if (w->n_rxq == MCFWD_MAX_RXQ) {
				snprintf(err, errlen, "too many rx queues for worker %u", wi);
				return -ENOSPC;
			}
			w->rxq[w->n_rxq].port = p;
			w->rxq[w->n_rxq].queue = q;
			w->rxq[w->n_rxq].empty = 0;
			w->n_rxq++;
		}
		for (unsigned int i = 0; i < app.n_workers; i++) {
			app.w[i]->txq[p] = i < app.port[p].nb_txq ? (uint16_t)i : UINT16_MAX;
			if (i == 0)
				app.w[i]->txr_owned |= 1u << p; /* queue 0's worker drains the ring */
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Workers                                                            */

/* Worker w's raw (cumulative) counters, word by word: it writes them. */
static void
worker_raw(unsigned int w, struct mcfwd_wstats *s)
{
	const uint64_t *a = (const uint64_t *)&app.w[w]->st;
	uint64_t *d = (uint64_t *)s;
	for (size_t k = 0; k < sizeof(*s) / sizeof(uint64_t); k++)
		d[k] = __atomic_load_n(&a[k], __ATOMIC_RELAXED);
}

/* sum += one worker's counters */
static void
wstats_add(struct mcfwd_wstats *sum, const struct mcfwd_wstats *s)
{
	uint64_t *d = (uint64_t *)sum;
	const uint64_t *a = (const uint64_t *)s;
	for (size_t k = 0; k < sizeof(*s) / sizeof(uint64_t); k++)
		d[k] += a[k];
}

void
app_stats_sum(struct mcfwd_wstats *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i < app.n_workers; i++) {
		struct mcfwd_wstats w;
		worker_raw(i, &w);
		wstats_add(s, &w);
	}
}

/* d -= b, word by word; a count below its baseline (a worker's count a
 * failed TX took back, a protocol restarted since) is left as it is,
 * never a wrapped 1.8e19 */
static void
since_clear(uint64_t *d, const uint64_t *b, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (d[k] >= b[k])
			d[k] -= b[k];
}
#define SINCE_CLEAR(d, b) since_clear((uint64_t *)(d), (const uint64_t *)(b), sizeof(*(d)) / sizeof(uint64_t))

void
app_worker_stats(unsigned int w, struct mcfwd_wstats *s)
{
	worker_raw(w, s);
	SINCE_CLEAR(s, &app.wbase[w]);
}

static void
port_raw(uint16_t p, struct mcfwd_port_ctr *c)
{
	memset(c, 0, sizeof(*c));
	for (unsigned int i = 0; i < app.n_workers; i++) {
		c->rx_pkts += __atomic_load_n(&app.w[i]->port[p].rx_pkts, __ATOMIC_RELAXED);
		c->tx_pkts += __atomic_load_n(&app.w[i]->port[p].tx_pkts, __ATOMIC_RELAXED);
		c->tx_discards += __atomic_load_n(&app.w[i]->port[p].tx_discards, __ATOMIC_RELAXED);
	}
}

void
app_port_counters(uint16_t port, struct mcfwd_port_ctr *c)
{
	port_raw(port, c);
	SINCE_CLEAR(c, &app.pbase[port]);
}

static void
ctl_raw(struct app_ctl_ctr *c)
{
	/* the telemetry thread reads them too (tel_stats()) */
	for (size_t i = 0; i < RTE_DIM(c->rx); i++)
		c->rx[i] = __atomic_load_n(&app.ctl_rx[i], __ATOMIC_RELAXED);
	c->igmp = __atomic_load_n(&app.ctl_igmp, __ATOMIC_RELAXED);
	c->linklocal = __atomic_load_n(&app.ctl_linklocal, __ATOMIC_RELAXED);
	c->reinjected = __atomic_load_n(&app.ctl_reinjected, __ATOMIC_RELAXED);
	c->held_dropped = __atomic_load_n(&app.ctl_held_dropped, __ATOMIC_RELAXED);
	c->created = __atomic_load_n(&app.ctl_created, __ATOMIC_RELAXED);
	c->create_fail = __atomic_load_n(&app.ctl_create_fail, __ATOMIC_RELAXED);
	c->grace_periods = mfc_gp_count(app.cache);
	c->fragmented = c->fragments = 0;
	for (unsigned int i = 0; i < app.n_workers; i++) {
		c->fragmented += __atomic_load_n(&app.w[i]->fragmented, __ATOMIC_RELAXED);
		c->fragments += __atomic_load_n(&app.w[i]->fragments, __ATOMIC_RELAXED);
	}
}

void
app_ctl_counters(struct app_ctl_ctr *c)
{
	ctl_raw(c);
	SINCE_CLEAR(c, &app.ctl_base);
}

void
app_igmp_stats(struct igmp_stats *s)
{
	memset(s, 0, sizeof(*s));
	(void)igmp_stats_get(app.igmp, IGMP_ALL, s);
	SINCE_CLEAR(s, &app.igmp_base);
}

/* the counters of struct mcfwd_static_info: from rpf to the end */
#define STATIC_CTRS(si) ((uint64_t *)&(si)->rpf)
#define STATIC_N_CTRS ((sizeof(struct mcfwd_static_info) - offsetof(struct mcfwd_static_info, rpf)) \
		       / sizeof(uint64_t))

void
app_static_info(struct mcfwd_static_info *si)
{
	memset(si, 0, sizeof(*si));
	(void)mcfwd_static_info_get(app.st, si);
	since_clear(STATIC_CTRS(si), STATIC_CTRS(&app.static_base), STATIC_N_CTRS);
}

void
app_counters_clear(void)
{
	/* built aside, published whole: telemetry threads read them */
	struct mcfwd_wstats b;
	static struct mcfwd_wstats wb[MCFWD_MAX_WORKERS];
	struct mcfwd_port_ctr pb[MCFWD_MAX_PORTS];
	struct app_ctl_ctr cb;
	struct igmp_stats ib;
	struct mcfwd_static_info sb;
	/* the total's baseline is the workers' summed: one read of each, so
	 * show stats and the sum of show lcores agree after a clear */
	memset(&b, 0, sizeof(b));
	for (unsigned int i = 0; i < app.n_workers; i++) {
		worker_raw(i, &wb[i]);
		wstats_add(&b, &wb[i]);
	}
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++)
		port_raw(p, &pb[p]);
	ctl_raw(&cb);
	memset(&ib, 0, sizeof(ib));
	(void)igmp_stats_get(app.igmp, IGMP_ALL, &ib);
	memset(&sb, 0, sizeof(sb));
	(void)mcfwd_static_info_get(app.st, &sb);
	pthread_mutex_lock(&app.stats_lock);
	app.base = b;
	memcpy(app.wbase, wb, app.n_workers * sizeof(wb[0]));
	memcpy(app.pbase, pb, sizeof(pb));
	app.ctl_base = cb;
	app.igmp_base = ib;
	app.static_base = sb;
	pthread_mutex_unlock(&app.stats_lock);
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++)
		if (app.port[p].used)
			(void)rte_eth_stats_reset(p);
}

static int
workers_create(char *err, size_t errlen)
{
	unsigned int lc;
	app.n_workers = 0;
	RTE_LCORE_FOREACH_WORKER(lc) {
		if (app.n_workers == MCFWD_MAX_WORKERS) {
			snprintf(err, errlen, "at most %d worker lcores", MCFWD_MAX_WORKERS);
			return -E2BIG;
		}
		struct mcfwd_worker *w = rte_zmalloc_socket("mcfwd_worker", sizeof(*w), 64,
							    (int)rte_lcore_to_socket_id(lc));
		if (w == NULL) {
			snprintf(err, errlen, "out of memory for worker state");
			return -ENOMEM;
		}
		w->dp = &app.dp;
		w->lcore_id = lc;
		w->idx = app.n_workers;
		w->ctrs = mfc_lcore_ctrs(app.cache, app.n_workers);
		w->txr = app.txr;
		char name[32];
		snprintf(name, sizeof(name), "mcfwd_reinj%u", app.n_workers);
		w->reinject = rte_ring_create(name, 1024, (int)rte_lcore_to_socket_id(lc),
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->reinject == NULL) {
			snprintf(err, errlen, "cannot create ring %s: %s", name, rte_strerror(rte_errno));
			rte_free(w);
			return -ENOMEM;
		}
		app.w[app.n_workers++] = w;
	}
	if (app.n_workers == 0) {
		snprintf(err, errlen, "no worker lcore: give EAL at least two lcores (e.g. -l 0,1; "
			 "the first one runs the control thread)");
		return -EINVAL;
	}
	return 0;
}

int
app_forwarding(bool on)
{
	if (on == app.forwarding)
		return 0;
	app.dp.pause = on ? 0 : 1;
	if (!on) {
		/* wait until every worker has flushed and stepped out */
		for (unsigned int i = 0; i < app.n_workers; i++)
			while (app.w[i]->state != 3 && app.w[i]->state != 0)
				rte_delay_us_sleep(100);
		/* a worker that paused later may have handed packets to a ring
		 * whose owner had already paused: send them now, on the owner's
		 * behalf (it is parked and touches nothing), so that nothing
		 * left over goes out at `start`, after a release meanwhile */
		for (unsigned int i = 0; i < app.n_workers; i++)
			while (app.w[i]->state == 3 && mcfwd_worker_tx_pending(app.w[i]) &&
			       mcfwd_worker_flush(app.w[i]) > 0)
				; /* a call takes 512 at most; what a port refuses is freed */
	} else {
		/* every worker out of its pause before this returns: a pause
		 * right after would otherwise take a worker that is leaving
		 * (state 3 not yet rewritten) for parked, and flush its rings
		 * on its behalf while it flushes them itself (found by review) */
		for (unsigned int i = 0; i < app.n_workers; i++)
			while (__atomic_load_n(&app.w[i]->state, __ATOMIC_ACQUIRE) == 3 && !app.dp.stop)
				rte_delay_us_sleep(100);
	}
	app.forwarding = on;
	return 0;
}

/*
 * Take a port away under traffic (operator `port detach N`, or the PMD's
 * removal event): its interfaces are released through MGM by their owner
 * first (purge, IGMP bracketing), then hidden from the workers and purged
 * from the cache (one grace period: no worker uses them after it), then the
 * workers pause while their queue lists drop the port, and the port is
 * stopped, closed and its device removed. Forwarding elsewhere resumes.
 */
static void xpools_sweep_parked(void);
static unsigned int drain_punt(void);
#define PUNT_DRAIN 64 /* punted packets handled in one drain */

int
app_port_detach(uint16_t port, char *err, size_t errlen)
{
	if (port >= MCFWD_MAX_PORTS || !app.port[port].used) {
		snprintf(err, errlen, "no port %u", port);
		return -ENOENT;
	}
	unsigned int left = 0;
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++)
		left += app.port[p].used && p != port;
	if (left == 0) {
		snprintf(err, errlen, "port %u is the last port", port);
		return -EBUSY;
	}
	char e2[256];
	uint16_t gone_if[APP_MAX_IFACES] = { 0 };
	uint32_t n_gone = 0;
	/* the owners' releases and the purge below: one grace period for all
	 * (the workers pause after it, which drains every TX ring) */
	mfc_batch_begin(app.cache);
	detach_batch = true;
	for (uint32_t i = 0; i < app.n_ifs; i++) {
		struct app_iface *f = &app.ifs[i];
		uint32_t proto, comp;
		if (!f->used || f->port != port)
			continue;
		if (app.igmp && igmp_if_enabled(app.igmp, i))
			(void)app_igmp_disable(i, e2, sizeof(e2));
		if (mgm_interface_owner(app.mgm, i, 0, &proto, &comp) == 0)
			(void)app_interface_release(i, e2, sizeof(e2));
		/* whatever still lists it: workers skip it, then it is purged */
		__atomic_store_n(&app.dp.ifs[i].used, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&app.dp.rx_map[port][f->vlan], MFC_IFID_NONE, __ATOMIC_RELEASE);
		gone_if[n_gone++] = (uint16_t)i;
	}
	/* one grace period for all of them (a port may carry hundreds of
	 * VLAN interfaces) */
	(void)mfc_ifaces_purge(app.cache, gone_if, n_gone, NULL);
	mfc_batch_end(app.cache);
	detach_batch = false;
	bool gone_set[APP_MAX_IFACES] = { false };
	/* static drops its routes through them one by one, each republishing
	 * its MFEs: one grace period for all, at the batch's end (one per
	 * route before, found by review) */
	mfc_batch_begin(app.cache);
	for (uint32_t g = 0; g < n_gone; g++) {
		uint32_t i = gone_if[g];
		struct app_iface *f = &app.ifs[i];
		gone_set[i] = true;
		/* static forgets it: a port attached later may get its id */
		(void)mcfwd_static_iface_forget(app.st, i);
		if (f->addr) {
			/* (a route via another interface over its prefix stays) */
			(void)mgm_interface_address_delete(app.mgm, i, f->addr, f->plen);
			iface_addr_set(i, 0, 0);
		}
		f->used = false;
	}
	mfc_batch_end(app.cache);
	/* unicast routes via them (RPF towards a gone interface) go too, and
	 * a prefix one of them held over another interface's address is that
	 * address's connected route again (as a reload does); collected
	 * first: the walk's cursor does not survive a delete. One walk per 64
	 * routes for the whole port, not per interface (512 VLAN interfaces:
	 * 82 ms of a 104 ms detach were these walks) */
	for (;;) {
		struct mgm_route rt, gone[64];
		uint32_t cur = 0, n = 0, done = 0;
		while (n < RTE_DIM(gone) && mgm_route_next(app.mgm, &cur, &rt) == 0)
			if (rt.ifc.ifindex < APP_MAX_IFACES && gone_set[rt.ifc.ifindex])
				gone[n++] = rt;
		for (uint32_t k = 0; k < n; k++) {
			if (mgm_route_delete(app.mgm, gone[k].prefix, gone[k].len) < 0)
				continue;
			done++;
			/* a gone interface is no longer used: not found here */
			int id = connected_iface(gone[k].prefix, gone[k].len);
			if (id >= 0)
				(void)mgm_route_add(app.mgm, gone[k].prefix, gone[k].len,
						    (uint32_t)id, 0);
		}
		if (n < RTE_DIM(gone) || done == 0)
			break;
	}
	/* past the purge's grace period no worker punts for them; what they
	 * punted before is handled now (and dropped: handle_punt()), before a
	 * port attached later can take their ids, and after static and the
	 * routes let them go (the others' misses are made from what is left:
	 * drained before, a miss from another interface was made against a
	 * route via a gone one, negative; found by review). The ring is
	 * FIFO: a ring's worth of entries covers them. */
	for (unsigned int k = 0; k <= rte_ring_get_capacity(app.dp.punt) / PUNT_DRAIN && drain_punt() > 0; k++)
		;
	bool was = app.forwarding;
	app_forwarding(false);
	for (unsigned int k = 0; k < app.n_workers; k++) {
		struct mcfwd_worker *w = app.w[k];
		uint16_t j = 0;
		for (uint16_t q = 0; q < w->n_rxq; q++)
			if (w->rxq[q].port != port)
				w->rxq[j++] = w->rxq[q];
		w->n_rxq = j;
		w->txq[port] = UINT16_MAX;
		w->txr_owned &= ~(1u << port);
		w->tx[port].n = 0; /* flushed when the workers paused */
	}
	(void)rte_eth_dev_stop(port);
	struct rte_mbuf *m[64];
	unsigned int n;
	while ((n = rte_ring_dequeue_burst(app.txr[port], (void **)m, 64, NULL)) > 0)
		rte_pktmbuf_free_bulk(m, n);
	struct rte_eth_dev_info di;
	struct rte_device *dev = rte_eth_dev_info_get(port, &di) == 0 ? di.device : NULL;
	/* a device with other ports in use (representors, a multi-port
	 * vdev) stays for them: removed, it took them along while they were
	 * still in use (found by review); it goes with its last port */
	bool shared = false;
	uint16_t q;
	if (dev != NULL)
		RTE_ETH_FOREACH_DEV_OF(q, dev)
			shared |= q != port && q < MCFWD_MAX_PORTS && app.port[q].used;
	(void)rte_eth_dev_close(port);
	if (shared)
		APP_LOG(NOTICE, "port %u: its device stays for its other ports\n", port);
	else if (dev != NULL && rte_dev_remove(dev) != 0)
		APP_LOG(WARNING, "port %u: device not removed (closed only)\n", port);
	app.port[port].used = false;
	app.port[port].xpool = NULL;
	app.n_ports--;
	xpools_sweep_parked(); /* its pool, if it was attached and its mbufs are back */
	if (was)
		app_forwarding(true);
	APP_LOG(NOTICE, "port %u (%s) detached\n", port, app.port[port].name);
	return 0;
}

/* The probed device devargs names, or NULL. */
static struct rte_device *
dev_probed(const char *devargs)
{
	struct rte_devargs da;
	struct rte_device *dev, *found = NULL;
	struct rte_dev_iterator it;
	char filter[64];
	if (rte_devargs_parse(&da, devargs) != 0 || da.bus == NULL)
		return NULL;
	snprintf(filter, sizeof(filter), "bus=%s", rte_bus_name(da.bus));
	RTE_DEV_FOREACH(dev, filter, &it)
		if (found == NULL && strcmp(rte_dev_name(dev), da.name) == 0 && rte_dev_is_probed(dev))
			found = dev;
	rte_devargs_reset(&da);
	return found;
}

/* Free the attached ports' pools no port uses any more and whose mbufs
 * are all back (found by a black-box test: each attach/detach cycle kept a
 * pool, and the 17th attach found no memory). */
static bool
xpool_idle(const struct rte_mempool *mp)
{
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++)
		if (app.port[p].used && app.port[p].xpool == mp)
			return false;
	return rte_mempool_avail_count(mp) == mp->size;
}

/* Workers must be parked (a worker putting an mbuf back raises the
 * cache's count before it stores the pointer: a pool that looks full may
 * still be written to, found by review); xpools_sweep() parks them when
 * there is a pool to free. */
static void
xpools_sweep_parked(void)
{
	for (unsigned int i = 0; i < app.n_xpool;) {
		struct rte_mempool *mp = app.xpool[i];
		if (!xpool_idle(mp)) {
			i++;
			continue;
		}
		rte_mempool_free(mp);
		app.xpool[i] = app.xpool[--app.n_xpool];
	}
}

static void
xpools_sweep(void)
{
	bool any = false;
	for (unsigned int i = 0; i < app.n_xpool && !any; i++)
		any = xpool_idle(app.xpool[i]);
	if (!any)
		return;
	bool was = app.forwarding;
	app_forwarding(false);
	xpools_sweep_parked();
	if (was)
		app_forwarding(true);
}

/* Remove a device whose ports could not all be set up: every port of it
 * that mcfwd took is stopped and forgotten first. */
static void
attach_undo(struct rte_device *dev, const uint16_t *ports, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct app_port *p = &app.port[ports[i]];
		if (p->started)
			(void)rte_eth_dev_stop(ports[i]);
		(void)rte_eth_dev_close(ports[i]);
		memset(p, 0, sizeof(*p));
	}
	if (dev != NULL && rte_dev_remove(dev) != 0)
		APP_LOG(WARNING, "device not removed after a failed attach\n");
	xpools_sweep();
}

int
app_port_attach(const char *devargs, uint16_t *ports, unsigned int max, unsigned int *n_out,
		char *err, size_t errlen)
{
	struct rte_dev_iterator it;
	uint16_t pid, got[MCFWD_MAX_PORTS];
	unsigned int n = 0;
	struct rte_device *dev = NULL;
	int rc;

	*n_out = 0;
	/* DPDK's probe says 0 for a device probed already */
	if (dev_probed(devargs) != NULL) {
		snprintf(err, errlen, "cannot attach '%s': device already attached", devargs);
		return -EEXIST;
	}
	if (rte_eth_dev_count_total() >= RTE_MAX_ETHPORTS) {
		/* (the probe said "Cannot allocate memory": found by a black-box test) */
		snprintf(err, errlen, "cannot attach '%s': DPDK's port table is full (%u ports)",
			 devargs, RTE_MAX_ETHPORTS);
		return -ENOSPC;
	}
	rc = rte_dev_probe(devargs);
	if (rc < 0) {
		snprintf(err, errlen, "cannot attach '%s': no such device, or bad device arguments "
			 "(%s)", devargs, rte_strerror(-rc));
		return rc;
	}
	/* the ports the device brought (as testpmd finds them) */
	RTE_ETH_FOREACH_MATCHING_DEV(pid, devargs, &it) {
		if (pid < MCFWD_MAX_PORTS && app.port[pid].used)
			continue;
		struct rte_eth_dev_info di;
		if (dev == NULL && rte_eth_dev_info_get(pid, &di) == 0)
			dev = di.device;
		if (pid >= MCFWD_MAX_PORTS || n == max || n == RTE_DIM(got)) {
			snprintf(err, errlen, "cannot attach '%s': port id %u above mcfwd's %u ports "
				 "(or too many ports at once)", devargs, pid, MCFWD_MAX_PORTS);
			rte_eth_iterator_cleanup(&it);
			rc = -ENOSPC;
			goto undo;
		}
		got[n++] = pid;
	}
	if (n == 0) {
		/* probed here, and no network port (a crypto device...):
		 * removed again (found by review: it stayed until exit) */
		struct rte_device *d = dev_probed(devargs);
		if (d != NULL)
			(void)rte_dev_remove(d);
		snprintf(err, errlen, "cannot attach '%s': not a network device", devargs);
		return -ENODEV;
	}
	/* set up and started before any worker polls them */
	uint64_t need = 0;
	for (unsigned int i = 0; i < n; i++) {
		memset(&app.port[got[i]], 0, sizeof(app.port[got[i]]));
		rc = port_setup(got[i], app.n_workers, err, errlen);
		if (rc == 0)
			rc = port_maps(got[i], err, errlen);
		if (rc < 0)
			goto undo;
		need += port_mbufs(got[i]) + 512;
	}
	xpools_sweep();
	if (app.n_xpool == RTE_DIM(app.xpool)) {
		snprintf(err, errlen, "cannot attach '%s': too many attached pools", devargs);
		rc = -ENOSPC;
		goto undo;
	}
	char name[RTE_MEMPOOL_NAMESIZE];
	snprintf(name, sizeof(name), "mcfwd_pool_a%u", app.xpool_serial++);
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, (unsigned int)need, 256, 0,
							 app_mbuf_size(), (int)rte_socket_id());
	if (mp == NULL) {
		snprintf(err, errlen, "cannot attach '%s': a pool of %" PRIu64 " mbufs: %s",
			 devargs, need, rte_strerror(rte_errno));
		rc = -ENOMEM;
		goto undo;
	}
	app.xpool[app.n_xpool++] = mp;
	for (unsigned int i = 0; i < n; i++)
		app.port[got[i]].xpool = mp;
	for (unsigned int i = 0; i < n; i++) {
		rc = port_start(got[i], mp, err, errlen);
		if (rc < 0)
			goto undo;
	}
	dpdk_mem_populate(); /* the pool, and what queue setup reserved */
	/* the workers pause while their queue lists grow */
	bool was = app.forwarding;
	app_forwarding(false);
	for (unsigned int i = 0; i < n; i++) {
		uint16_t p = got[i];
		for (uint16_t q = 0; q < app.port[p].nb_rxq; q++) {
			/* RSS queues spread; a single queue goes to the
			 * worker with the fewest */
			unsigned int wi = 0;
			if (app.port[p].nb_rxq > 1)
				wi = q % app.n_workers;
			else
				for (unsigned int k = 1; k < app.n_workers; k++)
					if (app.w[k]->n_rxq < app.w[wi]->n_rxq)
						wi = k;
			struct mcfwd_worker *w = app.w[wi];
			if (w->n_rxq == MCFWD_MAX_RXQ) {
				APP_LOG(WARNING, "port %u: rx queue %u not polled: worker %u has %d "
					"queues\n", p, q, wi, MCFWD_MAX_RXQ);
				continue;
			}
			w->rxq[w->n_rxq].port = p;
			w->rxq[w->n_rxq].queue = q;
			w->rxq[w->n_rxq].empty = 0;
			w->n_rxq++;
		}
		for (unsigned int k = 0; k < app.n_workers; k++) {
			struct mcfwd_worker *w = app.w[k];
			w->txq[p] = k < app.port[p].nb_txq ? (uint16_t)k : UINT16_MAX;
			if (k == 0)
				w->txr_owned |= 1u << p;
			w->tx[p].n = 0;
			/* a port detached from this id before: its counts
			 * are not this one's (the worker is parked) */
			memset(&w->port[p], 0, sizeof(w->port[p]));
		}
		pthread_mutex_lock(&app.stats_lock);
		memset(&app.pbase[p], 0, sizeof(app.pbase[p]));
		pthread_mutex_unlock(&app.stats_lock);
		app.n_ports++;
		/* its untagged interface, named after the port, or "portN",
		 * "portN-2"... when interfaces have those names (it got none
		 * when two were taken: found by a black-box test) */
		char nm[APP_IFNAME];
		iface_default_name(nm, p, 0, NULL);
		int id = iface_add(nm, p, 0, 1500);
		if (id < 0)
			APP_LOG(WARNING, "port %u: no interface: %s\n", p, strerror(-id));
		ports[i] = p;
		APP_LOG(NOTICE, "port %u (%s) attached\n", p, app.port[p].name);
	}
	if (was)
		app_forwarding(true);
	*n_out = n;
	return 0;
undo:
	attach_undo(dev, got, n);
	return rc;
}

static void timer_link(void *arg);

int
app_set_punt_rate(uint64_t rate, char *err, size_t errlen)
{
	if (rate < 1 || rate > 100000000) {
		snprintf(err, errlen, "punt rate %" PRIu64 " out of range 1..100000000", rate);
		return -EINVAL;
	}
	app.o.punt_rate = rate;
	__atomic_store_n(&app.dp.punt_rate, rate, __ATOMIC_RELAXED);
	return 0;
}

int
app_set_link(uint16_t port, bool up, char *err, size_t errlen)
{
	if (port >= MCFWD_MAX_PORTS || !app.port[port].used) {
		snprintf(err, errlen, "no port %u", port);
		return -ENOENT;
	}
	int rc = up ? rte_eth_dev_set_link_up(port) : rte_eth_dev_set_link_down(port);
	if (rc < 0 && rc != -ENOTSUP) {
		snprintf(err, errlen, "port %u: set link %s: %s", port, up ? "up" : "down",
			 rte_strerror(-rc));
		return rc;
	}
	if (rc == -ENOTSUP)
		APP_LOG(NOTICE, "port %u (%s) has no link control: mcfwd %s it itself\n", port,
			app.port[port].driver, up ? "uses" : "stops using");
	/* the administrative state counts whatever the PMD did: the link timer
	 * hides the port's interfaces while it is down */
	app.port[port].admin_down = !up;
	timer_link(NULL);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Control thread                                                     */

int
app_ctl_send(uint32_t ifid, const void *ip, size_t len)
{
	if (ifid >= app.n_ifs || !app.ifs[ifid].used || len < 20 || len > 1500)
		return -EINVAL;
	const struct app_iface *f = &app.ifs[ifid];
	struct rte_mbuf *m = rte_pktmbuf_alloc(app.pool);
	if (m == NULL)
		return -ENOBUFS;
	uint16_t hl = f->vlan ? 18 : 14;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hl + len));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	const uint8_t *ipb = ip;
	uint32_t dst = mcfwd_rd32(ipb + 16);
	if ((dst >> 28) == 0xe) {
		mcfwd_mcast_mac(dst, p);
	} else {
		memset(p, 0xff, 6); /* control packets are multicast; anything else broadcast */
	}
	memcpy(p + 6, app.port[f->port].mac.addr_bytes, 6);
	if (f->vlan) {
		p[12] = 0x81;
		p[13] = 0x00;
		p[14] = (uint8_t)(f->vlan >> 8);
		p[15] = (uint8_t)f->vlan;
	}
	p[hl - 2] = 0x08;
	p[hl - 1] = 0x00;
	memcpy(p + hl, ip, len);
	mcfwd_meta(m)->ocidx = UINT32_MAX; /* not a replica: no OIF counter */
	/* the worker owning the port's TX queue 0 sends it */
	if (rte_ring_mp_enqueue(app.txr[f->port], m) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	CTL_ADD(app.ctl_sent, 1);
	return 0;
}

/* held packets to hand back to one worker */
struct reinj {
	unsigned int n;
	struct rte_mbuf *m[PUNT_DRAIN];
};

static void
handle_punt(struct rte_mbuf *m, struct reinj *back)
{
	struct mcfwd_meta *mt = mcfwd_meta(m);
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	struct mcfwd_pkt_info pi;
	memset(&pi, 0, sizeof(pi));
	enum mcfwd_class c = mcfwd_classify_csum(f, m->data_len, &pi, mcfwd_rx_csum(m));
	const void *hdr = f + pi.l3_off;
	size_t hlen = c == MCFWD_PKT_FWD || c == MCFWD_PKT_PUNT ? RTE_MIN(pi.ip_len, 64) : 0;

	if (mt->reason < RTE_DIM(app.ctl_rx))
		CTL_ADD(app.ctl_rx[mt->reason], 1);
	/* its interface went (a port detach) after the worker punted it:
	 * nothing to make from it, and its id may be another interface's
	 * once a port is attached (found by review) */
	if (mt->ifid >= APP_MAX_IFACES || !__atomic_load_n(&app.dp.ifs[mt->ifid].used, __ATOMIC_ACQUIRE)) {
		if (mt->reason == MCFWD_PUNT_MISS)
			CTL_ADD(app.ctl_held_dropped, 1);
		rte_pktmbuf_free(m);
		return;
	}
	switch (mt->reason) {
	case MCFWD_PUNT_MISS: {
		int rc = mgm_mfe_create(app.mgm, pi.src, pi.grp, mt->ifid, hdr, hlen);
		if (rc == 0)
			CTL_ADD(app.ctl_created, 1);
		else if (rc != -EEXIST)
			CTL_ADD(app.ctl_create_fail, 1);
		/* hand the packet back (with the drain's others, see
		 * drain_punt()): it now finds its entry (or a negative one) */
		if ((rc == 0 || rc == -EEXIST) && app.forwarding) {
			/* to the worker that received it: the flow's others
			 * go through it, and a flow's held packets leave in
			 * their order (spread round-robin over the workers,
			 * they could not: found by review) */
			struct reinj *r = &back[mt->worker < app.n_workers ? mt->worker : 0];
			r->m[r->n++] = m;
			return;
		}
		CTL_ADD(app.ctl_held_dropped, 1);
		break;
	}
	case MCFWD_PUNT_WRONG_IF:
		if (mgm_wrong_if(app.mgm, pi.src, pi.grp, mt->ifid, hdr, hlen) > 0)
			CTL_ADD(app.ctl_wrong_if_calls, 1);
		break;
	default:
		/* IGMP to the router; other link-local control traffic counted */
		if (c == MCFWD_PKT_PUNT && pi.proto == MCFWD_IPPROTO_IGMP) {
			CTL_ADD(app.ctl_igmp, 1);
			(void)igmp_input(app.igmp, mt->ifid, f + pi.l3_off, m->data_len - pi.l3_off,
					 NULL);
		} else {
			CTL_ADD(app.ctl_linklocal, 1);
		}
		break;
	}
	rte_pktmbuf_free(m);
}

/* The held packets a drain hands back go to each worker in one burst: one
 * enqueue at a time, a worker took each as a burst of its own, its mbuf
 * and data lines still in the control core's cache. After a release,
 * ~360 first packets handed back within a millisecond cost the worker a
 * fifth of that millisecond (the teardown benchmark's dip right after the
 * call returned; gone with no hand-back). */
static unsigned int
drain_punt(void)
{
	struct rte_mbuf *m[PUNT_DRAIN];
	struct reinj back[MCFWD_MAX_WORKERS];
	unsigned int n = rte_ring_sc_dequeue_burst(app.dp.punt, (void **)m, RTE_DIM(m), NULL);
	for (unsigned int i = 0; i < app.n_workers; i++)
		back[i].n = 0;
	for (unsigned int i = 0; i < n; i++)
		handle_punt(m[i], back);
	for (unsigned int i = 0; i < app.n_workers; i++) {
		struct reinj *r = &back[i];
		if (r->n == 0)
			continue;
		unsigned int k = rte_ring_sp_enqueue_burst(app.w[i]->reinject, (void **)r->m, r->n, NULL);
		CTL_ADD(app.ctl_reinjected, k);
		CTL_ADD(app.ctl_held_dropped, r->n - k);
		rte_pktmbuf_free_bulk(r->m + k, r->n - k);
	}
	return n;
}

/* Ageing in slices: 8192 MFEs every 100 ms (a full sweep of 1M MFEs every
 * ~13 s, at most a few ms of the control thread per slice), so that MFE
 * creation from misses is never starved by a sweep. */
static void
timer_age(void *arg)
{
	(void)arg;
	(void)mgm_age_some(app.mgm, 8192, NULL);
}

void
app_port_removed(uint16_t port)
{
	if (port < MCFWD_MAX_PORTS)
		__atomic_store_n(&rmv_pending[port], 1, __ATOMIC_RELEASE);
}

static int
on_rmv_event(uint16_t port, enum rte_eth_event_type ev, void *arg, void *ret)
{
	(void)ev;
	(void)arg;
	(void)ret;
	app_port_removed(port);
	return 0;
}

/* Link state: a port that went down hides its interfaces (generation),
 * up restores them. Polled: the LSC interrupt thread must not touch MGM. */

static void
timer_link(void *arg)
{
	(void)arg;
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++)
		if (__atomic_exchange_n(&rmv_pending[p], 0, __ATOMIC_ACQ_REL) && app.port[p].used) {
			char e[256];
			APP_LOG(WARNING, "port %u (%s) removed by its device: detaching it\n", p,
				app.port[p].name);
			if (app_port_detach(p, e, sizeof(e)) < 0)
				APP_LOG(ERR, "port %u: %s\n", p, e);
		}
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++) {
		if (!app.port[p].used)
			continue;
		struct rte_eth_link l;
		if (rte_eth_link_get_nowait(p, &l) != 0)
			continue;
		bool up = l.link_status == RTE_ETH_LINK_UP && !app.port[p].admin_down;
		if (up == app.port[p].link_up)
			continue;
		app.port[p].link_up = up;
		app.port[p].link_changes++;
		APP_LOG(NOTICE, "port %u (%s): link %s\n", p, app.port[p].name, up ? "up" : "down");
		for (uint32_t i = 0; i < app.n_ifs; i++)
			if (app.ifs[i].used && app.ifs[i].port == p)
				(void)mfc_iface_set_down(app.cache, (uint16_t)i, !up);
	}
}

/* RFC 2236 4 and RFC 3376 7.3.1: a router should warn, rate-limited,
 * when it hears a query of another IGMP version (a router configured for
 * another version on the link: hosts then answer the lowest one, and one
 * of the two routers misreads their reports). At most once a minute per
 * interface, with the count since the last warning. */
#define IGMP_VQ_WARN_MS 60000

static void
timer_igmp_versions(void *arg)
{
	(void)arg;
	uint64_t now = app_now_ms();
	struct igmp_if_info ii;
	for (uint32_t k = 0; igmp_if_at(app.igmp, k, &ii) == 0; k++) {
		struct igmp_stats s;
		uint32_t id = ii.ifindex;
		if (id >= APP_MAX_IFACES || igmp_stats_get(app.igmp, id, &s) < 0)
			continue;
		uint64_t seen = s.older_queries + s.newer_queries;
		if (ii.uptime_ms < app.igmp_vq_up_ms[id] || seen < app.igmp_vq_seen[id]) {
			/* IGMP restarted there (or on a reused id), its counters
			 * from 0: all it counted since is new (found by review) */
			app.igmp_vq_seen[id] = 0;
			app.igmp_vq_warn_ms[id] = 0;
		}
		app.igmp_vq_up_ms[id] = ii.uptime_ms;
		if (seen == app.igmp_vq_seen[id] ||
		    (app.igmp_vq_warn_ms[id] != 0 && now - app.igmp_vq_warn_ms[id] < IGMP_VQ_WARN_MS))
			continue;
		char q[INET_ADDRSTRLEN] = "none";
		if (ii.querier_addr != 0) {
			struct in_addr a = { .s_addr = htonl(ii.querier_addr) };
			inet_ntop(AF_INET, &a, q, sizeof(q));
		}
		APP_LOG(WARNING, "igmp: %s (version %u) heard %" PRIu64 " quer%s of another IGMP "
			"version (older %" PRIu64 ", newer %" PRIu64 " in all; querier now %s): every "
			"router on a link must run one version (RFC 3376 7.3.1): set 'version' to "
			"match\n", id < app.n_ifs ? app.ifs[id].name : "?", ii.cfg.version,
			seen - app.igmp_vq_seen[id], seen - app.igmp_vq_seen[id] == 1 ? "y" : "ies",
			s.older_queries, s.newer_queries, q);
		app.igmp_vq_seen[id] = seen;
		app.igmp_vq_warn_ms[id] = now;
	}
}

/* Stall detection: a worker whose loop counter has not moved for 1 s
 * while it is online (not paused, not idle-sleeping) holds grace periods. */
static void
timer_heartbeat(void *arg)
{
	(void)arg;
	uint64_t now = app_now_ms();
	for (unsigned int i = 0; i < app.n_workers; i++) {
		struct mcfwd_worker *w = app.w[i];
		uint64_t it = __atomic_load_n(&w->st.iterations, __ATOMIC_RELAXED);
		if (it != app.hb_last[i] || w->state != 1) {
			if (app.hb_reported[i])
				APP_LOG(WARNING, "worker %u (lcore %u) running again after %" PRIu64
					" ms\n", i, w->lcore_id, now - app.hb_since_ms[i]);
			app.hb_last[i] = it;
			app.hb_since_ms[i] = now;
			app.hb_reported[i] = false;
			continue;
		}
		if (!app.hb_reported[i] && now - app.hb_since_ms[i] >= 1000) {
			APP_LOG(ERR, "worker %u (lcore %u) stalled for %" PRIu64 " ms: no quiescent "
				"state; grace periods wait for it\n", i, w->lcore_id,
				now - app.hb_since_ms[i]);
			app.hb_reported[i] = true;
		}
	}
}

/* Runs while the control thread waits for a grace period (inside a cache
 * call): only the stall detector, every 100 ms; nothing that touches MGM. */
void
app_gp_hook(void *arg)
{
	static uint64_t last;
	uint64_t now = app_now_ms();
	if (now - last < 100)
		return;
	last = now;
	timer_heartbeat(arg);
}

static void
timer_snapshot(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&app.snap.lock);
	bool want = app.snap.want;
	pthread_mutex_unlock(&app.snap.lock);
	if (want)
		app_snapshot_refresh();
}

void
app_snapshot_refresh(void)
{
	/* built outside the lock, copied in under it */
	static struct mgm_mfe v[APP_SNAP_PAGE];
	static struct mgm_mfe_stats st[APP_SNAP_PAGE];
	static char oifs[APP_SNAP_PAGE][128], iif[APP_SNAP_PAGE][APP_IFNAME];
	struct mgm_mfe_oif o[16];
	uint32_t start, n = 0, k = 0;

	pthread_mutex_lock(&app.snap.lock);
	start = app.snap.req_start;
	uint32_t ig_start = app.snap.req_igmp_start;
	pthread_mutex_unlock(&app.snap.lock);

	/* the page, by rank in MGM's (group, source) order: a deep page was
	 * reached by walking from the first MFE, 48 at a time, on every
	 * refresh (found by review) */
	if (mgm_mfe_at(app.mgm, start, v, APP_SNAP_PAGE, &k) == 0)
		n = k;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t no = RTE_DIM(o);
		struct mgm_mfe f;
		if (mgm_mfe_stats_get(app.mgm, v[i].src, v[i].grp, &st[i], NULL, NULL) < 0)
			memset(&st[i], 0, sizeof(st[i]));
		st[i].mfe = v[i];
		cli_mfe_baseline_sub(&st[i], NULL, 0); /* counts since `clear counters`, as the CLI */
		size_t l = 0;
		oifs[i][0] = 0;
		int rc = mgm_mfe_get(app.mgm, v[i].src, v[i].grp, &f, o, &no);
		if (rc == 0 || rc == -ENOSPC) {
			uint32_t j = 0;
			for (; j < RTE_MIN(no, (uint32_t)RTE_DIM(o)) && l + 40 < 128 - 16; j++)
				l += (size_t)snprintf(oifs[i] + l, 128 - l, "%s%s(%u)", j ? " " : "",
						      o[j].ifc.ifindex < app.n_ifs ?
						      app.ifs[o[j].ifc.ifindex].name : "?", o[j].ttl);
			if (j < no) /* the column is cut: say so (no: how many there are) */
				snprintf(oifs[i] + l, 128 - l, " ... +%u more", no - j);
		}
		/* a negative entry's too when it has one, as show ip mroute */
		snprintf(iif[i], APP_IFNAME, "%s", v[i].iif.ifindex >= app.n_ifs ||
			 !app.ifs[v[i].iif.ifindex].used ? "" : app.ifs[v[i].iif.ifindex].name);
	}
	struct mcfwd_static_info si;
	memset(&si, 0, sizeof(si));
	(void)mcfwd_static_info_get(app.st, &si);
	static struct app_snap_igmp ig[APP_SNAP_IGMP];
	struct igmp_stats igst;
	uint32_t n_ig = 0, n_igif = 0;
	struct igmp_if_info ii;
	app_igmp_stats(&igst);
	uint32_t ig_skip = ig_start;
	for (uint32_t k = 0; igmp_if_at(app.igmp, k, &ii) == 0; k++) {
		n_igif++;
		struct igmp_group_info gi;
		struct igmp_source_info src[8];
		uint32_t ns = RTE_DIM(src);
		if (n_ig == APP_SNAP_IGMP)
			continue; /* the page is full: the interfaces are still counted */
		if (ig_skip >= ii.n_groups) { /* the page starts further on */
			ig_skip -= ii.n_groups;
			continue;
		}
		for (uint32_t j = ig_skip; n_ig < APP_SNAP_IGMP &&
		     igmp_group_at(app.igmp, ii.ifindex, j, &gi, src, &ns) == 0; j++, ns = RTE_DIM(src)) {
			struct app_snap_igmp *e = &ig[n_ig++];
			snprintf(e->ifname, APP_IFNAME, "%s", ii.ifindex < app.n_ifs ?
				 app.ifs[ii.ifindex].name : "?");
			e->grp = gi.grp;
			e->mode = (uint8_t)gi.mode;
			e->compat = gi.compat;
			e->timer_ms = gi.timer_ms;
			e->uptime_ms = gi.uptime_ms;
			e->n_sources = gi.n_sources;
			e->last_reporter = gi.last_reporter;
			size_t l = 0;
			e->sources[0] = 0;
			for (uint32_t q = 0; q < ns && l + 32 < sizeof(e->sources); q++) {
				uint32_t a = src[q].addr;
				l += (size_t)snprintf(e->sources + l, sizeof(e->sources) - l,
						      "%s%u.%u.%u.%u%s", q ? " " : "", a >> 24, (a >> 16) & 255,
						      (a >> 8) & 255, a & 255, src[q].forwarding ? "" : "!");
			}
		}
		ig_skip = 0;
	}

	pthread_mutex_lock(&app.snap.lock);
	memcpy(app.snap.igmp, ig, n_ig * sizeof(ig[0]));
	app.snap.n_igmp = n_ig;
	app.snap.igmp_start = ig_start;
	app.snap.total_igmp = igmp_group_count(app.igmp);
	app.snap.igmp_ifs = n_igif;
	app.snap.igmp_stats = igst;
	memcpy(app.snap.mfes, st, n * sizeof(st[0]));
	memcpy(app.snap.mfe_oifs, oifs, n * sizeof(oifs[0]));
	memcpy(app.snap.mfe_iif, iif, n * sizeof(iif[0]));
	app.snap.n_mfes = n;
	app.snap.page_start = start;
	app.snap.total_mfes = mgm_mfe_count(app.mgm);
	memcpy(app.snap.ifs, app.ifs, app.n_ifs * sizeof(app.ifs[0]));
	app.snap.n_ifs = app.n_ifs;
	for (uint32_t i = 0; i < app.n_ifs; i++) {
		uint32_t proto, comp;
		const char *ow = "";
		if (app.ifs[i].used && mgm_interface_owner(app.mgm, i, 0, &proto, &comp) == 0)
			ow = proto == MCFWD_STATIC_PROTO_ID ? "static" : proto == MGM_PROTO_IGMP ? "igmp"
										     : "other";
		snprintf(app.snap.owner[i], sizeof(app.snap.owner[i]), "%s", ow);
	}
	app.snap.static_running = si.running;
	app.snap.static_routes = si.n_mroutes;
	app.snap.static_ifaces = si.n_ifaces;
	app.snap.memberships = mgm_membership_count(app.mgm);
	app.snap.seq++;
	app.snap.taken_ms = app_now_ms();
	app.snap.want = false;
	pthread_cond_broadcast(&app.snap.cond);
	pthread_mutex_unlock(&app.snap.lock);
}

void
app_poll_once(int timeout_ms)
{
	unsigned int n = 0, k;
	while ((k = drain_punt()) > 0 && n < 4096)
		n += k;
	(void)mgm_poll(app.mgm, n ? 0 : timeout_ms);
}

/* The workers' clock for IP Timestamp options: UT milliseconds = TSC /
 * tsc_per_ms + ts_off_ms, anchored again every second (the TSC and the
 * system clock drift apart, and NTP may step the latter). */
static void
ts_clock_sync(void)
{
	struct timespec ts;
	if (app.dp.tsc_per_ms == 0 || clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return;
	int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	__atomic_store_n(&app.dp.ts_off_ms, ms - (int64_t)(rte_rdtsc() / app.dp.tsc_per_ms),
			 __ATOMIC_RELAXED);
}

static void
timer_clock(void *arg)
{
	(void)arg;
	ts_clock_sync();
}

int
app_start_timers(void)
{
	uint64_t id;
	int rc = mgm_timer_start(app.mgm, 100, 100, timer_age, NULL, &id);
	if (rc == 0)
		rc = mgm_timer_start(app.mgm, 200, 200, timer_link, NULL, &id);
	if (rc == 0)
		rc = mgm_timer_start(app.mgm, 100, 100, timer_heartbeat, NULL, &id);
	if (rc == 0)
		rc = mgm_timer_start(app.mgm, 20, 20, timer_snapshot, NULL, &id);
	if (rc == 0)
		rc = mgm_timer_start(app.mgm, 1000, 1000, timer_igmp_versions, NULL, &id);
	if (rc == 0)
		rc = mgm_timer_start(app.mgm, 1000, 1000, timer_clock, NULL, &id);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Start and stop                                                     */

int
app_init(char *err, size_t errlen)
{
	int rc;
	app.start_s = app_now_ms() / 1000;
	pthread_mutex_init(&app.snap.lock, NULL);
	pthread_mutex_init(&app.stats_lock, NULL);
	/* telemetry's 500 ms deadline on the monotonic clock: a step of the
	 * wall clock (NTP) would stretch it (found by review) */
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&app.snap.cond, &ca);
	pthread_condattr_destroy(&ca);
	if (hmap_init(&app.mfe_base, 64) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = mcfwd_worker_init();
	if (rc < 0) {
		snprintf(err, errlen, "mbuf dynamic field: %s", rte_strerror(-rc));
		return rc;
	}
	unsigned int n_lc = 0, lc;
	RTE_LCORE_FOREACH_WORKER(lc)
		n_lc++;
	struct mfc_params cp = { .max_entries = app.o.max_mfes, .max_ifaces = APP_MAX_IFACES,
				 .n_lcores = n_lc ? n_lc : 1 };
	app.cache = mfc_create(&cp);
	if (app.cache == NULL) {
		snprintf(err, errlen, "forwarding cache of %u entries: %s", app.o.max_mfes,
			 strerror(errno));
		return -errno;
	}
	/* a release returns once forwarding has stopped; the slots of a large
	 * purge go back in slices from the control loop (mgm_poll) */
	mfc_set_reclaim_defer(app.cache, 4096);
	/* --mfe-timeout 0: never age (MGM's 0 is its default) */
	struct mgm_params mp = { .cache = app.cache,
				 .mfe_timeout_s = app.o.mfe_timeout_s ? app.o.mfe_timeout_s
								      : MGM_TIMEOUT_NEVER,
				 .negative_timeout_s = app.o.mfe_timeout_s && app.o.mfe_timeout_s < 10 ?
						       app.o.mfe_timeout_s : 10,
				 .name = "mcfwd_mgm", .flags = MGM_F_RPF_RX_FALLBACK };
	app.mgm = mgm_create(&mp);
	if (app.mgm == NULL) {
		snprintf(err, errlen, "MGM: %s", strerror(errno));
		return -errno;
	}
	/* grace periods are waited by a helper thread while the stall
	 * detector keeps running here (a stalled worker holds them) */
	if (mfc_set_gp_hook(app.cache, app_gp_hook, NULL) < 0)
		APP_LOG(WARNING, "no grace-period helper thread: stalls are reported after them\n");
	app.st = mcfwd_static_create(app.mgm, app_iface_resolve, NULL);
	mcfwd_static_set_ifname(app.st, app_iface_name);
	if (app.st == NULL) {
		snprintf(err, errlen, "static protocol: %s", strerror(errno));
		return -errno;
	}
	struct igmp_params ip = { .mgm = app.mgm, .send = igmp_send, .now_ms = igmp_now };
	app.igmp = igmp_create(&ip);
	if (app.igmp == NULL) {
		snprintf(err, errlen, "IGMP router: %s", strerror(errno));
		return -errno;
	}

	struct mcfwd_dp *dp = &app.dp;
	dp->t = mfc_table(app.cache);
	dp->cache = app.cache;
	dp->max_ifaces = APP_MAX_IFACES;
	dp->ifs = rte_zmalloc("mcfwd_ifs", sizeof(*dp->ifs) * APP_MAX_IFACES, 64);
	dp->if_addr = rte_zmalloc("mcfwd_if_addr", sizeof(*dp->if_addr) * APP_MAX_IFACES, 64);
	dp->punt = rte_ring_create("mcfwd_punt", 4096, (int)rte_socket_id(), RING_F_SC_DEQ);
	if (dp->ifs == NULL || dp->if_addr == NULL || dp->punt == NULL) {
		snprintf(err, errlen, "out of DPDK memory for the punt ring / interface table");
		return -ENOMEM;
	}
	dp->burst = app.o.burst;
	dp->rx_cold_every = app.o.rx_cold_every;
	dp->punt_per_flow = app.o.punt_per_flow;
	dp->tsc_hz = rte_get_tsc_hz();
	dp->tsc_per_ms = dp->tsc_hz / 1000;
	ts_clock_sync();
	dp->punt_window_tsc = dp->tsc_hz / 10;
	dp->punt_rate = app.o.punt_rate;
	dp->idle_tsc = app.o.idle_us ? dp->tsc_hz / 1000000 * app.o.idle_us : 0;
	dp->idle_sleep_us = app.o.sleep_us;
	dp->clone_min = (uint16_t)app.o.clone_min;
	dp->pause = 1; /* workers wait until `start` */

	rc = workers_create(err, errlen);
	if (rc < 0)
		return rc;
	uint16_t pid;
	RTE_ETH_FOREACH_DEV(pid) {
		if (pid >= MCFWD_MAX_PORTS)
			break;
		rc = port_setup(pid, app.n_workers, err, errlen);
		if (rc < 0)
			return rc;
		app.n_ports++;
		rc = port_maps(pid, err, errlen);
		if (rc < 0)
			return rc;
	}
	if (app.n_ports == 0) {
		snprintf(err, errlen, "no ports: give EAL a device (-a PCI or --vdev net_pcap0,...)");
		return -ENODEV;
	}
	rc = pools_create(err, errlen);
	if (rc < 0)
		return rc;
	dp->pool = app.pool;
	dp->clone_pool = app.clone_pool;
	rc = map_queues(err, errlen);
	if (rc < 0)
		return rc;
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++) {
		if (!app.port[p].used)
			continue;
		rc = port_start(p, app.pool, err, errlen);
		if (rc < 0)
			return rc;
		rc = iface_add(app.port[p].name, p, 0, 1500);
		if (rc < 0) {
			snprintf(err, errlen, "port %u: interface: %s", p, strerror(-rc));
			return rc;
		}
	}
	dpdk_mem_populate(); /* the pools, the rings, what queue setup reserved */
	for (unsigned int i = 0; i < app.n_workers; i++)
		rte_eal_remote_launch(mcfwd_worker_loop, app.w[i], app.w[i]->lcore_id);
	(void)rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_RMV, on_rmv_event, NULL);
	rc = app_start_timers();
	if (rc < 0) {
		snprintf(err, errlen, "timers: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

/* Return everything an mbuf may sit in to its pool. */
static void
drain_rings(void)
{
	struct rte_mbuf *m[64];
	unsigned int n;
	/* any of them may be missing: app_init() can fail before it made them */
	while (app.dp.punt && (n = rte_ring_dequeue_burst(app.dp.punt, (void **)m, 64, NULL)) > 0)
		rte_pktmbuf_free_bulk(m, n);
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++)
		while (app.txr[p] && (n = rte_ring_dequeue_burst(app.txr[p], (void **)m, 64, NULL)) > 0)
			rte_pktmbuf_free_bulk(m, n);
	for (unsigned int i = 0; i < app.n_workers; i++)
		while (app.w[i] && app.w[i]->reinject &&
		       (n = rte_ring_dequeue_burst(app.w[i]->reinject, (void **)m, 64, NULL)) > 0)
			rte_pktmbuf_free_bulk(m, n);
}

/* Stop and free everything. report: a run that got going, whose exit
 * prints the counters (unless --no-stats), the accounting line and the
 * pools' tally; false (a start-up that failed): its error is to be the
 * last line with no counters above it (README), so only a problem (an
 * accounting gap, an mbuf leak) is printed. @return 1 on such a problem. */
int
app_fini(bool report)
{
	int leaked = 0;
	/* the seed's sequence for every protocol still running */
	if (app.st && mcfwd_static_running(app.st))
		(void)mcfwd_static_shutdown(app.st);
	/* IGMP last: it co-owns interfaces static released */
	igmp_destroy(app.igmp);
	app.igmp = NULL;
	app.dp.stop = 1;
	rte_eal_mp_wait_lcore();
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++) {
		if (!app.port[p].used || !app.port[p].started)
			continue; /* a start-up that failed before: no "already stopped" noise */
		(void)rte_eth_dev_stop(p);
	}
	drain_rings();
	if (report && app.o.stats_on_exit && app.n_workers)
		cli_show_stats(stdout, false);
	if (app.n_workers) {
		/* workers are stopped: the raw totals are exact */
		struct mcfwd_wstats t;
		app_stats_sum(&t);
		int64_t gap = mcfwd_worker_stats_check(&t);
		if (report || gap != 0)
			printf("accounting: %" PRIu64 " received + %" PRIu64 " handed back = %" PRIu64
			       " fates (gap %" PRId64 ")\n", t.rx_pkts, t.reinjected,
			       (uint64_t)((int64_t)(t.rx_pkts + t.reinjected) + gap), gap);
		if (gap != 0)
			leaked = 1;
	}
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++) {
		if (!app.port[p].used)
			continue;
		(void)rte_eth_dev_close(p);
	}
	if (app.pool && app.clone_pool) {
		unsigned int av = rte_mempool_avail_count(app.pool), sz = app.pool->size;
		for (unsigned int i = 0; i < app.n_xpool; i++) { /* attached ports' */
			av += rte_mempool_avail_count(app.xpool[i]);
			sz += app.xpool[i]->size;
		}
		unsigned int cav = rte_mempool_avail_count(app.clone_pool), csz = app.clone_pool->size;
		if (report)
			APP_LOG(INFO, "mbufs back in their pools: %u/%u, clones %u/%u\n", av, sz, cav, csz);
		if (av != sz || cav != csz) {
			APP_LOG(ERR, "mbuf leak: %u mbufs, %u clones not returned\n", sz - av, csz - cav);
			leaked = 1;
		}
	}
	/* telemetry threads outlive this: they see `closing`, not freed
	 * workers, nor a freed cache (/mcfwd/stats reads its grace period
	 * count: set after mfc_destroy(), a request in between read freed
	 * memory, found by review) */
	pthread_mutex_lock(&app.stats_lock);
	app.closing = true;
	pthread_mutex_unlock(&app.stats_lock);
	if (app.st)
		mcfwd_static_destroy(app.st);
	if (app.cfg) {
		mcfwd_config_free(app.cfg);
		free(app.cfg);
	}
	if (app.mgm)
		mgm_destroy(app.mgm);
	if (app.cache)
		mfc_destroy(app.cache);
	for (unsigned int i = 0; i < app.n_workers; i++) {
		rte_ring_free(app.w[i]->reinject);
		rte_free(app.w[i]);
	}
	for (uint16_t p = 0; p < MCFWD_MAX_PORTS; p++) {
		rte_ring_free(app.txr[p]);
		rte_free(app.dp.rx_map[p]);
	}
	rte_ring_free(app.dp.punt);
	rte_free(app.dp.ifs);
	rte_free(app.dp.if_addr);
	rte_mempool_free(app.pool);
	rte_mempool_free(app.clone_pool);
	for (unsigned int i = 0; i < app.n_xpool; i++)
		rte_mempool_free(app.xpool[i]);
	cli_mfe_base_free(&app.mfe_base);
	return leaked;
}
