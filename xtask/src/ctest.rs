//! `cargo xtask ctest`: the C and C++ test programs against the static library.
//!
//! Builds `libfailwell_ffi.a` (debug profile), extracts the README's C and
//! C++ examples into `target/ctest/readme/readme_examples.c` and
//! `readme_examples.cpp` (which `tests/c/test_readme.c` and
//! `tests/cpp/test_readme.cpp` include), then compiles every
//! `tests/c/*.c` as C99 and every `tests/cpp/*.cpp` as C++17 (once with
//! exceptions and once with `-fno-exceptions`), with `-Wall -Wextra -Werror
//! -pedantic`, and runs each under AddressSanitizer + UndefinedBehaviorSanitizer.
//! Then, when a probe shows ThreadSanitizer works on this machine, it builds
//! and runs them all again under TSan (or says why it skips). It also compiles
//! the headers alone: `failwell.h` as C99 and as C++17, `failwell.hpp` as
//! C++17 with and without exceptions.
//!
//! Every program must end its output with the line `N passed, 0 failed`.
//! Build outputs go to `target/ctest/`. `CC` and `CXX` choose the compilers
//! (default `gcc` and `g++`); `ASAN_OPTIONS`, `UBSAN_OPTIONS` and
//! `TSAN_OPTIONS`, when set, replace the defaults below.
//!
//! TSan sees only instrumented code: the Rust library's atomics are invisible
//! to it, so under TSan the programs check the C/C++ side (the tests'
//! synchronisation and the wrapper), not the library's own memory ordering.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::util::{cargo, root, run as run_command, Failure};

/// Warnings every C and C++ translation unit is compiled with.
const WARNINGS: &[&str] = &["-Wall", "-Wextra", "-Werror", "-pedantic"];
/// What the Rust static library needs from the system.
const SYSTEM_LIBS: &[&str] = &["-lpthread", "-ldl", "-lm"];

/// A sanitizer configuration the programs are built and run under.
struct Sanitizer {
    /// Short name: the output directory under `target/ctest/`.
    name: &'static str,
    /// Compiler and linker flags.
    flags: &'static [&'static str],
    /// Runtime options: the variable and its default value.
    options: &'static [(&'static str, &'static str)],
}

const ASAN_UBSAN: Sanitizer = Sanitizer {
    name: "asan",
    flags: &[
        "-fsanitize=address,undefined",
        "-fno-omit-frame-pointer",
        "-fno-sanitize-recover=all",
    ],
    options: &[
        (
            "ASAN_OPTIONS",
            "detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1",
        ),
        ("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1"),
    ],
};

const TSAN: Sanitizer = Sanitizer {
    name: "tsan",
    flags: &["-fsanitize=thread"],
    options: &[("TSAN_OPTIONS", "halt_on_error=1:second_deadlock_stack=1")],
};

/// A language the tests are written in.
struct Language {
    /// Directory under `tests/` holding its programs.
    dir: &'static str,
    /// File extension of its programs.
    ext: &'static str,
    /// Environment variable naming the compiler, and the default compiler.
    compiler: (&'static str, &'static str),
    /// Language standard flag.
    std: &'static str,
    /// Build variants: output-name suffix and extra flags.
    variants: &'static [(&'static str, &'static [&'static str])],
}

const C: Language = Language {
    dir: "c",
    ext: "c",
    compiler: ("CC", "gcc"),
    std: "-std=c99",
    variants: &[("", &[])],
};

const CPP: Language = Language {
    dir: "cpp",
    ext: "cpp",
    compiler: ("CXX", "g++"),
    std: "-std=c++17",
    variants: &[("", &[]), ("-noexcept", &["-fno-exceptions"])],
};

impl Language {
    fn compiler(&self) -> Command {
        let (variable, default) = self.compiler;
        Command::new(std::env::var_os(variable).unwrap_or_else(|| OsString::from(default)))
    }

    /// The test programs of this language, sorted by name.
    fn programs(&self) -> Result<Vec<PathBuf>, Failure> {
        let dir = root().join("tests").join(self.dir);
        let entries = std::fs::read_dir(&dir)
            .map_err(|error| Failure(format!("reading {}: {error}", dir.display())))?;
        let mut programs = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(|error| Failure(format!("reading {}: {error}", dir.display())))?
                .path();
            if path.extension().is_some_and(|ext| ext == self.ext) {
                programs.push(path);
            }
        }
        programs.sort();
        if programs.is_empty() {
            return Err(Failure(format!(
                "no *.{} test programs in {}",
                self.ext,
                dir.display()
            )));
        }
        Ok(programs)
    }
}

