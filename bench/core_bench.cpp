// Native micro-benchmarks of the scoring core over the sample generator's data sets.
//
//   PQL_BENCH_DATA=build/bench-data PQL_BENCH_SIZES=100k,1M ./build/native/pql_bench
//
// Each size is a folder holding events.jsonl, accounts.jsonl, model.json and (written by
// scripts/bench.sh) events.csv. Every benchmark reports its figure per iteration; the ingest
// ones add bytes/s, and the load benchmark adds the store's bytes per event.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <zlib.h>
#include <nlohmann/json.hpp>

#include "engine_internals.hpp"
#include "event_store.hpp"
#include "pql/comparison.hpp"
#include "pql/engine.hpp"
#include "pql/model.hpp"
#include "pql/time.hpp"
#include "sax_ceiling.hpp"
#include "score.hpp"

namespace {

std::string read_file(const std::string& path, bool required = true) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (required) throw std::runtime_error("cannot read " + path);
        return {};
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string data_dir() {
    const char* d = std::getenv("PQL_BENCH_DATA");
    return d && *d ? d : "build/bench-data";
}

// One data set's texts, kept for the benchmarks of that size only (10M is 1.7 GB of text).
struct DataSet {
    std::string name, events, accounts, model, csv;
};

DataSet& dataset(const std::string& name) {
    static std::unique_ptr<DataSet> current;
    if (!current || current->name != name) {
        current.reset();
        auto d = std::make_unique<DataSet>();
        const std::string dir = data_dir() + "/" + name;
        d->name = name;
        d->events = read_file(dir + "/events.jsonl");
        d->accounts = read_file(dir + "/accounts.jsonl");
        d->model = read_file(dir + "/model.json");
        current = std::move(d);
    }
    return *current;
}

const std::string& csv_of(const std::string& name) {
    DataSet& d = dataset(name);
    if (d.csv.empty()) d.csv = read_file(data_dir() + "/" + name + "/events.csv", false);
    return d.csv;
}

// The model with one setting changed: path is a list of keys.
std::string model_with(const std::string& model, const std::vector<std::string>& path, double value) {
    auto j = nlohmann::json::parse(model);
    nlohmann::json* p = &j;
    for (auto& k : path) p = &(*p)[k];
    *p = value;
    return j.dump();
}

// A loaded engine (events, accounts, model), scored once; shared by the re-score benchmarks.
struct Loaded {
    std::string name;
    std::unique_ptr<pql::Engine> engine;
};

pql::Engine& loaded(const std::string& name) {
    static Loaded l;
    if (!l.engine || l.name != name) {
        l.engine.reset();
        DataSet& d = dataset(name);
        l.engine = std::make_unique<pql::Engine>();
        if (!l.engine->load_events(d.events).ok()) throw std::runtime_error("load failed");
        if (!l.engine->load_accounts(d.accounts).ok()) throw std::runtime_error("accounts failed");
        if (!l.engine->set_model_json(d.model).ok()) throw std::runtime_error("model failed");
        l.engine->score_json(0, 50);
        l.name = name;
    }
    return *l.engine;
}

// Each iteration's wall time, so that the median (the target's figure) is reported besides
// Google Benchmark's mean.
struct Samples {
    std::vector<double> us;
    std::chrono::steady_clock::time_point t0;
    void start() { t0 = std::chrono::steady_clock::now(); }
    void stop() {
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    void report(benchmark::State& state) {
        if (us.empty()) return;
        std::sort(us.begin(), us.end());
        state.counters["median_us"] = us[us.size() / 2];
        state.counters["p95_us"] = us[std::min(us.size() - 1, us.size() * 95 / 100)];
    }
};

// ---- ingest ----------------------------------------------------------------------------

void BM_IngestJsonl(benchmark::State& state, std::string name) {
    DataSet& d = dataset(name);
    size_t bytes_per_event = 0, events = 0;
    for (auto _ : state) {
        auto engine = std::make_unique<pql::Engine>();
        auto r = engine->load_events(d.events);
        if (!r.ok()) state.SkipWithError("load failed");
        benchmark::DoNotOptimize(r);
        state.PauseTiming();
        events = pql::EngineInternals::store(*engine).size();
        bytes_per_event = pql::EngineInternals::store(*engine).memory_bytes() -
                          pql::EngineInternals::store(*engine).property_memory_bytes();
        engine.reset();
        state.ResumeTiming();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.events.size()));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * events));
    state.counters["events"] = static_cast<double>(events);
    state.counters["store_bytes_per_event"] = events ? static_cast<double>(bytes_per_event) / events : 0;
}

