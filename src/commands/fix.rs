//! `sentrylint fix`: with `--to`, the next step of an upgrade; without, the
//! fixes of `check` findings. The diff goes to standard output (so it can be
//! piped to `git apply`), explanations to standard error.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::cli::{FixArgs, ListFormat};
use crate::commands::check::check_selectors;
use crate::commands::patches::write_patches;
use crate::commands::plan::from_version;
use crate::commands::{Overrides, load_jobs, parse_version, plan_jobs, root_prefix};
use crate::fix::write::write_all;
use crate::fix::{Applicability, Fix, WholeFile, install_diff, non_overlapping};
use crate::kb::Kb;
use crate::migrate;
use crate::model::load::{LoadOptions, with_texts};
use crate::model::{FileId, Install};
use crate::rules::{self, RuleSelection};

#[derive(Serialize)]
struct JsonFixOutput {
    version: u32,
    installs: Vec<JsonInstallFix>,
}

#[derive(Serialize)]
struct JsonInstallFix {
    root: String,
    from: Option<String>,
    to: Option<String>,
    step: Option<String>,
    changes: Vec<JsonChange>,
    /// Files the step creates (their changes are in `changes`).
    new_files: Vec<String>,
    reviews: Vec<String>,
    diff: String,
    withheld_hunks: usize,
    remaining_steps: Vec<String>,
    written: bool,
    error: Option<String>,
}

#[derive(Serialize)]
struct JsonChange {
    title: String,
    applicability: Applicability,
    reason: Option<String>,
    applied: bool,
    edits: Vec<JsonEdit>,
}

#[derive(Serialize)]
struct JsonEdit {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    content: String,
}

fn json_change(install: &Install, fix: &Fix, applied: bool) -> JsonChange {
    JsonChange {
        title: fix.title.clone(),
        applicability: fix.applicability,
        reason: fix.reason.clone(),
        applied,
        edits: fix
            .edits
            .iter()
            .map(|e| {
                let f = install.file(e.file);
                let a = f.line_col(e.span.start as usize);
                let b = f.line_col(e.span.end as usize);
                JsonEdit {
                    file: f.display.clone(),
                    line: a.line,
                    column: a.column,
                    end_line: b.line,
                    end_column: b.column,
                    content: if f.touches_secret(e.span) {
                        "****".into()
                    } else {
                        e.text.clone()
                    },
                }
            })
            .collect(),
    }
}

/// A whole-file write as a change: one edit spanning the old text (empty
/// for a new file) with the new text.
fn json_whole_file(install: &Install, file: &WholeFile) -> JsonChange {
    let old = file.old.as_deref().unwrap_or("");
    let lines = old.split('\n').count();
    let last = old.rsplit('\n').next().unwrap_or("");
    JsonChange {
        title: file.title.clone(),
        applicability: Applicability::Safe,
        reason: None,
        applied: true,
        edits: vec![JsonEdit {
            file: file.display(install),
            line: 1,
            column: 1,
            end_line: lines,
            end_column: last.chars().count() + 1,
            content: file.text.clone(),
        }],
    }
}

/// What one install's fix computed.
struct Outcome {
    changes: Vec<(Fix, bool)>,
    reviews: Vec<String>,
    texts: BTreeMap<FileId, String>,
    /// Files written whole (always applied).
    files: Vec<WholeFile>,
    diff: String,
    withheld: usize,
}

