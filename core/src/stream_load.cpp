#include "stream_load.hpp"

#include <algorithm>
#include <cstring>

#include "event_sink.hpp"

namespace pql {

namespace {
constexpr size_t kPiece = 4u << 20;
}

StreamLoad::StreamLoad(EventStore& store, LoadKind kind, const LoadOptions& options)
    : store_(store), kind_(kind), options_(options), format_(options.format) {
    options_.progress = nullptr;  // the caller knows how far the source is read
    if (kind_ == LoadKind::Events) sink_ = std::make_unique<EventSink>(store_, options_);
}

StreamLoad::~StreamLoad() = default;

Status StreamLoad::feed(std::string_view bytes) {
    if (failed_) return error_;
    fed_ += bytes.size();
    buf_.append(bytes.data(), bytes.size());
    if (kind_ != LoadKind::Events) return Ok{};
    if (!decided_) {
        size_t i = 0;
        if (buf_.size() >= 3 && buf_.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
        while (i < buf_.size() && (buf_[i] == ' ' || buf_[i] == '\t' || buf_[i] == '\r' || buf_[i] == '\n')) ++i;
        if (i == buf_.size()) return Ok{};
        if (format_ == Format::Auto)
            format_ = buf_[i] == '[' ? Format::JsonArray : buf_[i] == '{' ? Format::Jsonl : Format::Csv;
        decided_ = true;
    }
    if (format_ == Format::JsonArray) return Ok{};  // one value: read at the end
    // Row ends: every line break (JSON Lines), or, in CSV, those the CSV reader ends a row at:
    // CR, LF or CRLF outside a quoted cell (a quote opens one only at a cell's start; "" inside
    // it is a quote). Lines are counted as the readers count them, so errors keep their lines.
    const char* p = buf_.data();
    const size_t n = buf_.size();
    if (format_ == Format::Jsonl) {
        for (size_t from = scan_; const void* nl = std::memchr(p + from, '\n', n - from);) {
            from = cut_ = static_cast<size_t>(static_cast<const char*>(nl) - p) + 1;
            cut_lines_ = ++lines_;
        }
    } else {
        size_t i = scan_;
        if (cr_ && i < n) {  // a CR last time: a row end, with the LF after it if there is one
            cr_ = false;
            if (p[i] == '\n') ++i;
            cut_ = i;
            cut_lines_ = ++lines_;
            cell_start_ = true;
        }
        for (; i < n; ++i) {
            const char c = p[i];
            if (quoted_) {
                if (quote_seen_) {
                    quote_seen_ = false;
                    if (c == '"') continue;  // "" is a quote
                    quoted_ = false;         // the closing quote: c is read unquoted below
                } else {
                    if (c == '"') quote_seen_ = true;
                    else if (c == '\n') ++lines_;
                    continue;
                }
            }
            if (c == ',') {
                cell_start_ = true;
            } else if (c == '\n') {
                cut_ = i + 1;
                cut_lines_ = ++lines_;
                cell_start_ = true;
            } else if (c == '\r') {
                if (i + 1 == n) {
                    cr_ = true;  // decided by the next byte
                    break;
                }
                if (p[i + 1] == '\n') ++i;
                cut_ = i + 1;
                cut_lines_ = ++lines_;
                cell_start_ = true;
            } else if (c == '"' && cell_start_) {
                quoted_ = true;
                cell_start_ = false;
            } else {
                cell_start_ = false;
            }
        }
        if (cr_) {
            scan_ = n;
            if (cut_ >= kPiece) return flush(false);
            return Ok{};
        }
    }
    scan_ = buf_.size();
    if (cut_ >= kPiece) return flush(false);
    return Ok{};
}

Status StreamLoad::flush(bool last) {
    const size_t n = last ? buf_.size() : cut_;
    if (n == 0) return Ok{};
    LoadOptions o = options_;
    o.format = format_;
    o.first_line = line_;
    const std::string_view piece(buf_.data(), n);
    LoadReport r;
    Status st = store_.load_events_piece(*sink_, piece, o, r);
    report_.merge(r);
    if (!st.ok()) {
        failed_ = true;
        error_ = st.error();
        return st;
    }
    line_ += last ? 0 : cut_lines_;
    lines_ -= last ? lines_ : cut_lines_;
    cut_lines_ = 0;
    buf_.erase(0, n);
    scan_ -= std::min(scan_, n);
    cut_ = 0;
    return Ok{};
}

Result<LoadReport> StreamLoad::finish(std::string& whole) {
    if (failed_) return error_;
    if (kind_ != LoadKind::Events) {
        whole.swap(buf_);
        return report_;
    }
    if (Status st = flush(true); !st.ok()) return st.error();
    if (Status st = store_.finish_events_load(*sink_, report_); !st.ok()) return st.error();
    return report_;
}

}  // namespace pql
