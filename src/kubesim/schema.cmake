# schema part: patches (JSON, merge, strategic merge), CRD structural-schema validation,
# defaulting and pruning, server-side apply with managedFields, and the YAML-to-JSON
# conversion that apply bodies, scenario files and policies share.
list(APPEND KUBESIM_SOURCES patch.cc structural_schema.cc server_side_apply.cc yaml_json.cc)
list(APPEND KUBESIM_TESTS patch_test.cc structural_schema_test.cc server_side_apply_test.cc yaml_json_test.cc)
