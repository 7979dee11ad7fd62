// Hostile files and metadata (issue 12, items 13-18): input built to be slow to parse, values
// that do not fit where they go, destinations that are not what they seem, and what a killed
// writer leaves behind. Each TEST_CASE failed before its fix; the catalogue at the end pins
// the message of every refusal.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <odesynth/dataset.hpp>
#include <odesynth/detail/json.hpp>
#include <odesynth/io/csv.hpp>
#include <odesynth/io/npy.hpp>
#include <odesynth/io/npz.hpp>
#include <odesynth/provenance.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "expect_error.hpp"
#include "files.hpp"
#include "temp_folder.hpp"
#include "test_models.hpp"

namespace fs = std::filesystem;
namespace dist = odesynth::dist;
namespace models = test_models;
using odesynth::generator_options;
using odesynth::time_grid;
using odesynth::detail::json;
using test_support::expect_error;

namespace {

using test_support::read_file;
using test_support::temp_folder;
using test_support::write_file;

// `{"key<k>": <i>, ...}` with n distinct keys in a shuffled order (k = 7919 i mod n, a
// permutation when n has no factor 7919: sorted input must not be what makes the check fast),
// optionally with `extra` appended as the last member.
std::string object_with_keys(std::size_t n, std::string_view extra = {}) {
  std::string text = "{";
  for (std::size_t i = 0; i < n; ++i)
    text += fmt::format("{}\"key{}\": {}", i ? ", " : "", (i * 7919) % n, i);
  if (!extra.empty()) text += fmt::format("{}{}", n ? ", " : "", extra);
  text += "}";
  return text;
}

odesynth::sampler hostile_lv_sampler() {
  odesynth::sampler s(models::lotka_volterra{});
  s.parameter("alpha", dist::uniform{1.0, 2.0})
      .parameter("beta", dist::normal{1.0, 0.1}, odesynth::value_constraint::positive)
      .parameter("gamma", 3.0)
      .parameter("delta", 1.0)
      .initial_value("prey", dist::uniform{5, 15})
      .initial_value("predator", 4.0);
  return s;
}

auto hostile_files_lv_generator(odesynth::time_grid_spec grid = time_grid::linspace(0, 5, 11)) {
  generator_options o;
  o.seed = 11;
  o.threads = 1;
  o.on_failure = odesynth::failure_policy::resample;
  return odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{},
                                  hostile_lv_sampler(), std::move(grid), odesynth::pipeline<>{}, o);
}

// The metadata.json text of hostile_files_lv_generator(grid) for [0, 10).
std::string lv_metadata(odesynth::time_grid_spec grid = time_grid::linspace(0, 5, 11)) {
  return odesynth::dataset_metadata(hostile_files_lv_generator(std::move(grid)), 0, 10,
                                    odesynth::generation_report{});
}

// `text` with its only occurrence of `from` replaced by `to`.
std::string doctored(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(from, at + 1) == std::string::npos);
  return text.replace(at, from.size(), to);
}

void rebuild(const std::string& metadata) {
  odesynth::dataset_metadata_info info;
  odesynth::generator_from_metadata(models::lotka_volterra{}, metadata, odesynth::pipeline<>{}, {},
                                    &info);
}

// The names in `folder`, sorted.
std::vector<std::string> names_in(const fs::path& folder) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(folder)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// What is at `path` (links not followed), in the words of the library's messages.
std::string entry_kind(const fs::path& path) {
  switch (fs::symlink_status(path).type()) {
    case fs::file_type::regular: return "a regular file";
    case fs::file_type::directory: return "a folder";
    case fs::file_type::symlink: return "a symbolic link";
    case fs::file_type::character: return "a character device";
    case fs::file_type::fifo: return "a FIFO";
    case fs::file_type::socket: return "a socket";
    case fs::file_type::not_found: return "nothing";
    default: return "something else";
  }
}

// A socket file at `path` (bound, then closed: the file stays).
bool make_socket(const fs::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.string().size() >= sizeof(address.sun_path)) return ::close(fd), false;
  std::strcpy(address.sun_path, path.c_str());
  const bool bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return bound;
}

// Dies at once, as a process killed by someone else: no destructor, no clean-up.
[[noreturn]] void die() {
  ::kill(::getpid(), SIGKILL);
  ::_exit(4);
}

