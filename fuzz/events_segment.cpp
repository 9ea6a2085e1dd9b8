// libFuzzer target: the events loader, auto-detected format; seeded with Segment spec calls (track, page, screen,
// group, identify).
#include "common/events_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::fuzz_events(data, size, pql::Format::Auto);
    return 0;
}
