// Distributed (data-parallel) training over LightGBM's own socket network.
//
// LightGBM keeps its network state (rank, machine count, the linked sockets) in THREAD-LOCAL statics
// (include/LightGBM/network.h). Everything that talks to the other machines must therefore run on the thread that
// called LGBM_NetworkInit: binning the dataset (bin mappers are found feature-slice by feature-slice and exchanged
// with Allgather), creating the booster (the data-parallel tree learner sizes its buffers from the machine count) and
// every boosting iteration (histograms are merged with Reduce-Scatter). NativeBooster.updateAsync runs on a libuv
// pool thread, where the network would look empty; hence boostOneIteration here runs on the calling thread, and the
// TypeScript side calls all of this from one dedicated Node worker thread.
#include "network.h"

#include <unistd.h>

#include <string>

#include "booster.h"

namespace lgbm_node {

namespace {

// networkInit(machines "ip1:port1,ip2:port2", localListenPort, timeOutMinutes, numMachines)
// Blocks until every machine is linked. LightGBM gives up connecting after ~2 minutes of retries and waits
// timeOutMinutes for incoming links; callers should also watch the clock themselves (a missing peer can leave a
// socket call waiting).
Napi::Value NetworkInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string machines = GetString(info[0], "machines");
  int32_t port = GetInt32(info[1], "localListenPort");
  int32_t timeOut = GetInt32(info[2], "timeOutMinutes");
  int32_t numMachines = GetInt32(info[3], "numMachines");
  if (port > 65535) throw Napi::RangeError::New(env, "localListenPort must be a TCP port (1-65535)");
  if (machines.empty()) throw Napi::RangeError::New(env, "machines must list at least one ip:port");
  LGBM_CHECK(env, LGBM_NetworkInit(machines.c_str(), port, timeOut, numMachines));
  return env.Undefined();
}

// networkFree(): closes this thread's links (a no-op when none are open).
Napi::Value NetworkFree(const Napi::CallbackInfo& info) {
  LGBM_CHECK(info.Env(), LGBM_NetworkFree());
  return info.Env().Undefined();
}

// boostOneIteration(booster) -> finished: one boosting iteration ON THE CALLING THREAD (see the note above).
Napi::Value BoostOneIteration(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* data = env.GetInstanceData<AddonData>();
  if (!info[0].IsObject() || !info[0].As<Napi::Object>().InstanceOf(data->boosterCtor.Value())) {
    throw Napi::TypeError::New(env, "booster must be a NativeBooster");
  }
  NativeBooster* booster = Napi::ObjectWrap<NativeBooster>::Unwrap(info[0].As<Napi::Object>());
  BoosterHandle handle = booster->handle();
  if (!handle) throw Napi::Error::New(env, "Booster has been freed");
  int finished = 0;
  LGBM_CHECK(env, LGBM_BoosterUpdateOneIter(handle, &finished));
  return Napi::Boolean::New(env, finished != 0);
}

// hardExit(status): ends the process at once, without joining threads. A LightGBM socket call whose peer vanished
// can wait (or spin on a closed socket) forever; Node's process.exit() would wait for that worker thread to stop.
Napi::Value HardExit(const Napi::CallbackInfo& info) {
  int32_t status = GetInteger(info[0], "status");
  if (status < 0 || status > 255) throw Napi::RangeError::New(info.Env(), "status must be in [0, 255]");
  _exit(status);
}

}  // namespace

void RegisterNetwork(Napi::Env env, Napi::Object exports) {
  exports.Set("networkInit", Napi::Function::New(env, NetworkInit, "networkInit"));
  exports.Set("networkFree", Napi::Function::New(env, NetworkFree, "networkFree"));
  exports.Set("boostOneIteration", Napi::Function::New(env, BoostOneIteration, "boostOneIteration"));
  exports.Set("hardExit", Napi::Function::New(env, HardExit, "hardExit"));
}

}  // namespace lgbm_node
