exec(open('analyze.py').read().split("print('samples in'")[0])
import collections,re
windows=[(36.25,38.36),(42.09,44.62)]
def inwin(t): return any(a<=t<=b for a,b in windows)
sel=[s for s in samples if inwin(s['t']) and any(root in f[0] for f in s['frames'])]
allwin=[s for s in samples if inwin(s['t'])]
print('samples in windows (all threads)',len(allwin),'in Connect',len(sel))
def kern(f): return (f[1].startswith('[') and f[1]!='[unknown]') or f[1].endswith('.ko') or f[0].startswith('ffffffff')
jit=[s for s in sel if any('libclrjit' in f[1] for f in s['frames'])]
print('with JIT frames',len(jit))
k=[s for s in sel if kern(s['frames'][0])]
print('kernel leaf',len(k),'user leaf',len(sel)-len(k))
u=[s for s in sel if not kern(s['frames'][0])]
print('user leaf dso',collections.Counter(s['frames'][0][1].split('/')[-1] for s in u).most_common(8))
def inner(s):
    for f in s['frames']:
        if 'NvmeNative.' in f[0] and 'Benchmarks' not in f[0]: return re.sub(r'\(.*','',f[0])[:110]
    return '?'
print('--- innermost library frame (user leaf)'); [print(c,n) for n,c in collections.Counter(inner(s) for s in u).most_common(30)]
print('--- user leaf symbol'); [print(c,n[:100]) for n,c in collections.Counter(s['frames'][0][0] for s in u).most_common(15)]
# coreclr leaf: what managed frame calls it
def firstmanaged(s):
    for f in s['frames']:
        if 'perf-' in f[1] : return re.sub(r'\(.*','',f[0])[:110]
    return '?'
print('--- coreclr leaf: first managed caller'); [print(c,n) for n,c in collections.Counter(firstmanaged(s) for s in u if 'libcoreclr' in s['frames'][0][1]).most_common(20)]
print('--- threads in windows'); print(collections.Counter(s['tid'] for s in allwin).most_common(8))
