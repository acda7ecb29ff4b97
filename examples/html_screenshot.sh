#!/usr/bin/env bash
# Renders the HTML report of the shipped Mi Browser capture and takes a screenshot of it with
# headless Chromium, to see the page as a person would (and to catch a page that renders
# blank). Run from anywhere; writes target/html-screenshot/report.html and report.png.
#
#   bash examples/html_screenshot.sh
#
# Without a chromium binary on PATH it says so and exits 0 (Debian: apt-get install chromium).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

browser=""
for name in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then
        browser="$name"
        break
    fi
done
if [[ -z "$browser" ]]; then
    echo "chromium not found: skipped"
    exit 0
fi

out=target/html-screenshot
mkdir -p "$out"
rm -f "$out/report.html" "$out/report.png"

cargo build --release -p leakscope-cli
target/release/leakscope scan --format html -o "$out/report.html" \
    examples/captures/mi-browser-incognito.har

if [[ ! -s "$out/report.html" ]]; then
    echo "error: $out/report.html was not written" >&2
    exit 1
fi

# A fresh profile each run, so that nothing of a previous run (or of the user's) is used.
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$profile" --no-first-run --no-default-browser-check \
    --window-size=1280,2000 --screenshot="$PWD/$out/report.png" \
    "file://$PWD/$out/report.html" 2>"$out/chromium.log" || {
    echo "error: chromium failed (see $out/chromium.log)" >&2
    exit 1
}

if [[ ! -f "$out/report.png" ]]; then
    echo "error: no screenshot written (see $out/chromium.log)" >&2
    exit 1
fi
size=$(wc -c <"$out/report.png")
if ((size <= 10240)); then
    echo "error: $out/report.png is only $size bytes: the page probably rendered blank" >&2
    exit 1
fi
echo "screenshot: $out/report.png ($size bytes) of $out/report.html"
