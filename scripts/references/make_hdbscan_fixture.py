# Reference labels from scikit-learn's HDBSCAN (min_cluster_size=5, Euclidean, defaults otherwise) for
# SciDL's HDBSCAN test. Run once in a throw-away environment with numpy and scikit-learn:
#   python scripts/references/make_hdbscan_fixture.py
# Writes Tests/SciDLLatentKnowledgeTests/Fixtures/hdbscan.npz: points_<name> (float32) and labels_<name>.
import numpy as np
import sklearn
from sklearn.cluster import HDBSCAN

rng = np.random.default_rng(2407)
sets = {}
# Three 2-D blobs and uniform noise.
blobs = [rng.normal(c, s, (n, 2)) for c, s, n in [((0, 0), 0.4, 60), ((5, 5), 0.8, 50), ((0, 6), 0.3, 40)]]
sets["blobs2d"] = np.vstack(blobs + [rng.uniform(-3, 9, (20, 2))])
# Five 16-D blobs of different spreads and sizes.
centres = rng.normal(0, 6, (5, 16))
sets["blobs16d"] = np.vstack([rng.normal(centres[k], 0.5 + 0.4 * k, (30 + 15 * k, 16)) for k in range(5)])
# Pair means like a prompt's: two templates' worth of clusters in 64-D, a few outliers.
shift = rng.normal(0, 3, (2, 64))
sets["pairs64d"] = np.vstack([rng.normal(shift[k], 1.0, (150, 64)) for k in range(2)] + [rng.normal(0, 8, (10, 64))])
# Nested densities: a wide cloud holding two dense cores, overlapping blobs beside it.
sets["nested8d"] = np.vstack([
    rng.normal(0, 3, (150, 8)), rng.normal(1, 0.3, (40, 8)), rng.normal(-1, 0.3, (40, 8)),
    rng.normal(6, 1, (80, 8)), rng.normal(7.5, 1, (80, 8)),
])
# Small: few points, near min_cluster_size.
sets["small"] = rng.normal(0, 1, (12, 3))

arrays = {}
for name, x in sets.items():
    x = x.astype(np.float32)
    order = rng.permutation(len(x))
    x = x[order]
    labels = HDBSCAN(min_cluster_size=5).fit(x.astype(np.float64)).labels_
    arrays["points_" + name] = x
    arrays["labels_" + name] = labels.astype(np.int64)
    print(name, x.shape, "clusters", labels.max() + 1, "noise", int((labels == -1).sum()))
np.savez("Tests/SciDLLatentKnowledgeTests/Fixtures/hdbscan.npz", **arrays)
print("scikit-learn", sklearn.__version__, "numpy", np.__version__)
