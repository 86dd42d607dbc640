#!/usr/bin/env python3
# overlay-hand-apply.py - apply OpenAPI Overlays to a JSON document the way a person marking
# a copy by hand would, independently of the compiler (scripts/check-realdocs.sh compares the
# compiler's --overlay result with a compile of this hand-marked copy: product.md §15.1).
#
# Usage: overlay-hand-apply.py IN.json OUT.json OVERLAY...   (YAML or JSON overlays, in order)
#
# A deliberately small JSONPath subset, enough for the overlays it is used with: $, .name,
# .*, ['a','b'], [*], [N], .., and filters [?A && B] where each term is @.path, or
# @.path OP literal (OP ==, !=, <, >). Anything else raises. Overlay 1.1 semantics: update
# merges (primitive replaces, arrays concatenate, objects merge), remove, copy; a node
# selected twice is changed once; zero matches are reported on stderr and change nothing.
import copy
import json
import re
import sys

import yaml

NOTHING = object()
def toks(q):
    assert q[0]=='$'; i=1; out=[]
    while i<len(q):
        if q.startswith('..',i):
            out.append(('desc',)); i+=2
            if q[i]=='[': continue
            m=re.match(r'[A-Za-z_][\w-]*',q[i:]); out.append(('names',[m.group(0)])); i+=len(m.group(0)); continue
        if q[i]=='.':
            i+=1
            if q[i]=='*': out.append(('wild',)); i+=1; continue
            m=re.match(r'[A-Za-z_$][\w$-]*',q[i:]); out.append(('names',[m.group(0)])); i+=len(m.group(0)); continue
        if q[i]=='[':
            j=i+1; depth=1; inq=None
            while depth:
                c=q[j]
                if inq:
                    if c==inq: inq=None
                elif c in '\'"': inq=c
                elif c=='[': depth+=1
                elif c==']': depth-=1
                j+=1
            body=q[i+1:j-1]; i=j
            if body=='*': out.append(('wild',))
            elif body.startswith('?'): out.append(('filter',body[1:].strip()))
            elif re.fullmatch(r'\d+',body): out.append(('idx',int(body)))
            else: out.append(('names',[s.strip()[1:-1] for s in body.split(',')]))
            continue
        raise ValueError('unsupported JSONPath: ' + q[i:])
    return out
def getp(n,p):
    for part in re.findall(r"\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]",p):
        if part[0] or part[2]:
            k=part[0] or part[2]
            if not isinstance(n,dict) or k not in n: return NOTHING
            n=n[k]
        else:
            k=int(part[1])
            if not isinstance(n,list) or k>=len(n): return NOTHING
            n=n[k]
    return n
def lit(s):
    s=s.strip()
    if s[0] in '\'"': return s[1:-1]
    return json.loads(s)
def filt(f,n):
    for c in f.split('&&'):
        c=c.strip()
        m=re.fullmatch(r'(@\S*)\s*(==|!=|>|<)\s*(.+)',c)
        if m:
            v=getp(n,m.group(1)[1:]); l=lit(m.group(3))
            if v==NOTHING: return False
            if m.group(2)=='==':
                if not (v==l and type(v)==type(l) or (type(v) in (int,float) and type(l) in (int,float) and v==l and type(v)!=bool and type(l)!=bool)): return False
            elif m.group(2)=='!=':
                if v==l and type(v)==type(l): return False
            elif m.group(2)=='>':
                if not (type(v) in (int,float) and v>l): return False
            else:
                if not (type(v) in (int,float) and v<l): return False
        else:
            if getp(n,c[1:])==NOTHING: return False
    return True
def children(n):
    if isinstance(n,dict): return [(n,k,v) for k,v in n.items()]
    if isinstance(n,list): return [(n,i,v) for i,v in enumerate(n)]
    return []
def descs(n,par=None,key=None):
    out=[(par,key,n)]
    for p,k,v in children(n): out+=descs(v,p,k)
    return out
def select(doc,q):
    cur=[(None,None,doc)]; ts=toks(q); i=0
    while i<len(ts):
        t=ts[i]
        if t[0]=='desc':
            nx=[]
            for c in cur: nx+=descs(c[2],c[0],c[1])
            cur=nx; i+=1; t=ts[i]
        nx=[]
        for _,_,n in cur:
            if t[0]=='names':
                if isinstance(n,dict):
                    for nm in t[1]:
                        if nm in n: nx.append((n,nm,n[nm]))
            elif t[0]=='wild': nx+=children(n)
            elif t[0]=='idx':
                if isinstance(n,list) and t[1]<len(n): nx.append((n,t[1],n[t[1]]))
            elif t[0]=='filter': nx+=[c for c in children(n) if filt(t[1],c[2])]
        cur=nx; i+=1
    seen=set(); out=[]
    for c in cur:
        if id(c[2]) in seen: continue
        seen.add(id(c[2])); out.append(c)
    return out
def merge(t,u):
    for k,v in u.items():
        if k not in t: t[k]=copy.deepcopy(v)
        elif isinstance(t[k],dict) and isinstance(v,dict): merge(t[k],v)
        elif isinstance(t[k],list) and isinstance(v,list): t[k].extend(copy.deepcopy(v))
        elif not isinstance(t[k],(dict,list)) and not isinstance(v,(dict,list)): t[k]=copy.deepcopy(v)
        else: raise ValueError('merge conflict at ' + k)
def apply(doc,ov):
    for a in ov['actions']:
        sel=select(doc,a['target'])
        if not sel: print('zero:',a['target'],file=sys.stderr); continue
        if a.get('remove'):
            for p,k,n in sel:
                if isinstance(p,dict): p.pop(k,None)
            lists={}
            for p,k,n in sel:
                if isinstance(p,list): lists.setdefault(id(p),(p,set()))[1].add(k)
            for p,ks in lists.values():
                for k in sorted(ks, reverse=True): del p[k]
            continue
        if 'copy' in a:
            src=select(doc,a['copy'])
            if len(src) != 1: raise ValueError('copy source selects %d nodes' % len(src))
            val=copy.deepcopy(src[0][2])
        else: val=a['update']
        for p,k,n in sel:
            if isinstance(n,dict): merge(n,val)
            elif isinstance(n,list):
                n.extend(copy.deepcopy(val) if isinstance(val,list) else [copy.deepcopy(val)])
            else: p[k]=copy.deepcopy(val)
    return doc
if __name__=='__main__':
    doc=json.load(open(sys.argv[1]))
    for f in sys.argv[3:]:
        apply(doc,yaml.safe_load(open(f)))
    json.dump(doc,open(sys.argv[2],'w'),indent=1)
