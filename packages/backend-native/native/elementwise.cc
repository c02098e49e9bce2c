// Broadcasting add/sub/mul/div/max, relu, step, abs, square, neg and sum-reductions over any axes, for float32 tensors.
// Shapes are collapsed first (adjacent axes that broadcast the same way become one), so the common
// patterns — same shape, tensor ∘ scalar, [n,h,w,c] ∘ [c], [n,h,w,c] ∘ [n,1,1,c] — end in a contiguous
// inner loop that the compiler vectorises.
#include <omp.h>
#include <algorithm>
#include <cstring>
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

template <int Op>
inline float apply(float a, float b) {
  if constexpr (Op == kAdd) return a + b;
  if constexpr (Op == kSub) return a - b;
  if constexpr (Op == kMul) return a * b;
  if constexpr (Op == kMax) return a != a ? a : (b != b ? b : (a > b ? a : b));  // NaN wins, as Math.max
  if constexpr (Op == kMin) return a != a ? a : (b != b ? b : (a < b ? a : b));
  if constexpr (Op == kSqDiff) return (a - b) * (a - b);
  return a / b;
}

template <int Op>
void inner(const float* a, long sa, const float* b, long sb, float* o, long n) {
  if (sa == 1 && sb == 1) {
    for (long i = 0; i < n; ++i) o[i] = apply<Op>(a[i], b[i]);
  } else if (sa == 1) {
    const float bv = b[0];
    for (long i = 0; i < n; ++i) o[i] = apply<Op>(a[i], bv);
  } else if (sb == 1) {
    const float av = a[0];
    for (long i = 0; i < n; ++i) o[i] = apply<Op>(av, b[i]);
  } else {
    const float v = apply<Op>(a[0], b[0]);
    for (long i = 0; i < n; ++i) o[i] = v;
  }
}

template <int Op>
void run(const float* a, const float* b, float* out, const std::vector<long>& dims, const std::vector<long>& sa,
         const std::vector<long>& sb) {
  const int r = int(dims.size());
  const long innerN = dims[r - 1];
  // Short inner runs (GroupNorm written as ops: [n,h,w,g,c/g] ∘ [n,1,1,g,1] ends in runs of c/g values) make one
  // work item cover the two innermost axes, so the index arithmetic is paid per row, not per run.
  const bool twoAxes = r >= 2 && innerN < 64;
  const int outerAxes = twoAxes ? r - 2 : r - 1;
  const long mid = twoAxes ? dims[r - 2] : 1;
  const long midA = twoAxes ? sa[r - 2] : 0, midB = twoAxes ? sb[r - 2] : 0;
  long outer = 1;
  for (int i = 0; i < outerAxes; ++i) outer *= dims[i];
  // Split long inner runs so that even a single row keeps every thread busy.
  const long block = innerN > 65536 ? 16384 : innerN;
  const long blocks = (innerN + block - 1) / block;
  const long items = outer * blocks;
  // The GroupNorm pattern: one operand holds a value per short run. Its row of mid × innerN values is the same for
  // many consecutive items (every h, w of one image), so each thread expands it once into `ex` and then runs a
  // plain contiguous loop that the compiler vectorises.
  const bool runsA = twoAxes && sa[r - 1] == 1 && sb[r - 1] == 0 && midA == innerN;
  const bool runsB = twoAxes && sa[r - 1] == 0 && sb[r - 1] == 1 && midB == innerN;
#pragma omp parallel num_threads(threads()) if (size_t(outer) * mid * innerN > kParallelMin)
  {
    std::vector<float> ex((runsA || runsB) ? mid * innerN : 0);
    const float* expanded = nullptr;
#pragma omp for schedule(static)
  for (long it = 0; it < items; ++it) {
    long o = it / blocks, blk = it % blocks;
    long offA = 0, offB = 0, rem = o;
    for (int i = outerAxes - 1; i >= 0; --i) {
      long idx = rem % dims[i];
      rem /= dims[i];
      offA += idx * sa[i];
      offB += idx * sb[i];
    }
    long start = blk * block, n = std::min(block, innerN - start);
    if (runsA || runsB) {
      const float* full = runsA ? a + offA : b + offB;
      const float* per = runsA ? b + offB : a + offA;
      const long step = runsA ? midB : midA, len = mid * innerN;
      if (per != expanded) {
        for (long j = 0; j < mid; ++j)
          for (long i = 0; i < innerN; ++i) ex[j * innerN + i] = per[j * step];
        expanded = per;
      }
      float* dst = out + o * len;
      const float* e = ex.data();
      if (runsA) {
        for (long i = 0; i < len; ++i) dst[i] = apply<Op>(full[i], e[i]);
      } else {
        for (long i = 0; i < len; ++i) dst[i] = apply<Op>(e[i], full[i]);
      }
      continue;
    }
    for (long j = 0; j < mid; ++j) {
      inner<Op>(a + offA + j * midA + start * sa[r - 1], sa[r - 1], b + offB + j * midB + start * sb[r - 1], sb[r - 1],
                out + (o * mid + j) * innerN + start, n);
    }
  }
  }
}

}  // namespace

