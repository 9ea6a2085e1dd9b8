// The Engine's internals, for tests, benchmarks and fuzz targets only (they build with core/src
// on their include path; the CLI and the WASM binding use the public API alone).
#pragma once
#include "event_store.hpp"
#include "pql/engine.hpp"
#include "score.hpp"

namespace pql {

struct EngineInternals {
    static const EventStore& store(const Engine& e) { return *e.store_; }
    static Scorer& scorer(Engine& e) { return *e.scorer_; }
};

}  // namespace pql
