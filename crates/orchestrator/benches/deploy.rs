//! Deploy of one client file, fsyncs included, beside a bare write + fsync + rename (+ fsync
//! of the directory) of the same bytes, measured in the same run.
//!
//! Run: `cargo bench -p mcp-orchestrator --bench deploy -- --warm-up-time 1 --measurement-time 5`

use std::io::Write as _;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use orchestrator::Orchestrator;
use orchestrator::clock::FixedClock;
use orchestrator::home::Home;
use orchestrator::service::ClientFile;

const ORIGINAL: &str =
    "{\n  \"mcpServers\": {\n    \"mine\": {\"command\": \"user-tool\", \"args\": [\"--flag\"]}\n  }\n}\n";

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = Home::new(dir.path().join("home"));
    std::fs::create_dir_all(home.keys_dir()).expect("keys dir");
    std::fs::write(home.signing_key(), mcp_testkit::FIXED_KEY_A).expect("key");
    mcp_testkit::set_mode(&home.signing_key(), 0o600);
    let now = "2026-11-25T12:00:00Z".parse().expect("instant");
    let core = Orchestrator::new(home.clone(), Arc::new(FixedClock(now)));
    core.init(false).expect("init");
    let servers: serde_json::Value = serde_json::json!({"mcpServers": {
        "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/srv"]},
        "memory": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]},
        "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"}
    }});
    core.publish("cursor", "bench", &servers.to_string(), None, None).expect("publish");
    let target = dir.path().join("cursor").join("mcp.json");
    std::fs::create_dir_all(target.parent().expect("parent")).expect("dir");
    let file = ClientFile {
        client_id: "cursor".into(),
        path: target.clone(),
        placement: dialects::Placement::new(&["mcpServers"]),
    };
    // The bytes a deploy writes, for the bare baseline.
    std::fs::write(&target, ORIGINAL).expect("write");
    core.deploy(&file, "bench", false).expect("deploy");
    let deployed = std::fs::read(&target).expect("read");

    let mut group = c.benchmark_group("deploy");
    group.bench_function("baseline: write + fsync + rename + fsync dir", |b| {
        let dir_path = target.parent().expect("parent").to_path_buf();
        b.iter(|| {
            let temp = dir_path.join(".bench-tmp");
            let mut f = std::fs::File::create(&temp).expect("create");
            f.write_all(&deployed).expect("write");
            f.sync_all().expect("fsync");
            std::fs::rename(&temp, &target).expect("rename");
            std::fs::File::open(&dir_path).expect("open dir").sync_all().expect("fsync dir");
        })
    });
    group.bench_function("deploy one client file (verify, merge, backup, record, fsyncs)", |b| {
        b.iter_batched(
            || {
                std::fs::write(&target, ORIGINAL).expect("reset");
                let _ = std::fs::remove_dir_all(home.root().join("deployments").join("cursor"));
            },
            |()| core.deploy(&file, "bench", false).expect("deploy"),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