// Issue 14's rows: a Mixpanel export (bench/vendor-files.mjs) and a gzipped Segment archive,
// beside the flat JSON Lines row of the same events. The archive is inflated with zlib into the
// engine's load in pieces (begin_load / feed / end_load), as the CLI reads a .jsonl.gz.
void BM_IngestMixpanel(benchmark::State& state, std::string name) {
    const std::string text = read_file(data_dir() + "/" + name + "/mixpanel.jsonl", false);
    if (text.empty()) return state.SkipWithError("no mixpanel.jsonl (bench/vendor-files.mjs)");
    size_t events = 0, bytes = 0, pairs = 0, prop_bytes = 0, offsets = 0;
    pql::LoadOptions o;
    o.account_key = "company_id";
    for (auto _ : state) {
        auto engine = std::make_unique<pql::Engine>();
        auto r = engine->load_events(text, o);
        if (!r.ok()) state.SkipWithError("load failed");
        state.PauseTiming();
        const pql::EventStore& s = pql::EngineInternals::store(*engine);
        events = s.size();
        bytes = s.memory_bytes();
        pairs = s.property_pairs();
        prop_bytes = s.property_memory_bytes();
        offsets = s.prop_begin.capacity() * 4;
        engine.reset();
        state.ResumeTiming();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
    state.counters["events"] = static_cast<double>(events);
    state.counters["store_bytes_per_event"] = events ? static_cast<double>(bytes - prop_bytes) / events : 0;
    state.counters["property_pairs"] = static_cast<double>(pairs);
    // What properties cost per kept (event, property) pair: pairs, offsets and interned text.
    state.counters["bytes_per_property_pair"] = pairs ? static_cast<double>(prop_bytes - offsets) / pairs : 0;
    state.counters["property_offset_bytes_per_event"] = events ? static_cast<double>(offsets) / events : 0;
}

void BM_IngestSegmentGz(benchmark::State& state, std::string name) {
    const std::string gz = read_file(data_dir() + "/" + name + "/segment.jsonl.gz", false);
    if (gz.empty()) return state.SkipWithError("no segment.jsonl.gz (bench/vendor-files.mjs)");
    size_t out_total = 0, events = 0;
    std::vector<unsigned char> buf(1 << 18);
    for (auto _ : state) {
        pql::Engine engine;
        if (!engine.begin_load(pql::LoadKind::Events).ok()) state.SkipWithError("begin_load failed");
        z_stream z{};
        inflateInit2(&z, 15 + 32);
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
        z.avail_in = static_cast<uInt>(gz.size());
        out_total = 0;
        int rc = Z_OK;
        while (rc != Z_STREAM_END) {
            z.next_out = buf.data();
            z.avail_out = static_cast<uInt>(buf.size());
            rc = inflate(&z, Z_NO_FLUSH);
            if (rc != Z_OK && rc != Z_STREAM_END) break;
            const size_t n = buf.size() - z.avail_out;
            out_total += n;
            engine.feed(std::string_view(reinterpret_cast<const char*>(buf.data()), n));
        }
        inflateEnd(&z);
        auto r = engine.end_load();
        if (!r.ok() || rc != Z_STREAM_END) state.SkipWithError("load failed");
        events = pql::EngineInternals::store(engine).size();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out_total));  // decompressed
    state.counters["events"] = static_cast<double>(events);
    state.counters["compressed_MB"] = static_cast<double>(gz.size()) / 1e6;
    state.counters["decompressed_MB"] = static_cast<double>(out_total) / 1e6;
}

void BM_SaxCeiling(benchmark::State& state, std::string name) {
    DataSet& d = dataset(name);
    int64_t lines = 0;
    for (auto _ : state) {
        lines = pql_bench::sax_ceiling(d.events.data(), d.events.size());
        benchmark::DoNotOptimize(lines);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.events.size()));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines));
}

// The ratio that the ingest target is about: the engine's JSON Lines load against the JSON
// library's empty-handler ceiling, run alternately in the same loop so that both see the same
// machine (this one is shared: alternating keeps a neighbour's burst from favouring either).
double thread_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

