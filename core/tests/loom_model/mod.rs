//! The one way every loom model here is run: see [`model`]. Included by
//! `loom.rs` and `loom_breaker.rs`.

/// Every model explores with a preemption bound that never binds (no
/// execution here comes near 200 preemptions): loom 0.7's DPOR remembers
/// only the last access to each object, so a thread's own load right
/// before its write hides an earlier load by another thread, and the
/// interleaving where the write comes first is never run (a thread that
/// loads then writes, spawned after one that only loads: loom runs the
/// reader first only). With a bound, loom adds the conservative backtrack
/// points of bounded DPOR, which cover it. (A load by the main thread
/// racing spawned threads is missed either way, tokio-rs/loom#392: every
/// concurrent step here runs on a spawned thread.)
pub fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(200);
    builder.check(f);
}
