import { Schema } from "effect"

/** A candidate video: where it comes from, under which license, and what its metadata says. */
export const Video = Schema.Struct({
  id: Schema.NonEmptyString,
  source: Schema.NonEmptyString,
  source_id: Schema.NonEmptyString,
  url: Schema.String,
  license: Schema.String,
  duration: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)),
  title: Schema.String,
  description: Schema.optionalKey(Schema.String),
  tags: Schema.optionalKey(Schema.Array(Schema.String)),
  channel: Schema.optionalKey(Schema.String),
  knowledge_point_id: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "Video" })
export type Video = typeof Video.Type
