/** @videokr/cli — the `videokr` command, as a library for scripts and tests. */
export { run, version, exitCodeOf } from "./main.ts"
export { videokr } from "./Commands.ts"
export { runDemo } from "./Demo.ts"
