//! Replays every committed fuzz regression input through its fuzz entry point, so the
//! normal test suite catches a parser that panics again on an input the fuzzer once found.

use std::path::Path;

use foundry_client::fuzzing::TARGETS;

#[test]
fn every_regression_input_replays() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    // Every target must have inputs, and every folder a target: neither side may be empty.
    for (name, _) in TARGETS {
        let dir = root.join(name);
        let n = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .count();
        assert!(n > 0, "{} is empty", dir.display());
    }
    let mut replayed = 0;
    for entry in std::fs::read_dir(&root).expect("fuzz/regressions") {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let run = TARGETS
            .iter()
            .find(|(t, _)| *t == name)
            .unwrap_or_else(|| panic!("no fuzzing function for regressions/{name}"))
            .1;
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            run(&std::fs::read(&path).unwrap());
            replayed += 1;
        }
    }
    assert!(replayed >= TARGETS.len());
}
