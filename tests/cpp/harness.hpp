// What the C++ test programs of every door's wrapper (RateLimiter, Breaker,
// ...) share, on top of checks.hpp:
//
//  - PinnedDoor: the compile-time properties of every wrapper (pinned to
//    its address, trivially destructible, the C object inline, an explicit
//    constructor from its config);
//  - check_config_refused: a bad config is refused by validate() and by the
//    constructor, which throws failwell::Error with the status and its
//    string, or (built with -fno-exceptions) aborts, checked by
//    check_aborts in a forked child;
//  - check_byte_copy_refused: the C object is bound to its address;
//  - Member: a door held as a class member, built from its config;
//  - run_together: threads released together, for contention tests.
//
// Helpers report their checks at the caller's HERE.
#ifndef FAILWELL_TESTS_HARNESS_HPP
#define FAILWELL_TESTS_HARNESS_HPP

#include "failwell.hpp"
#include "checks.hpp"

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

// What every door's wrapper is, checked when instantiated:
// static_assert(PinnedDoor<Door, CObject, Config>::value, "...").
template <typename Door, typename CObject, typename Config>
struct PinnedDoor {
  static_assert(!std::is_copy_constructible<Door>::value, "not copyable");
  static_assert(!std::is_copy_assignable<Door>::value, "not copyable");
  static_assert(!std::is_move_constructible<Door>::value, "not movable");
  static_assert(!std::is_move_assignable<Door>::value, "not movable");
  static_assert(std::is_trivially_destructible<Door>::value, "no destructor to run for statics");
  static_assert(sizeof(Door) == sizeof(CObject), "the C object inline, nothing else");
  static_assert(alignof(Door) >= alignof(CObject), "aligned");
  static_assert(!std::is_convertible<Config, Door>::value, "constructor is explicit");
  static constexpr bool value = true;
};

// Runs `child` in a forked child process and checks that it dies of SIGABRT.
template <typename Child>
void check_aborts(Child child, Where where) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    child();
    _exit(0);  // not reached when `child` aborts
  }
  CHECK_IN(where, pid > 0);
  int status = 0;
  CHECK_EQ_IN(where, waitpid(pid, &status, 0), pid);
  CHECK_IN(where, WIFSIGNALED(status));
  CHECK_EQ_IN(where, WIFSIGNALED(status) ? WTERMSIG(status) : 0, SIGABRT);
}

// `Door` refuses `config` with `expected`: validate() returns it, and the
// constructor throws a failwell::Error carrying it and its string (also
// caught as a std::runtime_error) or, without exceptions, aborts (checked
// in a forked child).
template <typename Door, typename Config>
void check_config_refused(const Config& config, failwell::Status expected, Where where) {
  CHECK_EQ_IN(where, Door::validate(config), expected);
#if defined(__cpp_exceptions)
  bool thrown = false;
  try {
    Door door(config);
    (void)door;
  } catch (const failwell::Error& error) {
    thrown = true;
    CHECK_EQ_IN(where, error.status(), expected);
    CHECK_IN(where, std::strcmp(error.what(), failwell_status_str(expected)) == 0);
    CHECK_IN(where, std::strcmp(error.what(), failwell::status_str(expected)) == 0);
  } catch (...) {
    CHECK_IN(where, !"an exception other than failwell::Error");
  }
  CHECK_IN(where, thrown);
  // Catchable as the standard base too.
  thrown = false;
  try {
    Door door(config);
    (void)door;
  } catch (const std::runtime_error& error) {
    thrown = true;
    CHECK_IN(where, std::strcmp(error.what(), "unknown status") != 0);
  }
  CHECK_IN(where, thrown);
#else
  check_aborts(
      [&config] {
        Door door(config);
        (void)door;
      },
      where);
#endif
}

// The C object is bound to its address: `call` (a C function's call on the
// object it is given) refuses a byte copy of `door`'s as uninitialised.
template <typename Door, typename Call>
void check_byte_copy_refused(Door& door, Call call, Where where) {
  typename std::remove_pointer<decltype(door.native_handle())>::type copy;
  std::memcpy(&copy, door.native_handle(), sizeof copy);
  CHECK_EQ_IN(where, call(&copy), FAILWELL_UNINITIALIZED);
}

// A door held as a class member, the way a service holds one, with a
// count of the calls it let through.
template <typename Door>
struct Member {
  template <typename Config>
  explicit Member(const Config& config) : door(config) {}
  int calls = 0;
  Door door;
};

// Runs body(i) for each i below `count`, each on its own thread, released
// together once every one has started; joins them.
template <typename Body>
void run_together(std::size_t count, Body body) {
  std::atomic<std::size_t> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < count; ++i) {
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (!go.load()) {
        std::this_thread::yield();
      }
      body(i);
    });
  }
  while (ready.load() != count) {
    std::this_thread::yield();
  }
  go.store(true);
  for (std::thread& t : threads) {
    t.join();
  }
}

}  // namespace

#endif  // FAILWELL_TESTS_HARNESS_HPP
