//! Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`,
//! `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `${VAR:+alt}`,
//! `${VAR+alt}` and `$$`. Defaults may nest (`${A:-${B}}`).

/// How a reference treats an unset or empty variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// `$VAR` / `${VAR}`: empty when unset.
    None,
    /// `${VAR:-x}` (`colon`: also when empty) / `${VAR-x}`.
    Default { colon: bool, text: String },
    /// `${VAR:?msg}` / `${VAR?msg}`: compose refuses to start when unset.
    Required { colon: bool, message: String },
    /// `${VAR:+x}` / `${VAR+x}`: `x` when set.
    Alternative { colon: bool, text: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarRef {
    pub name: String,
    /// Byte range of the whole reference (`${...}` or `$NAME`) in the input.
    pub start: usize,
    pub end: usize,
    pub fallback: Fallback,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Interpolated {
    pub value: String,
    /// Every reference, outermost first; nested ones inside defaults follow.
    pub refs: Vec<VarRef>,
    /// Compose would refuse this text: the offset and why.
    pub error: Option<(usize, String)>,
    /// A `${VAR:?}` whose variable is unset or empty.
    pub missing_required: Vec<String>,
    /// The value was cut at [`MAX_VALUE_LEN`] (and `error` says so).
    pub truncated: bool,
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Interpolated values longer than this are cut, with an error: variables
/// that double each other (`B=${A}${A}`, `C=${B}${B}`, ...) would otherwise
/// grow without bound. Real values are a few hundred bytes.
pub const MAX_VALUE_LEN: usize = 1 << 20;

/// Whether interpolating `text` can change it: it references a variable,
/// or it is long enough to be cut.
pub fn may_change(text: &str) -> bool {
    text.contains('$') || text.len() > MAX_VALUE_LEN
}

/// Interpolates `text`, looking variables up with `lookup`.
pub fn interpolate(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Interpolated {
    let mut out = Interpolated::default();
    let mut value = String::with_capacity(text.len());
    expand(text, 0, lookup, &mut value, &mut out, 0);
    out.value = value;
    out
}

/// References only, without looking anything up.
pub fn references(text: &str) -> Vec<VarRef> {
    interpolate(text, &|_| None).refs
}

fn expand(
    text: &str,
    base: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
    value: &mut String,
    out: &mut Interpolated,
    depth: usize,
) {
    let b = text.as_bytes();
    let mut i = 0;
    let mut seg = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        value.push_str(&text[seg..i]);
        let start = i;
        if value.len() > MAX_VALUE_LEN {
            // Checked before each lookup, so at most one more value is copied.
            too_long(base + start, value, out);
            return;
        }
        match b.get(i + 1) {
            Some(b'$') => {
                value.push('$');
                i += 2;
            }
            Some(&c) if is_name_start(c) => {
                let mut j = i + 1;
                while j < b.len() && is_name_char(b[j]) {
                    j += 1;
                }
                let name = &text[i + 1..j];
                if let Some(v) = lookup(name) {
                    value.push_str(&v);
                }
                out.refs.push(VarRef {
                    name: name.to_string(),
                    start: base + start,
                    end: base + j,
                    fallback: Fallback::None,
                });
                i = j;
            }
            Some(b'{') => {
                let Some(close) = matching_brace(b, i + 1) else {
                    out.error.get_or_insert((
                        base + start,
                        "`${` is never closed with `}`; write `$$` for a literal `$`".to_string(),
                    ));
                    value.push_str(&text[start..]);
                    return;
                };
                let inner = &text[i + 2..close];
                let name_len = inner.bytes().take_while(|&c| is_name_char(c)).count();
                let name = &inner[..name_len];
                if name.is_empty() || !is_name_start(name.as_bytes()[0]) {
                    out.error.get_or_insert((
                        base + start,
                        format!("`${{{inner}}}` is not a valid variable reference"),
                    ));
                    value.push_str(&text[start..=close]);
                    i = close + 1;
                    seg = i;
                    continue;
                }
                let rest = &inner[name_len..];
                let rest_base = base + i + 2 + name_len;
                let current = lookup(name);
                let set = current.is_some();
                let non_empty = current.as_deref().is_some_and(|v| !v.is_empty());
                let (colon, op, arg) = if let Some(r) = rest.strip_prefix(':') {
                    (
                        true,
                        r.as_bytes().first().copied(),
                        r.get(1..).unwrap_or(""),
                    )
                } else {
                    (
                        false,
                        rest.as_bytes().first().copied(),
                        rest.get(1..).unwrap_or(""),
                    )
                };
                let arg_base = rest_base + usize::from(colon) + 1;
                let usable = if colon { non_empty } else { set };
                let idx = out.refs.len();
                out.refs.push(VarRef {
                    name: name.to_string(),
                    start: base + start,
                    end: base + close + 1,
                    fallback: Fallback::None,
                });
                let fallback = match (rest.is_empty(), op) {
                    (true, _) => {
                        value.push_str(current.as_deref().unwrap_or(""));
                        Fallback::None
                    }
                    (false, Some(b'-')) => {
                        if usable {
                            value.push_str(current.as_deref().unwrap_or(""));
                            // Still record references inside the default.
                            let mut scratch = String::new();
                            descend(arg, arg_base, lookup, &mut scratch, out, depth);
                        } else {
                            descend(arg, arg_base, lookup, value, out, depth);
                        }
                        Fallback::Default {
                            colon,
                            text: arg.to_string(),
                        }
                    }
                    (false, Some(b'?')) => {
                        if usable {
                            value.push_str(current.as_deref().unwrap_or(""));
                        } else {
                            out.missing_required.push(name.to_string());
                        }
                        Fallback::Required {
                            colon,
                            message: arg.to_string(),
                        }
                    }
                    (false, Some(b'+')) => {
                        let mut scratch = String::new();
                        if usable {
                            descend(arg, arg_base, lookup, value, out, depth);
                        } else {
                            descend(arg, arg_base, lookup, &mut scratch, out, depth);
                        }
                        Fallback::Alternative {
                            colon,
                            text: arg.to_string(),
                        }
                    }
                    _ => {
                        out.error.get_or_insert((
                            base + start,
                            format!(
                                "`${{{inner}}}` is not a valid variable reference; \
                                 use `${{{name}:-default}}` for a default"
                            ),
                        ));
                        Fallback::None
                    }
                };
                out.refs[idx].fallback = fallback;
                i = close + 1;
            }
            _ => {
                // A lone `$` (e.g. `$1`, `$ `): compose keeps it... but warns;
                // keep it literally.
                value.push('$');
                i += 1;
            }
        }
        seg = i;
    }
    value.push_str(&text[seg..]);
    if value.len() > MAX_VALUE_LEN {
        too_long(base + b.len(), value, out);
    }
}

fn too_long(at: usize, value: &mut String, out: &mut Interpolated) {
    let mut cut = MAX_VALUE_LEN;
    while !value.is_char_boundary(cut) {
        cut -= 1;
    }
    value.truncate(cut);
    out.truncated = true;
    out.error.get_or_insert((
        at,
        format!(
            "the variables here expand to more than {} MiB; sentrylint refuses such a value",
            MAX_VALUE_LEN >> 20
        ),
    ));
}

fn descend(
    text: &str,
    base: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
    value: &mut String,
    out: &mut Interpolated,
    depth: usize,
) {
    if depth > 32 {
        out.error
            .get_or_insert((base, "variable defaults nest too deeply".to_string()));
        return;
    }
    expand(text, base, lookup, value, out, depth + 1);
}

/// Index of the `}` closing the `{` at `open`, honouring nested `${...}`.
fn matching_brace(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn all_forms() {
        let e = env(&[("A", "a"), ("EMPTY", "")]);
        let v = |t: &str| interpolate(t, &e).value;
        assert_eq!(v("$A/${A}"), "a/a");
        assert_eq!(v("${UNSET:-d}"), "d");
        assert_eq!(v("${EMPTY:-d}"), "d");
        assert_eq!(v("${EMPTY-d}"), "");
        assert_eq!(v("${UNSET-d}"), "d");
        assert_eq!(v("${A:+alt}|${UNSET:+alt}"), "alt|");
        assert_eq!(v("$$A and $${A}"), "$A and ${A}");
        assert_eq!(v("${UNSET:-${A}}"), "a");
        assert_eq!(v("${SENTRY_MAX_EXTERNAL_SOURCEMAP_SIZE:-1M}"), "1M");
        assert_eq!(v("${DOCKER_PLATFORM:-}"), "");
    }

    #[test]
    fn references_with_positions() {
        let text = "gosu sentry sentry cleanup --days $SENTRY_EVENT_RETENTION_DAYS";
        let refs = references(text);
        assert_eq!(refs.len(), 1);
        assert_eq!(
            &text[refs[0].start..refs[0].end],
            "$SENTRY_EVENT_RETENTION_DAYS"
        );
        let refs = references("x ${A:-${B}} y");
        let names: Vec<&str> = refs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(refs[1].start, 7);
    }

    #[test]
    fn required_and_errors() {
        let r = interpolate("${NEED:?set it}", &env(&[]));
        assert_eq!(r.missing_required, ["NEED"]);
        let r = interpolate("${OPEN", &env(&[]));
        assert_eq!(r.error.as_ref().unwrap().0, 0);
        let r = interpolate("x ${1BAD}", &env(&[]));
        assert!(r.error.unwrap().1.contains("not a valid"));
    }

    proptest! {
        /// Text without `$` is returned unchanged, whatever it holds.
        #[test]
        fn plain_text_is_untouched(s in "[^$]{0,64}") {
            let r = interpolate(&s, &|_| Some("X".into()));
            prop_assert_eq!(r.value, s);
            prop_assert!(r.refs.is_empty());
        }

        /// `$$` always yields one `$` and never a reference.
        #[test]
        fn escaped_dollars(a in "[a-z ]{0,8}", n in "[A-Z_]{1,8}") {
            let text = format!("{a}$${n}");
            let r = interpolate(&text, &|_| Some("X".into()));
            prop_assert_eq!(r.value, format!("{a}${n}"));
            prop_assert!(r.refs.is_empty());
        }

        /// A reference's span always slices to text starting with `$`, and a
        /// set variable's value appears in the output.
        #[test]
        fn spans_are_exact(pre in "[a-z /:]{0,10}", name in "[A-Z][A-Z_]{0,6}", post in "[a-z /:]{0,10}", braces: bool, val in "[a-z0-9]{0,6}") {
            let text = if braces { format!("{pre}${{{name}}}{post}") } else { format!("{pre}${name} {post}") };
            let v = val.clone();
            let r = interpolate(&text, &move |_| Some(v.clone()));
            prop_assert_eq!(r.refs.len(), 1);
            let rf = &r.refs[0];
            prop_assert!(text[rf.start..rf.end].starts_with('$'));
            prop_assert_eq!(&rf.name, &name);
            prop_assert!(r.value.contains(&val));
        }

        /// Any text with every `$` doubled comes back as it was, with no
        /// reference and no error: escaping is lossless.
        #[test]
        fn escaping_round_trips(s in "\\PC{0,60}") {
            let r = interpolate(&s.replace('$', "$$"), &|_| Some("X".into()));
            prop_assert_eq!(r.value, s);
            prop_assert!(r.refs.is_empty() && r.error.is_none());
        }

        /// `${A:-default}` and friends agree with a direct reading of the
        /// compose rules, for set, empty and unset variables, nested once.
        #[test]
        fn operators_follow_the_compose_rules(
            state in 0u8..3,
            op in prop::sample::select(vec![":-", "-", ":+", "+"]),
            inner_state in 0u8..3,
            word in "[a-z]{0,4}",
        ) {
            let value = |s: u8| match s { 0 => None, 1 => Some(String::new()), _ => Some("v".to_string()) };
            let (a, b) = (value(state), value(inner_state));
            let (a2, b2) = (a.clone(), b.clone());
            let lookup = move |n: &str| if n == "A" { a2.clone() } else if n == "B" { b2.clone() } else { None };
            let text = format!("${{A{op}{word}${{B}}}}");
            let r = interpolate(&text, &lookup);
            let fallback = format!("{word}{}", b.clone().unwrap_or_default());
            let usable = if op.starts_with(':') { a.as_deref().is_some_and(|v| !v.is_empty()) } else { a.is_some() };
            let expected = match (op.trim_start_matches(':'), usable) {
                ("-", true) => a.clone().unwrap_or_default(),
                ("-", false) => fallback,
                (_, true) => fallback,
                (_, false) => String::new(),
            };
            prop_assert_eq!(r.value, expected, "{}", text);
            let names: Vec<&str> = r.refs.iter().map(|x| x.name.as_str()).collect();
            prop_assert_eq!(names, ["A", "B"]);
        }

        /// However references repeat each other, the value stays bounded and
        /// says so when cut.
        #[test]
        fn values_stay_bounded(repeats in 1usize..64, len in 1usize..40_000) {
            let big = "x".repeat(len);
            let text = "${BIG}".repeat(repeats);
            let r = interpolate(&text, &move |_| Some(big.clone()));
            prop_assert!(r.value.len() <= MAX_VALUE_LEN);
            prop_assert_eq!(r.truncated, repeats * len > MAX_VALUE_LEN);
            prop_assert_eq!(r.error.is_some(), r.truncated);
        }

        /// Arbitrary input never panics and spans stay inside the text.
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let r = interpolate(&s, &|n| (n.len() % 2 == 0).then(|| n.to_lowercase()));
            for rf in r.refs {
                prop_assert!(rf.start < rf.end && rf.end <= s.len());
            }
        }
    }
}
