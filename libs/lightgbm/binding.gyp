{
  "targets": [
    {
      "target_name": "lightgbm_node",
      "sources": [
        "src/native/addon.cc",
        "src/native/dataset.cc",
        "src/native/booster.cc",
        "src/native/network.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "vendor/include"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2"],
      "libraries": [
        "<(module_root_dir)/vendor/lib/lib_lightgbm.so",
        "-lgomp",
        "-Wl,-rpath,'$$ORIGIN/../../vendor/lib'"
      ]
    }
  ]
}
