//! Where each client keeps its config file, per OS and scope, computed from [`HostFacts`]
//! handed in by the caller: this module never reads the process environment or HOME.
//! Only [`detect`] (which also lists the directory of a location whose siblings are the
//! client's: Continue's block files) and the upward search for a project root ([`project_root`], when
//! [`HostFacts::search_project_root`] asks for it) touch the file system, and only to stat.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::ClientInfo;

/// An operating system family whose path conventions differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    Linux,
    Macos,
    Windows,
}

/// What the caller knows of the machine: OS, home directory, the environment overrides that
/// matter here (`APPDATA`, `LOCALAPPDATA`, `XDG_CONFIG_HOME`, `CLAUDE_CONFIG_DIR`, `CODEX_HOME`,
/// `OPENCODE_CONFIG`, `CONTINUE_GLOBAL_DIR`, …; see [`ENV_OVERRIDES`]) and the project
/// directory, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    pub os: Os,
    pub home: PathBuf,
    pub vars: BTreeMap<String, String>,
    /// The project directory (`search_project_root: false`: `--project DIR`, a declared root),
    /// or where the search for it starts (`true`: the current directory).
    pub project_dir: Option<PathBuf>,
    /// `true`: project-scope files are found from `project_dir` upward to the project root,
    /// the nearest directory with a VCS root (`.git`, `.hg`, `.jj`, `.svn`) or one of the
    /// client's project-scope files, like git finds its repository (the search stops at
    /// `home`; with no root found, `project_dir` itself is the project). `false`:
    /// `project_dir` is the project root as given.
    pub search_project_root: bool,
}

/// What marks a directory as a project root for the upward search, besides a client's
/// project-scope file.
pub const VCS_MARKERS: &[&str] = &[".git", ".hg", ".jj", ".svn"];

/// Clients that read their project file only in the directory they run in, never above it:
/// Gemini CLI and Qwen Code (`gemini mcp list` 0.61.0 and `qwen mcp list` 0.15.10 run from
/// `proj/src` do not list `proj/.gemini/settings.json`, `proj/.qwen/settings.json`, with `proj`
/// a git root; scripts/test-client-programs.sh). Their project is the current directory.
const PROJECT_IS_CWD: &[&str] = &["gemini-cli", "qwen-code"];

/// The environment variables path resolution honours, so an adapter can copy just these.
pub const ENV_OVERRIDES: &[&str] = &[
    "APPDATA",
    "LOCALAPPDATA",
    "XDG_CONFIG_HOME",
    "CLAUDE_CONFIG_DIR",
    "CODEX_HOME",
    "OPENCODE_CONFIG",
    "CONTINUE_GLOBAL_DIR",
    "COPILOT_HOME",
];

/// Whose servers a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The user's own, for every project.
    User,
    /// Checked into a project (`.mcp.json`, `.cursor/mcp.json`, `.vscode/mcp.json`, …).
    Project,
    /// The user's, for one project only, kept outside it (Claude Code `projects.<path>` in
    /// `~/.claude.json`).
    Local,
}

impl Scope {
    /// Every scope, in the order they are listed.
    pub const ALL: [Scope; 3] = [Scope::User, Scope::Project, Scope::Local];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::Project => "project",
            Scope::Local => "local",
        }
    }

    /// `user`, `project` or `local`.
    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where inside a file the servers live: the key path from the root to the server map (or
/// list). `["mcpServers"]`, `["mcp", "servers"]`, `["projects", "/abs/dir", "mcpServers"]`.
/// It also knows whether the file is in the client's own shape or in another one the client
/// reads too (Continue's `mcpServers/*.json`), which [`ClientInfo::config_paths`] sets.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Placement(pub Vec<String>, #[serde(skip)] pub(crate) FileShape);

/// The shape of one of a client's files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) enum FileShape {
    /// The client's own format and dialect.
    #[default]
    Native,
    /// A Claude-Desktop-like JSON file (`{"mcpServers": {name: entry}}`) that the client reads
    /// besides its own files (Continue: `~/.continue/mcpServers/*.json`).
    ClaudeJson,
}

