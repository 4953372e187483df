//! `cargo xtask embedded`: the core on microcontrollers, for real.
//!
//! 1. Cross-builds `failwell` (release) for every target in [`CORE_TARGETS`].
//! 2. Builds the test firmware in `examples/embedded` for each of [`FIRMWARE`]
//!    and runs it under QEMU. A run passes only when QEMU exits 0 (the
//!    firmware's semihosting `EXIT_SUCCESS`) within [`QEMU_TIMEOUT`] and the
//!    firmware printed [`SUCCESS_LINE`].
//! 3. Prints the firmware's sizes with `arm-none-eabi-size`.
//!
//! It also checks the firmware's formatting, which `cargo xtask lint` (the
//! workspace's) does not cover.
//!
//! Toolchain, per target: one that `rustup target list --installed` lists is
//! built by the running cargo with `--target`. Any other is built with Debian's
//! rustc (packages `rustc-web` and `rust-web-src`) and `-Zbuild-std=core`,
//! linked by `ld.lld-22` (package `lld-22`), as DESIGN.md's "Embedded targets
//! on these machines" describes. Everything goes to `target/embedded`, so these
//! builds never invalidate the host build's cache.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::setup::apt_install_line;
use crate::util::{cargo, root, run as run_command, Failure};

/// Targets the core crate must build for, with what they stand for.
const CORE_TARGETS: [(&str, &str); 3] = [
    ("thumbv6m-none-eabi", "Cortex-M0/M0+, no compare-and-swap"),
    ("thumbv7em-none-eabihf", "Cortex-M4F/M7F"),
    ("riscv32imc-unknown-none-elf", "RISC-V RV32IMC"),
];

/// A firmware build and the QEMU machine that runs it.
struct Firmware {
    target: &'static str,
    cpu: &'static str,
    machine: &'static str,
}

/// The firmware builds, each run under QEMU.
const FIRMWARE: [Firmware; 2] = [
    Firmware {
        target: "thumbv6m-none-eabi",
        cpu: "cortex-m0",
        machine: "microbit",
    },
    Firmware {
        target: "thumbv7m-none-eabi",
        cpu: "cortex-m3",
        machine: "mps2-an385",
    },
];

/// The firmware's binary name (its package name in `examples/embedded`).
const FIRMWARE_BIN: &str = "failwell-embedded-test";

/// What the firmware prints when every check passed (`SUCCESS` in
/// `examples/embedded/src/main.rs`).
const SUCCESS_LINE: &str = "failwell-embedded: all checks passed";

/// How long one QEMU run may take before it counts as hung.
const QEMU_TIMEOUT: Duration = Duration::from_secs(60);

/// Debian's rustc (package `rustc-web`), which builds `core` from source.
pub(crate) const DEBIAN_RUSTC: &str = "/usr/bin/rustc";

/// Linkers for the build-std route, in order of preference: Debian's rustc
/// ships no `rust-lld`.
const LINKERS: [&str; 2] = ["ld.lld-22", "ld.lld"];

/// The task.
pub fn run() -> Result<(), Failure> {
    let started = Instant::now();
    let tools = Tools::find()?;
    let target_dir = root().join("target").join("embedded");

    // The firmware is no workspace member, so `cargo xtask lint` misses it.
    run_command(cargo().args([
        "fmt",
        "--manifest-path",
        "examples/embedded/Cargo.toml",
        "--",
        "--check",
    ]))?;

    for (target, what) in CORE_TARGETS {
        eprintln!("xtask: core for {target} ({what}), {}", tools.route(target));
        let mut command = tools.cargo_build(target, &target_dir)?;
        command.args(["--package", "failwell"]);
        run_command(&mut command)?;
    }

    let firmware_dir = root().join("examples").join("embedded");
    let mut elfs = Vec::new();
    for firmware in &FIRMWARE {
        let target = firmware.target;
        eprintln!("xtask: firmware for {target}, {}", tools.route(target));
        let mut command = tools.cargo_build(target, &target_dir)?;
        command.current_dir(&firmware_dir).arg("--locked");
        run_command(&mut command)?;
        let elf = target_dir.join(target).join("release").join(FIRMWARE_BIN);
        run_qemu(&tools.qemu, firmware, &elf)?;
        elfs.push(elf);
    }

    print_sizes(&tools.size, &elfs)?;
    let elapsed = started.elapsed().as_secs();
    eprintln!(
        "xtask: embedded passed in {}m{:02}s",
        elapsed / 60,
        elapsed % 60
    );
    Ok(())
}

