//! `cargo xtask panic-check [--self-test] [--write]`: no panic path survives a
//! release build of failwell and failwell-ffi, proved by linking.
//!
//! The probe in `examples/panic-probe` is a `#![no_std]` binary that calls
//! every C ABI function and every public core method through opaque function
//! pointers with opaque inputs, and whose `#[panic_handler]` calls
//! `failwell_panic_is_reachable`, a function defined nowhere. It is built in
//! release (LTO, `panic = "abort"`) for every target in [`TARGETS`] at every
//! opt-level in [`OPT_LEVELS`]. For each build:
//!
//! 1. Self-test, planted panic (feature `plant-panic`): the link must fail,
//!    naming the undefined symbol.
//! 2. Self-test, planted panic with a defined handler (features `plant-panic`
//!    and `defined-panic-handler`): the link succeeds and the symbol scan must
//!    find the panic machinery.
//! 3. The real check: the link must succeed (so no panic is reachable), the
//!    symbol scan must find no panic symbol, and every entry point must be in
//!    the output (every function `bindings/c/failwell.h` declares, and every
//!    `probe_*` function of the probe), so it cannot pass on code that is not
//!    there.
//!
//! `--self-test` runs only steps 1 and 2; `--write` also records the result
//! in `docs/ASSURANCE.md` (between `<!-- panic:begin -->` and
//! `<!-- panic:end -->`). Builds go to `target/embedded`, by the route
//! `cargo xtask embedded` picks per target (rustup target, else build-std).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::embedded::{tool, Tools, DEBIAN_RUSTC};
use crate::util::{cargo, root, run as run_command, Failure};

/// Targets checked, with what they stand for.
const TARGETS: [(&str, &str); 2] = [
    ("thumbv6m-none-eabi", "Cortex-M0/M0+, no compare-and-swap"),
    ("x86_64-unknown-linux-gnu", "host"),
];

/// Opt-levels checked: cargo's release default, and what firmware uses.
const OPT_LEVELS: [&str; 2] = ["3", "z"];

/// The probe's cargo project (not a workspace member), from the root.
const PROBE_DIR: &str = "examples/panic-probe";

/// The probe's binary name.
const PROBE_BIN: &str = "failwell-probe";

/// What the probe's panic handler calls; defined nowhere.
const PANIC_SYMBOL: &str = "failwell_panic_is_reachable";

/// Substrings of a symbol name (mangled or demangled) that belong to the
/// panic machinery: `core::panicking::*`, `rust_begin_unwind`,
/// `core::option::unwrap_failed`, `core::result::unwrap_failed`,
/// `core::slice::index::slice_end_index_len_fail`, ... Matched case-blind;
/// see [`is_panic_symbol`].
const PANIC_MARKERS: [&str; 6] = [
    "panic",
    "begin_unwind",
    "unwrap_failed",
    "expect_failed",
    "assert_failed",
    "_fail",
];

/// Markers that end a word in the panic machinery's names
/// (`slice_end_index_len_fail`): they match only where no lowercase letter
/// follows, so `failwell_breaker_failure` is not taken for one.
const WORD_END_MARKERS: [&str; 1] = ["_fail"];

/// Whether `name` (mangled or demangled) belongs to the panic machinery.
fn is_panic_symbol(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    PANIC_MARKERS.iter().any(|marker| {
        lower.match_indices(marker).any(|(at, _)| {
            !WORD_END_MARKERS.contains(marker)
                || !lower[at + marker.len()..].starts_with(|c: char| c.is_ascii_lowercase())
        })
    })
}

/// The header whose functions are the C ABI's entry points.
const HEADER: &str = "bindings/c/failwell.h";

/// The section of `docs/ASSURANCE.md` that `--write` replaces.
const ASSURANCE: &str = "docs/ASSURANCE.md";
const BEGIN: &str = "<!-- panic:begin -->";
const END: &str = "<!-- panic:end -->";

