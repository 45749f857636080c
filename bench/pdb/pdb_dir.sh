# bench/pdb/pdb_dir.sh — sourced by bench/pdb/run.sh and draws.sh: sets PDB to the posteriordb git directory
# (POSTERIORDB, else the fetched mirror, else ../posteriordb), or prints one skipped line and exits 0.
PDB=${POSTERIORDB:-}
if [ -z "$PDB" ]; then
  for p in /work/.mirror/stan-dev+posteriordb/repo ../posteriordb; do [ -e "$p" ] && { PDB=$p; break; }; done
fi
if [ -z "$PDB" ] || ! git -C "$PDB" rev-parse HEAD >/dev/null 2>&1; then
  echo "skipped: no posteriordb git directory (set POSTERIORDB=path to a clone of stan-dev/posteriordb)"; exit 0
fi
