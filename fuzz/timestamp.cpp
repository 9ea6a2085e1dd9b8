// libFuzzer target: the timestamp parser. A parsed timestamp is in range, its ISO form
// re-parses to the same value, and that ISO form agrees with the C library's timegm (an
// independent calendar). Eight-byte inputs are also read as a double of epoch milliseconds.
#include <cstring>
#include <ctime>

#include "common/fuzz_common.hpp"

namespace {

void check_iso(int64_t ms) {
    FUZZ_CHECK(ms >= pql::kMinTimestamp && ms <= pql::kMaxTimestamp);
    const std::string iso = pql::format_iso(ms);
    FUZZ_CHECK(iso.size() == 24 && iso[10] == 'T' && iso.back() == 'Z');
    const char* why = nullptr;
    auto back = pql::parse_timestamp(iso, &why);
    FUZZ_CHECK(back && *back == ms);
    // Oracle: the calendar fields through timegm.
    int y, mo, d, h, mi, s, milli;
    FUZZ_CHECK(std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &y, &mo, &d, &h, &mi, &s, &milli) == 7);
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    const time_t secs = timegm(&tm);
    FUZZ_CHECK(static_cast<int64_t>(secs) * 1000 + milli == ms);
    FUZZ_CHECK(tm.tm_mon == mo - 1 && tm.tm_mday == d);  // timegm did not normalise: a real date
    FUZZ_CHECK(pql::day_of(ms) == static_cast<int64_t>(secs) / 86400);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    const char* why = nullptr;
    auto t = pql::parse_timestamp(text, &why);
    if (t) {
        check_iso(*t);
    } else {
        FUZZ_CHECK(why != nullptr && why[0] != '\0');
    }
    if (size == sizeof(double)) {
        double d;
        std::memcpy(&d, data, sizeof d);
        const char* why2 = nullptr;
        auto n = pql::timestamp_from_number(d, &why2);
        if (n) {
            check_iso(*n);
            FUZZ_CHECK(static_cast<double>(*n) <= d && d < static_cast<double>(*n) + 1);
        } else {
            FUZZ_CHECK(why2 != nullptr);
        }
    }
    return 0;
}