/// The task.
pub fn run(args: &[String]) -> Result<(), Failure> {
    let mut self_test_only = false;
    let mut write = false;
    for arg in args {
        match arg.as_str() {
            "--self-test" => self_test_only = true,
            "--write" => write = true,
            other => {
                return Err(Failure(format!(
                    "panic-check: unknown option `{other}` (expected --self-test, --write)"
                )))
            }
        }
    }
    let started = Instant::now();
    let tools = Tools::find()?;
    let target_dir = root().join("target").join("embedded");
    let probe_dir = root().join(PROBE_DIR);
    let entry_points = EntryPoints::find()?;

    // The probe is no workspace member, so `cargo xtask lint` misses it.
    run_command(cargo().args([
        "fmt",
        "--manifest-path",
        &format!("{PROBE_DIR}/Cargo.toml"),
        "--package",
        PROBE_BIN,
        "--",
        "--check",
    ]))?;

    let mut rows = Vec::new();
    let mut log = Vec::new();
    for (target, what) in TARGETS {
        let nm = nm_for(target)?;
        for opt_level in OPT_LEVELS {
            let build = Build {
                tools: &tools,
                target,
                opt_level,
                target_dir: &target_dir,
                probe_dir: &probe_dir,
            };
            let heading = format!("{target} ({what}), opt-level {opt_level}");
            eprintln!("xtask: panic-check {heading}, {}", tools.route(target));
            let planted = self_test_undefined(&build)?;
            let scanned = self_test_defined(&build, &nm)?;
            let release = if self_test_only {
                "not run (--self-test)".to_owned()
            } else {
                check_release(&build, &nm, &entry_points)?
            };
            for line in [&planted, &scanned, &release] {
                log.push(format!("{heading}: {line}"));
            }
            // Any other outcome returned a failure above.
            rows.push(format!(
                "| `{target}` | {opt_level} | link fails on `{PANIC_SYMBOL}` (bites) | nm finds \
                 the panic machinery (bites) | {} |",
                if self_test_only {
                    "not run"
                } else {
                    "**links; no panic symbol; every entry point present**"
                }
            ));
        }
    }

    eprintln!("xtask: panic-check results:");
    for line in &log {
        eprintln!("  {line}");
    }
    if write {
        write_assurance(&tools, &rows, &log, self_test_only)?;
    }
    let elapsed = started.elapsed().as_secs();
    eprintln!(
        "xtask: panic-check passed in {}m{:02}s",
        elapsed / 60,
        elapsed % 60
    );
    Ok(())
}

/// The nm that reads `target`'s objects.
fn nm_for(target: &str) -> Result<PathBuf, Failure> {
    if target.starts_with("thumb") {
        tool("arm-none-eabi-nm", "binutils-arm-none-eabi")
    } else {
        tool("nm", "binutils")
    }
}

/// The objdump that disassembles `target`'s objects.
fn objdump_for(target: &str) -> Result<PathBuf, Failure> {
    if target.starts_with("thumb") {
        tool("arm-none-eabi-objdump", "binutils-arm-none-eabi")
    } else {
        tool("objdump", "binutils")
    }
}

/// One probe build: a target at an opt-level.
struct Build<'a> {
    tools: &'a Tools,
    target: &'a str,
    opt_level: &'a str,
    target_dir: &'a Path,
    probe_dir: &'a Path,
}

/// What a build did.
struct Outcome {
    success: bool,
    /// Cargo's and the linker's messages.
    messages: String,
}

