# Measures the delay from a bzflag -echo line to the first captured frame whose bottom message-panel line changes.
# Run in a run.sh output dir (needs raw.mkv, client.tslog, capture_start.txt). Near-identical successive lines are missed.
import numpy as np, subprocess, sys
W,H,X,Y=440,14,180,455
raw=subprocess.run(["ffmpeg","-loglevel","error","-i","raw.mkv","-vf",f"crop={W}:{H}:{X}:{Y},format=gray","-f","rawvideo","-"],capture_output=True).stdout
fr=np.frombuffer(raw,np.uint8).reshape(-1,H,W)>170
n=len(fr); diff=np.r_[0,(fr[1:]^fr[:-1]).sum((1,2))]
S=float(open("capture_start.txt").read())
ev=[]
for l in open("client.tslog"):
    p=l.rstrip("\n").split(" ",1)
    if len(p)<2 or not p[1].strip(): continue
    t=float(p[0])-S
    if 0.3<t<135: ev.append((t,p[1]))
lags=[]
for t,txt in ev:
    i0=int(np.ceil((t-0.3)*25)); cand=[i for i in range(max(i0,1),min(n,i0+20)) if diff[i]>40]
    if cand: lag=cand[0]/25-t; lags.append(lag); print(f"{t:7.2f} first change {cand[0]/25:7.2f} lag {lag:+.3f}  {txt}")
    else: print(f"{t:7.2f} none  {txt}")
lags=np.array(lags); print("n",len(lags),"median",np.median(lags),"min",lags.min(),"max",lags.max())
