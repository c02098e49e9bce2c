// Fused GroupNorm (+ReLU) over channels-last x[n, s, c]: statistics in double, one parallel task per image.
#include <omp.h>
#include <cmath>
#include <vector>
#include "common.h"

namespace nn {

void groupNormForward(int n, int s, int c, int groups, float eps, bool relu, const float* x,
                      const float* gamma, const float* beta, float* y, float* mean, float* rstd) {
  const int cg = c / groups;
  const double count = double(s) * cg;
#pragma omp parallel num_threads(threads()) if (size_t(n) * s * c > 16384)
  {
    std::vector<double> sum(groups), sq(groups);
    std::vector<float> scale(c), shift(c);
#pragma omp for schedule(static)
    for (int i = 0; i < n; ++i) {
      const float* xi = x + size_t(i) * s * c;
      float* yi = y + size_t(i) * s * c;
      std::fill(sum.begin(), sum.end(), 0.0);
      std::fill(sq.begin(), sq.end(), 0.0);
      for (int p = 0; p < s; ++p) {
        const float* row = xi + size_t(p) * c;
        for (int g = 0; g < groups; ++g) {
          double acc = 0;
          for (int j = 0; j < cg; ++j) acc += row[g * cg + j];
          sum[g] += acc;
        }
      }
      for (int g = 0; g < groups; ++g) sum[g] /= count;
      // Second pass around the mean: no cancellation for inputs with a large mean.
      for (int p = 0; p < s; ++p) {
        const float* row = xi + size_t(p) * c;
        for (int g = 0; g < groups; ++g) {
          double m = sum[g], acc = 0;
          for (int j = 0; j < cg; ++j) {
            double d = row[g * cg + j] - m;
            acc += d * d;
          }
          sq[g] += acc;
        }
      }
      for (int g = 0; g < groups; ++g) {
        double r = 1.0 / std::sqrt(sq[g] / count + double(eps));
        mean[size_t(i) * groups + g] = float(sum[g]);
        rstd[size_t(i) * groups + g] = float(r);
        for (int j = 0; j < cg; ++j) {
          int ch = g * cg + j;
          scale[ch] = float(r * gamma[ch]);
          shift[ch] = float(beta[ch] - sum[g] * r * gamma[ch]);
        }
      }
      for (int p = 0; p < s; ++p) {
        const float* row = xi + size_t(p) * c;
        float* out = yi + size_t(p) * c;
        if (relu) {
          for (int ch = 0; ch < c; ++ch) {
            float v = row[ch] * scale[ch] + shift[ch];
            out[ch] = v > 0.f ? v : 0.f;
          }
        } else {
          for (int ch = 0; ch < c; ++ch) out[ch] = row[ch] * scale[ch] + shift[ch];
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
#pragma omp parallel num_threads(nt) if (size_t(n) * s * c > 16384)
  {
    const int t = omp_get_thread_num();
    double* tg = accGamma.data() + size_t(t) * c;
    double* tb = accBeta.data() + size_t(t) * c;
    std::vector<double> a(c), b(c), s1(groups), s2(groups);
    std::vector<float> mch(c), rch(c), s1c(c), s2c(c);
#pragma omp for schedule(static)
    for (int i = 0; i < n; ++i) {
      const float* xi = x + size_t(i) * s * c;
      const float* gi = dy + size_t(i) * s * c;
      float* dxi = dx + size_t(i) * s * c;
      for (int ch = 0; ch < c; ++ch) {
        mch[ch] = mean[size_t(i) * groups + ch / cg];
        rch[ch] = rstd[size_t(i) * groups + ch / cg];
        a[ch] = 0;
        b[ch] = 0;
      }
      // a[c] = Σ_s g, b[c] = Σ_s g·x̂, with g the gradient before the ReLU.
      for (int p = 0; p < s; ++p) {
        const float* xr = xi + size_t(p) * c;
        const float* gr = gi + size_t(p) * c;
        for (int ch = 0; ch < c; ++ch) {
          float xh = (xr[ch] - mch[ch]) * rch[ch];
          float gv = gr[ch];
          if (relu && xh * gamma[ch] + beta[ch] <= 0.f) gv = 0.f;
          a[ch] += gv;
          b[ch] += double(gv) * xh;
        }
      }
      for (int g = 0; g < groups; ++g) {
        double u = 0, v = 0;
        for (int j = 0; j < cg; ++j) {
          int ch = g * cg + j;
          u += gamma[ch] * a[ch];
          v += gamma[ch] * b[ch];
        }
        s1[g] = u / count;
        s2[g] = v / count;
        for (int j = 0; j < cg; ++j) {
          s1c[g * cg + j] = float(s1[g]);
          s2c[g * cg + j] = float(s2[g]);
        }
      }
      for (int ch = 0; ch < c; ++ch) {
        tb[ch] += a[ch];
        tg[ch] += b[ch];
      }
      // dx = rstd·(γ·g − mean(γ·g) − x̂·mean(γ·g·x̂)) over each group.
      for (int p = 0; p < s; ++p) {
        const float* xr = xi + size_t(p) * c;
        const float* gr = gi + size_t(p) * c;
        float* out = dxi + size_t(p) * c;
        for (int ch = 0; ch < c; ++ch) {
          float xh = (xr[ch] - mch[ch]) * rch[ch];
          float gv = gr[ch];
          if (relu && xh * gamma[ch] + beta[ch] <= 0.f) gv = 0.f;
          out[ch] = rch[ch] * (gamma[ch] * gv - s1c[ch] - xh * s2c[ch]);
        }
      }
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

}  // namespace nn
