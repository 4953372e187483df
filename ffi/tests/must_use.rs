//! Which C functions are marked must-use (`FAILWELL_MUST_USE`, gcc and
//! clang's `warn_unused_result`): those whose status a caller must look at,
//! and no others, because gcc does not let a `(void)` cast silence the
//! attribute. The rule is C ABI convention 13 in docs/ARCHITECTURE.md; this
//! reads the checked-in header (kept fresh by `cargo xtask header --check`),
//! so a new function must be put in one list or the other.

/// Ignoring the status is a bug: the object is not set up, the decision
/// not acted on, or the out-value not written.
const MUST_USE: &[&str] = &[
    "failwell_limiter_init",
    "failwell_limiter_acquire",
    "failwell_limiter_snapshot",
    "failwell_limiter_capacity",
    "failwell_breaker_config_default",
    "failwell_breaker_init",
    "failwell_breaker_acquire",
    "failwell_breaker_snapshot",
];

/// The status may be ignored: operator actions, which fail only on a bad
/// object pointer and then change nothing, and outcome reports, whose
/// usual statuses (OK and PERMIT_STALE) both leave the permit done with.
const MAY_IGNORE: &[&str] = &[
    "failwell_limiter_reset",
    "failwell_breaker_force_open",
    "failwell_breaker_disable",
    "failwell_breaker_reset",
    "failwell_breaker_success",
    "failwell_breaker_failure",
    "failwell_breaker_latency",
    "failwell_breaker_failure_latency",
    "failwell_breaker_ignore",
];

/// Functions that return no status.
const NO_STATUS: &[&str] = &["failwell_status_str", "failwell_version"];

/// Every function the header declares: its name, whether it returns a
/// status, and whether the line before it is `FAILWELL_MUST_USE`.
fn declarations(header: &str) -> Vec<(String, bool, bool)> {
    let lines: Vec<&str> = header.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        // A declaration starts in column 0: `<return type> failwell_<name>(`.
        let Some((head, _)) = line.split_once('(') else {
            continue;
        };
        let Some((return_type, name)) = head.rsplit_once(' ') else {
            continue;
        };
        let name = name.trim_start_matches('*');
        if line.starts_with([' ', '/', '#']) || !name.starts_with("failwell_") {
            continue;
        }
        let marked = i > 0 && lines[i - 1].trim() == "FAILWELL_MUST_USE";
        found.push((name.to_owned(), return_type == "failwell_status_t", marked));
    }
    found
}

#[test]
fn exactly_the_statuses_that_must_be_checked_are_must_use() {
    let header = include_str!("../../bindings/c/failwell.h");
    let found = declarations(header);
    assert_eq!(
        found.len(),
        MUST_USE.len() + MAY_IGNORE.len() + NO_STATUS.len(),
        "every function is in one list: {found:?}"
    );
    for (name, returns_status, marked) in &found {
        let must = MUST_USE.contains(&name.as_str());
        let may = MAY_IGNORE.contains(&name.as_str());
        let none = NO_STATUS.contains(&name.as_str());
        assert!(must || may || none, "{name} is in no list");
        assert_eq!(*returns_status, !none, "{name}: returns a status?");
        assert_eq!(*marked, must, "{name}: FAILWELL_MUST_USE?");
    }
}
