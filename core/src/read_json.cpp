// JSON Lines and JSON arrays through nlohmann's SAX interface: no DOM is built; each record's
// top-level fields (and the members of "traits" and "context") are captured as scalars.
#include <cstring>

#include "json_sax.hpp"

namespace pql {
namespace {

using namespace json_reader;

bool fail_row(LoadReport& report, int64_t line, std::string message, bool strict) {
    ++report.skipped;
    report.add_error(line, std::move(message));
    return !strict;
}

std::string depth_message(const ReadLimits& limits) {
    return "row: nested deeper than " + std::to_string(limits.max_depth) + " levels";
}

// JSON Lines one line at a time: every line gets its own parse. `text` starts at a line
// start; its first line is number `first_line`; `base` is its offset in the whole text (for
// progress).
bool read_lines(std::string_view text, int64_t first_line, size_t base, size_t total, RecordSink& sink,
                LoadReport& report, bool strict, const ReadLimits& limits) {
    Record rec;
    size_t pos = 0, next_progress = 4u << 20;
    int64_t line = first_line - 1;
    // One handler for every row (reset per row), so that its buffers are reused.
    std::string bad;
    bool complete = false;
    RecordHandler h(0, limits, rec);
    h.on_record_end = [&] { complete = true; };
    h.on_non_object = [&](const char* why) {
        if (bad.empty()) bad = std::string("row: ") + why;
    };
    while (pos < text.size()) {
        if (limits.progress && pos >= next_progress) {
            limits.progress(base + pos, total);
            next_progress = pos + (4u << 20);
        }
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view row = text.substr(pos, end - pos);
        pos = end + 1;
        ++line;
        if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
        bool blank = true;
        for (char c : row)
            if (c != ' ' && c != '\t' && c != '\r') {
                blank = false;
                break;
            }
        if (blank) continue;
        ++report.read;
        if (row.size() > limits.max_row_bytes) {
            if (!fail_row(report, line,
                          "row: longer than the " + std::to_string(limits.max_row_bytes >> 20) + " MiB row limit",
                          strict))
                return false;
            continue;
        }
        rec.reset(line);
        bad.clear();
        complete = false;
        h.reset();
        const bool parsed = sax_parse(LineStream(row), &h);
        std::string message;
        if (!parsed) message = h.depth_exceeded ? depth_message(limits) : h.error;
        else if (!bad.empty() || !complete) message = bad.empty() ? "row: not a JSON object" : bad;
        else message = sink.accept(rec);
        if (!message.empty() && !fail_row(report, line, std::move(message), strict)) return false;
    }
    return true;
}

}  // namespace

bool read_jsonl(std::string_view text, RecordSink& sink, LoadReport& report, bool strict, const ReadLimits& limits) {
    constexpr size_t kStreamSegment = 4u << 20;
    Record recs[2];
    int cur = 0;
    RecordHandler h(1, limits, recs[0]);
    StreamState st;
    st.text = text;
    bool pending = false, failed = false;  // failed: a strict load met a bad row
    int64_t element_line = 0, pending_line = 0;
    size_t pending_pos = 0, pending_end = 0, done_pos = 0;  // done_pos: every line before it is read
    int64_t done_line = limits.first_line;                  // the line at done_pos
    uint64_t pending_commas = 0;
    size_t next_progress = 4u << 20;

    auto accept = [&]() {  // the pending record: one object alone on its line
        pending = false;
        Record& rec = recs[cur ^ 1];
        ++report.read;
        std::string message = sink.accept(rec);
        if (!message.empty() && !fail_row(report, pending_line, std::move(message), strict)) failed = true;
        done_line = pending_line + 1;
        done_pos = pending_end;
        if (limits.progress && done_pos >= next_progress) {
            limits.progress(done_pos, text.size());
            next_progress = done_pos + (4u << 20);
        }
    };
    h.on_element = [&](bool object) {
        // The previous record is taken once the line break after it is seen (a ',' put in).
        if (pending) {
            if (st.commas != pending_commas + 1) {
                h.stop = true;
                return;
            }
            accept();
            if (failed) {
                h.stop = true;
                return;
            }
        }
        if (!object) {
            h.stop = true;
            return;
        }
        element_line = st.line;
        pending_pos = st.line_start;
        recs[cur].reset(limits.first_line + element_line);
        h.set_record(recs[cur]);
    };
    h.on_record_end = [&] {
        if (st.line != element_line) {  // it spans lines
            h.stop = true;
            return;
        }
        pending = true;
        pending_line = limits.first_line + element_line;
        pending_commas = st.commas;
        pending_end = std::min(st.line_end + 1, text.size());
        cur ^= 1;
    };
    h.on_outer_end = [&] {
        if (st.stage != 2) {  // a ']' of the text's own
            h.stop = true;
            return;
        }
        if (pending) accept();
    };

    size_t start = 0;
    int64_t start_line = limits.first_line;
    while (start < text.size()) {
        // A stream covers whole lines up to about kStreamSegment bytes, then the next one starts:
        // a WebAssembly engine swaps in its optimised code between calls, never during one.
        size_t seg_end = text.size();
        if (text.size() - start > kStreamSegment) {
            const size_t from = start + kStreamSegment;
            const void* nl = std::memchr(text.data() + from, '\n', text.size() - from);
            if (nl) seg_end = static_cast<size_t>(static_cast<const char*>(nl) - text.data()) + 1;
        }
        st = StreamState{};
        st.text = text.substr(0, seg_end);
        st.pos = st.line_start = start;
        st.max_line = limits.max_row_bytes;
        st.line = start_line - limits.first_line;
        pending = false;
        done_pos = start;
        done_line = start_line;
        h.reset();
        h.stop = false;
        const bool parsed = sax_parse(LineStream(&st), &h);
        if (failed) return false;
        if (parsed && st.stage == 3) {
            if (seg_end == text.size()) return true;
            start = seg_end;
            start_line = limits.first_line + st.line;  // (the segment's last line break counted)
            continue;
        }
        // The stream stopped: read from the first line not yet taken through the current line one
        // by one, then start again after it.
        const size_t from = pending ? pending_pos : done_pos;
        const int64_t from_line = pending ? pending_line : done_line;
        const void* nl = std::memchr(text.data() + st.line_start, '\n', text.size() - st.line_start);
        const size_t to = nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) + 1 : text.size();
        if (!read_lines(text.substr(from, to - from), from_line, from, text.size(), sink, report, strict, limits))
            return false;
        start = to;
        start_line = limits.first_line + st.line + 1;
    }
    return true;
}

