#include "dataset.h"

#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstring>
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
                         StaticMethod("checkParamUpdate", &NativeDataset::CheckParamUpdate),
                     });
}

// Memory freed by native threads (LightGBM's OpenMP workers, a dataframe engine's pool) stays in glibc's per-thread
// arenas, counted in RSS, until malloc_trim hands the free pages back to the OS.
Napi::Value NativeDataset::ReleaseFreedMemory(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1);
}

// A built dataset's bins cannot follow new dataset-level parameters: LightGBM's own check (the one Python runs when
// a constructed Dataset meets train()'s params) says which one changed, as a LightGBMError.
Napi::Value NativeDataset::CheckParamUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string built = GetString(info[0], "built parameters");
  const std::string asked = GetString(info[1], "new parameters");
  LGBM_CHECK(env, LGBM_DatasetUpdateParamChecking(built.c_str(), asked.c_str()));
  return env.Undefined();
}

namespace {

// LightGBM counts a sampled value as zero, and leaves it out of the sample, at or below this magnitude
// (kZeroThreshold in LightGBM/meta.h, a float literal widened to double).
constexpr double kZeroThreshold = 1e-35f;

// Rows pushed to LightGBM at a time, copied next to each other first (27 MB for 833 float64 columns).
// LGBM_DatasetCreateFromMats over the runs of consecutive rows (the way these datasets were built before) opens one
// OpenMP region per run, and the rows of a random split come in runs of ~7: binning the final fit's 209,108 x 833
// rows ran on one thread, waking the other for every run (14.1 s; 11.2 s in blocks, docs/benchmarks.md
// "dataset-binning").
constexpr size_t kPushChunkRows = 4096;

// The row indices, checked against the matrix, copied out before any LightGBM call.
std::vector<int32_t> GetRowIndices(const Napi::Value& value, const MatrixView& matrix, int32_t nRows, int32_t nCols) {
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
  std::vector<int32_t> indices(rows.Data(), rows.Data() + rows.ElementLength());
  for (size_t k = 0; k < indices.size(); ++k) {
    if (indices[k] < 0 || static_cast<size_t>(indices[k]) >= matrixRows) {
      throw Napi::RangeError::New(env, "rows[" + std::to_string(k) + "] = " + std::to_string(indices[k]) +
                                           " is outside the matrix's " + std::to_string(matrixRows) + " rows");
    }
  }
  return indices;
}

// The bin boundaries' sample, as LGBM_DatasetCreateFromMats draws it from the same rows: LightGBM's own sample
// indices (LGBM_SampleIndices, seeded by data_random_seed), and per column the non-zero and NaN values among them.
template <typename T>
DatasetHandle CreateFromSample(Napi::Env env, const T* base, const std::vector<int32_t>& rows, int32_t nCols,
                               const std::string& params) {
  const int32_t nRows = static_cast<int32_t>(rows.size());
  int sampleCount = 0;
  LGBM_CHECK(env, LGBM_GetSampleCount(nRows, params.c_str(), &sampleCount));
  std::vector<int32_t> sample(static_cast<size_t>(sampleCount));
  int32_t sampled = 0;
  LGBM_CHECK(env, LGBM_SampleIndices(nRows, params.c_str(), sample.data(), &sampled));
  auto sampledRow = [&](int32_t i) {
    return base + static_cast<size_t>(rows[static_cast<size_t>(sample[i])]) * static_cast<size_t>(nCols);
  };
  auto kept = [](double v) { return std::fabs(v) > kZeroThreshold || std::isnan(v); };
  // Counted first, so that each column's vectors are allocated once, not grown value by value (~0.5 s of the final
  // fit's binning).
  std::vector<size_t> counts(static_cast<size_t>(nCols), 0);
  for (int32_t i = 0; i < sampled; ++i) {
    const T* row = sampledRow(i);
    for (int32_t k = 0; k < nCols; ++k) counts[k] += kept(static_cast<double>(row[k]));
  }
  std::vector<std::vector<double>> values(static_cast<size_t>(nCols));
  std::vector<std::vector<int>> positions(static_cast<size_t>(nCols));
  for (int32_t k = 0; k < nCols; ++k) {
    values[k].reserve(counts[k]);
    positions[k].reserve(counts[k]);
  }
  for (int32_t i = 0; i < sampled; ++i) {
    const T* row = sampledRow(i);
    for (int32_t k = 0; k < nCols; ++k) {
      const double v = static_cast<double>(row[k]);
      if (kept(v)) {
        values[k].push_back(v);
        positions[k].push_back(i);
      }
    }
  }
  std::vector<double*> valuePointers(static_cast<size_t>(nCols));
  std::vector<int*> positionPointers(static_cast<size_t>(nCols));
  std::vector<int> sizes(static_cast<size_t>(nCols));
  for (int32_t k = 0; k < nCols; ++k) {
    valuePointers[k] = values[k].data();
    positionPointers[k] = positions[k].data();
    sizes[k] = static_cast<int>(values[k].size());
  }
  DatasetHandle handle = nullptr;
  LGBM_CHECK(env, LGBM_DatasetCreateFromSampledColumn(valuePointers.data(), positionPointers.data(), nCols,
                                                      sizes.data(), sampled, nRows, nRows, params.c_str(), &handle));
  return handle;
}

// Bins the rows into the dataset in blocks (see kPushChunkRows); the last block makes LightGBM finish the dataset.
template <typename T>
void PushRows(Napi::Env env, DatasetHandle handle, const T* base, int dtype, const std::vector<int32_t>& rows,
              int32_t nCols) {
  const size_t width = static_cast<size_t>(nCols);
  std::vector<T> block(kPushChunkRows * width);
  for (size_t start = 0; start < rows.size(); start += kPushChunkRows) {
    const size_t n = std::min(kPushChunkRows, rows.size() - start);
    for (size_t k = 0; k < n; ++k) {
      std::memcpy(&block[k * width], base + static_cast<size_t>(rows[start + k]) * width, width * sizeof(T));
    }
    LGBM_CHECK(env, LGBM_DatasetPushRows(handle, block.data(), dtype, static_cast<int32_t>(n), nCols,
                                         static_cast<int32_t>(start)));
  }
}

// A dataset of some rows of the matrix, read in place: the dataset LGBM_DatasetCreateFromMats builds from a copy of
// those rows (same sample, bins and row order), without the copy. Not for linear trees: LGBM_DatasetPushRows resizes
// their raw values wrongly (dataset.ts copies the rows for them).
template <typename T>
std::shared_ptr<DatasetOwner> CreateFromRows(Napi::Env env, const T* base, int dtype, const std::vector<int32_t>& rows,
                                             int32_t nCols, const std::string& params, DatasetHandle reference) {
  DatasetHandle handle = nullptr;
  if (reference == nullptr) {
    handle = CreateFromSample(env, base, rows, nCols, params);
  } else {
    LGBM_CHECK(env, LGBM_DatasetCreateByReference(reference, static_cast<int64_t>(rows.size()), &handle));
  }
  auto owner = std::make_shared<DatasetOwner>(handle);  // freed if a push fails
  if (reference != nullptr) {
    // CreateByReference sizes weights and initial scores when the reference has them; a dataset built from a matrix
    // has none until they are set.
    LGBM_CHECK(env, LGBM_DatasetSetField(handle, "weight", nullptr, 0, C_API_DTYPE_FLOAT32));
    LGBM_CHECK(env, LGBM_DatasetSetField(handle, "init_score", nullptr, 0, C_API_DTYPE_FLOAT64));
  }
  PushRows(env, handle, base, dtype, rows, nCols);
  return owner;
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
  if (info.Length() > 5 && !info[5].IsUndefined()) {
    // A subset of the matrix's rows, read in place: no row-subset copy of a large matrix beside its binned dataset.
    std::vector<int32_t> rows = GetRowIndices(info[5], matrix, nRows, nCols);
    owner_ = matrix.dtype == C_API_DTYPE_FLOAT32
                 ? CreateFromRows(env, static_cast<const float*>(matrix.data), matrix.dtype, rows, nCols, params,
                                  reference)
                 : CreateFromRows(env, static_cast<const double*>(matrix.data), matrix.dtype, rows, nCols, params,
                                  reference);
    return;
  }
  if (matrix.length != static_cast<size_t>(nRows) * static_cast<size_t>(nCols)) {
    throw Napi::RangeError::New(env, "data has " + std::to_string(matrix.length) +
                                         " values, expected nRows x nCols = " +
                                         std::to_string(static_cast<size_t>(nRows) * nCols));
  }
  DatasetHandle handle = nullptr;
  LGBM_CHECK(env,
             LGBM_DatasetCreateFromMat(matrix.data, matrix.dtype, nRows, nCols, 1, params.c_str(), reference, &handle));
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
