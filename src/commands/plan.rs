//! `sentrylint plan --to VERSION`: the releases to deploy in turn, what each
//! step changes in the files and what it asks of the operator.

use std::io::Write;

use serde::Serialize;

use crate::cli::{ListFormat, PlanArgs};
use crate::commands::{Overrides, load_jobs, parse_version, plan_jobs, root_prefix};
use crate::kb::Kb;
use crate::kb::version::Version;
use crate::migrate;
use crate::model::Install;

#[derive(Serialize)]
struct JsonPlan {
    version: u32,
    installs: Vec<JsonInstallPlan>,
}

#[derive(Serialize)]
struct JsonInstallPlan {
    root: String,
    from: String,
    to: String,
    steps: Vec<JsonStep>,
}

#[derive(Serialize)]
pub struct JsonStep {
    pub release: String,
    pub hard_stop: bool,
    pub notes: Vec<String>,
    /// Changes the step makes (safe ones; `unsafe_changes` need `--unsafe-fixes`).
    pub changes: usize,
    pub unsafe_changes: usize,
    pub files: Vec<String>,
    pub reviews: Vec<String>,
    pub error: Option<String>,
}

/// The install's release, or why it cannot be told.
pub fn from_version(install: &Install) -> Result<Version, String> {
    install
        .release
        .version
        .ok_or_else(|| match &install.release.source {
            crate::model::ReleaseSource::Unknown { reason } => {
                format!(
                    "cannot tell the install's Sentry release ({reason}); pass --sentry-version"
                )
            }
            _ => "cannot tell the install's Sentry release; pass --sentry-version".into(),
        })
}

pub fn steps_of(install: &Install, kb: &Kb, plan: &migrate::Plan) -> Vec<JsonStep> {
    let outcomes = migrate::simulate(install, kb, plan, false);
    plan.steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let outcome = outcomes.get(i);
            let (changes, unsafe_changes, files, reviews, error) = match outcome {
                Some(Ok(o)) => (
                    // A file the step creates or replaces whole is one change.
                    o.changes.iter().filter(|(_, applied)| *applied).count() + o.files.len(),
                    o.changes.iter().filter(|(_, applied)| !*applied).count(),
                    o.texts
                        .keys()
                        .map(|f| install.file(*f).display.clone())
                        .chain(o.files.iter().map(|w| w.display(install)))
                        .collect(),
                    o.reviews.clone(),
                    None,
                ),
                Some(Err(e)) => (0, 0, Vec::new(), Vec::new(), Some(e.clone())),
                None => (
                    0,
                    0,
                    Vec::new(),
                    Vec::new(),
                    Some("not computed: an earlier step failed".into()),
                ),
            };
            JsonStep {
                release: step.release.version.to_string(),
                hard_stop: step.release.hard_stop,
                notes: step.notes.iter().map(|s| s.to_string()).collect(),
                changes,
                unsafe_changes,
                files,
                reviews,
                error,
            }
        })
        .collect()
}

pub fn run(args: &PlanArgs, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<i32> {
    let (Ok(Some(to)), Ok(sentry_version)) = (
        parse_version("--to", &Some(args.to.clone()), err),
        parse_version("--sentry-version", &args.sentry_version, err),
    ) else {
        return Ok(2);
    };
    let flags = Overrides {
        sentry_version,
        config: args.config.clone(),
        ..Overrides::default()
    };
    let Ok((jobs, problems)) = plan_jobs(&args.paths, &flags, err) else {
        return Ok(2);
    };
    let installs: Vec<Install> = load_jobs(jobs).into_iter().map(|(i, _)| i).collect();
    let mut code = if problems.is_empty() { 0 } else { 2 };
    let kb = Kb::get();
    let mut json = JsonPlan {
        version: 1,
        installs: Vec::new(),
    };
    for install in &installs {
        let root = &install.display_root;
        if let Some(p) = install.problems.first() {
            writeln!(
                err,
                "error: {root}: {} {} (run `sentrylint check`)",
                p.path, p.message
            )?;
            code = 2;
            continue;
        }
        let plan = match from_version(install).and_then(|from| migrate::plan(kb, from, to)) {
            Ok(p) => p,
            Err(e) => {
                writeln!(err, "error: {root}: {e}")?;
                code = 2;
                continue;
            }
        };
        let steps = steps_of(install, kb, &plan);
        // Like a dry run of `fix`: 1 while there is something to do.
        let to_do = plan.to > plan.from
            || steps
                .iter()
                .any(|s| s.changes + s.unsafe_changes > 0 || s.error.is_some());
        if to_do && code == 0 {
            code = 1;
        }
        if args.format == ListFormat::Json {
            json.installs.push(JsonInstallPlan {
                root: root.clone(),
                from: plan.from.to_string(),
                to: plan.to.to_string(),
                steps,
            });
            continue;
        }
        let stops: Vec<String> = plan
            .steps
            .iter()
            .filter(|s| s.release.hard_stop && s.release.version != plan.to)
            .map(|s| s.release.version.to_string())
            .collect();
        let n = plan.steps.len();
        write!(
            out,
            "{}Sentry {} -> {}: {n} step{}",
            root_prefix(install),
            plan.from,
            plan.to,
            if n == 1 { "" } else { "s" }
        )?;
        if !stops.is_empty() {
            write!(
                out,
                " (hard stop{} {})",
                if stops.len() == 1 { "" } else { "s" },
                stops.join(", ")
            )?;
        }
        writeln!(out)?;
        for (i, step) in steps.iter().enumerate() {
            writeln!(out)?;
            let kind = if step.hard_stop { "  hard stop" } else { "" };
            writeln!(out, "  {}. {}{kind}", i + 1, step.release)?;
            if let Some(e) = &step.error {
                writeln!(out, "     ! {e}")?;
                continue;
            }
            let files = if step.files.is_empty() {
                "no file".to_string()
            } else {
                step.files.join(", ")
            };
            write!(
                out,
                "     files: {} change{} in {files}",
                step.changes,
                if step.changes == 1 { "" } else { "s" }
            )?;
            if step.unsafe_changes > 0 {
                write!(out, "; {} more with --unsafe-fixes", step.unsafe_changes)?;
            }
            writeln!(out)?;
            for note in &step.notes {
                writeln!(out, "     - {note}")?;
            }
            for r in &step.reviews {
                writeln!(out, "     - review: {r}")?;
            }
            writeln!(
                out,
                "     then deploy it: ./install.sh, and wait for the migrations to finish"
            )?;
        }
        writeln!(out)?;
        writeln!(
            out,
            "Run `sentrylint fix --to {to}` to see step 1 as a diff and `--write` to apply it; \
             commit, deploy, then run it again for the next step."
        )?;
    }
    if args.format == ListFormat::Json {
        serde_json::to_writer_pretty(&mut *out, &json)?;
        writeln!(out)?;
    }
    Ok(code)
}
