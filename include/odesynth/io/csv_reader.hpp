// odesynth/io/csv_reader.hpp - measured data from CSV text into trajectories.
//
// Two layouts:
//   wide  `time,<species...>`, one row per time: what csv.hpp writes and what a spreadsheet of
//         one experiment looks like. read_wide_csv() returns one trajectory.
//   long  `trajectory,time,species,value` in any column order, one row per observation, rows
//         in any order: what a database or pandas.melt() exports for many experiments.
//         read_long_csv() returns one trajectory per distinct id, in order of first appearance,
//         each with its rows sorted by time (the union of its own times); a (time, species)
//         combination without a row is a missing value.
//
// The reader is strict on purpose: measured data enters a training set here, and a silently
// skipped row or a misread number would poison everything downstream. Anything not listed as
// accepted below is a parse_error whose path() is the file (or the source name given with a
// stream), whose line() and column() are 1-based (the column counts bytes and points at the
// offending cell's first byte, just after its delimiter, or at the offending byte itself), and
// whose what() reads "data.csv:12:7: ..." and quotes the offending cell (at most 40 bytes,
// control bytes as \xNN).
//
// Accepted:
//   - a UTF-8 byte order mark at the very start: skipped, and columns count from after it;
//   - LF or CRLF line endings, and a last line without any;
//   - blank lines (empty, or only spaces and tabs) at the end of the file;
//   - spaces and tabs around a cell: trimmed (a tab delimiter is never trimmed away);
//   - RFC 4180 quoted cells on one line ("a,b", "say ""hi"""), in the header and in data rows;
//     the text between the quotes is then read as if unquoted ("1.5" is 1.5, "" is missing);
//   - numbers as std::from_chars reads them, independent of the locale, correctly rounded
//     (1, -2.5, .5, 5., 1e-3, 6.02e+23, subnormals), with one optional leading '+': what
//     csv.hpp writes reads back bit for bit;
//   - missing values: a cell equal to one of csv_read_options::missing_tokens (default: empty,
//     nan, NaN, NAN, NA, N/A, -nan) is NaN with mask false; a token that is itself a number
//     (a sentinel such as -999) counts as missing, not as the number;
//   - infinities (inf, -inf, Infinity, in any case) in value cells, only with
//     csv_read_options::allow_infinity;
//   - lines starting with csv_read_options::comment_prefix (none by default), anywhere;
//   - the time column anywhere in the header (wide), columns in any order (long);
//   - a header without data rows: a trajectory with 0 times (wide), no trajectories (long);
//   - names as bytes: no UTF-8 validation, no case folding ("A" and "a" are two species).
// Rejected with parse_error:
//   - an empty file (no bytes, only a byte order mark, or only comments), a blank first line;
//   - a header without the time column (the message shows the header), or, long layout,
//     without one of its four columns or with any other column; an empty or repeated name;
//   - a row with more or fewer cells than the header has columns;
//   - a cell that is neither a number nor a missing token: text, trailing characters
//     ("1.5x", "1,5" in a ';' file), hexadecimal, a NaN spelling that is not a missing token,
//     a number beyond double's range (1e400, 1e-400), an infinity without allow_infinity;
//   - a time that is missing or infinite, and (wide) a time not greater than the one before;
//   - a blank line followed by more data: a lost row or two files pasted together, we cannot
//     tell which, so we do not guess;
//   - a quoted cell that does not close on its line (multi-line cells are not supported), a
//     quote inside an unquoted cell, anything but spaces between a closing quote and the
//     delimiter;
//   - a NUL byte, and a carriage return that does not end a line (old Mac line endings);
//   - a line longer than csv_read_options::max_line_length bytes (default 16 MiB): the
//     reader's memory stays below about twice that plus 64 KiB, whatever the input;
//   - long layout: the same (trajectory, time, species) twice (the message names both lines),
//     an empty trajectory id or species name, a species named like the time column.
// With a model, a species column (wide) or species cell (long) that is not one of the model's
// species is an invalid_argument that names the column, its place, and the model's species.
// A file that cannot be opened or read is an io_error naming the path and the system's reason.
//
// Species order. With a model, the result has the model's species in model order and a model
// species absent from the file is a column of missing values (mask false everywhere): files of
// one model then give identically shaped trajectories, and the result carries the model. Without
// a model the species are the file's columns in file order (wide), or every species of the file
// in order of first appearance (long: all trajectories of one file share them, so they stack).
//
// Speed: the input is read in blocks of up to 64 KiB (more for a longer line), lines and cells
// are found with memchr, numbers are parsed in place with std::from_chars, nothing is
// allocated per cell: measured at -O2 on one core, 300-500 MB/s for the wide layout and 2-4
// million rows/s for the long one with shuffled rows.
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/config.hpp"
#include "../error.hpp"
#include "../model.hpp"
#include "../trajectory.hpp"