/// Cargo's target directory: `CARGO_TARGET_DIR` (relative to the workspace
/// root, where xtask runs cargo) or `target/`.
fn target_dir() -> PathBuf {
    let root = root();
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |dir| root.join(dir))
}

fn create_dir(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|error| Failure(format!("creating {}: {error}", dir.display())))
}

/// `-I` flags for both headers.
fn includes() -> [OsString; 3] {
    let root = root();
    [
        prefixed("-I", &root.join("bindings/c")),
        prefixed("-I", &root.join("bindings/cpp")),
        prefixed("-I", &readme_dir()),
    ]
}

/// Where `readme_examples.c` and `.cpp` go, for the `test_readme` programs to include.
fn readme_dir() -> PathBuf {
    target_dir().join("ctest").join("readme")
}

/// Writes every ```` ```c ```` block of README.md, in order, to
/// `readme_examples.c`, and every ```` ```cpp ```` block to
/// `readme_examples.cpp`, each block after a `#line` directive naming its
/// place in the README, so a compiler diagnostic points there.
fn extract_readme() -> Result<(), Failure> {
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path)
        .map_err(|error| Failure(format!("reading {}: {error}", path.display())))?;
    let dir = readme_dir();
    create_dir(&dir)?;
    for (fence, file) in [
        ("```c", "readme_examples.c"),
        ("```cpp", "readme_examples.cpp"),
    ] {
        let code = readme_blocks(&readme, fence)?;
        let out = dir.join(file);
        std::fs::write(&out, code)
            .map_err(|error| Failure(format!("writing {}: {error}", out.display())))?;
    }
    Ok(())
}

/// The blocks of `readme` that open with the line `fence`, in order, each
/// after a `#line` directive; an error if there is none or one is unclosed.
fn readme_blocks(readme: &str, fence: &str) -> Result<String, Failure> {
    let mut code = String::from("/* Generated by `cargo xtask ctest` from README.md. */\n");
    let mut blocks = 0;
    let mut in_block = false;
    for (index, line) in readme.lines().enumerate() {
        if in_block {
            if line.trim_end() == "```" {
                in_block = false;
            } else {
                code.push_str(line);
                code.push('\n');
            }
        } else if line.trim_end() == fence {
            in_block = true;
            blocks += 1;
            // The block's first line is the next one (1-based: index + 2).
            code.push_str(&format!("#line {} \"README.md\"\n", index + 2));
        }
    }
    if blocks == 0 || in_block {
        return Err(Failure(format!(
            "README.md: expected closed {fence} blocks, found {blocks}{}",
            if in_block {
                " (the last one unclosed)"
            } else {
                ""
            }
        )));
    }
    Ok(code)
}

fn prefixed(flag: &str, path: &Path) -> OsString {
    let mut arg = OsString::from(flag);
    arg.push(path);
    arg
}

