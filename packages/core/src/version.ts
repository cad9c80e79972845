import pkg from "../package.json" with { type: "json" }

/** The version of @videokr/core, recorded in what videokr writes. */
export const version: string = pkg.version
