// NativeBooster: owns one LightGBM BoosterHandle, its fast single-row predictors and the datasets it trains on.
#pragma once
#include <memory>
#include <mutex>
#include <vector>

#include "common.h"
#include "dataset.h"

namespace lgbm_node {

class NativeBooster : public Napi::ObjectWrap<NativeBooster> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new NativeBooster(trainDataset, parameters)  - a booster to train
  // new NativeBooster(null, modelString)         - a booster loaded from LightGBM's text format
  explicit NativeBooster(const Napi::CallbackInfo& info);
  ~NativeBooster() override;

  BoosterHandle handle() const { return handle_; }
  void SetBusy(bool busy) { busy_ = busy; }
  // Predictions running on worker threads (predictForMatAsync): while any runs, every other use of the booster
  // throws, free() included, and they take turns on predictMutex_ (LightGBM sets its per-booster prediction state,
  // the iteration range, at the start of each call).
  void AddPrediction(int delta) { predictions_ += delta; }
  std::mutex& PredictMutex() { return predictMutex_; }

 private:
  Napi::Value AddValidData(const Napi::CallbackInfo& info);
  Napi::Value UpdateAsync(const Napi::CallbackInfo& info);
  Napi::Value EvalNames(const Napi::CallbackInfo& info);
  Napi::Value GetPredict(const Napi::CallbackInfo& info);
  Napi::Value CurrentIteration(const Napi::CallbackInfo& info);
  Napi::Value NumFeature(const Napi::CallbackInfo& info);
  Napi::Value NumClasses(const Napi::CallbackInfo& info);
  Napi::Value FeatureNames(const Napi::CallbackInfo& info);
  Napi::Value SaveModelToString(const Napi::CallbackInfo& info);
  Napi::Value DumpModel(const Napi::CallbackInfo& info);
  Napi::Value PredictForMat(const Napi::CallbackInfo& info);
  Napi::Value PredictForMatAsync(const Napi::CallbackInfo& info);
  Napi::Value PredictSingle(const Napi::CallbackInfo& info);
  Napi::Value FeatureImportance(const Napi::CallbackInfo& info);
  Napi::Value Free(const Napi::CallbackInfo& info);
  Napi::Value IsFreed(const Napi::CallbackInfo& info);

  // The handle for a call from JavaScript; throws if freed or if a training step or a prediction is running on a
  // worker thread.
  BoosterHandle Handle(Napi::Env env) const;
  int NumFeatureOf(Napi::Env env) const;
  void Release();

  // One reusable single-row predictor per prediction type (LightGBM's FastConfig), rebuilt if numIteration changes.
  struct FastPredictor {
    FastConfigHandle config = nullptr;
    int numIteration = 0;
    int64_t outLength = 0;
  };
  FastPredictor& Fast(Napi::Env env, int predictType, int numIteration);

  BoosterHandle handle_ = nullptr;
  bool busy_ = false;
  int predictions_ = 0;
  std::mutex predictMutex_;
  std::vector<std::shared_ptr<DatasetOwner>> datasets_;  // kept alive while LightGBM points into them
  FastPredictor fastNormal_;
  FastPredictor fastContrib_;
  std::vector<double> rowScratch_;  // predictSingle(number[]) copies here: no allocation per call
};

}  // namespace lgbm_node
