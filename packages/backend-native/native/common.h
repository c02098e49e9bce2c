// Shared helpers of the addon: argument access, threads, workspace buffers.
#pragma once
#include <node_api.h>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nn {

/** Worker threads used by every kernel (and oneDNN / OpenBLAS). */
int threads();
void setThreads(int n);

/** Thrown for bad arguments; turned into a JS exception at the boundary. */
struct ArgError {
  std::string message;
};

float* f32(napi_env env, napi_value v, size_t* length, const char* name);
int i32(napi_env env, napi_value v);
double f64(napi_env env, napi_value v);
bool boolean(napi_env env, napi_value v);

/** A grow-only scratch buffer reused across calls (no allocation in steady state). */
float* scratch(std::vector<float>& buf, size_t n);

/** Geometry of a 2-D convolution with NHWC activations and HWIO filters (tfjs layouts). */
struct ConvGeom {
  int n, h, w, c;        // input
  int kh, kw, k;         // filter height, width, output channels
  int oh, ow;            // output
  int sh, sw, dh, dw;    // strides, dilations
  int pt, pl, pb, pr;    // padding top, left, bottom, right
};

// Convolutions. Each writes its whole output (no accumulation into it).
void convForwardIm2col(const ConvGeom& g, const float* x, const float* w, float* y);
void convBackwardDataIm2col(const ConvGeom& g, const float* dy, const float* w, float* dx);
void convBackwardFilterIm2col(const ConvGeom& g, const float* x, const float* dy, float* dw);
#ifdef NEURAL_ODE_DNNL
/** Returns false when oneDNN cannot take these shapes (the caller uses im2col). */
bool convForwardDnnl(const ConvGeom& g, const float* x, const float* w, float* y);
bool convBackwardDataDnnl(const ConvGeom& g, const float* dy, const float* w, float* dx);
void setDnnlLayout(int layout);
bool convBackwardFilterDnnl(const ConvGeom& g, const float* x, const float* dy, float* dw);
#endif

void sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc);

// Elementwise opcodes of binaryBroadcast.
enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5, kSqDiff = 6 };

/** Geometry of a 2-D pooling over NHWC activations. */
struct PoolGeom {
  int n, h, w, c, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl;
};

/** Instruction-set levels of the hand-written kernels: 0 baseline (x86-64-v2), 1 AVX2 (x86-64-v3), 2 AVX-512 (x86-64-v4). */
int isaLevel();
/** The highest level this CPU (and this build) runs. */
int isaSupported();
/** Sets the level (capped at isaSupported()); returns the level now in use. */
int setIsaLevel(int level);
const char* isaName(int level);

// The kernels (kernels.inc; GroupNorm over channels-last x[n, s, c] with mean/rstd [n, groups]; binary ops with
// numpy broadcasting; reductions kind 0 sum, 1 max, 2 min, 3 prod; pad mode 0 constant, 1 reflect, 2 symmetric;
// activation kind 5 sigmoid … 16 softplus; compare op 0 >, 1 >=, 2 <, 3 <=, 4 ==, 5 !=; …), each dispatching to
// the build of the level in use.
#define NN_KERNEL(ret, name, params, args) ret name params;
#include "kernels.inc"
namespace baseline {
#include "kernels.inc"
}
namespace avx2 {
#include "kernels.inc"
}
namespace avx512 {
#include "kernels.inc"
}
#undef NN_KERNEL

}  // namespace nn