/// The tools this run needs, found before anything is built.
pub(crate) struct Tools {
    /// Targets installed in the active rustup toolchain.
    installed: Vec<String>,
    qemu: PathBuf,
    pub(crate) size: PathBuf,
    /// For targets rustup lacks: Debian's rustc and the linker it uses.
    build_std: Option<BuildStd>,
}

/// The build-std route's rustc and linker.
struct BuildStd {
    rustc: PathBuf,
    /// Only needed to link the firmware; `None` when no firmware target uses
    /// this route.
    linker: Option<String>,
}

impl Tools {
    pub(crate) fn find() -> Result<Self, Failure> {
        let installed = rustup_targets();
        let qemu = tool("qemu-system-arm", "qemu-system-arm")?;
        let size = tool("arm-none-eabi-size", "binutils-arm-none-eabi")?;
        let missing = |target: &str| !installed.iter().any(|t| t == target);
        let core_missing = CORE_TARGETS.iter().any(|(target, _)| missing(target));
        let firmware_missing = FIRMWARE.iter().any(|firmware| missing(firmware.target));
        let build_std = if core_missing || firmware_missing {
            let linker = if firmware_missing {
                let found = LINKERS.iter().find(|name| on_path(name).is_some());
                let Some(found) = found else {
                    return Err(Failure(format!(
                        "no `{}` on PATH to link the firmware for targets rustup lacks; \
                         install Debian's package lld-22 ({})",
                        LINKERS.join("` or `"),
                        apt_install_line(&["lld-22"])
                    )));
                };
                Some((*found).to_owned())
            } else {
                None
            };
            Some(BuildStd {
                rustc: debian_rustc()?,
                linker,
            })
        } else {
            None
        };
        Ok(Self {
            installed,
            qemu,
            size,
            build_std,
        })
    }

    pub(crate) fn has_rustup_target(&self, target: &str) -> bool {
        self.installed.iter().any(|t| t == target)
    }

    /// How `target` is built, for the log.
    pub(crate) fn route(&self, target: &str) -> String {
        if self.has_rustup_target(target) {
            "with the rustup target".to_owned()
        } else {
            format!("with {DEBIAN_RUSTC} -Zbuild-std=core (no rustup target)")
        }
    }

    /// `cargo build --release --target <target>`, by the route `target` takes.
    pub(crate) fn cargo_build(&self, target: &str, target_dir: &Path) -> Result<Command, Failure> {
        let mut command = cargo();
        command.env("CARGO_TARGET_DIR", target_dir).args([
            "build",
            "--release",
            "--target",
            target,
        ]);
        if self.has_rustup_target(target) {
            return Ok(command);
        }
        let Some(build_std) = &self.build_std else {
            return Err(Failure(format!(
                "internal: no build-std toolchain for {target}"
            )));
        };
        command
            .env("RUSTC", &build_std.rustc)
            .env("RUSTC_BOOTSTRAP", "1")
            .arg("-Zbuild-std=core");
        if let Some(linker) = &build_std.linker {
            command
                .arg("--config")
                .arg(format!("target.{target}.linker=\"{linker}\""));
        }
        Ok(command)
    }
}

/// The targets `rustup target list --installed` lists (for the toolchain this
/// task runs under); none when there is no rustup.
fn rustup_targets() -> Vec<String> {
    let output = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .stderr(Stdio::null())
        .output();
    match output {
        Ok(output) if output.status.success() => String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => {
            eprintln!("xtask: no rustup targets found; every target uses build-std");
            Vec::new()
        }
    }
}

/// Debian's rustc, checked to have the library source build-std needs.
fn debian_rustc() -> Result<PathBuf, Failure> {
    let rustc = PathBuf::from(DEBIAN_RUSTC);
    if !rustc.is_file() {
        return Err(Failure(format!(
            "some targets are not installed in rustup (rustup target add ...), and the \
             fallback, {DEBIAN_RUSTC} with -Zbuild-std, is missing: install Debian's packages \
             rustc-web and rust-web-src ({})",
            apt_install_line(&["rustc-web", "rust-web-src"])
        )));
    }
    let output = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|error| Failure(format!("cannot run {DEBIAN_RUSTC}: {error}")))?;
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let library = Path::new(&sysroot).join("lib/rustlib/src/rust/library");
    if !output.status.success() || !library.join("core").is_dir() {
        return Err(Failure(format!(
            "{DEBIAN_RUSTC} has no library source at {} for -Zbuild-std: install Debian's \
             package rust-web-src ({})",
            library.display(),
            apt_install_line(&["rust-web-src"])
        )));
    }
    Ok(rustc)
}

