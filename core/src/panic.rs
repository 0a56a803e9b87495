//! A panic caught at a binding's boundary, described once: every language reports it as its
//! `internal` error with this message and hint, so a bug in the library reads alike everywhere.

use std::any::Any;

/// The hint of every caught panic.
pub const HINT: &str = "a bug in foundry-client: please report it with this message";

/// The payload's text: `panic!` carries a `&str` or a `String`; anything else has no message.
pub fn payload_text(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message")
}

/// The message of the binding's `internal` error for a caught panic.
pub fn message(panic: &(dyn Any + Send)) -> String {
    format!(
        "internal error in foundry-client: {}; please report it",
        payload_text(panic)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_str_and_string_payloads() {
        let caught = std::panic::catch_unwind(|| panic!("boom {}", 1)).expect_err("panics");
        assert_eq!(
            message(caught.as_ref()),
            "internal error in foundry-client: boom 1; please report it"
        );
        let caught = std::panic::catch_unwind(|| panic!("plain")).expect_err("panics");
        assert_eq!(payload_text(caught.as_ref()), "plain");
        let caught = std::panic::catch_unwind(|| std::panic::panic_any(7_u8)).expect_err("panics");
        assert_eq!(payload_text(caught.as_ref()), "a panic without a message");
    }
}
