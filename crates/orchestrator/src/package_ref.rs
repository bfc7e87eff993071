//! Which package a stdio server entry runs: the package reference read from its `command` and
//! `args` (SPEC §5.1), and the pinned form written back.
//!
//! A runner is recognised by the program's file name (`/usr/bin/npx`, `npx.cmd` and a Windows
//! `cmd /c npx …` wrapper all count):
//!
//! | ecosystem | runners | package argument | pinned when | pinned form |
//! | --- | --- | --- | --- | --- |
//! | npm | `npx`, `bunx`, `pnpm dlx`, `pnpx`, `yarn dlx`, `npm exec`/`npm x` | the first positional, or `--package`/`-p` | an exact version | `pkg@1.2.3` |
//! | PyPI | `uvx`, `uv tool run`/`uv tool uvx`, `pipx run` | the first positional, or `--from`/`--spec` | `==`/`===` one exact version | `pkg==1.2.3` |
//! | OCI | `docker run`, `docker container run`, `podman run`, `nerdctl run` | the first positional after the run flags | a `@sha256:` digest | `image:tag@sha256:…` |
//!
//! Flags before the package are skipped with their values (`npx --registry URL -y pkg`,
//! `docker run --rm -i -e X image`, `uvx --python 3.12 pkg`), by the runner's own table of
//! the flags that take a value. A runner whose package is not from a registry (a git URL, a
//! local path, a tarball URL, an npm alias) is [`Detection::NotRegistry`] with the reason:
//! it cannot be pinned to a registry version, and `lock --check` says so. MCPB bundles are
//! installed by the clients themselves and never appear as a command in a client's file, so
//! they are not read here.
//!
//! Nothing here talks to a registry: it only reads and writes arguments.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The package registry a runner installs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// The npm registry (`npx`, `bunx`, `pnpm dlx`, `npm exec`).
    Npm,
    /// The Python Package Index (`uvx`, `uv tool run`, `pipx run`).
    Pypi,
    /// An OCI (Docker) registry (`docker run`, `podman run`).
    Oci,
}

impl Ecosystem {
    /// The name used in output and in a server's `lock` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Oci => "oci",
        }
    }
}

impl std::fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A registry package a server entry runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageRef {
    /// Where it is installed from.
    pub ecosystem: Ecosystem,
    /// The runner as recognised (`npx`, `uvx`, `docker run`, …).
    pub runner: String,
    /// The package name (npm: with its scope; PyPI: as written, without extras; OCI: the
    /// image reference without tag and digest, registry included when written).
    pub name: String,
    /// PyPI extras as written (`[cli]`), kept in the pinned form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extras: Option<String>,
    /// What was asked for: a version, range or tag (`1.2.3`, `^1`, `latest`, `>=1,<2`, an
    /// image tag); `None` when nothing was (the registry's latest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested: Option<String>,
    /// The image digest written after `@` (OCI only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Whether the entry already names exactly one artifact: an exact version (npm, PyPI) or a
    /// digest (OCI).
    pub pinned: bool,
    /// The index in `args` of the argument that holds the package.
    pub arg_index: usize,
    /// Text before the package in that argument (`--package=`, `--from=`), usually empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub arg_prefix: String,
}

/// What a server entry runs, as far as its command line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detection {
    /// Not a package runner (a plain program, a remote server, a malformed entry).
    NotPackage,
    /// A registry package.
    Package(PackageRef),
    /// A package runner whose package is not a registry package, or could not be found in
    /// its arguments.
    NotRegistry {
        /// The runner's ecosystem.
        ecosystem: Ecosystem,
        /// The runner as recognised.
        runner: String,
        /// Why it cannot be pinned to a registry version.
        reason: String,
    },
}

impl Detection {
    /// The package, when there is one.
    pub fn package(&self) -> Option<&PackageRef> {
        match self {
            Detection::Package(package) => Some(package),
            _ => None,
        }
    }
}

/// Reads the package a servers-document entry (`{"command", "args", …}`) runs.
pub fn detect_entry(entry: &Value) -> Detection {
    let Some(command) = entry.get("command").and_then(Value::as_str) else { return Detection::NotPackage };
    let args: Vec<&str> = match entry.get("args") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let strings: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            let Some(strings) = strings else { return Detection::NotPackage };
            strings
        }
        Some(_) => return Detection::NotPackage,
    };
    detect(command, &args)
}

