// Timestamps: SPEC §1.1. Epoch milliseconds, UTC calendar days.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pql {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kMinTimestamp = 0;                    // 1970-01-01T00:00:00.000Z
constexpr int64_t kMaxTimestamp = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

inline int64_t day_of(int64_t ms) { return ms >= 0 ? ms / kDayMs : -((-ms + kDayMs - 1) / kDayMs); }

// A string that is wholly an integer is epoch ms; anything else must be ISO 8601 / RFC 3339.
// On failure returns nullopt and sets `why` to a short reason ("not a date", "out of range").
std::optional<int64_t> parse_timestamp(std::string_view text, const char** why = nullptr);
// A JSON number: epoch ms, the fraction dropped.
std::optional<int64_t> timestamp_from_number(double ms, const char** why = nullptr);

// "2026-11-01T00:00:00.000Z"
std::string format_iso(int64_t ms);

}  // namespace pql
