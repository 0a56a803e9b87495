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
}

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

/// A body fed chunk by chunk. If the client goes away first, the body is dropped with the
/// completion unfinished, which marks the request `aborted` in the log.
pub fn paced(chunks: Vec<Bytes>, plan: Plan, completion: Completion) -> Body {
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        let stop = plan.stop_after.unwrap_or(chunks.len());
        for (i, chunk) in chunks.into_iter().take(stop).enumerate() {
            if i > 0 && !plan.delay.is_zero() {
                tokio::time::sleep(plan.delay).await;
            }
            if tx.send(Msg::Data(chunk)).await.is_err() {
                return;
            }
        }
        if let Some(ev) = plan.error_event {
            if tx.send(Msg::Data(ev)).await.is_err() {
                return;
            }
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
