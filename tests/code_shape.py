#!/usr/bin/env python3
"""tests/code_shape.py [LIMIT] -- lists the C functions of src/ longer than LIMIT lines (150): brace depth over
the text with comments, strings, character literals and preprocessor lines removed; a function is a top-level
brace block preceded by ")". Run by hand (docs/CONTRIBUTING.md, "Code shape"), not by make test."""
import re,sys,glob
limit=int(sys.argv[1]) if len(sys.argv)>1 else 150
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
for n,f,s,nm in sorted(res,reverse=True): print("%5d %s:%d %s"%(n,f,s,nm))
