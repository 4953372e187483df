//! `cargo xtask <task>`: the project's tasks, in Rust so they run wherever cargo does.
//!
//! Tasks:
//! - `ci`: everything CI checks (the README's test command).
//! - `test`: the Rust tests of the workspace.
//! - `lint`: `cargo fmt --check` and `cargo clippy -D warnings`.
//! - `header [--check]`: regenerate the C header (or fail when it is stale).

use std::process::ExitCode;

mod header;
mod util;

use util::{cargo, run, Failure};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("test") => test(),
        Some("lint") => lint(),
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
  ci     everything CI checks: lint, tests
  test   Rust tests of the workspace
  lint   cargo fmt --check and cargo clippy -D warnings
  header [--check]  regenerate bindings/c/failwell.h (or fail if it is stale)";

fn ci() -> Result<(), Failure> {
    lint()?;
    header::run(true)?;
    test()?;
    eprintln!("xtask: ci passed");
    Ok(())
}

fn test() -> Result<(), Failure> {
    run(cargo().args(["test", "--workspace"]))?;
    run(cargo().args(["test", "--package", "failwell", "--features", "std"]))
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
    ]))
}
