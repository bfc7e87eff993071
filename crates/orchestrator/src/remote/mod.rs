//! Sharing profiles through an OCI registry (SPEC §11): the remotes this home knows
//! (`config`), how a version is laid out as an OCI artifact and tagged (`layout`), the
//! registry connection (`oci`, over `oci-client`), and the two directions (`push`, `pull`).
//! The operations adapters call are in `service/remote.rs`; credentials are found by the
//! adapters (environment, Docker's config, credential helpers) and handed in.

pub mod config;
pub mod layout;
pub mod oci;
pub mod pull;
pub mod push;

pub use config::{Credentials, Remote, RemoteInfo, RemoteUrl};
pub use push::Pushed;

use crate::ids::{ClientId, ProfileId};

/// Which profiles a push, pull or status covers.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// One subject (a client id or `_shared`), or every subject.
    pub subject: Option<ClientId>,
    /// One profile name, or every profile.
    pub profile: Option<ProfileId>,
}

impl Scope {
    /// True when (subject, profile) is in the scope.
    pub fn covers(&self, client: &ClientId, profile: &ProfileId) -> bool {
        self.subject.as_ref().is_none_or(|s| s == client) && self.profile.as_ref().is_none_or(|p| p == profile)
    }
}