// Runs `f` in a child process, which must die() in it (a writer killed mid-write); returns
// the child's pid, reaped (so no process has it any more).
template <class F>
long killed_child(F&& f) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      f();
    } catch (...) {
    }
    ::_exit(3);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGKILL);
  return static_cast<long>(child);
}

odesynth::trajectory hostile_files_small_trajectory() {
  return odesynth::solve(models::decay{}, {1.0}, {1.0}, time_grid::linspace(0, 1, 3));
}

}  // namespace

// Item 13. Checking each new key against every earlier key made parsing quadratic in the
// size of an object (100,000 keys: 8 s). The cost is pinned structurally, not timed (the
// project measures speed in benchmarks and never asserts it in a unit test): parse() reports
// how many key comparisons its duplicate check made, and 200,000 keys must need at most
// 4 n log2 n of them - a sort - where the old check made n (n - 1) / 2 = 2e10 (and took
// minutes, which would also exceed any test timeout).
TEST_CASE("json objects with 200000 keys are checked for duplicates in n log n comparisons",
          "[json][hostile]") {
  constexpr std::size_t n = 200000;
  json::parse_stats stats;
  const json doc = json::parse(object_with_keys(n), "big.json", &stats);
  REQUIRE(doc.as_object("big").size() == n);
  CHECK(doc.at("key0", "big").as_uint64("key0") == 0);
  CHECK(doc.as_object("big").back().first == fmt::format("key{}", ((n - 1) * 7919) % n));
  const double bound = 4.0 * static_cast<double>(n) * std::log2(static_cast<double>(n));
  INFO("key comparisons: " << stats.key_comparisons << ", bound " << bound);
  CHECK(static_cast<double>(stats.key_comparisons) <= bound);

  // Duplicates are still refused, at the first repeated key of the text, also when the two
  // spellings differ only by escapes.
  const std::string dup = object_with_keys(n, "\"key17\": 1");
  try {
    json::parse(dup, "big.json");
    FAIL("no parse_error for a duplicate key");
  } catch (const odesynth::parse_error& e) {
    CHECK(e.line() == 1);
    CHECK(e.column() == dup.size() - std::string_view("\"key17\": 1}").size() + 1);
    CHECK_THAT(e.what(), Catch::Contains("duplicate key \"key17\""));
  }
  try {
    json::parse(R"({"b": 1, "a": 2, "c": 3, "\u0061": 4, "b": 5})", "small.json");
    FAIL("no parse_error for a duplicate key");
  } catch (const odesynth::parse_error& e) {
    CHECK(e.column() == 26);
    CHECK_THAT(e.what(), Catch::Contains("duplicate key \"a\""));
  }
  // Nested objects have their own key sets.
  CHECK(json::parse(R"({"a": {"a": {"a": 1}}, "b": {"a": 2}})").is_object());
}

