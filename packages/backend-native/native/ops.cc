// The common tfjs training ops beyond convolutions: pad (constant, reflect, symmetric), transpose, tile,
// activations, reductions with max/min/prod, softmax, batched matmul, batch norm, 2-D pooling and its
// gradients, gather / unsorted segment sum, top-k, comparisons and select. float32 data, int32 indices,
// uint8 booleans (tfjs-backend-cpu's layouts). Each writes its whole output.
#include <omp.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>
#include "common.h"

// Built once per instruction-set level (binding.gyp); NN_ISA names the level's namespace.
#ifndef NN_ISA
#define NN_ISA baseline
#endif

namespace nn {
namespace NN_ISA {
namespace {
constexpr size_t kParallelMin = 32768;
}

// ---------------------------------------------------------------------------------------------- pad

void pad(const float* x, const int* shape, int rank, const int* before, const int* after, int mode, float value,
         float* out) {
  std::vector<long> os(rank), xs(rank);
  long st = 1;
  for (int i = rank - 1; i >= 0; --i) {
    xs[i] = st;
    st *= shape[i];
    os[i] = long(before[i]) + shape[i] + after[i];
  }
  // p: the innermost padded axis; every axis inside it is copied whole as one block.
  int p = rank - 1;
  while (p >= 0 && before[p] == 0 && after[p] == 0) --p;
  long total = 1;
  for (int i = 0; i < rank; ++i) total *= os[i];
  if (total == 0) return;
  if (p < 0) {
    std::memcpy(out, x, sizeof(float) * total);
    return;
  }
  const long block = p + 1 < rank ? xs[p] : 1;
  const int off = mode == 2 ? 1 : 0;  // symmetric repeats the edge, reflect does not
  // Source index along axis i of output coordinate c, or -1 inside a constant pad.
  auto source = [&](int i, long c) -> long {
    const long start = before[i], end = before[i] + shape[i];
    if (c >= start && c < end) return c - start;
    if (mode == 0) return -1;
    long s = c < start ? 2 * start - c - off : 2 * (end - 1) - c + off;
    return s - start;
  };
  long outer = 1;
  for (int i = 0; i < p; ++i) outer *= os[i];
  const long rowLen = os[p] * block;
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(total) > kParallelMin)
  for (long o = 0; o < outer; ++o) {
    float* dst = out + o * rowLen;
    long base = 0, rem = o;
    bool inside = true;
    for (int i = p - 1; i >= 0; --i) {
      long s = source(i, rem % os[i]);
      rem /= os[i];
      if (s < 0) {
        inside = false;
        break;
      }
      base += s * xs[i];
    }
    if (!inside) {
      std::fill(dst, dst + rowLen, value);
      continue;
    }
    const float* src = x + base;
    const long b = before[p], n = shape[p];
    for (long c = 0; c < b; ++c) {
      long s = source(p, c);
      if (s < 0) std::fill(dst + c * block, dst + (c + 1) * block, value);
      else std::memcpy(dst + c * block, src + s * block, sizeof(float) * block);
    }
    std::memcpy(dst + b * block, src, sizeof(float) * n * block);
    for (long c = b + n; c < os[p]; ++c) {
      long s = source(p, c);
      if (s < 0) std::fill(dst + c * block, dst + (c + 1) * block, value);
      else std::memcpy(dst + c * block, src + s * block, sizeof(float) * block);
    }
  }
}

// ---------------------------------------------------------------------------------------- transpose

void transpose(const float* x, const int* shape, const int* perm, int rank, float* out) {
  // Collapse runs of input axes that stay adjacent and in order in the output; drop size-1 axes.
  std::vector<long> dims;  // collapsed input dims
  std::vector<int> group(rank, -1);
  {
    std::vector<int> keep;
    for (int i = 0; i < rank; ++i)
      if (shape[perm[i]] != 1) keep.push_back(perm[i]);
    // keep: input axes in output order. Merge consecutive ones that are consecutive input axes.
    std::vector<std::vector<int>> runs;
    for (size_t i = 0; i < keep.size(); ++i) {
      if (!runs.empty() && runs.back().back() + 1 == keep[i]) {
        // adjacent in the input only if every axis between them is size 1 (none: consecutive)
        runs.back().push_back(keep[i]);
      } else {
        runs.push_back({keep[i]});
      }
    }
    // Input order of the runs gives the collapsed input shape; output order is runs' order.
    std::vector<int> order(runs.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return runs[a][0] < runs[b][0]; });
    dims.resize(runs.size());
    std::vector<long> inStride(runs.size());
    for (size_t k = 0; k < order.size(); ++k) {
      long d = 1;
      for (int ax : runs[order[k]]) d *= shape[ax];
      dims[order[k]] = d;  // indexed by output position
    }
    long s = 1;
    for (int k = int(order.size()) - 1; k >= 0; --k) {
      inStride[order[k]] = s;
      s *= dims[order[k]];
    }
    const int r = int(runs.size());
    long total = s;
    if (total == 0) return;
    if (r <= 1) {
      std::memcpy(out, x, sizeof(float) * total);
      return;
    }
    // Output axes 0..r-1 with sizes dims[k] and input strides inStride[k].
    const long innerN = dims[r - 1], innerS = inStride[r - 1];
    if (innerS == 1) {
      long outer = total / innerN;
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(total) > kParallelMin)
      for (long o = 0; o < outer; ++o) {
        long off = 0, rem = o;
        for (int k = r - 2; k >= 0; --k) {
          off += (rem % dims[k]) * inStride[k];
          rem /= dims[k];
        }
        std::memcpy(out + o * innerN, x + off, sizeof(float) * innerN);
      }
      return;
    }
    // The input's innermost axis is output axis q: transpose tiles of (q, r-1) so that both the reads and
    // the writes run along contiguous memory.
    int q = 0;
    for (int k = 0; k < r; ++k)
      if (inStride[k] == 1) q = k;
    const long qN = dims[q];
    std::vector<long> ostr(r);
    long os = 1;
    for (int k = r - 1; k >= 0; --k) {
      ostr[k] = os;
      os *= dims[k];
    }
    constexpr long T = 32;
    // Work items: every combination of the other axes × tiles of q × tiles of r-1.
    long others = total / (qN * innerN);
    const long tq = (qN + T - 1) / T, ti = (innerN + T - 1) / T;
    const long items = others * tq * ti;
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(total) > kParallelMin)
    for (long it = 0; it < items; ++it) {
      long o = it / (tq * ti), t = it % (tq * ti);
      long q0 = (t / ti) * T, i0 = (t % ti) * T;
      long inOff = 0, outOff = 0, rem = o;
      for (int k = r - 2; k >= 0; --k) {
        if (k == q) continue;
        long idx = rem % dims[k];
        rem /= dims[k];
        inOff += idx * inStride[k];
        outOff += idx * ostr[k];
      }
      const long q1 = std::min(qN, q0 + T), i1 = std::min(innerN, i0 + T);
      for (long i = i0; i < i1; ++i)
        for (long a = q0; a < q1; ++a) out[outOff + a * ostr[q] + i] = x[inOff + i * innerS + a];
    }
  }
}