impl Build<'_> {
    fn elf(&self) -> PathBuf {
        self.target_dir
            .join(self.target)
            .join("release")
            .join(PROBE_BIN)
    }

    /// Builds the probe with `features`, echoing cargo's messages.
    fn run(&self, features: &[&str]) -> Result<Outcome, Failure> {
        // A stale binary must not be scanned: cargo puts it back (also when
        // nothing was rebuilt) only when the build succeeds.
        let elf = self.elf();
        if elf.exists() {
            std::fs::remove_file(&elf)
                .map_err(|error| Failure(format!("cannot remove {}: {error}", elf.display())))?;
        }
        let mut command = self.tools.cargo_build(self.target, self.target_dir)?;
        command
            .current_dir(self.probe_dir)
            .arg("--locked")
            .arg("--config")
            .arg(opt_level_config(self.opt_level));
        if !features.is_empty() {
            command.arg("--features").arg(features.join(","));
        }
        let (success, messages) = run_captured(&mut command)?;
        if success && !elf.is_file() {
            return Err(Failure(format!(
                "the build succeeded but left no {}",
                elf.display()
            )));
        }
        Ok(Outcome { success, messages })
    }
}

/// `--config` for the release profile's opt-level (`3`, or a quoted `"z"`).
pub(crate) fn opt_level_config(opt_level: &str) -> String {
    if opt_level.chars().all(|c| c.is_ascii_digit()) {
        format!("profile.release.opt-level={opt_level}")
    } else {
        format!("profile.release.opt-level=\"{opt_level}\"")
    }
}

/// Runs `command`, echoing its stderr line by line; whether it succeeded and
/// what it printed.
fn run_captured(command: &mut Command) -> Result<(bool, String), Failure> {
    eprintln!("xtask: running {command:?}");
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| Failure(format!("cannot start {command:?}: {error}")))?;
    let mut messages = String::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            eprintln!("    {line}");
            messages.push_str(&line);
            messages.push('\n');
        }
    }
    let status = child
        .wait()
        .map_err(|error| Failure(format!("{command:?}: {error}")))?;
    Ok((status.success(), messages))
}

/// Self-test 1: a planted panic must make the link fail on the undefined
/// symbol. Returns the summary.
fn self_test_undefined(build: &Build) -> Result<String, Failure> {
    eprintln!("xtask: self-test: planted panic; this build must FAIL to link on `{PANIC_SYMBOL}`");
    let outcome = build.run(&["plant-panic"])?;
    let line = outcome
        .messages
        .lines()
        .map(str::trim)
        .find(|line| line.contains(PANIC_SYMBOL) && line.contains("undefined"));
    match (outcome.success, line) {
        (false, Some(line)) => {
            let line = line.trim_start_matches("= note:").trim();
            eprintln!("xtask: self-test passed: the planted panic was reported: {line}");
            Ok(format!("link fails as required: `{line}`"))
        }
        (true, _) => Err(Failure(format!(
            "panic-check self-test failed on {} (opt-level {}): a planted panic linked without \
             `{PANIC_SYMBOL}`, so the check cannot see panics",
            build.target, build.opt_level
        ))),
        (false, None) => Err(Failure(format!(
            "panic-check self-test: the planted build on {} failed, but not on an undefined \
             `{PANIC_SYMBOL}`; see the messages above",
            build.target
        ))),
    }
}

/// Self-test 2: a planted panic with a defined handler links, and the symbol
/// scan must find the panic machinery. Returns the summary.
fn self_test_defined(build: &Build, nm: &Path) -> Result<String, Failure> {
    eprintln!("xtask: self-test: planted panic, defined handler; the symbol scan must find it");
    let outcome = build.run(&["plant-panic", "defined-panic-handler"])?;
    if !outcome.success {
        return Err(Failure(format!(
            "panic-check self-test: the planted build with a defined panic handler failed on {}",
            build.target
        )));
    }
    let symbols = Symbols::read(nm, &build.elf())?;
    let found = symbols.panic_symbols();
    if found.is_empty() {
        return Err(Failure(format!(
            "panic-check self-test failed on {} (opt-level {}): a planted panic left no symbol \
             the scan recognises ({}), so the scan cannot see panics",
            build.target,
            build.opt_level,
            PANIC_MARKERS.join(", ")
        )));
    }
    let names = found.join(", ");
    eprintln!("xtask: self-test passed: the symbol scan found {names}");
    Ok(format!("links; nm finds `{names}`"))
}

