# proto part: decoding of Kubernetes protobuf request bodies (protobuf.*).
list(APPEND KUBESIM_SOURCES protobuf.cc)
list(APPEND KUBESIM_TESTS protobuf_test.cc)
