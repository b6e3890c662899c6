# Properties of the portable core (pipeline/, nn/): they are part of what the
# code is, not of a build flavour, so they are set per target here.
function(kws_core_target target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti>)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_features(${target} PUBLIC cxx_std_20)
endfunction()

# Host code: same include root, exceptions allowed.
function(kws_host_target target)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_features(${target} PUBLIC cxx_std_20)
endfunction()
