/**
 * @videokr/providers/testing — the test kit for provider authors: a loopback HTTP server with fault
 * injection (scripted, per request, seeded plans, outages), and the OpenAI Chat Completions and
 * Anthropic Messages wire formats on its side.
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
