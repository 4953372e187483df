//! `cargo xtask size [--write]`: what each primitive costs in flash and RAM
//! on Cortex-M.
//!
//! Builds the firmware in `examples/size` for every target in [`TARGETS`] at
//! every opt-level in [`OPT_LEVELS`] (release: LTO, one codegen unit,
//! `panic = "abort"`): `baseline`, an empty cortex-m-rt firmware whose loop
//! does volatile reads and writes, and per primitive firmware that are the
//! baseline plus that primitive:
//!
//! - rate limiter: `limiter` (`try_acquire` and `snapshot`) and
//!   `limiter_acquire` (`try_acquire` only);
//! - circuit breaker, four firmware: `breaker` (its whole API on a breaker
//!   with a count window, a time window and an `EventRing` observer) and
//!   `breaker_hot` (`try_acquire`, `success`, `failure` on a breaker with a
//!   count window), both with the config checked at run time and kept in the
//!   breaker; and two with the config fixed at compile time (`Fixed<P>`,
//!   where `P` implements `breaker::Policy`: the breaker keeps no config, its
//!   static is all zeros, in `.bss`), calling the same hot path:
//!   `breaker_min` (no window: failures in a row and half-open probes) and
//!   `breaker_count` (a count window and every policy but the time window and
//!   the ramp);
//! - bulkhead, two firmware: `bulkhead` (its whole API: `try_acquire` by
//!   tier, the permit dropped, released or kept, `reset`, `snapshot`) with
//!   the config checked at run time and kept in the bulkhead (its static in
//!   `.data`), and `bulkhead_min` (`try_acquire`, then the permit dropped or
//!   kept) with the config fixed at compile time (`Fixed<P>`, where `P`
//!   implements `bulkhead::Policy`: its static is all zeros, in `.bss`).
//!
//! It prints, per build, flash (text + data) and RAM (data + bss) of each and
//! the deltas over the baseline, the sizes of the primitives' statics read
//! from the binary (`nm -S`: `size_of` of their types), where the added flash
//! goes (the added functions, grouped, and which compiler-builtins are linked
//! and who calls them, from `nm` and `objdump`), and checks the budgets in
//! [`FLASH_BUDGETS`] and the targets in [`BREAKER_FLASH_TARGETS`],
//! [`BREAKER_MIN_FLASH_TARGETS`], [`BREAKER_COUNT_FLASH_TARGETS`] and
//! [`BULKHEAD_FLASH_TARGETS`] (a miss is reported, not an error), and that
//! each RAM delta is the primitive's own statics: no lock table or other
//! hidden global state.
//!
//! `--write` replaces the text between `<!-- size:begin -->` and
//! `<!-- size:end -->` in BENCHMARKS.md with the report, the date, the
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

/// The most flash the full breaker (`breaker`) may add over the baseline.
const BREAKER_FLASH_TARGETS: [(&str, u64); 1] = [("thumbv6m-none-eabi", 3072)];

/// The most flash the breakers with a config fixed at compile time,
/// `breaker_min` and `breaker_count`, may add over the baseline, at the
/// headline opt-level (the first of [`OPT_LEVELS`]).
const BREAKER_MIN_FLASH_TARGETS: [(&str, u64); 1] = [("thumbv6m-none-eabi", 1024)];
const BREAKER_COUNT_FLASH_TARGETS: [(&str, u64); 1] = [("thumbv6m-none-eabi", 2048)];

/// The most flash a bulkhead may add over the baseline, at the headline
/// opt-level (issue 14): with an adaptive limit (`bulkhead`, whose run-time
/// config links AIMD and the gradient), and with a fixed limit
/// (`bulkhead_min`).
const BULKHEAD_FLASH_TARGETS: [(&str, u64); 1] = [("thumbv6m-none-eabi", 3072)];
const BULKHEAD_MIN_FLASH_TARGETS: [(&str, u64); 1] = [("thumbv6m-none-eabi", 1536)];

/// The most bytes of state (the words the limiter writes) it may have.
const STATE_BUDGET: u64 = 16;

/// The limiter's state: one `u64` word, `tat` (core/src/limiter.rs asserts
/// 8 bytes of state and 32 of config). Not readable from outside the crate.
const LIMITER_STATE_BYTES: u64 = 8;

/// The firmware's `#[entry]` function, under one name for every binary.
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

/// The full breaker firmware, the hot-path one, the two with a config fixed
/// at compile time (hot path only), and their statics' symbols (every
/// breaker firmware names its breaker `FAILWELL_BREAKER`).
const BREAKER: &str = "breaker";
const BREAKER_HOT: &str = "breaker_hot";
const BREAKER_MIN: &str = "breaker_min";
const BREAKER_COUNT: &str = "breaker_count";
const BREAKER_SYMBOL: &str = "FAILWELL_BREAKER";
const EVENTS_SYMBOL: &str = "FAILWELL_EVENTS";

/// The breakers' shapes in `examples/size` (`WINDOW` in
/// `src/breaker_firmware.rs`, `BUCKETS` and the ring in `src/bin/breaker.rs`;
/// `breaker_min` has no window).
const BREAKER_WINDOW: u64 = 16;
const BREAKER_BUCKETS: u64 = 8;
const EVENTS_CAPACITY: u64 = 8;

/// The policies (`breaker::Policy`) of `breaker_min` and `breaker_count`,
/// in `src/breaker_firmware.rs`.
const MIN_POLICY: &str = "Minimal";
const COUNT_POLICY: &str = "CountWindow";

/// The bulkhead firmware with its config at run time (the whole API), the
/// one with its config fixed at compile time (the hot path), and their
/// static's symbol (both name their bulkhead `FAILWELL_BULKHEAD`).
const BULKHEAD: &str = "bulkhead";
const BULKHEAD_MIN: &str = "bulkhead_min";
const BULKHEAD_SYMBOL: &str = "FAILWELL_BULKHEAD";

/// The policy (`bulkhead::Policy`) of `bulkhead_min`, in
/// `src/bulkhead_firmware.rs`.
const BULKHEAD_POLICY: &str = "Minimal";

/// Every binary the firmware project builds.
const BINS: [&str; 9] = [
    BASELINE,
    LIMITER,
    ACQUIRE_ONLY,
    BREAKER,
    BREAKER_HOT,
    BREAKER_MIN,
    BREAKER_COUNT,
    BULKHEAD,
    BULKHEAD_MIN,
];

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

