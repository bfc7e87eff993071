//! Latency samples and their summary: nearest-rank percentiles, max, mean and calls per second
//! over the wall time of the loop that took them.

use std::time::Duration;

use serde_json::{Value, json};

/// What one measured loop came to (times in microseconds).
#[derive(Debug, Clone)]
pub struct Summary {
    pub name: String,
    pub count: usize,
    pub p50_us: f64,
    pub p90_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
    pub mean_us: f64,
    pub per_sec: f64,
    /// The server's CPU time per call (all its threads, from `/proc/PID/task/*/schedstat`),
    /// where the loop measured it: independent of how busy the machine is.
    pub server_cpu_us: Option<f64>,
}

/// The sample at the nearest rank for `pct` percent of a sorted slice.
fn nearest_rank(sorted: &[Duration], pct: f64) -> Duration {
    let rank = ((pct / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Summarizes `samples`; `wall` is the whole loop's time (calls/s = count / wall).
pub fn summarize(name: &str, mut samples: Vec<Duration>, wall: Duration) -> Summary {
    assert!(!samples.is_empty(), "{name}: no samples");
    samples.sort_unstable();
    let total: Duration = samples.iter().sum();
    Summary {
        name: name.to_owned(),
        count: samples.len(),
        p50_us: us(nearest_rank(&samples, 50.0)),
        p90_us: us(nearest_rank(&samples, 90.0)),
        p99_us: us(nearest_rank(&samples, 99.0)),
        max_us: us(samples[samples.len() - 1]),
        mean_us: us(total) / samples.len() as f64,
        per_sec: samples.len() as f64 / wall.as_secs_f64(),
        server_cpu_us: None,
    }
}

impl Summary {
    /// The header of [`Summary::row`].
    pub const HEADER: &'static str = "| measure | count | p50 µs | p90 µs | p99 µs | max µs | mean µs | calls/s |\n\
                                      | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";

    /// One markdown table row.
    pub fn row(&self) -> String {
        format!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} |",
            self.name, self.count, self.p50_us, self.p90_us, self.p99_us, self.max_us, self.mean_us, self.per_sec
        )
    }

    /// The same figures as a JSON object.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name, "count": self.count, "p50_us": self.p50_us, "p90_us": self.p90_us,
            "p99_us": self.p99_us, "max_us": self.max_us, "mean_us": self.mean_us, "calls_per_sec": self.per_sec,
            "server_cpu_us_per_call": self.server_cpu_us,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).rev().map(Duration::from_micros).collect();
        let s = summarize("t", samples, Duration::from_secs(1));
        assert_eq!((s.p50_us, s.p90_us, s.p99_us, s.max_us), (50.0, 90.0, 99.0, 100.0));
        assert!((s.mean_us - 50.5).abs() < 1e-9);
        assert!((s.per_sec - 100.0).abs() < 1e-9);
    }
}
