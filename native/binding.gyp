{
  "targets": [
    {
      "target_name": "openddb_native",
      "sources": ["sigv4.cc"],
      "cflags_cc": ["-O2"],
      "defines": ["OPENSSL_SUPPRESS_DEPRECATED", "NAPI_VERSION=8"]
    }
  ]
}