/// The real check. Returns the summary.
fn check_release(build: &Build, nm: &Path, entry_points: &EntryPoints) -> Result<String, Failure> {
    eprintln!("xtask: check: the release build must link and hold no panic symbol");
    let outcome = build.run(&[])?;
    if !outcome.success {
        let reachable = outcome.messages.contains(PANIC_SYMBOL);
        return Err(Failure(if reachable {
            format!(
                "a panic is reachable in failwell or failwell-ffi on {} (opt-level {}): the \
                 probe's link needs `{PANIC_SYMBOL}`; {}",
                build.target,
                build.opt_level,
                trace_panic(build)
            )
        } else {
            format!(
                "the panic probe failed to build on {}; see the messages above",
                build.target
            )
        }));
    }
    let symbols = Symbols::read(nm, &build.elf())?;
    let found = symbols.panic_symbols();
    if !found.is_empty() {
        let callers = objdump_for(build.target)
            .and_then(|objdump| panic_callers(&objdump, &build.elf()))
            .map_or_else(|Failure(why)| why, |callers| callers.join(", "));
        return Err(Failure(format!(
            "panic machinery in the release build on {} (opt-level {}): {}; the functions \
             that reach it by direct calls, nearest first: {callers}",
            build.target,
            build.opt_level,
            found.join(", ")
        )));
    }
    if !symbols.undefined.is_empty() {
        return Err(Failure(format!(
            "the probe on {} has undefined symbols: {}",
            build.target,
            symbols.undefined.join(", ")
        )));
    }
    let mut missing = Vec::new();
    let mut c_abi = Vec::new();
    for name in &entry_points.c_abi {
        match symbols.function(|symbol| symbol == name) {
            Some(size) => c_abi.push(format!("{name} {size} B")),
            None => missing.push(name.clone()),
        }
    }
    let mut probes = 0;
    for name in &entry_points.probes {
        let qualified = format!("failwell_probe::{name}");
        match symbols.function(|symbol| symbol == qualified) {
            Some(_) => probes += 1,
            None => missing.push(qualified),
        }
    }
    if symbols.function(|symbol| symbol == "_start").is_none() {
        missing.push("_start".to_owned());
    }
    if !missing.is_empty() {
        return Err(Failure(format!(
            "the check would be vacuous on {} (opt-level {}): entry points missing from the \
             output: {}",
            build.target,
            build.opt_level,
            missing.join(", ")
        )));
    }
    let library = symbols
        .functions
        .iter()
        .filter(|f| f.name.contains("failwell") && !f.name.contains("failwell_probe::"))
        .count();
    let summary = format!(
        "links; no panic symbol, no undefined symbol; {}/{} C ABI functions ({}), {}/{} probe \
         functions; {} B of code in all, {library} functions from failwell",
        c_abi.len(),
        entry_points.c_abi.len(),
        c_abi.join(", "),
        probes,
        entry_points.probes.len(),
        symbols.functions.iter().map(|f| f.size).sum::<u64>(),
    );
    eprintln!("xtask: check passed: {summary}");
    Ok(summary)
}

/// Where the reachable panic comes from: the probe built again with a panic
/// handler that is defined, so that it links, and its disassembly searched
/// for the functions that call into the panic machinery.
fn trace_panic(build: &Build) -> String {
    eprintln!("xtask: tracing the panic: the same build with a defined panic handler");
    let callers = build.run(&["defined-panic-handler"]).and_then(|outcome| {
        if !outcome.success {
            return Err(Failure(
                "the build with a defined panic handler failed too".to_owned(),
            ));
        }
        panic_callers(&objdump_for(build.target)?, &build.elf())
    });
    match callers {
        Ok(callers) if !callers.is_empty() => format!(
            "the functions that reach the panic machinery by direct calls, nearest first: {}",
            callers.join(", ")
        ),
        Ok(_) => "no direct caller of the panic machinery was found in the disassembly \
                  (an indirect call reaches it); the linker's `referenced by` lines above \
                  name where the handler is"
            .to_owned(),
        Err(Failure(why)) => format!("cannot trace it: {why}"),
    }
}

