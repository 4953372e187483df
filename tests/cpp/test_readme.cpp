// The README's C++ example, compiled as it is written and run: the rate
// limiter's admit() and the breaker's call(). `cargo xtask ctest` extracts
// every ```cpp block of README.md, in order, into readme_examples.cpp (with
// #line directives, so a diagnostic names the README's line) before
// compiling this file.
//
// Prints "N passed, 0 failed" and exits 0, or names each failed check
// (file:line) and exits 1.

#include "checks.hpp"

#include "readme_examples.cpp"

namespace {

// Dependencies for call(): each counts the calls it receives.
unsigned dependency_calls = 0;

bool healthy() {
  ++dependency_calls;
  return true;
}

bool failing() {
  ++dependency_calls;
  return false;
}

void limiter_example() {
  // Burst 20 less the 5 + 5 units kept for Essential and Important work:
  // Optional work gets 10 at one instant, then is rate limited.
  for (int i = 0; i < 10; ++i) {
    CHECK(admit(0));
  }
  CHECK(!admit(0));
  // One unit is worth 10 ticks (100 per 1000).
  CHECK(!admit(9));
  CHECK(admit(10));
}

void breaker_example() {
  std::uint64_t now = 1;
  CHECK_EQ(call(now, healthy), 0);
  // Five failures in a row trip it...
  for (int i = 0; i < 5; ++i) {
    CHECK_EQ(call(++now, failing), -1);
  }
  CHECK_EQ(dependency_calls, 6);
  // ...and the dependency is not called while it is open...
  CHECK_EQ(call(++now, healthy), -1);
  CHECK_EQ(dependency_calls, 6);
  // ...until the 5 s are over: the first probe turns it half-open, and
  // three good ones close it.
  now += 5000;
  for (int i = 0; i < 3; ++i) {
    CHECK(breaker.snapshot(now).state != failwell::BreakerState::Closed);
    CHECK_EQ(call(now, healthy), 0);
    ++now;
  }
  CHECK_EQ(dependency_calls, 9);
  const failwell::BreakerSnapshot s = breaker.snapshot(now);
  CHECK(s.state == failwell::BreakerState::Closed);
  CHECK_EQ(s.trips, 1);
}

}  // namespace

int main() {
  limiter_example();
  breaker_example();
  return checks_report();
}
