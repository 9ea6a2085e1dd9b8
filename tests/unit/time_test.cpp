#include <catch2/catch.hpp>
#include <limits>

#include "pql/time.hpp"

using namespace pql;

TEST_CASE("ISO 8601 timestamps", "[time]") {
    CHECK(parse_timestamp("2026-11-01T12:34:56Z") == 1793536496000);
    CHECK(format_iso(*parse_timestamp("2026-11-01T12:34:56Z")) == "2026-11-01T12:34:56.000Z");
    CHECK(format_iso(*parse_timestamp("2026-11-01")) == "2026-11-01T00:00:00.000Z");
    CHECK(format_iso(*parse_timestamp("2026-11-01T12:34:56")) == "2026-11-01T12:34:56.000Z");  // no zone = UTC
    CHECK(format_iso(*parse_timestamp("2026-03-01T23:30:00-02:00")) == "2026-03-02T01:30:00.000Z");
    CHECK(format_iso(*parse_timestamp("2026-03-01T15:30:00.123456+0530")) == "2026-03-01T10:00:00.123Z");
    CHECK(format_iso(*parse_timestamp("2026-02-21T00:00:00.5Z")) == "2026-02-21T00:00:00.500Z");
    CHECK(format_iso(*parse_timestamp("2024-02-29T00:00:00Z")) == "2024-02-29T00:00:00.000Z");
    CHECK(format_iso(*parse_timestamp("9999-12-31T23:59:59.999Z")) == "9999-12-31T23:59:59.999Z");
    CHECK(format_iso(*parse_timestamp("1970-01-01T00:00:00Z")) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("integer strings and numbers are epoch milliseconds", "[time]") {
    CHECK(parse_timestamp("1772323200000") == 1772323200000);
    CHECK(timestamp_from_number(1772359200000.9) == 1772359200000);
    CHECK(!timestamp_from_number(-1));
    CHECK(!timestamp_from_number(253402300800000.0));
    CHECK(!timestamp_from_number(std::numeric_limits<double>::infinity()));
    CHECK(!timestamp_from_number(std::numeric_limits<double>::quiet_NaN()));
    CHECK(!parse_timestamp("-5"));
    CHECK(!parse_timestamp("99999999999999999999"));
}

TEST_CASE("impossible and malformed dates are rejected with a reason", "[time]") {
    const char* why = nullptr;
    CHECK(!parse_timestamp("2026-02-30T10:00:00Z", &why));
    CHECK(std::string(why) == "impossible date");
    CHECK(!parse_timestamp("2025-02-29", &why));
    CHECK(!parse_timestamp("2026-03-01T24:00:00Z", &why));
    CHECK(std::string(why) == "impossible time of day");
    CHECK(!parse_timestamp("2026-03-01T10:60:00Z"));
    CHECK(!parse_timestamp("yesterday", &why));
    CHECK(std::string(why) == "not a date");
    CHECK(!parse_timestamp(""));
    CHECK(!parse_timestamp("2026-03-01T10:00:00+25:00"));
    CHECK(!parse_timestamp("2026-03-01T10:00:00Zjunk"));
    CHECK(!parse_timestamp("2026-3-1"));
    CHECK(!parse_timestamp("10000-01-01"));
    CHECK(!parse_timestamp("1969-12-31T23:59:59Z"));
}

TEST_CASE("day arithmetic is on whole UTC days", "[time]") {
    CHECK(day_of(0) == 0);
    CHECK(day_of(kDayMs - 1) == 0);
    CHECK(day_of(kDayMs) == 1);
    CHECK(day_of(-1) == -1);
}
