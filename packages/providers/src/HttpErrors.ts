import {
  AuthFailed,
  BadRequest,
  ContentFiltered,
  type ProviderError,
  RateLimited,
  ServerError,
  Timeout
} from "@videokr/core"

/** Retry-After as OpenAI, Anthropic and compatible servers send it: retry-after-ms, retry-after (seconds or a date). */
export const retryAfterMs = (headers: Headers | undefined): number | undefined => {
  if (headers === undefined) return undefined
  const ms = Number(headers.get("retry-after-ms"))
  if (headers.get("retry-after-ms") !== null && Number.isFinite(ms)) return ms
  const after = headers.get("retry-after")
  if (after === null) return undefined
  const seconds = Number(after)
  if (Number.isFinite(seconds)) return seconds * 1000
  const date = Date.parse(after)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

/**
 * The typed error of an HTTP answer (`status` undefined: no answer at all, i.e. a connection or protocol
 * failure). One mapping for every HTTP provider, live and batch.
 */
export const errorOfStatus = (
  fields: { readonly provider: string; readonly model: string; readonly detail: string },
  status: number | undefined,
  headers?: Headers
): ProviderError => {
  if (status === undefined) return new ServerError(fields)
  if (status === 429) {
    const after = retryAfterMs(headers)
    return new RateLimited({ ...fields, ...(after === undefined ? {} : { retryAfterMs: after }) })
  }
  if (status === 401 || status === 403) return new AuthFailed(fields)
  if (status === 408) return new Timeout(fields)
  if (status === 400 && /content[_ ]?(policy|filter)/i.test(fields.detail)) return new ContentFiltered(fields)
  if (status >= 400 && status < 500) return new BadRequest(fields)
  return new ServerError({ ...fields, status }) // 5xx, Anthropic's 529 overloaded
}

/** The error classes of the Stainless-made SDKs (OpenAI's, Anthropic's), once loaded. */
export interface SdkErrors {
  readonly APIConnectionTimeoutError: abstract new (...args: Array<any>) => Error
  readonly APIError: abstract new (
    ...args: Array<any>
  ) => Error & { readonly status?: number | undefined; readonly headers?: Headers | undefined }
}

/** What an SDK call's failure amounts to: a timeout, a body broken in the middle, an HTTP status, or no answer at all. */
export const sdkError = (
  fields: { readonly provider: string; readonly model: string; readonly detail: string },
  e: unknown,
  sdk: SdkErrors | undefined
): ProviderError => {
  if (sdk !== undefined && e instanceof sdk.APIConnectionTimeoutError) return new Timeout(fields)
  // the SDK's JSON parser on a 200 body broken in the middle
  if (e instanceof SyntaxError)
    return new ServerError({ ...fields, detail: `the body is not the provider's format: ${e.message}`, unusable: true })
  // no status: connection refused or reset, a truncated body
  return sdk !== undefined && e instanceof sdk.APIError
    ? errorOfStatus(fields, e.status, e.headers)
    : errorOfStatus(fields, undefined)
}

/**
 * A 200 whose body is not the provider's answer at all: a proxy's HTML page (the SDKs hand it over as a
 * string), an empty body, JSON of another shape. Transient like a 5xx: it says nothing about the request.
 * The detail quotes the start of the body, so the log shows what stood in front of the API.
 */
export const notTheFormat = (
  fields: { readonly provider: string; readonly model: string },
  body: unknown
): ServerError => {
  const text = typeof body === "string" ? body : body === undefined ? "" : JSON.stringify(body)
  const start = text.replace(/\s+/g, " ").trim()
  const quoted =
    start === "" ? "an empty body" : JSON.stringify(start.length > 120 ? `${start.slice(0, 120)}...` : start)
  return new ServerError({ ...fields, detail: `the body is not the provider's format: ${quoted}`, unusable: true })
}

/**
 * The per-minute limits a provider announces: OpenAI's x-ratelimit-limit-requests / -tokens, Anthropic's
 * anthropic-ratelimit-requests-limit / -tokens-limit (or -input-tokens-limit).
 */
export const announcedLimits = (headers: Headers | undefined) => {
  if (headers === undefined) return undefined
  const num = (...names: Array<string>) => {
    for (const n of names) {
      const v = Number(headers.get(n) ?? NaN)
      if (Number.isFinite(v) && v > 0) return v
    }
    return undefined
  }
  const requestsPerMinute = num("x-ratelimit-limit-requests", "anthropic-ratelimit-requests-limit")
  const tokensPerMinute = num(
    "x-ratelimit-limit-tokens",
    "anthropic-ratelimit-tokens-limit",
    "anthropic-ratelimit-input-tokens-limit"
  )
  if (requestsPerMinute === undefined && tokensPerMinute === undefined) return undefined
  return {
    ...(requestsPerMinute === undefined ? {} : { requestsPerMinute }),
    ...(tokensPerMinute === undefined ? {} : { tokensPerMinute })
  }
}
