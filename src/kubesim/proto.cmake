# proto part: decoding of Kubernetes protobuf request bodies (protobuf.*).
list(APPEND KUBESIM_SOURCES protobuf.cc)
list(APPEND KUBESIM_TESTS protobuf_test.cc)
set_source_files_properties(protobuf_test.cc PROPERTIES
  COMPILE_DEFINITIONS KUBESIM_TESTDATA="${CMAKE_CURRENT_SOURCE_DIR}/testdata")
