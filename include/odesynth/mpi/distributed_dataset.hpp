// odesynth/mpi/distributed_dataset.hpp - one sharded dataset written by many MPI ranks.
//
//   MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);  // generator threads make
//                                                                    // no MPI calls
//   const auto written = odesynth::mpi::write_dataset_shards(MPI_COMM_WORLD, generator, 0,
//                                                            100000, "out/sir", 500, options);
//
// Every rank of `comm` calls it with the same arguments. The folder it leaves is exactly the
// folder odesynth::write_dataset_shards (dataset.hpp) leaves, byte for byte, for any number of
// ranks: `folder/shard-<begin>-<end>/` dataset folders, each written atomically by
// write_dataset, and `folder/metadata.json` listing them. The two share their code
// (detail::plan_shards, prepare_shards, write_or_reuse_shard, write_sharded_metadata), and a
// trajectory depends only on (seed, index), never on who made it.
//
// How the work is shared: ranks claim shards one at a time from a counter in an MPI window
// on rank 0 (MPI_Fetch_and_op(MPI_SUM) under MPI_LOCK_SHARED), so a rank that drew cheap
// shards takes more of them; every rank, rank 0 included, generates. Claim order decides only
// who writes a shard, never its bytes.
//
// What each step guarantees:
// - Arguments are checked on every rank as write_dataset_shards checks them, and rank 0's
//   arguments and generation settings are compared with every other rank's (a rank with
//   another seed would otherwise slip foreign shards into the dataset). The same error on
//   every rank (shard_size = 0 everywhere) is thrown on every rank as that same type
//   (invalid_argument, io_error); differing outcomes are a rank_failure naming the ranks.
// - Rank 0 alone prepares the folder (creates it, or checks that it holds only this run's
//   shards); its error is thrown on every rank as the same type, before any shard is claimed.
// - A shard finished by an earlier run with the same settings is reused; the others are
//   written, so a job that was killed or requeued resumes with the missing shards only.
// - A rank whose shard fails (an I/O error, a worker's exception) stops claiming and tells
//   the others to stop claiming too; they finish the shard they are writing (a shard is never
//   abandoned half-way by another rank's failure: it is committed or not at all). Then every
//   rank, the failing ones included, meets in one final agreement and throws the same
//   rank_failure naming each failing rank and its message. metadata.json is not written;
//   finished shards stay, so running the job again resumes.
// - A progress callback (generator_options::on_progress) runs on each rank for the shards
//   that rank writes, as in write_dataset_shards. When it stops a shard, the rank stops
//   claiming and tells the others; every rank returns a result with report.cancelled set, and
//   metadata.json is not written.
// - MPI errors abort the job (MPI_ERRORS_ARE_FATAL on the communicator this function works
//   on): a broken MPI layer cannot be agreed over, and an abort ends the job where an
//   exception on one rank could leave the others waiting.
//
// Extra records (which rank wrote or reused which shard) are in the returned result only:
// the folder must stay byte-identical to the single-process one, and write_dataset_shards
// refuses a folder holding anything else.
#pragma once

#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../dataset.hpp"
#include "../error.hpp"
#include "../generator.hpp"

namespace odesynth::mpi {

/// One failing rank: its number and the what() of its exception.
struct rank_error {
  int rank = 0;
  std::string message;
};

/// Thrown on every rank of a distributed write when any rank failed: failures() lists each
/// failing rank with its message, in rank order; what() names them all.
class rank_failure : public error {
 public:
  rank_failure(std::string_view where, std::vector<rank_error> failures)
      : error(describe(where, failures)), failures_(std::move(failures)) {}

  const std::vector<rank_error>& failures() const noexcept { return failures_; }
  /// The failing ranks, in order.
  std::vector<int> ranks() const {
    std::vector<int> out;
    for (const auto& f : failures_) out.push_back(f.rank);
    return out;
  }

