import { describe, expect, it } from "vitest"
import { UsageError } from "@videokr/core"
import { parseQueueUrl } from "../src/QueueUrl.ts"

describe("the queue's address", () => {
  it("reads host, port, database and credentials, and never shows the password", () => {
    expect(parseQueueUrl("redis://127.0.0.1:6399/2", {})).toMatchObject({
      host: "127.0.0.1",
      port: 6399,
      db: 2,
      password: undefined,
      tls: false,
      display: "redis://127.0.0.1:6399/2"
    })
    expect(parseQueueUrl("redis://redis", {})).toMatchObject({
      host: "redis",
      port: 6379,
      db: 0,
      display: "redis://redis:6379/0"
    })
    const secret = parseQueueUrl("rediss://ops:s%40cret@queue.example:7000/1", {})
    expect(secret).toMatchObject({
      username: "ops",
      password: "s@cret",
      tls: true,
      display: "rediss://ops@queue.example:7000/1"
    })
    expect(secret.url).toBe("rediss://ops:s%40cret@queue.example:7000/1")
    // from the environment, so that it stands in no command line
    expect(parseQueueUrl("redis://queue:6379/0", { VIDEOKR_REDIS_PASSWORD: "pw" })).toMatchObject({
      password: "pw",
      display: "redis://queue:6379/0"
    })
  })

  it("says what is wrong with what is not one", () => {
    expect(() => parseQueueUrl("localhost:6379", {})).toThrow(UsageError)
    expect(() => parseQueueUrl("http://localhost:6379", {})).toThrow(/must start with redis:\/\//)
    expect(() => parseQueueUrl("redis://localhost:6379/x", {})).toThrow(/"x" is not a database number/)
    expect(() => parseQueueUrl("not a url", {})).toThrow(/is not a Redis URL/)
  })
})
