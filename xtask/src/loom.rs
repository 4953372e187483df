//! `cargo xtask loom`: the loom models in `core/tests/loom.rs`, and proof
//! that they bite.
//!
//! The models run with no `LOOM_MAX_PREEMPTIONS` bound: they are small
//! enough for loom to explore every interleaving (about 20 s here). Then
//! they run again against each bug planted in `core/src/sync.rs` under
//! `cfg(failwell_plant = "...")`, and every model must fail against at least
//! one plant: a model that no plant breaks would prove nothing.

use std::collections::BTreeSet;
use std::process::Command;

use crate::util::{cargo, root, run, Failure};

/// The planted bugs: a plain load + store in place of the compare-and-swap,
/// and a rejection that writes back the value it read.
const PLANTS: [&str; 2] = ["racy_update", "reject_writes"];

fn loom_test(plant: Option<&str>) -> Command {
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
            "loom",
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

/// Names of the models in `output` that ended with `verdict` ("ok" or "FAILED").
fn models(output: &str, verdict: &str) -> BTreeSet<String> {
    output
        .lines()
        .filter_map(|line| {
            line.strip_prefix("test ")?
                .strip_suffix(&format!(" ... {verdict}"))
        })
        .map(str::to_owned)
        .collect()
}

pub fn run_loom() -> Result<(), Failure> {
    run(&mut loom_test(None))?;
    let mut all = BTreeSet::new();
    let mut caught = BTreeSet::new();
    for plant in PLANTS {
        let mut command = loom_test(Some(plant));
        eprintln!("xtask: running {command:?} (must fail)");
        let output = command
            .output()
            .map_err(|error| Failure(format!("cannot run cargo: {error}")))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let failed = models(&stdout, "FAILED");
        if output.status.success() || failed.is_empty() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(Failure(format!(
                "no loom model caught the planted bug `{plant}`\n{stdout}\n{stderr}"
            )));
        }
        eprintln!(
            "xtask: plant `{plant}` caught by: {}",
            failed.iter().cloned().collect::<Vec<_>>().join(", ")
        );
        all.extend(models(&stdout, "ok"));
        all.extend(failed.iter().cloned());
        caught.extend(failed);
    }
    let missed: Vec<_> = all.difference(&caught).cloned().collect();
    if !missed.is_empty() {
        return Err(Failure(format!(
            "loom models that no planted bug breaks: {}",
            missed.join(", ")
        )));
    }
    eprintln!(
        "xtask: loom passed; each of the {} models fails against a planted bug",
        all.len()
    );
    Ok(())
}