 private:
  static std::string describe(std::string_view where, const std::vector<rank_error>& failures) {
    std::string text =
        fmt::format("{}: {} failed", where,
                    failures.size() == 1 ? "1 rank" : fmt::format("{} ranks", failures.size()));
    for (const auto& f : failures) {
      std::string_view m = f.message;
      if (m.substr(0, 10) == "odesynth: ") m.remove_prefix(10);
      text += fmt::format("; rank {}: {}", f.rank, m);
    }
    return text;
  }

  std::vector<rank_error> failures_;
};

/// Who finished a shard in this call.
struct shard_record {
  std::uint64_t shard = 0;  ///< its number: shard_folders[shard]
  int rank = 0;             ///< the rank that claimed it
  bool reused = false;      ///< finished by an earlier run and left as it was (else written now)
};

struct distributed_dataset_result {
  std::filesystem::path folder;
  /// Summed over every rank's generated shards (peak_alive: the largest); elapsed_seconds is
  /// this call's wall time on this rank; cancelled: a progress callback on some rank stopped.
  generation_report report;
  generation_report rank_report;    ///< this rank's shards only (elapsed: their sum)
  std::uint64_t shards = 0;         ///< shards of [begin, end)
  std::uint64_t shards_reused = 0;  ///< finished by an earlier run and left as they were
  std::uint64_t shards_written = 0;
  std::vector<std::string> shard_folders;  ///< every shard of [begin, end), in order
  /// One record per shard finished in this call (written or reused), by shard number. All of
  /// them unless cancelled.
  std::vector<shard_record> shard_log;
  int rank = 0;   ///< this rank in `comm`
  int ranks = 1;  ///< ranks in `comm`
};

namespace detail {

using odesynth::detail::json;

inline constexpr std::string_view where = "mpi::write_dataset_shards";

/// Claims are counted in 64 bits and a rank that stops adds the shard count once (see
/// shard_counter): at most 2^32 shards keeps every sum below 2^64 for any number of ranks.
/// A shard is a folder; no file system holds that many in one folder anyway.
inline constexpr std::uint64_t max_shards = std::uint64_t{1} << 32;

/// An exception as data, so that the ranks that did not see it can throw the same one.
struct error_record {
  /// The exception's type: none (no failure), one of odesynth's, or foreign (any other).
  enum class kind_t : std::uint64_t {
    none,
    foreign,
    error,
    invalid_argument,
    io_error,
    parse_error
  };
  kind_t kind = kind_t::none;
  std::string message;  ///< what()
  std::string field, value, path;
  std::uint64_t line = 0, column = 0;

  bool failed() const noexcept { return kind != kind_t::none; }
  bool operator==(const error_record& o) const {
    return kind == o.kind && message == o.message && field == o.field && value == o.value &&
           path == o.path && line == o.line && column == o.column;
  }

  /// The exception being handled (call inside a catch block).
  static error_record current() {
    error_record r;
    try {
      throw;
    } catch (const odesynth::parse_error& e) {
      r = {kind_t::parse_error, e.what(), {}, {}, e.path(), e.line(), e.column()};
    } catch (const odesynth::io_error& e) {
      r = {kind_t::io_error, e.what(), {}, {}, e.path(), 0, 0};
    } catch (const odesynth::invalid_argument& e) {
      r = {kind_t::invalid_argument, e.what(), e.field(), e.value(), {}, 0, 0};
    } catch (const odesynth::error& e) {
      r = {kind_t::error, e.what(), {}, {}, {}, 0, 0};
    } catch (const std::exception& e) {
      r = {kind_t::foreign, e.what(), {}, {}, {}, 0, 0};
    } catch (...) {
      r = {kind_t::foreign, "an exception that is not a std::exception", {}, {}, {}, 0, 0};
    }
    return r;
  }