/// One measured binary: its sizes, its functions, and who calls whom.
struct Binary {
    sizes: Sizes,
    /// Defined functions (demangled, the firmware's `main` renamed to
    /// [`FIRMWARE_MAIN`]) with their sizes.
    functions: Vec<(String, u64)>,
    /// (caller, callee) pairs of direct calls and tail calls.
    calls: Vec<(String, String)>,
}

impl Binary {
    fn measure(tools: &Tools, nm: &Path, objdump: &Path, elf: &Path) -> Result<Self, Failure> {
        Ok(Self {
            sizes: sizes(&tools.size, elf)?,
            functions: functions(nm, elf)?,
            calls: calls(objdump, elf)?,
        })
    }

    fn main_size(&self) -> i128 {
        self.functions
            .iter()
            .find(|(name, _)| name == FIRMWARE_MAIN)
            .map_or(0, |(_, size)| i128::from(*size))
    }

    /// Functions this binary has and `baseline` lacks, largest first.
    fn additions(&self, baseline: &Binary) -> Vec<(String, u64)> {
        let mut additions: Vec<(String, u64)> = self
            .functions
            .iter()
            .filter(|(name, _)| !baseline.functions.iter().any(|(other, _)| other == name))
            .cloned()
            .collect();
        additions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        additions
    }

    fn flash_delta(&self, baseline: &Binary) -> i128 {
        i128::from(self.sizes.flash()) - i128::from(baseline.sizes.flash())
    }

    fn text_delta(&self, baseline: &Binary) -> i128 {
        i128::from(self.sizes.text) - i128::from(baseline.sizes.text)
    }

    fn ram_delta(&self, baseline: &Binary) -> i128 {
        i128::from(self.sizes.ram()) - i128::from(baseline.sizes.ram())
    }

    /// The RAM delta is `statics` bytes of the primitive's own statics, and
    /// `.bss` does not grow.
    fn no_hidden_ram(&self, baseline: &Binary, statics: u64) -> bool {
        self.ram_delta(baseline) == i128::from(statics) && self.sizes.bss == baseline.sizes.bss
    }

    /// The RAM delta is `statics` bytes of the primitive's own statics, all
    /// zeros, so in `.bss`: `.data` does not grow.
    fn no_hidden_bss(&self, baseline: &Binary, statics: u64) -> bool {
        self.ram_delta(baseline) == i128::from(statics) && self.sizes.data == baseline.sizes.data
    }
}

/// One target at one opt-level.
struct Row {
    target: &'static str,
    core: &'static str,
    opt_level: &'static str,
    baseline: Binary,
    limiter: Binary,
    acquire_only: Sizes,
    breaker: Binary,
    breaker_hot: Binary,
    breaker_min: Binary,
    breaker_count: Binary,
    bulkhead: Binary,
    bulkhead_min: Binary,
    /// `size_of::<RateLimiter>()`: the size of its static in the binary.
    limiter_size: u64,
    /// `size_of` of the full breaker, of the hot-path breaker, of the event
    /// ring, and of the two breakers with a config fixed at compile time: the
    /// sizes of their statics.
    breaker_size: u64,
    hot_size: u64,
    events_size: u64,
    min_size: u64,
    count_size: u64,
    /// `size_of` of the bulkhead with its config at run time and of the one
    /// with its config fixed at compile time: the sizes of their statics.
    bulkhead_size: u64,
    bulkhead_min_size: u64,
}

impl Row {
    fn flash_delta(&self) -> i128 {
        self.limiter.flash_delta(&self.baseline)
    }

    fn acquire_flash_delta(&self) -> i128 {
        i128::from(self.acquire_only.flash()) - i128::from(self.baseline.sizes.flash())
    }

    fn ram_delta(&self) -> i128 {
        self.limiter.ram_delta(&self.baseline)
    }

    /// The limiter firmware's largest functions that the baseline lacks.
    fn limiter_additions(&self) -> Vec<(String, u64)> {
        let mut additions = self.limiter.additions(&self.baseline);
        additions.truncate(ADDITIONS_SHOWN);
        additions
    }

    /// How much the firmware's `main` grew (the inlined limiter calls).
    fn main_growth(&self) -> i128 {
        self.limiter.main_size() - self.baseline.main_size()
    }

