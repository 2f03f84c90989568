# Per-frame HUD features of a 640x480 STK capture: white-pixel masks of the position digit and lap counter,
# orange pixel count in the centre (notices). Writes an .npz for later analysis.
import subprocess, sys, numpy as np
src, out = sys.argv[1], sys.argv[2]
W, H = 640, 480
p = subprocess.Popen(["nice", "-n", "19", "ffmpeg", "-v", "error", "-i", src, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                     stdout=subprocess.PIPE)
pos, lap, orange, orows, clock = [], [], [], [], []
n = 0
while True:
    b = p.stdout.read(W * H * 3)
    if len(b) < W * H * 3: break
    f = np.frombuffer(b, np.uint8).reshape(H, W, 3).astype(np.int16)
    white = (f[..., 0] > 190) & (f[..., 1] > 190) & (f[..., 2] > 190)
    pos.append(white[395:445, 560:615].copy())
    lap.append(white[50:90, 540:610].copy())
    clock.append(white[5:35, 500:635].copy())
    r, g, bl = f[..., 0], f[..., 1], f[..., 2]
    org = (r > 200) & (g > 80) & (g < 200) & (bl < 90) & (r - g > 50)
    c = org[60:330, 120:520]
    strict = (r > 230) & (bl < 30) & (g > 120) & (g < 215)
    dark = (r < 40) & (g < 40) & (bl < 40)
    dk = dark.copy(); dk[1:] |= dark[:-1]; dk[:-1] |= dark[1:]; dk[:, 1:] |= dark[:, :-1]; dk[:, :-1] |= dark[:, 1:]
    dk2 = dk.copy(); dk2[1:] |= dk[:-1]; dk2[:-1] |= dk[1:]; dk2[:, 1:] |= dk[:, :-1]; dk2[:, :-1] |= dk[:, 1:]
    txt = strict & dk2
    orange.append(int(txt[110:220, 200:440].sum())); orows.append(txt[110:220, 200:440].sum(axis=1).astype(np.int32))
    n += 1
np.savez_compressed(out, pos=np.array(pos), lap=np.array(lap), clock=np.array(clock), orange=np.array(orange), orows=np.array(orows))
print(n, "frames")