void binaryBroadcast(int op, const float* a, const int* ashape, const float* b, const int* bshape, float* out,
                     const int* oshape, int rank) {
  // Strides of a and b in the output's index space (0 where broadcast), from the innermost axis out.
  std::vector<long> dims, sa, sb;
  long stA = 1, stB = 1;
  for (int i = rank - 1; i >= 0; --i) {
    long d = oshape[i];
    if (d == 0) return;
    long xa = ashape[i] == 1 ? 0 : stA, xb = bshape[i] == 1 ? 0 : stB;
    stA *= ashape[i];
    stB *= bshape[i];
    if (d == 1) continue;
    if (!dims.empty()) {
      // Merge with the axis inside it when both operands step through the pair as one axis.
      long din = dims.back(), ia = sa.back(), ib = sb.back();
      if (xa == ia * din && xb == ib * din) {
        dims.back() *= d;
        continue;
      }
    }
    dims.push_back(d);
    sa.push_back(xa);
    sb.push_back(xb);
  }
  if (dims.empty()) {
    dims.push_back(1);
    sa.push_back(1);
    sb.push_back(1);
  }
  std::reverse(dims.begin(), dims.end());
  std::reverse(sa.begin(), sa.end());
  std::reverse(sb.begin(), sb.end());
  switch (op) {
    case kAdd: run<kAdd>(a, b, out, dims, sa, sb); break;
    case kSub: run<kSub>(a, b, out, dims, sa, sb); break;
    case kMul: run<kMul>(a, b, out, dims, sa, sb); break;
    case kMax: run<kMax>(a, b, out, dims, sa, sb); break;
    case kMin: run<kMin>(a, b, out, dims, sa, sb); break;
    case kSqDiff: run<kSqDiff>(a, b, out, dims, sa, sb); break;
    default: run<kDiv>(a, b, out, dims, sa, sb); break;
  }
}

void relu(const float* x, float* y, size_t n) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (n > kParallelMin)
  for (size_t i = 0; i < n; ++i) y[i] = x[i] < 0.f ? 0.f : x[i];  // NaN stays NaN, as in tfjs
}

void step(const float* x, float* y, size_t n, float alpha) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (n > kParallelMin)
  for (size_t i = 0; i < n; ++i) y[i] = x[i] > 0.f ? 1.f : (x[i] != x[i] ? x[i] : alpha);
}

void absolute(const float* x, float* y, size_t n) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (n > kParallelMin)
  for (size_t i = 0; i < n; ++i) y[i] = x[i] < 0.f ? -x[i] : x[i];  // NaN stays NaN
}

void square(const float* x, float* y, size_t n) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (n > kParallelMin)
  for (size_t i = 0; i < n; ++i) y[i] = x[i] * x[i];
}

void negate(const float* x, float* y, size_t n) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (n > kParallelMin)
  for (size_t i = 0; i < n; ++i) y[i] = -x[i];
}

