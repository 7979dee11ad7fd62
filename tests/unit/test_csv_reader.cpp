// Reading CSV into trajectories: exact round trips, model checks, the long layout, and a
// located parse_error for every kind of malformed input the reader documents as rejected.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <odesynth/io/csv.hpp>
#include <odesynth/io/csv_reader.hpp>
#include <odesynth/model.hpp>
#include <odesynth/solve.hpp>
#include <odesynth/time_grid.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "temp_folder.hpp"
#include "test_models.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using odesynth::csv_read_options;

namespace {

constexpr const char* source = "mem/data.csv";

using test_support::temp_folder;

odesynth::trajectory wide(const std::string& text, const csv_read_options& options = {}) {
  std::istringstream in(text);
  return odesynth::read_wide_csv(in, source, options);
}

odesynth::trajectory wide(const std::string& text,
                          std::shared_ptr<const odesynth::model_description> model,
                          const csv_read_options& options = {}) {
  std::istringstream in(text);
  return odesynth::read_wide_csv(in, source, std::move(model), options);
}

std::vector<odesynth::trajectory> long_layout(const std::string& text,
                                              const csv_read_options& options = {}) {
  std::istringstream in(text);
  return odesynth::read_long_csv(in, source, options);
}

std::vector<odesynth::trajectory> long_layout(
    const std::string& text, std::shared_ptr<const odesynth::model_description> model) {
  std::istringstream in(text);
  return odesynth::read_long_csv(in, source, std::move(model));
}

std::shared_ptr<const odesynth::model_description> abc_model() {
  return std::make_shared<const odesynth::model_description>(
      "abc", std::vector<std::string>{"a", "b", "c"}, std::vector<std::string>{"k"});
}

struct failure {
  bool thrown = false;
  std::string path;
  std::size_t line = 0;
  std::size_t column = 0;
  std::string what;
};

template <class F>
failure parse_failure(F&& read) {
  failure f;
  try {
    read();
  } catch (const odesynth::parse_error& e) {
    f = {true, e.path(), e.line(), e.column(), e.what()};
  }
  return f;
}

// The error every rejected input must produce: path, line and column in the object and at
// the start of the message, plus a fragment of the explanation.
void check_failure(const failure& f, std::size_t line, std::size_t column,
                   const std::string& fragment) {
  REQUIRE(f.thrown);
  CHECK(f.path == source);
  CHECK(f.line == line);
  CHECK(f.column == column);
  CHECK_THAT(f.what, Contains(fmt::format("{}:{}:{}: ", source, line, column)));
  CHECK_THAT(f.what, Contains(fragment));
}

void wide_fails(const std::string& text, std::size_t line, std::size_t column,
                const std::string& fragment, const csv_read_options& options = {}) {
  INFO("input: " << text);
  check_failure(parse_failure([&] { wide(text, options); }), line, column, fragment);
}

void long_fails(const std::string& text, std::size_t line, std::size_t column,
                const std::string& fragment) {
  INFO("input: " << text);
  check_failure(parse_failure([&] { long_layout(text); }), line, column, fragment);
}

bool csv_same_bits(double a, double b) {
  std::uint64_t x = 0;
  std::uint64_t y = 0;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return x == y;
}

// Times, mask and every observed value identical bit for bit; names identical.
void check_identical(const odesynth::trajectory& read, const odesynth::trajectory& written) {
  REQUIRE(read.consistent());
  REQUIRE(read.num_times() == written.num_times());
  REQUIRE(read.num_species() == written.num_species());
  CHECK(read.species() == written.species());
  std::size_t mismatches = 0;
  for (Eigen::Index i = 0; i < read.num_times(); ++i) {
    if (!csv_same_bits(read.times()[i], written.times()[i])) ++mismatches;
    for (Eigen::Index j = 0; j < read.num_species(); ++j) {
      if (read.mask()(i, j) != written.mask()(i, j)) ++mismatches;
      if (written.mask()(i, j) && !csv_same_bits(read.values()(i, j), written.values()(i, j)))
        ++mismatches;
    }
  }
  CHECK(mismatches == 0);
}

}  // namespace

