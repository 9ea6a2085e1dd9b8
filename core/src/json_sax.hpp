// Internal to the JSON readers (read_json.cpp): the SAX handler that captures one record's
// fields, and the input adapter every parse reads through. The parser itself is instantiated in
// json_sax.cpp only.
#pragma once
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "record.hpp"

namespace pql::json_reader {

using json = nlohmann::json;

// "[json.exception.parse_error.101] parse error at line 3, column 7: syntax error ..." ->
// line 3, "syntax error ... (column 7)"
std::string clean_parse_error(const std::string& what, int64_t& line);

class RecordHandler final : public nlohmann::json_sax<json> {
public:
    RecordHandler(int record_depth, const ReadLimits& limits, Record& record)
        : base_depth_(record_depth), record_depth_(record_depth), limits_(limits), rec_(&record) {}

    // Called when a record starts (the object at record_depth) and ends.
    std::function<void()> on_record_start;
    std::function<void()> on_record_end;
    std::function<void(const char*)> on_non_object;  // a non-object where a record belongs
    // JSON Lines as one stream: each value at record_depth (object or not) is announced first,
    // and the end of the enclosing array; a hook sets `stop` to end the parse there.
    std::function<void(bool object)> on_element;
    std::function<void()> on_outer_end;
    bool stop = false;
    // The record the next fields go to.
    void set_record(Record& r) { rec_ = &r; }

    bool depth_exceeded = false;
    bool has_error = false;
    std::string error;  // cleaned syntax error
    int64_t error_line = 0;

    // Ready for the next JSON Lines row (buffers are kept).
    void reset() {
        depth_ = 0;
        in_record_ = false;
        section_ = Section::None;
        record_depth_ = base_depth_;
        in_batch_ = false;
        capture_root_ = -1;
        array_depth_ = -1;
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
        s.s.swap(v);  // buffers trade places: the lexer clears its token buffer before reuse
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
        // A member of the record: its field is opened now and filled by the value that follows.
        if (depth_ == record_depth_ + 1) {
            if (in_record_) pending_ = &rec_->add(k);
            return true;
        }
        if (capture_root_ >= 0 && array_depth_ < 0 && depth_ >= record_depth_ + 2) {
            path_.resize(path_base_[static_cast<size_t>(depth_ - record_depth_ - 2)]);
            if (!path_.empty()) path_ += '.';
            path_ += k;
        }
        if (depth_ == record_depth_ + 2) key2_.swap(k);
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
        if (direct_) return *pending_;
        tmp_.reset();
        return tmp_;
    }
    bool stored() { return direct_ || scalar(std::move(tmp_)); }

    bool scalar(Scalar&& s) {
        if (in_batch_ && depth_ == record_depth_) {  // a batch element that is not an object
            batch_not_object();
            return true;
        }
        if (capture_root_ >= 0 && in_record_ && depth_ >= record_depth_ + 2) {
            capture(std::move(s));
            return true;
        }
        if (depth_ == record_depth_ && on_element) {
            on_element(false);
            if (stop) return false;
        }
        if (depth_ == record_depth_) {
            // A scalar where a record belongs ("text", 42 in JSON Lines or an array).
            if (on_non_object) on_non_object("not a JSON object");
        } else if (depth_ == record_depth_ + 1 && in_record_) {
            *pending_ = std::move(s);  // (members go straight in through target())
        } else if (depth_ == record_depth_ + 2 && in_record_) {
            if (section_ == Section::Traits) {
                switch (s.kind) {
                    case Scalar::String: rec_->traits[key2_] = std::move(s.s); break;
                    case Scalar::Bool: rec_->traits[key2_] = s.b; break;
                    case Scalar::Int:
                    case Scalar::Float: rec_->traits[key2_] = s.d; break;
                    default: break;  // null: the trait is absent
                }
            } else if (section_ == Section::Context && key2_ == "groupId") {
                rec_->context_group_id = std::move(s);
                rec_->has_context_group_id = true;
            }
        }
        return true;
    }