// Accumulators of the reductions (in float64): 0 sum, 1 max, 2 min, 3 prod. Max and min let NaN win, as
// tfjs's cpu kernels.
template <int Kind>
struct Reducer {
  static constexpr double init() {
    return Kind == 0 ? 0.0 : Kind == 1 ? -__builtin_huge_val() : Kind == 2 ? __builtin_huge_val() : 1.0;
  }
  static double comb(double a, double b) {
    if constexpr (Kind == 0) return a + b;
    if constexpr (Kind == 1) return a != a ? a : (b != b || b > a ? b : a);
    if constexpr (Kind == 2) return a != a ? a : (b != b || b < a ? b : a);
    return a * b;
  }
};

template <int Kind>
void reduceImpl(const float* x, const int* shape, const uint8_t* reduced, int rank, float scale, float* out) {
  constexpr double init = Reducer<Kind>::init();
  auto comb = [](double a, double b) { return Reducer<Kind>::comb(a, b); };
  // Collapse adjacent axes with the same role; drop size-1 axes.
  std::vector<long> dims;
  std::vector<uint8_t> red;
  size_t total = 1, outN = 1;
  for (int i = 0; i < rank; ++i) {
    total *= size_t(shape[i]);
    if (!reduced[i]) outN *= size_t(shape[i]);
    if (shape[i] == 1) continue;
    if (!dims.empty() && red.back() == reduced[i]) {
      dims.back() *= shape[i];
    } else {
      dims.push_back(shape[i]);
      red.push_back(reduced[i]);
    }
  }
  if (outN == 0) return;
  if (total == 0) {
    for (size_t i = 0; i < outN; ++i) out[i] = float(init);  // empty reductions: the identity
    return;
  }
  const int r = int(dims.size());
  if (r == 0 || (r == 1 && !red[0])) {  // nothing to reduce
    for (size_t i = 0; i < outN; ++i) out[i] = float(comb(init, x[i]) * scale);
    return;
  }
  std::vector<long> stride(r);
  long st = 1;
  for (int i = r - 1; i >= 0; --i) {
    stride[i] = st;
    st *= dims[i];
  }
  const int nt = threads();
  const bool par = total > kParallelMin;
  // [kept K0?, reduced R1, kept K2, reduced R3] with short R3 runs (moments over [1, 2, 4] of [n, h, w, g, c/g]:
  // GroupNorm written with tf.moments): each slab's R1 rows of K2·R3 values are summed into one contiguous
  // accumulator row (vectorised), and only then each run of R3 is folded.
  if (red[r - 1] && dims[r - 1] < 64 && ((r == 4 && !red[0] && red[1] && !red[2]) || (r == 3 && red[0] && !red[1]))) {
    const long slabs = r == 4 ? dims[0] : 1, rows = dims[r - 3], k2 = dims[r - 2], r3 = dims[r - 1];
    const long rowLen = k2 * r3;
    auto foldRows = [&](const float* p, long from, long to, double* acc) {
      for (long j = 0; j < rowLen; ++j) acc[j] = init;
      for (long i = from; i < to; ++i) {
        const float* q = p + i * rowLen;
        for (long j = 0; j < rowLen; ++j) acc[j] = comb(acc[j], q[j]);
      }
    };
    auto emit = [&](const double* acc, float* o) {
      for (long k = 0; k < k2; ++k) {
        double v = init;
        for (long j = 0; j < r3; ++j) v = comb(v, acc[k * r3 + j]);
        o[k] = float(v * scale);
      }
    };
    if (slabs >= nt || !par) {
#pragma omp parallel num_threads(nt) if (par)
      {
        std::vector<double> acc(rowLen);
#pragma omp for schedule(static)
        for (long s0 = 0; s0 < slabs; ++s0) {
          foldRows(x + s0 * rows * rowLen, 0, rows, acc.data());
          emit(acc.data(), out + s0 * k2);
        }
      }
      return;
    }
    // Few slabs: split each slab's rows across threads, then combine the partial rows.
    std::vector<double> partial(size_t(nt) * rowLen);
    for (long s0 = 0; s0 < slabs; ++s0) {
      const float* p = x + s0 * rows * rowLen;
      std::fill(partial.begin(), partial.end(), init);  // rows of threads OpenMP did not start stay neutral
#pragma omp parallel num_threads(nt)
      {
        const int t = omp_get_thread_num(), T = omp_get_num_threads();
        foldRows(p, rows * t / T, rows * (t + 1) / T, partial.data() + size_t(t) * rowLen);
      }
      for (int t = 1; t < nt; ++t)
        for (long j = 0; j < rowLen; ++j) partial[j] = comb(partial[j], partial[size_t(t) * rowLen + j]);
      emit(partial.data(), out + s0 * k2);
    }
    return;
  }
  if (red[r - 1] && dims[r - 1] < 64 && r >= 3 && !red[0] && (dims[0] >= nt || !par)) {
    // Short reduced runs under a kept outer axis (moments over [1, 2, 4] of [n,h,w,g,c/g]: runs of c/g values):
    // each slab of axis 0 is read front to back once, an odometer over the middle axes moving the output.
    const long innerN = dims[r - 1], slabs = dims[0];
    const long perSlabOut = long(outN) / slabs, slabSize = long(total) / slabs, runs = slabSize / innerN;
    std::vector<long> ostride(r, 0);
    long os = 1;
    for (int i = r - 1; i >= 0; --i)
      if (!red[i]) {
        ostride[i] = os;
        os *= dims[i];
      }
#pragma omp parallel for num_threads(nt) schedule(static) if (par)
    for (long s0 = 0; s0 < slabs; ++s0) {
      std::vector<double> acc(perSlabOut, init);
      std::vector<long> idx(r, 0);
      const float* p = x + s0 * slabSize;
      long o = 0;
      for (long run = 0; run < runs; ++run, p += innerN) {
        double v = init;
        for (long j = 0; j < innerN; ++j) v = comb(v, p[j]);
        acc[o] = comb(acc[o], v);
        for (int i = r - 2; i >= 1; --i) {
          if (++idx[i] < dims[i]) {
            o += ostride[i];
            break;
          }
          o -= ostride[i] * (dims[i] - 1);
          idx[i] = 0;
        }
      }
      for (long k = 0; k < perSlabOut; ++k) out[s0 * perSlabOut + k] = float(acc[k] * scale);
    }
    return;
  }
  if (red[r - 1]) {
    // [..., R]: each output sums runs of `inner` contiguous values; parallel over outputs when there
    // are enough of them, otherwise over the runs of a single output.
    const long innerN = dims[r - 1];
    long reducedRuns = 1;
    for (int i = 0; i < r - 1; ++i)
      if (red[i]) reducedRuns *= dims[i];
    auto sumOutput = [&](long o, long runFrom, long runTo) {
      // Base offset of output o (kept axes), then walk the reduced axes other than the last.
      long base = 0, rem = o;
      for (int i = r - 1; i >= 0; --i)
        if (!red[i]) {
          base += (rem % dims[i]) * stride[i];
          rem /= dims[i];
        }
      double acc = init;
      for (long run = runFrom; run < runTo; ++run) {
        long off = base, rr = run;
        for (int i = r - 2; i >= 0; --i)
          if (red[i]) {
            off += (rr % dims[i]) * stride[i];
            rr /= dims[i];
          }
        const float* p = x + off;
        double runAcc = init;
        for (long j = 0; j < innerN; ++j) runAcc = comb(runAcc, p[j]);
        acc = comb(acc, runAcc);
      }
      return acc;
    };
    if (long(outN) >= 2 * nt || !par) {
#pragma omp parallel for num_threads(nt) schedule(static) if (par)
      for (long o = 0; o < long(outN); ++o) out[o] = float(sumOutput(o, 0, reducedRuns) * scale);
    } else {
      for (long o = 0; o < long(outN); ++o) {
        double acc = init;
        if (reducedRuns >= nt) {
          std::vector<double> part(nt, init);
#pragma omp parallel for num_threads(nt) schedule(static)
          for (int t = 0; t < nt; ++t) part[t] = sumOutput(o, reducedRuns * t / nt, reducedRuns * (t + 1) / nt);
          for (int t = 0; t < nt; ++t) acc = comb(acc, part[t]);
        } else {
          acc = sumOutput(o, 0, reducedRuns);
        }
        out[o] = float(acc * scale);
      }
    }
    return;
  }
  // [..., K]: vectors of the K innermost values are accumulated over the reduced axes.
  const long k = dims[r - 1];
  const long prefixOut = long(outN) / k;
  long reducedCount = 1;
  for (int i = 0; i < r - 1; ++i)
    if (red[i]) reducedCount *= dims[i];
  auto offsetOf = [&](long o, long rIdx) {
    long off = 0, ro = o, rr = rIdx;
    for (int i = r - 2; i >= 0; --i) {
      if (red[i]) {
        off += (rr % dims[i]) * stride[i];
        rr /= dims[i];
      } else {
        off += (ro % dims[i]) * stride[i];
        ro /= dims[i];
      }
    }
    return off;
  };
  if (prefixOut >= 2 * nt || !par) {
#pragma omp parallel num_threads(nt) if (par)
    {
      std::vector<double> acc(k, init);
#pragma omp for schedule(static)
      for (long o = 0; o < prefixOut; ++o) {
        std::fill(acc.begin(), acc.end(), init);
        for (long ri = 0; ri < reducedCount; ++ri) {
          const float* p = x + offsetOf(o, ri);
          for (long j = 0; j < k; ++j) acc[j] = comb(acc[j], p[j]);
        }
        for (long j = 0; j < k; ++j) out[o * k + j] = float(acc[j] * scale);
      }
    }
    return;
  }
  // Few outputs (e.g. a bias gradient: [n·h·w, c] → [c]): split the reduced range across threads.
  std::vector<double> partial(size_t(nt) * prefixOut * k, init);
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    double* acc = partial.data() + size_t(t) * prefixOut * k;
    const long from = reducedCount * t / nt, to = reducedCount * (t + 1) / nt;
    for (long o = 0; o < prefixOut; ++o)
      for (long ri = from; ri < to; ++ri) {
        const float* p = x + offsetOf(o, ri);
        double* a = acc + o * k;
        for (long j = 0; j < k; ++j) a[j] = comb(a[j], p[j]);
      }
  }
  for (long i = 0; i < prefixOut * k; ++i) {
    double s = init;
    for (int t = 0; t < nt; ++t) s = comb(s, partial[size_t(t) * prefixOut * k + i]);
    out[i] = float(s * scale);
  }
}


