//! `cargo xtask <task>`: the project's tasks, in Rust so they run wherever cargo does.
//!
//! Tasks:
//! - `ci`: everything CI checks (the README's test command).
//! - `test`: the Rust tests of the workspace.
//! - `lint`: `cargo fmt --check` and `cargo clippy -D warnings`.

use std::process::ExitCode;

mod util;

use util::{cargo, run, Failure};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("test") => test(),
        Some("lint") => lint(),
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
  lint   cargo fmt --check and cargo clippy -D warnings";

fn ci() -> Result<(), Failure> {
    lint()?;
    test()?;
    eprintln!("xtask: ci passed");
    Ok(())
}

fn test() -> Result<(), Failure> {
    run(cargo().args(["test", "--workspace", "--all-features"]))
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
