# schema part: patches (JSON, merge, strategic merge), CRD structural-schema validation,
# defaulting and pruning, and server-side apply with managedFields.
list(APPEND KUBESIM_SOURCES patch.cc structural_schema.cc server_side_apply.cc)
list(APPEND KUBESIM_TESTS patch_test.cc structural_schema_test.cc server_side_apply_test.cc)

# A private test executable that compiles this part on its own, so that it can be built and
# tested while other parts of airunway_kubesim are still being written.
if(AIRUNWAY_BUILD_TESTS)
  add_executable(kubesim_schema_test
    patch.cc structural_schema.cc server_side_apply.cc api_status.cc
    patch_test.cc structural_schema_test.cc server_side_apply_test.cc)
  target_link_libraries(kubesim_schema_test PRIVATE airunway_base airunway_common Boost::json
    yaml-cpp GTest::gmock GTest::gtest_main)
  gtest_discover_tests(kubesim_schema_test DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endif()
