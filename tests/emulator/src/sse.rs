//! Response bodies. Streams are written event by event from a task, each event its own HTTP
//! chunk (hyper flushes per frame), so clients see them as they come; a full channel of one
//! event keeps the writer in step with the client, which is how a dropped client is noticed.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Frame;
use tokio::sync::mpsc;

use crate::state::Completion;

pub type Body = BoxBody<Bytes, io::Error>;

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// `data: {json}\n\n`, the chat completions framing.
pub fn data(json: &str) -> Bytes {
    Bytes::from(format!("data: {json}\n\n"))
}

/// `event: {name}\ndata: {json}\n\n`, the Responses API framing.
pub fn event(name: &str, json: &str) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {json}\n\n"))
}

/// How to deliver a stream.
#[derive(Default)]
pub struct Plan {
    /// Pause before every event after the first.
    pub delay: Duration,
    /// Stop after this many events.
    pub stop_after: Option<usize>,
    /// After stopping, send this event (a mid-stream error) before ending.
    pub error_event: Option<Bytes>,
    /// After stopping, drop the connection instead of ending the body cleanly.
    pub cut: bool,
    /// After stopping, keep the connection open and send no more events.
    pub stall: bool,
    /// While waiting (between events, or stalled), send an SSE comment this often.
    pub keepalive: Option<Duration>,
    /// Send the event at this index again and again after the others, never ending.
    pub repeat: Option<usize>,
}

const KEEPALIVE: &[u8] = b": keep-alive\n\n";

enum Msg {
    Data(Bytes),
    Cut,
}

struct ChannelBody {
    rx: mpsc::Receiver<Msg>,
    completion: Option<Completion>,
}

impl ChannelBody {
    fn finish(&mut self) {
        if let Some(mut c) = self.completion.take() {
            c.finish();
        }
    }
}

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(Msg::Data(b))) => Poll::Ready(Some(Ok(Frame::data(b)))),
            Poll::Ready(Some(Msg::Cut)) => {
                self.finish();
                Poll::Ready(Some(Err(io::Error::other(
                    "stream cut by an injected fault",
                ))))
            }
            Poll::Ready(None) => {
                self.finish();
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Waits `delay`, sending a keep-alive comment every `keepalive` meanwhile; false once the
/// client has gone.
async fn wait(tx: &mpsc::Sender<Msg>, delay: Duration, keepalive: Option<Duration>) -> bool {
    let Some(every) = keepalive else {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        return !tx.is_closed();
    };
    let mut left = delay;
    while !left.is_zero() {
        let step = left.min(every);
        tokio::time::sleep(step).await;
        left -= step;
        if step == every
            && tx
                .send(Msg::Data(Bytes::from_static(KEEPALIVE)))
                .await
                .is_err()
        {
            return false;
        }
    }
    !tx.is_closed()
}

/// A 200 chat answer whose content is `size` bytes of text, made as it is sent (in 64 KiB
/// pieces, one at a time), so a gigabyte answer costs the emulator no memory.
pub fn huge(size: u64, completion: Completion) -> Body {
    const PREFIX: &str = r#"{"id":"chatcmpl-huge","object":"chat.completion","created":0,"model":"huge","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":""#;
    const SUFFIX: &str =
        r#""}}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#;
    const PIECE: usize = 64 * 1024;
    let piece = Bytes::from(vec![b'a'; PIECE]);
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        if tx
            .send(Msg::Data(Bytes::from_static(PREFIX.as_bytes())))
            .await
            .is_err()
        {
            return;
        }
        let mut left = size;
        while left > 0 {
            let n = left.min(PIECE as u64) as usize;
            if tx.send(Msg::Data(piece.slice(..n))).await.is_err() {
                return;
            }
            left -= n as u64;
        }
        let _ = tx
            .send(Msg::Data(Bytes::from_static(SUFFIX.as_bytes())))
            .await;
    });
    ChannelBody {
        rx,
        completion: Some(completion),
    }
    .boxed()
}

/// Where the first non-empty answer text starts in `bytes`: after a chat `"content":"` or a
/// Responses `"delta":"`.
pub fn text_start(bytes: &[u8]) -> Option<usize> {
    [&b"\"content\":\""[..], &b"\"delta\":\""[..]]
        .iter()
        .filter_map(|mark| {
            bytes
                .windows(mark.len())
                .enumerate()
                .find(|(i, w)| w == mark && bytes.get(i + mark.len()) != Some(&b'"'))
                .map(|(i, _)| i + mark.len())
        })
        .min()
}

/// `bytes` with two bytes that are not UTF-8 at the start of its answer text (or of the
/// whole body when it has none).
pub fn break_utf8(bytes: &Bytes) -> Bytes {
    let at = text_start(bytes).unwrap_or(0);
    let mut out = Vec::with_capacity(bytes.len() + 2);
    out.extend_from_slice(&bytes[..at]);
    out.extend_from_slice(&[0xff, 0xfe]);
    out.extend_from_slice(&bytes[at..]);
    Bytes::from(out)
}

/// A body fed chunk by chunk. If the client goes away first, the body is dropped with the
/// completion unfinished, which marks the request `aborted` in the log.
pub fn paced(chunks: Vec<Bytes>, plan: Plan, completion: Completion) -> Body {
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        let stop = plan.stop_after.unwrap_or(chunks.len());
        let repeated = plan.repeat.and_then(|i| chunks.get(i).cloned());
        for (i, chunk) in chunks.into_iter().take(stop).enumerate() {
            if i > 0 && !wait(&tx, plan.delay, plan.keepalive).await {
                return;
            }
            if tx.send(Msg::Data(chunk)).await.is_err() {
                return;
            }
        }
        if let Some(chunk) = repeated {
            // Ends only when the client goes away (the send fails).
            loop {
                if !wait(&tx, plan.delay, plan.keepalive).await {
                    return;
                }
                if tx.send(Msg::Data(chunk.clone())).await.is_err() {
                    return;
                }
            }
        }
        if let Some(ev) = plan.error_event {
            if tx.send(Msg::Data(ev)).await.is_err() {
                return;
            }
        }
        if plan.stall {
            match plan.keepalive {
                Some(every) => while wait(&tx, every, Some(every)).await {},
                None => tx.closed().await,
            }
            return;
        }
        if plan.cut {
            let _ = tx.send(Msg::Cut).await;
        }
    });
    ChannelBody {
        rx,
        completion: Some(completion),
    }
    .boxed()
}