    /// The RAM delta is the limiter itself and nothing else.
    fn no_hidden_ram(&self) -> bool {
        self.limiter
            .no_hidden_ram(&self.baseline, self.limiter_size)
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

    fn breaker_target(&self) -> Option<u64> {
        BREAKER_FLASH_TARGETS
            .iter()
            .find(|(target, _)| *target == self.target)
            .map(|(_, budget)| *budget)
    }

    fn breaker_verdict(&self) -> String {
        match self.breaker_target() {
            Some(budget) if self.breaker.flash_delta(&self.baseline) < i128::from(budget) => {
                format!("< {budget} B: meets")
            }
            Some(budget) => format!("< {budget} B: MISSES"),
            None => "-".to_owned(),
        }
    }

    /// The target in `targets` for this row's target, at the headline
    /// opt-level only.
    fn fixed_target(&self, targets: &[(&str, u64)]) -> Option<u64> {
        if Some(&self.opt_level) != OPT_LEVELS.first() {
            return None;
        }
        targets
            .iter()
            .find(|(target, _)| *target == self.target)
            .map(|(_, budget)| *budget)
    }

    /// "< 1024 B: meets" for `binary` against `targets`, or "-" without one.
    fn fixed_verdict(&self, binary: &Binary, targets: &[(&str, u64)]) -> String {
        match self.fixed_target(targets) {
            Some(budget) if binary.flash_delta(&self.baseline) < i128::from(budget) => {
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
    let objdump = tool("arm-none-eabi-objdump", "binutils-arm-none-eabi")?;
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
            for bin in BINS {
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
            let measure = |bin: &str| Binary::measure(&tools, &nm, &objdump, &release.join(bin));
            rows.push(Row {
                target,
                core,
                opt_level,
                baseline: measure(BASELINE)?,
                limiter: measure(LIMITER)?,
                acquire_only: sizes(&tools.size, &release.join(ACQUIRE_ONLY))?,
                breaker: measure(BREAKER)?,
                breaker_hot: measure(BREAKER_HOT)?,
                breaker_min: measure(BREAKER_MIN)?,
                breaker_count: measure(BREAKER_COUNT)?,
                bulkhead: measure(BULKHEAD)?,
                bulkhead_min: measure(BULKHEAD_MIN)?,
                limiter_size: symbol_size(&nm, &release.join(LIMITER), LIMITER_SYMBOL)?,
                breaker_size: symbol_size(&nm, &release.join(BREAKER), BREAKER_SYMBOL)?,
                hot_size: symbol_size(&nm, &release.join(BREAKER_HOT), BREAKER_SYMBOL)?,
                events_size: symbol_size(&nm, &release.join(BREAKER), EVENTS_SYMBOL)?,
                min_size: symbol_size(&nm, &release.join(BREAKER_MIN), BREAKER_SYMBOL)?,
                count_size: symbol_size(&nm, &release.join(BREAKER_COUNT), BREAKER_SYMBOL)?,
                bulkhead_size: symbol_size(&nm, &release.join(BULKHEAD), BULKHEAD_SYMBOL)?,
                bulkhead_min_size: symbol_size(&nm, &release.join(BULKHEAD_MIN), BULKHEAD_SYMBOL)?,
            });
        }
    }

    let toolchains = toolchains(&tools);
    let report = format!(
        "{}\n\n{}\n\n{}",
        limiter_report(&rows, &toolchains),
        breaker_report(&rows),
        bulkhead_report(&rows)
    );
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

/// The rows of the headline opt-level (the first).
fn headline(rows: &[Row]) -> Vec<&Row> {
    rows.iter()
        .filter(|row| Some(&row.opt_level) == OPT_LEVELS.first())
        .collect()
}

/// The rate limiter's table and verdicts, in markdown.
fn limiter_report(rows: &[Row], toolchains: &str) -> String {
    let mut out = String::new();
    out.push_str("### Rate limiter\n\n");
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
            row.baseline.sizes.flash(),
            row.baseline.sizes.ram(),
            row.limiter.sizes.flash(),
            row.limiter.sizes.ram(),
            row.flash_delta(),
            row.acquire_flash_delta(),
            row.ram_delta(),
            row.limiter_size,
            row.budget_verdict(),
        ));
    }
    out.push('\n');

    let headline = headline(rows);
    for (target, budget) in FLASH_BUDGETS {
        for row in headline.iter().filter(|row| row.target == target) {
            let listed = row
                .limiter_additions()
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
                row.main_growth(),
            ));
        }
    }
    let sizes: Vec<u64> = rows.iter().map(|row| row.limiter_size).collect();
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
        same_everywhere(&sizes),
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

/// " on every target", or a warning that the sizes differ.
fn same_everywhere(sizes: &[u64]) -> &'static str {
    if sizes.windows(2).all(|pair| pair.first() == pair.last()) {
        " on every target"
    } else {
        " (differs by target!)"
    }
}

/// `value` rounded up to a multiple of `align`.
fn align_up(value: u64, align: u64) -> u64 {
    value.div_ceil(align).saturating_mul(align)
}

/// `size_of::<Breaker<window, buckets, O, C>>()` on 32-bit Arm, from the
/// layout in core/src/breaker (u64 aligned to 8), with `observer` bytes for
/// `O` and, if `runtime`, the config kept in the breaker (`C` is `Runtime`;
/// `Fixed<P>` is zero-sized); and the same as a sum, in words.
fn breaker_layout(window: u64, buckets: u64, observer: u64, runtime: bool) -> (u64, String) {
    // The state word, the deadline (`mark`) and the healthy-since word.
    let words = 24;
    // N one-byte slots, a 4-byte cursor, one 8-byte packed sums word.
    let count = align_up(window + 4 + 8, 8);
    // An 8-byte head word, one 8-byte packed word per bucket, the sums word.
    let time = 8 + 8 * buckets + 8;
    // Three 4-byte ramp credits, the 4-byte jitter counter, the 4-byte
    // clock-fault flag and 16 4-byte probe grant words.
    let counters = 12 + 4 + 4 + 64;
    // `Config` (96 B: seven u64, three u32, eight u16 and the ramp's four,
    // four u8, a bool, three two-byte tier policies) and the precomputed
    // horizon (8), probe mask (2) and stage count (1), padded.
    // A `Fixed<P>` breaker keeps none of it.
    let settings = if runtime { 112 } else { 0 };
    let total = align_up(words + count + time + counters + settings + observer, 8);
    let text = format!(
        "{words} (three 8-byte words: state, deadline, healthy since) + {count} (count \
         window: {} one-byte slots, 4 cursor, 8 packed sums{}) + {time} (time window: 8 \
         head, {buckets} × 8 per bucket, 8 packed sums) + {counters} (three ramp credits, jitter \
         counter, clock-fault flag, 16 probe grant words){}{} = {total}",
        if window == 0 {
            "no".to_owned()
        } else {
            window.to_string()
        },
        if count > window + 4 + 8 {
            ", padded"
        } else {
            ""
        },
        if runtime {
            format!(" + {settings} (the config, 96, and 11 precomputed bytes, padded)")
        } else {
            String::new()
        },
        if observer > 0 {
            format!(" + {observer} (the observer: a reference)")
        } else {
            String::new()
        },
    );
    (total, text)
}

/// `size_of::<EventRing<capacity>>()` on 32-bit Arm: per slot a 16-byte
/// `Transition` and its one-byte sequence, padded to 24; two position bytes
/// and the 4-byte dropped counter, padded.
fn events_layout(capacity: u64) -> u64 {
    align_up(align_up(24 * capacity + 2, 8) + 4, 8)
}

