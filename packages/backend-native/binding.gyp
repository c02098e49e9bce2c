{
  # The addon links oneDNN when it is found (convs via its primitives, GEMM via dnnl_sgemm), otherwise
  # OpenBLAS (convs via im2col + cblas_sgemm); with neither, the targets build nothing and the JS side
  # reports the addon as unavailable with the fix.
  #
  # Portable binaries: everything is compiled for a baseline CPU (x86-64-v2 on x64 unless
  # NEURAL_ODE_NATIVE_MARCH says otherwise), and the hand-written kernels (native/kernels.inc) are compiled twice
  # more, for x86-64-v3 (AVX2) and x86-64-v4 (AVX-512), into static libraries whose functions live in their own
  # namespaces; native/dispatch.cc picks one at run time from the CPU's features.
  "variables": {
    "nn_backend%": "<!(node scripts/detect.cjs backend)",
    "nn_include%": "<!(node scripts/detect.cjs include)",
    "nn_libs%": "<!(node scripts/detect.cjs libs)",
    "nn_march%": "<!(node scripts/detect.cjs march)",
    "nn_wide%": "<!(node scripts/detect.cjs wide)",
    "nn_kernel_sources": ["native/elementwise.cc", "native/ops.cc", "native/groupnorm.cc"],
    "nn_cflags": ["-std=c++17", "-O3", "-fexceptions", "-fopenmp", "-fPIC"]
  },
  "target_defaults": {
    "include_dirs": ["<(nn_include)"],
    "defines": ["NAPI_VERSION=8"],
    "cflags_cc!": ["-fno-exceptions", "-O2"],
    "conditions": [
      ["nn_backend=='onednn'", { "defines": ["NEURAL_ODE_DNNL"] }],
      ["nn_wide==1", { "defines": ["NN_HAVE_WIDE"] }]
    ],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "OTHER_CPLUSPLUSFLAGS": ["-O3", "-Xpreprocessor", "-fopenmp"]
    },
    "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/openmp", "/O2"] } }
  },
  "targets": [
    {
      "target_name": "nn_kernels_avx2",
      "conditions": [
        ["nn_backend=='none' or nn_wide!=1", { "type": "none" }],
        ["nn_backend!='none' and nn_wide==1", {
          "type": "static_library",
          "sources": ["<@(nn_kernel_sources)"],
          "defines": ["NN_ISA=avx2"],
          "cflags_cc": ["<@(nn_cflags)", "-march=x86-64-v3"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-march=x86-64-v3"] },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX2"] } }
        }]
      ]
    },
    {
      "target_name": "nn_kernels_avx512",
      "conditions": [
        ["nn_backend=='none' or nn_wide!=1", { "type": "none" }],
        ["nn_backend!='none' and nn_wide==1", {
          "type": "static_library",
          "sources": ["<@(nn_kernel_sources)"],
          "defines": ["NN_ISA=avx512"],
          "cflags_cc": ["<@(nn_cflags)", "-march=x86-64-v4", "-mprefer-vector-width=512"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-march=x86-64-v4"] },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX512"] } }
        }]
      ]
    },
    {
      "target_name": "neural_ode_native",
      "dependencies": ["nn_kernels_avx2", "nn_kernels_avx512"],
      "conditions": [
        ["nn_backend=='none'", { "type": "none" }],
        ["nn_backend!='none'", {
          "sources": [
            "native/addon.cc",
            "native/conv_im2col.cc",
            "native/conv_dnnl.cc",
            "native/dispatch.cc",
            "<@(nn_kernel_sources)"
          ],
          "defines": ["NN_ISA=baseline"],
          "cflags_cc": ["<@(nn_cflags)", "<(nn_march)"],
          "ldflags": ["-fopenmp"],
          "libraries": ["<@(nn_libs)"],
          "xcode_settings": { "OTHER_LDFLAGS": ["-lomp"] }
        }]
      ]
    }
  ]
}
