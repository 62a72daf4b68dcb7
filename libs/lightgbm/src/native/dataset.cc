#include "dataset.h"

#include <malloc.h>

#include <string>
#include <vector>

namespace lgbm_node {

DatasetOwner::~DatasetOwner() {
  LGBM_DatasetFree(handle_);
  // Binned datasets are large and glibc keeps freed chunks in per-thread arenas (training runs on a worker
  // thread): give them back to the OS, otherwise RSS grows with every training.
  malloc_trim(0);
}

Napi::Function NativeDataset::Define(Napi::Env env) {
  return DefineClass(env, "NativeDataset",
                     {
                         InstanceMethod("setField", &NativeDataset::SetField),
                         InstanceMethod("setFeatureNames", &NativeDataset::SetFeatureNames),
                         InstanceMethod("numData", &NativeDataset::NumData),
                         InstanceMethod("numFeature", &NativeDataset::NumFeature),
                         InstanceMethod("free", &NativeDataset::Free),
                         InstanceMethod("isFreed", &NativeDataset::IsFreed),
                         StaticMethod("releaseFreedMemory", &NativeDataset::ReleaseFreedMemory),
                     });
}

// Memory freed by native threads (LightGBM's OpenMP workers, a dataframe engine's pool) stays in glibc's per-thread
// arenas, counted in RSS, until malloc_trim hands the free pages back to the OS.
Napi::Value NativeDataset::ReleaseFreedMemory(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1);
}

namespace {

struct RowRuns {
  std::vector<const void*> starts;
  std::vector<int32_t> lengths;
};

// The rows to bin, as runs of consecutive matrix rows (one LightGBM "matrix" per run). LGBM_DatasetCreateFromMat is
// LGBM_DatasetCreateFromMats over one matrix, and the latter samples and pushes rows by their position in the
// concatenation: the dataset is the same as one built from a copy of those rows.
RowRuns GetRowRuns(const Napi::Value& value, const MatrixView& matrix, int32_t nRows, int32_t nCols) {
  Napi::Env env = value.Env();
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(env, "rows must be an Int32Array");
  }
  Napi::Int32Array rows = value.As<Napi::Int32Array>();
  if (rows.ElementLength() != static_cast<size_t>(nRows)) {
    throw Napi::RangeError::New(env, "rows has " + std::to_string(rows.ElementLength()) + " indices for nRows = " +
                                         std::to_string(nRows));
  }
  if (matrix.length % static_cast<size_t>(nCols) != 0) {
    throw Napi::RangeError::New(env, "data has " + std::to_string(matrix.length) + " values, not a multiple of nCols = " +
                                         std::to_string(nCols));
  }
  const size_t matrixRows = matrix.length / static_cast<size_t>(nCols);
  const size_t rowBytes = static_cast<size_t>(nCols) * (matrix.dtype == C_API_DTYPE_FLOAT32 ? 4 : 8);
  const uint8_t* base = static_cast<const uint8_t*>(matrix.data);
  RowRuns runs;
  for (size_t k = 0; k < rows.ElementLength(); ++k) {
    int32_t row = rows[k];
    if (row < 0 || static_cast<size_t>(row) >= matrixRows) {
      throw Napi::RangeError::New(env, "rows[" + std::to_string(k) + "] = " + std::to_string(row) +
                                           " is outside the matrix's " + std::to_string(matrixRows) + " rows");
    }
    if (k > 0 && row == rows[k - 1] + 1) {
      ++runs.lengths.back();
    } else {
      runs.starts.push_back(base + static_cast<size_t>(row) * rowBytes);
      runs.lengths.push_back(1);
    }
  }
  return runs;
}

}  // namespace

