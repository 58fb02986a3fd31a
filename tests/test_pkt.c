/* SPDX-License-Identifier: BSD-3-Clause */
/* Packet classification and rewriting (include/mcfwd_pkt.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mcfwd_pkt.h"

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static void
fix_csum(uint8_t *ip)
{
	unsigned int ihl = (ip[0] & 15) * 4u;
	wr16(ip + 10, 0);
	wr16(ip + 10, (uint16_t)~mcfwd_csum_fold(ip, ihl));
}

/* An Ethernet + IPv4 + 8-byte payload frame; vlan 0 = untagged. */
static uint32_t
mk(uint8_t *f, uint16_t vlan, uint32_t src, uint32_t grp, uint8_t ttl, uint8_t proto)
{
	uint32_t off = 14;
	memset(f, 0, 128);
	if (vlan) {
		wr16(f + 12, 0x8100);
		wr16(f + 14, vlan);
		wr16(f + 16, 0x0800);
		off = 18;
	} else
		wr16(f + 12, 0x0800);
	uint8_t *ip = f + off;
	ip[0] = 0x45;
	wr16(ip + 2, 28);
	ip[8] = ttl;
	ip[9] = proto;
	wr32(ip + 12, src);
	wr32(ip + 16, grp);
	fix_csum(ip);
	return off + 28;
}

/* The NIC's verdict on the header checksum (RX offload) replaces the
 * software check; without one software decides. Everything else is still
 * checked. */
static void
test_csum_offload(void **st)
{
	(void)st;
	uint8_t f[128];
	struct mcfwd_pkt_info pi;
	uint32_t len = mk(f, 0, 0x0a000001u, 0xe8010101u, 64, 17);
	assert_int_equal(mcfwd_classify_csum(f, len, &pi, MCFWD_CSUM_BAD), MCFWD_PKT_BAD_HDR);
	assert_int_equal(mcfwd_classify_csum(f, len, &pi, MCFWD_CSUM_GOOD), MCFWD_PKT_FWD);
	f[14 + 10] ^= 0x5a; /* a wrong checksum */
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	assert_int_equal(mcfwd_classify_csum(f, len, &pi, MCFWD_CSUM_CHECK), MCFWD_PKT_BAD_HDR);
	assert_int_equal(mcfwd_classify_csum(f, len, &pi, MCFWD_CSUM_GOOD), MCFWD_PKT_FWD);
	assert_int_equal(pi.grp, 0xe8010101u);
	/* a good checksum does not make a bad header good */
	f[14] = 0x44; /* IHL 4 */
	assert_int_equal(mcfwd_classify_csum(f, len, &pi, MCFWD_CSUM_GOOD), MCFWD_PKT_BAD_HDR);
	len = mk(f, 0, 0x0a000001u, 0x0a000002u, 64, 17);
	assert_int_equal(mcfwd_classify_csum(f, len, &pi, MCFWD_CSUM_BAD), MCFWD_PKT_BAD_HDR);
	wr16(f + 12, 0x86dd); /* not IPv4 at all: the verdict is not looked at */
	assert_int_equal(mcfwd_classify_csum(f, len, &pi, MCFWD_CSUM_BAD), MCFWD_PKT_NOT_IP);
}

static void
test_forwardable(void **st)
{
	(void)st;
	uint8_t f[128];
	struct mcfwd_pkt_info pi;
	uint32_t len = mk(f, 0, 0x0a000001u, 0xe8010101u, 64, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_FWD);
	assert_int_equal(pi.src, 0x0a000001u);
	assert_int_equal(pi.grp, 0xe8010101u);
	assert_int_equal(pi.l3_off, 14);
	assert_int_equal(pi.ttl, 64);
	assert_int_equal(pi.vlan, 0);
	assert_int_equal(pi.ip_len, 28);
	/* trailing Ethernet padding is fine */
	assert_int_equal(mcfwd_classify(f, len + 18, &pi), MCFWD_PKT_FWD);
	len = mk(f, 42, 0x0a000001u, 0xe8010101u, 2, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_FWD);
	assert_int_equal(pi.vlan, 42);
	assert_int_equal(pi.l3_off, 18);
}

