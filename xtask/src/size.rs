//! `cargo xtask size [--write]`: what each primitive costs in flash and RAM
//! on Cortex-M.
//!
//! Builds the firmware in `examples/size` for every target in [`TARGETS`] at
//! every opt-level in [`OPT_LEVELS`] (release: LTO, one codegen unit,
//! `panic = "abort"`): `baseline`, an empty cortex-m-rt firmware whose loop
//! does volatile reads and writes, and one firmware per primitive, the
//! baseline plus that primitive. It prints, per build, flash (text + data)
//! and RAM (data + bss) of each and the primitive's delta over the baseline,
//! with `size_of::<RateLimiter>()` read from the binary (the size of the
//! `FAILWELL_LIMITER` symbol, `nm -S`), and checks the budgets in
//! [`FLASH_BUDGETS`] and that the RAM delta is the limiter itself: no lock
//! table or other hidden global state.
//!
//! `--write` replaces the text between `<!-- size:begin -->` and
//! `<!-- size:end -->` in BENCHMARKS.md with the table, the date, the
//! toolchain and the command. Builds go to `target/embedded`, by the route
//! `cargo xtask embedded` picks per target.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::embedded::{tool, Tools};
use crate::panic::{opt_level_config, parse_nm_line, replace_section, rustc_version, today};
use crate::util::{cargo, root, run as run_command, Failure};

/// Targets measured, with the core each stands for.
const TARGETS: [(&str, &str); 3] = [
    ("thumbv6m-none-eabi", "Cortex-M0"),
    ("thumbv7m-none-eabi", "Cortex-M3"),
    ("thumbv7em-none-eabihf", "Cortex-M4F"),
];

/// Opt-levels measured; the first is the headline.
const OPT_LEVELS: [&str; 2] = ["z", "s"];

/// The most flash `try_acquire` may add over the baseline, per target (the
/// budgets compare with peers' admission call, e.g. governor's `check`).
const FLASH_BUDGETS: [(&str, u64); 2] = [("thumbv6m-none-eabi", 1024), ("thumbv7m-none-eabi", 400)];

/// The most bytes of state (the words the limiter writes) it may have.
const STATE_BUDGET: u64 = 16;

/// The limiter's state: one `u64` word, `tat` (core/src/limiter.rs asserts
/// 8 bytes of state and 32 of config). Not readable from outside the crate.
const LIMITER_STATE_BYTES: u64 = 8;

/// The firmware's `#[entry]` function, under one name for both binaries.
const FIRMWARE_MAIN: &str = "firmware::__cortex_m_rt_main";

/// How many of the limiter's largest added functions the report names.
const ADDITIONS_SHOWN: usize = 6;

/// The firmware project, from the root.
const FIRMWARE_DIR: &str = "examples/size";

/// The baseline's binary name.
const BASELINE: &str = "baseline";

/// The limiter firmware's binary name and its limiter's symbol.
const LIMITER: &str = "limiter";
const LIMITER_SYMBOL: &str = "FAILWELL_LIMITER";

/// The same limiter with only `try_acquire` called.
const ACQUIRE_ONLY: &str = "limiter_acquire";

/// The section of BENCHMARKS.md that `--write` replaces.
const BENCHMARKS: &str = "BENCHMARKS.md";
const BEGIN: &str = "<!-- size:begin -->";
const END: &str = "<!-- size:end -->";

/// Sizes of one binary, from `size` (Berkeley format).
#[derive(Clone, Copy)]
struct Sizes {
    text: u64,
    data: u64,
    bss: u64,
}

impl Sizes {
    /// What goes in flash: code, read-only data, and the initial values of `.data`.
    fn flash(self) -> u64 {
        self.text.saturating_add(self.data)
    }

    /// Static RAM: `.data` and `.bss` (the stack is not counted).
    fn ram(self) -> u64 {
        self.data.saturating_add(self.bss)
    }
}

