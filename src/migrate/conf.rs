//! Reconciling `sentry/sentry.conf.py` with a release. install.sh never
//! rewrites an existing file, so everything a release's example gained is
//! missing after an upgrade: feature flags, the metrics release-health
//! backends, the cache backend change. Only additions and upstream-default
//! replacements are made; the operator's settings are never rewritten.

use super::StepChanges;
use crate::fix::{Edit, Fix, py_ops};
use crate::kb::{Kb, Release, SettingFact};
use crate::model::Install;
use crate::parse::pyconf::{PyConf, Target};

pub fn reconcile(install: &Install, kb: &Kb, target: &Release, out: &mut StepChanges) {
    let Some((file, conf)) = &install.pyconf else {
        if let Some(id) = install
            .files
            .iter()
            .position(|f| f.kind == crate::source::FileKind::SentryConfPy)
        {
            out.review(format!(
                "{} does not parse; fix it (`sentrylint check`) before migrating it",
                install.file(id).display
            ));
        }
        return;
    };
    let (file, conf) = (*file, conf);
    let src = install.file(file);
    // Feature flags the example enables and the file does not mention.
    for (i, flag) in target.features.iter().enumerate() {
        if conf.feature(flag).is_some() {
            continue;
        }
        let after: Vec<&str> = target.features[..i].iter().rev().copied().collect();
        out.push(Fix::safe(
            format!(
                "Enable `{flag}` in {} (in the {} example)",
                src.display, target.version
            ),
            vec![py_ops::add_feature(file, src, conf, flag, &after)],
        ));
    }
    // Settings the example has and the file lacks, or has at an earlier
    // example's value (what install.sh's migrate scripts rewrite).
    for s in target.settings {
        if let Some(fix) = replace_old_default(file, src, conf, s, target) {
            out.push(fix);
            continue;
        }
        if has_setting(conf, s) || s.python.is_empty() {
            continue;
        }
        let edit = match s.after.and_then(|a| statement_of(conf, a)) {
            Some(after) => py_ops::insert_after(file, src, after, s.python),
            None => py_ops::append_statement(file, src, s.python),
        };
        out.push(Fix::safe(
            format!(
                "Set `{}` in {} (in the {} example)",
                s.name, src.display, target.version
            ),
            vec![edit],
        ));
    }
    cache_backend(install, kb, target, out);
}

/// Whether the file sets `NAME`, `BASE["key"]` or a nested key (any value,
/// any branch).
fn has_setting(conf: &PyConf, s: &SettingFact) -> bool {
    match s.path() {
        ("SENTRY_FEATURES", keys) if keys.len() == 1 => conf.feature(keys[0]).is_some(),
        (base, keys) if keys.is_empty() => conf.setting(base).is_some(),
        (base, keys) => conf.lookup(base, &keys).is_some(),
    }
}

/// The setting is a string literal at a value an earlier example had:
/// move it to the release's value.
fn replace_old_default(
    file: crate::model::FileId,
    src: &crate::source::SourceFile,
    conf: &PyConf,
    s: &SettingFact,
    target: &Release,
) -> Option<Fix> {
    let value = s.value?;
    let (base, keys) = s.path();
    let (expr, assignment) = conf.lookup(base, &keys)?;
    let current = expr.as_str()?;
    if assignment.conditional || !s.replaces.contains(&current) {
        return None;
    }
    let edit = py_ops::replace_string(file, src, expr.span, value)?;
    Some(Fix::safe(
        format!(
            "Set `{}` to `{value}` in {} (`{current}` is an earlier example's value; {} uses `{value}`)",
            s.name, src.display, target.version
        ),
        vec![edit],
    ))
}

fn statement_of(conf: &PyConf, name: &str) -> Option<crate::source::Span> {
    let (base, key) = match name.split_once('[') {
        Some((b, rest)) => (
            b,
            Some(rest.trim_end_matches(']').trim_matches(['"', '\''])),
        ),
        None => (name, None),
    };
    conf.assignments
        .iter()
        .rev()
        .find(|a| match (&a.target, key) {
            (Target::Name(n), None) => n == base,
            (Target::Item { base: b, keys }, Some(k)) => {
                b == base && keys.len() == 1 && keys[0] == k
            }
            _ => false,
        })
        .filter(|a| !a.conditional)
        .map(|a| a.stmt_span)
}

/// `CACHES["default"]`: move the backend and its options to the release's
/// when both are still an upstream default; otherwise leave them for review.
fn cache_backend(install: &Install, kb: &Kb, target: &Release, out: &mut StepChanges) {
    let Some((file, conf)) = &install.pyconf else {
        return;
    };
    let src = install.file(*file);
    let Some((backend, _)) = conf.lookup("CACHES", &["default", "BACKEND"]) else {
        return;
    };
    let Some(current) = backend.as_str() else {
        return;
    };
    if current == target.cache_backend {
        return;
    }
    let upstream_backend = kb.releases.iter().any(|r| r.cache_backend == current);
    if !upstream_backend {
        return; // a backend of the operator's choosing (e.g. Redis)
    }
    let quote = src.slice(backend.span).chars().next().unwrap_or('"');
    let mut edits = vec![Edit::replace(
        *file,
        backend.span,
        format!("{quote}{}{quote}", target.cache_backend),
    )];
    let mut reason = None;
    if let Some((options, _)) = conf.lookup("CACHES", &["default", "OPTIONS"]) {
        let keys: Vec<&str> = match &options.kind {
            crate::parse::pyconf::ExprKind::Dict(pairs) => {
                pairs.iter().filter_map(|(k, _)| k.as_str()).collect()
            }
            _ => Vec::new(),
        };
        let upstream_keys = |k: &&str| {
            kb.releases
                .iter()
                .any(|r| r.cache_options.iter().any(|o| o == k))
        };
        if !keys
            .iter()
            .all(|k| target.cache_options.iter().any(|o| o == k))
        {
            if keys.iter().all(upstream_keys) {
                if let Some(text) = target.cache_options_python {
                    edits.push(Edit::replace(*file, options.span, text.to_string()));
                }
            } else {
                reason = Some(format!(
                    "`CACHES[\"default\"][\"OPTIONS\"]` has options of your own; check that `{}` accepts them",
                    target.cache_backend
                ));
            }
        }
    }
    let title = format!(
        "Use `{}` in {} ({} requires it)",
        target.cache_backend, src.display, target.version
    );
    out.push(match reason {
        None => Fix::safe(title, edits),
        Some(r) => Fix::unsafe_edits(title, r, edits),
    });
}