// --------------------------------------------------------------------------------------------- tile

void tile(const float* x, const int* shape, const int* reps, int rank, float* out) {
  // Collapse first: drop size-1 axes that are not repeated, merge runs of unrepeated axes (contiguous in x) and
  // runs of repeated size-1 axes (a broadcast: tfjs's broadcastTo and the gradients of reductions).
  std::vector<long> sh, rp;
  for (int i = 0; i < rank; ++i) {
    const long d = shape[i], r = reps[i];
    if (d * r == 0) return;
    if (d == 1 && r == 1) continue;
    if (!sh.empty() && r == 1 && rp.back() == 1) {
      sh.back() *= d;
    } else if (!sh.empty() && d == 1 && sh.back() == 1) {
      rp.back() *= r;
    } else {
      sh.push_back(d);
      rp.push_back(r);
    }
  }
  if (sh.empty()) {
    out[0] = x[0];
    return;
  }
  const int n = int(sh.size());
  std::vector<long> os(n), xs(n);
  long st = 1, total = 1;
  for (int i = n - 1; i >= 0; --i) {
    xs[i] = st;
    st *= sh[i];
    os[i] = sh[i] * rp[i];
    total *= os[i];
  }
  // A row covers the innermost axis, or the two innermost when that one is short (e.g. [g, 1] tiled by [1, 2]).
  const bool two = n >= 2 && os[n - 1] < 64;
  const int rowAxes = two ? 2 : 1;
  const long rowLen = two ? os[n - 1] * os[n - 2] : os[n - 1];
  const long rows = total / rowLen;
  const long in1 = sh[n - 1], rep1 = rp[n - 1];
  const int nt = threads();
#pragma omp parallel num_threads(nt) if (size_t(total) > kParallelMin)
  {
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    const long r0 = rows * t / T, r1 = rows * (t + 1) / T;
    // Odometer over the outer output axes, started at row r0.
    std::vector<long> idx(n, 0);
    long off = 0, rem = r0;
    for (int i = n - 1 - rowAxes; i >= 0; --i) {
      idx[i] = rem % os[i];
      rem /= os[i];
      off += (idx[i] % sh[i]) * xs[i];
    }
    for (long o = r0; o < r1; ++o) {
      float* dst = out + o * rowLen;
      if (two) {
        const long outer2 = os[n - 2], in2 = sh[n - 2], step2 = xs[n - 2], row1 = os[n - 1];
        const float* base = x + off;
        long ai = 0;  // a % in2, without a division per element
        for (long a = 0; a < outer2; ++a) {
          const float* src = base + ai * step2;
          float* d = dst + a * row1;
          if (in1 == 1) {
            const float v = src[0];
            for (long k = 0; k < rep1; ++k) d[k] = v;
          } else {
            for (long k = 0; k < rep1; ++k)
              for (long j = 0; j < in1; ++j) d[k * in1 + j] = src[j];
          }
          if (++ai == in2) ai = 0;
        }
      } else if (in1 == 1) {
        std::fill(dst, dst + rep1, x[off]);
      } else {
        for (long k = 0; k < rep1; ++k) std::memcpy(dst + k * in1, x + off, sizeof(float) * in1);
      }
      for (int i = n - 1 - rowAxes; i >= 0; --i) {
        const long before = idx[i] % sh[i];
        if (++idx[i] < os[i]) {
          off += ((idx[i] % sh[i]) - before) * xs[i];
          break;
        }
        off -= before * xs[i];
        idx[i] = 0;
      }
    }
  }
}

