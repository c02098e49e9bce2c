// Convolutions through oneDNN primitives, cached per geometry. Activations stay NHWC (oneDNN's nxc kernels),
// so no activation is ever reordered; only the small filter is reordered to the layout the primitive wants.
#ifdef NEURAL_ODE_DNNL
#include <memory>
#include <string>
#include <unordered_map>
#include <oneapi/dnnl/dnnl.hpp>
#include "common.h"

namespace nn {
namespace {

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

engine& eng() {
  static engine e(engine::kind::cpu, 0);
  return e;
}
stream& strm() {
  static stream s(eng());
  return s;
}

std::vector<float> g_scratchpad;
std::vector<float> g_weights;

struct Descs {
  memory::desc src, dst, userW, anyW;
  memory::dims strides, dil, pl, pr;
};

Descs descs(const ConvGeom& g) {
  Descs d;
  d.src = memory::desc({g.n, g.c, g.h, g.w}, dt::f32, tag::nhwc);
  d.dst = memory::desc({g.n, g.k, g.oh, g.ow}, dt::f32, tag::nhwc);
  d.userW = memory::desc({g.k, g.c, g.kh, g.kw}, dt::f32, tag::hwio);
  d.anyW = memory::desc({g.k, g.c, g.kh, g.kw}, dt::f32, tag::any);
  d.strides = {g.sh, g.sw};
  d.dil = {g.dh - 1, g.dw - 1};
  d.pl = {g.pt, g.pl};
  d.pr = {g.pb, g.pr};
  return d;
}

std::string key(char kind, const ConvGeom& g) {
  std::string k(1, kind);
  const int v[] = {g.n, g.h, g.w, g.c, g.kh, g.kw, g.k, g.oh, g.ow, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.pb, g.pr};
  for (int x : v) k += ',' + std::to_string(x);
  return k;
}

primitive_attr userScratchpad() {
  primitive_attr attr;
  attr.set_scratchpad_mode(scratchpad_mode::user);
  return attr;
}

convolution_forward::primitive_desc forwardPd(const Descs& d) {
  convolution_forward::desc desc(prop_kind::forward_training, algorithm::convolution_direct, d.src, d.anyW, d.dst,
                                 d.strides, d.dil, d.pl, d.pr);
  return convolution_forward::primitive_desc(desc, userScratchpad(), eng());
}

struct Entry {
  primitive prim;
  memory::desc weights;   // the layout the primitive uses for the filter (or its gradient)
  memory::desc scratch;
  bool reorderWeights = false;
  primitive weightReorder;  // user HWIO -> primitive layout (forward, backward data) or back (backward filter)
  bool failed = false;
};

std::unordered_map<std::string, std::unique_ptr<Entry>> g_cache;

memory scratchMemory(const memory::desc& md) {
  size_t bytes = md.get_size();
  float* p = scratch(g_scratchpad, bytes / sizeof(float) + 1);
  return memory(md, eng(), p);
}

Entry* lookup(char kind, const ConvGeom& g) {
  std::string k = key(kind, g);
  auto it = g_cache.find(k);
  if (it != g_cache.end()) return it->second->failed ? nullptr : it->second.get();
  auto e = std::make_unique<Entry>();
  try {
    Descs d = descs(g);
    auto fpd = forwardPd(d);
    if (kind == 'f') {
      e->prim = convolution_forward(fpd);
      e->weights = fpd.weights_desc();
      e->scratch = fpd.scratchpad_desc();
    } else if (kind == 'd') {
      convolution_backward_data::desc desc(algorithm::convolution_direct, d.src, d.anyW, d.dst, d.strides, d.dil, d.pl, d.pr);
      convolution_backward_data::primitive_desc pd(desc, userScratchpad(), eng(), fpd);
      e->prim = convolution_backward_data(pd);
      e->weights = pd.weights_desc();
      e->scratch = pd.scratchpad_desc();
    } else {
      convolution_backward_weights::desc desc(algorithm::convolution_direct, d.src, d.anyW, d.dst, d.strides, d.dil, d.pl, d.pr);
      convolution_backward_weights::primitive_desc pd(desc, userScratchpad(), eng(), fpd);
      e->prim = convolution_backward_weights(pd);
      e->weights = pd.diff_weights_desc();
      e->scratch = pd.scratchpad_desc();
    }
    e->reorderWeights = e->weights != d.userW;
    if (e->reorderWeights) {
      memory user(d.userW, eng(), nullptr), prim(e->weights, eng(), nullptr);
      e->weightReorder = kind == 'w' ? reorder(prim, user) : reorder(user, prim);
    }
  } catch (const dnnl::error&) {
    e->failed = true;
  }
  Entry* r = e->failed ? nullptr : e.get();
  g_cache.emplace(k, std::move(e));
  return r;
}

// A filter (or filter gradient) in the primitive's layout: the user's buffer itself, or a reordered copy.
float* primitiveWeights(Entry* e, const ConvGeom& g, float* user, bool toPrimitive) {
  if (!e->reorderWeights) return user;
  float* buf = scratch(g_weights, e->weights.get_size() / sizeof(float) + 1);
  if (toPrimitive) {
    Descs d = descs(g);
    memory src(d.userW, eng(), user), dst(e->weights, eng(), buf);
    e->weightReorder.execute(strm(), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
  }
  return buf;
}

}  // namespace

bool convForwardDnnl(const ConvGeom& g, const float* x, const float* w, float* y) {
  Entry* e = lookup('f', g);
  if (!e) return false;
  Descs d = descs(g);
  float* pw = primitiveWeights(e, g, const_cast<float*>(w), true);
  memory src(d.src, eng(), const_cast<float*>(x)), wm(e->weights, eng(), pw), dst(d.dst, eng(), y);
  e->prim.execute(strm(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dst},
                           {DNNL_ARG_SCRATCHPAD, scratchMemory(e->scratch)}});
  strm().wait();
  return true;
}

bool convBackwardDataDnnl(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  Entry* e = lookup('d', g);
  if (!e) return false;
  Descs d = descs(g);
  float* pw = primitiveWeights(e, g, const_cast<float*>(w), true);
  memory ddst(d.dst, eng(), const_cast<float*>(dy)), wm(e->weights, eng(), pw), dsrc(d.src, eng(), dx);
  e->prim.execute(strm(), {{DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DIFF_SRC, dsrc},
                           {DNNL_ARG_SCRATCHPAD, scratchMemory(e->scratch)}});
  strm().wait();
  return true;
}

bool convBackwardFilterDnnl(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  Entry* e = lookup('w', g);
  if (!e) return false;
  Descs d = descs(g);
  float* pw = primitiveWeights(e, g, dw, false);
  memory src(d.src, eng(), const_cast<float*>(x)), ddst(d.dst, eng(), const_cast<float*>(dy)), dwm(e->weights, eng(), pw);
  e->prim.execute(strm(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_DIFF_WEIGHTS, dwm},
                           {DNNL_ARG_SCRATCHPAD, scratchMemory(e->scratch)}});
  if (e->reorderWeights) {
    memory from(e->weights, eng(), pw), to(d.userW, eng(), dw);
    e->weightReorder.execute(strm(), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
  }
  strm().wait();
  return true;
}

}  // namespace nn
#endif
