# tests/cli/test_include.sh — Stan's #include (docs/language.md, "Includes"): "file", <file> and bare names,
# looked for in the program's folder then in --include-paths; messages name the included file's own line; a
# missing file and a file including itself are errors at the directive; directives inside comments and strings
# are text; the same log density as the program written out; urn compile embeds the included text; urn stanc
# --info lists the files; urn format inlines them and refuses --in-place.
. tests/cli/lib.sh
mkdir -p "$TMP/p/sub" "$TMP/lib" "$TMP/lib2"
cat > "$TMP/p/sub/funs.stan" <<'EOF'
// functions shared by models
real twice(real x) {
  return 2 * x;
}
EOF
printf '  y ~ normal(mu, sigma);\n' > "$TMP/lib/lik.stan"
printf 'real half(real x) { return x / 2; }\n' > "$TMP/lib2/half.stan"
cat > "$TMP/p/m.stan" <<'EOF'
functions {
#include "sub/funs.stan"
  #include <half.stan>
}
data { int N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; }
model {
  mu ~ normal(twice(0.5), half(4));  /* #include "nothing.stan" is a comment */
  sigma ~ exponential(1);
#include lik.stan
  print("#include not_a_file.stan");
}
EOF
cat > "$TMP/p/flat.stan" <<'EOF'
functions {
real twice(real x) { return 2 * x; }
real half(real x) { return x / 2; }
}
data { int N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; }
model {
  mu ~ normal(twice(0.5), half(4));
  sigma ~ exponential(1);
  y ~ normal(mu, sigma);
}
EOF
printf '{"N": 3, "y": [0.5, 1.5, -0.25]}' > "$TMP/d.json"
printf '{"mu": 0.3, "sigma": 1.7}' > "$TMP/par.json"
# found in the program's folder (sub/funs.stan) and the include paths, in order
expect_exit 0 "$URN" check "$TMP/p/m.stan" --include-paths "$TMP/lib,$TMP/lib2"
expect_out "program is valid"
expect_exit 0 "$URN" check "$TMP/p/m.stan" --include-paths="$TMP/lib2,$TMP/lib" --data "$TMP/d.json"
# a missing file: the directive's file:line:col, where urn looked, the option to use
expect_exit 1 "$URN" check "$TMP/p/m.stan" --include-paths "$TMP/lib"
expect_err "m.stan:3:3: #include: cannot find 'half.stan' (looked in '$TMP/p', '$TMP/lib'; add folders with --include-paths DIR[,DIR])"
expect_err "  #include <half.stan>"
# the same log density and gradient as the program written out
expect_exit 0 "$URN" logdensity "$TMP/p/flat.stan" --data "$TMP/d.json" --params "$TMP/par.json"
cp "$TMP/out" "$TMP/flat.out"
expect_exit 0 "$URN" logdensity "$TMP/p/m.stan" --include-paths "$TMP/lib,$TMP/lib2" --data "$TMP/d.json" --params "$TMP/par.json"
expect_out "#include not_a_file.stan" # the print statement: a string, not a directive
grep '"lp"' "$TMP/out" > "$TMP/inc.out"
if cmp -s "$TMP/inc.out" "$TMP/flat.out" && [ -s "$TMP/inc.out" ]; then ok; else bad "logdensity differs: $(cat "$TMP/out") vs $(cat "$TMP/flat.out")"; fi
# errors name the included file and its own line, and the including file's lines after the directive
cat > "$TMP/p/sub/bad.stan" <<'EOF'
// a broken function
real bad(real x) {
  return x + nope;
}
EOF
cat > "$TMP/p/e.stan" <<'EOF'
functions {
  #include "sub/bad.stan"
}
parameters { real mu; }
model {
  mu ~ normal(0, 1);
  real q = oops;
}
EOF
expect_exit 1 "$URN" check "$TMP/p/e.stan"
expect_err "sub/bad.stan:3:14: unknown variable 'nope'"
expect_err "  return x + nope;"
expect_err "e.stan:7:12: unknown variable 'oops'"
# a run-time error inside an included file (transformed data) names that file and line too
printf '  array[2] real a = {1, 2};\n  int k = 3;\n  real z = a[k];\n' > "$TMP/p/sub/td.stan"
printf 'transformed data {\n#include "sub/td.stan"\n}\nparameters { real mu; }\nmodel { mu ~ normal(0, 1); }\n' > "$TMP/p/rt.stan"
printf '{}' > "$TMP/e.json"
expect_exit 1 "$URN" check "$TMP/p/rt.stan" --data "$TMP/e.json"
expect_err "transformed data: $TMP/p/sub/td.stan:3:13: index 3 out of range"
# old syntax in an included file: the warning names that file
printf 'real f(real x) {\n  real y;\n  y <- x;\n  return y;\n}\n' > "$TMP/p/sub/old.stan"
printf 'functions {\n#include "sub/old.stan"\n}\nparameters { real mu; }\nmodel { mu ~ normal(f(0), 1); }\n' > "$TMP/p/o.stan"
expect_exit 0 "$URN" check "$TMP/p/o.stan"
expect_err "sub/old.stan:3:5: warning:"
# a file that includes itself, directly or through another
printf '#include "self.stan"\n' > "$TMP/p/self.stan"
expect_exit 1 "$URN" check "$TMP/p/self.stan"
expect_err "self.stan:1:1: #include: 'self.stan' includes itself"
printf 'model {\n#include "b.stan"\n}\n' > "$TMP/p/a.stan"
printf '  #include "a.stan"\n' > "$TMP/p/b.stan"
expect_exit 1 "$URN" check "$TMP/p/a.stan"
expect_err "b.stan:1:3: #include: 'a.stan' includes itself ("
# malformed directives
printf 'model {\n#include "x.stan\n}\n' > "$TMP/p/u.stan"
expect_exit 1 "$URN" check "$TMP/p/u.stan"
expect_err "u.stan:2:1: #include: the file name has no closing '\"'"
printf 'model {\n#include "sub/funs.stan" extra\n}\n' > "$TMP/p/x.stan"
expect_exit 1 "$URN" check "$TMP/p/x.stan"
expect_err "x.stan:2:1: #include: unexpected text after the file name"
# hostile includes: a device or a folder is refused (reading /dev/zero would never end); a file included twice at
# each of 15 levels (2^15 copies) stops at 10000 inclusions
printf 'model {\n#include "/dev/zero"\n}\n' > "$TMP/p/z.stan"
expect_exit 1 "$URN" check "$TMP/p/z.stan"
expect_err "z.stan:2:1: #include: '/dev/zero' is not a regular file"
printf 'model {\n#include "sub"\n}\n' > "$TMP/p/z2.stan"
expect_exit 1 "$URN" check "$TMP/p/z2.stan"
expect_err "#include: '$TMP/p/sub' is not a regular file"
mkdir "$TMP/p/exp"
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do printf '#include "f%d.stan"\n#include "f%d.stan"\n' $((i+1)) $((i+1)) > "$TMP/p/exp/f$i.stan"; done
printf '// leaf\n' > "$TMP/p/exp/f16.stan"
printf 'model {\n#include "exp/f1.stan"\n}\n' > "$TMP/p/big.stan"
expect_exit 1 "$URN" check "$TMP/p/big.stan"
expect_err "#include: more than 10000 files included in one program"
# a file included twice (not recursively) is fine; an empty file too
printf '' > "$TMP/p/empty.stan"
printf 'functions {\n#include "sub/funs.stan"\n}\nparameters { real mu; }\n#include "empty.stan"\nmodel {\n  mu ~ normal(twice(1), 1);\n  real z = zz;\n}\n' > "$TMP/p/t.stan"
expect_exit 1 "$URN" check "$TMP/p/t.stan"
expect_err "t.stan:8:12: unknown variable 'zz'"
# urn optimize and sample take --include-paths too
expect_exit 0 "$URN" optimize "$TMP/p/m.stan" --include-paths "$TMP/lib,$TMP/lib2" --data "$TMP/d.json" --output "$TMP/opt.csv"
expect_exit 2 "$URN" sample "$TMP/p/m.stan" --include-paths
# urn stanc --info lists the included files
expect_exit 0 "$URN" stanc --info "$TMP/p/m.stan" --include-paths="$TMP/lib,$TMP/lib2"
expect_out "\"included_files\": [ \"$TMP/p/sub/funs.stan\", \"$TMP/lib2/half.stan\", \"$TMP/lib/lik.stan\" ]"
# urn format inlines the included files; --in-place would lose the directives: refused
expect_exit 0 "$URN" format "$TMP/p/m.stan" --include-paths "$TMP/lib,$TMP/lib2"
expect_out "    return 2 * x;"
expect_out "  y ~ normal(mu, sigma);"
expect_exit 1 "$URN" format --in-place "$TMP/p/m.stan" --include-paths "$TMP/lib,$TMP/lib2"
expect_err "--in-place would replace the #include lines"
if grep -q '#include "sub/funs.stan"' "$TMP/p/m.stan"; then ok; else bad "format --in-place changed the program"; fi
# urn compile embeds the included text: the executable runs after the files are gone
expect_exit 1 "$URN" compile "$TMP/p/m.stan" -o "$TMP/m_exe"
expect_exit 0 "$URN" compile "$TMP/p/m.stan" -o "$TMP/m_exe" --include-paths "$TMP/lib,$TMP/lib2"
mv "$TMP/lib" "$TMP/lib_gone"
expect_exit 0 "$TMP/m_exe" optimize data file="$TMP/d.json" output file="$TMP/exe.csv"
if grep -q '^lp__' "$TMP/exe.csv"; then ok; else bad "the compiled executable wrote no draws"; fi
done_tests
