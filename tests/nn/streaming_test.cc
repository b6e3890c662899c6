// Streaming inference (InterpreterOptions::stream_shift_rows): a sliding-window
// stream through a streaming interpreter gives the same bytes as the same
// windows through a plain one, for every op output that is kept and for the
// model output, whatever the stream does (steady shifts, gaps, resets, partial
// runs).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <ostream>
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

namespace fc = field::conv2d;
namespace fd = field::depthwise_conv2d;
namespace fp = field::pool2d;

constexpr int32_t kRows = 24;  // input window rows (time)
constexpr int32_t kBins = 10;  // input row width (features)
constexpr int32_t kCh = 8;

struct Lcg {
  uint32_t state;
  int8_t next_s8(int lo, int hi) {
    state = state * 1664525u + 1013904223u;
    return static_cast<int8_t>(lo +
                               static_cast<int>((state >> 8) % static_cast<uint32_t>(hi - lo + 1)));
  }
  int32_t next_i32(int lo, int hi) {
    state = state * 1664525u + 1013904223u;
    return lo + static_cast<int32_t>((state >> 8) % static_cast<uint32_t>(hi - lo + 1));
  }
};

TensorSpec act(std::vector<int32_t> shape, float scale, int64_t zp) {
  return {std::move(shape), TensorType::kInt8, {}, {scale}, {zp}, 0, "", false};
}

// Constant int8 weights, per-channel symmetric along `qdim`.
TensorSpec weights(std::vector<int32_t> shape, int32_t qdim, Lcg* rng) {
  size_t n = 1;
  for (int32_t d : shape) n *= static_cast<size_t>(d);
  std::vector<int8_t> w(n);
  for (int8_t& v : w) v = rng->next_s8(-90, 90);
  const int32_t channels = shape[static_cast<size_t>(qdim)];
  std::vector<float> scales(static_cast<size_t>(channels));
  for (int32_t c = 0; c < channels; ++c)
    scales[static_cast<size_t>(c)] = 0.004f + 0.0005f * static_cast<float>(c);
  return {std::move(shape),
          TensorType::kInt8,
          bytes_of(w),
          scales,
          std::vector<int64_t>(static_cast<size_t>(channels), 0),
          qdim,
          "",
          false};
}

TensorSpec bias(int32_t n, Lcg* rng) {
  std::vector<int32_t> b(static_cast<size_t>(n));
  for (int32_t& v : b) v = rng->next_i32(-400, 400);
  return {{n}, TensorType::kInt32, bytes_of(b), {}, {}, 0, "", false};
}

struct Layout {
  int32_t second_stride_h = 1;  // the depthwise conv after the first conv
  int32_t second_dilation_h = 2;
};

