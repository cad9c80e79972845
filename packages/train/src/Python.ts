import { fileURLToPath } from "node:url"

/** A Python file the package ships in python/ at its root (one level up from src/ and from dist/ alike). */
export const shippedPython = (file: string) => fileURLToPath(new URL(`../python/${file}`, import.meta.url))
