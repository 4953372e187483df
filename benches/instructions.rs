//! Runs one operation N times, for instruction counting under callgrind:
//! `instructions <operation> <N>`; `instructions --list` names the operations. `cargo xtask bench` runs it twice with
//! different N and divides the difference in instructions by the difference
//! in N, which cancels start-up and setup. Every limiter is built, and its
//! path checked, before the loop.

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

use failwell_benches::breakers::{
    check_failwell, check_peers, failsafe_call_success, failwell_call_success, new_failsafe,
    new_failwell_breaker, new_failwell_consecutive, new_recloser, recloser_call_success,
};
use failwell_benches::{
    bulkhead_acquire_release, failwell_acquire, new_bulkhead, new_failwell, new_governor,
    new_ratelock, new_semaphore, semaphore_acquire_release, BenchClock,
};

const STEP: u64 = 1_000;

/// The operations, by name.
pub const OPERATIONS: [&str; 20] = [
    "empty_loop",
    "baseline_load",
    "baseline_fetch_add",
    "harness_admit",
    "harness_reject",
    "failwell_admit",
    "failwell_reject",
    "governor_admit",
    "governor_reject",
    "ratelock_admit",
    "ratelock_reject",
    "harness_breaker",
    "failwell_success",
    "failwell_success_consecutive",
    "failwell_success_time_window",
    "failsafe_success",
    "recloser_success",
    "harness_bulkhead",
    "failwell_bulkhead",
    "tokio_semaphore",
];

fn repeat(n: u64, mut op: impl FnMut() -> bool, expected: Option<bool>) -> Result<(), String> {
    for _ in 0..n {
        let result = black_box(op());
        if expected.is_some_and(|e| e != result) {
            return Err("the operation took the other path".to_owned());
        }
    }
    Ok(())
}

fn run(operation: &str, n: u64) -> Result<(), String> {
    let clock = BenchClock::default();
    let word = AtomicU64::new(0);
    // Admit: the clock advances one interval per call. Reject: it stands
    // still on an empty bucket.
    let admit = |op: &dyn Fn() -> bool| {
        repeat(
            n,
            || {
                clock.advance(STEP);
                op()
            },
            Some(true),
        )
    };
    let reject = |op: &dyn Fn() -> bool| {
        clock.advance(STEP);
        let _ = op();
        repeat(n, op, Some(false))
    };
    match operation {
        "empty_loop" => repeat(n, || true, None),
        "baseline_load" => repeat(n, || word.load(Ordering::Relaxed) == 1, None),
        "baseline_fetch_add" => repeat(n, || word.fetch_add(1, Ordering::Relaxed) == 1, None),
        // The admit and reject loops around an operation that does nothing:
        // subtract these to get a limiter's own instructions.
        "harness_admit" => admit(&|| true),
        "harness_reject" => reject(&|| false),
        "failwell_admit" => {
            let limiter = new_failwell(STEP, 1);
            admit(&|| failwell_acquire(&limiter, &clock))
        }
        "failwell_reject" => {
            let limiter = new_failwell(STEP, 1);
            reject(&|| failwell_acquire(&limiter, &clock))
        }
        "governor_admit" => {
            let limiter = new_governor(STEP, 1, &clock);
            admit(&|| limiter.check().is_ok())
        }
        "governor_reject" => {
            let limiter = new_governor(STEP, 1, &clock);
            reject(&|| limiter.check().is_ok())
        }
        "ratelock_admit" => {
            let limiter = new_ratelock(STEP, 1, &clock);
            admit(&|| limiter.allow())
        }
        "ratelock_reject" => {
            let limiter = new_ratelock(STEP, 1, &clock);
            reject(&|| limiter.allow())
        }
        // A closed breaker's call whose inner function succeeds; these read
        // the real clock (failsafe) and need no clock advance.
        // The breaker loop around a call that reads the clock twice, as
        // failwell's adapter does, and does nothing else.
        "harness_breaker" => repeat(n, || clock.now() <= clock.now(), Some(true)),
        "failwell_success" => {
            check_failwell()?;
            let breaker = new_failwell_breaker::<100, 0>();
            repeat(n, || failwell_call_success(&breaker, &clock), Some(true))
        }
        "failwell_success_consecutive" => {
            check_failwell()?;
            let breaker = new_failwell_consecutive();
            repeat(n, || failwell_call_success(&breaker, &clock), Some(true))
        }
        "failwell_success_time_window" => {
            check_failwell()?;
            let breaker = new_failwell_breaker::<100, 10>();
            repeat(n, || failwell_call_success(&breaker, &clock), Some(true))
        }
        "failsafe_success" => {
            check_peers()?;
            let breaker = new_failsafe();
            repeat(n, || failsafe_call_success(&breaker), Some(true))
        }
        "recloser_success" => {
            check_peers()?;
            let breaker = new_recloser();
            repeat(n, || recloser_call_success(&breaker), Some(true))
        }
        // A bulkhead's slot taken and freed (the permit dropped), against
        // tokio's `Semaphore::try_acquire` and its permit dropped; subtract
        // `harness_bulkhead`, the same loop around an opaque `true`.
        "harness_bulkhead" => repeat(n, || black_box(true), Some(true)),
        // The same calls the criterion groups in benches/bulkhead.rs time.
        "failwell_bulkhead" => {
            let bulkhead = new_bulkhead();
            repeat(n, || bulkhead_acquire_release(&bulkhead), Some(true))
        }
        "tokio_semaphore" => {
            let semaphore = new_semaphore();
            repeat(n, || semaphore_acquire_release(&semaphore), Some(true))
        }
        other => Err(format!("unknown operation {other}; one of {OPERATIONS:?}")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|arg| arg == "--list") {
        // One per line, for `cargo xtask bench`.
        for operation in OPERATIONS {
            println!("{operation}");
        }
        return ExitCode::SUCCESS;
    }
    let (Some(operation), Some(Ok(n))) = (args.first(), args.get(1).map(|n| n.parse::<u64>()))
    else {
        eprintln!("usage: instructions <operation> <N>; operations: {OPERATIONS:?}");
        return ExitCode::FAILURE;
    };
    match run(operation, n) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("instructions: {operation}: {error}");
            ExitCode::FAILURE
        }
    }
}
