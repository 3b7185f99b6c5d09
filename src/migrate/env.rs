//! Reconciling `.env` (and `.env.custom`) with a release: image tags follow
//! the release, new keys are added with upstream's comments, defaults move
//! only where the operator kept the old default, dropped keys go when
//! pristine.

use super::StepChanges;
use crate::fix::{Fix, env_ops};
use crate::kb::{EnvFact, Kb, Release};
use crate::model::Install;
use crate::parse::env::EnvFile;
use crate::source::FileKind;

pub fn reconcile(install: &Install, kb: &Kb, target: &Release, out: &mut StepChanges) {
    let source = install.release.version.and_then(|v| kb.view(v));
    for (file, env) in [&install.dotenv, &install.env_custom].into_iter().flatten() {
        let file = *file;
        let src = install.file(file);
        let custom = src.kind == FileKind::EnvCustom;
        for (i, fact) in target.env.iter().enumerate() {
            match env.get(fact.key) {
                None => {
                    // Layered over `.env`, `.env.custom` needs only what it changes.
                    if custom && target.env_custom_layers {
                        continue;
                    }
                    let after: Vec<&str> = target.env[..i].iter().rev().map(|e| e.key).collect();
                    // `.env.custom` replaces `.env`: carry `.env`'s value, the
                    // operator's intent, when it has one.
                    let value = if custom {
                        install
                            .dotenv
                            .as_ref()
                            .and_then(|(_, d)| d.get(fact.key))
                            .map(|e| e.value.clone())
                            .filter(|v| !is_tracking_value(fact, v))
                            .unwrap_or_else(|| fact.value.to_string())
                    } else {
                        fact.value.to_string()
                    };
                    let edit = env_ops::insert_entry(
                        file,
                        src,
                        env,
                        &after,
                        fact.key,
                        &value,
                        fact.comment,
                    );
                    let title = format!("Add `{}={value}` to {}", fact.key, src.display);
                    let removed_on_purpose = !custom
                        && source.is_some_and(|v| {
                            v.lower.env_fact(fact.key).is_some()
                                && v.upper.env_fact(fact.key).is_some()
                        });
                    out.push(if removed_on_purpose {
                        Fix::unsafe_edits(
                            title,
                            format!("`{}` was already in upstream's .env, so this file dropped it on purpose", fact.key),
                            vec![edit],
                        )
                    } else {
                        Fix::safe(title, vec![edit])
                    });
                }
                Some(entry) => {
                    if entry.value == fact.value {
                        continue;
                    }
                    let edit = env_ops::set_value(file, entry, fact.value);
                    let title = format!("Set `{}={}` in {}", fact.key, fact.value, src.display);
                    if let Some(prefix) = fact.tracking_prefix() {
                        if is_upstream_image(kb, fact.key, &entry.value) {
                            out.push(Fix::safe(title, vec![edit]));
                        } else {
                            out.push(Fix::unsafe_edits(
                                title,
                                format!(
                                    "`{}` names an image other than upstream's `{prefix}...`: a custom build must be rebuilt on {} first",
                                    entry.value, target.version
                                ),
                                vec![edit],
                            ));
                        }
                    } else if historical(kb, fact.key).any(|v| v == entry.value) {
                        out.push(Fix::safe(title, vec![edit]));
                    } else {
                        let unchanged = source.is_some_and(|v| {
                            v.lower
                                .env_fact(fact.key)
                                .is_some_and(|s| s.value == fact.value)
                        });
                        if !unchanged {
                            out.push(Fix::unsafe_edits(
                                title,
                                format!(
                                    "`{}={}` is your value; upstream's default changes to `{}` in {}",
                                    fact.key, entry.value, fact.value, target.version
                                ),
                                vec![edit],
                            ));
                        }
                    }
                }
            }
        }
        remove_dropped(install, kb, target, file, env, out);
    }
}

/// `getsentry/sentry:23.4.0` for a `{version}` fact: a value any release would write.
fn is_tracking_value(fact: &EnvFact, value: &str) -> bool {
    fact.tracking_prefix().is_some_and(|p| value.starts_with(p))
}

/// The value names the image some release's `.env` names for `key`, at any
/// tag: `getsentry/sentry:25.6.2` and `ghcr.io/getsentry/sentry:25.7.0` are
/// the same upstream image, moved to another registry in 25.7.0.
fn is_upstream_image(kb: &Kb, key: &str, value: &str) -> bool {
    kb.releases
        .iter()
        .filter_map(|r| r.env_fact(key)?.tracking_prefix())
        .any(|p| value.starts_with(p))
}

/// Every value upstream's .env gave `key`, over all releases.
fn historical<'k>(kb: &'k Kb, key: &'k str) -> impl Iterator<Item = &'k str> {
    kb.releases
        .iter()
        .filter_map(move |r| r.env_fact(key).map(|e| e.value))
}

fn remove_dropped(
    install: &Install,
    kb: &Kb,
    target: &Release,
    file: usize,
    env: &EnvFile,
    out: &mut StepChanges,
) {
    let src = install.file(file);
    for entry in &env.entries {
        if target.env_fact(&entry.key).is_some() || historical(kb, &entry.key).next().is_none() {
            continue;
        }
        let edit = env_ops::remove_entry(file, src, entry, false);
        let title = format!(
            "Remove `{}` from {} ({} no longer has it)",
            entry.key, src.display, target.version
        );
        if historical(kb, &entry.key).any(|v| v == entry.value) {
            out.push(Fix::safe(title, vec![edit]));
        } else {
            out.push(Fix::unsafe_edits(
                title,
                format!(
                    "`{}={}` is your value; nothing reads it from {} on",
                    entry.key, entry.value, target.version
                ),
                vec![edit],
            ));
        }
    }
}
