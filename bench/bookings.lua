-- wrk script: POST /api/bookings on distinct free 5-minute slots.
-- Each wrk thread takes every Nth slot after 2027-03-01T00:00:00Z, so no two
-- requests ask for the same time. MEETING_TYPE comes from the environment.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  mt = os.getenv("MEETING_TYPE")
  nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  base = 1803945600 -- 2027-03-01T00:00:00Z
end

function request()
  local n = counter * nthreads + tid
  counter = counter + 1
  local start = os.date("!%Y-%m-%dT%H:%M:%SZ", base + n * 300)
  local body = string.format(
    '{"meeting_type_id":"%s","start_time":"%s","invitee_name":"Load %d",' ..
    '"invitee_email":"load%d@example.com","invitee_timezone":"Europe/Paris"}',
    mt, start, n, n)
  return wrk.format("POST", "/api/bookings", {["Content-Type"] = "application/json"}, body)
end
