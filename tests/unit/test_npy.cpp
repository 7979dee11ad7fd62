// .npy and .npz files: exact header bytes, round trips for every dtype, streaming with a
// patched leading dimension, ZIP64, typed errors, strict reading of malformed input, and
// numpy itself reading our files and writing files we read.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <odesynth/detail/atomic_file.hpp>
#include <odesynth/io/npy.hpp>
#include <odesynth/io/npz.hpp>
#include <string>
#include <vector>

#include "files.hpp"
#include "temp_folder.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using odesynth::npy_dtype;

namespace {

using test_support::read_file;
using test_support::temp_folder;
using test_support::write_file;

std::uint64_t bits(double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

double from_bits(std::uint64_t u) {
  double d;
  std::memcpy(&d, &u, sizeof d);
  return d;
}

// Quiet NaNs with a payload and with the sign bit set: the bits must survive a round trip.
const std::uint64_t nan_payload = 0x7FF8000000000123ull;
const std::uint64_t nan_negative = 0xFFF8000000000000ull;

int run_command(const std::string& command) {
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// The Python used to check files with numpy: $ODESYNTH_PYTHON if set, else the first of
// `python3` on PATH and /usr/bin/python3 that imports numpy. The fallback matters where a
// python3 earlier on PATH (pyenv, a virtualenv) lacks the numpy that Debian's python3-numpy
// installs for the system interpreter.
struct python_probe {
  std::string command;    // empty if none works
  std::string diagnosis;  // what was tried and why it failed
};

python_probe find_python_with_numpy() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("ODESYNTH_PYTHON"); env != nullptr && *env != '\0')
    candidates.push_back(env);
  else
    candidates = {"python3", "/usr/bin/python3"};
  python_probe probe;
  for (const auto& c : candidates) {
    if (run_command(c + " -c \"import sys\" >/dev/null 2>&1") != 0) {
      probe.diagnosis += c + ": not found or does not run; ";
    } else if (run_command(c + " -c \"import numpy\" >/dev/null 2>&1") != 0) {
      probe.diagnosis += c + ": runs but cannot import numpy; ";
    } else {
      probe.command = c;
      return probe;
    }
  }
  probe.diagnosis +=
      "the numpy checks need Python 3 with numpy (Debian: apt-get install python3-numpy; or "
      "set ODESYNTH_PYTHON to a Python that has numpy)";
  return probe;
}

// Runs a Python script (with numpy) on `dir`; the script exits nonzero on any mismatch.
void run_python_checks(const temp_folder& dir, const std::string& script) {
  const python_probe py = find_python_with_numpy();
  if (py.command.empty()) FAIL(py.diagnosis);
  const fs::path file = dir.path / "check.py";
  write_file(file, script);
  const std::string command =
      py.command + " '" + file.string() + "' '" + dir.path.string() + "' 2>&1";
  INFO("python: " << command);
  REQUIRE(run_command(command) == 0);
}

std::vector<double> iota_values(std::size_t n, double scale, double offset) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(i) * scale + offset;
  return v;
}

// The .npy bytes of a (2, 3) float64 array 0..5 as npy_writer writes them.
std::string small_f8_file(const temp_folder& dir) {
  const fs::path p = dir.path / "small.npy";
  const auto v = iota_values(6, 1, 0);
  odesynth::write_npy(p, npy_dtype::float64, {2, 3}, v.data(), true);
  return read_file(p);
}

// Replaces `from` by `to` (same length, so the header length stays valid).
std::string patched(std::string bytes, const std::string& from, const std::string& to) {
  REQUIRE(from.size() == to.size());
  const auto at = bytes.find(from);
  REQUIRE(at != std::string::npos);
  bytes.replace(at, from.size(), to);
  return bytes;
}

template <class Expr>
void require_parse_error_at(Expr&& expr, std::size_t column, const std::string& words) {
  try {
    expr();
    FAIL("no parse_error (expected one about: " << words << ")");
  } catch (const odesynth::parse_error& e) {
    INFO(e.what());
    CHECK(e.line() == 1);
    CHECK(e.column() == column);
    CHECK_THAT(e.what(), Contains(words));
  }
}

}  // namespace

TEST_CASE("npy header bytes are exact and the data starts 64-byte aligned", "[npy]") {
  temp_folder dir;
  const std::string file = small_f8_file(dir);
  // Magic, version 1.0, header length 118 = 0x76 little-endian, the dict (59 characters),
  // 58 spaces and '\n': 10 + 59 + 58 + 1 = 128 bytes. The dict with a 20-digit leading
  // dimension (78 characters, 89 bytes in all) also rounds up to 128, so that is the length.
  const std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
  REQUIRE(dict.size() == 59);
  const std::string expected_header =
      std::string("\x93NUMPY\x01\x00\x76\x00", 10) + dict + std::string(58, ' ') + "\n";
  REQUIRE(expected_header.size() == 128);
  CHECK(file.substr(0, 128) == expected_header);
  CHECK(file.size() == 128 + 6 * 8);
  for (int i = 0; i < 6; ++i) {
    double d;
    std::memcpy(&d, file.data() + 128 + 8 * i, 8);
    CHECK(d == i);
  }

  // One dimension: '(5,)' as Python writes a 1-tuple, '|b1' one byte per value.
  const bool mask[5] = {true, false, true, true, false};
  odesynth::write_npy(dir.path / "mask.npy", {5}, mask);
  const std::string m = read_file(dir.path / "mask.npy");
  CHECK(m.substr(10, 57) == "{'descr': '|b1', 'fortran_order': False, 'shape': (5,), }");
  CHECK(m.size() == 128 + 5);
  CHECK(m.substr(128) == std::string("\x01\x00\x01\x01\x00", 5));

  // The header length never depends on the row count: npy_writer reserves room for a
  // 20-digit leading dimension. With 15 inner extents of 1 the dict for 3 rows is 101
  // characters (header 128 bytes without the reserve), 120 with 2^64 - 1 rows (192 bytes).
  const std::vector<std::size_t> ones(15, 1);
  std::vector<std::uint64_t> shape(16, 1);
  shape[0] = 3;
  CHECK(odesynth::detail::npy_header(npy_dtype::float64, shape).size() == 128);
  shape[0] = std::numeric_limits<std::uint64_t>::max();
  CHECK(odesynth::detail::npy_header(npy_dtype::float64, shape).size() == 192);
  odesynth::npy_writer w(dir.path / "ones.npy", npy_dtype::float64, ones);
  const double three[3] = {1, 2, 3};
  w.append(three, 3);
  w.commit();
  const std::string o = read_file(dir.path / "ones.npy");
  CHECK(o.size() == 192 + 3 * 8);
  CHECK(o.substr(8, 2) == std::string("\xB6\x00", 2));  // 182 = 192 - 10
  CHECK(o[191] == '\n');
  CHECK(odesynth::read_npy(dir.path / "ones.npy").values == std::vector<double>{1, 2, 3});
  // A 0-dimensional array: shape ().
  const double pi = 3.25;
  odesynth::write_npy(dir.path / "scalar.npy", npy_dtype::float64, {}, &pi);
  const std::string s = read_file(dir.path / "scalar.npy");
  CHECK(s.substr(10, 55) == "{'descr': '<f8', 'fortran_order': False, 'shape': (), }");
  CHECK(s.size() == 128 + 8);
}

