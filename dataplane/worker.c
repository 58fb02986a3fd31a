/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding worker. See include/mcfwd_worker.h for the contract.
 *
 * Per burst: classify every frame, look all forwardable ones up in one
 * batched cache lookup, then for each hit: RPF (incoming interface and its
 * generation), TTL against each OIF's threshold, MTU, then replicate. The
 * original mbuf is stripped to its IPv4 packet, its TTL decremented once,
 * and it becomes the last replica; the others are copies (short packets)
 * or a small header mbuf chained to an indirect clone of the payload (long
 * packets on ports that take chained mbufs). Every replica gets a fresh
 * L2 header: group MAC, the egress interface's MAC, its VLAN tag.
 * Checks that hold for many packets are made once for them within the
 * burst (one read-side section, sent before the next quiescent state): an
 * entry's for a run of its flow (forward_run()), an OIF list's for the
 * packets that share it (fwd_one_loop()).
 */
#define _LGPL_SOURCE
#include <string.h>

#include <urcu/urcu-qsbr.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf_dyn.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>

#include "mcfwd_worker.h"

int mcfwd_meta_off = -1;

#ifdef MCFWD_PHASE_CYCLES
struct mcfwd_phase_cycles mcfwd_phases;
#define PHASE_TSC() rte_rdtsc()
#else
#define PHASE_TSC() 0
#endif

int
mcfwd_worker_init(void)
{
	static const struct rte_mbuf_dynfield d = {
		.name = "mcfwd_meta",
		.size = sizeof(struct mcfwd_meta),
		.align = __alignof__(struct mcfwd_meta),
	};
	if (mcfwd_meta_off >= 0)
		return 0;
	int off = rte_mbuf_dynfield_register(&d);
	if (off < 0)
		return -rte_errno;
	mcfwd_meta_off = off;
	return 0;
}

int64_t
mcfwd_worker_stats_check(const struct mcfwd_wstats *s)
{
	uint64_t fates = s->fwd + s->no_oif + s->negative + s->wrong_if + s->miss_punted +
			 s->miss_dropped + s->ctrl_punted + s->ctrl_dropped + s->not_ip +
			 s->not_mcast + s->bad_hdr + s->ttl_expired + s->no_iface;
	return (int64_t)(fates - s->rx_pkts - s->reinjected);
}

/* ---------------------------------------------------------------- */
/* TX                                                                 */

/* Free replicas this burst made that a PMD or a ring did not take; oc:
 * their OIF counter slots (valid: the burst's entries are not retired
 * before this worker's next quiescent state). */
static void
tx_drop(struct mcfwd_worker *w, struct rte_mbuf **m, const uint32_t *oc, uint16_t n,
	uint16_t port)
{
	for (uint16_t i = 0; i < n; i++) {
		w->ctrs->oif[oc[i]].out_pkts--;
		w->ctrs->oif[oc[i]].out_discards++;
		rte_pktmbuf_free(m[i]);
	}
	w->st.tx_discards += n;
	w->port[port].tx_discards += n;
}

static void
tx_port_flush(struct mcfwd_worker *w, uint16_t port)
{
	uint16_t n = w->tx[port].n, sent = 0;
	struct rte_mbuf **m = w->tx[port].m;

	if (n == 0)
		return;
	w->tx[port].n = 0;
	if (likely(w->txq[port] != UINT16_MAX)) {
		sent = rte_eth_tx_burst(port, w->txq[port], m, n);
		w->st.tx_pkts += sent;
		w->port[port].tx_pkts += sent;
	} else {
		/* no TX queue of our own on this port: its owner sends (and
		 * counts what the port takes); ocidx tells replicas from
		 * control's packets (UINT32_MAX), nothing reads the slot */
		for (uint16_t i = 0; i < n; i++)
			mcfwd_meta(m[i])->ocidx = w->tx[port].oc[i];
		sent = (uint16_t)rte_ring_mp_enqueue_burst(w->txr[port], (void **)m, n, NULL);
	}
	if (unlikely(sent < n))
		tx_drop(w, m + sent, w->tx[port].oc + sent, n - sent, port);
}

static inline void
tx_enqueue(struct mcfwd_worker *w, uint16_t port, struct rte_mbuf *m, uint32_t oc)
{
	if (unlikely(w->tx[port].n == MCFWD_TXBUF))
		tx_port_flush(w, port);
	uint16_t i = w->tx[port].n++;
	w->tx[port].m[i] = m;
	w->tx[port].oc[i] = oc;
	w->tx_pending |= 1u << port;
}

/* Send what other workers and control handed over for port p's queue 0:
 * until the ring is empty or the port takes no more (at most 8 bursts a
 * call). Replicas of other workers count here, where the port took them;
 * one it refuses counts in this worker's and the port's tx_discards only:
 * its OIF counter slot may belong to an entry retired since it was queued
 * (the ring can outlive a grace period), so it is not touched.
 * @return packets taken from the ring. */
static unsigned int
drain_txr(struct mcfwd_worker *w, uint16_t p)
{
	struct rte_mbuf *m[MCFWD_BURST_MAX];
	unsigned int total = 0;
	for (int round = 0; round < 8; round++) {
		unsigned int k = rte_ring_sc_dequeue_burst(w->txr[p], (void **)m, MCFWD_BURST_MAX,
							   NULL);
		if (k == 0)
			break;
		total += k;
		uint16_t sent = rte_eth_tx_burst(p, 0, m, (uint16_t)k);
		for (unsigned int i = 0; i < k; i++) {
			bool ctl = mcfwd_meta(m[i])->ocidx == UINT32_MAX;
			if (i < sent) {
				if (ctl) {
					w->st.ctl_tx++;
				} else {
					w->st.tx_pkts++;
					w->port[p].tx_pkts++;
				}
				continue;
			}
			if (ctl) {
				w->st.ctl_tx_discards++;
			} else {
				w->st.tx_discards++;
				w->port[p].tx_discards++;
			}
			rte_pktmbuf_free(m[i]);
		}
		if (sent < k)
			break;
	}
	return total;
}

unsigned int
mcfwd_worker_flush(struct mcfwd_worker *w)
{
	unsigned int drained = 0;
	/* only ports with something buffered, then the TX rings we own */
	for (uint32_t pend = w->tx_pending; pend; pend &= pend - 1)
		tx_port_flush(w, (uint16_t)__builtin_ctz(pend));
	w->tx_pending = 0;
	if (w->n_spare) {
		/* fresh from rte_pktmbuf_alloc_bulk(): back as they are */
		rte_mempool_put_bulk(w->dp->pool, (void **)w->spare, w->n_spare);
		w->n_spare = 0;
	}
	if (w->txr == NULL)
		return 0;
	for (uint32_t own = w->txr_owned; own; own &= own - 1) {
		uint16_t p = (uint16_t)__builtin_ctz(own);
		if (w->txr[p] != NULL && !rte_ring_empty(w->txr[p]))
			drained += drain_txr(w, p);
	}
	return drained;
}

/* ---------------------------------------------------------------- */
/* Punt                                                               */

static inline bool
punt_token(struct mcfwd_worker *w, struct mcfwd_tbucket *b, uint64_t now)
{
	if (b->tokens == 0) {
		uint64_t dt = now - b->tsc, hz = w->dp->tsc_hz;
		if (dt > hz)
			dt = hz;
		/* control may change the rate at run time (set punt-rate) */
		uint64_t add = dt * __atomic_load_n(&w->dp->punt_rate, __ATOMIC_RELAXED) / hz;
		if (add == 0)
			return false;
		b->tokens = add < 256 ? add : 256;
		b->tsc = now;
	}
	b->tokens--;
	return true;
}

