//! `cargo xtask fuzz [--seconds N] [TARGET...]`: every libFuzzer target in
//! `fuzz/` (or the ones named), one after another, N seconds each (default 60).
//!
//! Needs the nightly toolchain (`cargo +nightly`, through rustup) and
//! cargo-fuzz, which it installs at the pinned version when missing. Each
//! target runs as one libFuzzer job:
//!
//! ```text
//! cargo +nightly fuzz run [-s none --target-dir fuzz/target/no-sanitizer] <target> \
//!     target/fuzz-corpus/<target> fuzz/corpus/<target> \
//!     -- -max_total_time=N -max_len=512 -print_final_stats=1
//! ```
//!
//! New inputs go to `target/fuzz-corpus/<target>` (kept between runs, so
//! later runs start from what earlier ones found); the checked-in
//! `fuzz/corpus/<target>` is only read, as seeds and regression inputs. A
//! crash leaves its input in `fuzz/artifacts/<target>/` and fails the task
//! after the remaining targets have run. The full libFuzzer output of each
//! target is in `target/fuzz-logs/<target>.log`; the task prints each
//! target's final stats line (`#N DONE cov: ... exec/s: ...`) and the total
//! number of executions.
//!
//! Targets that drive only safe Rust (no `unsafe` anywhere below them) run
//! without a sanitizer, several times faster; the others run under
//! AddressSanitizer, cargo-fuzz's default.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::util::{output_of, root, run as run_command, rustup_cargo, Failure};

/// The cargo-fuzz version this task installs and expects.
const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// Seconds per target unless `--seconds` says otherwise.
const DEFAULT_SECONDS: u64 = 60;
/// Largest input libFuzzer generates, in bytes: enough for dozens of calls
/// or steps, short enough to keep executions fast.
const MAX_LEN: u32 = 512;
/// Targets that reach no `unsafe` code (the core and the reference models are
/// safe Rust), so AddressSanitizer could find nothing there that Rust's own
/// checks do not: they run without it. Everything else runs under ASan.
const NO_SANITIZER: &[&str] = &["limiter_model", "breaker_model"];

/// The outcome of one target's run.
struct Outcome {
    target: String,
    /// The final `#N DONE ...` line, when the run got that far.
    done: Option<String>,
    /// Why the run failed, if it did.
    failure: Option<String>,
}

/// Runs `cargo xtask fuzz` with these arguments.
pub fn run(args: &[String]) -> Result<(), Failure> {
    let mut seconds = DEFAULT_SECONDS;
    let mut only = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|value| value.parse().ok())
                    .filter(|&value| value > 0)
                    .ok_or_else(|| Failure("--seconds needs a positive number".to_owned()))?;
            }
            flag if flag.starts_with('-') => {
                return Err(Failure(format!(
                    "unknown option `{flag}`; usage: cargo xtask fuzz [--seconds N] [TARGET...]"
                )))
            }
            target => only.push(target.to_owned()),
        }
    }
    run_targets(seconds, &only)
}

/// Runs every fuzz target for `seconds` each (CI's short pass).
pub fn run_for(seconds: u64) -> Result<(), Failure> {
    run_targets(seconds, &[])
}

fn run_targets(seconds: u64, only: &[String]) -> Result<(), Failure> {
    let started = Instant::now();
    check_nightly()?;
    ensure_cargo_fuzz()?;
    let targets = list_targets()?;
    for name in only {
        if !targets.contains(name) {
            return Err(Failure(format!(
                "no fuzz target `{name}`; the targets are {}",
                targets.join(", ")
            )));
        }
    }
    let targets: Vec<String> = if only.is_empty() {
        targets
    } else {
        only.to_vec()
    };
    let logs = target_dir().join("fuzz-logs");
    create_dir(&logs)?;

    let mut outcomes = Vec::new();
    for target in &targets {
        let corpus = target_dir().join("fuzz-corpus").join(target);
        create_dir(&corpus)?;
        let seeds = root().join("fuzz/corpus").join(target);
        create_dir(&seeds)?;
        run_command(&mut fuzz_command("build", target))?;
        let mut command = fuzz_command("run", target);
        command
            .arg(&corpus)
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-max_len={MAX_LEN}"))
            .arg("-print_final_stats=1");
        outcomes.push(run_target(
            target,
            &mut command,
            &logs.join(format!("{target}.log")),
        )?);
    }

    eprintln!("xtask: fuzz results ({seconds} s per target):");
    let mut total: u64 = 0;
    let mut failed = Vec::new();
    for outcome in &outcomes {
        let line = outcome.done.as_deref().unwrap_or("(no final stats line)");
        eprintln!("xtask:   {:<16} {line}", outcome.target);
        total += outcome.done.as_deref().and_then(executions).unwrap_or(0);
        if let Some(failure) = &outcome.failure {
            failed.push(format!("{}: {failure}", outcome.target));
        }
    }
    eprintln!(
        "xtask: fuzz total: {total} executions in {} targets, {:.0} s",
        outcomes.len(),
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        eprintln!("xtask: fuzz passed: no crashes");
        Ok(())
    } else {
        Err(Failure(format!(
            "fuzzing failed:\n  {}\nreproduce a crash with `cargo +nightly fuzz run <target> <artifact>`",
            failed.join("\n  ")
        )))
    }
}

