#!/bin/sh
# Rebuilds the query page's editor (server/static/editor.bundle.js and its licence file) from server/editor/:
# the exact package versions of package-lock.json (npm ci), bundled and minified by esbuild. The built files are
# committed, so running the site needs no npm; run this after changing server/editor/src or its packages.
set -eu
cd "$(dirname "$0")/../server/editor"
npm ci --no-audit --no-fund
npm run build
