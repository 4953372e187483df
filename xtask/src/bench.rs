//! `cargo xtask bench [--quick] [limiter|breaker|bulkhead]`: runs the
//! benchmarks and writes their tables into BENCHMARKS.md (the limiter's
//! between `<!-- bench:begin -->` and `<!-- bench:end -->`, the breaker's
//! between `<!-- bench-breaker:begin -->` and `<!-- bench-breaker:end -->`,
//! the bulkhead's between `<!-- bench-bulkhead:begin -->` and
//! `<!-- bench-bulkhead:end -->`).
//!
//! 1. Per suite (`benches/limiter.rs`, `benches/breaker.rs`,
//!    `benches/bulkhead.rs`; all unless some are named), the criterion groups
//!    once; then the two-thread groups four more times, reporting the median
//!    of the five medians, because two-thread figures on a shared machine
//!    vary from run to run.
//! 2. Instructions per operation: `benches/instructions.rs` under callgrind,
//!    run with two iteration counts; the difference in instructions over the
//!    difference in iterations cancels start-up and setup.
//!
//! `--quick` shortens criterion's warm-up and measurement (for trying it out).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::util::{cargo, root, run, Failure};

/// Criterion groups whose figures are the median of several runs.
const CONTENDED_GROUPS: [&str; 4] = [
    "admit_2_threads",
    "reject_2_threads",
    "breaker_2_threads",
    "bulkhead_2_threads",
];

/// One criterion bench target and the BENCHMARKS.md section it writes.
struct Suite {
    /// `[[bench]]` name in benches/Cargo.toml.
    bench: &'static str,
    /// Section markers: `<!-- {marker}:begin -->`.
    marker: &'static str,
    render: Render,
}

/// Writes a suite's markdown from its medians, the instruction counts, and
/// whether the run was `--quick`.
type Render = fn(&Medians, &[(String, f64)], bool) -> Result<String, Failure>;

const SUITES: [Suite; 3] = [
    Suite {
        bench: "limiter",
        marker: "bench",
        render,
    },
    Suite {
        bench: "breaker",
        marker: "bench-breaker",
        render: render_breaker,
    },
    Suite {
        bench: "bulkhead",
        marker: "bench-bulkhead",
        render: render_bulkhead,
    },
];
/// How many runs the contended groups get in all.
const CONTENDED_RUNS: usize = 5;
/// Iteration counts for the two callgrind runs.
const CALLGRIND_ITERS: (u64, u64) = (10_000, 110_000);

/// Medians in nanoseconds, by `group/bench`.
type Medians = BTreeMap<String, f64>;

pub fn run_bench(args: &[String]) -> Result<(), Failure> {
    let quick = args.iter().any(|arg| arg == "--quick");
    let timing: &[&str] = if quick {
        &[
            "--warm-up-time",
            "1",
            "--measurement-time",
            "2",
            "--sample-size",
            "20",
        ]
    } else {
        &["--warm-up-time", "2", "--measurement-time", "4"]
    };
    let named: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    if let Some(unknown) = named
        .iter()
        .find(|name| !SUITES.iter().any(|suite| suite.bench == **name))
    {
        let known: Vec<&str> = SUITES.iter().map(|suite| suite.bench).collect();
        return Err(Failure(format!(
            "unknown bench suite {unknown}: one of {}",
            known.join(", ")
        )));
    }
    let instructions = callgrind()?;
    for suite in SUITES
        .iter()
        .filter(|suite| named.is_empty() || named.contains(&suite.bench))
    {
        let medians = suite_medians(suite.bench, timing)?;
        let text = (suite.render)(&medians, &instructions, quick)?;
        write_section(suite.marker, &text)?;
        println!("{text}");
    }
    Ok(())
}

/// Runs one bench target, its two-thread groups five times in all.
fn suite_medians(bench: &str, timing: &[&str]) -> Result<Medians, Failure> {
    let criterion_dir = root().join("target/criterion");
    // Stale estimates from other runs must not leak into the tables.
    let _ = std::fs::remove_dir_all(&criterion_dir);
    criterion(bench, &[], timing)?;
    let mut medians = read_medians(&criterion_dir)?;
    let mut contended: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    collect_contended(&medians, &mut contended);
    for _ in 1..CONTENDED_RUNS {
        criterion(bench, &["_2_threads"], timing)?;
        collect_contended(&read_medians(&criterion_dir)?, &mut contended);
    }
    for (name, mut runs) in contended {
        runs.sort_by(f64::total_cmp);
        if let Some(median) = runs.get(runs.len() / 2) {
            medians.insert(name, *median);
        }
    }
    Ok(medians)
}