// -------------------------------------------------------------------------------------- activations

namespace {
constexpr float kSeluScale = 1.0507009873554804934193349852946f;
constexpr float kSeluScaleAlpha = 1.7580993408473768599402175208123f;

template <typename F>
void map(const float* x, float* y, size_t n, F f) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (n > kParallelMin / 4)
  for (size_t i = 0; i < n; ++i) y[i] = f(x[i]);
}
}  // namespace

bool activation(int kind, const float* x, float* y, size_t n, float alpha) {
  switch (kind) {
    case 5: map(x, y, n, [](float v) { return 1.f / (1.f + std::exp(-v)); }); return true;
    case 6: map(x, y, n, [](float v) { return std::tanh(v); }); return true;
    case 7: map(x, y, n, [](float v) { return v >= 0.f ? v : std::exp(v) - 1.f; }); return true;
    case 8: map(x, y, n, [](float v) { return v >= 0.f ? kSeluScale * v : kSeluScaleAlpha * (std::exp(v) - 1.f); }); return true;
    case 9: map(x, y, n, [](float v) { return v != v ? v : std::min(std::max(v, 0.f), 6.f); }); return true;
    case 10: map(x, y, n, [alpha](float v) { return v < 0.f ? alpha * v : v; }); return true;
    case 11: map(x, y, n, [](float v) { return std::exp(v); }); return true;
    case 12: map(x, y, n, [](float v) { return std::log(v); }); return true;
    case 13: map(x, y, n, [](float v) { return std::sqrt(v); }); return true;
    case 14: map(x, y, n, [](float v) { return 1.f / std::sqrt(v); }); return true;
    case 15: map(x, y, n, [](float v) { return 1.f / v; }); return true;
    case 16: map(x, y, n, [](float v) { return v > 0.f ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); }); return true;
    case 17: map(x, y, n, [](float v) { return std::floor(v); }); return true;
    default: return false;
  }
}

