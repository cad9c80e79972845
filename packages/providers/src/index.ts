/**
 * @videokr/providers — Model providers behind the ModelProvider port of @videokr/core: OpenAI, Anthropic, any OpenAI-compatible server and the scripted test model, with cache, rate-limit, retry, cost and batch middleware. Lands with the providers issue.
 */
export {}
