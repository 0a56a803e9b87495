//! `ChatStream`: an open streamed answer. Bytes become SSE events, events become normalized
//! chunks; the totals are folded as they pass so the final usage and cost are known at the
//! end. Dropping the stream drops the response, which closes the connection.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};

use super::exchange::Sent;
use super::reasoning_exhausted_error;
use super::route::pacing::Grant;
use super::route::spend::AttemptHold;
use crate::config::Pricing;
use crate::events::{EventSink, ResultEvent};
use crate::sse::{SseEvent, SseParser};
use crate::stream::{ChunkDecoder, StreamAccumulator};
use crate::telemetry::CallTrace;
use crate::types::{Api, Attempt, ChatChunk, ChatResult};
use crate::{normalize, Error, ErrorKind, Result};

/// A streamed chat or Responses answer: an async iterator of [`ChatChunk`]s.
pub struct ChatStream {
    body: Option<BoxStream<'static, reqwest::Result<Bytes>>>,
    parser: SseParser,
    decoder: ChunkDecoder,
    /// Events parsed from the body and not yet decoded: `events[next_event..]`. They are
    /// decoded as chunks are asked for, so a read that brings many events hands out the
    /// first chunk without decoding the rest first.
    events: Vec<SseEvent>,
    next_event: usize,
    ready: VecDeque<ChatChunk>,
    totals: Option<StreamAccumulator>,
    /// The name of the deployment streaming the answer.
    deployment: String,
    pricing: Pricing,
    api: Api,
    tried: Vec<Attempt>,
    request_id: Option<String>,
    sink: EventSink,
    started: Instant,
    finished: bool,
    result: Option<ChatResult>,
    /// An error to yield after the last chunk (reasoning that ate the budget).
    pending_error: Option<Error>,
    bounds: StreamBounds,
    idle_timer: Pin<Box<tokio::time::Sleep>>,
    /// When the body last delivered an event; the idle timer is moved here lazily.
    last_event: tokio::time::Instant,
    /// Fires at `bounds.deadline`, however busy the body keeps the stream.
    deadline_timer: Pin<Box<tokio::time::Sleep>>,
    /// Bytes the body has delivered (at most `bounds.max_bytes`).
    received: u64,
    /// The attempt's budget reservation, settled when the stream ends or is dropped.
    hold: Option<AttemptHold>,
    /// The attempt's local rate-limit grant, partly given back when the usage arrives.
    pace: Option<Grant>,
    /// Bytes of answer (text, reasoning, tool arguments) received: a bound of the output
    /// tokens billed so far, for a stream that ends before its usage.
    output_bytes: u64,
    /// The call's OpenTelemetry span: ended with the result event, or as cancelled when the
    /// stream is dropped before its end.
    trace: CallTrace,
}

/// What ends a stream that does not end by itself.
pub(crate) struct StreamBounds {
    /// The longest silence between two events. SSE comments and keep-alive bytes do not
    /// count: a server that only pings is as stuck as one that sends nothing.
    pub idle: Duration,
    /// The whole answer, body included, ends by then (the call's deadline, or the request's
    /// `stream_timeout`).
    pub deadline: tokio::time::Instant,
    /// The request setting that `deadline` came from, named in the error.
    pub deadline_setting: &'static str,
    pub whole: Duration,
    /// `defaults.limits.max_stream_bytes`.
    pub max_bytes: u64,
}

impl std::fmt::Debug for ChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatStream")
            .field("deployment", &self.deployment)
            .field("api", &self.api)
            .field("finished", &self.finished)
            .finish()
    }
}