TEST_CASE("read_wide_csv reads back a solved trajectory with gaps bit for bit", "[csv_reader]") {
  auto tr = odesynth::solve(test_models::lotka_volterra{}, {1.5, 1.0, 3.0, 1.0}, {10.0, 5.0},
                            odesynth::time_grid::linspace(0, 7, 71));
  REQUIRE(tr.ok());
  tr.set_missing(0, 1);
  tr.set_missing(13, 0);
  tr.set_missing(13, 1);
  tr.set_missing(70, 0);
  REQUIRE(tr.consistent());

  const auto back = wide(odesynth::to_csv(tr));
  check_identical(back, tr);
  CHECK_FALSE(back.mask()(13, 0));
  CHECK(std::isnan(back.values()(13, 1)));
  CHECK(back.model() == nullptr);

  // Through a file, with the model: same numbers, and the result now names its model.
  temp_folder dir;
  const fs::path file = dir.path / "lv.csv";
  odesynth::write_csv(file, tr);
  const auto with_model = odesynth::read_wide_csv(file, tr.model_ptr());
  check_identical(with_model, tr);
  REQUIRE(with_model.model() != nullptr);
  CHECK(with_model.model()->name() == "lotka_volterra");
}

TEST_CASE("read_wide_csv reads back extreme doubles bit for bit", "[csv_reader]") {
  const double values[] = {0.1 + 0.2,
                           -0.0,
                           5e-324,
                           2.2250738585072014e-308,
                           std::numeric_limits<double>::max(),
                           -std::numeric_limits<double>::max(),
                           6.02214076e23,
                           1.0 / 3.0,
                           -123456789.0,
                           9007199254740993.0};
  const auto count = static_cast<Eigen::Index>(std::size(values));
  auto names = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"x"});
  odesynth::trajectory tr(Eigen::VectorXd::LinSpaced(count, -1e-300, 1e300), names);
  for (Eigen::Index i = 0; i < count; ++i) {
    tr.values()(i, 0) = values[i];
    tr.mask()(i, 0) = true;
  }
  tr.set_missing(3, 0);
  check_identical(wide(odesynth::to_csv(tr)), tr);
}

TEST_CASE("read_wide_csv with a model puts species in model order and absent ones missing",
          "[csv_reader]") {
  const auto tr = wide("c,time,a\n3,0,1\nnan,1,2\n", abc_model());
  REQUIRE(tr.consistent());
  CHECK(tr.species() == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(tr.model() != nullptr);
  CHECK(tr.model()->name() == "abc");
  REQUIRE(tr.num_times() == 2);
  CHECK(tr.times()[0] == 0.0);
  CHECK(tr.times()[1] == 1.0);
  CHECK(tr.values()(0, 0) == 1.0);
  CHECK(tr.values()(1, 0) == 2.0);
  CHECK(tr.values()(0, 2) == 3.0);
  CHECK_FALSE(tr.mask()(1, 2));
  // b is not in the file: missing everywhere.
  CHECK_FALSE(tr.mask().col(1).any());
  CHECK(tr.values().col(1).array().isNaN().all());
}

TEST_CASE("read_wide_csv with a model rejects a column that is not a species", "[csv_reader]") {
  try {
    wide("time,a,zeta\n0,1,2\n", abc_model());
    FAIL("no exception");
  } catch (const odesynth::invalid_argument& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Contains("mem/data.csv:1:8"));
    CHECK_THAT(what, Contains("\"zeta\""));
    CHECK_THAT(what, Contains("column 3"));
    CHECK_THAT(what, Contains("model abc: a, b, c"));
    CHECK(e.value() == "\"zeta\"");
  }
  CHECK_THROWS_AS(wide("time,a\n0,1\n", nullptr), odesynth::invalid_argument);
}

