// SPDX-License-Identifier: BSD-3-Clause
// Google Benchmark definitions for the forwarding cache. All set-up and
// inner loops are C (shim.c); this file only drives them.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "shim.h"

namespace {

constexpr unsigned kBurst = 64;

void
Lookup(benchmark::State &st, bool bulk, bool miss = false)
{
	auto t = static_cast<shim_table>(st.range(0));
	auto n = static_cast<uint32_t>(st.range(1));
	shim_release_except(n);
	if (int rc = shim_build(t, n); rc < 0) {
		st.SkipWithError("build failed");
		return;
	}
	uint32_t len = 0;
	const uint64_t *stream = miss ? shim_stream_miss(n, &len) : shim_stream(n, &len);
	if (stream == NULL) {
		st.SkipWithError("no lookup stream");
		return;
	}
	uint32_t pos = 0;
	uint64_t hits = 0;
	for (auto _ : st) {
		hits += bulk ? shim_lookup_bulk(t, n, stream + pos, kBurst)
			     : shim_lookup_single(t, n, stream + pos, kBurst);
		pos += kBurst;
		if (pos + kBurst > len)
			pos = 0;
	}
	if (miss && hits != 0)
		st.SkipWithError("lookups found keys that are not in the table");
	else if (!miss && hits != static_cast<uint64_t>(st.iterations()) * kBurst)
		st.SkipWithError("lookups missed keys that are in the table");
	st.SetItemsProcessed(st.iterations() * kBurst);
	st.SetLabel(shim_table_name(t));
	st.counters["lookups_per_s"] =
		benchmark::Counter(static_cast<double>(st.iterations() * kBurst),
				   benchmark::Counter::kIsRate);
	if (double b = shim_bytes_per_entry(t, n); b > 0)
		st.counters["bytes_per_entry"] = b;
}

void BM_LookupBulk(benchmark::State &st) { Lookup(st, true); }
void BM_LookupSingle(benchmark::State &st) { Lookup(st, false); }
// bursts of keys the table does not hold (unknown flows: every packet of
// one until control installs its entry, a released input's until negative
// entries replace them)
void BM_LookupMiss(benchmark::State &st) { Lookup(st, true, true); }

void
LookupArgs(benchmark::internal::Benchmark *b)
{
	const char *max = std::getenv("MCFWD_BENCH_MAX_ENTRIES");
	long lim = max ? std::atol(max) : (1L << 24);
	for (long n : { 1L << 10, 1L << 16, 1L << 20, 1L << 24 })
		if (n <= lim)
			for (int t = 0; t < T_COUNT; t++)
				b->Args({ t, n });
	b->ArgNames({ "table", "entries" });
}

BENCHMARK(BM_LookupBulk)->Apply(LookupArgs);
BENCHMARK(BM_LookupSingle)->Apply(LookupArgs);

void
MissArgs(benchmark::internal::Benchmark *b)
{
	const char *max = std::getenv("MCFWD_BENCH_MAX_ENTRIES");
	long lim = max ? std::atol(max) : (1L << 24);
	for (long n : { 1L << 16, 1L << 20 })
		if (n <= lim)
			for (int t = 0; t < T_COUNT; t++)
				b->Args({ t, n });
	b->ArgNames({ "table", "entries" });
}
BENCHMARK(BM_LookupMiss)->Apply(MissArgs);

// Writer rates: n operations timed in C, reported per operation.
void
BM_Insert(benchmark::State &st)
{
	auto t = static_cast<shim_table>(st.range(0));
	auto n = static_cast<uint32_t>(st.range(1));
	shim_release_except(0);
	for (auto _ : st) {
		double s = shim_insert_rate(t, n);
		if (s <= 0) {
			st.SkipWithError("insert failed");
			return;
		}
		st.SetIterationTime(s);
	}
	st.SetLabel(shim_table_name(t));
	st.counters["ops_per_s"] = benchmark::Counter(static_cast<double>(n),
		benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Insert)->ArgsProduct({ { T_MFC, T_RTE_HASH, T_LFHT }, { 1 << 20 } })
	->ArgNames({ "table", "entries" })->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);

void
BM_Replace(benchmark::State &st)
{
	auto n = static_cast<uint32_t>(st.range(0));
	for (auto _ : st) {
		double s = shim_replace_rate(n);
		if (s <= 0) {
			st.SkipWithError("replace failed");
			return;
		}
		st.SetIterationTime(s);
	}
	st.SetLabel("mfc");
	st.counters["ops_per_s"] = benchmark::Counter(static_cast<double>(n),
		benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Replace)->Arg(1 << 20)->ArgName("entries")->UseManualTime()->Iterations(3)
	->Unit(benchmark::kMillisecond);

void
BM_Delete(benchmark::State &st)
{
	auto t = static_cast<shim_table>(st.range(0));
	auto n = static_cast<uint32_t>(st.range(1));
	for (auto _ : st) {
		double s = shim_delete_rate(t, n);
		if (s <= 0) {
			st.SkipWithError("delete failed");
			return;
		}
		st.SetIterationTime(s);
	}
	st.SetLabel(shim_table_name(t));
	st.counters["ops_per_s"] = benchmark::Counter(static_cast<double>(n),
		benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Delete)->ArgsProduct({ { T_MFC, T_RTE_HASH, T_LFHT }, { 1 << 20 } })
	->ArgNames({ "table", "entries" })->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);

// Purge of one interface referenced by 1M entries.
void
BM_PurgeMfc(benchmark::State &st)
{
	int kind = static_cast<int>(st.range(0));
	auto n = static_cast<uint32_t>(st.range(1));
	int thp = static_cast<int>(st.range(2));
	shim_purge p{};
	double hide = 0, unlink = 0, gpu = 0, recl = 0;
	for (auto _ : st) {
		if (shim_purge_mfc(kind, n, thp, &p) < 0 ||
		    (kind == 0 ? p.removed != n : p.lists == 0)) {
			st.SkipWithError("purge failed");
			return;
		}
		st.SetIterationTime(p.total_ms * 1e-3);
		hide += p.hide_us;
		unlink += p.unlink_ms;
		gpu += p.gp_us;
		recl += p.reclaim_ms;
	}
	static const char *what[] = { "iif", "oif_shared_lists", "oif_list_per_entry" };
	st.SetLabel(std::string(what[kind]) + (thp ? ",thp" : ",4k"));
	auto it = static_cast<double>(st.iterations());
	st.counters["hide_us"] = hide / it;
	st.counters["unlink_ms"] = unlink / it;
	st.counters["gp_us"] = gpu / it;
	st.counters["reclaim_ms"] = recl / it;
	st.counters["lists"] = p.lists;
}
BENCHMARK(BM_PurgeMfc)->ArgsProduct({ { 0, 1, 2 }, { 1 << 20 }, { 0, 1 } })
	->ArgNames({ "kind", "entries", "thp" })
	->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);

void
BM_PurgeBaseline(benchmark::State &st)
{
	auto t = static_cast<shim_table>(st.range(0));
	auto n = static_cast<uint32_t>(st.range(1));
	shim_purge p{};
	double unlink = 0, recl = 0;
	for (auto _ : st) {
		if (shim_purge_baseline(t, n, &p) < 0) {
			st.SkipWithError("baseline failed");
			return;
		}
		st.SetIterationTime(p.total_ms * 1e-3);
		unlink += p.unlink_ms;
		recl += p.reclaim_ms;
	}
	st.SetLabel(shim_table_name(t));
	auto it = static_cast<double>(st.iterations());
	st.counters["unlink_ms"] = unlink / it;
	st.counters["reclaim_ms"] = recl / it;
}
BENCHMARK(BM_PurgeBaseline)->ArgsProduct({ { T_RTE_HASH, T_LFHT }, { 1 << 20 } })
	->ArgNames({ "table", "entries" })->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);

