# Reference values, computed with PyTorch, for the training-step variants of the grokking literature that SciDL
# implements: Grokfast's EMA and moving-window gradient filters (Lee et al. 2024, as in the paper's
# grokfast.py), the StableMax cross-entropy and its gradient (Prieto et al. 2025, in float64 as the paper's
# code), softmax cross-entropy in float64 against float32 (where collapse starts), ⊥Grad's projection (the paper's OrthoGrad), softmax collapse as the paper's logger counts it, and
# Omnigrok's norm projection — then all of them composed with torch.optim.AdamW over three steps.
# Run once in a throw-away environment with torch and numpy:
#   python scripts/references/make_grokking_literature_fixture.py
# Writes Tests/SciDLAutodiffTests/Fixtures/grokking_literature.json.
import json, os
import numpy as np
import torch

rng = np.random.default_rng(2405)
f32 = lambda shape, scale=1.0: (rng.standard_normal(shape) * scale).astype(np.float32)
out = {"torch": torch.__version__}

# Grokfast EMA: mu_0 = g_0; mu = alpha*mu + (1 - alpha)*g; g_hat = g + lambda*mu.
shapes = [(3, 4), (5,)]
steps = [[f32(s) for s in shapes] for _ in range(5)]
alpha, lamb = 0.98, 2.0
mu, filtered = None, []
for grads in steps:
    g = [torch.tensor(x) for x in grads]
    if mu is None:
        mu = [x.clone() for x in g]
    mu = [m * alpha + x * (1 - alpha) for m, x in zip(mu, g)]
    filtered.append([(x + m * lamb).flatten().tolist() for x, m in zip(g, mu)])
out["ema"] = {"shapes": shapes, "alpha": alpha, "lambda": lamb,
              "gradients": [[x.flatten().tolist() for x in grads] for grads in steps], "filtered": filtered}

# Grokfast-MA: the mean of the last `window` gradients, added once the window is full.
window, lamb = 3, 5.0
steps = [[f32(s) for s in shapes] for _ in range(6)]
queue, filtered = [], []
for grads in steps:
    g = [torch.tensor(x) for x in grads]
    queue = (queue + [g])[-window:]
    if len(queue) == window:
        avg = [sum(q[i] for q in queue) / len(queue) for i in range(len(shapes))]
        g = [x + a * lamb for x, a in zip(g, avg)]
    filtered.append([x.flatten().tolist() for x in g])
out["ma"] = {"shapes": shapes, "window": window, "lambda": lamb,
             "gradients": [[x.flatten().tolist() for x in grads] for grads in steps], "filtered": filtered}

# StableMax cross-entropy: s(x) = x + 1 (x >= 0), 1/(1 - x) (x < 0); loss = -log(s(x_t) / sum s), float64.
def s(x):
    return torch.where(x < 0, 1 / (1 - x + 1e-30), x + 1)

logits = np.concatenate([f32((4, 7), 1.0), f32((2, 7), 30.0)]).astype(np.float32)
logits[5, 2] = 0.0  # the branch point
targets = [0, 3, 6, 2, 1, 2]
x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
logp = torch.log(s(x) / s(x).sum(dim=-1, keepdim=True))
rows = -logp[torch.arange(len(targets)), torch.tensor(targets)]
rows.mean().backward()
out["stablemax"] = {"logits": logits.tolist(), "targets": targets, "row_losses": rows.tolist(),
                    "mean_loss": rows.mean().item(), "mean_gradient": x.grad.tolist()}

# Softmax collapse, as the paper's logger: float32 sum of exp(x - max) == 1.
collapse_logits = np.stack([
    np.array([0, 5, -3, 1], np.float32), np.array([40, 0, 1, -2], np.float32),
    np.array([0, 18, 0.5, 0], np.float32), np.array([0, 15, 0, 0], np.float32),
    np.array([-7, -7, -7, -7], np.float32), np.array([100, 10, 20, 30], np.float32),
])
t = torch.tensor(collapse_logits)
e = torch.exp(t - t.amax(dim=1, keepdim=True))
out["softmax_collapse"] = {"logits": collapse_logits.tolist(), "collapsed": (e.sum(dim=-1) == 1).tolist()}

