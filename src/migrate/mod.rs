//! Upgrades through the hard stops. A plan is the list of releases the
//! operator deploys in turn; a step reconciles the install's files with one
//! release's canonical state (see `compose`, `env`, `conf`), so any source
//! release, including one between two known releases, arrives at the same
//! place. Every change is a set of byte-range edits (`fix::Fix`): safe when
//! it keeps every operator value, unsafe (with its reason) otherwise.

pub mod compose;
pub mod conf;
pub mod env;
pub mod taskbroker;

use std::collections::BTreeMap;

use crate::fix::{Applicability, Edit, Fix, WholeFile, apply_by_file};
use crate::kb::version::Version;
use crate::kb::{Kb, Release};
use crate::model::{FileId, Install};

/// One deployable release of a plan.
#[derive(Debug)]
pub struct Step<'k> {
    pub release: &'k Release,
    /// News and manual actions of every release since the previous step.
    pub notes: Vec<&'k str>,
}

#[derive(Debug)]
pub struct Plan<'k> {
    pub from: Version,
    pub to: Version,
    pub steps: Vec<Step<'k>>,
}

/// The releases to deploy from `from` to `to`: every hard stop in between,
/// then `to`. A plan from a release to itself has one step (reconcile only).
pub fn plan(kb: &Kb, from: Version, to: Version) -> Result<Plan<'_>, String> {
    let known = || {
        kb.releases
            .iter()
            .filter(|r| r.avoid.is_none())
            .map(|r| r.version.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let target = kb.release(to).ok_or_else(|| {
        format!(
            "sentrylint has no facts for {to}; it can migrate to: {}",
            known()
        )
    })?;
    if let Some(why) = &target.avoid {
        return Err(format!(
            "the self-hosted docs say to skip {to} ({why}); migrate to the release after it"
        ));
    }
    if from > to {
        return Err(format!(
            "the install runs {from}, newer than {to}: self-hosted does not support downgrades"
        ));
    }
    if from < kb.first().version {
        return Err(format!(
            "the install runs {from}, older than the first release sentrylint knows ({}); \
             follow the hard stops 9.1.2, 21.5.0 and 21.6.3 from the self-hosted docs first",
            kb.first().version
        ));
    }
    let mut steps = Vec::new();
    let mut prev = from;
    for r in &kb.releases {
        let is_step = (r.hard_stop && r.version > from && r.version < to) || r.version == to;
        if !is_step {
            continue;
        }
        let notes = kb
            .releases
            .iter()
            .filter(|n| n.version > prev && n.version <= r.version)
            .flat_map(|n| n.notes.iter().copied())
            .collect();
        steps.push(Step { release: r, notes });
        prev = r.version;
    }
    Ok(Plan { from, to, steps })
}

/// What one step changes, and what it leaves for a human.
#[derive(Debug, Default)]
pub struct StepChanges {
    pub changes: Vec<Fix>,
    /// Files written whole, created or replaced (always safe).
    pub files: Vec<WholeFile>,
    /// Things the step does not change but a reviewer must look at.
    pub reviews: Vec<String>,
}

impl StepChanges {
    pub fn push(&mut self, fix: Fix) {
        self.changes.push(fix);
    }

    pub fn review(&mut self, text: impl Into<String>) {
        self.reviews.push(text.into());
    }
}

/// Whole files earlier steps of a simulated plan wrote, by path relative
/// to the install root: what a later step finds there instead of the disk.
pub type Written = BTreeMap<String, String>;

/// Reconciles the install's files with `target`'s canonical state.
pub fn reconcile(install: &Install, kb: &Kb, target: &Release, written: &Written) -> StepChanges {
    let mut out = StepChanges::default();
    compose::reconcile(install, kb, target, &mut out);
    env::reconcile(install, kb, target, &mut out);
    conf::reconcile(install, kb, target, &mut out);
    taskbroker::reconcile(install, kb, target, written, &mut out);
    out
}

/// The new text of every file the chosen changes touch.
pub fn apply(install: &Install, changes: &[&Fix]) -> Result<BTreeMap<FileId, String>, String> {
    let edits: Vec<&Edit> = changes.iter().flat_map(|f| &f.edits).collect();
    apply_by_file(&install.files, &edits).map_err(|(file, e)| {
        let culprits: Vec<&str> = changes
            .iter()
            .filter(|f| {
                f.edits
                    .iter()
                    .any(|x| x.file == file && (x.span == e.first || x.span == e.second))
            })
            .map(|f| f.title.as_str())
            .collect();
        format!(
            "two changes to {} overlap ({}); nothing was written",
            install.files[file].display,
            culprits.join(" / ")
        )
    })
}

/// The new texts of `changes` applied together, parsed again: an error
/// (nothing is written) when edits overlap or when a file would no longer
/// parse, naming the change that breaks it (`what` says what the texts are:
/// "the step to 24.1.0", "the fixes").
pub fn apply_checked(
    install: &Install,
    changes: &[&Fix],
    options: &crate::model::load::LoadOptions,
    what: &str,
) -> Result<BTreeMap<FileId, String>, String> {
    let texts = apply(install, changes)?;
    let problem = |texts: &BTreeMap<FileId, String>| {
        let after = crate::model::load::with_texts(install, texts, options);
        after.problems.first().map(|p| {
            let pos = p
                .file
                .map(|f| {
                    let lc = after.file(f).line_col(p.span.start as usize);
                    format!(":{}:{}", lc.line, lc.column)
                })
                .unwrap_or_default();
            format!("{}{pos}: {}", p.path, p.message)
        })
    };
    let Some(found) = problem(&texts) else {
        return Ok(texts);
    };
    // Which change breaks it: the first that does alone, else their mix.
    let culprit = changes
        .iter()
        .find(|c| apply(install, &[**c]).is_ok_and(|t| problem(&t).is_some()))
        .map(|c| format!("the change \"{}\"", c.title))
        .unwrap_or_else(|| "the changes together".into());
    Err(format!(
        "the result of {what} would not parse ({found}), because of {culprit}; \
         nothing was written. Please report this."
    ))
}

/// The changes applied at `unsafe_too`'s level.
pub fn chosen(step: &StepChanges, unsafe_too: bool) -> Vec<&Fix> {
    step.changes
        .iter()
        .filter(|f| unsafe_too || f.applicability == Applicability::Safe)
        .collect()
}

/// A step computed, applied in memory and checked.
#[derive(Debug)]
pub struct StepOutcome {
    pub release: Version,
    /// Every change, and whether it is applied at the chosen safety level.
    pub changes: Vec<(Fix, bool)>,
    pub reviews: Vec<String>,
    /// New texts of the changed files.
    pub texts: BTreeMap<FileId, String>,
    /// Files written whole (created or replaced).
    pub files: Vec<WholeFile>,
    /// The unified diff of all changed files (secret lines never shown).
    pub diff: String,
    /// Hunks left out of `diff` because they change a line holding a secret.
    pub withheld: usize,
}

/// Computes the step to `target`, applies its changes in memory and checks
/// that every file still parses. An error names what went wrong; nothing is
/// written either way.
pub fn compute_step(
    install: &Install,
    kb: &Kb,
    target: &Release,
    unsafe_too: bool,
    written: &Written,
) -> Result<StepOutcome, String> {
    let step = reconcile(install, kb, target, written);
    let picked = chosen(&step, unsafe_too);
    let options = crate::model::load::LoadOptions {
        sentry_version: Some(target.version),
    };
    let texts = apply_checked(
        install,
        &picked,
        &options,
        &format!("the step to {}", target.version),
    )?;
    let mut diff = String::new();
    let mut withheld = 0;
    for (id, text) in &texts {
        let (d, w) = crate::fix::install_diff(install, *id, text);
        diff.push_str(&d);
        withheld += w;
    }
    for f in &step.files {
        let (d, w) = crate::fix::whole_file_diff(install, f);
        diff.push_str(&d);
        withheld += w;
    }
    let changes = step
        .changes
        .into_iter()
        .map(|f| {
            let applied = unsafe_too || f.applicability == Applicability::Safe;
            (f, applied)
        })
        .collect();
    Ok(StepOutcome {
        release: target.version,
        changes,
        reviews: step.reviews,
        texts,
        files: step.files,
        diff,
        withheld,
    })
}

/// Runs every step of a plan in memory, each on the previous one's result.
pub fn simulate<'k>(
    install: &Install,
    kb: &'k Kb,
    plan: &Plan<'k>,
    unsafe_too: bool,
) -> Vec<Result<StepOutcome, String>> {
    let mut out = Vec::new();
    let mut current: Option<Install> = None;
    let mut written = Written::new();
    for step in &plan.steps {
        let here = current.as_ref().unwrap_or(install);
        let outcome = compute_step(here, kb, step.release, unsafe_too, &written);
        if let Ok(o) = &outcome {
            written.extend(o.files.iter().map(|f| (f.path.clone(), f.text.clone())));
        }
        let next = outcome.as_ref().ok().map(|o| {
            crate::model::load::with_texts(
                here,
                &o.texts,
                &crate::model::load::LoadOptions {
                    sentry_version: Some(step.release.version),
                },
            )
        });
        let failed = outcome.is_err();
        out.push(outcome);
        if failed {
            break;
        }
        current = next;
    }
    out
}

#[cfg(test)]
mod tests;
