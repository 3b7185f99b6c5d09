use std::io::Write;

// Parsing allocates many small strings and nodes from two threads; mimalloc
// is faster at that than glibc malloc (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let env = sentrylint::env_from_process();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut err = std::io::stderr();
    let code = sentrylint::run(std::env::args_os().collect(), &env, &mut out, &mut err);
    let _ = out.flush();
    std::process::exit(code);
}
