-- wrk script: each connection waits DELAY_MS (whole milliseconds, from the
-- environment) before each request, so that N connections hold about
-- N * 1000 / (DELAY_MS + latency) requests/s. wrk's latency figures count
-- from sending to the answer, without the delay.
function init(args)
  d = tonumber(os.getenv("DELAY_MS") or "2")
end

function delay()
  return d
end