impl Placement {
    pub fn new<S: AsRef<str>>(path: &[S]) -> Self {
        Placement(path.iter().map(|s| s.as_ref().to_owned()).collect(), FileShape::Native)
    }

    /// The key path joined with dots, for messages.
    pub fn display(&self) -> String {
        self.0.join(".")
    }
}

/// One place a client reads servers from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigLocation {
    pub scope: Scope,
    pub path: PathBuf,
    /// Where in the file the servers are.
    pub placement: Placement,
    /// `false`: the documented place for this scope; `true`: an alternative the client has used
    /// (older versions, a sandboxed install), worth probing.
    pub alternative: bool,
}

/// Which OSes a location applies to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum OnOs {
    All,
    Unix,
    Only(Os),
}

/// Directory a location is relative to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Base {
    Home,
    /// `$XDG_CONFIG_HOME`, else `~/.config` (also used on macOS and Windows by CLI tools).
    XdgConfig,
    /// The OS config dir of desktop apps: `$XDG_CONFIG_HOME` or `~/.config` on Linux,
    /// `~/Library/Application Support` on macOS, `%APPDATA%` on Windows.
    AppConfig,
    /// `%LOCALAPPDATA%`, else `~\AppData\Local`.
    LocalAppData,
    /// The project directory (the location is skipped without one).
    Project,
    /// `$VAR` when it is set; the location does not exist otherwise.
    VarOnly(&'static str),
    /// `$VAR` if set, else `default` joined with `default_rel`.
    Var {
        var: &'static str,
        default: &'static Base,
        default_rel: &'static str,
    },
}

/// A location in the client table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LocationSpec {
    pub scope: Scope,
    pub on: OnOs,
    pub base: Base,
    /// Path below `base`, `/`-separated.
    pub rel: &'static str,
    pub alternative: bool,
    /// Where the servers live in this file when it is not the dialect's default.
    pub placement: Option<&'static [&'static str]>,
    /// A file beside this one that the client stops reading once this one exists (Continue's
    /// `config.json` when `config.yaml` is created).
    pub shadows: Option<&'static str>,
    /// The file is in another shape than the client's own.
    pub shape: FileShape,
    /// Written instead of the scope's documented file when creating that file would make the
    /// client stop reading the file it shadows (Continue: `config.json` users get
    /// `~/.continue/mcpServers/mcp-orchestration.json`).
    pub when_shadowed: bool,
    /// The other files of this one's directory with these extensions are the client's too
    /// (Continue reads every block file of `.continue/mcpServers/`): [`detect`] lists them, as
    /// alternatives; nothing writes them.
    pub siblings: Option<&'static [&'static str]>,
}

impl LocationSpec {
    pub(crate) const fn new(scope: Scope, on: OnOs, base: Base, rel: &'static str) -> Self {
        LocationSpec {
            scope,
            on,
            base,
            rel,
            alternative: false,
            placement: None,
            shadows: None,
            shape: FileShape::Native,
            when_shadowed: false,
            siblings: None,
        }
    }
    pub(crate) const fn claude_json(mut self) -> Self {
        self.shape = FileShape::ClaudeJson;
        self
    }
    pub(crate) const fn when_shadowed(mut self) -> Self {
        self.when_shadowed = true;
        self.alternative = true;
        self
    }
    pub(crate) const fn with_siblings(mut self, extensions: &'static [&'static str]) -> Self {
        self.siblings = Some(extensions);
        self
    }
    pub(crate) const fn shadowing(mut self, sibling: &'static str) -> Self {
        self.shadows = Some(sibling);
        self
    }
    pub(crate) const fn alt(mut self) -> Self {
        self.alternative = true;
        self
    }
    pub(crate) const fn at(mut self, placement: &'static [&'static str]) -> Self {
        self.placement = Some(placement);
        self
    }
}

fn applies(on: OnOs, os: Os) -> bool {
    match on {
        OnOs::All => true,
        OnOs::Unix => os != Os::Windows,
        OnOs::Only(o) => o == os,
    }
}

fn sep(os: Os) -> char {
    if os == Os::Windows { '\\' } else { '/' }
}

