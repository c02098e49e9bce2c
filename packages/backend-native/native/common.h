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

// GroupNorm over channels-last x[n, s, c]; mean/rstd are [n, groups].
void groupNormForward(int n, int s, int c, int groups, float eps, bool relu, const float* x,
                      const float* gamma, const float* beta, float* y, float* mean, float* rstd);
void groupNormBackward(int n, int s, int c, int groups, bool relu, const float* dy, const float* x,
                       const float* gamma, const float* beta, const float* mean, const float* rstd,
                       float* dx, float* dgamma, float* dbeta);

// Elementwise.
enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5, kSqDiff = 6 };
void binaryBroadcast(int op, const float* a, const int* ashape, const float* b, const int* bshape,
                     float* out, const int* oshape, int rank);
void relu(const float* x, float* y, size_t n);
void step(const float* x, float* y, size_t n, float alpha);
void absolute(const float* x, float* y, size_t n);
void square(const float* x, float* y, size_t n);
void negate(const float* x, float* y, size_t n);
void sliceCopy(const float* x, const int* shape, const int* begin, const int* size, int rank, float* out);
void copyRows(const float* src, long rows, long srcCols, float* dst, long dstCols, long colOffset);
/** kind 0 sum, 1 max, 2 min, 3 prod over the axes marked in `reduced`; the result times `scale`. */
void reduce(int kind, const float* x, const int* shape, const uint8_t* reduced, int rank, float scale, float* out);

// ops.cc: pad (mode 0 constant, 1 reflect, 2 symmetric), transpose, tile, activations, and the rest.
void pad(const float* x, const int* shape, int rank, const int* before, const int* after, int mode, float value, float* out);
void transpose(const float* x, const int* shape, const int* perm, int rank, float* out);
void tile(const float* x, const int* shape, const int* reps, int rank, float* out);
/** kind 5 sigmoid, 6 tanh, 7 elu, 8 selu, 9 relu6, 10 leaky relu (alpha), 11 exp, 12 log, 13 sqrt, 14 rsqrt,
 * 15 reciprocal, 16 softplus; false for an unknown kind. */
bool activation(int kind, const float* x, float* y, size_t n, float alpha);
void eluGrad(const float* dy, const float* y, float* dx, size_t n);
/** op 0 >, 1 >=, 2 <, 3 <=, 4 ==, 5 != with numpy broadcasting (shapes of the output rank). */
void compare(int op, const float* a, const int* as, const float* b, const int* bs, uint8_t* out, const int* os, int rank);
void select(const uint8_t* cond, long condSize, const float* t, const float* e, float* out, long n);
void softmax(const float* x, float* y, long rows, long n);
void batchMatMul(const float* a, const float* b, float* c, long batchA, long batchB, int m, int n, int k, bool transA, bool transB);
void batchNorm(const float* x, long n, const float* mean, long nm, const float* var, long nv, const float* offset,
               long no, const float* scale, long ns, float eps, float* y);
/** Geometry of a 2-D pooling over NHWC activations. */
struct PoolGeom {
  int n, h, w, c, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl;
};
void pool2d(int kind, const PoolGeom& g, const float* x, float* y);
void pool2dGrad(int kind, const PoolGeom& g, const float* dy, const float* x, float* dx);
/** false when an index is out of [0, axisN). */
bool gather(const float* x, long outer, long axisN, long inner, const int32_t* idx, long nIdx, float* out);
void unsortedSegmentSum(const float* x, long rows, long inner, const int32_t* ids, long segments, float* out);
void topk(const float* x, long rows, long n, int k, float* values, int32_t* indices);
void oneHot(const int32_t* idx, long n, int depth, float on, float off, float* out);

}  // namespace nn