// input [1,24,10,1] -> CONV_2D 5x10 VALID stride (2,1) -> DEPTHWISE 3x1 VALID
// (dilation or stride from `layout`) -> CONV_2D 1x1 -> DEPTHWISE 3x1 SAME ->
// AVERAGE_POOL over all rows -> RESHAPE -> FULLY_CONNECTED -> SOFTMAX.
// Tensor 3 is op 0's output, 6 op 1's, 9 op 2's.
ModelSpec tc_model(const Layout& layout) {
  Lcg rng{12345u};
  ModelSpec m;
  const int32_t r1 = (kRows - 5) / 2 + 1;  // 10
  const int32_t ext2 = 2 * layout.second_dilation_h + 1;
  const int32_t r2 = (r1 - ext2) / layout.second_stride_h + 1;
  m.tensors.push_back(act({1, kRows, kBins, 1}, 0.1f, 3));    // 0
  m.tensors.push_back(weights({kCh, 5, kBins, 1}, 0, &rng));  // 1
  m.tensors.push_back(bias(kCh, &rng));                       // 2
  m.tensors.push_back(act({1, r1, 1, kCh}, 0.05f, -20));      // 3
  m.tensors.push_back(weights({1, 3, 1, kCh}, 3, &rng));      // 4
  m.tensors.push_back(bias(kCh, &rng));                       // 5
  m.tensors.push_back(act({1, r2, 1, kCh}, 0.04f, -30));      // 6
  m.tensors.push_back(weights({kCh, 1, 1, kCh}, 0, &rng));    // 7
  m.tensors.push_back(bias(kCh, &rng));                       // 8
  m.tensors.push_back(act({1, r2, 1, kCh}, 0.03f, -40));      // 9
  m.tensors.push_back(weights({1, 3, 1, kCh}, 3, &rng));      // 10
  m.tensors.push_back(bias(kCh, &rng));                       // 11
  m.tensors.push_back(act({1, r2, 1, kCh}, 0.03f, -50));      // 12
  m.tensors.push_back(act({1, 1, 1, kCh}, 0.03f, -50));       // 13
  m.tensors.push_back({{2},
                       TensorType::kInt32,
                       bytes_of(std::vector<int32_t>{1, kCh}),
                       {},
                       {},
                       0,
                       "",
                       false});                           // 14
  m.tensors.push_back(act({1, kCh}, 0.03f, -50));         // 15
  m.tensors.push_back(weights({4, kCh}, 0, &rng));        // 16
  m.tensors.push_back(bias(4, &rng));                     // 17
  m.tensors.push_back(act({1, 4}, 0.1f, 0));              // 18
  m.tensors.push_back(act({1, 4}, 1.0f / 256.0f, -128));  // 19
  const auto relu = OptionField::i8(fc::kActivation, schema_activation::kRelu);
  m.ops.push_back({op::kConv2d,
                   {0, 1, 2},
                   {3},
                   options_type::kConv2d,
                   {OptionField::i8(fc::kPadding, schema_padding::kValid),
                    OptionField::i32(fc::kStrideW, 1), OptionField::i32(fc::kStrideH, 2), relu},
                   ""});
  m.ops.push_back(
      {op::kDepthwiseConv2d,
       {3, 4, 5},
       {6},
       options_type::kDepthwiseConv2d,
       {OptionField::i8(fd::kPadding, schema_padding::kValid), OptionField::i32(fd::kStrideW, 1),
        OptionField::i32(fd::kStrideH, layout.second_stride_h),
        OptionField::i32(fd::kDepthMultiplier, 1),
        OptionField::i8(fd::kActivation, schema_activation::kRelu),
        OptionField::i32(fd::kDilationH, layout.second_dilation_h)},
       ""});
  m.ops.push_back({op::kConv2d,
                   {6, 7, 8},
                   {9},
                   options_type::kConv2d,
                   {OptionField::i8(fc::kPadding, schema_padding::kValid), relu},
                   ""});
  m.ops.push_back({op::kDepthwiseConv2d,
                   {9, 10, 11},
                   {12},
                   options_type::kDepthwiseConv2d,
                   {OptionField::i8(fd::kPadding, schema_padding::kSame),
                    OptionField::i32(fd::kDepthMultiplier, 1),
                    OptionField::i8(fd::kActivation, schema_activation::kRelu)},
                   ""});
  m.ops.push_back({op::kAveragePool2d,
                   {12},
                   {13},
                   options_type::kPool2d,
                   {OptionField::i8(fp::kPadding, schema_padding::kValid),
                    OptionField::i32(fp::kStrideW, 1), OptionField::i32(fp::kStrideH, 1),
                    OptionField::i32(fp::kFilterW, 1), OptionField::i32(fp::kFilterH, r2)},
                   ""});
  m.ops.push_back({op::kReshape, {13, 14}, {15}, 0, {}, ""});
  m.ops.push_back({op::kFullyConnected, {15, 16, 17}, {18}, options_type::kFullyConnected, {}, ""});
  m.ops.push_back({op::kSoftmax,
                   {18},
                   {19},
                   options_type::kSoftmax,
                   {OptionField::f32(field::softmax::kBeta, 1.0f)},
                   ""});
  m.inputs = {0};
  m.outputs = {19};
  return m;
}

struct Runner {
  std::vector<uint8_t> bytes;
  TfliteModel model;
  std::vector<uint8_t> arena;
  Interpreter interp;
  size_t needed = 0;

  void load(const ModelSpec& spec, int32_t shift) {
    bytes = testing::build_model(spec);
    ASSERT_TRUE(model.parse(bytes.data(), bytes.size()).ok());
    InterpreterOptions opts;
    opts.stream_shift_rows = shift;
    const Status s = Interpreter::needed_bytes(model, &needed, opts);
    ASSERT_TRUE(s.ok()) << s.message();
    arena.assign(needed, 0xA5);
    const Status i = interp.init(model, arena.data(), arena.size(), opts);
    ASSERT_TRUE(i.ok()) << i.message();
  }
  void set_input(const std::vector<int8_t>& window) {
    const TensorView in = interp.input(0);
    ASSERT_EQ(in.bytes, window.size());
    std::memcpy(in.data, window.data(), window.size());
  }
  std::vector<int8_t> tensor(uint32_t index) const {
    const TensorView t = interp.tensor(index);
    const int8_t* p = static_cast<const int8_t*>(t.data);
    return {p, p + t.bytes};
  }
};

// The window over the newest kRows rows of a stream of rows.
std::vector<int8_t> window_of(const std::deque<std::vector<int8_t>>& rows) {
  std::vector<int8_t> w;
  for (size_t r = rows.size() - static_cast<size_t>(kRows); r < rows.size(); ++r) {
    w.insert(w.end(), rows[r].begin(), rows[r].end());
  }
  return w;
}

