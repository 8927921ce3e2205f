#!/usr/bin/env bash
# Entry script of the GPU check bundle (built by `npm run check:gpu` into .device/check-gpu/).
# Runs on a GPU machine that has no Node.js: unpacks the bundled Node 24, then runs check.mjs —
# the GPU test suite (every op and random composite graphs vs the js float64 reference, forward
# and gradients), the GPU user-op tests and the GPU benchmark (vs PyTorch eager on the same GPU
# via torch_ref.py) — and prints a summary table last.
# Exit status: 0 all passed, 1 a check failed, 2 no usable GPU, 3 the bundle could not start.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here" || exit 3

if [[ ! -x ./node ]]; then
  if command -v xz >/dev/null; then
    xz -dc node.xz >node.tmp
  else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open("node.xz"), open("node.tmp", "wb"))'
  fi || { echo "check:gpu: cannot unpack node.xz (needs xz or python3)"; exit 3; }
  chmod +x node.tmp && mv node.tmp node
fi

export LAB_NATIVE_ADDON="$here/native/lab_native.node"
export LAB_CUDA_LIBRARY="$here/native/liblabcuda.so"
export LAB_CUDA_CACHE="$here/cache/cuda-kernels"
export LAB_CACHE_DIR="$here/cache/ops"
# NVRTC (for fused composites and CUDA ops) and the driver, where the GPU machines keep them.
export LD_LIBRARY_PATH="/usr/local/cuda/targets/x86_64-linux/lib:/usr/local/cuda/lib64:/usr/local/nvidia/lib64:${LD_LIBRARY_PATH:-}"
export PATH="/usr/local/cuda/bin:$PATH"

# The whole check must finish within 8 minutes of GPU time.
timeout 450 ./node --enable-source-maps check.mjs "$@"
status=$?
if [[ $status -eq 124 ]]; then echo "check:gpu: stopped after 450 s (the check must finish in under 8 minutes)"; fi
exit $status
