// The events loader under one format: the non-strict load, the strict load, a second load of
// the same text (every id now a duplicate), and scoring what was loaded with the default model
// for both entity kinds.
#pragma once
#include <functional>

#include "fuzz_common.hpp"

namespace fuzz {

// `on_whole_load`, when given, sees each load of the text into a fresh store (non-strict, then
// strict) right after it: the JSON Lines target checks them against its line-by-line oracle.
using WholeLoadHook = std::function<void(const pql::EventStore&, const pql::Result<pql::LoadReport>&, bool strict)>;

inline void fuzz_events(const uint8_t* data, size_t size, pql::Format format, const WholeLoadHook& on_whole_load = {}) {
    const std::string_view text = as_text(data, size);
    pql::LoadOptions opts;
    opts.format = format;

    pql::EventStore store;
    auto r = store.load_events(text, opts);
    if (!r.ok()) {  // only a file-level error: nothing kept, and a strict load says the same
        check_file_error(r.error());
        FUZZ_CHECK(store.size() == 0 && store.groups.empty() && store.identifies.empty() && !store.max_ts);
        pql::EventStore strict_store;
        pql::LoadOptions so = opts;
        so.strict = true;
        auto s = strict_store.load_events(text, so);
        FUZZ_CHECK(!s.ok() && s.error().code == r.error().code && s.error().message == r.error().message);
        return;
    }
    check_report(*r);
    check_store(store);
    FUZZ_CHECK(static_cast<int64_t>(store.size() + store.groups.size() + store.identifies.size()) == r->loaded);
    if (on_whole_load) on_whole_load(store, r, false);

    // Strict: succeeds exactly when nothing was skipped, fails on the first bad row, keeps nothing.
    {
        pql::EventStore strict_store;
        pql::LoadOptions so = opts;
        so.strict = true;
        auto s = strict_store.load_events(text, so);
        if (on_whole_load) on_whole_load(strict_store, s, true);
        if (r->skipped == 0) {
            FUZZ_CHECK(s.ok());
            FUZZ_CHECK(s->read == r->read && s->loaded == r->loaded && s->duplicates == r->duplicates);
            FUZZ_CHECK(strict_store.ts == store.ts);
        } else {
            FUZZ_CHECK(!s.ok());
            FUZZ_CHECK(s.error().code == "bad_row");
            FUZZ_CHECK(s.error().line == r->errors.front().line);
            FUZZ_CHECK(s.error().message == r->errors.front().message);
            FUZZ_CHECK(strict_store.size() == 0 && strict_store.groups.empty() && strict_store.identifies.empty());
            FUZZ_CHECK(!strict_store.max_ts);
            // Nothing of the failed load lingers (not its ids either): a non-strict load now
            // gives what it gives on a fresh store.
            auto after = strict_store.load_events(text, opts);
            FUZZ_CHECK(after.ok());
            FUZZ_CHECK(after->read == r->read && after->loaded == r->loaded && after->skipped == r->skipped &&
                       after->duplicates == r->duplicates);
            FUZZ_CHECK(strict_store.ts == store.ts);
        }
    }

    // The same text again: the same rows are bad, every row with an id is now a duplicate.
    const size_t n1 = store.size();
    auto again = store.load_events(text, opts);
    FUZZ_CHECK(again.ok());
    check_report(*again);
    check_store(store);
    FUZZ_CHECK(again->read == r->read && again->skipped == r->skipped);
    FUZZ_CHECK(again->loaded + again->duplicates == r->loaded + r->duplicates);
    FUZZ_CHECK(store.size() - n1 <= n1);

    // Whatever was loaded scores: both entity kinds, default model. The JSON output is
    // written and checked for syntax (its full checks are the engine target's).
    pql::LoadReport total = *r;
    total.merge(*again);
    check_report(total);
    for (pql::Entity kind : {pql::Entity::Account, pql::Entity::User}) {
        pql::Model model;
        model.entity = kind;
        pql::Scorer scorer(store);
        const pql::ScoreRun& run = scorer.score(model);
        check_run(run, scorer.index(), store);
        check_json_syntax(pql::score_run_json({store, model, scorer, run}, total, 0, SIZE_MAX));
        if (!run.results.empty())
            check_json_syntax(pql::explanation_json({store, model, scorer, run}, run.results.size() - 1));
    }
}

}  // namespace fuzz
