//! The seam between the runner and rendering/notifying: after the tee, the runner calls one
//! [`Delivery`] with the parsed output, and turns its result into the exit code.
//!
//! [`super::Post`] is the delivery tfpost uses: it renders and posts to GitHub, Slack or stdout.

use super::RunOutput;
use super::log::Log;
use super::settings::{RunSettings, Target};

/// Renders and posts a finished run. Called once, after the tee ended; the raw output is
/// already on stdout, so an implementation must never write Terraform's output again, and for
/// SPEC guarantee 3 it writes every message it could not post to stderr before returning the
/// failure.
pub trait Delivery {
    fn deliver(
        &mut self,
        run: &RunOutput<'_>,
        settings: &RunSettings,
        log: &Log,
    ) -> Result<(), DeliveryError>;
}

/// Posts that failed. The runner reports each on stderr and sets the exit code.
#[derive(Debug, thiserror::Error)]
#[error("{} notification(s) failed", failures.len())]
pub struct DeliveryError {
    pub failures: Vec<TargetFailure>,
    /// The config says `ignore_notify_errors: true` (the flag's twin): the failures are
    /// reported, but they do not change the exit code.
    pub ignored: bool,
}

/// One target that could not be posted to, and why (what the user can do about it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetFailure {
    pub target: Target,
    pub reason: String,
}
