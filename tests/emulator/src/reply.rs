//! What a handler decides to answer, before the common headers, faults and logging that
//! `api::finish` applies to every answer.

use bytes::Bytes;

pub const JSON: &str = "application/json";
pub const SSE: &str = "text/event-stream; charset=utf-8";

pub enum Payload {
    Bytes(Bytes),
    /// Pre-rendered SSE events, written one by one and flushed as they go.
    Events(Vec<Bytes>),
    /// Close the connection without answering.
    Reset,
}

pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub payload: Payload,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn json(status: u16, body: impl Into<String>) -> Reply {
        Reply::text(status, JSON, body)
    }

    pub fn text(status: u16, content_type: &str, body: impl Into<String>) -> Reply {
        Reply {
            status,
            content_type: content_type.to_string(),
            payload: Payload::Bytes(Bytes::from(body.into())),
            headers: Vec::new(),
        }
    }

    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type: content_type.to_string(),
            payload: Payload::Bytes(Bytes::from(body)),
            headers: Vec::new(),
        }
    }

    pub fn events(events: Vec<Bytes>) -> Reply {
        Reply {
            status: 200,
            content_type: SSE.to_string(),
            payload: Payload::Events(events),
            headers: Vec::new(),
        }
    }

    pub fn reset() -> Reply {
        Reply {
            status: 0,
            content_type: String::new(),
            payload: Payload::Reset,
            headers: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}
