// Shared helpers of the LightGBM binding: error conversion and typed-array access.
#pragma once
#include <napi.h>

#include <LightGBM/c_api.h>

#include <cstdint>
#include <string>
#include <vector>

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

// Checked argument reads (better-sqlite3's REQUIRE_ARGUMENT_* in spirit): every value JavaScript hands to the binding
// goes through one of these, so a wrong type is a TypeError naming `what`, never a crash or a silent 0.
// Arrays are copied out completely BEFORE a method touches its LightGBM handle: reading an element may run a getter
// (JavaScript) that frees the booster or dataset, and the handle must be looked up after that, not before.

// Reads a Float64Array/Float32Array argument (no JavaScript runs while reading it); else a TypeError.
MatrixView GetMatrix(const Napi::Value& value, const char* what);

// Reads a positive int32 argument (row/column counts, iterations to run).
int32_t GetInt32(const Napi::Value& value, const char* what);

// Reads any int32 (iteration bounds where <= 0 means "all", enum values, indices).
int32_t GetInteger(const Napi::Value& value, const char* what);

bool GetBoolean(const Napi::Value& value, const char* what);

std::string GetString(const Napi::Value& value, const char* what);

// A string, or "" when the argument is undefined (optional parameter strings).
std::string GetOptionalString(const Napi::Value& value, const char* what);

// Copies an array of int32 values (element getters run here, before any native work).
std::vector<int> GetIntegerArray(const Napi::Value& value, const char* what);

// Copies an array of strings.
std::vector<std::string> GetStringArray(const Napi::Value& value, const char* what);

// Copies a Float64Array or an array of numbers of exactly `length` values into `out`.
void CopyNumberRow(const Napi::Value& value, const char* what, size_t length, std::vector<double>* out);

}  // namespace lgbm_node
