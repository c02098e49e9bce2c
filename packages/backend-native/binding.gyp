{
  # The addon links oneDNN when it is found (convs via its primitives, GEMM via dnnl_sgemm), otherwise
  # OpenBLAS (convs via im2col + cblas_sgemm); with neither, the target builds nothing and the JS side
  # reports the addon as unavailable with the fix.
  "variables": {
    "nn_backend%": "<!(node scripts/detect.cjs backend)",
    "nn_include%": "<!(node scripts/detect.cjs include)",
    "nn_libs%": "<!(node scripts/detect.cjs libs)",
    "nn_march%": "<!(node scripts/detect.cjs march)"
  },
  "targets": [
    {
      "target_name": "neural_ode_native",
      "conditions": [
        ["nn_backend=='none'", { "type": "none" }],
        ["nn_backend!='none'", {
          "sources": [
            "native/addon.cc",
            "native/conv_im2col.cc",
            "native/conv_dnnl.cc",
            "native/groupnorm.cc",
            "native/elementwise.cc",
            "native/ops.cc"
          ],
          "include_dirs": ["<(nn_include)"],
          "defines": ["NAPI_VERSION=8"],
          "cflags_cc!": ["-fno-exceptions", "-O2"],
          "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fopenmp", "<(nn_march)"],
          "ldflags": ["-fopenmp"],
          "libraries": ["<@(nn_libs)"],
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "OTHER_CPLUSPLUSFLAGS": ["-O3", "-Xpreprocessor", "-fopenmp"],
            "OTHER_LDFLAGS": ["-lomp"]
          },
          "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/openmp", "/O2"] } }
        }],
        ["nn_backend=='onednn'", { "defines": ["NEURAL_ODE_DNNL"] }]
      ]
    }
  ]
}
