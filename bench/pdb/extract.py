#!/usr/bin/python3
"""bench/pdb/extract.py -- the posteriordb posteriors that have a Stan program and data, unpacked for
`make bench-pdb` (bench/pdb/run.sh).

usage: extract.py POSTERIORDB_GIT_DIR OUT_DIR [URN]

POSTERIORDB_GIT_DIR is a git directory of stan-dev/posteriordb (a bare mirror is fine: files are read
with `git show HEAD:...`).  For every posterior_database/posteriors/*.json naming a model with a Stan
implementation and a data set, writes OUT_DIR/<posterior>/model.stan (byte for byte) and data.json
(unzipped), and, with URN, model221.stan (`urn format --stan2.21`: the syntax rstan 2.21 reads; absent
when urn cannot parse the program).  Prints one line per posterior: name, status.  Writes only files
that changed, so the rstan cache keyed on model221.stan stays valid."""
import io
import json
import os
import subprocess
import sys
import zipfile


def git_show(gitdir, path):
    r = subprocess.run(["git", "--git-dir", gitdir, "show", "HEAD:" + path], capture_output=True)
    return r.stdout if r.returncode == 0 else None


def write_if_changed(path, data):
    if os.path.exists(path):
        with open(path, "rb") as f:
            if f.read() == data:
                return
    with open(path, "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    gitdir, out = sys.argv[1], sys.argv[2]
    urn = sys.argv[3] if len(sys.argv) > 3 else None
    if os.path.isdir(os.path.join(gitdir, ".git")):
        gitdir = os.path.join(gitdir, ".git")
    base = "posterior_database/"
    names = subprocess.run(["git", "--git-dir", gitdir, "ls-tree", "--name-only", "HEAD:" + base + "posteriors"],
                           capture_output=True, text=True, check=True).stdout.split()
    for fn in sorted(names):
        if not fn.endswith(".json"):
            continue
        post = json.loads(git_show(gitdir, base + "posteriors/" + fn))
        name = post["name"]
        info = git_show(gitdir, base + "models/info/%s.info.json" % post["model_name"])
        impl = json.loads(info).get("model_implementations", {}).get("stan") if info else None
        data_zip = git_show(gitdir, base + "data/data/%s.json.zip" % post["data_name"]) if post.get("data_name") else None
        if not impl or data_zip is None:
            print("%s\tskipped: %s" % (name, "no Stan program" if not impl else "no data"))
            continue
        code = git_show(gitdir, base + impl["model_code"])
        if code is None:
            print("%s\tskipped: %s missing" % (name, impl["model_code"]))
            continue
        with zipfile.ZipFile(io.BytesIO(data_zip)) as z:
            data = z.read(z.namelist()[0])
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        write_if_changed(os.path.join(d, "model.stan"), code)
        write_if_changed(os.path.join(d, "data.json"), data)
        status = "ok"
        if urn:
            r = subprocess.run([urn, "format", "--stan2.21", os.path.join(d, "model.stan")], capture_output=True)
            if r.returncode == 0:
                write_if_changed(os.path.join(d, "model221.stan"), r.stdout)
            else:
                status = "urn format failed: " + r.stderr.decode(errors="replace").strip().splitlines()[0]
                if os.path.exists(os.path.join(d, "model221.stan")):
                    os.remove(os.path.join(d, "model221.stan"))
        print("%s\t%s" % (name, status))


if __name__ == "__main__":
    main()
