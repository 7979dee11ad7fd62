// The JSON subset behind metadata.json: exact numbers, escapes, strict errors with positions.
#include <catch2/catch.hpp>
#include <cstdint>
#include <odesynth/detail/json.hpp>
#include <string>
#include <string_view>

using odesynth::detail::json;

TEST_CASE("json documents round-trip numbers exactly and report parse errors by line",
          "[dataset][json]") {
  json doc = json::make_object();
  doc.set("seed", std::uint64_t{18446744073709551615u})
      .set("third", 1.0 / 3.0)
      .set("tiny", 4.9e-324)
      .set("text", "quote \" backslash \\ newline \n tab \t bell \x07")
      .set("list", json(json::array{json(1), json(true), json(), json("x")}));
  const json back = json::parse(doc.dump());
  CHECK(back.at("seed", "d").as_uint64("seed") == 18446744073709551615u);
  CHECK(back.at("third", "d").as_double("third") == 1.0 / 3.0);
  CHECK(back.at("tiny", "d").as_double("tiny") == 4.9e-324);
  CHECK(back.at("text", "d").as_string("text") ==
        "quote \" backslash \\ newline \n tab \t bell \x07");
  CHECK(back.dump() == doc.dump());
  CHECK(json::parse(R"("\u00e9\ud83d\ude00")").as_string("s") == "\xc3\xa9\xf0\x9f\x98\x80");

  const auto fails_at = [](std::string_view text, std::size_t line, std::size_t column,
                           std::string_view what) {
    CAPTURE(text);
    try {
      json::parse(text, "meta.json");
      FAIL("no parse_error");
    } catch (const odesynth::parse_error& e) {
      CHECK(e.line() == line);
      CHECK(e.column() == column);
      CHECK_THAT(e.what(), Catch::Contains("meta.json") && Catch::Contains(std::string(what)));
    }
  };
  fails_at("{\n  \"a\": 1,\n}", 3, 1, "expected a string key");
  fails_at("{\"a\": 1, \"a\": 2}", 1, 10, "duplicate key");
  fails_at("[1, 2", 1, 6, "expected ',' or ']'");
  fails_at("01", 1, 2, "unexpected text");
  fails_at("\"tab\there\"", 1, 5, "control character");
  fails_at("nul", 1, 1, "unexpected character");
  fails_at("{} {}", 1, 4, "unexpected text after");
  // The document is level 0; 65 nested arrays reach level 64 (allowed), the 66th is refused.
  CHECK(json::parse(std::string(65, '[') + std::string(65, ']')).is_array());
  fails_at(std::string(66, '[') + std::string(66, ']'), 1, 66, "nesting deeper than 64");
  fails_at("\"\\ud800\"", 1, 8, "unpaired surrogate");
  CHECK_THROWS_AS(json::parse("{}").at("missing", "meta"), odesynth::error);
  CHECK_THROWS_WITH(json::parse("{\"n\": -1}").at("n", "m").as_uint64("m.n"),
                    Catch::Contains("m.n") && Catch::Contains("[0, 2^64)"));
}
