//! Benchmarks live in this package's `[[bench]]` targets: `cargo bench -p failwell-benches`.
