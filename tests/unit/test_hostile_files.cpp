// Hostile files and metadata (issue 12, items 13-18): input built to be slow to parse, values
// that do not fit where they go, destinations that are not what they seem, and what a killed
// writer leaves behind. Each TEST_CASE failed before its fix; the catalogue at the end pins
// the message of every refusal.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <odesynth/detail/json.hpp>
#include <string>
#include <string_view>

#include "expect_error.hpp"

using odesynth::detail::json;
using test_support::expect_error;

namespace {

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

TEST_CASE("catalogue: hostile files and metadata", "[errors]") {
  SECTION("json: duplicate key in a large object") {
    expect_error<odesynth::parse_error>(
        [] { json::parse(object_with_keys(1000, "\"key999\": 0"), "meta.json"); },
        {"meta.json:1:", "duplicate key \"key999\""});
  }
}
