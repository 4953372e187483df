//! Puts `memory.x` where cortex-m-rt's `link.x` finds it and links with `link.x`.

use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("cannot write memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    // `link.x` is cortex-m-rt's linker script; it includes memory.x.
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
}