/// Joins `/`-separated `rel` below `base` with the OS's separator.
fn join(os: Os, base: &str, rel: &str) -> String {
    let mut out = base.trim_end_matches(['/', '\\']).to_owned();
    for part in rel.split('/').filter(|p| !p.is_empty()) {
        out.push(sep(os));
        out.push_str(part);
    }
    out
}

fn var<'a>(facts: &'a HostFacts, name: &str) -> Option<&'a str> {
    facts.vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

fn base_dir(facts: &HostFacts, base: &Base) -> Option<String> {
    let home = facts.home.to_string_lossy().into_owned();
    let os = facts.os;
    Some(match base {
        Base::Home => home,
        Base::XdgConfig => var(facts, "XDG_CONFIG_HOME").map_or_else(|| join(os, &home, ".config"), str::to_owned),
        Base::AppConfig => match os {
            Os::Linux => var(facts, "XDG_CONFIG_HOME").map_or_else(|| join(os, &home, ".config"), str::to_owned),
            Os::Macos => join(os, &home, "Library/Application Support"),
            Os::Windows => var(facts, "APPDATA").map_or_else(|| join(os, &home, "AppData/Roaming"), str::to_owned),
        },
        Base::LocalAppData => {
            var(facts, "LOCALAPPDATA").map_or_else(|| join(os, &home, "AppData/Local"), str::to_owned)
        }
        Base::Project => facts.project_dir.as_ref()?.to_string_lossy().into_owned(),
        Base::VarOnly(name) => var(facts, name)?.to_owned(),
        Base::Var { var: name, default, default_rel } => match var(facts, name) {
            Some(v) => v.to_owned(),
            None => join(os, &base_dir(facts, default)?, default_rel),
        },
    })
}

/// The project directory of `client` on this host: `project_dir` as given, or, when
/// [`HostFacts::search_project_root`], the nearest directory from it upward (not above
/// `home`) holding a VCS root or one of the client's project-scope files (one that is not also
/// a user-scope file: `~/.cursor/mcp.json` marks no project); with none, `project_dir`.
pub(crate) fn project_root(client: &ClientInfo, facts: &HostFacts) -> Option<PathBuf> {
    project_root_with(client, facts, VcsRoot::Search, &mut |_| {})
}

/// Tells a caller each path detection looks at (stats, or lists when it is a directory) just
/// before it does: a cache of detection is valid while none of them changed.
pub(crate) type Consult<'a> = &'a mut dyn FnMut(&Path);

/// Where the VCS root is for [`project_root_with`]: looked for at each directory on the way
/// up, or already found by [`vcs_root`] (shared by every client in [`detect`]).
#[derive(Clone, Copy)]
enum VcsRoot<'a> {
    Search,
    Found(Option<&'a Path>),
}

/// The nearest directory from `project_dir` upward (not above `home`) holding a VCS root.
fn vcs_root(facts: &HostFacts, consult: Consult<'_>) -> Option<PathBuf> {
    let start = facts.project_dir.as_ref().filter(|_| facts.search_project_root)?;
    for dir in start.ancestors() {
        if has_vcs_marker(dir, consult) {
            return Some(dir.to_path_buf());
        }
        if dir == facts.home {
            break;
        }
    }
    None
}

fn has_vcs_marker(dir: &Path, consult: Consult<'_>) -> bool {
    VCS_MARKERS.iter().any(|m| {
        let marker = dir.join(m);
        consult(&marker);
        std::fs::symlink_metadata(marker).is_ok()
    })
}