/// How many callers [`panic_callers`] names at most.
const MAX_CALLERS: usize = 24;

/// The functions of `elf` from which a panic symbol is reached by direct
/// calls and jumps (per its disassembly), nearest first, without the panic
/// machinery itself: at most [`MAX_CALLERS`].
fn panic_callers(objdump: &Path, elf: &Path) -> Result<Vec<String>, Failure> {
    let mut command = Command::new(objdump);
    command.args(["-d", "--no-show-raw-insn", "-C"]).arg(elf);
    let output = command
        .output()
        .map_err(|error| Failure(format!("cannot start {command:?}: {error}")))?;
    if !output.status.success() {
        return Err(Failure(format!("{command:?} failed: {}", output.status)));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    // callee -> callers
    let mut callers: std::collections::HashMap<String, Vec<String>> =
        std::collections::HashMap::new();
    let mut functions = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(name) = function_header(line) {
            functions.push(name.clone());
            current = name;
        } else if let Some(target) = branch_target(line) {
            if target != current {
                let entry = callers.entry(target).or_default();
                if !entry.contains(&current) {
                    entry.push(current.clone());
                }
            }
        }
    }
    let mut queue: std::collections::VecDeque<String> = functions
        .into_iter()
        .filter(|name| is_panic_symbol(name))
        .collect();
    let mut seen: Vec<String> = queue.iter().cloned().collect();
    let mut found = Vec::new();
    while let Some(callee) = queue.pop_front() {
        for caller in callers.get(&callee).into_iter().flatten() {
            if seen.contains(caller) {
                continue;
            }
            seen.push(caller.clone());
            found.push(caller.clone());
            queue.push_back(caller.clone());
        }
    }
    found.truncate(MAX_CALLERS);
    Ok(found)
}

/// The function a line of `objdump -d` opens (`0000000000401000 <name>:`).
fn function_header(line: &str) -> Option<String> {
    let (address, rest) = line.split_once(' ')?;
    if address.is_empty() || !address.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let name = rest.strip_prefix('<')?.strip_suffix(">:")?;
    Some(name.to_owned())
}

/// The function a call or jump on a line of `objdump -d` goes to
/// (`  401000:\tcall   402000 <name>`, `  8000:\tbl\t8010 <name+0x4>`).
fn branch_target(line: &str) -> Option<String> {
    let (address, rest) = line.split_once(':')?;
    let address = address.trim();
    if address.is_empty() || !address.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let rest = rest.trim_start();
    let mnemonic = rest.split_whitespace().next()?;
    let branch = mnemonic.starts_with("call")
        || mnemonic.starts_with('j')
        || (mnemonic.starts_with('b')
            && !mnemonic.starts_with("bic")
            && !mnemonic.starts_with("bkpt"));
    if !branch {
        return None;
    }
    let start = rest.find(" <")?;
    let target = rest[start + 2..].trim_end().strip_suffix('>')?;
    let target = match target.rfind("+0x") {
        Some(offset) => &target[..offset],
        None => target,
    };
    Some(target.to_owned())
}

/// The entry points the output must contain.
struct EntryPoints {
    /// Every function the C header declares.
    c_abi: Vec<String>,
    /// Every `probe_*` function of the probe (the core's public methods).
    probes: Vec<String>,
}

impl EntryPoints {
    fn find() -> Result<Self, Failure> {
        let header = read(&root().join(HEADER))?;
        let c_abi = identifiers_before(&header, "failwell_", "(");
        let probe = read(&root().join(PROBE_DIR).join("src/main.rs"))?;
        let probes = identifiers_before(&probe, "fn probe_", "(")
            .into_iter()
            .map(|name| name.trim_start_matches("fn ").to_owned())
            .collect::<Vec<_>>();
        if c_abi.is_empty() || probes.is_empty() {
            return Err(Failure(format!(
                "found no entry points ({} C ABI functions in {HEADER}, {} probe functions)",
                c_abi.len(),
                probes.len()
            )));
        }
        Ok(Self { c_abi, probes })
    }
}