fn criterion(bench: &str, filter: &[&str], timing: &[&str]) -> Result<(), Failure> {
    let mut command = cargo();
    command.args(["bench", "-p", "failwell-benches", "--bench", bench, "--"]);
    command.args(filter).args(timing).arg("--noplot");
    run(&mut command)
}

fn collect_contended(medians: &Medians, into: &mut BTreeMap<String, Vec<f64>>) {
    for (name, median) in medians {
        if CONTENDED_GROUPS.iter().any(|group| name.starts_with(group)) {
            into.entry(name.clone()).or_default().push(*median);
        }
    }
}

/// Every `<group>/<bench>[/<param>]/new/estimates.json` under `dir`.
fn read_medians(dir: &Path) -> Result<Medians, Failure> {
    let mut medians = Medians::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.ends_with("new/estimates.json") {
                let text = std::fs::read_to_string(&path)
                    .map_err(|error| Failure(format!("{}: {error}", path.display())))?;
                let json: serde_json::Value = serde_json::from_str(&text)
                    .map_err(|error| Failure(format!("{}: {error}", path.display())))?;
                let median = json["median"]["point_estimate"]
                    .as_f64()
                    .ok_or_else(|| Failure(format!("{}: no median", path.display())))?;
                let name = path
                    .parent()
                    .and_then(Path::parent)
                    .and_then(|bench| bench.strip_prefix(dir).ok())
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default();
                medians.insert(name, median);
            }
        }
    }
    if medians.is_empty() {
        return Err(Failure(format!(
            "no criterion estimates under {}",
            dir.display()
        )));
    }
    Ok(medians)
}

/// Instructions per operation for every operation of the `instructions` binary.
/// In the order the binary lists them.
fn callgrind() -> Result<Vec<(String, f64)>, Failure> {
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "failwell-benches",
        "--bin",
        "instructions",
    ]))?;
    let binary = root().join("target/release/instructions");
    let list = Command::new(&binary)
        .arg("--list")
        .output()
        .map_err(|error| Failure(format!("{}: {error}", binary.display())))?;
    let mut counts = Vec::new();
    for operation in String::from_utf8_lossy(&list.stdout).lines() {
        let low = instructions(&binary, operation, CALLGRIND_ITERS.0)?;
        let high = instructions(&binary, operation, CALLGRIND_ITERS.1)?;
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let per_op =
            high.saturating_sub(low) as f64 / (CALLGRIND_ITERS.1 - CALLGRIND_ITERS.0) as f64;
        counts.push((operation.to_owned(), per_op));
    }
    Ok(counts)
}

/// Instructions callgrind counts for `binary operation iters`.
fn instructions(binary: &Path, operation: &str, iters: u64) -> Result<u64, Failure> {
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(binary)
        .arg(operation)
        .arg(iters.to_string())
        .output()
        .map_err(|error| Failure(format!("valgrind (apt package valgrind): {error}")))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(Failure(format!(
            "callgrind {operation} {iters} failed:\n{stderr}"
        )));
    }
    stderr
        .lines()
        .find_map(|line| line.split("Collected :").nth(1))
        .and_then(|count| count.trim().parse().ok())
        .ok_or_else(|| {
            Failure(format!(
                "no instruction count in callgrind output:\n{stderr}"
            ))
        })
}

fn get(medians: &Medians, name: &str) -> Result<f64, Failure> {
    medians
        .get(name)
        .copied()
        .ok_or_else(|| Failure(format!("no criterion result for {name}")))
}

