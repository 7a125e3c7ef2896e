# api part: resource registry, discovery documents, OpenAPI documents, server-side tables.
list(APPEND KUBESIM_SOURCES registry.cc discovery.cc openapi.cc table.cc)
list(APPEND KUBESIM_TESTS registry_test.cc discovery_test.cc openapi_test.cc table_test.cc)