    // A nested scalar of the object being captured (see Nested in record.hpp).
    void capture(Scalar&& s) {
        if (array_depth_ >= 0) {  // inside an array: only its first element, if a scalar
            if (depth_ != array_depth_ || !array_first_) return;
            array_first_ = false;
        }
        Nested& n = rec_->add_nested();
        n.path = path_;
        n.root = static_cast<uint32_t>(capture_root_);
        n.in_array = array_depth_ >= 0;
        n.value = std::move(s);
    }
    void batch_not_object() {
        ++batch_index_;
        ++batch_outer_->batch_bad;
        if (batch_outer_->batch_error.empty())
            batch_outer_->batch_error = "batch[" + std::to_string(batch_index_ - 1) + "]: not a JSON object";
    }

    bool open(bool object) {
        if (depth_ >= base_depth_ + limits_.max_depth) {
            depth_exceeded = true;
            return false;
        }
        if (in_batch_ && depth_ == record_depth_) {  // an element of a Segment batch
            if (object) {
                ++batch_index_;
                rec_ = &batch_outer_->add_batch_element(batch_outer_->line);
                in_record_ = true;
            } else {
                batch_not_object();
            }
            ++depth_;
            return true;
        }
        if (capture_root_ >= 0 && in_record_ && depth_ >= record_depth_ + 2) {
            if (array_depth_ >= 0) {
                if (depth_ == array_depth_) array_first_ = false;  // a container first: nothing kept
            } else if (object) {
                const size_t level = static_cast<size_t>(depth_ - record_depth_ - 1);
                if (path_base_.size() <= level) path_base_.resize(level + 1);
                path_base_[level] = path_.size();
            } else {
                array_depth_ = depth_ + 1;
                array_first_ = true;
            }
            ++depth_;
            return true;
        }
        if (depth_ == record_depth_ && on_element) {
            on_element(object);
            if (stop) return false;
        }
        if (depth_ == record_depth_) {
            if (object) {
                in_record_ = true;
                if (on_record_start) on_record_start();
            } else if (on_non_object) {
                on_non_object("not a JSON object");
            }
        } else if (depth_ == record_depth_ + 1 && in_record_) {
            pending_->kind = object ? Scalar::Object : Scalar::Array;
            section_ = Section::None;
            const std::string& key1 = rec_->fields[rec_->nfields - 1].first;
            if (object && key1 == "traits") {
                section_ = Section::Traits;
                rec_->traits_object = true;
            } else if (object && key1 == "context") {
                section_ = Section::Context;
                rec_->context_object = true;
            } else if (object) {
                capture_root_ = static_cast<int>(rec_->nfields - 1);
                path_.clear();
                if (path_base_.empty()) path_base_.resize(1);
                path_base_[0] = 0;
            } else if (key1 == "batch" && !in_batch_ && record_depth_ == base_depth_) {
                // A Segment HTTP envelope: the array's elements are records of their own.
                rec_->has_batch = true;
                batch_outer_ = rec_;
                batch_index_ = 0;
                in_batch_ = true;
                in_record_ = false;
                record_depth_ += 2;
            }
        } else if (depth_ == record_depth_ + 2 && in_record_ && section_ == Section::Traits) {
            rec_->traits_nested.push_back(key2_);
        }
        ++depth_;
        return true;
    }

    bool close() {
        --depth_;
        if (array_depth_ >= 0 && depth_ == array_depth_ - 1) array_depth_ = -1;
        if (in_batch_ && depth_ == record_depth_) {  // a batch element ends
            in_record_ = false;
            capture_root_ = -1;
            section_ = Section::None;
            return true;
        }
        if (in_batch_ && depth_ == record_depth_ - 1) {  // the batch array ends
            in_batch_ = false;
            record_depth_ = base_depth_;
            rec_ = batch_outer_;
            in_record_ = true;
            return true;
        }
        if (depth_ == record_depth_ + 1) {
            section_ = Section::None;
            capture_root_ = -1;
        }
        if (depth_ == record_depth_ && in_record_) {
            in_record_ = false;
            if (on_record_end) on_record_end();
        } else if (depth_ == record_depth_ - 1 && on_outer_end) {
            on_outer_end();
        }
        return !stop;
    }

