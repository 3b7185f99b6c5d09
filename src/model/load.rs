//! Reading an install's files and parsing each of them once.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::kb::version::Version;
use crate::model::compose::{self, ComposeSources};
use crate::model::{
    FileId, Install, Problem, ReleaseInfo, ReleaseSource, detect_release, effective_env,
};
use crate::parse::pyconf::{Expr, ExprKind, PyConf, Target};
use crate::parse::yaml::{self, NodeKind, YamlDoc};
use crate::parse::{env, pyconf};
use crate::source::{FileKind, SourceFile, Span};

/// Files larger than this are refused: no real config comes close, and a
/// pre-commit hook must stay fast.
pub const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Overrides release detection (`--sentry-version`, `sentry-version`).
    pub sentry_version: Option<Version>,
}

/// What reading one file gave: the file, whether it can be parsed, and problems.
pub struct ReadResult {
    pub file: Option<SourceFile>,
    pub parseable: bool,
    pub problem: Option<Problem>,
}

/// Reads one file with one `read` call, refusing directories, huge files,
/// invalid UTF-8 and NUL bytes with a positioned message.
pub fn read_source(path: &Path, display: String, kind: FileKind) -> ReadResult {
    let fail = |message: String| ReadResult {
        file: None,
        parseable: false,
        problem: Some(Problem {
            file: None,
            path: display.clone(),
            span: Span::default(),
            message,
        }),
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return fail(format!("cannot read: {}", io_reason(&e))),
    };
    if meta.is_dir() {
        return fail("is a directory, but a file is expected here".into());
    }
    // Opening a FIFO would block and a device (`-> /dev/zero`) never ends.
    if !meta.is_file() {
        return fail(
            "is not a regular file (a FIFO, socket or device); sentrylint reads regular files"
                .into(),
        );
    }
    let too_big = |len: u64| {
        format!(
            "is {:.1} MB; sentrylint reads files up to {} MB",
            len as f64 / 1e6,
            MAX_FILE_SIZE / 1024 / 1024
        )
    };
    if meta.len() > MAX_FILE_SIZE {
        return fail(too_big(meta.len()));
    }
    // Read at most one byte past the limit: the file may grow after `metadata`.
    // Sized up front, a file takes one read (and one more to see its end).
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    let read = std::fs::File::open(path).and_then(|f| {
        std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_FILE_SIZE + 1), &mut bytes)
    });
    if let Err(e) = read {
        return fail(format!("cannot read: {}", io_reason(&e)));
    }
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return fail(too_big(bytes.len() as u64));
    }
    source_from_bytes(path.to_path_buf(), display, kind, bytes)
}

