// libFuzzer target: the whole engine. The input is split at lines "===" into a model, events
// and accounts (one part: events only; two: model and events), loaded and scored through
// pql::Engine as the CLI and the WASM module do. Besides the output invariants it checks that
// the engine's caches never change an answer: an engine that scored under the default model
// first, moved as_of and back, or re-read its own canonical model gives the same bytes as a
// fresh one.
#include "common/fuzz_common.hpp"
#include "engine_internals.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto parts = fuzz::split_parts(fuzz::as_text(data, size), 3);
    const std::string_view model = parts.size() > 1 ? parts[0] : std::string_view();
    const std::string_view events = parts.size() > 1 ? parts[1] : parts[0];
    const std::string_view accounts = parts.size() > 2 ? parts[2] : std::string_view();

    // Fresh: model, events, accounts, score.
    pql::Engine a;
    const bool has_model = !model.empty() && a.set_model_json(model).ok();
    auto ra = a.load_events(events);
    if (ra.ok()) fuzz::check_report(*ra);
    else fuzz::check_file_error(ra.error());  // a CSV header without the columns: nothing kept
    auto rc = a.load_accounts(accounts);
    if (rc.ok()) fuzz::check_report(*rc);
    else fuzz::check_file_error(rc.error());
    fuzz::check_store(pql::EngineInternals::store(a));
    const std::string out = a.score_json();
    const fuzz::RunSummary run = fuzz::score_and_explain(a, 8);
    FUZZ_CHECK(a.score_json() == out);  // scoring again changes nothing
    const std::vector<double> scores = a.scores();
    FUZZ_CHECK(scores == run.scores);

    // Warm caches: events and a default-model score first, then accounts and the model.
    pql::Engine b;
    FUZZ_CHECK(b.load_events(events).ok() == ra.ok());
    fuzz::check_run_json(b.score_json());
    FUZZ_CHECK(b.load_accounts(accounts).ok() == rc.ok());
    if (has_model) FUZZ_CHECK(b.set_model_json(model).ok());
    FUZZ_CHECK(b.score_json() == out);

    // The canonical model scores the same.
    FUZZ_CHECK(b.set_model_json(a.model_json()).ok());
    FUZZ_CHECK(b.score_json() == out);

    // Another as_of (the first event's day) and back again.
    if (pql::EngineInternals::store(a).size() > 0) {
        const int64_t t0 =
            *std::min_element(pql::EngineInternals::store(a).ts.begin(), pql::EngineInternals::store(a).ts.end());
        const auto saved = a.model().as_of;
        a.set_as_of(t0);
        fuzz::score_and_explain(a, 2);
        a.set_as_of(saved);
        FUZZ_CHECK(a.score_json() == out);
    }

    // clear() forgets the data but keeps the model.
    a.clear();
    const fuzz::RunSummary empty = fuzz::check_run_json(a.score_json());
    FUZZ_CHECK(empty.ids.empty() && empty.read == 0);
    return 0;
}
