//! The seam between the runner and rendering/notifying: before the tee, the runner asks the
//! [`Delivery`] what to mask; after it, it calls the delivery with the parsed output, and turns
//! its result into the exit code.
//!
//! [`super::Post`] is the delivery tfpost uses: it renders and posts to the destinations of
//! [`crate::notify::REGISTRY`].

use super::RunOutput;
use super::log::Log;
use super::settings::RunSettings;
use crate::config::Masker;
use crate::notify::DestinationId;

/// Renders and posts a finished run.
pub trait Delivery {
    /// Called once, before any output is read: loads what the delivery needs (configuration)
    /// and returns the masker for everything tfpost writes from then on: the tee'd output,
    /// the wrapped command's stderr and tfpost's own messages. Problems are reported on `log`
    /// and never stop the run: the output must still reach stdout.
    fn prepare(&mut self, settings: &RunSettings, log: &Log) -> Masker;

    /// Called once, after the tee ended, with a `log` masked by what [`Delivery::prepare`]
    /// returned. The raw output is already on stdout, so an implementation must never write
    /// Terraform's output again, and so that nothing is lost (README, "Exit codes") it writes every
    /// message it could not post to stderr before returning the failure.
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
    pub failures: Vec<DestinationFailure>,
    /// The config says `ignore_notify_errors: true` (the flag's twin): the failures are
    /// reported, but they do not change the exit code.
    pub ignored: bool,
}

/// One destination that could not be posted to, and why (what the user can do about it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationFailure {
    pub destination: DestinationId,
    pub reason: String,
    /// The reason and the message were written to the log already, when the post failed.
    pub reported: bool,
}
