#include "booster.h"

#include <omp.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace lgbm_node {

namespace {

// libgomp keeps one idle worker team per thread that ever ran a parallel region, and once the teams' threads
// outnumber the CPUs (gomp_managed_threads > available CPUs) every waiting thread spins only 100 times before
// sleeping on a futex. Python trains on its main thread (one team); we build datasets and predict on the main
// thread but boost on a libuv worker, so a second team would exist and each of LightGBM's many short parallel
// regions per iteration would pay a futex wake-up: ~18 % slower boosting on 2 cores (docs/benchmarks.md).
// Releasing the calling thread's idle team (OpenMP 5.0 pause, which libgomp implements for the host) before
// handing work to another thread keeps a single team alive; re-creating it later costs one thread start.
void ReleaseIdleOpenMPThreads() { omp_pause_resource_all(omp_pause_soft); }

// Reads LightGBM's "names" outputs (feature names, eval names): a first call with a guessed buffer size tells the
// real size, a second call fills it if the guess was too small (as Python's basic.py does).
template <typename Getter>
std::vector<std::string> ReadNames(Napi::Env env, int count, Getter getter) {
  size_t bufferLength = 256;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::vector<std::vector<char>> buffers(count, std::vector<char>(bufferLength));
    std::vector<char*> pointers;
    for (auto& b : buffers) pointers.push_back(b.data());
    int outCount = 0;
    size_t needed = 0;
    LGBM_CHECK(env, getter(count, &outCount, bufferLength, &needed, pointers.data()));
    if (needed <= bufferLength) {
      std::vector<std::string> names;
      for (int i = 0; i < outCount; ++i) names.emplace_back(pointers[i]);
      return names;
    }
    bufferLength = needed;
  }
  throw Napi::Error::New(env, "LightGBM names did not fit the buffer");
}

Napi::Array ToJsArray(Napi::Env env, const std::vector<std::string>& names) {
  Napi::Array out = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); ++i) out.Set(i, names[i]);
  return out;
}

// Runs boosting iterations on a libuv worker thread and evaluates the requested datasets there after each one (AUC
// on a large validation set is not free), so early stopping can watch many rounds per trip: a trip per round cost
// ~30 % of a small fit's time, more when the event loop was busy (docs/benchmarks.md, "boost-trips"). The booster is
// marked busy meanwhile so JavaScript cannot use it concurrently.
class UpdateWorker : public Napi::AsyncWorker {
 public:
  UpdateWorker(Napi::Env env, NativeBooster* booster, Napi::Object self, int iterations, std::vector<int> evalIndices,
               std::string logParams)
      : Napi::AsyncWorker(env, "lightgbm.update"),
        deferred_(Napi::Promise::Deferred::New(env)),
        booster_(booster),
        handle_(booster->handle()),
        iterations_(iterations),
        evalIndices_(std::move(evalIndices)),
        logParams_(std::move(logParams)) {
    self_ = Napi::Persistent(self);  // keeps the booster (and its datasets) alive until the step ends
    booster_->SetBusy(true);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    // LightGBM's log level is thread-local and only set while parsing parameters: parse the caller's verbosity on
    // this worker thread too (a call with no other effect), or training would log at the default Info level here.
    if (!logParams_.empty() && LGBM_DatasetUpdateParamChecking(logParams_.c_str(), "") != 0) {
      return SetError(LastError());
    }
    int evalCount = 0;
    if (LGBM_BoosterGetEvalCounts(handle_, &evalCount) != 0) return SetError(LastError());
    evals_.assign(evalIndices_.size(), {});
    std::vector<double> values(evalCount);  // one round's metrics of one dataset, reused every round
    for (int i = 0; i < iterations_ && !finished_; ++i) {
      int isFinished = 0;
      if (LGBM_BoosterUpdateOneIter(handle_, &isFinished) != 0) return SetError(LastError());
      ++done_;
      finished_ = isFinished != 0;
      for (size_t k = 0; k < evalIndices_.size(); ++k) {
        int outLength = 0;
        if (LGBM_BoosterGetEval(handle_, evalIndices_[k], &outLength, values.data()) != 0) return SetError(LastError());
        // The training data (index 0) has metrics only with is_provide_training_metric: its stride may be 0.
        evals_[k].insert(evals_[k].end(), values.begin(), values.begin() + outLength);
      }
    }
    ReleaseIdleOpenMPThreads();  // the next call may run on another thread (main or another libuv worker)
  }

