//! The OpenAI-shaped views of the normalized results ([`crate::types`]): the
//! `chat.completion` and `chat.completion.chunk` JSON that the Python and Node surfaces expose
//! as `choices[0]...`, whichever API (chat or Responses) carried the call. Pure computation
//! over results; the wire formats themselves live in [`crate::wire`].

mod chunk;
mod completion;

pub use chunk::chat_chunk_view;
pub use completion::chat_completion_view;
