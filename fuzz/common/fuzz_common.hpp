// Shared by the libFuzzer targets in fuzz/: invariant checks that trap (a crash for libFuzzer)
// when the core breaks a promise of SPEC.md, and a small fixed data set for the targets that
// fuzz the model rather than the data. The JSON-heavy checks live in fuzz_common.cpp, compiled
// once, so that each target compiles quickly.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine_internals.hpp"  // core/src: the store behind an Engine
#include "event_store.hpp"
#include "output.hpp"
#include "pql/engine.hpp"
#include "pql/load.hpp"
#include "pql/model.hpp"
#include "pql/time.hpp"
#include "score.hpp"

// An invariant of the core is broken: say which, then crash so that libFuzzer keeps the input.
#define FUZZ_CHECK(cond)                                                                            \
    do {                                                                                            \
        if (!(cond)) {                                                                              \
            std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            __builtin_trap();                                                                       \
        }                                                                                           \
    } while (0)

namespace fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
    return std::string_view(reinterpret_cast<const char*>(data), size);
}

// SPEC §1.3: read = loaded + skipped + duplicates; the first 100 errors are kept.
inline void check_report(const pql::LoadReport& r) {
    FUZZ_CHECK(r.read >= 0 && r.loaded >= 0 && r.skipped >= 0 && r.duplicates >= 0);
    FUZZ_CHECK(r.read == r.loaded + r.skipped + r.duplicates);
    FUZZ_CHECK(static_cast<int64_t>(r.errors.size()) ==
               std::min<int64_t>(r.skipped, static_cast<int64_t>(pql::LoadReport::kMaxErrors)));
    for (auto& e : r.errors) {
        FUZZ_CHECK(!e.message.empty());
        FUZZ_CHECK(e.line >= 0);
    }
}

// The one way a non-strict load fails (SPEC §6): a CSV header without a required column. The
// error says which and what was found; nothing of the text is kept.
inline void check_file_error(const pql::Error& e) {
    FUZZ_CHECK(e.code == "missing_column" || e.code == "unknown_column");
    FUZZ_CHECK(!e.message.empty());
}

// The columns line up, ids are interned, and every loaded timestamp is in the documented range.
inline void check_store(const pql::EventStore& s) {
    const size_t n = s.ts.size();
    FUZZ_CHECK(s.user.size() == n && s.type.size() == n && s.account.size() == n);
    std::optional<int64_t> max;
    for (size_t i = 0; i < n; ++i) {
        FUZZ_CHECK(s.ts[i] >= pql::kMinTimestamp && s.ts[i] <= pql::kMaxTimestamp);
        FUZZ_CHECK(s.user[i] < s.user_ids.size());
        FUZZ_CHECK(s.type[i] < s.event_names.size());
        FUZZ_CHECK(s.account[i] == pql::kNone || s.account[i] < s.account_ids.size());
        if (!max || s.ts[i] > *max) max = s.ts[i];
    }
    FUZZ_CHECK(max == s.max_ts);
}

// A scoring run, straight from the structs (cheaper than its JSON): SPEC §3's ranges, the
// rank order and the qualified count.
inline void check_run(const pql::ScoreRun& run, const pql::Index& ix, const pql::EventStore& store) {
    int64_t qualified = 0;
    FUZZ_CHECK(run.results.size() == ix.entities.size());
    for (size_t i = 0; i < run.results.size(); ++i) {
        const pql::EntityScore& r = run.results[i];
        for (double v : {r.score, r.activation, r.engagement, r.fit}) FUZZ_CHECK(v >= 0 && v <= 100);  // false for NaN
        FUZZ_CHECK(std::isfinite(r.engagement_points) && std::isfinite(r.velocity));
        FUZZ_CHECK(r.days_since_last_seen >= 0 && r.events >= 0 && r.users >= 0 && r.active_users >= 0);
        if (i > 0) {
            const pql::EntityScore& p = run.results[i - 1];
            FUZZ_CHECK(p.score > r.score || (p.score == r.score && ix.id_of(store, ix.entities[p.entity]) <
                                                                       ix.id_of(store, ix.entities[r.entity])));
        }
        qualified += r.qualified;
    }
    FUZZ_CHECK(run.qualified == qualified);
}

// What the checks of one scoring run's output hand back.
struct RunSummary {
    std::vector<std::string> ids;  // rank order
    std::vector<double> scores;
    int64_t read = 0;
};

// Text that must be one JSON document: parsed, or the input is kept.
void check_json(const std::string& text);
// The same, without building a DOM (for the fast targets).
void check_json_syntax(const std::string& text);
// True when the text is exactly one JSON value.
bool is_json_value(std::string_view text);
// SPEC §4: one scoring run's machine output (all results): structure, ranges, order, counts.
RunSummary check_run_json(const std::string& text);
// Scores, checks the run and explains up to `max_explain` ranked entities: each explanation
// agrees with its row, and its rule trace is self-consistent. Also checks paging.
RunSummary score_and_explain(pql::Engine& e, size_t max_explain);
// SPEC §5 machine output of a backtest: ratios null or in [0, 1], counts that add up, a
// monotone sweep, signals sorted by name.
void check_backtest_json(const std::string& text);
// The canonical model JSON with "entity" replaced.
std::string with_entity(const std::string& model_json, const char* entity);
// Scores `model` on `store` with a fresh Scorer (no Engine): the struct checks (check_run), the
// SPEC §4 JSON (check_run_json's checks) and up to `max_explain` explanations, each against its
// row with a self-consistent rule trace. Returns the run's JSON bytes.
std::string score_and_explain(const pql::EventStore& store, const pql::Model& model, size_t max_explain,
                              const pql::LoadReport& diagnostics = {});

// Splits an input at lines "===" into at most `max_parts` parts (the engine and backtest
// targets: model, events, accounts, ...).
std::vector<std::string_view> split_parts(std::string_view s, size_t max_parts);

// A small fixed data set: three accounts (one through Segment group calls), eight users, a
// dozen event types over three weeks, traits of every kind, and an unassigned event.
extern const char* const kFixedEvents;
extern const char* const kFixedAccounts;
// The same, read once per process and never changed again (so every input sees the same
// store): a target copies or scores it instead of re-reading the text, which under the
// sanitizers cost more than the rest of a model or rule input. fixed_events(): kFixedEvents
// only; fixed_store(): with kFixedAccounts.
const pql::EventStore& fixed_events();
const pql::EventStore& fixed_store();

}  // namespace fuzz
