// odesynth/dataset.hpp - generate a dataset straight into a folder, in the formats ML users
// load, with the provenance to regenerate it.
//
//   odesynth::dataset_options out;
//   out.formats = {odesynth::dataset_format::npy, odesynth::dataset_format::simbaml_csv};
//   const auto written = odesynth::write_dataset(generator, 0, 1000, "out/sir", out);
//
// The folder holds metadata.json (provenance.hpp), parameters.csv (parameter_table.hpp) and
// the chosen formats:
//   simbaml_csv  <model>_<i>.csv per trajectory (sinks/simbaml_csv.hpp)
//   tidy_csv     data.csv, trajectory,time,species,value (sinks/tidy_csv.hpp)
//   npy          values.npy [n, T, S], mask.npy, times.npy [n, T], lengths.npy, index.npy,
//                status.npy, parameters.npy, initial_state.npy, status_names.npy (the
//                name of each status code) (sinks/numpy.hpp)
//   npz          the same arrays bundled as dataset.npz
//
// Safety: everything is checked before the first solve (parent folder exists and is
// writable, destination absent unless `overwrite`); files go to a temporary folder that is
// renamed into place when complete (detail/atomic_folder.hpp), so the destination holds
// either the previous content or the complete new dataset, never a mix. An error (I/O,
// a worker's exception) removes the temporary folder and reaches the caller.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/atomic_folder.hpp"
#include "detail/config.hpp"
#include "detail/enum_names.hpp"
#include "error.hpp"
#include "generator.hpp"
#include "provenance.hpp"
#include "sinks/dataset_layout.hpp"
#include "sinks/dataset_sink.hpp"
#include "sinks/numpy.hpp"
#include "sinks/parameter_table.hpp"
#include "sinks/simbaml_csv.hpp"
#include "sinks/tidy_csv.hpp"

namespace odesynth {

enum class dataset_format { simbaml_csv, tidy_csv, npy, npz };

constexpr std::string_view to_string(dataset_format f) noexcept {
  switch (f) {
    case dataset_format::simbaml_csv: return "simbaml_csv";
    case dataset_format::tidy_csv: return "tidy_csv";
    case dataset_format::npy: return "npy";
    case dataset_format::npz: return "npz";
  }
  return "unknown";
}

inline constexpr std::array<dataset_format, 4> all_dataset_formats{
    dataset_format::simbaml_csv, dataset_format::tidy_csv, dataset_format::npy,
    dataset_format::npz};

struct dataset_options {
  std::vector<dataset_format> formats{dataset_format::npy};
  bool overwrite = false;  ///< replace an existing dataset folder (atomically)
  simbaml_csv_options simbaml;
  numpy_options numpy;

  /// Throws invalid_argument naming the first bad field (`where` + ".formats", ...).
  void validate(std::string_view where = "dataset_options") const;
  bool has(dataset_format f) const {
    for (auto g : formats)
      if (g == f) return true;
    return false;
  }
};

struct dataset_result {
  std::filesystem::path folder;    ///< empty when the run was cancelled (nothing written)
  generation_report report;        ///< report.cancelled: a progress callback stopped the run
  std::vector<std::string> files;  ///< relative to folder
};

/// The layout a generator's trajectories will have.
template <class Integrator, class Transform>
dataset_layout layout_of(const generator<Integrator, Transform>& g) {
  const auto& model = g.integrator().description();
  dataset_layout layout;
  layout.model_name = model.name();
  layout.species = g.output_layout().species;
  layout.model_species = model.species();
  layout.parameters = g.integrator().sampled_parameters();
  layout.max_times = g.output_layout().num_times;
  return layout;
}

namespace detail {

/// One row of the format table (impl/dataset.ipp): a sink write_dataset makes when `wanted`
/// says the options ask for it, and the top-level names it may write (which
/// dataset_options::validate keeps simbaml.subfolder away from).
struct dataset_format_row {
  std::string_view sink;  ///< "parameter_table", "simbaml_csv", ...
  bool (*wanted)(const dataset_options& options);
  any_dataset_sink (*make)(const std::filesystem::path& folder, const dataset_layout& layout,
                           const dataset_options& options);
  std::array<std::string_view, 12> files;  ///< empty entries unused; a folder's name for CSVs
};

/// Every dataset sink, in the order of their files in metadata.json.
ODESYNTH_INLINE const std::vector<dataset_format_row>& dataset_format_table();

/// The sinks `options` ask for, from the table, made in `folder`; one call hands a trajectory
/// to each.
class dataset_writers {
 public:
  ODESYNTH_INLINE dataset_writers(const std::filesystem::path& folder, const dataset_layout& layout,
                                  const dataset_options& options);
  ODESYNTH_INLINE void operator()(std::uint64_t index, const trajectory& tr);
  /// Finishes every sink; the files they wrote, in table order.
  ODESYNTH_INLINE std::vector<std::string> finish();