/// `name` on PATH, or a failure naming the Debian package that provides it.
pub(crate) fn tool(name: &str, package: &str) -> Result<PathBuf, Failure> {
    on_path(name).ok_or_else(|| {
        Failure(format!(
            "`{name}` not found on PATH: install Debian's package {package} \
             ({})",
            apt_install_line(&[package])
        ))
    })
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Runs `elf` on the firmware's QEMU machine, echoing its output, and fails
/// unless it exits 0 in time having printed [`SUCCESS_LINE`].
fn run_qemu(qemu: &Path, firmware: &Firmware, elf: &Path) -> Result<(), Failure> {
    let mut command = Command::new(qemu);
    command
        .args(["-cpu", firmware.cpu, "-machine", firmware.machine])
        .args([
            "-nographic",
            "-semihosting-config",
            "enable=on,target=native",
        ])
        .arg("-kernel")
        .arg(elf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    eprintln!("xtask: running {command:?}");
    let mut child = command
        .spawn()
        .map_err(|error| Failure(format!("cannot start {command:?}: {error}")))?;
    let prefix = format!("[{} {}] ", firmware.machine, firmware.cpu);
    let stdout = child.stdout.take().map(|s| echo_lines(s, prefix.clone()));
    let stderr = child.stderr.take().map(|s| echo_lines(s, prefix));

    let status = wait_with_timeout(&mut child, QEMU_TIMEOUT);
    let output = stdout.map(collect).unwrap_or_default();
    let errors = stderr.map(collect).unwrap_or_default();
    let what = format!("QEMU {} ({})", firmware.machine, firmware.target);
    let status = match status {
        Ok(Some(status)) => status,
        Ok(None) => {
            return Err(Failure(format!(
                "{what} timed out after {} s and was killed",
                QEMU_TIMEOUT.as_secs()
            )))
        }
        Err(error) => return Err(Failure(format!("{what}: {error}"))),
    };
    if !status.success() {
        return Err(Failure(format!(
            "{what} failed: {status}{}",
            if errors.is_empty() {
                ""
            } else {
                " (see its stderr above)"
            }
        )));
    }
    if !output.lines().any(|line| line.trim_end() == SUCCESS_LINE) {
        return Err(Failure(format!(
            "{what} exited 0 but never printed `{SUCCESS_LINE}`"
        )));
    }
    eprintln!("xtask: {what} passed");
    Ok(())
}

/// Waits for `child`, killing it after `timeout`: `Ok(None)` when it was killed.
fn wait_with_timeout(
    child: &mut std::process::Child,
    timeout: Duration,
) -> std::io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(Some(status)),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                child.kill()?;
                child.wait()?;
                return Ok(None);
            }
            Err(error) => {
                // Do not leave it running.
                let _ = child.kill();
                let _ = child.wait();
                return Err(error);
            }
        }
    }
}

/// Echoes each line of `stream` with `prefix` as it arrives; the thread
/// returns everything it read.
fn echo_lines(stream: impl Read + Send + 'static, prefix: String) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            println!("{prefix}{line}");
            all.push_str(&line);
            all.push('\n');
        }
        all
    })
}

fn collect(reader: JoinHandle<String>) -> String {
    reader.join().unwrap_or_default()
}

/// `arm-none-eabi-size` of the firmware ELFs, as one table.
fn print_sizes(size: &Path, elfs: &[PathBuf]) -> Result<(), Failure> {
    let root = root();
    let mut command = Command::new(size);
    command.current_dir(&root).args(
        elfs.iter()
            .map(|elf| elf.strip_prefix(&root).unwrap_or(elf)),
    );
    let output = command
        .output()
        .map_err(|error| Failure(format!("cannot start {command:?}: {error}")))?;
    if !output.status.success() {
        return Err(Failure(format!(
            "{command:?} failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    eprintln!("xtask: firmware size (text = flash code + rodata, data = RAM copied from flash, bss = zeroed RAM):");
    print!("{}", String::from_utf8_lossy(&output.stdout));
    Ok(())
}