TEST_CASE("read_wide_csv without a model keeps the columns in file order", "[csv_reader]") {
  const auto tr = wide("z,time,a\n1,0.5,2\n3,1.5,4\n");
  REQUIRE(tr.consistent());
  CHECK(tr.species() == std::vector<std::string>{"z", "a"});
  CHECK(tr.model() == nullptr);
  CHECK(tr.times()[0] == 0.5);
  CHECK(tr.times()[1] == 1.5);
  CHECK(tr.values()(0, 0) == 1.0);
  CHECK(tr.values()(0, 1) == 2.0);
  CHECK(tr.values()(1, 0) == 3.0);
  CHECK(tr.values()(1, 1) == 4.0);
  CHECK(tr.mask().all());
}

TEST_CASE("read_wide_csv accepts BOM and CRLF and a last line without newline", "[csv_reader]") {
  const auto tr = wide("\xEF\xBB\xBFtime,a\r\n0,1\r\n1,2");
  CHECK(tr.species() == std::vector<std::string>{"a"});
  REQUIRE(tr.num_times() == 2);
  CHECK(tr.values()(1, 0) == 2.0);
  // Columns count from after the byte order mark.
  wide_fails("\xEF\xBB\xBFtime,,b\n", 1, 6, "column 2 of the header has no name");
  // Trailing blank lines (empty, spaces, CRLF) are fine.
  const auto trailing = wide("time,a\n0,1\n\n  \r\n\t\n");
  CHECK(trailing.num_times() == 1);
}

TEST_CASE("read_wide_csv accepts quoted cells and trims spaces", "[csv_reader]") {
  const auto tr = wide("\"time\",\"a,b\", \"say \"\"hi\"\"\" ,  c\n 0 ,\"1.5\",\"\", +2\n");
  CHECK(tr.species() == std::vector<std::string>{"a,b", "say \"hi\"", "c"});
  REQUIRE(tr.num_times() == 1);
  CHECK(tr.times()[0] == 0.0);
  CHECK(tr.values()(0, 0) == 1.5);
  CHECK_FALSE(tr.mask()(0, 1));  // "" is the empty cell: missing
  CHECK(tr.values()(0, 2) == 2.0);
  // A quoted name keeps its inner spaces.
  CHECK(wide("time,\" x \"\n").species() == std::vector<std::string>{" x "});
}

TEST_CASE("read_wide_csv reads every default missing token as missing", "[csv_reader]") {
  const auto tr = wide("time,a,b,c,d,e,f,g\n0,,nan,NaN,NAN,NA,N/A,-nan\n1,1,2,3,4,5,6,7\n");
  REQUIRE(tr.consistent());
  CHECK_FALSE(tr.mask().row(0).any());
  CHECK(tr.mask().row(1).all());
}

TEST_CASE("read_wide_csv missing tokens can be sentinels and can be narrowed", "[csv_reader]") {
  csv_read_options sentinel;
  sentinel.missing_tokens = {"-999", ""};
  const auto tr = wide("time,a\n0,-999\n1,-999.5\n2,\n", sentinel);
  CHECK_FALSE(tr.mask()(0, 0));
  CHECK(tr.values()(1, 0) == -999.5);
  CHECK_FALSE(tr.mask()(2, 0));
  // "nan" is no longer missing, and NaN is never a value.
  wide_fails("time,a\n0,nan\n", 2, 3, "cell \"nan\" in column \"a\" is not a number", sentinel);
}

TEST_CASE("read_wide_csv accepts infinities only when asked", "[csv_reader]") {
  const std::string text = "time,a,b,c\n0,inf,-inf,Infinity\n";
  wide_fails(text, 2, 3, "set csv_read_options::allow_infinity = true");
  csv_read_options options;
  options.allow_infinity = true;
  const auto tr = wide(text, options);
  CHECK(tr.values()(0, 0) == std::numeric_limits<double>::infinity());
  CHECK(tr.values()(0, 1) == -std::numeric_limits<double>::infinity());
  CHECK(tr.values()(0, 2) == std::numeric_limits<double>::infinity());
  CHECK(tr.mask().all());
  // Never for times.
  wide_fails("time,a\ninf,1\n", 2, 1, "time \"inf\" is not finite", options);
}