/// Builds a source file from bytes (also used for stdin).
pub fn source_from_bytes(
    path: PathBuf,
    display: String,
    kind: FileKind,
    mut bytes: Vec<u8>,
) -> ReadResult {
    let bom = bytes.starts_with(&[0xEF, 0xBB, 0xBF]);
    if bom {
        bytes.drain(..3);
    }
    let (text, bad) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let t = String::from_utf8_lossy(e.as_bytes()).into_owned();
            (
                t,
                Some((
                    at,
                    "is not valid UTF-8 here; sentrylint reads UTF-8 text".to_string(),
                )),
            )
        }
    };
    let bad = bad.or_else(|| {
        text.find('\0').map(|at| {
            (
                at,
                "holds a NUL byte here; this is not a text file".to_string(),
            )
        })
    });
    let file = SourceFile::new(path, display.clone(), kind, text, bom);
    match bad {
        None => ReadResult {
            file: Some(file),
            parseable: true,
            problem: None,
        },
        Some((at, message)) => ReadResult {
            file: Some(file),
            parseable: false,
            problem: Some(Problem {
                file: None,
                path: display,
                span: Span::new(at, at + 1),
                message,
            }),
        },
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => {
            "no such file (it may have been removed while reading)".into()
        }
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Loads the install whose docker-compose.yml is in `root`.
pub fn load_root(root: &Path, display_root: &str, options: &LoadOptions) -> Install {
    load_root_with(root, display_root, options, None)
}

/// A file's text given instead of read from disk (an editor's unsaved
/// buffer on standard input), and the path to show for it.
pub struct GivenFile {
    pub kind: FileKind,
    pub bytes: Vec<u8>,
    pub display: String,
}

/// Loads the install at `root`, taking `given` in place of that file on disk.
pub fn load_root_with(
    root: &Path,
    display_root: &str,
    options: &LoadOptions,
    mut given: Option<GivenFile>,
) -> Install {
    let mut reads: Vec<(FileKind, ReadResult)> = Vec::new();
    let mut mounted = None;
    for kind in FileKind::ALL {
        if matches!(kind, FileKind::SentryConfPy | FileKind::SentryConfigYml) && mounted.is_none() {
            mounted = Some(mounted_config_files(&reads));
        }
        let rel = match (kind, &mounted) {
            (FileKind::SentryConfPy, Some(m)) => m.conf_py.as_str(),
            (FileKind::SentryConfigYml, Some(m)) => m.config_yml.as_str(),
            _ => kind.path_in(root),
        };
        let path = root.join(rel);
        if let Some(g) = given.take_if(|g| g.kind == kind) {
            reads.push((kind, source_from_bytes(path, g.display, kind, g.bytes)));
            continue;
        }
        // `symlink_metadata` would miss symlinked files; a missing file is normal.
        if kind != FileKind::Compose && !path.exists() && std::fs::symlink_metadata(&path).is_err()
        {
            continue;
        }
        let display = join_display(display_root, rel);
        reads.push((kind, read_source(&path, display, kind)));
    }
    assemble_reads(root.to_path_buf(), display_root.to_string(), reads, options)
}

/// True when the secret span `span` is the value upstream publishes for
/// its key on its line (`AWS_SECRET_ACCESS_KEY: sentry`).
fn holds_published_default(text: &str, span: Span) -> bool {
    let (start, end) = (span.start as usize, span.end as usize);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    crate::model::secrets::named_values(&text[line_start..line_end])
        .next()
        .is_some_and(|(key, value)| {
            text[start..end].contains(value)
                && crate::model::secrets::is_published_default(key, value)
        })
}

/// A YAML file with no content but comments, or only a null.
fn is_empty_document(doc: &YamlDoc) -> bool {
    match doc.root.map(|r| &doc.node(r).kind) {
        None => true,
        Some(NodeKind::Scalar { value, .. }) => matches!(value.as_str(), "" | "~" | "null"),
        Some(_) => false,
    }
}

/// Where the Sentry services' `/etc/sentry/sentry.conf.py` and
/// `/etc/sentry/config.yml` come from, relative to the deployment root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFiles {
    pub conf_py: String,
    pub config_yml: String,
}

impl Default for ConfigFiles {
    fn default() -> Self {
        ConfigFiles {
            conf_py: FileKind::SentryConfPy.relative_path().into(),
            config_yml: FileKind::SentryConfigYml.relative_path().into(),
        }
    }
}