/* Hand m to control; false when it was dropped (the caller counts). */
static inline bool
punt(struct mcfwd_worker *w, struct rte_mbuf *m, uint16_t ifid, uint8_t reason)
{
	struct mcfwd_meta *mt = mcfwd_meta(m);
	mt->ifid = ifid;
	mt->reason = reason;
	mt->worker = (uint8_t)w->idx;
	mt->ocidx = UINT32_MAX;
	if (rte_ring_mp_enqueue(w->dp->punt, m) != 0) {
		rte_pktmbuf_free(m);
		return false;
	}
	return true;
}

/* Per-(S,G) de-duplication: at most punt_per_flow packets of a key per
 * window, and a per-worker token bucket over all keys. */
static inline bool
punt_allowed(struct mcfwd_worker *w, uint64_t key, uint64_t now)
{
	unsigned int h = (unsigned int)((key * 0x9e3779b97f4a7c15ull) >> 54) & (MCFWD_PUNT_CACHE - 1);
	if (w->pc[h].key == key && now - w->pc[h].tsc < w->dp->punt_window_tsc) {
		if (w->pc[h].cnt >= w->dp->punt_per_flow)
			return false;
		if (!punt_token(w, &w->tb_data, now))
			return false;
		w->pc[h].cnt++;
		return true;
	}
	if (!punt_token(w, &w->tb_data, now))
		return false;
	w->pc[h].key = key;
	w->pc[h].tsc = now;
	w->pc[h].cnt = 1;
	return true;
}

/* ---------------------------------------------------------------- */
/* Replication                                                        */

/* A buffer for a replica: the pool is asked for MCFWD_SPARE at a time (one
 * mempool call and one reset loop instead of one each per replica). */
static inline struct rte_mbuf *
spare_get(struct mcfwd_worker *w)
{
	if (unlikely(w->n_spare == 0)) {
		if (unlikely(rte_pktmbuf_alloc_bulk(w->dp->pool, w->spare, MCFWD_SPARE) != 0))
			return rte_pktmbuf_alloc(w->dp->pool); /* nearly empty: one at a time */
		w->n_spare = MCFWD_SPARE;
	}
	return w->spare[--w->n_spare];
}

/* A replica of the IPv4 packet at ip (ip_len bytes, at l3_off in m's first
 * segment) for ifc, without L2 header. */
static inline struct rte_mbuf *
replica(struct mcfwd_worker *w, struct rte_mbuf *m, const uint8_t *ip, uint16_t l3_off,
	uint16_t ip_len, uint16_t ihl, const struct mcfwd_iface_dp *ifc)
{
	const struct mcfwd_dp *dp = w->dp;
	struct rte_mbuf *r = spare_get(w);
	if (unlikely(r == NULL))
		return NULL;
	/* a clone needs a payload beyond the header (no empty segment) */
	if (dp->clone_min && ip_len >= dp->clone_min && ip_len > ihl && dp->clone_pool &&
	    ifc->multiseg && m->nb_segs == 1) {
		struct rte_mbuf *c = rte_pktmbuf_clone(m, dp->clone_pool);
		if (unlikely(c == NULL)) {
			rte_pktmbuf_free(r);
			return NULL;
		}
		rte_memcpy(rte_pktmbuf_append(r, ihl), ip, ihl);
		rte_pktmbuf_adj(c, (uint16_t)(l3_off + ihl));
		if (c->pkt_len > (uint32_t)(ip_len - ihl)) /* L2 padding */
			rte_pktmbuf_trim(c, (uint16_t)(c->pkt_len - (ip_len - ihl)));
		if (unlikely(rte_pktmbuf_chain(r, c) != 0)) {
			rte_pktmbuf_free(c);
			rte_pktmbuf_free(r);
			return NULL;
		}
		w->st.clones++;
		return r;
	}
	if (unlikely(m->nb_segs != 1 || rte_pktmbuf_tailroom(r) < ip_len)) {
		rte_pktmbuf_free(r);
		return NULL;
	}
	rte_memcpy(rte_pktmbuf_append(r, ip_len), ip, ip_len);
	w->st.copies++;
	return r;
}

/* Prepend the egress L2 header. */
static inline bool
l2_write(struct rte_mbuf *r, const uint8_t dmac[6], const struct mcfwd_iface_dp *ifc)
{
	uint16_t hl = ifc->vlan ? 18 : 14;
	uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(r, hl);
	if (unlikely(p == NULL))
		return false;
	memcpy(p, dmac, 6);
	memcpy(p + 6, ifc->mac, 6);
	if (ifc->vlan) {
		p[12] = 0x81;
		p[13] = 0x00;
		p[14] = (uint8_t)(ifc->vlan >> 8);
		p[15] = (uint8_t)ifc->vlan;
		p += 4;
	}
	p[12] = 0x08;
	p[13] = 0x00;
	return true;
}

/* Whether the received frame's L2 header has the length ifc's needs
 * (tagged in and out, or untagged in and out), in one segment. */
static inline bool
l2_same_len(const struct rte_mbuf *m, const struct mcfwd_pkt_info *pi,
	    const struct mcfwd_iface_dp *ifc)
{
	return m->nb_segs == 1 && pi->l3_off == (ifc->vlan ? 18 : 14);
}

/* The end of that rewrite once both MACs are in place at p: the VLAN id,
 * and the lengths without trailing padding. */
static inline void
l2_tail(struct rte_mbuf *m, uint8_t *p, const struct mcfwd_pkt_info *pi,
	const struct mcfwd_iface_dp *ifc)
{
	if (ifc->vlan) {
		p[14] = (uint8_t)(ifc->vlan >> 8);
		p[15] = (uint8_t)ifc->vlan;
	}
	uint16_t len = (uint16_t)(pi->l3_off + pi->ip_len);
	m->data_len = len;
	m->pkt_len = len;
}

/* The rest of that rewrite once the destination MAC is in place at p:
 * source MAC, VLAN id, and the lengths without trailing padding. */
static inline void
l2_finish(struct rte_mbuf *m, uint8_t *p, const struct mcfwd_pkt_info *pi,
	  const struct mcfwd_iface_dp *ifc)
{
	memcpy(p + 6, ifc->mac, 6);
	l2_tail(m, p, pi, ifc);
}

/* A copy of the received frame fr (len bytes: its L2 header and IPv4
 * packet, the group's destination MAC and the TTL already rewritten) for
 * ifc, whose L2 header has the same length (l2_same_len()): one copy takes
 * the header with the packet, then ifc's source MAC and VLAN id are
 * written. mov64: the frame is at most 64 bytes and its buffer has 64 from
 * fr, so it goes in one 64-byte move. NULL: no buffer (the caller counts). */
static inline __attribute__((always_inline)) struct rte_mbuf *
frame_copy(struct mcfwd_worker *w, const uint8_t *fr, uint16_t len, bool mov64,
	   const struct mcfwd_pkt_info *pi, const struct mcfwd_iface_dp *ifc)
{
	struct rte_mbuf *r = spare_get(w);
	if (unlikely(r == NULL))
		return NULL;
	uint16_t room = (uint16_t)(r->buf_len - r->data_off);
	uint8_t *d = rte_pktmbuf_mtod(r, uint8_t *);
	if (likely(mov64 && room >= 64)) {
		rte_mov64(d, fr);
	} else if (likely(room >= len)) {
		rte_memcpy(d, fr, len);
	} else {
		rte_pktmbuf_free(r);
		return NULL;
	}
	l2_finish(r, d, pi, ifc);
	w->st.copies++;
	return r;
}

