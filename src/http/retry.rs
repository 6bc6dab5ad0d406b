//! When a request is sent again, and when it is not.
//!
//! The rules, the same for every destination:
//! - An answer that may pass on its own (a 5xx, a rate limit, a broken or refused connection)
//!   is tried again, up to [`RetryPolicy::max_attempts`] sends, after the wait the server asks
//!   for (`Retry-After`, a rate limit's reset time) or else a backoff that doubles from
//!   [`RetryPolicy::base_delay`].
//! - All the waiting of one client (one destination of one run) comes out of one budget,
//!   [`RetryPolicy::max_total_wait`]: a wait that does not fit is not started, and the error says
//!   how long the server asked for.
//! - A request that gets no answer within [`RetryPolicy::timeout`] is not sent again, whatever
//!   its method: a server that did not answer once rarely does right after, each try would cost
//!   the CI job a whole timeout, and for a request that creates something the hang hides whether
//!   it was done.
//! - A request that creates something ([`Idempotency::CreateOnce`]) is sent again only when the
//!   failure proves nothing was done ([`Fate::NotDone`]: a rate limit, a connection that was
//!   never made). After a 5xx or a connection lost mid-way the caller decides: GitHub looks for
//!   the comment's run marker before creating it again; GitLab and Slack report that the post
//!   may or may not have been made.

use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

/// How long to wait and how often to try again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Timeout of each single HTTP call (connect, send, and read the whole answer).
    pub timeout: Duration,
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// First backoff delay after a 5xx or connection error; doubles each time.
    pub base_delay: Duration,
    /// The most tfpost sleeps in retries in total, across all calls of one destination in a
    /// run (rate-limit waits included); a wait that would go past it is not started, and the
    /// error says how long the server asked for.
    pub max_total_wait: Duration,
    /// Pause between the comments of a split plan: GitHub asks for a second between
    /// content-creating requests, or it answers with a secondary rate limit.
    pub write_interval: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            timeout: Duration::from_secs(30),
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_total_wait: Duration::from_secs(90),
            write_interval: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// The backoff before attempt `attempt + 1`: `base_delay`, then twice that, and so on.
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.base_delay
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
    }
}

/// Whether a request may be sent a second time when the first one's fate is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Sending it twice does what sending it once does: reads, edits, deletes, label sets.
    Repeatable,
    /// It creates something (a comment, a note, a message): done twice is visible. Sent again
    /// only after a failure that proves nothing was done.
    CreateOnce,
}

/// What a failed attempt says about the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// The server did nothing: a rate limit, a connection that was never made.
    NotDone,
    /// It may have been done: a 5xx, a connection lost after the request went out.
    Unknown,
}

/// How one attempt ended, as the client reads the answer.
pub enum Attempt<T, E> {
    /// A success.
    Done(T),
    /// A failure that may pass on its own. `wait` is what the server asked for, if it did.
    Transient {
        error: E,
        fate: Fate,
        wait: Option<Duration>,
    },
    /// A failure another try would not change (a 4xx that is not a rate limit).
    Final(E),
}

/// Why the retrier stopped with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The failure is not one to retry.
    Final,
    /// Every attempt of the policy was made.
    Attempts,
    /// The next wait (what the server asked for, or the backoff) does not fit in what is left of
    /// the budget.
    Budget { wanted: Duration },
    /// A [`Idempotency::CreateOnce`] request whose fate is unknown: not sent again blindly.
    FateUnknown,
}

/// A call that did not succeed.
#[derive(Debug)]
pub enum Failure<E> {
    /// No answer within [`RetryPolicy::timeout`] (never retried).
    TimedOut { attempts: u32, timeout: Duration },
    /// The last attempt's error and why no other was made.
    GaveUp { error: E, attempts: u32, stop: Stop },
}

/// Sends with the policy, and keeps the budget of waiting and the count of requests of one
/// client. Cheap to share by reference.
#[derive(Debug)]
pub struct Retrier {
    policy: RetryPolicy,
    waited_ms: AtomicU64,
    requests: AtomicU32,
}