/// Follows the bind mounts of the compose files read so far (base and
/// override, merged as compose merges them) to the files Sentry reads as
/// `/etc/sentry/sentry.conf.py` and `/etc/sentry/config.yml`: a tutorial
/// install mounts `./sentry.conf.py` from its root, a fork `./config` as
/// the folder. Host paths are relative to the compose file's folder. When
/// nothing can be told (no such mount, a variable in the path, a path
/// outside the install, compose that does not parse), upstream's
/// `sentry/` is assumed, as `./sentry:/etc/sentry` says.
pub fn mounted_config_files(reads: &[(FileKind, ReadResult)]) -> ConfigFiles {
    let texts: Vec<(FileKind, &str)> = reads
        .iter()
        .filter(|(k, r)| matches!(k, FileKind::Compose | FileKind::ComposeOverride) && r.parseable)
        .filter_map(|(k, r)| Some((*k, r.file.as_ref()?.text.as_str())))
        .collect();
    // Upstream's layout, the common case, is told without parsing: its only
    // mount of /etc/sentry is `./sentry:/etc/sentry`.
    let telling = |t: &str| {
        t.match_indices("/etc/sentry").any(|(i, _)| {
            let line = t[..i].rsplit('\n').next().unwrap_or("");
            line.contains("target") || line.ends_with(':') && !line.ends_with("./sentry:")
        })
    };
    if !texts.iter().any(|(_, t)| telling(t)) {
        return ConfigFiles::default();
    }
    let docs: Vec<(FileId, YamlDoc)> = texts
        .iter()
        .enumerate()
        .filter_map(|(id, (kind, text))| {
            let opts = yaml::Options {
                allow_unknown_aliases: *kind == FileKind::ComposeOverride,
            };
            yaml::parse(text, opts).ok().map(|d| (id, d))
        })
        .collect();
    let Some(((base_id, base), overrides)) = docs
        .split_first()
        .filter(|(b, _)| texts[b.0].0 == FileKind::Compose)
        .map(|(b, rest)| ((b.0, &b.1), rest.iter().map(|(i, d)| (*i, d)).collect()))
    else {
        return ConfigFiles::default();
    };
    let Ok(model) = compose::build(&ComposeSources {
        base: (base_id, base),
        overrides,
    }) else {
        return ConfigFiles::default();
    };
    let mut out = ConfigFiles::default();
    // The web service's mounts decide, else the first service's that mounts
    // anything at /etc/sentry (the Sentry services share one anchor in
    // every layout seen).
    let runs_web = |s: &&compose::Service| {
        let w = s.command();
        let w = w.strip_prefix(&["sentry".to_string()][..]).unwrap_or(w);
        w.len() >= 2 && w[0] == "run" && w[1] == "web"
    };
    let (web, others): (Vec<_>, Vec<_>) = model.services.iter().partition(runs_web);
    for svc in web.into_iter().chain(others) {
        let mounts: Vec<(&str, &str)> = svc
            .get("volumes")
            .map(|v| v.items().iter().filter_map(compose::bind_mount).collect())
            .unwrap_or_default();
        // A later mount of the same path (the override's) is the one used.
        let folder = mounts.iter().rev().find(|(_, t)| *t == "/etc/sentry");
        let file = |name: &str| {
            let target = format!("/etc/sentry/{name}");
            mounts
                .iter()
                .rev()
                .find(|(_, t)| *t == target)
                .map(|(s, _)| s.to_string())
        };
        let (py, yml) = (file("sentry.conf.py"), file("config.yml"));
        if folder.is_none() && py.is_none() && yml.is_none() {
            continue;
        }
        let in_folder =
            |name: &str| folder.map(|(s, _)| format!("{}/{name}", s.trim_end_matches('/')));
        if let Some(p) = py
            .or_else(|| in_folder("sentry.conf.py"))
            .and_then(|p| install_relative(&p))
        {
            out.conf_py = p;
        }
        if let Some(p) = yml
            .or_else(|| in_folder("config.yml"))
            .and_then(|p| install_relative(&p))
        {
            out.config_yml = p;
        }
        break;
    }
    out
}

