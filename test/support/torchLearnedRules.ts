// PyTorch references of the learned update rules (float64, written from the rules' definitions in
// our weight layouts: x·W + b): the L2L coordinatewise LSTM with each gradient preprocessing, the
// per-parameter MLP rule, and truncated unrolls of either over a batch of quadratics with θ and
// the rule's state carried from one unroll to the next. Tests feed it our weights and problems
// and compare meta-losses, meta-gradients, θ and states. stdin holds a list of cases (one Python
// start for all of them); stdout the list of their results.
export const TORCH_LEARNED_RULES = `
import json, math, sys, torch
torch.set_default_dtype(torch.float64)

def preprocess(g):
    pre = cfg.get("preprocessing", {"kind": "none"})
    if pre["kind"] == "none":
        return g.unsqueeze(1)
    if pre["kind"] == "log-sign":
        p = pre["p"]
        a = g.abs()
        big = a >= math.exp(-p)
        x1 = torch.where(big, torch.log(a.clamp_min(1e-30)) / p, torch.full_like(g, -1.0))
        x2 = torch.where(big, torch.sign(g), math.exp(p) * g)
        return torch.stack([x1, x2], dim=1)
    k = pre["k"]
    eps = 2.0 ** -23
    x1 = torch.clamp(torch.log(g.abs() + eps) / k, min=-1.0)
    x2 = torch.clamp(g * math.exp(k), -1.0, 1.0)
    return torch.stack([x1, x2], dim=1)

def lstm_rule(g, theta, state, groups):
    x = preprocess(g)
    H = cfg["hidden"]
    new = []
    for layer in range(cfg["layers"]):
        pre = "coordlstm.lstm.%d." % layer
        h, c = state[2 * layer], state[2 * layer + 1]
        z = x @ Wt[pre + "W_ih"] + Wt[pre + "b_ih"] + h @ Wt[pre + "W_hh"] + Wt[pre + "b_hh"]
        i, f, gg, o = z[:, :H], z[:, H:2*H], z[:, 2*H:3*H], z[:, 3*H:]
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(gg)
        h = torch.sigmoid(o) * torch.tanh(c)
        new += [h, c]
        x = h
    out = (x @ Wt["coordlstm.out.W"] + Wt["coordlstm.out.b"]).squeeze(1)
    return out * cfg["outputScale"], new

def mlp_rule(g, theta, state, groups):
    m, t = state
    beta = torch.tensor(cfg["decays"])
    m = m * beta + g.unsqueeze(1) * (1 - beta)
    feats = torch.cat([g.unsqueeze(1), theta.unsqueeze(1), m], dim=1)
    parts, o = [], 0
    for size in groups:
        block = feats[o:o + size]
        parts.append(block / torch.sqrt(1e-5 + (block * block).mean(0, keepdim=True)))
        o += size
    feats = torch.cat(parts, dim=0)
    emb = torch.tanh(t / torch.tensor(cfg["timescales"]) - 1.0)
    x = torch.cat([feats, emb.unsqueeze(0).expand(g.shape[0], -1)], dim=1)
    layers = cfg["hiddenLayers"] + 1
    for l in range(layers):
        x = x @ Wt["mlpopt.%d.W" % l] + Wt["mlpopt.%d.b" % l]
        if l < layers - 1:
            x = torch.relu(x)
    step = x[:, 0] * torch.exp(x[:, 1] * cfg["expMultiplier"]) * cfg["stepMultiplier"]
    return -step, [m, t + 1]

def run_case(d):
    global cfg, Wt
    cfg = d["config"]
    Wt = {k: torch.tensor(v["data"], dtype=torch.float64).reshape(v["shape"]).requires_grad_(True) for k, v in d["weights"].items()}
    rule = lstm_rule if cfg["kind"] == "lstm" else mlp_rule
    W = torch.tensor(d["W"], dtype=torch.float64); y = torch.tensor(d["y"], dtype=torch.float64)
    B, D = y.shape
    def f(theta):
        r = torch.bmm(W, theta.view(B, D).unsqueeze(2)).squeeze(2) - y
        return (r * r).sum(1).mean()

    theta = torch.tensor(d["theta"], dtype=torch.float64)
    state = [torch.tensor(s["data"], dtype=torch.float64).reshape(s["shape"]) for s in d["state"]]
    out = []
    for u in range(d["unrolls"]):
        theta = theta.detach().requires_grad_(True)
        state = [s.detach() for s in state]
        current = f(theta)
        total = 0.0
        for t in range(d["steps"]):
            g, = torch.autograd.grad(current, theta, create_graph=d["secondOrder"], retain_graph=True)
            if not d["secondOrder"]:
                g = g.detach()
            update, state = rule(g, theta, state, d["groups"])
            theta = theta + update
            current = f(theta)
            total = total + current
        grads = torch.autograd.grad(total, list(Wt.values()), allow_unused=True)
        out.append({
            "metaLoss": float(total),
            "grads": {k: (gr.reshape(-1).tolist() if gr is not None else None) for k, gr in zip(Wt.keys(), grads)},
            "theta": theta.detach().tolist(),
            "state": [s.detach().reshape(-1).tolist() for s in state],
        })
    return out

print(json.dumps([run_case(d) for d in json.load(sys.stdin)]))
`;
