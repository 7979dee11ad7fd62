// Checks on thrown errors: expect_error (the error catalogue's check, shared by every test file
// that adds a case), check_error (exact field and value) and caught (the error itself).
#pragma once

#include <catch2/catch.hpp>
#include <initializer_list>
#include <odesynth/error.hpp>
#include <stdexcept>
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

// Runs `f` and checks that it throws invalid_argument with exactly this field and value, both
// also in the message.
template <class F>
void check_error(F&& f, const std::string& field, const std::string& value) {
  try {
    f();
    FAIL("no exception for " << field);
  } catch (const odesynth::invalid_argument& e) {
    CHECK(e.field() == field);
    CHECK(e.value() == value);
    CHECK_THAT(e.what(), Catch::Contains(field) && Catch::Contains(value));
  }
}

// Runs `f` and returns the invalid_argument it throws, for checks on its fields (field(),
// value()); fails the test if nothing is thrown.
template <class F>
odesynth::invalid_argument caught(F&& f) {
  try {
    f();
  } catch (const odesynth::invalid_argument& e) {
    return e;
  }
  FAIL("expected odesynth::invalid_argument");
  throw std::logic_error("unreachable");
}

}  // namespace test_support
