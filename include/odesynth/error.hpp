// odesynth/error.hpp - the exceptions odesynth throws.
//
// Exceptions are for misuse: a bad argument, an unreadable file. A numerical failure of one
// solve is not an exception but a `solve_status` stored in the trajectory (see
// solve_status.hpp), so one bad sample never aborts a dataset.
//
//   std::runtime_error
//   └── odesynth::error             everything odesynth throws derives from this
//       ├── invalid_argument        a value is out of its domain; names the field and value
//       ├── solver_error            a solve failed and the caller asked for an exception
//       └── io_error                a file could not be read or written; names the path
//           └── parse_error         a file's text is malformed; names path, line and column
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace odesynth {

enum class solve_status;  // solve_status.hpp: how a solve ended

/// Base of every exception odesynth throws. what() starts with "odesynth: ".
class error : public std::runtime_error {
 public:
  explicit error(const std::string& message) : std::runtime_error("odesynth: " + message) {}
};

/// An argument is outside its domain. field() names it the way the user wrote it
/// (e.g. "solve_options.rel_tol", "time_grid.times"), value() holds the offending value as
/// text, and what() says both plus what was expected.
///
/// One validate() shape: a type whose settings can be wrong checks them in
///
///   void validate(<what it is checked against>..., std::string_view where = "<type>") const;
///
/// where the leading arguments are only what the check needs from outside (the columns,
/// the number of species, the start time; none for self-contained options), `where` is the
/// field the object is reached by, defaulting to its type's name as users spell it
/// ("dataset_options", "sampling_design"), and every invalid_argument it throws has a
/// field() that starts with `where` (an owner passes its own: dataset_options checks its
/// simbaml member with "dataset_options.simbaml"). It is a const member named validate,
/// never check(); it throws on the first problem and returns nothing. Constructors that
/// validate call it; builders call it once they are complete (sampler::bind).
class invalid_argument : public error {
 public:
  invalid_argument(std::string field, std::string value, const std::string& message)
      : error(message), field_(std::move(field)), value_(std::move(value)) {}

  const std::string& field() const noexcept { return field_; }
  const std::string& value() const noexcept { return value_; }

 private:
  std::string field_;
  std::string value_;
};

/// A file or stream operation failed. path() is the file concerned ("" for a stream).
class io_error : public error {
 public:
  io_error(std::string path, const std::string& message) : error(message), path_(std::move(path)) {}

  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

/// Text that cannot be read: path() ("" for a stream or string), line() and column() (both
/// 1-based; 0 when not applicable) locate the problem, and what() says all three.
class parse_error : public io_error {
 public:
  parse_error(std::string path, std::size_t line, std::size_t column, const std::string& message)
      : io_error(std::move(path), message), line_(line), column_(column) {}

  std::size_t line() const noexcept { return line_; }
  std::size_t column() const noexcept { return column_; }

 private:
  std::size_t line_;
  std::size_t column_;
};

/// A solve failed and the caller asked for an exception rather than a status: thrown by
/// require_ok() (trajectory.hpp). status() says how the solve ended (solve_status.hpp).
class solver_error : public error {
 public:
  solver_error(solve_status status, const std::string& message) : error(message), status_(status) {}
  solve_status status() const noexcept { return status_; }

 private:
  solve_status status_;
};

namespace detail {

/// Throws invalid_argument with the house message: "<field> = <value>: expected <what>".
template <class Value>
[[noreturn]] void throw_invalid(std::string_view field, const Value& value,
                                std::string_view expected) {
  std::string text = fmt::format("{}", value);
  std::string message = fmt::format("{} = {}: expected {}", field, text, expected);
  throw invalid_argument(std::string(field), std::move(text), message);
}

}  // namespace detail
}  // namespace odesynth
