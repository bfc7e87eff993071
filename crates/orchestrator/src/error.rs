//! The error of a core operation, and the documented kind (and exit code) of each failure.
//!
//! Each module keeps its own error enum with typed fields; this enum gathers them for the
//! operations that adapters call, and [`Error::kind`] says which documented exit code a
//! failure maps to. Messages name the thing and what to do; causes stay in `source`.

use std::path::PathBuf;

use crate::artifact::{FailureKind, VerifyError};
use crate::canonical::{BadContentId, CanonicalError};
use crate::crypto::CryptoError;
use crate::deploy::write::WriteError;
use crate::fsutil::{CheckedError, Exposure, FsError, LockError, UnsafePath};
use crate::ids::IdError;
use dialects::DialectError;

/// The documented classes of failure (SPEC §8), each with its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 1: any other failure.
    Other,
    /// 2: usage error.
    Usage,
    /// 3: not found (client, profile, artifact, server, file).
    NotFound,
    /// 4: integrity (hash mismatch, malformed or non-canonical artifact, refused payload bytes).
    Integrity,
    /// 6: validation failed.
    Validation,
    /// 7: conflict (file changed underneath, lock not obtained in time).
    Conflict,
    /// 8: signature or trust.
    Signature,
    /// 9: freshness (rollback, expired).
    Freshness,
    /// 10: refused as unsafe (key readable by others, path escaping its directory, unparsable target).
    Unsafe,
}

impl ErrorKind {
    /// The process exit code of this kind.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Other => 1,
            ErrorKind::Usage => 2,
            ErrorKind::NotFound => 3,
            ErrorKind::Integrity => 4,
            ErrorKind::Validation => 6,
            ErrorKind::Conflict => 7,
            ErrorKind::Signature => 8,
            ErrorKind::Freshness => 9,
            ErrorKind::Unsafe => 10,
        }
    }

    /// The class's name in snake case (`not_found`, `signature`, …), as the MCP tools and the
    /// history summaries name it.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Other => "other",
            ErrorKind::Usage => "usage",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Integrity => "integrity",
            ErrorKind::Validation => "validation",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Signature => "signature",
            ErrorKind::Freshness => "freshness",
            ErrorKind::Unsafe => "unsafe",
        }
    }
}

