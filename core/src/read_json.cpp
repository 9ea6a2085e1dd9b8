// JSON Lines and JSON arrays through nlohmann's SAX interface: no DOM is built; each record's
// top-level fields (and the members of "traits" and "context") are captured as scalars.
#include <nlohmann/json.hpp>

#include "record.hpp"

namespace pql {
namespace {

using json = nlohmann::json;

// "[json.exception.parse_error.101] parse error at line 3, column 7: syntax error ..." ->
// line 3, "syntax error ... (column 7)"
std::string clean_parse_error(const std::string& what, int64_t& line) {
    std::string msg = what;
    const auto close = msg.find("] ");
    if (close != std::string::npos) msg = msg.substr(close + 2);
    const std::string at = "parse error at line ";
    std::string column;
    if (msg.compare(0, at.size(), at) == 0) {
        size_t i = at.size();
        int64_t l = 0;
        while (i < msg.size() && isdigit(static_cast<unsigned char>(msg[i]))) l = l * 10 + (msg[i++] - '0');
        line = l;
        const std::string col = ", column ";
        if (msg.compare(i, col.size(), col) == 0) {
            i += col.size();
            const size_t start = i;
            while (i < msg.size() && isdigit(static_cast<unsigned char>(msg[i]))) ++i;
            column = msg.substr(start, i - start);
        }
        if (i < msg.size() && msg[i] == ':') ++i;
        while (i < msg.size() && msg[i] == ' ') ++i;
        msg = msg.substr(i);
    } else if (msg.compare(0, 12, "parse error ") == 0) {
        msg = msg.substr(12);
    }
    std::string out = "invalid JSON: " + msg;
    if (!column.empty()) out += " (column " + column + ")";
    return out;
}

class RecordHandler final : public nlohmann::json_sax<json> {
public:
    RecordHandler(int record_depth, const ReadLimits& limits, Record& record)
        : record_depth_(record_depth), limits_(limits), rec_(record) {}

    // Called when a record starts (the object at record_depth) and ends.
    std::function<void()> on_record_start;
    std::function<void()> on_record_end;
    std::function<void(const char*)> on_non_object;  // a non-object where a record belongs

    bool depth_exceeded = false;
    bool has_error = false;
    std::string error;  // cleaned syntax error
    int64_t error_line = 0;

    // Ready for the next JSON Lines row (buffers are kept).
    void reset() {
        depth_ = 0;
        in_record_ = false;
        section_ = Section::None;
        depth_exceeded = has_error = false;
        error.clear();
        error_line = 0;
    }

    bool null() override {
        target();
        return stored();
    }
    bool boolean(bool v) override {
        Scalar& s = target();
        s.kind = Scalar::Bool;
        s.b = v;
        return stored();
    }
    bool number_integer(number_integer_t v) override {
        Scalar& s = target();
        s.kind = Scalar::Int;
        s.i = v;
        s.d = static_cast<double>(v);
        return stored();
    }
    bool number_unsigned(number_unsigned_t v) override {
        Scalar& s = target();
        if (v <= static_cast<number_unsigned_t>(INT64_MAX)) {
            s.kind = Scalar::Int;
            s.i = static_cast<int64_t>(v);
        } else {
            s.kind = Scalar::Float;
            s.big = true;
        }
        s.d = static_cast<double>(v);
        return stored();
    }
    bool number_float(number_float_t v, const string_t&) override {
        Scalar& s = target();
        s.kind = Scalar::Float;
        s.d = v;
        return stored();
    }
    bool string(string_t& v) override {
        Scalar& s = target();
        s.kind = Scalar::String;
        s.s.assign(v);  // a copy into a kept buffer: the parser keeps its own
        return stored();
    }
    bool binary(binary_t&) override {
        target();
        return stored();
    }

    bool start_object(std::size_t) override { return open(true); }
    bool start_array(std::size_t) override { return open(false); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }

    bool key(string_t& k) override {
        if (depth_ == record_depth_ + 1) key1_.swap(k);
        else if (depth_ == record_depth_ + 2) key2_.swap(k);
        return true;
    }

    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
        has_error = true;
        error = clean_parse_error(ex.what(), error_line);
        return false;
    }

private:
    enum class Section { None, Traits, Context };

    // Where a scalar goes: a member of the record is written straight into the record's next
    // field (no temporary, no allocation once warm); anything else is built in tmp_ and handed
    // to scalar().
    Scalar& target() {
        direct_ = depth_ == record_depth_ + 1 && in_record_;
        if (direct_) return rec_.add(key1_);
        tmp_.reset();
        return tmp_;
    }
    bool stored() { return direct_ || scalar(std::move(tmp_)); }

