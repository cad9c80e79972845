/**
 * @videokr/providers/testing — the test kit for provider authors: a loopback HTTP server with fault
 * injection (scripted, per request, seeded plans, outages), and on its side the wire formats of OpenAI
 * Chat Completions, Anthropic Messages and Gemini (generateContent and the Files API).
 *
 * @module @videokr/providers/testing
 */
export * from "./LoopbackServer.ts"
export * from "./Faults.ts"
export * from "./OpenAiWire.ts"
export * from "./AnthropicWire.ts"
export * from "./Conformance.ts"
export * from "./Limits.ts"
export * from "./OpenAiBatchWire.ts"
export * from "./AnthropicBatchWire.ts"
export * from "./TestTime.ts"
export * from "./GeminiWire.ts"
