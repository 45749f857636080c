#!/usr/bin/env python3
"""tests/code_shape.py [LIMIT] -- lists the C functions of src/ longer than LIMIT lines (150): brace depth over
the text with comments, strings, character literals and preprocessor lines removed; a function is a top-level
brace block preceded by ")" (docs/CONTRIBUTING.md, "Code shape").
tests/code_shape.py --check ALLOW -- the check run by make test (tests/cli/test_code_shape.sh): every function
over 150 lines must be listed in ALLOW (lines "FILE FUNCTION LINES", the lengths of the audit); prints one
"FAIL" line per function that is not (split it instead of adding it) and ends with "N passed, N failed"."""
import re,sys,glob
check=sys.argv[2] if len(sys.argv)>2 and sys.argv[1]=='--check' else None
limit=150 if check or len(sys.argv)<2 else int(sys.argv[1])
res=[]
for f in sorted(glob.glob('src/**/*.c',recursive=True)):
    t=open(f,errors='replace').read()
    t=re.sub(r'/\*.*?\*/',lambda m:'\n'*m.group(0).count('\n'),t,flags=re.S)
    t=re.sub(r'//[^\n]*','',t)
    t=re.sub(r'"(\\.|[^"\\\n])*"','""',t)
    t=re.sub(r"'(\\.|[^'\\\n])*'","''",t)
    t=re.sub(r'^\s*#[^\n]*','',t,flags=re.M)
    depth=0;line=1;start=None;name=None;last=''
    for i,c in enumerate(t):
        if c=='\n': line+=1
        elif c=='{':
            if depth==0:
                head=t[max(0,i-400):i].rstrip()
                if head.endswith(')'):
                    m=re.findall(r'([A-Za-z_]\w*)\s*\(',head.split(';')[-1].split('}')[-1])
                    start=line;name=m[0] if m else '?'
                else: start=None
            depth+=1
        elif c=='}':
            depth-=1
            if depth==0 and start is not None:
                n=line-start+1
                if n>limit: res.append((n,f,start,name))
                start=None
if not check:
    for n,f,s,nm in sorted(res,reverse=True): print("%5d %s:%d %s"%(n,f,s,nm))
    sys.exit(0)
allow={}
for ln in open(check):
    w=ln.split('#')[0].split()
    if len(w)==3: allow[(w[0],w[1])]=int(w[2])
bad=0
for n,f,s,nm in sorted(res,reverse=True):
    if (f,nm) not in allow:
        bad+=1
        print("FAIL %s:%d: %s has %d lines (at most %d; split it, see docs/CONTRIBUTING.md)"%(f,s,nm,n,limit))
    elif n>allow[(f,nm)]:
        print("note: %s:%d: %s grew from %d to %d lines"%(f,s,nm,allow[(f,nm)],n))
found={(f,nm) for n,f,s,nm in res}
for k in sorted(set(allow)-found): print("note: %s %s is no longer over %d lines: remove it from %s"%(k[0],k[1],limit,check))
print("%d passed, %d failed"%(len(res)-bad+1,bad))
sys.exit(1 if bad else 0)