void reduce(int kind, const float* x, const int* shape, const uint8_t* reduced, int rank, float scale, float* out) {
  switch (kind) {
    case 1: reduceImpl<1>(x, shape, reduced, rank, scale, out); break;
    case 2: reduceImpl<2>(x, shape, reduced, rank, scale, out); break;
    case 3: reduceImpl<3>(x, shape, reduced, rank, scale, out); break;
    default: reduceImpl<0>(x, shape, reduced, rank, scale, out); break;
  }
}

}  // namespace NN_ISA
}  // namespace nn

namespace nn {
namespace NN_ISA {

void sliceCopy(const float* x, const int* shape, const int* begin, const int* size, int rank, float* out) {
  std::vector<long> st(rank);
  long s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    st[i] = s;
    s *= shape[i];
  }
  // j: the outermost axis of the contiguous run (every axis inside it is taken whole).
  int j = rank - 1;
  while (j > 0 && size[j] == shape[j]) --j;
  const long run = long(size[j]) * st[j];
  long outer = 1;
  for (int i = 0; i < j; ++i) outer *= size[i];
  if (run == 0 || outer == 0) return;
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(outer) * run > kParallelMin)
  for (long o = 0; o < outer; ++o) {
    long off = long(begin[j]) * st[j], rem = o;
    for (int i = j - 1; i >= 0; --i) {
      off += (begin[i] + rem % size[i]) * st[i];
      rem /= size[i];
    }
    std::memcpy(out + o * run, x + off, sizeof(float) * run);
  }
}

void copyRows(const float* src, long rows, long srcCols, float* dst, long dstCols, long colOffset) {
#pragma omp parallel for num_threads(threads()) schedule(static) if (size_t(rows) * srcCols > kParallelMin)
  for (long r = 0; r < rows; ++r) std::memcpy(dst + r * dstCols + colOffset, src + r * srcCols, sizeof(float) * srcCols);
}

}  // namespace NN_ISA
}  // namespace nn
