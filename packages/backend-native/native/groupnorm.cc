// Fused GroupNorm (+ReLU) over channels-last x[n, s, c], one parallel task per image. Every pass runs over
// whole rows of c channels (contiguous, vectorised); per-channel partial sums are kept in float for blocks of
// rows and flushed into double, so long sequences keep float64-grade statistics.
#include <omp.h>
#include <algorithm>
#include <cmath>
#include <vector>
#include "common.h"

// Built once per instruction-set level (binding.gyp); NN_ISA names the level's namespace.
#ifndef NN_ISA
#define NN_ISA baseline
#endif

namespace nn {
namespace NN_ISA {
namespace {

constexpr int kBlock = 128;  // rows summed in float before flushing into double

// acc[ch] += Σ_p f(p, ch) over the s rows of one image, blocked as described above.
template <typename F>
void channelSums(int s, int c, double* acc, float* part, F f) {
  for (int p0 = 0; p0 < s; p0 += kBlock) {
    const int p1 = std::min(s, p0 + kBlock);
    std::fill(part, part + c, 0.f);
    for (int p = p0; p < p1; ++p) {
#pragma omp simd
      for (int ch = 0; ch < c; ++ch) part[ch] += f(p, ch);
    }
    for (int ch = 0; ch < c; ++ch) acc[ch] += part[ch];
  }
}

// The input gradient of one row: dx = rstd·(γ·g − mean_group(γ·g) − x̂·mean_group(γ·g·x̂)), with g the gradient
// before the ReLU; s1 and s2 hold the two group means per channel.
template <bool Relu>
inline void dxRow(int c, const float* xr, const float* gr, const float* gamma, const float* beta, const float* mch,
                  const float* rch, const float* s1, const float* s2, float* out) {
#pragma omp simd
  for (int ch = 0; ch < c; ++ch) {
    const float xh = (xr[ch] - mch[ch]) * rch[ch];
    float gv = gr[ch];
    if (Relu) gv = xh * gamma[ch] + beta[ch] > 0.f ? gv : 0.f;
    out[ch] = rch[ch] * (gamma[ch] * gv - s1[ch] - xh * s2[ch]);
  }
}

// s1[ch] = mean_group(γ·g), s2[ch] = mean_group(γ·g·x̂) from the channel sums a = Σ g and b = Σ g·x̂.
inline void groupMeans(int groups, int cg, double count, const float* gamma, const double* a, const double* b, float* s1,
                       float* s2) {
  for (int g = 0; g < groups; ++g) {
    double u = 0, v = 0;
    for (int j = 0; j < cg; ++j) {
      const int ch = g * cg + j;
      u += gamma[ch] * a[ch];
      v += gamma[ch] * b[ch];
    }
    for (int j = 0; j < cg; ++j) {
      s1[g * cg + j] = float(u / count);
      s2[g * cg + j] = float(v / count);
    }
  }
}

template <bool Relu>
void backwardImage(int s, int c, int cg, int groups, double count, const float* xi, const float* gi, const float* gamma,
                   const float* beta, const float* mch, const float* rch, float* dxi, double* a, double* b, float* pa,
                   float* pb, float* s1c, float* s2c, double* dbetaAcc, double* dgammaAcc) {
  std::fill(a, a + c, 0.0);
  std::fill(b, b + c, 0.0);
  // a[c] = Σ_s g, b[c] = Σ_s g·x̂, with g the gradient before the ReLU (zero where the output was clipped).
  for (int p0 = 0; p0 < s; p0 += kBlock) {
    const int p1 = std::min(s, p0 + kBlock);
    std::fill(pa, pa + c, 0.f);
    std::fill(pb, pb + c, 0.f);
    for (int p = p0; p < p1; ++p) {
      const float* xr = xi + size_t(p) * c;
      const float* gr = gi + size_t(p) * c;
#pragma omp simd
      for (int ch = 0; ch < c; ++ch) {
        const float xh = (xr[ch] - mch[ch]) * rch[ch];
        float gv = gr[ch];
        if (Relu) gv = xh * gamma[ch] + beta[ch] > 0.f ? gv : 0.f;
        pa[ch] += gv;
        pb[ch] += gv * xh;
      }
    }
    for (int ch = 0; ch < c; ++ch) {
      a[ch] += pa[ch];
      b[ch] += pb[ch];
    }
  }
  groupMeans(groups, cg, count, gamma, a, b, s1c, s2c);
  for (int ch = 0; ch < c; ++ch) {
    dbetaAcc[ch] += a[ch];
    dgammaAcc[ch] += b[ch];
  }
  for (int p = 0; p < s; ++p)
    dxRow<Relu>(c, xi + size_t(p) * c, gi + size_t(p) * c, gamma, beta, mch, rch, s1c, s2c, dxi + size_t(p) * c);
}

// Per-channel Σ f(p, ch) over the s rows of one image, the rows split across the threads (for fewer images
// than threads, e.g. BatchNorm1d as a GroupNorm of one [1, rows, c] "image").
template <typename F>
std::vector<double> channelSumsSplit(int s, int c, F f) {
  const int nt = threads();
  std::vector<double> accs(size_t(nt) * c, 0.0);
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    const int p0 = int(long(s) * t / T), p1 = int(long(s) * (t + 1) / T);
    std::vector<float> part(c);
    channelSums(p1 - p0, c, accs.data() + size_t(t) * c, part.data(), [&](int p, int ch) { return f(p0 + p, ch); });
  }
  std::vector<double> total(c, 0.0);
  for (int t = 0; t < nt; ++t)
    for (int ch = 0; ch < c; ++ch) total[ch] += accs[size_t(t) * c + ch];
  return total;
}

void forwardSplit(int s, int c, int groups, float eps, bool relu, const float* xi, const float* gamma, const float* beta,
                  float* yi, float* meanOut, float* rstdOut) {
  const int cg = c / groups;
  const double count = double(s) * cg;
  std::vector<float> mch(c), scale(c), shift(c);
  std::vector<double> gm(groups);
  std::vector<double> acc = channelSumsSplit(s, c, [&](int p, int ch) { return xi[size_t(p) * c + ch]; });
  for (int g = 0; g < groups; ++g) {
    double t = 0;
    for (int j = 0; j < cg; ++j) t += acc[g * cg + j];
    gm[g] = t / count;
    for (int j = 0; j < cg; ++j) mch[g * cg + j] = float(gm[g]);
  }
  const float* m = mch.data();
  acc = channelSumsSplit(s, c, [&](int p, int ch) {
    const float d = xi[size_t(p) * c + ch] - m[ch];
    return d * d;
  });
  for (int g = 0; g < groups; ++g) {
    double t = 0;
    for (int j = 0; j < cg; ++j) t += acc[g * cg + j];
    double delta = double(mch[g * cg]) - gm[g];
    double var = std::max(0.0, t / count - delta * delta);
    double r = 1.0 / std::sqrt(var + double(eps));
    meanOut[g] = float(gm[g]);
    rstdOut[g] = float(r);
    for (int j = 0; j < cg; ++j) {
      const int ch = g * cg + j;
      scale[ch] = float(r * gamma[ch]);
      shift[ch] = float(beta[ch] - gm[g] * r * gamma[ch]);
    }
  }
  const float* sc = scale.data();
  const float* sh = shift.data();
#pragma omp parallel for num_threads(threads()) schedule(static)
  for (int p = 0; p < s; ++p) {
    const float* row = xi + size_t(p) * c;
    float* out = yi + size_t(p) * c;
    if (relu) {
#pragma omp simd
      for (int ch = 0; ch < c; ++ch) out[ch] = std::max(row[ch] * sc[ch] + sh[ch], 0.f);
    } else {
#pragma omp simd
      for (int ch = 0; ch < c; ++ch) out[ch] = row[ch] * sc[ch] + sh[ch];
    }
  }
}

template <bool Relu>
void backwardSplit(int s, int c, int groups, const float* xi, const float* gi, const float* gamma, const float* beta,
                   const float* mch, const float* rch, float* dxi, double* dbetaAcc, double* dgammaAcc) {
  const int cg = c / groups;
  const double count = double(s) * cg;
  auto grad = [&](int p, int ch, float& xh) {
    xh = (xi[size_t(p) * c + ch] - mch[ch]) * rch[ch];
    const float gv = gi[size_t(p) * c + ch];
    return Relu ? (xh * gamma[ch] + beta[ch] > 0.f ? gv : 0.f) : gv;
  };
  std::vector<double> a = channelSumsSplit(s, c, [&](int p, int ch) {
    float xh;
    return grad(p, ch, xh);
  });
  std::vector<double> b = channelSumsSplit(s, c, [&](int p, int ch) {
    float xh;
    const float g = grad(p, ch, xh);
    return g * xh;
  });
  std::vector<float> s1c(c), s2c(c);
  groupMeans(groups, cg, count, gamma, a.data(), b.data(), s1c.data(), s2c.data());
  for (int ch = 0; ch < c; ++ch) {
    dbetaAcc[ch] += a[ch];
    dgammaAcc[ch] += b[ch];
  }
  const float* p1 = s1c.data();
  const float* p2 = s2c.data();
#pragma omp parallel for num_threads(threads()) schedule(static)
  for (int p = 0; p < s; ++p)
    dxRow<Relu>(c, xi + size_t(p) * c, gi + size_t(p) * c, gamma, beta, mch, rch, p1, p2, dxi + size_t(p) * c);
}

}  // namespace

void groupNormForward(int n, int s, int c, int groups, float eps, bool relu, const float* x,
                      const float* gamma, const float* beta, float* y, float* mean, float* rstd) {
  const int cg = c / groups;
  const double count = double(s) * cg;
  if (n < threads() && size_t(s) * c > 65536) {
    for (int i = 0; i < n; ++i)
      forwardSplit(s, c, groups, eps, relu, x + size_t(i) * s * c, gamma, beta, y + size_t(i) * s * c,
                   mean + size_t(i) * groups, rstd + size_t(i) * groups);
    return;
  }
#pragma omp parallel num_threads(threads()) if (size_t(n) * s * c > 16384)
  {
    std::vector<double> acc(c);
    std::vector<float> part(c), mch(c), scale(c), shift(c);
    std::vector<double> gm(groups), gv(groups);
#pragma omp for schedule(static)
    for (int i = 0; i < n; ++i) {
      const float* xi = x + size_t(i) * s * c;
      float* yi = y + size_t(i) * s * c;
      std::fill(acc.begin(), acc.end(), 0.0);
      channelSums(s, c, acc.data(), part.data(), [&](int p, int ch) { return xi[size_t(p) * c + ch]; });
      for (int g = 0; g < groups; ++g) {
        double t = 0;
        for (int j = 0; j < cg; ++j) t += acc[g * cg + j];
        gm[g] = t / count;
        for (int j = 0; j < cg; ++j) mch[g * cg + j] = float(gm[g]);
      }
      // Second pass around the mean: no cancellation for inputs with a large mean.
      std::fill(acc.begin(), acc.end(), 0.0);
      const float* m = mch.data();
      channelSums(s, c, acc.data(), part.data(), [&](int p, int ch) {
        const float d = xi[size_t(p) * c + ch] - m[ch];
        return d * d;
      });
      for (int g = 0; g < groups; ++g) {
        double t = 0;
        for (int j = 0; j < cg; ++j) t += acc[g * cg + j];
        // The float mean's rounding shifts the centred sum by count·δ²: negligible, but corrected for.
        double delta = double(mch[g * cg]) - gm[g];
        double var = std::max(0.0, t / count - delta * delta);
        double r = 1.0 / std::sqrt(var + double(eps));
        mean[size_t(i) * groups + g] = float(gm[g]);
        rstd[size_t(i) * groups + g] = float(r);
        for (int j = 0; j < cg; ++j) {
          const int ch = g * cg + j;
          scale[ch] = float(r * gamma[ch]);
          shift[ch] = float(beta[ch] - gm[g] * r * gamma[ch]);
        }
      }
      const float* sc = scale.data();
      const float* sh = shift.data();
      for (int p = 0; p < s; ++p) {
        const float* row = xi + size_t(p) * c;
        float* out = yi + size_t(p) * c;
        if (relu) {
#pragma omp simd
          for (int ch = 0; ch < c; ++ch) out[ch] = std::max(row[ch] * sc[ch] + sh[ch], 0.f);
        } else {
#pragma omp simd
          for (int ch = 0; ch < c; ++ch) out[ch] = row[ch] * sc[ch] + sh[ch];
        }
      }
    }
  }
}

void groupNormBackward(int n, int s, int c, int groups, bool relu, const float* dy, const float* x,
                       const float* gamma, const float* beta, const float* mean, const float* rstd,
                       float* dx, float* dgamma, float* dbeta) {
  const int cg = c / groups;
  const double count = double(s) * cg;
  const int nt = threads();
  std::vector<double> accGamma(size_t(nt) * c, 0.0), accBeta(size_t(nt) * c, 0.0);
  if (n < nt && size_t(s) * c > 65536) {
    std::vector<float> mch(c), rch(c);
    for (int i = 0; i < n; ++i) {
      for (int ch = 0; ch < c; ++ch) {
        mch[ch] = mean[size_t(i) * groups + ch / cg];
        rch[ch] = rstd[size_t(i) * groups + ch / cg];
      }
      const size_t off = size_t(i) * s * c;
      if (relu)
        backwardSplit<true>(s, c, groups, x + off, dy + off, gamma, beta, mch.data(), rch.data(), dx + off, accBeta.data(), accGamma.data());
      else
        backwardSplit<false>(s, c, groups, x + off, dy + off, gamma, beta, mch.data(), rch.data(), dx + off, accBeta.data(), accGamma.data());
    }
  } else
#pragma omp parallel num_threads(nt) if (size_t(n) * s * c > 16384)
  {
    const int t = omp_get_thread_num();
    double* tg = accGamma.data() + size_t(t) * c;
    double* tb = accBeta.data() + size_t(t) * c;
    std::vector<double> a(c), b(c);
    std::vector<float> pa(c), pb(c), mch(c), rch(c), s1c(c), s2c(c);
#pragma omp for schedule(static)
    for (int i = 0; i < n; ++i) {
      for (int ch = 0; ch < c; ++ch) {
        mch[ch] = mean[size_t(i) * groups + ch / cg];
        rch[ch] = rstd[size_t(i) * groups + ch / cg];
      }
      const size_t off = size_t(i) * s * c;
      if (relu)
        backwardImage<true>(s, c, cg, groups, count, x + off, dy + off, gamma, beta, mch.data(), rch.data(), dx + off,
                            a.data(), b.data(), pa.data(), pb.data(), s1c.data(), s2c.data(), tb, tg);
      else
        backwardImage<false>(s, c, cg, groups, count, x + off, dy + off, gamma, beta, mch.data(), rch.data(), dx + off,
                             a.data(), b.data(), pa.data(), pb.data(), s1c.data(), s2c.data(), tb, tg);
    }
  }
  for (int ch = 0; ch < c; ++ch) {
    double sg = 0, sb = 0;
    for (int t = 0; t < nt; ++t) {
      sg += accGamma[size_t(t) * c + ch];
      sb += accBeta[size_t(t) * c + ch];
    }
    dgamma[ch] = float(sg);
    dbeta[ch] = float(sb);
  }
}

}  // namespace NN_ISA
}  // namespace nn