// Item 14. Integers were read as 64-bit values and cast to their destination: a max_attempts
// of 4294967297 became 1, a max_redraws of -4294967295 became 1, and values beyond 64 bits or
// of the wrong sign were a vague error without the value. Every integer field is now
// range-checked against its destination type, as a parse_error at the value's line and column
// naming the field and the value; domains (>= 1, finite, ...) stay with the validate() paths.
TEST_CASE("integers in metadata are range-checked against their destination type",
          "[provenance][hostile]") {
  const std::string good = lv_metadata();
  REQUIRE_NOTHROW(rebuild(good));
  struct bad_integer {
    const char* from;
    const char* to;
    const char* field;
  };
  for (const auto& c : {
           bad_integer{"\"max_attempts\": 5", "\"max_attempts\": 4294967297",
                       "generation.max_attempts"},
           bad_integer{"\"max_attempts\": 5", "\"max_attempts\": -4294967291",
                       "generation.max_attempts"},
           bad_integer{"\"max_redraws\": 1000", "\"max_redraws\": 4294968296",
                       "sampler.max_redraws"},
           bad_integer{"\"max_steps\": 100000", "\"max_steps\": 9223372036854775808",
                       "solver.max_steps"},
           bad_integer{"\"grid_levels\": 5", "\"grid_levels\": 18446744073709551621",
                       "sampler.design.grid_levels"},
           bad_integer{"\"grid_levels\": 5", "\"grid_levels\": -5", "sampler.design.grid_levels"},
           bad_integer{"\"n\": 0", "\"n\": 1.5", "sampler.design.n"},
           bad_integer{"\"seed\": 11", "\"seed\": -1", "generation.seed"},
           bad_integer{"\"seed\": 11", "\"seed\": 18446744073709551627", "generation.seed"},
           bad_integer{"\"seed\": 11", "\"seed\": 1e3", "generation.seed"},
           bad_integer{"\"begin\": 0", "\"begin\": -7", "generation.begin"},
           bad_integer{"\"end\": 10", "\"end\": \"10\"", "generation.end"},
           bad_integer{"\"format_version\": 1", "\"format_version\": 4294967297", "format_version"},
       }) {
    const std::string metadata = doctored(good, c.from, c.to);
    const std::string value = std::string(c.to).substr(std::string_view(c.from).find(':') + 2);
    CAPTURE(c.to);
    try {
      rebuild(metadata);
      FAIL_CHECK("accepted " << c.to);
    } catch (const odesynth::parse_error& e) {
      CHECK(e.path() == "metadata.json");
      // The line and column of the value itself.
      const auto at = metadata.find(c.to) + std::string_view(c.from).find(':') + 2;
      const auto line_start = metadata.rfind('\n', at) + 1;
      CHECK(e.line() ==
            static_cast<std::size_t>(std::count(metadata.begin(), metadata.begin() + at, '\n')) +
                1);
      CHECK(e.column() == at - line_start + 1);
      CHECK_THAT(e.what(), Catch::Contains(c.field) && Catch::Contains(value));
    } catch (const std::exception& e) {
      FAIL_CHECK("not a parse_error: " << e.what());
    }
  }

  // A random_times grid: its count is a size_t.
  const std::string random_grid = lv_metadata(odesynth::random_times{8, 0.0, 5.0, true, 0.0});
  REQUIRE_NOTHROW(rebuild(random_grid));
  expect_error<odesynth::parse_error>(
      [&] { rebuild(doctored(random_grid, "\"count\": 8", "\"count\": 18446744073709551616")); },
      {"metadata.json:", "time_grid.count", "18446744073709551616"});

  // In range for the type but outside the domain: the usual validation names the option.
  expect_error([&] { rebuild(doctored(good, "\"max_attempts\": 5", "\"max_attempts\": 0")); },
               {"generator_options.max_attempts", "0"});
  expect_error([&] { rebuild(doctored(good, "\"max_redraws\": 1000", "\"max_redraws\": -3")); },
               {"sampler.max_redraws", "-3"});
  expect_error([&] { rebuild(doctored(good, "\"max_steps\": 100000", "\"max_steps\": 0")); },
               {"solve_options.max_steps", "0"});
  // Doubles that must be finite or in a domain go through the same validate() paths.
  expect_error([&] { rebuild(doctored(good, "\"rel_tol\": 1e-06", "\"rel_tol\": \"nan\"")); },
               {"solve_options.rel_tol", "nan"});
  expect_error([&] { rebuild(doctored(good, "\"sd\": 0.1", "\"sd\": -0.1")); }, {"sd", "-0.1"});
  expect_error([&] { rebuild(doctored(random_grid, "\"first\": 0,\n", "\"first\": 7,\n")); },
               {"random_times", "5"});
}

// Item 14, shard reports: a reused shard's report counts were summed unchecked, so a doctored
// count wrapped the dataset's totals around 2^64.
TEST_CASE("shard report counts are range-checked before they are summed",
          "[dataset][shards][hostile]") {
  temp_folder tmp;
  const auto g = hostile_files_lv_generator();
  odesynth::write_dataset_shards(g, 0, 20, tmp.path / "d", 10);
  const fs::path meta = tmp.path / "d" / "shard-000000000000-000000000010" / "metadata.json";
  write_file(meta,
             doctored(read_file(meta), "\"delivered\": 10", "\"delivered\": 18446744073709551615"));
  expect_error<odesynth::parse_error>(
      [&] { odesynth::write_dataset_shards(g, 0, 20, tmp.path / "d", 10); },
      {meta.string(), "report.delivered", "18446744073709551615", "[0, 10]"});
}

