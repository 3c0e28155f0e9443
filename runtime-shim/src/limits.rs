//! Per-call resource limits: the wall-clock deadline of one call or request
//! and the size a single linear memory may grow to.
//!
//! [`Limits`] is parsed from the command line (`--timeout 2s`,
//! `--max-memory 64MiB`), read by [`crate::engine`] to size the pooling
//! allocator consistently, and applied to every fresh store by
//! [`crate::host::new_store`]. When a limit is hit the guest is stopped with a
//! [`DeadlineExceeded`] or [`MemoryLimitExceeded`] error, which
//! [`crate::diagnose`] later recognises to word the user-facing message.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{ResourceLimiter, StoreContextMut, UpdateDeadline};

/// Limits applied to each call (`invoke`, `run`) or each request (`serve`).
///
/// The defaults limit nothing. Limits never change the compiled code: the
/// engine always instruments for epoch interruption, so one precompiled or
/// cached artifact serves every combination of limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time one call or request may take.
    pub timeout: Option<Duration>,
    /// Size in bytes each linear memory (one per stage, in a composed
    /// artifact) may grow to.
    pub max_memory: Option<u64>,
}

/// A wasm linear memory tried to grow past [`Limits::max_memory`].
///
/// Raised from inside the guest's `memory.grow`, so it travels up the error
/// chain of the failing call where [`crate::diagnose`] finds it.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("memory limit of {} exceeded (tried to grow to {})", ByteSize(*limit), ByteSize(*desired))]
pub struct MemoryLimitExceeded {
    /// The configured limit in bytes.
    pub limit: u64,
    /// The size the guest asked for in bytes.
    pub desired: u64,
}

/// A call ran past [`Limits::timeout`].
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("deadline exceeded after {}", HumanDuration(*after))]
pub struct DeadlineExceeded {
    /// The configured timeout.
    pub after: Duration,
}

/// The [`ResourceLimiter`] installed in every store.
///
/// Denials are errors rather than a `-1` from `memory.grow`: a guest
/// allocator would otherwise abort with a bare `unreachable`, hiding that a
/// limit was the cause.
#[derive(Debug, Clone)]
pub struct StoreLimiter {
    max_memory: Option<u64>,
    /// Linear memory the store's instances hold, every memory summed.
    memory: u64,
}

impl StoreLimiter {
    /// A limiter enforcing `limits.max_memory`.
    pub fn new(limits: &Limits) -> Self {
        Self {
            max_memory: limits.max_memory,
            memory: 0,
        }
    }
}

impl StoreLimiter {
    /// Linear memory the store's instances hold, in bytes.
    pub fn memory_bytes(&self) -> u64 {
        self.memory
    }
}

impl ResourceLimiter for StoreLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Past the memory's own declared maximum `memory.grow` returns -1 as
        // the guest expects; that is not ours to turn into an error.
        if maximum.is_some_and(|maximum| desired > maximum) {
            return Ok(false);
        }
        match self.max_memory {
            Some(limit) if desired as u64 > limit => Err(MemoryLimitExceeded {
                limit,
                desired: desired as u64,
            }
            .into()),
            _ => {
                self.memory += desired.saturating_sub(current) as u64;
                Ok(true)
            }
        }
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

/// Called at every epoch tick while a guest runs in a store: the guest profiler
/// takes its samples here ([`crate::profile::GuestProfile::sampler`]).
pub type EpochSampler<T> = Arc<dyn Fn(StoreContextMut<'_, T>) + Send + Sync>;

/// Arms `store` so that the call about to start stops after `timeout`.
///
/// The engine's ticker bumps the epoch every [`crate::engine::EPOCH_TICK`];
/// at each tick the guest yields to the async executor (so one busy request
/// cannot starve the others on its worker thread) and the deadline is checked
/// against the wall clock, which makes the cut-off precise to one tick.
pub fn arm_deadline<T: 'static>(store: &mut wasmtime::Store<T>, timeout: Option<Duration>) {
    arm_epoch(store, timeout, None);
}

