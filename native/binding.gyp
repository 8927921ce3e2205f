{
  "targets": [
    {
      "target_name": "lab_native",
      "sources": [
        "src/addon.cc",
        "src/program_binding.cc",
        "src/kernel_registry.cc",
        "src/cuda_loader.cc",
        "src/user_kernels.cc",
        "src/file_lock.cc",
        "src/executor.c",
        "src/row_blocks.c",
        "src/row_block_steps.c",
        "src/composite_sums.c",
        "kernels/axpb.c",
        "kernels/common.c",
        "kernels/runtime.c",
        "kernels/fp_mode.c",
        "kernels/elementwise.c",
        "kernels/elementwise_codegen.c",
        "kernels/elementwise_jit.c",
        "kernels/gemm/gemm.c",
        "kernels/gemm/microkernels.c",
        "kernels/gemm/gemv_avx512.c",
        "kernels/gemm/narrow_avx512.c",
        "kernels/gemm/outer_avx512.c",
        "kernels/gemm/sum2_avx512.c",
        "kernels/gemm/wgrad_avx512.c",
        "kernels/reduce.c",
        "kernels/softmax.c",
        "kernels/losses.c",
        "kernels/shape.c",
        "kernels/random.c",
        "kernels/conv.c",
        "kernels/conv_direct_avx512.c",
        "kernels/pool.c",
        "kernels/pool_2x2_avx512.c",
        "kernels/rows_avx512.c",
        "kernels/vmath_avx512.c"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "include"],
      "defines": ["NAPI_VERSION=9", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags": ["-O3", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra", "-Wpointer-arith"],
      "cflags_c": ["-std=c11", "-D_POSIX_C_SOURCE=200809L"],
      "libraries": ["-lpthread", "-lm", "-ldl"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "OTHER_CFLAGS": ["-O3", "-fno-math-errno", "-fno-trapping-math"]
      }
    }
  ]
}
