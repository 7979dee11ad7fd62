// odesynth/sinks/dataset_sink.hpp - what a writer of one dataset format provides, and a
// holder for any of them.
//
// A dataset sink writes one format into a dataset folder (write_dataset's temporary folder,
// renamed into place only when every sink has finished):
//
//   Sink(const std::filesystem::path& folder, const dataset_layout& layout, <its options>);
//       creates its files; an I/O failure is an io_error naming the path
//   void operator()(std::uint64_t index, const trajectory& tr);
//       every delivered trajectory, in index order (indices may skip dropped ones)
//   std::vector<std::string> finish();
//       completes and closes its files; returns their names relative to the folder, which
//       metadata.json lists
//
// A sink destroyed without finish() (a cancelled run, an error) closes its files and leaves
// the rest to the folder's owner, which removes the temporary folder whole. The layout
// (dataset_layout.hpp) is everything a sink knows before the first trajectory, so files can
// be laid out up front and the memory used does not grow with the number of trajectories.
//
// The sinks odesynth ships (parameter_table.hpp, simbaml_csv.hpp, tidy_csv.hpp, numpy.hpp)
// are listed once, in the format table of impl/dataset.ipp, which write_dataset and
// dataset_options::validate read: a new format is its sink header plus one row there (and
// its dataset_format value).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace odesynth {

class trajectory;

/// Any dataset sink, behind one virtual call per trajectory (not per value): what lets
/// write_dataset hold the sinks its options ask for in one list.
class any_dataset_sink {
 public:
  /// A Sink made in place from `args` (sinks own open files, so they need not be movable).
  template <class Sink, class... Args>
  static any_dataset_sink make(Args&&... args) {
    any_dataset_sink out;
    out.self_ = std::make_unique<holder<Sink>>(std::forward<Args>(args)...);
    return out;
  }

  void operator()(std::uint64_t index, const trajectory& tr) { self_->write(index, tr); }
  std::vector<std::string> finish() { return self_->finish(); }

 private:
  struct base {
    virtual ~base() = default;
    virtual void write(std::uint64_t index, const trajectory& tr) = 0;
    virtual std::vector<std::string> finish() = 0;
  };
  any_dataset_sink() = default;
  template <class Sink>
  struct holder final : base {
    template <class... Args>
    explicit holder(Args&&... args) : sink(std::forward<Args>(args)...) {}
    void write(std::uint64_t index, const trajectory& tr) override { sink(index, tr); }
    std::vector<std::string> finish() override { return sink.finish(); }
    Sink sink;
  };
  std::unique_ptr<base> self_;
};

}  // namespace odesynth
