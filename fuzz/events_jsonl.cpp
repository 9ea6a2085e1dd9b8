// libFuzzer target: the events loader, JSON Lines; and the stream reader against the same text
// loaded a line at a time (the whole-text loads are fuzz_events' own, not read again).
#include "common/events_common.hpp"
#include "common/jsonl_lines.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    fuzz::fuzz_events(data, size, pql::Format::Jsonl,
                      [&](const pql::EventStore& whole, const pql::Result<pql::LoadReport>& r, bool strict) {
                          const std::string diff = fuzz::jsonl_stream_vs_lines(text, strict, whole, r);
                          if (!diff.empty()) std::fprintf(stderr, "stream vs lines: %s\n", diff.c_str());
                          FUZZ_CHECK(diff.empty());
                      });
    return 0;
}
