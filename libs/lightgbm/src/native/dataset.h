// NativeDataset: owns one LightGBM DatasetHandle.
#pragma once
#include <memory>

#include "common.h"

namespace lgbm_node {

// Frees the LightGBM dataset when the last owner (the JS Dataset or a booster trained on it) lets go.
class DatasetOwner {
 public:
  explicit DatasetOwner(DatasetHandle handle) : handle_(handle) {}
  ~DatasetOwner();
  DatasetOwner(const DatasetOwner&) = delete;
  DatasetOwner& operator=(const DatasetOwner&) = delete;
  DatasetHandle get() const { return handle_; }

 private:
  DatasetHandle handle_;
};

class NativeDataset : public Napi::ObjectWrap<NativeDataset> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new NativeDataset(data, nRows, nCols, parameters, reference | null, rows?: Int32Array (bin only these rows))
  explicit NativeDataset(const Napi::CallbackInfo& info);

  // The shared handle, for a booster that must keep the dataset alive. Throws if freed.
  std::shared_ptr<DatasetOwner> Shared(Napi::Env env) const;
  static NativeDataset* FromValue(const Napi::Value& value, const char* what);
  // NativeDataset.releaseFreedMemory(): malloc_trim(0); true when memory went back to the OS.
  static Napi::Value ReleaseFreedMemory(const Napi::CallbackInfo& info);
  // NativeDataset.checkParamUpdate(built, asked): throws LightGBM's error when `asked` changes a dataset-level
  // parameter of a dataset built with `built` (both "k=v ..." strings).
  static Napi::Value CheckParamUpdate(const Napi::CallbackInfo& info);

 private:
  Napi::Value SetField(const Napi::CallbackInfo& info);
  Napi::Value SetFeatureNames(const Napi::CallbackInfo& info);
  Napi::Value NumData(const Napi::CallbackInfo& info);
  Napi::Value NumFeature(const Napi::CallbackInfo& info);
  Napi::Value Free(const Napi::CallbackInfo& info);
  Napi::Value IsFreed(const Napi::CallbackInfo& info);

  DatasetHandle Handle(Napi::Env env) const;
  std::shared_ptr<DatasetOwner> owner_;
};

}  // namespace lgbm_node
