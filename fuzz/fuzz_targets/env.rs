//! The .env parser and compose interpolation on any text.
#![no_main]
use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use sentrylint::parse::{env, interpolate};
use sentrylint_fuzz::check_span;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = env::parse(src);
    let mut vars: HashMap<String, String> = HashMap::new();
    for e in &parsed.entries {
        check_span(src, e.key_span, "key");
        check_span(src, e.value_span, "value");
        check_span(src, e.line_span, "line");
        assert_eq!(&src[e.key_span.range()], e.key);
        let i = interpolate::interpolate(&e.value, &|n| vars.get(n).cloned());
        for r in &i.refs {
            assert!(r.start <= r.end && r.end <= e.value.len(), "{r:?}");
        }
        vars.insert(e.key.clone(), i.value);
    }
    for c in &parsed.comments {
        check_span(src, *c, "comment");
    }
    for (s, _) in &parsed.errors {
        check_span(src, *s, "error");
    }
    let i = interpolate::interpolate(src, &|n| vars.get(n).cloned());
    if let Some((at, _)) = i.error {
        assert!(at <= src.len());
    }
});