/// `size_of::<Bulkhead<C>>()` on 32-bit Arm, from the layout in
/// core/src/bulkhead/mod.rs (every field 4-byte aligned), with, if `runtime`,
/// the config and its caps kept in the bulkhead (`C` is `Runtime`;
/// `Fixed<P>` is zero-sized); and the same as a sum.
fn bulkhead_layout(runtime: bool) -> (u64, String) {
    // The state word: the calls in flight per tier and the generation.
    let state = 4;
    // Three refusal counters, one per tier.
    let rejected = 12;
    // The adaptive limit's state: the caps word (4), the window's sums (8)
    // and start (8), drops (4), the busiest moment (4) and the estimate (8);
    // the 64-bit words are 8-aligned, so 36 rounds up to 40.
    let adaptive = align_up(4 + 8 + 8 + 4 + 4 + 8, 8);
    // `Config`: a u64 window duration, the 16-byte `Adaptive` (a u64 and a
    // u16 behind its tag), three u32 (limit, min, max), three u16 shares
    // and a u16 window size: 44, padded to 48; then the caps, `[u32; 3]`.
    let config = if runtime {
        align_up(8 + 16 + 3 * 4 + 4 * 2, 8)
    } else {
        0
    };
    let caps = if runtime { 12 } else { 0 };
    let settings = align_up(config + caps, 8);
    let total = align_up(state + rejected + adaptive + settings, 8);
    let text = format!(
        "{state} (the state word: calls in flight per tier, generation) + {rejected} (three \
         refusal counters) + {adaptive} (the adaptive limit's words: caps, window sums and \
         start, drops, busiest moment, estimate; 8-aligned){} = {total}",
        if runtime {
            format!(
                " + {settings} (the config, {config} B with its adaptive policy, bounds and \
                 window, and the caps, `[u32; 3]`, padded to 8)"
            )
        } else {
            " + 0 (the config: `Fixed<P>` is zero-sized)".to_owned()
        },
    );
    (total, text)
}

/// What a function is, for the flash breakdown; `name` has its generic
/// arguments removed ([`plain_name`]).
fn group(name: &str) -> &'static str {
    if name == FIRMWARE_MAIN {
        "the firmware's `main` (inlined calls)"
    } else if name.starts_with("failwell::breaker::window::") {
        "windows"
    } else if name.starts_with("failwell::breaker::event::") {
        "event ring"
    } else if name.starts_with("failwell::breaker::") {
        "state machine"
    } else if name.starts_with("failwell::bulkhead::") {
        "bulkhead"
    } else if name.starts_with("failwell::arith::") {
        "64-bit multiply/divide (`arith`)"
    } else if name.starts_with("failwell::sync::") {
        "64-bit words (`sync`, critical sections)"
    } else if name.starts_with("failwell::") {
        "other failwell"
    } else if name.starts_with("portable_atomic::") {
        "portable-atomic"
    } else if name.starts_with("heapless::") {
        "heapless"
    } else if is_builtin(name) {
        "compiler-builtins"
    } else if is_fmt_or_panic(name) {
        "core::fmt and panics"
    } else if name.starts_with("critical_section::") || name.starts_with("cortex_m::") {
        "critical-section implementation"
    } else {
        "other"
    }
}

fn is_builtin(name: &str) -> bool {
    name.starts_with("compiler_builtins::") || name.starts_with("__")
}

fn is_fmt_or_panic(name: &str) -> bool {
    name.starts_with("core::fmt") || name.contains("panic")
}

/// A demangled name without generic arguments or the brackets of qualified
/// paths: `<failwell::breaker::Breaker<16, 8>>::open` is
/// `failwell::breaker::Breaker::open`.
fn plain_name(name: &str) -> String {
    let mut out = String::new();
    let mut depth = 0_usize;
    let mut previous = ' ';
    for c in name.chars() {
        match c {
            '<' if depth > 0 || previous.is_alphanumeric() || previous == '_' => depth += 1,
            '>' if depth > 0 => depth -= 1,
            '<' | '>' => {}
            _ if depth == 0 => out.push(c),
            _ => {}
        }
        previous = c;
    }
    out
}

/// [`plain_name`] without the `failwell::breaker::` or `failwell::` prefix.
fn short_name(name: &str) -> String {
    let plain = plain_name(name);
    plain
        .strip_prefix("failwell::breaker::")
        .or_else(|| plain.strip_prefix("failwell::"))
        .unwrap_or(&plain)
        .to_owned()
}

/// Where the flash a breaker firmware adds goes: group totals, every added
/// function, and the compiler-builtins with their callers.
fn breakdown(row: &Row, binary: &Binary, name: &str) -> String {
    let delta = binary.text_delta(&row.baseline);
    let additions = binary.additions(&row.baseline);
    let main_growth = binary.main_size() - row.baseline.main_size();
    let mut groups: Vec<(&'static str, i128)> = Vec::new();
    let mut add = |group: &'static str, size: i128| match groups.iter_mut().find(|g| g.0 == group) {
        Some(entry) => entry.1 += size,
        None => groups.push((group, size)),
    };
    add(group(FIRMWARE_MAIN), main_growth);
    for (function, size) in &additions {
        add(group(&plain_name(function)), i128::from(*size));
    }
    let counted: i128 = groups.iter().map(|(_, size)| size).sum();
    groups.sort_by_key(|group| std::cmp::Reverse(group.1));
    groups.push((
        "the rest (alignment, functions that changed size)",
        delta - counted,
    ));
    let groups = groups
        .iter()
        .map(|(group, size)| format!("{group} {size}"))
        .collect::<Vec<_>>()
        .join(", ");
    let functions = additions
        .iter()
        .map(|(function, size)| format!("`{}` {size}", short_name(function)))
        .collect::<Vec<_>>()
        .join(", ");
    let builtins: Vec<String> = additions
        .iter()
        .filter(|(function, _)| is_builtin(&plain_name(function)))
        .map(|(function, size)| {
            let mut callers: Vec<String> = binary
                .calls
                .iter()
                .filter(|(_, callee)| callee == function)
                .map(|(caller, _)| format!("`{}`", short_name(caller)))
                .collect();
            callers.dedup();
            format!(
                "`{}` {size} B (called by {})",
                short_name(function),
                if callers.is_empty() {
                    "nothing directly".to_owned()
                } else {
                    callers.join(", ")
                }
            )
        })
        .collect();
    let fmt_or_panic: Vec<String> = additions
        .iter()
        .filter(|(function, _)| is_fmt_or_panic(&plain_name(function)))
        .map(|(function, size)| format!("`{}` {size}", short_name(function)))
        .collect();
    format!(
        "- Where the {delta} B of code of `{name}` go on `{}` at opt-level \"{}\" (B): {groups}. \
         Added functions (B): {functions}. Compiler-builtins: {}. `core::fmt` and panic \
         paths: {}.\n",
        row.target,
        row.opt_level,
        if builtins.is_empty() {
            "none".to_owned()
        } else {
            builtins.join("; ")
        },
        if fmt_or_panic.is_empty() {
            "none".to_owned()
        } else {
            fmt_or_panic.join(", ")
        },
    )
}

