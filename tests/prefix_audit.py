#!/usr/bin/env python3
"""tests/prefix_audit.py [BUILD] -- the naming rule of docs/CONTRIBUTING.md ("Names and prefixes"), audited on
the objects of BUILD (default build/): for every library module (src/MODULE/*.c, not cli or bridgestan), the
functions it defines with external linkage (nm: T), split into the public API (urn_* declared URN_API in
include/urn/*.h), the internal prefix urn__MODULE_*, other urn_* names (internal functions that look public),
and names without urn_ at all. Prints one line per module, then with -v the offending names. Run by hand."""
import glob,os,re,subprocess,sys
args=[a for a in sys.argv[1:] if a!='-v']; verbose='-v' in sys.argv
build=args[0] if args else 'build'
public=set()
for h in glob.glob('include/urn/*.h')+['include/urn.h']:
    if os.path.exists(h):
        public|=set(re.findall(r'\b(urn_[a-z0-9_]+)\s*\(',open(h).read()))
rows={}
for o in sorted(glob.glob(build+'/src/**/*.o',recursive=True)):
    mod=o[len(build)+5:].split('/')[0]
    if mod in ('cli','bridgestan'): continue
    out=subprocess.run(['nm','--defined-only',o],capture_output=True,text=True).stdout
    for ln in out.splitlines():
        w=ln.split()
        if len(w)!=3 or w[1]!='T' or w[2].startswith('__'): continue
        s=w[2]; r=rows.setdefault(mod,{'public':[],'internal':[],'urn_other':[],'bare':[]})
        if s in public: r['public'].append(s)
        elif s.startswith('urn__'+mod+'_'): r['internal'].append(s)
        elif s.startswith('urn_'): r['urn_other'].append((s,os.path.basename(o)))
        else: r['bare'].append((s,os.path.basename(o)))
print('%-8s %7s %9s %10s %5s'%('module','public','urn__mod_','other urn_','bare'))
tot=[0,0,0,0]
for m,r in sorted(rows.items()):
    c=[len(r[k]) for k in ('public','internal','urn_other','bare')]
    tot=[a+b for a,b in zip(tot,c)]
    print('%-8s %7d %9d %10d %5d'%(m,*c))
print('%-8s %7d %9d %10d %5d'%('total',*tot))
if verbose:
    for m,r in sorted(rows.items()):
        for s,o in r['urn_other']+r['bare']: print('%s %s %s'%(m,o,s))
