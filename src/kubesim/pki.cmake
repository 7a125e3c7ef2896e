# pki part: CA and certificates, kubeconfig output, authentication and authorization.
list(APPEND KUBESIM_SOURCES pki.cc kubeconfig_writer.cc auth.cc)
list(APPEND KUBESIM_TESTS pki_test.cc kubeconfig_writer_test.cc auth_test.cc)
