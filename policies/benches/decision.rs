//! One access decision: a staff member's roles, then the permission lookup.
//!
//! `cargo bench -p policies --bench decision`. Targets: under 2 µs with the baseline policy,
//! under 10 µs with 10,000 extra rules. casbin's own enforcer is measured beside it for
//! comparison: it evaluates the matcher once per rule.

#![allow(clippy::unwrap_used)]

use casbin::CoreApi;
use criterion::{Criterion, criterion_group, criterion_main};
use policies::{Action, Grant, PolicySet, PolicySnapshot, Resource, Role};
use std::hint::black_box;

fn policy(extra_grants: usize) -> PolicySet {
    let mut grants = vec![Grant::parse("alice", "cx").unwrap(), Grant::parse("owen", "ops").unwrap()];
    // Extra rules: role grants of synthetic staff. Permissions cannot grow past the closed
    // vocabulary (roles × resource actions), so grants are where a real policy grows.
    grants.extend((0..extra_grants).map(|i| Grant::parse(&format!("staff-{i}"), Role::ALL[i % 5].as_str()).unwrap()));
    PolicySet::new(PolicySet::baseline().unwrap().permissions().copied(), grants)
}

fn decisions(c: &mut Criterion) {
    for (label, extra) in [("baseline", 0), ("10k_extra_rules", 10_000)] {
        let snapshot = PolicySnapshot::new(policy(extra));
        c.bench_function(&format!("decision/{label}/allowed"), |b| {
            b.iter(|| snapshot.decide_for(black_box("owen"), black_box(Resource::Claim), black_box(Action::Clinical)))
        });
        c.bench_function(&format!("decision/{label}/denied"), |b| {
            b.iter(|| {
                snapshot.decide_for(black_box("alice"), black_box(Resource::CareRecord), black_box(Action::Clinical))
            })
        });
    }

    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let enforcer = runtime.block_on(policies::explain::enforcer(&policy(0))).unwrap();
    c.bench_function("casbin_enforce/baseline/denied", |b| {
        b.iter(|| enforcer.enforce(black_box(("alice", "care_record", "clinical"))).unwrap())
    });
}

criterion_group!(benches, decisions);
criterion_main!(benches);
