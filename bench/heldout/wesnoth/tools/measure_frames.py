# Per-frame change signals for the Wesnoth clip: mean abs diff to the previous frame in each top-bar field, and the
# count of saturated-red pixels (sighted notices / damage numbers) in the map area. Writes an .npz.
# usage: python3 tools/measure_frames.py wesnoth_ai_weldyn_channel.mp4 $WORK/frames.npz
import subprocess, sys, numpy as np
src, out = sys.argv[1], sys.argv[2]
W, H = 1280, 720
F = {'turn': (200, 270), 'gold': (305, 360), 'vill': (392, 455), 'units': (475, 515), 'upkeep': (550, 625),
     'income': (645, 705), 'clock': (725, 795)}
p = subprocess.Popen(["nice", "-n", "19", "ffmpeg", "-v", "error", "-i", src, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], stdout=subprocess.PIPE)
prev = None; res = {k: [] for k in F}; red = []; redrows = []; bars = []
while True:
    b = p.stdout.read(W * H * 3)
    if len(b) < W * H * 3: break
    f = np.frombuffer(b, np.uint8).reshape(H, W, 3).astype(np.int16)
    bar = f[2:22]
    bars.append(bar[:, 200:705].astype(np.uint8)[::1, ::1].copy() if len(bars) % 1 == 0 else None)
    for k, (a, c) in F.items():
        res[k].append(0.0 if prev is None else float(np.abs(bar[:, a:c] - prev[:, a:c]).mean()))
    prev = bar
    m = f[30:720, 0:1100]
    r = (m[..., 0] > 170) & (m[..., 1] < 70) & (m[..., 2] < 70)
    red.append(int(r.sum())); redrows.append(r.sum(axis=1).astype(np.int32))
np.savez_compressed(out, red=np.array(red), redrows=np.array(redrows), bars=np.array(bars), **{k: np.array(v) for k, v in res.items()})
print(len(red))