TEST_CASE("read_wide_csv skips comment lines and accepts other delimiters", "[csv_reader]") {
  csv_read_options options;
  options.comment_prefix = "#";
  options.delimiter = ';';
  const auto tr = wide("# measured 2024\ntime;a\n#calibration\n0;1.25\n1;2\n# end\n", options);
  REQUIRE(tr.num_times() == 2);
  CHECK(tr.values()(0, 0) == 1.25);
  // A decimal comma is not a number.
  wide_fails("time;a\n0;1,5\n", 2, 3, "cell \"1,5\" in column \"a\" is not a number", options);
  csv_read_options tabs;
  tabs.delimiter = '\t';
  const auto tsv = wide("time\ta\tb\n0\t\t2\n", tabs);
  CHECK_FALSE(tsv.mask()(0, 0));
  CHECK(tsv.values()(0, 1) == 2.0);
}

TEST_CASE("read_wide_csv reads a header without rows as zero times", "[csv_reader]") {
  const auto tr = wide("time,a,b\n");
  CHECK(tr.num_times() == 0);
  CHECK(tr.num_species() == 2);
  CHECK(tr.consistent());
  const auto with_model = wide("time,a", abc_model());
  CHECK(with_model.num_times() == 0);
  CHECK(with_model.num_species() == 3);
  const auto time_only = wide("time\n0\n1\n");
  CHECK(time_only.num_times() == 2);
  CHECK(time_only.num_species() == 0);
}

TEST_CASE("read_wide_csv rejects bad headers with their place", "[csv_reader]") {
  wide_fails("", 1, 1, "empty file");
  wide_fails("\xEF\xBB\xBF", 1, 1, "empty file");
  csv_read_options comments;
  comments.comment_prefix = "#";
  wide_fails("# only\n# comments\n", 3, 1, "empty file", comments);
  wide_fails("\ntime,a\n0,1\n", 1, 1, "blank line where the header");
  wide_fails("t,a\n0,1\n", 1, 1, "no time column \"time\" in the header \"t,a\"");
  wide_fails("time,a,b,a\n", 1, 10,
             "column name \"a\" appears twice in the header (columns 2 and 4)");
  wide_fails("time,a,,b\n", 1, 8, "column 3 of the header has no name");
  wide_fails("time,a,\n", 1, 8, "column 3 of the header has no name");
  wide_fails("time,\"a\nb\"\n", 1, 6, "cells spanning lines are not supported");
  wide_fails("time,\"a\"b\n", 1, 9, "text after the closing quote");
  wide_fails("time,a\"b\"\n", 1, 7, "quote inside the unquoted cell");
}

TEST_CASE("read_wide_csv rejects ragged rows", "[csv_reader]") {
  wide_fails("time,a,b\n0,1,2\n1,2,3,4\n", 3, 7, "row has 4 cells but the header has 3 columns");
  wide_fails("time,a,b\n0,1,2\n1,2\n", 3, 4, "row has 2 cells but the header has 3 columns");
  wide_fails("time,a,b\n0,1,2,\n", 2, 7, "row has 4 cells");
}

TEST_CASE("read_wide_csv rejects cells that are not numbers and quotes them", "[csv_reader]") {
  wide_fails("time,a\n0,abc\n", 2, 3, "cell \"abc\" in column \"a\" is not a number");
  wide_fails("time,a\n0,1.5x\n", 2, 3, "\"1.5x\"");
  wide_fails("time,a\n0,0x1p3\n", 2, 3, "\"0x1p3\"");
  wide_fails("time,a\n0,1e\n", 2, 3, "\"1e\"");
  wide_fails("time,a\n0,++1\n", 2, 3, "\"++1\"");
  wide_fails("time,a\n0,nan(1)\n", 2, 3, "\"nan(1)\"");
  wide_fails("time,a\n0,1e400\n", 2, 3, "beyond the range of double");
  wide_fails("time,a\n0,1e-400\n", 2, 3, "beyond the range of double");
  wide_fails("time,a\n0,1,\n", 2, 5, "row has 3 cells");
  // A long cell is cut to 40 bytes in the message, control bytes are spelled out.
  const std::string long_cell(100, 'q');
  const failure f = parse_failure([&] { wide("time,a\n0," + long_cell + "\n"); });
  check_failure(f, 2, 3, "\"" + std::string(40, 'q') + "\"...");
  CHECK_THAT(f.what, !Contains(std::string(41, 'q')));
  wide_fails("time,a\n0,x\ty\n", 2, 3, "\"x\\x09y\"");
}

