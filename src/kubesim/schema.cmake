# schema part: patches (JSON, merge, strategic merge), CRD structural-schema validation,
# defaulting and pruning, and server-side apply with managedFields.
list(APPEND KUBESIM_SOURCES patch.cc structural_schema.cc server_side_apply.cc)
list(APPEND KUBESIM_TESTS patch_test.cc structural_schema_test.cc server_side_apply_test.cc)
