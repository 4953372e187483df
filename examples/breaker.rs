//! The circuit breaker in front of a dependency that fails, heals, relapses
//! and heals again.
//!
//! Simulated traffic on a millisecond clock: 100 calls per second of each
//! tier (Essential, Important, Optional). The dependency is healthy, then
//! fails every call for 3 s, heals, relapses while the breaker is still
//! ramping traffic back up, and heals for good. Each row is half a second:
//! what each tier got through, the breaker's state, and the transitions that
//! happened, drained from an `EventRing`.
//!
//! Run: `cargo run --release -p failwell-examples --bin breaker`

use failwell::breaker::{Breaker, Config, EventRing, Rejection, State};
use failwell::Tier;

/// Ticks are milliseconds in this demo.
const SECOND: u64 = 1_000;
const ROW: u64 = SECOND / 2;
const END: u64 = 18 * SECOND;

/// Whether the dependency answers a call at `now`.
fn healthy(now: u64) -> bool {
    !(2 * SECOND..5 * SECOND).contains(&now) && !(8_200..9_500).contains(&now)
}

static EVENTS: EventRing<32> = EventRing::new();

fn main() {
    let config = Config::new(SECOND) // open 1 s after a trip...
        .trip_on_consecutive_failures(10)
        .trip_on_failure_rate(500, 20) // ...or at half of the last 50 calls failing
        .backoff(2_000, 8 * SECOND, 10 * SECOND) // doubling per relapse, up to 8 s
        .half_open(3, 5, 2, 200) // 3 probes at once; 5 good close, 2 bad reopen
        .ramp(&[100, 250, 500], SECOND); // then 10 %, 25 %, 50 %, 1 s each
    let breaker: Breaker<50, 0, _> = match Breaker::with_observer(config, &EVENTS) {
        Ok(breaker) => breaker,
        Err(error) => {
            eprintln!("invalid config: {error}");
            std::process::exit(1);
        }
    };
    println!(
        "failwell breaker demo: 100 calls/s per tier; the dependency fails 2.0-5.0 s and 8.2-9.5 s"
    );
    println!(
        "breaker: opens for 1 s after 10 failures in a row, or when half of the last 50 calls (at least 20) \
         failed;\n  each relapse doubles the open time, up to 8 s (it starts over after 10 s healthy);\n  \
         half-open: 3 probes at once, 5 successes close it, 2 failures reopen it;\n  then a ramp: \
         Essential gets 10 %, 25 %, 50 % of its calls through, 1 s each, Important one stage later, \
         Optional two."
    );
    println!(
        "each row is 0.5 s, in which each tier offers 50 calls: the tier columns count the calls admitted, \
         `failed` those of them that failed.\n"
    );
    println!(
        "{:>6}  {:>9}  {:>9}  {:>9}  {:>9}  {:<16} transitions",
        "time", "essential", "important", "optional", "failed", "state"
    );
    let mut admitted = [0u32; 3];
    let mut failed = 0u32;
    let mut refused_open = 0u32;
    for now in 0..END {
        // One call per tier every 10 ms, staggered.
        for tier in Tier::ALL {
            if (now + tier as u64 * 3) % 10 != 0 {
                continue;
            }
            match breaker.try_acquire(now, tier) {
                Ok(permit) => {
                    admitted[tier as usize] += 1;
                    // Each call takes 2 ms.
                    if healthy(now) {
                        let _ = permit.success(now + 2);
                    } else {
                        failed += 1;
                        let _ = permit.failure(now + 2);
                    }
                }
                Err(Rejection::Open { .. }) => refused_open += 1,
                Err(_) => {}
            }
        }
        if (now + 1) % ROW == 0 {
            let snapshot = breaker.snapshot(now);
            let state = match (snapshot.state, snapshot.ramp_stage) {
                (State::Closed, 0) => "Closed".to_owned(),
                (State::Closed, stage) => format!("Closed, ramp {stage}"),
                (state, _) => format!("{state:?}"),
            };
            let mut transitions = Vec::new();
            while let Some(event) = EVENTS.pop() {
                transitions.push(format!(
                    "{:?}->{:?} at {} ms ({:?})",
                    event.from, event.to, event.at, event.reason
                ));
            }
            println!(
                "{:>5.1}s  {:>9}  {:>9}  {:>9}  {:>9}  {:<16} {}",
                (now + 1) as f64 / SECOND as f64,
                admitted[0],
                admitted[1],
                admitted[2],
                failed,
                state,
                transitions.join("; ")
            );
            admitted = [0; 3];
            failed = 0;
        }
    }
    println!(
        "\n{refused_open} calls were refused at once while the breaker was open, instead of waiting on a failing dependency."
    );
    println!(
        "Essential and Important probe; Optional waits for the ramp, one stage behind Important."
    );
}
