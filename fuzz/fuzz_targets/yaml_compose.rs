//! Compose-like documents generated from the input (every scalar style,
//! block and flow collections, anchors, aliases, merge keys, comments,
//! CRLF): the parser must accept each and give back the generated value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentrylint::fuzzing::{Choices, compose_document, show};
use sentrylint::parse::yaml::{Options, parse};

fuzz_target!(|data: &[u8]| {
    let g = compose_document(&mut Choices::new(data));
    let doc = match parse(&g.text, Options::default()) {
        Ok(d) => d,
        Err(e) => panic!("refused a valid document: {e:?}\n{}", g.text),
    };
    assert_eq!(show(&doc, doc.root.unwrap()), g.expected, "\n{}", g.text);
});