// Item 16. simbaml.subfolder was joined to the dataset folder as given: "../x" or an absolute
// path put the SimbaML files outside the dataset, where the atomic rename does not reach
// them (and a failed write left them behind). Only a single plain name is accepted now.
TEST_CASE("the SimbaML subfolder is a plain name inside the dataset", "[dataset][hostile]") {
  temp_folder tmp;
  const auto g = hostile_files_lv_generator();
  odesynth::dataset_options out;
  out.formats = {odesynth::dataset_format::simbaml_csv};
  for (const std::string& bad :
       {std::string("../escape"), (tmp.path / "absolute").string(), std::string("a/b"),
        std::string(".."), std::string("."), std::string("a\\b"), std::string("x/"),
        std::string("metadata.json"), std::string("parameters.csv"), std::string("nul\0x", 5)}) {
    CAPTURE(bad);
    out.simbaml.subfolder = bad;
    try {
      odesynth::write_dataset(g, 0, 3, tmp.path / "d", out);
      FAIL_CHECK("accepted");
    } catch (const odesynth::invalid_argument& e) {
      CHECK(e.field() == "dataset_options.simbaml.subfolder");
      CHECK(e.value() == bad);
    }
    // Nothing was written anywhere (before the fix, "../escape" and the absolute path were
    // created beside the dataset: still inside tmp.path, emptied for the next case).
    CHECK(fs::is_empty(tmp.path));
    for (const auto& e : fs::directory_iterator(tmp.path)) fs::remove_all(e.path());
  }
  // The sink alone checks its option too.
  odesynth::simbaml_csv_options options;
  options.subfolder = "../escape";
  CHECK_THROWS_AS(odesynth::simbaml_csv_sink(tmp.path, odesynth::dataset_layout{}, options),
                  odesynth::invalid_argument);
  CHECK(fs::is_empty(tmp.path));

  out.simbaml.subfolder = "csv";
  odesynth::write_dataset(g, 0, 3, tmp.path / "d", out);
  CHECK(fs::exists(tmp.path / "d" / "csv" / "lotka_volterra_2.csv"));
}

