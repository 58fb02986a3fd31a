/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file mcfwd_pkt.h
 * Packet classification and header rewriting for the forwarding path:
 * pure functions on frame bytes (no mbuf, no state), so that workers, unit
 * tests and fuzz targets share them. Context: any thread; no allocation,
 * no system call.
 */
#ifndef MCFWD_PKT_H
#define MCFWD_PKT_H

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Whether a (host order) address can be a multicast source: a unicast
 * address, not in 0.0.0.0/8 or 127.0.0.0/8 (RFC 1812 5.3.7): not
 * multicast, not class E (240/4, reserved) nor the limited broadcast in
 * it. Linux's ip_route_input_mc() lets class E through; IGMP's source
 * lists never took it (found by a black-box test: the data path did). */
static inline int
mcfwd_ipv4_src_ok(uint32_t a)
{
	return (a >> 24) != 0 && (a >> 24) != 127 && a < 0xe0000000u;
}

/** What a received frame is. */
enum mcfwd_class {
	MCFWD_PKT_FWD = 0,      /**< IPv4 multicast data: look it up */
	MCFWD_PKT_PUNT,         /**< IGMP or 224.0.0.0/24: to the control thread, never forwarded */
	MCFWD_PKT_NOT_IP,       /**< not IPv4 (or a truncated L2 header) */
	MCFWD_PKT_NOT_MCAST,    /**< IPv4, destination not 224.0.0.0/4 */
	MCFWD_PKT_BAD_HDR,      /**< version, IHL, lengths, checksum, options in error
				  * (mcfwd_ipv4_opts_check()), or source multicast,
				  * broadcast, 127/8 or (data) 0/8 */
	MCFWD_PKT_TTL,          /**< TTL <= 1: never forwarded (a data packet: its (S,G) counts
				  * it in its header errors) */
	MCFWD_PKT_N_CLASSES
};

/** What classification found (valid for FWD, PUNT and TTL). */
struct mcfwd_pkt_info {
	uint32_t src, grp;  /**< host byte order */
	uint16_t l3_off;    /**< offset of the IPv4 header in the frame */
	uint16_t ip_len;    /**< IPv4 total length */
	uint16_t vlan;      /**< VLAN id, 0 when untagged */
	uint8_t ttl;
	uint8_t proto;
};

#define MCFWD_ETHER_HDR 14
#define MCFWD_ETHER_IPV4 0x0800
#define MCFWD_ETHER_VLAN 0x8100
#define MCFWD_IPPROTO_IGMP 2

static inline uint16_t
mcfwd_rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
mcfwd_rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/** One's complement sum of 16-bit big-endian words, folded (0xffff for a
 * valid IPv4 header); an odd last byte is padded with a zero (RFC 1071). */
