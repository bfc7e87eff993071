//! The scale benchmark's tools (`bench/scale.sh`):
//!
//! - `build`: a bench-only bulk builder that adds profiles with many versions to an initialized
//!   home, signed with the home's key in the store's own layout (objects, envelopes, heads,
//!   rollback floors), written without fsync and spread over the cores. Only building is
//!   shortcut; everything measured runs the product's own code.
//! - `raw-verify`: the raw limit of Ed25519 `verify_strict` plus SHA-256 of the payload, on one
//!   and on every core, over a real statement and payload of the home.
//! - `cli`: the median wall time of running one `mcp-orchestration` command N times.
//! - `tool`: the p50 of one MCP tool called over a stdio session.
//! - `rss`: the server's RSS after `get_config` of every profile of a client.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use ed25519_dalek::{Signer as _, SigningKey};
use orchestrator::artifact::{self, Statement};
use orchestrator::canonical;
use orchestrator::crypto;
use orchestrator::home::Home;
use orchestrator::ids::{ClientId, ProfileId};
use orchestrator::keys;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use crate::{Server, session_loop_tool, vm_rss_mib};

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// An initialized home.
    #[arg(long)]
    home: PathBuf,
    #[arg(long, default_value = "cursor")]
    client: String,
    /// Profiles to add (`bulk00000`, `bulk00001`, …).
    #[arg(long)]
    profiles: usize,
    /// Versions per profile.
    #[arg(long)]
    versions: u64,
}

#[derive(clap::Args, Debug)]
pub struct RawArgs {
    /// A home with at least one profile of `client`.
    #[arg(long)]
    home: PathBuf,
    #[arg(long, default_value = "cursor")]
    client: String,
    #[arg(long, default_value = "default")]
    profile: String,
    /// Verifications per core.
    #[arg(long, default_value_t = 20_000)]
    count: usize,
}

#[derive(clap::Args, Debug)]
pub struct CliArgs {
    #[arg(long)]
    bin: PathBuf,
    #[arg(long)]
    home: PathBuf,
    /// Measured runs (after 2 unmeasured ones).
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// A file removed (if present) before each run, outside the timed span: a cache the
    /// command would otherwise find (say, the profile name index).
    #[arg(long)]
    remove_before: Option<PathBuf>,
    /// The command's arguments (after `--`).
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct ToolArgs {
    #[arg(long)]
    bin: PathBuf,
    #[arg(long)]
    home: PathBuf,
    #[arg(long)]
    tool: String,
    /// The tool's arguments, JSON.
    #[arg(long, default_value = "{}")]
    arguments: String,
    #[arg(long, default_value_t = 2000)]
    requests: u64,
}

#[derive(clap::Args, Debug)]
pub struct RssArgs {
    #[arg(long)]
    bin: PathBuf,
    #[arg(long)]
    home: PathBuf,
    #[arg(long, default_value = "cursor")]
    client: String,
}

/// One result line on stdout (the script reads it).
fn print_json(value: &Value) -> anyhow::Result<()> {
    use std::io::Write as _;
    writeln!(std::io::stdout().lock(), "{value}").context("writing to stdout")
}

fn payload(n: u64) -> canonical::Canonical {
    canonical::canonicalize_value(json!({"mcpServers": {
        "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", format!("/srv/{n}")]},
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                   "env": {"LOG_LEVEL": "info"}},
    }}))
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Adds the profiles: per version an envelope signed by the home's key chained on the one
/// before, its object, then the head and the floor. No fsync (bench-only).
pub fn build(args: &BuildArgs) -> anyhow::Result<()> {
    let home = Home::new(&args.home);
    let key = keys::load_signing_key(&home).context("the home's signing key (run init-configs first)")?;
    let client = ClientId::parse(&args.client).context("client")?;
    let objects: Vec<canonical::Canonical> = (0..16).map(payload).collect();
    for object in &objects {
        write(&home.object(object.id()), object.bytes())?;
    }
    std::fs::create_dir_all(home.heads_dir(&client))?;
    std::fs::create_dir_all(home.seen(&client, &ProfileId::parse("x")?).parent().context("seen dir")?)?;
    let now = jiff::Timestamp::now();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (key, client, objects, home) = (&key, &client, &objects, &home);
                scope.spawn(move || -> anyhow::Result<()> {
                    for i in (w..args.profiles).step_by(workers) {
                        let profile = ProfileId::parse(&format!("bulk{i:05}"))?;
                        std::fs::create_dir_all(home.history_dir(client, &profile))?;
                        let mut previous = None;
                        for version in 1..=args.versions {
                            let object = &objects[((i as u64 + version) % objects.len() as u64) as usize];
                            let statement = Statement {
                                statement_type: crypto::STATEMENT_TYPE.to_owned(),
                                artifact_id: object.id().clone(),
                                client_id: client.to_string(),
                                profile_id: profile.to_string(),
                                version,
                                previous: previous.replace(object.id().clone()),
                                created_at: now,
                                expires_at: None,
                                metadata: Map::new(),
                            };
                            write(&home.envelope(client, &profile, version), &artifact::seal(&statement, key))?;
                        }
                        let id = previous.context("at least one version")?;
                        let head = json!({"version": args.versions, "artifact_id": id});
                        write(&home.head(client, &profile), format!("{head:#}\n").as_bytes())?;
                        let seen = json!({"highest_version": args.versions});
                        write(&home.seen(client, &profile), format!("{seen:#}\n").as_bytes())?;
                    }
                    Ok(())
                })
            })
            .collect();
        for handle in handles {
            handle.join().map_err(|_| anyhow::anyhow!("a builder thread panicked"))??;
        }
        Ok(())
    })?;
    eprintln!(
        "built {} profiles × {} versions in {:.1} s",
        args.profiles,
        args.versions,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Verifications per second of `verify_strict` over the statement's PAE plus SHA-256 of the
/// payload, on one core and on every core.
pub fn raw_verify(args: &RawArgs) -> anyhow::Result<()> {
    let home = Home::new(&args.home);
    let client = ClientId::parse(&args.client)?;
    let profile = ProfileId::parse(&args.profile)?;
    let envelope: Value = serde_json::from_slice(&std::fs::read(home.envelope(&client, &profile, 1))?)?;
    let statement = serde_json::to_vec(&envelope["statement"])?;
    let id = envelope["statement"]["artifact_id"].as_str().context("artifact id")?;
    let payload = std::fs::read(home.object(&canonical::ContentId::parse(id)?))?;
    let message = crypto::pae(crypto::STATEMENT_TYPE, &statement);
    let signing = SigningKey::from_bytes(&[7; 32]);
    let signature = signing.sign(&message);
    let verifying = signing.verifying_key();
    let one = |count: usize| {
        for _ in 0..count {
            verifying.verify_strict(&message, &signature).expect("verifies");
            std::hint::black_box(Sha256::digest(&payload));
        }
    };
    one(1000);
    let started = Instant::now();
    one(args.count);
    let single = args.count as f64 / started.elapsed().as_secs_f64();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| one(args.count));
        }
    });
    let all = (workers * args.count) as f64 / started.elapsed().as_secs_f64();
    print_json(&json!({"one_core_per_sec": single, "all_cores_per_sec": all, "cores": workers,
               "message_bytes": message.len(), "payload_bytes": payload.len()}))
}

