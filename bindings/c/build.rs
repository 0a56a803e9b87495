//! Generates the C header from the crate's `extern "C"` items into `OUT_DIR/foundry.h`.
//! `include/foundry.h` is the committed copy; scripts/test_c.sh fails when the two differ.

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
        Ok(config) => config,
        Err(e) => panic!("bindings/c/cbindgen.toml: {e}"),
    };
    match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(out_dir.join("foundry.h"));
        }
        Err(e) => panic!("cbindgen could not generate foundry.h: {e}"),
    }
}