static void
test_punted_and_dropped(void **st)
{
	(void)st;
	uint8_t f[128];
	struct mcfwd_pkt_info pi;
	uint32_t len;
	/* IGMP and link-local groups go to control */
	len = mk(f, 0, 0x0a000001u, 0xe8010101u, 1, 2);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_PUNT);
	len = mk(f, 0, 0x0a000001u, 0xe0000005u, 64, 89);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_PUNT);
	/* 224.0.1.x is not link-local */
	len = mk(f, 0, 0x0a000001u, 0xe0000105u, 64, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_FWD);
	/* TTL 1 and 0 cannot be forwarded */
	len = mk(f, 0, 0x0a000001u, 0xe8010101u, 1, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_TTL);
	len = mk(f, 0, 0x0a000001u, 0xe8010101u, 0, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_TTL);
	/* unicast, broadcast */
	len = mk(f, 0, 0x0a000001u, 0x0a000002u, 64, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_NOT_MCAST);
	len = mk(f, 0, 0x0a000001u, 0xffffffffu, 64, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_NOT_MCAST);
	/* IGMP to a unicast address goes to control, which takes queries and
	 * v1/v2 reports to the interface's own (RFC 3376 4.1.12, 4.2.14) */
	len = mk(f, 0, 0x0a000001u, 0x0a000002u, 1, 2);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_PUNT);
	/* ... after the source checks, as to a group (found by review) */
	len = mk(f, 0, 0x7f000001u, 0x0a000002u, 1, 2);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	len = mk(f, 0, 0xe0010101u, 0x0a000002u, 1, 2);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	/* a multicast, class E or broadcast source is invalid */
	len = mk(f, 0, 0xe0000001u, 0xe8010101u, 64, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	len = mk(f, 0, 0xf0000001u, 0xe8010101u, 64, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	len = mk(f, 0, 0xfffffffeu, 0xe8010101u, 64, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	len = mk(f, 0, 0xdfffffffu, 0xe8010101u, 64, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_FWD);
	/* what can be a source (the control plane's checks share it) */
	assert_true(mcfwd_ipv4_src_ok(0x0a000001u));
	assert_false(mcfwd_ipv4_src_ok(0));
	assert_false(mcfwd_ipv4_src_ok(0xe0000001u));
	assert_false(mcfwd_ipv4_src_ok(0xefffffffu));
	assert_false(mcfwd_ipv4_src_ok(0xffffffffu));
	assert_false(mcfwd_ipv4_src_ok(0xf0000001u));
	assert_true(mcfwd_ipv4_src_ok(0xdfffffffu));
	/* loopback and "this network" sources (found by review: forwarded) */
	assert_false(mcfwd_ipv4_src_ok(0x7f000001u));
	assert_false(mcfwd_ipv4_src_ok(0x00000001u));
	assert_true(mcfwd_ipv4_src_ok(0x01000000u));
	assert_true(mcfwd_ipv4_src_ok(0x7e000001u));
	assert_true(mcfwd_ipv4_src_ok(0x80000001u));
	len = mk(f, 0, 0x7f000001u, 0xe8010101u, 64, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	len = mk(f, 0, 0x7fffffffu, 0xe8010101u, 1, 2); /* not IGMP's either */
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	len = mk(f, 0, 0x00000005u, 0xe8010101u, 64, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	len = mk(f, 0, 0x7e000001u, 0xe8010101u, 64, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_FWD);
	/* data from 0.0.0.0 is not forwarded; IGMP from it goes to control */
	len = mk(f, 0, 0, 0xe8010101u, 64, 17);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	len = mk(f, 0, 0, 0xe8010101u, 1, 2);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_PUNT);
	/* not IPv4 */
	len = mk(f, 0, 0x0a000001u, 0xe8010101u, 64, 17);
	wr16(f + 12, 0x86dd);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_NOT_IP);
}

static void
test_bad_headers(void **st)
{
	(void)st;
	uint8_t f[128];
	struct mcfwd_pkt_info pi;
	uint32_t len = mk(f, 0, 0x0a000001u, 0xe8010101u, 64, 17);
	uint8_t *ip = f + 14;

	/* every truncation of a good frame is rejected, never read past */
	for (uint32_t l = 0; l < len; l++) {
		uint8_t *copy = malloc(l ? l : 1);
		memcpy(copy, f, l);
		enum mcfwd_class c = mcfwd_classify(copy, l, &pi);
		assert_true(c == MCFWD_PKT_NOT_IP || c == MCFWD_PKT_BAD_HDR);
		free(copy);
	}
	ip[0] = 0x65; /* version 6 */
	fix_csum(ip);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	ip[0] = 0x44; /* IHL 16 bytes */
	fix_csum(ip);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	ip[0] = 0x45;
	wr16(ip + 2, 200); /* total length past the frame */
	fix_csum(ip);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	wr16(ip + 2, 19); /* shorter than the header */
	fix_csum(ip);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	wr16(ip + 2, 28);
	fix_csum(ip);
	ip[11] ^= 1; /* checksum */
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
	ip[11] ^= 1;
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_FWD);
	/* options: IHL 6 with 4 bytes of options, still fine */
	uint8_t g[128];
	memset(g, 0, sizeof(g));
	memcpy(g, f, 14 + 20);
	g[14] = 0x46;
	wr16(g + 16, 32);
	fix_csum(g + 14);
	assert_int_equal(mcfwd_classify(g, 14 + 32, &pi), MCFWD_PKT_FWD);
}

/* A frame (mk()) with the IPv4 options o[0..n) (n a multiple of 4, at
 * most 40): IHL, total length and checksum follow. @return its IP header */
static uint8_t *
mk_opts(uint8_t *f, uint32_t *len, const uint8_t *o, unsigned int n)
{
	mk(f, 0, 0x0a000001, 0xe1010101, 64, 17);
	uint8_t *ip = f + 14;
	memmove(ip + 20 + n, ip + 20, 8);
	memcpy(ip + 20, o, n);
	ip[0] = (uint8_t)(0x40 | ((20 + n) / 4));
	wr16(ip + 2, (uint16_t)(28 + n));
	fix_csum(ip);
	*len = 14 + 28 + n;
	return ip;
}

static int
ihl_of(const uint8_t *ip)
{
	return (ip[0] & 15) * 4;
}

/* Record Route and Timestamp (RFC 791, RFC 1812 4.2.2.1): what the check
 * refuses (dropped as a bad header), what forwarding writes, each copy
 * with its own address, the checksum right after each. */
static void
test_ip_options(void **st)
{
	(void)st;
	uint8_t f[128];
	uint32_t len;
	struct mcfwd_pkt_info pi;
	const uint32_t A = 0x0a000101, B = 0x0a000201, C = 0x0a000301, T = 0x01020304;

	/* RR with two slots (NOP first, EOL padding after) */
	const uint8_t rr[12] = { 1, 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t *ip = mk_opts(f, &len, rr, 12);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_FWD);
	assert_int_equal(mcfwd_ipv4_opts_check(ip, 32), MCFWD_OPT_RR);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 32, A, T, C), 1);
	assert_int_equal(mcfwd_csum_fold(ip, 32), 0xffff);
	assert_int_equal(ip[23], 8);
	assert_int_equal(mcfwd_rd32(ip + 24), A);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 32, B, T, C), 1);
	assert_int_equal(ip[23], 12);
	assert_int_equal(mcfwd_rd32(ip + 28), B);
	assert_int_equal(mcfwd_csum_fold(ip, 32), 0xffff);
	/* full: forwarded as it is */
	assert_int_equal(mcfwd_ipv4_opts_check(ip, 32), 0);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_FWD);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 32, C, T, C), 0);
	assert_int_equal(mcfwd_rd32(ip + 28), B);
	/* no address to give: left as it is */
	ip = mk_opts(f, &len, rr, 12);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 32, 0, T, C), 0);
	assert_int_equal(ip[23], 4);

	/* RR in error: some room but not a slot, length 2, pointer 3, twice,
	 * an option longer than the header, one cut after its type; TS in
	 * error; source routes (Linux drops them on multicast) */
	static const uint8_t bad[][12] = {
		{ 7, 9, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 7, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 7, 7, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 7, 3, 4, 7, 7, 4, 0, 0, 0, 0, 0, 0 },
		{ 7, 13, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0x94 },
		{ 0x94, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 68, 3, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0 },   /* TS shorter than 4 */
		{ 68, 8, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0 },   /* TS pointer 4 */
		{ 68, 10, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0 },  /* TS flag 0: 2 bytes of room */
		{ 68, 12, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0 },  /* TS flag 1: 4 bytes of room */
		{ 68, 8, 9, 0xf0, 0, 0, 0, 0, 0, 0, 0, 0 }, /* full, overflow count 15 */
		{ 131, 7, 4, 10, 9, 9, 9, 0, 0, 0, 0, 0 }, /* a loose source route */
		{ 137, 7, 8, 10, 9, 9, 9, 0, 0, 0, 0, 0 }, /* strict, used up */
		{ 137, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0 },  /* strict, pointer 2 */
		{ 148, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },  /* Router Alert of 2 bytes */
	};
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ip = mk_opts(f, &len, bad[i], 12);
		assert_int_equal(mcfwd_ipv4_opts_check(ip, 32), -1);
		assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_BAD_HDR);
		/* forwarding code given one anyway reads nothing outside it */
		(void)mcfwd_ipv4_opts_forward(ip, 32, A, T, C);
	}
	/* after EOL nothing is read; an unknown option is kept */
	const uint8_t eol[8] = { 0x94, 4, 0, 0, 0, 7, 1, 1 };
	ip = mk_opts(f, &len, eol, 8);
	assert_int_equal(mcfwd_ipv4_opts_check(ip, 28), 0);
	assert_int_equal(mcfwd_classify(f, len, &pi), MCFWD_PKT_FWD);

	/* TS flag 0: stamps, then full: its overflow count rises */
	const uint8_t ts0[12] = { 68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	ip = mk_opts(f, &len, ts0, 12);
	assert_int_equal(mcfwd_ipv4_opts_check(ip, 32), MCFWD_OPT_TS);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 32, A, T, C), 1);
	assert_int_equal(mcfwd_rd32(ip + 24), T);
	assert_int_equal(ip[22], 9);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 32, A, T + 1, C), 1);
	assert_int_equal(mcfwd_rd32(ip + 28), T + 1);
	assert_int_equal(ip[22], 13);
	assert_int_equal(mcfwd_ipv4_opts_check(ip, 32), MCFWD_OPT_TS);
	for (int k = 1; k <= 15; k++) {
		assert_int_equal(mcfwd_ipv4_opts_forward(ip, 32, A, T, C), 1);
		assert_int_equal(ip[23] >> 4, k);
		assert_int_equal(mcfwd_csum_fold(ip, 32), 0xffff);
	}
	assert_int_equal(mcfwd_ipv4_opts_check(ip, 32), -1); /* would overflow */

	/* TS flag 1: address and stamp; no address: as it is */
	const uint8_t ts1[12] = { 68, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
	ip = mk_opts(f, &len, ts1, 12);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 32, 0, T, C), 0);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 32, B, T, C), 1);
	assert_int_equal(mcfwd_rd32(ip + 24), B);
	assert_int_equal(mcfwd_rd32(ip + 28), T);
	assert_int_equal(ip[22], 13);
	assert_int_equal(mcfwd_csum_fold(ip, 32), 0xffff);

	/* TS flag 3: stamped only where the next address is ours (the
	 * outgoing interface's or any of the router's) */
	uint8_t ts3[20] = { 68, 20, 5, 3 };
	wr32(ts3 + 4, B);
	wr32(ts3 + 12, C);
	ip = mk_opts(f, &len, ts3, 20);
	assert_int_equal(mcfwd_ipv4_opts_check(ip, 40), MCFWD_OPT_TS);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 40, A, T, C), 0);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 40, B, T, C), 1);
	assert_int_equal(mcfwd_rd32(ip + 28), T);
	assert_int_equal(ip[22], 13);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 40, A, T + 2, C), 1); /* C: ours */
	assert_int_equal(mcfwd_rd32(ip + 36), T + 2);
	assert_int_equal(ip[22], 21);
	assert_int_equal(mcfwd_csum_fold(ip, 40), 0xffff);
	/* the caller's find among the router's addresses (the worker looks
	 * through every interface's, test_worker): that one is stamped,
	 * another one or none is not */
	ip = mk_opts(f, &len, ts3, 20);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 40, A, T, C), 0);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 40, A, T, 0), 0);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 40, A, T, B), 1);
	assert_int_equal(ip[22], 13);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 40, A, T, B), 0);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 40, A, T, C), 1);
	assert_int_equal(ip[22], 21);
	/* the address asked next, for the worker's one look a packet */
	ip = mk_opts(f, &len, ts3, 20);
	assert_int_equal(mcfwd_ipv4_opts_ts_want(ip, 40), B);
	ip[22] = 13;
	assert_int_equal(mcfwd_ipv4_opts_ts_want(ip, 40), C);
	ip[22] = 21; /* full */
	assert_int_equal(mcfwd_ipv4_opts_ts_want(ip, 40), 0);
	ip[22] = 13;
	ip[23] = 1; /* flag 1: nothing prespecified */
	assert_int_equal(mcfwd_ipv4_opts_ts_want(ip, 40), 0);
	ip = mk_opts(f, &len, rr, 12);
	assert_int_equal(mcfwd_ipv4_opts_ts_want(ip, 32), 0);
	uint8_t ts3z[12] = { 68, 12, 5, 3 }; /* prespecified 0.0.0.0 */
	ip = mk_opts(f, &len, ts3z, 12);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 32, 0, T, 0), 0);

	/* an unknown flag is left alone (as Linux does) */
	const uint8_t ts2[12] = { 68, 12, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0 };
	ip = mk_opts(f, &len, ts2, 12);
	assert_int_equal(mcfwd_ipv4_opts_check(ip, 32), 0);
	assert_int_equal(mcfwd_ipv4_opts_forward(ip, 32, A, T, C), 0);
	assert_int_equal(ihl_of(ip), 32);
}

