#include "archive.hpp"

#include <sys/stat.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <zip.h>
#include <zlib.h>

#include "io.hpp"

namespace pql::cli {
namespace {

std::string display(const std::string& path) { return path == "-" ? std::string("standard input") : path; }

// Where the decompressed bytes go: the engine's open load. False when it failed (the load's
// error then comes from end_load).
struct Sink {
    Engine& engine;
    bool ok = true;
    void operator()(const char* p, size_t n) {
        if (ok && n) ok = engine.feed(std::string_view(p, n)).ok();
    }
};

// Inflates gzip members back to back from `read` (which fills a buffer and returns the bytes
// read, 0 at the end, -1 on a read error). Returns "" or how the archive is broken.
std::string gunzip(const std::function<long(char*, size_t)>& read, Sink& out, size_t& in_total, size_t& out_total,
                   const std::function<void()>& tick) {
    z_stream z{};
    if (inflateInit2(&z, 15 + 32) != Z_OK) return "cannot start zlib";
    std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
    std::vector<char> in(1 << 16), buf(1 << 18);
    bool member_open = false, eof = false;
    for (;;) {
        if (z.avail_in == 0 && !eof) {
            const long n = read(in.data(), in.size());
            if (n < 0) return std::string("read error: ") + std::strerror(errno);
            if (n == 0) eof = true;
            z.next_in = reinterpret_cast<Bytef*>(in.data());
            z.avail_in = static_cast<uInt>(n);
            in_total += static_cast<size_t>(n);
            tick();
        }
        if (z.avail_in == 0 && eof) {
            if (member_open)
                return "truncated gzip data: it ends after " + std::to_string(in_total) + " compressed bytes (" +
                       std::to_string(out_total) + " bytes decompressed)";
            return {};
        }
        member_open = true;
        z.next_out = reinterpret_cast<Bytef*>(buf.data());
        z.avail_out = static_cast<uInt>(buf.size());
        const int rc = inflate(&z, Z_NO_FLUSH);
        const size_t produced = buf.size() - z.avail_out;
        out_total += produced;
        out(buf.data(), produced);
        if (!out.ok) return {};
        if (rc == Z_STREAM_END) {
            member_open = false;
            // Another member may follow (concatenated archives); trailing zero padding is not one.
            while (z.avail_in > 0 && *z.next_in == 0) {
                ++z.next_in;
                --z.avail_in;
            }
            inflateReset(&z);
            continue;
        }
        if (rc == Z_BUF_ERROR && z.avail_in == 0) continue;  // needs more input
        if (rc != Z_OK)
            return std::string("corrupt gzip data (") + (z.msg ? z.msg : "inflate failed") + ") after " +
                   std::to_string(in_total - z.avail_in) + " compressed bytes (" + std::to_string(out_total) +
                   " bytes decompressed)";
    }
}

LoadedPart finish(Engine& engine, std::string name, std::string archive_error) {
    LoadedPart part;
    part.name = std::move(name);
    part.report = engine.end_load();
    part.archive_error = std::move(archive_error);
    return part;
}

}  // namespace

std::vector<LoadedPart> load_file(Engine& engine, LoadKind kind, const std::string& path, const LoadOptions& options,
                                  const std::function<void(size_t, size_t)>& progress) {
    const bool is_stdin = path == "-";
    std::vector<LoadedPart> parts;
    auto io_error = [&](const std::string& message) {
        LoadedPart p;
        p.name = path;
        p.report = Error{"io", message, "", 0};
        parts.push_back(std::move(p));
        return parts;
    };
    size_t size = 0;
    if (!is_stdin) {
        struct stat st;
        if (stat(path.c_str(), &st) != 0) return io_error(path + ": " + std::strerror(errno));
        if (S_ISDIR(st.st_mode)) return io_error(path + ": is a directory, not a file");
        size = static_cast<size_t>(st.st_size);
    }
    FILE* f = is_stdin ? stdin : std::fopen(path.c_str(), "rb");
    if (!f) return io_error(path + ": " + std::strerror(errno));
    std::unique_ptr<FILE, int (*)(FILE*)> closer(is_stdin ? nullptr : f, std::fclose);
    unsigned char magic[4] = {};
    const size_t got = std::fread(magic, 1, 4, f);
    const bool gzip = got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    const bool zip = got == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;

    auto load_whole = [&](std::string text, const std::string& name) {
        LoadedPart p;
        p.name = name;
        switch (kind) {
            case LoadKind::Events: p.report = engine.load_events(text, options); break;
            case LoadKind::Accounts: p.report = engine.load_accounts(text, options); break;
            case LoadKind::Users: p.report = engine.load_users(text, options); break;
            default: p.report = engine.load_outcomes(text, options); break;
        }
        parts.push_back(std::move(p));
    };

    if (!gzip && !zip) {  // plain text: read whole
        std::string text(reinterpret_cast<char*>(magic), got);
        if (!is_stdin && size > got) text.reserve(size);
        char buf[1 << 16];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
        if (std::ferror(f)) return io_error(display(path) + ": " + std::strerror(errno));
        load_whole(std::move(text), path);
        return parts;
    }

    if (gzip) {
        if (Status st = engine.begin_load(kind, options); !st.ok()) return io_error(st.error().message);
        Sink sink{engine};
        size_t in_total = 0, out_total = 0;
        bool first = true;
        auto read = [&](char* p, size_t n) -> long {
            if (first) {  // the bytes sniffed
                first = false;
                std::memcpy(p, magic, got);
                return static_cast<long>(got);
            }
            const size_t k = std::fread(p, 1, n, f);
            if (k == 0 && std::ferror(f)) return -1;
            return static_cast<long>(k);
        };
        const std::string err = gunzip(read, sink, in_total, out_total, [&] {
            if (progress) progress(in_total, size);
        });
        parts.push_back(finish(engine, path, err));
        return parts;
    }

    // zip: libzip reads the central directory, so the archive must be seekable; standard input
    // is read into memory first.
    std::string whole;
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t* src = nullptr;
    if (is_stdin) {
        whole.assign(reinterpret_cast<char*>(magic), got);
        char buf[1 << 16];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) whole.append(buf, n);
        src = zip_source_buffer_create(whole.data(), whole.size(), 0, &zerr);
    } else {
        src = zip_source_file_create(path.c_str(), 0, -1, &zerr);
    }
    zip_t* za = src ? zip_open_from_source(src, ZIP_RDONLY, &zerr) : nullptr;
    if (!za) {
        std::string msg = display(path) + ": not a readable zip archive (" + zip_error_strerror(&zerr) + ")";
        if (src) zip_source_free(src);
        zip_error_fini(&zerr);
        return io_error(msg);
    }
    zip_error_fini(&zerr);
    std::unique_ptr<zip_t, void (*)(zip_t*)> zguard(za, [](zip_t* z) { zip_discard(z); });
    std::vector<std::pair<std::string, zip_uint64_t>> entries;
    const zip_int64_t count = zip_get_num_entries(za, 0);
    for (zip_int64_t i = 0; i < count; ++i) {
        const char* name = zip_get_name(za, static_cast<zip_uint64_t>(i), 0);
        if (!name || !*name || name[std::strlen(name) - 1] == '/') continue;  // directories
        entries.emplace_back(name, static_cast<zip_uint64_t>(i));
    }
    std::sort(entries.begin(), entries.end());
    size_t done = 0;
    for (auto& [name, index] : entries) {
        const std::string part_name = display(path) + ":" + name;
        zip_file_t* zf = zip_fopen_index(za, index, 0);
        if (!zf) {
            LoadedPart p;
            p.name = part_name;
            p.report = Error{"io", part_name + ": cannot open entry (" + std::string(zip_strerror(za)) + ")", "", 0};
            parts.push_back(std::move(p));
            continue;
        }
        std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> fguard(zf, zip_fclose);
        if (Status st = engine.begin_load(kind, options); !st.ok()) return io_error(st.error().message);
        Sink sink{engine};
        std::string entry_error;
        char head[2] = {};
        zip_int64_t hn = zip_fread(zf, head, 2);
        auto read_entry = [&](char* p, size_t n) -> long {
            const zip_int64_t k = zip_fread(zf, p, n);
            if (k < 0) return -1;
            done += static_cast<size_t>(k);
            if (progress) progress(std::min(done, size), size);
            return static_cast<long>(k);
        };
        if (hn < 0) {
            entry_error = std::string("corrupt zip entry (") + zip_file_strerror(zf) + ")";
        } else if (hn == 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
                   static_cast<unsigned char>(head[1]) == 0x8b) {
            bool first = true;
            auto read = [&](char* p, size_t n) -> long {
                if (first) {
                    first = false;
                    std::memcpy(p, head, 2);
                    return 2;
                }
                return read_entry(p, n);
            };
            size_t in_total = 0, out_total = 0;
            entry_error = gunzip(read, sink, in_total, out_total, [] {});
            if (entry_error.rfind("read error", 0) == 0)
                entry_error = std::string("corrupt zip entry (") + zip_file_strerror(zf) + ")";
        } else {
            sink(head, static_cast<size_t>(hn));
            std::vector<char> buf(1 << 18);
            size_t total = static_cast<size_t>(hn);
            for (;;) {
                const long k = read_entry(buf.data(), buf.size());
                if (k < 0) {
                    entry_error = std::string("corrupt zip entry (") + zip_file_strerror(zf) + ") after " +
                                  std::to_string(total) + " bytes";
                    break;
                }
                if (k == 0) break;
                total += static_cast<size_t>(k);
                sink(buf.data(), static_cast<size_t>(k));
                if (!sink.ok) break;
            }
        }
        parts.push_back(finish(engine, part_name, entry_error));
    }
    if (entries.empty()) {
        LoadedPart p;
        p.name = path;
        p.report = LoadReport{};
        parts.push_back(std::move(p));
    }
    return parts;
}

}  // namespace pql::cli