/// The median wall time (ms) of running the command.
pub fn cli(args: &CliArgs) -> anyhow::Result<()> {
    let once = || -> anyhow::Result<Duration> {
        if let Some(path) = &args.remove_before {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        let started = Instant::now();
        let status = Command::new(&args.bin)
            .arg("--home")
            .arg(&args.home)
            .args(&args.command)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        let elapsed = started.elapsed();
        ensure!(status.success(), "{:?} failed: {status}", args.command);
        Ok(elapsed)
    };
    once()?;
    once()?;
    let mut samples = (0..args.runs).map(|_| once()).collect::<anyhow::Result<Vec<_>>>()?;
    samples.sort_unstable();
    let median = samples[samples.len() / 2].as_secs_f64() * 1000.0;
    print_json(&json!({"command": args.command, "median_ms": median, "runs": args.runs}))
}

/// The p50 (µs) and rate of one tool over a stdio session.
pub fn tool(args: &ToolArgs) -> anyhow::Result<()> {
    let arguments: Value = serde_json::from_str(&args.arguments).context("--arguments is not JSON")?;
    let mut server = Server::spawn(&args.bin, &args.home)?;
    server.handshake()?;
    let params = json!({"name": args.tool, "arguments": arguments});
    let summary = session_loop_tool(&mut server, &args.tool, &params, args.requests)?;
    server.close()?;
    print_json(&json!({"tool": args.tool, "p50_us": summary.p50_us, "per_sec": summary.per_sec}))
}

/// RSS (MiB) of a stdio server after `get_config` of every profile of the client.
pub fn rss(args: &RssArgs) -> anyhow::Result<()> {
    let home = Home::new(&args.home);
    let client = ClientId::parse(&args.client)?;
    let mut names: Vec<String> = std::fs::read_dir(home.heads_dir(&client))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok()?.strip_suffix(".json").map(str::to_owned))
        .collect();
    names.sort();
    let mut server = Server::spawn(&args.bin, home.root())?;
    server.handshake()?;
    let before = vm_rss_mib(server.pid())?;
    for (i, name) in names.iter().enumerate() {
        let params = json!({"name": "get_config", "arguments": {"client_id": args.client, "profile_id": name}});
        let reply = server.call(i as u64 + 1, "tools/call", params)?;
        ensure!(reply.pointer("/result/isError") != Some(&Value::Bool(true)), "get_config {name}: {reply}");
    }
    let after = vm_rss_mib(server.pid())?;
    server.close()?;
    print_json(&json!({"profiles": names.len(), "rss_before_mib": before, "rss_after_mib": after}))
}
