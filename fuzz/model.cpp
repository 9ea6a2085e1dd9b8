// libFuzzer target: the model parser and validator. parse_model and validate_model agree; an
// invalid model yields path-named "invalid_model" errors; a valid one round-trips through
// model_to_json (canonical, so a second round trip gives the same bytes) and scores the fixed
// data set (read once per process, fuzz::fixed_store()).
#include "common/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = fuzz::as_text(data, size);

    pql::Model validated;
    const std::vector<pql::Error> errors = pql::validate_model(text, &validated);
    auto parsed = pql::parse_model(text);
    FUZZ_CHECK(parsed.ok() == errors.empty());
    if (!parsed.ok()) {
        for (auto& e : errors) {
            FUZZ_CHECK(e.code == "invalid_model");
            FUZZ_CHECK(!e.message.empty() && !e.path.empty());
        }
        FUZZ_CHECK(parsed.error().path == errors.front().path);
        FUZZ_CHECK(parsed.error().message == errors.front().message);
        // The engine keeps its previous model (the default's JSON is written once).
        static const std::string kDefault = pql::Engine().model_json();
        pql::Engine e;
        FUZZ_CHECK(!e.set_model_json(text).ok());
        FUZZ_CHECK(e.model_json() == kDefault);
        return 0;
    }

    const std::string canonical = pql::model_to_json(*parsed);
    FUZZ_CHECK(canonical == pql::model_to_json(validated));
    fuzz::check_json(canonical);
    auto again = pql::parse_model(canonical);
    if (!again.ok()) std::fprintf(stderr, "re-parse: %s\n%s\n", again.error().describe().c_str(), canonical.c_str());
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(pql::model_to_json(*again) == canonical);

    // The engine takes it as is; it scores the fixed data (read once), and its canonical form
    // scores the same bytes.
    pql::Engine e;
    FUZZ_CHECK(e.set_model_json(text).ok());
    FUZZ_CHECK(e.model_json() == canonical);
    const std::string out = fuzz::score_and_explain(fuzz::fixed_store(), *parsed, 4);
    FUZZ_CHECK(fuzz::score_and_explain(fuzz::fixed_store(), *again, 0) == out);
    return 0;
}