/* Rewrite the received frame's own L2 header for ifc when it has the same
 * length: no strip, no prepend; the EtherType (and the TPID) are already
 * right. Trailing L2 padding goes. false: the caller strips and prepends. */
static inline bool
l2_inplace(struct rte_mbuf *m, const struct mcfwd_pkt_info *pi, const uint8_t dmac[6],
	   const struct mcfwd_iface_dp *ifc)
{
	if (unlikely(!l2_same_len(m, pi, ifc)))
		return false;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(p, dmac, 6);
	l2_finish(m, p, pi, ifc);
	return true;
}

/* Queue finished replica r (NULL: it could not be made) for OIF counter
 * slot oci. */
static inline void
queue_replica(struct mcfwd_worker *w, struct rte_mbuf *r, const struct mcfwd_iface_dp *ifc,
	      uint32_t oci, struct mfc_oif_ctr *c)
{
	if (unlikely(r == NULL)) {
		c->out_discards++;
		w->st.alloc_fail++;
		return;
	}
	c->out_pkts++;
	tx_enqueue(w, ifc->port, r, oci);
}

/* Prepend ifc's L2 header to replica r (NULL: it could not be made) and
 * queue it. */
static inline void
send_replica(struct mcfwd_worker *w, struct rte_mbuf *r, const uint8_t dmac[6],
	     const struct mcfwd_iface_dp *ifc, uint32_t oci, struct mfc_oif_ctr *c)
{
	if (unlikely(r != NULL && !l2_write(r, dmac, ifc))) {
		rte_pktmbuf_free(r);
		r = NULL;
	}
	queue_replica(w, r, ifc, oci, c);
}

/* The first OIF a packet goes to: the frame made one segment (the
 * classification found the whole IPv4 packet in the first: the others are
 * L2 padding), TTL - 1 once, the group's MAC in dmac. @return the IPv4
 * header. */
static inline uint8_t *
first_target(struct rte_mbuf *m, const struct mcfwd_pkt_info *pi, uint8_t dmac[6])
{
	if (unlikely(m->nb_segs != 1)) {
		rte_pktmbuf_free(m->next);
		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = m->data_len;
	}
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, pi->l3_off);
	mcfwd_ttl_dec(ip);
	mcfwd_mcast_mac(pi->grp, dmac);
	return ip;
}

/* What forward() reads on every packet and nothing in a burst changes,
 * read once per burst: the rewrites store bytes into packets, which may
 * alias anything, and gcc reloaded each of these through w after every
 * such store. */
struct fwd_view {
	const uint32_t *ist;              /* the table's iface_state */
	const struct mcfwd_iface_dp *ifs;
	struct mfc_ctr *ectr;
	struct mfc_oif_ctr *octr;
};

/* The packet's part of the one-OIF case below: above the OIF's TTL
 * threshold ttl, within ifc's MTU, an L2 header of the length ifc's needs. */
static inline __attribute__((always_inline)) bool
fwd_one_pkt(const struct rte_mbuf *m, const struct mcfwd_pkt_info *pi, uint8_t ttl,
	    const struct mcfwd_iface_dp *ifc)
{
	return pi->ttl > ttl && pi->ip_len <= ifc->mtu && l2_same_len(m, pi, ifc);
}

/* The OIF's part of the one-OIF case below: usable, not the incoming
 * interface ifid, on an interface in use. @return that interface, or NULL. */
static inline __attribute__((always_inline)) const struct mcfwd_iface_dp *
fwd_one_oif(const struct fwd_view v, const struct mfc_oif *o, uint16_t ifid)
{
	const struct mcfwd_iface_dp *ifc = &v.ifs[o->ifid];
	if (likely(mfc_oif_usable_in(v.ist, o) && o->ifid != ifid && ifc->used))
		return ifc;
	return NULL;
}

/* The one-OIF case: its OIF takes the packet (usable, not the incoming
 * interface, TTL above its threshold, within its MTU) and the frame is one
 * segment whose L2 header has the length the OIF's needs: it is rewritten
 * where it lies. @return the OIF's interface, or NULL for the general path
 * (which counts every refusal). */
static inline __attribute__((always_inline)) const struct mcfwd_iface_dp *
fwd_one_ok(const struct fwd_view v, const struct rte_mbuf *m, const struct mcfwd_pkt_info *pi,
	   uint16_t ifid, const struct mfc_oifl_data *d)
{
	const struct mcfwd_iface_dp *ifc = fwd_one_oif(v, &d->oif[0], ifid);
	if (likely(ifc != NULL && fwd_one_pkt(m, pi, d->oif[0].ttl, ifc)))
		return ifc;
	return NULL;
}

/* Send it there: TTL - 1, the group's MAC, ifc's source MAC and VLAN id,
 * counted in the OIF's slot oc[0]. */
static inline __attribute__((always_inline)) void
fwd_one_rewrite(struct rte_mbuf *m, const struct mcfwd_pkt_info *pi,
		const struct mcfwd_iface_dp *ifc)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	mcfwd_ttl_dec(p + pi->l3_off);
	/* both MACs in an 8- and a 4-byte store: the group's (01:00:5e and
	 * its low 23 bits, mcfwd_mcast_mac()) then ifc's (with the 2 bytes of
	 * padding after it, loaded with it and shifted out) */
	uint64_t src, dst = 0x5e0001ull | ((uint64_t)rte_cpu_to_be_32(pi->grp & 0x7fffff) << 16);
	memcpy(&src, ifc->mac, sizeof(src));
	uint64_t w0 = dst | (src << 48);
	uint32_t w1 = (uint32_t)(src >> 16);
	memcpy(p, &w0, 8);
	memcpy(p + 8, &w1, 4);
	l2_tail(m, p, pi, ifc);
}

static inline __attribute__((always_inline)) void
fwd_one_send(struct mcfwd_worker *w, struct rte_mbuf *m, const struct mcfwd_pkt_info *pi,
	     const struct mfc_entry *e, const struct mcfwd_iface_dp *ifc, struct mfc_oif_ctr *oc)
{
	fwd_one_rewrite(m, pi, ifc);
	oc[0].out_pkts++;
	tx_enqueue(w, ifc->port, m, e->ocidx);
}

/* The Record Route and Timestamp options of a copy leaving by interface
 * oifid, which came in on iifid (RFC 1812 4.2.2.1: a router MUST support
 * both in what it forwards; Linux's ipmr updates each copy): the address
 * recorded is oifid's, or iifid's when oifid has none (RR is then left
 * as it is when neither has one); a prespecified Timestamp is stamped
 * for any interface's address; the stamp is UT milliseconds since
 * midnight. Out of line: a rare packet's. */