/// Reads the package `command args…` runs.
pub fn detect<S: AsRef<str>>(command: &str, args: &[S]) -> Detection {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let program = program_name(command);
    // `cmd /c npx …` (Windows): the program is the first argument after `/c`.
    if program == "cmd"
        && let Some(flag) = args.first()
        && flag.eq_ignore_ascii_case("/c")
        && let Some(inner) = args.get(1)
    {
        return shifted(detect(inner, &args[2..]), 2);
    }
    match program.as_str() {
        "npx" | "bunx" | "pnpx" => npm(&program, &args, 0),
        "pnpm" | "yarn" if args.first() == Some(&"dlx") => npm(&format!("{program} dlx"), &args, 1),
        "bun" if args.first() == Some(&"x") => npm("bun x", &args, 1),
        "npm" if matches!(args.first(), Some(&"exec") | Some(&"x")) => npm("npm exec", &args, 1),
        "uvx" => pypi("uvx", &args, 0),
        "uv" if args.first() == Some(&"tool") && matches!(args.get(1), Some(&"run") | Some(&"uvx")) => {
            pypi("uv tool run", &args, 2)
        }
        "pipx" if args.first() == Some(&"run") => pypi("pipx run", &args, 1),
        "docker" | "podman" | "nerdctl" => oci(&program, &args),
        _ => Detection::NotPackage,
    }
}

impl PackageRef {
    /// The argument that runs exactly `pin`: a version for npm and PyPI
    /// (`@scope/pkg@1.2.3`, `pkg[cli]==1.2.3`), a digest for OCI (`image:tag@sha256:…`),
    /// with the argument's prefix kept.
    pub fn pinned_arg(&self, pin: &str) -> String {
        let spec = match self.ecosystem {
            Ecosystem::Npm => format!("{}@{pin}", self.name),
            Ecosystem::Pypi => format!("{}{}=={pin}", self.name, self.extras.as_deref().unwrap_or("")),
            Ecosystem::Oci => match &self.requested {
                Some(tag) => format!("{}:{tag}@{pin}", self.name),
                None => format!("{}@{pin}", self.name),
            },
        };
        format!("{}{spec}", self.arg_prefix)
    }

    /// `args` with the package argument replaced by its pinned form.
    pub fn write_pin<S: AsRef<str>>(&self, args: &[S], pin: &str) -> Vec<String> {
        args.iter()
            .enumerate()
            .map(|(i, arg)| if i == self.arg_index { self.pinned_arg(pin) } else { arg.as_ref().to_owned() })
            .collect()
    }
}

/// The program's file name, lowercased, without a Windows extension.
fn program_name(command: &str) -> String {
    let base = command.rsplit(['/', '\\']).next().unwrap_or(command).to_ascii_lowercase();
    for ext in [".cmd", ".exe", ".bat", ".ps1"] {
        if let Some(stem) = base.strip_suffix(ext) {
            return stem.to_owned();
        }
    }
    base
}

fn shifted(detection: Detection, by: usize) -> Detection {
    match detection {
        Detection::Package(mut package) => {
            package.arg_index += by;
            Detection::Package(package)
        }
        other => other,
    }
}

/// One argument the flag scanner found: a positional, or the value of a flag the runner names
/// its package with.
struct Found<'a> {
    index: usize,
    prefix: &'a str,
    value: &'a str,
}