 private:
  std::vector<any_dataset_sink> sinks_;
};

/// Trajectories [begin, end) are at least one and within the design's points; `who` is the
/// function ("write_dataset") whose `end` the errors name.
template <class Integrator, class Transform>
void check_dataset_range(const generator<Integrator, Transform>& g, std::uint64_t begin,
                         std::uint64_t end, std::string_view who) {
  if (begin >= end)
    throw_invalid(fmt::format("{}.end", who), end,
                  fmt::format("end > begin ({}): a dataset needs at least one trajectory", begin));
  if (const auto n = g.samples().required_count(); n && end > *n)
    throw_invalid(fmt::format("{}.end", who), end,
                  fmt::format("end <= {} (the sampling design holds {} points)", *n, *n));
}

}  // namespace detail

namespace detail {

/// write_dataset, with `after_each()` called on the calling thread after each trajectory
/// reached the sinks: the hook the MPI component uses to let MPI progress on the rank that
/// holds the shard counter (odesynth/mpi/distributed_dataset.hpp).
template <class Integrator, class Transform, class AfterEach>
dataset_result write_dataset_folder(const generator<Integrator, Transform>& g, std::uint64_t begin,
                                    std::uint64_t end, const std::filesystem::path& folder,
                                    const dataset_options& options, AfterEach&& after_each) {
  options.validate();
  check_dataset_range(g, begin, end, "write_dataset");
  const dataset_layout layout = layout_of(g);
  atomic_folder out(folder, options.overwrite);
  const auto& dir = out.temp_path();

  dataset_writers writers(dir, layout, options);

  dataset_result result;
  result.report = g.run(begin, end, [&](std::uint64_t index, trajectory&& tr) {
    writers(index, tr);
    after_each();
  });
  if (result.report.cancelled) {
    // A stopped run is not a dataset: nothing is committed. The sinks (declared after `out`)
    // close their files, then `out` removes its temporary folder; whatever was at `folder`
    // before stays as it was. The report says how far the run got.
    return result;
  }
  result.files = writers.finish();
  result.files.push_back("metadata.json");

  folder_file metadata(dir / "metadata.json");
  metadata.write(dataset_metadata(g, begin, end, result.report, result.files));
  metadata.close();
  out.commit();
  result.folder = folder;
  return result;
}

}  // namespace detail

/// Generates trajectories [begin, end) with `g` into the dataset folder `folder`. When the
/// generator's progress callback stops the run (generation_control::stop), nothing is
/// written: the result has an empty folder and file list and report.cancelled set.
template <class Integrator, class Transform>
dataset_result write_dataset(const generator<Integrator, Transform>& g, std::uint64_t begin,
                             std::uint64_t end, const std::filesystem::path& folder,
                             const dataset_options& options = {}) {
  return detail::write_dataset_folder(g, begin, end, folder, options, [] {});
}

namespace detail {

// A metadata document without its report and file list (and, unless `with_range`, without
// generation.begin and .end), as (key, text) pairs for comparison.
ODESYNTH_INLINE std::vector<std::pair<std::string, std::string>> configuration(const json& doc,
                                                                               bool with_range);

// True if two metadata documents describe the same generation (everything but the report and
// the file list): a finished shard may then be reused instead of regenerated.
ODESYNTH_INLINE bool same_generation(const json& a, const json& b);

ODESYNTH_INLINE std::string shard_name(std::uint64_t begin, std::uint64_t end);

// True if `name` is one of the shards of [begin, end) in shards of `shard_size` (O(1)).
ODESYNTH_INLINE bool planned_shard(const std::string& name, std::uint64_t begin, std::uint64_t end,
                                   std::uint64_t shard_size);

// A name shard_name() makes: "shard-<digits>-<digits>", at least 12 digits each.
ODESYNTH_INLINE bool is_shard_name(std::string_view name);

// write_dataset_shards' destination, checked before any solve: absent (then created), or a
// real folder (not a symbolic link: the shards would land in whatever it points to) holding
// only what write_dataset_shards writes there - the shard folders of this run, temporaries
// of shards or of metadata.json, and the metadata.json of a sharded dataset (of the same
// generator unless `overwrite`). That is what a run leaves behind, finished or killed at any
// point, so it is resumed; anything else is someone else's folder and is refused.
ODESYNTH_INLINE void prepare_shard_folder(const std::filesystem::path& folder, std::uint64_t begin,
                                          std::uint64_t end, std::uint64_t shard_size,
                                          const json& expected, bool overwrite);

// write_dataset_shards' destination without trailing separators: "out/d/" -> "out/d" (with
// the slash, a symbolic link "d" would be followed).
ODESYNTH_INLINE std::filesystem::path shard_destination(const std::filesystem::path& destination);

/// The shards of write_dataset_shards' range: shard k holds trajectories [first(k), last(k)),
/// shard_size of them (the last one fewer when shard_size does not divide the range), in the
/// folder name(k) inside `folder`.
struct shard_plan {
  std::filesystem::path folder;  ///< without trailing separators (see plan_shards)
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::uint64_t shard_size = 1;