void BM_IngestVsCeiling(benchmark::State& state, std::string name) {
    DataSet& d = dataset(name);
    std::vector<double> wall_c, wall_i, cpu_c, cpu_i;
    for (auto _ : state) {
        auto t0 = std::chrono::steady_clock::now();
        double c0 = thread_cpu_ms();
        int64_t lines = pql_bench::sax_ceiling(d.events.data(), d.events.size());
        benchmark::DoNotOptimize(lines);
        cpu_c.push_back(thread_cpu_ms() - c0);
        wall_c.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        t0 = std::chrono::steady_clock::now();
        c0 = thread_cpu_ms();
        auto engine = std::make_unique<pql::Engine>();
        auto r = engine->load_events(d.events);
        if (!r.ok()) state.SkipWithError("load failed");
        cpu_i.push_back(thread_cpu_ms() - c0);
        wall_i.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        state.PauseTiming();
        engine.reset();
        state.ResumeTiming();
    }
    auto med = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    const double mb = d.events.size() / 1e6;
    state.counters["ceiling_MBps"] = mb / (med(wall_c) / 1e3);
    state.counters["ingest_MBps"] = mb / (med(wall_i) / 1e3);
    // Per pair (a ceiling run next to a load), then the median: the shared machine's speed
    // drifts from one run to the next, less within a pair.
    std::vector<double> rw, rc;
    for (size_t i = 0; i < wall_c.size(); ++i) {
        rw.push_back(wall_c[i] / wall_i[i]);
        rc.push_back(cpu_c[i] / cpu_i[i]);
    }
    state.counters["ratio_wall"] = med(rw);
    state.counters["ratio_cpu"] = med(rc);
    state.counters["ratio_wall_min"] = *std::min_element(rw.begin(), rw.end());
    state.counters["ratio_wall_max"] = *std::max_element(rw.begin(), rw.end());
    state.counters["ceiling_cpu_MBps"] = mb / (med(cpu_c) / 1e3);
    state.counters["ingest_cpu_MBps"] = mb / (med(cpu_i) / 1e3);
}

void BM_IngestCsv(benchmark::State& state, std::string name) {
    const std::string& csv = csv_of(name);
    if (csv.empty()) {
        state.SkipWithError("no events.csv (scripts/bench.sh writes it)");
        for (auto _ : state) {}
        return;
    }
    size_t events = 0;
    for (auto _ : state) {
        auto engine = std::make_unique<pql::Engine>();
        pql::LoadOptions csv_options;
        csv_options.format = pql::Format::Csv;
        auto r = engine->load_events(csv, csv_options);
        if (!r.ok()) state.SkipWithError("load failed");
        state.PauseTiming();
        events = pql::EngineInternals::store(*engine).size();
        engine.reset();
        state.ResumeTiming();
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * csv.size()));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * events));
}

// ---- index and scoring -----------------------------------------------------------------

void BM_IndexBuild(benchmark::State& state, std::string name) {
    pql::Engine& e = loaded(name);
    const pql::EventStore& s = pql::EngineInternals::store(e);
    const int64_t T = *s.max_ts;
    size_t cells = 0;
    for (auto _ : state) {
        auto ix = pql::Index::build(s, pql::Entity::Account, T);
        cells = ix->cells.size();
        benchmark::DoNotOptimize(ix);
    }
    state.counters["cells"] = static_cast<double>(cells);
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.size()));
}

// Alternates two models and re-ranks: set_model_json + score_json(0, 50), the path a UI takes.
void rescore(benchmark::State& state, const std::string& name, const std::string& a, const std::string& b) {
    pql::Engine& e = loaded(name);
    bool flip = false;
    const auto before = pql::EngineInternals::scorer(e).stats;
    Samples t;
    for (auto _ : state) {
        t.start();
        flip = !flip;
        e.set_model_json(flip ? b : a);
        std::string page = e.score_json(0, 50);
        benchmark::DoNotOptimize(page);
        t.stop();
    }
    t.report(state);
    e.set_model_json(dataset(name).model);
    const auto after = pql::EngineInternals::scorer(e).stats;
    state.counters["index_builds"] = static_cast<double>(after.index_builds - before.index_builds);
    state.counters["decay_passes"] = static_cast<double>(after.decay_passes - before.decay_passes);
    state.counters["entities"] = static_cast<double>(pql::EngineInternals::scorer(e).index().entities.size());
}

void BM_RescoreHalfLife(benchmark::State& state, std::string name) {
    const std::string& m = dataset(name).model;
    rescore(state, name, model_with(m, {"engagement", "half_life_days"}, 14),
            model_with(m, {"engagement", "half_life_days"}, 21));
}

