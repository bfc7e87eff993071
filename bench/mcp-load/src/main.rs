//! `mcp-load`: a lean load client for the mcp-orchestration MCP server (issue 6).
//!
//! `mcp-load stdio --bin PATH --home DIR` measures, in one run:
//! - the in-process verified get (`Orchestrator::get` and `registry::load_head`) on the same home;
//! - `ping` and `tools/call get_config` over one stdio session of `PATH --home DIR serve`, one
//!   request at a time: each newline-delimited JSON-RPC line is built before the timed loop,
//!   written with one `write_all` on the raw pipe, and its answer read with one `read_line`;
//!   the client only checks the id and `isError` with substring searches inside the loop (and
//!   parses the first and every 1000th answer fully), so the server is what is measured;
//! - the time from spawning the server to its `tools/list` answer, and its idle RSS.
//!
//! Prints a markdown table (or a JSON object with `--json`). The other subcommands are the
//! scale benchmark's (see `scale.rs` and `bench/scale.sh`).

mod scale;
mod stats;

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use clap::{Parser, Subcommand};
use orchestrator::clock::{Clock as _, SystemClock};
use orchestrator::home::Home;
use orchestrator::ids::{ClientId, ProfileId};
use orchestrator::{Orchestrator, keys, registry};
use serde_json::{Value, json};

use crate::stats::{Summary, summarize};

const PROTOCOL_VERSION: &str = "2025-06-18";
/// Every this many answers (and the first) are parsed and checked in full.
const FULL_CHECK_EVERY: u64 = 1000;

#[derive(Parser, Debug)]
#[command(name = "mcp-load", about = "Lean load client for the mcp-orchestration MCP server")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// In-process verified get, then ping and get_config over one stdio session, spawn →
    /// tools/list and idle RSS.
    Stdio(StdioArgs),
    /// Bench-only bulk builder: profiles with many versions, no fsync.
    Build(scale::BuildArgs),
    /// The raw Ed25519 verify_strict + SHA-256 rate, one core and every core.
    RawVerify(scale::RawArgs),
    /// Median wall time of one CLI command.
    Cli(scale::CliArgs),
    /// p50 of one MCP tool over a stdio session.
    Tool(scale::ToolArgs),
    /// Server RSS after get_config of every profile of a client.
    Rss(scale::RssArgs),
}

#[derive(clap::Args, Debug, Clone)]
struct StdioArgs {
    /// The mcp-orchestration binary.
    #[arg(long)]
    bin: PathBuf,
    /// The home (already seeded, e.g. by `init-configs`).
    #[arg(long)]
    home: PathBuf,
    /// Measured requests per method (and in-process calls).
    #[arg(long, default_value_t = 20_000)]
    requests: u64,
    /// Unmeasured requests before each measured loop.
    #[arg(long, default_value_t = 2_000)]
    warmup: u64,
    /// Servers spawned for spawn → tools/list (after 3 unmeasured ones).
    #[arg(long, default_value_t = 30)]
    spawns: usize,
    #[arg(long, default_value = "claude-desktop")]
    client: String,
    #[arg(long, default_value = "default")]
    profile: String,
    /// Print a JSON object instead of a markdown table.
    #[arg(long)]
    json: bool,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::Stdio(args) => stdio(&args),
        Cmd::Build(args) => scale::build(&args),
        Cmd::RawVerify(args) => scale::raw_verify(&args),
        Cmd::Cli(args) => scale::cli(&args),
        Cmd::Tool(args) => scale::tool(&args),
        Cmd::Rss(args) => scale::rss(&args),
    }
}

