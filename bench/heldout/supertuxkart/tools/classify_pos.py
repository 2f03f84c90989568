# Classify the STK position digit per frame (scale-normalised template match on the white-pixel mask).
import numpy as np, sys
from PIL import Image
d = np.load(sys.argv[1]); P = d['pos'][:, 12:42, 10:42]
T = np.load(sys.argv[2]); labels = [int(c) for c in sys.argv[3]]   # protos + their digits ('0' = ignore)
def norm(m):
    ys, xs = np.nonzero(m)
    if len(ys) < 6: return None
    m = m[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    if m.shape[0] < 5: return None
    return np.asarray(Image.fromarray(m.astype(np.uint8) * 255).resize((16, 20), Image.BILINEAR)) > 127
TN = [(norm(np.pad(t, ((4, 4), (3, 5)))), l) for t, l in zip(T, labels) if l]
res = []
for i in range(len(P)):
    n = norm(P[i])
    if n is None: res.append((0, 0.0)); continue
    best = max(((n & t).sum() / max(1, (n | t).sum()), l) for t, l in TN)
    res.append((best[1], best[0]))
np.save(sys.argv[4], np.array(res))
