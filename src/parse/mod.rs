//! Parsers: each turns one file's text into a typed view with byte spans.
//! They are the only modules that know a file format's syntax.

pub mod env;
pub mod interpolate;
pub mod pyconf;
pub mod yaml;
