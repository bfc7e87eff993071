//! Pagination of every listing: a request (`limit`, `cursor`), a page (its items and the cursor
//! of the next one) and the opaque cursors that carry a listing's position.
//!
//! A cursor is the base64url text of `v1`, the listing it belongs to, the listing's scope (a
//! client id, a profile, …) and the **last key returned**; the next page is the keys strictly
//! after it in the listing's order. So a page never repeats or skips an entry that existed when
//! the listing started, whatever is added meanwhile (an entry added before the cursor's key is
//! simply not in the rest of this walk), and a cursor costs nothing to resume from: the keys are
//! sorted and the position is found by binary search. A cursor of another listing or scope, or
//! text that is not a cursor at all, is refused as a usage error (exit 2) that says to start
//! again without it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Error, Result};

/// The page size of a listing asked for by a model (MCP tools and resources) when no limit is given.
pub const DEFAULT_LIMIT: usize = 50;
/// The page size of a CLI listing when no `--limit` is given.
pub const CLI_DEFAULT_LIMIT: usize = 100;
/// The largest page any listing returns.
pub const MAX_LIMIT: usize = 1000;
/// The longest cursor text accepted (a key is at most a few hundred bytes).
const MAX_CURSOR_LEN: usize = 1024;

/// What page of a listing to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest<'a> {
    /// At most this many items (1..=[`MAX_LIMIT`]).
    pub limit: usize,
    /// The `next_cursor` of the page before; none for the first page.
    pub cursor: Option<&'a str>,
}

impl<'a> PageRequest<'a> {
    /// The first page of `limit` items.
    pub fn first(limit: usize) -> Self {
        PageRequest { limit, cursor: None }
    }

    /// A request from optional arguments: `limit` defaults to `default`; a limit of 0 or above
    /// [`MAX_LIMIT`] is refused (exit 2).
    pub fn new(limit: Option<usize>, cursor: Option<&'a str>, default: usize) -> Result<Self> {
        let limit = limit.unwrap_or(default);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(Error::Usage {
                message: format!("limit {limit} is out of range: give a page size from 1 to {MAX_LIMIT}"),
            });
        }
        Ok(PageRequest { limit, cursor })
    }

    /// The key after which this page starts (none: from the first), checked to be a cursor of
    /// this listing and scope.
    pub fn after(&self, listing: &str, scope: &str) -> Result<Option<String>> {
        self.cursor.map(|cursor| decode(cursor, listing, scope)).transpose()
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Page<T> {
    /// The items, in the listing's order.
    pub items: Vec<T>,
    /// The cursor of the next page; none when this page is the last.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Maps the items, keeping the cursor.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

/// The cursor that resumes `listing` (in `scope`) after `key`.
pub fn encode(listing: &str, scope: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1\n{listing}\n{scope}\n{key}"))
}

fn refused(listing: &str, why: &str) -> Error {
    Error::Usage {
        message: format!(
            "the cursor is not one this {listing} listing gave out ({why}): pass the next_cursor of its previous page unchanged, or leave the cursor out to start from the first page"
        ),
    }
}

/// The last key a cursor of `listing` in `scope` carries.
pub fn decode(cursor: &str, listing: &str, scope: &str) -> Result<String> {
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(refused(listing, "too long"));
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| refused(listing, "not base64url"))?;
    let text = String::from_utf8(bytes).map_err(|_| refused(listing, "not text"))?;
    let mut parts = text.splitn(4, '\n');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("v1"), Some(l), Some(s), Some(key)) if l == listing && s == scope && !key.is_empty() => {
            Ok(key.to_owned())
        }
        (Some("v1"), Some(l), Some(s), Some(_)) if l == listing && s == scope => Err(refused(listing, "no position")),
        (Some("v1"), Some(_), Some(_), Some(_)) => Err(refused(listing, "it belongs to another listing")),
        _ => Err(refused(listing, "malformed")),
    }
}

/// The page of `sorted` (ascending, by `key`) after the key `after`: at most `limit` items, and
/// whether more follow. Binary search: the cost does not depend on the items before the page.
pub fn slice<'a, T, K: Ord + ?Sized>(
    sorted: &'a [T],
    after: Option<&K>,
    limit: usize,
    key: impl Fn(&T) -> &K,
) -> (&'a [T], bool) {
    let start = after.map_or(0, |after| sorted.partition_point(|item| key(item) <= after));
    let rest = &sorted[start..];
    let end = rest.len().min(limit);
    (&rest[..end], rest.len() > end)
}

/// A page of `sorted` after the request's cursor, with the next cursor when more follow.
pub fn page_of<T: Clone>(
    sorted: &[T],
    request: &PageRequest<'_>,
    listing: &str,
    scope: &str,
    key: impl Fn(&T) -> &str,
) -> Result<Page<T>> {
    let after = request.after(listing, scope)?;
    let (items, more) = slice(sorted, after.as_deref(), request.limit, &key);
    let next_cursor = match (more, items.last()) {
        (true, Some(last)) => Some(encode(listing, scope, key(last))),
        _ => None,
    };
    Ok(Page { items: items.to_vec(), next_cursor })
}

/// A page of a short listing kept in its own (not sorted) order, such as the client table or
/// ranked search results: the cursor's key is found by a linear scan. A key no longer in the
/// listing is refused (start again).
pub fn page_in_order<T: Clone>(
    items: &[T],
    request: &PageRequest<'_>,
    listing: &str,
    scope: &str,
    key: impl Fn(&T) -> &str,
) -> Result<Page<T>> {
    let start = match request.after(listing, scope)? {
        None => 0,
        Some(after) => {
            items.iter().position(|item| key(item) == after).ok_or_else(|| refused(listing, "its entry is gone"))? + 1
        }
    };
    let rest = &items[start..];
    let end = rest.len().min(request.limit);
    let next_cursor =
        (rest.len() > end).then(|| rest[..end].last().map(|last| encode(listing, scope, key(last)))).flatten();
    Ok(Page { items: rest[..end].to_vec(), next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_others() {
        let c = encode("profiles", "cursor", "dev");
        assert_eq!(decode(&c, "profiles", "cursor").expect("round trip"), "dev");
        for bad in ["", "!!!", &encode("profiles", "vscode", "dev"), &encode("history", "cursor", "dev")] {
            let e = decode(bad, "profiles", "cursor").expect_err("refused");
            assert_eq!(e.kind(), crate::ErrorKind::Usage, "{bad}");
            assert!(e.to_string().contains("leave the cursor out"), "{e}");
        }
    }

    #[test]
    fn slices_after_a_key() {
        let keys = ["a", "b", "c", "d", "e"];
        assert_eq!(slice(&keys, None, 2, |k| *k), (&keys[..2], true));
        assert_eq!(slice(&keys, Some("b"), 2, |k| *k), (&keys[2..4], true));
        assert_eq!(slice(&keys, Some("bb"), 10, |k| *k), (&keys[2..], false));
        assert_eq!(slice(&keys, Some("e"), 10, |k| *k), (&keys[5..], false));
    }

    #[test]
    fn limits_are_checked() {
        assert!(PageRequest::new(Some(0), None, 50).is_err());
        assert!(PageRequest::new(Some(MAX_LIMIT + 1), None, 50).is_err());
        assert_eq!(PageRequest::new(None, None, 50).expect("default").limit, 50);
    }
}