struct Case {
  int32_t shift;
  Layout layout;
  uint32_t streamed_ops;
  std::string name;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class Streaming : public ::testing::TestWithParam<Case> {};

TEST_P(Streaming, EveryInvokeEqualsTheFullWindowComputation) {
  const Case c = GetParam();
  const ModelSpec spec = tc_model(c.layout);
  Runner streamed;
  Runner plain;
  streamed.load(spec, c.shift);
  plain.load(spec, 0);
  ASSERT_EQ(streamed.interp.streamed_ops(), c.streamed_ops);
  EXPECT_EQ(plain.interp.streamed_ops(), 0u);
  if (c.streamed_ops > 0) {
    // The kept rows cost memory: the previous input plus un-shared tensors.
    EXPECT_GT(streamed.needed, plain.needed);
  } else {
    EXPECT_EQ(streamed.needed, plain.needed);
  }

  Lcg rng{777u};
  std::deque<std::vector<int8_t>> rows;
  auto push_rows = [&](int n) {
    for (int i = 0; i < n; ++i) {
      std::vector<int8_t> row(static_cast<size_t>(kBins));
      for (int8_t& v : row) v = rng.next_s8(-128, 127);
      rows.push_back(row);
    }
  };
  push_rows(kRows);
  int streamed_steps = 0;
  for (int step = 0; step < 120; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    // Mostly a steady stream; now and then a gap, a reset or a partial run.
    const int what = step % 17;
    if (what == 9) {
      push_rows(c.shift + 1);  // a gap: the window moved by more than the shift
    } else if (what == 13) {
      streamed.interp.reset_state();
      push_rows(c.shift);
    } else if (what == 15) {
      streamed.set_input(window_of(rows));
      ASSERT_TRUE(streamed.interp.invoke_ops(2).ok());
      push_rows(c.shift);
    } else {
      push_rows(c.shift);
    }
    const std::vector<int8_t> window = window_of(rows);
    streamed.set_input(window);
    ASSERT_TRUE(streamed.interp.invoke().ok());
    const bool steady = step > 0 && what != 9 && what != 13 && what != 15;
    EXPECT_EQ(streamed.interp.last_invoke_streamed(), c.streamed_ops > 0 && steady);
    streamed_steps += streamed.interp.last_invoke_streamed() ? 1 : 0;

    plain.set_input(window);
    ASSERT_TRUE(plain.interp.invoke().ok());
    ASSERT_EQ(streamed.tensor(19), plain.tensor(19)) << "model output";
    // Each kept tensor equals a plain run stopped right after its op.
    const uint32_t kept_tensor[3] = {3, 6, 9};
    for (uint32_t k = 0; k < c.streamed_ops; ++k) {
      plain.set_input(window);
      ASSERT_TRUE(plain.interp.invoke_ops(k + 1).ok());
      ASSERT_EQ(streamed.tensor(kept_tensor[k]), plain.tensor(kept_tensor[k])) << "op " << k;
    }
  }
  if (c.streamed_ops > 0) {
    EXPECT_GT(streamed_steps, 90);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shifts, Streaming,
    ::testing::Values(
        // conv stride 2 -> 1 row, dilated depthwise and 1x1 conv stream too.
        Case{2, Layout{1, 2}, 3, "shift2_dilated"},
        // 2 rows after the first conv: still whole rows everywhere.
        Case{4, Layout{1, 2}, 3, "shift4_dilated"},
        // 1 input row is half a row after the stride-2 conv: nothing streams.
        Case{1, Layout{1, 2}, 0, "shift1"},
        // A stride-2 depthwise conv after the stride-2 conv: only op 0 streams.
        Case{2, Layout{2, 1}, 1, "shift2_second_stride2"},
        // ... unless the shift is a whole row there too.
        Case{4, Layout{2, 1}, 3, "shift4_second_stride2"}),
    [](const ::testing::TestParamInfo<Case>& p) { return p.param.name; });

TEST(StreamingOptions, NegativeShiftIsRejectedAndZeroIsThePlainInterpreter) {
  const std::vector<uint8_t> bytes = testing::build_model(tc_model(Layout{}));
  TfliteModel model;
  ASSERT_TRUE(model.parse(bytes.data(), bytes.size()).ok());
  size_t plain = 0;
  size_t zero = 0;
  InterpreterOptions opts;
  ASSERT_TRUE(Interpreter::needed_bytes(model, &plain).ok());
  ASSERT_TRUE(Interpreter::needed_bytes(model, &zero, opts).ok());
  EXPECT_EQ(plain, zero);
  opts.stream_shift_rows = -2;
  size_t bad = 0;
  const Status s = Interpreter::needed_bytes(model, &bad, opts);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("negative"), std::string::npos) << s.message();
  // A shift as large as the window keeps nothing: the interpreter runs plain.
  opts.stream_shift_rows = kRows;
  size_t whole = 0;
  ASSERT_TRUE(Interpreter::needed_bytes(model, &whole, opts).ok());
  EXPECT_EQ(whole, plain);
}

}  // namespace
}  // namespace kws::nn
