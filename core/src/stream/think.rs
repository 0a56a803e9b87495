//! Splits an inline `<think>…</think>` block off streamed chat content.
//!
//! DeepSeek-R1 and Qwen served without a reasoning parser write their reasoning into
//! `content`, wrapped in `<think>` tags that arrive split across deltas (`<thi` + `nk>`).
//! The splitter gives, over the whole stream, exactly what [`normalize::split_think`] gives
//! for the whole content, so a streamed answer folds into the same result as an unstreamed
//! one. Visible characters are held back only while they may still be part of a tag (at most
//! the tag's length); whitespace around the tags is held too, since `split_think` trims it,
//! but holding whitespace delays nothing a reader would see.
//!
//! [`normalize::split_think`]: crate::normalize::split_think

const OPEN: &str = "<think>";
const CLOSE: &str = "</think>";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not yet known whether the content starts with `<think>` (after whitespace).
    Probe,
    /// Inside the block; `started` once its first non-whitespace character went out.
    Thinking { started: bool },
    /// After `</think>`: whitespace before the answer is dropped.
    AfterThink,
    /// Everything is answer text.
    Plain,
}

/// What one piece of content turned into.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Split {
    pub reasoning: String,
    pub text: String,
}

#[derive(Debug)]
pub(crate) struct ThinkSplitter {
    state: State,
    held: String,
}

impl Default for ThinkSplitter {
    fn default() -> Self {
        ThinkSplitter {
            state: State::Probe,
            held: String::new(),
        }
    }
}

impl ThinkSplitter {
    /// Feeds the next content delta.
    pub fn push(&mut self, piece: &str, out: &mut Split) {
        if self.state == State::Plain {
            out.text.push_str(piece);
            return;
        }
        self.held.push_str(piece);
        loop {
            match self.state {
                State::Probe => {
                    let trimmed = self.held.trim_start();
                    if let Some(inside) = trimmed.strip_prefix(OPEN) {
                        self.held = inside.to_string();
                        self.state = State::Thinking { started: false };
                    } else if OPEN.starts_with(trimmed) {
                        return; // still possibly `<think>`
                    } else {
                        out.text.push_str(&self.held);
                        self.held.clear();
                        self.state = State::Plain;
                        return;
                    }
                }
                State::Thinking { started } => {
                    if !started {
                        let trimmed = self.held.trim_start();
                        if trimmed.is_empty() {
                            self.held.clear();
                            return;
                        }
                        self.held = trimmed.to_string();
                        self.state = State::Thinking { started: true };
                    }
                    if let Some(end) = self.held.find(CLOSE) {
                        let (reasoning, rest) = self.held.split_at(end);
                        out.reasoning.push_str(reasoning.trim_end());
                        let after = rest.get(CLOSE.len()..).unwrap_or_default().to_string();
                        self.held = after;
                        self.state = State::AfterThink;
                        continue;
                    }
                    let keep = undecided_suffix_len(&self.held);
                    let (ready, undecided) = self
                        .held
                        .split_at_checked(self.held.len() - keep)
                        .unwrap_or(("", &self.held));
                    out.reasoning.push_str(ready);
                    self.held = undecided.to_string();
                    return;
                }
                State::AfterThink => {
                    let trimmed = self.held.trim_start();
                    if !trimmed.is_empty() {
                        out.text.push_str(trimmed);
                        self.state = State::Plain;
                    }
                    self.held.clear();
                    return;
                }
                State::Plain => {
                    out.text.push_str(&self.held);
                    self.held.clear();
                    return;
                }
            }
        }
    }

    /// Releases what is held: the content is over (finish reason or end of stream).
    pub fn flush(&mut self, out: &mut Split) {
        match self.state {
            State::Probe => {
                // Never became `<think>`: the content was ordinary text, whitespace included.
                out.text.push_str(&self.held);
                self.state = State::Plain;
            }
            // An unclosed block is all reasoning (the model ran out of tokens thinking).
            State::Thinking { .. } => out.reasoning.push_str(self.held.trim_end()),
            State::AfterThink | State::Plain => {}
        }
        self.held.clear();
    }
}

/// Length of the tail of reasoning that cannot go out yet: whitespace (trimmed if `</think>`
/// follows) and then the start of a possible `</think>`. Both are ASCII, so the cut is on a
/// character boundary.
fn undecided_suffix_len(held: &str) -> usize {
    let tag = (1..CLOSE.len())
        .rev()
        .find(|&k| CLOSE.get(..k).is_some_and(|prefix| held.ends_with(prefix)))
        .unwrap_or(0);
    let before_tag = held.get(..held.len() - tag).unwrap_or_default();
    held.len() - before_tag.trim_end().len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::split_think;

    fn run(pieces: &[&str]) -> (Option<String>, Option<String>) {
        let mut splitter = ThinkSplitter::default();
        let mut out = Split::default();
        for piece in pieces {
            splitter.push(piece, &mut out);
        }
        splitter.flush(&mut out);
        let some = |s: String| (!s.is_empty()).then_some(s);
        (some(out.reasoning), some(out.text))
    }

    fn expected(whole: &str) -> (Option<String>, Option<String>) {
        let (reasoning, text) = split_think(whole);
        (reasoning, text.filter(|t| !t.is_empty()))
    }

    const CASES: &[&str] = &[
        "<think>\nLet me add.\n</think>\n\n4242",
        "  <think>a b</think>answer </think> kept",
        "<think>unclosed reasoning </thi",
        "<think></think>",
        "<think>   </think>  ",
        "<thinking>not a tag</thinking>",
        "<thi",
        "plain text with <think> later",
        "\n\nHello <b>world</b>",
        "<think>é—🧡 </ think> still thinking</think>日本語",
        "   ",
        "",
        "<",
        "<think>x</think",
    ];

    #[test]
    fn matches_split_think_under_every_two_and_three_way_split() {
        for case in CASES {
            let want = expected(case);
            let cuts: Vec<usize> = (0..=case.len())
                .filter(|&i| case.is_char_boundary(i))
                .collect();
            for &i in &cuts {
                for &j in cuts.iter().filter(|&&j| j >= i) {
                    let pieces = [&case[..i], &case[i..j], &case[j..]];
                    assert_eq!(run(&pieces), want, "{case:?} cut at {i}, {j}");
                }
            }
        }
    }

    #[test]
    fn character_by_character_matches_split_think() {
        for case in CASES {
            let pieces: Vec<String> = case.chars().map(String::from).collect();
            let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
            assert_eq!(run(&pieces), expected(case), "{case:?}");
        }
    }

    #[test]
    fn plain_text_is_released_at_once() {
        let mut splitter = ThinkSplitter::default();
        let mut out = Split::default();
        splitter.push("Hel", &mut out);
        assert_eq!(out.text, "Hel");
        splitter.push("lo", &mut out);
        assert_eq!(out.text, "Hello");
    }

    #[test]
    fn holds_back_no_more_than_a_possible_tag() {
        let mut splitter = ThinkSplitter::default();
        let mut out = Split::default();
        splitter.push("<thi", &mut out);
        assert_eq!(out, Split::default(), "a partial open tag waits");
        splitter.push("nk>step one</th", &mut out);
        assert_eq!(out.reasoning, "step one");
        splitter.push("at is", &mut out);
        assert_eq!(
            out.reasoning, "step one</that is",
            "not a close tag: released"
        );
        splitter.push("</think>\n\nDone", &mut out);
        assert_eq!(out.text, "Done");
    }
}
