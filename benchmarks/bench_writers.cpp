// Dataset writers against the disk's own speed (issue 8, item 6).
//
// Data: Lotka–Volterra, 100 times, every value observed (full: 5,000 trajectories; quick:
// 200). Four kinds of measurement, in one run of this one binary:
//
//   sink/<format>    the writer alone: trajectories already in memory go through the format's
//                    sink and the parameter table into an atomic dataset folder that is
//                    committed (synced and renamed) — what write_dataset does, minus the
//                    generator. Throughput = bytes of the finished folder / time.
//   raw/<format>     write() of a 1 MiB buffer until the same number of bytes, then fsync, into
//                    one file in the same folder: what the disk gives a plain sequential write.
//   raw_files/simbaml_csv  the same bytes as n files (one per trajectory, like the format),
//                    write() + close each, one syncfs: where creating files is what costs.
//   format/<format>  the CSV text made in memory only (to_csv per trajectory; for tidy, the
//                    sink's own formatting loop into a memory buffer): the formatting cost
//                    without the disk.
//   e2e/<format>     write_dataset(generator, 0, n, folder) with the format, beside
//                    e2e/generate_only (the same generator, a sink that drops): what a user
//                    waits for, and how much writing adds to generating (1 worker thread).
//
// Target: each CSV writer within 3x of the raw write of the same bytes (for SimbaML's one
// file per trajectory, also against raw_files: on some disks creating a file costs far more
// than writing its bytes).
//
// Usage: bench_writers [--quick] [--dir FOLDER] [Google Benchmark flags]; the default
// folder is a fresh one under the system's temporary folder (give a folder on another disk,
// e.g. the build folder, with --dir). ODESYNTH_BENCH_QUICK=1 = --quick.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <odesynth/dataset.hpp>
#include <odesynth/generator.hpp>
#include <odesynth/io/csv.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/sampler.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/harness.hpp"
#include "support/workloads.hpp"

namespace {

namespace fs = std::filesystem;
using odesynth::models::lotka_volterra;
using workload::lv_sampler;
using workload::one_thread;
using workload::solver_options;

auto lv_generator() {
  return odesynth::make_generator(lotka_volterra{}, solver_options(), lv_sampler(),
                                  odesynth::time_grid::linspace(0, 20, 100), odesynth::pipeline<>{},
                                  one_thread());
}
using lv_generator_type = decltype(lv_generator());

enum class format { npy, simbaml_csv, tidy_csv };
constexpr std::array<format, 3> formats{format::npy, format::simbaml_csv, format::tidy_csv};

std::string_view name_of(format f) {
  switch (f) {
    case format::npy: return "npy";
    case format::simbaml_csv: return "simbaml_csv";
    case format::tidy_csv: return "tidy_csv";
  }
  return "?";
}

odesynth::dataset_format dataset_format_of(format f) {
  switch (f) {
    case format::npy: return odesynth::dataset_format::npy;
    case format::simbaml_csv: return odesynth::dataset_format::simbaml_csv;
    case format::tidy_csv: return odesynth::dataset_format::tidy_csv;
  }
  return odesynth::dataset_format::npy;
}

/// What every benchmark shares: the data in memory, the generator, the folder.
struct setup {
  fs::path folder;
  std::size_t n = 0;
  std::shared_ptr<const lv_generator_type> generator;
  std::vector<odesynth::trajectory> data;
  odesynth::dataset_layout layout;
  std::map<format, std::uint64_t> bytes;  ///< size of each format's finished folder
};

std::uint64_t folder_bytes(const fs::path& p) {
  std::uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(p))
    if (e.is_regular_file()) total += e.file_size();
  return total;
}

/// The sinks of write_dataset, fed from memory: parameter table + the format, in an atomic
/// folder committed at the end (the same steps as write_dataset without the generator and
/// without metadata.json).
void write_with_sinks(const setup& s, format f, const fs::path& destination) {
  odesynth::detail::atomic_folder out(destination, /*overwrite=*/false);
  const auto& dir = out.temp_path();
  odesynth::parameter_table_sink parameters(dir, s.layout);
  std::optional<odesynth::numpy_sink> numpy;
  std::optional<odesynth::simbaml_csv_sink> simbaml;
  std::optional<odesynth::tidy_csv_sink> tidy;
  if (f == format::npy) numpy.emplace(dir, s.layout);
  if (f == format::simbaml_csv) simbaml.emplace(dir, s.layout);
  if (f == format::tidy_csv) tidy.emplace(dir, s.layout);
  for (std::size_t i = 0; i < s.data.size(); ++i) {
    parameters(i, s.data[i]);
    if (numpy) (*numpy)(i, s.data[i]);
    if (simbaml) (*simbaml)(i, s.data[i]);
    if (tidy) (*tidy)(i, s.data[i]);
  }
  parameters.finish();
  if (numpy) numpy->finish();
  if (simbaml) simbaml->finish();
  if (tidy) tidy->finish();
  out.commit();
}

