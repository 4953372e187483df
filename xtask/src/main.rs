//! `cargo xtask <task>`: the project's tasks, in Rust so they run wherever cargo does.
//!
//! `cargo xtask` with no task lists them; `ci` runs everything CI checks and
//! is the README's test command.

use std::process::ExitCode;

mod bench;
mod ctest;
mod embedded;
mod fuzz;
mod header;
mod loom;
mod msrv;
mod panic;
mod setup;
mod size;
mod util;

use util::{cargo, run, Failure};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("test") => test(),
        Some("lint") => lint(),
        Some("msrv") => msrv::run_msrv(),
        Some("ctest") => ctest::run(),
        Some("bench") => bench::run_bench(&args[1..]),
        Some("loom") => loom::run_loom(),
        Some("setup") => setup::run_setup(),
        Some("embedded") => embedded::run(),
        Some("panic-check") => panic::run(&args[1..]),
        Some("size") => size::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("header") => header::run(args.get(1).is_some_and(|flag| flag == "--check")),
        Some(other) => Err(Failure(format!("unknown task `{other}`\n\n{USAGE}"))),
        None => Err(Failure(USAGE.to_owned())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  ci        everything below, in order (the README's test command)
  setup     install missing system tools with apt-get, never removing a package (QEMU, ...)
  lint      cargo fmt --check, cargo clippy -D warnings, cargo doc with warnings denied
  msrv      the library crates build without warnings on the rust-version (installed with rustup)
  header [--check]  regenerate bindings/c/failwell.h (or fail if it is stale)
  test      Rust tests of the workspace (unit, behaviour, property); the core with and without std
  loom      loom models of the concurrent primitives
  ctest     C and C++ tests of the C ABI and C++ wrapper under ASan+UBSan (and TSan)
  bench [--quick] [limiter|breaker|bulkhead]  run the benchmarks; write the tables into BENCHMARKS.md
  fuzz [--seconds N] [TARGET...]  run every fuzz target (or those named) N seconds each (default 60)
  embedded  cross-build the core; run the test firmware under QEMU (Cortex-M0, M3)
  panic-check [--self-test] [--write]  prove by linking that release builds have no reachable panic
                                       (thumbv6m and host; always runs its self-test first)
  size [--write]  flash and RAM per primitive on Cortex-M0/M3/M4F; write the table into BENCHMARKS.md";

fn ci() -> Result<(), Failure> {
    let started = std::time::Instant::now();
    setup::run_setup()?;
    lint()?;
    msrv::run_msrv()?;
    header::run(true)?;
    test()?;
    loom::run_loom()?;
    ctest::run()?;
    fuzz::run_for(15)?;
    panic::run(&[])?;
    embedded::run()?;
    eprintln!("xtask: ci passed in {} s", started.elapsed().as_secs());
    Ok(())
}

fn test() -> Result<(), Failure> {
    run(cargo().args(["test", "--workspace", "--exclude", "failwell"]))?;
    // The core alone, so only its own features and dev-dependencies count:
    // in the whole workspace the examples and benches unify `std` in. Once
    // as firmware builds it, without `std`, and once with it. The unit test
    // `tests::std_feature_is_what_the_run_expects` fails a pass whose
    // features are not the ones named in FAILWELL_TEST_STD.
    for (std, features) in [("0", &[][..]), ("1", &["--features", "std"][..])] {
        eprintln!(
            "xtask: failwell's tests {} the `std` feature",
            if std == "1" { "with" } else { "without" }
        );
        run(cargo()
            .env("FAILWELL_TEST_STD", std)
            .args(["test", "--package", "failwell"])
            .args(features))?;
    }
    Ok(())
}

fn lint() -> Result<(), Failure> {
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    // Broken or private intra-doc links fail the build too.
    run(cargo()
        .env("RUSTDOCFLAGS", "-D warnings")
        .args(["doc", "--workspace", "--no-deps"]))
}
