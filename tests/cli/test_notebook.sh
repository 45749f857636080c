# tests/cli/test_notebook.sh — examples/tutorial.ipynb, the whole tutorial as a notebook on urn's Python
# package, executed top to bottom by nbconvert on Debian's python3 kernel (/usr/bin/python3): no cell may fail,
# every code cell runs, the kernel is /usr/bin/python3 with this build's liburn.so, the figures are drawn, the
# sliders' cell runs, and the last cell's check holds: every generating parameter of steps 1-7 recovered within
# the tolerances of `urn tutorial` (its cells assert it; this script reads their printed lines back).
# Needs python3-nbconvert, python3-ipykernel, python3-ipywidgets, python3-matplotlib, python3-scipy and
# python3-pandas; prints one skipped: line without them.  About 20 s of CPU.
. tests/cli/lib.sh
py=/usr/bin/python3
lib=$(cd "$(dirname "$URN")" && pwd)/liburn.so
if ! $py -c 'import nbconvert, nbclient, ipykernel, ipywidgets, matplotlib, numpy, scipy, pandas' 2>/dev/null; then
  echo "skipped: the tutorial notebook (needs python3-nbconvert, python3-ipykernel, python3-ipywidgets," \
    "python3-matplotlib, python3-scipy, python3-pandas)"
  done_tests; exit 0
fi
if [ ! -f "$lib" ]; then bad "$lib is missing (make builds it)"; done_tests; exit 1; fi
if ldd "$lib" 2>/dev/null | grep -q libasan; then
  echo "skipped: the tutorial notebook under a sanitizer build (the C code it runs is tested there by test_python)"
  done_tests; exit 0
fi
root=$(pwd)
# A private Jupyter user folder, so that no user-level "python3" kernelspec can replace Debian's; the kernel
# then is /usr/share/jupyter/kernels/python3 (or ipykernel's own), both /usr/bin/python3.
export JUPYTER_DATA_DIR="$TMP/jupyter" JUPYTER_CONFIG_DIR="$TMP/jupyter-config" JUPYTER_RUNTIME_DIR="$TMP/runtime"
export IPYTHONDIR="$TMP/ipython" MPLCONFIGDIR="$TMP/mpl" PYDEVD_DISABLE_FILE_VALIDATION=1
export URN_LIBRARY="$lib" PYTHONPATH="$root/tests/notebook" PYTHONDONTWRITEBYTECODE=1
(cd examples && $py -m nbconvert --to notebook --config "$root/tests/notebook/nbconvert_config.py" tutorial.ipynb \
   --output-dir "$TMP" --output executed.ipynb) >"$TMP/nb.out" 2>"$TMP/nb.err" && ok ||
  bad "the notebook failed: $(grep -v -e '^0.00s' -e 'Debugger' "$TMP/nb.err" | tail -n 40)"
[ -s "$TMP/executed.ipynb" ] || { bad "no executed notebook"; done_tests; exit 1; }
$py - "$TMP/executed.ipynb" "$lib" > "$TMP/facts" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
code = [c for c in nb["cells"] if c["cell_type"] == "code"]
text, images, errors = [], 0, 0
for c in code:
    for o in c.get("outputs", []):
        if o.get("output_type") == "error":
            errors += 1
        if o.get("output_type") == "stream":
            text.append("".join(o["text"]))
        data = o.get("data", {})
        images += "image/png" in data
        if "text/plain" in data:
            text.append("".join(data["text/plain"]))
text = "\n".join(text)
print("cells", len(code), "ran", sum(c.get("execution_count") is not None for c in code))
print("errors", errors)
print("images", images)
print("library", int(("— " + sys.argv[2]) in text))
print("kernel", nb["metadata"].get("kernelspec", {}).get("name"))
for line in text.splitlines():
    if line.startswith("step ") or line.startswith("RECOVERED") or line.startswith("python "):
        print(line)
PY
facts=$(cat "$TMP/facts")
cells=$(sed -n 's/^cells \([0-9]*\) ran \([0-9]*\)$/\1 \2/p' "$TMP/facts")
set -- $cells
[ -n "$1" ] && [ "$1" -ge 25 ] && [ "$1" = "$2" ] && ok || bad "code cells run: $cells"
grep -q '^errors 0$' "$TMP/facts" && ok || bad "error outputs: $(grep '^errors' "$TMP/facts")"
images=$(sed -n 's/^images //p' "$TMP/facts")
[ "${images:-0}" -ge 25 ] && ok || bad "only ${images:-0} figures"
grep -q '^library 1$' "$TMP/facts" && ok || bad "the notebook did not use $lib"
grep -q '^kernel python3$' "$TMP/facts" && ok || bad "kernel: $(grep '^kernel' "$TMP/facts")"
grep -q '^python /usr/bin/python3$' "$TMP/facts" && ok || bad "kernel interpreter: $(grep '^python' "$TMP/facts")"
# every step's recovered quantities, each within its tolerance, and the final check
for s in 1 2 3 4 5 6 7; do
  n=$(grep -c "^step $s " "$TMP/facts"); nok=$(grep "^step $s " "$TMP/facts" | grep -c ' ok$')
  [ "$n" -ge 2 ] && [ "$n" = "$nok" ] && ok || bad "step $s: $nok of $n quantities recovered"
done
grep -q 'NOT RECOVERED' "$TMP/facts" && bad "$(grep 'NOT RECOVERED' "$TMP/facts")" || ok
grep -q '^RECOVERED all 61 quantities of steps \[1, 2, 3, 4, 5, 6, 7\]$' "$TMP/facts" && ok ||
  bad "final check: $(grep RECOVERED "$TMP/facts")"
done_tests
