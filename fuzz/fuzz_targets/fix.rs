//! The edit machinery on an install cut from the input (after one byte that
//! picks a target release and `--unsafe-fixes`): `fix --write` and
//! `fix --to X --write` leave files that parse, and running the same fix
//! again changes nothing more.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentrylint::fuzzing::write_install;
use sentrylint_fuzz::{check_fix, scratch};

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let dir = scratch();
    write_install(dir.path(), rest).unwrap();
    check_fix(dir.path(), choice);
});