/// Scans `args[start..]` for the package: the value of a `package_flags` flag wins (the
/// positional is then the program to run from it), else the first positional. Flags in
/// `takes_value` consume the next argument unless written `--flag=value`; short flags may be
/// clustered (`-it`), and in a cluster a value-taking letter takes the rest or the next
/// argument (as pflag and clap read them). `--` ends the flags.
fn scan<'a>(args: &[&'a str], start: usize, takes_value: &[&str], package_flags: &[&str]) -> Option<Found<'a>> {
    let mut i = start;
    let mut package_flag: Option<Found<'a>> = None;
    while i < args.len() {
        let arg = args[i];
        if arg == "--" {
            i += 1;
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, _)) => (format!("--{name}"), true),
                None => (arg.to_owned(), false),
            };
            let is_package_flag = package_flags.contains(&name.as_str());
            if inline {
                if is_package_flag && package_flag.is_none() {
                    let prefix_len = name.len() + 1;
                    package_flag = Some(Found { index: i, prefix: &arg[..prefix_len], value: &arg[prefix_len..] });
                }
                i += 1;
            } else if takes_value.contains(&name.as_str()) || is_package_flag {
                if is_package_flag
                    && package_flag.is_none()
                    && let Some(value) = args.get(i + 1)
                {
                    package_flag = Some(Found { index: i + 1, prefix: "", value });
                }
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        if arg.len() > 1 && arg.starts_with('-') {
            // A cluster of short flags; a value-taking letter takes the rest or the next arg.
            let letters = &arg[1..];
            let mut consumed_next = false;
            for (pos, letter) in letters.char_indices() {
                let flag = format!("-{letter}");
                let is_package_flag = package_flags.contains(&flag.as_str());
                if takes_value.contains(&flag.as_str()) || is_package_flag {
                    let rest = &letters[pos + letter.len_utf8()..];
                    let rest = rest.strip_prefix('=').unwrap_or(rest);
                    if !rest.is_empty() {
                        if is_package_flag && package_flag.is_none() {
                            let prefix_len = arg.len() - rest.len();
                            package_flag = Some(Found { index: i, prefix: &arg[..prefix_len], value: rest });
                        }
                    } else {
                        if is_package_flag
                            && package_flag.is_none()
                            && let Some(value) = args.get(i + 1)
                        {
                            package_flag = Some(Found { index: i + 1, prefix: "", value });
                        }
                        consumed_next = true;
                    }
                    break;
                }
            }
            i += if consumed_next { 2 } else { 1 };
            continue;
        }
        break;
    }
    if package_flag.is_some() {
        return package_flag;
    }
    args.get(i).map(|value| Found { index: i, prefix: "", value })
}

// ---- npm ----

/// npm/npx, bunx, pnpm dlx and yarn dlx flags that take a value (the common ones of npm's
/// config, which `npx` and `npm exec` accept on the command line).
const NPM_VALUE_FLAGS: &[&str] = &[
    "-c",
    "--call",
    "--registry",
    "--cache",
    "--userconfig",
    "--globalconfig",
    "--prefix",
    "-w",
    "--workspace",
    "--node-options",
    "--loglevel",
    "--shell",
    "--script-shell",
    "--scope",
    "--before",
    "--tag",
    "--otp",
    "--proxy",
    "--https-proxy",
    "--cafile",
    "--cwd",
    "--config",
    "--allow-build",
    "--reporter",
];
const NPM_PACKAGE_FLAGS: &[&str] = &["-p", "--package"];

fn npm(runner: &str, args: &[&str], start: usize) -> Detection {
    let not_registry = |reason: String| Detection::NotRegistry {
        ecosystem: Ecosystem::Npm,
        runner: runner.to_owned(),
        reason: shown(&reason),
    };
    let Some(found) = scan(args, start, NPM_VALUE_FLAGS, NPM_PACKAGE_FLAGS) else {
        return not_registry("no package named in the arguments".to_owned());
    };
    match parse_npm_spec(found.value) {
        Ok((name, requested)) => {
            let pinned = requested.as_deref().is_some_and(is_exact_semver);
            Detection::Package(PackageRef {
                ecosystem: Ecosystem::Npm,
                runner: runner.to_owned(),
                name,
                extras: None,
                requested,
                digest: None,
                pinned,
                arg_index: found.index,
                arg_prefix: found.prefix.to_owned(),
            })
        }
        Err(reason) => not_registry(reason),
    }
}

/// A reason as it may be shown: every URL in it without user info (`user:token@`, a token as
/// the user name), query and fragment, where credentials travel (`git+https://TOKEN@host/…`,
/// `https://host/pkg.tgz?token=…`); a URL that does not parse is not shown at all.
fn shown(reason: &str) -> String {
    let mask = |word: &str| -> String {
        // The URL inside quotes or backticks, e.g. "`git+https://t@host/r.git` is not …".
        let start = word.find(|c: char| c.is_ascii_alphanumeric()).unwrap_or(0);
        let end = word.rfind(|c: char| c.is_ascii_alphanumeric() || c == '/').map_or(word.len(), |i| i + 1);
        if !word[start..end.max(start)].contains("://") {
            return word.to_owned();
        }
        let inner = match url::Url::parse(&word[start..end]) {
            Ok(mut url) => {
                // Clearing can only fail for URLs that cannot have user info; they had none.
                let _ = url.set_username("");
                let _ = url.set_password(None);
                url.set_query(None);
                url.set_fragment(None);
                url.to_string()
            }
            Err(_) => "(a URL, not shown)".to_owned(),
        };
        format!("{}{inner}{}", &word[..start], &word[end..])
    };
    reason.split(' ').map(mask).collect::<Vec<_>>().join(" ")
}