/// One target at one opt-level.
struct Row {
    target: &'static str,
    core: &'static str,
    opt_level: &'static str,
    baseline: Sizes,
    limiter: Sizes,
    acquire_only: Sizes,
    /// `size_of::<RateLimiter>()`: the size of its static in the binary.
    limiter_size: u64,
    /// The limiter firmware's largest functions that the baseline lacks.
    additions: Vec<(String, u64)>,
    /// How much the firmware's `main` grew (the inlined limiter calls).
    main_growth: i128,
}

impl Row {
    fn flash_delta(&self) -> i128 {
        i128::from(self.limiter.flash()) - i128::from(self.baseline.flash())
    }

    fn acquire_flash_delta(&self) -> i128 {
        i128::from(self.acquire_only.flash()) - i128::from(self.baseline.flash())
    }

    fn ram_delta(&self) -> i128 {
        i128::from(self.limiter.ram()) - i128::from(self.baseline.ram())
    }

    /// The RAM delta is the limiter's own static and nothing else.
    fn no_hidden_ram(&self) -> bool {
        self.ram_delta() == i128::from(self.limiter_size) && self.limiter.bss == self.baseline.bss
    }

    fn budget(&self) -> Option<u64> {
        FLASH_BUDGETS
            .iter()
            .find(|(target, _)| *target == self.target)
            .map(|(_, budget)| *budget)
    }

    /// "under 400 B: yes", or "-" without a budget.
    fn budget_verdict(&self) -> String {
        match self.budget() {
            Some(budget) if self.acquire_flash_delta() < i128::from(budget) => {
                format!("< {budget} B: meets")
            }
            Some(budget) => format!("< {budget} B: MISSES"),
            None => "-".to_owned(),
        }
    }
}

/// The task.
pub fn run(args: &[String]) -> Result<(), Failure> {
    let write = match args {
        [] => false,
        [flag] if flag == "--write" => true,
        _ => {
            return Err(Failure(format!(
                "size: unexpected arguments {args:?} (expected nothing or --write)"
            )))
        }
    };
    let started = Instant::now();
    let tools = Tools::find()?;
    let nm = tool("arm-none-eabi-nm", "binutils-arm-none-eabi")?;
    let target_dir = root().join("target").join("embedded");
    let firmware_dir = root().join(FIRMWARE_DIR);

    // The firmware is no workspace member, so `cargo xtask lint` misses it.
    run_command(cargo().args([
        "fmt",
        "--manifest-path",
        &format!("{FIRMWARE_DIR}/Cargo.toml"),
        "--",
        "--check",
    ]))?;

    let mut rows = Vec::new();
    for (target, core) in TARGETS {
        for opt_level in OPT_LEVELS {
            eprintln!(
                "xtask: size firmware for {target} ({core}), opt-level \"{opt_level}\", {}",
                tools.route(target)
            );
            // Measure only what this build leaves: cargo puts the binaries
            // back (also when nothing was rebuilt) only when it succeeds.
            let release = target_dir.join(target).join("release");
            for bin in [BASELINE, LIMITER, ACQUIRE_ONLY] {
                let elf = release.join(bin);
                if elf.exists() {
                    std::fs::remove_file(&elf).map_err(|error| {
                        Failure(format!("cannot remove {}: {error}", elf.display()))
                    })?;
                }
            }
            let mut command = tools.cargo_build(target, &target_dir)?;
            command
                .current_dir(&firmware_dir)
                .arg("--locked")
                .arg("--config")
                .arg(opt_level_config(opt_level));
            run_command(&mut command)?;
            // Measured at once: the next opt-level's build replaces these files.
            let baseline_functions = functions(&nm, &release.join(BASELINE))?;
            let limiter_functions = functions(&nm, &release.join(LIMITER))?;
            let main_size = |functions: &[(String, u64)]| {
                functions
                    .iter()
                    .find(|(name, _)| name == FIRMWARE_MAIN)
                    .map_or(0, |(_, size)| i128::from(*size))
            };
            let main_growth = main_size(&limiter_functions) - main_size(&baseline_functions);
            let mut additions: Vec<(String, u64)> = limiter_functions
                .into_iter()
                .filter(|(name, _)| !baseline_functions.iter().any(|(other, _)| other == name))
                .collect();
            additions.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
            additions.truncate(ADDITIONS_SHOWN);
            rows.push(Row {
                target,
                core,
                opt_level,
                baseline: sizes(&tools.size, &release.join(BASELINE))?,
                limiter: sizes(&tools.size, &release.join(LIMITER))?,
                acquire_only: sizes(&tools.size, &release.join(ACQUIRE_ONLY))?,
                limiter_size: symbol_size(&nm, &release.join(LIMITER), LIMITER_SYMBOL)?,
                additions,
                main_growth,
            });
        }
    }

    let toolchains = toolchains(&tools);
    let report = report(&rows, &toolchains);
    println!("{report}");
    if write {
        let body = format!(
            "{report}\n\nMeasured {} with `cargo xtask size --write` (prints the same without \
             `--write`).",
            today()
        );
        replace_section(BENCHMARKS, BEGIN, END, &body)?;
    }
    let elapsed = started.elapsed().as_secs();
    eprintln!("xtask: size done in {}m{:02}s", elapsed / 60, elapsed % 60);
    Ok(())
}

