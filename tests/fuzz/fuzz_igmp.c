/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the IGMP router's parser and state machine, against the
 * real MGM (EAL --no-huge, initialised once).
 *
 * Each input is used twice: first as one received IP packet, then as a
 * script of chunks [op][len hi][len lo][len bytes]:
 *   op % 5 == 0  a packet on the IGMP interface
 *   op % 5 == 1  the clock moves (first 4 bytes, ms, below 10 min), tick
 *   op % 5 == 2  a packet on an interface IGMP does not run on
 *   op % 5 == 3  a routing protocol takes or releases the interface
 *                (DISABLE/ENABLE_IGMP), then the MGM timers run
 *   op % 5 == 4  interface configuration from the bytes (maybe invalid)
 * Invariants: nothing read out of bounds (ASan); every query sent has TTL
 * 1, the Router Alert option and valid checksums; an interface in version
 * 1 sends only v1 general queries (8 bytes, code 0, group 0); the counts IGMP keeps
 * (groups per interface and in all, sources per group) match its state;
 * after a tick no timer that is due is left running (a forwarding source
 * or an EXCLUDE group with no time left); after igmp_destroy() MGM holds
 * no membership of IGMP's.
 * Built with libFuzzer under clang (-Dfuzz=true); replayed over the seed
 * corpus as a normal test otherwise (fuzz_replay.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "mgm.h"
#include "mcfwd_igmp.h"
#include "mcfwd_pkt.h"
#include "../test_eal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IF1 1u
#define IF2 2u

static struct mfc *cache;
static struct mgm *mgm;
static mgm_handle_t owner;
static bool owned;
static uint8_t version; /* the interface's, as last set */
static uint64_t now_ms = 1000000;

static uint64_t
fake_ms(void *a)
{
	(void)a;
	return now_ms;
}

static uint64_t
fake_s(void *a)
{
	(void)a;
	return now_ms / 1000;
}

static uint16_t
sum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;
	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		s += (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static int
check_send(void *arg, uint32_t ifindex, const void *pkt, size_t len)
{
	const uint8_t *p = pkt;
	(void)arg;
	if (ifindex != IF1 || len < 32 || len > 1500 || p[0] != 0x46 || p[8] != 1 || p[9] != 2 ||
	    p[20] != 0x94 || p[21] != 4 || sum(p, 24) != 0xffff || sum(p + 24, len - 24) != 0xffff ||
	    p[24] != 0x11 || (size_t)(p[2] << 8 | p[3]) != len)
		abort();
	if (version == 1 && (len != 32 || p[25] != 0 || p[28] | p[29] | p[30] | p[31]))
		abort();
	return 0;
}

static void
fini(void)
{
	mgm_destroy(mgm);
	mfc_destroy(cache);
	rte_eal_cleanup();
}

static void
init(void)
{
	char prefix[64], lc[32];
	snprintf(prefix, sizeof(prefix), "--file-prefix=mcfwd-fuzz-igmp-%d", (int)getpid());
	char *eal[] = { "fuzz_igmp", "--no-huge", "-m", "256", prefix, "--no-pci", "--lcores",
			(char *)test_lcores(lc, sizeof(lc), 1),
			"--log-level=lib.eal:error", "--no-telemetry", NULL };
	if (rte_eal_init(10, eal) < 0)
		abort();
	struct mfc_params cp = { .max_entries = 1024, .n_lcores = 1 };
	cache = mfc_create(&cp);
	struct mgm_params mp = { .cache = cache, .now = fake_s, .now_ms = fake_ms, .name = "fz" };
	mgm = mgm_create(&mp);
	if (cache == NULL || mgm == NULL)
		abort();
	static const struct mgm_callbacks none;
	if (mgm_protocol_register(mgm, 1, 0, &none, NULL, &owner) < 0 ||
	    mgm_interface_address_add(mgm, IF1, 0x0a0100feu, 24) < 0)
		abort();
	atexit(fini);
}

/* The kept counts against a walk of the state; after a tick, nothing due
 * left undone. */
static void
check_state(const struct igmp *ig, bool ticked)
{
	struct igmp_if_info ii;
	struct igmp_group_info gi;
	struct igmp_source_info src[64];
	if (igmp_if_info_get(ig, IF1, &ii) < 0)
		abort();
	uint32_t n = 0;
	for (uint32_t ns = 64; igmp_group_at(ig, IF1, n, &gi, src, &ns) == 0; n++, ns = 64) {
		if (gi.n_sources != ns)
			abort();
		if (ticked && gi.mode == IGMP_MODE_EXCLUDE && gi.timer_ms == 0)
			abort();
		for (uint32_t i = 0; i < ns; i++)
			if (ticked && src[i].forwarding && src[i].timer_ms == 0)
				abort();
	}
	if (n != ii.n_groups || n != igmp_group_count(ig))
		abort();
}

/* Set the IP header's and the IGMP message's checksums right (as far as
 * the lengths allow): a mutated byte almost always broke one, and the
 * packet stopped at that check, short of the record parser and the state
 * tables (found by review). Packets with the flag only, so that the
 * checks themselves stay fuzzed. */
static void
fix_csums(uint8_t *q, size_t len)
{
	if (len < 20 || (q[0] >> 4) != 4)
		return;
	size_t ihl = (size_t)(q[0] & 15) * 4, tot = (size_t)q[2] << 8 | q[3];
	if (ihl < 20 || ihl > len)
		return;
	q[10] = q[11] = 0;
	uint16_t c = (uint16_t)~mcfwd_csum_fold(q, ihl);
	q[10] = (uint8_t)(c >> 8);
	q[11] = (uint8_t)c;
	if (tot > len)
		tot = len;
	if (tot < ihl + 4)
		return;
	q[ihl + 2] = q[ihl + 3] = 0;
	c = (uint16_t)~mcfwd_csum_fold(q + ihl, tot - ihl);
	q[ihl + 2] = (uint8_t)(c >> 8);
	q[ihl + 3] = (uint8_t)c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		init();
		ready = true;
	}
	struct igmp_params p = { .mgm = mgm, .send = check_send, .now_ms = fake_ms,
				 .tick_ms = UINT32_MAX, .max_groups_per_if = 64,
				 .max_sources_per_group = 64 };
	struct igmp *ig = igmp_create(&p);
	version = 3;
	if (ig == NULL || igmp_if_enable(ig, IF1, NULL) < 0)
		abort();
	/* exact-size copies: ASan sees any over-read */
	uint8_t *b = malloc(size ? size : 1);
	if (b == NULL)
		abort();
	memcpy(b, data, size);
	(void)igmp_input(ig, IF1, b, size, NULL);
	free(b);

	size_t off = 0;
	while (off + 3 <= size) {
		uint8_t op = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		const uint8_t *c = data + off;
		off += len;
		switch (op % 5) {
		case 0:
		case 2: {
			uint8_t *q = malloc(len ? len : 1);
			if (q == NULL)
				abort();
			memcpy(q, c, len);
			if (op & 0x80)
				fix_csums(q, len);
			(void)igmp_input(ig, op % 5 ? IF2 : IF1, q, len, NULL);
			free(q);
			break;
		}
		case 1: {
			uint32_t ms = 0;
			for (size_t i = 0; i < len && i < 4; i++)
				ms = ms << 8 | c[i];
			now_ms += ms % 600000;
			igmp_tick(ig);
			check_state(ig, true);
			break;
		}
		case 3:
			if (owned)
				(void)mgm_interface_release(mgm, owner, IF1, 0);
			else
				(void)mgm_interface_take(mgm, owner, IF1, 0);
			owned = !owned;
			if (len & 1) /* sometimes a packet before the resume */
				igmp_tick(ig);
			(void)mgm_poll(mgm, 0);
			break;
		case 4: {
			uint8_t v[12] = { 0 };
			memcpy(v, c, len < sizeof(v) ? len : sizeof(v));
			struct igmp_if_cfg cfg = {
				.version = v[0], .robustness = v[1],
				.query_interval_ms = (uint32_t)v[2] * 1000,
				.query_response_ms = (uint32_t)v[3] * 100,
				.gmi_ms = (uint32_t)v[4] * 1000, .lmqi_ms = (uint32_t)v[5] * 100,
				.lmqc = v[6], .startup_qi_ms = (uint32_t)v[7] * 1000,
				.startup_qc = v[8], .require_router_alert = v[9] & 1,
			};
			if (igmp_if_set_cfg(ig, IF1, &cfg) == 0)
				version = cfg.version ? cfg.version : 3;
			break;
		}
		}
		check_state(ig, false);
	}
	igmp_tick(ig);
	(void)mgm_poll(mgm, 0);
	igmp_destroy(ig);
	if (owned) {
		(void)mgm_interface_release(mgm, owner, IF1, 0);
		owned = false;
	}
	(void)mgm_poll(mgm, 0);
	if (mgm_membership_count(mgm) != 0)
		abort();
	return 0;
}