static void
test_ttl_decrement_keeps_checksum(void **st)
{
	(void)st;
	uint8_t f[128];
	uint64_t seed = 12345;
	for (int round = 0; round < 20000; round++) {
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		uint8_t ttl = (uint8_t)(2 + seed % 254);
		mk(f, 0, (uint32_t)seed | 0x01000000u, 0xe0000100u | ((uint32_t)(seed >> 32) & 0x0fffffffu),
		   ttl, (uint8_t)(seed >> 8));
		uint8_t *ip = f + 14;
		ip[4] = (uint8_t)(seed >> 40); /* vary the id too */
		ip[5] = (uint8_t)(seed >> 48);
		fix_csum(ip);
		mcfwd_ttl_dec(ip);
		assert_int_equal(ip[8], ttl - 1);
		assert_int_equal(mcfwd_csum_fold(ip, 20), 0xffff);
		/* and exactly what a full recomputation writes */
		uint8_t full[20];
		memcpy(full, ip, 20);
		fix_csum(full);
		assert_memory_equal(ip + 10, full + 10, 2);
	}
	/* the end-around carry's edge: a checksum of 0xfeff becomes 0x0000
	 * (never 0xffff, which no computation produces); find an id giving it */
	mk(f, 0, 0x0a000001u, 0xe8010101u, 64, 17);
	uint8_t *ip = f + 14;
	int found = 0;
	for (uint32_t id = 0; id < 65536 && !found; id++) {
		wr16(ip + 4, (uint16_t)id);
		ip[8] = 64;
		fix_csum(ip);
		if (mcfwd_rd16(ip + 10) != 0xfeff)
			continue;
		found = 1;
		mcfwd_ttl_dec(ip);
		assert_int_equal(mcfwd_rd16(ip + 10), 0x0000);
		assert_int_equal(mcfwd_csum_fold(ip, 20), 0xffff);
	}
	assert_true(found);
}

