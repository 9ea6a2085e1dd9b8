// libFuzzer target: backtests, suggestions and model comparison (SPEC §5). The input is split at
// lines "===" into a model, events, outcomes and a second model (for compare); the horizon comes
// and the as_of from the input's length (from 1 day to INT64_MAX, as the CLI and the WASM
// options can pass). Called without the Engine's guard, so an exception is a crash.
// Checks: every ratio is null or in [0, 1], counts add up, the sweep is monotone, signals are
// sorted, and every output is valid JSON.
#include "pql/backtest.hpp"
#include "common/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto parts = fuzz::split_parts(fuzz::as_text(data, size), 4);
    if (parts.size() < 2) return 0;
    auto model = pql::parse_model(parts[0]);
    if (!model.ok()) return 0;
    pql::EventStore store;
    auto r = store.load_events(parts[1], {});
    if (!r.ok()) fuzz::check_file_error(r.error());  // then the store stays empty
    pql::Outcomes outcomes;
    if (parts.size() > 2) {
        auto o = outcomes.load(parts[2], {});
        FUZZ_CHECK(o.ok());
        fuzz::check_report(*o);
    }

    static const int64_t kHorizons[] = {30, 1, 7, 90, 3650, 1000000000000, INT64_MAX / 2, INT64_MAX};
    static const std::optional<int64_t> kAsOf[] = {std::nullopt, std::nullopt, int64_t{0}, pql::kMaxTimestamp};
    pql::BacktestOptions bo;
    bo.horizon_days = kHorizons[size % 8];
    bo.as_of = kAsOf[(size / 8) % 4];
    auto bt = pql::backtest_json(store, *model, outcomes, bo);
    if (bt.ok()) fuzz::check_backtest_json(*bt);
    else FUZZ_CHECK(bt.error().code == "invalid_argument" && !bt.error().message.empty());

    pql::SuggestOptions so;
    so.horizon_days = bo.horizon_days;
    so.as_of = bo.as_of;
    so.capacity_per_week = 1 + static_cast<int64_t>(size % 7);
    auto sg = pql::suggest_json(store, *model, outcomes, so);
    if (sg.ok()) fuzz::check_json(*sg);
    else FUZZ_CHECK(sg.error().code == "invalid_argument" && !sg.error().message.empty());

    auto b = pql::parse_model(parts.size() > 3 ? parts[3] : std::string_view("{}"));
    if (b.ok()) fuzz::check_json(pql::compare_json(store, *model, *b, {}));
    return 0;
}