[[noreturn]] void fail(const std::string& what) {
  fmt::print(stderr, "bench_writers: {}: {}\n", what, std::strerror(errno));
  std::exit(2);
}

/// write() of a 1 MiB buffer until `bytes`, fsync, close: the disk's sequential speed.
void write_raw(const fs::path& file, std::uint64_t bytes) {
  static const std::vector<char> buffer(std::size_t{1} << 20, 'x');
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("open " + file.string());
  for (std::uint64_t left = bytes; left > 0;) {
    const std::size_t chunk =
        static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
    const ssize_t w = ::write(fd, buffer.data(), chunk);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("write " + file.string());
    }
    left -= static_cast<std::uint64_t>(w);
  }
  if (::fsync(fd) != 0) fail("fsync " + file.string());
  if (::close(fd) != 0) fail("close " + file.string());
}

/// `files` files of bytes / files bytes each (write() + close), then one syncfs: the
/// baseline for a format with one file per trajectory, where creating files is the cost.
void write_raw_files(const fs::path& folder, std::uint64_t bytes, std::size_t files) {
  const std::vector<char> buffer(static_cast<std::size_t>(bytes / files), 'x');
  for (std::size_t i = 0; i < files; ++i) {
    const fs::path file = folder / fmt::format("raw_{}.csv", i);
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) fail("open " + file.string());
    for (std::size_t done = 0; done < buffer.size();) {
      const ssize_t w = ::write(fd, buffer.data() + done, buffer.size() - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        fail("write " + file.string());
      }
      done += static_cast<std::size_t>(w);
    }
    if (::close(fd) != 0) fail("close " + file.string());
  }
  const int dfd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) fail("open " + folder.string());
  if (::syncfs(dfd) != 0) fail("syncfs " + folder.string());
  ::close(dfd);
}

/// The tidy sink's formatting, into memory (the same format string and loop as
/// sinks/tidy_csv.hpp).
std::size_t tidy_in_memory(const std::vector<odesynth::trajectory>& data) {
  fmt::memory_buffer buffer;
  std::size_t total = 0;
  for (std::size_t index = 0; index < data.size(); ++index) {
    const auto& tr = data[index];
    buffer.clear();
    const auto& v = tr.values();
    const auto& m = tr.mask();
    const auto& names = tr.species();
    for (Eigen::Index i = 0; i < v.rows(); ++i)
      for (Eigen::Index j = 0; j < v.cols(); ++j)
        if (m(i, j))
          fmt::format_to(std::back_inserter(buffer), "{},{},{},{}\n", index, tr.times()[i],
                         names[static_cast<std::size_t>(j)], v(i, j));
    total += buffer.size();
  }
  return total;
}

std::size_t simbaml_in_memory(const std::vector<odesynth::trajectory>& data) {
  std::size_t total = 0;
  for (const auto& tr : data) total += odesynth::to_csv(tr).size();
  return total;
}

/// Registers a benchmark writing into `folder/out` that removes what it wrote after each
/// iteration (untimed).
template <class F>
void add_io(const std::string& name, std::shared_ptr<const setup> s, F fn) {
  harness::configure(benchmark::RegisterBenchmark(name.c_str(), [s, fn](benchmark::State& state) {
    const fs::path target = s->folder / "out";
    for (auto _ : state) {
      fn(target);
      state.PauseTiming();
      fs::remove_all(target);
      state.ResumeTiming();
    }
  }))->Unit(benchmark::kMillisecond);
}

template <class F>
void add(const std::string& name, F fn) {
  harness::configure(benchmark::RegisterBenchmark(name.c_str(), [fn](benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(fn());
  }))->Unit(benchmark::kMillisecond);
}