/// Every distinct identifier in `text` that starts with `prefix` and is
/// followed directly by `next`.
fn identifiers_before(text: &str, prefix: &str, next: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (start, _) in text.match_indices(prefix) {
        let preceded = text[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if preceded {
            continue;
        }
        let rest = &text[start + prefix.len()..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = format!("{prefix}{}", &rest[..len]);
        if rest[len..].starts_with(next) && !found.contains(&name) {
            found.push(name);
        }
    }
    found
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|error| Failure(format!("cannot read {}: {error}", path.display())))
}

/// A defined function symbol.
struct Function {
    name: String,
    size: u64,
}

/// The symbols of a linked binary.
struct Symbols {
    /// Every defined symbol name, mangled and demangled.
    names: Vec<String>,
    /// Defined functions (demangled), with their sizes.
    functions: Vec<Function>,
    /// Undefined symbols.
    undefined: Vec<String>,
}

impl Symbols {
    fn read(nm: &Path, elf: &Path) -> Result<Self, Failure> {
        let mangled = nm_lines(nm, elf, &["--defined-only"])?;
        let demangled = nm_lines(nm, elf, &["--defined-only", "-S", "-C"])?;
        let undefined = nm_lines(nm, elf, &["--undefined-only"])?;
        let mut names = Vec::new();
        let mut functions = Vec::new();
        for line in mangled.lines() {
            if let Some(symbol) = parse_nm_line(line) {
                names.push(symbol.name);
            }
        }
        for line in demangled.lines() {
            if let Some(symbol) = parse_nm_line(line) {
                if matches!(symbol.kind, 't' | 'T' | 'w' | 'W') {
                    functions.push(Function {
                        name: symbol.name.clone(),
                        size: symbol.size.unwrap_or(0),
                    });
                }
                names.push(symbol.name);
            }
        }
        let undefined = undefined
            .lines()
            .filter_map(parse_nm_line)
            .map(|symbol| symbol.name)
            .collect();
        Ok(Self {
            names,
            functions,
            undefined,
        })
    }

    /// Defined symbols that belong to the panic machinery, deduplicated.
    fn panic_symbols(&self) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for name in &self.names {
            if is_panic_symbol(name) && !found.contains(name) {
                found.push(name.clone());
            }
        }
        // Demangled names read better; keep the mangled ones only when they
        // are all there is.
        let readable: Vec<String> = found
            .iter()
            .filter(|name| !name.starts_with("_R") && !name.starts_with("_ZN"))
            .cloned()
            .collect();
        if readable.is_empty() {
            found
        } else {
            readable
        }
    }

    /// The size of the defined function whose demangled name matches.
    fn function(&self, matches: impl Fn(&str) -> bool) -> Option<u64> {
        self.functions
            .iter()
            .find(|function| matches(&function.name) && function.size > 0)
            .map(|function| function.size)
    }
}

/// One line of `nm` (with or without `-S`).
pub(crate) struct NmSymbol {
    pub(crate) size: Option<u64>,
    pub(crate) kind: char,
    pub(crate) name: String,
}

/// Parses `[address [size]] kind name`; demangled names may contain spaces.
pub(crate) fn parse_nm_line(line: &str) -> Option<NmSymbol> {
    let mut rest = line.trim_start();
    let mut numbers: Vec<&str> = Vec::new();
    loop {
        let (field, after) = rest.split_once(' ')?;
        let mut chars = field.chars();
        if let (Some(kind), None) = (chars.next(), chars.next()) {
            let name = after.trim();
            if name.is_empty() {
                return None;
            }
            // With `-S`, sized symbols carry an address and a size.
            let size = match numbers.as_slice() {
                [_, size] => u64::from_str_radix(size, 16).ok(),
                _ => None,
            };
            return Some(NmSymbol {
                size,
                kind,
                name: name.to_owned(),
            });
        }
        if numbers.len() == 2 || !field.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        numbers.push(field);
        rest = after.trim_start();
    }
}