impl ChatStream {
    /// `bounds` make a stream that stalls, only pings or never stops end in an error
    /// instead of holding its reader (and memory) forever.
    pub(crate) fn new(
        sent: Sent,
        sink: EventSink,
        trace: CallTrace,
        started: Instant,
        bounds: StreamBounds,
    ) -> ChatStream {
        let mut sent = sent;
        let hold = sent.hold.take();
        let pace = sent.pace.take();
        let body = sent.response.map(|r| r.bytes_stream().boxed());
        ChatStream {
            body,
            parser: SseParser::new(),
            decoder: ChunkDecoder::new(sent.api, &sent.deployment),
            events: Vec::new(),
            next_event: 0,
            ready: VecDeque::new(),
            totals: Some(StreamAccumulator::new()),
            api: sent.api,
            deployment: sent.deployment,
            pricing: sent.pricing,
            tried: sent.tried,
            request_id: sent.request_id,
            sink,
            started,
            finished: false,
            result: None,
            pending_error: None,
            idle_timer: Box::pin(tokio::time::sleep(bounds.idle)),
            last_event: tokio::time::Instant::now(),
            deadline_timer: Box::pin(tokio::time::sleep_until(bounds.deadline)),
            bounds,
            received: 0,
            hold,
            pace,
            output_bytes: 0,
            trace,
        }
    }

    /// The deployment streaming the answer.
    pub fn deployment_name(&self) -> &str {
        &self.deployment
    }

    /// The next chunk, `None` at the end. Performs network IO.
    pub async fn next_chunk(&mut self) -> Option<Result<ChatChunk>> {
        self.next().await
    }

    /// Reads the rest of the stream and returns the whole answer, normalized like a
    /// non-streamed call (usage and cost included when the service sent usage).
    pub async fn collect_result(mut self) -> Result<ChatResult> {
        while let Some(chunk) = self.next().await {
            chunk?;
        }
        self.result
            .take()
            .ok_or_else(|| Error::new(ErrorKind::Stream, "the stream produced no result"))
    }

    /// The folded result, once the stream has ended cleanly.
    pub fn result(&self) -> Option<&ChatResult> {
        self.result.as_ref()
    }

    fn fail(&mut self, e: Error) -> Error {
        self.settle_consumed();
        self.finished = true;
        self.body = None;
        let e = e
            .with_deployment(self.deployment.clone())
            .with_request_id(self.request_id.clone())
            .with_attempts(self.tried.clone());
        let latency = self.started.elapsed().as_millis() as u64;
        let (api, deployment) = (self.api, &self.deployment);
        let trace = std::mem::take(&mut self.trace);
        self.sink.result(trace, || {
            ResultEvent::from_error(api, deployment, &e, latency)
        });
        e
    }

    /// True once no event came for `idle`. An event only records its time; when the timer
    /// fires early because events came meanwhile, it is moved to the new deadline.
    /// (Resetting it on every event cost a timer-wheel update per event.)
    fn idle_expired(&mut self, cx: &mut Context<'_>) -> bool {
        while self.idle_timer.as_mut().poll(cx).is_ready() {
            let deadline = self.last_event + self.bounds.idle;
            if deadline <= tokio::time::Instant::now() {
                return true;
            }
            self.idle_timer.as_mut().reset(deadline);
        }
        false
    }