/// `name`, `name@spec`, `@scope/name`, `@scope/name@spec` → (name, spec).
fn parse_npm_spec(spec: &str) -> Result<(String, Option<String>), String> {
    let lower = spec.to_ascii_lowercase();
    for scheme in ["git+", "git:", "github:", "gitlab:", "bitbucket:", "gist:", "http:", "https:", "file:", "link:"] {
        if lower.starts_with(scheme) {
            return Err(format!(
                "`{spec}` is not a registry package (a {} source)",
                scheme.trim_end_matches(['+', ':'])
            ));
        }
    }
    if spec.starts_with(['.', '/', '~']) || spec.ends_with(".tgz") {
        return Err(format!("`{spec}` is a local path, not a registry package"));
    }
    let (name, version) = match spec.strip_prefix('@') {
        Some(rest) => match rest.split_once('@') {
            Some((name, version)) => (format!("@{name}"), Some(version)),
            None => (spec.to_owned(), None),
        },
        None => match spec.split_once('@') {
            Some((name, version)) => (name.to_owned(), Some(version)),
            None => (spec.to_owned(), None),
        },
    };
    if let Some(version) = version
        && version.starts_with("npm:")
    {
        return Err(format!("`{spec}` is an npm alias; name the package itself"));
    }
    if spec.contains('/') && !name.starts_with('@') {
        return Err(format!("`{spec}` looks like a GitHub shorthand, not a registry package"));
    }
    if !valid_npm_name(&name) {
        return Err(format!("`{spec}` is not an npm package name"));
    }
    let version = version.filter(|v| !v.is_empty()).map(str::to_owned);
    Ok((name, version))
}

/// npm's name rules: at most 214 characters, lowercase URL-safe characters, an optional
/// `@scope/` prefix, not starting with `.` or `_`.
fn valid_npm_name(name: &str) -> bool {
    let bare = match name.strip_prefix('@') {
        Some(scoped) => match scoped.split_once('/') {
            Some((scope, bare)) if valid_npm_part(scope) => bare,
            _ => return false,
        },
        None => name,
    };
    name.len() <= 214 && valid_npm_part(bare) && !bare.starts_with(['.', '_'])
}

fn valid_npm_part(part: &str) -> bool {
    !part.is_empty()
        && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_' | '~'))
}

