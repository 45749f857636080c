# tests/cli/test_report_browser.sh — the tutorial's report.html in a real
# browser (steps 1, 3, 4, 7; step 3 on a quick NUTS run, for its mixture
# explorer).  Headless Chromium
#  - takes a screenshot, which must hold real content (a blank page of the same
#    size is a ~16 kB PNG; the report's first 3000 px are ~400 kB);
#  - loads a check page that frames report.html and a control page and
#    reports, from the live DOM: images and broken images, inline SVG figures
#    and any drawn smaller than 100 x 100 px, the shapes drawn, the sections;
#  - logs every console message: none may come from report.html, while the
#    control page's own message must be seen (so the logging is known to work),
#    and its missing image must be counted as broken (so the check is too);
#  - moves the mixture explorer's sliders (sets their values and dispatches
#    input events, as a user's drag does): the values and their read-outs
#    follow, the range and step clamp what is set, the curve's points change,
#    and the curve, read back through its data-map, equals the mixture density
#    of scipy's table (tests/data/teach_ref.txt) at ten points, before and
#    after each move, and the log likelihood shown equals the one computed here
#    (awk) from step 3's data.
# Skipped with one line when chromium is not installed (apt-get install chromium),
# unless URN_REQUIRE_BROWSER is set (as .ci/run does): then that is a failure.
. tests/cli/lib.sh
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ] && [ -n "$URN_REQUIRE_BROWSER" ]; then bad "URN_REQUIRE_BROWSER is set but chromium is not installed"; done_tests; exit 1; fi
if [ -z "$browser" ]; then echo "skipped: no chromium on this machine"; done_tests; exit 0; fi
expect_exit 0 "$URN" tutorial --steps 1,3,4,7 --quick --out "$TMP/r"
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
var YS = [-5, -2.5, -1, 0, 0.37, 1, 2.2, 4, 5.1, 8];
function explorer() {
  var d = document.getElementById("report").contentDocument, win = d.defaultView;
  var root = d.getElementById("mixture-explorer");
  if (!root) return "explorer: missing";
  var curve = root.querySelector("polyline.explorer-curve");
  var m = curve.closest("g.explorer-axes").getAttribute("data-map").split(" ").map(Number);
  function input(name) { return root.querySelector('input[name="' + name + '"]'); }
  function set(name, v) {
    var el = input(name);
    el.value = v;
    el.dispatchEvent(new win.Event("input", {bubbles: true}));
    return el.value;
  }
  /* the curve in data units, linearly interpolated at y */
  function dens(y) {
    var pts = curve.getAttribute("points").trim().split(/\s+/).map(function (p) {
      var a = p.split(",").map(Number);
      return [m[4] + (a[0] - m[0]) / m[2] * (m[5] - m[4]), m[6] + (m[1] + m[3] - a[1]) / m[3] * (m[7] - m[6])];
    });
    for (var i = 1; i < pts.length; i++)
      if (pts[i][0] >= y - 1e-9) {
        var t = (y - pts[i - 1][0]) / (pts[i][0] - pts[i - 1][0]);
        return (pts[i - 1][1] + t * (pts[i][1] - pts[i - 1][1])).toFixed(7);
      }
    return "NaN";
  }
  function outputs() {
    return ["weight", "mean_1", "mean_2"].map(function (k) {
      return root.querySelector('output[name="' + k + '-value"]').textContent; }).join(",");
  }
  var r = [], p0 = curve.getAttribute("points");
  r.push("ranges=" + ["weight", "mean_1", "mean_2"].map(function (k) {
    var el = input(k); return [el.min, el.max, el.step, el.value].join("/"); }).join(","));
  function ll() { return root.querySelector('output[name="loglik"]').textContent; }
  r.push("d0=" + YS.map(dens).join(",") + " ll0=" + ll());
  r.push("set1=" + [set("weight", "0.3"), set("mean_1", "-2.5"), set("mean_2", "5.1")].join(","));
  var p1 = curve.getAttribute("points");
  r.push("changed1=" + (p1 !== p0) + " out1=" + outputs() + " n1=" + p1.trim().split(/\s+/).length);
  r.push("d1=" + YS.map(dens).join(",") + " ll1=" + ll());
  r.push("set2=" + [set("weight", "1"), set("mean_1", "2"), set("mean_2", "-3")].join(","));
  r.push("changed2=" + (curve.getAttribute("points") !== p1) + " out2=" + outputs());
  r.push("d2=" + YS.map(dens).join(",") + " ll2=" + ll());
  r.push("clamp=" + [set("weight", "0.37"), set("mean_2", "9"), set("mean_1", "-7")].join(","));
  return r.join(" ");
}
function done() {
  if (++loaded < 2) return;
  var ex;
  try { ex = explorer(); } catch (e) { ex = "explorer: exception " + e; }
  document.getElementById("out").textContent = "RESULT " + facts("report") + "; " + facts("control") + " END\n" +
    "EXPLORER " + ex + " END";
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
echo "$res" | grep -q 'report: images=0 broken=0 figures=[0-9]* small=0 ' && ok || bad "report facts: $res"
nfig=$(echo "$res" | sed -n 's/.*report: images=0 broken=0 figures=\([0-9]*\) .*/\1/p')
[ "${nfig:-0}" -ge 18 ] && ok || bad "only ${nfig:-0} figures drawn (want >= 18)"
shapes=$(echo "$res" | sed 's/;.*//' | sed -n 's/.* shapes=\([0-9]*\).*/\1/p')
[ "${shapes:-0}" -gt 1000 ] && ok || bad "only ${shapes:-0} shapes drawn"
echo "$res" | grep -q 'sections=4;' && ok || bad "sections: $res"
echo "$res" | grep -q 'control: images=1 broken=1 ' && ok || bad "the broken-image check does not work: $res"
# 2b. the mixture explorer, driven through its sliders
ex=$(tr '\n' ' ' < "$TMP/check.html" | grep -o 'EXPLORER .* END' | sed 's/ END.*//')
[ -n "$URN_VERBOSE" ] && echo "$ex"
field() { echo "$ex" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
[ "$(field ranges)" = "0/1/0.1/0.7,-5/8/0.1/0,-5/8/0.1/4" ] && ok || bad "slider ranges: $(field ranges) :: $ex"
[ "$(field set1)" = "0.3,-2.5,5.1" ] && [ "$(field set2)" = "1,2,-3" ] && ok || bad "sliders did not move: $ex"
[ "$(field clamp)" = "0.4,8,-5" ] && ok || bad "range and step do not clamp: $(field clamp)"
[ "$(field changed1)" = true ] && [ "$(field changed2)" = true ] && ok || bad "the curve did not change: $ex"
[ "$(field out1)" = "0.30,-2.50,5.10" ] && [ "$(field out2)" = "1.00,2.00,-3.00" ] && ok || bad "read-outs: $ex"
[ "$(field n1)" = 1000 ] && ok || bad "curve points after a move: $(field n1)"
# the curve against scipy's w N(y | m1, 1) + (1 - w) N(y | m2, 1) at the ten points, in three states
for state in "d0 0.7 0 4" "d1 0.3 -2.5 5.1" "d2 1 2 -3"; do
  set -- $state
  got=$(field "$1")
  want=$(awk -v w="$2" -v a="$3" -v b="$4" '$1 == "mixture" && $2 == w && $3 == a && $4 == b { printf "%s%s", s, $6; s = "," }' \
    tests/data/teach_ref.txt)
  cmp=$(awk -v g="$got" -v w="$want" 'BEGIN { n = split(g, G, ","); m = split(w, W, ","); bad = (n != 10 || m != 10)
    for (i = 1; i <= n && !bad; i++) { d = G[i] - W[i]; if (d < 0) d = -d; if (d > 1e-4 || G[i] == "NaN") bad = 1 }
    print bad ? "differ" : "equal" }')
  [ "$cmp" = equal ] && ok || bad "explorer $1 (w=$2, mu=$3, $4): drawn $got, scipy $want"
done
# the log likelihood read-out against the sum computed here from step 3's data (mixture.data.json)
tr -c '0-9eE.+-' '\n' < "$R/mixture.data.json" | grep -E '^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$' | tail -n 2000 > "$TMP/y.txt"
for state in "ll0 0.7 0 4" "ll1 0.3 -2.5 5.1" "ll2 1 2 -3"; do
  set -- $state
  want=$(awk -v w="$2" -v a="$3" -v b="$4" 'BEGIN { c = 1 / sqrt(2 * atan2(0, -1)) } {
    s += log(w * c * exp(-0.5 * ($1 - a) ^ 2) + (1 - w) * c * exp(-0.5 * ($1 - b) ^ 2)); n++ } END { printf "%d %.4f", n, s }' "$TMP/y.txt")
  got=$(field "$1")
  awk -v g="$got" -v w="$want" 'BEGIN { split(w, W, " "); d = g - W[2]; if (d < 0) d = -d; exit !(W[1] == 2000 && g != "" && d < 0.02) }' &&
    ok || bad "explorer $1 (w=$2, mu=$3, $4): log likelihood shown $got, computed (n, sum) $want"
done
# 3. the console: nothing from the report, the control page's message seen
cat "$TMP/console1.log" "$TMP/console2.log" > "$TMP/console.log"
grep 'CONSOLE' "$TMP/console.log" | grep 'report\.html' > "$TMP/msgs" && bad "console messages: $(head -c 400 "$TMP/msgs")" || ok
grep 'CONSOLE' "$TMP/console.log" | grep -q 'urn-control-message' && ok || bad "console logging not captured (control)"
# 4. the DOM as parsed: every figure an inline SVG, no <img>, the sections there
run_browser --dump-dom "file://$R/report.html" >"$TMP/dom.html" 2>/dev/null
figs=$(grep -o '<figure>' "$TMP/dom.html" | wc -l); svgs=$(grep -o '<svg ' "$TMP/dom.html" | wc -l)
[ "$figs" -ge 18 ] && [ "$figs" = "$svgs" ] && ok || bad "figures $figs, inline svgs $svgs"
grep -q '<img' "$TMP/dom.html" && bad "an <img> element" || ok
grep -q 'id="step7"' "$TMP/dom.html" && grep -q 'True vs recovered' "$TMP/dom.html" && ok || bad "sections missing"
grep -q 'id="mixture-explorer"' "$TMP/dom.html" && ok || bad "no mixture explorer in the parsed page"
[ -n "$URN_KEEP_SCREENSHOT" ] && cp "$TMP/shot.png" "$URN_KEEP_SCREENSHOT"
done_tests
