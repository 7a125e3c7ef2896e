# Direct vLLM: a Deployment and a Service running an OpenAI-compatible server (vLLM on GPU or
# CPU, or llama.cpp on CPU). Included by src/controller/CMakeLists.txt.
list(APPEND CONTROLLER_SOURCES providers/vllm/vllm_provider.cc)
list(APPEND CONTROLLER_TESTS providers/vllm/vllm_provider_test.cc)
list(APPEND CONTROLLER_PROVIDERS vllm)