    bool scalar(Scalar&& s) {
        if (depth_ == record_depth_) {
            // A scalar where a record belongs ("text", 42 in JSON Lines or an array).
            if (on_non_object) on_non_object("not a JSON object");
        } else if (depth_ == record_depth_ + 1 && in_record_) {
            rec_.add(key1_) = std::move(s);  // (members go straight in through target())
        } else if (depth_ == record_depth_ + 2 && in_record_) {
            if (section_ == Section::Traits) {
                switch (s.kind) {
                    case Scalar::String: rec_.traits[key2_] = std::move(s.s); break;
                    case Scalar::Bool: rec_.traits[key2_] = s.b; break;
                    case Scalar::Int:
                    case Scalar::Float: rec_.traits[key2_] = s.d; break;
                    default: break;  // null: the trait is absent
                }
            } else if (section_ == Section::Context && key2_ == "groupId") {
                rec_.context_group_id = std::move(s);
                rec_.has_context_group_id = true;
            }
        }
        return true;
    }

    bool open(bool object) {
        if (depth_ >= record_depth_ + limits_.max_depth) {
            depth_exceeded = true;
            return false;
        }
        if (depth_ == record_depth_) {
            if (object) {
                in_record_ = true;
                if (on_record_start) on_record_start();
            } else if (on_non_object) {
                on_non_object("not a JSON object");
            }
        } else if (depth_ == record_depth_ + 1 && in_record_) {
            rec_.add(key1_).kind = object ? Scalar::Object : Scalar::Array;
            section_ = Section::None;
            if (object && key1_ == "traits") {
                section_ = Section::Traits;
                rec_.traits_object = true;
            } else if (object && key1_ == "context") {
                section_ = Section::Context;
                rec_.context_object = true;
            }
        } else if (depth_ == record_depth_ + 2 && in_record_ && section_ == Section::Traits) {
            rec_.traits_nested.push_back(key2_);
        }
        ++depth_;
        return true;
    }

    bool close() {
        --depth_;
        if (depth_ == record_depth_ + 1) section_ = Section::None;
        if (depth_ == record_depth_ && in_record_) {
            in_record_ = false;
            if (on_record_end) on_record_end();
        }
        return true;
    }

    int record_depth_;
    const ReadLimits& limits_;
    Record& rec_;
    int depth_ = 0;
    bool in_record_ = false;
    Section section_ = Section::None;
    std::string key1_, key2_;
    Scalar tmp_;
    bool direct_ = false;
};

bool fail_row(LoadReport& report, int64_t line, std::string message, bool strict) {
    ++report.skipped;
    report.add_error(line, std::move(message));
    return !strict;
}

std::string depth_message(const ReadLimits& limits) {
    return "row: nested deeper than " + std::to_string(limits.max_depth) + " levels";
}

}  // namespace

bool read_jsonl(std::string_view text, RecordSink& sink, LoadReport& report, bool strict,
                const ReadLimits& limits) {
    Record rec;
    size_t pos = 0, next_progress = 4u << 20;
    int64_t line = limits.first_line - 1;
    // One handler for every row (reset per row), so that its buffers are reused.
    std::string bad;
    bool complete = false;
    RecordHandler h(0, limits, rec);
    h.on_record_end = [&] { complete = true; };
    h.on_non_object = [&](const char* why) { if (bad.empty()) bad = std::string("row: ") + why; };
    while (pos < text.size()) {
        if (limits.progress && pos >= next_progress) {
            limits.progress(pos, text.size());
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
            if (c != ' ' && c != '\t' && c != '\r') { blank = false; break; }
        if (blank) continue;
        ++report.read;
        if (row.size() > limits.max_row_bytes) {
            if (!fail_row(report, line, "row: longer than the " + std::to_string(limits.max_row_bytes >> 20) +
                                            " MiB row limit", strict))
                return false;
            continue;
        }
        rec.reset(line);
        bad.clear();
        complete = false;
        h.reset();
        const bool parsed = json::sax_parse(row.begin(), row.end(), &h, json::input_format_t::json, true);
        std::string message;
        if (!parsed) message = h.depth_exceeded ? depth_message(limits) : h.error;
        else if (!bad.empty() || !complete) message = bad.empty() ? "row: not a JSON object" : bad;
        else message = sink.accept(rec);
        if (!message.empty() && !fail_row(report, line, std::move(message), strict)) return false;
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
    const bool parsed = json::sax_parse(text.begin(), text.end(), &h, json::input_format_t::json, true);
    if (stop) return false;
    if (!parsed) {
        // The rest of the file cannot be read: one skipped row with the reason and where.
        ++report.read;
        ++report.skipped;
        std::string msg = h.depth_exceeded ? depth_message(limits) : h.error;
        report.add_error(h.depth_exceeded ? index : h.error_line,
                         msg + "; the rest of the array after element " + std::to_string(index) +
                             " was not read");
        return !strict;
    }
    return true;
}

}  // namespace pql
