//! Inline suppressions, read from the comments each parser kept (so a `#`
//! inside a string or a YAML block scalar never counts):
//!
//! - `# sentrylint: ignore[SL101, replay-consumer-missing] -- why` at the end
//!   of a finding's line, or on the line(s) directly above it;
//! - `# sentrylint: ignore-file[SL101]` anywhere, for the whole file.
//!
//! Codes and names are exact (no prefixes): a suppression says which
//! finding it is for. SL000 cannot be suppressed. What a suppression did is
//! recorded, so SL002 can report the ones that did nothing.

use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::model::{FileId, Install};
use crate::rules::{Rule, by_code};
use crate::source::{SourceFile, Span};

/// What starts a suppression comment, after `#`.
const DIRECTIVE: &str = "sentrylint:";

/// What a suppression covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Findings starting on this 0-based line (`None`: the comment sits
    /// above a blank line or the end of the file, so it covers nothing).
    Line(Option<usize>),
    File,
}

/// One code or name between the brackets.
#[derive(Clone, Debug)]
pub struct Entry {
    pub text: String,
    pub span: Span,
    /// The rule it names, when it names one that can be suppressed.
    pub rule: Option<&'static Rule>,
}

#[derive(Clone, Debug)]
pub struct Directive {
    pub file: FileId,
    /// From the directive's `#` to its end: its codes and reason, not a
    /// comment that follows (`# sentrylint: ignore[SL101] # note`).
    pub span: Span,
    /// `ignore[...]` without the reason, as shown in messages.
    pub written: String,
    pub scope: Scope,
    /// The text between the brackets.
    pub list: Span,
    pub entries: Vec<Entry>,
    /// Why this `sentrylint:` comment is no suppression (it then suppresses nothing).
    pub malformed: Option<String>,
    /// The comment is alone on its line (so it covers the line below).
    pub own_line: bool,
    /// The directive is the whole comment, alone on its line.
    pub whole_line: bool,
}

/// The directives of every file of an install that parsed.
pub fn read(install: &Install) -> Vec<Directive> {
    let mut files: Vec<(FileId, &[Span])> = Vec::new();
    for (f, doc) in &install.compose_docs {
        files.push((*f, &doc.comments));
    }
    if let Some((f, doc)) = &install.config_yml {
        files.push((*f, &doc.comments));
    }
    for (f, env) in install.dotenv.iter().chain(&install.env_custom) {
        files.push((*f, &env.comments));
    }
    if let Some((f, conf)) = &install.pyconf {
        files.push((*f, &conf.comments));
    }
    let mut out = Vec::new();
    for (file, comments) in files {
        let source = install.file(file);
        // A directive needs the word: most files have none, and indexing
        // their comment lines is the dearest part of reading.
        if !comments
            .iter()
            .any(|c| source.slice(*c).contains(DIRECTIVE))
        {
            continue;
        }
        let comment_lines: HashSet<usize> = comments
            .iter()
            .filter(|c| own_line(source, **c))
            .map(|c| source.line_index(c.start as usize))
            .collect();
        for comment in comments {
            read_comment(source, file, *comment, &comment_lines, &mut out);
        }
    }
    out
}

/// Only blanks stand before the comment on its line.
fn own_line(source: &SourceFile, comment: Span) -> bool {
    let start = comment.start as usize;
    let line_start = source.line_start(source.line_index(start));
    source.text[line_start..start].trim().is_empty()
}

/// The line an own-line suppression covers: the first line below it that is
/// not another comment line. A blank line ends the search.
fn line_below(source: &SourceFile, line: usize, comment_lines: &HashSet<usize>) -> Option<usize> {
    let mut next = line + 1;
    while next < source.line_count() {
        if comment_lines.contains(&next) {
            next += 1;
            continue;
        }
        if source.line_text(next).trim().is_empty() {
            return None;
        }
        return Some(next);
    }
    None
}

