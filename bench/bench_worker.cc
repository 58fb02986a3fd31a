// SPDX-License-Identifier: BSD-3-Clause
// The forwarding worker in-process: input Mpps through mcfwd_worker_burst()
// to net_null ports, by flows, fan-out, frame size and replication mode,
// against a baseline (the same frames copied straight to the ports) run
// in the same process. All work is C (shim_worker.c).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "shim_worker.h"

namespace {

constexpr uint32_t kBursts = 256; // per iteration: 8192 frames

// range: flows, fan-out, size, mode (0 copy, 1 clone above 0 bytes)
void
BM_Worker(benchmark::State &st)
{
	auto flows = static_cast<uint32_t>(st.range(0));
	auto fan = static_cast<uint32_t>(st.range(1));
	auto size = static_cast<uint16_t>(st.range(2));
	bool clone = st.range(3) != 0;
	if (shimw_setup(flows, fan, size, clone ? 1 : 0) < 0) {
		st.SkipWithError("setup failed");
		return;
	}
	uint64_t in = 0, out = 0, c0[5], c1[5], hz = 0;
	bool phases = shimw_phase_cycles(c0, &hz) == 0;
	for (auto _ : st) {
		uint64_t o = 0;
		in += shimw_run(kBursts, &o);
		out += o;
	}
	if (phases) {
		// bench_worker_phases: TSC cycles per packet in each pass of a
		// burst, and the whole loop's (frame making and TX included)
		shimw_phase_cycles(c1, &hz);
		double n = static_cast<double>(c1[3] - c0[3]);
		if (n == 0 || c1[3] - c0[3] != in) {
			st.SkipWithError("phase counters missed packets");
		} else {
			st.counters["cyc_classify"] = static_cast<double>(c1[0] - c0[0]) / n;
			st.counters["cyc_lookup"] = static_cast<double>(c1[1] - c0[1]) / n;
			st.counters["cyc_forward"] = static_cast<double>(c1[2] - c0[2]) / n;
			st.counters["tsc_mhz"] = static_cast<double>(hz) / 1e6;
		}
	}
	if (shimw_accounting_gap() != 0)
		st.SkipWithError("worker counters do not add up");
	if (out != in * fan)
		st.SkipWithError("replicas missing");
	if (clone && fan > 1 && shimw_clones() == 0)
		st.SkipWithError("no clone made");
	st.counters["mpps_in"] = benchmark::Counter(static_cast<double>(in) / 1e6,
						    benchmark::Counter::kIsRate);
	st.counters["mpps_out"] = benchmark::Counter(static_cast<double>(out) / 1e6,
						     benchmark::Counter::kIsRate);
	st.SetLabel(clone ? "clone" : "copy");
}

// Frames of flows the table does not hold (fan-out 1 entries, 64 B): every
// one a miss, punted to control at the punt limit (20000/s) or dropped, as
// in a flood of unknown (S,G)s or while a released input's flows wait for
// their negative entries. range: entries in the table (and flows sent).
void
BM_WorkerMiss(benchmark::State &st)
{
	auto flows = static_cast<uint32_t>(st.range(0));
	if (shimw_setup(flows, 1, 64, 0) < 0) {
		st.SkipWithError("setup failed");
		return;
	}
	shimw_unknown(1);
	uint64_t in = 0, out = 0, m0 = shimw_misses();
	for (auto _ : st) {
		uint64_t o = 0;
		in += shimw_run(kBursts, &o);
		out += o;
	}
	shimw_unknown(0);
	if (shimw_accounting_gap() != 0)
		st.SkipWithError("worker counters do not add up");
	if (out != 0 || shimw_misses() - m0 != in)
		st.SkipWithError("a frame of an unknown flow was not a miss");
	st.counters["mpps_in"] = benchmark::Counter(static_cast<double>(in) / 1e6,
						    benchmark::Counter::kIsRate);
}
BENCHMARK(BM_WorkerMiss)->ArgName("flows")->Arg(1024)->Arg(65536)->Arg(1 << 20)->UseRealTime();

void
BM_Baseline(benchmark::State &st)
{
	auto fan = static_cast<uint32_t>(st.range(0));
	auto size = static_cast<uint16_t>(st.range(1));
	if (shimw_setup(1, fan, size, 0) < 0) {
		st.SkipWithError("setup failed");
		return;
	}
	uint64_t in = 0, out = 0;
	for (auto _ : st) {
		uint64_t o = 0;
		in += shimw_baseline(kBursts, fan, &o);
		out += o;
	}
	st.counters["mpps_in"] = benchmark::Counter(static_cast<double>(in) / 1e6,
						    benchmark::Counter::kIsRate);
	st.counters["mpps_out"] = benchmark::Counter(static_cast<double>(out) / 1e6,
						     benchmark::Counter::kIsRate);
}

void
WorkerArgs(benchmark::internal::Benchmark *b)
{
	const char *max = std::getenv("MCFWD_BENCH_MAX_FLOWS");
	long lim = max ? std::atol(max) : (1L << 20);
	// the copy/clone crossover: fan-out 2 and 4, sizes 64..1500 and jumbo
	// frames (--max-mtu 9000: the app clones from --clone-min 1501)
	for (long fan : { 2L, 4L })
		for (long size : { 64L, 128L, 256L, 512L, 768L, 1024L, 1500L, 2048L, 3072L, 4096L, 9000L })
			for (long mode : { 0L, 1L })
				b->Args({ 1, fan, size, mode });
	// flows and fan-out at 64 and 1500 bytes, replicated as the app does by
	// default (copies: --clone-min 1501)
	for (long flows : { 1L, 1024L, 65536L, 1048576L })
		if (flows <= lim)
			for (long fan : { 1L, 2L, 4L, 8L }) {
				b->Args({ flows, fan, 64, 0 });
				b->Args({ flows, fan, 1500, 0 });
			}
}

void
BaselineArgs(benchmark::internal::Benchmark *b)
{
	for (long fan : { 1L, 2L, 4L, 8L })
		for (long size : { 64L, 1500L })
			b->Args({ fan, size });
}

} // namespace

BENCHMARK(BM_Worker)->Apply(WorkerArgs)->ArgNames({ "flows", "fanout", "size", "clone" })
	->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Baseline)->Apply(BaselineArgs)->ArgNames({ "fanout", "size" })
	->Unit(benchmark::kMillisecond)->UseRealTime();

int
main(int argc, char **argv)
{
	if (shimw_init() < 0) {
		std::fprintf(stderr, "bench_worker: init failed\n");
		return 1;
	}
	benchmark::Initialize(&argc, argv);
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
