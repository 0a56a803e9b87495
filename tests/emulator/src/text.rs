//! Words, the fixed reasoning text, trigger phrases and deterministic identifiers: the small
//! vocabulary every answer is built from. A "word" is a whitespace-separated token, so tests
//! can predict usage by counting words.

/// What every thinking deployment "thinks": exactly 64 words, the same for every request (the
/// user's text is deliberately not part of it, so its length never changes).
pub const REASONING: &str = "I read the conversation and plan a short reply. The emulator answers \
deterministically, so I restate the deployment name, add the word heard, and repeat the last user \
message after it. No tools are needed, no arithmetic is needed, and no outside facts are needed. \
The reasoning stays identical for every request, which lets tests predict its length and its exact \
words in advance.";

pub const REASONING_WORDS: u64 = 64;

pub fn words(s: &str) -> u64 {
    s.split_whitespace().count() as u64
}

/// The text up to the end of its `n`-th word (original spacing kept), or all of it.
pub fn first_words(s: &str, n: u64) -> &str {
    if n == 0 {
        return "";
    }
    let mut seen = 0;
    let mut in_word = false;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            if in_word {
                seen += 1;
                if seen == n {
                    return &s[..i];
                }
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    s
}

/// Splits text into stream deltas, one per word, each carrying the whitespace before it, so that
/// concatenating the deltas gives back the text byte for byte.
pub fn pieces(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev_ws = true;
    for (i, c) in s.char_indices() {
        let ws = c.is_whitespace();
        // A word starts here: close the previous piece (if any) before its leading spaces.
        if !ws && prev_ws && i > 0 {
            let cut = s[..i].trim_end_matches(char::is_whitespace).len();
            if cut > start {
                out.push(&s[start..cut]);
                start = cut;
            }
        }
        prev_ws = ws;
    }
    if start < s.len() || out.is_empty() {
        out.push(&s[start..]);
    }
    out
}

/// Splits a string into fragments of at most `n` characters (tool-call arguments stream so).
pub fn fragments(s: &str, n: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (count, (i, _)) in s.char_indices().enumerate() {
        if count > 0 && count % n == 0 {
            out.push(&s[start..i]);
            start = i;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

pub fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX: &[u8] = b"0123456789abcdef";

fn ident_from(seed: &str, salt: &str, alphabet: &[u8], len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut round = 0u64;
    while out.len() < len {
        let mut h = fnv1a(&[seed.as_bytes(), salt.as_bytes(), &round.to_le_bytes()]);
        for _ in 0..8 {
            if out.len() == len {
                break;
            }
            out.push(alphabet[(h % alphabet.len() as u64) as usize] as char);
            h /= alphabet.len() as u64;
        }
        round += 1;
    }
    out
}

/// `chatcmpl-` + 29 base62 characters, like the recorded ids, derived from the request id.
pub fn chat_id(request_id: &str) -> String {
    format!("chatcmpl-{}", ident_from(request_id, "chat", BASE62, 29))
}

/// `resp_`/`msg_`/`rs_`/`fc_` + 50 hex characters, like the recorded Responses ids.
pub fn item_id(prefix: &str, request_id: &str, index: usize) -> String {
    let salt = format!("{prefix}{index}");
    format!("{prefix}_{}", ident_from(request_id, &salt, HEX, 50))
}

/// Azure pads stream events with a random `obfuscation` string; ours is derived from the event.
pub fn obfuscation(seed: &str, index: usize) -> String {
    let len = (fnv1a(&[seed.as_bytes(), &index.to_le_bytes()]) % 16) as usize;
    ident_from(seed, &index.to_string(), BASE62, len)
}

/// A content-filter category a trigger phrase can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Hate,
    Violence,
    Sexual,
    SelfHarm,
    Jailbreak,
    ProtectedMaterialText,
    ProtectedMaterialCode,
}

impl Category {
    fn parse(s: &str) -> Option<Category> {
        Some(match s.trim() {
            "hate" => Category::Hate,
            "violence" => Category::Violence,
            "sexual" => Category::Sexual,
            "self_harm" => Category::SelfHarm,
            "jailbreak" => Category::Jailbreak,
            "protected_material_text" => Category::ProtectedMaterialText,
            "protected_material_code" => Category::ProtectedMaterialCode,
            _ => return None,
        })
    }

    pub fn key(self) -> &'static str {
        match self {
            Category::Hate => "hate",
            Category::Violence => "violence",
            Category::Sexual => "sexual",
            Category::SelfHarm => "self_harm",
            Category::Jailbreak => "jailbreak",
            Category::ProtectedMaterialText => "protected_material_text",
            Category::ProtectedMaterialCode => "protected_material_code",
        }
    }
}

fn trigger(text: &str, tag: &str, allowed: fn(Category) -> bool) -> Option<Category> {
    let mut rest = text;
    while let Some(at) = rest.find(tag) {
        let after = &rest[at + tag.len()..];
        if let Some(end) = after.find("]]") {
            if let Some(cat) = Category::parse(&after[..end]).filter(|c| allowed(*c)) {
                return Some(cat);
            }
        }
        rest = after;
    }
    None
}

/// `[[filter:CATEGORY]]` in the prompt: the prompt filter blocks the request (400).
pub fn prompt_trigger(text: &str) -> Option<Category> {
    trigger(text, "[[filter:", |c| {
        !matches!(
            c,
            Category::ProtectedMaterialText | Category::ProtectedMaterialCode
        )
    })
}

/// `[[filter-completion:CATEGORY]]` in the prompt: the completion is cut and flagged (200).
pub fn completion_trigger(text: &str) -> Option<Category> {
    trigger(text, "[[filter-completion:", |c| c != Category::Jailbreak)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_has_exactly_64_words() {
        assert_eq!(words(REASONING), REASONING_WORDS);
    }

    #[test]
    fn pieces_reassemble_exactly() {
        for s in ["gpt-5.4 heard: hi  there ", "  lead", "one", "", "a\nb\tc"] {
            assert_eq!(pieces(s).concat(), s);
        }
        assert_eq!(pieces("a bc  d"), vec!["a", " bc", "  d"]);
    }

    #[test]
    fn first_words_keeps_spacing() {
        assert_eq!(first_words("a  b c", 2), "a  b");
        assert_eq!(first_words("a b", 5), "a b");
        assert_eq!(first_words(" a b", 1), " a");
    }

    #[test]
    fn fragments_split_on_chars() {
        assert_eq!(fragments("abcdé", 2), vec!["ab", "cd", "é"]);
    }

    #[test]
    fn triggers() {
        assert_eq!(
            prompt_trigger("x [[filter:self_harm]]"),
            Some(Category::SelfHarm)
        );
        assert_eq!(
            prompt_trigger("x [[filter:nope]] [[filter:hate]]"),
            Some(Category::Hate)
        );
        assert_eq!(
            completion_trigger("[[filter-completion:violence]]"),
            Some(Category::Violence)
        );
        assert_eq!(prompt_trigger("[[filter-completion:violence]]"), None);
        assert_eq!(completion_trigger("[[filter-completion:jailbreak]]"), None);
    }

    #[test]
    fn ids_are_deterministic() {
        assert_eq!(chat_id("req-a-1"), chat_id("req-a-1"));
        assert_ne!(chat_id("req-a-1"), chat_id("req-a-2"));
        assert_eq!(chat_id("x").len(), "chatcmpl-".len() + 29);
        assert_eq!(item_id("resp", "x", 0).len(), 5 + 50);
    }
}
