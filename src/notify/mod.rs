//! Notifiers: post a rendered message somewhere. One module per destination.

pub mod github;
pub mod slack;