TEST_CASE("read_wide_csv rejects bad times naming lines and values", "[csv_reader]") {
  wide_fails("time,a\n0,1\n0.5,2\n0.25,3\n", 4, 1,
             "time 0.25 is not greater than the time 0.5 on line 3");
  wide_fails("time,a\n0,1\n0,2\n", 3, 1, "time 0 is not greater than the time 0 on line 2");
  wide_fails("a,time\n1,0\n2,nan\n", 3, 3, "time is missing (cell \"nan\")");
  wide_fails("time,a\n,1\n", 2, 1, "time is missing");
  wide_fails("time,a\n-inf,1\n", 2, 1, "time \"-inf\" is not finite");
  wide_fails("time,a\nsoon,1\n", 2, 1, "time \"soon\" is not a number");
  wide_fails("time,a\n1e999,1\n", 2, 1, "time \"1e999\" is beyond the range of double");
}

TEST_CASE("read_wide_csv rejects blank lines inside the data", "[csv_reader]") {
  wide_fails("time,a\n0,1\n\n1,2\n", 3, 1, "blank line followed by more data on line 4");
  wide_fails("time,a\n0,1\n  \r\n1,2\n", 3, 1, "blank line followed by more data");
  csv_read_options comments;
  comments.comment_prefix = "#";
  wide_fails("time,a\n0,1\n\n# later\n1,2\n", 3, 1, "line 5", comments);
}

TEST_CASE("read_wide_csv rejects NUL bytes and stray carriage returns", "[csv_reader]") {
  wide_fails(std::string("time,a\n0,1\0\n", 12), 2, 4, "NUL byte");
  wide_fails(std::string("time,a\n\0", 8), 2, 1, "NUL byte");
  wide_fails("time,a\r0,1\r", 1, 7, "carriage return inside a line");
  wide_fails("time,a\n0,1\r\r\n", 2, 4, "carriage return inside a line");
}

TEST_CASE("read_wide_csv reads a 1 MB line and refuses lines above the limit", "[csv_reader]") {
  // 100000 species: a header of about 0.7 MB and a row of about 1.8 MB.
  const std::size_t n = 100000;
  std::string header = "time";
  std::string row = "0";
  for (std::size_t j = 0; j < n; ++j) {
    header += fmt::format(",s{}", j);
    row += fmt::format(",{}", static_cast<double>(j) / 7);
  }
  REQUIRE(row.size() > (std::size_t{1} << 20));
  const std::string second_row = "1" + row.substr(1);
  const auto tr = wide(header + "\n" + row + "\n" + second_row + "\n");
  REQUIRE(tr.num_species() == static_cast<Eigen::Index>(n));
  REQUIRE(tr.num_times() == 2);
  CHECK(tr.values()(1, n - 1) == static_cast<double>(n - 1) / 7);
  CHECK(tr.species()[n - 1] == fmt::format("s{}", n - 1));
  CHECK(tr.mask().all());

  csv_read_options small;
  small.max_line_length = 1000;
  const std::string ok_line = "time,a\n0,0." + std::string(996, '1') + "\n";
  CHECK(wide(ok_line, small).num_times() == 1);  // exactly 1000 bytes
  CHECK(wide("time,a\r\n0,0." + std::string(996, '1') + "\r\n", small).num_times() == 1);
  wide_fails("time,a\n0," + std::string(999, '1') + "\n", 2, 1001, "longer than 1000 bytes", small);
  // Unterminated and far longer than one read block: fails without reading it all in.
  wide_fails("time,a\n0," + std::string(300000, '1'), 2, 1001, "max_line_length", small);
}

