//! The adaptive limit against a simulated dependency whose capacity halves
//! mid-run: the limit follows it, Essential work is never refused, Optional
//! work is shed first. Deterministic: simulated ticks, no threads.
//!
//! The dependency serves `capacity` calls at once in `BASE` ticks each;
//! beyond that, calls share it and each takes `BASE × in_flight / capacity`
//! (a queue builds up). Workers of each tier call it in a closed loop: a
//! worker with no call in flight asks for a slot every tick.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use failwell::bulkhead::{Bulkhead, Config, Permit};
use failwell::Tier;

/// Latency of a call when the dependency is not overloaded, in ticks.
const BASE: u64 = 100;
/// Workers per tier: few Essential, and more Important and Optional than
/// any limit lets through, so that the limit, not the workers, bounds the
/// calls in flight.
const WORKERS: [usize; 3] = [1, 60, 120];

struct Run {
    /// The limit at every tick of the first and of the second half.
    limits: [Vec<u32>; 2],
    /// Calls in flight at every tick, likewise: the load the dependency sees.
    in_flight: [Vec<u32>; 2],
    rejected: [u64; 3],
    admitted: [u64; 3],
}

fn simulate(config: Config, capacities: [u32; 2], ticks_per_phase: u64) -> Run {
    let bulkhead = Bulkhead::new(config).unwrap();
    // (completion tick, worker) of every call in flight; the permits by worker.
    let mut calls: BinaryHeap<Reverse<(u64, usize)>> = BinaryHeap::new();
    let workers: Vec<Tier> = Tier::ALL
        .iter()
        .zip(WORKERS)
        .flat_map(|(&tier, n)| std::iter::repeat_n(tier, n))
        .collect();
    let mut permits: Vec<Option<Permit<'_>>> = workers.iter().map(|_| None).collect();
    let mut run = Run {
        limits: [Vec::new(), Vec::new()],
        in_flight: [Vec::new(), Vec::new()],
        rejected: [0; 3],
        admitted: [0; 3],
    };
    for now in 0..2 * ticks_per_phase {
        let phase = usize::from(now >= ticks_per_phase);
        let capacity = u64::from(capacities[phase]);
        while let Some(&Reverse((done, worker))) = calls.peek() {
            if done > now {
                break;
            }
            calls.pop();
            permits[worker].take().unwrap().success(now);
        }
        for (worker, &tier) in workers.iter().enumerate() {
            if permits[worker].is_some() {
                continue;
            }
            match bulkhead.try_acquire(now, tier) {
                Ok(permit) => {
                    let in_flight = u64::from(bulkhead.snapshot().in_flight.iter().sum::<u32>());
                    let latency = BASE * in_flight.max(capacity) / capacity;
                    calls.push(Reverse((now + latency, worker)));
                    permits[worker] = Some(permit);
                    run.admitted[tier as usize] += 1;
                }
                Err(_) => run.rejected[tier as usize] += 1,
            }
        }
        let snapshot = bulkhead.snapshot();
        run.limits[phase].push(snapshot.limit);
        run.in_flight[phase].push(snapshot.in_flight.iter().sum());
    }
    run
}

/// Round trips (of `BASE` ticks) after the halving until the calls in
/// flight, averaged over blocks of 10 round trips, stay within `low..=high`;
/// `None` if the last block is outside.
fn settled_after(in_flight: &[u32], low: f64, high: f64) -> Option<u64> {
    let block = 10 * BASE as usize;
    let means: Vec<f64> = in_flight.chunks(block).map(mean).collect();
    match means.iter().rposition(|m| !(low..=high).contains(m)) {
        None => Some(0),
        Some(i) if i + 1 < means.len() => Some((i as u64 + 1) * 10),
        Some(_) => None,
    }
}

fn mean(values: &[u32]) -> f64 {
    values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64
}

fn report(name: &str, run: &Run, capacities: [u32; 2]) {
    let tail = |values: &[u32]| mean(&values[values.len() * 3 / 4..]);
    println!(
        "{name}: capacity {} then {}; over each phase's last quarter, mean limit {:.1} then \
         {:.1}, mean calls in flight {:.1} then {:.1}; admitted {:?}, refused {:?} \
         (Essential, Important, Optional)",
        capacities[0],
        capacities[1],
        tail(&run.limits[0]),
        tail(&run.limits[1]),
        tail(&run.in_flight[0]),
        tail(&run.in_flight[1]),
        run.admitted,
        run.rejected
    );
}

#[test]
fn a_gradient_limit_follows_the_capacity_down_and_essential_is_never_refused() {
    let capacities = [40, 20];
    // Starts at 40, between 4 and 100; queue 2; 20 % smoothing; the
    // long-term latency over 600 windows (the Java default); windows of 20
    // latencies.
    let config = Config::new(40)
        .tier_shares(850, 600)
        .gradient(4, 100, 200, 2, 600)
        .window(20, u64::MAX);
    let run = simulate(config, capacities, 400 * BASE);
    report("gradient", &run, capacities);
    // The bound: the calls in flight within 20 % of the new capacity
    // (16..=24) within 100 round trips of the halving, and they stay there.
    let settled = settled_after(&run.in_flight[1], 16.0, 24.0);
    println!("gradient: in flight within 16..=24 after {settled:?} round trips");
    assert!(settled.is_some_and(|rt| rt <= 100), "{settled:?}");
    assert_eq!(run.rejected[0], 0, "Essential refused");
    assert!(run.rejected[2] > 0, "Optional was never shed");
    assert!(
        run.rejected[2] > run.rejected[1],
        "Optional shed before Important"
    );
}

#[test]
fn an_aimd_limit_follows_the_capacity_down_and_essential_is_never_refused() {
    let capacities = [40, 20];
    // A call slower than 1.25 × BASE is a drop: the dependency is past its
    // capacity by a quarter.
    let config = Config::new(40)
        .tier_shares(850, 600)
        .aimd(4, 100, 900, BASE * 5 / 4)
        .window(20, u64::MAX);
    let run = simulate(config, capacities, 400 * BASE);
    report("aimd", &run, capacities);
    // Within 20 % of the new capacity on the low side and its timeout's
    // 25 % on the high side (16..=25), within 100 round trips.
    let settled = settled_after(&run.in_flight[1], 16.0, 25.0);
    println!("aimd: in flight within 16..=25 after {settled:?} round trips");
    assert!(settled.is_some_and(|rt| rt <= 100), "{settled:?}");
    assert_eq!(run.rejected[0], 0, "Essential refused");
    assert!(
        run.rejected[2] > run.rejected[1],
        "Optional shed before Important"
    );
}