// The gradients of relu (kind 0) and relu6 (kind 1) in one pass: dy times the mask tfjs's gradients build from
// step / lessEqual (1 inside, 0 outside, NaN where x is NaN), the same products as their op-by-op gradients.
void reluGrad(int kind, const float* dy, const float* x, float* dx, size_t n) {
  const float hi = kind == 1 ? 6.f : std::numeric_limits<float>::infinity();
#pragma omp parallel for num_threads(threads()) schedule(static) if (n > kParallelMin)
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float m = v != v ? v : (v > 0.f && v <= hi ? 1.f : 0.f);
    dx[i] = dy[i] * m;
  }
}

void eluGrad(const float* dy, const float* y, float* dx, size_t n) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (n > kParallelMin)
  for (size_t i = 0; i < n; ++i) dx[i] = y[i] >= 0.f ? dy[i] : dy[i] * (y[i] + 1.f);
}

// ------------------------------------------------------------------------------ comparisons, select

namespace {
template <typename F>
void compareRun(const float* a, const int* as, const float* b, const int* bs, uint8_t* out, const int* os, int rank, F f) {
  // Small general broadcast (comparisons are masks of activations: mostly same shape or tensor ∘ scalar).
  std::vector<long> sa(rank), sb(rank);
  long stA = 1, stB = 1, total = 1;
  for (int i = rank - 1; i >= 0; --i) {
    sa[i] = as[i] == 1 ? 0 : stA;
    sb[i] = bs[i] == 1 ? 0 : stB;
    stA *= as[i];
    stB *= bs[i];
    total *= os[i];
  }
  const long inner = rank ? os[rank - 1] : 1, rows = inner ? total / inner : 0;
  const long ia = rank ? sa[rank - 1] : 0, ib = rank ? sb[rank - 1] : 0;
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(total) > kParallelMin)
  for (long r = 0; r < rows; ++r) {
    long offA = 0, offB = 0, rem = r;
    for (int i = rank - 2; i >= 0; --i) {
      long idx = rem % os[i];
      rem /= os[i];
      offA += idx * sa[i];
      offB += idx * sb[i];
    }
    for (long j = 0; j < inner; ++j) out[r * inner + j] = f(a[offA + j * ia], b[offB + j * ib]) ? 1 : 0;
  }
}
}  // namespace

void compare(int op, const float* a, const int* as, const float* b, const int* bs, uint8_t* out, const int* os, int rank) {
  switch (op) {
    case 0: compareRun(a, as, b, bs, out, os, rank, [](float u, float v) { return u > v; }); break;
    case 1: compareRun(a, as, b, bs, out, os, rank, [](float u, float v) { return u >= v; }); break;
    case 2: compareRun(a, as, b, bs, out, os, rank, [](float u, float v) { return u < v; }); break;
    case 3: compareRun(a, as, b, bs, out, os, rank, [](float u, float v) { return u <= v; }); break;
    case 4: compareRun(a, as, b, bs, out, os, rank, [](float u, float v) { return u == v; }); break;
    default: compareRun(a, as, b, bs, out, os, rank, [](float u, float v) { return u != v; }); break;
  }
}

void select(const uint8_t* cond, long condSize, const float* t, const float* e, float* out, long n) {
  // cond has n values, or one per outer row (tfjs: a rank-1 condition picks whole rows).
  const long per = condSize == n ? 1 : n / condSize;
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(n) > kParallelMin)
  for (long i = 0; i < n; ++i) out[i] = cond[i / per] ? t[i] : e[i];
}

// ------------------------------------------------------------------------------------------ softmax

