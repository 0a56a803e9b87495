#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| foundry_client::fuzzing::config_yaml(data));
