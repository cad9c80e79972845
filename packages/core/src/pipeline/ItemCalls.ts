import { Context, type Effect } from "effect"

/**
 * What the engine needs to hear from an item's model calls while a stage processes it, beyond the
 * verdict: calls that failed transiently (so that an "error" verdict built from them leaves the item
 * pending instead of final, whoever wrote the check), and pool members routed around. The engine gives
 * every item its own; outside an item (eval, tests) nobody listens.
 */
export interface ItemEvent {
  /** "transient": a call failed for the moment (outage, 429, unusable answer); "rerouted": a pool member stood in for a sick one */
  readonly kind: "transient" | "rerouted"
  readonly modelId: string
  readonly detail: string
}

export interface ItemCallsShape {
  /** undefined outside an item of the engine */
  readonly events: Array<ItemEvent> | undefined
  /** ask the models again instead of answering from the response cache (`videokr run --retry-errors`) */
  readonly refresh: boolean
}

export const ItemCalls = Context.Reference<ItemCallsShape>("@videokr/core/ItemCalls", {
  defaultValue: () => ({ events: undefined, refresh: false })
})

/** Tells the item being processed (if any) what happened to one of its calls. */
export const noteItemEvent = (event: ItemEvent): Effect.Effect<void> =>
  ItemCalls.useSync((calls) => void calls.events?.push(event))
