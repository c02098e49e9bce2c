// Node-API entry points of @neural-ode/backend-native. Every function takes Float32Arrays that the JS side
// allocated (inputs and outputs) plus plain numbers for the geometry; nothing is retained after a call.
#include <malloc.h>
#include <omp.h>
#include <cmath>
#include <algorithm>
#include <cstring>
#include "common.h"
#ifdef NEURAL_ODE_DNNL
#include <oneapi/dnnl/dnnl.h>
#else
extern "C" void openblas_set_num_threads(int);
#endif

namespace nn {

static int g_threads = 2;
int threads() { return g_threads; }
void setThreads(int n) {
  g_threads = n < 1 ? 1 : n;
  omp_set_num_threads(g_threads);
#ifndef NEURAL_ODE_DNNL
  openblas_set_num_threads(g_threads);
#endif
}

float* f32(napi_env env, napi_value v, size_t* length, const char* name) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) throw ArgError{std::string(name) + " must be a Float32Array"};
  napi_typedarray_type type;
  size_t len = 0;
  void* data = nullptr;
  napi_get_typedarray_info(env, v, &type, &len, &data, nullptr, nullptr);
  if (type != napi_float32_array) throw ArgError{std::string(name) + " must be a Float32Array"};
  if (length) *length = len;
  return static_cast<float*>(data);
}
// An optional Float32Array argument: nullptr (and length 0) when JS passed null.
float* f32OrNull(napi_env env, napi_value v, size_t* length, const char* name) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t != napi_null) return f32(env, v, length, name);
  if (length) *length = 0;
  return nullptr;
}
int i32(napi_env env, napi_value v) {
  int32_t r = 0;
  if (napi_get_value_int32(env, v, &r) != napi_ok) throw ArgError{"expected an integer argument"};
  return r;
}
double f64(napi_env env, napi_value v) {
  double r = 0;
  if (napi_get_value_double(env, v, &r) != napi_ok) throw ArgError{"expected a number argument"};
  return r;
}
bool boolean(napi_env env, napi_value v) {
  bool r = false;
  if (napi_get_value_bool(env, v, &r) != napi_ok) throw ArgError{"expected a boolean argument"};
  return r;
}
float* scratch(std::vector<float>& buf, size_t n) {
  if (buf.size() < n) {
    buf.clear();
    buf.shrink_to_fit();
    buf.resize(n);
  }
  return buf.data();
}

}  // namespace nn

using namespace nn;