/// A failed operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A client or profile id was refused.
    #[error(transparent)]
    Id(#[from] IdError),
    /// An artifact id was refused.
    #[error(transparent)]
    ContentId(#[from] BadContentId),
    /// A payload was not strict JSON.
    #[error("payload refused: {0}")]
    Payload(#[from] CanonicalError),
    /// Stored bytes did not verify.
    #[error("{client}/{profile} v{version}: {source}")]
    Verify {
        /// The client.
        client: String,
        /// The profile.
        profile: String,
        /// The version read.
        version: u64,
        /// What failed (boxed: it is the largest variant).
        #[source]
        source: Box<VerifyError>,
    },
    /// A key was refused.
    #[error("{}: {source}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: CryptoError,
    },
    /// A file operation failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// The home lock was not obtained.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The home has no keys yet.
    #[error("{} is not initialized: run `mcp-orchestration init-configs` first", home.display())]
    NotInitialized {
        /// The home directory.
        home: PathBuf,
    },
    /// No such profile.
    #[error("no profile '{profile}' for client '{client}': see `mcp-orchestration profiles {client}`")]
    ProfileNotFound {
        /// The client.
        client: String,
        /// The profile asked for.
        profile: String,
    },
    /// No artifact with this id.
    #[error("no artifact {id} in this home: see `mcp-orchestration history CLIENT`")]
    ArtifactNotFound {
        /// The id asked for.
        id: String,
    },
    /// A private key file others can read (ssh's rule).
    #[error("Permissions {mode:04o} for '{}' are too open. It is required that your private key files are NOT accessible by others. Run: chmod 600 {}", path.display(), path.display())]
    KeyTooOpen {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A trust-deciding home file or directory that is not this user's alone (exit 10).
    #[error(transparent)]
    Unsafe(UnsafePath),
    /// A home file is not what this program wrote.
    #[error("{} is corrupt: {detail}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A servers document that is not valid.
    #[error("invalid servers document at {pointer}: {message}")]
    Validation {
        /// JSON pointer of the problem.
        pointer: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A client file that does not parse, or a document its dialect cannot express.
    #[error("{}: {source}", path.display())]
    Unparsable {
        /// The client file.
        path: PathBuf,
        /// What the dialect reported.
        #[source]
        source: Box<dialects::DialectError>,
    },
    /// A client file that is not UTF-8 text.
    #[error("{} is not UTF-8 text (invalid byte at offset {offset}): fix the file by hand (it was not changed)", path.display())]
    NotUtf8 {
        /// The client file.
        path: PathBuf,
        /// Where the invalid bytes start.
        offset: usize,
    },
    /// The client-file write path refused or failed.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// No such deployment.
    #[error("no deployment {id} for client '{client}': see `mcp-orchestration deployments {client}`")]
    DeploymentNotFound {
        /// The client.
        client: String,
        /// The id asked for.
        id: String,
    },
    /// A catalog operation failed.
    #[error(transparent)]
    Catalog(Box<crate::catalog::CatalogError>),
    /// No such server (in the catalog or a draft).
    #[error("no server '{id}': {hint}")]
    ServerNotFound {
        /// The id or name asked for.
        id: String,
        /// Where to look.
        hint: String,
    },
    /// The client keeps no user config file on this OS.
    #[error("{client} has no user config file on this OS: name the file explicitly")]
    NoConfigFile {
        /// The client.
        client: String,
    },
    /// A change refused because it would overwrite something this home does not own, or that
    /// changed since (exit 7): the user's own entries, edits made after a deployment, a draft
    /// made from an older head.
    #[error("{message}")]
    Conflict {
        /// What conflicts, shown redacted, and what to do.
        message: String,
    },
    /// An option or argument the operation cannot use (exit 2).
    #[error("{message}")]
    Usage {
        /// Which option and what to give instead.
        message: String,
    },
    /// A policy operation failed, or a policy refused the operation (`policy::PolicyError`).
    #[error(transparent)]
    Policy(Box<crate::policy::PolicyError>),
    /// No remote of this name in `remotes.json`.
    #[error(
        "no remote '{name}' (known: {known}): add it with `mcp-orchestration remote add {name} oci://HOST/REPOSITORY`"
    )]
    RemoteNotFound {
        /// The name asked for.
        name: String,
        /// The names configured.
        known: String,
    },
    /// The registry could not be reached, refused the credentials or failed (exit 1). The
    /// message names the remote and what to do; it never holds a credential.
    #[error("remote '{remote}': {message}")]
    Remote {
        /// The remote's name.
        remote: String,
        /// What failed and what to do.
        message: String,
    },
    /// The registry served bytes that do not match their digest or descriptor, or an artifact
    /// that is not this program's (exit 4). Nothing was stored.
    #[error("remote '{remote}': {message}")]
    RemoteIntegrity {
        /// The remote's name.
        remote: String,
        /// What did not match.
        message: String,
    },
    /// A refusal that protects the user (e.g. untrusting the active signing key).
    #[error("{message}")]
    Refused {
        /// What was refused and what to do instead.
        message: String,
    },
}

impl Error {
    /// The documented kind of this failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Id(IdError::UnknownClient { .. }) => ErrorKind::NotFound,
            Error::Id(IdError::Invalid { given, .. }) if given.contains(['/', '\\']) || given.starts_with('.') => {
                ErrorKind::Unsafe
            }
            Error::Id(IdError::Invalid { .. }) | Error::ContentId(_) => ErrorKind::Usage,
            Error::Payload(_) | Error::Corrupt { .. } => ErrorKind::Integrity,
            Error::Verify { source, .. } => match source.kind() {
                FailureKind::Integrity => ErrorKind::Integrity,
                FailureKind::Signature => ErrorKind::Signature,
                FailureKind::Freshness => ErrorKind::Freshness,
            },
            Error::Key { source: CryptoError::WeakKey { .. }, .. } => ErrorKind::Signature,
            Error::Key { .. } => ErrorKind::Integrity,
            Error::Fs(e) if e.is_not_found() => ErrorKind::NotFound,
            Error::Fs(_) => ErrorKind::Other,
            Error::Lock(LockError::Timeout { .. }) => ErrorKind::Conflict,
            Error::Lock(LockError::Io(_)) => ErrorKind::Other,
            Error::NotInitialized { .. } | Error::ProfileNotFound { .. } | Error::ArtifactNotFound { .. } => {
                ErrorKind::NotFound
            }
            Error::KeyTooOpen { .. } | Error::Refused { .. } | Error::Unsafe(_) => ErrorKind::Unsafe,
            Error::Validation { .. } => ErrorKind::Validation,
            Error::Unparsable { source, .. } => match source.as_ref() {
                DialectError::Parse { .. } | DialectError::UnexpectedShape { .. } => ErrorKind::Unsafe,
                DialectError::EditFailed { .. } => ErrorKind::Other,
                DialectError::UnknownClient { .. } => ErrorKind::NotFound,
                _ => ErrorKind::Validation,
            },
            Error::NotUtf8 { .. } => ErrorKind::Unsafe,
            Error::Write(WriteError::ChangedUnderneath { .. }) => ErrorKind::Conflict,
            Error::Write(WriteError::NotRegular { .. } | WriteError::TooLarge { .. }) => ErrorKind::Unsafe,
            Error::Write(WriteError::Fs(e)) if e.is_not_found() => ErrorKind::NotFound,
            Error::Write(WriteError::Fs(_)) => ErrorKind::Other,
            Error::DeploymentNotFound { .. } | Error::ServerNotFound { .. } => ErrorKind::NotFound,
            Error::NoConfigFile { .. } | Error::Usage { .. } => ErrorKind::Usage,
            Error::Conflict { .. } => ErrorKind::Conflict,
            Error::RemoteNotFound { .. } => ErrorKind::NotFound,
            Error::Remote { .. } => ErrorKind::Other,
            Error::RemoteIntegrity { .. } => ErrorKind::Integrity,
            Error::Catalog(e) => e.kind(),
            Error::Policy(e) => e.kind(),
        }
    }
}