/// A markdown table: one row per (label, bench), ratio to the `reference` bench.
fn table(
    medians: &Medians,
    group: &str,
    reference: &str,
    rows: &[(&str, &str)],
    heading: &str,
) -> Result<String, Failure> {
    let base = get(medians, &format!("{group}/{reference}"))?;
    let mut text = format!("| {heading} | median | peer time / failwell time |\n|---|---|---|\n");
    for (label, bench) in rows {
        let time = get(medians, &format!("{group}/{bench}"))?;
        let ratio = if bench.starts_with("baseline") {
            String::new()
        } else {
            format!("{:.2}", time / base)
        };
        text.push_str(&format!("| {label} | {time:.1} ns | {ratio} |\n"));
    }
    Ok(text)
}

fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// `Measured <date> on <n> vCPU (<cpu>), <rustc --version>`.
fn measured_on() -> String {
    let cpu = command_output(
        "sh",
        &["-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"],
    );
    let cores = command_output("nproc", &[]);
    let date = command_output("date", &["-u", "+%Y-%m-%d"]);
    let rustc = command_output("rustc", &["--version"]);
    format!("Measured {date} on {cores} vCPU ({cpu}), {rustc}")
}

fn render(
    medians: &Medians,
    instructions: &[(String, f64)],
    quick: bool,
) -> Result<String, Failure> {
    let mut text = format!(
        "{}, by `cargo xtask bench{}`.\n\
         governor 0.10.4 and ratelock 0.1.1 run in the same criterion groups; every\n\
         limiter is built outside the timed closure and, except in the real-clock\n\
         group, reads the same injected clock (an `AtomicU64` of nanoseconds,\n\
         advanced by a relaxed load + store once per admit call, included in every\n\
         admit row). Two-thread figures are the median of {CONTENDED_RUNS} runs' medians, time\n\
         per call per thread, both threads on one limiter, started by a barrier.\n\n",
        measured_on(),
        if quick { " --quick" } else { "" }
    );
    text.push_str("### Admit, one thread\n\n");
    text.push_str(&table(
        medians,
        "admit_1_thread",
        "failwell",
        &[
            ("one relaxed load (floor)", "baseline_load"),
            ("one relaxed `fetch_add` (floor)", "baseline_fetch_add"),
            ("clock advance alone", "baseline_clock_advance"),
            ("**failwell** `try_acquire`", "failwell"),
            ("governor `check`", "governor_check"),
            ("governor `check_n`", "governor_check_n"),
            ("ratelock `allow`", "ratelock_allow"),
            ("ratelock `allow_n`", "ratelock_allow_n"),
        ],
        "admit, 1 thread",
    )?);
    let admit = get(medians, "admit_1_thread/failwell")?;
    let fetch_add = get(medians, "admit_1_thread/baseline_fetch_add")?;
    let clock = get(medians, "admit_1_thread/baseline_clock_advance")?;
    text.push_str(&format!(
        "\nfailwell admit / `fetch_add`: {:.2} (clock advance included); {:.2} with the clock advance taken off.\n\n",
        admit / fetch_add,
        (admit - clock) / fetch_add
    ));
    text.push_str("### Reject, one thread\n\n");
    text.push_str(&table(
        medians,
        "reject_1_thread",
        "failwell",
        &[
            ("**failwell** (a load, no write)", "failwell"),
            ("governor `check`", "governor_check"),
            ("governor `check_n`", "governor_check_n"),
            ("ratelock `allow`", "ratelock_allow"),
            ("ratelock `allow_n`", "ratelock_allow_n"),
        ],
        "reject, 1 thread",
    )?);
    text.push_str("\n### Two threads contending on one limiter\n\n");
    text.push_str(&table(
        medians,
        "admit_2_threads",
        "failwell",
        &[
            ("one relaxed `fetch_add` each (floor)", "baseline_fetch_add"),
            ("**failwell**", "failwell"),
            ("governor `check`", "governor_check"),
            ("ratelock `allow`", "ratelock_allow"),
        ],
        "admit, 2 threads",
    )?);
    text.push('\n');
    text.push_str(&table(
        medians,
        "reject_2_threads",
        "failwell",
        &[
            ("**failwell**", "failwell"),
            ("governor `check`", "governor_check"),
            ("ratelock `allow`", "ratelock_allow"),
        ],
        "reject, 2 threads",
    )?);
    text.push_str("\n### As users run it: each limiter with its normal clock\n\n");
    text.push_str(&table(
        medians,
        "real_clock_admit",
        "failwell_quanta_clock",
        &[
            (
                "**failwell** + `time::QuantaClock::now` (feature `quanta`)",
                "failwell_quanta_clock",
            ),
            (
                "failwell + `time::QuantaClock::recent`, quanta's upkeep every 100 µs",
                "failwell_quanta_recent_100us",
            ),
            (
                "failwell + `time::InstantClock` (std `Instant`)",
                "failwell_instant_clock",
            ),
            (
                "failwell + `time::CachedClock`, refreshed every 100 µs by a thread",
                "failwell_cached_clock_100us",
            ),
            ("governor, default clock (quanta)", "governor_default_clock"),
            ("ratelock, std clock", "ratelock_std_clock"),
        ],
        "admit, real clock",
    )?);
    text.push_str(&instruction_table(
        instructions,
        |op| !is_breaker_op(op) && !is_bulkhead_op(op),
        HARNESS_NOTE,
    ));
    text.push_str("\n### Scaling: cost per call against burst size\n\n| burst | failwell admit |\n|---|---|\n");
    for burst in [8, 64, 512, 1024] {
        let time = get(medians, &format!("scaling_burst/failwell_admit/{burst}"))?;
        text.push_str(&format!("| {burst} | {time:.1} ns |\n"));
    }
    Ok(text)
}

