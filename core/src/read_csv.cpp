// RFC 4180 CSV: a header row, quoted fields with "" escapes and embedded line breaks, CRLF.
// Every cell becomes a string field named by its header column.
#include <cstring>

#include "record.hpp"

namespace pql {
namespace {

// Splits the next record starting at pos into cells. Returns false at end of input.
// `error` is set for an unterminated quote; `line` advances over embedded newlines.
struct CsvCursor {
    std::string_view text;
    size_t pos = 0;
    int64_t line = 1;  // line of the next record

    bool next(std::vector<std::string>& cells, int64_t& start_line, std::string& error, size_t max_bytes) {
        cells.clear();
        error.clear();
        if (pos >= text.size()) return false;
        start_line = line;
        const size_t begin = pos;
        std::string cell;
        bool quoted = false, after_quote = false;
        while (pos < text.size()) {
            const char c = text[pos];
            if (pos - begin > max_bytes) {
                error = "row: longer than the " + std::to_string(max_bytes >> 20) + " MiB row limit";
                skip_line();
                return true;
            }
            if (quoted) {
                if (c == '"') {
                    if (pos + 1 < text.size() && text[pos + 1] == '"') {
                        cell += '"';
                        pos += 2;
                        continue;
                    }
                    quoted = false;
                    after_quote = true;
                } else {
                    if (c == '\n') ++line;
                    cell += c;
                }
                ++pos;
                continue;
            }
            if (c == ',') {
                cells.push_back(std::move(cell));
                cell.clear();
                after_quote = false;
                ++pos;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
                ++pos;
                ++line;
                cells.push_back(std::move(cell));
                return true;
            } else if (c == '"' && cell.empty() && !after_quote) {
                quoted = true;
                ++pos;
            } else {
                cell += c;  // a stray quote inside an unquoted cell is kept as text
                ++pos;
            }
        }
        if (quoted) {
            error = "row: unterminated quoted field";
            return true;
        }
        cells.push_back(std::move(cell));
        return true;
    }

    // The common row: no cell starts with a quote and the row is within the limit. Its cells are
    // views of the text; false (nothing consumed) for any other row, which next() then reads.
    bool next_plain(std::vector<std::string_view>& cells, int64_t& start_line, size_t max_bytes) {
        cells.clear();
        const char* const b = text.data() + pos;
        const char* const e = text.data() + text.size();
        const char* p = b;
        const char* cell = p;
        if (p < e && *p == '"') return false;
        for (;;) {
            // To the next ',', '\n' or '\r': eight bytes at a time, then byte by byte.
            constexpr uint64_t kLow = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
            auto has = [](uint64_t w, uint64_t b) {
                const uint64_t x = w ^ (b * kLow);
                return (x - kLow) & ~x & kHigh;
            };
            while (e - p >= 8) {
                uint64_t w;
                std::memcpy(&w, p, 8);
                if (has(w, ',') | has(w, '\n') | has(w, '\r')) break;
                p += 8;
            }
            while (p < e && *p != ',' && *p != '\n' && *p != '\r') ++p;
            if (static_cast<size_t>(p - b) > max_bytes) return false;
            cells.emplace_back(cell, static_cast<size_t>(p - cell));
            if (p == e) break;
            if (*p == ',') {
                ++p;
                cell = p;
                if (p < e && *p == '"') return false;
                continue;
            }
            if (*p == '\r' && p + 1 < e && p[1] == '\n') ++p;
            ++p;  // the line break
            break;
        }
        start_line = line++;
        pos = static_cast<size_t>(p - text.data());
        return true;
    }

