//! Validated names: client ids and profile ids. They become path components in the home, so
//! anything that could escape a directory is refused here, once, before any path is built.

use std::fmt;

/// Why a name was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    /// Not of the allowed shape.
    #[error(
        "'{given}' is not a valid {what}: use 1 to 64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit"
    )]
    Invalid {
        /// "client id" or "profile id".
        what: &'static str,
        /// What was given (truncated to 100 characters).
        given: String,
    },
    /// A well-formed client id that no dialect knows (the message suggests the closest known id).
    #[error(
        "unknown client '{given}': {}run `mcp-orchestration clients` to see the supported ids",
        did_you_mean(given, dialects::all().iter().map(|c| c.id))
    )]
    UnknownClient {
        /// What was given.
        given: String,
    },
}

/// The candidate closest to `given` when it is close enough to be a typo of it (Jaro-Winkler
/// similarity of at least 0.8, the best one first; ties keep the candidates' order).
pub fn closest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let given = given.to_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&given, &candidate.to_lowercase());
        if score >= 0.8 && best.is_none_or(|(top, _)| score > top) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// `did you mean 'NAME'? ` for the closest candidate, or nothing: the start of a hint.
pub fn did_you_mean<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(given, candidates).map(|name| format!("did you mean '{name}'? ")).unwrap_or_default()
}

fn valid_name(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
}

fn checked(what: &'static str, text: &str) -> Result<String, IdError> {
    if valid_name(text) {
        Ok(text.to_owned())
    } else {
        Err(IdError::Invalid { what, given: text.chars().take(100).collect() })
    }
}

/// The subject of shared profiles: the profiles every client follows. It sits where a client
/// id does (statement `client_id`, `heads/_shared/`, …) and can never be a client's id (those
/// start with a letter or digit), so a shared artifact can never pass as one client's profile
/// or the other way round.
pub const SHARED: &str = "_shared";

/// The id of a supported client (`claude-desktop`, `cursor`, …), or [`SHARED`] where a
/// profile's subject is meant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(String);

impl ClientId {
    /// Accepts only ids of clients the dialect table knows.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let id = checked("client id", text)?;
        if dialects::find(&id).is_none() {
            return Err(IdError::UnknownClient { given: id });
        }
        Ok(ClientId(id))
    }
    /// Accepts a client id or [`SHARED`]: the subject of a profile.
    pub fn parse_subject(text: &str) -> Result<Self, IdError> {
        if text == SHARED { Ok(Self::shared()) } else { Self::parse(text) }
    }
    /// The subject of shared profiles.
    pub fn shared() -> Self {
        ClientId(SHARED.to_owned())
    }
    /// Whether this is the shared subject rather than a client.
    pub fn is_shared(&self) -> bool {
        self.0 == SHARED
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name of a profile (`default`, `dev`, …).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProfileId(String);

impl ProfileId {
    /// Accepts `[a-z0-9][a-z0-9._-]{0,63}`.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        checked("profile id", text).map(ProfileId)
    }
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