impl From<CheckedError> for Error {
    fn from(error: CheckedError) -> Self {
        match error {
            CheckedError::Fs(e) => Error::Fs(e),
            // A private file others can read keeps ssh's message.
            CheckedError::Unsafe(UnsafePath { path, exposure: Exposure::Readable { mode }, .. }) => {
                Error::KeyTooOpen { path, mode }
            }
            CheckedError::Unsafe(e) => Error::Unsafe(e),
        }
    }
}

impl From<crate::catalog::CatalogError> for Error {
    fn from(error: crate::catalog::CatalogError) -> Self {
        Error::Catalog(Box::new(error))
    }
}

impl From<crate::policy::PolicyError> for Error {
    fn from(error: crate::policy::PolicyError) -> Self {
        Error::Policy(Box::new(error))
    }
}

impl Error {
    /// A verification failure of one version of a profile.
    pub fn verify(client: impl ToString, profile: impl ToString, version: u64, source: VerifyError) -> Self {
        Error::Verify { client: client.to_string(), profile: profile.to_string(), version, source: Box::new(source) }
    }

    /// A client file the dialect refused.
    pub fn unparsable(path: &std::path::Path, source: dialects::DialectError) -> Self {
        Error::Unparsable { path: path.to_path_buf(), source: Box::new(source) }
    }
}

/// The result of a core operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;