fn nm_lines(nm: &Path, elf: &Path, args: &[&str]) -> Result<String, Failure> {
    let mut command = Command::new(nm);
    command.args(args).arg(elf);
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

/// The `rustc --version` that builds `target`.
pub(crate) fn rustc_version(tools: &Tools, target: &str) -> String {
    let rustc = if tools.has_rustup_target(target) {
        "rustc"
    } else {
        DEBIAN_RUSTC
    };
    Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map_or_else(
            || format!("{rustc} (version unknown)"),
            |output| String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        )
}

/// Today's date (UTC), from `date`.
pub(crate) fn today() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map_or_else(
            || "unknown date".to_owned(),
            |output| String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        )
}

/// Replaces the text between the lines `begin` and `end` of the file at
/// `path` (relative to the root) with `body`, leaving the rest as it is.
pub(crate) fn replace_section(
    path: &str,
    begin: &str,
    end: &str,
    body: &str,
) -> Result<(), Failure> {
    let path = root().join(path);
    let text = read(&path)?;
    let (Some(start), Some(stop)) = (text.find(begin), text.find(end)) else {
        return Err(Failure(format!(
            "{} lacks the markers {begin} and {end}",
            path.display()
        )));
    };
    if stop < start {
        return Err(Failure(format!(
            "{}: {end} comes before {begin}",
            path.display()
        )));
    }
    let head = &text[..start + begin.len()];
    let tail = &text[stop..];
    let updated = format!("{head}\n{}\n{tail}", body.trim_end());
    std::fs::write(&path, updated)
        .map_err(|error| Failure(format!("cannot write {}: {error}", path.display())))?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(())
}