// Item 17. With overwrite = true a single-file writer renamed its temporary over whatever
// was at the path: a FIFO, a socket or a device node became a regular file, a symbolic link
// was replaced by a file, a folder failed only at the end. Only a regular file is replaced
// now; anything else is an io_error naming the path and what is there, checked when the
// writer is made and again just before the rename.
TEST_CASE("single-file writers replace only regular files", "[io][hostile]") {
  temp_folder tmp;
  const auto tr = hostile_files_small_trajectory();
  const double values[3] = {1, 2, 3};
  struct special {
    fs::path path;
    std::string kind;
  };
  std::vector<special> entries;
  REQUIRE(::mkfifo((tmp.path / "fifo").c_str(), 0644) == 0);
  entries.push_back({tmp.path / "fifo", "a FIFO"});
  write_file(tmp.path / "target", "keep");
  fs::create_symlink(tmp.path / "target", tmp.path / "link");
  entries.push_back({tmp.path / "link", "a symbolic link"});
  fs::create_symlink("/dev/null", tmp.path / "devlink");
  entries.push_back({tmp.path / "devlink", "a symbolic link"});
  fs::create_directory(tmp.path / "folder");
  entries.push_back({tmp.path / "folder", "a folder"});
  if (make_socket(tmp.path / "socket"))
    entries.push_back({tmp.path / "socket", "a socket"});
  else
    WARN("no socket file: not tested");
  // A device node needs CAP_MKNOD (root in most containers): /dev/null's numbers.
  if (::mknod((tmp.path / "device").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0)
    entries.push_back({tmp.path / "device", "a character device"});
  else
    WARN("no device node (mknod refused): not tested");
  const auto before = names_in(tmp.path);

  for (const auto& e : entries) {
    CAPTURE(e.path, e.kind);
    const auto refused = [&](auto&& write) {
      try {
        write();
        FAIL_CHECK("replaced " << e.kind);
      } catch (const odesynth::io_error& error) {
        CHECK(error.path() == e.path.string());
        CHECK_THAT(error.what(), Catch::Contains(e.path.string()) && Catch::Contains(e.kind) &&
                                     Catch::Contains("not a regular file"));
      }
    };
    odesynth::csv_options overwrite;
    overwrite.overwrite = true;
    refused([&] { odesynth::write_csv(e.path, tr, overwrite); });
    refused([&] { odesynth::write_npy(e.path, odesynth::npy_dtype::float64, {3}, values, true); });
    refused([&] {
      odesynth::npz_writer z(e.path, true);
      z.add_bytes("a.txt", "x");
      z.commit();
    });
    // Still what it was, and nothing left beside it.
    CHECK(entry_kind(e.path) == e.kind);
    CHECK(names_in(tmp.path) == before);
  }
  CHECK(read_file(tmp.path / "target") == "keep");

  // Made while the writer was writing: refused at the rename, temporary removed.
  odesynth::npy_writer late(tmp.path / "late.npy", odesynth::npy_dtype::float64, {}, true);
  late.append(values, 3);
  REQUIRE(::mkfifo((tmp.path / "late.npy").c_str(), 0644) == 0);
  CHECK_THROWS_WITH(late.commit(), Catch::Contains("late.npy") && Catch::Contains("a FIFO"));
  CHECK(entry_kind(tmp.path / "late.npy") == "a FIFO");
  fs::remove(tmp.path / "late.npy");
  CHECK(names_in(tmp.path) == before);

  // A regular file is still replaced.
  write_file(tmp.path / "plain.npy", "old");
  odesynth::write_npy(tmp.path / "plain.npy", odesynth::npy_dtype::float64, {3}, values, true);
  CHECK(odesynth::read_npy(tmp.path / "plain.npy").values == std::vector<double>{1, 2, 3});
}

// Item 18. A single-file writer killed before its commit left ".<name>.odesynth-tmp-<pid>-<n>"
// forever; dataset folders already removed such temporaries of dead processes. Now every
// writer does, for its own destination, and leaves alone the temporaries of live processes
// and names that are not exactly a temporary's.
TEST_CASE("a killed single-file writer's temporary is removed by the next write",
          "[io][hostile][kill]") {
  temp_folder tmp;
  const double values[3] = {1, 2, 3};
  const auto temporaries_of = [&](std::string_view name) {
    std::vector<std::string> out;
    for (const auto& f : names_in(tmp.path))
      if (f.rfind(fmt::format(".{}.odesynth-tmp-", name), 0) == 0) out.push_back(f);
    return out;
  };

  // npy: a streaming writer killed after its first rows.
  const long npy_pid = killed_child([&] {
    odesynth::npy_writer w(tmp.path / "a.npy", odesynth::npy_dtype::float64, {3});
    w.append(values, 3);
    die();
  });
  REQUIRE(temporaries_of("a.npy").size() == 1);
  CHECK_THAT(temporaries_of("a.npy")[0], Catch::Contains(fmt::format("-tmp-{}-", npy_pid)));
  odesynth::write_npy(tmp.path / "a.npy", odesynth::npy_dtype::float64, {1, 3}, values);
  CHECK(temporaries_of("a.npy").empty());

  // npz: an archive killed after its first member.
  killed_child([&] {
    odesynth::npz_writer z(tmp.path / "b.npz");
    z.add_bytes("x.txt", std::string(1000, 'x'));
    die();
  });
  REQUIRE(temporaries_of("b.npz").size() == 1);
  {
    odesynth::npz_writer z(tmp.path / "b.npz");
    z.add_bytes("y.txt", "y");
    z.commit();
  }
  CHECK(temporaries_of("b.npz").empty());

  // csv: temporaries named exactly as the writer names them. A dead process's goes; this
  // process's (another thread could be writing) and a live child's stay, and so do names
  // that only look alike ("-old" is a replaced dataset moved aside by the fallback path).
  const pid_t live = ::fork();
  REQUIRE(live >= 0);
  if (live == 0) {
    ::pause();
    ::_exit(0);
  }
  const std::vector<std::string> kept = {
      fmt::format(".c.csv.odesynth-tmp-{}-7", static_cast<long>(::getpid())),
      fmt::format(".c.csv.odesynth-tmp-{}-0", static_cast<long>(live)),
      fmt::format(".c.csv.odesynth-tmp-{}-0-old", npy_pid),
      ".c.csv.odesynth-tmp-x-0",
      fmt::format(".cc.csv.odesynth-tmp-{}-0", npy_pid),
  };
  for (const auto& name : kept) write_file(tmp.path / name, "not mine");
  write_file(tmp.path / fmt::format(".c.csv.odesynth-tmp-{}-3", npy_pid), "stale");
  odesynth::write_csv(tmp.path / "c.csv", hostile_files_small_trajectory());
  for (const auto& name : kept) CHECK(fs::exists(tmp.path / name));
  CHECK_FALSE(fs::exists(tmp.path / fmt::format(".c.csv.odesynth-tmp-{}-3", npy_pid)));
  ::kill(live, SIGKILL);
  ::waitpid(live, nullptr, 0);
  for (const auto& name : kept) fs::remove(tmp.path / name);

  // The metadata.json of a sharded dataset: its writer killed, the next run removes it.
  const auto g = hostile_files_lv_generator();
  odesynth::write_dataset_shards(g, 0, 20, tmp.path / "shards", 10);
  const fs::path stale =
      tmp.path / "shards" / fmt::format(".metadata.json.odesynth-tmp-{}-0", npy_pid);
  write_file(stale, "{");
  odesynth::write_dataset_shards(g, 0, 20, tmp.path / "shards", 10);
  CHECK_FALSE(fs::exists(stale));
}

// Item 15. write_dataset_shards wrote into any existing folder: without overwrite it added
// shard folders to a user's folder and replaced the user's metadata.json, and through a
// symbolic link it wrote into the link's target. Now the destination is absent (created), or
// a folder holding only what write_dataset_shards writes - shard folders, their temporaries
// and a metadata.json of a sharded dataset - which is resumed; anything else is refused with
// an io_error naming the folder, before any solve.
TEST_CASE("write_dataset_shards resumes its own shards and refuses any other destination",
          "[dataset][shards][hostile]") {
  temp_folder tmp;
  std::size_t progress_calls = 0;
  generator_options o;
  o.seed = 11;
  o.threads = 1;
  o.on_progress = [&](const odesynth::progress&) { ++progress_calls; };
  const auto g = odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{},
                                          hostile_lv_sampler(), time_grid::linspace(0, 5, 11),
                                          odesynth::pipeline<>{}, o);
  odesynth::dataset_options overwrite;
  overwrite.overwrite = true;
  const auto refused = [&](const fs::path& folder, std::string_view why,
                           const fs::path& named = {}) {
    CAPTURE(folder, why);
    const std::string path = named.empty() ? folder.string() : named.string();
    for (const auto& options : {odesynth::dataset_options{}, overwrite}) {
      const std::size_t calls = progress_calls;
      try {
        odesynth::write_dataset_shards(g, 0, 20, folder, 10, options);
        FAIL_CHECK("wrote shards");
      } catch (const odesynth::io_error& e) {
        CHECK(e.path() == path);
        CHECK_THAT(e.what(), Catch::Contains(path) && Catch::Contains(std::string(why)));
      }
      CHECK(progress_calls == calls);  // refused before any solve
    }
  };

  // A user's folder with a metadata.json of their own.
  const fs::path user = tmp.path / "user";
  fs::create_directory(user);
  write_file(user / "metadata.json", "{\"mine\": true}\n");
  write_file(user / "notes.txt", "notes");
  refused(user, "not a sharded dataset");
  CHECK(names_in(user) == std::vector<std::string>{"metadata.json", "notes.txt"});
  CHECK(read_file(user / "metadata.json") == "{\"mine\": true}\n");

  // A dataset written by write_dataset is not a sharded dataset either.
  odesynth::write_dataset(g, 0, 5, tmp.path / "plain");
  const auto plain = names_in(tmp.path / "plain");
  refused(tmp.path / "plain", "not a sharded dataset");
  CHECK(names_in(tmp.path / "plain") == plain);

  // Symbolic links are not followed: to an empty folder, or to a sharded dataset.
  fs::create_directory(tmp.path / "target");
  fs::create_directory_symlink(tmp.path / "target", tmp.path / "link");
  refused(tmp.path / "link", "a symbolic link");
  CHECK(fs::is_empty(tmp.path / "target"));
  odesynth::write_dataset_shards(g, 0, 20, tmp.path / "shards", 10);
  const auto shards = names_in(tmp.path / "shards");
  fs::create_directory_symlink(tmp.path / "shards", tmp.path / "shards-link");
  refused(tmp.path / "shards-link", "a symbolic link");
  // A file, and a shard folder that is a link.
  write_file(tmp.path / "file", "x");
  refused(tmp.path / "file", "not a folder");
  fs::create_directory(tmp.path / "linked-shard");
  fs::create_directory_symlink(tmp.path / "shards" / "shard-000000000000-000000000010",
                               tmp.path / "linked-shard" / "shard-000000000000-000000000010");
  refused(tmp.path / "linked-shard", "not a sharded dataset");
  // Shards of another partition of the range would be mixed with this run's.
  odesynth::write_dataset_shards(g, 0, 20, tmp.path / "fives", 5);
  refused(tmp.path / "fives", "shard-000000000000-000000000005");
  // "link/" resolves the link: the trailing slash does not get a link followed either.
  refused(tmp.path / "link" / "", "a symbolic link", tmp.path / "link");

  // Resuming: the same run again reuses every shard and rewrites the same metadata.json.
  const std::string metadata = read_file(tmp.path / "shards" / "metadata.json");
  const auto again = odesynth::write_dataset_shards(g, 0, 20, tmp.path / "shards", 10);
  CHECK(again.shards_reused == 2);
  CHECK(read_file(tmp.path / "shards" / "metadata.json") == metadata);
  CHECK(names_in(tmp.path / "shards") == shards);
  // A run killed before its first shard: an empty folder, or one holding only temporaries.
  fs::create_directory(tmp.path / "empty");
  odesynth::write_dataset_shards(g, 0, 20, tmp.path / "empty", 10);
  CHECK(names_in(tmp.path / "empty") == shards);
  fs::create_directory(tmp.path / "killed");
  fs::create_directory(tmp.path / "killed" /
                       ".shard-000000000000-000000000010.odesynth-tmp-999999999-0");
  odesynth::write_dataset_shards(g, 0, 20, tmp.path / "killed", 10);
  CHECK(names_in(tmp.path / "killed") == shards);

  // Another generator's sharded dataset: refused without overwrite, replaced with it.
  generator_options other = o;
  other.seed = 12;
  const auto g12 = odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{},
                                            hostile_lv_sampler(), time_grid::linspace(0, 5, 11),
                                            odesynth::pipeline<>{}, other);
  CHECK_THROWS_WITH(odesynth::write_dataset_shards(g12, 0, 20, tmp.path / "shards", 10),
                    Catch::Contains("other settings"));
  CHECK(read_file(tmp.path / "shards" / "metadata.json") == metadata);
  odesynth::write_dataset_shards(g12, 0, 20, tmp.path / "shards", 10, overwrite);
  CHECK(read_file(tmp.path / "shards" / "metadata.json") != metadata);
  CHECK(names_in(tmp.path / "shards") == shards);
}