namespace {

constexpr size_t kMaxArgs = 24;
int g_convImpl = 0;  // 0: best available, 1: force im2col

template <typename F>
napi_value call(napi_env env, napi_callback_info info, size_t expected, F&& body) {
  size_t argc = kMaxArgs;
  napi_value argv[kMaxArgs];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  try {
    if (argc < expected) throw ArgError{"expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc)};
    return body(argv);
  } catch (const ArgError& e) {
    napi_throw_type_error(env, nullptr, e.message.c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

ConvGeom geom(napi_env env, napi_value* a) {
  ConvGeom g;
  int* f[] = {&g.n, &g.h, &g.w, &g.c, &g.kh, &g.kw, &g.k, &g.oh, &g.ow, &g.sh, &g.sw, &g.dh, &g.dw, &g.pt, &g.pl, &g.pb, &g.pr};
  for (int i = 0; i < 17; ++i) *f[i] = i32(env, a[i]);
  return g;
}

void checkLen(size_t have, size_t want, const char* name) {
  if (have < want) throw ArgError{std::string(name) + " has " + std::to_string(have) + " elements, needs " + std::to_string(want)};
}

// conv2dForward(x, w, y, ...geom)
napi_value ConvForward(napi_env env, napi_callback_info info) {
  return call(env, info, 20, [&](napi_value* a) {
    ConvGeom g = geom(env, a + 3);
    size_t lx, lw, ly;
    float* x = f32(env, a[0], &lx, "x");
    float* w = f32(env, a[1], &lw, "filter");
    float* y = f32(env, a[2], &ly, "y");
    checkLen(lx, size_t(g.n) * g.h * g.w * g.c, "x");
    checkLen(lw, size_t(g.kh) * g.kw * g.c * g.k, "filter");
    checkLen(ly, size_t(g.n) * g.oh * g.ow * g.k, "y");
#ifdef NEURAL_ODE_DNNL
    if (g_convImpl == 0 && convForwardDnnl(g, x, w, y)) return undefined(env);
#endif
    convForwardIm2col(g, x, w, y);
    return undefined(env);
  });
}

// conv2dBackpropInput(dy, w, dx, ...geom)
napi_value ConvBackwardData(napi_env env, napi_callback_info info) {
  return call(env, info, 20, [&](napi_value* a) {
    ConvGeom g = geom(env, a + 3);
    size_t ldy, lw, ldx;
    float* dy = f32(env, a[0], &ldy, "dy");
    float* w = f32(env, a[1], &lw, "filter");
    float* dx = f32(env, a[2], &ldx, "dx");
    checkLen(ldy, size_t(g.n) * g.oh * g.ow * g.k, "dy");
    checkLen(lw, size_t(g.kh) * g.kw * g.c * g.k, "filter");
    checkLen(ldx, size_t(g.n) * g.h * g.w * g.c, "dx");
#ifdef NEURAL_ODE_DNNL
    if (g_convImpl == 0 && convBackwardDataDnnl(g, dy, w, dx)) return undefined(env);
#endif
    convBackwardDataIm2col(g, dy, w, dx);
    return undefined(env);
  });
}

// conv2dBackpropFilter(x, dy, dw, ...geom)
napi_value ConvBackwardFilter(napi_env env, napi_callback_info info) {
  return call(env, info, 20, [&](napi_value* a) {
    ConvGeom g = geom(env, a + 3);
    size_t lx, ldy, ldw;
    float* x = f32(env, a[0], &lx, "x");
    float* dy = f32(env, a[1], &ldy, "dy");
    float* dw = f32(env, a[2], &ldw, "dw");
    checkLen(lx, size_t(g.n) * g.h * g.w * g.c, "x");
    checkLen(ldy, size_t(g.n) * g.oh * g.ow * g.k, "dy");
    checkLen(ldw, size_t(g.kh) * g.kw * g.c * g.k, "dw");
#ifdef NEURAL_ODE_DNNL
    if (g_convImpl == 0 && convBackwardFilterDnnl(g, x, dy, dw)) return undefined(env);
#endif
    convBackwardFilterIm2col(g, x, dy, dw);
    return undefined(env);
  });
}

// groupNormForward(x, gamma, beta, y, mean, rstd, n, s, c, groups, eps, relu)
napi_value GroupNormForward(napi_env env, napi_callback_info info) {
  return call(env, info, 12, [&](napi_value* a) {
    int n = i32(env, a[6]), s = i32(env, a[7]), c = i32(env, a[8]), groups = i32(env, a[9]);
    float eps = float(f64(env, a[10]));
    bool relu = boolean(env, a[11]);
    if (groups < 1 || c % groups != 0) throw ArgError{"groups must divide the channels"};
    size_t l[6];
    const char* names[] = {"x", "gamma", "beta", "y", "mean", "rstd"};
    float* p[6];
    for (int i = 0; i < 6; ++i) p[i] = f32(env, a[i], &l[i], names[i]);
    size_t want[] = {size_t(n) * s * c, size_t(c), size_t(c), size_t(n) * s * c, size_t(n) * groups, size_t(n) * groups};
    for (int i = 0; i < 6; ++i) checkLen(l[i], want[i], names[i]);
    groupNormForward(n, s, c, groups, eps, relu, p[0], p[1], p[2], p[3], p[4], p[5]);
    return undefined(env);
  });
}

// groupNormBackward(dy, x, gamma, beta, mean, rstd, dx, dgamma, dbeta, n, s, c, groups, relu)
napi_value GroupNormBackward(napi_env env, napi_callback_info info) {
  return call(env, info, 14, [&](napi_value* a) {
    int n = i32(env, a[9]), s = i32(env, a[10]), c = i32(env, a[11]), groups = i32(env, a[12]);
    bool relu = boolean(env, a[13]);
    if (groups < 1 || c % groups != 0) throw ArgError{"groups must divide the channels"};
    size_t l[9];
    const char* names[] = {"dy", "x", "gamma", "beta", "mean", "rstd", "dx", "dgamma", "dbeta"};
    float* p[9];
    for (int i = 0; i < 9; ++i) p[i] = f32(env, a[i], &l[i], names[i]);
    size_t big = size_t(n) * s * c, ng = size_t(n) * groups;
    size_t want[] = {big, big, size_t(c), size_t(c), ng, ng, big, size_t(c), size_t(c)};
    for (int i = 0; i < 9; ++i) checkLen(l[i], want[i], names[i]);
    groupNormBackward(n, s, c, groups, relu, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]);
    return undefined(env);
  });
}

constexpr int kMaxRank = 8;

void readShape(napi_env env, napi_value arr, int* shape, int rank) {
  for (int i = 0; i < rank; ++i) {
    napi_value v;
    napi_get_element(env, arr, i, &v);
    shape[i] = i32(env, v);
  }
}

int arrayLength(napi_env env, napi_value arr) {
  bool is = false;
  napi_is_array(env, arr, &is);
  if (!is) throw ArgError{"shape must be an array"};
  uint32_t len = 0;
  napi_get_array_length(env, arr, &len);
  if (len > uint32_t(kMaxRank)) throw ArgError{"rank above 8 is not supported"};
  return int(len);
}

// binary(op, a, aShape, b, bShape, out, outShape): shapes all of the out rank (1 where broadcast)
napi_value Binary(napi_env env, napi_callback_info info) {
  return call(env, info, 7, [&](napi_value* a) {
    int op = i32(env, a[0]);
    if (op < 0 || op > 6) throw ArgError{"unknown binary op"};
    int rank = arrayLength(env, a[6]);
    int as[kMaxRank], bs[kMaxRank], os[kMaxRank];
    if (arrayLength(env, a[2]) != rank || arrayLength(env, a[4]) != rank) throw ArgError{"shapes must have the output rank"};
    readShape(env, a[2], as, rank);
    readShape(env, a[4], bs, rank);
    readShape(env, a[6], os, rank);
    size_t la, lb, lo, na = 1, nb = 1, no = 1;
    for (int i = 0; i < rank; ++i) {
      if ((as[i] != os[i] && as[i] != 1) || (bs[i] != os[i] && bs[i] != 1)) throw ArgError{"shapes do not broadcast"};
      na *= as[i];
      nb *= bs[i];
      no *= os[i];
    }
    float* pa = f32(env, a[1], &la, "a");
    float* pb = f32(env, a[3], &lb, "b");
    float* po = f32(env, a[5], &lo, "out");
    checkLen(la, na, "a");
    checkLen(lb, nb, "b");
    checkLen(lo, no, "out");
    binaryBroadcast(op, pa, as, pb, bs, po, os, rank);
    return undefined(env);
  });
}

// unary(kind, x, y, alpha): kind 0 relu, 1 step (alpha: the value at x <= 0), 2 abs, 3 square, 4 neg
napi_value Unary(napi_env env, napi_callback_info info) {
  return call(env, info, 4, [&](napi_value* a) {
    int kind = i32(env, a[0]);
    size_t lx, ly;
    float* x = f32(env, a[1], &lx, "x");
    float* y = f32(env, a[2], &ly, "y");
    checkLen(ly, lx, "y");
    if (kind == 0) relu(x, y, lx);
    else if (kind == 1) step(x, y, lx, float(f64(env, a[3])));
    else if (kind == 2) absolute(x, y, lx);
    else if (kind == 3) square(x, y, lx);
    else if (kind == 4) negate(x, y, lx);
    else if (!activation(kind, x, y, lx, float(f64(env, a[3])))) throw ArgError{"unknown unary op"};
    return undefined(env);
  });
}

// reduce(kind, x, shape, reducedMask (array of 0/1), scale, out): kind 0 sum, 1 max, 2 min, 3 prod
napi_value Reduce(napi_env env, napi_callback_info info) {
  return call(env, info, 6, [&](napi_value* argv) {
    int kind = i32(env, argv[0]);
    if (kind < 0 || kind > 3) throw ArgError{"unknown reduction"};
    napi_value* a = argv + 1;
    int rank = arrayLength(env, a[1]);
    if (arrayLength(env, a[2]) != rank) throw ArgError{"reduced mask must have the input rank"};
    int shape[kMaxRank], mask[kMaxRank];
    readShape(env, a[1], shape, rank);
    readShape(env, a[2], mask, rank);
    uint8_t red[kMaxRank];
    size_t nx = 1, no = 1;
    for (int i = 0; i < rank; ++i) {
      red[i] = mask[i] ? 1 : 0;
      nx *= shape[i];
      if (!red[i]) no *= shape[i];
    }
    size_t lx, lo;
    float* x = f32(env, a[0], &lx, "x");
    float* out = f32(env, a[4], &lo, "out");
    checkLen(lx, nx, "x");
    checkLen(lo, no, "out");
    reduce(kind, x, shape, red, rank, float(f64(env, a[3])), out);
    return undefined(env);
  });
}

// slice(x, shape, begin, size, out)
napi_value Slice(napi_env env, napi_callback_info info) {
  return call(env, info, 5, [&](napi_value* a) {
    int rank = arrayLength(env, a[1]);
    if (rank < 1 || arrayLength(env, a[2]) != rank || arrayLength(env, a[3]) != rank) throw ArgError{"shape, begin and size must have one rank"};
    int shape[kMaxRank], begin[kMaxRank], size[kMaxRank];
    readShape(env, a[1], shape, rank);
    readShape(env, a[2], begin, rank);
    readShape(env, a[3], size, rank);
    size_t nx = 1, no = 1;
    for (int i = 0; i < rank; ++i) {
      if (begin[i] < 0 || size[i] < 0 || begin[i] + size[i] > shape[i]) throw ArgError{"slice out of bounds"};
      nx *= shape[i];
      no *= size[i];
    }
    size_t lx, lo;
    float* x = f32(env, a[0], &lx, "x");
    float* out = f32(env, a[4], &lo, "out");
    checkLen(lx, nx, "x");
    checkLen(lo, no, "out");
    sliceCopy(x, shape, begin, size, rank, out);
    return undefined(env);
  });
}

// copyRows(src, rows, srcCols, dst, dstCols, colOffset): dst[r, colOffset + c] = src[r, c] (concat)
napi_value CopyRows(napi_env env, napi_callback_info info) {
  return call(env, info, 6, [&](napi_value* a) {
    long rows = i32(env, a[1]), srcCols = i32(env, a[2]), dstCols = i32(env, a[4]), off = i32(env, a[5]);
    if (rows < 0 || srcCols < 0 || off < 0 || off + srcCols > dstCols) throw ArgError{"copyRows: columns out of bounds"};
    size_t ls, ld;
    float* src = f32(env, a[0], &ls, "src");
    float* dst = f32(env, a[3], &ld, "dst");
    checkLen(ls, size_t(rows) * srcCols, "src");
    checkLen(ld, size_t(rows) * dstCols, "dst");
    copyRows(src, rows, srcCols, dst, dstCols, off);
    return undefined(env);
  });
}

template <typename T>
T* typed(napi_env env, napi_value v, napi_typedarray_type want, size_t* length, const char* name, const char* what) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  napi_typedarray_type type = napi_float32_array;
  size_t len = 0;
  void* data = nullptr;
  if (is) napi_get_typedarray_info(env, v, &type, &len, &data, nullptr, nullptr);
  if (!is || type != want) throw ArgError{std::string(name) + " must be " + what};
  if (length) *length = len;
  return static_cast<T*>(data);
}
int32_t* i32s(napi_env env, napi_value v, size_t* length, const char* name) {
  return typed<int32_t>(env, v, napi_int32_array, length, name, "an Int32Array");
}
uint8_t* u8s(napi_env env, napi_value v, size_t* length, const char* name) {
  return typed<uint8_t>(env, v, napi_uint8_array, length, name, "a Uint8Array");
}
size_t sizeOf(const int* shape, int rank) {
  size_t n = 1;
  for (int i = 0; i < rank; ++i) {
    if (shape[i] < 0) throw ArgError{"shape has a negative dimension"};
    n *= size_t(shape[i]);
  }
  return n;
}

// pad(x, shape, before, after, mode (0 constant, 1 reflect, 2 symmetric), value, out)
napi_value Pad(napi_env env, napi_callback_info info) {
  return call(env, info, 7, [&](napi_value* a) {
    int rank = arrayLength(env, a[1]);
    if (rank < 1 || arrayLength(env, a[2]) != rank || arrayLength(env, a[3]) != rank) throw ArgError{"pad: shape, before and after must have one rank"};
    int shape[kMaxRank], before[kMaxRank], after[kMaxRank], os[kMaxRank];
    readShape(env, a[1], shape, rank);
    readShape(env, a[2], before, rank);
    readShape(env, a[3], after, rank);
    int mode = i32(env, a[4]);
    if (mode < 0 || mode > 2) throw ArgError{"pad: mode must be 0 (constant), 1 (reflect) or 2 (symmetric)"};
    for (int i = 0; i < rank; ++i) {
      if (before[i] < 0 || after[i] < 0) throw ArgError{"pad: paddings must be >= 0"};
      int limit = mode == 1 ? shape[i] - 1 : shape[i];
      if (mode != 0 && (before[i] > limit || after[i] > limit)) throw ArgError{"pad: mirror paddings must be below the dimension (reflect) or at most it (symmetric)"};
      os[i] = before[i] + shape[i] + after[i];
    }
    size_t lx, lo;
    float* x = f32(env, a[0], &lx, "x");
    float* out = f32(env, a[6], &lo, "out");
    checkLen(lx, sizeOf(shape, rank), "x");
    checkLen(lo, sizeOf(os, rank), "out");
    pad(x, shape, rank, before, after, mode, float(f64(env, a[5])), out);
    return undefined(env);
  });
}

// transpose(x, shape, perm, out)
napi_value Transpose(napi_env env, napi_callback_info info) {
  return call(env, info, 4, [&](napi_value* a) {
    int rank = arrayLength(env, a[1]);
    if (rank < 1 || arrayLength(env, a[2]) != rank) throw ArgError{"transpose: shape and perm must have one rank"};
    int shape[kMaxRank], perm[kMaxRank];
    readShape(env, a[1], shape, rank);
    readShape(env, a[2], perm, rank);
    bool seen[kMaxRank] = {};
    for (int i = 0; i < rank; ++i) {
      if (perm[i] < 0 || perm[i] >= rank || seen[perm[i]]) throw ArgError{"transpose: perm is not a permutation"};
      seen[perm[i]] = true;
    }
    size_t lx, lo, n = sizeOf(shape, rank);
    float* x = f32(env, a[0], &lx, "x");
    float* out = f32(env, a[3], &lo, "out");
    checkLen(lx, n, "x");
    checkLen(lo, n, "out");
    transpose(x, shape, perm, rank, out);
    return undefined(env);
  });
}

// tile(x, shape, reps, out)
napi_value Tile(napi_env env, napi_callback_info info) {
  return call(env, info, 4, [&](napi_value* a) {
    int rank = arrayLength(env, a[1]);
    if (rank < 1 || arrayLength(env, a[2]) != rank) throw ArgError{"tile: shape and reps must have one rank"};
    int shape[kMaxRank], reps[kMaxRank], os[kMaxRank];
    readShape(env, a[1], shape, rank);
    readShape(env, a[2], reps, rank);
    for (int i = 0; i < rank; ++i) {
      if (reps[i] < 0) throw ArgError{"tile: reps must be >= 0"};
      os[i] = shape[i] * reps[i];
    }
    size_t lx, lo;
    float* x = f32(env, a[0], &lx, "x");
    float* out = f32(env, a[3], &lo, "out");
    checkLen(lx, sizeOf(shape, rank), "x");
    checkLen(lo, sizeOf(os, rank), "out");
    tile(x, shape, reps, rank, out);
    return undefined(env);
  });
}

// eluGrad(dy, y, dx)
napi_value EluGrad(napi_env env, napi_callback_info info) {
  return call(env, info, 3, [&](napi_value* a) {
    size_t ld, ly, lx;
    float* dy = f32(env, a[0], &ld, "dy");
    float* y = f32(env, a[1], &ly, "y");
    float* dx = f32(env, a[2], &lx, "dx");
    checkLen(ly, ld, "y");
    checkLen(lx, ld, "dx");
    eluGrad(dy, y, dx, ld);
    return undefined(env);
  });
}

// compare(op, a, aShape, b, bShape, out: Uint8Array, outShape)
napi_value Compare(napi_env env, napi_callback_info info) {
  return call(env, info, 7, [&](napi_value* a) {
    int op = i32(env, a[0]);
    if (op < 0 || op > 5) throw ArgError{"unknown comparison"};
    int rank = arrayLength(env, a[6]);
    if (arrayLength(env, a[2]) != rank || arrayLength(env, a[4]) != rank) throw ArgError{"shapes must have the output rank"};
    int as[kMaxRank], bs[kMaxRank], os[kMaxRank];
    readShape(env, a[2], as, rank);
    readShape(env, a[4], bs, rank);
    readShape(env, a[6], os, rank);
    for (int i = 0; i < rank; ++i)
      if ((as[i] != os[i] && as[i] != 1) || (bs[i] != os[i] && bs[i] != 1)) throw ArgError{"shapes do not broadcast"};
    size_t la, lb, lo;
    float* pa = f32(env, a[1], &la, "a");
    float* pb = f32(env, a[3], &lb, "b");
    uint8_t* po = u8s(env, a[5], &lo, "out");
    checkLen(la, sizeOf(as, rank), "a");
    checkLen(lb, sizeOf(bs, rank), "b");
    checkLen(lo, sizeOf(os, rank), "out");
    compare(op, pa, as, pb, bs, po, os, rank);
    return undefined(env);
  });
}

// select(condition: Uint8Array, t, e, out): condition has out.length values or divides it (whole rows)
napi_value Select(napi_env env, napi_callback_info info) {
  return call(env, info, 4, [&](napi_value* a) {
    size_t lc, lt, le, lo;
    uint8_t* c = u8s(env, a[0], &lc, "condition");
    float* t = f32(env, a[1], &lt, "t");
    float* e = f32(env, a[2], &le, "e");
    float* o = f32(env, a[3], &lo, "out");
    checkLen(lt, lo, "t");
    checkLen(le, lo, "e");
    if (lo > 0 && (lc == 0 || lo % lc != 0)) throw ArgError{"select: the condition must have as many values as t, or one per row"};
    if (lo > 0) select(c, long(lc), t, e, o, long(lo));
    return undefined(env);
  });
}

// softmax(x, y, rows, n)
napi_value Softmax(napi_env env, napi_callback_info info) {
  return call(env, info, 4, [&](napi_value* a) {
    long rows = i32(env, a[2]), n = i32(env, a[3]);
    if (rows < 0 || n < 0) throw ArgError{"softmax: rows and n must be >= 0"};
    size_t lx, ly;
    float* x = f32(env, a[0], &lx, "x");
    float* y = f32(env, a[1], &ly, "y");
    checkLen(lx, size_t(rows) * n, "x");
    checkLen(ly, size_t(rows) * n, "y");
    softmax(x, y, rows, n);
    return undefined(env);
  });
}

// batchMatMul(a, b, c, batchA, batchB, m, n, k, transA, transB)
napi_value BatchMatMul(napi_env env, napi_callback_info info) {
  return call(env, info, 10, [&](napi_value* a) {
    long batchA = i32(env, a[3]), batchB = i32(env, a[4]);
    int m = i32(env, a[5]), n = i32(env, a[6]), k = i32(env, a[7]);
    bool ta = boolean(env, a[8]), tb = boolean(env, a[9]);
    if (batchA < 1 || batchB < 1 || (batchA != batchB && batchA != 1 && batchB != 1)) throw ArgError{"batchMatMul: batch sizes do not broadcast"};
    if (m < 0 || n < 0 || k < 0) throw ArgError{"batchMatMul: m, n, k must be >= 0"};
    size_t la, lb, lc;
    float* pa = f32(env, a[0], &la, "a");
    float* pb = f32(env, a[1], &lb, "b");
    float* pc = f32(env, a[2], &lc, "c");
    checkLen(la, size_t(batchA) * m * k, "a");
    checkLen(lb, size_t(batchB) * k * n, "b");
    checkLen(lc, size_t(std::max(batchA, batchB)) * m * n, "c");
    if (k == 0) {
      std::fill(pc, pc + size_t(std::max(batchA, batchB)) * m * n, 0.f);
      return undefined(env);
    }
    batchMatMul(pa, pb, pc, batchA, batchB, m, n, k, ta, tb);
    return undefined(env);
  });
}

// batchNorm(x, mean, variance, offset | null, scale | null, eps, y)
napi_value BatchNorm(napi_env env, napi_callback_info info) {
  return call(env, info, 7, [&](napi_value* a) {
    size_t lx, lm, lv, lo = 0, ls = 0, ly;
    float* x = f32(env, a[0], &lx, "x");
    float* mean = f32(env, a[1], &lm, "mean");
    float* var = f32(env, a[2], &lv, "variance");
    float* off = f32OrNull(env, a[3], &lo, "offset");
    float* sc = f32OrNull(env, a[4], &ls, "scale");
    float* y = f32(env, a[6], &ly, "y");
    checkLen(ly, lx, "y");
    if (lx > 0 && (lm == 0 || lv == 0 || (off && lo == 0) || (sc && ls == 0))) throw ArgError{"batchNorm: empty mean, variance, offset or scale"};
    if (lx > 0) batchNorm(x, long(lx), mean, long(lm), var, long(lv), off, long(lo), sc, long(ls), float(f64(env, a[5])), y);
    return undefined(env);
  });
}

PoolGeom poolGeom(napi_env env, napi_value* a) {
  PoolGeom g;
  int* f[] = {&g.n, &g.h, &g.w, &g.c, &g.kh, &g.kw, &g.oh, &g.ow, &g.sh, &g.sw, &g.dh, &g.dw, &g.pt, &g.pl};
  for (int i = 0; i < 14; ++i) *f[i] = i32(env, a[i]);
  for (int i = 0; i < 14; ++i)
    if (*f[i] < 0 || (i >= 8 && i < 12 && *f[i] < 1)) throw ArgError{"pool: bad geometry"};
  return g;
}

// pool2d(kind 0 max | 1 avg, x, y, ...geom) and pool2dGrad(kind, dy, x, dx, ...geom)
napi_value Pool2d(napi_env env, napi_callback_info info) {
  return call(env, info, 17, [&](napi_value* a) {
    int kind = i32(env, a[0]);
    if (kind < 0 || kind > 1) throw ArgError{"pool: kind must be 0 (max) or 1 (avg)"};
    PoolGeom g = poolGeom(env, a + 3);
    size_t lx, ly;
    float* x = f32(env, a[1], &lx, "x");
    float* y = f32(env, a[2], &ly, "y");
    checkLen(lx, size_t(g.n) * g.h * g.w * g.c, "x");
    checkLen(ly, size_t(g.n) * g.oh * g.ow * g.c, "y");
    pool2d(kind, g, x, y);
    return undefined(env);
  });
}
napi_value Pool2dGrad(napi_env env, napi_callback_info info) {
  return call(env, info, 18, [&](napi_value* a) {
    int kind = i32(env, a[0]);
    if (kind < 0 || kind > 1) throw ArgError{"pool: kind must be 0 (max) or 1 (avg)"};
    PoolGeom g = poolGeom(env, a + 4);
    size_t ld, lx, ldx;
    float* dy = f32(env, a[1], &ld, "dy");
    float* x = f32(env, a[2], &lx, "x");
    float* dx = f32(env, a[3], &ldx, "dx");
    checkLen(ld, size_t(g.n) * g.oh * g.ow * g.c, "dy");
    if (kind == 0) checkLen(lx, size_t(g.n) * g.h * g.w * g.c, "x");
    checkLen(ldx, size_t(g.n) * g.h * g.w * g.c, "dx");
    pool2dGrad(kind, g, dy, x, dx);
    return undefined(env);
  });
}

// gather(x, outer, axisN, inner, indices: Int32Array, out)
napi_value Gather(napi_env env, napi_callback_info info) {
  return call(env, info, 6, [&](napi_value* a) {
    long outer = i32(env, a[1]), axisN = i32(env, a[2]), inner = i32(env, a[3]);
    if (outer < 0 || axisN < 0 || inner < 0) throw ArgError{"gather: sizes must be >= 0"};
    size_t lx, li, lo;
    float* x = f32(env, a[0], &lx, "x");
    int32_t* idx = i32s(env, a[4], &li, "indices");
    float* out = f32(env, a[5], &lo, "out");
    checkLen(lx, size_t(outer) * axisN * inner, "x");
    checkLen(lo, size_t(outer) * li * inner, "out");
    if (!gather(x, outer, axisN, inner, idx, long(li), out)) {
      throw ArgError{"gather: an index is outside [0, " + std::to_string(axisN) + ")"};
    }
    return undefined(env);
  });
}

// unsortedSegmentSum(x, rows, inner, ids: Int32Array, segments, out)
napi_value UnsortedSegmentSum(napi_env env, napi_callback_info info) {
  return call(env, info, 6, [&](napi_value* a) {
    long rows = i32(env, a[1]), inner = i32(env, a[2]), segments = i32(env, a[4]);
    if (rows < 0 || inner < 0 || segments < 0) throw ArgError{"unsortedSegmentSum: sizes must be >= 0"};
    size_t lx, li, lo;
    float* x = f32(env, a[0], &lx, "x");
    int32_t* ids = i32s(env, a[3], &li, "segmentIds");
    float* out = f32(env, a[5], &lo, "out");
    checkLen(lx, size_t(rows) * inner, "x");
    checkLen(li, size_t(rows), "segmentIds");
    checkLen(lo, size_t(segments) * inner, "out");
    unsortedSegmentSum(x, rows, inner, ids, segments, out);
    return undefined(env);
  });
}

// topk(x, rows, n, k, values, indices: Int32Array)
napi_value TopK(napi_env env, napi_callback_info info) {
  return call(env, info, 6, [&](napi_value* a) {
    long rows = i32(env, a[1]), n = i32(env, a[2]);
    int k = i32(env, a[3]);
    if (rows < 0 || n < 0 || k < 0 || k > n) throw ArgError{"topk: k must be in [0, n]"};
    size_t lx, lv, li;
    float* x = f32(env, a[0], &lx, "x");
    float* v = f32(env, a[4], &lv, "values");
    int32_t* idx = i32s(env, a[5], &li, "indices");
    checkLen(lx, size_t(rows) * n, "x");
    checkLen(lv, size_t(rows) * k, "values");
    checkLen(li, size_t(rows) * k, "indices");
    if (k > 0) topk(x, rows, n, k, v, idx);
    return undefined(env);
  });
}

// oneHot(indices: Int32Array, depth, on, off, out)
napi_value OneHot(napi_env env, napi_callback_info info) {
  return call(env, info, 5, [&](napi_value* a) {
    int depth = i32(env, a[1]);
    if (depth < 0) throw ArgError{"oneHot: depth must be >= 0"};
    size_t li, lo;
    int32_t* idx = i32s(env, a[0], &li, "indices");
    float* out = f32(env, a[4], &lo, "out");
    checkLen(lo, li * size_t(depth), "out");
    oneHot(idx, long(li), depth, float(f64(env, a[2])), float(f64(env, a[3])), out);
    return undefined(env);
  });
}

// cast(x, out): Float32Array, Int32Array or Uint8Array (bool) in, any of those out, as many elements.
napi_value Cast(napi_env env, napi_callback_info info) {
  return call(env, info, 2, [&](napi_value* a) {
    auto code = [&](napi_value v, const char* name, size_t* len, void** data) {
      bool is = false;
      napi_is_typedarray(env, v, &is);
      napi_typedarray_type type = napi_float32_array;
      if (is) napi_get_typedarray_info(env, v, &type, len, data, nullptr, nullptr);
      if (!is || (type != napi_float32_array && type != napi_int32_array && type != napi_uint8_array)) {
        throw ArgError{std::string(name) + " must be a Float32Array, Int32Array or Uint8Array"};
      }
      return type == napi_float32_array ? 0 : type == napi_int32_array ? 1 : 2;
    };
    size_t lx = 0, lo = 0;
    void *x = nullptr, *out = nullptr;
    int from = code(a[0], "x", &lx, &x), to = code(a[1], "out", &lo, &out);
    checkLen(lo, lx, "out");
    castValues(from, x, to, out, lx);
    return undefined(env);
  });
}

// stridedSlice(x, shape, begin, strides, outShape, out): strides nonzero; every index read must lie inside shape.
napi_value StridedSlice(napi_env env, napi_callback_info info) {
  return call(env, info, 6, [&](napi_value* a) {
    int rank = arrayLength(env, a[1]);
    if (rank < 1 || arrayLength(env, a[2]) != rank || arrayLength(env, a[3]) != rank || arrayLength(env, a[4]) != rank) {
      throw ArgError{"stridedSlice: shape, begin, strides and outShape must have one rank"};
    }
    int shape[kMaxRank], begin[kMaxRank], strides[kMaxRank], os[kMaxRank];
    readShape(env, a[1], shape, rank);
    readShape(env, a[2], begin, rank);
    readShape(env, a[3], strides, rank);
    readShape(env, a[4], os, rank);
    bool empty = false;
    for (int i = 0; i < rank; ++i) {
      if (os[i] < 0 || strides[i] == 0) throw ArgError{"stridedSlice: strides must be nonzero and outShape >= 0"};
      if (os[i] == 0) empty = true;
    }
    if (!empty) {
      for (int i = 0; i < rank; ++i) {
        long last = long(begin[i]) + long(os[i] - 1) * strides[i];
        if (begin[i] < 0 || begin[i] >= shape[i] || last < 0 || last >= shape[i]) throw ArgError{"stridedSlice: out of bounds"};
      }
    }
    size_t lx, lo;
    float* x = f32(env, a[0], &lx, "x");
    float* out = f32(env, a[5], &lo, "out");
    checkLen(lx, sizeOf(shape, rank), "x");
    checkLen(lo, sizeOf(os, rank), "out");
    if (!empty) stridedSlice(x, shape, begin, strides, os, rank, out);
    return undefined(env);
  });
}

// batchNormGrad(dy, x, mean, variance, scale | null, eps, dx, dmean, dvariance, dscale, doffset): statistics per
// channel, the innermost axis of x (c = mean.length).
napi_value BatchNormGrad(napi_env env, napi_callback_info info) {
  return call(env, info, 11, [&](napi_value* a) {
    size_t ldy, lx, lm, lv, ls = 0, ldx, l5[4];
    float* dy = f32(env, a[0], &ldy, "dy");
    float* x = f32(env, a[1], &lx, "x");
    float* mean = f32(env, a[2], &lm, "mean");
    float* var = f32(env, a[3], &lv, "variance");
    float* sc = f32OrNull(env, a[4], &ls, "scale");
    float eps = float(f64(env, a[5]));
    float* dx = f32(env, a[6], &ldx, "dx");
    const char* names[] = {"dmean", "dvariance", "dscale", "doffset"};
    float* d[4];
    for (int i = 0; i < 4; ++i) d[i] = f32(env, a[7 + i], &l5[i], names[i]);
    const size_t c = lm;
    if (c == 0 || lx % c != 0) throw ArgError{"batchNormGrad: x must hold whole rows of mean.length channels"};
    checkLen(lv, c, "variance");
    if (sc) checkLen(ls, c, "scale");
    checkLen(ldy, lx, "dy");
    checkLen(ldx, lx, "dx");
    for (int i = 0; i < 4; ++i) checkLen(l5[i], c, names[i]);
    batchNormGrad(dy, x, long(lx / c), long(c), mean, var, sc, eps, dx, d[0], d[1], d[2], d[3]);
    return undefined(env);
  });
}

// reluGrad(kind: 0 relu | 1 relu6, dy, x, dx)
napi_value ReluGrad(napi_env env, napi_callback_info info) {
  return call(env, info, 4, [&](napi_value* a) {
    int kind = i32(env, a[0]);
    if (kind < 0 || kind > 1) throw ArgError{"reluGrad: kind must be 0 (relu) or 1 (relu6)"};
    size_t ld, lx, lo;
    float* dy = f32(env, a[1], &ld, "dy");
    float* x = f32(env, a[2], &lx, "x");
    float* dx = f32(env, a[3], &lo, "dx");
    checkLen(lx, ld, "x");
    checkLen(lo, ld, "dx");
    reluGrad(kind, dy, x, dx, ld);
    return undefined(env);
  });
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  return call(env, info, 1, [&](napi_value* a) {
    int n = i32(env, a[0]);
    if (n < 1 || n > 1024) throw ArgError{"threads must be an integer in [1, 1024]"};
    setThreads(n);
    return undefined(env);
  });
}

// setConvImpl(0 | 1 | 2 | 3): 0 oneDNN when built with it (blocked layout for small outputs, NHWC otherwise),
// 1 forces im2col + GEMM, 2 oneDNN always blocked, 3 oneDNN always NHWC (tests cover all four).
napi_value SetConvImpl(napi_env env, napi_callback_info info) {
  return call(env, info, 1, [&](napi_value* a) {
    int v = i32(env, a[0]);
    if (v < 0 || v > 3) throw ArgError{"conv impl must be 0 (best), 1 (im2col), 2 (oneDNN, blocked) or 3 (oneDNN, NHWC)"};
    g_convImpl = v == 1 ? 1 : 0;
#ifdef NEURAL_ODE_DNNL
    setDnnlLayout(v == 2 ? 1 : v == 3 ? 0 : 2);
#endif
    return undefined(env);
  });
}

// setIsa(level: 0 baseline | 1 avx2 | 2 avx512): capped at what the CPU runs; returns the level in use.
napi_value SetIsa(napi_env env, napi_callback_info info) {
  return call(env, info, 1, [&](napi_value* a) {
    int v = i32(env, a[0]);
    if (v < 0 || v > 2) throw ArgError{"isa level must be 0 (baseline), 1 (avx2) or 2 (avx512)"};
    napi_value r;
    napi_create_int32(env, setIsaLevel(v), &r);
    return r;
  });
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, v;
  napi_create_object(env, &obj);
#ifdef NEURAL_ODE_DNNL
  const dnnl_version_t* ver = dnnl_version();
  std::string conv = "onednn " + std::to_string(ver->major) + "." + std::to_string(ver->minor) + "." + std::to_string(ver->patch);
  std::string gemm = "onednn sgemm";
#else
  std::string conv = "im2col";
  std::string gemm = "openblas sgemm";
#endif
  napi_create_string_utf8(env, conv.c_str(), conv.size(), &v);
  napi_set_named_property(env, obj, "conv", v);
  napi_create_string_utf8(env, gemm.c_str(), gemm.size(), &v);
  napi_set_named_property(env, obj, "gemm", v);
  napi_create_int32(env, g_threads, &v);
  napi_set_named_property(env, obj, "threads", v);
  napi_create_int32(env, NAPI_VERSION, &v);
  napi_set_named_property(env, obj, "napiVersion", v);
  napi_create_string_utf8(env, isaName(isaLevel()), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "isa", v);
  napi_create_string_utf8(env, isaName(isaSupported()), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "isaSupported", v);
  const char* abi = "neural-ode-native/4";
  napi_create_string_utf8(env, abi, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "abi", v);
  return obj;
}

napi_value Init(napi_env env, napi_value exports) {
  // Keep freed tensor buffers (up to 32 MiB each, glibc's ceiling for this knob) in the heap instead of
  // returning them with munmap: otherwise every new activation costs a fresh mmap and its page faults.
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
  setThreads(2);
  napi_property_descriptor props[] = {
      {"conv2dForward", nullptr, ConvForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, ConvBackwardData, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, ConvBackwardFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"groupNormForward", nullptr, GroupNormForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"groupNormBackward", nullptr, GroupNormBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"slice", nullptr, Slice, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"copyRows", nullptr, CopyRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduce", nullptr, Reduce, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"pad", nullptr, Pad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"transpose", nullptr, Transpose, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"tile", nullptr, Tile, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"eluGrad", nullptr, EluGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"compare", nullptr, Compare, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"select", nullptr, Select, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchMatMul", nullptr, BatchMatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNorm", nullptr, BatchNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"pool2d", nullptr, Pool2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"pool2dGrad", nullptr, Pool2dGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gather", nullptr, Gather, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unsortedSegmentSum", nullptr, UnsortedSegmentSum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"topk", nullptr, TopK, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"oneHot", nullptr, OneHot, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cast", nullptr, Cast, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stridedSlice", nullptr, StridedSlice, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormGrad", nullptr, BatchNormGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reluGrad", nullptr, ReluGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setConvImpl", nullptr, SetConvImpl, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setIsa", nullptr, SetIsa, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