/// A breaker firmware with a config fixed at compile time, for the report:
/// its name, what it is, its flash targets, and its measurements in a row.
struct FixedFirmware {
    name: &'static str,
    what: &'static str,
    targets: &'static [(&'static str, u64)],
    pick: fn(&Row) -> &Binary,
}

/// `breaker_min` and `breaker_count`.
const FIXED: [FixedFirmware; 2] = [
    FixedFirmware {
        name: BREAKER_MIN,
        what: "the smallest breaker, its config fixed at compile time",
        targets: &BREAKER_MIN_FLASH_TARGETS,
        pick: |row| &row.breaker_min,
    },
    FixedFirmware {
        name: BREAKER_COUNT,
        what: "a count window, its config fixed at compile time",
        targets: &BREAKER_COUNT_FLASH_TARGETS,
        pick: |row| &row.breaker_count,
    },
];

/// "meets it", or "**misses it** by N B", for a flash delta against a target
/// of under `budget` bytes.
fn target_outcome(delta: i128, budget: u64) -> String {
    if delta < i128::from(budget) {
        "meets it".to_owned()
    } else {
        format!("**misses it** by {} B", delta - i128::from(budget) + 1)
    }
}

/// "as measured", or a warning that a computed layout of `expected` bytes
/// disagrees with the `measured` size.
fn agrees(measured: u64, expected: u64) -> String {
    if measured == expected {
        "as measured".to_owned()
    } else {
        format!("**measured {measured}: the layout above is out of date**")
    }
}

