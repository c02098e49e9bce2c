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
enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4 };
void binaryBroadcast(int op, const float* a, const int* ashape, const float* b, const int* bshape,
                     float* out, const int* oshape, int rank);
void relu(const float* x, float* y, size_t n);
void step(const float* x, float* y, size_t n, float alpha);
void absolute(const float* x, float* y, size_t n);
void square(const float* x, float* y, size_t n);
void negate(const float* x, float* y, size_t n);
void sliceCopy(const float* x, const int* shape, const int* begin, const int* size, int rank, float* out);
void copyRows(const float* src, long rows, long srcCols, float* dst, long dstCols, long colOffset);
void reduceSum(const float* x, const int* shape, const uint8_t* reduced, int rank, float scale, float* out);

}  // namespace nn