static inline uint16_t
mcfwd_csum_fold(const uint8_t *p, unsigned int len)
{
	uint32_t s = 0;
	unsigned int i;
	for (i = 0; i + 1 < len; i += 2)
		s += mcfwd_rd16(p + i);
	if (i < len)
		s += (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/** A native-order 32-bit word at any alignment. */
static inline uint32_t
mcfwd_ld32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/** Whether an IPv4 header's checksum is right: the one's complement sum of
 * its 16-bit words is 0xffff. Folding to 16 bits keeps a sum's value
 * modulo 0xffff (2^16 = 1 there) and gives 0 only for 0, so that holds iff
 * the plain sum is a non-zero multiple of 0xffff; summing native 32-bit
 * words (ihl is a multiple of 4) only multiplies it by a power of 2^8
 * (byte order), which 0xffff does not divide. So: five loads, four adds,
 * and a divisibility test that compilers make one multiply and a compare
 * (the folds it replaces cost ~7 cycles a packet: bench_worker_phases).
 * The common 20-byte header is summed without a loop. */
static inline int
mcfwd_ipv4_csum_ok(const uint8_t *ip, unsigned int ihl)
{
	uint64_t s = 0;
	if (ihl == 20) {
		/* five loads straight from the packet: copied through a local
		 * array, gcc stored one 16-byte vector and read it back in
		 * 4-byte parts, which store forwarding does not serve */
		s = (uint64_t)mcfwd_ld32(ip) + mcfwd_ld32(ip + 4) + mcfwd_ld32(ip + 8) +
		    mcfwd_ld32(ip + 12) + mcfwd_ld32(ip + 16);
	} else {
		for (unsigned int i = 0; i < ihl; i += 4)
			s += mcfwd_ld32(ip + i);
	}
	return s != 0 && s % 0xffffu == 0;
}

/** IPv4 options a router updates in a packet it forwards (RFC 1812
 * 4.2.2.1, RFC 791): mcfwd_ipv4_opts_check()'s result bits. */
#define MCFWD_OPT_RR 0x1 /**< Record Route with room for an address */
#define MCFWD_OPT_TS 0x2 /**< Internet Timestamp: a stamp, or its overflow count */

#define MCFWD_IPOPT_EOL 0
#define MCFWD_IPOPT_NOP 1
#define MCFWD_IPOPT_RR 7
#define MCFWD_IPOPT_TS 68
#define MCFWD_IPOPT_LSRR 131
#define MCFWD_IPOPT_SSRR 137
#define MCFWD_IPOPT_RA 148

/** The options walk: from *i, past NOPs, to the next option. @return 1:
 * one at *i, of 2 to the rest of the header in length (ip[*i + 1]); 0:
 * the end (EOL, or none left); -1: one without room for its length */
static inline int
mcfwd_ipv4_opt_next(const uint8_t *ip, unsigned int ihl, unsigned int *i)
{
	while (*i < ihl && ip[*i] == MCFWD_IPOPT_NOP)
		(*i)++;
	if (*i >= ihl || ip[*i] == MCFWD_IPOPT_EOL)
		return 0;
	if (ihl - *i < 2 || ip[*i + 1] < 2 || ip[*i + 1] > ihl - *i)
		return -1;
	return 1;
}

/**
 * Check the options of an IPv4 header of ihl bytes (20: none) as Linux's
 * ip_options_compile() does for a packet it receives: every option but
 * EOL and NOP has a length of at least 2 within the header; Record Route
 * (at least 3 bytes, pointer >= 4) and Timestamp (at least 4, pointer >=
 * 5) appear at most once, and when their pointer says there is room the
 * whole next slot fits ("some room but not enough": in error, RFC 791);
 * a full Timestamp whose overflow count is 15 is in error (it would
 * overflow); a Router Alert is at least 4 bytes. A Timestamp flag other
 * than 0, 1 and 3 is left alone. A source route (LSRR, SSRR) is refused
 * too: Linux drops one on a packet not addressed to the host itself
 * (ip_rcv_options(): source routing off, ip_options_rcv_srr() on a
 * multicast packet), so a multicast router never fans one out.
 * @return MCFWD_OPT_* bits of what forwarding updates, or -1: in error
 * (the packet is dropped; no ICMP for a multicast packet, RFC 1812 4.3.2.7)
 */
static inline int
mcfwd_ipv4_opts_check(const uint8_t *ip, unsigned int ihl)
{
	int r = 0, seen = 0, k;
	for (unsigned int i = 20; (k = mcfwd_ipv4_opt_next(ip, ihl, &i)) != 0;) {
		if (k < 0)
			return -1;
		uint8_t t = ip[i];
		unsigned int len = ip[i + 1], ptr = len >= 3 ? ip[i + 2] : 0;
		if (t == MCFWD_IPOPT_LSRR || t == MCFWD_IPOPT_SSRR ||
		    (t == MCFWD_IPOPT_RA && len < 4))
			return -1;
		if (t == MCFWD_IPOPT_RR) {
			if ((seen & MCFWD_OPT_RR) || len < 3 || ptr < 4)
				return -1;
			seen |= MCFWD_OPT_RR;
			if (ptr <= len) {
				if (ptr + 3 > len)
					return -1;
				r |= MCFWD_OPT_RR;
			}
		} else if (t == MCFWD_IPOPT_TS) {
			if ((seen & MCFWD_OPT_TS) || len < 4 || ptr < 5)
				return -1;
			seen |= MCFWD_OPT_TS;
			unsigned int fl = ip[i + 3] & 0x0f;
			if (ptr <= len) {
				if (ptr + 3 > len) /* before the flag, as Linux */
					return -1;
				if ((fl == 1 || fl == 3) && ptr + 7 > len)
					return -1;
				if (fl == 0 || fl == 1 || fl == 3)
					r |= MCFWD_OPT_TS;
			} else {
				if ((ip[i + 3] >> 4) == 0x0f)
					return -1;
				r |= MCFWD_OPT_TS;
			}
		}
		i += len;
	}
	return r;
}

/**
 * The address a prespecified Timestamp (flag 3) with room asks to stamp
 * next, in host order; 0: none (no such option, or full). Options that
 * mcfwd_ipv4_opts_check() found well formed.
 */
static inline uint32_t
mcfwd_ipv4_opts_ts_want(const uint8_t *ip, unsigned int ihl)
{
	for (unsigned int i = 20; mcfwd_ipv4_opt_next(ip, ihl, &i) > 0; i += ip[i + 1]) {
		const uint8_t *o = ip + i;
		if (o[0] == MCFWD_IPOPT_TS && o[1] >= 4 && (o[3] & 0x0f) == 3 && o[2] >= 5 &&
		    o[2] + 7u <= o[1])
			return mcfwd_rd32(o + o[2] - 1);
	}
	return 0;
}

/**
 * Update the options of a copy being forwarded (mcfwd_ipv4_opts_check()
 * found them well formed) and its header checksum: Record Route takes
 * addr (the address of the interface it leaves by: RFC 791's "as known
 * in the environment into which this datagram is being forwarded");
 * Timestamp takes ts (flag 0), addr and ts (flag 1), ts when its next
 * prespecified address is addr or mine (flag 3: "its own address": mine
 * is the one mcfwd_ipv4_opts_ts_want() gave when the caller found it
 * among the router's, as Linux matches any local one; 0: not), and a
 * full one its overflow count + 1. addr 0 (no address to give): Record
 * Route and flag 1 are left as they are. ts: milliseconds since midnight
 * UT, or any value with the high bit set (RFC 791).
 * @return whether the header changed (its checksum is then recomputed)
 */
static inline int
mcfwd_ipv4_opts_forward(uint8_t *ip, unsigned int ihl, uint32_t addr, uint32_t ts,
			uint32_t mine)
{
	int changed = 0;
	uint8_t a[4] = { (uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8),
			 (uint8_t)addr };
	uint8_t b[4] = { (uint8_t)(ts >> 24), (uint8_t)(ts >> 16), (uint8_t)(ts >> 8),
			 (uint8_t)ts };
	/* what the check refuses ends the walk: nothing outside the header
	 * or the option is read */
	for (unsigned int i = 20; mcfwd_ipv4_opt_next(ip, ihl, &i) > 0;) {
		uint8_t t = ip[i];
		uint8_t *o = ip + i;
		unsigned int len = o[1], ptr = len >= 3 ? o[2] : 0;
		if (t == MCFWD_IPOPT_RR && addr != 0 && ptr >= 4 && ptr + 3 <= len) {
			memcpy(o + ptr - 1, a, 4);
			o[2] = (uint8_t)(ptr + 4);
			changed = 1;
		} else if (t == MCFWD_IPOPT_TS && len >= 4 && ptr >= 5) {
			unsigned int fl = o[3] & 0x0f;
			if (ptr > len) {
				if ((o[3] >> 4) != 0x0f) {
					o[3] = (uint8_t)(o[3] + 0x10);
					changed = 1;
				}
			} else if (fl == 0 && ptr + 3 <= len) {
				memcpy(o + ptr - 1, b, 4);
				o[2] = (uint8_t)(ptr + 4);
				changed = 1;
			} else if (fl == 1 && addr != 0 && ptr + 7 <= len) {
				memcpy(o + ptr - 1, a, 4);
				memcpy(o + ptr + 3, b, 4);
				o[2] = (uint8_t)(ptr + 8);
				changed = 1;
			} else if (fl == 3 && ptr + 7 <= len) {
				uint32_t want = mcfwd_rd32(o + ptr - 1);
				if (want != 0 && (want == addr || want == mine)) {
					memcpy(o + ptr + 3, b, 4);
					o[2] = (uint8_t)(ptr + 8);
					changed = 1;
				}
			}
		}
		i += len;
	}
	if (changed) {
		ip[10] = 0;
		ip[11] = 0;
		uint16_t c = (uint16_t)~mcfwd_csum_fold(ip, ihl);
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	}
	return changed;
}

/** What the NIC found of an IPv4 header checksum (RX checksum offload). */
enum mcfwd_csum {
	MCFWD_CSUM_CHECK = 0, /**< not checked: verify it in software */
	MCFWD_CSUM_GOOD,      /**< checked and right */
	MCFWD_CSUM_BAD,       /**< checked and wrong */
};

/**
 * The common frame in a few wide loads: untagged IPv4 with a 20-byte
 * header, multicast data (not IGMP, not 224.0.0.0/24) from a forwardable
 * source, and (ttl_check) TTL above 1. Fills *pi and returns 1 only for a
 * frame mcfwd_classify_general() finds MCFWD_PKT_FWD with the same *pi
 * (test_pkt and the fuzz target hold it to that); 0: ask it.
 */
static inline __attribute__((always_inline)) int
mcfwd_classify_fast(const uint8_t *frame, uint32_t len, struct mcfwd_pkt_info *pi,
		    enum mcfwd_csum cs, int ttl_check)
{
	if (len < MCFWD_ETHER_HDR + 20 || cs == MCFWD_CSUM_BAD)
		return 0;
	const uint8_t *ip = frame + MCFWD_ETHER_HDR;
	/* bytes 12-14: EtherType 0x0800, version 4, IHL 5 */
	uint32_t w = __builtin_bswap32(mcfwd_ld32(frame + 12));
	uint32_t tot = mcfwd_rd16(ip + 2);
	uint32_t src = __builtin_bswap32(mcfwd_ld32(ip + 12));
	uint32_t grp = __builtin_bswap32(mcfwd_ld32(ip + 16));
	uint32_t a = src >> 24;
	if ((w >> 8) != 0x080045u || tot < 20 || tot > len - MCFWD_ETHER_HDR ||
	    (grp >> 28) != 0xe || (grp & 0xffffff00u) == 0xe0000000u ||
	    ip[9] == MCFWD_IPPROTO_IGMP || a == 0 || a == 127 || a >= 0xe0 ||
	    (ttl_check && ip[8] <= 1) ||
	    (cs != MCFWD_CSUM_GOOD && !mcfwd_ipv4_csum_ok(ip, 20)))
		return 0;
	pi->vlan = 0;
	pi->l3_off = MCFWD_ETHER_HDR;
	pi->ip_len = (uint16_t)tot;
	pi->ttl = ip[8];
	pi->proto = ip[9];
	pi->src = src;
	pi->grp = grp;
	return 1;
}

/**
 * Classify a received Ethernet frame, every case (optionally one 802.1Q tag), the IPv4
 * header checksum as the NIC found it (cs). ttl_check 0: a data packet
 * with TTL <= 1 is FWD too (pi->ttl says it), for a caller that looks its
 * (S,G) up to count it there (the worker); MCFWD_PKT_TTL is not returned.
 * @param frame the frame, at least `len` readable bytes
 */
static inline enum mcfwd_class
mcfwd_classify_general(const uint8_t *frame, uint32_t len, struct mcfwd_pkt_info *pi,
		   enum mcfwd_csum cs, int ttl_check)
{
	uint32_t off = MCFWD_ETHER_HDR;
	uint16_t et;

	pi->vlan = 0;
	if (len < MCFWD_ETHER_HDR)
		return MCFWD_PKT_NOT_IP;
	et = mcfwd_rd16(frame + 12);
	if (et == MCFWD_ETHER_VLAN) {
		if (len < MCFWD_ETHER_HDR + 4)
			return MCFWD_PKT_NOT_IP;
		pi->vlan = mcfwd_rd16(frame + 14) & 0x0fff;
		et = mcfwd_rd16(frame + 16);
		off += 4;
	}
	if (et != MCFWD_ETHER_IPV4)
		return MCFWD_PKT_NOT_IP;
	if (len < off + 20)
		return MCFWD_PKT_BAD_HDR;
	const uint8_t *ip = frame + off;
	unsigned int ihl = (ip[0] & 0x0f) * 4u;
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < off + ihl)
		return MCFWD_PKT_BAD_HDR;
	uint16_t tot = mcfwd_rd16(ip + 2);
	if (tot < ihl || tot > len - off)
		return MCFWD_PKT_BAD_HDR;
	if (cs == MCFWD_CSUM_BAD || (cs == MCFWD_CSUM_CHECK && !mcfwd_ipv4_csum_ok(ip, ihl)))
		return MCFWD_PKT_BAD_HDR;
	if (ihl > 20 && mcfwd_ipv4_opts_check(ip, ihl) < 0)
		return MCFWD_PKT_BAD_HDR; /* dropped, as Linux does */
	pi->l3_off = (uint16_t)off;
	pi->ip_len = tot;
	pi->ttl = ip[8];
	pi->proto = ip[9];
	pi->src = mcfwd_rd32(ip + 12);
	pi->grp = mcfwd_rd32(ip + 16);
	/* IGMP to a unicast address goes on: control takes queries and
	 * v1/v2 reports to the interface's own (RFC 3376 4.1.12, 4.2.14) */
	if ((pi->grp >> 28) != 0xe && pi->proto != MCFWD_IPPROTO_IGMP)
		return MCFWD_PKT_NOT_MCAST;
	if (pi->src >= 0xe0000000u || (pi->src >> 24) == 127)
		return MCFWD_PKT_BAD_HDR; /* a multicast, class E, broadcast or loopback
					   * source is invalid (RFC 1812 5.3.7) */
	if (pi->proto == MCFWD_IPPROTO_IGMP || (pi->grp & 0xffffff00u) == 0xe0000000u)
		return MCFWD_PKT_PUNT; /* IGMP may come from 0.0.0.0 (RFC 3376 4.2.13) */
	if ((pi->src >> 24) == 0)
		return MCFWD_PKT_BAD_HDR; /* "this network": not forwarded (RFC 1812 5.3.7) */
	if (ttl_check && pi->ttl <= 1)
		return MCFWD_PKT_TTL;
	return MCFWD_PKT_FWD;
}

/** mcfwd_classify_general(), the common frame by the fast path. */
static inline __attribute__((always_inline)) enum mcfwd_class
mcfwd_classify_ttl(const uint8_t *frame, uint32_t len, struct mcfwd_pkt_info *pi,
		   enum mcfwd_csum cs, int ttl_check)
{
	if (__builtin_expect(mcfwd_classify_fast(frame, len, pi, cs, ttl_check), 1))
		return MCFWD_PKT_FWD;
	return mcfwd_classify_general(frame, len, pi, cs, ttl_check);
}

/** Classify a received frame, the IPv4 header checksum as the NIC found it. */
static inline enum mcfwd_class
mcfwd_classify_csum(const uint8_t *frame, uint32_t len, struct mcfwd_pkt_info *pi,
		    enum mcfwd_csum cs)
{
	return mcfwd_classify_ttl(frame, len, pi, cs, 1);
}

/** Classify a received frame, its IPv4 header checksum verified here. */
static inline enum mcfwd_class
mcfwd_classify(const uint8_t *frame, uint32_t len, struct mcfwd_pkt_info *pi)
{
	return mcfwd_classify_csum(frame, len, pi, MCFWD_CSUM_CHECK);
}

/** Decrement TTL and patch the checksum incrementally (RFC 1624, eqn. 3):
 * the TTL is the high byte of header word 4, so the word drops by 0x0100
 * and the stored checksum (its one's complement) rises by 0x0100, end-around
 * carry included, 0xffff becoming 0 as a full recomputation gives (as
 * Linux's ip_decrease_ttl()). Needs ttl >= 1. */
static inline void
mcfwd_ttl_dec(uint8_t *ip)
{
	uint32_t c = mcfwd_rd16(ip + 10) + 0x0100u;
	c += c >= 0xffff;
	ip[8]--;
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
}

/** The Ethernet multicast address of a group (01:00:5e + low 23 bits). */
static inline void
mcfwd_mcast_mac(uint32_t grp, uint8_t mac[6])
{
	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = (uint8_t)((grp >> 16) & 0x7f);
	mac[4] = (uint8_t)(grp >> 8);
	mac[5] = (uint8_t)grp;
}

#ifdef __cplusplus
}
#endif
#endif
