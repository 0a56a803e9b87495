//! Where the recorded corpus is, for every test that reads it. The recordings live outside
//! the repository (`../shared/corpus` next to the checkout, or `FOUNDRY_CORPUS_DIR`) and are
//! never committed, so a fresh clone may lack them.

use std::path::PathBuf;

/// The corpus directory. When it is missing the caller's suite is skipped only if
/// `FOUNDRY_SKIP_CORPUS=1` says so (`scripts/test.sh` sets it and lists the skipped suites,
/// and refuses under `CI=true`); otherwise this panics, so a corpus suite never passes by
/// finding nothing.
pub fn corpus_dir(suite: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("FOUNDRY_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus"
            ))
        });
    if dir.join("PROVENANCE.md").is_file() {
        return Some(dir);
    }
    if std::env::var("FOUNDRY_SKIP_CORPUS").as_deref() == Ok("1") {
        eprintln!(
            "SKIPPED {suite}: the recorded corpus is not at {} (FOUNDRY_SKIP_CORPUS=1)",
            dir.display()
        );
        return None;
    }
    panic!(
        "{suite} needs the recorded corpus, which is not at {}: put it there (../shared/corpus \
         next to the checkout) or set FOUNDRY_CORPUS_DIR; FOUNDRY_SKIP_CORPUS=1 skips the corpus \
         suites instead",
        dir.display()
    )
}
