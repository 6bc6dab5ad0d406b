//! tfpost: Terraform plan/apply output to pull-request comments and chat messages.
//!
//! Data flows one way: input bytes are tee'd to stdout and fed to [`parse`], which builds a
//! [`model::Report`]; rendering and notification build on that model.

pub mod ci;
pub mod cli;
pub mod config;
pub mod env;
pub mod http;
pub mod message;
pub mod model;
pub mod notify;
pub mod parse;
pub mod render;
pub mod roots;
pub mod run;
pub mod summary;
pub mod words;
