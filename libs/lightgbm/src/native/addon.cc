// Entry point of lightgbm_node.node: a thin node-addon-api layer over LightGBM's C API.
#include "booster.h"
#include "common.h"
#include "dataset.h"
#include "network.h"

namespace lgbm_node {

Napi::Error MakeLightGBMError(Napi::Env env, const std::string& message) {
  auto* data = env.GetInstanceData<AddonData>();
  if (data && !data->errorCtor.IsEmpty()) {
    Napi::Object error = data->errorCtor.New({Napi::String::New(env, message)});
    return Napi::Error(env, error);
  }
  return Napi::Error::New(env, message);
}

MatrixView GetMatrix(const Napi::Value& value, const char* what) {
  Napi::Env env = value.Env();
  if (value.IsTypedArray()) {
    Napi::TypedArray array = value.As<Napi::TypedArray>();
    MatrixView view;
    view.data = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
    view.length = array.ElementLength();
    if (array.TypedArrayType() == napi_float64_array) {
      view.dtype = C_API_DTYPE_FLOAT64;
      return view;
    }
    if (array.TypedArrayType() == napi_float32_array) {
      view.dtype = C_API_DTYPE_FLOAT32;
      return view;
    }
  }
  throw Napi::TypeError::New(env, std::string(what) + " must be a Float64Array or Float32Array");
}

int32_t GetInt32(const Napi::Value& value, const char* what) {
  Napi::Env env = value.Env();
  if (!value.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + " must be a number");
  double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= 1 && d <= 2147483647.0) || d != static_cast<double>(static_cast<int32_t>(d))) {
    throw Napi::RangeError::New(env, std::string(what) + " must be a positive 32-bit integer");
  }
  return static_cast<int32_t>(d);
}

int32_t GetInteger(const Napi::Value& value, const char* what) {
  Napi::Env env = value.Env();
  if (!value.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + " must be a number");
  double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= -2147483648.0 && d <= 2147483647.0) || d != static_cast<double>(static_cast<int32_t>(d))) {
    throw Napi::RangeError::New(env, std::string(what) + " must be a 32-bit integer");
  }
  return static_cast<int32_t>(d);
}

bool GetBoolean(const Napi::Value& value, const char* what) {
  if (!value.IsBoolean()) throw Napi::TypeError::New(value.Env(), std::string(what) + " must be a boolean");
  return value.As<Napi::Boolean>().Value();
}

std::string GetString(const Napi::Value& value, const char* what) {
  if (!value.IsString()) throw Napi::TypeError::New(value.Env(), std::string(what) + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

std::string GetOptionalString(const Napi::Value& value, const char* what) {
  return value.IsUndefined() ? std::string() : GetString(value, what);
}

// Arrays are read by index with Get(), which runs getters: copy them whole, and check each element's type.
static Napi::Array GetArray(const Napi::Value& value, const char* what) {
  if (!value.IsArray()) throw Napi::TypeError::New(value.Env(), std::string(what) + " must be an array");
  return value.As<Napi::Array>();
}

static std::string ElementName(const char* what, uint32_t i) {
  return std::string(what) + "[" + std::to_string(i) + "]";
}

std::vector<int> GetIntegerArray(const Napi::Value& value, const char* what) {
  Napi::Array array = GetArray(value, what);
  std::vector<int> out;
  for (uint32_t i = 0; i < array.Length(); ++i) out.push_back(GetInteger(array.Get(i), ElementName(what, i).c_str()));
  return out;
}

std::vector<std::string> GetStringArray(const Napi::Value& value, const char* what) {
  Napi::Array array = GetArray(value, what);
  std::vector<std::string> out;
  for (uint32_t i = 0; i < array.Length(); ++i) out.push_back(GetString(array.Get(i), ElementName(what, i).c_str()));
  return out;
}

void CopyNumberRow(const Napi::Value& value, const char* what, size_t length, std::vector<double>* out) {
  Napi::Env env = value.Env();
  auto wrongLength = [&](size_t got) {
    return Napi::RangeError::New(env, std::string(what) + " has " + std::to_string(got) + " values, the model has " +
                                          std::to_string(length) + " features");
  };
  if (value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
    Napi::Float64Array array = value.As<Napi::Float64Array>();
    if (array.ElementLength() != length) throw wrongLength(array.ElementLength());
    out->assign(array.Data(), array.Data() + length);
    return;
  }
  if (!value.IsArray()) {
    throw Napi::TypeError::New(env, std::string(what) + " must be a Float64Array or an array of numbers");
  }
  Napi::Array array = value.As<Napi::Array>();
  if (array.Length() != length) throw wrongLength(array.Length());
  out->resize(length);
  for (uint32_t i = 0; i < length; ++i) {
    Napi::Value v = array.Get(i);
    if (!v.IsNumber()) throw Napi::TypeError::New(env, ElementName(what, i) + " is not a number");
    (*out)[i] = v.As<Napi::Number>().DoubleValue();
  }
}

// setErrorClass(LightGBMError): LightGBM's failures are then thrown as that TypeScript class.
static Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "setErrorClass expects a constructor");
  info.Env().GetInstanceData<AddonData>()->errorCtor = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData(data);
  Napi::Function dataset = NativeDataset::Define(env);
  Napi::Function booster = NativeBooster::Define(env);
  data->datasetCtor = Napi::Persistent(dataset);
  data->boosterCtor = Napi::Persistent(booster);
  exports.Set("NativeDataset", dataset);
  exports.Set("NativeBooster", booster);
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClass, "setErrorClass"));
  RegisterNetwork(env, exports);
  return exports;
}

}  // namespace lgbm_node

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return lgbm_node::Init(env, exports); }

NODE_API_MODULE(lightgbm_node, InitModule)
