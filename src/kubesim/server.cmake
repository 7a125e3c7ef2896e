# server part: the HTTP(S) front (ApiServer) and request-info parsing.
list(APPEND KUBESIM_SOURCES api_server.cc request_info.cc simulator.cc)
list(APPEND KUBESIM_TESTS request_info_test.cc api_server_test.cc)