/// [`arm_deadline`], and also hands the store to `sampler` at every tick (the
/// engine ticks at the profiling interval, see [`crate::engine::EngineOptions`]).
pub fn arm_epoch<T: 'static>(
    store: &mut wasmtime::Store<T>,
    timeout: Option<Duration>,
    sampler: Option<EpochSampler<T>>,
) {
    if timeout.is_none() && sampler.is_none() {
        // Epoch checks are compiled in regardless; without a deadline the
        // store must never reach one.
        store.set_epoch_deadline(u64::MAX / 2);
        return;
    }
    let started = Instant::now();
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |store: StoreContextMut<'_, T>| {
        if let Some(after) = timeout
            && started.elapsed() >= after
        {
            return Err(DeadlineExceeded { after }.into());
        }
        if let Some(sample) = &sampler {
            sample(store);
        }
        Ok(match timeout {
            Some(_) => UpdateDeadline::Yield(1),
            None => UpdateDeadline::Continue(1),
        })
    });
}

/// `2.5MiB` -> `(2.5, "MiB")`; `None` when the text does not start with a number.
fn number_and_unit(text: &str) -> Option<(f64, &str)> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    Some((number.parse().ok()?, unit.trim()))
}

/// Parses a duration such as `250ms`, `2s`, `1.5s`, `1m` or `1h`; a bare
/// number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, ParseLimitError> {
    let text = text.trim();
    let (value, unit) =
        number_and_unit(text).ok_or_else(|| ParseLimitError::Duration(text.to_string()))?;
    let seconds = match unit {
        "" | "s" | "sec" | "secs" => value,
        "ms" => value / 1e3,
        "us" | "µs" => value / 1e6,
        "ns" => value / 1e9,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(ParseLimitError::Duration(text.to_string())),
    };
    if seconds.is_nan() || seconds <= 0.0 {
        return Err(ParseLimitError::Duration(text.to_string()));
    }
    // Checked here, not by `Duration::from_secs_f64` (which panics past
    // `Duration::MAX`), and well below it so that adding slack to a deadline
    // can never overflow either.
    if seconds > MAX_DURATION.as_secs_f64() {
        return Err(ParseLimitError::DurationTooLarge(text.to_string()));
    }
    let duration = Duration::from_secs_f64(seconds);
    if duration.is_zero() {
        // Below a nanosecond: would stop every call before it starts.
        return Err(ParseLimitError::Duration(text.to_string()));
    }
    Ok(duration)
}

/// The longest duration [`parse_duration`] accepts: a year. Longer is as good as
/// no limit at all, which is what leaving the flag out means.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// Parses a size such as `65536`, `64KiB`, `64MiB`, `1GiB`, `10MB` or `512k`.
///
/// `K`/`M`/`G` without `i` are decimal, as in SI; a bare `k`/`m`/`g`
/// suffix is binary because that is what people mean when typing it.
pub fn parse_size(text: &str) -> Result<u64, ParseLimitError> {
    let text = text.trim();
    let (value, unit) =
        number_and_unit(text).ok_or_else(|| ParseLimitError::Size(text.to_string()))?;
    let factor: f64 = match unit {
        "" | "B" | "b" => 1.0,
        "KiB" | "k" | "K" | "Ki" => 1024.0,
        "MiB" | "m" | "M" | "Mi" => 1024.0 * 1024.0,
        "GiB" | "g" | "G" | "Gi" => 1024.0 * 1024.0 * 1024.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        _ => return Err(ParseLimitError::Size(text.to_string())),
    };
    let bytes = value * factor;
    if bytes.is_nan() || bytes < 1.0 {
        return Err(ParseLimitError::Size(text.to_string()));
    }
    // `u64::MAX as f64` rounds up to 2^64, which is already out of range.
    if bytes >= u64::MAX as f64 {
        return Err(ParseLimitError::SizeTooLarge(text.to_string()));
    }
    Ok(bytes as u64)
}

/// A `--timeout` or `--max-memory` value that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ParseLimitError {
    /// Not a positive duration.
    #[error("invalid duration `{0}` (expected e.g. `500ms`, `2s`, `1m`)")]
    Duration(String),
    /// Longer than [`MAX_DURATION`].
    #[error("duration `{0}` is too large (at most 8760h, a year; leave the flag out for no limit)")]
    DurationTooLarge(String),
    /// Not a positive size.
    #[error("invalid size `{0}` (expected e.g. `65536`, `64KiB`, `64MiB`, `1GiB`)")]
    Size(String),
    /// More bytes than a 64-bit count holds.
    #[error("size `{0}` is too large (at most 16 EiB; leave the flag out for no limit)")]
    SizeTooLarge(String),
}