fn nightly_cargo() -> Command {
    let mut command = rustup_cargo();
    command.arg("+nightly");
    command
}

/// `cargo +nightly fuzz <verb>` with this target's sanitizer settings.
fn fuzz_command(verb: &str, target: &str) -> Command {
    let mut command = nightly_cargo();
    command.args(["fuzz", verb]);
    if NO_SANITIZER.contains(&target) {
        // Its own target directory, so switching sanitizers never rebuilds.
        command
            .args(["--sanitizer", "none", "--target-dir"])
            .arg(root().join("fuzz/target/no-sanitizer"));
    }
    command.arg(target);
    command
}

fn check_nightly() -> Result<(), Failure> {
    match output_of(nightly_cargo().arg("--version")) {
        Some(version) => {
            eprintln!("xtask: fuzzing with {version}");
            Ok(())
        }
        None => Err(Failure(
            "fuzzing needs the nightly toolchain through rustup, and `cargo +nightly --version` \
             failed; install it with `rustup toolchain install nightly --profile minimal`"
                .to_owned(),
        )),
    }
}

/// Installs cargo-fuzz at the pinned version unless it is already there.
fn ensure_cargo_fuzz() -> Result<(), Failure> {
    let wanted = format!("cargo-fuzz {CARGO_FUZZ_VERSION}");
    let found = output_of(nightly_cargo().args(["fuzz", "--version"]));
    if found.as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    eprintln!(
        "xtask: {} found; installing {wanted}",
        found.as_deref().unwrap_or("no cargo-fuzz")
    );
    run_command(rustup_cargo().args([
        "install",
        "cargo-fuzz",
        "--version",
        CARGO_FUZZ_VERSION,
        "--locked",
    ]))?;
    match output_of(nightly_cargo().args(["fuzz", "--version"])) {
        Some(version) if version == wanted => Ok(()),
        other => Err(Failure(format!(
            "installed cargo-fuzz {CARGO_FUZZ_VERSION}, but `cargo +nightly fuzz --version` says {other:?}"
        ))),
    }
}

fn list_targets() -> Result<Vec<String>, Failure> {
    let listed = output_of(nightly_cargo().args(["fuzz", "list"]))
        .ok_or_else(|| Failure("`cargo +nightly fuzz list` failed".to_owned()))?;
    let targets: Vec<String> = listed
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    if targets.is_empty() {
        return Err(Failure(
            "`cargo fuzz list` found no fuzz targets".to_owned(),
        ));
    }
    Ok(targets)
}

/// Runs one target, teeing its output to `log` (without the per-input NEW
/// and REDUCE lines on the terminal), and keeps its final stats line.
fn run_target(target: &str, command: &mut Command, log: &Path) -> Result<Outcome, Failure> {
    eprintln!("xtask: running {command:?}");
    let mut file = File::create(log)
        .map_err(|error| Failure(format!("creating {}: {error}", log.display())))?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| Failure(format!("cannot start {command:?}: {error}")))?;
    let mut done = None;
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let line = line.map_err(|error| Failure(format!("reading fuzzer output: {error}")))?;
            writeln!(file, "{line}")
                .map_err(|error| Failure(format!("writing {}: {error}", log.display())))?;
            let chatter = line.contains("\tNEW ") || line.contains("\tREDUCE ");
            if !chatter {
                eprintln!("{line}");
            }
            if line.starts_with('#') && line.contains("DONE") {
                done = Some(line.split_whitespace().collect::<Vec<_>>().join(" "));
            }
        }
    }
    let status = child
        .wait()
        .map_err(|error| Failure(format!("waiting for {command:?}: {error}")))?;
    let failure = if !status.success() {
        Some(format!(
            "{status}; crashing input in fuzz/artifacts/{target}/, output in {}",
            log.display()
        ))
    } else if done.is_none() {
        Some(format!("no final stats line; output in {}", log.display()))
    } else {
        None
    };
    Ok(Outcome {
        target: target.to_owned(),
        done,
        failure,
    })
}

/// The execution count of a `#N DONE ...` line.
fn executions(line: &str) -> Option<u64> {
    line.strip_prefix('#')?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Cargo's target directory: `CARGO_TARGET_DIR` (relative to the workspace
/// root) or `target/`.
fn target_dir() -> PathBuf {
    let root = root();
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |dir| root.join(dir))
}

fn create_dir(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|error| Failure(format!("creating {}: {error}", dir.display())))
}
