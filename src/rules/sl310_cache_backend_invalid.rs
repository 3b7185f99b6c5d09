//! SL310: the memcached cache backend of sentry.conf.py does not load on the
//! release (or on the release the install is heading to).

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix, py_ops};
use crate::kb::{Release, ReleaseView};
use crate::model::FileId;
use crate::parse::pyconf::{Expr, ExprKind};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL310",
    name: "cache-backend-invalid",
    severity: Severity::Error,
    summary: "The cache backend or its options do not load on the release",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL310.md"),
    check,
};

const MEMCACHED: &str = "django.core.cache.backends.memcached.MemcachedCache";
const PYMEMCACHE: &str = "django.core.cache.backends.memcached.PyMemcacheCache";
/// The option only python-memcached's client takes.
const MAX_VALUE_LENGTH: &str = "server_max_value_length";

/// The OPTIONS dict the examples pass to PyMemcacheCache, as the knowledge
/// base writes it: from `release` when it uses that backend, else from the
/// latest release that does.
fn pymemcache_options<'k>(ctx: &Ctx<'k>, release: Option<&'k Release>) -> Option<&'k str> {
    release
        .into_iter()
        .chain(ctx.kb.releases.iter().rev())
        .find(|r| r.cache_backend == PYMEMCACHE)
        .and_then(|r| r.cache_options_python)
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((file, conf)) = ctx.pyconf() else {
        return;
    };
    let Some((backend, _)) = conf.lookup("CACHES", &["default", "BACKEND"]) else {
        return;
    };
    // Other backends (Redis, custom classes) are the operator's business.
    let Some(name @ (MEMCACHED | PYMEMCACHE)) = backend.as_str() else {
        return;
    };
    let options = conf
        .lookup("CACHES", &["default", "OPTIONS"])
        .map(|(e, _)| e);
    if name == PYMEMCACHE {
        if let Some(key) = options.and_then(|o| option_key(o, MAX_VALUE_LENGTH)) {
            let wanted = pymemcache_options(ctx, ctx.view().map(|v| v.lower));
            let fix = default_options(options).zip(wanted).map(|(o, w)| {
                Fix::safe(
                    format!("Pass `{w}` as OPTIONS"),
                    vec![py_ops::replace_expr(file, o, w)],
                )
            });
            out.push(
                ctx.diag(
                    &RULE,
                    file,
                    key.span,
                    format!("`{MAX_VALUE_LENGTH}` is not an option of `PyMemcacheCache`"),
                    format!(
                        "PyMemcacheCache hands OPTIONS to pymemcache's client, which takes no \
                         `server_max_value_length` argument, so the cache cannot be created; that \
                         option belonged to the old `MemcachedCache`. Pass {} as upstream's \
                         example does from 24.1.1 (self-hosted#2728)",
                        shown(wanted)
                    ),
                )
                .with_fix(fix),
            );
        }
        refused_by_install_sh(ctx, file, backend, options, out);
        return;
    }
    // MemcachedCache.
    let Some(view) = ctx.view() else {
        return;
    };
    if rejects(&view) {
        let version = view.describe();
        let wanted = pymemcache_options(ctx, Some(view.lower));
        let fix = switch_edits(ctx, file, backend, options, wanted).map(|edits| {
            Fix::safe(
                "Switch to `PyMemcacheCache` as upstream's example does",
                edits,
            )
        });
        out.push(
            ctx.diag(
                &RULE,
                file,
                backend.span,
                format!("`{MEMCACHED}` does not exist on Sentry {version}"),
                format!(
                    "From 24.1.1 Sentry's Django has no MemcachedCache: `sentry upgrade` stops with \
                     `InvalidCacheBackendError`, and from 24.1.2 install.sh's check-memcached-backend.sh \
                     exits 1. Use `\"BACKEND\": \"{PYMEMCACHE}\"` with {} as OPTIONS, as the \
                     release's example does (self-hosted#2728, #2746)",
                    shown(wanted)
                ),
            )
            .with_fix(fix),
        );
        return;
    }
    let Some(target) = ctx.target else {
        return;
    };
    if target.version <= view.version || !rejects(&target) {
        return;
    }
    let wanted = pymemcache_options(ctx, Some(target.lower));
    let fix = switch_edits(ctx, file, backend, options, wanted).map(|edits| {
        Fix::unsafe_edits(
            "Switch to `PyMemcacheCache` as upstream's example does",
            format!(
                "the image of Sentry {} may lack pymemcache; make this change together with the upgrade",
                view.version
            ),
            edits,
        )
    });
    let mut d = ctx
        .diag(
            &RULE,
            file,
            backend.span,
            format!(
                "`{MEMCACHED}` stops working on the upgrade to Sentry {}",
                target.describe()
            ),
            format!(
                "Sentry {} still loads MemcachedCache, but from 24.1.1 `sentry upgrade` stops with \
                 `InvalidCacheBackendError` and from 24.1.2 install.sh refuses the file \
                 (check-memcached-backend.sh). When you upgrade, set `\"BACKEND\": \"{PYMEMCACHE}\"` \
                 with {} as OPTIONS (self-hosted#2728, #2746)",
                view.describe(),
                shown(wanted)
            ),
        )
        .with_fix(fix);
    d.severity = Severity::Warning;
    out.push(d);
}