fn project_root_with(
    client: &ClientInfo,
    facts: &HostFacts,
    vcs: VcsRoot<'_>,
    consult: Consult<'_>,
) -> Option<PathBuf> {
    let start = facts.project_dir.as_ref()?;
    if !facts.search_project_root || PROJECT_IS_CWD.contains(&client.id) {
        return Some(start.clone());
    }
    let project_rels: Vec<&str> = client
        .locations
        .iter()
        .filter(|s| s.scope == Scope::Project && matches!(s.base, Base::Project) && applies(s.on, facts.os))
        .map(|s| s.rel)
        .collect();
    let users = user_paths(client, facts);
    for dir in start.ancestors() {
        let base = dir.to_string_lossy();
        let has_project_file = project_rels.iter().any(|rel| {
            let path = PathBuf::from(join(facts.os, &base, rel));
            !users.contains(&path) && {
                consult(&path);
                path.is_file()
            }
        });
        let is_vcs_root = match vcs {
            VcsRoot::Search => has_vcs_marker(dir, consult),
            VcsRoot::Found(root) => root == Some(dir),
        };
        if has_project_file || is_vcs_root {
            return Some(dir.to_path_buf());
        }
        if dir == facts.home {
            break;
        }
    }
    Some(start.clone())
}

/// The paths of the client's user- and local-scope locations (no project needed).
fn user_paths(client: &ClientInfo, facts: &HostFacts) -> Vec<PathBuf> {
    client
        .locations
        .iter()
        .filter(|s| s.scope != Scope::Project && applies(s.on, facts.os))
        .filter_map(|s| Some(PathBuf::from(join(facts.os, &base_dir(facts, &s.base)?, s.rel))))
        .collect()
}

/// The locations of `client` on this host, documented ones first. Project-scope places are
/// below [`project_root`]; one that is also a user-scope file (the project is `home`) is
/// listed once, as the user's.
pub(crate) fn resolve(client: &ClientInfo, facts: &HostFacts) -> Vec<ConfigLocation> {
    resolve_in(client, facts, project_root(client, facts))
}

/// [`resolve`] with the client's project root already found.
fn resolve_in(client: &ClientInfo, facts: &HostFacts, root: Option<PathBuf>) -> Vec<ConfigLocation> {
    let facts = &HostFacts { project_dir: root, search_project_root: false, ..facts.clone() };
    let users = user_paths(client, facts);
    let mut out: Vec<ConfigLocation> = Vec::new();
    for spec in client.locations.iter().filter(|s| applies(s.on, facts.os)) {
        let Some(base) = base_dir(facts, &spec.base) else { continue };
        let path = PathBuf::from(join(facts.os, &base, spec.rel));
        if spec.scope == Scope::Project && users.contains(&path) {
            continue;
        }
        let placement = match (spec.scope, spec.placement) {
            (Scope::Local, Some(p)) => {
                let Some(project) = &facts.project_dir else { continue };
                // `{project}` in a placement stands for the absolute project directory.
                let project = project.to_string_lossy().into_owned();
                let keys = p.iter().map(|k| if *k == "{project}" { project.clone() } else { (*k).to_owned() });
                Placement(keys.collect(), spec.shape)
            }
            (_, Some(p)) => Placement(Placement::new(p).0, spec.shape),
            (_, None) => Placement(Placement::new(client.dialect.container).0, spec.shape),
        };
        let location = ConfigLocation { scope: spec.scope, path, placement, alternative: spec.alternative };
        if !out.contains(&location) {
            out.push(location);
        }
    }
    out
}

/// The scopes the client has on `os`, in [`Scope::ALL`] order.
pub(crate) fn scopes(client: &ClientInfo, os: Os) -> Vec<Scope> {
    Scope::ALL
        .into_iter()
        .filter(|scope| client.locations.iter().any(|s| s.scope == *scope && applies(s.on, os)))
        .collect()
}

/// The file beside `path` that the client stops reading once `path` exists, when `path` is
/// one of its locations that shadows another (Continue: `config.yaml` hides `config.json`).
pub(crate) fn shadowed(client: &ClientInfo, facts: &HostFacts, path: &Path) -> Option<PathBuf> {
    client.locations.iter().filter(|s| applies(s.on, facts.os)).find_map(|spec| {
        let sibling = spec.shadows?;
        let own = PathBuf::from(join(facts.os, &base_dir(facts, &spec.base)?, spec.rel));
        (own == path).then(|| own.with_file_name(sibling))
    })
}

