# Find centre "... sighted!" notices: a wide, short band of pure-red pixels near the centre of the map view.
# usage: python3 tools/find_notice.py wesnoth_ai_weldyn_channel.mp4 $WORK/notice.npy   (per frame: red pixels in the best
# 30-row band, its top row, width, centre x)
import subprocess, sys, numpy as np
src = sys.argv[1]; W, H = 1280, 720
p = subprocess.Popen(["nice", "-n", "19", "ffmpeg", "-v", "error", "-i", src, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], stdout=subprocess.PIPE)
n = 0; out = []
while True:
    b = p.stdout.read(W * H * 3)
    if len(b) < W * H * 3: break
    f = np.frombuffer(b, np.uint8).reshape(H, W, 3)[200:520, 250:850].astype(np.int16)
    m = (f[..., 0] > 190) & (f[..., 1] < 60) & (f[..., 2] < 60)
    rows = m.sum(1); best = (0, 0, 0, 0)
    # strongest 30-row band
    cs = np.concatenate([[0], np.cumsum(rows)])
    s = cs[30:] - cs[:-30]; y = int(s.argmax()); tot = int(s[y])
    if tot > 0:
        cols = np.nonzero(m[y:y + 30].sum(0))[0]; w = int(cols.max() - cols.min() + 1); cx = int((cols.max() + cols.min()) / 2) + 250
        best = (tot, y + 200, w, cx)
    out.append(best); n += 1
np.save(sys.argv[2], np.array(out))