    fn idle_error(&self) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!(
                "the stream sent no event for {:.1}s",
                self.bounds.idle.as_secs_f64()
            ),
        )
        .with_hint(
            "the service stopped answering mid-stream (SSE comments and keep-alives do not \
             count as progress); raise `defaults.timeout_secs` if this model pauses longer",
        )
    }

    fn deadline_error(&self) -> Error {
        let setting = self.bounds.deadline_setting;
        Error::new(
            ErrorKind::Timeout,
            format!(
                "the stream did not finish within its deadline of {:.1}s (`{setting}`)",
                self.bounds.whole.as_secs_f64()
            ),
        )
        .with_hint(
            "set the request's `stream_timeout` (seconds) for answers that stream longer \
             than the call's `timeout`",
        )
    }

    fn accept(&mut self, chunks: Vec<ChatChunk>) {
        if let Some(totals) = self.totals.as_mut() {
            for chunk in &chunks {
                totals.push(chunk);
            }
        }
        if self.hold.is_some() {
            self.output_bytes += chunks.iter().map(answer_bytes).sum::<u64>();
        }
        self.ready.extend(chunks);
    }

    /// Decodes pending events until one makes a chunk (`all`: every pending event).
    fn decode_pending(&mut self, all: bool) -> Result<()> {
        let mut chunks = Vec::new();
        while let Some(event) = self.events.get_mut(self.next_event) {
            let event = std::mem::take(event);
            self.next_event += 1;
            self.decoder.decode_owned(event, &mut chunks)?;
            if !all && !chunks.is_empty() {
                break;
            }
        }
        if self.next_event == self.events.len() {
            self.events.clear();
            self.next_event = 0;
        }
        self.accept(chunks);
        Ok(())
    }

    fn has_pending_events(&self) -> bool {
        self.next_event < self.events.len()
    }

    /// Events read from the body and not decoded yet.
    #[cfg(test)]
    fn decoder_backlog(&self) -> usize {
        self.events.len() - self.next_event
    }

    fn end(&mut self) -> Result<()> {
        self.parser.finish(&mut self.events);
        self.decode_pending(true)?;
        let mut chunks = Vec::new();
        self.decoder.finish(&mut chunks)?;
        self.accept(chunks);
        self.finished = true;
        self.body = None;
        if let Some(totals) = self.totals.take() {
            let mut r = totals.finish();
            r.deployment = self.deployment.clone();
            r.api = Some(self.api);
            r.cost_usd = normalize::cost_usd(&r.usage, &self.pricing);
            match self.hold.take() {
                Some(hold) if r.usage.total_tokens > 0 || r.usage.output_tokens > 0 => {
                    hold.settle_usage(&r.usage)
                }
                Some(hold) => hold.settle_consumed(self.output_bytes),
                None => {}
            }
            if let (Some(pace), true) = (self.pace.take(), r.usage.total_tokens > 0) {
                pace.settle(r.usage.total_tokens);
            }
            r.attempts = self.tried.len() as u32;
            r.tried = std::mem::take(&mut self.tried);
            r.request_id = self.request_id.clone();
            let latency = self.started.elapsed().as_millis() as u64;
            // Billed like the non-streamed failure: the event carries usage and cost.
            let exhausted =
                normalize::reasoning_exhausted(&r).then(|| reasoning_exhausted_error(&r));
            let error = exhausted.as_ref().map(|e| e.kind().as_str());
            let api = self.api;
            let mut trace = std::mem::take(&mut self.trace);
            trace.response_id(&r.id);
            self.sink
                .result(trace, || ResultEvent::from_result(api, &r, latency, error));
            self.pending_error = exhausted;
            self.result = Some(r);
        }
        Ok(())
    }
}

impl ChatStream {
    /// Charges the prompt and the answer received so far (the stream ends without usage).
    fn settle_consumed(&mut self) {
        if let Some(hold) = self.hold.take() {
            hold.settle_consumed(self.output_bytes);
        }
    }
}

/// A chunk's answer bytes: each billed output token is at least one of them.
fn answer_bytes(chunk: &ChatChunk) -> u64 {
    let text = |s: &Option<String>| s.as_ref().map_or(0, |s| s.len() as u64);
    text(&chunk.text)
        + text(&chunk.reasoning)
        + chunk
            .tool_calls
            .iter()
            .map(|t| text(&t.arguments) + text(&t.name))
            .sum::<u64>()
}

/// A stream dropped before its end (the caller stopped reading, or cancelled) is charged
/// what it consumed, and its reservation's rest is released.
impl Drop for ChatStream {
    fn drop(&mut self) {
        self.settle_consumed();
    }
}

