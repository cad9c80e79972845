import { randomBytes, timingSafeEqual } from "node:crypto"
import { mkdir, rm, stat } from "node:fs/promises"
import { createServer } from "node:http"
import { isIP } from "node:net"
import { hostname } from "node:os"
import { basename, dirname, isAbsolute, join } from "node:path"
import { Console, Effect, Layer, Semaphore, Stream } from "effect"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse, HttpStaticServer } from "effect/http"
import { NodeHttpServer } from "@effect/platform-node"
import {
  addReviewMark,
  CorpusStore,
  eligibility,
  type Frame,
  listSeeds,
  localVideos,
  Media,
  type Project,
  reviewAgreement,
  reviewDefaults,
  reviewItemOf,
  reviewQueueOf,
  type ReviewSession,
  reviewStepInfos,
  type ReviewVideo,
  videoPathOf,
  type SamplingSpec,
  saveSeed,
  seedCoverage,
  SeedRejected,
  UnknownMark,
  UnknownSeed,
  UsageError,
  withdrawReviewMark,
  writeTextAtomic
} from "@videokr/core"
import { reviewFileOf } from "./LiveRun.ts"
import { reviewAppDir } from "./ReviewApp.ts"

/**
 * `videokr review`: the review app and its API (ReviewApi.ts in @videokr/core) on one HTTP server. Bound
 * to loopback it is the user's own; bound to any other address, every request needs the access token
 * the command prints (in the URL, which sets a cookie, or as a bearer header), so that nobody else on the
 * network reads the corpus or writes marks. Marks are written one at a time, each in its own
 * transaction: reviewers marking at the same moment all keep their marks.
 */
export interface ReviewServerOptions {
  readonly host: string
  readonly port: number
  /** the access token when bound beyond loopback (default: a fresh random one) */
  readonly token?: string | undefined
  /** the frames shown as the strip: those the pipeline's multimodal stages see */
  readonly frames: SamplingSpec
  /** called with the URL to open, once the server listens */
  readonly onListening?: ((url: string) => Effect.Effect<void>) | undefined
}

const cookieName = "videokr_review"

const isLoopback = (host: string) => host === "localhost" || host === "::1" || /^127\./.test(host)

