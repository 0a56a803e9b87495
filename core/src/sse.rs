//! An incremental Server-Sent-Events parser (the WHATWG `text/event-stream` rules).
//!
//! Bytes go in as the network delivers them, events come out as soon as their blank line
//! arrives. Every byte is looked at once: a partial line is kept in a buffer and only the
//! new bytes are scanned on the next push, so a stream pushed one byte at a time still
//! parses in linear time. Line breaks are ASCII, so a multi-byte UTF-8 character is never
//! split by them; lines are decoded only when complete, which makes any chunking of the
//! byte stream (characters, `\r\n` pairs, `data:` prefixes split across pushes) give the
//! same events as one push.

use crate::{Error, ErrorKind, Result};

/// The largest event (its data plus the line being read) the parser holds before it gives
/// up: a service that never sends a blank line must not grow memory without bound.
pub const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// One dispatched event: its `event:` name, if any, and its `data:` lines joined with `\n`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

/// Incremental SSE parser. `push` the body's chunks, then `finish` at the end of the body.
///
/// Pure computation: no IO, never blocks.
#[derive(Debug, Default)]
pub struct SseParser {
    /// Bytes of the line not yet terminated.
    line: Vec<u8>,
    /// The last byte seen was `\r`: a `\n` right after it belongs to the same line break.
    after_cr: bool,
    /// No line has been completed yet (a leading byte-order mark is dropped from it).
    first_line: bool,
    event: Option<String>,
    data: String,
    /// At least one `data` field arrived for the current event (`data:` alone dispatches "").
    has_data: bool,
    /// Set once the size cap was exceeded: the stream is unusable from then on.
    failed: bool,
}

impl SseParser {
    pub fn new() -> Self {
        SseParser {
            first_line: true,
            ..Default::default()
        }
    }

    /// Feeds the next bytes of the body and appends every event they complete to `out`.
    ///
    /// Fails with [`ErrorKind::InvalidResponse`] when one event grows past
    /// [`MAX_EVENT_BYTES`]; the parser then refuses further input (discard it with the stream).
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<SseEvent>) -> Result<()> {
        if self.failed {
            return Err(too_large());
        }
        let mut rest = chunk;
        if self.after_cr && !rest.is_empty() {
            self.after_cr = false;
            if let Some((&b'\n', tail)) = rest.split_first() {
                rest = tail;
            }
        }
        while !rest.is_empty() {
            // memchr's vectorized search: a byte-at-a-time scan was a third of the parse.
            let Some(end) = memchr::memchr2(b'\n', b'\r', rest) else {
                self.check_size(rest.len())?;
                self.line.extend_from_slice(rest);
                return Ok(());
            };
            let (content, tail) = rest.split_at(end);
            self.check_size(content.len())?;
            if self.line.is_empty() {
                // The whole line is inside this chunk: read it in place, no copy.
                self.complete_line(content, out);
            } else {
                self.line.extend_from_slice(content);
                let line = std::mem::take(&mut self.line);
                self.complete_line(&line, out);
                self.line = line;
                self.line.clear();
            }
            // `tail` starts with the line break found by `position`.
            let crlf = tail.starts_with(b"\r\n");
            let is_cr = tail.first() == Some(&b'\r');
            rest = tail.get(if crlf { 2 } else { 1 }..).unwrap_or_default();
            if is_cr && !crlf && rest.is_empty() {
                // A `\r` ends this chunk: its `\n` may be the next chunk's first byte.
                self.after_cr = true;
            }
        }
        Ok(())
    }

    /// Ends the body: a last line without its line break and a last event without its
    /// blank line are still delivered, then the parser is ready for a new stream.
    pub fn finish(&mut self, out: &mut Vec<SseEvent>) {
        if self.failed {
            return;
        }
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.complete_line(&line, out);
        }
        self.dispatch(out);
        *self = SseParser::new();
    }

    fn check_size(&mut self, incoming: usize) -> Result<()> {
        let held = self.line.len() + self.data.len();
        if held.saturating_add(incoming) > MAX_EVENT_BYTES {
            self.failed = true;
            return Err(too_large());
        }
        Ok(())
    }

    fn complete_line(&mut self, line: &[u8], out: &mut Vec<SseEvent>) {
        let line = if std::mem::take(&mut self.first_line) {
            line.strip_prefix(b"\xEF\xBB\xBF".as_slice())
                .unwrap_or(line)
        } else {
            line
        };
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line.first() == Some(&b':') {
            return; // comment (Azure and proxies send `: keep-alive`)
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let (field, value) = line.split_at(colon);
                let value = value.get(1..).unwrap_or_default();
                (field, value.strip_prefix(b" ".as_slice()).unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match field {
            b"data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.has_data = true;
                push_lossy(&mut self.data, value);
            }
            b"event" => {
                let name = String::from_utf8_lossy(value);
                self.event = (!name.is_empty()).then(|| name.into_owned());
            }
            _ => {} // `id`, `retry` and unknown fields carry nothing this client uses
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let event = self.event.take();
        if std::mem::take(&mut self.has_data) {
            out.push(SseEvent {
                event,
                data: std::mem::take(&mut self.data),
            });
        }
    }
}

/// Appends `bytes` as text, invalid UTF-8 replaced by U+FFFD. Valid text (every answer in
/// practice) takes `from_utf8`'s word-at-a-time check, several times quicker than the lossy
/// decoder's chunk iterator.
fn push_lossy(text: &mut String, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(valid) => text.push_str(valid),
        Err(_) => text.push_str(&String::from_utf8_lossy(bytes)),
    }
}

