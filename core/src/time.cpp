#include "pql/time.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace pql {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (civil calendar arithmetic).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t mp = (m + 9) % 12;
    const int64_t doy = (153 * mp + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = yoe + era * 400 + (m <= 2 ? 1 : 0);
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t days_in_month(int64_t y, int64_t m) {
    static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly n digits at s[i..]; false if any is not a digit.
bool digits(std::string_view s, size_t& i, int n, int64_t& out) {
    if (i + n > s.size()) return false;
    out = 0;
    for (int k = 0; k < n; ++k) {
        const char c = s[i + k];
        if (c < '0' || c > '9') return false;
        out = out * 10 + (c - '0');
    }
    i += n;
    return true;
}

std::optional<int64_t> in_range(int64_t ms, const char** why) {
    if (ms < kMinTimestamp || ms > kMaxTimestamp) {
        if (why) *why = "out of range (1970-01-01 to 9999-12-31)";
        return std::nullopt;
    }
    return ms;
}

std::optional<int64_t> fail(const char** why, const char* reason) {
    if (why) *why = reason;
    return std::nullopt;
}

}  // namespace

std::optional<int64_t> timestamp_from_number(double ms, const char** why) {
    if (!std::isfinite(ms)) return fail(why, "not a finite number");
    const double f = std::floor(ms);
    if (f < static_cast<double>(kMinTimestamp) || f > static_cast<double>(kMaxTimestamp))
        return fail(why, "out of range (1970-01-01 to 9999-12-31)");
    return static_cast<int64_t>(f);
}

std::optional<int64_t> parse_timestamp(std::string_view s, const char** why) {
    if (s.empty()) return fail(why, "empty");
    // The usual shape, "2026-11-01T12:34:56.789Z", read straight off its fixed positions (the
    // general parser below gives the same value; anything else goes to it).
    if (s.size() == 24 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' &&
        s[23] == 'Z') {
        static constexpr int kDigits[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22};
        bool all = true;
        for (int k : kDigits) all &= s[k] >= '0' && s[k] <= '9';
        if (all) {
            auto num = [&](int at, int n) {
                int64_t v = 0;
                for (int k = 0; k < n; ++k) v = v * 10 + (s[at + k] - '0');
                return v;
            };
            const int64_t h = num(11, 2), mi = num(14, 2), sec = num(17, 2), ms = num(20, 3);
            // The day of the last date read here: a file's rows come mostly in time order, so the
            // date usually repeats and its calendar arithmetic is done once.
            static thread_local char last_date[10] = {};
            static thread_local int64_t last_day = INT64_MIN;
            int64_t day = INT64_MIN;
            if (last_day != INT64_MIN && std::memcmp(s.data(), last_date, 10) == 0) {
                day = last_day;
            } else {
                const int64_t y = num(0, 4), mo = num(5, 2), d = num(8, 2);
                if (mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo)) {
                    day = days_from_civil(y, mo, d);
                    std::memcpy(last_date, s.data(), 10);
                    last_day = day;
                }
            }
            if (day != INT64_MIN && h <= 23 && mi <= 59 && sec <= 59)
                return in_range(((day * 24 + h) * 60 + mi) * 60'000 + sec * 1000 + ms, why);
        }
    }
    // Wholly an integer (as in CSV): epoch milliseconds.
    {
        size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
        bool all = i < s.size();
        for (size_t k = i; k < s.size() && all; ++k) all = s[k] >= '0' && s[k] <= '9';
        if (all) {
            if (s.size() - i > 16) return fail(why, "out of range (1970-01-01 to 9999-12-31)");
            int64_t v = 0;
            for (size_t k = i; k < s.size(); ++k) v = v * 10 + (s[k] - '0');
            return in_range(s[0] == '-' ? -v : v, why);
        }
    }
    const char* kNotDate = "not a date";
    size_t i = 0;
    int64_t y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
    if (!digits(s, i, 4, y) || i >= s.size() || s[i++] != '-' || !digits(s, i, 2, mo) || i >= s.size() ||
        s[i++] != '-' || !digits(s, i, 2, d))
        return fail(why, kNotDate);
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return fail(why, "impossible date");
    int64_t offset_min = 0;
    if (i < s.size()) {
        if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return fail(why, kNotDate);
        ++i;
        if (!digits(s, i, 2, h) || i >= s.size() || s[i++] != ':' || !digits(s, i, 2, mi)) return fail(why, kNotDate);
        if (i < s.size() && s[i] == ':') {
            ++i;
            if (!digits(s, i, 2, sec)) return fail(why, kNotDate);
            if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
                ++i;
                int n = 0;
                while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
                    if (n < 3) ms = ms * 10 + (s[i] - '0');
                    ++n;
                    ++i;
                }
                if (n == 0) return fail(why, kNotDate);
                for (int k = n; k < 3; ++k) ms *= 10;  // ".5" is 500 ms
            }
        }
        if (h > 23 || mi > 59 || sec > 59) return fail(why, "impossible time of day");
        if (i < s.size()) {
            const char z = s[i];
            if (z == 'Z' || z == 'z') {
                ++i;
            } else if (z == '+' || z == '-') {
                ++i;
                int64_t oh, om;
                if (!digits(s, i, 2, oh)) return fail(why, "bad zone offset");
                if (i < s.size() && s[i] == ':') ++i;
                if (!digits(s, i, 2, om) || oh > 23 || om > 59) return fail(why, "bad zone offset");
                offset_min = (z == '+' ? 1 : -1) * (oh * 60 + om);
            } else {
                return fail(why, kNotDate);
            }
        }
        if (i != s.size()) return fail(why, kNotDate);
    }
    const int64_t days = days_from_civil(y, mo, d);
    const int64_t total = ((days * 24 + h) * 60 + mi - offset_min) * 60'000 + sec * 1000 + ms;
    return in_range(total, why);
}

std::string format_iso(int64_t ms) {
    const int64_t days = day_of(ms);
    int64_t rem = ms - days * kDayMs;
    int64_t y, m, d;
    civil_from_days(days, y, m, d);
    if (y < 0 || y > 9999) {  // outside what a loaded timestamp can be: the general path
        char buf[96];
        std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(y),
                      static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(rem / 3'600'000),
                      static_cast<long long>(rem / 60'000 % 60), static_cast<long long>(rem / 1000 % 60),
                      static_cast<long long>(rem % 1000));
        return buf;
    }
    // The same text digit by digit (a ranking page formats three per row).
    char buf[25] = "0000-00-00T00:00:00.000Z";
    auto put = [&](int at, int64_t v, int width) {
        for (int k = width - 1; k >= 0; --k, v /= 10) buf[at + k] = static_cast<char>('0' + v % 10);
    };
    put(0, y, 4);
    put(5, m, 2);
    put(8, d, 2);
    put(11, rem / 3'600'000, 2);
    put(14, rem / 60'000 % 60, 2);
    put(17, rem / 1000 % 60, 2);
    put(20, rem % 1000, 3);
    return std::string(buf, 24);
}

}  // namespace pql