void softmax(const float* x, float* y, long rows, long n) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(rows) * n > kParallelMin / 4)
  for (long r = 0; r < rows; ++r) {
    const float* p = x + r * n;
    float* q = y + r * n;
    float m = -std::numeric_limits<float>::infinity();
    for (long j = 0; j < n; ++j) m = std::max(m, p[j]);
    double s = 0;
    for (long j = 0; j < n; ++j) {
      q[j] = std::exp(p[j] - m);
      s += q[j];
    }
    const float inv = float(1.0 / s);
    for (long j = 0; j < n; ++j) q[j] *= inv;
  }
}

// ------------------------------------------------------------------------------------ batch matmul

void batchMatMul(const float* a, const float* b, float* c, long batchA, long batchB, int m, int n, int k, bool transA,
                 bool transB) {
  const long batch = std::max(batchA, batchB);
  const int lda = transA ? m : k, ldb = transB ? k : n;
  const size_t sa = size_t(m) * k, sb = size_t(k) * n, sc = size_t(m) * n;
  // Many small products: one per thread, each single-threaded; few large ones: the GEMM's own threads.
  const bool perThread = batch >= threads() && double(m) * n * k < 4e6;
  if (perThread) {
#pragma omp parallel for num_threads(threads()) schedule(static)
    for (long i = 0; i < batch; ++i)
      sgemm(transA, transB, m, n, k, 1.f, a + (i % batchA) * sa, lda, b + (i % batchB) * sb, ldb, 0.f, c + i * sc, n);
    return;
  }
  for (long i = 0; i < batch; ++i)
    sgemm(transA, transB, m, n, k, 1.f, a + (i % batchA) * sa, lda, b + (i % batchB) * sb, ldb, 0.f, c + i * sc, n);
}

// -------------------------------------------------------------------------------------- batch norm

void batchNorm(const float* x, long n, const float* mean, long nm, const float* var, long nv, const float* offset,
               long no, const float* scale, long ns, float eps, float* y) {
  const long c = nm;
  if (nv == c && (no == 0 || no == c) && (ns == 0 || ns == c) && n % c == 0) {
    // Statistics per channel (the innermost axis): y = x·a + b with a, b computed once per channel.
    std::vector<float> a(c), b(c);
    for (long j = 0; j < c; ++j) {
      const double r = (ns ? scale[j] : 1.0) / std::sqrt(double(var[j]) + eps);
      a[j] = float(r);
      b[j] = float((no ? offset[j] : 0.0) - mean[j] * r);
    }
    const long rows = n / c;
    const float* pa = a.data();
    const float* pb = b.data();
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(n) > kParallelMin)
    for (long r = 0; r < rows; ++r) {
      const float* p = x + r * c;
      float* q = y + r * c;
      for (long j = 0; j < c; ++j) q[j] = p[j] * pa[j] + pb[j];
    }
    return;
  }
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(n) > kParallelMin)
  for (long i = 0; i < n; ++i) {
    const float s = ns ? scale[i % ns] : 1.f, o = no ? offset[i % no] : 0.f;
    y[i] = (x[i] - mean[i % nm]) * s / std::sqrt(var[i % nv] + eps) + o;
  }
}

