// File and stream I/O for the CLI, with messages that name the file and the reason.
#pragma once
#include <string>

#include "pql/result.hpp"

namespace pql::cli {

// Reads a whole file ("-" = standard input) into one string: the only copy of the text.
Result<std::string> read_file(const std::string& path);
// Writes to standard output; a full disk or closed pipe is an error, not a silent loss.
Status write_stdout(const std::string& text);

}  // namespace pql::cli