/* The classifier's fast path may only take a frame the general path
 * forwards, with the same info: every byte of the first 40 of valid
 * untagged, tagged and boundary frames is set to values that matter (0,
 * 1, 0x7f, 0x80, 0xe0, 0xff, +-1), in every checksum verdict, both TTL
 * modes and several lengths; and the common frame does take it. */
static void
test_fast_path_agrees(void **st)
{
	(void)st;
	static const uint32_t srcs[] = { 0x0a000001u, 0x01000001u, 0x7effffffu, 0xdfffffffu,
					 0xf0000001u, 0xfffffffeu };
	static const uint32_t grps[] = { 0xe8010101u, 0xe0000100u, 0xefffffffu, 0xe00000ffu };
	static const uint8_t vals[] = { 0, 1, 2, 0x04, 0x08, 0x45, 0x46, 0x7f, 0x80, 0x81, 0xe0, 0xef,
					0xf0, 0xff };
	uint8_t f[128];
	unsigned long taken = 0, checked = 0;
	for (unsigned int si = 0; si < sizeof(srcs) / sizeof(srcs[0]); si++)
		for (unsigned int gi = 0; gi < sizeof(grps) / sizeof(grps[0]); gi++)
			for (uint16_t vlan = 0; vlan <= 7; vlan += 7) {
				uint32_t len0 = mk(f, vlan, srcs[si], grps[gi], 64, 17);
				for (int pos = -1; pos < 40; pos++)
					for (unsigned int vi = 0; vi < sizeof(vals); vi++) {
						uint8_t g[128];
						memcpy(g, f, sizeof(g));
						if (pos >= 0)
							g[pos] = (uint8_t)(vals[vi] + (vi & 1 ? 0 : f[pos]));
						for (uint32_t len = len0 - 1; len <= len0 + 1; len++)
							for (int cs = 0; cs < 3; cs++)
								for (int tc = 0; tc < 2; tc++) {
									struct mcfwd_pkt_info a, b;
									memset(&a, 0xaa, sizeof(a));
									memset(&b, 0x55, sizeof(b));
									checked++;
									if (!mcfwd_classify_fast(g, len, &a, (enum mcfwd_csum)cs, tc))
										continue;
									taken++;
									assert_int_equal(mcfwd_classify_general(g, len, &b, (enum mcfwd_csum)cs, tc),
											 MCFWD_PKT_FWD);
									assert_int_equal(a.src, b.src);
									assert_int_equal(a.grp, b.grp);
									assert_int_equal(a.l3_off, b.l3_off);
									assert_int_equal(a.ip_len, b.ip_len);
									assert_int_equal(a.vlan, b.vlan);
									assert_int_equal(a.ttl, b.ttl);
									assert_int_equal(a.proto, b.proto);
								}
					}
			}
	assert_true(taken > 1000 && taken < checked);
	/* the common frame takes it */
	struct mcfwd_pkt_info pi;
	uint32_t len = mk(f, 0, 0x0a000001u, 0xe8010101u, 64, 17);
	assert_int_equal(mcfwd_classify_fast(f, len, &pi, MCFWD_CSUM_CHECK, 1), 1);
	assert_int_equal(mcfwd_classify_fast(f, len, &pi, MCFWD_CSUM_GOOD, 1), 1);
}