  std::uint64_t count() const noexcept {
    const std::uint64_t n = end - begin;
    return n / shard_size + (n % shard_size != 0 ? 1 : 0);
  }
  std::uint64_t first(std::uint64_t k) const noexcept { return begin + k * shard_size; }
  std::uint64_t last(std::uint64_t k) const noexcept {
    const std::uint64_t a = first(k);
    return a + std::min(shard_size, end - a);
  }
  std::string name(std::uint64_t k) const { return shard_name(first(k), last(k)); }
  /// name(k) for every shard, in order: metadata.json's file list.
  ODESYNTH_INLINE std::vector<std::string> names() const;
};

/// Checks write_dataset_shards' arguments before anything touches the disk (errors name
/// `who`'s fields: "write_dataset_shards.shard_size") and returns its shards.
template <class Integrator, class Transform>
shard_plan plan_shards(const generator<Integrator, Transform>& g, std::uint64_t begin,
                       std::uint64_t end, const std::filesystem::path& destination,
                       std::uint64_t shard_size, const dataset_options& options,
                       std::string_view who) {
  shard_plan plan;
  // "out/d/" -> "out/d": with the slash, a symbolic link "d" would be followed.
  plan.folder = destination;
  while (!plan.folder.empty() && plan.folder.filename().empty() &&
         plan.folder.parent_path() != plan.folder)
    plan.folder = plan.folder.parent_path();
  options.validate();
  if (shard_size == 0) throw_invalid(fmt::format("{}.shard_size", who), shard_size, "a size >= 1");
  check_dataset_range(g, begin, end, who);
  plan.begin = begin;
  plan.end = end;
  plan.shard_size = shard_size;
  return plan;
}

/// prepare_shard_folder for `g`'s shards: run once, before any shard is written.
template <class Integrator, class Transform>
void prepare_shards(const generator<Integrator, Transform>& g, const shard_plan& plan,
                    const dataset_options& options) {
  prepare_shard_folder(plan.folder, plan.begin, plan.end, plan.shard_size,
                       json::parse(dataset_metadata(g, plan.begin, plan.end, generation_report{})),
                       options.overwrite);
}

struct shard_outcome {
  bool reused = false;       ///< finished by an earlier run with the same settings, left as it was
  generation_report report;  ///< of the generation, when not reused (report.cancelled: not written)
};

/// Shard k of `plan`: reused if a previous run finished it with the same generation settings
/// (unless options.overwrite), else written atomically by write_dataset (after_each as in
/// write_dataset_folder). A shard folder made with other settings is an io_error unless
/// options.overwrite.
template <class Integrator, class Transform, class AfterEach>
shard_outcome write_or_reuse_shard(const generator<Integrator, Transform>& g,
                                   const shard_plan& plan, std::uint64_t k,
                                   const dataset_options& options, AfterEach&& after_each) {
  namespace fs = std::filesystem;
  const std::uint64_t a = plan.first(k);
  const std::uint64_t b = plan.last(k);
  const fs::path shard = plan.folder / plan.name(k);
  shard_outcome outcome;
  std::error_code ec;
  if (fs::exists(shard, ec)) {
    const fs::path meta = shard / "metadata.json";
    std::ifstream in(meta, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    bool reusable = false;
    if (in || in.eof()) {
      try {
        const auto expected = json::parse(dataset_metadata(g, a, b, generation_report{}));
        reusable = same_generation(json::parse(text, meta.string()), expected);
      } catch (const error&) {
        reusable = false;
      }
    }
    if (reusable && !options.overwrite) {
      outcome.reused = true;
      return outcome;
    }
    if (!options.overwrite)
      throw io_error(shard.string(),
                     fmt::format("{} holds a shard made with other settings (pass overwrite = "
                                 "true to replace it)",
                                 shard.string()));
  }
  outcome.report =
      write_dataset_folder(g, a, b, shard, options, std::forward<AfterEach>(after_each)).report;
  return outcome;
}

/// The whole dataset's report: counts summed from the shards' own metadata.json (so reused
/// shards count too), each range-checked (see the definition). Throws io_error or
/// parse_error naming a shard whose metadata cannot be read.
ODESYNTH_INLINE generation_report sum_shard_reports(const shard_plan& plan, int max_attempts);

/// Writes `folder/metadata.json` once every shard exists: configuration of the full range,
/// the summed counts, the shard folders as its files.
template <class Integrator, class Transform>
void write_sharded_metadata(const generator<Integrator, Transform>& g, const shard_plan& plan) {
  const generation_report all = sum_shard_reports(plan, g.options().max_attempts);
  atomic_file meta(plan.folder / "metadata.json", /*overwrite=*/true);
  meta.write(dataset_metadata(g, plan.begin, plan.end, all, plan.names()));
  meta.commit();
}

}  // namespace detail

struct sharded_dataset_result {
  std::filesystem::path folder;
  generation_report report;         ///< summed over the shards generated by this call
  std::uint64_t shards = 0;         ///< shards of [begin, end)
  std::uint64_t shards_reused = 0;  ///< finished by an earlier run and left as they were
  std::vector<std::string> shard_folders;
};

/// Generates [begin, end) as shards of `shard_size` trajectories, each its own dataset folder
/// (written atomically as by write_dataset) inside `folder`, which is created if missing.
/// A shard that a previous run finished with the same generation settings is reused, so a run
/// that was interrupted resumes where it stopped and gives exactly the files of an
/// uninterrupted run. A shard folder made with other settings is an error unless
/// options.overwrite. When all shards exist, `folder/metadata.json` describes the whole range
/// and lists them. An existing `folder` must be a real folder (never a symbolic link) holding
/// nothing but this run's shard folders, temporaries of shards or metadata.json, and the
/// metadata.json of a sharded dataset of the same generator (of any generator with
/// overwrite): anything else is an io_error before any solve, whatever options.overwrite.
/// odesynth::mpi::write_dataset_shards (odesynth/mpi/distributed_dataset.hpp) writes the same
/// files from many MPI ranks, from the same pieces (detail::plan_shards, prepare_shards,
/// write_or_reuse_shard, write_sharded_metadata).
template <class Integrator, class Transform>
sharded_dataset_result write_dataset_shards(const generator<Integrator, Transform>& g,
                                            std::uint64_t begin, std::uint64_t end,
                                            const std::filesystem::path& destination,
                                            std::uint64_t shard_size,
                                            const dataset_options& options = {}) {
  const detail::shard_plan plan =
      detail::plan_shards(g, begin, end, destination, shard_size, options, "write_dataset_shards");
  detail::prepare_shards(g, plan, options);

  sharded_dataset_result result;
  result.folder = destination;
  generation_report total;
  for (std::uint64_t k = 0; k < plan.count(); ++k) {
    ++result.shards;
    result.shard_folders.push_back(plan.name(k));
    const auto done = detail::write_or_reuse_shard(g, plan, k, options, [] {});
    if (done.reused) {
      ++result.shards_reused;
      continue;
    }
    total.add(done.report);
    total.elapsed_seconds += done.report.elapsed_seconds;
    if (done.report.cancelled) {
      // The shards committed so far are complete and are reused when the run is resumed; the
      // whole dataset's metadata.json is not written, since it means every shard exists.
      total.cancelled = true;
      result.report = total;
      return result;
    }
  }
  result.report = total;
  detail::write_sharded_metadata(g, plan);
  return result;
}

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::dataset_format>
    : odesynth::detail::enum_formatter<odesynth::dataset_format> {};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/dataset.ipp"
#endif
