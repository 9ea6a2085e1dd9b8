// libFuzzer target: the events loader, CSV with a header row.
#include "common/events_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::fuzz_events(data, size, pql::Format::Csv);
    return 0;
}