// Cancellation (issue 12 item 12) reaches the writers: a stopped run commits nothing, an
// existing dataset under the same name survives an overwrite that was stopped, and a sharded
// run keeps its finished shards and resumes into exactly the uninterrupted dataset.
TEST_CASE("a cancelled write commits nothing and a cancelled sharded write resumes",
          "[dataset][shards][hostile][cancel]") {
  temp_folder tmp;
  std::size_t calls = 0;
  std::size_t stop_after = 0;  // calls; 0 = never stop
  generator_options o;
  o.seed = 5;
  o.threads = 2;
  o.progress_interval = 0;  // a call per trajectory, so the stop lands mid-run
  o.on_progress = [&](const odesynth::progress&) {
    ++calls;
    return stop_after != 0 && calls >= stop_after ? odesynth::generation_control::stop
                                                  : odesynth::generation_control::proceed;
  };
  const auto g = odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{},
                                          hostile_lv_sampler(), time_grid::linspace(0, 5, 11),
                                          odesynth::pipeline<>{}, o);
  odesynth::dataset_options overwrite;
  overwrite.overwrite = true;

  const fs::path folder = tmp.path / "data";
  odesynth::write_dataset(g, 0, 8, folder);
  const auto before = names_in(folder);
  const std::string metadata = read_file(folder / "metadata.json");
  calls = 0;
  stop_after = 3;
  const auto stopped = odesynth::write_dataset(g, 0, 40, folder, overwrite);
  CHECK(stopped.report.cancelled);
  CHECK(stopped.report.delivered + stopped.report.dropped < 40);
  CHECK(stopped.folder.empty());
  CHECK(stopped.files.empty());
  CHECK(names_in(folder) == before);
  CHECK(read_file(folder / "metadata.json") == metadata);
  CHECK(names_in(tmp.path) == std::vector<std::string>{"data"});  // no temporary left
  calls = 0;
  const auto fresh = odesynth::write_dataset(g, 0, 40, tmp.path / "fresh");
  CHECK(fresh.report.cancelled);
  CHECK_FALSE(fs::exists(tmp.path / "fresh"));
  CHECK(names_in(tmp.path) == std::vector<std::string>{"data"});

  // Shards of 10: the stop lands in the second shard (the first takes about 11 calls).
  stop_after = 0;
  odesynth::write_dataset_shards(g, 0, 30, tmp.path / "reference", 10);
  calls = 0;
  stop_after = 15;
  const auto part = odesynth::write_dataset_shards(g, 0, 30, tmp.path / "shards", 10);
  CHECK(part.report.cancelled);
  CHECK(names_in(tmp.path / "shards") ==
        std::vector<std::string>{"shard-000000000000-000000000010"});
  stop_after = 0;
  const auto resumed = odesynth::write_dataset_shards(g, 0, 30, tmp.path / "shards", 10);
  CHECK_FALSE(resumed.report.cancelled);
  CHECK(resumed.shards_reused == 1);
  CHECK(names_in(tmp.path / "shards") == names_in(tmp.path / "reference"));
  CHECK(read_file(tmp.path / "shards" / "metadata.json") ==
        read_file(tmp.path / "reference" / "metadata.json"));
  for (const auto& shard : names_in(tmp.path / "reference"))
    if (shard != "metadata.json")
      CHECK(read_file(tmp.path / "shards" / shard / "values.npy") ==
            read_file(tmp.path / "reference" / shard / "values.npy"));
}

