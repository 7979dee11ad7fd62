// The progress bar prints one plain line per 10% when its output is not a terminal (CI logs).
#include <catch2/catch.hpp>
#include <cstdio>
#include <odesynth/progress_bar.hpp>
#include <string>

TEST_CASE("a progress bar writes a line per tenth to a log and ends at 100%", "[progress]") {
  std::FILE* log = std::tmpfile();
  REQUIRE(log != nullptr);
  const odesynth::progress_bar bar("demo", log);
  odesynth::progress p;
  p.total = 1000;
  for (std::uint64_t done = 0; done <= 1000; done += 7) {
    p.done = done;
    p.failed = done / 100;
    bar(p);
  }
  p.done = 1000;
  p.failed = 10;
  bar(p);
  bar(p);  // repeated final reports print once
  std::rewind(log);
  std::string text;
  for (int c; (c = std::fgetc(log)) != EOF;) text.push_back(static_cast<char>(c));
  std::fclose(log);
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  CHECK(lines == 11);  // 0%, 10%, ..., 90%, then 100%
  CHECK(text.find("demo: 1000/1000 (100%)  10 failed") != std::string::npos);
  CHECK(text.find('\r') == std::string::npos);
}
