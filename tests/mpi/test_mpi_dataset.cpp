// odesynth::mpi::write_dataset_shards, run by mpiexec with 1, 2 and 3 ranks (tests/mpi/
// CMakeLists.txt): the folder equals the single-process write_dataset_shards folder byte for
// byte, an interrupted or cancelled job resumes with the missing shards only, a failing rank
// is a rank_failure on every rank naming it, and bad input is the same typed error on every
// rank. Every rank runs every test case in the same order (their collective calls must
// match), so no test may end early on one rank only: CHECK, never REQUIRE, after the first
// collective call of a test case. ctest's TIMEOUT turns a hang into a failure.
#define CATCH_CONFIG_RUNNER
#include <mpi.h>
#include <stdlib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <odesynth/dataset.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/mpi/distributed_dataset.hpp>
#include <odesynth/transforms.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace dist = odesynth::dist;
using odesynth::dataset_format;
using odesynth::dataset_options;
using odesynth::mpi::rank_failure;

namespace {

int rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int ranks() {
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

void barrier() { MPI_Barrier(MPI_COMM_WORLD); }

/// Rank 0's `text` on every rank.
std::string from_rank_0(std::string text) {
  unsigned long long n = text.size();
  MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  text.resize(n);
  MPI_Bcast(text.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD);
  return text;
}

/// True on every rank if `text` is the same on every rank.
bool same_on_every_rank(const std::string& text) {
  int differs = from_rank_0(text) != text ? 1 : 0;
  int any = 0;
  MPI_Allreduce(&differs, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any == 0;
}

int sum_over_ranks(int value) {
  int total = 0;
  MPI_Allreduce(&value, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  return total;
}

/// A folder every rank sees (one machine, or a shared file system): made by rank 0, removed
/// by rank 0 once every rank is done with it.
struct shared_temp_folder {
  fs::path path;
  shared_temp_folder() {
    std::string made;
    if (rank() == 0) {
      std::string pattern = (fs::temp_directory_path() / "odesynth-mpi-test-XXXXXX").string();
      if (::mkdtemp(pattern.data()) != nullptr) made = pattern;
    }
    path = from_rank_0(made);
  }
  ~shared_temp_folder() {
    barrier();
    std::error_code ec;
    if (rank() == 0) fs::remove_all(path, ec);
  }
  shared_temp_folder(const shared_temp_folder&) = delete;
  shared_temp_folder& operator=(const shared_temp_folder&) = delete;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Every entry below `folder` (files and folders, hidden ones too), relative, sorted.
std::vector<std::string> entries_below(const fs::path& folder) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(folder))
    out.push_back(fs::relative(e.path(), folder).string());
  std::sort(out.begin(), out.end());
  return out;
}

/// Empty if the two folders hold the same entries with the same bytes, else the first
/// difference.
std::string compare_folders(const fs::path& a, const fs::path& b) {
  const auto names = entries_below(a);
  if (names != entries_below(b))
    return fmt::format("different entries: {} in {}, {} in {}", names.size(), a.string(),
                       entries_below(b).size(), b.string());
  for (const auto& name : names)
    if (fs::is_regular_file(a / name) && read_file(a / name) != read_file(b / name))
      return fmt::format("{} differs", name);
  return {};
}

/// The measurement model, plus a trap: when armed, trajectory `marked_index` (recognised by
/// its initial prey, which no other trajectory of the range shares) either throws or is noted
/// in `seen` for a progress callback to cancel on. Its description is the same armed or not,
/// so an unarmed run resumes an armed one.
struct trap {
  double marked_prey = std::numeric_limits<double>::quiet_NaN();
  bool throws = false;
  std::shared_ptr<std::atomic<bool>> seen = std::make_shared<std::atomic<bool>>(false);
  void operator()(odesynth::trajectory& tr, odesynth::random_stream&) const {
    if (!(tr.initial_state()[0] == marked_prey)) return;
    *seen = true;
    if (throws) throw std::runtime_error("transform failed on purpose");
  }
  std::string describe() const { return "trap"; }
};

auto make_generator(trap t = {}, std::uint64_t seed = 5,
                    odesynth::progress_callback progress = {}) {
  using odesynth::models::lotka_volterra;
  odesynth::sampler s(lotka_volterra{});
  s.parameter("alpha", dist::uniform{0.4, 0.7})
      .parameter("beta", dist::uniform{0.02, 0.04})
      .parameter("gamma", dist::uniform{0.6, 1.0})
      .parameter("delta", 0.024)
      .initial_value("prey", dist::uniform{20, 40})
      .initial_value("predator", dist::uniform{4, 8});
  odesynth::generator_options o;
  o.seed = seed;
  o.threads = 1;  // ranks share two cores in CI
  o.on_progress = std::move(progress);
  o.progress_interval = 0;
  const auto measure = odesynth::proportional_noise(0.05) | odesynth::random_subset(0.8) |
                       odesynth::missing_entries(0.05);
  return odesynth::make_generator(lotka_volterra{}, odesynth::solve_options{}, s,
                                  odesynth::time_grid::linspace(0, 10, 21), measure | t, o);
}

double prey_of(std::uint64_t index) { return make_generator().make(index).data.initial_state()[0]; }

dataset_options formats() {
  dataset_options out;
  out.formats = {dataset_format::npy, dataset_format::simbaml_csv, dataset_format::tidy_csv};
  return out;
}

/// The single-process dataset, written by rank 0, seen by every rank when this returns.
fs::path reference(const fs::path& root, std::uint64_t begin, std::uint64_t end,
                   std::uint64_t shard_size) {
  const fs::path folder = root / fmt::format("reference-{}-{}-{}", begin, end, shard_size);
  if (rank() == 0 && !fs::exists(folder))
    odesynth::write_dataset_shards(make_generator(), begin, end, folder, shard_size, formats());
  barrier();
  return folder;
}

std::set<std::uint64_t> written_shards(const odesynth::mpi::distributed_dataset_result& r) {
  std::set<std::uint64_t> out;
  for (const auto& s : r.shard_log)
    if (!s.reused) out.insert(s.shard);
  return out;
}

}  // namespace

TEST_CASE("every rank count writes the single-process dataset byte for byte", "[mpi]") {
  shared_temp_folder tmp;
  // More shards than ranks; shard sizes that do not divide the range (last shards of 5, 5).
  struct range {
    std::uint64_t begin, end, shard_size;
  };
  for (const range r : {range{3, 98, 10}, range{0, 47, 6}}) {
    CAPTURE(r.begin, r.end, r.shard_size);
    const fs::path expected = reference(tmp.path, r.begin, r.end, r.shard_size);
    const fs::path folder = tmp.path / fmt::format("mpi-{}-{}", r.begin, r.shard_size);
    const auto written = odesynth::mpi::write_dataset_shards(
        MPI_COMM_WORLD, make_generator(), r.begin, r.end, folder, r.shard_size, formats());
    const std::uint64_t shards = (r.end - r.begin + r.shard_size - 1) / r.shard_size;
    CHECK(written.ranks == ranks());
    CHECK(written.rank == rank());
    CHECK(written.shards == shards);
    CHECK(written.shards_written == shards);
    CHECK(written.shards_reused == 0);
    CHECK(written.shard_folders.size() == shards);
    CHECK_FALSE(written.report.cancelled);
    CHECK(written.report.delivered == r.end - r.begin);
    // Each shard claimed by exactly one rank; this rank's report counts its own shards.
    CHECK(written.shard_log.size() == shards);
    std::uint64_t mine = 0;
    for (std::uint64_t k = 0; k < written.shard_log.size(); ++k) {
      CHECK(written.shard_log[k].shard == k);
      CHECK(written.shard_log[k].rank >= 0);
      CHECK(written.shard_log[k].rank < ranks());
      if (written.shard_log[k].rank == rank())
        mine += std::min(r.shard_size, r.end - r.begin - k * r.shard_size);
    }
    CHECK(written.rank_report.delivered == mine);
    CHECK(sum_over_ranks(static_cast<int>(mine)) == static_cast<int>(r.end - r.begin));
    CHECK(compare_folders(expected, folder) == "");
    CHECK(same_on_every_rank(fmt::format("{}", written.shard_log.size())));
    barrier();  // nobody reads the folders any more
  }
}

TEST_CASE("an interrupted job writes only the missing shards and ends identical", "[mpi]") {
  shared_temp_folder tmp;
  const fs::path expected = reference(tmp.path, 3, 98, 10);
  const fs::path folder = tmp.path / "resumed";
  odesynth::mpi::write_dataset_shards(MPI_COMM_WORLD, make_generator(), 3, 98, folder, 10,
                                      formats());
  // A job killed at some point: shards 2, 5 and 9 and metadata.json missing, and the
  // temporary folder of a killed writer (its process gone) beside them.
  const odesynth::detail::shard_plan plan{folder, 3, 98, 10};
  const fs::path stale = folder / fmt::format(".{}.odesynth-tmp-999999999-0", plan.name(5));
  if (rank() == 0) {
    for (std::uint64_t k : {2, 5, 9}) fs::remove_all(folder / plan.name(k));
    fs::remove(folder / "metadata.json");
    fs::create_directories(stale);
    std::ofstream(stale / "values.npy") << "partial";
  }
  barrier();
  const auto resumed = odesynth::mpi::write_dataset_shards(MPI_COMM_WORLD, make_generator(), 3, 98,
                                                           folder, 10, formats());
  CHECK(resumed.shards == 10);
  CHECK(resumed.shards_reused == 7);
  CHECK(resumed.shards_written == 3);
  CHECK(written_shards(resumed) == std::set<std::uint64_t>{2, 5, 9});
  CHECK(resumed.report.delivered == 25);  // 10 + 10 + 5 trajectories generated
  CHECK_FALSE(fs::exists(stale));
  CHECK(compare_folders(expected, folder) == "");
  barrier();
}

TEST_CASE("a progress callback that stops one rank cancels the job and a rerun resumes it",
          "[mpi]") {
  shared_temp_folder tmp;
  const fs::path expected = reference(tmp.path, 3, 98, 10);
  const fs::path folder = tmp.path / "cancelled";
  // The rank that meets trajectory 25 (shard 2) stops while writing it.
  trap marked;
  marked.marked_prey = prey_of(25);
  const auto stop_at_mark = [seen = marked.seen](const odesynth::progress&) {
    return *seen ? odesynth::generation_control::stop : odesynth::generation_control::proceed;
  };
  const auto cancelled = odesynth::mpi::write_dataset_shards(
      MPI_COMM_WORLD, make_generator(marked, 5, stop_at_mark), 3, 98, folder, 10, formats());
  CHECK(cancelled.report.cancelled);
  CHECK(sum_over_ranks(cancelled.rank_report.cancelled ? 1 : 0) == 1);
  CHECK(cancelled.rank_report.cancelled == static_cast<bool>(*marked.seen));
  CHECK(cancelled.shards_written + cancelled.shards_reused < 10);
  CHECK(written_shards(cancelled).count(2) == 0);
  CHECK_FALSE(fs::exists(folder / "metadata.json"));
  CHECK_FALSE(fs::exists(folder / "shard-000000000023-000000000033"));

  const auto resumed = odesynth::mpi::write_dataset_shards(MPI_COMM_WORLD, make_generator(), 3, 98,
                                                           folder, 10, formats());
  CHECK(resumed.shards_reused == cancelled.shards_written);
  std::set<std::uint64_t> all = written_shards(cancelled);
  for (auto k : written_shards(resumed)) CHECK(all.insert(k).second);  // none written twice
  CHECK(all.size() == 10);
  CHECK(compare_folders(expected, folder) == "");
  barrier();
}

TEST_CASE("a rank whose shard fails is named on every rank and no metadata is written", "[mpi]") {
  shared_temp_folder tmp;
  const fs::path expected = reference(tmp.path, 3, 98, 10);
  const fs::path folder = tmp.path / "failed";
  trap armed;
  armed.marked_prey = prey_of(25);
  armed.throws = true;
  std::vector<int> failing;
  std::string message;
  try {
    odesynth::mpi::write_dataset_shards(MPI_COMM_WORLD, make_generator(armed), 3, 98, folder, 10,
                                        formats());
  } catch (const rank_failure& e) {
    failing = e.ranks();
    message = e.what();
  }
  const bool threw_here = *armed.seen;
  CHECK(sum_over_ranks(threw_here ? 1 : 0) == 1);
  CHECK(failing.size() == 1);
  CHECK((std::find(failing.begin(), failing.end(), rank()) != failing.end()) == threw_here);
  CHECK_THAT(message, Catch::Contains("transform failed on purpose") &&
                          Catch::Contains("mpi::write_dataset_shards: 1 rank failed; rank "));
  CHECK(same_on_every_rank(message));
  CHECK_FALSE(fs::exists(folder / "metadata.json"));
  CHECK_FALSE(fs::exists(folder / "shard-000000000023-000000000033"));
  barrier();
  // Nothing half-written: only finished shards (no temporaries).
  for (const auto& e : fs::directory_iterator(folder))
    CHECK(e.path().filename().string().rfind("shard-", 0) == 0);
  barrier();

  // The rerun resumes and gives the same dataset.
  const auto resumed = odesynth::mpi::write_dataset_shards(MPI_COMM_WORLD, make_generator(), 3, 98,
                                                           folder, 10, formats());
  CHECK(written_shards(resumed).count(2) == 1);
  CHECK(compare_folders(expected, folder) == "");
  barrier();
}

TEST_CASE("a shard made with other settings fails the rank that claims it", "[mpi]") {
  shared_temp_folder tmp;
  const fs::path folder = tmp.path / "mixed";
  const odesynth::detail::shard_plan plan{folder, 3, 98, 10};
  if (rank() == 0) {
    // Shard 4 of a run with another seed, where this run expects its own shard 4.
    const fs::path other = tmp.path / "seed6";
    odesynth::write_dataset_shards(make_generator({}, 6), 3, 98, other, 10, formats());
    fs::create_directories(folder);
    fs::rename(other / plan.name(4), folder / plan.name(4));
  }
  barrier();
  std::vector<int> failing;
  std::string message;
  try {
    odesynth::mpi::write_dataset_shards(MPI_COMM_WORLD, make_generator(), 3, 98, folder, 10,
                                        formats());
  } catch (const rank_failure& e) {
    failing = e.ranks();
    message = e.what();
  }
  CHECK(failing.size() == 1);
  CHECK_THAT(message, Catch::Contains(plan.name(4)) && Catch::Contains("other settings"));
  CHECK(same_on_every_rank(message));
  CHECK_FALSE(fs::exists(folder / "metadata.json"));
  barrier();
}

TEST_CASE("a rank with other arguments is named before anything is written", "[mpi]") {
  shared_temp_folder tmp;
  const fs::path folder = tmp.path / "differ";
  const int odd_one = ranks() - 1;
  std::vector<int> failing;
  std::string message;
  try {
    // With one rank, rank 0 is the odd one and there is no one to differ from.
    odesynth::mpi::write_dataset_shards(
        MPI_COMM_WORLD, make_generator({}, rank() == odd_one && odd_one > 0 ? 7 : 5), 3, 98, folder,
        10, formats());
  } catch (const rank_failure& e) {
    failing = e.ranks();
    message = e.what();
  }
  if (ranks() > 1) {
    CHECK(failing == std::vector<int>{odd_one});
    CHECK_THAT(message, Catch::Contains("differ from rank 0's") && Catch::Contains("seed"));
    CHECK(same_on_every_rank(message));
    CHECK_FALSE(fs::exists(folder));
  } else {
    CHECK(failing.empty());
  }
  barrier();
}

TEST_CASE("bad input is the same typed error on every rank", "[mpi]") {
  shared_temp_folder tmp;
  const auto g = make_generator();
  const auto field_of = [&](std::uint64_t begin, std::uint64_t end, std::uint64_t shard_size) {
    try {
      odesynth::mpi::write_dataset_shards(MPI_COMM_WORLD, g, begin, end, tmp.path / "bad",
                                          shard_size, formats());
    } catch (const odesynth::invalid_argument& e) {
      CHECK(same_on_every_rank(e.what()));
      return e.field();
    }
    return std::string("no invalid_argument");
  };
  CHECK(field_of(0, 10, 0) == "mpi::write_dataset_shards.shard_size");
  CHECK(field_of(10, 10, 5) == "mpi::write_dataset_shards.end");
  dataset_options no_format;
  no_format.formats.clear();
  std::string field;
  try {
    odesynth::mpi::write_dataset_shards(MPI_COMM_WORLD, g, 0, 10, tmp.path / "bad", 5, no_format);
  } catch (const odesynth::invalid_argument& e) {
    field = e.field();
  }
  CHECK(field == "dataset_options.formats");

  // The destination is checked by rank 0 alone; every rank throws its io_error.
  const fs::path file = tmp.path / "a-file";
  const fs::path foreign = tmp.path / "someone-elses";
  if (rank() == 0) {
    std::ofstream(file) << "not a folder";
    fs::create_directories(foreign);
    std::ofstream(foreign / "notes.txt") << "mine";
  }
  barrier();
  for (const fs::path& destination : {file, foreign}) {
    std::string path, message;
    try {
      odesynth::mpi::write_dataset_shards(MPI_COMM_WORLD, g, 0, 10, destination, 5, formats());
    } catch (const odesynth::io_error& e) {
      path = e.path();
      message = e.what();
    }
    CHECK(path == destination.string());
    CHECK_THAT(message, Catch::Contains("not writing shards into it"));
    CHECK(same_on_every_rank(message));
  }
  CHECK(read_file(foreign / "notes.txt") == "mine");
  CHECK(fs::is_regular_file(file));
  barrier();
}

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  Catch::Session session;
  int failed = session.applyCommandLine(argc, argv);
  if (failed == 0) failed = session.run();
  // Every rank must see every rank's result: mpiexec reports the first nonzero exit only.
  const int any = sum_over_ranks(failed != 0 ? 1 : 0);
  MPI_Finalize();
  return any != 0 ? 1 : 0;
}