void BM_RescoreWindow(benchmark::State& state, std::string name) {
    const std::string& m = dataset(name).model;
    rescore(state, name, model_with(m, {"window_days"}, 90), model_with(m, {"window_days"}, 60));
}

void BM_RescoreWeight(benchmark::State& state, std::string name) {
    const std::string& m = dataset(name).model;
    rescore(state, name, model_with(m, {"engagement", "events", "report_created", "weight"}, 2),
            model_with(m, {"engagement", "events", "report_created", "weight"}, 3));
}

// The patch path (Engine::set_model_number): one setting alternates between a and b, no model
// JSON is read; then the top-50 page, as rescore() does.
void rescore_patch(benchmark::State& state, const std::string& name, const char* path, double a, double b) {
    pql::Engine& e = loaded(name);
    e.set_model_json(dataset(name).model);
    bool flip = false;
    Samples t;
    for (auto _ : state) {
        t.start();
        flip = !flip;
        e.set_model_number(path, flip ? b : a);
        std::string page = e.score_json(0, 50);
        benchmark::DoNotOptimize(page);
        t.stop();
    }
    t.report(state);
    e.set_model_json(dataset(name).model);
}

void BM_RescoreHalfLifePatch(benchmark::State& state, std::string name) {
    rescore_patch(state, name, "engagement.half_life_days", 14, 21);
}

void BM_RescoreWeightPatch(benchmark::State& state, std::string name) {
    rescore_patch(state, name, "engagement.events.report_created.weight", 2, 3);
}

// PQL since alone (SPEC §7.7) for the top 50 after a half-life change: the part of a re-rank
// the page's rows add to the scorer's (score() is outside the timed span).
void BM_SinceHalfLife(benchmark::State& state, std::string name) {
    pql::Engine& e = loaded(name);
    const std::string& m = dataset(name).model;
    auto a = pql::parse_model(model_with(m, {"engagement", "half_life_days"}, 14));
    auto b = pql::parse_model(model_with(m, {"engagement", "half_life_days"}, 21));
    pql::Scorer& scorer = pql::EngineInternals::scorer(e);
    bool flip = false;
    Samples t;
    const uint64_t days0 = scorer.stats.days_evaluated;
    for (auto _ : state) {
        state.PauseTiming();
        flip = !flip;
        const pql::Model& model = flip ? *b : *a;
        const pql::ScoreRun& run = scorer.score(model, 50);
        state.ResumeTiming();
        t.start();
        for (size_t i = 0; i < std::min<size_t>(50, run.ranked); ++i)
            benchmark::DoNotOptimize(scorer.since(model, run.results[i].entity));
        t.stop();
    }
    t.report(state);
    state.counters["days_per_row"] =
        static_cast<double>(scorer.stats.days_evaluated - days0) / static_cast<double>(state.iterations() * 50);
    scorer.score(e.model());
}

// The scorer alone (no model parsing, no JSON page), after a half-life change.
void BM_ScorerHalfLife(benchmark::State& state, std::string name) {
    pql::Engine& e = loaded(name);
    const std::string& m = dataset(name).model;
    auto a = pql::parse_model(model_with(m, {"engagement", "half_life_days"}, 14));
    auto b = pql::parse_model(model_with(m, {"engagement", "half_life_days"}, 21));
    bool flip = false;
    Samples t;
    for (auto _ : state) {
        t.start();
        flip = !flip;
        const pql::ScoreRun& run = pql::EngineInternals::scorer(e).score(flip ? *b : *a);
        benchmark::DoNotOptimize(run.results.data());
        t.stop();
    }
    t.report(state);
    pql::EngineInternals::scorer(e).score(e.model());
}

// The lifecycle funnel by week (SPEC §7.8): first_qualified_at for every entity, then cohorts.
void BM_Funnel(benchmark::State& state, std::string name) {
    pql::Engine& e = loaded(name);
    e.set_model_json(dataset(name).model);
    Samples t;
    for (auto _ : state) {
        t.start();
        auto r = e.funnel_json({});
        benchmark::DoNotOptimize(r.ok());
        t.stop();
        if (!r.ok()) state.SkipWithError(r.error().message.c_str());
    }
    t.report(state);
}

