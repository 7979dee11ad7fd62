// libFuzzer target for csv_reader.hpp: any bytes either read as trajectories that satisfy
// the reader's promises or fail with an odesynth::error; anything else (a crash, a sanitizer
// report, another exception, a broken invariant) is a finding. See tests/fuzz/README.md.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <odesynth/io/csv_reader.hpp>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

using odesynth::csv_read_options;
using odesynth::model_description;
using odesynth::trajectory;

void require(bool condition) {
  if (!condition) std::abort();
}

const std::shared_ptr<const model_description>& fuzz_model() {
  static const auto model = std::make_shared<const model_description>(
      "fuzz", std::vector<std::string>{"a", "b", "c"}, std::vector<std::string>{"k"});
  return model;
}

// Every option other than the defaults, so that comments, sentinels, infinities, other
// delimiters and the line limit are fuzzed too; the delimiter follows the input's size so
// that each input meets one of three without spending a byte of it on the choice.
const csv_read_options& variant_options(std::size_t size) {
  static const std::vector<csv_read_options> variants = [] {
    std::vector<csv_read_options> v;
    for (const char delimiter : {',', ';', '\t'}) {
      csv_read_options o;
      o.delimiter = delimiter;
      o.comment_prefix = "#";
      o.allow_infinity = true;
      o.max_line_length = 48;
      o.missing_tokens = {"", "NA", "-999"};
      v.push_back(o);
    }
    return v;
  }();
  return variants[size % variants.size()];
}

void check(const trajectory& tr, const model_description* model, const csv_read_options& o) {
  require(tr.consistent());
  const auto rows = tr.num_times();
  const auto cols = tr.num_species();
  require(tr.values().rows() == rows && tr.values().cols() == cols);
  require(tr.mask().rows() == rows && tr.mask().cols() == cols);
  require(static_cast<std::size_t>(cols) == tr.species().size());
  for (Eigen::Index i = 0; i < rows; ++i) {
    require(std::isfinite(tr.times()[i]));
    if (i > 0) require(tr.times()[i - 1] < tr.times()[i]);
    for (Eigen::Index j = 0; j < cols; ++j) {
      require(tr.mask()(i, j) == !std::isnan(tr.values()(i, j)));
      if (!o.allow_infinity) require(!std::isinf(tr.values()(i, j)));
    }
  }
  if (model) {
    require(tr.model() == model);
    require(tr.species() == model->species());
  } else {
    require(tr.model() == nullptr);
    std::unordered_set<std::string> seen;
    for (const auto& s : tr.species()) {
      require(!s.empty() && s != o.time_column);
      require(seen.insert(s).second);
    }
  }
}

// `first_read` 0 means the public API; otherwise the internal entry point with reads that
// small, so that line ends and byte order marks fall across the reader's buffer refills.
void fuzz_wide(const std::string& text, const std::shared_ptr<const model_description>& model,
               const csv_read_options& o, std::size_t first_read = 0) {
  std::istringstream in(text);
  try {
    const trajectory tr =
        first_read ? odesynth::detail::csv_in::read_wide(in, "fuzz.csv", model, o, first_read)
        : model    ? odesynth::read_wide_csv(in, "fuzz.csv", model, o)
                   : odesynth::read_wide_csv(in, "fuzz.csv", o);
    check(tr, model.get(), o);
  } catch (const odesynth::error&) {
  }
}

void fuzz_long(const std::string& text, const std::shared_ptr<const model_description>& model,
               const csv_read_options& o, std::size_t first_read = 0) {
  std::istringstream in(text);
  try {
    const std::vector<trajectory> trs =
        first_read ? odesynth::detail::csv_in::read_long(in, "fuzz.csv", model, o, first_read)
        : model    ? odesynth::read_long_csv(in, "fuzz.csv", model, o)
                   : odesynth::read_long_csv(in, "fuzz.csv", o);
    for (const trajectory& tr : trs) {
      check(tr, model.get(), o);
      require(tr.num_times() > 0);                             // an id exists through its rows
      require(tr.species_ptr() == trs.front().species_ptr());  // one shared name list
    }
  } catch (const odesynth::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const csv_read_options defaults;
  const csv_read_options& variant = variant_options(size);
  fuzz_wide(text, nullptr, defaults);
  fuzz_long(text, nullptr, defaults);
  fuzz_wide(text, fuzz_model(), defaults);
  fuzz_long(text, fuzz_model(), defaults);
  const std::size_t tiny_reads = 1 + size % 5;
  fuzz_wide(text, nullptr, variant, tiny_reads);
  fuzz_long(text, nullptr, variant, tiny_reads);
  return 0;
}