fn too_large() -> Error {
    Error::new(
        ErrorKind::InvalidResponse,
        format!("a server-sent event grew past {MAX_EVENT_BYTES} bytes without ending"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        for chunk in chunks {
            parser.push(chunk, &mut out).unwrap();
        }
        parser.finish(&mut out);
        out
    }

    fn parse(input: &[u8]) -> Vec<SseEvent> {
        parse_in(&[input])
    }

    fn ev(event: Option<&str>, data: &str) -> SseEvent {
        SseEvent {
            event: event.map(str::to_string),
            data: data.to_string(),
        }
    }

    /// Exercises every rule at once: names, comments, ignored fields, all three line
    /// breaks, multi-line data, a missing space, multi-byte characters and a final event
    /// without its blank line.
    const TRICKY: &[u8] = "\u{feff}: keep-alive\r\nevent: response.created\r\ndata: {\"a\":\"é—🧡\"}\r\n\r\n\
id: 7\nretry: 100\ndata:no space\ndata:  two spaces\n\ndata\r\rdata: 四\revent:\n\nevent: last\ndata: end"
        .as_bytes();

    fn tricky_events() -> Vec<SseEvent> {
        vec![
            ev(Some("response.created"), "{\"a\":\"é—🧡\"}"),
            ev(None, "no space\n two spaces"),
            ev(None, ""),
            ev(None, "四"),
            ev(Some("last"), "end"),
        ]
    }

    #[test]
    fn parses_every_rule() {
        assert_eq!(parse(TRICKY), tricky_events());
    }

    #[test]
    fn any_split_in_two_or_three_gives_the_same_events() {
        let expected = tricky_events();
        for i in 0..=TRICKY.len() {
            let (a, b) = TRICKY.split_at(i);
            assert_eq!(parse_in(&[a, b]), expected, "split at {i}");
            for j in i..=TRICKY.len() {
                let (b, c) = TRICKY.split_at(j);
                let (a, b) = b.split_at(i);
                assert_eq!(parse_in(&[a, b, c]), expected, "split at {i} and {j}");
            }
        }
    }

    #[test]
    fn one_byte_pushes_give_the_same_events() {
        let bytes: Vec<&[u8]> = TRICKY.chunks(1).collect();
        assert_eq!(parse_in(&bytes), tricky_events());
    }

    #[test]
    fn crlf_split_across_pushes_is_one_line_break() {
        // If the `\n` after a chunk-final `\r` were taken as a second break, the blank
        // line would dispatch "a" alone and "b" would become a second event.
        assert_eq!(
            parse_in(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]),
            vec![ev(None, "a\nb")]
        );
        assert_eq!(
            parse_in(&[b"data: a\r", b"\r", b"\ndata: b\n\n"]),
            vec![ev(None, "a"), ev(None, "b")]
        );
    }

    #[test]
    fn events_without_data_are_not_dispatched_and_names_do_not_leak() {
        let events = parse(b"event: ping\n\ndata: x\n\n: only a comment\n\n");
        assert_eq!(events, vec![ev(None, "x")]);
    }

    #[test]
    fn a_field_without_colon_is_an_empty_value() {
        assert_eq!(parse(b"data\ndata\n\n"), vec![ev(None, "\n")]);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        assert_eq!(parse(b"data: a\xffb\n\n"), vec![ev(None, "a\u{fffd}b")]);
    }

    #[test]
    fn bom_is_only_dropped_at_the_start() {
        assert_eq!(
            parse("data: a\n\n\u{feff}data: b\n\n".as_bytes()),
            vec![ev(None, "a")]
        );
    }

    #[test]
    fn finish_delivers_a_pending_event_and_resets() {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        parser.push(b"data: [DONE]", &mut out).unwrap();
        assert!(out.is_empty());
        parser.finish(&mut out);
        assert_eq!(out, vec![ev(None, "[DONE]")]);
        parser.finish(&mut out);
        assert_eq!(out.len(), 1, "a second finish delivers nothing");
    }

    #[test]
    fn an_event_that_never_ends_is_refused() {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        parser.push(b"data: ", &mut out).unwrap();
        let piece = vec![b'x'; 1024 * 1024];
        let mut failed = None;
        for _ in 0..17 {
            if let Err(e) = parser.push(&piece, &mut out) {
                failed = Some(e);
                break;
            }
        }
        assert_eq!(failed.map(|e| e.kind()), Some(ErrorKind::InvalidResponse));
        let again = parser.push(b"\n\n", &mut out);
        assert_eq!(again.map_err(|e| e.kind()), Err(ErrorKind::InvalidResponse));
        assert!(out.is_empty());
    }

    #[test]
    fn many_lines_of_one_event_count_toward_the_cap() {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        let line = format!("data: {}\n", "y".repeat(1024 * 1024));
        let refused = (0..17).any(|_| parser.push(line.as_bytes(), &mut out).is_err());
        assert!(refused);
    }

    /// Linear-time check: 5 MB pushed a byte at a time (5 million pushes) finishes only if
    /// each push costs O(its bytes), and must give exactly what one push gives.
    #[test]
    fn five_megabytes_one_byte_at_a_time_equals_one_push() {
        let mut stream = Vec::new();
        let mut n = 0u32;
        while stream.len() < 5 * 1024 * 1024 {
            let sep: &[u8] = match n % 3 {
                0 => b"\n",
                1 => b"\r\n",
                _ => b"\r",
            };
            let event = format!(
                "event: e{n}\ndata: {{\"n\":{n},\"text\":\"ünïcødé 🧡 {}\"}}",
                "z".repeat((n % 200) as usize)
            );
            stream.extend_from_slice(event.as_bytes());
            stream.extend_from_slice(sep);
            stream.extend_from_slice(sep);
            n += 1;
        }
        let whole = parse(&stream);
        assert_eq!(whole.len(), n as usize);
        let mut parser = SseParser::new();
        let mut bytewise = Vec::with_capacity(whole.len());
        for byte in stream.chunks(1) {
            parser.push(byte, &mut bytewise).unwrap();
        }
        parser.finish(&mut bytewise);
        assert!(whole == bytewise);
    }
}
