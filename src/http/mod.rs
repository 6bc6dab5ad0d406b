//! The HTTP layer every destination's client sends through (GitHub over octocrab, GitLab over
//! hyper, Slack over slack-morphism): one retry policy ([`Retrier`]) and one set of transport
//! rules ([`transport`]).
//!
//! A client keeps only what is its own: how it authenticates, how its API words an error, how
//! it pages. Whether an answer is worth another try, how long to wait, when the budget of
//! waiting is spent, and whether a request may be sent again at all when its fate is unknown are
//! decided here, once.

mod retry;
pub mod transport;

pub use retry::{Attempt, Failure, Fate, Idempotency, Retrier, RetryPolicy, Stop};
pub use transport::TransportError;