    int base_depth_;
    int record_depth_;  // base_depth_, or 2 deeper inside a Segment batch
    const ReadLimits& limits_;
    bool in_batch_ = false;
    Record* batch_outer_ = nullptr;
    size_t batch_index_ = 0;
    int capture_root_ = -1;          // the field whose nested scalars are captured, or -1
    std::string path_;               // dotted path of the current key below it
    std::vector<size_t> path_base_;  // per object level below it: path_'s length at its start
    int array_depth_ = -1;           // inside an array below it: the depth of its elements
    bool array_first_ = false;
    Record* rec_;
    int depth_ = 0;
    bool in_record_ = false;
    Section section_ = Section::None;
    std::string key2_;
    Scalar* pending_ = nullptr;  // the record's field whose key was read last
    Scalar tmp_;
    bool direct_ = false;
};

// JSON Lines as one stream: the lines are handed to one nlohmann parser as the elements of one
// array ('[' first, ']' last, a ',' in place of each line break between two lines with
// content), so the parser, its buffers and the handler are set up once for the whole text
// instead of once per line. Only an element that is one object alone on one line is taken;
// anything else (a syntax error, a value spanning lines, two values on a line, a non-object) ends
// the stream, those lines are read again one by one by read_lines (same messages, same rules as
// always), and a new stream starts on the next line.
struct StreamState {
    std::string_view text;
    size_t pos = 0;              // where the stream starts (then: where the reader stopped, on a line break)
    size_t line_start = 0;       // where the current line starts
    size_t line_end = 0;         // where it ends (its line break, or the end of the text)
    size_t max_line = SIZE_MAX;  // a longer line ends the stream (read_lines refuses it unread)
    int64_t line = 0;            // current line number
    uint64_t commas = 0;         // commas put in for line breaks
    int stage = 0;               // 0: '[' comes next, 1: the text, 2: ']' given, 3: the end, 4: cut at a long line
};

// The input adapter nlohmann's lexer reads from: a byte of the text per call, except at a line
// break (and at both ends), which take the out-of-line path.
//
// Every parse in this file reads through it (a row, a JSON array, the stream): one lexer
// instantiation, which the compiler inlines fully (two made it give up on inlining in the
// lexer's string scanner).
class LineStream {
public:
    using char_type = char;
    // The bytes as they are.
    explicit LineStream(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}
    // JSON Lines as one array.
    explicit LineStream(StreamState* s) : s_(s), p_(kOpen), end_(kOpen + 1) {}
    // end_ is the next line break (or the end): the per-byte path is one compare, as nlohmann's
    // own iterator adapter.
    std::char_traits<char>::int_type get_character() {
        if (p_ < end_) return std::char_traits<char>::to_int_type(*p_++);
        return next();
    }

private:
    static constexpr const char* kOpen = "[";
    static bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
    const char* line_end(const char* q) const {
        const char* e = s_->text.data() + s_->text.size();
        const void* nl = std::memchr(q, '\n', static_cast<size_t>(e - q));
        return nl ? static_cast<const char*>(nl) : e;
    }
    // The first non-blank byte at or after q (or the end).
    const char* content_from(const char* q) const {
        const char* e = s_->text.data() + s_->text.size();
        while (q < e && blank(*q)) ++q;
        return q;
    }
    std::char_traits<char>::int_type next();  // json_sax.cpp: line breaks, both ends
    StreamState* s_ = nullptr;
    const char* p_;
    const char* end_;
    const char* seg_content_ = nullptr;  // first content byte after the last ',' put in (or the start)
};

// nlohmann's sax_parse(first, last, sax) as basic_json::sax_parse runs it, through LineStream
// (instantiated in json_sax.cpp alone: see there).
bool sax_parse(LineStream in, RecordHandler* h);
}  // namespace pql::json_reader