  void OnOK() override {
    Napi::Env env = Env();
    booster_->SetBusy(false);
    Napi::Object result = Napi::Object::New(env);
    result.Set("iterations", done_);
    result.Set("finished", finished_);
    Napi::Array evals = Napi::Array::New(env, evals_.size());
    for (size_t i = 0; i < evals_.size(); ++i) {
      Napi::Float64Array values = Napi::Float64Array::New(env, evals_[i].size());
      for (size_t j = 0; j < evals_[i].size(); ++j) values[j] = evals_[i][j];
      evals.Set(i, values);
    }
    result.Set("evals", evals);
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override {
    booster_->SetBusy(false);
    deferred_.Reject(MakeLightGBMError(Env(), error.Message()).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference self_;
  NativeBooster* booster_;
  BoosterHandle handle_;
  int iterations_;
  std::vector<int> evalIndices_;
  std::string logParams_;
  int done_ = 0;
  bool finished_ = false;
  // Per requested dataset, every iteration's metrics one after the other (iteration-major, a fixed stride).
  std::vector<std::vector<double>> evals_;
};

// Runs LGBM_BoosterPredictForMat on a libuv worker thread, so JavaScript can prepare the next rows meanwhile. The
// input typed array and the booster object are referenced until the call ends (neither can be collected); the booster
// counts the running prediction, so free() and every other call on it throw until then. Predictions into one booster
// take turns on its mutex. The input must not be written to, transferred or resized while the promise is pending
// (JavaScript cannot be prevented from doing so: the caller's contract, as for Python's predict on another thread).
class PredictWorker : public Napi::AsyncWorker {
 public:
  struct Call {
    MatrixView matrix;
    int32_t nRows = 0;
    int nCols = 0;
    int predictType = 0;
    int startIteration = 0;
    int numIteration = 0;
    std::string parameters;
    int64_t outLength = 0;
  };

  PredictWorker(Napi::Env env, NativeBooster* booster, Napi::Object self, Napi::Object input, Call call)
      : Napi::AsyncWorker(env, "lightgbm.predict"),
        deferred_(Napi::Promise::Deferred::New(env)),
        booster_(booster),
        handle_(booster->handle()),
        call_(std::move(call)),
        out_(static_cast<size_t>(call_.outLength)) {
    self_ = Napi::Persistent(self);
    input_ = Napi::Persistent(input);
    booster_->AddPrediction(1);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    std::lock_guard<std::mutex> turn(booster_->PredictMutex());
    int64_t written = 0;
    int status = LGBM_BoosterPredictForMat(handle_, call_.matrix.data, call_.matrix.dtype, call_.nRows, call_.nCols, 1,
                                           call_.predictType, call_.startIteration, call_.numIteration,
                                           call_.parameters.c_str(), &written, out_.data());
    if (status != 0) return SetError(LastError());
    if (written != call_.outLength) {
      return SetError("LightGBM wrote " + std::to_string(written) + " predictions, expected " +
                      std::to_string(call_.outLength));
    }
    ReleaseIdleOpenMPThreads();  // this worker thread's team, if num_threads > 1 made one (see above)
  }

  void OnOK() override {
    booster_->AddPrediction(-1);
    Napi::Float64Array out = Napi::Float64Array::New(Env(), out_.size());
    std::copy(out_.begin(), out_.end(), out.Data());
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& error) override {
    booster_->AddPrediction(-1);
    deferred_.Reject(MakeLightGBMError(Env(), error.Message()).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference self_;
  Napi::ObjectReference input_;
  NativeBooster* booster_;
  BoosterHandle handle_;
  Call call_;
  std::vector<double> out_;
};

}  // namespace

Napi::Function NativeBooster::Define(Napi::Env env) {
  return DefineClass(env, "NativeBooster",
                     {
                         InstanceMethod("addValidData", &NativeBooster::AddValidData),
                         InstanceMethod("updateAsync", &NativeBooster::UpdateAsync),
                         InstanceMethod("evalNames", &NativeBooster::EvalNames),
                         InstanceMethod("getPredict", &NativeBooster::GetPredict),
                         InstanceMethod("currentIteration", &NativeBooster::CurrentIteration),
                         InstanceMethod("numFeature", &NativeBooster::NumFeature),
                         InstanceMethod("numClasses", &NativeBooster::NumClasses),
                         InstanceMethod("featureNames", &NativeBooster::FeatureNames),
                         InstanceMethod("saveModelToString", &NativeBooster::SaveModelToString),
                         InstanceMethod("dumpModel", &NativeBooster::DumpModel),
                         InstanceMethod("predictForMat", &NativeBooster::PredictForMat),
                         InstanceMethod("predictForMatAsync", &NativeBooster::PredictForMatAsync),
                         InstanceMethod("predictSingle", &NativeBooster::PredictSingle),
                         InstanceMethod("featureImportance", &NativeBooster::FeatureImportance),
                         InstanceMethod("free", &NativeBooster::Free),
                         InstanceMethod("isFreed", &NativeBooster::IsFreed),
                     });
}

NativeBooster::NativeBooster(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeBooster>(info) {
  Napi::Env env = info.Env();
  std::string text = GetString(info[1], "parametersOrModel");
  if (info[0].IsNull() || info[0].IsUndefined()) {
    int iterations = 0;
    LGBM_CHECK(env, LGBM_BoosterLoadModelFromString(text.c_str(), &iterations, &handle_));
    return;
  }
  std::shared_ptr<DatasetOwner> train = NativeDataset::FromValue(info[0], "train dataset")->Shared(env);
  LGBM_CHECK(env, LGBM_BoosterCreate(train->get(), text.c_str(), &handle_));
  datasets_.push_back(std::move(train));
}

NativeBooster::~NativeBooster() { Release(); }

void NativeBooster::Release() {
  // FastConfigs point into the booster: free them first.
  for (FastPredictor* fast : {&fastNormal_, &fastContrib_}) {
    if (fast->config) LGBM_FastConfigFree(fast->config);
    fast->config = nullptr;
  }
  if (handle_) LGBM_BoosterFree(handle_);
  handle_ = nullptr;
  datasets_.clear();
}

BoosterHandle NativeBooster::Handle(Napi::Env env) const {
  if (!handle_) throw Napi::Error::New(env, "Booster has been freed");
  if (busy_) throw Napi::Error::New(env, "Booster is busy training on a worker thread; wait for the step to finish");
  if (predictions_ > 0) {
    throw Napi::Error::New(env, "Booster is busy predicting on a worker thread; await predictAsync before using it");
  }
  return handle_;
}

int NativeBooster::NumFeatureOf(Napi::Env env) const {
  int n = 0;
  LGBM_CHECK(env, LGBM_BoosterGetNumFeature(Handle(env), &n));
  return n;
}

Napi::Value NativeBooster::AddValidData(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BoosterHandle handle = Handle(env);
  std::shared_ptr<DatasetOwner> valid = NativeDataset::FromValue(info[0], "validation dataset")->Shared(env);
  LGBM_CHECK(env, LGBM_BoosterAddValidData(handle, valid->get()));
  datasets_.push_back(std::move(valid));
  return env.Undefined();
}

// updateAsync(iterations, evalDataIndices: number[], logParameters: string)
//   -> Promise<{ iterations, finished, evals: Float64Array[] }>
Napi::Value NativeBooster::UpdateAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int iterations = GetInt32(info[0], "iterations");
  std::vector<int> evalIndices = GetIntegerArray(info[1], "evalDataIndices");
  std::string logParams = GetOptionalString(info[2], "logParameters");
  Handle(env);  // after the reads above: an element getter may have freed the booster
  auto* worker = new UpdateWorker(env, this, info.This().As<Napi::Object>(), iterations, std::move(evalIndices),
                                  std::move(logParams));
  Napi::Promise promise = worker->Promise();
  ReleaseIdleOpenMPThreads();  // the main thread's team (dataset construction, prediction) before boosting elsewhere
  worker->Queue();
  return promise;
}

Napi::Value NativeBooster::EvalNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BoosterHandle handle = Handle(env);
  int count = 0;
  LGBM_CHECK(env, LGBM_BoosterGetEvalCounts(handle, &count));
  return ToJsArray(env, ReadNames(env, count, [&](int len, int* outLen, size_t bufLen, size_t* outBufLen, char** out) {
                     return LGBM_BoosterGetEvalNames(handle, len, outLen, bufLen, outBufLen, out);
                   }));
}

// getPredict(dataIndex): the converted scores (probabilities for binary) of a training/validation set, for feval.
Napi::Value NativeBooster::GetPredict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int dataIndex = GetInteger(info[0], "dataIndex");
  BoosterHandle handle = Handle(env);
  int64_t n = 0;
  LGBM_CHECK(env, LGBM_BoosterGetNumPredict(handle, dataIndex, &n));
  Napi::Float64Array out = Napi::Float64Array::New(env, static_cast<size_t>(n));
  int64_t written = 0;
  LGBM_CHECK(env, LGBM_BoosterGetPredict(handle, dataIndex, &written, out.Data()));
  return out;
}

Napi::Value NativeBooster::CurrentIteration(const Napi::CallbackInfo& info) {
  int n = 0;
  LGBM_CHECK(info.Env(), LGBM_BoosterGetCurrentIteration(Handle(info.Env()), &n));
  return Napi::Number::New(info.Env(), n);
}

Napi::Value NativeBooster::NumFeature(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), NumFeatureOf(info.Env()));
}

