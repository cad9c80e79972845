import { useRef, useState } from "react"
import type { ReviewItem } from "./types.ts"

/** "m:ss", seconds rounded down, minutes not padded. */
export const clock = (seconds: number) => {
  const s = Math.max(0, Math.floor(seconds))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`
}

/** The item's video and, under it, the frames the step's model saw; a frame seeks the video to its time. */
export const Player = ({ item }: { readonly item: ReviewItem }) => {
  const video = useRef<HTMLVideoElement>(null)
  const [shown, setShown] = useState<number | null>(null)
  const seek = (i: number, time: number) => {
    setShown(i)
    const v = video.current
    if (v === null) return
    v.pause()
    v.currentTime = time
  }
  return (
    <div className="player">
      {item.video === null ? (
        <p className="novideo">The video is not on this machine</p>
      ) : (
        <figure>
          <video ref={video} controls preload="auto" aria-label="Video" src={item.video.url} />
          <figcaption>
            {item.video.title ?? item.video.id}
            {item.video.duration !== null && <span className="muted"> · {clock(item.video.duration)}</span>}
          </figcaption>
        </figure>
      )}
      {item.frames.length > 0 && (
        <ol className="frames" aria-label="Frames the model saw">
          {item.frames.map((f, i) => (
            <li key={`${f.index}:${f.url}`}>
              <button
                type="button"
                aria-label={`Frame ${i + 1} at ${clock(f.time)}`}
                aria-pressed={shown === i}
                onClick={() => seek(i, f.time)}
              >
                <img src={f.url} alt="" width={120} loading={i < 8 ? "eager" : "lazy"} decoding="async" />
                <span aria-hidden="true">{clock(f.time)}</span>
              </button>
            </li>
          ))}
        </ol>
      )}
    </div>
  )
}