/// Times `calls` runs of `f` after `warmup` unmeasured ones.
fn time_calls(
    name: &str,
    warmup: u64,
    calls: u64,
    mut f: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Summary> {
    for _ in 0..warmup {
        f()?;
    }
    let mut samples = Vec::with_capacity(calls as usize);
    let started = Instant::now();
    for _ in 0..calls {
        let t = Instant::now();
        f()?;
        samples.push(t.elapsed());
    }
    Ok(summarize(name, samples, started.elapsed()))
}

/// The in-process baseline: the core's verified get on the same home.
fn in_process(args: &StdioArgs) -> anyhow::Result<Vec<Summary>> {
    let orch = Orchestrator::new(Home::new(&args.home), Arc::new(SystemClock));
    let get = time_calls("in-process `Orchestrator::get`", args.warmup, args.requests, || {
        orch.get(&args.client, &args.profile).map(drop).context("Orchestrator::get")
    })?;
    let home = Home::new(&args.home);
    let trust = keys::load_trust(&home).context("load_trust")?;
    let profile = ProfileId::parse(&args.profile).context("profile id")?;
    // A client without its own profile of that name follows the shared one (`_shared`).
    let own = ClientId::parse(&args.client).context("client id")?;
    let client = if registry::head(&home, &own, &profile).ok().flatten().is_some() { own } else { ClientId::shared() };
    let load_head = time_calls("in-process `registry::load_head`", args.warmup, args.requests, || {
        registry::load_head(&home, &trust, &client, &profile, SystemClock.now()).map(drop).context("load_head")
    })?;
    // The core as the server runs it: verified heads remembered under their files' stamps.
    let cached = Orchestrator::new(Home::new(&args.home), Arc::new(SystemClock)).with_read_cache();
    let remembered = time_calls("in-process `Orchestrator::get`, read cache", args.warmup, args.requests, || {
        cached.get(&args.client, &args.profile).map(drop).context("Orchestrator::get with the read cache")
    })?;
    ensure!(
        cached.read_cache_hits() > 0,
        "the read cache answered no read: were the home's files changed less than 2 s before the run?"
    );
    Ok(vec![get, load_head, remembered])
}

/// One spawned `serve` over stdio: raw pipes, one reused line buffer.
struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    line: String,
}

