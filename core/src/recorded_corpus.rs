//! The recorded corpus (../shared/corpus, or `FOUNDRY_CORPUS_DIR`) for the unit tests that
//! compare a typed parse with the `Value` one on real answers, as `tests/corpus_bodies.rs`
//! finds it.

use std::path::PathBuf;

/// Every file of the corpus as (name, path); `None` when it is absent and
/// `FOUNDRY_SKIP_CORPUS=1` says that is expected (otherwise absence fails the test).
pub(crate) fn files() -> Option<Vec<(String, PathBuf)>> {
    let dir = std::env::var_os("FOUNDRY_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"))
        });
    let Ok(entries) = std::fs::read_dir(&dir) else {
        assert_eq!(
            std::env::var("FOUNDRY_SKIP_CORPUS").as_deref(),
            Ok("1"),
            "no corpus at {}",
            dir.display()
        );
        return None;
    };
    let files = entries
        .flatten()
        .map(|e| e.path())
        .map(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            (name, path)
        })
        .collect();
    Some(files)
}