/// Runs `cargo xtask ctest`.
pub fn run() -> Result<(), Failure> {
    let started = Instant::now();
    run_command(cargo().args(["build", "--package", "failwell-ffi"]))?;
    let library = target_dir().join("debug/libfailwell_ffi.a");
    if !library.is_file() {
        return Err(Failure(format!("{} was not built", library.display())));
    }
    let out = target_dir().join("ctest");

    compile_headers(&out.join("headers"))?;
    extract_readme()?;

    let mut results = run_suite(&ASAN_UBSAN, &library, &out)?;
    match tsan_unavailable(&out.join("tsan-probe")) {
        None => results.extend(run_suite(&TSAN, &library, &out)?),
        Some(reason) => eprintln!("xtask: skipping ThreadSanitizer: {reason}"),
    }

    eprintln!("xtask: ctest results:");
    for (name, line) in &results {
        eprintln!("xtask:   {name:<36} {line}");
    }
    eprintln!(
        "xtask: ctest passed ({} runs) in {:.1}s",
        results.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Compiles one-line translation units that include each header alone.
fn compile_headers(dir: &Path) -> Result<(), Failure> {
    create_dir(dir)?;
    let (c_dir, cpp_dir) = (root().join("bindings/c"), root().join("bindings/cpp"));
    // The wrapper is compiled with only bindings/cpp on the include path: it
    // must find the C header next door in the source tree.
    let units: [(&Language, &str, &str, &[&str], &Path); 4] = [
        (&C, "failwell_h.c", "failwell.h", &[], &c_dir),
        (&CPP, "failwell_h.cpp", "failwell.h", &[], &c_dir),
        (&CPP, "failwell_hpp.cpp", "failwell.hpp", &[], &cpp_dir),
        (
            &CPP,
            "failwell_hpp-noexcept.cpp",
            "failwell.hpp",
            &["-fno-exceptions"],
            &cpp_dir,
        ),
    ];
    for (language, file, header, extra, include) in units {
        let source = dir.join(file);
        std::fs::write(&source, format!("#include \"{header}\"\n"))
            .map_err(|error| Failure(format!("writing {}: {error}", source.display())))?;
        run_command(
            language
                .compiler()
                .arg(language.std)
                .args(WARNINGS)
                .args(extra)
                .arg(prefixed("-I", include))
                .arg("-c")
                .arg(&source)
                .arg("-o")
                .arg(source.with_extension("o")),
        )?;
    }
    Ok(())
}

/// Builds and runs every program under `sanitizer`; returns each run's name
/// and final line.
fn run_suite(
    sanitizer: &Sanitizer,
    library: &Path,
    out: &Path,
) -> Result<Vec<(String, String)>, Failure> {
    let mut results = Vec::new();
    for language in [&C, &CPP] {
        let dir = out.join(sanitizer.name).join(language.dir);
        create_dir(&dir)?;
        for program in language.programs()? {
            let stem = program
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default();
            for (suffix, extra) in language.variants {
                let binary = dir.join(format!("{stem}{suffix}"));
                run_command(
                    language
                        .compiler()
                        .arg(language.std)
                        .args(WARNINGS)
                        .args(["-g", "-O1"])
                        .args(sanitizer.flags)
                        .args(*extra)
                        .args(includes())
                        .arg(&program)
                        .arg(library)
                        .args(SYSTEM_LIBS)
                        .arg("-o")
                        .arg(&binary),
                )?;
                let mut command = Command::new(&binary);
                for (variable, default) in sanitizer.options {
                    if std::env::var_os(variable).is_none() {
                        command.env(variable, default);
                    }
                }
                let line = run_test(&mut command)?;
                let name = format!("{}/{}/{stem}{suffix}", sanitizer.name, language.dir);
                results.push((name, line));
            }
        }
    }
    Ok(results)
}

/// Runs a test program, showing its output, and returns its final line,
/// which must read `N passed, 0 failed`.
fn run_test(command: &mut Command) -> Result<String, Failure> {
    eprintln!("xtask: running {command:?}");
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| Failure(format!("cannot start {command:?}: {error}")))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    let line = stdout.lines().last().unwrap_or_default().trim().to_owned();
    if !output.status.success() {
        return Err(Failure(format!("{command:?} failed: {}", output.status)));
    }
    let passed = line
        .strip_suffix(" passed, 0 failed")
        .and_then(|count| count.parse::<u64>().ok());
    match passed {
        Some(count) if count > 0 => Ok(line),
        _ => Err(Failure(format!(
            "{command:?} exited successfully but its last line is {line:?}, not `N passed, 0 failed`"
        ))),
    }
}

/// Why ThreadSanitizer cannot run here, or `None` when a threaded probe
/// builds and runs cleanly under it.
fn tsan_unavailable(dir: &Path) -> Option<String> {
    const PROBE: &str = "#include <pthread.h>\n\
        static int shared;\n\
        static void *work(void *arg) { (void)arg; shared++; return 0; }\n\
        int main(void) {\n\
        \x20   pthread_t thread;\n\
        \x20   if (pthread_create(&thread, 0, work, 0) != 0) return 2;\n\
        \x20   pthread_join(thread, 0);\n\
        \x20   return shared == 1 ? 0 : 3;\n\
        }\n";
    if let Err(Failure(reason)) = create_dir(dir) {
        return Some(reason);
    }
    let source = dir.join("probe.c");
    let binary = dir.join("probe");
    if let Err(error) = std::fs::write(&source, PROBE) {
        return Some(format!("writing {}: {error}", source.display()));
    }
    let compiled = C
        .compiler()
        .args(TSAN.flags)
        .arg(&source)
        .args(["-lpthread", "-o"])
        .arg(&binary)
        .output();
    match compiled {
        Err(error) => return Some(format!("cannot start the C compiler: {error}")),
        Ok(output) if !output.status.success() => {
            return Some(format!(
                "the C compiler cannot build with -fsanitize=thread: {}",
                first_line(&output.stderr)
            ))
        }
        Ok(_) => {}
    }
    match Command::new(&binary)
        .env("TSAN_OPTIONS", "halt_on_error=1")
        .output()
    {
        Err(error) => Some(format!("cannot start the TSan probe: {error}")),
        Ok(output) if !output.status.success() => Some(format!(
            "a TSan-instrumented program fails on this machine ({}): {}",
            output.status,
            first_line(&output.stderr)
        )),
        Ok(_) => None,
    }
}

/// The first non-empty line of a command's output, for a one-line reason.
fn first_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.chars().all(|c| c == '='))
        .unwrap_or("(no output)")
        .to_owned()
}