NativeDataset::NativeDataset(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeDataset>(info) {
  Napi::Env env = info.Env();
  MatrixView matrix = GetMatrix(info[0], "data");
  int32_t nRows = GetInt32(info[1], "nRows");
  int32_t nCols = GetInt32(info[2], "nCols");
  std::string params = GetString(info[3], "parameters");
  DatasetHandle reference = nullptr;
  std::shared_ptr<DatasetOwner> referenceOwner;
  if (!info[4].IsUndefined() && !info[4].IsNull()) {
    referenceOwner = FromValue(info[4], "reference")->Shared(env);
    reference = referenceOwner->get();
  }
  DatasetHandle handle = nullptr;
  if (info.Length() > 5 && !info[5].IsUndefined()) {
    // A subset of the matrix's rows, read in place: no row-subset copy of a large matrix beside its binned dataset.
    RowRuns runs = GetRowRuns(info[5], matrix, nRows, nCols);
    std::vector<int> rowMajor(runs.starts.size(), 1);
    LGBM_CHECK(env, LGBM_DatasetCreateFromMats(static_cast<int32_t>(runs.starts.size()), runs.starts.data(),
                                               matrix.dtype, runs.lengths.data(), nCols, rowMajor.data(),
                                               params.c_str(), reference, &handle));
  } else {
    if (matrix.length != static_cast<size_t>(nRows) * static_cast<size_t>(nCols)) {
      throw Napi::RangeError::New(env, "data has " + std::to_string(matrix.length) +
                                           " values, expected nRows x nCols = " +
                                           std::to_string(static_cast<size_t>(nRows) * nCols));
    }
    LGBM_CHECK(env, LGBM_DatasetCreateFromMat(matrix.data, matrix.dtype, nRows, nCols, 1, params.c_str(), reference,
                                              &handle));
  }
  owner_ = std::make_shared<DatasetOwner>(handle);
}

NativeDataset* NativeDataset::FromValue(const Napi::Value& value, const char* what) {
  Napi::Env env = value.Env();
  auto* data = env.GetInstanceData<AddonData>();
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(data->datasetCtor.Value())) {
    throw Napi::TypeError::New(env, std::string(what) + " must be a NativeDataset");
  }
  return ObjectWrap<NativeDataset>::Unwrap(value.As<Napi::Object>());
}

std::shared_ptr<DatasetOwner> NativeDataset::Shared(Napi::Env env) const {
  if (!owner_) throw Napi::Error::New(env, "Dataset has been freed");
  return owner_;
}

DatasetHandle NativeDataset::Handle(Napi::Env env) const { return Shared(env)->get(); }

// setField(name, Float32Array | Float64Array | Int32Array): label/weight are float32, init_score float64, group int32.
Napi::Value NativeDataset::SetField(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = GetString(info[0], "field name");
  DatasetHandle handle = Handle(env);
  if (!info[1].IsTypedArray()) throw Napi::TypeError::New(env, "field values must be a typed array");
  Napi::TypedArray array = info[1].As<Napi::TypedArray>();
  int dtype;
  switch (array.TypedArrayType()) {
    case napi_float32_array: dtype = C_API_DTYPE_FLOAT32; break;
    case napi_float64_array: dtype = C_API_DTYPE_FLOAT64; break;
    case napi_int32_array: dtype = C_API_DTYPE_INT32; break;
    default: throw Napi::TypeError::New(env, "field values must be a Float32Array, Float64Array or Int32Array");
  }
  const uint8_t* bytes = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  LGBM_CHECK(env, LGBM_DatasetSetField(handle, name.c_str(), bytes, static_cast<int>(array.ElementLength()), dtype));
  return env.Undefined();
}

Napi::Value NativeDataset::SetFeatureNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::string> names = GetStringArray(info[0], "feature names");
  DatasetHandle handle = Handle(env);  // after the copy: an element getter may have freed the dataset
  std::vector<const char*> pointers;
  for (const auto& n : names) pointers.push_back(n.c_str());
  LGBM_CHECK(env, LGBM_DatasetSetFeatureNames(handle, pointers.data(), static_cast<int>(pointers.size())));
  return env.Undefined();
}

Napi::Value NativeDataset::NumData(const Napi::CallbackInfo& info) {
  int32_t n = 0;
  LGBM_CHECK(info.Env(), LGBM_DatasetGetNumData(Handle(info.Env()), &n));
  return Napi::Number::New(info.Env(), n);
}

Napi::Value NativeDataset::NumFeature(const Napi::CallbackInfo& info) {
  int32_t n = 0;
  LGBM_CHECK(info.Env(), LGBM_DatasetGetNumFeature(Handle(info.Env()), &n));
  return Napi::Number::New(info.Env(), n);
}

// Drops this object's ownership; LightGBM's memory goes when no training booster still uses the dataset.
Napi::Value NativeDataset::Free(const Napi::CallbackInfo& info) {
  owner_.reset();
  return info.Env().Undefined();
}

Napi::Value NativeDataset::IsFreed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !owner_);
}

}  // namespace lgbm_node
