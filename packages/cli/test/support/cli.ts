import { inject } from "vitest"

/** Node arguments that run the videokr command, as built for this test run (./global-setup.ts); its arguments follow. */
export const videokrNodeArgs: ReadonlyArray<string> = inject("videokrNodeArgs")
