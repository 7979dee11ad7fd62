// odesynth/impl/dataset.ipp - the non-template code of dataset.hpp, compiled in every file that
// includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "../dataset.hpp"

namespace odesynth {

ODESYNTH_INLINE void dataset_options::validate(std::string_view where) const {
  if (formats.empty())
    detail::throw_invalid(fmt::format("{}.formats", where), "[]", "at least one format");
  for (std::size_t i = 0; i < formats.size(); ++i)
    for (std::size_t k = 0; k < i; ++k)
      if (formats[k] == formats[i])
        detail::throw_invalid(fmt::format("{}.formats[{}]", where, i), to_string(formats[i]),
                              "each format at most once");
  simbaml.validate(fmt::format("{}.simbaml", where));
  const auto refuse_subfolder = [&] {
    detail::throw_invalid(fmt::format("{}.simbaml.subfolder", where), simbaml.subfolder,
                          "a plain folder name that is not a file of the dataset");
  };
  if (simbaml.subfolder == "metadata.json") refuse_subfolder();
  for (const auto& row : detail::dataset_format_table())
    for (const std::string_view taken : row.files)
      if (!taken.empty() && simbaml.subfolder == taken) refuse_subfolder();
}

namespace detail {

// The format table: one row per sink. write_dataset makes the wanted ones in this order, and
// their files are listed in metadata.json in this order (so it is part of the file format).
ODESYNTH_INLINE const std::vector<dataset_format_row>& dataset_format_table() {
  static const std::vector<dataset_format_row> table{
      {"parameter_table",
       [](const dataset_options&) { return true; },
       [](const std::filesystem::path& folder, const dataset_layout& layout,
          const dataset_options&) {
         return any_dataset_sink::make<parameter_table_sink>(folder, layout);
       },
       {"parameters.csv"}},
      {"simbaml_csv",
       [](const dataset_options& o) { return o.has(dataset_format::simbaml_csv); },
       [](const std::filesystem::path& folder, const dataset_layout& layout,
          const dataset_options& o) {
         return any_dataset_sink::make<simbaml_csv_sink>(folder, layout, o.simbaml);
       },
       {}},  // <model>_<i>.csv, or its files inside o.simbaml.subfolder
      {"tidy_csv",
       [](const dataset_options& o) { return o.has(dataset_format::tidy_csv); },
       [](const std::filesystem::path& folder, const dataset_layout& layout,
          const dataset_options&) { return any_dataset_sink::make<tidy_csv_sink>(folder, layout); },
       {"data.csv"}},
      {"numpy",  // npy files, the npz bundle, or both, from one pass
       [](const dataset_options& o) {
         return o.has(dataset_format::npy) || o.has(dataset_format::npz);
       },
       [](const std::filesystem::path& folder, const dataset_layout& layout,
          const dataset_options& o) {
         numpy_options np = o.numpy;
         np.npy_files = o.has(dataset_format::npy);
         np.npz_bundle = o.has(dataset_format::npz);
         return any_dataset_sink::make<numpy_sink>(folder, layout, np);
       },
       {"dataset.npz", "values.npy", "mask.npy", "times.npy", "lengths.npy", "index.npy",
        "status.npy", "parameters.npy", "initial_state.npy", "status_names.npy"}},
  };
  return table;
}

ODESYNTH_INLINE dataset_writers::dataset_writers(const std::filesystem::path& folder,
                                                 const dataset_layout& layout,
                                                 const dataset_options& options) {
  for (const auto& row : dataset_format_table())
    if (row.wanted(options)) sinks_.push_back(row.make(folder, layout, options));
}

ODESYNTH_INLINE void dataset_writers::operator()(std::uint64_t index, const trajectory& tr) {
  for (auto& sink : sinks_) sink(index, tr);
}

ODESYNTH_INLINE std::vector<std::string> dataset_writers::finish() {
  std::vector<std::string> files;
  for (auto& sink : sinks_) {
    std::vector<std::string> more = sink.finish();
    files.insert(files.end(), std::make_move_iterator(more.begin()),
                 std::make_move_iterator(more.end()));
  }
  return files;
}

}  // namespace detail

namespace detail {
ODESYNTH_INLINE std::vector<std::pair<std::string, std::string>> configuration(const json& doc,
                                                                               bool with_range) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, value] : doc.as_object("metadata")) {
    if (key == "report" || key == "files") continue;
    if (key == "generation" && !with_range && value.is_object()) {
      json g = json::make_object();
      for (const auto& [k, v] : value.as_object("metadata.generation"))
        if (k != "begin" && k != "end") g.set(k, v);
      out.emplace_back(key, g.dump());
    } else {
      out.emplace_back(key, value.dump());
    }
  }
  return out;
}