/// The distinct `rustc --version`s that built the targets.
fn toolchains(tools: &Tools) -> String {
    let mut versions: Vec<String> = Vec::new();
    for (target, _) in TARGETS {
        let version = format!("{} ({})", rustc_version(tools, target), tools.route(target));
        if !versions.contains(&version) {
            versions.push(version);
        }
    }
    versions.join("; ")
}

/// The table and the verdicts, in markdown.
fn report(rows: &[Row], toolchains: &str) -> String {
    let mut out = String::new();
    out.push_str(
        "Rate limiter firmware against an empty baseline (cortex-m-rt, same critical-section \
         implementation, volatile inputs and outputs), release with LTO, one codegen unit and \
         `panic = \"abort\"`: one calling `try_acquire` and `snapshot`, one calling only \
         `try_acquire` (the admission call, as peers' `check` is measured; the budget applies \
         to it). Flash = text + data (the limiter's 40 B initial value included), RAM = data + \
         bss (static RAM; the stack is not counted). Bytes.\n\n",
    );
    out.push_str(
        "| target | opt-level | baseline flash | baseline RAM | limiter flash | limiter RAM \
         | Δ flash | Δ flash, `try_acquire` only | Δ RAM | `size_of::<RateLimiter>()` \
         | flash budget (`try_acquire`) |\n",
    );
    out.push_str("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    for row in rows {
        out.push_str(&format!(
            "| `{}` ({}) | \"{}\" | {} | {} | {} | {} | {:+} | {:+} | {:+} | {} | {} |\n",
            row.target,
            row.core,
            row.opt_level,
            row.baseline.flash(),
            row.baseline.ram(),
            row.limiter.flash(),
            row.limiter.ram(),
            row.flash_delta(),
            row.acquire_flash_delta(),
            row.ram_delta(),
            row.limiter_size,
            row.budget_verdict(),
        ));
    }
    out.push('\n');

    // The headline opt-level is the first.
    let headline: Vec<&Row> = rows
        .iter()
        .filter(|row| Some(&row.opt_level) == OPT_LEVELS.first())
        .collect();
    for (target, budget) in FLASH_BUDGETS {
        for row in headline.iter().filter(|row| row.target == target) {
            let listed = row
                .additions
                .iter()
                .map(|(name, size)| format!("`{name}` {size}"))
                .collect::<Vec<_>>()
                .join(", ");
            out.push_str(&format!(
                "- Flash: `try_acquire` adds {} B on `{target}` at opt-level \"{}\" ({} B with \
                 `snapshot`); the target is under {budget} B: {}. Where it goes, with \
                 `snapshot`: the firmware's `main` grows by {} B (`try_acquire`, `snapshot` and \
                 the critical sections, inlined); the largest added functions (B): {listed}.\n",
                row.acquire_flash_delta(),
                row.opt_level,
                row.flash_delta(),
                if row.acquire_flash_delta() < i128::from(budget) {
                    "meets it"
                } else {
                    "**misses it**"
                },
                row.main_growth,
            ));
        }
    }
    let sizes: Vec<u64> = rows.iter().map(|row| row.limiter_size).collect();
    let same_size = sizes.windows(2).all(|pair| pair.first() == pair.last());
    out.push_str(&format!(
        "- State: {LIMITER_STATE_BYTES} B (one `u64`, the theoretical arrival time), at most \
         {STATE_BUDGET} B: {}. The whole `RateLimiter` is {} B{} (state plus 32 B of \
         precomputed config), read from the binary (`nm -S {LIMITER_SYMBOL}`).\n",
        if LIMITER_STATE_BYTES <= STATE_BUDGET {
            "meets it"
        } else {
            "**misses it**"
        },
        sizes.first().copied().unwrap_or(0),
        if same_size {
            " on every target"
        } else {
            " (differs by target!)"
        },
    ));
    let hidden: Vec<String> = rows
        .iter()
        .filter(|row| !row.no_hidden_ram())
        .map(|row| format!("`{}` \"{}\"", row.target, row.opt_level))
        .collect();
    if hidden.is_empty() {
        out.push_str(
            "- No hidden global RAM, no lock table: on every target the RAM delta equals the \
             limiter's own `static` (its `.data`), and `.bss` does not grow.\n",
        );
    } else {
        out.push_str(&format!(
            "- **Hidden RAM**: the RAM delta exceeds the limiter's own static on {}.\n",
            hidden.join(", ")
        ));
    }
    out.push_str(&format!(
        "- Toolchain: {toolchains}. Opt-level \"z\" is what the test firmware uses; \"s\" is \
         shown for comparison."
    ));
    out
}