// The gradient of batchNorm with statistics per channel (the innermost axis of x[rows, c]) with respect to every
// input, in one pass over dy and x, as tfjs's gradient of FusedBatchNorm defines it (mean and variance are inputs
// of their own): with r = 1/√(var + eps) and sums over the rows S1 = Σ dy, S2 = Σ dy·(x − mean):
// dx = dy·scale·r, dmean = −r·scale·S1, dvar = −½·r³·scale·S2, dscale = r·S2, doffset = S1. scale may be null (1).
void batchNormGrad(const float* dy, const float* x, long rows, long c, const float* mean, const float* var,
                   const float* scale, float eps, float* dx, float* dmean, float* dvar, float* dscale, float* doffset) {
  std::vector<double> r(c);
  std::vector<float> a(c);
  for (long j = 0; j < c; ++j) {
    r[j] = 1.0 / std::sqrt(double(var[j]) + double(eps));
    a[j] = float((scale ? scale[j] : 1.0) * r[j]);
  }
  const int nt = threads();
  const bool par = size_t(rows) * c > kParallelMin;
  const int parts = par ? nt : 1;
  std::vector<double> s1(size_t(parts) * c, 0.0), s2(size_t(parts) * c, 0.0);
  const float* pa = a.data();
#pragma omp parallel num_threads(parts) if (par)
  {
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    double* q1 = s1.data() + size_t(t) * c;
    double* q2 = s2.data() + size_t(t) * c;
    const long r0 = rows * t / T, r1 = rows * (t + 1) / T;
    // float row accumulators, flushed into the double sums every 64 rows (vectorised inner loops).
    std::vector<float> f1(c), f2(c);
    long pending = 0;
    for (long i = r0; i < r1; ++i) {
      const float* g = dy + i * c;
      const float* p = x + i * c;
      float* o = dx + i * c;
      if (pending == 0) {
        std::fill(f1.begin(), f1.end(), 0.f);
        std::fill(f2.begin(), f2.end(), 0.f);
      }
      for (long j = 0; j < c; ++j) {
        o[j] = g[j] * pa[j];
        f1[j] += g[j];
        f2[j] += g[j] * (p[j] - mean[j]);
      }
      if (++pending == 64 || i + 1 == r1) {
        for (long j = 0; j < c; ++j) {
          q1[j] += f1[j];
          q2[j] += f2[j];
        }
        pending = 0;
      }
    }
  }
  for (long j = 0; j < c; ++j) {
    double t1 = 0, t2 = 0;
    for (int t = 0; t < parts; ++t) {
      t1 += s1[size_t(t) * c + j];
      t2 += s2[size_t(t) * c + j];
    }
    const double sc = scale ? scale[j] : 1.0;
    dmean[j] = float(-r[j] * sc * t1);
    dvar[j] = float(-0.5 * r[j] * r[j] * r[j] * sc * t2);
    dscale[j] = float(r[j] * t2);
    doffset[j] = float(t1);
  }
}

// ----------------------------------------------------------------------------------------- pooling

// Max (kind 0) or average (kind 1, over the window's pixels inside the input) pooling of NHWC x.
void pool2d(int kind, const PoolGeom& g, const float* x, float* y) {
  const long outer = long(g.n) * g.oh;
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(outer) * g.ow * g.c > kParallelMin / 4)
  for (long no = 0; no < outer; ++no) {
    const int b = int(no / g.oh), oy = int(no % g.oh);
    std::vector<float> acc(g.c);
    const int y0 = oy * g.sh - g.pt;
    for (int ox = 0; ox < g.ow; ++ox) {
      const int x0 = ox * g.sw - g.pl;
      std::fill(acc.begin(), acc.end(), kind == 0 ? -std::numeric_limits<float>::infinity() : 0.f);
      int count = 0;
      for (int ky = 0; ky < g.kh; ++ky) {
        const int iy = y0 + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        for (int kx = 0; kx < g.kw; ++kx) {
          const int ix = x0 + kx * g.dw;
          if (ix < 0 || ix >= g.w) continue;
          const float* p = x + ((size_t(b) * g.h + iy) * g.w + ix) * g.c;
          ++count;
          if (kind == 0)
            for (int c = 0; c < g.c; ++c) acc[c] = p[c] > acc[c] ? p[c] : acc[c];
          else
            for (int c = 0; c < g.c; ++c) acc[c] += p[c];
        }
      }
      float* q = y + ((size_t(b) * g.oh + oy) * g.ow + ox) * g.c;
      if (kind == 0) std::memcpy(q, acc.data(), sizeof(float) * g.c);
      else for (int c = 0; c < g.c; ++c) q[c] = acc[c] / float(count);
    }
  }
}