/// `MAJOR.MINOR.PATCH` with an optional `-prerelease` and `+build` (SemVer 2.0.0; no `v`, no
/// `=`, no ranges).
fn is_exact_semver(version: &str) -> bool {
    let (core, _build) = match version.split_once('+') {
        Some((core, build)) => (core, Some(build)),
        None => (version, None),
    };
    let (core, pre) = match core.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (core, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    let ident = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    numbers.len() == 3
        && numbers.iter().all(|n| numeric(n))
        && pre.is_none_or(|pre| pre.split('.').all(ident))
        && version.split_once('+').is_none_or(|(_, build)| build.split('.').all(ident))
}

// ---- PyPI ----

/// uv's `tool run` and pipx's `run` options that take a value.
const PYPI_VALUE_FLAGS: &[&str] = &[
    "--with",
    "-w",
    "--with-editable",
    "--with-requirements",
    "--python",
    "-p",
    "--index",
    "--default-index",
    "--index-url",
    "-i",
    "--extra-index-url",
    "--find-links",
    "-f",
    "--constraints",
    "-c",
    "--overrides",
    "--build-constraints",
    "-b",
    "--cache-dir",
    "--directory",
    "--project",
    "--config-file",
    "--index-strategy",
    "--keyring-provider",
    "--resolution",
    "--prerelease",
    "--exclude-newer",
    "--refresh-package",
    "--upgrade-package",
    "-P",
    "--reinstall-package",
    "--no-build-package",
    "--no-binary-package",
    "--config-setting",
    "-C",
    "--link-mode",
    "--color",
    "--env-file",
    "--allow-insecure-host",
    "--python-platform",
    "--torch-backend",
    "--pip-args",
];
const PYPI_PACKAGE_FLAGS: &[&str] = &["--from", "--spec"];

fn pypi(runner: &str, args: &[&str], start: usize) -> Detection {
    let not_registry = |reason: String| Detection::NotRegistry {
        ecosystem: Ecosystem::Pypi,
        runner: runner.to_owned(),
        reason: shown(&reason),
    };
    let Some(found) = scan(args, start, PYPI_VALUE_FLAGS, PYPI_PACKAGE_FLAGS) else {
        return not_registry("no package named in the arguments".to_owned());
    };
    match parse_pep508(found.value) {
        Ok((name, extras, requested, pinned)) => Detection::Package(PackageRef {
            ecosystem: Ecosystem::Pypi,
            runner: runner.to_owned(),
            name,
            extras,
            requested,
            digest: None,
            pinned,
            arg_index: found.index,
            arg_prefix: found.prefix.to_owned(),
        }),
        Err(reason) => not_registry(reason),
    }
}

/// A requirement as runners take it: `name`, `name[extras]`, `name==1.2.3`, `name>=1,<2`, and
/// uv's `name@1.2.3` / `name@latest` → (name, extras, requested, pinned).
#[allow(clippy::type_complexity)]
fn parse_pep508(spec: &str) -> Result<(String, Option<String>, Option<String>, bool), String> {
    let lower = spec.to_ascii_lowercase();
    if lower.contains("://") || lower.starts_with("git+") || spec.contains(" @ ") {
        return Err(format!("`{spec}` is a direct URL or VCS source, not a registry package"));
    }
    if spec.starts_with(['.', '/', '~']) || lower.ends_with(".whl") || lower.ends_with(".tar.gz") {
        return Err(format!("`{spec}` is a local path, not a registry package"));
    }
    let name_end =
        spec.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))).unwrap_or(spec.len());
    let name = &spec[..name_end];
    if name.is_empty()
        || !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        return Err(format!("`{spec}` is not a Python package name"));
    }
    let mut rest = &spec[name_end..];
    let mut extras = None;
    if rest.starts_with('[') {
        let Some(close) = rest.find(']') else { return Err(format!("`{spec}`: unclosed extras `[`")) };
        extras = Some(rest[..=close].to_owned());
        rest = &rest[close + 1..];
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return Ok((name.to_owned(), extras, None, false));
    }
    if let Some(version) = rest.strip_prefix('@') {
        // uv's `tool@version` / `tool@latest`.
        let version = version.trim();
        if version.is_empty() {
            return Err(format!("`{spec}`: no version after `@`"));
        }
        let pinned = version != "latest" && is_exact_pep440(version);
        return Ok((name.to_owned(), extras, Some(version.to_owned()), pinned));
    }
    if rest.contains(';') {
        return Err(format!("`{spec}`: environment markers are not supported on a runner's command line"));
    }
    if !rest.starts_with(['=', '<', '>', '!', '~']) {
        return Err(format!("`{spec}` is not a Python requirement (expected `name`, `name==1.2.3` or `name>=1`)"));
    }
    let pinned = match rest.strip_prefix("===") {
        Some(exact) => !exact.trim().is_empty() && !exact.contains(','),
        None => {
            rest.strip_prefix("==").is_some_and(|exact| !exact.contains([',', '*']) && is_exact_pep440(exact.trim()))
        }
    };
    Ok((name.to_owned(), extras, Some(rest.to_owned()), pinned))
}

/// A PEP 440 version with no wildcard or operator (`1.2.3`, `2.0rc1`, `1.0.post1`, `1!2.0`).
fn is_exact_pep440(version: &str) -> bool {
    !version.is_empty()
        && version.starts_with(|c: char| c.is_ascii_digit())
        && version.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '!' | '+' | '-' | '_'))
}

// ---- OCI ----

