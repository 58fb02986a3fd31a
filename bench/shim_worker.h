/* SPDX-License-Identifier: BSD-3-Clause */
/* C side of the worker benchmark (bench_worker.cc). */
#ifndef MCFWD_BENCH_SHIM_WORKER_H
#define MCFWD_BENCH_SHIM_WORKER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** EAL on 4 KiB pages, 9 net_null ports (0 in, 1..8 out). 0 or -1. */
int shimw_init(void);
/** Table of `flows` (S,G) entries, each forwarding from port 0 to ports
 * 1..fanout; frames of `size` bytes (Ethernet included); clone_min as the
 * app's --clone-min (0: always copy). 0 or -errno. */
int shimw_setup(uint32_t flows, uint32_t fanout, uint16_t size, uint16_t clone_min);
/** Run `bursts` bursts of 32 frames (next flows in turn) through the
 * worker. @return frames in; *out_pkts: replicas the ports took. */
uint64_t shimw_run(uint32_t bursts, uint64_t *out_pkts);
/** on: the frames carry flows the table does not hold (sources moved from
 * 10/8 to 11/8), each a miss; the punted ones are freed after each run,
 * as control would take them. */
void shimw_unknown(int on);
/** Misses (punted and dropped) so far. */
uint64_t shimw_misses(void);
/** The same frames copied `fanout` times straight to the null ports. */
uint64_t shimw_baseline(uint32_t bursts, uint32_t fanout, uint64_t *out_pkts);
/** The worker's fate counters minus rx (0: every packet accounted for). */
int64_t shimw_accounting_gap(void);
uint64_t shimw_clones(void);
/** c[0..4]: cycles in classify, lookup, forward, packets, bursts so far
 * (struct mcfwd_phase_cycles); tsc_hz. -ENOTSUP unless built with
 * MCFWD_PHASE_CYCLES. */
int shimw_phase_cycles(uint64_t c[5], uint64_t *tsc_hz);

#ifdef __cplusplus
}
#endif
#endif