static __attribute__((noinline)) void
opts_update(struct mcfwd_worker *w, uint8_t *ip, uint16_t oifid, uint16_t iifid, uint64_t now)
{
	const struct mcfwd_dp *dp = w->dp;
	unsigned int ihl = (ip[0] & 0x0fu) * 4u;
	uint32_t a = 0, ia = 0, mine = 0;
	if (dp->if_addr != NULL) {
		if (oifid < dp->max_ifaces)
			a = __atomic_load_n(&dp->if_addr[oifid], __ATOMIC_RELAXED);
		if (iifid < dp->max_ifaces)
			ia = __atomic_load_n(&dp->if_addr[iifid], __ATOMIC_RELAXED);
		/* flag 3: whether the address is any interface's, looked
		 * for once for every copy of the burst (not once a copy:
		 * 1000 OIFs x 1000 addresses, found by review) */
		uint32_t want = mcfwd_ipv4_opts_ts_want(ip, ihl);
		if (want != 0 && (w->ts3.now != now || w->ts3.want != want)) {
			uint32_t n = RTE_MIN(__atomic_load_n(&dp->if_addr_n, __ATOMIC_RELAXED),
					     dp->max_ifaces);
			bool found = false;
			for (uint32_t j = 0; j < n && !found; j++)
				found = __atomic_load_n(&dp->if_addr[j], __ATOMIC_RELAXED) == want;
			w->ts3.now = now;
			w->ts3.want = want;
			w->ts3.mine = found ? want : 0;
		}
		if (want != 0)
			mine = w->ts3.mine;
	}
	uint32_t ts;
	if (dp->tsc_per_ms != 0) {
		int64_t ms = (int64_t)(now / dp->tsc_per_ms) +
			     __atomic_load_n(&dp->ts_off_ms, __ATOMIC_RELAXED);
		ts = (uint32_t)(((ms % 86400000) + 86400000) % 86400000);
	} else {
		ts = 0x80000000u | (uint32_t)(now >> 24);
	}
	mcfwd_ipv4_opts_forward(ip, ihl, a ? a : ia, ts, mine);
}

/* m hit e on ifid, not its incoming interface: counted, and handed to
 * control (rate-limited) unless reinjected. */
static inline void
wrong_if(struct mcfwd_worker *w, struct rte_mbuf *m, const struct mfc_entry *e,
	 struct mfc_ctr *ec, uint16_t ifid, uint64_t now, bool reinj)
{
	ec->wrong_if++;
	w->st.wrong_if++;
	/* the key with the top bit of the source flipped: its own slots */
	if (!reinj && punt_allowed(w, e->key ^ 0x80000000ull ^ ((uint64_t)ifid << 16), now)) {
		if (punt(w, m, ifid, MCFWD_PUNT_WRONG_IF))
			w->st.wrong_if_punted++;
	} else {
		rte_pktmbuf_free(m);
	}
}

/* m (pi) is longer than OIF k's MTU (ifc): DF clear, its fragments go
 * there (RFC 1812 4.2.2.7; RFC 791's options rules: DPDK's librte_ip_frag,
 * by copy, so that every port takes them, multi-segment TX or not), each
 * counted as a replica of the OIF (slot oci, counters c), with TTL - 1
 * whether m's own is decremented yet or not. DF set, or no fragments (no
 * buffers, more than MCFWD_MAX_FRAGS): frag_needed. The interface again
 * (another next hop): nothing, as for whole packets. Out of line, and
 * with few arguments: rare, and kept off the forwarding loop's registers
 * (eight of them cost the loop ~4 cycles a packet at fan-out 2, in
 * bench_worker_phases). *sent: whether anything was sent. */
static __attribute__((noinline)) void
fwd_frags(struct mcfwd_worker *w, struct rte_mbuf *m, const struct mcfwd_pkt_info *pi,
	  uint16_t iifid, uint8_t opts, const struct mfc_entry *e, uint32_t k, uint64_t now,
	  bool *sent)
{
	const struct mfc_oifl_data *d = mfc_entry_oifs(e);
	const struct mcfwd_iface_dp *ifc = &w->dp->ifs[d->oif[k].ifid];
	uint32_t oci = e->ocidx + k;
	struct mfc_oif_ctr *c = &w->ctrs->oif[oci];
	/* the link has them (or refused them) already: an earlier slot of
	 * the interface (the list is sorted) that the loop did not skip (a
	 * vetoed one, or one whose TTL threshold the packet missed, sent
	 * nothing: found by review) */
	for (uint32_t j = k; j-- > 0 && d->oif[j].ifid == d->oif[k].ifid;)
		if (mfc_oif_usable_in(w->dp->t->iface_state, &d->oif[j]) && pi->ttl > d->oif[j].ttl)
			return;
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, pi->l3_off);
	if ((ip[6] & 0x40) || ifc->mtu < RTE_ETHER_MIN_MTU) {
		c->frag_needed++;
		w->st.frag_needed++;
		return;
	}
	/* m seen from its IPv4 header, without L2 padding, while cut */
	struct rte_mbuf *next = m->next;
	uint16_t off = m->data_off, dlen = m->data_len, nseg = m->nb_segs;
	uint32_t plen = m->pkt_len;
	m->data_off = (uint16_t)(m->data_off + pi->l3_off);
	m->data_len = pi->ip_len;
	m->pkt_len = pi->ip_len;
	m->next = NULL;
	m->nb_segs = 1;
	struct rte_mbuf *fr[MCFWD_MAX_FRAGS];
	int32_t nf = rte_ipv4_fragment_copy_nonseg_packet(m, fr, MCFWD_MAX_FRAGS, ifc->mtu,
							  w->dp->pool);
	m->data_off = off;
	m->data_len = dlen;
	m->pkt_len = plen;
	m->next = next;
	m->nb_segs = nseg;
	if (nf <= 0) {
		c->frag_needed++;
		w->st.frag_needed++;
		return;
	}
	uint8_t dmac[6];
	mcfwd_mcast_mac(pi->grp, dmac);
	for (int32_t i = 0; i < nf; i++) {
		struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(fr[i], struct rte_ipv4_hdr *);
		h->time_to_live = (uint8_t)(pi->ttl - 1);
		h->hdr_checksum = rte_ipv4_cksum(h);
		if (opts) /* the first fragment has them (not copied: RFC 791) */
			opts_update(w, (uint8_t *)h, d->oif[k].ifid, iifid, now);
		send_replica(w, fr[i], dmac, ifc, oci, c);
	}
	w->fragmented++;
	w->fragments += (uint64_t)nf;
	*sent = true;
}

/* A packet that hit entry e, arrived on ifid. Inlined into forward_rest()
 * (gcc kept it out of line: a call, and its arguments and the loop's state
 * through the stack, per packet): measured +5-10% at fan-out 1 and 4.
 * *nfwd counts the packets sent (w->st.fwd, added once per burst). */
