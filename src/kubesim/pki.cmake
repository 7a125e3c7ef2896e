# pki part: CA and certificates, kubeconfig output, authentication and authorization.
list(APPEND KUBESIM_SOURCES pki.cc kubeconfig_writer.cc auth.cc)
list(APPEND KUBESIM_TESTS pki_test.cc kubeconfig_writer_test.cc auth_test.cc)

# A private test executable that compiles this part on its own, so that it can be built and
# tested while other parts of airunway_kubesim are still being written.
if(AIRUNWAY_BUILD_TESTS)
  add_executable(kubesim_pki_test
    pki.cc kubeconfig_writer.cc auth.cc api_status.cc
    pki_test.cc kubeconfig_writer_test.cc auth_test.cc)
  target_link_libraries(kubesim_pki_test PRIVATE airunway_base airunway_common Boost::json
    OpenSSL::SSL OpenSSL::Crypto yaml-cpp GTest::gmock GTest::gtest_main)
  gtest_discover_tests(kubesim_pki_test DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endif()