  /// Throws the exception this records, as its type; one that is not odesynth's becomes a
  /// rank_failure of `rank`.
  [[noreturn]] void raise(int rank) const {
    // The constructors put "odesynth: " back in front.
    std::string text = message;
    if (kind != kind_t::foreign && text.rfind("odesynth: ", 0) == 0) text.erase(0, 10);
    switch (kind) {
      case kind_t::parse_error: throw odesynth::parse_error(path, line, column, text);
      case kind_t::io_error: throw odesynth::io_error(path, text);
      case kind_t::invalid_argument: throw odesynth::invalid_argument(field, value, text);
      case kind_t::error: throw odesynth::error(text);
      default: throw rank_failure(where, {{rank, message}});
    }
  }
};

/// Bytes in, bytes out: what ranks exchange (numbers as 8 bytes in this machine's order; all
/// ranks run the same program on one cluster).
class packer {
 public:
  packer& u64(std::uint64_t v) {
    char b[8];
    std::memcpy(b, &v, 8);
    bytes_.append(b, 8);
    return *this;
  }
  packer& text(const std::string& s) {
    u64(s.size());
    bytes_ += s;
    return *this;
  }
  packer& report(const generation_report& r) {
    u64(r.requested).u64(r.delivered).u64(r.dropped).u64(r.resampled).u64(r.peak_alive);
    for (auto c : r.status_counts) u64(c);
    return u64(r.cancelled ? 1 : 0);
  }
  packer& failure(const error_record& e) {
    u64(static_cast<std::uint64_t>(e.kind))
        .text(e.message)
        .text(e.field)
        .text(e.value)
        .text(e.path);
    return u64(e.line).u64(e.column);
  }
  const std::string& bytes() const noexcept { return bytes_; }

 private:
  std::string bytes_;
};

class unpacker {
 public:
  explicit unpacker(const std::string& bytes) : bytes_(bytes) {}
  std::uint64_t u64() {
    std::uint64_t v = 0;
    if (bytes_.size() - at_ < 8)
      throw odesynth::error(fmt::format("{}: a truncated message", where));
    std::memcpy(&v, bytes_.data() + at_, 8);
    at_ += 8;
    return v;
  }
  std::string text() {
    const std::uint64_t n = u64();
    if (bytes_.size() - at_ < n)
      throw odesynth::error(fmt::format("{}: a truncated message", where));
    std::string s = bytes_.substr(at_, static_cast<std::size_t>(n));
    at_ += static_cast<std::size_t>(n);
    return s;
  }
  generation_report report() {
    generation_report r;
    r.requested = u64();
    r.delivered = u64();
    r.dropped = u64();
    r.resampled = u64();
    r.peak_alive = static_cast<std::size_t>(u64());
    for (auto& c : r.status_counts) c = u64();
    r.cancelled = u64() != 0;
    return r;
  }
  error_record failure() {
    error_record e;
    const std::uint64_t kind = u64();
    if (kind > static_cast<std::uint64_t>(error_record::kind_t::parse_error))
      throw odesynth::error(fmt::format("{}: a malformed message", where));
    e.kind = static_cast<error_record::kind_t>(kind);
    e.message = text();
    e.field = text();
    e.value = text();
    e.path = text();
    e.line = u64();
    e.column = u64();
    return e;
  }

 private:
  const std::string& bytes_;
  std::size_t at_ = 0;
};

/// A duplicate of the caller's communicator: our messages never match theirs, and MPI errors
/// on it abort the job (see the top of this header). Freed by the destructor (collective: every
/// rank destroys it at the same point, since nothing between creation and destruction escapes
/// unagreed).
class communicator {
 public:
  explicit communicator(MPI_Comm comm) {
    MPI_Comm_dup(comm, &comm_);
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  communicator(const communicator&) = delete;
  communicator& operator=(const communicator&) = delete;
  ~communicator() { MPI_Comm_free(&comm_); }

  MPI_Comm get() const noexcept { return comm_; }
  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }

  /// `bytes` of root, on every rank.
  std::string broadcast(std::string bytes, int root = 0) const {
    std::uint64_t n = bytes.size();
    MPI_Bcast(&n, 1, MPI_UINT64_T, root, comm_);
    bytes.resize(static_cast<std::size_t>(n));
    // In pieces of at most INT_MAX bytes: MPI counts are int.
    for (std::uint64_t at = 0; at < n;) {
      const int piece = static_cast<int>(std::min<std::uint64_t>(n - at, INT_MAX));
      MPI_Bcast(bytes.data() + at, piece, MPI_CHAR, root, comm_);
      at += static_cast<std::uint64_t>(piece);
    }
    return bytes;
  }