static inline __attribute__((always_inline)) void
forward(struct mcfwd_worker *w, const struct fwd_view v, struct rte_mbuf *m,
	const struct mcfwd_pkt_info *pi, uint16_t ifid, uint8_t opts, const struct mfc_entry *e,
	uint64_t now, uint32_t now_s, bool reinj, uint64_t *nfwd)
{
	const struct mcfwd_dp *dp = w->dp;
	struct mfc_ctr *ec = &v.ectr[e->cidx];

	if (unlikely(e->flags & MFC_F_NEGATIVE)) {
		if (unlikely(pi->ttl <= 1)) {
			w->st.ttl_expired++; /* dropped whatever the entry */
			rte_pktmbuf_free(m);
			return;
		}
		/* made for the interface a first packet came on, which nobody
		 * owned (MFC_F_RX_IIF), and hit on another live one: a
		 * wrong-interface event, for MGM to make it again from an owned
		 * one (it stayed dropped as negative, found by a black-box
		 * test); other negative entries punt nothing (review) */
		if ((e->flags & MFC_F_RX_IIF) && e->iif != ifid && !(v.ist[ifid] & 1)) {
			wrong_if(w, m, e, ec, ifid, now, reinj);
			return;
		}
		ec->discards++;
		ec->last_used = now_s;
		w->st.negative++;
		rte_pktmbuf_free(m);
		return;
	}
	if (unlikely(!mfc_iif_ok_in(v.ist, e, ifid))) {
		if (unlikely(pi->ttl <= 1)) {
			w->st.ttl_expired++; /* not on the entry's interface: its own drop */
			rte_pktmbuf_free(m);
			return;
		}
		if (e->iif == ifid) {
			/* the right interface, hidden or down since the entry
			 * was published (a release under way, link down): not
			 * a wrong-interface event for its owner */
			ec->discards++;
			w->st.no_iface++;
			rte_pktmbuf_free(m);
			return;
		}
		if (unlikely(v.ist[ifid] & 1)) {
			/* it came in on a down interface (a device that cannot
			 * take its link down keeps receiving): ignored, not
			 * the entry's wrong-interface event (black-box test) */
			w->st.no_iface++;
			rte_pktmbuf_free(m);
			return;
		}
		wrong_if(w, m, e, ec, ifid, now, reinj);
		return;
	}
	if (unlikely(pi->ttl <= 1)) {
		/* the spec's "in header errors (e.g. TTL)": not an in packet */
		ec->hdr_err++;
		w->st.ttl_expired++;
		rte_pktmbuf_free(m);
		return;
	}
	ec->pkts++;
	ec->bytes += pi->ip_len;
	ec->last_used = now_s;

	const struct mfc_oifl_data *d = mfc_entry_oifs(e);
	struct mfc_oif_ctr *oc = &v.octr[e->ocidx];
	uint32_t n = d ? d->n : 0;

	const struct mcfwd_iface_dp *one = n == 1 && !opts ? fwd_one_ok(v, m, pi, ifid, d) : NULL;
	if (one != NULL) {
		fwd_one_send(w, m, pi, e, one, oc);
		(*nfwd)++;
		return;
	}
	const struct mcfwd_iface_dp *pend = NULL; /* the last usable OIF found */
	uint32_t pk = 0;
	uint16_t ihl = 0, l3 = pi->l3_off; /* the IPv4 header's offset in m (first segment) */
	uint8_t *ip = NULL, *fr = NULL;
	uint16_t flen = 0;
	bool mov64 = false, clone = false, frag = false;
	uint8_t dmac[6];

	/* One pass over the list: each usable OIF found sends a replica for
	 * the previous one; the last one gets the original. No bound on the
	 * number of OIFs, no second pass. */
	for (uint32_t k = 0; k < n; k++) {
		const struct mfc_oif *o = &d->oif[k];
		if (!mfc_oif_usable_in(v.ist, o) || o->ifid == ifid)
			continue;
		const struct mcfwd_iface_dp *ifc = &v.ifs[o->ifid];
		if (unlikely(!ifc->used))
			continue;
		if (pi->ttl <= o->ttl) {
			oc[k].ttl_low++;
			w->st.ttl_low++;
			continue;
		}
		if (unlikely(pi->ip_len > ifc->mtu)) {
			fwd_frags(w, m, pi, ifid, opts, e, k, now, &frag);
			continue;
		}
		if (unlikely(ifc == pend))
			continue; /* the interface again, another next hop (the list
				   * is sorted): the one frame on the link reaches both,
				   * counted once, on the first */
		if (pend == NULL) {
			/* first target: TTL - 1 once, in the received frame */
			ip = first_target(m, pi, dmac);
			ihl = (uint16_t)((ip[0] & 0x0f) * 4);
			/* the group's MAC in the frame too: frame copies take it */
			fr = rte_pktmbuf_mtod(m, uint8_t *);
			memcpy(fr, dmac, 6);
			flen = (uint16_t)(l3 + pi->ip_len);
			mov64 = flen <= 64 && m->buf_len - m->data_off >= 64;
			clone = dp->clone_min && pi->ip_len >= dp->clone_min && dp->clone_pool;
		} else if (likely(l2_same_len(m, pi, pend) && !(clone && pend->multiseg))) {
			struct rte_mbuf *r = frame_copy(w, fr, flen, mov64, pi, pend);
			if (unlikely(opts) && r != NULL)
				opts_update(w, rte_pktmbuf_mtod_offset(r, uint8_t *, l3),
					    d->oif[pk].ifid, ifid, now);
			queue_replica(w, r, pend, e->ocidx + pk, &oc[pk]);
		} else {
			struct rte_mbuf *r = replica(w, m, ip, l3, pi->ip_len, ihl, pend);
			if (unlikely(opts) && r != NULL)
				opts_update(w, rte_pktmbuf_mtod(r, uint8_t *), d->oif[pk].ifid, ifid,
					    now);
			send_replica(w, r, dmac, pend, e->ocidx + pk, &oc[pk]);
		}
		pend = ifc;
		pk = k;
	}
	if (pend == NULL) {
		if (unlikely(frag)) { /* sent as fragments only */
			(*nfwd)++;
			rte_pktmbuf_free(m);
			return;
		}
		ec->discards++;
		w->st.no_oif++;
		rte_pktmbuf_free(m);
		return;
	}
	(*nfwd)++;
	if (unlikely(opts)) /* the copies were taken: the original's turn */
		opts_update(w, ip, d->oif[pk].ifid, ifid, now);
	/* the original is the last replica: its own L2 header rewritten in
	 * place when the lengths match, else stripped and a new one prepended */
	if (likely(l2_inplace(m, pi, dmac, pend))) {
		oc[pk].out_pkts++;
		tx_enqueue(w, pend->port, m, e->ocidx + pk);
		return;
	}
	m->data_off = (uint16_t)(m->data_off + l3);
	m->data_len = pi->ip_len;
	m->pkt_len = pi->ip_len;
	send_replica(w, m, dmac, pend, e->ocidx + pk, &oc[pk]);
}

/* A gathered packet: what the lookup's result is applied to (one array
 * of these, not one per field: a base register each, which the loops
 * spilled). */
struct fwd_pkt {
	struct mcfwd_pkt_info pi;
	struct rte_mbuf *m;
	uint16_t ifid;           /* its incoming interface */
	uint8_t opts;            /* Record Route or Timestamp to update (MCFWD_OPT_*) */
};

/* The state of a burst's first pass: a received burst comes from one
 * port, so its map, MAC and counter are looked up when the port changes,
 * not per packet. */
struct cls_port {
	uint16_t port;
	uint16_t ifid0;          /* its untagged interface */
	const uint16_t *map;
	const uint8_t *pmac;
};

/* Switch to port, rx: the packets of the last one. */
static inline void
cls_port_set(struct mcfwd_worker *w, struct cls_port *cp, uint16_t port, uint64_t rx, bool reinj)
{
	const struct mcfwd_dp *dp = w->dp;
	if (!reinj && cp->port < MCFWD_MAX_PORTS)
		w->port[cp->port].rx_pkts += rx;
	cp->port = port;
	cp->map = port < MCFWD_MAX_PORTS ? dp->rx_map[port] : NULL;
	cp->pmac = port < MCFWD_MAX_PORTS ? dp->port_mac[port] : NULL;
	cp->ifid0 = cp->map ? cp->map[0] : MFC_IFID_NONE;
}

/* Every frame the fast path of classify_burst() did not take: classified
 * from scratch (mcfwd_classify_general() decides each case alone), handed
 * to control, dropped and counted, or gathered at *p for the lookup.
 * Out of line: inlined, its registers spilled the fast path's loop state
 * to the stack. @return 1 when gathered. */
