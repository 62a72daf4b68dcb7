// LightGBM's socket network for data-parallel training (LGBM_NetworkInit / LGBM_NetworkFree).
#pragma once
#include "common.h"

namespace lgbm_node {

// Adds networkInit, networkFree, boostOneIteration and hardExit to the addon's exports.
void RegisterNetwork(Napi::Env env, Napi::Object exports);

}  // namespace lgbm_node
