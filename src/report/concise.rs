//! One line per finding: `path:line:col: severity CODE message`.

use std::io::{self, Write};

use crate::report::{InstallReport, position};

pub fn render(reports: &[InstallReport], out: &mut dyn Write) -> io::Result<()> {
    for r in reports {
        for d in &r.diagnostics {
            match position(&r.install, d) {
                Some((line, col, _, _)) => writeln!(
                    out,
                    "{}:{line}:{col}: {} {} {}",
                    d.path,
                    d.severity.as_str(),
                    d.code,
                    d.message
                )?,
                None => writeln!(
                    out,
                    "{}: {} {} {}",
                    d.path,
                    d.severity.as_str(),
                    d.code,
                    d.message
                )?,
            }
        }
    }
    Ok(())
}
