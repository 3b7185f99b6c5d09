//! sentrylint: lint and migrate self-hosted Sentry installs kept in Git.

pub mod kb;
pub mod model;
pub mod parse;
pub mod source;

#[cfg(test)]
pub mod testing;