Napi::Value NativeBooster::NumClasses(const Napi::CallbackInfo& info) {
  int n = 0;
  LGBM_CHECK(info.Env(), LGBM_BoosterGetNumClasses(Handle(info.Env()), &n));
  return Napi::Number::New(info.Env(), n);
}

Napi::Value NativeBooster::FeatureNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BoosterHandle handle = Handle(env);
  int count = NumFeatureOf(env);
  return ToJsArray(env, ReadNames(env, count, [&](int len, int* outLen, size_t bufLen, size_t* outBufLen, char** out) {
                     return LGBM_BoosterGetFeatureNames(handle, len, outLen, bufLen, outBufLen, out);
                   }));
}

// saveModelToString(startIteration, numIteration (<= 0: all), importanceType) -> LightGBM text model
Napi::Value NativeBooster::SaveModelToString(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int start = GetInteger(info[0], "startIteration");
  int num = GetInteger(info[1], "numIteration");
  int importance = GetInteger(info[2], "importanceType");
  BoosterHandle handle = Handle(env);
  std::vector<char> buffer(1 << 20);
  int64_t needed = 0;
  LGBM_CHECK(env, LGBM_BoosterSaveModelToString(handle, start, num, importance, buffer.size(), &needed, buffer.data()));
  if (needed > static_cast<int64_t>(buffer.size())) {
    buffer.resize(needed);
    LGBM_CHECK(env, LGBM_BoosterSaveModelToString(handle, start, num, importance, buffer.size(), &needed,
                                                  buffer.data()));
  }
  return Napi::String::New(env, buffer.data(), needed > 0 ? needed - 1 : 0);  // needed counts the trailing NUL
}