// Grace period (hide an interface until no reader can use it) with a busy
// reader on the other CPU reporting a quiescent state every burst.
void
BM_GracePeriod(benchmark::State &st)
{
	auto kind = static_cast<shim_gp>(st.range(0));
	shim_release_except(0);
	if (shim_gp_start(kind) < 0) {
		st.SkipWithError("reader start failed");
		return;
	}
	std::vector<double> ns;
	ns.reserve(200000);
	for (auto _ : st) {
		double x = shim_gp_once(kind);
		ns.push_back(x);
		st.SetIterationTime(x * 1e-9);
	}
	shim_gp_stop();
	std::sort(ns.begin(), ns.end());
	auto pct = [&](double q) { return ns[static_cast<size_t>(q * static_cast<double>(ns.size() - 1))]; };
	st.SetLabel(kind == GP_URCU_QSBR ? "urcu_qsbr(mfc_iface_hide)" : "rte_rcu_qsbr");
	st.counters["p50_us"] = pct(0.50) / 1e3;
	st.counters["p99_us"] = pct(0.99) / 1e3;
	st.counters["max_us"] = ns.back() / 1e3;
}
BENCHMARK(BM_GracePeriod)->Arg(GP_URCU_QSBR)->Arg(GP_RTE_RCU_QSBR)->ArgName("rcu")
	->UseManualTime()->Iterations(20000)->Unit(benchmark::kMicrosecond);