TEST_CASE("npy header switches to version 2.0 only past 65535 bytes", "[npy]") {
  // 21800 extents of "1, " make a dict of about 65450 bytes: still version 1.0.
  // 21900 make it exceed 65535 and need the 4-byte length of version 2.0.
  const std::vector<std::uint64_t> v1_shape(21800, 1), v2_shape(21900, 1);
  const std::string h1 = odesynth::detail::npy_header(npy_dtype::float64, v1_shape);
  const std::string h2 = odesynth::detail::npy_header(npy_dtype::float64, v2_shape);
  CHECK(h1[6] == 1);
  CHECK(h1.size() <= 65535 + 10);
  CHECK(h2[6] == 2);
  CHECK(h2.size() > 65535 + 10);
  for (const std::string* h : {&h1, &h2}) {
    CHECK(h->size() % 64 == 0);
    const std::size_t length_bytes = (*h)[6] == 1 ? 2 : 4;
    std::size_t length = 0;
    for (std::size_t i = 0; i < length_bytes; ++i)
      length |= std::size_t{static_cast<unsigned char>((*h)[8 + i])} << (8 * i);
    CHECK(length + 8 + length_bytes == h->size());
    // And the reader takes both: one element of value 2.5.
    const double x = 2.5;
    std::string file = *h;
    file.append(reinterpret_cast<const char*>(&x), 8);
    const auto a = odesynth::read_npy_bytes(file);
    CHECK(a.shape.size() == (h == &h1 ? v1_shape.size() : v2_shape.size()));
    CHECK(a.values == std::vector<double>{2.5});
  }
}

TEST_CASE("npy float64 round trip keeps NaN bit patterns and signed zeros", "[npy]") {
  temp_folder dir;
  std::vector<double> v = iota_values(24, 0.5, -3);
  v[6] = from_bits(nan_payload);
  v[7] = from_bits(nan_negative);
  v[8] = -0.0;
  v[9] = std::numeric_limits<double>::infinity();
  v[10] = std::numeric_limits<double>::denorm_min();
  odesynth::write_npy(dir.path / "v.npy", npy_dtype::float64, {2, 3, 4}, v.data());
  const auto a = odesynth::read_npy(dir.path / "v.npy");
  CHECK(a.dtype == npy_dtype::float64);
  CHECK(a.shape == std::vector<std::size_t>{2, 3, 4});
  REQUIRE(a.values.size() == v.size());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(bits(a.values[i]) == bits(v[i]));
  CHECK(a.booleans.empty());
  CHECK(a.int64s.empty());
}

TEST_CASE("npy round trips of float32 int64 uint64 and boolean arrays", "[npy]") {
  temp_folder dir;
  SECTION("float32 rounds each double to the nearest float") {
    const std::vector<double> v = {0.1, -1.5, 1e-50, 3.4e38, 1e39, from_bits(nan_payload)};
    odesynth::write_npy(dir.path / "f4.npy", npy_dtype::float32, {3, 2}, v.data());
    const auto a = odesynth::read_npy(dir.path / "f4.npy");
    CHECK(a.dtype == npy_dtype::float32);
    CHECK(a.shape == std::vector<std::size_t>{3, 2});
    REQUIRE(a.values.size() == 6);
    CHECK(a.values[0] == static_cast<double>(0.1f));
    CHECK(a.values[1] == -1.5);
    CHECK(a.values[2] == 0.0);  // below the smallest float: rounds to zero
    CHECK(a.values[3] == static_cast<double>(3.4e38f));
    CHECK(a.values[4] == std::numeric_limits<double>::infinity());  // beyond FLT_MAX
    CHECK(std::isnan(a.values[5]));
    CHECK(fs::file_size(dir.path / "f4.npy") == 128 + 6 * 4);
  }
  SECTION("int64 and uint64 keep every bit") {
    const std::vector<std::int64_t> i = {std::numeric_limits<std::int64_t>::min(), -1, 0,
                                         std::numeric_limits<std::int64_t>::max()};
    const std::vector<std::uint64_t> u = {0, 1, std::uint64_t{1} << 63,
                                          std::numeric_limits<std::uint64_t>::max()};
    odesynth::npy_writer wi(dir.path / "i8.npy", npy_dtype::int64, {});
    wi.append(i.data(), i.size());
    wi.commit();
    odesynth::npy_writer wu(dir.path / "u8.npy", npy_dtype::uint64, {2});
    wu.append(u.data(), u.size());
    wu.commit();
    const auto ai = odesynth::read_npy(dir.path / "i8.npy");
    const auto au = odesynth::read_npy(dir.path / "u8.npy");
    CHECK(ai.dtype == npy_dtype::int64);
    CHECK(ai.shape == std::vector<std::size_t>{4});
    CHECK(ai.int64s == i);
    CHECK(au.dtype == npy_dtype::uint64);
    CHECK(au.shape == std::vector<std::size_t>{2, 2});
    CHECK(au.uint64s == u);
  }
  SECTION("integer dtypes take doubles that are exact integers") {
    const std::vector<double> v = {-9007199254740992.0, 0, 42, 9223372036854774784.0};
    odesynth::write_npy(dir.path / "i8.npy", npy_dtype::int64, {4}, v.data());
    CHECK(odesynth::read_npy(dir.path / "i8.npy").int64s ==
          std::vector<std::int64_t>{-9007199254740992, 0, 42, 9223372036854774784});
    const std::vector<double> w = {0, 18446744073709549568.0};
    odesynth::write_npy(dir.path / "u8.npy", npy_dtype::uint64, {2}, w.data());
    CHECK(odesynth::read_npy(dir.path / "u8.npy").uint64s ==
          std::vector<std::uint64_t>{0, 18446744073709549568ull});
  }
  SECTION("a boolean mask") {
    const bool m[6] = {true, false, false, true, true, false};
    odesynth::write_npy(dir.path / "m.npy", {2, 3}, m);
    const auto a = odesynth::read_npy(dir.path / "m.npy");
    CHECK(a.dtype == npy_dtype::boolean);
    CHECK(a.shape == std::vector<std::size_t>{2, 3});
    CHECK(a.booleans == std::vector<std::uint8_t>{1, 0, 0, 1, 1, 0});
  }
}

