# api part: resource registry, discovery documents, OpenAPI documents, server-side tables.
list(APPEND KUBESIM_SOURCES registry.cc discovery.cc openapi.cc table.cc)
list(APPEND KUBESIM_TESTS registry_test.cc discovery_test.cc openapi_test.cc table_test.cc)

# A private test executable that compiles this part on its own, so that it can be built and
# tested while other parts of airunway_kubesim are still being written.
if(AIRUNWAY_BUILD_TESTS)
  add_executable(kubesim_api_test
    registry.cc discovery.cc openapi.cc table.cc api_status.cc
    registry_test.cc discovery_test.cc openapi_test.cc table_test.cc)
  target_link_libraries(kubesim_api_test PRIVATE airunway_base airunway_common Boost::json
    OpenSSL::Crypto GTest::gmock GTest::gtest_main)
  gtest_discover_tests(kubesim_api_test DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endif()
