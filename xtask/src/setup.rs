//! `cargo xtask setup`: installs the system tools the other tasks need.
//!
//! Everything Rust comes from cargo and the lockfile. What cargo cannot
//! provide comes from Debian's packages, named here once: QEMU for the
//! Cortex-M test firmware, the ARM binutils for size reports, LLVM's linker,
//! and Debian's rustc with the standard library sources, which builds `core`
//! for embedded targets that rustup has not installed.
//!
//! It installs only the packages whose tools are missing, lists them first,
//! and never removes a package: `apt-get install --no-remove` refuses (and
//! setup stops, saying what to do) where plain `-y` would remove one.

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

/// The arguments to `apt-get` that install `packages` and nothing else:
/// without questions (`-y`), without recommended extras, and never removing
/// an installed package (`--no-remove`: when installing needs a removal, apt
/// refuses and says so, instead of removing it silently as `-y` alone would).
/// Every `apt-get install` that xtask runs or suggests comes from here.
pub(crate) fn apt_install_args<'a>(packages: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "install",
        "-y",
        "-q",
        "--no-install-recommends",
        "--no-remove",
    ];
    args.extend_from_slice(packages);
    args
}

/// The command line that installs `packages`, to show to a person.
pub(crate) fn apt_install_line(packages: &[&str]) -> String {
    format!("apt-get {}", apt_install_args(packages).join(" "))
}

/// `apt-get <args>` without prompts, through `sudo` unless we are root.
fn apt_get(sudo: bool, args: &[&str]) -> Command {
    let mut command = if sudo {
        let mut command = Command::new("sudo");
        command.arg("apt-get");
        command
    } else {
        Command::new("apt-get")
    };
    command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    command
}

/// Installs missing tools with apt-get (as root), or explains what to install.
/// Never removes a package.
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
        false
    } else if Path::new("/usr/bin/sudo").exists() {
        true
    } else {
        return Err(Failure(format!(
            "missing tools; as root run: {}",
            apt_install_line(&packages)
        )));
    };
    eprintln!(
        "xtask: setup: installing these missing Debian packages (and what they depend on) \
         with apt-get, which never removes a package here: {list}"
    );
    run(&mut apt_get(sudo, &["update", "-q"]))?;
    run(&mut apt_get(sudo, &apt_install_args(&packages))).map_err(|Failure(detail)| {
        Failure(format!(
            "{detail}\n\
             apt-get could not install {list} (its message above says why). failwell's setup \
             never removes a package: when installing these would remove another, apt refuses \
             instead (--no-remove). Install them yourself, choosing what apt may remove \
             (apt-get install --no-install-recommends {list}), or provide the same tools another \
             way, then run `cargo xtask setup` again."
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(command: &Command) -> Vec<String> {
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn install_never_removes_never_asks_and_names_every_package() {
        let packages = ["qemu-system-arm", "lld-22"];
        for sudo in [false, true] {
            let command = apt_get(sudo, &apt_install_args(&packages));
            let mut args = args(&command);
            if sudo {
                assert_eq!(command.get_program(), "sudo");
                assert_eq!(args.remove(0), "apt-get");
            } else {
                assert_eq!(command.get_program(), "apt-get");
            }
            assert_eq!(args.first().map(String::as_str), Some("install"));
            for flag in ["-y", "--no-remove", "--no-install-recommends"] {
                assert!(
                    args.iter().any(|arg| arg == flag),
                    "{flag} missing: {args:?}"
                );
            }
            // Exactly these packages, after the options.
            assert_eq!(args[args.len() - packages.len()..], packages);
            assert!(!args
                .iter()
                .any(|arg| arg == "remove" || arg == "purge" || arg == "--auto-remove"));
        }
    }

    #[test]
    fn the_command_shown_to_a_person_is_the_one_setup_runs() {
        assert_eq!(
            apt_install_line(&["gcc"]),
            "apt-get install -y -q --no-install-recommends --no-remove gcc"
        );
    }
}