impl Stream for ChatStream {
    type Item = Result<ChatChunk>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(chunk) = this.ready.pop_front() {
                return Poll::Ready(Some(Ok(chunk)));
            }
            if this.finished {
                return Poll::Ready(this.pending_error.take().map(Err));
            }
            if this.has_pending_events() {
                if let Err(e) = this.decode_pending(false) {
                    return Poll::Ready(Some(Err(this.fail(e))));
                }
                continue;
            }
            if this.decoder.is_done() {
                this.body = None;
            }
            let Some(body) = this.body.as_mut() else {
                if let Err(e) = this.end() {
                    return Poll::Ready(Some(Err(this.fail(e))));
                }
                continue;
            };
            match body.poll_next_unpin(cx) {
                Poll::Pending => {
                    if this.deadline_timer.as_mut().poll(cx).is_ready() {
                        let e = this.deadline_error();
                        return Poll::Ready(Some(Err(this.fail(e))));
                    }
                    if this.idle_expired(cx) {
                        let e = this.idle_error();
                        return Poll::Ready(Some(Err(this.fail(e))));
                    }
                    return Poll::Pending;
                }
                Poll::Ready(Some(Ok(bytes))) => {
                    this.received = this.received.saturating_add(bytes.len() as u64);
                    if this.received > this.bounds.max_bytes {
                        // An endless or huge stream must not fill memory with folded totals.
                        let e = super::exchange::over_limit(
                            &this.deployment,
                            "streamed",
                            this.bounds.max_bytes,
                            "max_stream_bytes",
                        );
                        return Poll::Ready(Some(Err(this.fail(e))));
                    }
                    // A body that never pauses never reaches `Pending`: check the clock here too.
                    let now = tokio::time::Instant::now();
                    if now >= this.bounds.deadline {
                        let e = this.deadline_error();
                        return Poll::Ready(Some(Err(this.fail(e))));
                    }
                    let before = this.events.len();
                    let pushed = this.parser.push(&bytes, &mut this.events);
                    if this.events.len() > before {
                        this.last_event = now;
                    }
                    if let Err(e) = pushed {
                        return Poll::Ready(Some(Err(this.fail(e))));
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    let e = Error::new(ErrorKind::Stream, format!("the stream broke: {e}"));
                    return Poll::Ready(Some(Err(this.fail(e))));
                }
                Poll::Ready(None) => {
                    this.body = None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chat stream over `body`, delivered by the body in one read.
    fn stream_of(body: &'static str) -> ChatStream {
        let response = reqwest::Response::from(http::Response::new(body));
        let sent = Sent {
            deployment: "dep".to_string(),
            pricing: Pricing::default(),
            api: Api::Chat,
            body: Bytes::new(),
            response: Some(response),
            request_id: None,
            tried: Vec::new(),
            hold: None,
            pace: None,
        };
        let bounds = StreamBounds {
            idle: Duration::from_secs(30),
            deadline: tokio::time::Instant::now() + Duration::from_secs(30),
            deadline_setting: "timeout",
            whole: Duration::from_secs(30),
            max_bytes: 1 << 20,
        };
        ChatStream::new(
            sent,
            EventSink::default(),
            CallTrace::default(),
            Instant::now(),
            bounds,
        )
    }

    /// Events arrive in batches (one read can hold a whole short answer); each chunk is handed
    /// out as soon as its event is decoded, not after the rest of the batch, so the first
    /// token waits for nothing behind it, and an event that fails fails in its turn.
    #[tokio::test]
    async fn a_chunk_comes_out_before_the_events_behind_it_are_decoded() {
        let mut stream = stream_of(concat!(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}\n\n",
            "data: {not json\n\n",
            "data: [DONE]\n\n",
        ));
        let first = stream
            .next_chunk()
            .await
            .expect("a chunk")
            .expect("not an error");
        assert_eq!(first.text.as_deref(), Some("Hel"));
        assert_eq!(
            stream.decoder_backlog(),
            3,
            "the events behind the first wait"
        );
        let second = stream
            .next_chunk()
            .await
            .expect("a chunk")
            .expect("not an error");
        assert_eq!(second.text.as_deref(), Some("lo"));
        let failure = stream.next_chunk().await.expect("the bad event's error");
        assert_eq!(
            failure.expect_err("not JSON").kind(),
            ErrorKind::InvalidResponse
        );
        assert!(stream.next_chunk().await.is_none());
    }

    #[tokio::test]
    async fn a_batch_read_to_its_end_gives_every_chunk_and_the_result() {
        let stream = stream_of(concat!(
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n",
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n",
            "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}\n\n",
            "data: [DONE]\n\n",
        ));
        let result = stream.collect_result().await.expect("the whole answer");
        assert_eq!(result.text.as_deref(), Some("Hello"));
        assert_eq!(result.usage.total_tokens, 5);
        assert_eq!(result.raw["usage"]["total_tokens"], 5);
    }
}
