package foundryclient

/** A `system` message. */
fun ChatMessage.Companion.system(text: String) = ChatMessage(role = "system", content = text)

/** A `user` message. */
fun ChatMessage.Companion.user(text: String) = ChatMessage(role = "user", content = text)

/** An `assistant` message (a previous answer), optionally with the tool calls it made. */
fun ChatMessage.Companion.assistant(text: String?, toolCalls: List<ToolCall> = emptyList()) =
    ChatMessage(role = "assistant", content = text, toolCalls = toolCalls)

/** A `tool` message answering the call [toolCallId]. */
fun ChatMessage.Companion.tool(toolCallId: String, text: String) =
    ChatMessage(role = "tool", content = text, toolCallId = toolCallId)
