# core: object store, watch, selectors, name validation, pod log buffers.
list(APPEND KUBESIM_SOURCES store.cc selectors.cc names.cc log_buffers.cc)
list(APPEND KUBESIM_TESTS store_test.cc selectors_test.cc names_test.cc log_buffers_test.cc)
