//! The sentry.conf.py reader on any text, and its incremental reparse.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentrylint::parse::pyconf;
use sentrylint_fuzz::check_span;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let conf = pyconf::parse(src);
    // The inputs before this one are among the thread's recent parses, so
    // this one may have been read by units or reparsed incrementally: it
    // must equal a fresh parse.
    assert_eq!(
        format!("{conf:?}"),
        format!("{:?}", pyconf::parse_afresh(src)),
        "an incremental parse differs from a fresh one"
    );
    for a in &conf.assignments {
        check_span(src, a.target_span, "target");
        check_span(src, a.stmt_span, "statement");
        check_span(src, a.value.span, "value");
    }
    for f in &conf.features {
        check_span(src, f.span, "feature");
    }
    for l in &conf.feature_lists {
        check_span(src, l.span, "feature list");
        for i in &l.items {
            check_span(src, *i, "feature item");
        }
    }
    for s in conf.statements.iter().chain(&conf.comments) {
        check_span(src, *s, "statement or comment");
    }
    for (s, _) in &conf.errors {
        check_span(src, *s, "error");
    }
});