    void skip_line() {
        while (pos < text.size() && text[pos] != '\n') ++pos;
        if (pos < text.size()) ++pos;
        ++line;
    }
};

template <class Cells>
bool blank_row(const Cells& cells) {
    return cells.size() == 1 && cells[0].empty();
}

}  // namespace

bool read_csv(std::string_view text, RecordSink& sink, LoadReport& report, bool strict, const ReadLimits& limits) {
    CsvCursor cur{text};
    cur.line = limits.first_line;
    std::vector<std::string> header, cells;
    std::string error;
    int64_t line = 0;
    if (limits.csv_header) {
        header = *limits.csv_header;
    } else {
        // Header: the first non-blank row.
        for (;;) {
            if (!cur.next(header, line, error, limits.max_row_bytes)) return true;  // empty file
            if (!error.empty()) {
                ++report.read;
                ++report.skipped;
                report.add_error(line, "header " + error + "; no rows could be read");
                return !strict;
            }
            if (!blank_row(header)) break;
        }
        for (auto& h : header) {
            if (!valid_utf8(h)) {
                ++report.read;
                ++report.skipped;
                report.add_error(line, "header: invalid UTF-8; no rows could be read");
                return !strict;
            }
            // Trim spaces around column names ("user_id " is user_id).
            while (!h.empty() && h.back() == ' ') h.pop_back();
            size_t k = 0;
            while (k < h.size() && h[k] == ' ') ++k;
            h.erase(0, k);
            // PostHog's CSV export names its columns "*.uuid", "*.event", "*.properties.format".
            if (h.size() > 2 && h[0] == '*' && h[1] == '.') h.erase(0, 2);
        }
        std::string fatal = sink.header(header);
        if (!fatal.empty()) {
            sink.fatal = std::move(fatal);
            return true;
        }
    }
    Record rec;
    size_t next_progress = 4u << 20;
    std::vector<std::string_view> views;
    bool plain_row = false;  // the views are one stretch of the text (commas between)
    bool keyed = false;      // rec.fields[0, header.size()) carry the header's keys
    bool header_dup = true;  // the header may repeat a column name (as add() found it)
    // Rows come as views of the text (next_plain), or, when a cell is quoted, through next().
    auto next_row = [&]() {
        error.clear();
        if (cur.pos >= text.size()) return false;
        if ((plain_row = cur.next_plain(views, line, limits.max_row_bytes))) return true;
        if (!cur.next(cells, line, error, limits.max_row_bytes)) return false;
        views.assign(cells.begin(), cells.end());
        return true;
    };
    while (next_row()) {
        if (limits.progress && cur.pos >= next_progress) {
            limits.progress(cur.pos, text.size());
            next_progress = cur.pos + (4u << 20);
        }
        if (error.empty() && blank_row(views)) continue;
        ++report.read;
        std::string message = error;
        if (message.empty() && views.size() != header.size())
            message =
                "row: expected " + std::to_string(header.size()) + " fields, found " + std::to_string(views.size());
        if (message.empty()) {
            rec.reset(line);
            rec.from_csv = true;
            // One UTF-8 check over the whole row when it is a plain one; cell by cell (to name the
            // column) otherwise, or when the row fails it.
            const bool row_ok =
                plain_row && valid_utf8(std::string_view(views.front().data(),
                                                         static_cast<size_t>(views.back().data() + views.back().size() -
                                                                             views.front().data())));
            for (size_t i = 0; i < views.size(); ++i) {
                if (!row_ok && !valid_utf8(views[i])) {
                    message = header[i] + ": invalid UTF-8";
                    break;
                }
                // Every row has the header's keys: after the first, only the values change.
                Scalar& s = keyed ? rec.fields[rec.nfields++].second : rec.add(header[i]);
                if (keyed) s.reset();
                if (!views[i].empty()) {  // a view of the text (or of `cells`): both outlive accept()
                    s.kind = Scalar::String;
                    s.external = true;
                    s.ext = views[i];
                }
            }
            if (keyed) rec.dup_keys = header_dup;
            else header_dup = rec.dup_keys;
            keyed = message.empty() && rec.nfields == header.size();
        }
        if (message.empty()) message = sink.accept(rec);
        if (!message.empty()) {
            ++report.skipped;
            report.add_error(line, std::move(message));
            if (strict) return false;
        }
    }
    return true;
}

bool valid_utf8(std::string_view s) {
    size_t i = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    // Eight bytes at a time while they are ASCII without NUL (nearly all text).
    constexpr uint64_t kLow = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    while (i + 8 <= n) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        if ((w & kHigh) || ((w - kLow) & ~w & kHigh)) break;
        i += 8;
    }
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            if (c == 0) return false;  // NUL is not text
            ++i;
            continue;
        }
        int len;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else return false;
        if (i + len > n) return false;
        for (int k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

bool read_records(std::string_view text, const LoadOptions& options, RecordSink& sink, LoadReport& report,
                  const std::vector<std::string>* csv_header) {
    Format format = options.format;
    const bool strict = options.strict;
    ReadLimits limits;
    limits.csv_header = csv_header;
    if (csv_header && format == Format::Auto) format = Format::Csv;
    limits.progress = options.progress;
    limits.first_line = options.first_line;
    // A UTF-8 byte-order mark is ignored.
    if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
        static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF)
        text.remove_prefix(3);
    if (format == Format::Auto) {
        size_t i = 0;
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
        if (i == text.size()) return true;  // empty: nothing to read
        format = text[i] == '[' ? Format::JsonArray : text[i] == '{' ? Format::Jsonl : Format::Csv;
    }
    switch (format) {
        case Format::Jsonl: return read_jsonl(text, sink, report, strict, limits);
        case Format::JsonArray: {
            size_t i = 0;
            while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
            if (i == text.size()) return true;
            if (text[i] != '[') {
                ++report.read;
                ++report.skipped;
                report.add_error(1, "file: expected a JSON array of objects");
                return !strict;
            }
            return read_json_array(text, sink, report, strict, limits);
        }
        default: return read_csv(text, sink, report, strict, limits);
    }
}

}  // namespace pql