/// Records the result in `docs/ASSURANCE.md`.
fn write_assurance(
    tools: &Tools,
    rows: &[String],
    log: &[String],
    self_test_only: bool,
) -> Result<(), Failure> {
    let toolchains = TARGETS
        .iter()
        .map(|(target, _)| format!("`{target}`: {}", rustc_version(tools, target)))
        .collect::<Vec<_>>()
        .join("; ");
    let command = if self_test_only {
        "cargo xtask panic-check --self-test --write"
    } else {
        "cargo xtask panic-check --write"
    };
    let body = format!(
        "**Claim.** A release build (LTO, `panic = \"abort\"`) of `failwell` and \
`failwell-ffi` contains no reachable panic, on `thumbv6m-none-eabi` (Cortex-M0) and on \
`x86_64-unknown-linux-gnu`, at opt-levels {opt_levels}.

**Method.** `examples/panic-probe` is a `#![no_std]` binary that links both crates (the ffi \
crate's own source, built as an rlib without its `std` feature: see \
`examples/panic-probe/ffi-rlib/Cargo.toml`). It calls every `#[no_mangle]` function of the C \
ABI and every public method of the core (including the `Display`, `Debug`, comparison and \
hash impls) through function pointers passed through `core::hint::black_box`, with \
`black_box` inputs, so no call is inlined into a constant and every path of every entry point \
is compiled. Its `#[panic_handler]` calls `{PANIC_SYMBOL}`, which is defined nowhere: if \
any panic path survives optimisation, the link fails naming that symbol. The linked binary's \
symbols are then scanned with `nm` (mangled and demangled) for the panic machinery \
(`{markers}`, the last only where it ends a word).

**Why it cannot pass vacuously.** (1) Each run first builds the probe with a planted \
`black_box(None::<u32>).unwrap()` and requires the link to fail on `{PANIC_SYMBOL}`, then \
builds it with the planted panic and a defined handler and requires the `nm` scan to find \
the panic machinery: both detectors are shown to bite on the same target, opt-level and \
toolchain as the real check. (2) The real check requires every function declared in \
`bindings/c/failwell.h` and every `probe_*` wrapper of a core method to be present in the \
output as a function of non-zero size (a new C function is required automatically), so the \
code under test is really there. (3) The binary is scanned only after cargo re-creates it \
(the old one is deleted first).

**Scope.** The probe's own code and the critical-section implementation it picks (cortex-m, \
single core) are in the binary too, so they are covered as well; so are, on the host, the \
byte-loop `memcpy`, `memmove`, `memset` and `memcmp` the probe defines because it links no C \
library (bare-metal targets take them from compiler-builtins). Debug builds and \
`overflow-checks = true` are not covered. The hosted staticlib and cdylib that C links are \
built with the `std` feature, so they carry std's own panic runtime; the check shows that no \
path from failwell's code reaches it. The probe compiles `ffi/src/lib.rs` through a second \
manifest (`ffi-rlib`), which must follow `ffi/Cargo.toml` (a missing dependency fails the \
build).

**Command.** `{command}` (CI runs `cargo xtask panic-check` in `cargo xtask ci`).
Last run {date}; toolchains: {toolchains}.

| target | opt-level | self-test: planted panic | self-test: planted panic, defined handler | release build |
|---|---|---|---|---|
{rows}

Output:

```text
{log}
```",
        opt_levels = OPT_LEVELS.join(" and "),
        markers = PANIC_MARKERS.join("`, `"),
        date = today(),
        rows = rows.join("\n"),
        log = log.join("\n"),
    );
    replace_section(ASSURANCE, BEGIN, END, &body)
}

#[cfg(test)]
mod tests {
    use super::{branch_target, function_header, is_panic_symbol};

    #[test]
    fn objdump_lines_are_read() {
        assert_eq!(
            function_header(
                "0000000000211fc0 <<core::fmt::Formatter>::debug_struct_fields_finish>:"
            ),
            Some("<core::fmt::Formatter>::debug_struct_fields_finish".to_owned())
        );
        assert_eq!(function_header("Disassembly of section .text:"), None);
        assert_eq!(
            branch_target(
                "  212301:\tcall   2119f2 <core::panicking::assert_failed::<usize, usize>>"
            ),
            Some("core::panicking::assert_failed::<usize, usize>".to_owned())
        );
        assert_eq!(
            branch_target("  206737:\tjmp    20673c <failwell_probe::probe_permit_failure+0x3c>"),
            Some("failwell_probe::probe_permit_failure".to_owned())
        );
        assert_eq!(
            branch_target("    8000:\tbl\t8010 <core::panicking::panic_fmt>"),
            Some("core::panicking::panic_fmt".to_owned())
        );
        assert_eq!(branch_target("  210a76:\tmov    %rdi,%rax"), None);
        assert_eq!(branch_target("    8004:\tbics\tr0, r1"), None);
    }

    #[test]
    fn the_panic_machinery_is_recognised_and_failwell_names_are_not() {
        for name in [
            "core::panicking::panic_fmt",
            "rust_begin_unwind",
            "core::option::unwrap_failed",
            "core::result::unwrap_failed",
            "core::option::expect_failed",
            "core::panicking::assert_failed::<usize, usize>",
            "core::slice::index::slice_end_index_len_fail",
            "_ZN4core5slice5index24slice_end_index_len_fail17h0123456789abcdefE",
            "core::slice::<impl [T]>::copy_from_slice::len_mismatch_fail",
            "_RNvNtNtCs1234_4core5slice5index24slice_end_index_len_fail",
        ] {
            assert!(is_panic_symbol(name), "{name}");
        }
        for name in [
            "failwell_breaker_failure",
            "failwell_probe::probe_permit_failure",
            "_ZN14failwell_probe20probe_permit_failure17h0123456789abcdefE",
            "failwell_breaker_success",
            "<failwell::breaker::Breaker<16, 8>>::record",
        ] {
            assert!(!is_panic_symbol(name), "{name}");
        }
    }
}