// dumpModel(startIteration, numIteration) -> JSON text
Napi::Value NativeBooster::DumpModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int start = GetInteger(info[0], "startIteration");
  int num = GetInteger(info[1], "numIteration");
  BoosterHandle handle = Handle(env);
  std::vector<char> buffer(1 << 20);
  int64_t needed = 0;
  LGBM_CHECK(env, LGBM_BoosterDumpModel(handle, start, num, C_API_FEATURE_IMPORTANCE_SPLIT, buffer.size(), &needed,
                                        buffer.data()));
  if (needed > static_cast<int64_t>(buffer.size())) {
    buffer.resize(needed);
    LGBM_CHECK(env, LGBM_BoosterDumpModel(handle, start, num, C_API_FEATURE_IMPORTANCE_SPLIT, buffer.size(), &needed,
                                          buffer.data()));
  }
  return Napi::String::New(env, buffer.data(), needed > 0 ? needed - 1 : 0);
}

// predictForMat(data, nRows, predictType, startIteration, numIteration, parameters) -> Float64Array
Napi::Value NativeBooster::PredictForMat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MatrixView matrix = GetMatrix(info[0], "data");
  int32_t nRows = GetInt32(info[1], "nRows");
  int predictType = GetInteger(info[2], "predictType");
  int start = GetInteger(info[3], "startIteration");
  int num = GetInteger(info[4], "numIteration");
  std::string params = GetOptionalString(info[5], "parameters");
  BoosterHandle handle = Handle(env);
  int nCols = NumFeatureOf(env);
  if (matrix.length != static_cast<size_t>(nRows) * nCols) {
    throw Napi::RangeError::New(env, "data has " + std::to_string(matrix.length) + " values, expected " +
                                         std::to_string(nRows) + " rows x " + std::to_string(nCols) + " features");
  }
  int64_t size = 0;
  LGBM_CHECK(env, LGBM_BoosterCalcNumPredict(handle, nRows, predictType, start, num, &size));
  Napi::Float64Array out = Napi::Float64Array::New(env, static_cast<size_t>(size));
  int64_t written = 0;
  LGBM_CHECK(env, LGBM_BoosterPredictForMat(handle, matrix.data, matrix.dtype, nRows, nCols, 1, predictType, start, num,
                                            params.c_str(), &written, out.Data()));
  return out;
}

