// nlohmann's parser, instantiated once for every JSON read (through LineStream), in a unit of
// its own: in a larger one GCC runs out of inlining budget and leaves the lexer's per-byte
// std::string::push_back as a call (a fifth more instructions per load).
//
// GCC inlines the lexer's string scanner into its caller (it is called once), and the result is
// too big for it to inline that push_back: not inlining functions called once keeps the scanner
// as nlohmann's own sax_parse gets it.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-inline-functions-called-once")
#endif
#include "json_sax.hpp"

namespace pql::json_reader {

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

// Out of line, so that get_character() stays small enough to inline into the lexer.
std::char_traits<char>::int_type LineStream::next() {
    if (!s_) return std::char_traits<char>::eof();
    StreamState& s = *s_;
    const char* text_end = s.text.data() + s.text.size();
    if (s.stage == 0) {  // the '[' was read: now the text
        s.stage = 1;
        p_ = s.text.data() + s.pos;
        end_ = line_end(p_);
        s.line_end = static_cast<size_t>(end_ - s.text.data());
        if (static_cast<size_t>(end_ - p_) > s.max_line) {
            s.stage = 4;
            return std::char_traits<char>::eof();
        }
        seg_content_ = content_from(p_);
        return get_character();
    }
    if (s.stage == 1 && p_ < text_end) {  // a line break
        const char* nl = p_++;
        end_ = line_end(p_);
        ++s.line;
        s.line_start = static_cast<size_t>(p_ - s.text.data());
        s.line_end = static_cast<size_t>(end_ - s.text.data());
        // A line over the row limit ends the stream here (the parse fails), unread.
        if (static_cast<size_t>(end_ - p_) > s.max_line) {
            s.stage = 4;
            return std::char_traits<char>::eof();
        }
        // A ',' when the lines since the last one hold content and more follows.
        if (seg_content_ < nl) {
            const char* next_content = content_from(p_);
            if (next_content < text_end) {
                seg_content_ = next_content;
                ++s.commas;
                return ',';
            }
        }
        return '\n';
    }
    if (s.stage == 1) {
        s.stage = 2;
        return ']';
    }
    if (s.stage == 2) s.stage = 3;
    return std::char_traits<char>::eof();
}

bool sax_parse(LineStream in, RecordHandler* h) {
    return nlohmann::detail::parser<json, LineStream>(std::move(in), nullptr, true, false).sax_parse(h, true);
}

}  // namespace pql::json_reader
