-- POST /api/v1/errands with a realistic body and a reporter, a new title per
-- request. The API key comes from the environment (PORTEN_BENCH_KEY).
local key = os.getenv("PORTEN_BENCH_KEY")
local n = 0
request = function()
  n = n + 1
  local body = string.format(
    '{"service_code":"pothole","title":"Potthål nummer %d på Sjögatan",' ..
    '"description":"Djupt hål i körbanan utanför nummer 14, cirka 30 cm brett. Farligt för cyklister.",' ..
    '"channel":"web","stakeholders":[{"role":"reporter","name":"Test Testsson","email":"test@example.com"}]}', n)
  return wrk.format("POST", "/api/v1/errands",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }, body)
end


done = function(summary, latency)
  io.write(string.format("RESULT requests=%d seconds=%.2f rate=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
