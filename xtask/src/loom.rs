//! `cargo xtask loom`: the loom models in `core/tests/loom.rs` (rate
//! limiter), `core/tests/loom_breaker.rs` (circuit breaker) and
//! `core/tests/loom_bulkhead.rs` (bulkhead), and proof that they bite.
//!
//! The models run with no `LOOM_MAX_PREEMPTIONS` bound from the
//! environment: they are small enough for loom to explore every
//! interleaving (about a minute in all here). Every model sets a
//! preemption bound in code that never binds, only to turn on the
//! conservative backtracking that loom's DPOR needs to be complete for them
//! (see `model` in `core/tests/loom_model/mod.rs`).
//!
//! Then every model runs again against each bug planted in
//! `core/src/sync.rs` under `cfg(failwell_plant = "...")`, and every model
//! must fail against at least one plant: a model that no plant breaks
//! would prove nothing. Models marked `#[ignore]` (claims loom refutes,
//! kept until the core is fixed) run in neither pass.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use crate::util::{cargo, root, run, Failure};

/// The loom test files in `core/tests`.
const TARGETS: [&str; 3] = ["loom", "loom_breaker", "loom_bulkhead"];

/// The planted bugs: a plain load + store in place of the compare-and-swap
/// (in `StateWord::update`, `StateWord::compare_exchange` and `update_u32`,
/// which also loses their ordering), and a rejection that writes back the
/// value it read (in `StateWord::update` and `update_u32`).
const PLANTS: [&str; 2] = ["racy_update", "reject_writes"];

fn loom_test(plant: Option<&str>, target: &str) -> Command {
    let mut flags = String::from("--cfg loom");
    if let Some(plant) = plant {
        flags.push_str(&format!(" --cfg failwell_plant=\"{plant}\""));
    }
    let mut command = cargo();
    command
        .args([
            "test",
            "--release",
            "--package",
            "failwell",
            "--test",
            target,
        ])
        .env("RUSTFLAGS", flags)
        .env_remove("LOOM_MAX_PREEMPTIONS")
        // Each set of flags rebuilds everything: keep each in its own directory.
        .env(
            "CARGO_TARGET_DIR",
            root().join(format!(
                "target/loom{}",
                plant.map_or(String::new(), |p| format!("-{p}"))
            )),
        );
    command
}

/// Names of the models in `output` that ended with `verdict` ("ok" or
/// "FAILED"), as `target::name`.
fn models(output: &str, target: &str, verdict: &str) -> BTreeSet<String> {
    output
        .lines()
        .filter_map(|line| {
            line.strip_prefix("test ")?
                .strip_suffix(&format!(" ... {verdict}"))
        })
        .map(|name| format!("{target}::{name}"))
        .collect()
}

pub fn run_loom() -> Result<(), Failure> {
    for target in TARGETS {
        run(&mut loom_test(None, target))?;
    }
    let mut all = BTreeSet::new();
    // Model → the plants that break it.
    let mut caught: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for plant in PLANTS {
        let mut failed_here = BTreeSet::new();
        for target in TARGETS {
            let mut command = loom_test(Some(plant), target);
            eprintln!("xtask: running {command:?} (some model must fail)");
            let output = command
                .output()
                .map_err(|error| Failure(format!("cannot run cargo: {error}")))?;
            let stdout = String::from_utf8_lossy(&output.stdout);
            let failed = models(&stdout, target, "FAILED");
            let passed = models(&stdout, target, "ok");
            if !output.status.success() && failed.is_empty() {
                // Not a model failing: the build, or the harness.
                let stderr = String::from_utf8_lossy(&output.stderr);
                return Err(Failure(format!(
                    "{command:?} failed without a failing model\n{stdout}\n{stderr}"
                )));
            }
            all.extend(passed);
            all.extend(failed.iter().cloned());
            failed_here.extend(failed);
        }
        if failed_here.is_empty() {
            return Err(Failure(format!(
                "no loom model caught the planted bug `{plant}`"
            )));
        }
        eprintln!(
            "xtask: plant `{plant}` caught by: {}",
            failed_here.iter().cloned().collect::<Vec<_>>().join(", ")
        );
        for model in failed_here {
            caught.entry(model).or_default().push(plant);
        }
    }
    let missed: Vec<_> = all
        .iter()
        .filter(|model| !caught.contains_key(*model))
        .cloned()
        .collect();
    if !missed.is_empty() {
        return Err(Failure(format!(
            "loom models that no planted bug breaks: {}",
            missed.join(", ")
        )));
    }
    for (model, plants) in &caught {
        eprintln!("xtask:   {model}: {}", plants.join(", "));
    }
    eprintln!(
        "xtask: loom passed; each of the {} models fails against a planted bug",
        all.len()
    );
    Ok(())
}
