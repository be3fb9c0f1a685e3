#!/bin/sh
# Build the app's light front end (js/src) into the rejection-workbook-light Voilà template,
# from the exact versions in js/package-lock.json. The result is committed and shipped in the
# package; tests/test_light_frontend.py rebuilds it and checks it is the same.
# Then nbconvert's lab index.css, trimmed to what the app's pages can show (js/lab_css.py,
# with the Python the app runs with: it reads the nbconvert installed there).
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --ignore-scripts
node build.mjs
"${PYTHON:-python}" lab_css.py
