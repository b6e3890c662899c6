#include "pipeline/feature_window.h"

#include <gtest/gtest.h>

#include <vector>

namespace kws {
namespace {

struct Window {
  explicit Window(const FeatureWindowConfig& cfg) {
    size_t bytes = 0;
    EXPECT_TRUE(FeatureWindow::needed_bytes(cfg, &bytes).ok());
    mem.resize(bytes / sizeof(double) + 1);
    EXPECT_TRUE(w.init(cfg, mem.data(), bytes).ok());
  }
  std::vector<double> mem;
  FeatureWindow w;
};

TEST(FeatureWindow, FirstStepWhenFullThenEveryStrideOldestFirst) {
  FeatureWindowConfig cfg{2, 4, 3};  // dim 2, 4 frames, stride 3
  Window win(cfg);
  std::vector<int> due;
  for (int f = 0; f < 14; ++f) {
    const int8_t frame[2] = {static_cast<int8_t>(f), static_cast<int8_t>(-f)};
    if (win.w.push(frame)) {
      due.push_back(f);
      const int8_t* v = win.w.window();
      for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(v[2 * i], f - 3 + i) << "frame " << f << " slot " << i;
        EXPECT_EQ(v[2 * i + 1], -(f - 3 + i));
      }
    }
  }
  EXPECT_EQ(due, (std::vector<int>{3, 6, 9, 12}));
  EXPECT_EQ(win.w.size(), 8u);
}

TEST(FeatureWindow, ResetStartsFillingAgain) {
  FeatureWindowConfig cfg{1, 3, 1};
  Window win(cfg);
  const int8_t x = 5;
  EXPECT_FALSE(win.w.push(&x));
  EXPECT_FALSE(win.w.push(&x));
  EXPECT_TRUE(win.w.push(&x));
  EXPECT_TRUE(win.w.push(&x));
  win.w.reset();
  EXPECT_FALSE(win.w.push(&x));
}

TEST(FeatureWindow, RejectsZeroSizes) {
  size_t bytes = 0;
  EXPECT_FALSE(FeatureWindow::needed_bytes(FeatureWindowConfig{0, 4, 1}, &bytes).ok());
  EXPECT_FALSE(FeatureWindow::needed_bytes(FeatureWindowConfig{2, 0, 1}, &bytes).ok());
  EXPECT_FALSE(FeatureWindow::needed_bytes(FeatureWindowConfig{2, 4, 0}, &bytes).ok());
}

}  // namespace
}  // namespace kws