  /// Every rank's `bytes`, by rank, on every rank. The sizes are exchanged first, so that a
  /// total over MPI's int counts (2 GiB) is the same error on every rank, never a hang.
  std::vector<std::string> all_gather(const std::string& bytes) const {
    const std::uint64_t mine = bytes.size();
    std::vector<std::uint64_t> sizes(static_cast<std::size_t>(size_));
    MPI_Allgather(&mine, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, comm_);
    std::vector<int> counts, offsets;
    std::uint64_t total = 0;
    for (const std::uint64_t n : sizes) {
      offsets.push_back(static_cast<int>(std::min<std::uint64_t>(total, INT_MAX)));
      counts.push_back(static_cast<int>(std::min<std::uint64_t>(n, INT_MAX)));
      total += n;
    }
    if (total > static_cast<std::uint64_t>(INT_MAX))
      throw odesynth::error(fmt::format(
          "{}: the ranks' reports take {} bytes, more than one MPI message holds", where, total));
    std::string all(static_cast<std::size_t>(total), '\0');
    MPI_Allgatherv(bytes.data(), static_cast<int>(mine), MPI_CHAR, all.data(), counts.data(),
                   offsets.data(), MPI_CHAR, comm_);
    std::vector<std::string> out;
    for (std::size_t r = 0; r < sizes.size(); ++r)
      out.push_back(
          all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(counts[r])));
    return out;
  }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

/// The shard counter: one 64-bit integer in an MPI window on rank 0. claim() returns the next
/// shard number (or >= the shard count: nothing left); stop() makes every later claim return
/// >= the shard count by adding the count once, so a failing or cancelled rank ends the
/// others' claiming with the same atomic operation (one op, MPI_SUM, on one location: what
/// the default accumulate_ops = same_op_no_op allows concurrently). Creation and destruction
/// are collective.
class shard_counter {
 public:
  shard_counter(const communicator& comm, std::uint64_t shards) : shards_(shards) {
    const MPI_Aint bytes = comm.rank() == 0 ? static_cast<MPI_Aint>(sizeof(std::uint64_t)) : 0;
    MPI_Win_allocate(bytes, sizeof(std::uint64_t), MPI_INFO_NULL, comm.get(), &base_, &window_);
    MPI_Win_set_errhandler(window_, MPI_ERRORS_ARE_FATAL);
    if (comm.rank() == 0) {
      // Local stores to window memory are allowed inside an exclusive epoch on oneself.
      MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, window_);
      *base_ = 0;
      MPI_Win_unlock(0, window_);
    }
    MPI_Barrier(comm.get());  // no claim before the counter is zero
  }
  shard_counter(const shard_counter&) = delete;
  shard_counter& operator=(const shard_counter&) = delete;
  ~shard_counter() { MPI_Win_free(&window_); }

  std::uint64_t claim() { return add(1); }
  void stop() { add(shards_); }

 private:
  std::uint64_t add(std::uint64_t amount) {
    std::uint64_t before = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, window_);
    MPI_Fetch_and_op(&amount, &before, MPI_UINT64_T, 0, 0, MPI_SUM, window_);
    MPI_Win_unlock(0, window_);
    return before;
  }

  std::uint64_t shards_;
  std::uint64_t* base_ = nullptr;
  MPI_Win window_ = MPI_WIN_NULL;
};

/// What must be equal on every rank: the arguments and the generation settings.
template <class Integrator, class Transform>
std::string settings_of(const generator<Integrator, Transform>& g, std::uint64_t begin,
                        std::uint64_t end, const std::filesystem::path& folder,
                        std::uint64_t shard_size, const dataset_options& o) {
  std::string formats;
  for (auto f : o.formats) formats += fmt::format("{},", to_string(f));
  return fmt::format(
      "folder={}\nbegin={} end={} shard_size={}\nformats={} overwrite={}\nsimbaml.time_column={} "
      "simbaml.subfolder={}\nnumpy.values_dtype={}\nmetadata={}\n",
      folder.string(), begin, end, shard_size, formats, o.overwrite, o.simbaml.time_column,
      o.simbaml.subfolder, static_cast<int>(o.numpy.values_dtype),
      dataset_metadata(g, begin, end, generation_report{}));
}

