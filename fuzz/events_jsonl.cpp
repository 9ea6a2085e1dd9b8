// libFuzzer target: the events loader, JSON Lines.
#include "common/events_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::fuzz_events(data, size, pql::Format::Jsonl);
    return 0;
}