std::string mb_per_s(std::uint64_t bytes, double seconds) {
  return fmt::format("{:.0f} MB/s", static_cast<double>(bytes) / seconds / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = harness::take_quick_flag(argc, argv);
  fs::path base;
  {
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
      if (std::string_view(argv[i]) == "--dir" && i + 1 < argc)
        base = argv[++i];
      else
        argv[kept++] = argv[i];
    }
    argc = kept;
  }
  if (base.empty()) base = fs::temp_directory_path();
  const fs::path folder = base / fmt::format("odesynth-bench-writers-{}", ::getpid());
  fs::create_directories(folder);

  auto s = std::make_shared<setup>();
  s->folder = folder;
  s->n = quick ? 200 : 5000;
  s->generator = std::make_shared<const lv_generator_type>(lv_generator());
  s->data = s->generator->collect(0, s->n);
  s->layout = odesynth::layout_of(*s->generator);
  for (format f : formats) {  // the byte counts, from one untimed write of each
    write_with_sinks(*s, f, folder / "probe");
    s->bytes[f] = folder_bytes(folder / "probe");
    fs::remove_all(folder / "probe");
  }
  fmt::print("folder {}; {} trajectories; bytes: npy {}, simbaml_csv {}, tidy_csv {}\n",
             folder.string(), s->n, s->bytes[format::npy], s->bytes[format::simbaml_csv],
             s->bytes[format::tidy_csv]);
  std::shared_ptr<const setup> shared = s;

  for (format f : formats) {
    const std::string fname(name_of(f));
    add_io("sink/" + fname, shared,
           [shared, f](const fs::path& target) { write_with_sinks(*shared, f, target); });
    add_io("raw/" + fname, shared, [shared, f](const fs::path& target) {
      fs::create_directory(target);
      write_raw(target / "raw.bin", shared->bytes.at(f));
    });
    if (f == format::simbaml_csv)
      add_io("raw_files/" + fname, shared, [shared, f](const fs::path& target) {
        fs::create_directory(target);
        write_raw_files(target, shared->bytes.at(f), shared->n);
      });
    add_io("e2e/" + fname, shared, [shared, f](const fs::path& target) {
      odesynth::dataset_options options;
      options.formats = {dataset_format_of(f)};
      odesynth::write_dataset(*shared->generator, 0, shared->n, target, options);
    });
  }
  add("e2e/generate_only", [shared] {
    double sum = 0;
    shared->generator->run(0, shared->n, [&sum](std::uint64_t, odesynth::trajectory&& tr) {
      sum += tr.values()(0, 0);
    });
    return sum;
  });
  add("format/simbaml_csv", [shared] { return simbaml_in_memory(shared->data); });
  add("format/tidy_csv", [shared] { return tidy_in_memory(shared->data); });

  auto r = harness::run(argc, argv, quick);
  auto has = [&r](const std::string& k) { return r.count(k) > 0 && r[k].median > 0; };

  for (format f : formats) {
    const std::string fname(name_of(f));
    const std::uint64_t bytes = s->bytes[f];
    if (!has("sink/" + fname) || !has("raw/" + fname)) continue;
    const auto& sink = r["sink/" + fname];
    const auto& raw = r["raw/" + fname];
    const double ratio = sink.median / raw.median;
    const bool csv = f != format::npy;
    harness::result("6 writers",
                    fmt::format("{} writer vs raw write+fsync ({:.1f} MB)", fname,
                                static_cast<double>(bytes) / 1e6),
                    fmt::format("{} vs {} ({:.2f}x the time)", mb_per_s(bytes, sink.median),
                                mb_per_s(bytes, raw.median), ratio),
                    fmt::format("CV {:.1f}% / {:.1f}%", 100 * sink.cv, 100 * raw.cv),
                    csv ? "<= 3x" : "", csv ? (ratio <= 3 ? "met" : "MISSED") : "");
    if (has("raw_files/" + fname)) {
      const auto& files = r["raw_files/" + fname];
      const double per_file = sink.median / files.median;
      harness::result(
          "6 writers", fmt::format("{} writer vs raw: {} files, write + syncfs", fname, s->n),
          fmt::format("{} vs {} ({:.2f}x the time; raw {} per file)", mb_per_s(bytes, sink.median),
                      mb_per_s(bytes, files.median), per_file,
                      harness::duration(files.median / static_cast<double>(s->n))),
          fmt::format("CV {:.1f}% / {:.1f}%", 100 * sink.cv, 100 * files.cv), "<= 3x",
          per_file <= 3 ? "met" : "MISSED");
    }
    if (csv && has("format/" + fname)) {
      const double formatting = r["format/" + fname].median;
      harness::result("6 writers", fmt::format("{} formatting only (in memory)", fname),
                      fmt::format("{}, {:.0f}% of the writer's time", mb_per_s(bytes, formatting),
                                  100 * formatting / sink.median),
                      harness::spread(r["format/" + fname]), "", "");
    }
    if (has("e2e/" + fname) && has("e2e/generate_only")) {
      const double e2e = r["e2e/" + fname].median, gen = r["e2e/generate_only"].median;
      harness::result("6 writers", fmt::format("write_dataset {} vs generating only", fname),
                      fmt::format("{} vs {} (+{:.0f}%)", harness::duration(e2e),
                                  harness::duration(gen), 100 * (e2e - gen) / gen),
                      fmt::format("CV {:.1f}% / {:.1f}%", 100 * r["e2e/" + fname].cv,
                                  100 * r["e2e/generate_only"].cv),
                      "", "");
    }
  }
  std::error_code ec;
  fs::remove_all(folder, ec);
  return 0;
}
