//! Build script: makes binaries and test binaries find libtorch at run time.
//!
//! With the `transformer` feature, torch-sys (a direct dependency for this reason)
//! reports the libtorch lib dir it linked against as `DEP_TCH_LIBTORCH_LIB`,
//! whichever way libtorch was found: LIBTORCH (what `scripts/setup` writes into
//! `.cargo/config.toml`), LIBTORCH_USE_PYTORCH, or tch's download-libtorch.
//! An rpath to that dir means no LD_LIBRARY_PATH is needed to run.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_TRANSFORMER").is_none() {
        return;
    }
    match std::env::var("DEP_TCH_LIBTORCH_LIB") {
        Ok(lib_dir) if !lib_dir.is_empty() => {
            // Both the binary and the test/bench binaries load libtorch.
            println!("cargo:rustc-link-arg=-Wl,-rpath,{lib_dir}");
        }
        _ => println!(
            "cargo:warning=torch-sys did not report its libtorch lib dir; \
             set LD_LIBRARY_PATH to libtorch's lib dir to run (or rerun scripts/setup)"
        ),
    }
}
