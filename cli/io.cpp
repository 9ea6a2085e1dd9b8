#include "io.hpp"

#include <sys/stat.h>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace pql::cli {

Result<std::string> read_file(const std::string& path) {
    const bool is_stdin = path == "-";
    if (!is_stdin) {
        struct stat st;
        if (stat(path.c_str(), &st) != 0) return Error{"io", path + ": " + std::strerror(errno), "", 0};
        if (S_ISDIR(st.st_mode)) return Error{"io", path + ": is a directory, not a file", "", 0};
    }
    FILE* f = is_stdin ? stdin : std::fopen(path.c_str(), "rb");
    if (!f) return Error{"io", path + ": " + std::strerror(errno), "", 0};
    std::string text;
    if (!is_stdin) {
        std::fseek(f, 0, SEEK_END);
        const long size = std::ftell(f);
        std::fseek(f, 0, SEEK_SET);
        if (size > 0) text.reserve(static_cast<size_t>(size));
    }
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    const bool failed = std::ferror(f);
    const int err = errno;
    if (!is_stdin) std::fclose(f);
    if (failed)
        return Error{"io", (is_stdin ? std::string("standard input") : path) + ": " + std::strerror(err), "", 0};
    return text;
}

Status write_stdout(const std::string& text) {
    errno = 0;
    const size_t n = std::fwrite(text.data(), 1, text.size(), stdout);
    if (n != text.size() || std::fflush(stdout) != 0)
        return Error{"io", std::string("writing output: ") + std::strerror(errno ? errno : EIO), "", 0};
    return Ok{};
}

}  // namespace pql::cli
