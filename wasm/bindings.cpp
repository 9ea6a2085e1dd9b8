// The one Embind translation unit: a thin, exception-proof shim over pql::Engine.
//
// The ABI is deliberately small so the JavaScript wrapper (js/index.js) owns the public API:
//  - input text arrives as (pointer, length) into the WASM heap, which the wrapper fills with
//    HEAPU8.set / TextEncoder.encodeInto (no extra copy through an Embind std::string);
//  - every fallible call returns true/false and leaves UTF-8 JSON in one output buffer: the
//    result on success, {code, message, detail, path, line} on failure. The wrapper views it
//    with output() and decodes it with TextDecoder, then release()s it;
//  - no C++ exception ever crosses into JavaScript: each call runs inside guard().
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pql/engine.hpp"
#include "pql/load.hpp"
#include "pql/result.hpp"
#include "pql/time.hpp"

namespace {

using Json = nlohmann::ordered_json;

// Core messages may quote input bytes; never let invalid UTF-8 make dump() throw.
std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string error_json(const pql::Error& e) {
    Json j = {{"code", e.code}, {"message", e.describe()}, {"detail", e.message}};
    if (!e.path.empty()) j["path"] = e.path;
    if (e.line > 0) j["line"] = e.line;
    return dump(j);
}

std::string report_json(const pql::LoadReport& r) {
    Json errors = Json::array();
    for (const auto& e : r.errors) errors.push_back({{"line", e.line}, {"message", e.message}});
    return dump({{"read", r.read},
                 {"loaded", r.loaded},
                 {"skipped", r.skipped},
                 {"duplicates", r.duplicates},
                 {"errors", std::move(errors)}});
}

// A JS number (double) to a size_t page bound; negative or huge means "no bound".
size_t to_size(double v) {
    if (!(v >= 0) || v >= static_cast<double>(SIZE_MAX)) return SIZE_MAX;
    return static_cast<size_t>(v);
}

class EngineBinding {
public:
    bool loadEvents(uintptr_t data, size_t size, const std::string& format, bool strict) {
        return load(data, size, format, strict, &pql::Engine::load_events);
    }
    bool loadAccounts(uintptr_t data, size_t size, const std::string& format, bool strict) {
        return load(data, size, format, strict, &pql::Engine::load_accounts);
    }
    bool setModel(const std::string& json) {
        return guard([&] {
            auto status = engine_.set_model_json(json);
            if (!status) return fail(status.error());
            return succeed("null");
        });
    }
    bool model() {
        return guard([&] { return succeed(engine_.model_json()); });
    }
    // as_of as the CLI's --as-of takes it (ISO 8601 or epoch-ms text); "" restores "the latest event".
    bool setAsOf(const std::string& text) {
        return guard([&] {
            if (text.empty()) {
                engine_.set_as_of(std::nullopt);
                return succeed("null");
            }
            const char* why = "not a date";
            auto ms = pql::parse_timestamp(text, &why);
            if (!ms) return fail({"invalid_argument", std::string("as_of: ") + why + " (\"" + text + "\")", "", 0});
            engine_.set_as_of(ms);
            return succeed("null");
        });
    }
    bool score(double offset, double limit) {
        return guard([&] { return succeed(engine_.score_json(to_size(offset), to_size(limit))); });
    }
    bool explain(const std::string& id) {
        return guard([&] {
            auto result = engine_.explain_json(id);
            if (!result) return fail(result.error());
            return succeed(std::move(*result));
        });
    }
    // Scores land in their own buffer; scoresView() then exposes them as a Float64Array.
    bool scores() {
        return guard([&] {
            scores_ = engine_.scores();
            return succeed("null");
        });
    }
    bool clear() {
        return guard([&] {
            engine_.clear();
            return succeed("null");
        });
    }

    // A view of the last call's output (valid until the next call into this engine).
    emscripten::val output() const {
        return emscripten::val(emscripten::typed_memory_view(out_.size(), reinterpret_cast<const uint8_t*>(out_.data())));
    }
    emscripten::val scoresView() const {
        return emscripten::val(emscripten::typed_memory_view(scores_.size(), scores_.data()));
    }
    // Gives the output buffers' memory back once the wrapper has copied them out.
    void release() {
        std::string().swap(out_);
        std::vector<double>().swap(scores_);
    }

private:
    template <class Fn>
    bool guard(Fn&& fn) noexcept {
        try {
            return fn();
        } catch (const std::bad_alloc&) {
            return fail_noexcept("out_of_memory", "out of memory");
        } catch (const std::exception& e) {
            return fail_noexcept("internal", e.what());
        } catch (...) {
            return fail_noexcept("internal", "unknown C++ exception");
        }
    }

    bool load(uintptr_t data, size_t size, const std::string& format, bool strict,
              pql::Result<pql::LoadReport> (pql::Engine::*method)(std::string_view, const pql::LoadOptions&)) {
        return guard([&] {
            pql::LoadOptions options;
            options.strict = strict;
            if (!pql::parse_format(format, options.format))
                return fail({"invalid_argument", "unknown format \"" + format + "\" (auto, jsonl, json, csv)", "", 0});
            std::string_view text(reinterpret_cast<const char*>(data), size);
            auto report = (engine_.*method)(text, options);
            if (!report) return fail(report.error());
            return succeed(report_json(*report));
        });
    }

    bool succeed(std::string json) {
        out_ = std::move(json);
        return true;
    }
    bool fail(const pql::Error& e) {
        out_ = error_json(e);
        return false;
    }
    // Used inside catch handlers: drop the old buffers first so the error text fits even
    // after a bad_alloc, and fall back to a fixed code if even that cannot be allocated.
    bool fail_noexcept(const char* code, const char* message) noexcept {
        release();
        try {
            out_ = error_json({code, message, "", 0});
        } catch (...) {
            out_.clear();  // an empty output makes the wrapper report out_of_memory
        }
        return false;
    }

    pql::Engine engine_;
    std::string out_;
    std::vector<double> scores_;
};

// Bytes handed out by malloc and not yet freed: the heap-stability test and memoryUsage().
double heapInUse() { return static_cast<double>(mallinfo().uordblks); }

}  // namespace

EMSCRIPTEN_BINDINGS(pql) {
    using emscripten::class_;
    class_<EngineBinding>("Engine")
        .constructor<>()
        .function("loadEvents", &EngineBinding::loadEvents)
        .function("loadAccounts", &EngineBinding::loadAccounts)
        .function("setModel", &EngineBinding::setModel)
        .function("model", &EngineBinding::model)
        .function("setAsOf", &EngineBinding::setAsOf)
        .function("score", &EngineBinding::score)
        .function("explain", &EngineBinding::explain)
        .function("scores", &EngineBinding::scores)
        .function("clear", &EngineBinding::clear)
        .function("output", &EngineBinding::output)
        .function("scoresView", &EngineBinding::scoresView)
        .function("release", &EngineBinding::release);
    emscripten::function("heapInUse", &heapInUse);
}
