//! SL341: `.env.custom` lacks keys of the release's `.env`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix, env_ops};
use crate::kb::ReleaseView;
use crate::model::env_file_release;
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL341",
    name: "env-custom-missing-keys",
    severity: Severity::Warning,
    summary: "`.env.custom` lacks keys of the release's `.env`, which install.sh then leaves unset",
    fix: FixAvailability::Always,
    doc: include_str!("../../rules/SL341.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((file, custom)) = &ctx.install.env_custom else {
        return;
    };
    // A `.env.custom` without `SENTRY_IMAGE` leaves the release unknown,
    // which is this very defect: the checkout's `.env` still names it.
    let Some(view) = ctx.view().or_else(|| checkout_release(ctx)) else {
        return;
    };
    // From 25.1.0 compose reads `.env.custom` over `.env` (the knowledge
    // base's `env_custom`), which the model has already decided.
    if ctx.install.env_layered {
        return;
    }
    let facts = view.env_keys();
    let missing: Vec<usize> = (0..facts.len())
        .filter(|&i| custom.get(facts[i].key).is_none())
        .collect();
    if missing.is_empty() {
        return;
    }
    let src = ctx.install.file(*file);
    let dotenv = ctx.install.dotenv.as_ref();
    let mut edits = Vec::new();
    for &i in &missing {
        let fact = facts[i];
        let value = match dotenv.and_then(|(f, e)| Some((*f, e.get(fact.key)?))) {
            Some((f, e)) => ctx.install.file(f).slice(e.value_span).to_string(),
            None => fact
                .template
                .replace("{version}", &view.version.to_string()),
        };
        // After the nearest preceding key of the release's order, or, for
        // keys upstream writes first, before the file's first entry.
        let after: Vec<&str> = facts[..i].iter().rev().map(|f| f.key).collect();
        let first = custom.entries.first().map(|e| e.line_span.start as usize);
        edits.push(match first {
            Some(at) if !after.iter().any(|k| custom.get(k).is_some()) => {
                Edit::insert(*file, at, format!("{}={value}{}", fact.key, src.newline()))
            }
            _ => env_ops::insert_entry(*file, src, custom, &after, fact.key, &value, ""),
        });
    }
    let names: Vec<String> = missing
        .iter()
        .map(|&i| format!("`{}`", facts[i].key))
        .collect();
    let version = view.describe();
    let mut help = String::from(
        "install.sh up to 24.x reads `.env.custom` instead of `.env` (`_ENV=.env.custom`, then \
         `docker compose --env-file .env.custom`), so these keys are unset on every deploy: compose \
         substitutes empty strings for them (healthcheck timings, image names, the retention of the \
         cleanup jobs)",
    );
    if missing
        .iter()
        .any(|&i| facts[i].key == "COMPOSE_PROJECT_NAME")
    {
        help.push_str(
            ", and without `COMPOSE_PROJECT_NAME` the stack runs under another project name, with \
             new containers and new non-external volumes",
        );
    }
    help.push_str(". Copy them into `.env.custom`");
    let span = custom
        .entries
        .first()
        .map(|e| e.key_span)
        .unwrap_or(Span::empty(0));
    let count = missing.len();
    out.push(
        ctx.diag(
            &RULE,
            *file,
            span,
            format!(
                "`.env.custom` lacks {count} key{} of the {version} `.env`: {}",
                if count == 1 { "" } else { "s" },
                names.join(", ")
            ),
            help,
        )
        .with_fix(Some(Fix::safe(
            format!(
                "Copy the missing key{} into `.env.custom` (values from `.env`, else the release's)",
                if count == 1 { "" } else { "s" }
            ),
            edits,
        ))),
    );
}

/// The release of the checkout: `SENTRY_IMAGE` in `.env`, which install.sh
/// does not read once `.env.custom` exists, but which names the tag checked out.
fn checkout_release<'a>(ctx: &Ctx<'a>) -> Option<ReleaseView<'a>> {
    let (_, dotenv) = ctx.install.dotenv.as_ref()?;
    ctx.kb.view(env_file_release(dotenv)?)
}