// Gradients: max pooling routes dy to the first maximum of each window (as tfjs), average pooling spreads
// dy / (kh·kw) over the window (tfjs's AvgPoolGrad divides by the full window also where it is padded).
void pool2dGrad(int kind, const PoolGeom& g, const float* dy, const float* x, float* dx) {
  std::memset(dx, 0, sizeof(float) * size_t(g.n) * g.h * g.w * g.c);
  const float avg = 1.f / float(g.kh * g.kw);
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(g.n) * g.oh * g.ow * g.c > kParallelMin / 4)
  for (int b = 0; b < g.n; ++b) {
    std::vector<float> best(g.c);
    std::vector<long> arg(g.c);
    for (int oy = 0; oy < g.oh; ++oy)
      for (int ox = 0; ox < g.ow; ++ox) {
        const float* d = dy + ((size_t(b) * g.oh + oy) * g.ow + ox) * g.c;
        const int y0 = oy * g.sh - g.pt, x0 = ox * g.sw - g.pl;
        if (kind == 0) std::fill(best.begin(), best.end(), -std::numeric_limits<float>::infinity());
        if (kind == 0) std::fill(arg.begin(), arg.end(), -1);
        for (int ky = 0; ky < g.kh; ++ky) {
          const int iy = y0 + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int kx = 0; kx < g.kw; ++kx) {
            const int ix = x0 + kx * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            const size_t base = ((size_t(b) * g.h + iy) * g.w + ix) * g.c;
            if (kind == 0) {
              const float* p = x + base;
              for (int c = 0; c < g.c; ++c)
                if (p[c] > best[c]) {
                  best[c] = p[c];
                  arg[c] = long(base) + c;
                }
            } else {
              for (int c = 0; c < g.c; ++c) dx[base + c] += d[c] * avg;
            }
          }
        }
        if (kind == 0)
          for (int c = 0; c < g.c; ++c)
            if (arg[c] >= 0) dx[arg[c]] += d[c];
      }
  }
}

// ------------------------------------------------------------------------------ gather, segment sum

bool gather(const float* x, long outer, long axisN, long inner, const int32_t* idx, long nIdx, float* out) {
  for (long i = 0; i < nIdx; ++i)
    if (idx[i] < 0 || idx[i] >= axisN) return false;
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(outer) * nIdx * inner > kParallelMin)
  for (long o = 0; o < outer; ++o)
    for (long i = 0; i < nIdx; ++i)
      std::memcpy(out + (o * nIdx + i) * inner, x + (o * axisN + idx[i]) * inner, sizeof(float) * inner);
  return true;
}

void unsortedSegmentSum(const float* x, long rows, long inner, const int32_t* ids, long segments, float* out) {
  std::memset(out, 0, sizeof(float) * segments * inner);
  // Threads split the columns, so that no two write one output.
  const int nt = threads();
  const bool par = size_t(rows) * inner > kParallelMin && inner >= nt;
#pragma omp parallel num_threads(nt) if (par)
  {
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    const long c0 = inner * t / T, c1 = inner * (t + 1) / T;
    for (long r = 0; r < rows; ++r) {
      const long s = ids[r];
      if (s < 0 || s >= segments) continue;  // TensorFlow drops negative ids
      const float* p = x + r * inner;
      float* q = out + s * inner;
      for (long c = c0; c < c1; ++c) q[c] += p[c];
    }
  }
}

// --------------------------------------------------------------------------------------------- topk

void topk(const float* x, long rows, long n, int k, float* values, int32_t* indices) {
#pragma omp parallel num_threads(threads()) if (size_t(rows) * n > kParallelMin)
  {
    std::vector<int32_t> order(n);
#pragma omp for schedule(static)
    for (long r = 0; r < rows; ++r) {
      const float* p = x + r * n;
      std::iota(order.begin(), order.end(), 0);
      // Larger first; ties by the lower index (tfjs's order).
      std::partial_sort(order.begin(), order.begin() + k, order.end(), [p](int32_t a, int32_t b) {
        return p[a] > p[b] || (p[a] == p[b] && a < b);
      });
      for (int j = 0; j < k; ++j) {
        values[r * k + j] = p[order[j]];
        indices[r * k + j] = order[j];
      }
    }
  }
}

// ------------------------------------------------------------------------------------------- oneHot

