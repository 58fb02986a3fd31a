/* SPDX-License-Identifier: BSD-3-Clause */
/* The mcfwd application's control-side state (private to control/). All
 * of it is owned by the control thread (the EAL main lcore) unless a field
 * says otherwise. */
#ifndef MCFWD_APP_H
#define MCFWD_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_log.h>

#include "mfc.h"
#include "mgm.h"
#include "mcfwd_worker.h"
#include "mcfwd_igmp.h"
#include "hmap.h"
#include "mcfwd_static.h"

extern int mcfwd_logtype_app;
#define APP_LOG(lvl, ...) rte_log(RTE_LOG_##lvl, mcfwd_logtype_app, "mcfwd: " __VA_ARGS__)

#define APP_IFNAME 32
#define APP_MAX_IFACES 1024
/* The default largest interface MTU: an IPv4 packet with a VLAN-tagged
 * Ethernet header in one mbuf of the default data room. --max-mtu raises
 * it up to the config's limit with bigger mbufs (never scatter RX: the
 * forwarding path takes a frame in one segment). */
#define APP_DEFAULT_MAX_MTU (RTE_MBUF_DEFAULT_DATAROOM - 18)
/* --clone-min's default, in IP bytes: replicas by copy below, by clone from
 * it on. bench_worker (bench/results/worker.md) finds copies faster up to
 * 2048-byte frames and clones faster from 3072 on; the two cross at about
 * 2050 B at fan-out 2 and 2840 B at fan-out 4 (frame bytes). bench/
 * report_worker.py reads this line. */
#define APP_CLONE_MIN_DEFAULT 2800
_Static_assert(RTE_PKTMBUF_HEADROOM + MCFWD_CFG_MTU_MAX + 18 <= UINT16_MAX,
	       "an mbuf's data room is 16 bits");
#define APP_SNAP_PAGE 48
#define APP_SNAP_IGMP 48 /* IGMP groups in the telemetry snapshot: a page (< 16 KiB of JSON) */

struct mcfwd_static;
struct mcfwd_config;

/* The control thread's counters of punted packets. */
struct app_ctl_ctr {
	uint64_t rx[4];       /* punted packets by reason */
	uint64_t igmp, linklocal; /* MCFWD_PUNT_CTRL: IGMP, other 224.0.0.0/24 */
	uint64_t reinjected, held_dropped, created, create_fail;
	uint64_t grace_periods; /* the cache's RCU grace periods waited for */
	uint64_t fragmented, fragments; /* the workers' (struct mcfwd_worker) */
};

struct app_iface {
	char name[APP_IFNAME];
	uint16_t port, vlan;
	uint32_t addr;        /* primary address (0: none) */
	uint8_t plen;
	uint16_t mtu;
	bool used;
};

struct app_port {
	bool used;
	bool rmv_intr;        /* configured for removal events (RTE_ETH_DEV_INTR_RMV) */
	char name[RTE_ETH_NAME_MAX_LEN];
	char driver[32];
	uint16_t nb_rxq, nb_txq;
	uint16_t rx_desc, tx_desc;
	bool rss, allmulti, multiseg, promisc;
	bool started;         /* rte_eth_dev_start() succeeded: stop it at exit */
	bool link_up;         /* last seen by control */
	bool admin_down;      /* `set link-down port N` */
	struct rte_ether_addr mac;
	uint64_t link_changes;
	uint16_t max_mtu;     /* the largest interface MTU it can carry */
	uint16_t dev_max_mtu; /* the device's own limit (0: none said) */
	struct rte_mempool *xpool; /* its RX queues' pool when attached at run time */
	uint16_t mtu;         /* set on the device (0: its default, not set by mcfwd) */
	bool mtu_at_start;    /* set at configure time (--max-mtu): never lowered */
};

struct app_opts {
	const char *config;
	const char *cmdline_file;
	bool interactive;
	bool no_cli;
	uint16_t burst;
	uint16_t rx_cold_every; /* a cold RX queue is polled one loop turn in N while busy */
	uint32_t mfe_timeout_s;
	uint32_t max_mfes;
	uint32_t idle_us;      /* idle time before a worker sleeps (0: never) */
	uint32_t sleep_us;
	uint32_t clone_min;
	uint32_t punt_rate;
	uint32_t punt_per_flow;
	uint32_t nb_mbufs;     /* 0: computed */
	uint32_t max_mtu;      /* the largest interface MTU: sizes the mbufs */
	uint16_t rx_desc, tx_desc;
	const char *portmap;   /* "PORT:LCORE,..." for ports without RSS */
	bool stats_on_exit;
};