/// Operations of the `instructions` binary that belong to the breaker tables.
fn is_breaker_op(op: &str) -> bool {
    op.ends_with("_success") || op.contains("_success_") || op == "harness_breaker"
}

/// Operations of the `instructions` binary that belong to the bulkhead's tables.
fn is_bulkhead_op(op: &str) -> bool {
    matches!(
        op,
        "harness_bulkhead" | "failwell_bulkhead" | "tokio_semaphore"
    )
}

/// The limiter's and breaker's note on what "own" subtracts.
const HARNESS_NOTE: &str = "(`harness_admit`, `harness_reject`,\n\
     `harness_breaker`, which reads the clock twice like the breaker adapters, `empty_loop`)";

/// The callgrind table for the operations `keep` selects (plus the loops
/// they are measured against); `harnesses` names those loops.
fn instruction_table(
    instructions: &[(String, f64)],
    keep: impl Fn(&str) -> bool,
    harnesses: &str,
) -> String {
    let mut text = format!(
        "\n### Instructions per call (callgrind)\n\n\
         `valgrind --tool=callgrind` over `target/release/instructions <op> N` for N = 10,000 and\n\
         110,000; per call = difference in instructions / 100,000. \"Own\" subtracts the same loop\n\
         around an operation that does nothing {harnesses}.\n\n\
         | operation | per call | own |\n|---|---|---|\n",
    );
    let harness = |op: &str| {
        if is_bulkhead_op(op) {
            "harness_bulkhead"
        } else if op.ends_with("_admit") {
            "harness_admit"
        } else if op.ends_with("_reject") {
            "harness_reject"
        } else if op.starts_with("failwell_success") {
            "harness_breaker"
        } else {
            "empty_loop"
        }
    };
    let count_of = |name: &str| instruction_count(instructions, name).unwrap_or(f64::NAN);
    for (op, count) in instructions {
        let (op, count) = (op.as_str(), *count);
        if !(keep(op) || op == "empty_loop" || op.starts_with("baseline")) {
            continue;
        }
        if op.starts_with("harness") || op == "empty_loop" {
            text.push_str(&format!("| {op} | {count:.1} | |\n"));
        } else {
            let own = count - count_of(harness(op));
            text.push_str(&format!("| {op} | {count:.1} | {own:.1} |\n"));
        }
    }
    text
}