fn read_comment(
    source: &SourceFile,
    file: FileId,
    comment: Span,
    comment_lines: &HashSet<usize>,
    out: &mut Vec<Directive>,
) {
    let text = source.slice(comment);
    let base = comment.start as usize;
    let lone = own_line(source, comment);
    // Any `#` may open a directive: `# keep it # sentrylint: ignore[SL101]`.
    let mut from = 0;
    while let Some(found) = text[from..].find('#') {
        let hash = from + found;
        let after = &text[hash + 1..];
        let body = after.trim_start();
        let Some(rest) = body.strip_prefix(DIRECTIVE) else {
            from = hash + 1;
            continue;
        };
        let rest_at = base + hash + 1 + (after.len() - body.len()) + DIRECTIVE.len();
        let mut d = parse_directive(rest, rest_at, file, base + hash);
        let line = source.line_index(base + hash);
        d.own_line = lone;
        d.whole_line = lone && hash == 0 && d.span.end == comment.end;
        if d.scope == Scope::Line(None) {
            d.scope = Scope::Line(if lone {
                line_below(source, line, comment_lines)
            } else {
                Some(line)
            });
        }
        from = d.span.end as usize - base;
        out.push(d);
    }
}

/// Parses what follows `sentrylint:` to the end of the comment (`rest`, at
/// byte `at` of the file), for the directive whose `#` is at `hash`. The
/// directive ends after its codes, or with its ` -- reason` at the end of
/// the comment, or before a `#` that starts another comment.
fn parse_directive(rest: &str, at: usize, file: FileId, hash: usize) -> Directive {
    let mut d = Directive {
        file,
        span: Span::new(hash, at + rest.len()),
        written: rest.trim().to_string(),
        scope: Scope::Line(None),
        list: Span::empty(at),
        entries: Vec::new(),
        malformed: None,
        own_line: false,
        whole_line: false,
    };
    let body = rest.trim_start();
    let body_at = at + (rest.len() - body.len());
    let word_len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(body.len());
    let word = &body[..word_len];
    let after = &body[word_len..];
    let usage = "write `# sentrylint: ignore[CODE, ...]` or `# sentrylint: ignore-file[CODE, ...]`, optionally followed by ` -- reason`";
    match word {
        "ignore" => d.scope = Scope::Line(None),
        "ignore-file" => d.scope = Scope::File,
        _ => {
            let hint = crate::rules::helpers::did_you_mean(word, ["ignore", "ignore-file"])
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            d.malformed = Some(format!("`{word}` is not a suppression{hint}; {usage}"));
            return d;
        }
    }
    let Some(inside) = after.strip_prefix('[') else {
        d.malformed = Some(format!("`{word}` needs the codes in brackets; {usage}"));
        return d;
    };
    let Some(close) = inside.find(']') else {
        d.malformed = Some(format!("the `[` after `{word}` is not closed; {usage}"));
        return d;
    };
    let list_at = body_at + word_len + 1;
    d.list = Span::new(list_at, list_at + close);
    d.written = format!("{word}[{}]", &inside[..close]);
    let tail = &inside[close + 1..];
    let tail_text = tail.trim();
    if tail_text.starts_with('#') {
        d.span.end = (list_at + close + 1 + tail.find('#').unwrap_or(0)) as u32;
    } else if tail_text.is_empty() {
        d.span.end = (list_at + close + 1) as u32;
    } else if !tail_text.starts_with("--") {
        d.malformed = Some(format!(
            "`{tail_text}` after the codes is not a reason; {usage}"
        ));
        return d;
    }
    let mut offset = 0;
    for raw in inside[..close].split(',') {
        let code = raw.trim();
        let start = list_at + offset + (raw.len() - raw.trim_start().len());
        offset += raw.len() + 1;
        if code.is_empty() {
            continue;
        }
        d.entries.push(Entry {
            text: code.to_string(),
            span: Span::new(start, start + code.len()),
            rule: by_code(code).filter(|r| r.code != "SL000"),
        });
    }
    if d.entries.is_empty() {
        d.malformed = Some(format!("`{}` names no rule; {usage}", d.written));
    }
    d
}

/// Which entries of which directives suppressed a finding.
pub struct Usage {
    pub used: Vec<Vec<bool>>,
}

impl Usage {
    pub fn new(directives: &[Directive]) -> Usage {
        Usage {
            used: directives
                .iter()
                .map(|d| vec![false; d.entries.len()])
                .collect(),
        }
    }
}