namespace odesynth {

/// How CSV text is read. An aggregate: set the fields you need, the rest keep their defaults.
struct csv_read_options {
  /// Separates cells. Not a quote, line break, NUL, space, digit, '.', '+' or '-'.
  char delimiter = ',';
  /// Name of the time column (both layouts).
  std::string time_column = "time";
  /// Cells (after trimming and unquoting) read as missing values.
  std::vector<std::string> missing_tokens{"", "nan", "NaN", "NAN", "NA", "N/A", "-nan"};
  /// Accept inf, -inf, Infinity (any case) as values; times must be finite regardless.
  bool allow_infinity = false;
  /// Lines starting with this text are skipped; empty means no comments.
  std::string comment_prefix;
  /// Longest line accepted, in bytes without the line ending; bounds the reader's memory.
  std::size_t max_line_length = std::size_t{16} << 20;
  /// Long layout column names (the time column is `time_column`).
  std::string trajectory_column = "trajectory";
  std::string species_column = "species";
  std::string value_column = "value";

  /// Throws invalid_argument naming the first bad field (`where` + ".delimiter", ...).
  ODESYNTH_INLINE void validate(std::string_view where = "csv_read_options") const;
};

namespace detail::csv_in {

inline constexpr std::size_t read_block = std::size_t{1} << 16;  // largest regular read
// Small inputs (one cell in a test, a fuzzer's input) should not pay for a 64 KiB buffer:
// reads start at 4 KiB and double up to read_block.
inline constexpr std::size_t first_read = std::size_t{1} << 12;

/// The readers behind read_wide_csv and read_long_csv. `first_read_size` is the size of the
/// first read from the stream (tests and the fuzzer pass tiny ones).
ODESYNTH_INLINE trajectory read_wide(std::istream& in, std::string name,
                                     std::shared_ptr<const model_description> model,
                                     const csv_read_options& options,
                                     std::size_t first_read_size = first_read);

ODESYNTH_INLINE std::vector<trajectory> read_long(std::istream& in, std::string name,
                                                  std::shared_ptr<const model_description> model,
                                                  const csv_read_options& options,
                                                  std::size_t first_read_size = first_read);

}  // namespace detail::csv_in

/// One trajectory from wide CSV (`time,<species...>`) in a stream; `source_name` names the
/// stream in messages and in parse_error::path().
ODESYNTH_INLINE trajectory read_wide_csv(std::istream& in, std::string_view source_name,
                                         const csv_read_options& options = {});

/// As above, with the species checked against `model` and put in model order (see the top of
/// this header); the result carries the model.
ODESYNTH_INLINE trajectory read_wide_csv(std::istream& in, std::string_view source_name,
                                         std::shared_ptr<const model_description> model,
                                         const csv_read_options& options = {});

/// One trajectory from a wide CSV file.
ODESYNTH_INLINE trajectory read_wide_csv(const std::filesystem::path& path,
                                         const csv_read_options& options = {});

ODESYNTH_INLINE trajectory read_wide_csv(const std::filesystem::path& path,
                                         std::shared_ptr<const model_description> model,
                                         const csv_read_options& options = {});

/// The trajectories of long CSV (`trajectory,time,species,value`) in a stream, one per
/// distinct id in order of first appearance.
ODESYNTH_INLINE std::vector<trajectory> read_long_csv(std::istream& in,
                                                      std::string_view source_name,
                                                      const csv_read_options& options = {});

ODESYNTH_INLINE std::vector<trajectory> read_long_csv(
    std::istream& in, std::string_view source_name, std::shared_ptr<const model_description> model,
    const csv_read_options& options = {});

ODESYNTH_INLINE std::vector<trajectory> read_long_csv(const std::filesystem::path& path,
                                                      const csv_read_options& options = {});

ODESYNTH_INLINE std::vector<trajectory> read_long_csv(
    const std::filesystem::path& path, std::shared_ptr<const model_description> model,
    const csv_read_options& options = {});

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/csv_reader.ipp"
#endif
