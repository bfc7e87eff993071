//! Failed authentication, limited per client address: each address has a bucket of
//! [`FAILURE_BURST`] failures (wrong tokens) that refills at one per [`REFILL`]. While its
//! bucket is empty, a request from that address with a wrong token gets 429 with `Retry-After`
//! instead of 401. A request without a token is not a guess: it always gets 401 and is not
//! counted. Requests with a valid token are never limited or slowed (on loopback every
//! local client shares one address, so one misbehaving process must not lock the others out;
//! a 256-bit token cannot be guessed anyway): the limit curbs floods of bad tokens.
//!
//! The table holds at most [`MAX_ADDRESSES`] addresses; when it is full, addresses whose buckets
//! have refilled are forgotten first, then the one seen longest ago.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures an address may make in a burst before it gets 429s.
pub const FAILURE_BURST: f64 = 20.0;
/// Time for one failure to be forgiven.
pub const REFILL: Duration = Duration::from_secs(1);
/// Most addresses remembered.
pub const MAX_ADDRESSES: usize = 4096;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed / REFILL.as_secs_f64()).min(FAILURE_BURST);
        self.updated = now;
    }
}

/// The per-address failure buckets.
#[derive(Debug, Default)]
pub struct FailureLimiter {
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl FailureLimiter {
    /// When `addr` has no failure left: the whole seconds until it has one (for `Retry-After`).
    pub fn blocked(&self, addr: IpAddr, now: Instant) -> Option<u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let bucket = buckets.get_mut(&addr)?;
        bucket.refill(now);
        (bucket.tokens < 1.0).then(|| ((1.0 - bucket.tokens) * REFILL.as_secs_f64()).ceil().max(1.0) as u64)
    }

    /// Counts one failed authentication from `addr`.
    pub fn failed(&self, addr: IpAddr, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !buckets.contains_key(&addr) && buckets.len() >= MAX_ADDRESSES {
            buckets.retain(|_, b| {
                b.refill(now);
                b.tokens < FAILURE_BURST
            });
            if buckets.len() >= MAX_ADDRESSES
                && let Some(oldest) = buckets.iter().min_by_key(|(_, b)| b.updated).map(|(a, _)| *a)
            {
                buckets.remove(&oldest);
            }
        }
        let bucket = buckets.entry(addr).or_insert(Bucket { tokens: FAILURE_BURST, updated: now });
        bucket.refill(now);
        bucket.tokens = (bucket.tokens - 1.0).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_429_until_refilled() {
        let limiter = FailureLimiter::default();
        let addr: IpAddr = "127.0.0.1".parse().expect("an address");
        let other: IpAddr = "127.0.0.2".parse().expect("an address");
        let t0 = Instant::now();
        for _ in 0..FAILURE_BURST as usize {
            assert_eq!(limiter.blocked(addr, t0), None);
            limiter.failed(addr, t0);
        }
        assert_eq!(limiter.blocked(addr, t0), Some(1));
        assert_eq!(limiter.blocked(other, t0), None, "other addresses are not limited");
        assert_eq!(limiter.blocked(addr, t0 + REFILL), None, "one failure is forgiven per REFILL");
    }

    #[test]
    fn the_table_stays_bounded() {
        let limiter = FailureLimiter::default();
        let t0 = Instant::now();
        for i in 0..(MAX_ADDRESSES as u32 + 10) {
            limiter.failed(IpAddr::from(i.to_be_bytes()), t0);
        }
        assert!(limiter.buckets.lock().expect("lock").len() <= MAX_ADDRESSES);
    }
}