pub fn run(args: &FixArgs, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<i32> {
    let (Ok(to), Ok(sentry_version), Ok(())) = (
        parse_version("--to", &args.to, err),
        parse_version("--sentry-version", &args.sentry_version, err),
        check_selectors(&[&args.select[..], &args.ignore[..]].concat(), err),
    ) else {
        return Ok(2);
    };
    let flags = Overrides {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        sentry_version,
        config: args.config.clone(),
        ..Overrides::default()
    };
    let Ok((jobs, problems)) = plan_jobs(&args.paths, &flags, err) else {
        return Ok(2);
    };
    let installs = load_jobs(jobs);
    let mut code = if problems.is_empty() { 0 } else { 2 };
    let kb = Kb::get();
    let mut json = JsonFixOutput {
        version: 1,
        installs: Vec::new(),
    };
    let human = args.format == ListFormat::Human;
    for (install, settings) in &installs {
        let selection = &settings.selection;
        let root = install.display_root.clone();
        let mut record = JsonInstallFix {
            root: root.clone(),
            from: install.release.version.map(|v| v.to_string()),
            to: to.map(|v| v.to_string()),
            step: None,
            changes: Vec::new(),
            new_files: Vec::new(),
            reviews: Vec::new(),
            diff: String::new(),
            withheld_hunks: 0,
            remaining_steps: Vec::new(),
            written: false,
            error: None,
        };
        let outcome = match outcome_for(install, kb, to, selection, args, &mut record, err) {
            Ok(Some(o)) => redacted(install, o),
            Ok(None) => continue,
            Err(e) => {
                writeln!(err, "error: {root}: {e}")?;
                record.error = Some(e);
                json.installs.push(record);
                code = 2;
                continue;
            }
        };
        record.changes = outcome
            .changes
            .iter()
            .map(|(f, a)| json_change(install, f, *a))
            .chain(outcome.files.iter().map(|f| json_whole_file(install, f)))
            .collect();
        record.new_files = outcome
            .files
            .iter()
            .filter(|f| f.old.is_none())
            .map(|f| f.display(install))
            .collect();
        record.reviews = outcome.reviews.clone();
        record.diff = outcome.diff.clone();
        record.withheld_hunks = outcome.withheld;
        if human && !args.write {
            out.write_all(outcome.diff.as_bytes())?;
        }
        if human {
            explain(&outcome, args, err)?;
        }
        if args.write && !(outcome.texts.is_empty() && outcome.files.is_empty()) {
            match write_all(install, &outcome.texts, &outcome.files) {
                Ok(()) => {
                    record.written = true;
                    if human {
                        let files: Vec<String> = outcome
                            .texts
                            .keys()
                            .map(|f| install.file(*f).display.clone())
                            .chain(outcome.files.iter().map(|f| f.display(install)))
                            .collect();
                        writeln!(err, "wrote {}", files.join(", "))?;
                    }
                }
                Err(e) => {
                    writeln!(err, "error: {}: {}", e.path, e.message)?;
                    record.error = Some(format!("{}: {}", e.path, e.message));
                    code = 2;
                }
            }
        }
        if human && to.is_some() {
            next_steps(&record, args, err)?;
        }
        if !args.write && !outcome.diff.is_empty() && code == 0 {
            code = 1;
        }
        if !args.write && outcome.diff.is_empty() && outcome.withheld > 0 && code == 0 {
            code = 1;
        }
        json.installs.push(record);
    }
    if !human {
        serde_json::to_writer_pretty(&mut *out, &json)?;
        writeln!(out)?;
    }
    Ok(code)
}

/// The outcome with every secret value of the install in a title, reason,
/// review or edit replaced by `****` (the diff already leaves them out):
/// changes may carry values from elsewhere in the install.
fn redacted(install: &Install, mut o: Outcome) -> Outcome {
    let secrets = crate::model::secrets::Secrets::distinctive(&install.files);
    let scrub = |s: &mut String| secrets.scrub(s);
    for (fix, _) in &mut o.changes {
        scrub(&mut fix.title);
        if let Some(r) = &mut fix.reason {
            scrub(r);
        }
        for e in &mut fix.edits {
            e.text = crate::model::secrets::mask_named_values(&e.text);
            scrub(&mut e.text);
        }
    }
    o.reviews.iter_mut().for_each(scrub);
    o
}

/// Computes what `fix` would change in one install: the next step toward
/// `to`, or the rule fixes. `None` when `--patches` wrote the whole plan.
fn outcome_for(
    install: &Install,
    kb: &Kb,
    to: Option<crate::kb::version::Version>,
    selection: &RuleSelection,
    args: &FixArgs,
    record: &mut JsonInstallFix,
    err: &mut dyn Write,
) -> Result<Option<Outcome>, String> {
    if let Some(p) = install.problems.first() {
        return Err(format!(
            "{} {}: fix the input first (`sentrylint check`)",
            p.path, p.message
        ));
    }
    let Some(to) = to else {
        return rule_fixes(install, selection, args.unsafe_fixes).map(Some);
    };
    let plan = from_version(install).and_then(|from| migrate::plan(kb, from, to))?;
    if let Some(dir) = &args.patches {
        write_patches(install, kb, &plan, dir, args.unsafe_fixes, err)?;
        return Ok(None);
    }
    let step = &plan.steps[0];
    record.step = Some(step.release.version.to_string());
    record.remaining_steps = plan.steps[1..]
        .iter()
        .map(|s| s.release.version.to_string())
        .collect();
    if args.format == ListFormat::Human {
        let kind = if step.release.hard_stop {
            " (hard stop)"
        } else {
            ""
        };
        let _ = writeln!(
            err,
            "{}step 1 of {}: Sentry {} -> {}{kind}",
            root_prefix(install),
            plan.steps.len(),
            plan.from,
            step.release.version
        );
    }
    let o = migrate::compute_step(
        install,
        kb,
        step.release,
        args.unsafe_fixes,
        &migrate::Written::new(),
    )?;
    Ok(Some(Outcome {
        changes: o.changes,
        reviews: o.reviews,
        texts: o.texts,
        files: o.files,
        diff: o.diff,
        withheld: o.withheld,
    }))
}

fn explain(o: &Outcome, args: &FixArgs, err: &mut dyn Write) -> std::io::Result<()> {
    let applied = o.changes.iter().filter(|(_, a)| *a).count() + o.files.len();
    let verb = if args.write { "applied" } else { "would apply" };
    if applied == 0 && o.changes.is_empty() {
        writeln!(err, "  nothing to change")?;
    } else {
        writeln!(
            err,
            "  {verb} {applied} change{}:",
            if applied == 1 { "" } else { "s" }
        )?;
        let titles = o.changes.iter().filter(|(_, a)| *a).map(|(f, _)| &f.title);
        for title in titles.chain(o.files.iter().map(|f| &f.title)) {
            writeln!(err, "    - {title}")?;
        }
    }
    let pending: Vec<&Fix> = o
        .changes
        .iter()
        .filter(|(_, a)| !*a)
        .map(|(f, _)| f)
        .collect();
    if !pending.is_empty() {
        writeln!(
            err,
            "  {} change{} need{} a human (--unsafe-fixes applies them):",
            pending.len(),
            if pending.len() == 1 { "" } else { "s" },
            if pending.len() == 1 { "s" } else { "" }
        )?;
        for f in pending {
            writeln!(
                err,
                "    - {}: {}",
                f.title,
                f.reason.as_deref().unwrap_or("")
            )?;
        }
    }
    for r in &o.reviews {
        writeln!(err, "  review: {r}")?;
    }
    if o.withheld > 0 {
        writeln!(
            err,
            "  {} change{} to lines holding secrets {} not shown; --write applies {}",
            o.withheld,
            if o.withheld == 1 { "" } else { "s" },
            if o.withheld == 1 { "is" } else { "are" },
            if o.withheld == 1 { "it" } else { "them" }
        )?;
    }
    Ok(())
}

fn next_steps(record: &JsonInstallFix, args: &FixArgs, err: &mut dyn Write) -> std::io::Result<()> {
    let Some(step) = &record.step else {
        return Ok(());
    };
    let target = record.to.clone().unwrap_or_default();
    if args.write && record.written {
        writeln!(
            err,
            "  next: commit, deploy {step} (./install.sh, wait for the migrations), then `sentrylint fix --to {target}`"
        )?;
    } else if !args.write && !record.diff.is_empty() {
        writeln!(
            err,
            "  `sentrylint fix --to {target} --write` applies this step"
        )?;
    }
    if !record.remaining_steps.is_empty() {
        writeln!(
            err,
            "  remaining after {step}: {}",
            record.remaining_steps.join(" -> ")
        )?;
    }
    Ok(())
}

/// The fixes of `check` findings, applied round after round (a fix may
/// enable another) until nothing changes, at most 10 rounds.
fn rule_fixes(
    install: &Install,
    selection: &RuleSelection,
    unsafe_too: bool,
) -> Result<Outcome, String> {
    let options = LoadOptions {
        sentry_version: install.release.version,
    };
    let mut texts: BTreeMap<FileId, String> = BTreeMap::new();
    let mut changes: Vec<(Fix, bool)> = Vec::new();
    let mut current: Option<Install> = None;
    for _ in 0..10 {
        let here = current.as_ref().unwrap_or(install);
        let diags = rules::check(here, selection, None);
        let all: Vec<&Fix> = rules::fixes(&diags, true);
        let picked = non_overlapping(
            all.iter()
                .copied()
                .filter(|f| unsafe_too || f.applicability == Applicability::Safe),
        );
        if current.is_none() {
            for f in &all {
                let applied = picked.iter().any(|p| std::ptr::eq(*p, *f));
                changes.push(((*f).clone(), applied));
            }
        }
        if picked.is_empty() {
            break;
        }
        let new = migrate::apply_checked(here, &picked, &options, "the fixes")?;
        if new.is_empty() {
            break;
        }
        texts.extend(new);
        current = Some(with_texts(install, &texts, &options));
    }
    texts.retain(|f, t| *t != install.file(*f).text);
    let mut diff = String::new();
    let mut withheld = 0;
    for (f, t) in &texts {
        let (d, w) = install_diff(install, *f, t);
        diff.push_str(&d);
        withheld += w;
    }
    Ok(Outcome {
        changes,
        reviews: Vec::new(),
        texts,
        files: Vec::new(),
        diff,
        withheld,
    })
}
