-- wrk script: POST /api/bookings on distinct free slots.
-- MEETING_TYPES (comma-separated ids, one per host, hosts open around the
-- clock, 30-minute meetings) comes from the environment. Request n of wrk
-- thread t is global number k = n * WRK_THREADS + t: host k % H, slot
-- k / H half-hours after 2027-03-01T00:00:00Z, so no two requests ask for
-- the same time of the same host. SLOT_OFFSET (half-hours) shifts every
-- start, so that runs against one server ask for fresh slots.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  types = {}
  for id in string.gmatch(os.getenv("MEETING_TYPES"), "[^,]+") do
    table.insert(types, id)
  end
  nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  base = 1803945600 -- 2027-03-01T00:00:00Z
  offset = tonumber(os.getenv("SLOT_OFFSET") or "0") -- in half-hours
end

function request()
  local k = counter * nthreads + tid
  counter = counter + 1
  local h = #types
  local start = os.date("!%Y-%m-%dT%H:%M:%SZ", base + (offset + math.floor(k / h)) * 1800)
  local body = string.format(
    '{"meeting_type_id":"%s","start_time":"%s","invitee_name":"Load %d",' ..
    '"invitee_email":"load%d@example.com","invitee_timezone":"Europe/Paris"}',
    types[(k % h) + 1], start, k, k)
  return wrk.format("POST", "/api/bookings", {["Content-Type"] = "application/json"}, body)
end
