//! The closed vocabularies of Azure's content-filter verdicts (sources, categories,
//! severities), so that a known name becomes a `'static` borrow instead of a `String`.
//!
//! An answer carries about fifteen verdicts, each with a source, a category and often a
//! severity: owning those names cost about 45 allocations and frees per call (issue 14). A
//! name outside the vocabulary (a category Azure adds later, a custom one) is kept, owned:
//! nothing the service said is lost, and the serialized report is the same either way.

use std::borrow::Cow;

/// Maps the names of one vocabulary to their `'static` copies: a `match` on the text, which
/// compiles to a length test and a comparison or two.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident: $($word:literal),+ $(,)?) => {
        $(#[$doc])*
        pub fn $name(name: &str) -> Cow<'static, str> {
            match name {
                $($word => Cow::Borrowed($word),)+
                other => Cow::Owned(other.to_owned()),
            }
        }
    };
}

vocabulary! {
    /// Where a verdict applies: the prompt or a completion.
    source: "prompt", "completion",
}

vocabulary! {
    /// A content-filter category, as Azure names the keys of `content_filter_results`.
    category:
        "hate",
        "sexual",
        "violence",
        "self_harm",
        "profanity",
        "jailbreak",
        "indirect_attack",
        "protected_material_text",
        "protected_material_code",
        "custom_blocklists",
        "ungrounded_material",
}

vocabulary! {
    /// A verdict's severity level.
    severity: "safe", "low", "medium", "high",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_are_borrowed_and_unknown_ones_kept() {
        for (name, known) in [
            (category("hate"), "hate"),
            (
                category("protected_material_code"),
                "protected_material_code",
            ),
            (severity("medium"), "medium"),
            (source("completion"), "completion"),
        ] {
            assert!(matches!(name, Cow::Borrowed(_)), "{known}");
            assert_eq!(name, known);
        }
        for (name, unknown) in [
            (category("brand_new_category"), "brand_new_category"),
            (category("Hate"), "Hate"),
            (severity("critical"), "critical"),
            (source("tool"), "tool"),
        ] {
            assert!(matches!(name, Cow::Owned(_)), "{unknown}");
            assert_eq!(name, unknown);
        }
    }
}