TEST_CASE("npy writer with zero rows writes a valid empty array", "[npy]") {
  temp_folder dir;
  odesynth::npy_writer w(dir.path / "empty.npy", npy_dtype::float64, {3, 2});
  w.append(static_cast<const double*>(nullptr), 0);  // a no-op, even with a null pointer
  CHECK(w.rows() == 0);
  w.commit();
  const std::string file = read_file(dir.path / "empty.npy");
  CHECK(file.size() == 128);
  CHECK(file.find("'shape': (0, 3, 2), }") != std::string::npos);
  const auto a = odesynth::read_npy(dir.path / "empty.npy");
  CHECK(a.shape == std::vector<std::size_t>{0, 3, 2});
  CHECK(a.size() == 0);
  CHECK(a.values.empty());
}

TEST_CASE("npy writer patches the leading dimension after streaming many appends", "[npy]") {
  temp_folder dir;
  // 3000 rows of 10 x 10 doubles, 2.4 MB: past the 1 MiB buffer, so the header patch is a
  // positional write into the file, not into the buffer.
  const std::size_t rows = 3000, row = 100;
  odesynth::npy_writer w(dir.path / "big.npy", npy_dtype::float64, {10, 10});
  CHECK(w.row_size() == row);
  std::vector<double> buffer(row);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t k = 0; k < row; ++k) buffer[k] = static_cast<double>(r * row + k);
    if (r % 2 == 0) {
      w.append(buffer.data(), row);
    } else {  // two rows at once now and then
      if (r + 1 < rows) {
        std::vector<double> two(2 * row);
        for (std::size_t k = 0; k < 2 * row; ++k) two[k] = static_cast<double>(r * row + k);
        w.append(two.data(), two.size());
        ++r;
      } else {
        w.append(buffer.data(), row);
      }
    }
  }
  CHECK(w.rows() == rows);
  CHECK_FALSE(fs::exists(dir.path / "big.npy"));  // nothing under the final name yet
  w.commit();
  CHECK(dir.entries() == std::vector<std::string>{"big.npy"});
  CHECK(fs::file_size(dir.path / "big.npy") == 128 + rows * row * 8);
  const auto a = odesynth::read_npy(dir.path / "big.npy");
  CHECK(a.shape == std::vector<std::size_t>{rows, 10, 10});
  REQUIRE(a.values.size() == rows * row);
  bool all_equal = true;
  for (std::size_t i = 0; i < a.values.size(); ++i)
    all_equal = all_equal && a.values[i] == static_cast<double>(i);
  CHECK(all_equal);
}

TEST_CASE("npy writer rejects bad arguments with typed errors", "[npy]") {
  temp_folder dir;
  const fs::path p = dir.path / "x.npy";
  SECTION("an inner extent of zero") {
    CHECK_THROWS_MATCHES(
        odesynth::npy_writer(p, npy_dtype::float64, {3, 0}), odesynth::invalid_argument,
        Catch::Matchers::Predicate<odesynth::invalid_argument>(
            [](const odesynth::invalid_argument& e) {
              return e.field() == "npy_writer.inner_shape" && e.value() == "(3, 0)";
            },
            "invalid_argument naming npy_writer.inner_shape = (3, 0)"));
  }
  SECTION("more than 32 dimensions") {
    CHECK_THROWS_AS(odesynth::npy_writer(p, npy_dtype::float64, std::vector<std::size_t>(32, 1)),
                    odesynth::invalid_argument);
    CHECK_NOTHROW(odesynth::npy_writer(p, npy_dtype::float64, std::vector<std::size_t>(31, 1)));
  }
  SECTION("a count that is not a multiple of the row size") {
    odesynth::npy_writer w(p, npy_dtype::float64, {2, 3});
    const std::vector<double> v(7, 1.0);
    CHECK_THROWS_WITH(w.append(v.data(), 7),
                      Contains("npy_writer.append.count = 7") && Contains("multiple of the row "
                                                                          "size 6"));
    CHECK(w.rows() == 0);
    w.append(v.data(), 6);
    CHECK(w.rows() == 1);
  }
  SECTION("non-integers and out-of-range values for integer dtypes change nothing") {
    odesynth::npy_writer w(p, npy_dtype::int64, {2});
    const std::vector<double> bad = {1, 2, 3, 4.5};
    CHECK_THROWS_MATCHES(w.append(bad.data(), 4), odesynth::invalid_argument,
                         Catch::Matchers::Predicate<odesynth::invalid_argument>(
                             [](const odesynth::invalid_argument& e) {
                               return e.field() == "npy_writer.append.values[3]" &&
                                      e.value() == "4.5";
                             },
                             "names element 3 and its value"));
    const std::vector<double> nan = {1, std::nan("")};
    CHECK_THROWS_AS(w.append(nan.data(), 2), odesynth::invalid_argument);
    const std::vector<double> huge = {1, 9223372036854775808.0};
    CHECK_THROWS_AS(w.append(huge.data(), 2), odesynth::invalid_argument);
    CHECK(w.rows() == 0);
    odesynth::npy_writer wu(dir.path / "u.npy", npy_dtype::uint64, {});
    const std::int64_t negative = -1;
    CHECK_THROWS_AS(wu.append(&negative, 1), odesynth::invalid_argument);
    const double minus = -1;
    CHECK_THROWS_AS(wu.append(&minus, 1), odesynth::invalid_argument);
    odesynth::npy_writer wi(dir.path / "i.npy", npy_dtype::int64, {});
    const std::uint64_t too_big = std::uint64_t{1} << 63;
    CHECK_THROWS_AS(wi.append(&too_big, 1), odesynth::invalid_argument);
    w.commit();
    CHECK(fs::file_size(p) == 128);  // the rejected appends wrote nothing
  }
  SECTION("element types that do not fit the dtype") {
    odesynth::npy_writer wf(p, npy_dtype::float64, {});
    const bool b = true;
    CHECK_THROWS_WITH(wf.append(&b, 1), Contains("bool values for dtype '<f8'"));
    const std::int64_t i = 1;
    CHECK_THROWS_AS(wf.append(&i, 1), odesynth::invalid_argument);
    odesynth::npy_writer wb(dir.path / "b.npy", npy_dtype::boolean, {});
    const double d = 1;
    CHECK_THROWS_WITH(wb.append(&d, 1), Contains("double values for dtype '|b1'"));
  }
  SECTION("a null pointer with values to write") {
    odesynth::npy_writer w(p, npy_dtype::float64, {});
    CHECK_THROWS_AS(w.append(static_cast<const double*>(nullptr), 1), odesynth::invalid_argument);
  }
  SECTION("appending after commit") {
    odesynth::npy_writer w(p, npy_dtype::float64, {});
    w.commit();
    const double d = 1;
    CHECK_THROWS_AS(w.append(&d, 1), odesynth::invalid_argument);
    CHECK_THROWS_AS(w.commit(), odesynth::invalid_argument);
  }
}

