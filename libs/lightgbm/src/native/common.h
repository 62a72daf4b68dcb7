// Shared helpers of the LightGBM binding: error conversion and typed-array access.
#pragma once
#include <napi.h>

#include <LightGBM/c_api.h>

#include <cstdint>
#include <string>

namespace lgbm_node {

// Per-addon-instance state (worker threads / multiple environments each get their own).
struct AddonData {
  Napi::FunctionReference datasetCtor;
  Napi::FunctionReference boosterCtor;
  Napi::FunctionReference errorCtor;  // the TypeScript LightGBMError class, installed by setErrorClass()
};

// Builds a LightGBMError (or a plain Error before the class is installed) carrying `message`.
Napi::Error MakeLightGBMError(Napi::Env env, const std::string& message);

// LGBM_GetLastError() is thread-local: this must run on the thread whose call returned -1.
inline std::string LastError() {
  const char* msg = LGBM_GetLastError();
  return msg ? std::string(msg) : std::string("unknown LightGBM error");
}

// Throws a LightGBMError with LightGBM's own message when a C API call failed (main thread only).
#define LGBM_CHECK(env, call)                                               \
  do {                                                                      \
    if ((call) != 0) {                                                      \
      throw lgbm_node::MakeLightGBMError((env), lgbm_node::LastError());    \
    }                                                                       \
  } while (0)

// A dense float32/float64 matrix handed in from JavaScript (borrowed; valid during the call only).
struct MatrixView {
  const void* data = nullptr;
  int dtype = C_API_DTYPE_FLOAT64;
  size_t length = 0;
};

// Reads a Float64Array/Float32Array argument; anything else is a TypeError naming `what`.
MatrixView GetMatrix(const Napi::Value& value, const char* what);

// Reads a positive int32 argument (row/column counts, iterations).
int32_t GetInt32(const Napi::Value& value, const char* what);

}  // namespace lgbm_node
