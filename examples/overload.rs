//! The main demo: a rate limiter driven into overload, tier by tier.
//!
//! A service admits 1,000 requests per second (bursts of 100; 20 of them
//! reserved for Essential work and 20 more for Important work). Simulated
//! traffic runs through four phases on a millisecond clock; within each
//! millisecond Optional requests arrive first, so they get every chance to
//! crowd out the rest. The table shows what each tier got: Optional is shed
//! first, Important next, and Essential keeps flowing.
//!
//! Run: `cargo run --release -p failwell-examples --bin overload`

use failwell::{LimiterConfig, RateLimiter, Rejection, Tier};

/// Ticks are milliseconds in this demo.
const SECOND: u64 = 1_000;

struct Phase {
    name: &'static str,
    seconds: u64,
    /// Requests per second offered by Essential, Important, Optional.
    offered: [u64; 3],
}

const PHASES: [Phase; 4] = [
    Phase {
        name: "normal",
        seconds: 5,
        offered: [200, 200, 300],
    },
    Phase {
        name: "overload x1.5",
        seconds: 5,
        offered: [400, 500, 600],
    },
    Phase {
        name: "overload x2.3",
        seconds: 5,
        offered: [500, 800, 1_000],
    },
    Phase {
        name: "recovery",
        seconds: 5,
        offered: [200, 200, 300],
    },
];

/// Tiers in the order their requests arrive within each millisecond.
const ARRIVAL_ORDER: [Tier; 3] = [Tier::Optional, Tier::Important, Tier::Essential];

fn main() {
    let config = LimiterConfig::new(1_000, SECOND, 100).with_reserve(20, 20);
    let limiter = match RateLimiter::new(config) {
        Ok(limiter) => limiter,
        Err(error) => {
            eprintln!("invalid config: {error}");
            std::process::exit(1);
        }
    };
    println!("failwell overload demo: 1000 req/s, burst 100 (20 reserved for Essential, 20 more for Important)");
    println!(
        "offered/s: requests per second each tier sends (Essential/Important/Optional); the tier columns \
         count the requests admitted\n(and their share of those offered); max wait ms: the longest \
         retry_after a refused request was given, in ms.\n"
    );
    println!(
        "{:<15} {:>4}   {:>17}   {:>14} {:>14} {:>14}   {:>12}",
        "phase", "secs", "offered/s E/I/O", "Essential", "Important", "Optional", "max wait ms"
    );
    let mut start = 0;
    for phase in &PHASES {
        let (admitted, max_wait) = run_phase(&limiter, phase, start);
        let offered = phase.offered.map(|per_second| per_second * phase.seconds);
        let cell = |tier: Tier| {
            let i = tier as usize;
            format!(
                "{:>5} ({:>3}%)",
                admitted[i],
                admitted[i] * 100 / offered[i].max(1)
            )
        };
        println!(
            "{:<15} {:>4}   {:>17}   {:>14} {:>14} {:>14}   {:>12}",
            phase.name,
            phase.seconds,
            format!(
                "{}/{}/{}",
                phase.offered[0], phase.offered[1], phase.offered[2]
            ),
            cell(Tier::Essential),
            cell(Tier::Important),
            cell(Tier::Optional),
            max_wait,
        );
        start += phase.seconds * SECOND;
    }
    let snapshot = limiter.snapshot(start);
    println!(
        "\nat the end: Essential could take {}, Important {}, Optional {} more right now.",
        snapshot.essential, snapshot.important, snapshot.optional
    );
}

/// Runs one phase from tick `start`; returns admissions per tier and the
/// longest `retry_after` a refused request was told.
fn run_phase(limiter: &RateLimiter, phase: &Phase, start: u64) -> ([u64; 3], u64) {
    let mut admitted = [0u64; 3];
    let mut max_wait = 0;
    for ms in 0..phase.seconds * SECOND {
        for tier in ARRIVAL_ORDER {
            // Requests of this tier due in this millisecond, evenly spaced.
            let rate = phase.offered[tier as usize];
            let due = (ms + 1) * rate / SECOND - ms * rate / SECOND;
            for _ in 0..due {
                match limiter.try_acquire(start + ms, 1, tier) {
                    Ok(()) => admitted[tier as usize] += 1,
                    Err(Rejection::RateLimited { retry_after }) => {
                        max_wait = max_wait.max(retry_after)
                    }
                    Err(other) => eprintln!("unexpected rejection: {other}"),
                }
            }
        }
    }
    (admitted, max_wait)
}