/// `docker run` / `podman run` options that take a value.
const OCI_VALUE_FLAGS: &[&str] = &[
    "-e",
    "--env",
    "--env-file",
    "-v",
    "--volume",
    "--mount",
    "--name",
    "-p",
    "--publish",
    "--network",
    "--net",
    "-u",
    "--user",
    "-w",
    "--workdir",
    "--entrypoint",
    "-l",
    "--label",
    "--label-file",
    "-a",
    "--attach",
    "--add-host",
    "--cap-add",
    "--cap-drop",
    "--cpus",
    "-m",
    "--memory",
    "--memory-swap",
    "--memory-reservation",
    "--platform",
    "--pull",
    "--restart",
    "--security-opt",
    "--tmpfs",
    "--ulimit",
    "--device",
    "--dns",
    "--dns-option",
    "--dns-search",
    "-h",
    "--hostname",
    "--domainname",
    "--ipc",
    "--pid",
    "--log-driver",
    "--log-opt",
    "--gpus",
    "--runtime",
    "--shm-size",
    "--stop-signal",
    "--stop-timeout",
    "--cidfile",
    "--cgroupns",
    "--cgroup-parent",
    "--group-add",
    "--health-cmd",
    "--health-interval",
    "--health-retries",
    "--health-timeout",
    "--health-start-period",
    "-c",
    "--cpu-shares",
    "--cpuset-cpus",
    "--cpuset-mems",
    "--cpu-period",
    "--cpu-quota",
    "--expose",
    "--link",
    "--mac-address",
    "--ip",
    "--ip6",
    "--userns",
    "--uts",
    "--volumes-from",
    "--isolation",
    "--storage-opt",
    "--sysctl",
    "--blkio-weight",
    "--device-cgroup-rule",
    "--network-alias",
    "--oom-score-adj",
    "--pids-limit",
    "--detach-keys",
    "--annotation",
    "--arch",
    "--os",
    "--variant",
    "--secret",
    "--authfile",
    "--creds",
    "--cert-dir",
    "--decryption-key",
];

fn oci(program: &str, args: &[&str]) -> Detection {
    let start = match (args.first(), args.get(1)) {
        (Some(&"run"), _) => 1,
        (Some(&"container"), Some(&"run")) => 2,
        _ => return Detection::NotPackage,
    };
    let runner = format!("{program} run");
    let Some(found) = scan(args, start, OCI_VALUE_FLAGS, &[]) else {
        return Detection::NotRegistry {
            ecosystem: Ecosystem::Oci,
            runner,
            reason: "no image named in the arguments".to_owned(),
        };
    };
    match parse_image(found.value) {
        Ok((name, tag, digest)) => Detection::Package(PackageRef {
            ecosystem: Ecosystem::Oci,
            runner,
            name,
            extras: None,
            pinned: digest.is_some(),
            requested: tag,
            digest,
            arg_index: found.index,
            arg_prefix: String::new(),
        }),
        Err(reason) => Detection::NotRegistry { ecosystem: Ecosystem::Oci, runner, reason: shown(&reason) },
    }
}

/// `[registry/]repository[:tag][@algorithm:hex]` → (name, tag, digest).
fn parse_image(reference: &str) -> Result<(String, Option<String>, Option<String>), String> {
    let (rest, digest) = match reference.split_once('@') {
        Some((rest, digest)) => {
            let valid = digest.split_once(':').is_some_and(|(alg, hex)| {
                !alg.is_empty() && hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
            });
            if !valid {
                return Err(format!("`{reference}`: `{digest}` is not an image digest (`sha256:` and hex)"));
            }
            (rest, Some(digest.to_owned()))
        }
        None => (reference, None),
    };
    // The tag is after the last `:` of the last path component (a registry port is earlier).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(colon) => (&rest[..last_slash + colon], Some(rest[last_slash + colon + 1..].to_owned())),
        None => (rest, None),
    };
    let valid_name = !name.is_empty()
        && name.split('/').enumerate().all(|(i, part)| {
            !part.is_empty()
                && part.chars().all(|c| {
                    c.is_ascii_lowercase()
                        || c.is_ascii_digit()
                        || matches!(c, '.' | '_' | '-')
                        || (i == 0 && (c == ':' || c.is_ascii_uppercase()))
                })
        });
    if !valid_name {
        return Err(format!("`{reference}` is not an image reference"));
    }
    if let Some(tag) = &tag
        && (tag.is_empty()
            || tag.len() > 128
            || !tag.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!("`{reference}`: `{tag}` is not an image tag"));
    }
    Ok((name.to_owned(), tag, digest))
}

#[cfg(test)]
#[path = "package_ref_tests.rs"]
mod tests;
