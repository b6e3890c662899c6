// One-op models through the whole runtime (reader -> prepare -> eval), with
// inputs and quantization chosen so the expected outputs are exact by hand.
// They check the op glue: options, axes, masks, paddings and quantization are
// mapped onto the kernels as TFLite defines them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "nn/interpreter.h"
#include "tests/nn/model_builder.h"

namespace kws::nn {
namespace {

using testing::bytes_of;
using testing::ModelSpec;
using testing::OpSpec;
using testing::OptionField;
using testing::TensorSpec;

TensorSpec s8(std::vector<int32_t> shape, float scale, int64_t zp) {
  return {std::move(shape), TensorType::kInt8, {}, {scale}, {zp}, 0, "", false};
}

TensorSpec i32_const(std::vector<int32_t> shape, const std::vector<int32_t>& values) {
  return {std::move(shape), TensorType::kInt32, bytes_of(values), {}, {}, 0, "", false};
}

// Runs a model whose graph inputs are `inputs` (raw bytes, in order) and
// returns output 0's bytes; fails the test on any error.
std::vector<uint8_t> run(const ModelSpec& spec, const std::vector<std::vector<uint8_t>>& inputs) {
  const std::vector<uint8_t> bytes = testing::build_model(spec);
  // Each model is also a fuzz seed (tools/fuzz.sh sets KWS_FUZZ_SEED_DIR).
  if (const char* dir = std::getenv("KWS_FUZZ_SEED_DIR"); dir != nullptr && *dir != '\0') {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::ofstream(std::string(dir) + "/op_" + name + ".tflite", std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  }
  TfliteModel model;
  Status s = model.parse(bytes.data(), bytes.size());
  EXPECT_TRUE(s.ok()) << s.message();
  size_t needed = 0;
  s = Interpreter::needed_bytes(model, &needed);
  EXPECT_TRUE(s.ok()) << s.message();
  if (!s.ok()) return {};
  std::vector<uint8_t> arena(needed);
  Interpreter interp;
  s = interp.init(model, arena.data(), arena.size());
  EXPECT_TRUE(s.ok()) << s.message();
  if (!s.ok()) return {};
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorView in = interp.input(i);
    EXPECT_EQ(in.bytes, inputs[i].size()) << "input " << i;
    if (in.bytes != inputs[i].size()) return {};
    std::memcpy(in.data, inputs[i].data(), in.bytes);
  }
  s = interp.invoke();
  EXPECT_TRUE(s.ok()) << s.message();
  const TensorView out = interp.output(0);
  const uint8_t* p = static_cast<const uint8_t*>(out.data);
  return std::vector<uint8_t>(p, p + out.bytes);
}

template <typename T>
std::vector<T> as(const std::vector<uint8_t>& b) {
  std::vector<T> v(b.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), b.data(), v.size() * sizeof(T));
  return v;
}

OpSpec op_of(int32_t builtin, std::vector<int32_t> ins, int32_t out, uint8_t options_type = 0,
             std::vector<OptionField> options = {}) {
  OpSpec o;
  o.builtin = builtin;
  o.inputs = std::move(ins);
  o.outputs = {out};
  o.options_type = options_type;
  o.options = std::move(options);
  return o;
}

ModelSpec one_op(int32_t builtin, std::vector<TensorSpec> tensors, std::vector<int32_t> ins,
                 std::vector<int32_t> graph_inputs, int32_t out, uint8_t options_type = 0,
                 std::vector<OptionField> options = {}) {
  ModelSpec m;
  m.tensors = std::move(tensors);
  m.ops = {op_of(builtin, std::move(ins), out, options_type, std::move(options))};
  m.inputs = std::move(graph_inputs);
  m.outputs = {out};
  return m;
}

TEST(Ops, AddBroadcastsAndAppliesRelu) {
  namespace fa = field::add;
  ModelSpec m = one_op(
      op::kAdd, {s8({1, 2, 2, 1}, 0.5f, 0), s8({1, 1, 1, 1}, 0.5f, 0), s8({1, 2, 2, 1}, 0.5f, 0)},
      {0, 1}, {0, 1}, 2, options_type::kAdd,
      {OptionField::i8(fa::kActivation, schema_activation::kRelu)});
  const auto out = as<int8_t>(
      run(m, {bytes_of(std::vector<int8_t>{1, 2, -30, 4}), bytes_of(std::vector<int8_t>{10})}));
  EXPECT_EQ(out, (std::vector<int8_t>{11, 12, 0, 14}));
}

TEST(Ops, MulRescalesToTheOutputScale) {
  ModelSpec m = one_op(op::kMul, {s8({1, 4}, 0.5f, 0), s8({1, 4}, 0.5f, 0), s8({1, 4}, 0.25f, 0)},
                       {0, 1}, {0, 1}, 2, options_type::kMul, {});
  const auto out = as<int8_t>(run(
      m, {bytes_of(std::vector<int8_t>{1, 2, -3, 4}), bytes_of(std::vector<int8_t>{2, 3, 4, -5})}));
  EXPECT_EQ(out, (std::vector<int8_t>{2, 6, -12, -20}));
}

TEST(Ops, LogisticOfZeroIsOneHalf) {
  ModelSpec m =
      one_op(op::kLogistic, {s8({3}, 1.0f / 16.0f, 0), s8({3}, 1.0f / 256.0f, -128)}, {0}, {0}, 1);
  const auto out = as<int8_t>(run(m, {bytes_of(std::vector<int8_t>{0, 127, -128})}));
  // sigmoid(0) = 0.5 -> 0; sigmoid(7.94) -> 127 (clamped); sigmoid(-8) -> -128.
  EXPECT_EQ(out, (std::vector<int8_t>{0, 127, -128}));
}

TEST(Ops, LeakyReluInt8RequantisesBothSlopes) {
  ModelSpec m =
      one_op(op::kLeakyRelu, {s8({5}, 0.1f, 0), s8({5}, 0.05f, -10)}, {0}, {0}, 1,
             options_type::kLeakyRelu, {OptionField::f32(field::leaky_relu::kAlpha, 0.25f)});
  const auto out = as<int8_t>(run(m, {bytes_of(std::vector<int8_t>{20, -40, 0, 127, -128})}));
  // 2.0 -> 2.0, -4.0 -> -1.0, 0 -> 0, 12.7 -> 12.7 (clamped at 127), -12.8 -> -3.2; /0.05 - 10.
  EXPECT_EQ(out, (std::vector<int8_t>{30, -30, -10, 127, -74}));
}

TEST(Ops, QuantizeFloatAndRequantize) {
  TensorSpec f{{4}, TensorType::kFloat32, {}, {}, {}, 0, "", false};
  ModelSpec m = one_op(op::kQuantize, {f, s8({4}, 0.5f, 1)}, {0}, {0}, 1);
  EXPECT_EQ(as<int8_t>(run(m, {bytes_of(std::vector<float>{0.0f, 1.0f, -1.0f, 100.0f})})),
            (std::vector<int8_t>{1, 3, -1, 127}));
  ModelSpec r = one_op(op::kQuantize, {s8({3}, 1.0f, 0), s8({3}, 0.5f, 0)}, {0}, {0}, 1);
  EXPECT_EQ(as<int8_t>(run(r, {bytes_of(std::vector<int8_t>{1, -3, 100})})),
            (std::vector<int8_t>{2, -6, 127}));
}

TEST(Ops, DequantizeToFloat) {
  TensorSpec f{{3}, TensorType::kFloat32, {}, {}, {}, 0, "", false};
  ModelSpec m = one_op(op::kDequantize, {s8({3}, 0.25f, -2), f}, {0}, {0}, 1);
  EXPECT_EQ(as<float>(run(m, {bytes_of(std::vector<int8_t>{-2, 2, 127})})),
            (std::vector<float>{0.0f, 1.0f, 32.25f}));
}

TEST(Ops, ConcatenationAlongNegativeAxis) {
  namespace fc = field::concatenation;
  ModelSpec m = one_op(
      op::kConcatenation, {s8({1, 2, 2}, 1.0f, 0), s8({1, 2, 1}, 1.0f, 0), s8({1, 2, 3}, 1.0f, 0)},
      {0, 1}, {0, 1}, 2, options_type::kConcatenation, {OptionField::i32(fc::kAxis, -1)});
  const auto out = as<int8_t>(
      run(m, {bytes_of(std::vector<int8_t>{1, 2, 3, 4}), bytes_of(std::vector<int8_t>{9, 8})}));
  EXPECT_EQ(out, (std::vector<int8_t>{1, 2, 9, 3, 4, 8}));
}

TEST(Ops, StridedSliceWithStrideAndBeginMask) {
  namespace fs = field::strided_slice;
  ModelSpec m = one_op(op::kStridedSlice,
                       {s8({1, 6}, 1.0f, 0), i32_const({2}, {0, 4}), i32_const({2}, {1, 6}),
                        i32_const({2}, {1, 2}), s8({1, 3}, 1.0f, 0)},
                       {0, 1, 2, 3}, {0}, 4, options_type::kStridedSlice,
                       {OptionField::i32(fs::kBeginMask, 2)});
  // begin_mask bit 1 ignores begin[1] = 4: elements 0, 2, 4.
  EXPECT_EQ(as<int8_t>(run(m, {bytes_of(std::vector<int8_t>{10, 11, 12, 13, 14, 15})})),
            (std::vector<int8_t>{10, 12, 14}));
}

TEST(Ops, PadUsesOutputZeroPoint) {
  ModelSpec m = one_op(op::kPad,
                       {s8({1, 2, 2, 1}, 1.0f, -5), i32_const({4, 2}, {0, 0, 1, 0, 0, 1, 0, 0}),
                        s8({1, 3, 3, 1}, 1.0f, -5)},
                       {0, 1}, {0}, 2);
  EXPECT_EQ(as<int8_t>(run(m, {bytes_of(std::vector<int8_t>{1, 2, 3, 4})})),
            (std::vector<int8_t>{-5, -5, -5, 1, 2, -5, 3, 4, -5}));
}

TEST(Ops, MeanOverSpatialAxes) {
  namespace fr = field::reducer;
  ModelSpec m = one_op(
      op::kMean, {s8({1, 2, 2, 2}, 1.0f, 0), i32_const({2}, {1, 2}), s8({1, 1, 1, 2}, 1.0f, 0)},
      {0, 1}, {0}, 2, options_type::kReducer, {OptionField::i8(fr::kKeepDims, 1)});
  // Channel 0: mean(1,3,5,7) = 4. Channel 1: sum 21 x 1/4 through TFLite's
  // integer path rounds twice (multiplier 2^30 gives 10.5 -> 11, then the shift
  // by 1 gives 5.5 -> 6), so TFLite outputs 6, not round(5.25) = 5.
  EXPECT_EQ(as<int8_t>(run(m, {bytes_of(std::vector<int8_t>{1, 2, 3, 4, 5, 6, 7, 9})})),
            (std::vector<int8_t>{4, 6}));
}

TEST(Ops, MaxPoolValid) {
  namespace fp = field::pool2d;
  ModelSpec m = one_op(op::kMaxPool2d, {s8({1, 2, 2, 1}, 1.0f, 0), s8({1, 1, 1, 1}, 1.0f, 0)}, {0},
                       {0}, 1, options_type::kPool2d,
                       {OptionField::i8(fp::kPadding, schema_padding::kValid),
                        OptionField::i32(fp::kStrideW, 2), OptionField::i32(fp::kStrideH, 2),
                        OptionField::i32(fp::kFilterW, 2), OptionField::i32(fp::kFilterH, 2)});
  EXPECT_EQ(as<int8_t>(run(m, {bytes_of(std::vector<int8_t>{1, 5, 3, 2})})),
            (std::vector<int8_t>{5}));
}

TEST(Ops, SplitVWithInferredSize) {
  ModelSpec m;
  m.tensors = {s8({1, 5}, 1.0f, 0), i32_const({2}, {2, -1}), i32_const({}, {1}),
               s8({1, 2}, 1.0f, 0), s8({1, 3}, 1.0f, 0)};
  OpSpec split;
  split.builtin = op::kSplitV;
  split.inputs = {0, 1, 2};
  split.outputs = {3, 4};
  m.ops = {split};
  m.inputs = {0};
  const std::vector<uint8_t> x = bytes_of(std::vector<int8_t>{1, 2, 3, 4, 5});
  m.outputs = {3, 4};
  EXPECT_EQ(as<int8_t>(run(m, {x})), (std::vector<int8_t>{1, 2}));
  m.outputs = {4, 3};
  EXPECT_EQ(as<int8_t>(run(m, {x})), (std::vector<int8_t>{3, 4, 5}));
}

TEST(Ops, ShapeMismatchIsALoadError) {
  namespace fp = field::pool2d;
  ModelSpec m = one_op(op::kMaxPool2d, {s8({1, 2, 2, 1}, 1.0f, 0), s8({1, 2, 1, 1}, 1.0f, 0)}, {0},
                       {0}, 1, options_type::kPool2d,
                       {OptionField::i8(fp::kPadding, schema_padding::kValid),
                        OptionField::i32(fp::kFilterW, 2), OptionField::i32(fp::kFilterH, 2)});
  const std::vector<uint8_t> bytes = testing::build_model(m);
  TfliteModel model;
  ASSERT_TRUE(model.parse(bytes.data(), bytes.size()).ok());
  size_t needed = 0;
  const Status s = Interpreter::needed_bytes(model, &needed);
  EXPECT_EQ(s.code(), StatusCode::kMalformedModel);
  EXPECT_NE(std::strstr(s.message(), "MAX_POOL_2D at subgraph 0 operator 0"), nullptr)
      << s.message();
}

// --- float32 ------------------------------------------------------------------

TensorSpec f32(std::vector<int32_t> shape) {
  return {std::move(shape), TensorType::kFloat32, {}, {}, {}, 0, "", false};
}

TensorSpec f32_const(std::vector<int32_t> shape, const std::vector<float>& values) {
  return {std::move(shape), TensorType::kFloat32, bytes_of(values), {}, {}, 0, "", false};
}

// The backbone's block: CONV_2D -> LEAKY_RELU (alpha 0.2) -> MAXIMUM(-0.4).
TEST(Ops, F32ConvLeakyReluMaximum) {
  namespace fc = field::conv2d;
  ModelSpec m;
  m.tensors = {f32({1, 3, 3, 1}),       f32_const({1, 2, 2, 1}, {1.0f, 0.0f, 0.0f, 0.0f}),
               f32_const({1}, {-5.0f}), f32({1, 2, 2, 1}),
               f32({1, 2, 2, 1}),       f32_const({1}, {-0.4f}),
               f32({1, 2, 2, 1})};
  m.ops = {op_of(op::kConv2d, {0, 1, 2}, 3, options_type::kConv2d,
                 {OptionField::i8(fc::kPadding, schema_padding::kValid)}),
           op_of(op::kLeakyRelu, {3}, 4, options_type::kLeakyRelu,
                 {OptionField::f32(field::leaky_relu::kAlpha, 0.25f)}),
           op_of(op::kMaximum, {4, 5}, 6)};
  m.inputs = {0};
  m.outputs = {6};
  const auto out = as<float>(run(m, {bytes_of(std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9})}));
  // conv: x(y, x) - 5 = {-4, -3, -1, 0}; leaky: {-1, -0.75, -0.25, 0}; max with -0.4.
  EXPECT_EQ(out, (std::vector<float>{-0.4f, -0.4f, -0.25f, 0.0f}));
}