/// The location of `scope` to write instead of `path` when creating `path` would make the
/// client stop reading the file it shadows (see [`LocationSpec::when_shadowed`]).
pub(crate) fn instead_of_shadowing(client: &ClientInfo, facts: &HostFacts, path: &Path) -> Option<ConfigLocation> {
    let scope = resolve(client, facts).into_iter().find(|l| l.path == path)?.scope;
    client.locations.iter().filter(|s| applies(s.on, facts.os) && s.when_shadowed && s.scope == scope).find_map(
        |spec| {
            let own = PathBuf::from(join(facts.os, &base_dir(facts, &spec.base)?, spec.rel));
            resolve(client, facts).into_iter().find(|l| l.path == own)
        },
    )
}

/// The other files beside `location` (same directory, one of `extensions`), sorted: Continue's
/// block files. Lists one directory; a missing one has none.
fn siblings(location: &ConfigLocation, extensions: &[&str], consult: Consult<'_>) -> Vec<ConfigLocation> {
    let Some(dir) = location.path.parent() else { return Vec::new() };
    // The listing, and every entry's type with it (a directory consulted stands for its entries).
    consult(dir);
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p != &location.path && p.is_file())
        .filter(|p| p.extension().is_some_and(|x| extensions.iter().any(|e| x == *e)))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            // A YAML block is in the client's own dialect; a JSON file in the Claude-like one.
            let yaml = path.extension().is_some_and(|x| x == "yaml" || x == "yml");
            let shape = if yaml { FileShape::Native } else { FileShape::ClaudeJson };
            let placement = Placement(location.placement.0.clone(), shape);
            ConfigLocation { path, alternative: true, placement, ..location.clone() }
        })
        .collect()
}

/// What exists on disk of one location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Presence {
    /// The file exists.
    File,
    /// The file does not, but its directory does (the client is probably installed).
    DirectoryOnly,
    /// Neither.
    Missing,
}

/// One client as found on this machine.
#[derive(Debug, Clone, Serialize)]
pub struct Detected {
    pub client_id: &'static str,
    /// Every location with what exists of it.
    pub locations: Vec<(ConfigLocation, Presence)>,
}

impl Detected {
    /// Whether any file or directory of the client was found.
    pub fn found(&self) -> bool {
        self.locations.iter().any(|(_, p)| *p != Presence::Missing)
    }
}

fn presence(path: &Path, facts: &HostFacts, root: Option<&Path>, consult: Consult<'_>) -> Presence {
    // A file directly in the home, current or project directory tells nothing by its directory.
    // Another file's directory is looked at first: when it is missing (most clients are not
    // installed), so is the file, and one `stat` answers instead of two.
    let telling = path
        .parent()
        .filter(|dir| *dir != facts.home && Some(*dir) != facts.project_dir.as_deref() && Some(*dir) != root);
    if let Some(dir) = telling {
        consult(dir);
    }
    consult(path);
    match telling {
        Some(dir) if !dir.is_dir() => Presence::Missing,
        Some(_) if path.is_file() => Presence::File,
        Some(_) => Presence::DirectoryOnly,
        None if path.is_file() => Presence::File,
        None => Presence::Missing,
    }
}

/// Stats every location of every client. The VCS root above the project directory is looked
/// for once for all of them, and each client's project root once.
pub(crate) fn detect(clients: &'static [ClientInfo], facts: &HostFacts, consult: Consult<'_>) -> Vec<Detected> {
    let vcs = vcs_root(facts, consult);
    clients
        .iter()
        .map(|c| {
            let root = project_root_with(c, facts, VcsRoot::Found(vcs.as_deref()), consult);
            let mut locations = Vec::new();
            for location in resolve_in(c, facts, root.clone()) {
                let extensions = c
                    .locations
                    .iter()
                    .filter(|s| applies(s.on, facts.os) && s.scope == location.scope)
                    .find_map(|s| s.siblings.filter(|_| location.path.ends_with(s.rel)));
                let more = extensions.map(|x| siblings(&location, x, consult)).unwrap_or_default();
                let p = presence(&location.path, facts, root.as_deref(), consult);
                locations.push((location, p));
                locations.extend(more.into_iter().map(|l| (l, Presence::File)));
            }
            Detected { client_id: c.id, locations }
        })
        .collect()
}
