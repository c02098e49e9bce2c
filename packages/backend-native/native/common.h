// Shared helpers of the addon: argument access, threads, workspace buffers.
#pragma once
#include <node_api.h>
#include <pthread.h>
#include <csignal>
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

/**
 * Blocks asynchronous signals on the calling thread for its lifetime (synchronous ones — SIGSEGV, SIGBUS, SIGFPE,
 * SIGILL, SIGTRAP, SIGABRT — stay deliverable). Wraps every oneDNN call: the JIT code of oneDNN 2.6 (Debian's
 * libdnnl) keeps data on the stack where a signal handler running on that stack overwrites it, and then writes
 * outside its buffers ("corrupted size vs. prev_size"). V8's sampling profiler (`node --cpu-prof`, inspector
 * Profiler) sends SIGPROF to the JS thread every millisecond, which hit it within a few sgemm calls. A signal
 * blocked here stays pending and is delivered when the call returns.
 */
class SignalShield {
 public:
  SignalShield() {
    sigset_t set;
    sigfillset(&set);
    for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT}) sigdelset(&set, s);
    pthread_sigmask(SIG_BLOCK, &set, &saved_);
  }
  ~SignalShield() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  SignalShield(const SignalShield&) = delete;
  SignalShield& operator=(const SignalShield&) = delete;

 private:
  sigset_t saved_;
};

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
