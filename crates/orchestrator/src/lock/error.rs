//! Why a package could not be resolved at its registry, and the exit-code class of each
//! reason.

use crate::error::ErrorKind;

/// A resolution failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockFailure {
    /// The registry could not be reached, or answered with an error (exit 1).
    #[error("{message}")]
    Registry {
        /// What failed, naming the URL (without credentials).
        message: String,
    },
    /// The registry has no such package (exit 3).
    #[error(
        "{package} is not in the registry at {registry}: check the name, or point --npm-registry/--pypi-index at the registry that has it"
    )]
    NoPackage {
        /// The package.
        package: String,
        /// The registry asked.
        registry: String,
    },
    /// The registry has no such image, or no such tag or digest of it (exit 3).
    #[error(
        "{image} is not in the registry {registry}: check the image name and tag (`skopeo inspect docker://{image}` shows what the registry has)"
    )]
    NoImage {
        /// The image as asked for (`name:tag` or `name@digest`).
        image: String,
        /// The registry asked.
        registry: String,
    },
    /// No version of the package matches what the entry asks for (exit 3).
    #[error("no version of {package} at {registry} matches `{requested}` (newest: {newest})")]
    NoMatch {
        /// The package.
        package: String,
        /// The registry asked.
        registry: String,
        /// The range or tag asked for.
        requested: String,
        /// The newest version there is, or `none`.
        newest: String,
    },
    /// The registry's answer is not what its API documents (exit 4).
    #[error("the registry at {registry} answered for {package} with {detail}")]
    Malformed {
        /// The package.
        package: String,
        /// The registry asked.
        registry: String,
        /// What was wrong.
        detail: String,
    },
    /// The version range or tag cannot be read (exit 6).
    #[error("{package}: `{requested}` is not a version, range or tag: {detail}")]
    BadRange {
        /// The package.
        package: String,
        /// What the entry asked for.
        requested: String,
        /// Why.
        detail: String,
    },
}

impl LockFailure {
    /// The documented kind of this failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            LockFailure::Registry { .. } => ErrorKind::Other,
            LockFailure::NoPackage { .. } | LockFailure::NoMatch { .. } | LockFailure::NoImage { .. } => {
                ErrorKind::NotFound
            }
            LockFailure::Malformed { .. } => ErrorKind::Integrity,
            LockFailure::BadRange { .. } => ErrorKind::Validation,
        }
    }
}