fn render_breaker(
    medians: &Medians,
    instructions: &[(String, f64)],
    quick: bool,
) -> Result<String, Failure> {
    let mut text = format!(
        "{}, by `cargo xtask bench{} breaker`.\n\
         One closed-state call that succeeds: acquire, then record the success. failsafe 1.3.0\n\
         and recloser 1.4.0 run in the same criterion groups, configured alike (trip on 5\n\
         failures in a row or on 50 % of the last 100 calls; open 1 s; see benches/breakers.rs\n\
         for how close each gets). failwell reads an injected clock (a relaxed load) twice per\n\
         call; the peers read `Instant` themselves (failsafe twice per call, recloser not on\n\
         this path). Two-thread figures are the median of {CONTENDED_RUNS} runs' medians, time per\n\
         call per thread, both threads on one breaker, started by a barrier.\n\n",
        measured_on(),
        if quick { " --quick" } else { "" }
    );
    let rows = [
        ("one relaxed `fetch_add` (floor)", "baseline_fetch_add"),
        ("**failwell**, count window of 100", "failwell"),
        ("failwell, failures in a row only", "failwell_consecutive"),
        (
            "failwell, count window + 10 time buckets",
            "failwell_time_window",
        ),
        ("failsafe `call`", "failsafe"),
        ("recloser `call`", "recloser"),
    ];
    text.push_str("### Closed, acquire + success, one thread\n\n");
    text.push_str(&table(
        medians,
        "breaker_1_thread",
        "failwell",
        &rows,
        "1 thread",
    )?);
    let ours = get(medians, "breaker_1_thread/failwell")?;
    let fetch_add = get(medians, "breaker_1_thread/baseline_fetch_add")?;
    text.push_str(&format!(
        "\nfailwell / `fetch_add`: {:.2}.\n\n### Two threads contending on one breaker\n\n",
        ours / fetch_add
    ));
    let two: Vec<_> = rows
        .iter()
        .copied()
        .filter(|(_, bench)| *bench != "failwell_time_window")
        .collect();
    text.push_str(&table(
        medians,
        "breaker_2_threads",
        "failwell",
        &two,
        "2 threads",
    )?);
    text.push_str(&instruction_table(
        instructions,
        is_breaker_op,
        HARNESS_NOTE,
    ));
    text.push_str(
        "\n### Scaling: cost per call against window size\n\n\
         The clock moves 1 µs per call, so the time window's head moves every 100,000 calls.\n\n\
         | slots or buckets | count window | time buckets |\n|---|---|---|\n",
    );
    for size in [8, 64, 256, 1024] {
        let count = get(medians, &format!("breaker_scaling/count_window/{size}"))?;
        let time = get(medians, &format!("breaker_scaling/time_buckets/{size}"))?;
        text.push_str(&format!("| {size} | {count:.1} ns | {time:.1} ns |\n"));
    }
    Ok(text)
}

/// The callgrind count per call of `name`.
fn instruction_count(instructions: &[(String, f64)], name: &str) -> Result<f64, Failure> {
    instructions
        .iter()
        .find(|(op, _)| op == name)
        .map(|(_, count)| *count)
        .ok_or_else(|| Failure(format!("no instruction count for {name}")))
}

/// `value` to two decimals, or three when two would round it onto `bound`
/// (so 2.004 against "at most 2" does not read as 2.00 and missed).
fn near(value: f64, bound: f64) -> String {
    if format!("{value:.2}") == format!("{bound:.2}") {
        format!("{value:.3}")
    } else {
        format!("{value:.2}")
    }
}

/// One line of a targets list: what was aimed at, what was measured, and
/// whether it was met.
fn target(text: &mut String, aim: &str, measured: &str, met: bool) {
    let verdict = if met { "**met**" } else { "**missed**" };
    text.push_str(&format!("- {aim}: {measured}; {verdict}.\n"));
}

