//! Self-hosted CalVer release numbers (`24.1.0`).

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version {
    pub year: u16,
    pub month: u16,
    pub patch: u16,
}

impl Version {
    pub const fn new(year: u16, month: u16, patch: u16) -> Version {
        Version { year, month, patch }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.year, self.month, self.patch)
    }
}

impl FromStr for Version {
    type Err = String;

    fn from_str(s: &str) -> Result<Version, String> {
        let mut parts = s.split('.');
        let mut next = || -> Option<u16> {
            let p = parts.next()?;
            if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            p.parse().ok()
        };
        let (Some(year), Some(month), Some(patch)) = (next(), next(), next()) else {
            return Err(format!("`{s}` is not a release number like `24.1.0`"));
        };
        if parts.next().is_some() || !(1..=12).contains(&month) || !(20..=99).contains(&year) {
            return Err(format!("`{s}` is not a release number like `24.1.0`"));
        }
        Ok(Version::new(year, month, patch))
    }
}

/// A release tag of an image: a version, or something that is not one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tag {
    Release(Version),
    /// `nightly`, `latest`: moves under you.
    Moving(String),
    /// `@sha256:...`: fixed, but says nothing about the release.
    Digest(String),
    /// No tag at all (`getsentry/sentry`), which means `latest`.
    Missing,
    /// Anything else (`24.1.0-custom`, `master`, a sha prefix).
    Other(String),
}

/// The repository of `registry/repo:tag@digest`, without reading the tag.
pub fn image_repo(image: &str) -> &str {
    let name = image.split_once('@').map_or(image, |(n, _)| n);
    // A `:` after the last `/` is a tag; one before it is a registry port.
    let slash = name.rfind('/').map(|i| i + 1).unwrap_or(0);
    match name[slash..].rfind(':') {
        Some(i) => &name[..slash + i],
        None => name,
    }
}

/// Splits `registry/repo:tag@digest` into repository and tag.
pub fn split_image(image: &str) -> (&str, Tag) {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let repo = image_repo(name);
    let tag = name[repo.len()..].strip_prefix(':');
    let tag = match (tag, digest) {
        (_, Some(d)) => Tag::Digest(d.to_string()),
        (None, None) => Tag::Missing,
        (Some(t), None) => {
            if let Ok(v) = t.parse() {
                Tag::Release(v)
            } else if matches!(t, "nightly" | "latest" | "edge" | "master" | "main") {
                Tag::Moving(t.to_string())
            } else {
                Tag::Other(t.to_string())
            }
        }
    };
    (repo, tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders() {
        let a: Version = "23.6.2".parse().unwrap();
        let b: Version = "23.11.0".parse().unwrap();
        assert!(a < b);
        assert_eq!(b.to_string(), "23.11.0");
        assert!("24.1".parse::<Version>().is_err());
        assert!("24.13.0".parse::<Version>().is_err());
        assert!("nightly".parse::<Version>().is_err());
        assert!("24.1.0.1".parse::<Version>().is_err());
    }

    #[test]
    fn splits_images() {
        assert_eq!(
            split_image("getsentry/sentry:24.1.0"),
            ("getsentry/sentry", Tag::Release(Version::new(24, 1, 0)))
        );
        assert_eq!(
            split_image("ghcr.io:5000/getsentry/snuba:nightly"),
            (
                "ghcr.io:5000/getsentry/snuba",
                Tag::Moving("nightly".into())
            )
        );
        assert_eq!(
            split_image("getsentry/relay"),
            ("getsentry/relay", Tag::Missing)
        );
        assert!(matches!(
            split_image("getsentry/relay@sha256:abc").1,
            Tag::Digest(_)
        ));
        assert_eq!(
            split_image("localhost:5000/vroom"),
            ("localhost:5000/vroom", Tag::Missing)
        );
    }
}
