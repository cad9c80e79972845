import { Effect } from "effect"
import { CorpusStore, type Params } from "../CorpusStore.ts"
import type { StoreError } from "../Errors.ts"
import { idsOf, jsonParam } from "./BatchSql.ts"

/**
 * Stages read their input a page at a time, in the order of a key, so that a run holds the work in
 * flight and never a stage's whole input (a corpus of 145K videos has a million generated examples). A
 * page is `size` input rows after the key of the last row of the page before (keyset paging: each page
 * is one query, whatever the offset); its pending items are those with no result for their exact input.
 */
export interface PageRequest {
  /** the key of the last row of the page before (`next` of that page); undefined for the first page */
  readonly after: string | undefined
  /** input rows to read */
  readonly size: number
}

export interface StageItem<I> {
  readonly id: string
  readonly input: I
  /** hash of everything the result depends on: the input, the prompt template, the model */
  readonly inputHash: string
}

export interface PendingPage<I> {
  /** the items of the page's rows that have no result for their exact input yet */
  readonly items: ReadonlyArray<StageItem<I>>
  /** where the next page starts; undefined when this page reached the end of the input */
  readonly next: string | undefined
}

/**
 * The SQL condition "after the cursor" on a composite key of `columns` (row-value order: the first
 * column, then the next on ties), and its parameters ($k0, $k1, …). The first page has no condition.
 */
export const keyAfter = (
  columns: ReadonlyArray<string>,
  page: PageRequest
): { readonly sql: string; readonly params: Params } => {
  if (page.after === undefined) return { sql: "TRUE", params: {} }
  const values = JSON.parse(page.after) as ReadonlyArray<string | number>
  const at = (i: number) =>
    [...columns.slice(0, i).map((c, j) => `${c} = $k${j}`), `${columns[i]} > $k${i}`].join(" AND ")
  return {
    sql: `(${columns.map((_, i) => `(${at(i)})`).join(" OR ")})`,
    params: Object.fromEntries(values.map((v, i) => [`k${i}`, v]))
  }
}

/** The cursor after a row: its key's values. */
export const cursorOf = (values: ReadonlyArray<string | number>): string => JSON.stringify(values)

/** A page of the ids of `table`'s rows (those `where` admits, SQL) in id order, and where the next page starts. */
export const idPage = (table: string, where: string, page: PageRequest) =>
  Effect.gen(function* () {
    const store = yield* CorpusStore
    const after = keyAfter(["id"], page)
    const keys = yield* store.query<{ id: string }>(
      `SELECT id FROM ${table} WHERE ${where} AND ${after.sql} ORDER BY id LIMIT ${page.size}`,
      after.params
    )
    return { ids: keys.map((k) => k.id), last: keys.length < page.size ? undefined : [keys.at(-1)!.id] }
  })

/** The items among `items` with no result of `stage` for their exact input hash. */
export const unfinished = <I>(
  stage: string,
  items: ReadonlyArray<StageItem<I>>
): Effect.Effect<ReadonlyArray<StageItem<I>>, StoreError, CorpusStore> =>
  items.length === 0
    ? Effect.succeed(items)
    : Effect.flatMap(CorpusStore, (store) =>
        Effect.map(
          store.query<{ k: string }>(
            `SELECT item_id || ':' || input_hash AS k FROM stage_items WHERE stage = $stage AND item_id IN ${idsOf}`,
            { stage, ids: jsonParam([...new Set(items.map((i) => i.id))]) }
          ),
          (rows) => {
            const done = new Set(rows.map((r) => r.k))
            return items.filter((item) => !done.has(`${item.id}:${item.inputHash}`))
          }
        )
      )

/**
 * A page of pending items from a page of input rows read in key order: the rows' items that are not
 * done, and the key of the last row (unless the page came short: then it was the last).
 */
export const pageOf = <Row, I>(
  stage: string,
  page: PageRequest,
  rows: ReadonlyArray<Row>,
  keyOf: (row: Row) => ReadonlyArray<string | number>,
  itemsOf: (row: Row) => ReadonlyArray<StageItem<I>>
) => keyedPageOf(stage, { rows, last: rows.length < page.size ? undefined : keyOf(rows.at(-1)!) }, itemsOf)

/** A page of pending items from rows read in two steps (keys, then the rows among them the stage may work on): `last` is where the next page starts. */
export const keyedPageOf = <Row, I>(
  stage: string,
  read: { readonly rows: ReadonlyArray<Row>; readonly last: ReadonlyArray<string | number> | undefined },
  itemsOf: (row: Row) => ReadonlyArray<StageItem<I>>
) =>
  Effect.map(
    unfinished(stage, read.rows.flatMap(itemsOf)),
    (items): PendingPage<I> => ({ items, next: read.last === undefined ? undefined : cursorOf(read.last) })
  )

/** A stage whose input is small or made at once (subjects, folder files, a whole-set decision): all of it is one page. */
export const onePage =
  <I, E, R>(stage: string, all: Effect.Effect<ReadonlyArray<StageItem<I>>, E, R>) =>
  (page: PageRequest): Effect.Effect<PendingPage<I>, E | StoreError, R | CorpusStore> =>
    page.after !== undefined
      ? Effect.succeed({ items: [], next: undefined })
      : Effect.map(
          Effect.flatMap(all, (items) => unfinished(stage, items)),
          (items) => ({ items, next: undefined })
        )

/** Walks every page of a stage's pending items (a dry run's count, tests): `f` sees each page's items. */
export const forEachPendingPage = <I, E, R>(
  pending: (page: PageRequest) => Effect.Effect<PendingPage<I>, E, R>,
  size: number,
  f: (items: ReadonlyArray<StageItem<I>>) => void
) =>
  Effect.gen(function* () {
    let after: string | undefined
    do {
      const page = yield* pending({ after, size })
      f(page.items)
      after = page.next
    } while (after !== undefined)
  })

/** Every pending item of a stage, read page by page (tests and small inputs). */
export const allPending = <I, E, R>(
  pending: (page: PageRequest) => Effect.Effect<PendingPage<I>, E, R>,
  size = 1_000
) =>
  Effect.suspend(() => {
    const items: Array<StageItem<I>> = []
    return Effect.as(
      forEachPendingPage(pending, size, (page) => items.push(...page)),
      items as ReadonlyArray<StageItem<I>>
    )
  })