TEST_CASE("npy writer io errors name the path and come before any data", "[npy][io]") {
  temp_folder dir;
  const fs::path p = dir.path / "taken.npy";
  write_file(p, "precious");
  try {
    odesynth::npy_writer w(p, npy_dtype::float64, {3});
    FAIL("no exception");
  } catch (const odesynth::io_error& e) {
    CHECK(e.path() == p.string());
    CHECK_THAT(e.what(), Contains(p.string()) && Contains("already exists"));
  }
  const double v[3] = {1, 2, 3};
  CHECK_THROWS_AS(odesynth::write_npy(p, npy_dtype::float64, {3}, v), odesynth::io_error);
  CHECK(read_file(p) == "precious");
  CHECK(dir.entries() == std::vector<std::string>{"taken.npy"});

  odesynth::write_npy(p, npy_dtype::float64, {3}, v, /*overwrite=*/true);
  CHECK(odesynth::read_npy(p).values == std::vector<double>{1, 2, 3});

  const fs::path nowhere = dir.path / "missing" / "x.npy";
  CHECK_THROWS_MATCHES(odesynth::npy_writer(nowhere, npy_dtype::float64, {}), odesynth::io_error,
                       Catch::Matchers::Predicate<odesynth::io_error>(
                           [&](const odesynth::io_error& e) {
                             return e.path() == nowhere.string() &&
                                    std::string(e.what()).find("does not exist") !=
                                        std::string::npos;
                           },
                           "io_error naming the missing folder"));
  CHECK_THROWS_AS(odesynth::npz_writer(dir.path / "missing" / "x.npz"), odesynth::io_error);
  CHECK_THROWS_AS(odesynth::read_npy(dir.path / "absent.npy"), odesynth::io_error);
  CHECK_THROWS_AS(odesynth::npz_reader(dir.path / "absent.npz"), odesynth::io_error);
  CHECK(dir.entries() == std::vector<std::string>{"taken.npy"});
}

TEST_CASE("abandoned npy and npz writers leave no file and no temporary", "[npy][npz][io]") {
  temp_folder dir;
  const std::vector<double> v = iota_values(2000000, 1, 0);  // 16 MB: past every buffer
  {
    odesynth::npy_writer w(dir.path / "a.npy", npy_dtype::float64, {1000});
    w.append(v.data(), v.size());
    CHECK(dir.entries().size() == 1);  // the temporary file
  }
  CHECK(dir.entries().empty());
  {
    odesynth::npz_writer z(dir.path / "a.npz");
    z.add_array("x.npy", npy_dtype::float64, {10}, v.data());
    odesynth::npy_writer staged(dir.path / "a.npz.values.npy", npy_dtype::float32, {100},
                                /*overwrite=*/true);
    staged.append(v.data(), 1000);
    z.add_npy("values.npy", staged);
    CHECK(dir.entries().size() == 1);  // the archive's temporary; the staged one is gone
  }
  CHECK(dir.entries().empty());
  {  // moving a writer moves its file; the moved-from one is inert
    odesynth::npy_writer w(dir.path / "m.npy", npy_dtype::float64, {});
    odesynth::npy_writer moved = std::move(w);
    moved.append(v.data(), 5);
    CHECK_THROWS_AS(w.append(v.data(), 5),
                    odesynth::invalid_argument);  // NOLINT(bugprone-use-after-move)
    moved.commit();
  }
  CHECK(dir.entries() == std::vector<std::string>{"m.npy"});
}