impl Server {
    fn spawn(bin: &Path, home: &Path) -> anyhow::Result<Server> {
        let mut child = Command::new(bin)
            .arg("--home")
            .arg(home)
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot spawn {}", bin.display()))?;
        let stdin = child.stdin.take().context("no stdin pipe")?;
        let stdout = BufReader::with_capacity(1 << 16, child.stdout.take().context("no stdout pipe")?);
        Ok(Server { child, stdin, stdout, line: String::with_capacity(1 << 16) })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes one pre-built line (ending in `\n`) with a single write.
    fn send(&mut self, line: &[u8]) -> anyhow::Result<()> {
        self.stdin.write_all(line).context("writing to the server's stdin")
    }

    /// Reads lines until one contains `needle` (`"id":K,`); other lines are skipped.
    fn recv(&mut self, needle: &str) -> anyhow::Result<&str> {
        loop {
            self.line.clear();
            let n = self.stdout.read_line(&mut self.line).context("reading the server's stdout")?;
            ensure!(n > 0, "the server closed its stdout (waiting for {needle})");
            if self.line.contains(needle) {
                return Ok(&self.line);
            }
        }
    }

    /// Sends a request and returns its answer parsed, failing on a JSON-RPC error.
    fn call(&mut self, id: u64, method: &str, params: Value) -> anyhow::Result<Value> {
        let line = request_line(id, method, &params);
        self.send(&line)?;
        let reply: Value = serde_json::from_str(self.recv(&id_needle(id))?).context("answer is not JSON")?;
        ensure!(reply.get("error").is_none(), "{method} failed: {reply}");
        Ok(reply)
    }

    /// `initialize` (id 0) and `notifications/initialized`.
    fn handshake(&mut self) -> anyhow::Result<()> {
        let params = json!({
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "mcp-load", "version": "0"},
        });
        let reply = self.call(0, "initialize", params)?;
        ensure!(reply.pointer("/result/protocolVersion").is_some(), "initialize answered without a result: {reply}");
        self.send(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")
    }

    /// Closes stdin (the server exits on EOF); kills it if it has not gone within 2 s.
    fn close(mut self) -> anyhow::Result<()> {
        drop(self.stdin);
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

fn request_line(id: u64, method: &str, params: &Value) -> Vec<u8> {
    let mut line = serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
        .expect("a JSON value serializes");
    line.push(b'\n');
    line
}

/// What an answer to request `id` contains (the server writes compact JSON, `id` before `result`).
fn id_needle(id: u64) -> String {
    format!("\"id\":{id},")
}

/// Checks a fully parsed answer: `result` present, and for get_config an `artifact_id`.
fn check_full(what: &str, line: &str, id: u64) -> anyhow::Result<()> {
    let reply: Value = serde_json::from_str(line).with_context(|| format!("{what}: answer {id} is not JSON"))?;
    ensure!(reply.get("id") == Some(&json!(id)), "{what}: answer has the wrong id (wanted {id}): {line}");
    let result = reply.get("result").with_context(|| format!("{what}: no result in answer {id}: {line}"))?;
    if what == "get_config" {
        ensure!(result.get("isError") != Some(&Value::Bool(true)), "get_config failed: {line}");
        let artifact = result.pointer("/structuredContent/artifact_id").and_then(Value::as_str);
        ensure!(
            artifact.is_some_and(|a| a.starts_with("sha256:")),
            "get_config: structuredContent.artifact_id missing or not sha256: in {line}"
        );
    }
    Ok(())
}

/// `args.warmup` then `args.requests` sequential requests of one method on the session; ids from `*next_id`.
fn session_loop(
    server: &mut Server,
    name: &str,
    what: &str,
    method: &str,
    params: &Value,
    args: &StdioArgs,
    next_id: &mut u64,
) -> anyhow::Result<Summary> {
    let is_tool = method == "tools/call";
    let pid = server.pid();
    let mut run = |count: u64, samples: Option<&mut Vec<Duration>>| -> anyhow::Result<Duration> {
        let first = *next_id;
        *next_id += count;
        // Built outside the timed region: the request lines and the id needles.
        let lines: Vec<Vec<u8>> = (first..first + count).map(|id| request_line(id, method, params)).collect();
        let needles: Vec<String> = (first..first + count).map(id_needle).collect();
        let mut samples = samples;
        let started = Instant::now();
        for (k, (line, needle)) in lines.iter().zip(&needles).enumerate() {
            let id = first + k as u64;
            let t = Instant::now();
            server.send(line)?;
            let answer = server.recv(needle)?;
            let elapsed = t.elapsed();
            if !answer.contains("\"result\":") {
                bail!("{what}: request {id} failed: {answer}");
            }
            if is_tool && answer.contains("\"isError\":true") {
                bail!("{what}: request {id} returned isError: {answer}");
            }
            if k == 0 || id.is_multiple_of(FULL_CHECK_EVERY) {
                check_full(what, answer, id)?;
            }
            if let Some(samples) = samples.as_deref_mut() {
                samples.push(elapsed);
            }
        }
        Ok(started.elapsed())
    };
    run(args.warmup, None)?;
    let mut samples = Vec::with_capacity(args.requests as usize);
    let cpu_before = server_cpu_ns(pid);
    let wall = run(args.requests, Some(&mut samples))?;
    let cpu_after = server_cpu_ns(pid);
    let mut summary = summarize(name, samples, wall);
    summary.server_cpu_us = cpu_before
        .zip(cpu_after)
        .map(|(before, after)| after.saturating_sub(before) as f64 / 1e3 / args.requests as f64);
    Ok(summary)
}

/// The CPU time (ns) all threads of process `pid` have run so far: the first field of each
/// `/proc/PID/task/TID/schedstat` (None where there is no such file, e.g. not Linux).
fn server_cpu_ns(pid: u32) -> Option<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0;
    for task in tasks {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// `requests` calls of one tool (after a tenth as many unmeasured) on the session.
fn session_loop_tool(server: &mut Server, tool: &str, params: &Value, requests: u64) -> anyhow::Result<Summary> {
    let args = StdioArgs {
        bin: PathBuf::new(),
        home: PathBuf::new(),
        requests,
        warmup: requests / 10,
        spawns: 1,
        client: String::new(),
        profile: String::new(),
        json: false,
    };
    let mut next_id = 1;
    session_loop(server, tool, tool, "tools/call", params, &args, &mut next_id)
}

fn vm_rss_mib(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading /proc/PID/status")?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmRSS line")?;
    Ok(kib / 1024.0)
}

/// Spawn → `tools/list` answered, `spawns` times after 3 unmeasured ones.
fn spawn_to_tools_list(args: &StdioArgs) -> anyhow::Result<Summary> {
    let once = || -> anyhow::Result<Duration> {
        let started = Instant::now();
        let mut server = Server::spawn(&args.bin, &args.home)?;
        server.handshake()?;
        let reply = server.call(1, "tools/list", json!({}))?;
        let elapsed = started.elapsed();
        ensure!(reply.pointer("/result/tools").is_some_and(Value::is_array), "tools/list answered no tools: {reply}");
        server.kill()?;
        Ok(elapsed)
    };
    for _ in 0..3 {
        once()?;
    }
    let started = Instant::now();
    let samples = (0..args.spawns).map(|_| once()).collect::<anyhow::Result<Vec<_>>>()?;
    Ok(summarize("spawn → `tools/list` answered", samples, started.elapsed()))
}

fn stdio(args: &StdioArgs) -> anyhow::Result<()> {
    ensure!(args.requests > 0, "--requests must be at least 1");
    ensure!(args.spawns > 0, "--spawns must be at least 1");
    let mut rows = in_process(args)?;

    let mut server = Server::spawn(&args.bin, &args.home)?;
    server.handshake()?;
    std::thread::sleep(Duration::from_millis(200));
    let idle_rss = vm_rss_mib(server.pid())?;
    let mut next_id = 1;
    let ping = session_loop(&mut server, "stdio `ping`", "ping", "ping", &json!({}), args, &mut next_id)?;
    let get_params = json!({"name": "get_config", "arguments": {"client_id": args.client, "profile_id": args.profile}});
    let get = session_loop(
        &mut server,
        "stdio `tools/call get_config`",
        "get_config",
        "tools/call",
        &get_params,
        args,
        &mut next_id,
    )?;
    let list_params = json!({"name": "list_clients", "arguments": {}});
    let list_args = StdioArgs { requests: (args.requests / 5).max(1), warmup: args.warmup / 5, ..args.clone() };
    let list = session_loop(
        &mut server,
        "stdio `tools/call list_clients`",
        "list_clients",
        "tools/call",
        &list_params,
        &list_args,
        &mut next_id,
    )?;
    let loaded_rss = vm_rss_mib(server.pid())?;
    server.close()?;
    let ratio = get.p50_us / rows[0].p50_us;
    let get_over_ping = get.per_sec / ping.per_sec;
    let list_over_get = list.p50_us / get.p50_us;
    rows.push(ping);
    rows.push(get);
    rows.push(list);
    rows.push(spawn_to_tools_list(args)?);

    let mut out = std::io::stdout().lock();
    if args.json {
        let report = json!({
            "rows": rows.iter().map(Summary::to_json).collect::<Vec<_>>(),
            "idle_rss_mib": idle_rss,
            "rss_after_load_mib": loaded_rss,
            "stdio_get_config_p50_over_in_process_get_p50": ratio,
            "get_config_rate_over_ping_rate": get_over_ping,
            "list_clients_p50_over_get_config_p50": list_over_get,
            "requests": args.requests, "warmup": args.warmup, "spawns": args.spawns,
            "client_id": args.client, "profile_id": args.profile,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        writeln!(out, "{}", Summary::HEADER)?;
        for row in &rows {
            writeln!(out, "{}", row.row())?;
        }
        writeln!(out)?;
        writeln!(out, "- stdio `get_config` p50 / in-process `Orchestrator::get` p50: **{ratio:.2}×**")?;
        writeln!(out, "- stdio `get_config` calls/s / `ping` calls/s (target ≥ 0.7): **{get_over_ping:.2}×**")?;
        writeln!(out, "- stdio `list_clients` p50 / `get_config` p50 (target ≤ 3): **{list_over_get:.2}×**")?;
        let cpu = |s: &Summary| s.server_cpu_us.map_or("n/a".to_owned(), |us| format!("{us:.1} µs"));
        writeln!(
            out,
            "- server CPU per call (all its threads): `ping` {}, `get_config` {}, `list_clients` {}",
            cpu(&rows[3]),
            cpu(&rows[4]),
            cpu(&rows[5])
        )?;
        writeln!(out, "- idle RSS after the handshake (200 ms later): **{idle_rss:.1} MiB**")?;
        writeln!(out, "- RSS after the ping and get_config loops: {loaded_rss:.1} MiB")?;
    }
    Ok(())
}
