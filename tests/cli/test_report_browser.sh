# tests/cli/test_report_browser.sh — the tutorial's report.html in a real
# browser: headless Chromium loads it (steps 1, 4, 7: no sampler needed),
# takes a screenshot, and the page has no console messages, every figure is
# an inline SVG (no <img> to break) and the sections are there.  Skipped when
# chromium is not installed (apt-get install chromium).
. tests/cli/lib.sh
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then echo "skipped: no chromium on this machine"; done_tests; exit 0; fi
expect_exit 0 "$URN" tutorial --steps 1,4,7 --out "$TMP/r"
run_browser() { timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --user-data-dir="$TMP/profile" --enable-logging=stderr --v=0 --window-size=1100,2000 "$@" "file://$TMP/r/report.html"; }
run_browser --screenshot="$TMP/shot.png" >/dev/null 2>"$TMP/console.log"
[ -s "$TMP/shot.png" ] && [ "$(head -c 8 "$TMP/shot.png" | od -An -c | tr -d ' ')" = "211PNG\r\n032\n" ] && ok ||
  bad "no PNG screenshot"
grep -i "CONSOLE" "$TMP/console.log" > "$TMP/msgs" && bad "console messages: $(head -c 400 "$TMP/msgs")" || ok
run_browser --dump-dom >"$TMP/dom.html" 2>/dev/null
figs=$(grep -o '<figure>' "$TMP/dom.html" | wc -l); svgs=$(grep -o '<svg ' "$TMP/dom.html" | wc -l)
[ "$figs" -ge 11 ] && [ "$figs" = "$svgs" ] && ok || bad "figures $figs, inline svgs $svgs"
grep -q '<img' "$TMP/dom.html" && bad "an <img> element" || ok
grep -q 'id="step7"' "$TMP/dom.html" && grep -q 'True vs recovered' "$TMP/dom.html" && ok || bad "sections missing"
[ -n "$URN_KEEP_SCREENSHOT" ] && cp "$TMP/shot.png" "$URN_KEEP_SCREENSHOT"
done_tests