impl Retrier {
    pub fn new(policy: RetryPolicy) -> Retrier {
        Retrier {
            policy,
            waited_ms: AtomicU64::new(0),
            requests: AtomicU32::new(0),
        }
    }

    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// HTTP requests sent so far, retries included.
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Runs `attempt` until it is done or the policy says stop. Each attempt runs under the
    /// policy's timeout.
    pub async fn send<T, E, F, Fut>(
        &self,
        idempotency: Idempotency,
        mut attempt: F,
    ) -> Result<T, Failure<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Attempt<T, E>>,
    {
        let policy = &self.policy;
        let mut made = 0u32;
        loop {
            made += 1;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let outcome = match tokio::time::timeout(policy.timeout, attempt()).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    return Err(Failure::TimedOut {
                        attempts: made,
                        timeout: policy.timeout,
                    });
                }
            };
            let give_up = |error, stop| Failure::GaveUp {
                error,
                attempts: made,
                stop,
            };
            let (error, fate, asked) = match outcome {
                Attempt::Done(value) => return Ok(value),
                Attempt::Final(error) => return Err(give_up(error, Stop::Final)),
                Attempt::Transient { error, fate, wait } => (error, fate, wait),
            };
            if idempotency == Idempotency::CreateOnce && fate == Fate::Unknown {
                return Err(give_up(error, Stop::FateUnknown));
            }
            let wait = asked.unwrap_or_else(|| policy.backoff(made));
            if made >= policy.max_attempts {
                return Err(give_up(error, Stop::Attempts));
            }
            if !self.take_from_budget(wait) {
                return Err(give_up(error, Stop::Budget { wanted: wait }));
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Waits before attempt `attempt + 1` of something the caller retries itself (a comment
    /// checked for after an uncertain answer), within the policy's attempts and the same budget
    /// as every other call; false when no attempt is left.
    pub async fn wait_before_retry(&self, attempt: u32) -> bool {
        let backoff = self.policy.backoff(attempt);
        if attempt >= self.policy.max_attempts || !self.take_from_budget(backoff) {
            return false;
        }
        tokio::time::sleep(backoff).await;
        true
    }

    /// Books `wait` against the budget if it fits.
    fn take_from_budget(&self, wait: Duration) -> bool {
        let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        let budget_ms = u64::try_from(self.policy.max_total_wait.as_millis()).unwrap_or(u64::MAX);
        self.waited_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |waited| {
                let total = waited.saturating_add(wait_ms);
                (total <= budget_ms).then_some(total)
            })
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn quick() -> RetryPolicy {
        RetryPolicy {
            timeout: Duration::from_millis(200),
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_total_wait: Duration::from_millis(50),
            write_interval: Duration::ZERO,
        }
    }

    fn run<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime")
            .block_on(future)
    }

    fn transient(fate: Fate, wait: Option<Duration>) -> Attempt<(), &'static str> {
        Attempt::Transient {
            error: "503",
            fate,
            wait,
        }
    }

    #[test]
    fn a_repeatable_request_is_tried_up_to_the_attempts() {
        let retrier = Retrier::new(quick());
        let sent = Cell::new(0);
        let result = run(retrier.send(Idempotency::Repeatable, || {
            sent.set(sent.get() + 1);
            async { transient(Fate::Unknown, None) }
        }));
        assert!(matches!(
            result,
            Err(Failure::GaveUp {
                attempts: 3,
                stop: Stop::Attempts,
                ..
            })
        ));
        assert_eq!(sent.get(), 3);
        assert_eq!(retrier.requests(), 3);
    }

    #[test]
    fn a_create_is_resent_only_when_nothing_was_done() {
        let retrier = Retrier::new(quick());
        let sent = Cell::new(0);
        let result = run(retrier.send(Idempotency::CreateOnce, || {
            sent.set(sent.get() + 1);
            let n = sent.get();
            async move {
                match n {
                    1 => transient(Fate::NotDone, None),
                    _ => transient(Fate::Unknown, None),
                }
            }
        }));
        assert!(matches!(
            result,
            Err(Failure::GaveUp {
                attempts: 2,
                stop: Stop::FateUnknown,
                ..
            })
        ));
    }

    #[test]
    fn a_wait_past_the_budget_is_not_started_and_the_budget_is_shared() {
        let retrier = Retrier::new(quick());
        let result = run(retrier.send(Idempotency::Repeatable, || async {
            transient(Fate::NotDone, Some(Duration::from_secs(60)))
        }));
        assert!(matches!(
            result,
            Err(Failure::GaveUp {
                attempts: 1,
                stop: Stop::Budget { wanted },
                ..
            }) if wanted == Duration::from_secs(60)
        ));
        // 40 ms of the 50 ms budget taken by one call leaves 10 ms for every other call.
        let result = run(retrier.send(Idempotency::Repeatable, || async {
            transient(Fate::NotDone, Some(Duration::from_millis(40)))
        }));
        assert!(matches!(
            result,
            Err(Failure::GaveUp {
                attempts: 2,
                stop: Stop::Budget { .. },
                ..
            })
        ));
        // The caller's own retries draw on the same budget and the same attempts.
        assert!(
            run(retrier.wait_before_retry(1)),
            "1 ms fits in the 10 ms left"
        );
        assert!(!run(retrier.wait_before_retry(3)), "no attempt left");
    }

    #[test]
    fn a_hang_is_not_sent_again() {
        let retrier = Retrier::new(quick());
        let sent = Cell::new(0);
        let result: Result<(), Failure<&str>> = run(retrier.send(Idempotency::Repeatable, || {
            sent.set(sent.get() + 1);
            std::future::pending()
        }));
        assert!(matches!(result, Err(Failure::TimedOut { attempts: 1, .. })));
        assert_eq!(sent.get(), 1);
    }

    #[test]
    fn the_documented_defaults() {
        // docs/github.md, docs/gitlab.md and docs/slack.md state these numbers.
        let policy = RetryPolicy::default();
        assert_eq!(policy.timeout, Duration::from_secs(30));
        assert_eq!(policy.max_attempts, 4);
        assert_eq!(
            (1..4)
                .map(|n| policy.backoff(n).as_secs())
                .collect::<Vec<_>>(),
            [1, 2, 4]
        );
        assert_eq!(policy.max_total_wait, Duration::from_secs(90));
    }

    #[test]
    fn a_final_failure_stops_at_once() {
        let retrier = Retrier::new(quick());
        let result = run(retrier.send(Idempotency::Repeatable, || async {
            Attempt::<(), _>::Final("404")
        }));
        assert!(matches!(
            result,
            Err(Failure::GaveUp {
                error: "404",
                attempts: 1,
                stop: Stop::Final
            })
        ));
    }
}