/// `size` (Berkeley format) of one ELF.
fn sizes(size: &Path, elf: &Path) -> Result<Sizes, Failure> {
    let stdout = output(Command::new(size).arg(elf))?;
    // "   text    data     bss     dec     hex filename", then the numbers.
    let numbers: Vec<u64> = stdout
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .filter_map(|field| field.parse().ok())
        .collect();
    match numbers.as_slice() {
        [text, data, bss] => Ok(Sizes {
            text: *text,
            data: *data,
            bss: *bss,
        }),
        _ => Err(Failure(format!(
            "cannot read the sizes of {} from:\n{stdout}",
            elf.display()
        ))),
    }
}

/// The size of the symbol `name` in `elf` (`nm -S`).
fn symbol_size(nm: &Path, elf: &Path, name: &str) -> Result<u64, Failure> {
    let stdout = output(Command::new(nm).arg("-S").arg(elf))?;
    stdout
        .lines()
        .find_map(
            |line| match line.split_whitespace().collect::<Vec<_>>()[..] {
                [_, size, _, symbol] if symbol == name => u64::from_str_radix(size, 16).ok(),
                _ => None,
            },
        )
        .ok_or_else(|| Failure(format!("no sized symbol {name} in {}", elf.display())))
}

/// The defined functions of `elf` (demangled) with their sizes. Names that
/// differ only by the firmware's crate name (`baseline::`, `limiter::`) are
/// made equal.
fn functions(nm: &Path, elf: &Path) -> Result<Vec<(String, u64)>, Failure> {
    let stdout = output(
        Command::new(nm)
            .args(["--defined-only", "-S", "-C"])
            .arg(elf),
    )?;
    Ok(stdout
        .lines()
        .filter_map(parse_nm_line)
        .filter(|symbol| matches!(symbol.kind, 't' | 'T'))
        .map(|symbol| {
            let name = symbol
                .name
                .replace("baseline::", "firmware::")
                .replace("limiter::__cortex_m_rt_main", FIRMWARE_MAIN);
            (name, symbol.size.unwrap_or(0))
        })
        .collect())
}

/// Runs `command` and returns its stdout, or fails with its stderr.
fn output(command: &mut Command) -> Result<String, Failure> {
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
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
