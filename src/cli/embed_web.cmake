# Runs at build time (not configure time): embeds web/dist when the UI has been built, else the
# placeholder page, and rewrites OUTPUT only when the generated source changes, so the library
# recompiles only when the UI did. Inputs: EMBED (the embed_files tool), DIST, PLACEHOLDER, OUTPUT.
if(EXISTS "${DIST}/index.html")
  set(root "${DIST}")
else()
  set(root "${PLACEHOLDER}")
endif()
execute_process(COMMAND "${EMBED}" "${root}" "${OUTPUT}.tmp" EmbeddedWebFiles RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "embed_files failed on ${root}")
endif()
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