/// The circuit breaker's tables and verdicts, in markdown.
fn breaker_report(rows: &[Row]) -> String {
    let min_type = format!("Breaker<0, 0, (), Fixed<{MIN_POLICY}>>");
    let count_type = format!("Breaker<{BREAKER_WINDOW}, 0, (), Fixed<{COUNT_POLICY}>>");
    let mut out = String::new();
    out.push_str("### Circuit breaker\n\n");
    out.push_str(&format!(
        "Four breaker firmware against the same baseline, from one module \
         (`examples/size/src/breaker_firmware.rs`). Two keep their config in the breaker, \
         checked at run time: `{BREAKER}` calls the whole API on a \
         `static Breaker<{BREAKER_WINDOW}, {BREAKER_BUCKETS}, &EventRing<{EVENTS_CAPACITY}>>` \
         (a count window of {BREAKER_WINDOW} calls, a time window of {BREAKER_BUCKETS} buckets, \
         every trip policy, backoff with jitter, probes, a ramp): `try_acquire` and `acquire`, \
         every outcome (success, failure, latency, ignore, a dropped permit, `record`), \
         `force_open`, `disable`, `reset`, `snapshot`, and drains the `EventRing` it reports \
         to; `{BREAKER_HOT}` calls only `try_acquire`, `success` and `failure` on a `static \
         Breaker<{BREAKER_WINDOW}, 0>` (a count window, no observer). Two have their config \
         fixed at compile time (`Fixed<P>`, where `P` implements `breaker::Policy`): the \
         compiler folds every test of the config, so the policies it leaves off cost no code, \
         and the breaker keeps no config, so its `static` is all zeros, in `.bss`. They call \
         the same hot path: `{BREAKER_MIN}` on a `static {min_type}` (no window: failures in a \
         row and half-open probes; no backoff, jitter, slow calls or ramp), `{BREAKER_COUNT}` \
         on a `static {count_type}` (a count window of {BREAKER_WINDOW} calls and every policy \
         but the time window and the ramp). Flash = text + data: the code (text, with \
         read-only data) plus the initial values of the statics, copied to RAM at start-up \
         (the config, and the ring's sequence numbers; none for the fixed configs); code = \
         text alone. RAM = data + bss. Bytes, over the baseline.\n\n"
    ));
    out.push_str(&format!(
        "| target | opt-level | `{BREAKER}` flash | `{BREAKER}` RAM | Δ flash | Δ code | Δ RAM \
         | `{BREAKER_HOT}` Δ flash | Δ code | Δ RAM | flash target (`{BREAKER}`) |\n"
    ));
    out.push_str("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
    for row in rows {
        let (full, hot, base) = (&row.breaker, &row.breaker_hot, &row.baseline);
        out.push_str(&format!(
            "| `{}` ({}) | \"{}\" | {} | {} | {:+} | {:+} | {:+} | {:+} | {:+} | {:+} | {} |\n",
            row.target,
            row.core,
            row.opt_level,
            full.sizes.flash(),
            full.sizes.ram(),
            full.flash_delta(base),
            full.text_delta(base),
            full.ram_delta(base),
            hot.flash_delta(base),
            hot.text_delta(base),
            hot.ram_delta(base),
            row.breaker_verdict(),
        ));
    }
    out.push('\n');

    out.push_str(&format!(
        "The two with a config fixed at compile time (their flash targets are at opt-level \
         \"{}\"):\n\n",
        OPT_LEVELS.first().copied().unwrap_or_default(),
    ));
    out.push_str(&format!(
        "| target | opt-level | `{BREAKER_MIN}` Δ flash | Δ code | Δ RAM \
         | flash target (`{BREAKER_MIN}`) | `{BREAKER_COUNT}` Δ flash | Δ code | Δ RAM \
         | flash target (`{BREAKER_COUNT}`) |\n"
    ));
    out.push_str("|---|---|--:|--:|--:|---|--:|--:|--:|---|\n");
    for row in rows {
        let (min, count, base) = (&row.breaker_min, &row.breaker_count, &row.baseline);
        out.push_str(&format!(
            "| `{}` ({}) | \"{}\" | {:+} | {:+} | {:+} | {} | {:+} | {:+} | {:+} | {} |\n",
            row.target,
            row.core,
            row.opt_level,
            min.flash_delta(base),
            min.text_delta(base),
            min.ram_delta(base),
            row.fixed_verdict(min, &BREAKER_MIN_FLASH_TARGETS),
            count.flash_delta(base),
            count.text_delta(base),
            count.ram_delta(base),
            row.fixed_verdict(count, &BREAKER_COUNT_FLASH_TARGETS),
        ));
    }
    out.push('\n');

    let headline = headline(rows);
    let initial_values = |row: &Row, binary: &Binary| {
        i128::from(binary.sizes.data) - i128::from(row.baseline.sizes.data)
    };
    for (target, budget) in BREAKER_FLASH_TARGETS {
        for row in headline.iter().filter(|row| row.target == target) {
            let full = row.breaker.flash_delta(&row.baseline);
            out.push_str(&format!(
                "- Flash: the full breaker adds {full} B on `{target}` at opt-level \"{}\" ({} B \
                 of code, {} B of initial values); the target is under {budget} B: {}. The hot \
                 path alone (`{BREAKER_HOT}`) adds {} B ({} B of code).\n",
                row.opt_level,
                row.breaker.text_delta(&row.baseline),
                initial_values(row, &row.breaker),
                target_outcome(full, budget),
                row.breaker_hot.flash_delta(&row.baseline),
                row.breaker_hot.text_delta(&row.baseline),
            ));
        }
    }
    for fixed in &FIXED {
        for row in &headline {
            let Some(budget) = row.fixed_target(fixed.targets) else {
                continue;
            };
            let (name, what, binary) = (fixed.name, fixed.what, (fixed.pick)(row));
            let delta = binary.flash_delta(&row.baseline);
            out.push_str(&format!(
                "- Flash: `{name}` ({what}; hot path only) adds {delta} B on `{}` at opt-level \
                 \"{}\" ({} B of code, {} B of initial values); the target is under {budget} B: \
                 {}.\n",
                row.target,
                row.opt_level,
                binary.text_delta(&row.baseline),
                initial_values(row, binary),
                target_outcome(delta, budget),
            ));
        }
    }
    for (target, _) in TARGETS.iter().take(2) {
        for row in headline.iter().filter(|row| row.target == *target) {
            out.push_str(&breakdown(row, &row.breaker, BREAKER));
            out.push_str(&breakdown(row, &row.breaker_hot, BREAKER_HOT));
            for fixed in &FIXED {
                if row.fixed_target(fixed.targets).is_some() {
                    out.push_str(&breakdown(row, (fixed.pick)(row), fixed.name));
                }
            }
        }
    }

    let (full_expected, full_layout) = breaker_layout(BREAKER_WINDOW, BREAKER_BUCKETS, 4, true);
    let (hot_expected, hot_layout) = breaker_layout(BREAKER_WINDOW, 0, 0, true);
    let (min_expected, min_layout) = breaker_layout(0, 0, 0, false);
    let (count_expected, count_layout) = breaker_layout(BREAKER_WINDOW, 0, 0, false);
    let events_expected = events_layout(EVENTS_CAPACITY);
    let full_sizes: Vec<u64> = rows.iter().map(|row| row.breaker_size).collect();
    let hot_sizes: Vec<u64> = rows.iter().map(|row| row.hot_size).collect();
    let events_sizes: Vec<u64> = rows.iter().map(|row| row.events_size).collect();
    let min_sizes: Vec<u64> = rows.iter().map(|row| row.min_size).collect();
    let count_sizes: Vec<u64> = rows.iter().map(|row| row.count_size).collect();
    let full_size = full_sizes.first().copied().unwrap_or(0);
    let hot_size = hot_sizes.first().copied().unwrap_or(0);
    let events_size = events_sizes.first().copied().unwrap_or(0);
    let min_size = min_sizes.first().copied().unwrap_or(0);
    let count_size = count_sizes.first().copied().unwrap_or(0);
    out.push_str(&format!(
        "- `size_of`, read from the binaries (`nm -S {BREAKER_SYMBOL}`, `{EVENTS_SYMBOL}`): \
         `Breaker<{BREAKER_WINDOW}, {BREAKER_BUCKETS}, &EventRing<{EVENTS_CAPACITY}>>` \
         {full_size} B{}, `Breaker<{BREAKER_WINDOW}, 0>` {hot_size} B{}, \
         `EventRing<{EVENTS_CAPACITY}>` {events_size} B{}. Layout: {full_layout} ({}); \
         {hot_layout} ({}); the ring: 24 B per slot (a 16-byte `Transition` and its sequence \
         byte, padded) + 16 = {events_expected} ({}). In general: three 8-byte words, a count \
         window of N bytes + 12 (padded to 8), a time window of 8 B per bucket + 16, 84 B of \
         counters (64 of them the probe grant words), 112 B of config, and the observer.\n",
        same_everywhere(&full_sizes),
        same_everywhere(&hot_sizes),
        same_everywhere(&events_sizes),
        agrees(full_size, full_expected),
        agrees(hot_size, hot_expected),
        agrees(events_size, events_expected),
    ));
    out.push_str(&format!(
        "- `size_of` of the breakers with a config fixed at compile time, read from the \
         binaries (`nm -S {BREAKER_SYMBOL}`): `{min_type}` {min_size} B{}, `{count_type}` \
         {count_size} B{}: no config (`Fixed<P>` is zero-sized; the config is a constant in \
         the code). Layout: {min_layout} ({}); {count_layout} ({}).\n",
        same_everywhere(&min_sizes),
        same_everywhere(&count_sizes),
        agrees(min_size, min_expected),
        agrees(count_size, count_expected),
    ));
    let mut hidden: Vec<String> = Vec::new();
    for row in rows {
        let base = &row.baseline;
        let checks = [
            (
                BREAKER,
                row.breaker
                    .no_hidden_ram(base, row.breaker_size.saturating_add(row.events_size)),
            ),
            (
                BREAKER_HOT,
                row.breaker_hot.no_hidden_ram(base, row.hot_size),
            ),
            (
                BREAKER_MIN,
                row.breaker_min.no_hidden_bss(base, row.min_size),
            ),
            (
                BREAKER_COUNT,
                row.breaker_count.no_hidden_bss(base, row.count_size),
            ),
        ];
        for (name, holds) in checks {
            if !holds {
                hidden.push(format!(
                    "`{name}` on `{}` \"{}\"",
                    row.target, row.opt_level
                ));
            }
        }
    }
    if hidden.is_empty() {
        out.push_str(&format!(
            "- No hidden global RAM, no lock table: on every target the RAM delta equals the \
             breaker's own `static` (and the ring's): in `.data` for `{BREAKER}` and \
             `{BREAKER_HOT}`, and `.bss` does not grow; in `.bss` for `{BREAKER_MIN}` and \
             `{BREAKER_COUNT}` (all zeros), and `.data` does not grow. On \
             `thumbv6m-none-eabi` portable-atomic's fallback for the 8- and 32-bit atomics is \
             the firmware's critical section, with no state of its own."
        ));
    } else {
        out.push_str(&format!(
            "- **Hidden RAM**: the RAM delta is not just the breaker's own statics (in `.data` \
             for `{BREAKER}` and `{BREAKER_HOT}`, in `.bss` for `{BREAKER_MIN}` and \
             `{BREAKER_COUNT}`) for {}.",
            hidden.join(", ")
        ));
    }
    out
}

/// The bulkhead firmware, for the report: its name, what it is, and its
/// measurements in a row.
struct BulkheadFirmware {
    /// Its flash target, and what the target is for.
    targets: &'static [(&'static str, u64); 1],
    target_for: &'static str,
    name: &'static str,
    what: &'static str,
    pick: fn(&Row) -> &Binary,
}

