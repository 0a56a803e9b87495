//! `cargo run -p uniffi-bindgen -- generate --library target/debug/libfoundry_client_uniffi.so
//! --language kotlin --out-dir kotlin/src/main/kotlin` (what scripts/test_kotlin.sh runs).

fn main() {
    uniffi::uniffi_bindgen_main()
}