// The interpreter runs that block as one fused step (fuse_activations) only
// when the conv's and the LEAKY_RELU's outputs have no other reader; fused or
// not, the results are the same bits.
TEST(Ops, F32ConvChainFusesOnlyWhenIntermediatesHaveNoOtherReader) {
  namespace fc = field::conv2d;
  ModelSpec m;
  m.tensors = {f32({1, 4, 3, 2}),
               f32_const({3, 2, 2, 2}, {0.5f,  -1.0f, 0.25f, 2.0f,  -0.75f, 1.5f,  1.0f,  -0.5f,
                                        0.1f,  0.2f,  -0.3f, 0.4f,  -0.5f,  0.6f,  0.7f,  -0.8f,
                                        -1.1f, 0.9f,  0.3f,  -0.2f, 0.8f,   -0.6f, 0.05f, 1.2f}),
               f32_const({3}, {0.1f, -0.2f, 0.3f}),
               f32({1, 3, 2, 3}),
               f32({1, 3, 2, 3}),
               f32_const({3}, {-0.4f, -0.1f, -2.0f}),
               f32({1, 3, 2, 3})};
  m.ops = {op_of(op::kConv2d, {0, 1, 2}, 3, options_type::kConv2d,
                 {OptionField::i8(fc::kPadding, schema_padding::kValid)}),
           op_of(op::kLeakyRelu, {3}, 4, options_type::kLeakyRelu,
                 {OptionField::f32(field::leaky_relu::kAlpha, 0.2f)}),
           op_of(op::kMaximum, {4, 5}, 6)};
  m.inputs = {0};
  m.outputs = {6};
  std::vector<float> x(24);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) * 0.37f - 1.1f;
  // Runs `spec` and returns output 0, its fused chain count in `*chains`.
  auto run_with = [&](const ModelSpec& spec, bool fuse, uint32_t* chains) {
    const std::vector<uint8_t> bytes = testing::build_model(spec);
    TfliteModel model;
    EXPECT_TRUE(model.parse(bytes.data(), bytes.size()).ok());
    InterpreterOptions options;
    options.fuse_activations = fuse;
    size_t needed = 0;
    EXPECT_TRUE(Interpreter::needed_bytes(model, &needed, options).ok());
    std::vector<uint8_t> arena(needed);
    Interpreter interp;
    EXPECT_TRUE(interp.init(model, arena.data(), arena.size(), options).ok());
    std::memcpy(interp.input(0).data, x.data(), x.size() * sizeof(float));
    EXPECT_TRUE(interp.invoke().ok());
    *chains = interp.fused_chains();
    const float* out = static_cast<const float*>(interp.output(0).data);
    return std::vector<float>(out, out + 18);
  };
  uint32_t chains = 0;
  const std::vector<float> unfused = run_with(m, false, &chains);
  EXPECT_EQ(chains, 0u);
  EXPECT_EQ(run_with(m, true, &chains), unfused);
  EXPECT_EQ(chains, 1u);
  ModelSpec conv_also_output = m;
  conv_also_output.outputs = {6, 3};
  EXPECT_EQ(run_with(conv_also_output, true, &chains), unfused);
  EXPECT_EQ(chains, 0u);
  ModelSpec leaky_read_twice = m;
  leaky_read_twice.tensors.push_back(f32({1, 3, 2, 3}));
  leaky_read_twice.ops.push_back(op_of(op::kMaximum, {4, 5}, 7));
  EXPECT_EQ(run_with(leaky_read_twice, true, &chains), unfused);
  EXPECT_EQ(chains, 0u);
}

