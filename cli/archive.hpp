// Reading an input file into the engine's streaming load (SPEC §6.1): gzip (also several members
// back to back) and zip (entries in name order, each possibly gzip) are recognised by their first
// bytes, whatever the file's name, and decompressed as they are read, so that a large archive
// is never held decompressed. Plain files are read whole (the fastest load).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "pql/engine.hpp"

namespace pql::cli {

// One loaded part: the file itself, or "archive.zip:entry.jsonl.gz".
struct LoadedPart {
    std::string name;
    Result<LoadReport> report = Error{"io", "not read", "", 0};
    // A corrupt or truncated archive: how far it got (the rows before are kept in `report`).
    std::string archive_error;
};

// progress(done, total): bytes of the file read so far, and its size (0 when unknown).
std::vector<LoadedPart> load_file(Engine& engine, LoadKind kind, const std::string& path, const LoadOptions& options,
                                  const std::function<void(size_t, size_t)>& progress);

}  // namespace pql::cli