/* A snapshot for telemetry threads (which must not touch MGM). */
struct app_snap {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool want;             /* a telemetry thread asks for a refresh */
	uint64_t seq;          /* bumped by each refresh */
	uint64_t taken_ms;
	uint32_t req_start;    /* page of MFEs asked for (telemetry) */
	uint32_t req_igmp_start; /* page of IGMP groups asked for */
	struct mgm_mfe_stats mfes[APP_SNAP_PAGE];
	char mfe_oifs[APP_SNAP_PAGE][128]; /* per MFE: "name(ttl) ..." */
	char mfe_iif[APP_SNAP_PAGE][APP_IFNAME];
	uint32_t n_mfes;       /* in this page */
	uint32_t page_start, total_mfes;
	struct app_iface ifs[APP_MAX_IFACES];
	char owner[APP_MAX_IFACES][8];
	uint32_t n_ifs;
	uint64_t static_routes, static_ifaces, static_running;
	uint32_t memberships;
	/* IGMP (APP_SNAP_IGMP groups from igmp_start, by interface then group) */
	struct app_snap_igmp {
		char ifname[APP_IFNAME];
		uint32_t grp, n_sources, last_reporter;
		uint8_t mode, compat;
		uint64_t timer_ms, uptime_ms;
		char sources[128];   /* "S(timer_s) S!(excluded) ..." */
	} igmp[APP_SNAP_IGMP];
	uint32_t n_igmp, total_igmp, igmp_ifs, igmp_start;
	struct igmp_stats igmp_stats;
};

/* One writer (the control thread): a plain read, an atomic store, so
 * that the telemetry thread's atomic loads race with nothing. */
#define CTL_ADD(x, n) __atomic_store_n(&(x), (x) + (n), __ATOMIC_RELEASE)

struct app {
	struct app_opts o;
	struct mfc *cache;
	struct mgm *mgm;
	struct mcfwd_dp dp;
	struct mcfwd_worker *w[MCFWD_MAX_WORKERS];
	unsigned int n_workers;
	struct rte_ring *txr[MCFWD_MAX_PORTS];
	struct app_port port[MCFWD_MAX_PORTS];
	uint16_t n_ports;
	struct app_iface ifs[APP_MAX_IFACES];
	uint32_t n_ifs;             /* highest used ifid + 1 */
	struct rte_mempool *pool, *clone_pool;
	/* pools of ports attached at run time (`port attach`): the start-up
	 * pool has no share set aside for them. One whose ports are gone is
	 * freed once all its mbufs are back (they may sit in other ports'
	 * TX queues for a while): at the next attach or detach, or at exit */
	struct rte_mempool *xpool[MCFWD_MAX_PORTS * 2];
	unsigned int n_xpool, xpool_serial;
	struct mcfwd_static *st;
	struct igmp *igmp;
	/* queries of another IGMP version heard per interface, as last
	 * warned of, and when (rate-limited warnings) */
	uint64_t igmp_vq_seen[APP_MAX_IFACES];
	uint64_t igmp_vq_warn_ms[APP_MAX_IFACES];
	uint64_t igmp_vq_up_ms[APP_MAX_IFACES]; /* IGMP's uptime there when last seen */
	bool igmp_by_cfg[APP_MAX_IFACES]; /* IGMP enabled by `phyint IF enable igmp` */
	struct mcfwd_config *cfg;   /* the applied configuration (for reload) */
	char cfg_path[4096];
	bool forwarding;            /* `start` / `stop` */
	volatile int quit;          /* written by signal handlers and `quit` */
	uint64_t start_s;
	/* control counters: written by the control thread alone, with
	 * CTL_ADD() (release: tel_stats() reads two of them with acquire to
	 * keep held_now from going negative), read by telemetry too */
	uint64_t ctl_rx[4];         /* punted packets by reason */
	uint64_t ctl_sent;          /* control packets handed to workers */
	uint64_t ctl_igmp, ctl_linklocal; /* MCFWD_PUNT_CTRL: IGMP, other 224.0.0.0/24 */
	uint64_t ctl_reinjected, ctl_held_dropped, ctl_created, ctl_create_fail, ctl_wrong_if_calls;
	uint64_t hb_last[MCFWD_MAX_WORKERS];   /* iterations last seen */
	uint64_t hb_since_ms[MCFWD_MAX_WORKERS]; /* when they last changed */
	bool hb_reported[MCFWD_MAX_WORKERS];
	struct mcfwd_wstats base;   /* `clear counters` baseline (written under stats_lock) */
	/* the rest of what `clear counters` kept (written under stats_lock):
	 * the CLI and telemetry show counts since then; the raw counters stay
	 * cumulative (the exit's accounting line, held_now) */
	struct mcfwd_wstats wbase[MCFWD_MAX_WORKERS];
	struct mcfwd_port_ctr pbase[MCFWD_MAX_PORTS]; /* the workers' per-port sums */
	struct app_ctl_ctr ctl_base;
	struct igmp_stats igmp_base;
	struct mcfwd_static_info static_base;
	/* Telemetry threads read the workers' counters and `base`: control
	 * writes `base` and frees the workers (app_fini(), `closing` set
	 * first) under this lock. */
	pthread_mutex_t stats_lock;
	bool closing;
	struct hmap mfe_base;       /* (S,G) -> struct mgm_mfe_stats baseline */
	struct app_snap snap;
	struct cmdline *cl;
	FILE *out;                  /* where command output goes */
};

extern struct app app;

