"""A PyTorch process the benchmark keeps open for its paired rounds (bench/torchSession.ts).

Loads ../shared/bench/torch_ref.py (the path is argv[1]) as a module, with argv[2] threads on the
cpu, and answers each request line "<workload> <warm> <n>" on stdin with one JSON line on stdout:
{"seconds": the median of n timed calls after warm ones, by torch_ref.timeit} or {"error": ...}.
Each request times its workload from a fresh start, built as torch_ref.py's main() builds it (a
new LSTM optimizer and meta-Adam, or a new MNIST problem and Adam), so every round times the same
iterations of training that a new process of the reference would.
"""
import importlib.util
import json
import sys

ref_path, threads = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location("torch_ref", ref_path)
ref = importlib.util.module_from_spec(spec)
sys.argv = [ref_path, threads, "cpu"]  # torch_ref reads its thread count and device from argv
spec.loader.exec_module(ref)
torch = ref.torch


def fresh(name):
    """One iteration of `name` from a new start, as in torch_ref.main()."""
    torch.manual_seed(0)
    if name in ("quad_meta", "mnist_meta"):
        net = ref.CoordLSTM()
        meta_opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        problem = ref.quad_problem if name == "quad_meta" else ref.mnist_problem
        return lambda: ref.meta_iteration(net, meta_opt, problem)
    if name == "mnist_step":
        theta0, f = ref.mnist_problem()
        theta = theta0.clone().requires_grad_(True)
        adam = torch.optim.Adam([theta], lr=1e-2)

        def step():
            adam.zero_grad()
            f(theta).backward()
            adam.step()

        return step
    raise ValueError(f"unknown workload '{name}' (quad_meta, mnist_meta or mnist_step)")


print(json.dumps({"ready": True, "torch": torch.__version__}), flush=True)
for line in sys.stdin:
    try:
        name, warm, n = line.split()
        answer = {"seconds": ref.timeit(fresh(name), warm=int(warm), n=int(n))}
    except Exception as e:  # the request's problem goes back to the benchmark, the session stays up
        answer = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(answer), flush=True)