/// `bulkhead` and `bulkhead_min`.
const BULKHEADS: [BulkheadFirmware; 2] = [
    BulkheadFirmware {
        targets: &BULKHEAD_FLASH_TARGETS,
        target_for: "an adaptive limit",
        name: BULKHEAD,
        what: "the whole API with an adaptive limit, its config at run time",
        pick: |row| &row.bulkhead,
    },
    BulkheadFirmware {
        targets: &BULKHEAD_MIN_FLASH_TARGETS,
        target_for: "a fixed limit",
        name: BULKHEAD_MIN,
        what: "the hot path, its config fixed at compile time",
        pick: |row| &row.bulkhead_min,
    },
];

/// The bulkhead's table and verdicts, in markdown.
fn bulkhead_report(rows: &[Row]) -> String {
    let min_type = format!("Bulkhead<Fixed<{BULKHEAD_POLICY}>>");
    let headline_opt = OPT_LEVELS.first().copied().unwrap_or_default();
    let mut out = String::new();
    out.push_str("### Bulkhead\n\n");
    out.push_str(&format!(
        "Two bulkhead firmware against the same baseline, from one module \
         (`examples/size/src/bulkhead_firmware.rs`), with the same hot path: `try_acquire` for \
         a tier read from an input, then the permit dropped (its slot freed) or kept (a call \
         still running), or the refusal's count of calls in flight read. `{BULKHEAD}` keeps \
         its config in the bulkhead, checked at run time (`static Bulkhead`), and calls the \
         whole API on an adaptive limit (the latency gradient; the config is data, so AIMD's \
         code is linked too): the hot path, `try_acquire` by tier with the permit \
         `release`d or reported (`success`, `latency`, `dropped`), `reset` and `snapshot`. \
         `{BULKHEAD_MIN}` has its config fixed at compile time (`static \
         {min_type}`; `Fixed<P>`, where `P` implements `bulkhead::Policy`): the compiler \
         folds the limit and the caps into the code, and the bulkhead keeps no config, so its \
         `static` is all zeros, in `.bss`; it calls only the hot path. Issue 14's flash \
         targets on `{}` at opt-level \"{headline_opt}\", over the baseline: under {} B with \
         an adaptive limit (`{BULKHEAD}`), under {} B with a fixed one (`{BULKHEAD_MIN}`). \
         Flash = text + data: the code (text, with read-only data) plus the initial \
         values of the statics (the run-time config; none for the fixed one); code = text \
         alone. RAM = data + bss. Bytes, Δ over the baseline.\n\n",
        BULKHEAD_FLASH_TARGETS
            .first()
            .map_or("", |(target, _)| *target),
        BULKHEAD_FLASH_TARGETS
            .first()
            .map_or(0, |(_, budget)| *budget),
        BULKHEAD_MIN_FLASH_TARGETS
            .first()
            .map_or(0, |(_, budget)| *budget),
    ));
    out.push_str(&format!(
        "| target | opt-level | `{BULKHEAD}` flash | `{BULKHEAD}` RAM | Δ flash | Δ code | Δ RAM \
         | flash target (`{BULKHEAD}`) | `{BULKHEAD_MIN}` flash | `{BULKHEAD_MIN}` RAM \
         | Δ flash | Δ code | Δ RAM | flash target (`{BULKHEAD_MIN}`) |\n"
    ));
    out.push_str("|---|---|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|---|\n");
    for row in rows {
        let (full, min, base) = (&row.bulkhead, &row.bulkhead_min, &row.baseline);
        out.push_str(&format!(
            "| `{}` ({}) | \"{}\" | {} | {} | {:+} | {:+} | {:+} | {} | {} | {} | {:+} | {:+} \
             | {:+} | {} |\n",
            row.target,
            row.core,
            row.opt_level,
            full.sizes.flash(),
            full.sizes.ram(),
            full.flash_delta(base),
            full.text_delta(base),
            full.ram_delta(base),
            row.fixed_verdict(full, &BULKHEAD_FLASH_TARGETS),
            min.sizes.flash(),
            min.sizes.ram(),
            min.flash_delta(base),
            min.text_delta(base),
            min.ram_delta(base),
            row.fixed_verdict(min, &BULKHEAD_MIN_FLASH_TARGETS),
        ));
    }
    out.push('\n');

    let headline = headline(rows);
    for bulkhead in &BULKHEADS {
        for row in &headline {
            let Some(budget) = row.fixed_target(bulkhead.targets) else {
                continue;
            };
            let (name, what, binary) = (bulkhead.name, bulkhead.what, (bulkhead.pick)(row));
            let delta = binary.flash_delta(&row.baseline);
            let target_for = bulkhead.target_for;
            out.push_str(&format!(
                "- Flash: `{name}` ({what}) adds {delta} B on `{}` at opt-level \"{}\" ({} B of \
                 code, {} B of initial values); the target for {target_for} is under {budget} \
                 B: {}.\n",
                row.target,
                row.opt_level,
                binary.text_delta(&row.baseline),
                i128::from(binary.sizes.data) - i128::from(row.baseline.sizes.data),
                target_outcome(delta, budget),
            ));
        }
    }
    for row in &headline {
        if row.fixed_target(&BULKHEAD_FLASH_TARGETS).is_some() {
            for bulkhead in &BULKHEADS {
                out.push_str(&breakdown(row, (bulkhead.pick)(row), bulkhead.name));
            }
        }
    }

    let (full_expected, full_layout) = bulkhead_layout(true);
    let (min_expected, min_layout) = bulkhead_layout(false);
    let full_sizes: Vec<u64> = rows.iter().map(|row| row.bulkhead_size).collect();
    let min_sizes: Vec<u64> = rows.iter().map(|row| row.bulkhead_min_size).collect();
    let full_size = full_sizes.first().copied().unwrap_or(0);
    let min_size = min_sizes.first().copied().unwrap_or(0);
    out.push_str(&format!(
        "- `size_of`, read from the binaries (`nm -S {BULKHEAD_SYMBOL}`): `Bulkhead` \
         {full_size} B{}, `{min_type}` {min_size} B{}. Layout: `Bulkhead`: {full_layout} ({}); \
         `{min_type}`: {min_layout} ({}).\n",
        same_everywhere(&full_sizes),
        same_everywhere(&min_sizes),
        agrees(full_size, full_expected),
        agrees(min_size, min_expected),
    ));
    let mut hidden: Vec<String> = Vec::new();
    for row in rows {
        let base = &row.baseline;
        let checks = [
            (
                BULKHEAD,
                row.bulkhead.no_hidden_ram(base, row.bulkhead_size),
            ),
            (
                BULKHEAD_MIN,
                row.bulkhead_min.no_hidden_bss(base, row.bulkhead_min_size),
            ),
        ];
        for (name, holds) in checks {
            if !holds {
                hidden.push(format!(
                    "`{name}` on `{}` \"{}\"",
                    row.target, row.opt_level
                ));
            }
        }
    }
    if hidden.is_empty() {
        out.push_str(&format!(
            "- No hidden global RAM, no lock table: on every target the RAM delta equals the \
             bulkhead's own `static`: in `.data` for `{BULKHEAD}` (its config is data), and \
             `.bss` does not grow; in `.bss` for `{BULKHEAD_MIN}` (all zeros), and `.data` does \
             not grow. On `thumbv6m-none-eabi`, which has no compare-and-swap, portable-atomic's \
             fallback for the 32-bit words is the firmware's critical section, with no state of \
             its own."
        ));
    } else {
        out.push_str(&format!(
            "- **Hidden RAM**: the RAM delta is not just the bulkhead's own static (in `.data` \
             for `{BULKHEAD}`, in `.bss` for `{BULKHEAD_MIN}`) for {}.",
            hidden.join(", ")
        ));
    }
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

/// The firmware's `#[entry]` function (`<bin>::__cortex_m_rt_main`) under
/// one name for every binary; other names unchanged.
fn normalise(name: &str) -> String {
    if name.ends_with("::__cortex_m_rt_main") {
        FIRMWARE_MAIN.to_owned()
    } else {
        name.to_owned()
    }
}

/// The defined functions of `elf` (demangled) with their sizes.
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
        .map(|symbol| (normalise(&symbol.name), symbol.size.unwrap_or(0)))
        .collect())
}