/// Where `mine` first differs from `root`, as a short excerpt of each, for the message.
inline std::string first_difference(const std::string& mine, const std::string& root) {
  std::size_t at = 0;
  while (at < mine.size() && at < root.size() && mine[at] == root[at]) ++at;
  const std::size_t from = at > 40 ? at - 40 : 0;
  const auto excerpt = [&](const std::string& s) {
    std::string e = s.substr(std::min(from, s.size()), 100);
    std::replace(e.begin(), e.end(), '\n', ' ');
    return e;
  };
  return fmt::format("character {}: here \"{}\", on rank 0 \"{}\"", at, excerpt(mine),
                     excerpt(root));
}

/// Agreement on a step every rank took: nothing happens when no rank failed; the same error
/// on every rank is thrown as itself; anything else is a rank_failure naming the failing ranks.
inline void agree(const communicator& comm, const error_record& mine) {
  int failed = mine.failed() ? 1 : 0;
  int any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, comm.get());
  if (!any) return;
  const auto all = comm.all_gather(packer().failure(mine).bytes());
  std::vector<error_record> records;
  for (const auto& bytes : all) records.push_back(unpacker(bytes).failure());
  if (std::all_of(records.begin(), records.end(),
                  [&](const error_record& r) { return r == records.front(); }) &&
      records.front().kind != error_record::kind_t::foreign)
    records.front().raise(0);
  std::vector<rank_error> failures;
  for (std::size_t r = 0; r < records.size(); ++r)
    if (records[r].failed()) failures.push_back({static_cast<int>(r), records[r].message});
  throw rank_failure(where, std::move(failures));
}

}  // namespace detail

