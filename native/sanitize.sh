#!/usr/bin/env bash
# Builds the native addon with AddressSanitizer + UndefinedBehaviorSanitizer into
# native/build/asan/ (beside, not instead of, the normal build in native/build/Release/) and runs the native tests
# against it. Node itself is not instrumented, so the ASan runtime is preloaded and leak
# detection is off (V8 and Node keep allocations alive at exit by design); any invalid memory
# access or undefined behaviour in our C/C++ aborts the test process with a report.
#
# Usage: native/sanitize.sh [vitest args...]   (default: every native test except the toolchain
# tests in axpb.test.ts and build.test.ts, which spawn compilers and scripts: tools like nvcc crash
# under a preloaded ASan, and neither loads the addon)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/native/build/asan"
node="$root/node_modules/.bin/node"
node_prefix="$(dirname "$(dirname "$(readlink -f "$node")")")"
addon_api="$("$node" -p "require('node-addon-api').include_dir" | tr -d '"')"
mkdir -p "$out/obj"

# -O2, not the usual -O1: GCC forms fused multiply-adds from a*b + c only at -O2 and above, and
# the tests check bit for bit that the GEMM paths written with FMA intrinsics (narrow_avx512.c)
# sum exactly as the micro-kernels the compiler contracts.
flags=(-O2 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
       -fPIC -fno-math-errno -Wall -Wextra -DNAPI_VERSION=9 -DNODE_ADDON_API_DISABLE_DEPRECATED
       -I"$node_prefix/include/node" -I"$root/$addon_api" -I"$root/native/include")

# The sources come from binding.gyp, so this build can never drift from the real one.
mapfile -t sources < <("$node" -e '
  const gyp = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const s of gyp.targets[0].sources) console.log(s);' "$root/native/binding.gyp")

objects=()
for src in "${sources[@]}"; do
  obj="$out/obj/${src//\//_}.o"
  if [[ "$src" == *.c ]]; then
    gcc -std=c11 -D_POSIX_C_SOURCE=200809L "${flags[@]}" -c "$root/native/$src" -o "$obj"
  else
    g++ -std=c++17 -fexceptions "${flags[@]}" -c "$root/native/$src" -o "$obj"
  fi
  objects+=("$obj")
done
g++ -shared -fsanitize=address,undefined -o "$out/lab_native.node" "${objects[@]}" -lpthread -lm
echo "[sanitize] built $out/lab_native.node with -fsanitize=address,undefined"

cd "$root"
export LAB_NATIVE_ADDON="$out/lab_native.node"
export LD_PRELOAD="$(gcc -print-file-name=libasan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
if [[ $# -eq 0 ]]; then set -- test/native/ --exclude test/native/axpb.test.ts --exclude test/native/build.test.ts; fi
"$root/node_modules/.bin/vitest" run "$@"
echo "[sanitize] native tests passed under AddressSanitizer + UndefinedBehaviorSanitizer"
