//! Instance reuse for `serve`: warm instances kept between requests, the opt-in
//! that trades isolation between requests for start-up time.
//!
//! Off unless the operator asks for it (`--max-instance-reuse-count N`, N > 1) and,
//! for an artifact Weld composed, every stage was declared `stateless: true` in its
//! pipeline.yaml ([`check_stateless`]). Then an instance that answered a request
//! without failing goes back to a [`WarmPool`] and takes a later one, up to N in
//! all; one that trapped, ran out of time or memory is dropped. Idle instances are
//! dropped after [`InstanceReuse::idle_timeout`], so an idle server gives their
//! memory back. Same flag names as `wasmtime serve`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::grants::{GrantsError, read_artifact};

/// How `serve` reuses instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceReuse {
    /// Requests one instance answers at most; 1 is a fresh instance per request.
    pub max_uses: u32,
    /// How long an idle instance is kept for the next request.
    pub idle_timeout: Duration,
}

impl Default for InstanceReuse {
    fn default() -> Self {
        Self {
            max_uses: 1,
            idle_timeout: Duration::from_secs(1),
        }
    }
}

impl InstanceReuse {
    /// Whether an instance may answer more than one request.
    pub fn enabled(&self) -> bool {
        self.max_uses > 1
    }
}

/// Instances cannot be reused for this artifact.
#[derive(Debug, thiserror::Error)]
pub enum ReuseError {
    /// Some stages were not declared stateless.
    #[error(
        "cannot reuse instances of `{}`: {} not declared `stateless: true` in its pipeline.yaml\n\
         help: a reused instance keeps each stage's memory from one request to the next; \
         declare a stage `stateless: true` only if nothing it keeps changes an answer or \
         belongs to a caller, or serve without `--max-instance-reuse-count`",
        artifact.display(),
        listed(stages)
    )]
    NotStateless {
        /// The artifact.
        artifact: PathBuf,
        /// The stages that were not.
        stages: Vec<String>,
    },
    /// The artifact's record of its stages cannot be read.
    #[error(transparent)]
    Grants(#[from] GrantsError),
}

fn listed(stages: &[String]) -> String {
    let names: Vec<String> = stages.iter().map(|s| format!("`{s}`")).collect();
    match names.as_slice() {
        [one] => format!("stage {one} is"),
        _ => format!("stages {} are", names.join(", ")),
    }
}

/// Checks that every stage of the artifact at `path` was declared stateless.
///
/// An artifact Weld did not compose records no stages: there the operator's flag
/// is the only declaration, as with `wasmtime serve`.
pub fn check_stateless(path: &Path) -> Result<(), ReuseError> {
    let Some(record) = read_artifact(path)? else {
        return Ok(());
    };
    let stages: Vec<String> = record
        .stages
        .iter()
        .filter(|(_, grants)| !grants.stateless)
        .map(|(name, _)| name.clone())
        .collect();
    if stages.is_empty() {
        Ok(())
    } else {
        Err(ReuseError::NotStateless {
            artifact: path.to_path_buf(),
            stages,
        })
    }
}

/// Idle instances, most recently used first out.
///
/// Taking the most recent one keeps the busiest instances' caches warm and lets
/// the others reach their idle timeout when load drops.
#[derive(Debug)]
pub struct WarmPool<T> {
    idle: Mutex<Vec<Idle<T>>>,
    timeout: Duration,
    /// How many are idle, kept under the lock, for metrics to read without it.
    count: Arc<AtomicUsize>,
}

#[derive(Debug)]
struct Idle<T> {
    item: T,
    since: Instant,
}

impl<T> WarmPool<T> {
    /// An empty pool whose instances expire after `timeout` idle.
    pub fn new(timeout: Duration) -> Self {
        Self {
            idle: Mutex::new(Vec::new()),
            timeout,
            count: Arc::default(),
        }
    }

    /// The number of idle instances, kept up to date (for `--metrics`).
    pub fn counter(&self) -> Arc<AtomicUsize> {
        self.count.clone()
    }