/// A host path of a bind mount as a path inside the install (`./a/../b`
/// is `b`); `None` for an absolute path, a home path, a variable or one
/// that leaves the install.
pub fn install_relative(path: &str) -> Option<String> {
    if path.contains('$') || !path.starts_with('.') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// `display_root/rel`, without a leading `./`.
pub fn join_display(display_root: &str, rel: &str) -> String {
    if display_root.is_empty() || display_root == "." {
        rel.to_string()
    } else {
        format!("{}/{}", display_root.trim_end_matches('/'), rel)
    }
}

pub fn assemble_reads(
    root: PathBuf,
    display_root: String,
    reads: Vec<(FileKind, ReadResult)>,
    options: &LoadOptions,
) -> Install {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let mut unparseable = HashSet::new();
    for (_, read) in reads {
        let id = read.file.as_ref().map(|_| files.len());
        if let Some(f) = read.file {
            files.push(f);
        }
        if let Some(mut p) = read.problem {
            p.file = id;
            problems.push(p);
        }
        if let (Some(id), false) = (id, read.parseable) {
            unparseable.insert(id);
        }
    }
    assemble(root, display_root, files, problems, &unparseable, options)
}

/// Parses every file once and builds the install's views.
pub fn assemble(
    root: PathBuf,
    display_root: String,
    mut files: Vec<SourceFile>,
    mut problems: Vec<Problem>,
    unparseable: &HashSet<FileId>,
    options: &LoadOptions,
) -> Install {
    let mut compose_docs = Vec::new();
    let mut dotenv = None;
    let mut env_custom = None;
    let mut pyconf = None;
    let mut config_yml = None;
    let mut taskbroker_config = None;
    for (id, file) in files.iter_mut().enumerate() {
        if unparseable.contains(&id) {
            continue;
        }
        let problem = |span: Span, message: String| Problem {
            file: Some(id),
            path: file.display.clone(),
            span,
            message,
        };
        match file.kind {
            FileKind::Compose
            | FileKind::ComposeOverride
            | FileKind::SentryConfigYml
            | FileKind::TaskbrokerConfig => {
                let opts = yaml::Options {
                    // Compose refuses unknown anchors too, but in the override a
                    // rule explains the fix; the base file has no such excuse.
                    allow_unknown_aliases: file.kind == FileKind::ComposeOverride,
                };
                match yaml::parse(&file.text, opts) {
                    Ok(doc) if file.kind == FileKind::Compose && is_empty_document(&doc) => {
                        problems.push(problem(
                            Span::default(),
                            "is empty, and `docker compose` refuses an empty compose file: there is no install here to check".into(),
                        ));
                    }
                    Ok(doc) => {
                        mark_yaml_secrets(&doc, &mut file.secrets);
                        if file.kind == FileKind::SentryConfigYml {
                            config_yml = Some((id, doc));
                        } else if file.kind == FileKind::TaskbrokerConfig {
                            taskbroker_config = Some((id, doc));
                        } else {
                            compose_docs.push((id, doc));
                        }
                    }
                    Err(e) => problems.push(problem(e.span, e.message)),
                }
            }
            FileKind::Env | FileKind::EnvCustom => {
                let parsed = env::parse(&file.text);
                for (span, message) in &parsed.errors {
                    problems.push(problem(*span, message.clone()));
                }
                for e in &parsed.entries {
                    if is_secret_name(&e.key) && !e.value.is_empty() {
                        file.secrets.push(e.value_span);
                    }
                }
                if file.kind == FileKind::Env {
                    dotenv = Some((id, parsed));
                } else {
                    env_custom = Some((id, parsed));
                }
            }
            FileKind::SentryConfPy => {
                let parsed = pyconf::parse_shared(&file.text);
                mark_py_secrets(&parsed, &mut file.secrets);
                if let Some((span, message)) = parsed.errors.first() {
                    problems.push(problem(*span, message.clone()));
                } else {
                    pyconf = Some((id, parsed));
                }
            }
        }
    }
    // A file that does not parse has no secret spans from its parser, yet
    // its error snippet shows its lines: mask them line by line instead.
    for id in problems
        .iter()
        .filter_map(|p| p.file)
        .collect::<HashSet<_>>()
    {
        let file = &mut files[id];
        mark_line_secrets(&file.text, &mut file.secrets);
    }
    // Upstream's published defaults are no secrets: shown like any value.
    for file in &mut files {
        let text = &file.text;
        file.secrets.retain(|s| !holds_published_default(text, *s));
    }
    // A secret value reused elsewhere (a password in a URL) is a secret
    // there too, in every file.
    let reused = crate::model::secrets::Secrets::distinctive(&files);
    if !reused.is_empty() {
        for file in &mut files {
            reused.mark_in(file);
        }
    }
    compose_docs.sort_by_key(|(id, _)| files[*id].kind);
    let env_layered = crate::model::env_files_layer(
        options.sentry_version,
        dotenv.as_ref().map(|(_, e)| e),
        env_custom.as_ref().map(|(_, e)| e),
    );
    let read: Vec<&(FileId, env::EnvFile)> = if env_layered {
        dotenv.iter().chain(env_custom.iter()).collect()
    } else {
        env_custom
            .as_ref()
            .or(dotenv.as_ref())
            .into_iter()
            .collect()
    };
    let mut env = HashMap::new();
    for (f, e) in read {
        let problem = effective_env(*f, e, &mut env);
        if let Some((span, message)) = problem {
            problems.push(Problem {
                file: Some(*f),
                path: files[*f].display.clone(),
                span,
                message,
            });
        }
    }
    let mut install = Install {
        root,
        display_root,
        files,
        compose_docs,
        compose: None,
        dotenv,
        env_custom,
        env_layered,
        pyconf,
        config_yml,
        taskbroker_config,
        env,
        release: ReleaseInfo {
            version: None,
            source: ReleaseSource::Unknown {
                reason: String::new(),
            },
        },
        problems: Vec::new(),
    };
    let base = install.compose_doc(FileKind::Compose);
    if let Some(base) = base {
        let overrides = install
            .compose_doc(FileKind::ComposeOverride)
            .into_iter()
            .collect();
        match compose::build(&ComposeSources { base, overrides }) {
            Ok(c) => install.compose = Some(c),
            Err(e) => problems.push(Problem {
                file: Some(e.file),
                path: install.files[e.file].display.clone(),
                span: e.span,
                message: e.message,
            }),
        }
    }
    install.release = detect_release(&install, options.sentry_version);
    install.problems = problems;
    install
}

/// The install with some files' texts replaced (as a step or a fix would
/// leave them), parsed again.
pub fn with_texts(
    install: &Install,
    texts: &std::collections::BTreeMap<FileId, String>,
    options: &LoadOptions,
) -> Install {
    let files: Vec<SourceFile> = install
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let text = texts.get(&i).cloned().unwrap_or_else(|| f.text.clone());
            SourceFile::new(f.path.clone(), f.display.clone(), f.kind, text, f.bom)
        })
        .collect();
    assemble(
        install.root.clone(),
        install.display_root.clone(),
        files,
        Vec::new(),
        &HashSet::new(),
        options,
    )
}

