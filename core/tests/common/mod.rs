// Each test binary uses only some of these pieces.
#[allow(dead_code)]
pub mod fixtures;
#[allow(dead_code)]
pub mod matcher;