    /// The most recently returned instance that has not expired.
    pub fn take(&self) -> Option<T> {
        let now = Instant::now();
        let mut idle = self.lock();
        let newest = idle.pop()?;
        if now.duration_since(newest.since) < self.timeout {
            self.count.store(idle.len(), Ordering::Relaxed);
            return Some(newest.item);
        }
        // The rest are older still: all expired. Dropped outside the lock, since
        // dropping a store gives its memory back to the OS.
        let expired = std::mem::take(&mut *idle);
        self.count.store(0, Ordering::Relaxed);
        drop(idle);
        drop((newest, expired));
        None
    }

    /// Returns an instance that answered a request.
    pub fn put(&self, item: T) {
        let mut idle = self.lock();
        idle.push(Idle {
            item,
            since: Instant::now(),
        });
        self.count.store(idle.len(), Ordering::Relaxed);
    }

    /// Drops the instances idle for longer than the timeout; how many.
    pub fn sweep(&self) -> usize {
        let now = Instant::now();
        let expired: Vec<Idle<T>> = {
            let mut idle = self.lock();
            // Oldest first: the expired ones are a prefix.
            let fresh = idle.partition_point(|e| now.duration_since(e.since) >= self.timeout);
            let expired = idle.drain(..fresh).collect();
            self.count.store(idle.len(), Ordering::Relaxed);
            expired
        };
        // Dropped here, outside the lock.
        expired.len()
    }

    /// Drops every idle instance.
    pub fn clear(&self) {
        let all = {
            let mut idle = self.lock();
            self.count.store(0, Ordering::Relaxed);
            std::mem::take(&mut *idle)
        };
        drop(all);
    }

    /// How many instances are idle.
    pub fn len(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// Whether no instance is idle.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How often [`WarmPool::sweep`] should run.
    pub fn sweep_interval(&self) -> Duration {
        (self.timeout / 2).max(Duration::from_millis(10))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Idle<T>>> {
        // A panic while holding the lock leaves a valid Vec.
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_recently_returned_instance_is_taken_first() {
        let pool = WarmPool::new(Duration::from_secs(60));
        assert_eq!(pool.take(), None::<u32>);
        pool.put(1);
        pool.put(2);
        assert_eq!(pool.take(), Some(2));
        assert_eq!(pool.take(), Some(1));
        assert_eq!(pool.take(), None);
    }

    #[test]
    fn expired_instances_are_never_taken_and_are_swept() {
        let pool = WarmPool::new(Duration::ZERO);
        pool.put(1);
        pool.put(2);
        assert_eq!(pool.take(), None);
        assert!(pool.is_empty(), "taking drops every expired instance");
        pool.put(3);
        assert_eq!(pool.sweep(), 1);
        assert!(pool.is_empty());
    }

    #[test]
    fn a_sweep_keeps_fresh_instances() {
        let pool = WarmPool::new(Duration::from_secs(60));
        pool.put(1);
        assert_eq!(pool.sweep(), 0);
        assert_eq!(pool.len(), 1);
        pool.clear();
        assert!(pool.is_empty());
    }

    #[test]
    fn reuse_is_off_by_default() {
        assert!(!InstanceReuse::default().enabled());
        assert!(
            InstanceReuse {
                max_uses: 2,
                ..Default::default()
            }
            .enabled()
        );
    }

    #[test]
    fn the_error_names_every_stage_not_declared_stateless() {
        let one = ReuseError::NotStateless {
            artifact: "app.wasm".into(),
            stages: vec!["tokens".into()],
        };
        assert!(
            one.to_string().starts_with(
                "cannot reuse instances of `app.wasm`: stage `tokens` is not declared `stateless: true` in its pipeline.yaml\nhelp: "
            ),
            "{one}"
        );
        let two = ReuseError::NotStateless {
            artifact: "app.wasm".into(),
            stages: vec!["a".into(), "b".into()],
        };
        assert!(two.to_string().contains("stages `a`, `b` are not declared"));
    }
}
