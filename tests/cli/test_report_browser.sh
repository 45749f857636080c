# tests/cli/test_report_browser.sh — the tutorial's report.html in a real
# browser (steps 1, 4, 7: no sampler needed).  Headless Chromium
#  - takes a screenshot, which must hold real content (a blank page of the same
#    size is a ~16 kB PNG; the report's first 3000 px are ~400 kB);
#  - loads a check page that frames report.html and a control page and
#    reports, from the live DOM: images and broken images, inline SVG figures
#    and any drawn smaller than 100 x 100 px, the shapes drawn, the sections;
#  - logs every console message: none may come from report.html, while the
#    control page's own message must be seen (so the logging is known to work),
#    and its missing image must be counted as broken (so the check is too).
# Skipped with one line when chromium is not installed (apt-get install chromium),
# unless URN_REQUIRE_BROWSER is set (as .ci/run does): then that is a failure.
. tests/cli/lib.sh
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ] && [ -n "$URN_REQUIRE_BROWSER" ]; then bad "URN_REQUIRE_BROWSER is set but chromium is not installed"; done_tests; exit 1; fi
if [ -z "$browser" ]; then echo "skipped: no chromium on this machine"; done_tests; exit 0; fi
expect_exit 0 "$URN" tutorial --steps 1,4,7 --out "$TMP/r"
R="$TMP/r"
cat > "$R/control.html" <<'EOF'
<!DOCTYPE html><html><body><p>control</p><img src="missing.png" alt="broken on purpose"/>
<script>console.log("urn-control-message");</script></body></html>
EOF
cat > "$R/check.html" <<'EOF'
<!DOCTYPE html><html><body>
<iframe id="report" src="report.html" style="width:1100px;height:3000px"></iframe>
<iframe id="control" src="control.html" style="width:300px;height:200px"></iframe>
<pre id="out">RESULT pending</pre>
<script>
var loaded = 0;
function facts(id) {
  var d = document.getElementById(id).contentDocument;
  if (!d) return id + ": no-access";
  var imgs = d.images, broken = 0, small = 0, svgs = d.querySelectorAll("figure svg");
  for (var i = 0; i < imgs.length; i++) if (!imgs[i].complete || imgs[i].naturalWidth === 0) broken++;
  for (var i = 0; i < svgs.length; i++) {
    var b = svgs[i].getBoundingClientRect();
    if (b.width < 100 || b.height < 100) small++;
  }
  var shapes = d.querySelectorAll("figure svg polyline, figure svg rect, figure svg circle, figure svg line").length;
  return id + ": images=" + imgs.length + " broken=" + broken + " figures=" + svgs.length + " small=" + small +
         " shapes=" + shapes + " sections=" + d.querySelectorAll("section").length;
}
function done() {
  if (++loaded < 2) return;
  document.getElementById("out").textContent = "RESULT " + facts("report") + "; " + facts("control") + " END";
}
document.getElementById("report").onload = done;
document.getElementById("control").onload = done;
</script></body></html>
EOF
run_browser() { timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --user-data-dir="$TMP/profile" --enable-logging=stderr --v=0 "$@"; }
# 1. the screenshot
run_browser --window-size=1100,3000 --screenshot="$TMP/shot.png" "file://$R/report.html" >/dev/null 2>"$TMP/console1.log"
[ -s "$TMP/shot.png" ] && [ "$(head -c 8 "$TMP/shot.png" | od -An -c | tr -d ' ')" = "211PNG\r\n032\n" ] && ok ||
  bad "no PNG screenshot"
size=$(wc -c < "$TMP/shot.png" | tr -d ' ')
[ "$size" -gt 100000 ] && ok || bad "screenshot of $size bytes: a blank page?"
# 2. the live DOM of the report, through the check page
run_browser --allow-file-access-from-files --virtual-time-budget=10000 --dump-dom "file://$R/check.html" \
  >"$TMP/check.html" 2>"$TMP/console2.log"
res=$(grep -o 'RESULT report:[^<]*END' "$TMP/check.html")
echo "$res" | grep -q 'report: images=0 broken=0 figures=1[0-9] small=0 ' && ok || bad "report facts: $res"
shapes=$(echo "$res" | sed 's/;.*//' | sed -n 's/.* shapes=\([0-9]*\).*/\1/p')
[ "${shapes:-0}" -gt 1000 ] && ok || bad "only ${shapes:-0} shapes drawn"
echo "$res" | grep -q 'sections=3;' && ok || bad "sections: $res"
echo "$res" | grep -q 'control: images=1 broken=1 ' && ok || bad "the broken-image check does not work: $res"
# 3. the console: nothing from the report, the control page's message seen
cat "$TMP/console1.log" "$TMP/console2.log" > "$TMP/console.log"
grep 'CONSOLE' "$TMP/console.log" | grep 'report\.html' > "$TMP/msgs" && bad "console messages: $(head -c 400 "$TMP/msgs")" || ok
grep 'CONSOLE' "$TMP/console.log" | grep -q 'urn-control-message' && ok || bad "console logging not captured (control)"
# 4. the DOM as parsed: every figure an inline SVG, no <img>, the sections there
run_browser --dump-dom "file://$R/report.html" >"$TMP/dom.html" 2>/dev/null
figs=$(grep -o '<figure>' "$TMP/dom.html" | wc -l); svgs=$(grep -o '<svg ' "$TMP/dom.html" | wc -l)
[ "$figs" -ge 11 ] && [ "$figs" = "$svgs" ] && ok || bad "figures $figs, inline svgs $svgs"
grep -q '<img' "$TMP/dom.html" && bad "an <img> element" || ok
grep -q 'id="step7"' "$TMP/dom.html" && grep -q 'True vs recovered' "$TMP/dom.html" && ok || bad "sections missing"
[ -n "$URN_KEEP_SCREENSHOT" ] && cp "$TMP/shot.png" "$URN_KEEP_SCREENSHOT"
done_tests
