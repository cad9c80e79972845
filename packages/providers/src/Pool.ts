import { createHash } from "node:crypto"
import { Schema } from "effect"
import type { PoolMember } from "@videokr/core"

/**
 * Model pools: for each item, one model drawn by weight from the pool's members that may serve the step,
 * with a seeded draw per (seed, pool, step, item, draw): the same inputs always give the same model, and
 * excluding a model (a step it fails human QC for) moves only the items it had.
 */
export class EmptyPool extends Schema.TaggedError<EmptyPool>()("EmptyPool", {
  pool: Schema.String,
  step: Schema.String
}) {
  override get message() {
    return `pool "${this.pool}" has no model eligible for step "${this.step}" (all members excluded or weight 0)`
  }
}

export interface DrawContext {
  readonly seed: number
  readonly pool: string
  readonly step: string
  readonly item: string
  /** several models for the same item (e.g. 2 examples per skill): 0, 1, ... */
  readonly draw?: number | undefined
  /** models excluded at run time, in addition to the members' own `exclude` lists */
  readonly excluded?: ReadonlySet<string> | undefined
}

/** Uniform in [0, 1) from the first 52 bits of sha256 of the text. */
export const unitOf = (text: string): number =>
  parseInt(createHash("sha256").update(text).digest("hex").slice(0, 13), 16) / 2 ** 52

export const eligibleMembers = (members: ReadonlyArray<PoolMember>, step: string, excluded?: ReadonlySet<string>) =>
  members.filter((m) => (m.weight ?? 1) > 0 && !(m.exclude ?? []).includes(step) && !excluded?.has(m.model))

/**
 * Rendezvous (highest random weight) draw: each eligible member scores -ln(u) / weight for its own u;
 * the lowest score wins. Probabilities follow the weights, and removing a member changes only the items
 * it had won.
 */
export const drawModel = (members: ReadonlyArray<PoolMember>, context: DrawContext): string | EmptyPool => {
  const eligible = eligibleMembers(members, context.step, context.excluded)
  if (eligible.length === 0) return new EmptyPool({ pool: context.pool, step: context.step })
  let best: { model: string; score: number } | undefined
  for (const m of eligible) {
    const u = unitOf(`${context.seed}:${context.pool}:${context.step}:${context.item}:${context.draw ?? 0}:${m.model}`)
    const score = -Math.log(1 - u) / (m.weight ?? 1)
    if (best === undefined || score < best.score) best = { model: m.model, score }
  }
  return best!.model
}
