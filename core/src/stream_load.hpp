// A load in pieces of any size (SPEC §6.1: a file read, or decompressed, as it streams). Bytes
// come in as they are read; whole rows are handed to the loader about every 4 MiB and the
// partial last row is kept for the next piece, so an events file is never held whole. A JSON
// array, and accounts, users and outcomes files (small), are gathered and read at the end.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "event_store.hpp"
#include "pql/engine.hpp"

namespace pql {

class EventSink;

class StreamLoad {
public:
    StreamLoad(EventStore& store, LoadKind kind, const LoadOptions& options);
    ~StreamLoad();
    LoadKind kind() const { return kind_; }
    const LoadOptions& options() const { return options_; }
    // An error ends the load (the rows before it are kept unless strict, as in a whole load).
    Status feed(std::string_view bytes);
    // The rest; for events, the whole load's report. `whole` gets the gathered text of the kinds
    // read at the end (the engine loads it).
    Result<LoadReport> finish(std::string& whole);
    size_t bytes_fed() const { return fed_; }

private:
    Status flush(bool last);
    EventStore& store_;
    LoadKind kind_;
    LoadOptions options_;
    std::unique_ptr<EventSink> sink_;
    LoadReport report_;
    std::string buf_;          // bytes not yet loaded (from a row start)
    size_t scan_ = 0;          // buf_ is scanned for row ends up to here
    size_t cut_ = 0;           // after the last row end found in buf_ (0: none yet)
    bool quoted_ = false;      // CSV: inside a quoted cell at scan_
    bool quote_seen_ = false;  // ... just after a quote inside it (a "" or the closing one)
    bool cell_start_ = true;   // ... at the start of a cell
    bool cr_ = false;          // ... the last byte scanned was a CR outside quotes
    int64_t lines_ = 0;        // line breaks in buf_[0, scan_)
    int64_t cut_lines_ = 0;    // line breaks in buf_[0, cut_)
    bool decided_ = false;     // the format is known
    Format format_ = Format::Auto;
    int64_t line_ = 1;  // the line number of buf_'s first line
    size_t fed_ = 0;
    bool failed_ = false;
    Error error_;
};

}  // namespace pql
