//! `fix --to VERSION --patches DIR`: every step of the plan as a patch
//! in the mbox format `git format-patch` writes, so that `git am DIR/*.patch`
//! commits the steps in turn (and `git apply` or `patch -p1` still take them).

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::kb::Kb;
use crate::migrate;
use crate::model::Install;

/// Who the commits `git am` makes are by: the changes are sentrylint's.
const AUTHOR: &str = "sentrylint <sentrylint@users.noreply.github.com>";

/// Every step of the plan as `NNNN-sentry-VERSION.patch` in `dir`, each
/// against the previous step's result.
pub fn write_patches(
    install: &Install,
    kb: &Kb,
    plan: &migrate::Plan,
    dir: &std::path::Path,
    unsafe_too: bool,
    err: &mut dyn Write,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let outcomes = migrate::simulate(install, kb, plan, unsafe_too);
    let date = rfc2822(SystemTime::now());
    for (i, (step, outcome)) in plan.steps.iter().zip(outcomes).enumerate() {
        let o = outcome?;
        let version = step.release.version;
        let subject = format!(
            "[PATCH {}/{}] Sentry self-hosted {version}{}",
            i + 1,
            plan.steps.len(),
            if step.release.hard_stop {
                " (hard stop)"
            } else {
                ""
            }
        );
        let mut body = String::new();
        for n in &step.notes {
            body.push_str(&format!("- {n}\n"));
        }
        for r in &o.reviews {
            body.push_str(&format!("- review: {r}\n"));
        }
        body.push_str(&format!(
            "\nDeploy {version} (./install.sh, wait for the migrations) before applying the next patch.\n"
        ));
        let text = mbox_patch(&subject, &date, &body, &o.diff);
        let path = dir.join(format!("{:04}-sentry-{version}.patch", i + 1));
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        let _ = writeln!(err, "wrote {}", path.display());
        if o.diff.is_empty() {
            // `git am` stops at a message without a diff ("Patch is empty").
            let _ = writeln!(
                err,
                "  it changes no file (deploy {version} all the same): `git am --allow-empty` records it"
            );
        }
        if o.withheld > 0 {
            let _ = writeln!(
                err,
                "  {} change(s) to lines holding secrets are not in the patch; apply this step with --write",
                o.withheld
            );
        }
    }
    Ok(())
}

/// One message of an mbox as `git format-patch` writes it: the `From `
/// separator line (its hash is not a commit of this repository, so zeros),
/// the headers, the message, `---`, the diff and the signature.
fn mbox_patch(subject: &str, date: &str, body: &str, diff: &str) -> String {
    // mbox readers split messages at lines starting with `From `; the
    // notes are prose, but a note may well start a line with it.
    let body: String = body
        .lines()
        .map(|l| {
            if l.starts_with("From ") {
                format!(">{l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    format!(
        "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n\
         From: {AUTHOR}\n\
         Date: {date}\n\
         Subject: {subject}\n\
         \n\
         {body}\
         ---\n\
         {diff}\
         -- \n\
         sentrylint {}\n\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// `Tue, 1 Dec 2026 18:04:03 +0000`: an e-mail date (RFC 2822), in UTC.
fn rfc2822(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // 1970-01-01 was a Thursday.
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let (year, month, day) = civil_from_days(days as i64);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][month as usize - 1];
    format!(
        "{weekday}, {day} {month} {year} {:02}:{:02}:{:02} +0000",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`): (year, month 1-12, day 1-31).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_are_rfc_2822() {
        let at = |s: u64| rfc2822(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "Thu, 1 Jan 1970 00:00:00 +0000");
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
        assert_eq!(at(1_796_148_243), "Tue, 1 Dec 2026 18:04:03 +0000");
    }
}