# OrthoGrad: g_perp = g - (w.g / (w.w + 1e-30)) w, rescaled to |g|.
pairs = [(f32((4, 3)), f32((4, 3))), (f32((6,)), f32((6,), 0.01))]
pairs[1] = (pairs[1][0], pairs[1][1] + 3 * pairs[1][0])  # mostly along w
# In float32 as the paper's code runs it, and in float64: with g almost along w (the second pair), float32's
# cancellation in g - proj*w is amplified by |g|/|g_perp| (~300 here), and the float64 values are the exact ones.
projected = {"float32": [], "float64": []}
for w, g in pairs:
    for name, dtype in [("float32", torch.float32), ("float64", torch.float64)]:
        wt, gt = torch.tensor(w, dtype=dtype).flatten(), torch.tensor(g, dtype=dtype).flatten()
        proj = torch.dot(wt, gt) / (torch.dot(wt, wt) + 1e-30)
        g_orth = gt - proj * wt
        projected[name].append((g_orth * (gt.norm(2) / (g_orth.norm(2) + 1e-30))).tolist())
out["orthograd"] = {"weights": [w.flatten().tolist() for w, _ in pairs],
                    "gradients": [g.flatten().tolist() for _, g in pairs],
                    "projected": projected["float32"], "projected_float64": projected["float64"]}

# All together on a linear classifier: StableMax loss, Grokfast EMA, OrthoGrad, AdamW, norm held fixed.
xs, w0 = f32((6, 4)), f32((4, 5))
labels = torch.tensor([0, 1, 2, 3, 4, 1])
w = torch.tensor(w0, requires_grad=True)
opt = torch.optim.AdamW([w], lr=0.05, betas=(0.9, 0.98), eps=1e-8, weight_decay=0.1)
target_norm = float(w.detach().norm()) * 1.5
mu, weights, losses = None, [], []
for step in range(3):
    opt.zero_grad()
    z = torch.tensor(xs) @ w
    zz = z.to(torch.float64)
    loss = -torch.log(s(zz) / s(zz).sum(dim=-1, keepdim=True))[torch.arange(6), labels].mean()
    loss.backward()
    losses.append(loss.item())
    g = w.grad.detach().clone()
    mu = g.clone() if mu is None else mu
    mu = mu * 0.98 + g * (1 - 0.98)
    g = g + mu * 2.0
    wf, gf = w.detach().flatten(), g.flatten()
    g_orth = gf - torch.dot(wf, gf) / (torch.dot(wf, wf) + 1e-30) * wf
    w.grad = (g_orth * (gf.norm() / (g_orth.norm() + 1e-30))).view_as(w)
    opt.step()
    with torch.no_grad():
        w.mul_(target_norm / w.norm())
    weights.append(w.detach().flatten().tolist())
out["composed"] = {"inputs": xs.tolist(), "initial_weight": w0.tolist(), "labels": labels.tolist(),
                   "learning_rate": 0.05, "beta1": 0.9, "beta2": 0.98, "epsilon": 1e-8, "weight_decay": 0.1,
                   "alpha": 0.98, "lambda": 2.0, "target_norm": target_norm,
                   "losses": losses, "weights_after_each_step": weights}

# Softmax cross-entropy and its gradient in float64 against float32, on rows whose margin puts them in
# float32's softmax collapse but not float64's: the paper's float64 runs delay collapse this way.
margins = [5.0, 12.0, 20.0, 30.0, 45.0]
wide = f32((len(margins), 9), 1.0)
wide_targets = [1, 4, 0, 8, 3]
for i, (m, t) in enumerate(zip(margins, wide_targets)):
    wide[i, t] = wide[i].max() + m
precision = {"logits": wide.tolist(), "targets": wide_targets}
for name, dtype in [("float64", torch.float64), ("float32", torch.float32)]:
    x = torch.tensor(wide, dtype=dtype, requires_grad=True)
    rows = torch.nn.functional.cross_entropy(x, torch.tensor(wide_targets), reduction="none")
    rows.sum().backward()
    precision[name] = {"row_losses": rows.tolist(), "row_gradients": x.grad.tolist(),
                       "collapsed": (torch.exp(x - x.max(dim=-1, keepdim=True).values).sum(-1) == 1).tolist()}
out["softmax_precision"] = precision

path = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "SciDLAutodiffTests", "Fixtures",
                    "grokking_literature.json")
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", os.path.normpath(path))