TEST_CASE("npy reader rejects malformed files with the byte offset", "[npy]") {
  temp_folder dir;
  const std::string good = small_f8_file(dir);
  auto read = [](const std::string& bytes) {
    return [bytes] { odesynth::read_npy_bytes(bytes, "m.npy"); };
  };
  // Columns are 1-based byte offsets.
  require_parse_error_at(read(good.substr(0, 4)), 5, "truncated");
  require_parse_error_at(read(good.substr(0, 50)), 51, "truncated");
  require_parse_error_at(read(""), 1, "truncated");
  require_parse_error_at(read(patched(good, "NUMPY", "NUMPX")), 6, "not a .npy file");
  require_parse_error_at(read("PK\x03\x04 not numpy"), 1, "not a .npy file");
  require_parse_error_at(
      read(patched(good, std::string("\x01\x00\x76", 3), std::string("\x04\x00\x76", 3))), 7,
      "version 4.0");
  require_parse_error_at(read(patched(good, "'fortran_order'", "'fortran_ordex'")), 28,
                         "unknown key 'fortran_ordex'");
  require_parse_error_at(read(patched(good, "'descr': '<f8'", "'descr': '>f8'")), 21, "big-endian");
  require_parse_error_at(read(patched(good, "'descr': '<f8'", "'descr': '<c8'")), 21,
                         "dtype '<c8' is not supported");
  require_parse_error_at(read(patched(good, "False", "True ")), 45, "fortran_order True");
  require_parse_error_at(read(patched(good, "False", "Fals ")), 45, "True or False");
  require_parse_error_at(read(patched(good, "(2, 3), }", "(2; 3), }")), 63, "',' or ')'");
  require_parse_error_at(read(patched(good, "'shape': (2, 3), }", "'descr': (2, 3), }")), 52,
                         "duplicate key 'descr'");
  require_parse_error_at(read(patched(good, "'shape': (2, 3), }", "'shapf': (2, 3), }")), 52,
                         "unknown key");
  require_parse_error_at(read(patched(good, "(2, 3), }", "(6), }   ")), 61, "trailing comma");
  require_parse_error_at(read(patched(good, "}    ", "} x  ")), 71, "only spaces");
  require_parse_error_at(read(patched(good, std::string(" \n", 2), "  ")), 128, "newline");
  // The shape asks for more data than there is: 2 x 4 doubles, 48 bytes follow.
  require_parse_error_at(read(patched(good, "(2, 3)", "(2, 4)")), 177, "needs 64 bytes");
  require_parse_error_at(read(good + "extra"), 177, "5 bytes follow the data");
  require_parse_error_at(read(good.substr(0, good.size() - 1)), 176, "truncated");

  // Shapes whose element or byte count overflows, and one far bigger than the file: refused
  // before any allocation (a reservation of 8e12 bytes would throw bad_alloc instead).
  using odesynth::detail::npy_header;
  const auto max = std::numeric_limits<std::uint64_t>::max();
  require_parse_error_at(read(npy_header(npy_dtype::float64, {max, 3})), 61, "element count");
  require_parse_error_at(read(npy_header(npy_dtype::float64, {std::uint64_t{1} << 61})), 61,
                         "byte count");
  require_parse_error_at(read(npy_header(npy_dtype::float64, {1000000000, 1000})), 129,
                         "needs 8000000000000 bytes");
  std::string too_long = npy_header(npy_dtype::float64, {1});
  too_long[8] = '\xFF';  // header length 0x76FF: more than the file holds
  too_long[9] = '\x76';
  require_parse_error_at(read(too_long), 129, "truncated");
  std::string huge_v2 = good;
  huge_v2[6] = 2;  // version 2.0 reads a 4-byte length: 0x20200076 bytes
  require_parse_error_at(read(huge_v2), 9, "header length");

  // A boolean byte other than 0 or 1.
  const bool m[2] = {true, false};
  odesynth::write_npy(dir.path / "m.npy", {2}, m);
  std::string mask = read_file(dir.path / "m.npy");
  mask[129] = 2;
  require_parse_error_at(read(mask), 130, "neither 0 nor 1");

  // Through a file, the error names the path.
  write_file(dir.path / "bad.npy", good.substr(0, 100));
  CHECK_THROWS_MATCHES(odesynth::read_npy(dir.path / "bad.npy"), odesynth::parse_error,
                       Catch::Matchers::Predicate<odesynth::parse_error>(
                           [&](const odesynth::parse_error& e) {
                             return e.path() == (dir.path / "bad.npy").string() &&
                                    e.column() == 101;
                           },
                           "parse_error naming the file and byte 100"));
}

TEST_CASE("npy reader fails cleanly on every truncation and corrupted header byte", "[npy]") {
  temp_folder dir;
  const std::string good = small_f8_file(dir);
  for (std::size_t n = 0; n < good.size(); ++n) {
    INFO("truncated to " << n << " bytes");
    CHECK_THROWS_AS(odesynth::read_npy_bytes(good.substr(0, n)), odesynth::parse_error);
  }
  // A corrupted header byte either is refused or still describes exactly the data there is
  // (e.g. '<f8' -> '<i8'); nothing else may escape.
  for (std::size_t i = 0; i < 128; ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    INFO("byte " << i << " changed");
    try {
      const auto a = odesynth::read_npy_bytes(bad);
      CHECK(a.size() * odesynth::npy_item_size(a.dtype) == good.size() - 128);
    } catch (const odesynth::parse_error&) {
    }
  }
  // A stream that cannot seek: the length is not known in advance, and truncated data is
  // still a parse_error, not a short array.
  struct no_seek_buf : std::stringbuf {
    using std::stringbuf::stringbuf;
    pos_type seekoff(off_type, std::ios::seekdir, std::ios::openmode) override {
      return pos_type(off_type(-1));
    }
  };
  no_seek_buf whole(good), cut(good.substr(0, 150));
  std::istream whole_in(&whole), cut_in(&cut);
  CHECK(odesynth::read_npy(whole_in, "stream").values.size() == 6);
  CHECK_THROWS_AS(odesynth::read_npy(cut_in, "stream"), odesynth::parse_error);
}

