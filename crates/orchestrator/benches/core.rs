//! Benchmarks of the core's hot paths on a ~2 KiB servers document, each reported against a
//! baseline measured in the same run: raw SHA-256 of the payload bytes plus one Ed25519
//! `verify_strict` over them (the least any verified read must do).
//!
//! Run: `cargo bench -p mcp-orchestrator --bench core -- --warm-up-time 1 --measurement-time 3`
//! (results and ratios are written up in BENCHMARKS.md).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signer as _, SigningKey};
use mcp_testkit::TestEnv;
use orchestrator::artifact::{self, Expectation};
use orchestrator::canonical;
use orchestrator::clock::FixedClock;
use orchestrator::home::Home;
use orchestrator::ids::{ClientId, ProfileId};
use orchestrator::{Orchestrator, events, keys, registry};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

const CLIENT: &str = "claude-desktop";
const PROFILE: &str = "bench";

fn now() -> jiff::Timestamp {
    mcp_testkit::FIXED_NOW.parse().expect("fixed instant")
}

fn benches(c: &mut Criterion) {
    let document = mcp_testkit::servers_of_size(2048);
    let payload = canonical::canonicalize_value(document.clone());
    let payload_bytes = payload.bytes().to_vec();
    let pretty_text = serde_json::to_string_pretty(&document).expect("serializes");
    eprintln!("payload: {} JCS bytes, {} bytes as pretty text", payload_bytes.len(), pretty_text.len());

    // (a) Baseline: SHA-256 of the payload bytes + verify_strict of a signature over them.
    let signing = SigningKey::from_bytes(&[1; 32]);
    let verifying = signing.verifying_key();
    let signature = signing.sign(&payload_bytes);
    c.bench_function("a_baseline_sha256_plus_verify_strict", |b| {
        b.iter(|| {
            let digest = Sha256::digest(black_box(&payload_bytes));
            verifying.verify_strict(black_box(&payload_bytes), &signature).expect("verifies");
            digest
        })
    });

    c.bench_function("part_sha256_payload", |b| b.iter(|| Sha256::digest(black_box(&payload_bytes))));
    c.bench_function("part_ed25519_verify_strict_payload", |b| {
        b.iter(|| verifying.verify_strict(black_box(&payload_bytes), &signature).expect("verifies"))
    });

    // (b) Canonicalize and hash: the JCS bytes and id of the document in memory (members in
    // the order they were written, as after a draft edit or a parse), then the same from text
    // (strict parse + JCS + hash), as `publish` does with a file.
    c.bench_function("b_jcs_and_id_of_document", |b| {
        b.iter(|| canonical::ContentId::of(&canonical::jcs(black_box(&document))))
    });
    let sorted_document: Value = serde_json::from_slice(&payload_bytes).expect("parses");
    c.bench_function("b_jcs_and_id_of_document_in_jcs_order", |b| {
        b.iter(|| canonical::ContentId::of(&canonical::jcs(black_box(&sorted_document))))
    });
    // The floor of a serde_json-based design: plain serialization of the document already in
    // JCS order, with no checks and no sorting.
    c.bench_function("part_plain_serde_json_to_vec_in_jcs_order", |b| {
        b.iter(|| serde_json::to_vec(black_box(&sorted_document)).expect("serializes"))
    });
    c.bench_function("part_reference_jcs_serde_json_canonicalizer", |b| {
        b.iter(|| serde_json_canonicalizer::to_vec(black_box(&document)).expect("serializes"))
    });
    c.bench_function("b_canonicalize_text_and_id_pretty", |b| {
        b.iter(|| canonical::canonicalize_text(black_box(&pretty_text)).expect("accepted").id().clone())
    });
    let jcs_text = String::from_utf8(payload_bytes.clone()).expect("UTF-8");
    c.bench_function("b_canonicalize_text_and_id_jcs_input", |b| {
        b.iter(|| canonical::canonicalize_text(black_box(&jcs_text)).expect("accepted").id().clone())
    });

    c.bench_function("part_plain_serde_json_parse_pretty", |b| {
        b.iter(|| serde_json::from_str::<Value>(black_box(&pretty_text)).expect("parses"))
    });
    c.bench_function("part_parse_strict_pretty", |b| {
        b.iter(|| canonical::parse_strict(black_box(&pretty_text)).expect("parses"))
    });
    c.bench_function("part_jcs_of_value", |b| b.iter(|| canonical::jcs(black_box(&document))));

    // A home with the fixed key, initialized, holding one version of the bench profile.
    let env = TestEnv::with_fixed_key();
    let orch = Orchestrator::new(Home::new(env.home()), Arc::new(FixedClock(now())));
    orch.init(false).expect("init");
    let published = orch.publish(CLIENT, PROFILE, &pretty_text, None, None).expect("publish");
    assert_eq!(published.payload_bytes(), &payload_bytes[..]);

    // (c) Publish through the Orchestrator (fsyncs included); every iteration is a new version.
    let mut group = c.benchmark_group("c_publish");
    group.sample_size(10);
    group.bench_function("orchestrator_publish", |b| {
        b.iter(|| orch.publish(CLIENT, PROFILE, black_box(&pretty_text), None, None).expect("publish"))
    });
    group.finish();

    // (d) Verified get of the head: read, parse, head lookup, hash, signature, trust, rollback.
    let home = Home::new(env.home());
    let client = ClientId::parse(CLIENT).expect("client");
    let profile = ProfileId::parse(PROFILE).expect("profile");
    c.bench_function("d_orchestrator_get", |b| b.iter(|| orch.get(black_box(CLIENT), PROFILE).expect("get")));
    let trust = keys::load_trust(&home).expect("trust");
    c.bench_function("d_registry_load_head", |b| {
        b.iter(|| registry::load_head(&home, &trust, &client, &profile, now()).expect("load_head"))
    });

    // Parts of a verified get, to see what dominates.
    let head = registry::head(&home, &client, &profile).expect("head").expect("published");
    let envelope = std::fs::read(home.envelope(&client, &profile, head.version)).expect("envelope");
    let stored_payload = std::fs::read(home.object(&head.artifact_id)).expect("payload");
    let expect =
        Expectation { client_id: CLIENT, profile_id: PROFILE, highest_seen: Some(head.version), now: Some(now()) };
    c.bench_function("part_artifact_verify_in_memory", |b| {
        b.iter(|| artifact::verify(black_box(&envelope), &stored_payload, &trust, &expect).expect("verifies"))
    });
    // What `verify --all` runs on the same bytes: every check, nothing built for the payload.
    let mut scratch = artifact::Scratch::default();
    c.bench_function("part_artifact_check_in_memory", |b| {
        b.iter(|| {
            let parsed = artifact::Envelope::parse(black_box(&envelope));
            artifact::check(&envelope, parsed.as_ref(), &stored_payload, &trust, &expect, &mut scratch).expect("passes")
        })
    });
    c.bench_function("part_is_canonical_envelope", |b| b.iter(|| canonical::is_canonical(black_box(&envelope))));
    let stored_text = String::from_utf8(stored_payload.clone()).expect("UTF-8");
    c.bench_function("part_parse_strict_payload", |b| {
        b.iter(|| canonical::parse_strict(black_box(&stored_text)).expect("parses"))
    });
    c.bench_function("part_keys_load_trust", |b| b.iter(|| keys::load_trust(black_box(&home)).expect("trust")));
    c.bench_function("part_read_head_seen_envelope_payload", |b| {
        b.iter(|| {
            let head = registry::head(&home, &client, &profile).expect("head").expect("published");
            let seen = registry::highest_seen(&home, &client, &profile).expect("seen");
            let envelope = std::fs::read(home.envelope(&client, &profile, head.version)).expect("envelope");
            let payload = std::fs::read(home.object(&head.artifact_id)).expect("payload");
            (seen, envelope, payload)
        })
    });
    let event = events::Event {
        ts: now(),
        event_type: "orchestrator.bench_started".into(),
        trace_id: events::new_trace_id(),
        status: events::Status::Pending,
        duration_ms: 0.0,
        metadata: Map::new(),
    };
    let scratch = TestEnv::new();
    let scratch_home = Home::new(scratch.home());
    c.bench_function("part_events_append", |b| {
        b.iter(|| events::append(&scratch_home, black_box(&event)).expect("append"))
    });
}

criterion_group!(core, benches);
criterion_main!(core);
