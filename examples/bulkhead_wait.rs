//! A thread pool that waits for a bulkhead's slot instead of failing fast.
//!
//! failwell's core never blocks: `try_acquire` answers at once, because the
//! same code runs in interrupt handlers and on cores with no threads to
//! park, and because how to wait (a condition variable, an async waker, an
//! RTOS semaphore, a bounded spin) belongs to the application. This demo
//! shows the pattern on std threads: a `Condvar` the application notifies
//! whenever it frees a slot, and waiters that try again when woken, with a
//! deadline so that a stuck dependency cannot hold a worker forever.
//!
//! 8 workers run 200 jobs against a dependency limited to 3 calls at once;
//! Optional jobs give up after 20 ms of waiting, Essential jobs wait up to
//! 2 s. It prints how many jobs of each tier ran and gave up, and the most
//! calls ever in flight (never above 3).
//!
//! Run: `cargo run --release -p failwell-examples --bin bulkhead_wait`

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use failwell::bulkhead::{Bulkhead, Config, Permit};
use failwell::Tier;

/// The bulkhead and the wake-up the application adds to it.
struct Compartment {
    bulkhead: Bulkhead,
    /// Notified after every release; the mutex guards nothing but the wait.
    freed: Condvar,
    lock: Mutex<()>,
}

/// A slot that wakes a waiter when it is freed.
struct Slot<'a> {
    permit: Option<Permit<'a>>,
    compartment: &'a Compartment,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        drop(self.permit.take());
        // Taking the lock orders this notification after a waiter's failed
        // try: a waiter that failed to get a slot is either still holding
        // the lock (and will see this slot on its next try) or waiting.
        let _guard = self.compartment.lock.lock().unwrap();
        self.compartment.freed.notify_one();
    }
}

impl Compartment {
    /// A slot of `tier`, waiting at most `patience` for one to free.
    fn acquire(&self, tier: Tier, patience: Duration) -> Option<Slot<'_>> {
        let deadline = Instant::now() + patience;
        let mut guard = self.lock.lock().unwrap();
        loop {
            if let Ok(permit) = self.bulkhead.try_acquire(0, tier) {
                return Some(Slot {
                    permit: Some(permit),
                    compartment: self,
                });
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            guard = self.freed.wait_timeout(guard, left).unwrap().0;
        }
    }
}

fn main() {
    let compartment = Arc::new(Compartment {
        bulkhead: Bulkhead::new(Config::new(3).tier_shares(1_000, 667)).unwrap(),
        freed: Condvar::new(),
        lock: Mutex::new(()),
    });
    let in_flight = Arc::new(AtomicU32::new(0));
    let most = Arc::new(AtomicU32::new(0));
    let ran = Arc::new([AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)]);
    let gave_up = Arc::new([AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)]);
    let jobs = Arc::new(AtomicU32::new(200));
    let workers: Vec<_> = (0..8)
        .map(|worker| {
            let (c, in_flight, most) = (compartment.clone(), in_flight.clone(), most.clone());
            let (ran, gave_up, jobs) = (ran.clone(), gave_up.clone(), jobs.clone());
            thread::spawn(move || {
                // Take a job while any is left (never below zero).
                while jobs
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                        left.checked_sub(1)
                    })
                    .is_ok()
                {
                    // Worker 0 runs Essential jobs, the rest Optional ones.
                    let (tier, patience) = if worker == 0 {
                        (Tier::Essential, Duration::from_secs(2))
                    } else {
                        (Tier::Optional, Duration::from_millis(20))
                    };
                    let Some(slot) = c.acquire(tier, patience) else {
                        gave_up[tier as usize].fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    // The call to the dependency.
                    thread::sleep(Duration::from_millis(5));
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    drop(slot);
                    ran[tier as usize].fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let count = |counts: &[AtomicU32; 3], tier: Tier| counts[tier as usize].load(Ordering::Relaxed);
    for tier in [Tier::Essential, Tier::Optional] {
        println!(
            "{tier:?}: {} ran, {} gave up waiting",
            count(&ran, tier),
            count(&gave_up, tier)
        );
    }
    let most = most.load(Ordering::SeqCst);
    println!("most calls in flight at once: {most} (the limit is 3)");
    assert!(most <= 3, "the bulkhead let {most} calls through at once");
    assert_eq!(compartment.bulkhead.snapshot().in_flight, [0, 0, 0]);
}
