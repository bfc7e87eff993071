//! Tests of `package_ref`: every runner, every way of writing a version, flags with values
//! before the package, and the pinned form written back.

use serde_json::json;

use super::*;

fn package(command: &str, args: &[&str]) -> PackageRef {
    match detect(command, args) {
        Detection::Package(package) => package,
        other => panic!("{command} {args:?}: expected a package, got {other:?}"),
    }
}

fn not_registry(command: &str, args: &[&str]) -> String {
    match detect(command, args) {
        Detection::NotRegistry { reason, .. } => reason,
        other => panic!("{command} {args:?}: expected not-registry, got {other:?}"),
    }
}

#[test]
fn npx_bare_package_is_unpinned_latest() {
    let p = package("npx", &["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]);
    assert_eq!(p.ecosystem, Ecosystem::Npm);
    assert_eq!(p.runner, "npx");
    assert_eq!(p.name, "@modelcontextprotocol/server-filesystem");
    assert_eq!(p.requested, None);
    assert!(!p.pinned);
    assert_eq!(p.arg_index, 1);
    assert_eq!(
        p.write_pin(&["-y", "@modelcontextprotocol/server-filesystem", "/tmp"], "2025.8.21"),
        ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/tmp"]
    );
}

#[test]
fn npm_versions_ranges_and_tags() {
    let exact = package("npx", &["-y", "pkg@1.2.3"]);
    assert_eq!((exact.name.as_str(), exact.requested.as_deref(), exact.pinned), ("pkg", Some("1.2.3"), true));
    let pre = package("npx", &["pkg@1.0.0-beta.2+build.5"]);
    assert!(pre.pinned);
    let scoped_range = package("npx", &["-y", "@scope/pkg@^1"]);
    assert_eq!(scoped_range.name, "@scope/pkg");
    assert_eq!(scoped_range.requested.as_deref(), Some("^1"));
    assert!(!scoped_range.pinned);
    let tag = package("npx", &["pkg@latest"]);
    assert_eq!(tag.requested.as_deref(), Some("latest"));
    assert!(!tag.pinned);
    for loose in ["1.2", "v1.2.3", "=1.2.3", "01.2.3", "1.2.3 - 1.4.0", "1.x"] {
        let p = package("npx", &[&format!("pkg@{loose}")]);
        assert!(!p.pinned, "{loose} is not one exact version");
    }
}

#[test]
fn npx_package_flag_names_the_package_not_the_command() {
    let p = package("npx", &["--package", "@scope/tools@2.0.0", "-y", "tool-bin", "--stdio"]);
    assert_eq!(p.name, "@scope/tools");
    assert_eq!(p.arg_index, 1);
    assert!(p.pinned);
    let inline = package("npx", &["--package=@scope/tools", "tool-bin"]);
    assert_eq!(inline.arg_index, 0);
    assert_eq!(inline.arg_prefix, "--package=");
    assert_eq!(inline.pinned_arg("3.1.0"), "--package=@scope/tools@3.1.0");
    let short = package("npx", &["-y", "-p", "x", "cmd"]);
    assert_eq!((short.name.as_str(), short.arg_index), ("x", 2));
}

#[test]
fn npx_flags_with_values_before_the_package_are_skipped() {
    let p = package("npx", &["--registry", "http://127.0.0.1:4873", "-y", "pkg@^1.0.0", "arg"]);
    assert_eq!(p.name, "pkg");
    assert_eq!(p.arg_index, 3);
    let p = package("npx", &["--cache=/tmp/c", "--yes", "pkg"]);
    assert_eq!(p.arg_index, 2);
}

#[test]
fn other_npm_runners() {
    let bunx = package("bunx", &["--bun", "pkg@1.0.0"]);
    assert_eq!((bunx.runner.as_str(), bunx.arg_index, bunx.pinned), ("bunx", 1, true));
    let pnpm = package("pnpm", &["dlx", "@scope/pkg"]);
    assert_eq!((pnpm.runner.as_str(), pnpm.arg_index), ("pnpm dlx", 1));
    let yarn = package("yarn", &["dlx", "-p", "pkg@1.0.0", "bin"]);
    assert_eq!((yarn.name.as_str(), yarn.arg_index), ("pkg", 2));
    let exec = package("npm", &["exec", "--yes", "--", "pkg@2.0.0", "--flag"]);
    assert_eq!((exec.runner.as_str(), exec.arg_index, exec.pinned), ("npm exec", 3, true));
    let x = package("npm", &["x", "pkg"]);
    assert_eq!(x.arg_index, 1);
    assert_eq!(detect("npm", &["install", "pkg"]), Detection::NotPackage);
    assert_eq!(detect("pnpm", &["run", "x"]), Detection::NotPackage);
}

#[test]
fn runner_found_by_file_name_and_through_cmd_c() {
    let p = package("/usr/local/bin/npx", &["-y", "pkg"]);
    assert_eq!(p.name, "pkg");
    let p = package("C:\\Program Files\\nodejs\\npx.cmd", &["-y", "pkg"]);
    assert_eq!(p.name, "pkg");
    let p = package("cmd", &["/c", "npx", "-y", "@scope/pkg@1.0.0"]);
    assert_eq!(p.arg_index, 3);
    assert!(p.pinned);
    assert_eq!(p.write_pin(&["/c", "npx", "-y", "@scope/pkg@1.0.0"], "1.0.1")[3], "@scope/pkg@1.0.1");
}

#[test]
fn npm_sources_that_are_not_the_registry() {
    assert!(not_registry("npx", &["-y", "github:user/repo"]).contains("not a registry package"));
    assert!(not_registry("npx", &["git+https://example.invalid/x.git"]).contains("git"));
    assert!(not_registry("npx", &["./local-server"]).contains("local path"));
    assert!(not_registry("npx", &["user/repo"]).contains("GitHub shorthand"));
    assert!(not_registry("npx", &["alias@npm:real@1.0.0"]).contains("alias"));
    assert!(not_registry("npx", &["Not_A_Name"]).contains("not an npm package name"));
    assert!(not_registry("npx", &["-y"]).contains("no package"));
}

#[test]
fn uvx_forms() {
    let bare = package("uvx", &["mcp-server-fetch"]);
    assert_eq!(
        (bare.ecosystem, bare.name.as_str(), bare.requested.as_deref()),
        (Ecosystem::Pypi, "mcp-server-fetch", None)
    );
    assert!(!bare.pinned);
    assert_eq!(bare.pinned_arg("1.0.0"), "mcp-server-fetch==1.0.0");
    let exact = package("uvx", &["pkg==1.2.3", "--flag"]);
    assert_eq!((exact.requested.as_deref(), exact.pinned), (Some("==1.2.3"), true));
    let at = package("uvx", &["pkg@1.2.3"]);
    assert!(at.pinned);
    assert_eq!(at.pinned_arg("1.2.4"), "pkg==1.2.4");
    let latest = package("uvx", &["pkg@latest"]);
    assert!(!latest.pinned);
    let range = package("uvx", &["pkg>=1,<2"]);
    assert_eq!(range.requested.as_deref(), Some(">=1,<2"));
    assert!(!range.pinned);
    let wildcard = package("uvx", &["pkg==1.2.*"]);
    assert!(!wildcard.pinned);
    let extras = package("uvx", &["pkg[cli,extra]==2.0"]);
    assert_eq!(extras.extras.as_deref(), Some("[cli,extra]"));
    assert_eq!(extras.pinned_arg("2.1"), "pkg[cli,extra]==2.1");
    let triple = package("uvx", &["pkg===1.0-legacy"]);
    assert!(triple.pinned);
}

#[test]
fn uvx_flags_and_from() {
    let p = package("uvx", &["--python", "3.12", "--with", "extra", "-q", "pkg", "serve"]);
    assert_eq!((p.name.as_str(), p.arg_index), ("pkg", 5));
    let from = package("uvx", &["--from", "pkg==1.0.0", "pkg-cli", "--stdio"]);
    assert_eq!((from.name.as_str(), from.arg_index, from.pinned), ("pkg", 1, true));
    let inline = package("uvx", &["--from=pkg", "cli"]);
    assert_eq!(inline.pinned_arg("2.0"), "--from=pkg==2.0");
    let git = not_registry("uvx", &["--from", "git+https://example.invalid/org/repo.git", "name"]);
    assert!(git.contains("VCS"), "{git}");
    let direct = not_registry("uvx", &["--from", "pkg @ https://example.invalid/pkg.whl", "pkg"]);
    assert!(direct.contains("direct URL"), "{direct}");
    let uv = package("uv", &["tool", "run", "--index", "http://127.0.0.1:8080/simple", "pkg"]);
    assert_eq!((uv.runner.as_str(), uv.arg_index), ("uv tool run", 4));
    assert_eq!(detect("uv", &["run", "server.py"]), Detection::NotPackage);
}

#[test]
fn pipx_run() {
    let p = package("pipx", &["run", "--spec", "pkg==1.0.0", "pkg-server"]);
    assert_eq!((p.runner.as_str(), p.arg_index, p.pinned), ("pipx run", 2, true));
    let p = package("pipx", &["run", "--no-cache", "pkg"]);
    assert_eq!((p.arg_index, p.pinned), (2, false));
    assert_eq!(detect("pipx", &["install", "pkg"]), Detection::NotPackage);
}

#[test]
fn pypi_bad_requirements() {
    assert!(not_registry("uvx", &["./server"]).contains("local path"));
    assert!(not_registry("uvx", &["pkg-1.0-py3-none-any.whl"]).contains("local path"));
    assert!(not_registry("uvx", &["pkg[oops"]).contains("unclosed"));
    assert!(not_registry("uvx", &["pkg@"]).contains("no version"));
    assert!(not_registry("uvx", &["-pkg"]).contains("no package"));
}

#[test]
fn docker_run_with_flags_before_the_image() {
    let args = ["run", "--rm", "-i", "-e", "GITHUB_TOKEN", "ghcr.io/github/github-mcp-server", "stdio"];
    let p = package("docker", &args);
    assert_eq!(p.ecosystem, Ecosystem::Oci);
    assert_eq!(
        (p.runner.as_str(), p.name.as_str(), p.arg_index),
        ("docker run", "ghcr.io/github/github-mcp-server", 5)
    );
    assert_eq!((p.requested.as_deref(), p.pinned), (None, false));
    let digest = format!("sha256:{}", "ab".repeat(32));
    assert_eq!(p.write_pin(&args, &digest)[5], format!("ghcr.io/github/github-mcp-server@{digest}"));
    let clustered = package("docker", &["run", "-it", "--env=X=1", "-eY=2", "mcp/fetch:1.0"]);
    assert_eq!((clustered.arg_index, clustered.name.as_str()), (4, "mcp/fetch"));
    assert_eq!(clustered.requested.as_deref(), Some("1.0"));
    assert_eq!(clustered.pinned_arg(&digest), format!("mcp/fetch:1.0@{digest}"));
    let cluster_value = package("docker", &["run", "-ie", "X", "img"]);
    assert_eq!(cluster_value.arg_index, 3);
}

#[test]
fn image_references() {
    let digest = format!("sha256:{}", "0f".repeat(32));
    let pinned = package("podman", &["run", "-i", &format!("localhost:5000/team/srv:1.2@{digest}")]);
    assert_eq!(pinned.runner, "podman run");
    assert_eq!(pinned.name, "localhost:5000/team/srv");
    assert_eq!(pinned.requested.as_deref(), Some("1.2"));
    assert_eq!(pinned.digest.as_deref(), Some(digest.as_str()));
    assert!(pinned.pinned);
    let port_no_tag = package("docker", &["container", "run", "127.0.0.1:5000/srv"]);
    assert_eq!((port_no_tag.name.as_str(), port_no_tag.requested.as_deref()), ("127.0.0.1:5000/srv", None));
    assert_eq!(port_no_tag.arg_index, 2);
    assert!(not_registry("docker", &["run", "img@sha256:xyz"]).contains("not an image digest"));
    assert!(not_registry("docker", &["run", "Bad/Image"]).contains("not an image reference"));
    assert!(not_registry("docker", &["run", "--rm"]).contains("no image"));
    assert_eq!(detect("docker", &["ps"]), Detection::NotPackage);
}

#[test]
fn entries_of_a_servers_document() {
    let npx = detect_entry(&json!({"command": "npx", "args": ["-y", "pkg@1.0.0"], "env": {"A": "b"}}));
    assert_eq!(npx.package().map(|p| p.pinned), Some(true));
    assert_eq!(detect_entry(&json!({"type": "http", "url": "https://example.invalid/mcp"})), Detection::NotPackage);
    assert_eq!(detect_entry(&json!({"command": "node", "args": ["server.js"]})), Detection::NotPackage);
    assert_eq!(detect_entry(&json!({"command": "npx", "args": "pkg"})), Detection::NotPackage);
    assert_eq!(detect_entry(&json!({"command": "npx", "args": [1]})), Detection::NotPackage);
    let no_args = detect_entry(&json!({"command": "uvx"}));
    assert!(matches!(no_args, Detection::NotRegistry { ecosystem: Ecosystem::Pypi, .. }));
}

#[test]
fn ecosystem_names() {
    assert_eq!(Ecosystem::Npm.to_string(), "npm");
    assert_eq!(Ecosystem::Pypi.as_str(), "pypi");
    assert_eq!(serde_json::to_value(Ecosystem::Oci).ok(), Some(json!("oci")));
}

#[test]
fn a_reason_never_shows_the_credentials_a_package_url_carries() {
    let npm = not_registry("npx", &["-y", "git+https://ghp_CANARYTOKEN@github.com/o/r.git"]);
    assert!(!npm.contains("CANARYTOKEN"), "{npm}");
    assert!(npm.contains("git+https://github.com/o/r.git"), "the source is still named: {npm}");
    let tarball = not_registry("npx", &["-y", "https://user:CANARYPW@host.example/p.tgz?token=CANARYQ#frag"]);
    assert!(!tarball.contains("CANARYPW") && !tarball.contains("CANARYQ") && !tarball.contains("user"), "{tarball}");
    assert!(tarball.contains("https://host.example/p.tgz"), "{tarball}");
    let pypi = not_registry("uvx", &["--from", "pkg @ https://u:CANARYPY@files.example/p.whl", "pkg"]);
    assert!(!pypi.contains("CANARYPY"), "{pypi}");
    let garbled = not_registry("npx", &["-y", "https://CANARY[bad@host/x"]);
    assert!(!garbled.contains("CANARY"), "a URL that does not parse is not shown: {garbled}");
    // Nothing else in a reason changes.
    assert_eq!(not_registry("npx", &["-y", "./local-dir"]), "`./local-dir` is a local path, not a registry package");
}