/* app.c */
/** The options' defaults (what `mcfwd --help` states). */
void app_opts_defaults(struct app_opts *o);
uint64_t app_now_ms(void);
int app_iface_by_name(const char *name, uint32_t *ifid);
int app_iface_resolve(void *arg, const char *name, uint32_t *ifid);
/* An interface's name (static's messages); NULL when there is none. */
const char *app_iface_name(void *arg, uint32_t ifid);
int app_config_load(const char *path, bool reload, char *err, size_t errlen);
int app_interface_release(uint32_t ifid, char *err, size_t errlen);
void app_tx_barrier(void);
void app_gp_hook(void *arg);
/** Shut protocol name down: "static" (0), "igmp" (IGMP off on every
 * interface it runs on: how many, > 0). -ENOENT with the reason in err. */
int app_protocol_shutdown(const char *name, char *err, size_t errlen);
/** w as a message may show it: at most 40 characters, control and
 * non-ASCII bytes as \xNN, "..." when cut; in b (n bytes). @return b. */
const char *app_shown(const char *w, char *b, size_t n);
/** IGMP on/off on interface ifid (the CLI); cfg NULL: defaults. */
int app_igmp_enable(uint32_t ifid, const struct igmp_if_cfg *cfg, char *err, size_t errlen);
int app_igmp_disable(uint32_t ifid, char *err, size_t errlen);
void app_stats_sum(struct mcfwd_wstats *s);
/* Counters since the last `clear counters` (a count below its baseline,
 * e.g. of a protocol restarted since, shows as it is). The workers' and
 * the control counters are read as they are: telemetry threads call
 * app_worker_stats() and app_ctl_counters() under stats_lock. */
void app_worker_stats(unsigned int w, struct mcfwd_wstats *s);
void app_port_counters(uint16_t port, struct mcfwd_port_ctr *c);
void app_ctl_counters(struct app_ctl_ctr *c);
void app_igmp_stats(struct igmp_stats *s);
void app_static_info(struct mcfwd_static_info *si);
/* `clear counters` of everything above, app.base included (not the
 * MFEs': cli.c keeps those). */
void app_counters_clear(void);
int app_forwarding(bool on);
int app_set_link(uint16_t port, bool up, char *err, size_t errlen);
/** Packets per second each worker may hand to control (1..100000000), as
 * --punt-rate, at run time: workers use it from their next token refill.
 * @return 0, -EINVAL. */
int app_set_punt_rate(uint64_t rate, char *err, size_t errlen);
int app_port_detach(uint16_t port, char *err, size_t errlen);
/** The device took the port away (RTE_ETH_EVENT_INTR_RMV, from its
 * interrupt thread): the control loop's link timer detaches it. Any
 * thread. */
void app_port_removed(uint16_t port);
/** The port ids there are, "0 1 3" (a detach leaves holes), for messages. */
void app_port_ids(char *buf, size_t len);
/** Hot-plug (`port attach DEVARGS`, as testpmd's): probe the device, set
 * up and start every new port it brings, give each its untagged
 * interface and a worker. ports/n: the new port ids (at most max).
 * @return 0 or -errno (err says why; nothing of the device is left). */
int app_port_attach(const char *devargs, uint16_t *ports, unsigned int max, unsigned int *n,
		    char *err, size_t errlen);
/** Send an IPv4 packet (header included, checksums done) out of interface
 * ifid: L2 header added (group MAC for multicast destinations, the port's
 * MAC, the interface's VLAN), handed to the worker owning the port's TX
 * queue 0 through a ring. Control thread. @return 0, -EINVAL, -ENOBUFS. */
int app_ctl_send(uint32_t ifid, const void *ip, size_t len);
void app_snapshot_refresh(void);
void app_poll_once(int timeout_ms);

/* cli.c: one command line; output to `out`, errors as one line "error: ..."
 * prefixed with "src:line: " when src != NULL. @return 0 or -errno. */
int cli_exec(const char *line, FILE *out, const char *src, unsigned int lineno);
/* cli_exec() of a line read as n bytes (from a file or a pipe): one with a
 * NUL byte in it is refused, as in a configuration file, not run up to
 * the NUL. */
int cli_exec_n(const char *line, size_t n, FILE *out, const char *src, unsigned int lineno);
/* Longest wait `sleep` and `debug stall-worker` may ask for (0: no cap;
 * the CLI fuzzer sets a few ms). */
extern uint32_t cli_wait_cap_ms;
int cli_run_file(FILE *in, const char *name, FILE *out, bool stop_on_error);
int cli_interactive_start(void);
void cli_interactive_stop(void);
void cli_show_stats(FILE *out, bool json);
/* An MFE's counters (and n_os of its OIFs') made counts since `clear
 * counters`. Control thread. */
void cli_mfe_baseline_sub(struct mgm_mfe_stats *s, struct mgm_oif_stats *os, uint32_t n_os);
/* Free a map of 'clear counters' baselines (their values too). */
void cli_mfe_base_free(struct hmap *h);

/* telemetry.c */
int app_telemetry_init(void);

#endif
