// JSON Lines read as one stream (read_json.cpp) against the same text fed one line at a time
// (each line a load of its own, numbered by first_line): both must give the same report and the
// same store. The stream reader is an optimisation of the line reader; this is its oracle.
#pragma once
#include <string>
#include <string_view>

#include "event_store.hpp"

namespace fuzz {

// "" when they agree, else what differs. `whole` and `w` are the text's load as one piece into
// a fresh store (fuzz_events has just done it: the oracle does not read the text twice).
inline std::string jsonl_stream_vs_lines(std::string_view text, bool strict, const pql::EventStore& whole,
                                         const pql::Result<pql::LoadReport>& w) {
    // A load drops a byte order mark at the start of its text, so a later line that starts with
    // one would be read differently as a piece of its own: no comparison then.
    if (text.find("\n\xEF\xBB\xBF") != std::string_view::npos) return {};
    pql::LoadOptions opts;
    opts.format = pql::Format::Jsonl;
    opts.strict = strict;
    pql::EventStore parts;

    pql::LoadReport total;
    bool failed = false;
    pql::Error first_error;
    int64_t line = 1;
    for (size_t pos = 0; pos < text.size() && !failed; ++line) {
        size_t end = text.find('\n', pos);
        end = end == std::string_view::npos ? text.size() : end + 1;
        pql::LoadOptions o = opts;
        o.first_line = line;
        auto r = parts.load_events(text.substr(pos, end - pos), o);
        if (!r.ok()) {
            failed = true;
            first_error = r.error();
        } else {
            total.merge(*r);
        }
        pos = end;
    }
    if (strict) {
        if (w.ok() == failed) return "strict: one failed and the other did not";
        if (failed) {
            if (w.error().line != first_error.line || w.error().message != first_error.message)
                return "strict: different first error";
            return {};  // a strict whole load keeps nothing; the parts kept the lines before
        }
    }
    if (!w.ok()) return "the whole load failed: " + w.error().message;
    const pql::LoadReport& a = *w;
    if (a.read != total.read || a.loaded != total.loaded || a.skipped != total.skipped ||
        a.duplicates != total.duplicates)
        return "counts differ";
    if (a.errors.size() != total.errors.size()) return "error counts differ";
    for (size_t i = 0; i < a.errors.size(); ++i)
        if (a.errors[i].line != total.errors[i].line || a.errors[i].message != total.errors[i].message)
            return "error " + std::to_string(i) + " differs: line " + std::to_string(a.errors[i].line) + " " +
                   a.errors[i].message + " | line " + std::to_string(total.errors[i].line) + " " +
                   total.errors[i].message;
    // (Without account_key, vendor records take their account from the file's only group type:
    // a whole-file fact, which a line loaded alone cannot know; the load says so in a note.)
    if (whole.ts != parts.ts || whole.user != parts.user || whole.type != parts.type ||
        (a.notes.empty() && whole.account != parts.account))
        return "event columns differ";
    if (whole.groups.size() != parts.groups.size() || whole.identifies.size() != parts.identifies.size())
        return "group or identify calls differ";
    for (const pql::Interner* i : {&whole.user_ids, &whole.account_ids, &whole.event_names}) {
        const pql::Interner& j = i == &whole.user_ids      ? parts.user_ids
                                 : i == &whole.account_ids ? parts.account_ids
                                                           : parts.event_names;
        if (i->size() != j.size()) return "interned names differ";
        for (uint32_t k = 0; k < i->size(); ++k)
            if (i->name(k) != j.name(k)) return "interned names differ";
    }
    return {};
}

// The same, loading the whole text itself (tests/unit/load_test.cpp).
inline std::string jsonl_stream_vs_lines(std::string_view text, bool strict = false) {
    pql::LoadOptions opts;
    opts.format = pql::Format::Jsonl;
    opts.strict = strict;
    pql::EventStore whole;
    const auto w = whole.load_events(text, opts);
    return jsonl_stream_vs_lines(text, strict, whole, w);
}

}  // namespace fuzz