// MGM: data-driven MFE creation rate and the seed's shutdown sequence.
void
BM_MgmShutdown(benchmark::State &st)
{
	auto n = static_cast<uint32_t>(st.range(0));
	int igmp = static_cast<int>(st.range(1));
	shim_release_except(0);
	double create = 0;
	shim_mgm_run r{};
	for (auto _ : st) {
		if (shim_mgm_shutdown(n, igmp, &r) < 0) {
			st.SkipWithError("mgm shutdown run failed");
			return;
		}
		st.SetIterationTime(r.shutdown_s);
		create += r.create_s;
	}
	st.SetLabel(igmp ? "64 interfaces, IGMP bracketing" : "64 interfaces, no IGMP");
	st.counters["mfes"] = r.mfes;
	st.counters["create_per_s"] = static_cast<double>(n) * static_cast<double>(st.iterations()) / create;
}
BENCHMARK(BM_MgmShutdown)->ArgsProduct({ { 1 << 20 }, { 0, 1 } })->ArgNames({ "mfes", "igmp" })
	->UseManualTime()->Iterations(2)->Unit(benchmark::kMillisecond);

// Release of the incoming interface of 1/7 of the MFEs (one call).
void
BM_MgmRelease(benchmark::State &st)
{
	auto n = static_cast<uint32_t>(st.range(0));
	auto up = static_cast<uint32_t>(st.range(1));
	shim_release_except(0);
	shim_mgm_release_run r{};
	double reap = 0, reap_max = 0, polls = 0;
	for (auto _ : st) {
		if (shim_mgm_release(n, up, &r) < 0) {
			st.SkipWithError("mgm release run failed");
			return;
		}
		st.SetIterationTime(r.release_s);
		reap += r.reap_s;
		reap_max = std::max(reap_max, r.reap_max_s);
		polls += r.polls;
	}
	auto it = static_cast<double>(st.iterations());
	st.SetLabel("iif of 1/" + std::to_string(up) + " of the MFEs");
	st.counters["mfes"] = r.mfes;
	st.counters["released"] = r.released;
	st.counters["reap_ms"] = reap / it * 1e3;
	st.counters["reap_max_slice_ms"] = reap_max * 1e3;
	st.counters["reap_polls"] = polls / it;
}
BENCHMARK(BM_MgmRelease)->Args({ 1 << 20, 7 })->ArgNames({ "mfes", "upstreams" })
	->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);

void
BM_MgmMembershipAdd(benchmark::State &st)
{
	auto n = static_cast<uint32_t>(st.range(0));
	for (auto _ : st) {
		double s = shim_mgm_member_rate(n);
		if (s <= 0) {
			st.SkipWithError("membership add failed");
			return;
		}
		st.SetIterationTime(s);
	}
	st.counters["ops_per_s"] = benchmark::Counter(static_cast<double>(n),
		benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_MgmMembershipAdd)->Arg(100000)->ArgName("members")->UseManualTime()->Iterations(3)
	->Unit(benchmark::kMillisecond);

} // namespace

int
main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (shim_init(argv[0]) < 0)
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	shim_fini();
	return 0;
}