ODESYNTH_INLINE bool same_generation(const json& a, const json& b) {
  return configuration(a, true) == configuration(b, true);
}

ODESYNTH_INLINE std::string shard_name(std::uint64_t begin, std::uint64_t end) {
  return fmt::format("shard-{:012}-{:012}", begin, end);
}

ODESYNTH_INLINE bool planned_shard(const std::string& name, std::uint64_t begin, std::uint64_t end,
                                   std::uint64_t shard_size) {
  std::uint64_t a = 0;
  const char* first = name.data() + 6;  // after "shard-"
  const auto r = std::from_chars(first, name.data() + name.size(), a);
  if (r.ec != std::errc() || a < begin || a >= end || (a - begin) % shard_size != 0) return false;
  return name == shard_name(a, a + std::min(shard_size, end - a));
}

ODESYNTH_INLINE std::vector<std::string> shard_plan::names() const {
  std::vector<std::string> out;
  for (std::uint64_t k = 0; k < count(); ++k) out.push_back(name(k));
  return out;
}

// A reused shard's report is not compared with anything (same_generation ignores it), so its
// counts are range-checked: each at most the shard's size (re-samples: max_attempts - 1 per
// trajectory), so sums cannot wrap around.
ODESYNTH_INLINE generation_report sum_shard_reports(const shard_plan& plan, int max_attempts) {
  generation_report all;
  all.requested = plan.end - plan.begin;
  for (std::uint64_t k = 0; k < plan.count(); ++k) {
    const std::string name = plan.name(k);
    const std::uint64_t size = plan.last(k) - plan.first(k);
    const std::string source = (plan.folder / name / "metadata.json").string();
    std::ifstream in(source, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    const auto doc = json::parse(text, source);
    const auto& r = doc.at("report", name);
    const auto count = [&](const json& j, const std::string& field, std::uint64_t most) {
      return j.as_integer<std::uint64_t>(name + ".report." + field, source, 0, most);
    };
    // At most max_attempts - 1 re-samples per trajectory (saturated: a bound, not a count).
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    const auto extra = static_cast<std::uint64_t>(max_attempts - 1);
    const std::uint64_t most_resampled = extra && size > max / extra ? max : size * extra;
    all.delivered += count(r.at("delivered", name), "delivered", size);
    all.dropped += count(r.at("dropped", name), "dropped", size);
    const std::uint64_t resampled = count(r.at("resampled", name), "resampled", most_resampled);
    all.resampled = max - all.resampled < resampled ? max : all.resampled + resampled;
    const auto& counts = r.at("status_counts", name);
    for (auto st : all_solve_statuses)
      all.status_counts[static_cast<std::size_t>(st)] += count(
          counts.at(to_string(st), name), fmt::format("status_counts.{}", to_string(st)), size);
  }
  return all;
}

ODESYNTH_INLINE bool is_shard_name(std::string_view name) {
  const auto digits = [](std::string_view d) {
    if (d.size() < 12 || d.size() > 20) return false;
    for (char c : d)
      if (c < '0' || c > '9') return false;
    return true;
  };
  if (name.substr(0, 6) != "shard-") return false;
  const auto dash = name.find('-', 6);
  return dash != std::string_view::npos && digits(name.substr(6, dash - 6)) &&
         digits(name.substr(dash + 1));
}

ODESYNTH_INLINE void prepare_shard_folder(const std::filesystem::path& folder, std::uint64_t begin,
                                          std::uint64_t end, std::uint64_t shard_size,
                                          const json& expected, bool overwrite) {
  namespace fs = std::filesystem;
  const std::string existing = describe_entry(folder);
  if (existing.empty()) {
    check_destination(folder, destination_kind::folder, false);
    std::error_code ec;
    if (!fs::create_directory(folder, ec) && ec)
      throw io_error(folder.string(),
                     fmt::format("cannot create {}: {}", folder.string(), ec.message()));
    if (describe_entry(folder) != "a folder")
      throw io_error(folder.string(), fmt::format("{} appeared meanwhile and is not a folder; "
                                                  "not writing shards into it",
                                                  folder.string()));
    return;
  }
  if (existing != "a folder")
    throw io_error(folder.string(),
                   fmt::format("{} exists and is not a folder (it is {}); not writing shards "
                               "into it",
                               folder.string(), existing));
  const auto foreign = [&](const std::string& why) {
    throw io_error(folder.string(),
                   fmt::format("{} exists and is not a sharded dataset ({}); not writing "
                               "shards into it",
                               folder.string(), why));
  };
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), last; !ec && it != last; it.increment(ec))
    names.push_back(it->path().filename().string());
  if (ec)
    throw io_error(folder.string(),
                   fmt::format("cannot read the folder {}: {}", folder.string(), ec.message()));
  std::sort(names.begin(), names.end());  // the same entry is named whatever the listing order
  for (const auto& name : names) {
    const fs::path entry = folder / name;
    const std::string kind = describe_entry(entry);
    if (name == "metadata.json") {
      if (kind != "a regular file") foreign(fmt::format("its metadata.json is {}", kind));
      std::ifstream in(entry, std::ios::binary);
      const std::string text((std::istreambuf_iterator<char>(in)), {});
      bool sharded = false;
      std::optional<json> doc;
      try {
        doc = json::parse(text, entry.string());
        const json* format = doc->find("format");
        const json* files = doc->find("files");
        sharded = format && format->is_string() &&
                  format->as_string("format") == "odesynth-dataset" && files && files->is_array();
        for (std::size_t i = 0; sharded && i < files->as_array("files").size(); ++i) {
          const json& f = files->as_array("files")[i];
          sharded = f.is_string() && is_shard_name(f.as_string("files"));
        }
        sharded = sharded && doc->find("generation") && doc->find("generation")->is_object();
      } catch (const error&) {
        sharded = false;
      }
      if (!sharded) foreign("its metadata.json is not a sharded dataset's");
      if (!overwrite && configuration(*doc, false) != configuration(expected, false))
        throw io_error(folder.string(),
                       fmt::format("{} holds a sharded dataset made with other settings (pass "
                                   "overwrite = true to replace it)",
                                   folder.string()));
      continue;
    }
    if (is_shard_name(name)) {
      if (kind != "a folder") foreign(fmt::format("it holds {}, which is {}", name, kind));
      if (!planned_shard(name, begin, end, shard_size))
        throw io_error(folder.string(),
                       fmt::format("{} holds {}, which is not one of this run's shards (a "
                                   "different range or shard size); not mixing them",
                                   folder.string(), name));
      continue;
    }
    // A temporary of a shard or of metadata.json: ".<that name>.odesynth-tmp-<pid>-<n>".
    const auto marker = name.find(temp_marker);
    if (marker != std::string::npos && marker > 1) {
      const std::string of = name.substr(1, marker - 1);
      if ((of == "metadata.json" || is_shard_name(of)) && temporary_owner(name, of) >= 0) continue;
    }
    foreign(fmt::format("it holds {}", name));
  }
}

ODESYNTH_INLINE std::filesystem::path shard_destination(const std::filesystem::path& destination) {
  std::filesystem::path folder = destination;
  while (!folder.empty() && folder.filename().empty() && folder.parent_path() != folder)
    folder = folder.parent_path();
  return folder;
}

}  // namespace detail

}  // namespace odesynth