/// The direct calls and tail calls between functions of `elf` (demangled),
/// from its disassembly: a branch to the start of another function.
fn calls(objdump: &Path, elf: &Path) -> Result<Vec<(String, String)>, Failure> {
    let stdout = output(
        Command::new(objdump)
            .args(["-d", "-C", "--no-show-raw-insn"])
            .arg(elf),
    )?;
    let mut calls: Vec<(String, String)> = Vec::new();
    let mut current: Option<String> = None;
    for line in stdout.lines() {
        // "00000868 <name>:" starts a function.
        if let Some(header) = line.strip_suffix(">:") {
            current = header.split_once(" <").map(|(_, name)| normalise(name));
            continue;
        }
        // "     14c:\tbl\t868 <name>": a branch to the start of `name`.
        let Some(caller) = &current else { continue };
        let mut fields = line.split('\t');
        let (Some(_), Some(mnemonic), Some(operand)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let mnemonic = mnemonic.trim();
        if !matches!(mnemonic, "bl" | "b" | "b.w" | "b.n") {
            continue;
        }
        let Some((_, target)) = operand.split_once(" <") else {
            continue;
        };
        let Some(target) = target.trim_end().strip_suffix('>') else {
            continue;
        };
        if target.contains("+0x") {
            continue;
        }
        let callee = normalise(target);
        if &callee != caller && !calls.iter().any(|(a, b)| a == caller && *b == callee) {
            calls.push((caller.clone(), callee));
        }
    }
    Ok(calls)
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

#[cfg(test)]
mod tests {
    use super::{agrees, breaker_layout, bulkhead_layout, target_outcome};

    #[test]
    fn layouts_match_the_measured_sizes() {
        assert_eq!(breaker_layout(16, 8, 4, true).0, 336);
        assert_eq!(breaker_layout(16, 0, 0, true).0, 272);
        assert_eq!(breaker_layout(0, 0, 0, false).0, 144);
        assert_eq!(breaker_layout(16, 0, 0, false).0, 160);
        assert_eq!(bulkhead_layout(true).0, 120);
        assert_eq!(bulkhead_layout(false).0, 56);
    }

    #[test]
    fn the_bulkhead_layout_adds_up() {
        let (runtime, text) = bulkhead_layout(true);
        assert!(text.starts_with("4 (the state word"), "{text}");
        assert!(text.contains("+ 40 (the adaptive limit's words"), "{text}");
        assert!(text.contains("+ 64 (the config, 48 B"), "{text}");
        assert!(text.ends_with(&format!("= {runtime}")), "{text}");
        let (fixed, text) = bulkhead_layout(false);
        assert!(
            text.contains("+ 0 (the config: `Fixed<P>` is zero-sized)"),
            "{text}"
        );
        assert!(text.ends_with(&format!("= {fixed}")), "{text}");
    }

    #[test]
    fn a_layout_agrees_only_with_its_size() {
        assert_eq!(agrees(40, 40), "as measured");
        assert_eq!(
            agrees(44, 40),
            "**measured 44: the layout above is out of date**"
        );
    }

    #[test]
    fn a_target_is_met_only_under_it() {
        assert_eq!(target_outcome(1023, 1024), "meets it");
        assert_eq!(target_outcome(1024, 1024), "**misses it** by 1 B");
        assert_eq!(target_outcome(2576, 1024), "**misses it** by 1553 B");
        assert_eq!(target_outcome(664, 1536), "meets it");
        assert_eq!(target_outcome(1536, 1536), "**misses it** by 1 B");
    }
}