static __attribute__((noinline)) unsigned int
classify_slow(struct mcfwd_worker *w, struct rte_mbuf *m, const struct cls_port *cp, bool reinj,
	      uint64_t now, struct fwd_pkt *fp, uint64_t *key)
{
	struct mcfwd_pkt_info *p = &fp->pi;
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	/* TTL <= 1 is FWD here: forward() drops it, counted in its entry's
	 * header errors, and a miss is no new entry */
	enum mcfwd_class c = mcfwd_classify_general(f, m->data_len, p, mcfwd_rx_csum(m), 0);
	uint16_t ifid = MFC_IFID_NONE;
	if (c == MCFWD_PKT_FWD || c == MCFWD_PKT_PUNT) {
		/* a unicast frame for another host (seen on a promiscuous
		 * port) is not ours, as Linux drops it */
		if (!(f[0] & 1) && (cp->pmac == NULL || memcmp(f, cp->pmac, 6) != 0)) {
			w->st.not_mcast++;
			rte_pktmbuf_free(m);
			return 0;
		}
		ifid = cp->map ? cp->map[p->vlan] : MFC_IFID_NONE;
		if (ifid == MFC_IFID_NONE) {
			w->st.no_iface++;
			rte_pktmbuf_free(m);
			return 0;
		}
	}
	switch (c) {
	case MCFWD_PKT_FWD: {
		*key = mfc_key(p->src, p->grp);
		fp->m = m;
		fp->ifid = ifid;
		const uint8_t *ip = f + p->l3_off;
		unsigned int ihl = (ip[0] & 0x0f) * 4u;
		int o = ihl > 20 ? mcfwd_ipv4_opts_check(ip, ihl) : 0;
		fp->opts = (uint8_t)(o > 0 ? o : 0);
		return 1;
	}
	case MCFWD_PKT_PUNT:
		if (!reinj && punt_token(w, &w->tb_ctl, now)) {
			if (punt(w, m, ifid, MCFWD_PUNT_CTRL))
				w->st.ctrl_punted++;
			else
				w->st.ctrl_dropped++;
		} else {
			rte_pktmbuf_free(m);
			w->st.ctrl_dropped++;
		}
		return 0;
	case MCFWD_PKT_NOT_IP:
		w->st.not_ip++;
		break;
	case MCFWD_PKT_NOT_MCAST:
		w->st.not_mcast++;
		break;
	default:
		w->st.bad_hdr++;
		break;
	}
	rte_pktmbuf_free(m);
	return 0;
}

/* The lookup key of the IPv4 header at ip, mfc_key(src, grp), from one
 * 8-byte load of the frame: built from the classification's src and grp,
 * gcc spilled grp as 4 bytes and reloaded it as 8, a store-forwarding
 * stall that took ~45% of classify_burst's samples (perf, 1K flows). */
static inline uint64_t
key_of(const uint8_t *ip)
{
	uint64_t sg;
	memcpy(&sg, ip + 12, 8);
	sg = __builtin_bswap64(sg); /* src << 32 | grp */
	return (sg << 32) | (sg >> 32);
}

/* A burst's first pass: classify each frame, hand control and bad frames
 * on, and gather the forwardable ones (mbuf, key, info, rx interface) for
 * the lookup. The common frame (untagged multicast data, 20-byte header,
 * on a port's untagged interface, to a group MAC) is taken here in a few
 * instructions; every other goes to classify_slow(). Out of line:
 * inlined into burst(), its loop shared the register allocation of
 * forward()'s, and any change to forward() moved this pass by 3-4 cycles
 * a packet (bench_worker_phases). @return how many were gathered. */
static __attribute__((noinline)) unsigned int
classify_burst(struct mcfwd_worker *w, struct rte_mbuf **pkts, uint16_t n, bool reinj,
	       uint64_t now, struct fwd_pkt *fp, uint64_t *keys)
{
	unsigned int k = 0;
	uint64_t bytes = 0, rx = 0;
	struct cls_port cp = { .port = UINT16_MAX, .ifid0 = MFC_IFID_NONE };

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		/* the mbuf's metadata (second cache line) is not touched here:
		 * only punted packets carry it */
		if (unlikely(m->port != cp.port)) {
			cls_port_set(w, &cp, m->port, rx, reinj);
			rx = 0;
		}
		rx++;
		bytes += m->pkt_len;
		const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
		struct fwd_pkt *q = &fp[k];
		if (likely(mcfwd_classify_fast(f, m->data_len, &q->pi, mcfwd_rx_csum(m), 0) &&
			   (f[0] & 1) && cp.ifid0 != MFC_IFID_NONE)) {
			keys[k] = key_of(f + MCFWD_ETHER_HDR);
			q->m = m;
			q->ifid = cp.ifid0;
			q->opts = 0;
			k++;
			continue;
		}
		k += classify_slow(w, m, &cp, reinj, now, q, &keys[k]);
	}
	if (!reinj) {
		if (cp.port < MCFWD_MAX_PORTS)
			w->port[cp.port].rx_pkts += rx;
		w->st.rx_bytes += bytes;
	}
	return k;
}

/* A burst that starts with a run of one flow (a stream's packets come
 * in runs: the lookup found its entry once): when that entry has one OIF
 * that takes packets from their interface, its checks are made once, the
 * run's packets are rewritten and queued with only their own checks (TTL
 * against the threshold, MTU, L2 length, options), and the entry's
 * counters are added once. All within the burst, one read-side section
 * whose packets leave before the worker's next quiescent state, as when
 * each is checked alone. @return the packets of the run it sent, from the first; the
 * rest of the burst goes the usual way. */
static __attribute__((noinline)) unsigned int
forward_run(struct mcfwd_worker *w, const struct fwd_view v, const struct fwd_pkt *fp,
	    const struct mfc_entry *const *ent, unsigned int k, uint32_t now_s)
{
	const struct mfc_entry *e = ent[0];
	uint16_t ifid = fp[0].ifid;
	if (unlikely((e->flags & MFC_F_NEGATIVE) || !mfc_iif_ok_in(v.ist, e, ifid)))
		return 0;
	const struct mfc_oifl_data *d = mfc_entry_oifs(e);
	if (unlikely(d == NULL || d->n != 1))
		return 0;
	const struct mfc_oif *o = &d->oif[0];
	const struct mcfwd_iface_dp *ifc = fwd_one_oif(v, o, ifid);
	if (unlikely(ifc == NULL))
		return 0;
	uint16_t port = ifc->port;
	uint16_t tn = w->tx[port].n;
	/* as many as its TX buffer takes (none when full: the loop after
	 * sends it) */
	unsigned int lim = RTE_MIN(k, (unsigned int)(MCFWD_TXBUF - tn));
	uint8_t ttl = o->ttl;
	uint32_t oci = e->ocidx;
	uint64_t bytes = 0;
	unsigned int j;
	for (j = 0; j < lim; j++) {
		const struct fwd_pkt *q = &fp[j];
		struct rte_mbuf *m = q->m;
		if (ent[j] != e || q->ifid != ifid || q->opts || !fwd_one_pkt(m, &q->pi, ttl, ifc))
			break;
		fwd_one_rewrite(m, &q->pi, ifc);
		bytes += q->pi.ip_len;
		w->tx[port].m[tn + j] = m;
		w->tx[port].oc[tn + j] = oci;
	}
	if (j == 0)
		return 0;
	w->tx[port].n = (uint16_t)(tn + j);
	w->tx_pending |= 1u << port;
	struct mfc_ctr *ec = &v.ectr[e->cidx];
	ec->pkts += j;
	ec->bytes += bytes;
	ec->last_used = now_s;
	v.octr[oci].out_pkts += j;
	return j;
}

/* The rest of a burst from packet j, each through forward() (or the miss
 * path), in order. Out of line: see burst(). @return packets sent. */
