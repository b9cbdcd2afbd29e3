import re,sys,collections
root=sys.argv[1] if len(sys.argv)>1 else 'NvmeOfConnector::Connect'
samples=[];cur=None
for line in open('/tmp/runs/prof/script.txt'):
    if not line.strip():
        if cur: samples.append(cur); cur=None
        continue
    if not line.startswith('\t') and not line.startswith(' '):
        m=re.match(r'(.+?)\s+(\d+)\s+([\d.]+):',line)
        cur={'tid':int(m.group(2)),'t':float(m.group(3)),'frames':[]}
    else:
        m=re.match(r'\s*([0-9a-f]+)\s+(.*)\s+\((.*)\)\s*$',line)
        if m and cur is not None: cur['frames'].append((m.group(2),m.group(3)))
if cur: samples.append(cur)
sel=[s for s in samples if any(root in f[0] for f in s['frames'])]
print('samples in',root,len(sel))
nojit=[s for s in sel if not any('libclrjit' in f[1] for f in s['frames'])]
print('without JIT frames',len(nojit))
def kern(f): return f[1].startswith('[') and f[1]!='[unknown]' or f[1].endswith('.ko')
k=[s for s in nojit if kern(s['frames'][0])]
print('kernel leaf',len(k),'user leaf',len(nojit)-len(k))
# user leaf by dso
dso=collections.Counter(s['frames'][0][1].split('/')[-1] for s in nojit if not kern(s['frames'][0]))
print('user leaf dso',dso.most_common(8))
leaf=collections.Counter(s['frames'][0][0][:90] for s in nojit if not kern(s['frames'][0]))
print('--- user leaf symbols'); [print(c,n) for n,c in leaf.most_common(25)]
# innermost library frame for user samples
def inner(s):
    for f in s['frames']:
        if 'NvmeNative.' in f[0] and 'Benchmarks' not in f[0]: return re.sub(r'\(.*','',f[0])[:100]
    return '?'
lib=collections.Counter(inner(s) for s in nojit if not kern(s['frames'][0]))
print('--- innermost library frame (user leaf)'); [print(c,n) for n,c in lib.most_common(30)]
print('=== calls')
ts=sorted(s['t'] for s in sel)
calls=[[ts[0],ts[0],1]]
for t in ts[1:]:
    if t-calls[-1][1]>0.05: calls.append([t,t,1])
    else: calls[-1][1]=t; calls[-1][2]+=1
for c in calls: print(f"{c[0]:.3f}-{c[1]:.3f} {c[1]-c[0]:.3f}s samples {c[2]}")