const same = (a: string, b: string) => {
  const x = Buffer.from(a),
    y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

const problem = (status: number, error: string) => HttpServerResponse.jsonUnsafe({ error }, { status })

const searchParam = (request: HttpServerRequest.HttpServerRequest, name: string) =>
  new URL(request.url, "http://x").searchParams.get(name) ?? undefined

export const serveReview = (project: Project, options: ReviewServerOptions) =>
  Effect.gen(function* () {
    const appDir = yield* reviewAppDir
    // a browser that drops a request (a video seek, the next item) leaves an error whose hashing by Effect
    // touches Node's deprecated OutgoingMessage._headers: a notice for library authors, not for reviewers
    process.noDeprecation = true
    const store = yield* CorpusStore.CorpusStore
    const media = yield* Media.Media
    const token = isLoopback(options.host) ? undefined : (options.token ?? randomBytes(18).toString("base64url"))
    const writes = yield* Semaphore.make(1)
    const withStore = <A, E>(effect: Effect.Effect<A, E, CorpusStore.CorpusStore>) =>
      Effect.provideService(effect, CorpusStore.CorpusStore, store)

    /** What a failed API call answers: a user's mistake is a 400 with its reason (a seed's, field by field), a mark or seed not there a 404, anything else a 500. */
    const answer = <A, E extends { readonly message: string }>(
      effect: Effect.Effect<A, E, CorpusStore.CorpusStore>,
      status = 200
    ) =>
      withStore(effect).pipe(
        Effect.map((value) =>
          status === 204 ? HttpServerResponse.empty({ status }) : HttpServerResponse.jsonUnsafe(value, { status })
        ),
        Effect.catch((e: E) =>
          Effect.succeed(
            e instanceof SeedRejected
              ? HttpServerResponse.jsonUnsafe({ error: e.message, problems: e.problems }, { status: 400 })
              : problem(
                  e instanceof UsageError ? 400 : e instanceof UnknownMark || e instanceof UnknownSeed ? 404 : 500,
                  e.message
                )
          )
        )
      )

    const videoPath = (id: string) =>
      Effect.map(withStore(videoPathOf(id)), (path) =>
        path === null ? undefined : isAbsolute(path) ? path : join(project.dir, path)
      )
    // a video's frames once per server (and again if the file changes): sampling probes the file each time
    const sampled = new Map<string, ReadonlyArray<Frame>>()
    const framesOf = (path: string) =>
      Effect.gen(function* () {
        const info = yield* Effect.promise(() =>
          stat(path).then(
            (s) => `${path}\u0000${s.size}\u0000${s.mtimeMs}`,
            () => path
          )
        )
        const known = sampled.get(info)
        if (known !== undefined) return known
        const frames = yield* media.sampleFrames(path, options.frames)
        sampled.set(info, frames)
        return frames
      })

    // files outside the app (videos, frames) go through a static server rooted at their folder: byte ranges, ETags, MIME types
    const folders = new Map<
      string,
      Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, HttpServerRequest.HttpServerRequest>
    >()
    const sendFile = (request: HttpServerRequest.HttpServerRequest, path: string) =>
      Effect.gen(function* () {
        const dir = dirname(path)
        let serve = folders.get(dir)
        if (serve === undefined) {
          serve = yield* HttpStaticServer.make({ root: dir, index: undefined, cacheControl: "private, max-age=3600" })
          folders.set(dir, serve)
        }
        return yield* Effect.provideService(
          serve,
          HttpServerRequest.HttpServerRequest,
          request.modify({ url: `/${encodeURIComponent(basename(path))}` })
        )
      })

    const session = Effect.map(
      reviewStepInfos,
      (steps): ReviewSession => ({
        project: project.dir,
        steps,
        threshold: {
          maxErrorRate: project.config.review?.maxErrorRate ?? reviewDefaults.maxErrorRate,
          sampleSize: project.config.review?.sampleSize ?? reviewDefaults.sampleSize
        }
      })
    )

    const item = (step: string, id: string) =>
      Effect.gen(function* () {
        const found = yield* reviewItemOf(step, id)
        // the video and its frames only when the file is on this machine
        const path = found.video === null ? undefined : yield* videoPath(found.video.id)
        if (found.video === null || path === undefined) return { ...found, video: null, frames: [] }
        const at = encodeURIComponent(found.video.id)
        const frames = yield* framesOf(path).pipe(Effect.orElseSucceed(() => []))
        return {
          ...found,
          video: { ...found.video, url: `/media/${at}` },
          frames: frames.map((f) => ({ index: f.index, time: f.time, url: `/frames/${at}/${f.index}.jpg` }))
        }
      })

    const required = (request: HttpServerRequest.HttpServerRequest, ...names: ReadonlyArray<string>) => {
      const values = names.map((n) => searchParam(request, n))
      const missing = names.filter((_, i) => values[i] === undefined)
      return missing.length > 0
        ? Effect.fail(new UsageError({ reason: `missing query parameter(s): ${missing.join(", ")}` }))
        : Effect.succeed(values as Array<string>)
    }

    const jsonBody = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.mapError(request.json, () => new UsageError({ reason: "the body is not JSON" }))

    const routes = Layer.mergeAll(
      HttpRouter.add("GET", "/api/session", answer(session)),
      HttpRouter.add("GET", "/api/queue", (request) =>
        answer(
          Effect.flatMap(required(request, "step", "reviewer"), ([step, reviewer]) => reviewQueueOf(step!, reviewer!))
        )
      ),
      HttpRouter.add("GET", "/api/item", (request) =>
        answer(Effect.flatMap(required(request, "step", "item"), ([step, id]) => item(step!, id!)))
      ),
      HttpRouter.add("GET", "/api/eligibility", answer(eligibility(project.config.review))),
      HttpRouter.add("GET", "/api/agreement", answer(reviewAgreement)),
      HttpRouter.add("GET", "/api/seeds/coverage", answer(seedCoverage)),
      HttpRouter.add("GET", "/api/seeds", (request) =>
        answer(
          Effect.flatMap(required(request, "discipline", "skill"), ([discipline, skill]) =>
            listSeeds(discipline!, skill!)
          )
        )
      ),
      HttpRouter.add("POST", "/api/seeds", (request) =>
        answer(
          Effect.flatMap(jsonBody(request), (body) => writes.withPermits(1)(saveSeed(body))),
          201
        )
      ),
      HttpRouter.add("PUT", "/api/seeds/:id", (request) =>
        Effect.flatMap(HttpRouter.params, ({ id }) =>
          answer(Effect.flatMap(jsonBody(request), (body) => writes.withPermits(1)(saveSeed(body, id!))))
        )
      ),
      HttpRouter.add(
        "GET",
        "/api/videos",
        answer(
          Effect.map(localVideos, (videos) =>
            videos.map(
              (v): ReviewVideo => ({
                id: v.id,
                title: v.title,
                duration: v.duration,
                url: `/media/${encodeURIComponent(v.id)}`,
                knowledge_point_id: v.knowledge_point_id
              })
            )
          )
        )
      ),
      HttpRouter.add("POST", "/api/marks", (request) =>
        answer(
          Effect.flatMap(jsonBody(request), (body) => writes.withPermits(1)(addReviewMark(body))),
          201
        )
      ),
      HttpRouter.add("DELETE", "/api/marks/:id", (request) =>
        Effect.flatMap(HttpRouter.params, ({ id }) =>
          answer(
            Effect.flatMap(required(request, "reviewer"), ([reviewer]) =>
              writes.withPermits(1)(withdrawReviewMark(id!, reviewer!))
            ),
            204
          )
        )
      ),
      HttpRouter.add("GET", "/media/:video", (request) =>
        Effect.gen(function* () {
          const { video } = yield* HttpRouter.params
          const path = yield* videoPath(video!)
          if (path === undefined) return problem(404, `no video ${video} on this machine`)
          return yield* sendFile(request, path)
        }).pipe(Effect.catch(() => Effect.succeed(problem(404, "not found"))))
      ),
      HttpRouter.add("GET", "/frames/:video/:frame", (request) =>
        Effect.gen(function* () {
          const { video, frame } = yield* HttpRouter.params
          const path = yield* videoPath(video!)
          const index = Number(frame!.replace(/\.jpg$/, ""))
          const found = path === undefined ? undefined : (yield* framesOf(path)).find((f) => f.index === index)
          if (found === undefined) return problem(404, `no frame ${frame} of ${video}`)
          return yield* sendFile(request, found.path)
        }).pipe(Effect.catch(() => Effect.succeed(problem(404, "not found"))))
      ),
      HttpRouter.add("GET", "/*", Effect.flatten(HttpStaticServer.make({ root: appDir, spa: true })))
    )

    /** With a token: the page opened with ?token= sets the cookie (and drops it from the address); anything else needs it. */
    const guard = HttpRouter.middleware(
      (app) =>
        Effect.gen(function* () {
          if (token === undefined) return yield* app
          const request = yield* HttpServerRequest.HttpServerRequest
          const given = searchParam(request, "token")
          if (given !== undefined && same(given, token)) {
            const url = new URL(request.url, "http://x")
            url.searchParams.delete("token")
            return yield* HttpServerResponse.setCookie(
              HttpServerResponse.redirect(`${url.pathname}${url.search}`, { status: 303 }),
              cookieName,
              token,
              { httpOnly: true, sameSite: "strict", path: "/" }
            )
          }
          const cookie = request.cookies[cookieName]
          const bearer = request.headers["authorization"]?.replace(/^Bearer /, "")
          if ((cookie !== undefined && same(cookie, token)) || (bearer !== undefined && same(bearer, token)))
            return yield* app
          return problem(
            401,
            "this review server needs its access token: open the URL videokr review printed (it ends in ?token=...)"
          )
        }),
      { global: true }
    )

    const server = HttpRouter.serve(Layer.merge(routes, guard), { disableLogger: true, disableListenLog: true }).pipe(
      Layer.provideMerge(NodeHttpServer.layer(createServer, { port: options.port, host: options.host }))
    )
    return yield* Effect.gen(function* () {
      const address = (yield* HttpServer.HttpServer).address
      const port = address._tag === "UnixPathAddress" ? options.port : address.port
      // bound to every address: the URL others on the network open names this machine
      const reachable = options.host === "0.0.0.0" || options.host === "::" ? hostname() : options.host
      const host = isIP(reachable) === 6 ? `[${reachable}]` : reachable
      const url = `http://${host}:${port}/${token === undefined ? "" : `?token=${token}`}`
      // other commands that find the corpus locked say who holds it (LiveRun.ts); the token is not written anywhere
      const marker = reviewFileOf(project)
      yield* Effect.promise(() => mkdir(dirname(marker), { recursive: true }))
      yield* writeTextAtomic(
        marker,
        Stream.make(
          JSON.stringify({
            pid: process.pid,
            url: url.replace(/\?token=.*$/, ""),
            startedAt: new Date().toISOString()
          }) + "\n"
        )
      )
      return yield* Effect.gen(function* () {
        if (options.onListening !== undefined) yield* options.onListening(url)
        else yield* Console.log(`review app: ${url}\n(Ctrl-C stops it; marks are saved as they are made)`)
        return yield* Effect.never
      }).pipe(Effect.ensuring(Effect.promise(() => rm(marker, { force: true }))))
    }).pipe(Effect.provide(server))
  })
