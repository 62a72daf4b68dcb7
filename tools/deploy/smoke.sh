#!/usr/bin/env bash
# Starts the compiled API from an assembled runtime folder (as the image's CMD does) on a free loopback port, waits for
# readiness, scores a real application and checks the answer; then stops it. Exit 0 only if all of that worked.
# Usage: tools/deploy/smoke.sh OUT [APPLICATION_CSV]
set -euo pipefail
out=${1:?usage: smoke.sh OUT [APPLICATION_CSV]}
out="$(cd "$out" && pwd)"
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
log="$out/smoke.log"
(cd "$out" && HOST=127.0.0.1 PORT=$port MODEL_BUNDLE_DIR="$out/dist/model-bundle" exec node dist/apps/api/main.js) >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { echo "smoke: the API exited; log:"; tail -20 "$log"; exit 1; }
  sleep 0.5
done
curl -fs "http://127.0.0.1:$port/ready" >/dev/null || { echo "smoke: not ready after 60 s"; tail -20 "$log"; exit 1; }
body='{"application":{"SK_ID_CURR":100001,"NAME_CONTRACT_TYPE":"Cash loans","CODE_GENDER":"F","FLAG_OWN_CAR":"N","AMT_INCOME_TOTAL":135000,"AMT_CREDIT":568800,"AMT_ANNUITY":20560.5,"AMT_GOODS_PRICE":450000,"DAYS_BIRTH":-19241,"DAYS_EMPLOYED":-2329,"EXT_SOURCE_2":0.7896543511176771,"EXT_SOURCE_3":0.1595195404777181}}'
answer=$(curl -fs -X POST "http://127.0.0.1:$port/predict" -H 'content-type: application/json' -d "$body")
node -e '
const a = JSON.parse(process.argv[1]);
const p = a.predictions && a.predictions[0];
if (!p || !(p.probability > 0 && p.probability < 1) || !["granted", "refused"].includes(p.decision)) { console.error("smoke: bad answer " + process.argv[1]); process.exit(1); }
console.log(`smoke: SK_ID_CURR ${p.SK_ID_CURR} probability ${p.probability.toFixed(4)} ${p.decision} (model ${p.modelVersion})`);
' "$answer"
bad=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/predict" -H 'content-type: application/json' -d '{"application":{"SK_ID_CURR":"x"}}')
[ "$bad" = 400 ] || { echo "smoke: bad input answered $bad, expected 400"; exit 1; }
echo "smoke: ok"
