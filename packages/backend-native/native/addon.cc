// Node-API entry points of @neural-ode/backend-native. Every function takes Float32Arrays that the JS side
// allocated (inputs and outputs) plus plain numbers for the geometry; nothing is retained after a call.
#include <malloc.h>
#include <omp.h>
#include <cmath>
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
    if (op < 0 || op > 4) throw ArgError{"unknown binary op"};
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
    else throw ArgError{"unknown unary op"};
    return undefined(env);
  });
}

// reduceSum(x, shape, reducedMask (array of 0/1), scale, out)
napi_value ReduceSum(napi_env env, napi_callback_info info) {
  return call(env, info, 5, [&](napi_value* a) {
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
    reduceSum(x, shape, red, rank, float(f64(env, a[3])), out);
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
  const char* abi = "neural-ode-native/2";
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
      {"reduceSum", nullptr, ReduceSum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setConvImpl", nullptr, SetConvImpl, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
