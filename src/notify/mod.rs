//! Notifiers: post a rendered message somewhere. One module per destination.

pub mod github;
pub mod gitlab;
pub mod slack;
