//! The home directory's layout: every path the program reads or writes under the home is
//! built here, from validated ids, so no other module joins user input onto a path.
//!
//! ```text
//! layout.json                              {"layout": 2} (2 added shared profiles: `_shared`)
//! .lock                                    serializes every change to the home
//! keys/signing_key.pem                     Ed25519 private key, PKCS#8 PEM, 0600
//! keys/verification_key.pem                its public key, SPKI PEM
//! keys/trusted/<hex>.pub                   public keys whose signatures are accepted
//! keys/retired/<hex>.pem                   private keys replaced by `keys rotate`, 0600
//! objects/<hex>.json                       payload JCS bytes, named by artifact id
//! history/<client>/<profile>/<version>.json signed envelopes, written once (<client> is `_shared`
//!                                          for the profiles every client shares)
//! heads/<client>/<profile>.json            the head: version and artifact id
//! seen/<client>/<profile>.json             the highest version ever seen (rollback check)
//! events/<YYYY-MM-DD>.jsonl                the event log
//! secrets.json                             values of ${secret:NAME} references, 0600
//! remotes.json                             OCI remotes (`remote add`) and `remote login` credentials, 0600
//! locks/<hash>.lock                        one lock per client file written by deploy/rollback
//! drafts/<client>/<profile>.json           mutable working copies (imports, draft edits)
//! deployments/<client>/<id>.json           deployment records
//! cache/profile-names/<client>            sorted names of heads/<client>/ (a cache, see `name_index`)
//! deployments/backups/<hex>                bytes of client files before/after each write, 0600
//! policies/<layer>/<name>.json            signed policies this home honours (layer: org, team, user)
//! artifacts/, index/                       a legacy (Python tool) store, read-only to us
//! ```

use std::path::{Path, PathBuf};

use crate::canonical::ContentId;
use crate::ids::{ClientId, ProfileId};

/// The version of the layout above, written to `layout.json`.
pub const LAYOUT_VERSION: u64 = 2;

/// The home directory and every path inside it.
#[derive(Debug, Clone)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// A home at `root` (which may not exist yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Home { root: root.into() }
    }
    /// The home directory.
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// `layout.json`.
    pub fn layout_file(&self) -> PathBuf {
        self.root.join("layout.json")
    }
    /// The lock file every change takes.
    pub fn lock_file(&self) -> PathBuf {
        self.root.join(".lock")
    }
    /// `keys/`.
    pub fn keys_dir(&self) -> PathBuf {
        self.root.join("keys")
    }
    /// The private key.
    pub fn signing_key(&self) -> PathBuf {
        self.keys_dir().join("signing_key.pem")
    }
    /// The public key of the private key.
    pub fn verification_key(&self) -> PathBuf {
        self.keys_dir().join("verification_key.pem")
    }
    /// `keys/trusted/`.
    pub fn trusted_dir(&self) -> PathBuf {
        self.keys_dir().join("trusted")
    }
    /// A trusted key's file.
    pub fn trusted_key(&self, key_hex: &str) -> PathBuf {
        self.trusted_dir().join(format!("{key_hex}.pub"))
    }
    /// Where a rotated-out private key is kept.
    pub fn retired_key(&self, key_hex: &str) -> PathBuf {
        self.keys_dir().join("retired").join(format!("{key_hex}.pem"))
    }
    /// A payload object.
    pub fn object(&self, id: &ContentId) -> PathBuf {
        self.objects_dir().join(format!("{}.json", id.hex()))
    }
    /// `objects/`.
    pub fn objects_dir(&self) -> PathBuf {
        self.root.join("objects")
    }
    /// `history/`.
    pub fn history_root(&self) -> PathBuf {
        self.root.join("history")
    }
    /// The history of one profile.
    pub fn history_dir(&self, client: &ClientId, profile: &ProfileId) -> PathBuf {
        self.history_root().join(client.as_str()).join(profile.as_str())
    }
    /// One version's envelope.
    pub fn envelope(&self, client: &ClientId, profile: &ProfileId, version: u64) -> PathBuf {
        self.history_dir(client, profile).join(format!("{version:010}.json"))
    }
    /// `heads/<client>/`.
    pub fn heads_dir(&self, client: &ClientId) -> PathBuf {
        self.root.join("heads").join(client.as_str())
    }
    /// A profile's head.
    pub fn head(&self, client: &ClientId, profile: &ProfileId) -> PathBuf {
        self.heads_dir(client).join(format!("{}.json", profile.as_str()))
    }
    /// `cache/profile-names/<client>`: the index of a client's profile names (a cache, see
    /// [`crate::name_index`]; outside `heads/` so writing it leaves that directory alone).
    pub fn name_index(&self, client: &ClientId) -> PathBuf {
        self.root.join("cache").join("profile-names").join(client.as_str())
    }
    /// A profile's highest seen version.
    pub fn seen(&self, client: &ClientId, profile: &ProfileId) -> PathBuf {
        self.root.join("seen").join(client.as_str()).join(format!("{}.json", profile.as_str()))
    }
    /// `events/`.
    pub fn events_dir(&self) -> PathBuf {
        self.root.join("events")
    }
    /// The lock guarding writes of one client file, named by the hash of its real path.
    pub fn target_lock(&self, real_path: &Path) -> PathBuf {
        let id = ContentId::of(real_path.as_os_str().as_encoded_bytes());
        self.root.join("locks").join(format!("{}.lock", &id.hex()[..32]))
    }
    /// `remotes.json`: the OCI remotes and their stored logins (0600).
    pub fn remotes_file(&self) -> PathBuf {
        self.root.join("remotes.json")
    }
    /// The secret store (0600).
    pub fn secrets_file(&self) -> PathBuf {
        self.root.join("secrets.json")
    }
    /// `drafts/<client>/<profile>.json`.
    pub fn draft(&self, client: &ClientId, profile: &ProfileId) -> PathBuf {
        self.root.join("drafts").join(client.as_str()).join(format!("{}.json", profile.as_str()))
    }
    /// The signed policies of one layer (`org`, `team`, `user`).
    pub fn policies_dir(&self, layer: &str) -> PathBuf {
        self.root.join("policies").join(layer)
    }

    /// A signed policy (`layer` and `name` validated by the caller: a layer name and a
    /// profile-grammar name).
    pub fn policy_file(&self, layer: &str, name: &str) -> PathBuf {
        self.policies_dir(layer).join(format!("{name}.json"))
    }

    /// The rollback floor of a policy: `policies/seen/<layer>/<name>.json` (`seen` is no layer,
    /// so the policies of the layers never include it).
    pub fn policy_seen(&self, layer: &str, name: &str) -> PathBuf {
        self.root.join("policies").join("seen").join(layer).join(format!("{name}.json"))
    }

    /// The legacy store's `artifacts/`.
    pub fn legacy_artifacts_dir(&self) -> PathBuf {
        self.root.join("artifacts")
    }
    /// The legacy store's `index/`.
    pub fn legacy_index_dir(&self) -> PathBuf {
        self.root.join("index")
    }
}