static __attribute__((noinline)) uint64_t
forward_rest(struct mcfwd_worker *w, const struct fwd_view v, unsigned int j, unsigned int k,
	     const struct fwd_pkt *fp, const struct mfc_entry **ent, const uint64_t *keys, uint64_t now, uint32_t now_s,
	     bool reinj)
{
	uint64_t nfwd = 0;
	for (; j < k; j++) {
		struct rte_mbuf *m = fp[j].m;
		uint16_t ifid = fp[j].ifid;
		if (likely(ent[j] != NULL)) {
			forward(w, v, m, &fp[j].pi, ifid, fp[j].opts, ent[j], now, now_s, reinj,
				&nfwd);
			continue;
		}
		/* miss: data-driven creation by the control thread (not by a
		 * packet that is dropped anyway: TTL <= 1, or one that came in
		 * on a down interface) */
		if (unlikely(v.ist[ifid] & 1)) {
			w->st.no_iface++;
			rte_pktmbuf_free(m);
		} else if (unlikely(fp[j].pi.ttl <= 1)) {
			w->st.ttl_expired++;
			rte_pktmbuf_free(m);
		} else if (!reinj && punt_allowed(w, keys[j], now)) {
			if (punt(w, m, ifid, MCFWD_PUNT_MISS))
				w->st.miss_punted++;
			else
				w->st.miss_dropped++;
		} else {
			rte_pktmbuf_free(m);
			w->st.miss_dropped++;
		}
	}
	return nfwd;
}

/* Packets that take the one-OIF path, in a loop of their own with little
 * state (the general one, inlined here, spilled it: ~30 more instructions
 * a packet at fan-out 1), from the first of fp/ent (k of them) until one
 * does not. @return how many it sent; the rest of the burst goes through
 * forward_rest(), in order. */
static __attribute__((noinline)) unsigned int
fwd_one_loop(struct mcfwd_worker *w, const struct fwd_view v, const struct fwd_pkt *fp,
	     const struct mfc_entry **ent, unsigned int k, uint32_t now_s)
{
	unsigned int j = 0;
	/* the TX buffer of the port the last packet went to, its count in a
	 * register (written back when the port changes and after the loop) */
	uint16_t tport = UINT16_MAX, tn = 0;
	/* the last OIF list checked, for packets from lifid: its interface
	 * and threshold. Entries share interned lists (every flow of a group
	 * set has the same), so the next packet's list is most often the
	 * same: its checks stand for it within the burst (one read-side
	 * section, sent before the next quiescent state). 1K flows: 1.029 */
	const struct mfc_oifl *lo = NULL;
	uint16_t lifid = MFC_IFID_NONE;
	const struct mcfwd_iface_dp *ifc = NULL;
	uint8_t lttl = 0;
	for (; j < k; j++) {
		const struct mfc_entry *e = ent[j];
		const struct mcfwd_pkt_info *p = &fp[j].pi;
		struct rte_mbuf *m = fp[j].m;
		uint16_t ifid = fp[j].ifid;
		if (unlikely(e == NULL || (e->flags & MFC_F_NEGATIVE) || fp[j].opts ||
			     !mfc_iif_ok_in(v.ist, e, ifid)))
			break;
		if (e->oifl != lo || ifid != lifid) {
			const struct mfc_oifl_data *d = mfc_entry_oifs(e);
			if (unlikely(d == NULL || d->n != 1))
				break;
			ifc = fwd_one_oif(v, &d->oif[0], ifid);
			if (unlikely(ifc == NULL))
				break;
			lo = e->oifl;
			lifid = ifid;
			lttl = d->oif[0].ttl;
		}
		/* TTL <= 1 fails here (an OIF's threshold is >= 1) */
		if (unlikely(!fwd_one_pkt(m, p, lttl, ifc)))
			break;
		struct mfc_ctr *ec = &v.ectr[e->cidx];
		ec->pkts++;
		ec->bytes += p->ip_len;
		ec->last_used = now_s;
		fwd_one_rewrite(m, p, ifc);
		v.octr[e->ocidx].out_pkts++;
		if (unlikely(ifc->port != tport)) {
			if (tport != UINT16_MAX)
				w->tx[tport].n = tn;
			tport = ifc->port;
			tn = w->tx[tport].n;
			w->tx_pending |= 1u << tport;
		}
		if (unlikely(tn == MCFWD_TXBUF)) {
			w->tx[tport].n = tn;
			tx_port_flush(w, tport); /* its pending bit stays set */
			tn = 0;
		}
		w->tx[tport].m[tn] = m;
		w->tx[tport].oc[tn] = e->ocidx;
		tn++;
	}
	if (tport != UINT16_MAX)
		w->tx[tport].n = tn;
	return j;
}

static inline __attribute__((always_inline)) void
burst(struct mcfwd_worker *w, struct rte_mbuf **pkts, uint16_t n, bool reinj)
{
	struct mcfwd_dp *dp = w->dp;
	struct fwd_pkt fp[MCFWD_BURST_MAX];
	uint64_t keys[MCFWD_BURST_MAX];
	const struct mfc_entry *ent[MCFWD_BURST_MAX];
	uint64_t now = rte_rdtsc();
	uint32_t now_s = (uint32_t)(now / dp->tsc_hz);

	w->last_rx_tsc = now; /* the loop's idle detection */
	if (n > MCFWD_BURST_MAX)
		n = MCFWD_BURST_MAX;
	if (reinj)
		w->st.reinjected += n;
	else
		w->st.rx_pkts += n;
	unsigned int k = classify_burst(w, pkts, n, reinj, now, fp, keys);
	uint64_t t_cls = PHASE_TSC();
	if (k == 0) {
#ifdef MCFWD_PHASE_CYCLES
		mcfwd_phases.classify += t_cls - now;
		mcfwd_phases.pkts += n;
		mcfwd_phases.bursts++;
#endif
		return;
	}
	mfc_lookup_bulk_prefetch(dp->t, keys, k, ent);
	uint64_t t_lkp = PHASE_TSC();
	const struct fwd_view v = {
		.ist = dp->t->iface_state,
		.ifs = dp->ifs,
		.ectr = w->ctrs->ent,
		.octr = w->ctrs->oif,
	};
	/* a run of one flow first, then one-OIF packets, then the rest; each
	 * pass out of line (inlined, the one-OIF loop's code changed with
	 * whatever came before it: up to 10% at 1K flows) */
	unsigned int j = 0;
	if (k > 1 && ent[1] == ent[0] && ent[0] != NULL)
		j = forward_run(w, v, fp, ent, k, now_s);
	if (j < k)
		j += fwd_one_loop(w, v, fp + j, ent + j, k - j, now_s);
	uint64_t nfwd = j;
	if (j < k)
		nfwd += forward_rest(w, v, j, k, fp, ent, keys, now, now_s, reinj);
	w->st.fwd += nfwd;
#ifdef MCFWD_PHASE_CYCLES
	uint64_t t_fwd = PHASE_TSC();
	mcfwd_phases.classify += t_cls - now;
	mcfwd_phases.lookup += t_lkp - t_cls;
	mcfwd_phases.forward += t_fwd - t_lkp;
	mcfwd_phases.pkts += n;
	mcfwd_phases.bursts++;
#else
	(void)t_cls;
	(void)t_lkp;
#endif
}

/* burst() for received packets and for reinjected ones, each compiled
 * with reinj constant: one body taking it as an argument tested it per
 * packet; the two bodies measured 1.037x in the whole app (1K flows,
 * fan-out 1, 10 alternated runs). */
