# int8 kernels, included by nn/CMakeLists.txt:
#   include(kernels/sources.cmake)
#   target_sources(kws_nn PRIVATE ${KWS_NN_KERNEL_SOURCES})
#
# Both variants are always compiled (tests compare them); KWS_NN_KERNELS picks the one
# bound to kws::nn::<op>_s8. An unknown value is a configure error, never a fallback.
set(KWS_NN_KERNELS "optimized" CACHE STRING "int8 kernels behind kws::nn::<op>_s8: reference | optimized")
set_property(CACHE KWS_NN_KERNELS PROPERTY STRINGS reference optimized)
if(KWS_NN_KERNELS STREQUAL "optimized")
  set(_kws_nn_use_optimized 1)
elseif(KWS_NN_KERNELS STREQUAL "reference")
  set(_kws_nn_use_optimized 0)
else()
  message(FATAL_ERROR "KWS_NN_KERNELS='${KWS_NN_KERNELS}' is not a kernel variant; use 'reference' or 'optimized'")
endif()

set(_kws_k ${CMAKE_CURRENT_LIST_DIR})
set(KWS_NN_KERNEL_SOURCES
  ${_kws_k}/dispatch.cc
  ${_kws_k}/quantization.cc
  ${_kws_k}/internal/validate.cc
  ${_kws_k}/reference/add_s8.cc
  ${_kws_k}/reference/avg_pool_s8.cc
  ${_kws_k}/reference/concatenation_s8.cc
  ${_kws_k}/reference/conv_s8.cc
  ${_kws_k}/reference/depthwise_conv_s8.cc
  ${_kws_k}/reference/fully_connected_s8.cc
  ${_kws_k}/reference/logistic_s8.cc
  ${_kws_k}/reference/max_pool_s8.cc
  ${_kws_k}/reference/mean_s8.cc
  ${_kws_k}/reference/mul_s8.cc
  ${_kws_k}/reference/pad_s8.cc
  ${_kws_k}/reference/quantize_s8.cc
  ${_kws_k}/reference/softmax_s8.cc
  ${_kws_k}/reference/split_s8.cc
  ${_kws_k}/reference/strided_slice_s8.cc
  ${_kws_k}/reference/batch_matmul_f32.cc
  ${_kws_k}/reference/binary_f32.cc
  ${_kws_k}/reference/conv_f32.cc
  ${_kws_k}/reference/fully_connected_f32.cc
  ${_kws_k}/reference/max_pool_f32.cc
  ${_kws_k}/reference/pad_f32.cc
  ${_kws_k}/reference/reduce_f32.cc
  ${_kws_k}/reference/softmax_f32.cc
  ${_kws_k}/reference/transpose_f32.cc
  ${_kws_k}/reference/unary_f32.cc
  ${_kws_k}/optimized/simd.cc
  ${_kws_k}/optimized/conv_s8.cc
  ${_kws_k}/optimized/conv_f32.cc
  ${_kws_k}/optimized/fully_connected_f32.cc
  ${_kws_k}/optimized/unary_f32.cc
  ${_kws_k}/optimized/binary_f32.cc
  ${_kws_k}/optimized/depthwise_conv_s8.cc
  ${_kws_k}/optimized/fully_connected_s8.cc
)
set_source_files_properties(${_kws_k}/dispatch.cc PROPERTIES
  COMPILE_DEFINITIONS "KWS_NN_USE_OPTIMIZED=${_kws_nn_use_optimized}")
unset(_kws_k)
unset(_kws_nn_use_optimized)
