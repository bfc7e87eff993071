//! Permissions of the home: every directory the program creates is 0700 and every file 0600
//! (public keys and the catalog 0644) whatever the umask; reads refuse (exit 10) the
//! trust-deciding paths another user could have written, before a byte of them is used;
//! `doctor` reports each one.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use mcp_testkit::{TestEnv, set_mode};

use super::common::{BIN, code, initialized, publish, run, servers, stderr};

/// The uid (and gid) the tests give files "planted by another user".
const OTHER_UID: u32 = 1234;

/// Runs the binary under `umask 000` (through `sh`, so the umask is the real process's).
fn run_with_umask_000(env: &TestEnv, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write as _;
    let mut cmd = env.std_command("sh");
    cmd.arg("-c").arg("umask 000; exec \"$0\" \"$@\"").arg(BIN).args(args);
    cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn sh");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.unwrap_or("").as_bytes()).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("wait")
}

/// Every path under `dir`, directories included.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("list").flatten() {
        let path = entry.path();
        out.push(path.clone());
        if entry.file_type().expect("type").is_dir() {
            walk(&path, out);
        }
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).expect("stat").mode() & 0o7777
}

fn chown_other(path: &Path) {
    std::os::unix::fs::chown(path, Some(OTHER_UID), Some(OTHER_UID)).expect("chown (the tests run as root)");
}