/// Displays a duration the way a person would write it: `250ms`, `2s`, `1.5s`.
#[derive(Debug, Clone, Copy)]
pub struct HumanDuration(pub Duration);

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d >= Duration::from_secs(1) {
            let secs = d.as_secs_f64();
            if secs.fract() == 0.0 {
                write!(f, "{}s", secs as u64)
            } else {
                write!(f, "{}s", trim_float(secs))
            }
        } else if d >= Duration::from_millis(1) {
            write!(f, "{}ms", trim_float(d.as_secs_f64() * 1e3))
        } else {
            write!(f, "{}µs", trim_float(d.as_secs_f64() * 1e6))
        }
    }
}

fn trim_float(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Displays a byte count in binary units: `64 MiB`, `1.5 GiB`, `100 B`.
#[derive(Debug, Clone, Copy)]
pub struct ByteSize(pub u64);

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
        let mut value = self.0 as f64;
        if self.0 < 1024 {
            return write!(f, "{} B", self.0);
        }
        let mut unit = "B";
        for next in UNITS {
            if value < 1024.0 {
                break;
            }
            value /= 1024.0;
            unit = next;
        }
        write!(f, "{} {unit}", trim_float(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("1m").unwrap(), Duration::from_secs(60));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("0s").is_err());
        assert_eq!(
            HumanDuration(Duration::from_millis(250)).to_string(),
            "250ms"
        );
        assert_eq!(HumanDuration(Duration::from_secs(2)).to_string(), "2s");
        assert_eq!(
            HumanDuration(Duration::from_millis(1500)).to_string(),
            "1.5s"
        );
    }

    /// `--timeout 99999999999999999999` used to panic in `Duration::from_secs_f64`.
    #[test]
    fn huge_durations_are_errors_not_panics() {
        for text in [
            "99999999999999999999",
            "99999999999999999999h",
            "18446744073709551616s",
            "1e400",
            "9".repeat(400).as_str(),
            format!("{}ms", "9".repeat(400)).as_str(),
            "8761h",
        ] {
            let e = parse_duration(text).unwrap_err();
            assert!(
                matches!(
                    e,
                    ParseLimitError::DurationTooLarge(_) | ParseLimitError::Duration(_)
                ),
                "{text}: {e}"
            );
        }
        let e = parse_duration("99999999999999999999").unwrap_err();
        assert_eq!(
            e.to_string(),
            "duration `99999999999999999999` is too large (at most 8760h, a year; leave the flag out for no limit)"
        );
        assert_eq!(parse_duration("8760h").unwrap(), MAX_DURATION);
        // Not a number, negative, NaN, infinite, or below a nanosecond.
        for text in [
            "",
            ".",
            "-1s",
            "NaN",
            "inf",
            "infs",
            "-inf",
            "0.0000000001s",
            "1e-12",
        ] {
            assert!(
                matches!(parse_duration(text), Err(ParseLimitError::Duration(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn huge_sizes_are_errors_not_panics() {
        assert_eq!(parse_size("16GiB").unwrap(), 16 << 30);
        for text in [
            "18446744073709551616",
            "99999999999999999999GiB",
            "9".repeat(400).as_str(),
        ] {
            assert!(
                matches!(parse_size(text), Err(ParseLimitError::SizeTooLarge(_))),
                "{text}"
            );
        }
        for text in ["", ".", "-1", "NaN", "inf", "0.5"] {
            assert!(
                matches!(parse_size(text), Err(ParseLimitError::Size(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("65536").unwrap(), 65536);
        assert_eq!(parse_size("64MiB").unwrap(), 64 << 20);
        assert_eq!(parse_size("64m").unwrap(), 64 << 20);
        assert_eq!(parse_size("1GiB").unwrap(), 1 << 30);
        assert_eq!(parse_size("10MB").unwrap(), 10_000_000);
        assert!(parse_size("lots").is_err());
        assert_eq!(ByteSize(64 << 20).to_string(), "64 MiB");
        assert_eq!(ByteSize(100).to_string(), "100 B");
    }
}
