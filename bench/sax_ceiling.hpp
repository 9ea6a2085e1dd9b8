// The JSON library's own ceiling: nlohmann's SAX parser over every line of a JSON Lines text
// with a handler that does nothing. Shared by the native benchmark and the WASM ceiling build.
#pragma once
#include <cstddef>
#include <cstdint>

namespace pql_bench {
// Parses each non-blank line; returns the number of lines that parsed.
int64_t sax_ceiling(const char* data, size_t size);
}  // namespace pql_bench
