//! Running commands, with their failures as values.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// A task failed; the message says what and why.
#[derive(Debug)]
pub struct Failure(pub String);

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map_or(manifest.clone(), PathBuf::from)
}

/// `cargo`, as the one running this task, in the workspace root.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root());
    command
}

/// `cargo` through rustup's proxy, so `+toolchain` works, in the workspace
/// root.
pub fn rustup_cargo() -> Command {
    // `cargo xtask` runs us with CARGO set to the toolchain's own cargo, which
    // does not understand `+toolchain`: use the proxy on PATH instead.
    let mut command = Command::new("cargo");
    command
        .current_dir(root())
        .env_remove("CARGO")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC");
    command
}

/// Runs `command`, echoing it, and fails unless it exits successfully.
pub fn run(command: &mut Command) -> Result<(), Failure> {
    eprintln!("xtask: running {command:?}");
    let status = command
        .status()
        .map_err(|error| Failure(format!("cannot start {command:?}: {error}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure(format!("{command:?} failed: {status}")))
    }
}

/// Output of a command that must succeed, or `None`.
pub fn output_of(command: &mut Command) -> Option<String> {
    let output = command.stdin(Stdio::null()).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}