// The A/B tab's call: the dataset's model (A) against it with one weight changed (B), ten
// movers. Each side ranks, backtests and runs the funnel at the backtest point on its own index.
void BM_CompareWeight(benchmark::State& state, std::string name) {
    pql::Engine& e = loaded(name);
    e.set_model_json(dataset(name).model);
    const std::string b = model_with(dataset(name).model, {"engagement", "events", "report_created", "weight"}, 3);
    pql::CompareOptions o;
    o.movers = 10;
    Samples t;
    for (auto _ : state) {
        t.start();
        auto r = e.compare(b, o);
        benchmark::DoNotOptimize(r.ok());
        t.stop();
        if (!r.ok()) state.SkipWithError(r.error().message.c_str());
    }
    t.report(state);
}

// The top-50 page alone, nothing changed (the score layer still runs).
void BM_Top50(benchmark::State& state, std::string name) {
    pql::Engine& e = loaded(name);
    Samples t;
    for (auto _ : state) {
        t.start();
        std::string page = e.score_json(0, 50);
        benchmark::DoNotOptimize(page);
        t.stop();
    }
    t.report(state);
}

// 1,000 new events (existing users and accounts, just after the latest event, new ids) appended
// to the loaded set, then the top 50 re-ranked. The set grows by 1k per iteration.
void BM_Append1k(benchmark::State& state, std::string name) {
    auto engine = std::make_unique<pql::Engine>();
    {
        DataSet& d = dataset(name);
        engine->load_events(d.events);
        engine->load_accounts(d.accounts);
        engine->set_model_json(d.model);
        engine->score_json(0, 50);
    }
    const pql::EventStore& s = pql::EngineInternals::store(*engine);
    const size_t n0 = s.size();
    int64_t t = *s.max_ts;
    uint64_t rng = 12345;
    int batch = 0;
    Samples t0, tl;  // whole step; the load alone
    const auto before = pql::EngineInternals::scorer(*engine).stats;
    for (auto _ : state) {
        state.PauseTiming();
        std::string text;
        text.reserve(1000 * 160);
        for (int i = 0; i < 1000; ++i) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            size_t j = (rng >> 33) % n0;
            while (s.account[j] == pql::kNone) j = (j + 1) % n0;  // rows without an account
            t += 1;
            text += "{\"id\":\"bench_" + std::to_string(batch) + "_" + std::to_string(i) + "\",\"timestamp\":\"" +
                    pql::format_iso(t) + "\",\"account_id\":\"" + s.account_ids.name(s.account[j]) +
                    "\",\"user_id\":\"" + s.user_ids.name(s.user[j]) + "\",\"event\":\"" +
                    s.event_names.name(s.type[j]) + "\",\"properties\":{}}\n";
        }
        ++batch;
        state.ResumeTiming();
        t0.start();
        tl.start();
        auto r = engine->load_events(text);
        tl.stop();
        if (!r.ok() || r->loaded != 1000) state.SkipWithError("append failed");
        std::string page = engine->score_json(0, 50);
        benchmark::DoNotOptimize(page);
        t0.stop();
    }
    t0.report(state);
    tl.report(state);
    state.counters["load_median_us"] = state.counters["median_us"];
    t0.report(state);
    const auto after = pql::EngineInternals::scorer(*engine).stats;
    state.counters["index_builds"] = static_cast<double>(after.index_builds - before.index_builds);
    state.counters["index_appends"] = static_cast<double>(after.index_appends - before.index_appends);
    state.counters["events_after"] = static_cast<double>(s.size());
}

// Store and index memory after load and after the first ranking.
void BM_Memory(benchmark::State& state, std::string name) {
    pql::Engine& e = loaded(name);
    for (auto _ : state) benchmark::DoNotOptimize(pql::EngineInternals::store(e).memory_bytes());
    const double n = static_cast<double>(pql::EngineInternals::store(e).size());
    state.counters["events"] = n;
    // Without the properties (the ≤ 40 target), and what the kept properties cost per pair.
    const pql::EventStore& s = pql::EngineInternals::store(e);
    state.counters["store_bytes_per_event"] = static_cast<double>(s.memory_bytes() - s.property_memory_bytes()) / n;
    state.counters["store_bytes_per_event_all"] = static_cast<double>(s.memory_bytes()) / n;
    state.counters["property_pairs"] = static_cast<double>(s.property_pairs());
    // A pair's own bytes (key, value, interned names and strings) and the offsets per event.
    const double offsets = static_cast<double>(s.prop_begin.capacity() * 4);
    state.counters["bytes_per_property_pair"] =
        s.property_pairs()
            ? (static_cast<double>(s.property_memory_bytes()) - offsets) / static_cast<double>(s.property_pairs())
            : 0;
    state.counters["property_offset_bytes_per_event"] = offsets / n;
}