/// Writes [begin, end) of `g` as shards of `shard_size` trajectories into `folder` from every
/// rank of `comm` (collective: every rank calls it, with the same arguments), giving exactly
/// the files of odesynth::write_dataset_shards(g, begin, end, folder, shard_size, options).
/// See the top of this header for what happens on errors, cancellation and resumption.
/// Throws on every rank: the single-process function's own error (invalid_argument, io_error)
/// when every rank got it, else rank_failure naming each failing rank.
template <class Integrator, class Transform>
distributed_dataset_result write_dataset_shards(MPI_Comm comm,
                                                const generator<Integrator, Transform>& g,
                                                std::uint64_t begin, std::uint64_t end,
                                                const std::filesystem::path& folder,
                                                std::uint64_t shard_size,
                                                const dataset_options& options = {}) {
  using detail::error_record;
  const auto t0 = std::chrono::steady_clock::now();
  const detail::communicator world(comm);

  // 1. Arguments: checked everywhere, compared with rank 0's.
  odesynth::detail::shard_plan plan;
  error_record checked;
  std::string settings;
  try {
    plan = odesynth::detail::plan_shards(g, begin, end, folder, shard_size, options, detail::where);
    if (plan.count() > detail::max_shards)
      odesynth::detail::throw_invalid(
          fmt::format("{}.shard_size", detail::where), shard_size,
          fmt::format("a size giving at most 2^32 shards ([{}, {}) gives {})", begin, end,
                      plan.count()));
    settings = detail::settings_of(g, begin, end, folder, shard_size, options);
  } catch (...) {
    checked = error_record::current();
  }
  const std::string root_settings = world.broadcast(settings);
  if (!checked.failed() && world.rank() != 0 && root_settings.empty()) {
    // Rank 0 failed its checks: its error is reported as its own.
  } else if (!checked.failed() && settings != root_settings) {
    checked.kind = error_record::kind_t::error;
    checked.message = fmt::format(
        "odesynth: {}: this rank's arguments or generator differ from rank 0's, from {}",
        detail::where, detail::first_difference(settings, root_settings));
  }
  detail::agree(world, checked);

  // 2. The folder, prepared once by rank 0 before any rank claims a shard.
  error_record prepared;
  if (world.rank() == 0) {
    try {
      odesynth::detail::prepare_shards(g, plan, options);
    } catch (...) {
      prepared = error_record::current();
    }
  }
  const error_record root_prepared =
      detail::unpacker(world.broadcast(detail::packer().failure(prepared).bytes())).failure();
  if (root_prepared.failed()) root_prepared.raise(0);

  // 3. Claim and write shards until none is left or some rank stops. Nothing may escape this
  // block unrecorded: every rank must reach the window's (collective) destruction and the
  // agreement below, whatever happened to it.
  distributed_dataset_result result;
  result.folder = folder;
  result.rank = world.rank();
  result.ranks = world.size();
  error_record failure;
  std::vector<shard_record> mine;
  {
    detail::shard_counter counter(world, plan.count());
    // On rank 0, each delivered trajectory lets MPI progress: where the window's atomics are
    // not done by the network or shared memory (OpenMPI's osc/pt2pt over TCP), other ranks'
    // claims wait for rank 0 to enter MPI, so it does so at least once per trajectory.
    const bool host = world.rank() == 0 && world.size() > 1;
    const auto after_each = [&world, host] {
      int flag = 0;
      if (host) MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, world.get(), &flag, MPI_STATUS_IGNORE);
    };
    try {
      for (std::uint64_t k = counter.claim(); k < plan.count(); k = counter.claim()) {
        const auto done = odesynth::detail::write_or_reuse_shard(g, plan, k, options, after_each);
        if (done.reused) {
          mine.push_back({k, world.rank(), true});
          continue;
        }
        result.rank_report.add(done.report);
        result.rank_report.elapsed_seconds += done.report.elapsed_seconds;
        if (done.report.cancelled) {
          result.rank_report.cancelled = true;
          counter.stop();
          break;
        }
        mine.push_back({k, world.rank(), false});
      }
    } catch (...) {
      failure = error_record::current();
      try {
        counter.stop();
      } catch (...) {  // MPI errors abort; nothing else throws here
      }
    }
  }

  // 4. The final agreement: every rank learns every failure, cancellation, report and shard.
  std::vector<std::string> outcomes;
  {
    detail::packer out;
    out.failure(failure).report(result.rank_report).u64(mine.size());
    for (const auto& s : mine) out.u64(s.shard).u64(s.reused ? 1 : 0);
    outcomes = world.all_gather(out.bytes());
  }
  std::vector<rank_error> failures;
  for (std::size_t r = 0; r < outcomes.size(); ++r) {
    detail::unpacker in(outcomes[r]);
    const error_record e = in.failure();
    if (e.failed()) failures.push_back({static_cast<int>(r), e.message});
    const generation_report rr = in.report();
    result.report.add(rr);
    result.report.cancelled = result.report.cancelled || rr.cancelled;
    for (std::uint64_t n = in.u64(), i = 0; i < n; ++i) {
      shard_record s;
      s.shard = in.u64();
      s.rank = static_cast<int>(r);
      s.reused = in.u64() != 0;
      (s.reused ? result.shards_reused : result.shards_written) += 1;
      result.shard_log.push_back(s);
    }
  }
  std::sort(result.shard_log.begin(), result.shard_log.end(),
            [](const auto& a, const auto& b) { return a.shard < b.shard; });
  if (!failures.empty()) throw rank_failure(detail::where, std::move(failures));
  result.shards = plan.count();
  result.shard_folders = plan.names();

  // 5. The whole dataset's metadata.json, by rank 0, once every shard exists.
  if (!result.report.cancelled) {
    error_record finished;
    if (world.rank() == 0) {
      try {
        odesynth::detail::write_sharded_metadata(g, plan);
      } catch (...) {
        finished = error_record::current();
      }
    }
    const error_record root_finished =
        detail::unpacker(world.broadcast(detail::packer().failure(finished).bytes())).failure();
    if (root_finished.failed()) throw rank_failure(detail::where, {{0, root_finished.message}});
  }
  result.report.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace odesynth::mpi
