// Errors are values in the core: every fallible call returns a Result.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace pql {

struct Error {
    // Stable machine code: "invalid_model", "bad_row" (strict load), "out_of_memory",
    // "not_found", "invalid_argument", "io".
    std::string code;
    std::string message;
    std::string path;  // JSON path for model errors ("engagement.events.x.weight")
    int64_t line = 0;  // 1-based line (or array index) for load errors, 0 when not applicable

    // One line for humans: "path: message" or "line N: message".
    std::string describe() const;
};

template <class T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error e) : v_(std::move(e)) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace pql