/// PyMemcacheCache (or another backend an older example used) on a release
/// whose install.sh accepts only its own example's backend: 26.5.1's
/// check-memcached-backend.sh rewrites it only when the operator agrees and
/// exits otherwise.
fn refused_by_install_sh(
    ctx: &Ctx,
    file: FileId,
    backend: &Expr,
    options: Option<&Expr>,
    out: &mut Vec<Diagnostic>,
) {
    let (Some(view), Some(current)) = (ctx.view(), backend.as_str()) else {
        return;
    };
    let releases = [view.lower, view.upper];
    if !releases.iter().all(|r| r.cache_backend_required)
        || view.cache_backends().contains(&current)
        || view.lower.cache_backend != view.upper.cache_backend
    {
        return;
    }
    let target = view.lower;
    let since = ctx
        .kb
        .releases
        .iter()
        .find(|r| r.cache_backend == target.cache_backend && r.cache_backend_required)
        .map_or(target.version, |r| r.version);
    let src = ctx.install.file(file);
    // Upstream's own OPTIONS of an earlier example move to the release's.
    let options_are_upstream = options.is_some_and(|o| {
        let text = squeezed(src.slice(o.span));
        ctx.kb
            .releases
            .iter()
            .any(|r| r.cache_options_python.is_some_and(|p| squeezed(p) == text))
    });
    let fix = match (
        py_ops::replace_string(file, src, backend.span, target.cache_backend),
        options.filter(|_| options_are_upstream),
        target.cache_options_python,
    ) {
        (Some(b), Some(o), Some(wanted)) => Some(Fix::safe(
            format!(
                "Use `{}` as the {} example does",
                target.cache_backend, target.version
            ),
            vec![b, py_ops::replace_expr(file, o.span, wanted)],
        )),
        _ => None,
    };
    out.push(
        ctx.diag(
            &RULE,
            file,
            backend.span,
            format!(
                "`{current}` is refused by install.sh on Sentry {}",
                view.describe()
            ),
            format!(
                "from {since} install.sh's check-memcached-backend.sh accepts only `{}`: it rewrites \
                 the file when you agree (or pass --apply-automatic-config-updates) and otherwise \
                 exits 1, so the upgrade stops. Set `\"BACKEND\": \"{}\"` with {} as OPTIONS, as \
                 the release's example does (self-hosted#4301, #4338)",
                target.cache_backend,
                target.cache_backend,
                shown(target.cache_options_python)
            ),
        )
        .with_fix(fix),
    );
}

/// Python text without its whitespace, to compare dict literals.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The release only has PyMemcacheCache (on both sides of the view).
fn rejects(view: &ReleaseView) -> bool {
    let accepted = view.cache_backends();
    !accepted.contains(&MEMCACHED) && accepted.contains(&PYMEMCACHE)
}

/// The key expression of `key` in a dict literal.
fn option_key<'e>(options: &'e Expr, key: &str) -> Option<&'e Expr> {
    match &options.kind {
        ExprKind::Dict(pairs) => pairs
            .iter()
            .map(|(k, _)| k)
            .find(|k| k.as_str() == Some(key)),
        _ => None,
    }
}

/// The span of OPTIONS when it is upstream's pre-24.1.1 shape: a dict
/// literal holding only `server_max_value_length`.
fn default_options(options: Option<&Expr>) -> Option<crate::source::Span> {
    let o = options?;
    match &o.kind {
        ExprKind::Dict(pairs)
            if pairs.len() == 1 && pairs[0].0.as_str() == Some(MAX_VALUE_LENGTH) =>
        {
            Some(o.span)
        }
        _ => None,
    }
}

/// Replaces the backend string and upstream's default OPTIONS with `wanted`;
/// `None` when the block has another shape.
fn switch_edits(
    ctx: &Ctx,
    file: FileId,
    backend: &Expr,
    options: Option<&Expr>,
    wanted: Option<&str>,
) -> Option<Vec<Edit>> {
    let (options, wanted) = default_options(options).zip(wanted)?;
    let backend = py_ops::replace_string(file, ctx.install.file(file), backend.span, PYMEMCACHE)?;
    Some(vec![backend, py_ops::replace_expr(file, options, wanted)])
}

/// The example's OPTIONS for a message.
fn shown(wanted: Option<&str>) -> String {
    match wanted {
        Some(w) => format!("`{w}`"),
        None => "the options of the release's example".into(),
    }
}