static void
test_multicast_mac(void **st)
{
	(void)st;
	uint8_t mac[6];
	mcfwd_mcast_mac(0xefff0102u, mac); /* 239.255.1.2: the top bit of the 2nd byte drops */
	const uint8_t want[6] = { 0x01, 0x00, 0x5e, 0x7f, 0x01, 0x02 };
	assert_memory_equal(mac, want, 6);
	mcfwd_mcast_mac(0xe0000001u, mac);
	const uint8_t want2[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	assert_memory_equal(mac, want2, 6);
}

/* The fast checksum test agrees with the byte-wise fold on random headers,
 * valid ones (fixed up) and corrupted ones (one bit flipped). */
static void
t_csum_fast_matches(void **state)
{
	(void)state;
	uint64_t x = 0x243f6a8885a308d3ull;
	for (int n = 0; n < 200000; n++) {
		uint8_t ip[60];
		unsigned int ihl = 20 + 4 * (unsigned int)(n % 11);
		for (unsigned int i = 0; i < ihl; i++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			ip[i] = (uint8_t)x;
		}
		if (n % 3 != 0) {
			ip[10] = ip[11] = 0;
			uint16_t c = (uint16_t)~mcfwd_csum_fold(ip, ihl);
			ip[10] = (uint8_t)(c >> 8);
			ip[11] = (uint8_t)c;
			if (n % 3 == 2)
				ip[x % ihl] ^= (uint8_t)(1u << (x >> 8 & 7));
		}
		assert_int_equal(mcfwd_ipv4_csum_ok(ip, ihl), mcfwd_csum_fold(ip, ihl) == 0xffff);
	}
	/* the edges: all zero (sum 0, not 0xffff), all ones, sums of 0xffff * k */
	uint8_t z[60];
	memset(z, 0, sizeof(z));
	assert_false(mcfwd_ipv4_csum_ok(z, 20));
	assert_int_equal(mcfwd_csum_fold(z, 20), 0);
	memset(z, 0xff, sizeof(z));
	assert_true(mcfwd_ipv4_csum_ok(z, 20));
	assert_true(mcfwd_ipv4_csum_ok(z, 60));
	memset(z, 0, sizeof(z));
	z[0] = 0xff;
	z[1] = 0xfe;
	z[2] = 0x00;
	z[3] = 0x01; /* 0xfffe + 0x0001 */
	assert_true(mcfwd_ipv4_csum_ok(z, 20));
	z[3] = 0x02;
	assert_false(mcfwd_ipv4_csum_ok(z, 20));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_csum_fast_matches),
		cmocka_unit_test(test_forwardable),
		cmocka_unit_test(test_csum_offload),
		cmocka_unit_test(test_punted_and_dropped),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_ip_options),
		cmocka_unit_test(test_ttl_decrement_keeps_checksum),
		cmocka_unit_test(test_multicast_mac),
		cmocka_unit_test(test_fast_path_agrees),
	};
	return cmocka_run_group_tests_name("pkt", tests, NULL, NULL);
}