bool read_json_array(std::string_view text, RecordSink& sink, LoadReport& report, bool strict,
                     const ReadLimits& limits) {
    Record rec;
    int64_t index = 0;
    bool stop = false;
    std::string element_error;
    RecordHandler h(1, limits, rec);
    auto finish_element = [&](std::string message) {
        if (stop) return;  // strict: the first bad element ends the load; later ones are not read
        ++report.read;
        if (message.empty()) message = sink.accept(rec);
        if (!message.empty()) {
            ++report.skipped;
            report.add_error(index, "element " + std::to_string(index) + ": " + message);
            if (strict) stop = true;
        }
    };
    h.on_record_start = [&] { rec.reset(++index); };
    h.on_record_end = [&] { finish_element(""); };
    h.on_non_object = [&](const char* why) {
        ++index;
        finish_element(std::string("row: ") + why);
    };
    // The array's own brackets: the handler sees depth 0 as the array.
    const bool parsed = sax_parse(LineStream(text), &h);
    if (stop) return false;
    if (!parsed) {
        // The rest of the file cannot be read: one skipped row with the reason and where.
        ++report.read;
        ++report.skipped;
        std::string msg = h.depth_exceeded ? depth_message(limits) : h.error;
        report.add_error(h.depth_exceeded ? index : h.error_line,
                         msg + "; the rest of the array after element " + std::to_string(index) + " was not read");
        return !strict;
    }
    return true;
}

}  // namespace pql
