-- Prints one machine-readable line after a run: requests per second, and
-- the latency percentiles and maximum in milliseconds, plus the count of
-- non-2xx answers (which must be 0 for the figures to count).
local bad = 0
response = function(status, headers, body)
  if status < 200 or status >= 300 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT rps=%.0f p50=%.1f p99=%.1f max=%.1f requests=%d non2xx=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, bad))
end