TEST_CASE("crc32 matches the standard check value in any chunking", "[npz]") {
  using odesynth::detail::crc32;
  using odesynth::detail::crc32_update;
  CHECK(crc32("") == 0);
  CHECK(crc32("123456789") == 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
  CHECK(crc32("The quick brown fox jumps over the lazy dog") == 0x414FA339u);
  // Against a bit-at-a-time reference, for lengths around the 8-byte stride and splits.
  std::string data(300, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131 + 7) % 256);
  auto reference = [](std::string_view s) {
    std::uint32_t c = 0xFFFFFFFFu;
    for (unsigned char b : s) {
      c ^= b;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
  };
  for (std::size_t n = 0; n <= 40; ++n)
    CHECK(crc32(data.substr(0, n)) == reference(data.substr(0, n)));
  for (std::size_t split = 0; split <= data.size(); split += 13) {
    const std::uint32_t first = crc32_update(0, data.data(), split);
    CHECK(crc32_update(first, data.data() + split, data.size() - split) == reference(data));
  }
}

TEST_CASE("atomic_file write_at patches buffered and flushed bytes", "[io]") {
  temp_folder dir;
  const fs::path p = dir.path / "f.bin";
  odesynth::detail::atomic_file f(p, false);
  f.write("hello world");
  f.write_at(0, "J");                               // still in the buffer
  f.write(std::string(std::size_t{1} << 20, 'x'));  // large: flushed, written directly
  CHECK(f.size() == 11 + (std::size_t{1} << 20));
  f.write_at(6, "W");  // now in the file: a positional write
  f.write("!");
  CHECK_THROWS_AS(f.write_at(f.size(), "y"), odesynth::invalid_argument);
  CHECK_THROWS_AS(f.write_at(f.size() + 1, ""), odesynth::invalid_argument);
  f.commit();
  const std::string s = read_file(p);
  CHECK(s.substr(0, 11) == "Jello World");
  CHECK(s.size() == 12 + (std::size_t{1} << 20));
  CHECK(s.back() == '!');
}

TEST_CASE("npz archive round trip through the C++ reader", "[npz]") {
  temp_folder dir;
  const auto values = iota_values(60, 0.25, -1);
  odesynth::write_npy(dir.path / "values.npy", npy_dtype::float64, {5, 3, 4}, values.data());
  const bool mask[6] = {true, true, false, true, false, false};
  odesynth::npy_writer times(dir.path / "t.npz.times.npy", npy_dtype::float32, {4}, true);
  times.append(values.data(), 8);

  odesynth::npz_writer z(dir.path / "t.npz");
  z.add_file("values.npy", dir.path / "values.npy");
  z.add_array("mask.npy", {2, 3}, mask);
  z.add_npy("times.npy", times);
  z.add_bytes("meta.json", "{\"n\": 5}");
  CHECK(z.size() == 4);
  CHECK_THROWS_AS(z.add_bytes("mask.npy", "dup"), odesynth::invalid_argument);
  CHECK_THROWS_AS(z.add_bytes("../evil.npy", "x"), odesynth::invalid_argument);
  CHECK_THROWS_AS(z.add_bytes("/abs.npy", "x"), odesynth::invalid_argument);
  CHECK_THROWS_AS(z.add_bytes("", "x"), odesynth::invalid_argument);
  CHECK_THROWS_AS(z.add_file("gone.npy", dir.path / "gone.npy"), odesynth::io_error);
  CHECK_THROWS_AS(times.append(values.data(), 4), odesynth::invalid_argument);  // handed over
  CHECK_FALSE(fs::exists(dir.path / "t.npz"));
  z.commit();
  CHECK(dir.entries() == std::vector<std::string>{"t.npz", "values.npy"});

  odesynth::npz_reader r(dir.path / "t.npz");
  CHECK(r.names() == std::vector<std::string>{"values.npy", "mask.npy", "times.npy", "meta.json"});
  CHECK(odesynth::read_npz_member_names(dir.path / "t.npz") == r.names());
  CHECK(r.read_bytes("values.npy") == read_file(dir.path / "values.npy"));
  const auto v = r.read_array("values.npy");
  CHECK(v.shape == std::vector<std::size_t>{5, 3, 4});
  CHECK(v.values == values);
  CHECK(r.read_array("mask.npy").booleans == std::vector<std::uint8_t>{1, 1, 0, 1, 0, 0});
  const auto t = r.read_array("times.npy");
  CHECK(t.dtype == npy_dtype::float32);
  CHECK(t.shape == std::vector<std::size_t>{2, 4});
  CHECK(t.values == std::vector<double>(values.begin(), values.begin() + 8));
  CHECK(r.read_bytes("meta.json") == "{\"n\": 5}");
  CHECK_THROWS_AS(r.read_bytes("nope"), odesynth::invalid_argument);

  // The same arrays give the same archive bytes (fixed timestamps).
  odesynth::npz_writer again(dir.path / "u.npz");
  again.add_file("values.npy", dir.path / "values.npy");
  again.add_array("mask.npy", {2, 3}, mask);
  odesynth::npy_writer times2(dir.path / "u.npz.times.npy", npy_dtype::float32, {4}, true);
  times2.append(values.data(), 8);
  again.add_npy("times.npy", times2);
  again.add_bytes("meta.json", "{\"n\": 5}");
  again.commit();
  CHECK(read_file(dir.path / "u.npz") == read_file(dir.path / "t.npz"));

  // A flipped data byte is a CRC mismatch; a cut archive has no end record.
  std::string archive = read_file(dir.path / "t.npz");
  const auto at = archive.find("{\"n\": 5}");
  REQUIRE(at != std::string::npos);
  archive[at + 2] = 'm';
  write_file(dir.path / "bad.npz", archive);
  odesynth::npz_reader bad(dir.path / "bad.npz");
  CHECK_THROWS_WITH(bad.read_bytes("meta.json"), Contains("CRC-32 mismatch"));
  write_file(dir.path / "cut.npz", archive.substr(0, archive.size() - 10));
  CHECK_THROWS_AS(odesynth::npz_reader(dir.path / "cut.npz"), odesynth::parse_error);
  write_file(dir.path / "empty.npz", "");
  CHECK_THROWS_AS(odesynth::npz_reader(dir.path / "empty.npz"), odesynth::parse_error);
  for (std::size_t n = 0; n + 1 < archive.size(); n += 7) {
    write_file(dir.path / "cut.npz", archive.substr(0, n));
    CHECK_THROWS_AS(odesynth::npz_reader(dir.path / "cut.npz"), odesynth::parse_error);
  }
}

namespace {

// Threshold 100: the first member (10 bytes at offset 0) is plain ZIP; the second (a .npy
// of 176 bytes at offset 48) needs ZIP64 sizes only; the third and fourth need ZIP64 sizes
// and offsets; the central directory's offset needs the ZIP64 end record, and a count
// threshold of 3 puts the entry count there too.
void write_zip64_archive(const temp_folder& dir) {
  const auto values = iota_values(6, 1, 0);
  const bool mask[6] = {true, false, true, false, true, false};
  odesynth::detail::zip_layout layout;
  layout.zip64_threshold = 100;
  layout.zip64_count_threshold = 3;
  odesynth::npz_writer z(dir.path / "z64.npz", false, layout);
  z.add_bytes("note.txt", "0123456789");
  z.add_array("values.npy", npy_dtype::float64, {2, 3}, values.data());
  z.add_array("mask.npy", {6}, mask);
  odesynth::npy_writer big(dir.path / "z64.npz.big.npy", npy_dtype::float64, {100}, true);
  const auto many = iota_values(100000, 1, 0);
  big.append(many.data(), many.size());
  z.add_npy("big.npy", big);
  z.commit();
}

}  // namespace

TEST_CASE("npz ZIP64 records with a lowered threshold read back in C++", "[npz]") {
  temp_folder dir;
  write_zip64_archive(dir);
  const std::string archive = read_file(dir.path / "z64.npz");
  // The ZIP64 end record and its locator are there, and the classic end record defers.
  const auto end64 = archive.rfind(std::string("PK\x06\x06", 4));
  const auto locator = archive.rfind(std::string("PK\x06\x07", 4));
  REQUIRE(end64 != std::string::npos);
  REQUIRE(locator == end64 + 56);
  CHECK(archive.size() == locator + 20 + 22);
  CHECK(archive.substr(archive.size() - 22 + 8, 2) == std::string("\xFF\xFF", 2));  // count
  CHECK(archive.substr(archive.size() - 22 + 16, 4) == std::string("\xFF\xFF\xFF\xFF", 4));
  // The first local header is plain; the second has 0xFFFFFFFF sizes and a ZIP64 extra.
  CHECK(archive.substr(0, 4) == std::string("PK\x03\x04", 4));
  CHECK(archive.substr(18, 8) == std::string("\x0A\0\0\0\x0A\0\0\0", 8));
  const std::size_t second = 30 + 8 + 10;
  CHECK(archive.substr(second, 4) == std::string("PK\x03\x04", 4));
  CHECK(archive.substr(second + 18, 8) == std::string(8, '\xFF'));
  CHECK(archive.substr(second + 28, 2) == std::string("\x14\x00", 2));  // a 20-byte extra

  odesynth::npz_reader r(dir.path / "z64.npz");
  CHECK(r.names() == std::vector<std::string>{"note.txt", "values.npy", "mask.npy", "big.npy"});
  CHECK(r.members()[2].header_offset > 100);
  CHECK(r.read_bytes("note.txt") == "0123456789");
  CHECK(r.read_array("values.npy").values == iota_values(6, 1, 0));
  CHECK(r.read_array("mask.npy").booleans == std::vector<std::uint8_t>{1, 0, 1, 0, 1, 0});
  const auto big = r.read_array("big.npy");
  CHECK(big.shape == std::vector<std::size_t>{1000, 100});
  CHECK(big.values == iota_values(100000, 1, 0));
}

TEST_CASE("numpy reads the npy and npz files odesynth writes", "[npy][npz][python]") {
  temp_folder dir;
  // float64 (2, 3, 4) streamed one row at a time, with NaNs whose bits must survive.
  std::vector<double> f8 = iota_values(24, 0.5, -3);
  f8[6] = from_bits(nan_payload);
  f8[7] = from_bits(nan_negative);
  f8[8] = -0.0;
  odesynth::npy_writer w(dir.path / "f8.npy", npy_dtype::float64, {3, 4});
  for (std::size_t r = 0; r < 2; ++r) w.append(f8.data() + 12 * r, 12);
  w.commit();
  const std::vector<double> f4 = {0.1, -1.5, 1e39, 2.5, 1.0 / 3.0, -7};
  odesynth::write_npy(dir.path / "f4.npy", npy_dtype::float32, {3, 2}, f4.data());
  const bool mask[12] = {true,  false, false, true,  true, true,
                         false, false, true,  false, true, true};
  odesynth::write_npy(dir.path / "b1.npy", {4, 3}, mask);
  const std::vector<std::int64_t> i8 = {std::numeric_limits<std::int64_t>::min(), -1, 0, 7,
                                        std::numeric_limits<std::int64_t>::max()};
  odesynth::npy_writer wi(dir.path / "i8.npy", npy_dtype::int64, {});
  wi.append(i8.data(), i8.size());
  wi.commit();
  const std::vector<std::uint64_t> u8 = {0, 1, std::uint64_t{1} << 63,
                                         std::numeric_limits<std::uint64_t>::max()};
  odesynth::npy_writer wu(dir.path / "u8.npy", npy_dtype::uint64, {2});
  wu.append(u8.data(), u8.size());
  wu.commit();
  odesynth::npy_writer empty(dir.path / "empty.npy", npy_dtype::float32, {3, 2});
  empty.commit();
  const double scalar = 6.5;
  odesynth::write_npy(dir.path / "scalar.npy", npy_dtype::float64, {}, &scalar);

  odesynth::npz_writer z(dir.path / "all.npz");
  z.add_file("f8.npy", dir.path / "f8.npy");
  z.add_file("b1.npy", dir.path / "b1.npy");
  odesynth::npy_writer staged(dir.path / "all.npz.times.npy", npy_dtype::float64, {}, true);
  const auto times = iota_values(1000, 0.01, 0);
  staged.append(times.data(), times.size());
  z.add_npy("times.npy", staged);
  z.add_array("u8.npy", npy_dtype::uint64, {2}, std::vector<double>{3, 4}.data());
  z.add_bytes("meta.json", "{\"n\": 2}");
  z.commit();
  write_zip64_archive(dir);

  run_python_checks(dir, R"PY(
import sys, zipfile
import numpy as np
d = sys.argv[1]
def check(ok, what):
    if not ok:
        print("numpy check failed:", what)
        sys.exit(1)

f8 = np.load(d + "/f8.npy")
check(f8.dtype == np.float64 and f8.shape == (2, 3, 4), ("f8", f8.dtype, f8.shape))
expected = np.arange(24, dtype=np.float64) * 0.5 - 3
bits = f8.reshape(-1).view(np.uint64)
check(bits[6] == 0x7FF8000000000123 and bits[7] == 0xFFF8000000000000, "NaN bits")
check(bits[8] == 0x8000000000000000, "negative zero")
rest = [i for i in range(24) if i not in (6, 7, 8)]
check(np.array_equal(f8.reshape(-1)[rest], expected[rest]), ("f8 values", f8))

f4 = np.load(d + "/f4.npy")
check(f4.dtype == np.float32 and f4.shape == (3, 2), ("f4", f4.dtype, f4.shape))
check(np.array_equal(f4, np.array([0.1, -1.5, np.inf, 2.5, 1 / 3, -7], dtype=np.float32).reshape(3, 2)), ("f4 values", f4))

b1 = np.load(d + "/b1.npy")
check(b1.dtype == np.bool_ and b1.shape == (4, 3), ("b1", b1.dtype, b1.shape))
check(b1.reshape(-1).tolist() == [True, False, False, True, True, True, False, False, True, False, True, True], ("b1 values", b1))

i8 = np.load(d + "/i8.npy")
check(i8.dtype == np.int64 and i8.shape == (5,), ("i8", i8.dtype, i8.shape))
check(i8.tolist() == [-2**63, -1, 0, 7, 2**63 - 1], ("i8 values", i8))
u8 = np.load(d + "/u8.npy")
check(u8.dtype == np.uint64 and u8.shape == (2, 2), ("u8", u8.dtype, u8.shape))
check(u8.reshape(-1).tolist() == [0, 1, 2**63, 2**64 - 1], ("u8 values", u8))

e = np.load(d + "/empty.npy")
check(e.dtype == np.float32 and e.shape == (0, 3, 2), ("empty", e.dtype, e.shape))
s = np.load(d + "/scalar.npy")
check(s.shape == () and float(s) == 6.5, ("scalar", s))

# memory mapping relies on the header length and alignment being right
mm = np.load(d + "/f8.npy", mmap_mode="r")
check(mm.offset == 128, ("mmap offset", mm.offset))
check(float(mm[1, 2, 3]) == 23 * 0.5 - 3, "mmap value")

with np.load(d + "/all.npz") as z:
    check(sorted(z.files) == ["b1", "f8", "meta.json", "times", "u8"], ("npz files", z.files))
    check(z["f8"].view(np.uint64).reshape(-1)[6] == 0x7FF8000000000123, "npz f8")
    check(np.array_equal(z["b1"], b1), "npz b1")
    t = z["times"]
    check(t.shape == (1000,) and t.dtype == np.float64, ("npz times", t.shape))
    check(np.array_equal(t, np.arange(1000) * 0.01), "npz times values")
    check(z["u8"].tolist() == [3, 4] and z["u8"].dtype == np.uint64, "npz u8")
    check(z["meta.json"] == b'{"n": 2}', ("npz meta", z["meta.json"]))
for name in ("all.npz", "z64.npz"):
    with zipfile.ZipFile(d + "/" + name) as zf:
        check(zf.testzip() is None, name + ": CRC check")

with zipfile.ZipFile(d + "/z64.npz") as zf:
    infos = {i.filename: i for i in zf.infolist()}
    check(list(infos) == ["note.txt", "values.npy", "mask.npy", "big.npy"], ("z64 names", list(infos)))
    check(zf.read("note.txt") == b"0123456789", "z64 note")
    check(infos["big.npy"].header_offset > 100, "z64 offset")
with np.load(d + "/z64.npz") as z:
    check(np.array_equal(z["values"], np.arange(6.0).reshape(2, 3)), "z64 values")
    check(z["mask"].tolist() == [True, False, True, False, True, False], "z64 mask")
    big = z["big"]
    check(big.shape == (1000, 100) and big.sum() == 99999 * 100000 / 2, ("z64 big", big.shape))
print("numpy read every file")
)PY");
}

TEST_CASE("odesynth reads npy and npz files written by numpy", "[npy][npz][python]") {
  temp_folder dir;
  run_python_checks(dir, R"PY(
import sys
import numpy as np
from numpy.lib import format as fmt
d = sys.argv[1]
a = (np.arange(12, dtype=np.float64) * 1.5 - 4).reshape(3, 4)
a[1, 1] = np.nan
for version in ((1, 0), (2, 0), (3, 0)):
    with open(d + "/v%d.npy" % version[0], "wb") as f:
        fmt.write_array(f, a, version=version)
np.save(d + "/f4.npy", np.array([[0.5, -2.25]], dtype=np.float32))
np.save(d + "/b1.npy", np.array([True, False, True]))
np.save(d + "/i8.npy", np.array([-2**63, 5], dtype=np.int64))
np.save(d + "/u8.npy", np.array([2**64 - 1], dtype=np.uint64))
np.save(d + "/empty.npy", np.zeros((0, 5)))
np.save(d + "/scalar.npy", np.float64(2.5))
np.save(d + "/fortran.npy", np.asfortranarray(np.ones((2, 3))))
np.save(d + "/complex.npy", np.ones(2, dtype=np.complex128))
np.savez(d + "/saved.npz", values=a, mask=np.array([[True, False]]))
)PY");
  for (int version = 1; version <= 3; ++version) {
    INFO("version " << version);
    const auto a = odesynth::read_npy(dir.path / ("v" + std::to_string(version) + ".npy"));
    CHECK(a.dtype == npy_dtype::float64);
    CHECK(a.shape == std::vector<std::size_t>{3, 4});
    REQUIRE(a.values.size() == 12);
    for (std::size_t i = 0; i < 12; ++i) {
      if (i == 5)
        CHECK(std::isnan(a.values[i]));
      else
        CHECK(a.values[i] == static_cast<double>(i) * 1.5 - 4);
    }
  }
  const auto f4 = odesynth::read_npy(dir.path / "f4.npy");
  CHECK(f4.dtype == npy_dtype::float32);
  CHECK(f4.shape == std::vector<std::size_t>{1, 2});
  CHECK(f4.values == std::vector<double>{0.5, -2.25});
  CHECK(odesynth::read_npy(dir.path / "b1.npy").booleans == std::vector<std::uint8_t>{1, 0, 1});
  CHECK(odesynth::read_npy(dir.path / "i8.npy").int64s ==
        std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), 5});
  CHECK(odesynth::read_npy(dir.path / "u8.npy").uint64s ==
        std::vector<std::uint64_t>{std::numeric_limits<std::uint64_t>::max()});
  CHECK(odesynth::read_npy(dir.path / "empty.npy").shape == std::vector<std::size_t>{0, 5});
  const auto s = odesynth::read_npy(dir.path / "scalar.npy");
  CHECK(s.shape.empty());
  CHECK(s.values == std::vector<double>{2.5});
  CHECK_THROWS_WITH(odesynth::read_npy(dir.path / "fortran.npy"), Contains("fortran_order True"));
  CHECK_THROWS_WITH(odesynth::read_npy(dir.path / "complex.npy"),
                    Contains("'<c16' is not supported"));

  odesynth::npz_reader r(dir.path / "saved.npz");
  auto names = r.names();
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"mask.npy", "values.npy"});
  const auto v = r.read_array("values.npy");
  CHECK(v.shape == std::vector<std::size_t>{3, 4});
  CHECK(v.values[11] == 11 * 1.5 - 4);
  CHECK(r.read_array("mask.npy").booleans == std::vector<std::uint8_t>{1, 0});
}
