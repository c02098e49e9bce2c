// Run-time choice of the instruction-set level of the hand-written kernels. The addon is compiled for a baseline
// CPU (x86-64-v2: SSE4.2, no AVX), and the kernels of kernels.inc once more for x86-64-v3 (AVX2, FMA) and
// x86-64-v4 (AVX-512): a binary built on one machine runs on any x86-64-v2 CPU and still uses the wide paths where
// the CPU has them. oneDNN dispatches its own code. NEURAL_ODE_NATIVE_ISA=baseline|avx2|avx512 (read when the
// addon loads) caps the level, e.g. to check the baseline paths on a machine with AVX-512.
#include <cstdlib>
#include <cstring>
#include "common.h"

namespace nn {
namespace {

int detect() {
#if defined(NN_HAVE_WIDE) && (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  const bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") &&
                  __builtin_cpu_supports("bmi2");
  const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                  __builtin_cpu_supports("avx512cd");
  return v4 ? 2 : v3 ? 1 : 0;
#else
  return 0;
#endif
}

int fromEnv(int supported) {
  const char* v = std::getenv("NEURAL_ODE_NATIVE_ISA");
  if (!v || !*v) return supported;
  int want = std::strcmp(v, "baseline") == 0 ? 0 : std::strcmp(v, "avx2") == 0 ? 1 : std::strcmp(v, "avx512") == 0 ? 2 : supported;
  return want < supported ? want : supported;
}

const int g_supported = detect();
int g_level = fromEnv(g_supported);

}  // namespace

int isaLevel() { return g_level; }
int isaSupported() { return g_supported; }
int setIsaLevel(int level) {
  g_level = level < 0 ? 0 : level > g_supported ? g_supported : level;
  return g_level;
}
const char* isaName(int level) { return level == 2 ? "avx512" : level == 1 ? "avx2" : "baseline"; }

#ifdef NN_HAVE_WIDE
#define NN_KERNEL(ret, name, params, args)                   \
  ret name params {                                          \
    switch (g_level) {                                       \
      case 2: return avx512::name args;                      \
      case 1: return avx2::name args;                        \
      default: return baseline::name args;                   \
    }                                                        \
  }
#else
#define NN_KERNEL(ret, name, params, args) \
  ret name params { return baseline::name args; }
#endif
#include "kernels.inc"
#undef NN_KERNEL

}  // namespace nn
