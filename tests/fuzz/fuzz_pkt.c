/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the frame classifier and the TTL rewrite on arbitrary bytes.
 * Invariants: nothing read past the frame (ASan), the fast path agrees
 * with the general one (it takes only frames that one forwards, with the
 * same info), a frame classified FWD
 * or PUNT is IPv4 multicast (PUNT: or IGMP to any address) with a valid
 * header checksum, and decrementing
 * the TTL of a forwardable frame keeps its checksum valid, and so does
 * updating its Record Route and Timestamp options (which it passed).
 * Built with libFuzzer under clang (-Dfuzz=true); replayed over the seed
 * corpus as a normal test otherwise (fuzz_replay.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcfwd_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcfwd_pkt_info pi;
	memset(&pi, 0, sizeof(pi));
	uint8_t *f = malloc(size ? size : 1); /* exact size: ASan sees over-reads */
	if (f == NULL)
		return 0;
	memcpy(f, data, size);
	enum mcfwd_class c = mcfwd_classify(f, (uint32_t)size, &pi);
	if (c >= MCFWD_PKT_N_CLASSES)
		abort();
	/* the fast path takes only what the general path forwards, with the
	 * same info, whatever the checksum verdict and TTL mode */
	for (int cs = 0; cs < 3; cs++)
		for (int tc = 0; tc < 2; tc++) {
			struct mcfwd_pkt_info a, b;
			if (!mcfwd_classify_fast(f, (uint32_t)size, &a, (enum mcfwd_csum)cs, tc))
				continue;
			if (mcfwd_classify_general(f, (uint32_t)size, &b, (enum mcfwd_csum)cs, tc) !=
				    MCFWD_PKT_FWD ||
			    a.src != b.src || a.grp != b.grp || a.l3_off != b.l3_off ||
			    a.ip_len != b.ip_len || a.vlan != b.vlan || a.ttl != b.ttl ||
			    a.proto != b.proto)
				abort();
		}
	if (c == MCFWD_PKT_FWD || c == MCFWD_PKT_PUNT) {
		const uint8_t *ip = f + pi.l3_off;
		unsigned int ihl = (ip[0] & 15) * 4u;
		/* unicast only for IGMP (control takes some to its address) */
		if (((pi.grp >> 28) != 0xe && !(c == MCFWD_PKT_PUNT && pi.proto == MCFWD_IPPROTO_IGMP)) ||
		    pi.l3_off + ihl > size ||
		    mcfwd_csum_fold(ip, ihl) != 0xffff)
			abort();
		if (c == MCFWD_PKT_FWD) {
			/* forwarded only from a source that can be one */
			if (pi.ttl <= 1 || !mcfwd_ipv4_src_ok(pi.src))
				abort();
			mcfwd_ttl_dec(f + pi.l3_off);
			if (mcfwd_csum_fold(f + pi.l3_off, ihl) != 0xffff)
				abort();
			/* options the check passed: a copy's update writes
			 * only where the check said there is something to
			 * update (ASan: within the header), checksum right */
			int o = mcfwd_ipv4_opts_check(f + pi.l3_off, ihl);
			if (o < 0)
				abort();
			int ch = mcfwd_ipv4_opts_forward(f + pi.l3_off, ihl, pi.src ^ 0x01010101u,
							 pi.grp, mcfwd_ipv4_opts_ts_want(f + pi.l3_off, ihl));
			if ((ch && !o) || mcfwd_csum_fold(f + pi.l3_off, ihl) != 0xffff)
				abort();
		}
	}
	free(f);
	return 0;
}
