//! `cargo xtask loom`: the loom models in `core/tests/loom.rs`.

use crate::util::{cargo, root, run, Failure};

/// Builds and runs the loom models (release, in their own target directory
/// because `--cfg loom` rebuilds everything). No `LOOM_MAX_PREEMPTIONS`
/// bound is set: the models are small enough for loom to explore every
/// interleaving (about 10 s here).
pub fn run_loom() -> Result<(), Failure> {
    run(cargo()
        .args([
            "test",
            "--release",
            "--package",
            "failwell",
            "--test",
            "loom",
        ])
        .env("RUSTFLAGS", "--cfg loom")
        .env_remove("LOOM_MAX_PREEMPTIONS")
        .env("CARGO_TARGET_DIR", root().join("target/loom")))
}