fn render_bulkhead(
    medians: &Medians,
    instructions: &[(String, f64)],
    quick: bool,
) -> Result<String, Failure> {
    let mut text = format!(
        "{}, by `cargo xtask bench{} bulkhead`.\n\
         One slot taken and freed: `try_acquire(now, Tier::Essential)`, then the permit dropped,\n\
         on a bulkhead of 64 slots with a fixed limit. tokio's `Semaphore::try_acquire` with 64\n\
         permits, its permit dropped, runs in the same criterion groups (tokio 1, feature `sync`,\n\
         no runtime). Both are built outside the timed closure and admit every call. Two-thread\n\
         figures are the median of {CONTENDED_RUNS} runs' medians, time per call per thread, both\n\
         threads on one bulkhead (one semaphore), started by a barrier.\n\n",
        measured_on(),
        if quick { " --quick" } else { "" }
    );
    let rows = [
        ("one relaxed `fetch_add` (floor)", "baseline_fetch_add"),
        ("**failwell** `try_acquire` + drop", "failwell"),
        ("tokio `Semaphore::try_acquire` + drop", "tokio_semaphore"),
    ];
    text.push_str("### Acquire + release, one thread\n\n");
    text.push_str(&table(
        medians,
        "bulkhead_1_thread",
        "failwell",
        &rows,
        "1 thread",
    )?);
    let ours = get(medians, "bulkhead_1_thread/failwell")?;
    let fetch_add = get(medians, "bulkhead_1_thread/baseline_fetch_add")?;
    let tokio = get(medians, "bulkhead_1_thread/tokio_semaphore")?;
    text.push_str(&format!(
        "\nfailwell / `fetch_add`: {:.2}.\n\n### Two threads contending on one bulkhead\n\n",
        ours / fetch_add
    ));
    text.push_str(&table(
        medians,
        "bulkhead_2_threads",
        "failwell",
        &rows,
        "2 threads",
    )?);
    let ours_2 = get(medians, "bulkhead_2_threads/failwell")?;
    let tokio_2 = get(medians, "bulkhead_2_threads/tokio_semaphore")?;
    let fetch_add_2 = get(medians, "bulkhead_2_threads/baseline_fetch_add")?;
    text.push_str(&format!(
        "\nfailwell / `fetch_add`, two threads: {:.2}.\n",
        ours_2 / fetch_add_2
    ));
    text.push_str(&instruction_table(
        instructions,
        is_bulkhead_op,
        "(`harness_bulkhead`,\nwhose operation is an opaque `true`)",
    ));
    let own = |op: &str| -> Result<f64, Failure> {
        Ok(instruction_count(instructions, op)?
            - instruction_count(instructions, "harness_bulkhead")?)
    };
    let own_ours = own("failwell_bulkhead")?;
    let own_tokio = own("tokio_semaphore")?;
    text.push_str("\n### Targets\n\n");
    let speedup = tokio / ours;
    target(
        &mut text,
        "at least 2× faster than tokio, one thread",
        &format!(
            "{}× ({ours:.1} ns against {tokio:.1} ns)",
            near(speedup, 2.0)
        ),
        speedup >= 2.0,
    );
    let speedup_2 = tokio_2 / ours_2;
    target(
        &mut text,
        &format!("at least 5× faster than tokio, two threads (median of {CONTENDED_RUNS} runs)"),
        &format!(
            "{}× ({ours_2:.1} ns against {tokio_2:.1} ns)",
            near(speedup_2, 5.0)
        ),
        speedup_2 >= 5.0,
    );
    let floor = ours / fetch_add;
    target(
        &mut text,
        "at most 2× one relaxed `fetch_add`, one thread",
        &format!(
            "{}× ({ours:.1} ns against {fetch_add:.1} ns)",
            near(floor, 2.0)
        ),
        floor <= 2.0,
    );
    target(
        &mut text,
        "at most 30 instructions of its own (callgrind)",
        &format!("{own_ours:.1} (tokio: {own_tokio:.1})"),
        own_ours <= 30.0,
    );
    Ok(text)
}

/// Replaces the `marker` section of BENCHMARKS.md with `text`.
fn write_section(marker: &str, text: &str) -> Result<(), Failure> {
    let begin_marker = format!("<!-- {marker}:begin -->\n");
    let end_marker = format!("<!-- {marker}:end -->");
    let path = root().join("BENCHMARKS.md");
    let current = std::fs::read_to_string(&path)
        .map_err(|error| Failure(format!("{}: {error}", path.display())))?;
    let (Some(begin), Some(end)) = (current.find(&begin_marker), current.find(&end_marker)) else {
        return Err(Failure(format!(
            "{} lacks the bench markers",
            path.display()
        )));
    };
    let head = current
        .get(..begin + begin_marker.len())
        .unwrap_or_default();
    let tail = current.get(end..).unwrap_or_default();
    std::fs::write(&path, format!("{head}{text}{tail}"))
        .map_err(|error| Failure(format!("{}: {error}", path.display())))
}
