#!/usr/bin/env bash
# Entry script of the GPU check bundle (built by `npm run check:gpu` into .device/check-gpu/).
# Runs on a GPU machine that has no Node.js: unpacks the bundled Node 24, then runs check.mjs —
# the GPU test suite (every op and random composite graphs vs the js float64 reference, forward
# and gradients), the GPU user-op tests and the GPU benchmark (vs PyTorch eager on the same GPU
# via torch_ref.py) and one l2l-paper quadratics meta-training on cuda — and prints a summary table last.
# Exit status: 0 all passed, 1 a check failed, 2 no usable GPU, 3 the bundle could not start.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here" || exit 3

# Node and the kernel caches go to a scratch directory, never into the bundle: the bundle is
# carried to the GPU machine and must stay small (the unpacked Node alone is 120 MB).
work="${LAB_CHECK_GPU_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/lab-check-gpu.XXXXXX")}"
mkdir -p "$work"
if [[ ! -x "$work/node" ]]; then
  if command -v xz >/dev/null; then
    xz -dc node.xz >"$work/node.tmp"
  else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open("node.xz"), open(sys.argv[1], "wb"))' "$work/node.tmp"
  fi || { echo "check:gpu: cannot unpack node.xz (needs xz or python3)"; exit 3; }
  chmod +x "$work/node.tmp" && mv "$work/node.tmp" "$work/node"
fi

export LAB_NATIVE_ADDON="$here/native/lab_native.node"
export LAB_CUDA_LIBRARY="$here/native/liblabcuda.so"
export LAB_CUDA_CACHE="$work/cuda-kernels"
export LAB_CACHE_DIR="$work/ops"
export LD_LIBRARY_PATH="/usr/local/cuda/targets/x86_64-linux/lib:/usr/local/cuda/lib64:/usr/local/nvidia/lib64:${LD_LIBRARY_PATH:-}"
export PATH="/usr/local/cuda/bin:$PATH"

# The whole check must finish within 9 minutes of GPU time (a device call may run 10).
timeout 540 "$work/node" --enable-source-maps check.mjs "$@"
status=$?
if [[ $status -eq 124 ]]; then echo "check:gpu: stopped after 540 s (the check must finish in under 9 minutes)"; fi
[[ -z "${LAB_CHECK_GPU_WORK:-}" ]] && rm -rf "$work"
exit $status
