// libFuzzer target: the accounts loader (JSONL, JSON array or CSV, auto-detected), then the
// fixed events scored with fit rules of every op over the loaded traits.
#include "common/fuzz_common.hpp"

namespace {

const char* kFitModel = R"({
  "fit": {"rules": [
    {"trait": "employees", "op": "between", "value": [50, 1000], "points": 40},
    {"trait": "employees", "op": "gte", "value": 10, "points": 5},
    {"trait": "employees", "op": "lt", "value": 1e300, "points": 1},
    {"trait": "industry", "op": "in", "value": ["software", "fintech", 3, true], "points": 30},
    {"trait": "industry", "op": "not_in", "value": ["retail"], "points": 2},
    {"trait": "country", "op": "eq", "value": "US", "points": 30},
    {"trait": "country", "op": "ne", "value": 1, "points": 3},
    {"trait": "plan", "op": "contains", "value": "tri", "points": 10},
    {"trait": "verified", "op": "eq", "value": true, "points": 10},
    {"trait": "name", "op": "exists", "points": 1},
    {"trait": "churned", "op": "missing", "points": -20}
  ]},
  "pql": {"min_score": 10, "require_activation": false,
          "rule": {"any": [{"metric": "trait.employees", "op": ">=", "value": 100},
                           {"metric": "trait.industry", "op": "in", "value": ["software"]},
                           {"metric": "trait.verified", "op": "exists"}]}}
})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = fuzz::as_text(data, size);

    pql::EventStore store;
    auto r = store.load_accounts(text, {});
    if (!r.ok()) {  // only a file-level error: no account kept, and a strict load says the same
        fuzz::check_file_error(r.error());
        for (auto& acc : store.accounts) FUZZ_CHECK(!acc.present);
        pql::LoadOptions so;
        so.strict = true;
        auto s = store.load_accounts(text, so);
        FUZZ_CHECK(!s.ok() && s.error().code == r.error().code && s.error().message == r.error().message);
        return 0;
    }
    fuzz::check_report(*r);
    FUZZ_CHECK(r->duplicates == 0);
    int64_t present = 0;
    for (auto& a : store.accounts) {
        present += a.present;
        if (a.name) FUZZ_CHECK(!a.name->empty());
    }
    FUZZ_CHECK(present == static_cast<int64_t>(store.account_ids.size()));
    FUZZ_CHECK(present <= r->loaded);

    // Strict: succeeds exactly when nothing was skipped; on failure no account is kept.
    {
        pql::EventStore strict_store;
        pql::LoadOptions so;
        so.strict = true;
        auto s = strict_store.load_accounts(text, so);
        if (r->skipped == 0) {
            FUZZ_CHECK(s.ok() && s->loaded == r->loaded);
        } else {
            FUZZ_CHECK(!s.ok() && s.error().code == "bad_row");
            FUZZ_CHECK(s.error().line == r->errors.front().line);
            FUZZ_CHECK(s.error().message == r->errors.front().message);
            for (auto& a : strict_store.accounts) FUZZ_CHECK(!a.present);
        }
    }

    // The traits reach the fit rules, in whatever order the data comes: accounts before the
    // events, and after them (after a first scoring too: warm caches) give the same bytes; the
    // run passes the engine checks and every ranked entity is explained.
    static const pql::Model fit_model = [] {
        auto m = pql::parse_model(kFitModel);
        FUZZ_CHECK(m.ok());
        return *m;
    }();
    pql::EventStore& a = store;  // the accounts loaded above, then the events
    FUZZ_CHECK(a.load_events(fuzz::kFixedEvents, {}).ok());
    pql::EventStore b = fuzz::fixed_events();  // the events (read once), scored, then accounts
    pql::Scorer warm(b);
    const pql::ScoreRun& first = warm.score(fit_model);
    fuzz::check_run(first, warm.index(), b);
    const std::string before = pql::score_run_json({b, fit_model, warm, first}, {}, 0, SIZE_MAX);
    fuzz::check_run_json(before);
    FUZZ_CHECK(b.load_accounts(text, {}).ok());
    const pql::ScoreRun& second = warm.score(fit_model);
    const std::string out = fuzz::score_and_explain(a, fit_model, SIZE_MAX);
    FUZZ_CHECK(out == pql::score_run_json({b, fit_model, warm, second}, {}, 0, SIZE_MAX));
    return 0;
}
