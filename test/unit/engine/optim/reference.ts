// Plain float64 loops of PyTorch's update rules (torch/optim/*.py, single-tensor path, 1.13),
// written independently of the engine: the hand-computed sequences the compiled optimizers must
// reproduce. Each takes θ0 and a fixed gradient sequence and returns θ after every step.
// Weight decay adds wd·θ to the gradient first, as every torch.optim optimizer does.

export type Trajectory = number[][];
type Rule = (theta: number[], grad: number[], t: number) => void;

function run(
  theta0: readonly number[],
  grads: readonly (readonly number[])[],
  wd: number,
  rule: Rule,
): Trajectory {
  const theta = [...theta0];
  const out: Trajectory = [];
  grads.forEach((g0, k) => {
    const g = g0.map((gi, i) => gi + wd * theta[i]);
    rule(theta, g, k + 1);
    out.push([...theta]);
  });
  return out;
}

export interface SgdRef {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export function sgdRef(theta0: number[], grads: number[][], o: SgdRef): Trajectory {
  const { lr, momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 } = o;
  let buf: number[] | null = null;
  return run(theta0, grads, weightDecay, (theta, g) => {
    let d = g;
    if (momentum !== 0) {
      // torch: the first step sets buf = g (no dampening), later buf = m·buf + (1-dampening)·g.
      buf = buf === null ? [...g] : buf.map((b, i) => momentum * b + (1 - dampening) * g[i]);
      const b = buf;
      d = nesterov ? g.map((gi, i) => gi + momentum * b[i]) : b;
    }
    for (let i = 0; i < theta.length; i++) theta[i] -= lr * d[i];
  });
}

export interface AdagradRef {
  lr: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

export function adagradRef(theta0: number[], grads: number[][], o: AdagradRef): Trajectory {
  const { lr, lrDecay = 0, weightDecay = 0, initialAccumulatorValue = 0, eps = 1e-10 } = o;
  const sum = theta0.map(() => initialAccumulatorValue);
  return run(theta0, grads, weightDecay, (theta, g, t) => {
    const clr = lr / (1 + (t - 1) * lrDecay);
    for (let i = 0; i < theta.length; i++) {
      sum[i] += g[i] * g[i];
      theta[i] -= (clr * g[i]) / (Math.sqrt(sum[i]) + eps);
    }
  });
}

export interface RmspropRef {
  lr: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

export function rmspropRef(theta0: number[], grads: number[][], o: RmspropRef): Trajectory {
  const { lr, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false } = o;
  const sq = theta0.map(() => 0);
  const avgG = theta0.map(() => 0);
  const buf = theta0.map(() => 0);
  return run(theta0, grads, weightDecay, (theta, g) => {
    for (let i = 0; i < theta.length; i++) {
      sq[i] = alpha * sq[i] + (1 - alpha) * g[i] * g[i];
      let avg: number;
      if (centered) {
        avgG[i] = alpha * avgG[i] + (1 - alpha) * g[i];
        avg = Math.sqrt(sq[i] - avgG[i] * avgG[i]) + eps;
      } else {
        avg = Math.sqrt(sq[i]) + eps;
      }
      if (momentum > 0) {
        buf[i] = momentum * buf[i] + g[i] / avg;
        theta[i] -= lr * buf[i];
      } else {
        theta[i] -= (lr * g[i]) / avg;
      }
    }
  });
}

export interface AdadeltaRef {
  lr?: number;
  rho?: number;
  eps?: number;
  weightDecay?: number;
}

export function adadeltaRef(theta0: number[], grads: number[][], o: AdadeltaRef): Trajectory {
  const { lr = 1, rho = 0.9, eps = 1e-6, weightDecay = 0 } = o;
  const sq = theta0.map(() => 0);
  const acc = theta0.map(() => 0);
  return run(theta0, grads, weightDecay, (theta, g) => {
    for (let i = 0; i < theta.length; i++) {
      sq[i] = rho * sq[i] + (1 - rho) * g[i] * g[i];
      const delta = (Math.sqrt(acc[i] + eps) / Math.sqrt(sq[i] + eps)) * g[i];
      acc[i] = rho * acc[i] + (1 - rho) * delta * delta;
      theta[i] -= lr * delta;
    }
  });
}

export interface AdamRef {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export function adamRef(theta0: number[], grads: number[][], o: AdamRef): Trajectory {
  const { lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0 } = o;
  const m = theta0.map(() => 0);
  const v = theta0.map(() => 0);
  return run(theta0, grads, weightDecay, (theta, g, t) => {
    const bc1 = 1 - beta1 ** t;
    const bc2 = 1 - beta2 ** t;
    for (let i = 0; i < theta.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      const denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + eps;
      theta[i] -= (lr / bc1) * (m[i] / denom);
    }
  });
}

/**
 * A fixed gradient sequence with mixed signs and magnitudes (a tiny coordinate tests eps), and a
 * starting point. Deterministic formulas rather than random draws, so a failure is reproducible
 * by hand.
 */
export function fixedProblem(steps = 8, dim = 5): { theta0: number[]; grads: number[][] } {
  const theta0 = Array.from({ length: dim }, (_, i) => 0.5 - 0.3 * i);
  const grads = Array.from({ length: steps }, (_, t) =>
    Array.from({ length: dim }, (_, i) =>
      i === dim - 1 ? 1e-7 * (t + 1) : Math.sin(1.3 * t + 0.7 * i) * (1 + i) - 0.1 * t,
    ),
  );
  return { theta0, grads };
}
