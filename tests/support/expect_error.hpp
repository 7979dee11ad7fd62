// expect_error: the error catalogue's check, shared by every test file that adds a case.
#pragma once

#include <catch2/catch.hpp>
#include <initializer_list>
#include <odesynth/error.hpp>
#include <string>
#include <string_view>

namespace test_support {

// Runs `f` and checks that it throws Error whose message starts with "odesynth: " and
// contains every fragment (the field and the value, at least), so a vague "invalid argument"
// cannot pass.
template <class Error = odesynth::invalid_argument, class F>
void expect_error(F&& f, std::initializer_list<std::string_view> fragments) {
  try {
    f();
    FAIL("no exception was thrown");
  } catch (const Error& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.rfind("odesynth: ", 0) == 0);
    for (auto fragment : fragments) CHECK_THAT(what, Catch::Contains(std::string(fragment)));
  }
}

}  // namespace test_support