// predictForMatAsync(data, nRows, predictType, startIteration, numIteration, parameters) -> Promise<Float64Array>
// As predictForMat, on a worker thread. Another prediction may be running (they take turns); training may not.
Napi::Value NativeBooster::PredictForMatAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PredictWorker::Call call;
  call.matrix = GetMatrix(info[0], "data");
  call.nRows = GetInt32(info[1], "nRows");
  call.predictType = GetInteger(info[2], "predictType");
  call.startIteration = GetInteger(info[3], "startIteration");
  call.numIteration = GetInteger(info[4], "numIteration");
  call.parameters = GetOptionalString(info[5], "parameters");
  if (!handle_) throw Napi::Error::New(env, "Booster has been freed");
  if (busy_) throw Napi::Error::New(env, "Booster is busy training on a worker thread; wait for the step to finish");
  // Read-only queries, safe beside a running prediction (LightGBM's own predictions share a read lock).
  LGBM_CHECK(env, LGBM_BoosterGetNumFeature(handle_, &call.nCols));
  if (call.matrix.length != static_cast<size_t>(call.nRows) * call.nCols) {
    throw Napi::RangeError::New(env, "data has " + std::to_string(call.matrix.length) + " values, expected " +
                                         std::to_string(call.nRows) + " rows x " + std::to_string(call.nCols) +
                                         " features");
  }
  LGBM_CHECK(env, LGBM_BoosterCalcNumPredict(handle_, call.nRows, call.predictType, call.startIteration,
                                             call.numIteration, &call.outLength));
  auto* worker = new PredictWorker(env, this, info.This().As<Napi::Object>(), info[0].As<Napi::Object>(),
                                   std::move(call));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

NativeBooster::FastPredictor& NativeBooster::Fast(Napi::Env env, int predictType, int numIteration) {
  FastPredictor& fast = predictType == C_API_PREDICT_CONTRIB ? fastContrib_ : fastNormal_;
  if (fast.config && fast.numIteration == numIteration) return fast;
  BoosterHandle handle = Handle(env);
  if (fast.config) LGBM_FastConfigFree(fast.config);
  fast.config = nullptr;
  int nCols = NumFeatureOf(env);
  LGBM_CHECK(env, LGBM_BoosterPredictForMatSingleRowFastInit(handle, predictType, 0, numIteration, C_API_DTYPE_FLOAT64,
                                                             nCols, "", &fast.config));
  fast.numIteration = numIteration;
  LGBM_CHECK(env, LGBM_BoosterCalcNumPredict(handle, 1, predictType, 0, numIteration, &fast.outLength));
  return fast;
}

// predictSingle(row: Float64Array | number[], contrib: boolean, numIteration) -> number | Float64Array
// The row is copied first (its element getters may run JavaScript, even free this booster); the fast predictor and
// the handle are looked up only after that.
Napi::Value NativeBooster::PredictSingle(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool contrib = GetBoolean(info[1], "contrib");
  int numIteration = GetInteger(info[2], "numIteration");
  CopyNumberRow(info[0], "row", static_cast<size_t>(NumFeatureOf(env)), &rowScratch_);
  FastPredictor& fast = Fast(env, contrib ? C_API_PREDICT_CONTRIB : C_API_PREDICT_NORMAL, numIteration);
  const double* row = rowScratch_.data();
  int64_t written = 0;
  if (!contrib) {
    double score = 0;
    if (fast.outLength != 1) throw Napi::Error::New(env, "predictSingle supports single-output models only");
    LGBM_CHECK(env, LGBM_BoosterPredictForMatSingleRowFast(fast.config, row, &written, &score));
    return Napi::Number::New(env, score);
  }
  Napi::Float64Array out = Napi::Float64Array::New(env, static_cast<size_t>(fast.outLength));
  LGBM_CHECK(env, LGBM_BoosterPredictForMatSingleRowFast(fast.config, row, &written, out.Data()));
  return out;
}

// featureImportance(numIteration (<= 0: all), importanceType 0 split / 1 gain) -> Float64Array per feature
Napi::Value NativeBooster::FeatureImportance(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int num = GetInteger(info[0], "numIteration");
  int type = GetInteger(info[1], "importanceType");
  BoosterHandle handle = Handle(env);
  Napi::Float64Array out = Napi::Float64Array::New(env, NumFeatureOf(env));
  LGBM_CHECK(env, LGBM_BoosterFeatureImportance(handle, num, type, out.Data()));
  return out;
}

Napi::Value NativeBooster::Free(const Napi::CallbackInfo& info) {
  if (busy_) throw Napi::Error::New(info.Env(), "cannot free a Booster while it is training");
  if (predictions_ > 0) {
    throw Napi::Error::New(info.Env(), "cannot free a Booster while a prediction is running; await predictAsync first");
  }
  Release();
  return info.Env().Undefined();
}

Napi::Value NativeBooster::IsFreed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), handle_ == nullptr);
}

}  // namespace lgbm_node
