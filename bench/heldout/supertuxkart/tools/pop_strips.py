# Render the digit crop around each detected pop (frames a-2..b+2), one row per pop, with frame numbers.
import subprocess, sys, numpy as np
from PIL import Image, ImageDraw
src = sys.argv[1]; pops = [tuple(map(int, x.split('-'))) for x in sys.argv[3].split(',')]; out = sys.argv[2]
W, H = 640, 480
need = {}
for a, b in pops:
    for n in range(a - 2, b + 3): need[n] = None
p = subprocess.Popen(["nice", "-n", "19", "ffmpeg", "-v", "error", "-i", src, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], stdout=subprocess.PIPE)
n = 0; last = max(need)
while n <= last:
    b = p.stdout.read(W * H * 3)
    if len(b) < W * H * 3: break
    if n in need: need[n] = np.frombuffer(b, np.uint8).reshape(H, W, 3)[400:440, 565:605].copy()
    n += 1
p.kill()
cols = max(b - a + 5 for a, b in pops); S = 3
img = Image.new('RGB', (cols * 40 * S, len(pops) * (40 * S + 14)), 'white'); dr = ImageDraw.Draw(img)
for r, (a, b) in enumerate(pops):
    for c, fn in enumerate(range(a - 2, b + 3)):
        im = Image.fromarray(need[fn]).resize((40 * S, 40 * S), Image.NEAREST)
        img.paste(im, (c * 40 * S, r * (40 * S + 14) + 14))
        dr.text((c * 40 * S + 2, r * (40 * S + 14)), str(fn), fill='black')
img.save(out)