/// Drops the findings a directive suppresses (never SL000) and records which
/// entries did the suppressing.
pub fn apply(
    install: &Install,
    directives: &[Directive],
    diagnostics: Vec<Diagnostic>,
    usage: &mut Usage,
) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .filter(|d| {
            let Some(file) = d.file else {
                return true;
            };
            if d.code == "SL000" {
                return true;
            }
            let line = install.file(file).line_index(d.span.start as usize);
            let mut suppressed = false;
            for (i, s) in directives.iter().enumerate() {
                let covers = s.malformed.is_none()
                    && s.file == file
                    && match s.scope {
                        Scope::File => true,
                        Scope::Line(l) => l == Some(line),
                    };
                if !covers {
                    continue;
                }
                for (j, e) in s.entries.iter().enumerate() {
                    if e.rule.is_some_and(|r| r.code == d.code) {
                        usage.used[i][j] = true;
                        suppressed = true;
                    }
                }
            }
            !suppressed
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load::{LoadOptions, load_root};

    fn directives(files: &[(&str, &str)]) -> (tempfile::TempDir, Install, Vec<Directive>) {
        let tmp = tempfile::tempdir().unwrap();
        let owned: Vec<(&str, String)> = files.iter().map(|(p, t)| (*p, t.to_string())).collect();
        crate::testing::write_files(tmp.path(), &owned);
        let install = load_root(tmp.path(), "", &LoadOptions::default());
        assert!(install.problems.is_empty(), "{:?}", install.problems);
        let d = read(&install);
        (tmp, install, d)
    }

    #[test]
    fn trailing_and_stacked_suppressions_cover_their_lines() {
        let yaml = "services:\n  # sentrylint: ignore[SL001]\n  # sentrylint: ignore[duplicate-key] -- twice\n  web:  # sentrylint: ignore[SL101]\n\n  # sentrylint: ignore[SL101]\n\n";
        let (_tmp, _install, d) = directives(&[("docker-compose.yml", yaml)]);
        let scopes: Vec<Scope> = d.iter().map(|d| d.scope).collect();
        assert_eq!(
            scopes,
            [
                Scope::Line(Some(3)),
                Scope::Line(Some(3)),
                Scope::Line(Some(3)),
                Scope::Line(None)
            ]
        );
        assert!(d.iter().all(|d| d.malformed.is_none()));
        assert_eq!(d[1].entries[0].rule.unwrap().code, "SL001");
        assert!(d[0].whole_line && !d[2].whole_line);
        assert_eq!(d[1].written, "ignore[duplicate-key]");
    }

    #[test]
    fn hashes_inside_values_are_not_comments() {
        let (_tmp, _install, d) = directives(&[
            (
                "docker-compose.yml",
                "services:\n  web:\n    command: \"echo '# sentrylint: ignore[SL001]'\"\n    entrypoint: |\n      # sentrylint: ignore[SL001]\n",
            ),
            (
                ".env",
                "A=\"x # sentrylint: ignore[SL101]\"\nB=1 # sentrylint: ignore-file[SL101]\n",
            ),
            (
                "sentry/sentry.conf.py",
                "X = \"# sentrylint: ignore[SL001]\"\nY = {\n    \"a\": 1,  # sentrylint: ignore[SL101]\n}\n",
            ),
        ]);
        let found: Vec<(&str, Scope)> = d.iter().map(|d| (d.written.as_str(), d.scope)).collect();
        assert_eq!(
            found,
            [
                ("ignore-file[SL101]", Scope::File),
                ("ignore[SL101]", Scope::Line(Some(2)))
            ]
        );
    }

    #[test]
    fn malformed_directives_say_what_is_wrong() {
        let env = "A=1 # sentrylint: ignroe[SL101]\nB=1 # sentrylint: ignore SL101\nC=1 # sentrylint: ignore[SL101\nD=1 # sentrylint: ignore[SL101] because\nE=1 # sentrylint: ignore[]\nF=1 # sentrylint: ignore[SL000, SL99]\n";
        let (_tmp, _install, d) =
            directives(&[("docker-compose.yml", "services: {}\n"), (".env", env)]);
        let why: Vec<Option<&str>> = d
            .iter()
            .map(|d| d.malformed.as_deref().map(|m| m.split(';').next().unwrap()))
            .collect();
        assert_eq!(
            why,
            [
                Some("`ignroe` is not a suppression (did you mean `ignore`?)"),
                Some("`ignore` needs the codes in brackets"),
                Some("the `[` after `ignore` is not closed"),
                Some("`because` after the codes is not a reason"),
                Some("`ignore[]` names no rule"),
                None,
            ]
        );
        // SL000 cannot be suppressed, so it names no rule here.
        assert!(d[5].entries.iter().all(|e| e.rule.is_none()));
        assert_eq!(d[5].entries[1].text, "SL99");
    }

    /// An install in a repository, with `files` next to a duplicate key
    /// (SL001) in docker-compose.yml.
    fn repository(compose_tail: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, String) {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join(".git")).unwrap();
        let mut all: Vec<(&str, String)> = vec![(
            "docker-compose.yml",
            format!("services:\n  web:\n    image: a\n    image: b{compose_tail}\n"),
        )];
        all.extend(files.iter().map(|(p, t)| (*p, t.to_string())));
        crate::testing::write_files(tmp.path(), &all);
        let root = tmp.path().to_str().unwrap().to_string();
        (tmp, root)
    }

    fn check(root: &str, extra: &[&str]) -> (i32, String) {
        // These toy installs name no release; SL307 would say so.
        let mut args = vec!["check", "--format", "concise", "--ignore", "SL307", root];
        args.extend(extra);
        let (code, out, err) = crate::testing::run_cli(&args, &crate::RunEnv::default());
        (code, out + &err)
    }

    #[test]
    fn a_suppressed_finding_is_gone() {
        let (_tmp, root) = repository("  # sentrylint: ignore[SL001] -- on purpose", &[]);
        assert_eq!(check(&root, &[]), (0, String::new()));
    }

    #[test]
    fn suppressions_of_rules_that_did_not_run_are_not_judged() {
        let (_tmp, root) = repository("", &[(".env", "A=1  # sentrylint: ignore[SL001]\n")]);
        let (code, out) = check(&root, &[]);
        assert_eq!(code, 1);
        assert!(
            out.contains("SL002 `# sentrylint: ignore[SL001]` suppresses nothing"),
            "{out}"
        );
        let (code, out) = check(&root, &["--select", "SL002"]);
        assert_eq!((code, out.as_str()), (0, ""));
        std::fs::write(
            format!("{root}/sentrylint.toml"),
            "[per-path-ignores]\n\".env\" = [\"SL001\"]\n",
        )
        .unwrap();
        let (_, out) = check(&root, &[]);
        assert!(!out.contains("SL002"), "{out}");
    }

    #[test]
    fn unused_suppressions_obey_suppressions_and_severity_too() {
        let (_tmp, root) = repository(
            "  # sentrylint: ignore[SL001]\n# sentrylint: ignore-file[SL002]\n# sentrylint: ignore[SL101]",
            &[],
        );
        assert_eq!(check(&root, &[]), (0, String::new()));
        let (_tmp, root) = repository(
            "  # sentrylint: ignore[SL001]",
            &[
                (".env", "A=1  # sentrylint: ignore[SL001]\n"),
                ("sentrylint.toml", "[severity]\nSL002 = \"info\"\n"),
            ],
        );
        let (code, out) = check(&root, &[]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains(".env:1:6: info SL002 "), "{out}");
    }

    #[test]
    fn fix_write_removes_what_suppresses_nothing() {
        let (_tmp, root) = repository(
            "  # sentrylint: ignore[SL001, SL101]",
            &[(
                ".env",
                "# sentrylint: ignore-file[SL101]\nA=1  # sentrylint: ignore[SL999] -- typo\n",
            )],
        );
        let (code, _, err) =
            crate::testing::run_cli(&["fix", "--write", &root], &crate::RunEnv::default());
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            std::fs::read_to_string(format!("{root}/.env")).unwrap(),
            "A=1\n"
        );
        assert!(
            std::fs::read_to_string(format!("{root}/docker-compose.yml"))
                .unwrap()
                .ends_with("image: b  # sentrylint: ignore[SL001]\n")
        );
        assert_eq!(check(&root, &[]), (0, String::new()));
    }
}
