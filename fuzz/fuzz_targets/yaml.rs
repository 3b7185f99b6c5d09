//! The YAML parser on any text: an error or a document whose every span is
//! inside the text on character boundaries; never a panic or a hang.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentrylint::fuzzing::show;
use sentrylint::parse::yaml::{Options, parse, same_value};
use sentrylint_fuzz::check_span;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    for allow_unknown_aliases in [false, true] {
        match parse(
            src,
            Options {
                allow_unknown_aliases,
            },
        ) {
            Ok(doc) => {
                for n in &doc.nodes {
                    check_span(src, n.span, "node");
                    if let Some((_, s)) = &n.anchor {
                        check_span(src, *s, "anchor");
                    }
                    if let Some((_, s)) = &n.tag {
                        check_span(src, *s, "tag");
                    }
                }
                for c in &doc.comments {
                    check_span(src, *c, "comment");
                    assert!(src[c.range()].starts_with('#'));
                }
                for &(a, b) in &doc.duplicates {
                    assert_eq!(doc.scalar(a), doc.scalar(b));
                }
                if let Some(root) = doc.root
                    && doc.duplicates.is_empty()
                {
                    // (With duplicate keys the last one wins, so a map differs from itself.)
                    assert!(same_value(&doc, root, &doc, root));
                    let _ = show(&doc, root);
                }
            }
            Err(e) => check_span(src, e.span, "error"),
        }
    }
});
