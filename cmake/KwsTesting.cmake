include(GoogleTest)

# Every gtest binary labelled `threads` is a dependency of this target, so the
# ThreadSanitizer preset builds only what it runs (tools/test.sh).
add_custom_target(kws_threads_tests)

# kws_add_gtest(<name> SOURCES <files...> LIBS <targets...> [LABELS <labels...>])
# Builds a gtest binary linked with gtest_main/gmock and registers its tests.
# Tests find ../shared/data through kws::testing::shared_data_dir().
function(kws_add_gtest name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} kws_test_support GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}")
  if("threads" IN_LIST ARG_LABELS)
    add_dependencies(kws_threads_tests ${name})
  endif()
endfunction()