#[test]
fn under_umask_000_every_directory_is_0700_and_every_file_0600() {
    let env = TestEnv::new();
    let out = run_with_umask_000(&env, &["init-configs"], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run_with_umask_000(&env, &["get", "cursor"], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run_with_umask_000(&env, &["secrets", "set", "API_TOKEN"], Some("s3cret"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = env.write_file("doc.json", &servers("tool", "npx"));
    let out = run_with_umask_000(
        &env,
        &["publish", "cursor", "--profile", "dev", "--file", doc.to_str().expect("utf8")],
        None,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let target = env.root().join("project/.cursor/mcp.json");
    let out = run_with_umask_000(
        &env,
        &["deploy", "cursor", "--profile", "dev", "--file", target.to_str().expect("utf8")],
        None,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let server_json = env.write_file(
        "server.json",
        r#"{"name": "io.github.example/umask-probe", "description": "d", "version": "1.0.0",
            "packages": [{"registryType": "npm", "identifier": "umask-probe", "transport": {"type": "stdio"}}]}"#,
    );
    let out = run_with_umask_000(&env, &["servers", "import", server_json.to_str().expect("utf8")], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    assert_eq!(mode(&env.home()), 0o700, "the home itself");
    let mut paths = Vec::new();
    walk(&env.home(), &mut paths);
    let mut kinds = std::collections::BTreeSet::new();
    for path in &paths {
        let rel = path.strip_prefix(env.home()).expect("under home").to_string_lossy().into_owned();
        kinds.insert(rel.split('/').next().expect("first component").to_owned());
        let got = mode(path);
        if path.is_dir() {
            assert_eq!(got, 0o700, "directory {rel} is {got:04o}");
        } else if rel == "keys/verification_key.pem" || rel.starts_with("keys/trusted/") || rel.starts_with("catalog/")
        {
            assert!(got == 0o644 || got == 0o600, "public file {rel} is {got:04o}");
        } else {
            assert_eq!(got, 0o600, "file {rel} is {got:04o}");
        }
    }
    for expected in [
        "keys",
        "objects",
        "history",
        "heads",
        "seen",
        "events",
        "cache",
        "secrets.json",
        "deployments",
        "locks",
        "catalog",
    ] {
        assert!(kinds.contains(expected), "{expected} was written (so its mode was checked): {kinds:?}");
    }
}

/// Makes the home look like one an older version wrote under `umask 000`: every directory 0777.
fn open_every_directory(home: &Path) {
    set_mode(home, 0o777);
    let mut paths = Vec::new();
    walk(home, &mut paths);
    for path in paths.iter().filter(|p| p.is_dir()) {
        set_mode(path, 0o777);
    }
}

/// Copies a file from another home into this one as the other user would: owned by them.
fn plant(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    std::fs::copy(from, to).expect("copy");
    chown_other(to);
}

#[test]
fn a_planted_key_and_forged_head_are_refused_before_the_trust_store_is_read() {
    // The attacker's own home, whose key signs a version of cursor/dev launching their program.
    let attacker = TestEnv::new();
    attacker.write_private_key(mcp_testkit::FIXED_KEY_B, 0o600);
    assert_eq!(code(&run(&attacker, &["init-configs"])), 0);
    let forged = publish(&attacker, "cursor", "dev", &servers("evil", "/tmp/evil"));
    let key_file =
        std::fs::read_dir(attacker.home().join("keys/trusted")).expect("list").flatten().next().expect("key");
    let object = format!("objects/{}.json", forged["artifact_id"].as_str().expect("id").trim_start_matches("sha256:"));

    let env = initialized();
    open_every_directory(&env.home());
    let trusted = env.home().join("keys/trusted");
    plant(&key_file.path(), &trusted.join(key_file.file_name()));
    for rel in [object.as_str(), "history/cursor/dev/0000000001.json", "heads/cursor/dev.json", "seen/cursor/dev.json"]
    {
        plant(&attacker.home().join(rel), &env.home().join(rel));
    }
    let before = env.snapshot();

    let out = run(&env, &["get", "cursor", "--profile", "dev"]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "the forged servers were not printed");
    let err = stderr(&out);
    assert!(
        err.contains(&format!("trust store directory {} is writable by group or others", trusted.display())),
        "{err}"
    );
    assert!(err.contains(&format!("chmod go-w {}", trusted.display())), "{err}");
    assert_eq!(env.snapshot(), before, "a refusal changes nothing");

    // With the directory fixed, the planted key file itself is refused: it is another user's.
    set_mode(&trusted, 0o700);
    let out = run(&env, &["get", "cursor", "--profile", "dev"]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    let planted = trusted.join(key_file.file_name());
    let err = stderr(&out);
    assert!(err.contains(&format!("trusted key {} belongs to uid {OTHER_UID}", planted.display())), "{err}");
    assert!(err.contains(&format!("chown 0 {}", planted.display())), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_planted_file_in_an_open_trust_store_is_never_parsed() {
    let env = initialized();
    let trusted = env.home().join("keys/trusted");
    set_mode(&trusted, 0o777);
    std::fs::write(trusted.join(format!("{}.pub", "ab".repeat(32))), "not a key at all").expect("plant");
    let out = run(&env, &["get", "cursor"]);
    // Parsing it would fail as a malformed key (exit 4); it is refused before it is read.
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    assert!(stderr(&out).contains("trust store directory"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("not a key"), "{}", stderr(&out));
}

#[test]
fn a_trust_store_directory_of_another_user_is_refused() {
    let env = initialized();
    let trusted = env.home().join("keys/trusted");
    chown_other(&trusted);
    let out = run(&env, &["get", "cursor"]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("trust store directory {} belongs to uid {OTHER_UID}", trusted.display())), "{err}");
    assert!(err.contains(&format!("chown 0 {}", trusted.display())), "{err}");
}

#[test]
fn a_trusted_key_file_others_can_write_is_refused() {
    let env = initialized();
    let key = std::fs::read_dir(env.home().join("keys/trusted")).expect("list").flatten().next().expect("key").path();
    set_mode(&key, 0o666);
    let out = run(&env, &["get", "cursor"]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("trusted key {} is writable by group or others (mode 0666)", key.display())),
        "{err}"
    );
    assert!(err.contains(&format!("chmod go-w {}", key.display())), "{err}");
}

#[test]
fn a_signing_key_of_another_user_is_refused() {
    let env = initialized();
    let key = env.home().join("keys/signing_key.pem");
    chown_other(&key);
    let before = env.snapshot();
    let out = run(
        &env,
        &[
            "publish",
            "cursor",
            "--profile",
            "dev",
            "--file",
            env.write_file("d.json", &servers("a", "npx")).to_str().expect("utf8"),
        ],
    );
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("signing key {} belongs to uid {OTHER_UID}", key.display())), "{err}");
    assert!(err.contains(&format!("chown 0 {}", key.display())), "{err}");
    let mut after = env.snapshot();
    after.retain(|(name, _)| name != "d.json");
    assert_eq!(after, before, "nothing was published");
}

#[test]
fn a_secret_store_of_another_user_or_writable_by_others_is_refused() {
    let env = initialized();
    let out = env.command(BIN).args(["secrets", "set", "TOKEN"]).write_stdin("v").output().expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let secrets = env.home().join("secrets.json");
    chown_other(&secrets);
    let out = run(&env, &["secrets", "list"]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("chown 0 {}", secrets.display())), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "no secret name was listed");

    std::os::unix::fs::chown(&secrets, Some(0), Some(0)).expect("chown back");
    set_mode(&secrets, 0o620);
    let out = run(&env, &["secrets", "list"]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
}

#[test]
fn a_token_hash_file_others_can_write_or_of_another_user_is_refused() {
    let env = initialized();
    let hashes = env.home().join("server/tokens.sha256");
    std::fs::create_dir_all(hashes.parent().expect("dir")).expect("mkdir");
    std::fs::write(&hashes, format!("{}\n", "0".repeat(64))).expect("write");
    set_mode(&hashes, 0o622);
    let out = run(&env, &["serve", "--http", "127.0.0.1:0"]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{}", hashes.display())) && stderr(&out).contains("chmod 600"),
        "{}",
        stderr(&out)
    );

    set_mode(&hashes, 0o600);
    chown_other(&hashes);
    let out = run(&env, &["serve", "--http", "127.0.0.1:0"]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("token hash file {} belongs to uid {OTHER_UID}", hashes.display())), "{err}");
    assert!(err.contains(&format!("chown 0 {}", hashes.display())), "{err}");
}

#[test]
fn a_heads_directory_others_can_write_is_refused() {
    let env = initialized();
    // Cursor follows the shared default seeded by init: its heads are the shared ones.
    let heads = env.home().join("heads/_shared");
    set_mode(&heads, 0o775);
    let out = run(&env, &["get", "cursor"]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("heads directory {} is writable by group or others (mode 0775)", heads.display())),
        "{err}"
    );
    assert!(err.contains(&format!("chmod go-w {}", heads.display())), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_history_directory_others_can_write_or_of_another_user_is_refused() {
    let env = initialized();
    let history = env.home().join("history/_shared/default");
    set_mode(&history, 0o757);
    for args in [&["get", "cursor"][..], &["history", "cursor"][..]] {
        let out = run(&env, args);
        assert_eq!(code(&out), 10, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(&format!("chmod go-w {}", history.display())), "{}", stderr(&out));
    }
    set_mode(&history, 0o700);
    chown_other(&history);
    let out = run(&env, &["get", "cursor"]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("history directory {} belongs to uid {OTHER_UID}", history.display())));
}

#[test]
fn doctor_reports_each_unsafe_path_with_its_fix() {
    let env = initialized();
    let out = run(&env, &["doctor", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let perms: Vec<&serde_json::Value> =
        report["checks"].as_array().expect("checks").iter().filter(|c| c["name"] == "permissions").collect();
    assert_eq!(perms.len(), 1);
    assert_eq!(perms[0]["verdict"], "ok");

    let trusted = env.home().join("keys/trusted");
    publish(&env, "vscode", "default", &servers("own", "npx"));
    let heads = env.home().join("heads/_shared");
    let history = env.home().join("history/vscode/default");
    let key = env.home().join("keys/signing_key.pem");
    set_mode(&trusted, 0o777);
    set_mode(&heads, 0o770);
    chown_other(&history);
    chown_other(&key);
    let out = run(&env, &["doctor", "--json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let fixes: Vec<String> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["name"] == "permissions")
        .inspect(|c| assert_eq!(c["verdict"], "fail"))
        .map(|c| c["fix"].as_str().expect("fix").to_owned())
        .collect();
    let mut expected = vec![
        format!("chmod go-w {}", trusted.display()),
        format!("chmod go-w {}", heads.display()),
        format!("chown 0 {}", history.display()),
        format!("chown 0 {}", key.display()),
    ];
    expected.sort();
    let mut got = fixes.clone();
    got.sort();
    assert_eq!(got, expected);
}

#[test]
fn a_deploy_by_root_keeps_the_client_files_owner_and_gives_new_directories_their_parents() {
    let env = initialized();
    publish(&env, "cursor", "dev", &servers("tool", "npx"));
    let user_home = env.root().join("alice");
    std::fs::create_dir_all(user_home.join("existing")).expect("mkdir");
    std::os::unix::fs::chown(&user_home, Some(OTHER_UID), Some(OTHER_UID + 1)).expect("chown");
    let existing = user_home.join("existing/mcp.json");
    std::fs::write(&existing, "{\"mcpServers\": {}}\n").expect("write");
    std::os::unix::fs::chown(&existing, Some(OTHER_UID), Some(OTHER_UID + 1)).expect("chown");

    let new_file = user_home.join(".cursor/mcp.json");
    for target in [&existing, &new_file] {
        let out = run(&env, &["deploy", "cursor", "--profile", "dev", "--file", target.to_str().expect("utf8")]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let meta = std::fs::metadata(target).expect("stat");
        assert_eq!((meta.uid(), meta.gid()), (OTHER_UID, OTHER_UID + 1), "{}", target.display());
        assert!(std::fs::read_to_string(target).expect("read").contains("\"tool\""));
    }
    let created = std::fs::metadata(user_home.join(".cursor")).expect("stat");
    assert_eq!((created.uid(), created.gid()), (OTHER_UID, OTHER_UID + 1), "the created directory is alice's");
}