TEST_CASE("catalogue: hostile files and metadata", "[errors]") {
  SECTION("json: duplicate key in a large object") {
    expect_error<odesynth::parse_error>(
        [] { json::parse(object_with_keys(1000, "\"key999\": 0"), "meta.json"); },
        {"meta.json:1:", "duplicate key \"key999\""});
  }
  SECTION("dataset: SimbaML subfolder outside the dataset") {
    odesynth::dataset_options out;
    out.formats = {odesynth::dataset_format::simbaml_csv};
    out.simbaml.subfolder = "../escape";
    expect_error([&] { out.validate(); },
                 {"dataset_options.simbaml.subfolder", "../escape", "plain folder name"});
  }
  SECTION("csv: overwrite onto a FIFO") {
    temp_folder tmp;
    REQUIRE(::mkfifo((tmp.path / "fifo.csv").c_str(), 0644) == 0);
    odesynth::csv_options o;
    o.overwrite = true;
    expect_error<odesynth::io_error>(
        [&] { odesynth::write_csv(tmp.path / "fifo.csv", hostile_files_small_trajectory(), o); },
        {(tmp.path / "fifo.csv").string(), "not a regular file", "a FIFO"});
  }
  SECTION("npy: overwrite onto a symbolic link") {
    temp_folder tmp;
    fs::create_symlink("/dev/null", tmp.path / "link.npy");
    const double v[1] = {1};
    expect_error<odesynth::io_error>(
        [&] {
          odesynth::write_npy(tmp.path / "link.npy", odesynth::npy_dtype::float64, {1}, v, true);
        },
        {(tmp.path / "link.npy").string(), "not a regular file", "a symbolic link"});
  }
  SECTION("shards: into a folder that is not a sharded dataset") {
    temp_folder tmp;
    write_file(tmp.path / "notes.txt", "mine");
    expect_error<odesynth::io_error>(
        [&] { odesynth::write_dataset_shards(hostile_files_lv_generator(), 0, 4, tmp.path, 2); },
        {tmp.path.string(), "not a sharded dataset", "notes.txt"});
  }
  SECTION("shards: through a symbolic link") {
    temp_folder tmp;
    fs::create_directory(tmp.path / "target");
    fs::create_directory_symlink(tmp.path / "target", tmp.path / "link");
    expect_error<odesynth::io_error>(
        [&] {
          odesynth::write_dataset_shards(hostile_files_lv_generator(), 0, 4, tmp.path / "link", 2);
        },
        {(tmp.path / "link").string(), "a symbolic link"});
  }
  SECTION("metadata: max_attempts beyond int") {
    expect_error<odesynth::parse_error>(
        [] {
          rebuild(doctored(lv_metadata(), "\"max_attempts\": 5", "\"max_attempts\": 4294967297"));
        },
        {"metadata.json:", "generation.max_attempts", "4294967297", "[-2147483648, 2147483647]"});
  }
  SECTION("metadata: negative seed") {
    expect_error<odesynth::parse_error>(
        [] { rebuild(doctored(lv_metadata(), "\"seed\": 11", "\"seed\": -1")); },
        {"metadata.json:", "generation.seed", "-1", "[0, 18446744073709551615]"});
  }
  SECTION("metadata: fractional design size") {
    expect_error<odesynth::parse_error>(
        [] { rebuild(doctored(lv_metadata(), "\"n\": 0", "\"n\": 2.5")); },
        {"metadata.json:", "sampler.design.n", "2.5", "an integer"});
  }
}