void oneHot(const int32_t* idx, long n, int depth, float on, float off, float* out) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(n) * depth > kParallelMin)
  for (long i = 0; i < n; ++i) {
    float* q = out + i * depth;
    std::fill(q, q + depth, off);
    if (idx[i] >= 0 && idx[i] < depth) q[idx[i]] = on;
  }
}

// --------------------------------------------------------------------------------------------- cast

namespace {
// JavaScript's ToInt32 (what Int32Array.from does to a float): NaN and ±∞ give 0, otherwise truncation toward zero
// taken modulo 2^32.
inline int32_t toInt32(float v) {
  if (!(v == v) || v == std::numeric_limits<float>::infinity() || v == -std::numeric_limits<float>::infinity()) return 0;
  if (v > -2147483648.f && v < 2147483648.f) return int32_t(v);
  double m = std::fmod(std::trunc(double(v)), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return int32_t(uint32_t(m));
}

template <typename From, typename To, typename F>
void castLoop(const void* x, void* y, size_t n, F f) {
  const From* p = static_cast<const From*>(x);
  To* q = static_cast<To*>(y);
#pragma omp parallel for num_threads(threads()) schedule(static) if (n > kParallelMin)
  for (size_t i = 0; i < n; ++i) q[i] = f(p[i]);
}
}  // namespace

// Type codes: 0 float32, 1 int32, 2 bool (uint8 0/1). To bool is `x != 0` (NaN is true), as tfjs.
void castValues(int from, const void* x, int to, void* y, size_t n) {
  if (from == 0 && to == 1) castLoop<float, int32_t>(x, y, n, toInt32);
  else if (from == 0 && to == 2) castLoop<float, uint8_t>(x, y, n, [](float v) { return uint8_t(v != 0.f); });
  else if (from == 1 && to == 0) castLoop<int32_t, float>(x, y, n, [](int32_t v) { return float(v); });
  else if (from == 1 && to == 2) castLoop<int32_t, uint8_t>(x, y, n, [](int32_t v) { return uint8_t(v != 0); });
  else if (from == 2 && to == 0) castLoop<uint8_t, float>(x, y, n, [](uint8_t v) { return float(v != 0); });
  else if (from == 2 && to == 1) castLoop<uint8_t, int32_t>(x, y, n, [](uint8_t v) { return int32_t(v != 0); });
  else if (from == 0 && to == 0) castLoop<float, float>(x, y, n, [](float v) { return v; });
  else if (from == 1 && to == 1) castLoop<int32_t, int32_t>(x, y, n, [](int32_t v) { return v; });
  else castLoop<uint8_t, uint8_t>(x, y, n, [](uint8_t v) { return uint8_t(v != 0); });
}

// ------------------------------------------------------------------------------------ strided slice

// out[i0, …, ir] = x[begin[0] + i0·strides[0], …] (strides of any sign, none zero): rows of the innermost axis,
// memcpy where its stride is 1.
void stridedSlice(const float* x, const int* shape, const int* begin, const int* strides, const int* outShape, int rank,
                  float* out) {
  std::vector<long> st(rank);
  long s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    st[i] = s;
    s *= shape[i];
  }
  const long inner = outShape[rank - 1];
  long rows = 1;
  for (int i = 0; i < rank - 1; ++i) rows *= outShape[i];
  if (inner == 0 || rows == 0) return;
  const long innerStep = long(strides[rank - 1]) * st[rank - 1];
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(rows) * inner > kParallelMin)
  for (long r = 0; r < rows; ++r) {
    long off = long(begin[rank - 1]) * st[rank - 1], rem = r;
    for (int i = rank - 2; i >= 0; --i) {
      off += (begin[i] + (rem % outShape[i]) * long(strides[i])) * st[i];
      rem /= outShape[i];
    }
    float* q = out + r * inner;
    const float* p = x + off;
    if (innerStep == 1) {
      std::memcpy(q, p, sizeof(float) * inner);
    } else {
      for (long j = 0; j < inner; ++j) q[j] = p[j * innerStep];
    }
  }
}

}  // namespace NN_ISA
}  // namespace nn