TEST_CASE("read_wide_csv names the path of a file it cannot open or parse", "[csv_reader]") {
  temp_folder dir;
  const fs::path missing = dir.path / "nope.csv";
  try {
    odesynth::read_wide_csv(missing);
    FAIL("no exception");
  } catch (const odesynth::parse_error&) {
    FAIL("a missing file is not a parse error");
  } catch (const odesynth::io_error& e) {
    CHECK(e.path() == missing.string());
    CHECK_THAT(e.what(), Contains(missing.string()));
    CHECK_THAT(e.what(), Contains("No such file or directory"));
  }
  CHECK_THROWS_AS(odesynth::read_long_csv(missing), odesynth::io_error);
  CHECK_THROWS_WITH(odesynth::read_wide_csv(dir.path), Contains("is a folder"));

  const fs::path bad = dir.write("bad.csv", "time,a\n0,1\n1,x\n");
  try {
    odesynth::read_wide_csv(bad);
    FAIL("no exception");
  } catch (const odesynth::parse_error& e) {
    CHECK(e.path() == bad.string());
    CHECK(e.line() == 3);
    CHECK(e.column() == 3);
    CHECK_THAT(e.what(), Contains(bad.string() + ":3:3: "));
  }
}

TEST_CASE("read_wide_csv refuses a stream in a failed state", "[csv_reader]") {
  std::istringstream in("time,a\n");
  in.setstate(std::ios::failbit);
  CHECK_THROWS_AS(odesynth::read_wide_csv(in, "broken"), odesynth::io_error);
  std::istringstream unnamed("time,a\n0,x\n");
  CHECK_THROWS_WITH(odesynth::read_wide_csv(unnamed, ""), Contains("<stream>:2:3: "));
}

TEST_CASE("csv_read_options are validated naming the field", "[csv_reader]") {
  const auto rejects = [](const csv_read_options& o, const std::string& field) {
    try {
      wide("time\n", o);
      FAIL("no exception");
    } catch (const odesynth::invalid_argument& e) {
      CHECK(e.field() == field);
    }
  };
  csv_read_options o;
  o.delimiter = '"';
  rejects(o, "csv_read_options.delimiter");
  o.delimiter = '.';
  rejects(o, "csv_read_options.delimiter");
  o = {};
  o.max_line_length = 0;
  rejects(o, "csv_read_options.max_line_length");
  o = {};
  o.time_column = "";
  rejects(o, "csv_read_options.time_column");
  o = {};
  o.species_column = "time";
  rejects(o, "csv_read_options.species_column");
  o = {};
  o.missing_tokens = {"NA", " x"};
  rejects(o, "csv_read_options.missing_tokens[1]");
  o.missing_tokens = {"a,b"};
  rejects(o, "csv_read_options.missing_tokens[0]");
}

TEST_CASE("read_long_csv groups by id and sorts times and fills gaps", "[csv_reader]") {
  const auto trs = long_layout(
      "species,value,time,trajectory\n"
      "x,1,2,B\n"
      "y,2,0,A\n"
      "x,3,1,A\n"
      "x,4,0,B\n"
      "x,5,0,A\n"
      "z,nan,2,A\n");
  REQUIRE(trs.size() == 2);
  const auto& b = trs[0];  // B appears first
  const auto& a = trs[1];
  for (const auto* tr : {&a, &b}) {
    CHECK(tr->consistent());
    CHECK(tr->species() == std::vector<std::string>{"x", "y", "z"});
  }
  CHECK(a.species_ptr() == b.species_ptr());  // one shared name list
  REQUIRE(a.num_times() == 3);
  CHECK(a.times() == Eigen::Vector3d(0, 1, 2));
  CHECK(a.values()(0, 0) == 5.0);
  CHECK(a.values()(0, 1) == 2.0);
  CHECK(a.values()(1, 0) == 3.0);
  CHECK_FALSE(a.mask()(1, 1));
  CHECK_FALSE(a.mask()(2, 0));
  CHECK_FALSE(a.mask()(2, 2));  // an explicit nan row is a missing value too
  CHECK_FALSE(a.mask().col(2).any());
  REQUIRE(b.num_times() == 2);
  CHECK(b.times() == Eigen::Vector2d(0, 2));
  CHECK(b.values()(0, 0) == 4.0);
  CHECK(b.values()(1, 0) == 1.0);
  CHECK_FALSE(b.mask().col(1).any());
  CHECK_FALSE(b.mask().col(2).any());

  CHECK(long_layout("trajectory,time,species,value\n").empty());
}

