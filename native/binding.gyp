{
  "targets": [
    {
      "target_name": "lab_native",
      "sources": ["src/addon.cc", "kernels/axpb.c"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "include"],
      "defines": ["NAPI_VERSION=9", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags": ["-O3", "-fno-math-errno"],
      "cflags_c": ["-std=c11"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "OTHER_CFLAGS": ["-O3", "-fno-math-errno"]
      }
    }
  ]
}