/// Names whose values are secrets: never printed.
pub fn is_secret_name(name: &str) -> bool {
    let n = name.as_bytes();
    let ends_with = |suffix: &[u8]| {
        n.len() >= suffix.len() && n[n.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    // Asked of every key of every file: a word is compared in place,
    // ignoring case, only where its first two letters are.
    let is =
        |i: usize, w: &[u8]| n.len() - i >= w.len() && n[i..i + w.len()].eq_ignore_ascii_case(w);
    let word_at = |i: usize| match [n[i].to_ascii_lowercase(), n[i + 1].to_ascii_lowercase()] {
        [b's', b'e'] => is(i, b"secret"),
        [b'p', b'a'] => is(i, b"password") || is(i, b"passwd"),
        [b'p', b'r'] => is(i, b"private-key") || is(i, b"private_key"),
        [b't', b'o'] => is(i, b"token"),
        [b'a', b'p'] => is(i, b"api_key") || is(i, b"api-key") || is(i, b"apikey"),
        [b'c', b'r'] => is(i, b"credential"),
        _ => false,
    };
    (0..n.len().saturating_sub(1)).any(word_at) && !ends_with(b"_file") && !ends_with(b"-file")
}

/// Secret values found line by line, without parsing: after a name that
/// looks secret and the first `=` or `:`, the rest of the line.
fn mark_line_secrets(text: &str, out: &mut Vec<Span>) {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if let Some(sep) = body.find(['=', ':'])
            && is_secret_name(&body[..sep])
        {
            let value = body[sep + 1..].trim_start();
            if !value.is_empty() {
                out.push(Span::new(
                    start + body.len() - value.len(),
                    start + body.len(),
                ));
            }
        }
        start += line.len();
    }
}

fn mark_yaml_secrets(doc: &YamlDoc, out: &mut Vec<Span>) {
    for node in &doc.nodes {
        let NodeKind::Map { pairs, .. } = &node.kind else {
            continue;
        };
        for p in pairs {
            let Some(key) = doc.scalar(p.key) else {
                continue;
            };
            if !is_secret_name(key) {
                continue;
            }
            let v = doc.node(p.value);
            match &v.kind {
                NodeKind::Scalar { value, .. } if !value.is_empty() => out.push(v.span),
                NodeKind::Seq { .. } | NodeKind::Map { .. } => out.push(v.span),
                _ => {}
            }
        }
    }
    // Environment lists: `- POSTGRES_PASSWORD=x`.
    for node in &doc.nodes {
        if let NodeKind::Scalar { value, .. } = &node.kind
            && let Some((k, v)) = value.split_once('=')
            && !v.is_empty()
            && !k.contains(' ')
            && is_secret_name(k)
        {
            out.push(node.span);
        }
    }
}

fn mark_py_secrets(conf: &PyConf, out: &mut Vec<Span>) {
    for a in &conf.assignments {
        let name = match &a.target {
            Target::Name(n) => n.as_str(),
            Target::Item { keys, .. } => keys.last().map(String::as_str).unwrap_or(""),
            Target::Other => "",
        };
        if is_secret_name(name) || name == "SECRET_KEY" {
            mark_string_literals(&a.value, out, 0);
        }
        mark_secret_dict_entries(&a.value, out, 0);
    }
}

fn mark_string_literals(e: &Expr, out: &mut Vec<Span>, depth: usize) {
    if depth > 32 {
        return;
    }
    match &e.kind {
        ExprKind::Str(s) if !s.is_empty() => out.push(e.span),
        ExprKind::FStr => out.push(e.span),
        ExprKind::Call { args, .. } => {
            // `env("NAME", "default")`: the default may be a secret.
            for a in args.iter().skip(1) {
                mark_string_literals(a, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn mark_secret_dict_entries(e: &Expr, out: &mut Vec<Span>, depth: usize) {
    if depth > 32 {
        return;
    }
    match &e.kind {
        ExprKind::Dict(pairs) => {
            for (k, v) in pairs {
                if k.as_str().is_some_and(is_secret_name) {
                    mark_string_literals(v, out, depth + 1);
                }
                mark_secret_dict_entries(v, out, depth + 1);
            }
        }
        ExprKind::List(items) | ExprKind::Tuple(items) => {
            for i in items {
                mark_secret_dict_entries(i, out, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::{ConfigFiles, ReadResult, is_secret_name, mounted_config_files, source_from_bytes};
    use crate::source::FileKind;

    fn mounts(base: &str, over: Option<&str>) -> (String, String) {
        let read = |kind: FileKind, text: &str| -> (FileKind, ReadResult) {
            let r = source_from_bytes("x".into(), "x".into(), kind, text.as_bytes().to_vec());
            (kind, r)
        };
        let mut reads = vec![read(FileKind::Compose, base)];
        reads.extend(over.map(|o| read(FileKind::ComposeOverride, o)));
        let ConfigFiles {
            conf_py,
            config_yml,
        } = mounted_config_files(&reads);
        (conf_py, config_yml)
    }

    #[test]
    fn config_files_are_where_compose_mounts_them() {
        let upstream = (
            "sentry/sentry.conf.py".to_string(),
            "sentry/config.yml".to_string(),
        );
        let svc = |volumes: &str| {
            format!(
                "services:\n  web:\n    environment:\n      SENTRY_CONF: /etc/sentry\n    volumes:\n{volumes}"
            )
        };
        assert_eq!(
            mounts(&svc("      - ./sentry:/etc/sentry\n"), None),
            upstream
        );
        assert_eq!(
            mounts(
                &svc("      - ./sentry.conf.py:/etc/sentry/sentry.conf.py:ro\n"),
                None
            ),
            (
                "sentry.conf.py".to_string(),
                "sentry/config.yml".to_string()
            )
        );
        assert_eq!(
            mounts(
                &svc("      - ./sentry:/etc/sentry\n"),
                Some(
                    "services:\n  web:\n    volumes:\n      - type: bind\n        source: ./deploy/../config/\n        target: /etc/sentry/\n"
                )
            ),
            (
                "config/sentry.conf.py".to_string(),
                "config/config.yml".to_string()
            )
        );
        // A file mounted over the folder wins for that file.
        assert_eq!(
            mounts(
                &svc(
                    "      - ./config:/etc/sentry\n      - ./secret/config.yml:/etc/sentry/config.yml\n"
                ),
                None
            ),
            (
                "config/sentry.conf.py".to_string(),
                "secret/config.yml".to_string()
            )
        );
        // Nothing to tell: a named volume, a variable, a path outside the install.
        for v in [
            "sentry-conf:/etc/sentry",
            "${CONF_DIR}:/etc/sentry",
            "../elsewhere:/etc/sentry",
            "/opt/sentry:/etc/sentry",
        ] {
            assert_eq!(
                mounts(&svc(&format!("      - {v}\n")), None),
                upstream,
                "{v}"
            );
        }
        assert_eq!(mounts("services: [", None), upstream);
    }

    #[test]
    fn secret_names_are_told_by_their_words_in_any_case() {
        for name in [
            "SENTRY_SYSTEM_SECRET_KEY",
            "system.secret-key",
            "DB_PASSWORD",
            "mail.password",
            "Slack_Token",
            "OPENAI_API_KEY",
            "github-app.private-key",
            "aws_credentials",
            "x-apikey",
            "x-api-key",
            "MYSQL_PASSWD",
            "app.private_key",
            "secret",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "SENTRY_IMAGE",
            "mail.host",
            "PASSWORD_FILE",
            "secret-file",
            "TOKENS_FILE",
            "",
            "s",
            "secre",
            "passw0rd",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }
}