TEST_CASE("read_long_csv with a model uses model order and rejects unknown species",
          "[csv_reader]") {
  const auto trs = long_layout("trajectory,time,species,value\n1,0,c,3\n1,0,a,1\n", abc_model());
  REQUIRE(trs.size() == 1);
  CHECK(trs[0].species() == std::vector<std::string>{"a", "b", "c"});
  CHECK(trs[0].model() != nullptr);
  CHECK(trs[0].values()(0, 0) == 1.0);
  CHECK_FALSE(trs[0].mask()(0, 1));
  CHECK(trs[0].values()(0, 2) == 3.0);
  temp_folder dir;
  const fs::path file =
      dir.write("long.csv", "time,value,species,trajectory\n0,2,b,r1\n0,1,b,r2\n");
  const auto from_file = odesynth::read_long_csv(file, abc_model());
  REQUIRE(from_file.size() == 2);
  CHECK(from_file[1].values()(0, 1) == 1.0);
  CHECK(odesynth::read_long_csv(file).at(0).species() == std::vector<std::string>{"b"});
  CHECK_THROWS_WITH(
      long_layout("trajectory,time,species,value\n1,0,a,1\n1,1,q,2\n", abc_model()),
      Contains("mem/data.csv:3:5: species = \"q\"") && Contains("model abc: a, b, c"));
}

TEST_CASE("read_long_csv rejects duplicates naming both lines", "[csv_reader]") {
  long_fails(
      "trajectory,time,species,value\n"
      "A,0,x,1\n"
      "A,1,x,2\n"
      "B,1,x,3\n"
      "A,1.0,x,4\n",
      5, 1, "duplicate row: trajectory \"A\", time 1, species \"x\" is also on line 3");
}

TEST_CASE("read_long_csv rejects bad headers and cells", "[csv_reader]") {
  long_fails("trajectory,time,value\n", 1, 1,
             "no \"species\" column in the header \"trajectory,time,value\"");
  long_fails("trajectory,time,species,value,unit\n", 1, 31, "unexpected column \"unit\"");
  long_fails("", 1, 1, "empty file: expected a header line (trajectory,time,species,value)");
  long_fails("trajectory,time,species,value\n,0,x,1\n", 2, 1, "empty trajectory id");
  long_fails("trajectory,time,species,value\nA,0, ,1\n", 2, 5, "empty species name");
  long_fails("trajectory,time,species,value\nA,0,time,1\n", 2, 5, "name of the time column");
  long_fails("trajectory,time,species,value\nA,NA,x,1\n", 2, 3, "time is missing");
  long_fails("trajectory,time,species,value\nA,0,x,one\n", 2, 7,
             "cell \"one\" in column \"value\" is not a number");
  long_fails("trajectory,time,species,value\nA,0,x\n", 2, 6, "row has 3 cells");
}

TEST_CASE("csv reading gives the same result whatever the size of the reads", "[csv_reader]") {
  // Line ends, CRLF pairs and the byte order mark fall at every place relative to the
  // buffer's refills when the first read is 1 to 8 bytes (then doubling).
  const std::string text = "\xEF\xBB\xBFtime,\"a,1\",b\r\n0,1,2\r\n0.5,,3e-5\r\n1,0." +
                           std::string(5000, '1') + ",-4\r\n\r\n";
  const csv_read_options options;
  std::istringstream reference_in(text);
  const auto reference = odesynth::read_wide_csv(reference_in, source, options);
  REQUIRE(reference.num_times() == 3);
  CHECK(reference.species() == std::vector<std::string>{"a,1", "b"});
  CHECK(reference.values()(2, 0) == 1.0 / 9);
  for (std::size_t first = 1; first <= 8; ++first) {
    INFO("first read " << first);
    std::istringstream in(text);
    check_identical(odesynth::detail::csv_in::read_wide(in, source, nullptr, options, first),
                    reference);
  }
}
