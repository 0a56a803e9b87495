//! The core's results held natively, read field by field: nothing becomes a Python object until
//! it is asked for (the measured choice: python/README.md, "Performance"), so `r.text` never pays
//! for converting the raw answer.

use foundry_client::view::{chat_chunk_view, chat_completion_view};
use foundry_client::{ChatChunk, ChatResult, EmbeddingsResult, Usage};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert::{to_json_bytes, to_py};

/// Token counts as `(input, cached_input, output, reasoning, total)`.
type UsageTuple = (u64, u64, u64, u64, u64);

/// A tool-call fragment as `(index, id, name, arguments)`.
type ToolCallDeltaTuple<'a> = (u32, Option<&'a str>, Option<&'a str>, Option<&'a str>);

fn usage_tuple(u: &Usage) -> UsageTuple {
    (
        u.input_tokens,
        u.cached_input_tokens,
        u.output_tokens,
        u.reasoning_tokens,
        u.total_tokens,
    )
}

/// A normalized chat or Responses answer.
#[pyclass(frozen, module = "foundry_client._native", name = "ChatResult")]
pub struct PyChatResult(pub ChatResult);

#[pymethods]
impl PyChatResult {
    #[getter]
    fn id(&self) -> &str {
        &self.0.id
    }
    #[getter]
    fn model(&self) -> &str {
        &self.0.model
    }
    #[getter]
    fn deployment(&self) -> &str {
        &self.0.deployment
    }
    #[getter]
    fn api(&self) -> Option<&'static str> {
        self.0.api.map(|a| a.as_str())
    }
    #[getter]
    fn text(&self) -> Option<&str> {
        self.0.text.as_deref()
    }
    #[getter]
    fn reasoning(&self) -> Option<&str> {
        self.0.reasoning.as_deref()
    }
    #[getter]
    fn finish_reason(&self) -> Option<&str> {
        self.0.finish_reason.as_deref()
    }
    #[getter]
    fn cost_usd(&self) -> f64 {
        self.0.cost_usd
    }
    #[getter]
    fn attempts(&self) -> u32 {
        self.0.attempts
    }
    #[getter]
    fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    #[getter]
    fn usage(&self) -> UsageTuple {
        usage_tuple(&self.0.usage)
    }
    /// `(id, name, arguments)` per tool call.
    #[getter]
    fn tool_calls(&self) -> Vec<(&str, &str, &str)> {
        self.0
            .tool_calls
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_str(), c.arguments.as_str()))
            .collect()
    }
    fn content_filter<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.content_filter)
    }
    fn tried<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.tried)
    }
    fn raw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.raw)
    }
    /// The OpenAI `chat.completion` object of this answer.
    fn view<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &chat_completion_view(&self.0))
    }
    /// `view()` as JSON bytes.
    fn view_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(
            py,
            &to_json_bytes(&chat_completion_view(&self.0))?,
        ))
    }
    /// The core's normalized result.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0)
    }
}

/// One streamed piece of a chat or Responses answer.
#[pyclass(frozen, module = "foundry_client._native", name = "ChatChunk")]
pub struct PyChatChunk(pub ChatChunk);

#[pymethods]
impl PyChatChunk {
    #[getter]
    fn id(&self) -> &str {
        &self.0.id
    }
    #[getter]
    fn model(&self) -> &str {
        &self.0.model
    }
    #[getter]
    fn deployment(&self) -> &str {
        &self.0.deployment
    }
    #[getter]
    fn text(&self) -> Option<&str> {
        self.0.text.as_deref()
    }
    #[getter]
    fn reasoning(&self) -> Option<&str> {
        self.0.reasoning.as_deref()
    }
    #[getter]
    fn finish_reason(&self) -> Option<&str> {
        self.0.finish_reason.as_deref()
    }
    #[getter]
    fn usage(&self) -> Option<UsageTuple> {
        self.0.usage.as_ref().map(usage_tuple)
    }
    /// `(index, id, name, arguments)` per tool-call fragment.
    #[getter]
    fn tool_calls(&self) -> Vec<ToolCallDeltaTuple<'_>> {
        self.0
            .tool_calls
            .iter()
            .map(|c| {
                (
                    c.index,
                    c.id.as_deref(),
                    c.name.as_deref(),
                    c.arguments.as_deref(),
                )
            })
            .collect()
    }
    fn content_filter<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.content_filter)
    }
    fn raw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.raw)
    }
    /// The OpenAI `chat.completion.chunk` object of this piece.
    fn view<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &chat_chunk_view(&self.0))
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0)
    }
}

/// A normalized embeddings answer.
#[pyclass(frozen, module = "foundry_client._native", name = "EmbeddingsResult")]
pub struct PyEmbeddingsResult(pub EmbeddingsResult);

#[pymethods]
impl PyEmbeddingsResult {
    #[getter]
    fn model(&self) -> &str {
        &self.0.model
    }
    #[getter]
    fn deployment(&self) -> &str {
        &self.0.deployment
    }
    #[getter]
    fn cost_usd(&self) -> f64 {
        self.0.cost_usd
    }
    #[getter]
    fn attempts(&self) -> u32 {
        self.0.attempts
    }
    #[getter]
    fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    #[getter]
    fn usage(&self) -> UsageTuple {
        usage_tuple(&self.0.usage)
    }
    /// `[(index, embedding)]`: floats, or base64 text when that encoding was asked.
    fn data<'py>(&self, py: Python<'py>) -> PyResult<Vec<(u32, Bound<'py, PyAny>)>> {
        self.0
            .data
            .iter()
            .map(|e| Ok((e.index, to_py(py, &e.embedding)?)))
            .collect()
    }
    fn tried<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.tried)
    }
    fn raw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.raw)
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0)
    }
}
