# Writes pairs.npz: 40 synthetic contrast pairs for end-to-end runs (see README.md). Run: python3 make_pairs.py
import numpy as np

rng = np.random.default_rng(12)
n, layers, d = 40, 2, 8
labels = np.arange(n) % 2
u = np.zeros(d)
u[0] = 1
shared = rng.normal(0, 2, (layers, n, 1, d))
sign = np.where(labels == 1, 1.0, -1.0)[None, :, None, None]
side = np.stack([u, -u])[None, None, :, :]
acts = shared + 1.5 * sign * side + rng.normal(0, 0.3, (layers, n, 2, d))
np.savez("pairs.npz", activations=acts.astype(np.float32), labels=labels.astype(np.int64))
# The same arrays as np.savez_compressed writes them (deflated zip members).
np.savez_compressed("pairs-compressed.npz", activations=acts.astype(np.float32), labels=labels.astype(np.int64))
