//! `cargo xtask setup`: installs the system tools the other tasks need.
//!
//! Everything Rust comes from cargo and the lockfile. What cargo cannot
//! provide comes from Debian's packages, named here once: QEMU for the
//! Cortex-M test firmware, the ARM binutils for size reports, LLVM's linker,
//! and Debian's rustc with the standard library sources, which builds `core`
//! for embedded targets that rustup has not installed.

use std::path::Path;
use std::process::Command;

use crate::util::{run, Failure};

/// A tool a task needs: a file that must exist and the package providing it.
struct Tool {
    path: &'static str,
    package: &'static str,
}

const TOOLS: &[Tool] = &[
    Tool {
        path: "/usr/bin/qemu-system-arm",
        package: "qemu-system-arm",
    },
    Tool {
        path: "/usr/bin/arm-none-eabi-size",
        package: "binutils-arm-none-eabi",
    },
    Tool {
        path: "/usr/bin/ld.lld-22",
        package: "lld-22",
    },
    Tool {
        path: "/usr/bin/rustc",
        package: "rustc-web",
    },
    Tool {
        path: "/usr/lib/rustlib/src/rust/library/core/Cargo.toml",
        package: "rust-web-src",
    },
    Tool {
        path: "/usr/bin/gcc",
        package: "gcc",
    },
    Tool {
        path: "/usr/bin/g++",
        package: "g++",
    },
];

/// The packages whose tools are missing on this machine.
fn missing() -> Vec<&'static str> {
    let mut packages: Vec<&'static str> = TOOLS
        .iter()
        .filter(|tool| !Path::new(tool.path).exists())
        .map(|tool| tool.package)
        .collect();
    packages.dedup();
    packages
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

/// Installs missing tools with apt-get (as root), or explains what to install.
pub fn run_setup() -> Result<(), Failure> {
    let packages = missing();
    if packages.is_empty() {
        eprintln!("xtask: setup: every tool is present");
        return Ok(());
    }
    let list = packages.join(" ");
    if !Path::new("/usr/bin/apt-get").exists() {
        return Err(Failure(format!(
            "missing tools; install the equivalents of these Debian packages: {list}"
        )));
    }
    let sudo = if is_root() {
        None
    } else if Path::new("/usr/bin/sudo").exists() {
        Some("sudo")
    } else {
        return Err(Failure(format!(
            "missing tools; as root run: apt-get install -y --no-install-recommends {list}"
        )));
    };
    eprintln!("xtask: setup: installing {list}");
    let apt = |args: &[&str]| {
        let mut command = match sudo {
            Some(sudo) => {
                let mut command = Command::new(sudo);
                command.arg("apt-get");
                command
            }
            None => Command::new("apt-get"),
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    run(&mut apt(&["update", "-q"]))?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(&packages);
    run(&mut install)
}