TEST(Ops, F32FullyConnectedReluThenSoftmax) {
  namespace ff = field::fully_connected;
  ModelSpec m;
  m.tensors = {f32({1, 2}), f32_const({2, 2}, {1.0f, 0.0f, 0.0f, -1.0f}),
               f32_const({2}, {0.0f, 5.0f}), f32({1, 2}), f32({1, 2})};
  m.ops = {op_of(op::kFullyConnected, {0, 1, 2}, 3, options_type::kFullyConnected,
                 {OptionField::i8(ff::kActivation, schema_activation::kRelu)}),
           op_of(op::kSoftmax, {3}, 4, options_type::kSoftmax,
                 {OptionField::f32(field::softmax::kBeta, 1.0f)})};
  m.inputs = {0};
  m.outputs = {4};
  // FC: {1, 5 - 2} = {1, 3}; softmax {1/(1+e^2), e^2/(1+e^2)}.
  const auto out = as<float>(run(m, {bytes_of(std::vector<float>{1.0f, 2.0f})}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NEAR(out[0], 1.0 / (1.0 + std::exp(2.0)), 1e-7);
  EXPECT_NEAR(out[1], std::exp(2.0) / (1.0 + std::exp(2.0)), 1e-7);
}

// LayerNorm's pieces as openWakeWord's heads use them: MEAN (keep dims), SUB
// broadcast, MUL, RSQRT, GREATER_EQUAL.
TEST(Ops, F32MeanSubMulRsqrt) {
  ModelSpec m;
  m.tensors = {f32({1, 4}), i32_const({1}, {1}), f32({1, 1}), f32({1, 4}),
               f32({1, 4}), f32({1, 1}),         f32({1, 1})};
  m.ops = {op_of(op::kMean, {0, 1}, 2, options_type::kReducer,
                 {OptionField::i8(field::reducer::kKeepDims, 1)}),
           op_of(op::kSub, {0, 2}, 3), op_of(op::kMul, {3, 3}, 4),
           op_of(op::kMean, {4, 1}, 5, options_type::kReducer,
                 {OptionField::i8(field::reducer::kKeepDims, 1)}),
           op_of(op::kRsqrt, {5}, 6)};
  m.inputs = {0};
  m.outputs = {6};
  // mean 2.5; deviations +-0.5, +-1.5; variance 1.25.
  const auto out = as<float>(run(m, {bytes_of(std::vector<float>{1, 2, 3, 4})}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FLOAT_EQ(out[0], 1.0f / std::sqrt(1.25f));
}

TEST(Ops, F32GreaterEqualGivesBool) {
  ModelSpec m =
      one_op(op::kGreaterEqual,
             {f32({3}), f32_const({1}, {0.5f}), {{3}, TensorType::kBool, {}, {}, {}, 0, "", false}},
             {0, 1}, {0}, 2);
  EXPECT_EQ(run(m, {bytes_of(std::vector<float>{0.49f, 0.5f, 2.0f})}),
            (std::vector<uint8_t>{0, 1, 1}));
}

TEST(Ops, F32BatchMatmulThenSqueeze) {
  ModelSpec m;
  m.tensors = {f32({1, 2, 3}), f32_const({3, 2}, {1, 0, 0, 1, 1, 1}), f32({1, 2, 2}), f32({2, 2})};
  m.ops = {op_of(op::kBatchMatmul, {0, 1}, 2),
           op_of(op::kSqueeze, {2}, 3, options_type::kSqueeze,
                 {OptionField::vec(field::squeeze::kSqueezeDims, {0})})};
  m.inputs = {0};
  m.outputs = {3};
  // rows {1, 2, 3} and {4, 5, 6} times [[1, 0], [0, 1], [1, 1]].
  EXPECT_EQ(as<float>(run(m, {bytes_of(std::vector<float>{1, 2, 3, 4, 5, 6})})),
            (std::vector<float>{4, 5, 10, 11}));
}

// InterpreterOptions::input_shapes: a [1, 1] input resized to [1, 3] runs
// EXPAND_DIMS -> TRANSPOSE -> REDUCE_MAX -> LOG on the new shape (the file
// declares every tensor with size-1 dims, as melspectrogram.tflite does).
TEST(Ops, F32InputShapePropagatesThroughPrepare) {
  ModelSpec m;
  m.tensors = {f32({1, 1}),    i32_const({}, {2}), f32({1, 1, 1}), i32_const({3}, {0, 2, 1}),
               f32({1, 1, 1}), f32({1, 1}),        f32({1, 1}),    i32_const({1}, {2})};
  m.ops = {op_of(op::kExpandDims, {0, 1}, 2), op_of(op::kTranspose, {2, 3}, 4),
           op_of(op::kReduceMax, {4, 7}, 5, options_type::kReducer), op_of(op::kLog, {5}, 6)};
  m.inputs = {0};
  m.outputs = {6};
  const std::vector<uint8_t> bytes = testing::build_model(m);
  TfliteModel model;
  ASSERT_TRUE(model.parse(bytes.data(), bytes.size()).ok());
  InputShape shape;
  shape.num_dims = 2;
  shape.dims[0] = 1;
  shape.dims[1] = 3;
  InterpreterOptions options;
  options.input_shapes = &shape;
  options.num_input_shapes = 1;
  size_t needed = 0;
  ASSERT_TRUE(Interpreter::needed_bytes(model, &needed, options).ok());
  std::vector<uint8_t> arena(needed);
  Interpreter interp;
  const Status s = interp.init(model, arena.data(), arena.size(), options);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(interp.input(0).bytes, 12u);
  ASSERT_EQ(interp.tensor(4).dims[2], 3);
  const float x[3] = {1.0f, std::exp(2.0f), 2.0f};
  std::memcpy(interp.input(0).data, x, sizeof x);
  ASSERT_TRUE(interp.invoke().ok());
  EXPECT_FLOAT_EQ(*static_cast<const float*>(interp.output(0).data), 2.0f);
  // A shape the graph cannot take, and a bad request, are load errors.
  shape.num_dims = 0;
  EXPECT_EQ(Interpreter::needed_bytes(model, &needed, options).code(),
            StatusCode::kInvalidArgument);
}

Status load_error(const ModelSpec& m) {
  const std::vector<uint8_t> bytes = testing::build_model(m);
  TfliteModel model;
  EXPECT_TRUE(model.parse(bytes.data(), bytes.size()).ok());
  size_t needed = 0;
  return Interpreter::needed_bytes(model, &needed);
}

TEST(Ops, UnsupportedFloatOpOrTypeNamesOpAndIndex) {
  // An op the runtime does not have.
  ModelSpec tanh = one_op(28, {f32({2}), f32({2})}, {0}, {0}, 1);
  Status s = load_error(tanh);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(std::strstr(s.message(), "unsupported op TANH (builtin 28) at subgraph 0 operator 0"),
            nullptr)
      << s.message();
  // An op the runtime has for another type.
  ModelSpec rsqrt = one_op(op::kRsqrt, {s8({2}, 1.0f, 0), s8({2}, 1.0f, 0)}, {0}, {0}, 1);
  s = load_error(rsqrt);
  EXPECT_NE(std::strstr(s.message(),
                        "RSQRT (builtin 76) for INT8 inputs at subgraph 0 "
                        "operator 0"),
            nullptr)
      << s.message();
  // A float op with a wrong operand type.
  ModelSpec fc =
      one_op(op::kFullyConnected, {f32({1, 2}), s8({2, 2}, 1.0f, 0), f32({1, 2})}, {0, 1}, {0}, 2);
  s = load_error(fc);
  EXPECT_NE(std::strstr(s.message(), "FULLY_CONNECTED at subgraph 0 operator 0: input 2 is INT8"),
            nullptr)
      << s.message();
}

}  // namespace
}  // namespace kws::nn
