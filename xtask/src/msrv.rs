//! `cargo xtask msrv`: the library crates build, without a warning, on the
//! minimum supported Rust version, the workspace's `rust-version`.
//!
//! The toolchain comes from rustup, which installs it when it is missing
//! (`rustup toolchain install <version> --profile minimal`, with the embedded
//! targets below). Then, with `cargo +<version> check --locked` and
//! `RUSTFLAGS=-D warnings`, in `target/msrv`:
//!
//! - `failwell` with no features, with `std` and with `defmt`, on the host;
//!   with no features and with `defmt` on `thumbv6m-none-eabi` (no
//!   compare-and-swap: everything in critical sections), and with no features
//!   on `thumbv7em-none-eabihf` (32-bit atomics but no 64-bit ones);
//! - `failwell-ffi` as C links it (the `std` feature, its default, on the
//!   host) and as firmware links it (an rlib without `std`, on the host and
//!   on `thumbv6m-none-eabi`).
//!
//! Tests, examples, benchmarks and tools need a newer Rust (proptest, a
//! dev-dependency, needs 1.88) and are not checked. The README states the
//! same version: this task fails when it does not.

use std::process::{Command, Stdio};

use crate::util::{cargo, output_of, root, run, rustup_cargo, Failure};

/// The library crates, whose `rust-version` is the MSRV.
const LIBRARIES: [&str; 2] = ["failwell", "failwell-ffi"];

/// Targets checked besides the host.
const TARGETS: [&str; 2] = ["thumbv6m-none-eabi", "thumbv7em-none-eabihf"];

/// `cargo` arguments for the ffi crate as firmware links it: an rlib (its
/// staticlib and cdylib need std's panic handler), without `std`.
const FFI_NO_STD: &[&str] = &[
    "rustc",
    "--package",
    "failwell-ffi",
    "--lib",
    "--no-default-features",
    "--crate-type",
    "rlib",
    "--profile",
    "check",
];

/// One build to check: the cargo arguments and the target (`None`: the host).
const CHECKS: &[(&[&str], Option<&str>)] = &[
    (&["check", "--package", "failwell"], None),
    (
        &["check", "--package", "failwell", "--features", "std"],
        None,
    ),
    (
        &["check", "--package", "failwell", "--features", "defmt"],
        None,
    ),
    (&["check", "--package", "failwell-ffi"], None),
    (FFI_NO_STD, None),
    (&["check", "--package", "failwell"], Some(TARGETS[0])),
    (
        &["check", "--package", "failwell", "--features", "defmt"],
        Some(TARGETS[0]),
    ),
    (FFI_NO_STD, Some(TARGETS[0])),
    (&["check", "--package", "failwell"], Some(TARGETS[1])),
];

/// Runs `cargo xtask msrv`.
pub fn run_msrv() -> Result<(), Failure> {
    let version = declared_version()?;
    check_readme(&version)?;
    ensure_toolchain(&version)?;
    let rustc = output_of(rustup().args(["run", &version, "rustc", "--version"]))
        .ok_or_else(|| Failure(format!("`rustup run {version} rustc --version` failed")))?;
    eprintln!("xtask: msrv: checking the library crates with {rustc}");
    let target_dir = root().join("target/msrv");
    for (args, target) in CHECKS {
        let mut command = rustup_cargo();
        command
            .arg(format!("+{version}"))
            .args(*args)
            .arg("--locked")
            .arg("--target-dir")
            .arg(&target_dir)
            .env("RUSTFLAGS", "-D warnings")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
        if let Some(target) = target {
            command.args(["--target", target]);
        }
        run(&mut command).map_err(|Failure(detail)| {
            Failure(format!(
                "{detail}\nthe library crates must build without a warning on Rust {version}, \
                 their rust-version (the workspace's Cargo.toml)"
            ))
        })?;
    }
    eprintln!("xtask: msrv: the library crates build on Rust {version} without a warning");
    Ok(())
}

/// The `rust-version` of the library crates, which must agree.
fn declared_version() -> Result<String, Failure> {
    let output = cargo()
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| Failure(format!("cannot run cargo metadata: {error}")))?;
    if !output.status.success() {
        return Err(Failure("cargo metadata failed".to_owned()));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|error| Failure(format!("cargo metadata: {error}")))?;
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let mut versions = LIBRARIES.iter().map(|name| {
        packages
            .iter()
            .find(|package| package["name"] == *name)
            .and_then(|package| package["rust_version"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| Failure(format!("{name} declares no rust-version")))
    });
    let first = versions
        .next()
        .unwrap_or_else(|| Err(Failure("no library".to_owned())))?;
    for other in versions {
        let other = other?;
        if other != first {
            return Err(Failure(format!(
                "the library crates declare different rust-versions: {first} and {other}"
            )));
        }
    }
    Ok(first)
}

/// The README names the version this task checks.
fn check_readme(version: &str) -> Result<(), Failure> {
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path)
        .map_err(|error| Failure(format!("cannot read {}: {error}", path.display())))?;
    let statement = format!("Minimum supported Rust version: {version}.");
    if readme.contains(&statement) {
        Ok(())
    } else {
        Err(Failure(format!(
            "README.md must say \"{statement}\", the rust-version in Cargo.toml"
        )))
    }
}

/// `rustup`, free of the toolchain `cargo xtask` runs under.
fn rustup() -> Command {
    let mut command = Command::new("rustup");
    command.env_remove("RUSTUP_TOOLCHAIN");
    command
}

/// Installs the toolchain `version` and the targets through rustup, unless
/// they are there already.
fn ensure_toolchain(version: &str) -> Result<(), Failure> {
    let toolchains = output_of(rustup().args(["toolchain", "list"])).ok_or_else(|| {
        Failure(
            "the MSRV check needs rustup, and `rustup toolchain list` failed; see \
             https://rustup.rs"
                .to_owned(),
        )
    })?;
    let prefix = format!("{version}-");
    let installed = toolchains.lines().any(|line| line.starts_with(&prefix));
    let targets = if installed {
        output_of(rustup().args(["target", "list", "--installed", "--toolchain", version]))
            .unwrap_or_default()
    } else {
        String::new()
    };
    if installed
        && TARGETS
            .iter()
            .all(|target| targets.lines().any(|line| line == *target))
    {
        return Ok(());
    }
    eprintln!(
        "xtask: msrv: installing Rust {version} (profile minimal, targets {}) with rustup",
        TARGETS.join(", ")
    );
    let mut install = rustup();
    install.args(["toolchain", "install", version, "--profile", "minimal"]);
    for target in TARGETS {
        install.args(["--target", target]);
    }
    run(&mut install)
}
