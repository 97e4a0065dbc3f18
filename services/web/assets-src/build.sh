#!/bin/sh
# Rebuild the vendored GOV.UK Frontend assets from the npm registry (pinned by package-lock.json).
# The output is committed, so a fresh clone serves the pages without node or npm.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../static/govuk"
cd "$here"
npm ci --silent --no-audit --no-fund
dist=node_modules/govuk-frontend/dist
npx sass --load-path="$dist" --style=compressed --no-source-map council.scss "$out/govuk-frontend.min.css"
cp "$dist/govuk/govuk-frontend.min.js" "$out/govuk-frontend.min.js"
cp LICENCE-govuk-frontend.txt "$out/LICENCE.txt"  # the npm package states MIT in package.json and README
echo "govuk-frontend $(node -p "require('./node_modules/govuk-frontend/package.json').version")" > "$out/VERSION"
rm -rf node_modules