std::vector<std::string> sizes() {
    const char* env = std::getenv("PQL_BENCH_SIZES");
    std::string list = env && *env ? env : "100k,1M,10M";
    std::vector<std::string> out;
    std::stringstream ss(list);
    for (std::string s; std::getline(ss, s, ',');)
        if (!s.empty()) out.push_back(s);
    return out;
}

}  // namespace

// PQL_BENCH_PROBE=ceiling|ingest|csv runs that one load once over the first size and exits: a
// deterministic workload for instruction counting (valgrind --tool=callgrind), which a shared
// machine's wall clock is not.
int probe(const std::string& what) {
    DataSet& d = dataset(sizes().front());
    if (what == "none") return d.events.empty();
    if (what == "ceiling") return pql_bench::sax_ceiling(d.events.data(), d.events.size()) > 0 ? 0 : 1;
    pql::Engine engine;
    pql::LoadOptions o;
    if (what == "csv") o.format = pql::Format::Csv;
    auto r = engine.load_events(what == "csv" ? csv_of(d.name) : d.events, o);
    return r.ok() ? 0 : 1;
}

int main(int argc, char** argv) {
    if (const char* p = std::getenv("PQL_BENCH_PROBE")) return probe(p);
    for (const std::string& s : sizes()) {
        std::ifstream probe(data_dir() + "/" + s + "/events.jsonl");
        if (!probe) {
            std::fprintf(stderr, "pql_bench: no %s/%s/events.jsonl, skipped\n", data_dir().c_str(), s.c_str());
            continue;
        }
        const bool big = s == "10M";
        auto reg = [&](const char* what, void (*fn)(benchmark::State&, std::string), int iters_big, int iters) {
            auto* b = benchmark::RegisterBenchmark((std::string(what) + "/" + s).c_str(), fn, s);
            b->Unit(benchmark::kMillisecond)->UseRealTime();
            const int it = big ? iters_big : iters;
            if (it > 0) b->Iterations(it);
            return b;
        };
        const bool small = s == "100k";
        reg("ingest_jsonl", BM_IngestJsonl, 1, small ? 0 : 3);
        reg("sax_ceiling", BM_SaxCeiling, 1, small ? 0 : 3);
        if (!big) {
            reg("ingest_mixpanel", BM_IngestMixpanel, 1, small ? 0 : 3);
            reg("ingest_segment_gz", BM_IngestSegmentGz, 1, small ? 0 : 3);
        }
        reg("ingest_csv", BM_IngestCsv, 1, small ? 0 : 3);
        reg("ingest_vs_ceiling", BM_IngestVsCeiling, 3, small ? 15 : 9);
        reg("memory", BM_Memory, 1, 1);
        reg("index_build", BM_IndexBuild, 2, small ? 0 : 10);
        reg("rescore_half_life", BM_RescoreHalfLife, 20, 0)->Unit(benchmark::kMicrosecond);
        reg("rescore_window", BM_RescoreWindow, 20, 0)->Unit(benchmark::kMicrosecond);
        reg("rescore_weight", BM_RescoreWeight, 50, 0)->Unit(benchmark::kMicrosecond);
        reg("rescore_half_life_patch", BM_RescoreHalfLifePatch, 20, 0)->Unit(benchmark::kMicrosecond);
        reg("rescore_weight_patch", BM_RescoreWeightPatch, 50, 0)->Unit(benchmark::kMicrosecond);
        reg("scorer_half_life", BM_ScorerHalfLife, 20, 0)->Unit(benchmark::kMicrosecond);
        reg("since_half_life", BM_SinceHalfLife, 20, 0)->Unit(benchmark::kMicrosecond);
        reg("top50", BM_Top50, 50, 0)->Unit(benchmark::kMicrosecond);
        reg("funnel_week", BM_Funnel, 1, 3);
        reg("compare_weight", BM_CompareWeight, 1, 3);
        reg("append_1k", BM_Append1k, 10,
            small ? 0
                  : (std::getenv("PQL_BENCH_APPEND_ITERS") ? std::atoi(std::getenv("PQL_BENCH_APPEND_ITERS")) : 50));
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