static __attribute__((noinline)) void
burst_rx(struct mcfwd_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	burst(w, pkts, n, false);
}

/* Held packets come back with their mbuf and data lines in the control
 * core's cache: fetched one after the other as the burst reaches them,
 * each cost the worker three transfers in a row (~0.5 us a packet, the
 * teardown benchmark's dip after a release). Asked for all at once first:
 * they overlap. */
static __attribute__((noinline)) void
burst_reinj(struct mcfwd_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		rte_prefetch0(pkts[i]);
		rte_prefetch0(mcfwd_meta(pkts[i]));
	}
	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	burst(w, pkts, n, true);
}

/* The API takes any count: bursts of at most MCFWD_BURST_MAX (burst()'s
 * arrays), none left behind. */
void
mcfwd_worker_burst(struct mcfwd_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint32_t i = 0; i < n; i += MCFWD_BURST_MAX)
		burst_rx(w, pkts + i, (uint16_t)RTE_MIN(n - i, (uint32_t)MCFWD_BURST_MAX));
}

void
mcfwd_worker_burst_reinjected(struct mcfwd_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint32_t i = 0; i < n; i += MCFWD_BURST_MAX)
		burst_reinj(w, pkts + i, (uint16_t)RTE_MIN(n - i, (uint32_t)MCFWD_BURST_MAX));
}

/* ---------------------------------------------------------------- */
/* The lcore loop                                                     */

/* The idle loop does not sleep while this holds; control asks it after a
 * pause (app_forwarding()). */
bool
mcfwd_worker_tx_pending(const struct mcfwd_worker *w)
{
	if (w->txr == NULL)
		return false;
	for (uint32_t own = w->txr_owned; own; own &= own - 1) {
		uint16_t p = (uint16_t)__builtin_ctz(own);
		if (w->txr[p] != NULL && !rte_ring_empty(w->txr[p]))
			return true;
	}
	return false;
}

/* --ms-log: a row of counters every period (a ring of n_rows). */
static void
mslog_tick(struct mcfwd_worker *w, struct mcfwd_mslog *ml)
{
	uint64_t now = rte_rdtsc();
	if (now < ml->next_tsc)
		return;
	struct mcfwd_msrow *r = &ml->row[ml->n % ml->n_rows];
	r->tsc = now;
	r->rx_pkts = w->st.rx_pkts;
	r->fwd = w->st.fwd;
	r->iterations = w->st.iterations;
	for (uint16_t p = 0; p < MCFWD_MSLOG_PORTS && p < MCFWD_MAX_PORTS; p++)
		r->tx[p] = w->port[p].tx_pkts;
	__atomic_store_n(&ml->n, ml->n + 1, __ATOMIC_RELEASE);
	ml->next_tsc += ml->period_tsc;
	if (ml->next_tsc <= now) /* late (paused, preempted): no burst of rows */
		ml->next_tsc = now + ml->period_tsc;
}

int
mcfwd_worker_loop(void *arg)
{
	struct mcfwd_worker *w = arg;
	struct mcfwd_dp *dp = w->dp;
	struct rte_mbuf *pkts[MCFWD_BURST_MAX];
	uint16_t burst_sz = dp->burst ? dp->burst : 32;
	/* cold RX queues (see the loop): hot has a bit per queue polled every
	 * turn; busy: the last turn received or sent for others */
	uint32_t cold_every = dp->rx_cold_every > 1 ? dp->rx_cold_every : 1, cold_turn = 1;
	uint64_t hot = ~0ull;
	bool busy = false;

	urcu_qsbr_register_thread();
	w->last_rx_tsc = w->tb_data.tsc = w->tb_ctl.tsc = rte_rdtsc();
	w->tb_data.tokens = w->tb_ctl.tokens = 256; /* the buckets start full */
	w->state = 1;
	while (!dp->stop) {
		uint32_t got = 0;
		if (unlikely(dp->pause)) {
			/* control stops/reconfigures ports: step out of RCU and wait */
			mcfwd_worker_flush(w);
			w->state = 3;
			urcu_qsbr_thread_offline();
			while (dp->pause && !dp->stop)
				rte_delay_us_sleep(1000);
			urcu_qsbr_thread_online();
			w->state = 1;
			/* control may have changed the queues: all hot again */
			hot = ~0ull;
			busy = false;
			continue;
		}
		/* A queue that found nothing MCFWD_RXQ_COLD polls in a row is
		 * cold: while the worker receives on others, it is polled one
		 * turn in rx_cold_every only (a PMD call a turn for nothing
		 * otherwise), every turn as soon as the worker is not busy or
		 * the queue receives again. */
		uint64_t all = w->n_rxq >= 64 ? ~0ull : (1ull << w->n_rxq) - 1, poll = all;
		if (busy && --cold_turn != 0)
			poll = hot & all;
		else
			cold_turn = cold_every;
		w->st.rx_cold_skips += (uint64_t)__builtin_popcountll(all & ~poll);
		for (; poll; poll &= poll - 1) {
			unsigned int q = (unsigned int)__builtin_ctzll(poll);
			uint16_t n = rte_eth_rx_burst(w->rxq[q].port, w->rxq[q].queue, pkts, burst_sz);
			if (n) {
				w->rxq[q].empty = 0;
				hot |= 1ull << q;
				burst_rx(w, pkts, n);
				got += n;
			} else {
				if (w->rxq[q].empty < MCFWD_RXQ_COLD)
					w->rxq[q].empty++;
				/* cold from its 32nd empty poll (again after a
				 * pause, which made every queue hot) */
				if (w->rxq[q].empty == MCFWD_RXQ_COLD)
					hot &= ~(1ull << q);
			}
		}
		if (w->reinject != NULL && !rte_ring_empty(w->reinject)) {
			unsigned int n = rte_ring_sc_dequeue_burst(w->reinject, (void **)pkts,
								  MCFWD_BURST_MAX, NULL);
			if (n) {
				burst_reinj(w, pkts, (uint16_t)n);
				got += n;
			}
		}
		/* what it sends for others counts as work: no idle sleep
		 * while they hand packets over, nor for idle_tsc after (a
		 * ring owner asleep while others queue overflows its rings,
		 * and holds a release's barrier: found by review) */
		unsigned int drained = mcfwd_worker_flush(w);
		if (drained) {
			got += drained;
			w->last_rx_tsc = rte_rdtsc();
		}
		if (unlikely(w->stall_ms)) {
			/* injected stall: busy, online, no quiescent state, no loop */
			rte_delay_us_block(w->stall_ms * 1000u);
			w->stall_ms = 0;
		}
		w->st.iterations++;
		busy = got != 0;
		urcu_qsbr_quiescent_state();
		struct mcfwd_mslog *ml = __atomic_load_n(&w->mslog, __ATOMIC_ACQUIRE);
		if (unlikely(ml != NULL))
			mslog_tick(w, ml);
		if (!got && dp->idle_tsc) {
			uint64_t now = rte_rdtsc();
			if (now - w->last_rx_tsc > dp->idle_tsc && !mcfwd_worker_tx_pending(w)) {
				/* idle: leave RCU so grace periods need not wait for us */
				w->state = 2;
				urcu_qsbr_thread_offline();
				rte_delay_us_sleep(dp->idle_sleep_us);
				urcu_qsbr_thread_online();
				w->state = 1;
				w->st.idle_sleeps++;
			}
		}
	}
	mcfwd_worker_flush(w);
	w->state = 0;
	urcu_qsbr_unregister_thread();
	return 0;
}
