// Convolutions as im2col + one SGEMM per chunk of images (the fallback when oneDNN is absent, and the path
// oneDNN declines). The filter is HWIO, so reshaped it is already the [kh*kw*c, k] GEMM operand.
#include <omp.h>
#include <algorithm>
#include <cstring>
#include "common.h"
#ifdef NEURAL_ODE_DNNL
#include <oneapi/dnnl/dnnl.h>
#else
#include <cblas.h>
#endif

namespace nn {

void sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc) {
  if (m == 0 || n == 0) return;
#ifdef NEURAL_ODE_DNNL
  SignalShield shield;  // see common.h: oneDNN's JIT sgemm corrupts memory when a signal lands mid-call
  dnnl_sgemm(transA ? 'T' : 'N', transB ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#else
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k,
              alpha, a, lda, b, ldb, beta, c, ldc);
#endif
}

namespace {

std::vector<float> g_col;

bool isPointwise(const ConvGeom& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == g.h && g.ow == g.w;
}

// Images per chunk so that the column buffer stays near 16 MiB.
int chunkImages(const ConvGeom& g) {
  size_t perImage = size_t(g.oh) * g.ow * g.kh * g.kw * g.c;
  size_t cap = (16u << 20) / sizeof(float);
  return int(std::max<size_t>(1, std::min<size_t>(g.n, cap / std::max<size_t>(1, perImage))));
}

void im2col(const ConvGeom& g, const float* x, int n0, int n1, float* col) {
  const size_t kdim = size_t(g.kh) * g.kw * g.c;
  const int rows = (n1 - n0) * g.oh * g.ow;
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(rows) * kdim > 32768)
  for (int r = 0; r < rows; ++r) {
    int n = n0 + r / (g.oh * g.ow);
    int rem = r % (g.oh * g.ow);
    int oy = rem / g.ow, ox = rem % g.ow;
    float* dst = col + size_t(r) * kdim;
    for (int ky = 0; ky < g.kh; ++ky) {
      int iy = oy * g.sh - g.pt + ky * g.dh;
      for (int kx = 0; kx < g.kw; ++kx) {
        int ix = ox * g.sw - g.pl + kx * g.dw;
        float* d = dst + (size_t(ky) * g.kw + kx) * g.c;
        if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) {
          std::memset(d, 0, sizeof(float) * g.c);
        } else {
          std::memcpy(d, x + ((size_t(n) * g.h + iy) * g.w + ix) * g.c, sizeof(float) * g.c);
        }
      }
    }
  }
}

void col2im(const ConvGeom& g, const float* col, int n0, int n1, float* dx) {
  const size_t kdim = size_t(g.kh) * g.kw * g.c;
  const int per = g.oh * g.ow;
  // Parallel over images: each image's scatter-add touches only its own dx.
#pragma omp parallel for num_threads(threads()) schedule(static) if ((n1 - n0) > 1)
  for (int n = n0; n < n1; ++n) {
    float* img = dx + size_t(n) * g.h * g.w * g.c;
    std::memset(img, 0, sizeof(float) * size_t(g.h) * g.w * g.c);
    for (int rem = 0; rem < per; ++rem) {
      int oy = rem / g.ow, ox = rem % g.ow;
      const float* src = col + (size_t(n - n0) * per + rem) * kdim;
      for (int ky = 0; ky < g.kh; ++ky) {
        int iy = oy * g.sh - g.pt + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        for (int kx = 0; kx < g.kw; ++kx) {
          int ix = ox * g.sw - g.pl + kx * g.dw;
          if (ix < 0 || ix >= g.w) continue;
          const float* s = src + (size_t(ky) * g.kw + kx) * g.c;
          float* d = img + (size_t(iy) * g.w + ix) * g.c;
          for (int c = 0; c < g.c; ++c) d[c] += s[c];
        }
      }
    }
  }
}

}  // namespace

void convForwardIm2col(const ConvGeom& g, const float* x, const float* w, float* y) {
  const int kdim = g.kh * g.kw * g.c;
  if (isPointwise(g)) {
    sgemm(false, false, g.n * g.h * g.w, g.k, g.c, 1.f, x, g.c, w, g.k, 0.f, y, g.k);
    return;
  }
  const int chunk = chunkImages(g);
  float* col = scratch(g_col, size_t(chunk) * g.oh * g.ow * kdim);
  for (int n0 = 0; n0 < g.n; n0 += chunk) {
    int n1 = std::min(g.n, n0 + chunk);
    im2col(g, x, n0, n1, col);
    int rows = (n1 - n0) * g.oh * g.ow;
    sgemm(false, false, rows, g.k, kdim, 1.f, col, kdim, w, g.k, 0.f, y + size_t(n0) * g.oh * g.ow * g.k, g.k);
  }
}

void convBackwardDataIm2col(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const int kdim = g.kh * g.kw * g.c;
  if (isPointwise(g)) {
    sgemm(false, true, g.n * g.h * g.w, g.c, g.k, 1.f, dy, g.k, w, g.k, 0.f, dx, g.c);
    return;
  }
  const int chunk = chunkImages(g);
  float* col = scratch(g_col, size_t(chunk) * g.oh * g.ow * kdim);
  for (int n0 = 0; n0 < g.n; n0 += chunk) {
    int n1 = std::min(g.n, n0 + chunk);
    int rows = (n1 - n0) * g.oh * g.ow;
    sgemm(false, true, rows, kdim, g.k, 1.f, dy + size_t(n0) * g.oh * g.ow * g.k, g.k, w, g.k, 0.f, col, kdim);
    col2im(g, col, n0, n1, dx);
  }
}

void convBackwardFilterIm2col(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const int kdim = g.kh * g.kw * g.c;
  if (isPointwise(g)) {
    sgemm(true, false, g.c, g.k, g.n * g.h * g.w, 1.f, x, g.c, dy, g.k, 0.f, dw, g.k);
    return;
  }
  const int chunk = chunkImages(g);
  float* col = scratch(g_col, size_t(chunk) * g.oh * g.ow * kdim);
  for (int n0 = 0; n0 < g.n; n0 += chunk) {
    int n1 = std::min(g.n, n0 + chunk);
    im2col(g, x, n0, n1, col);
    int rows = (n1 - n0) * g.oh * g.ow;
    sgemm(true, false, kdim, g.k, rows, 1.f, col, kdim, dy + size_t(n0) * g.oh * g.ow * g.k, g.k,
          n0 == 0 ? 0.f : 1.f, dw, g.k);
  }
  if (g.n == 0) std::memset(dw, 0, sizeof(float) * size_t(kdim) * g.k);
}

}  // namespace nn
