#!/usr/bin/env node
// The published entry point runs the compiled CLI; inside the repository, `npm run videokr -- <args>` runs the sources.
import "../dist/bin.js"
