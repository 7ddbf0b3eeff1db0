-- wrk script for every bench operation; bench/load.py describes the request in the
-- environment (bench/ops.py has the list):
--
--   BENCH_METHOD, BENCH_PATH      the request line
--   BENCH_BODY                    form body, "{value}" replaced by a pool value
--   BENCH_AUTH                    Authorization header ("Bearer {value}"), or empty
--   BENCH_VALUES                  file of pool values, one a line (or empty: none)
--   BENCH_CONSUME                 "1": each value is used once (codes, refresh tokens,
--                                 tokens to revoke); "0": values are cycled (whoami)
--   BENCH_EXPECT                  Lua pattern a 2xx body must contain (or empty)
--   BENCH_THREADS                 wrk's -t, so each thread takes a disjoint slice
--
-- Every request is prepared in init(). response() counts non-2xx answers and 2xx
-- answers without the expected body; done() prints one line, "BENCH_JSON {...}".

local threads = {}
local counter = 0

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local function env(name, default)
   local value = os.getenv(name)
   if value == nil then return default end
   return value
end

local function format_request(method, path, auth, body, value)
   local headers = {}
   for k, v in pairs(wrk.headers) do headers[k] = v end
   -- As behind production's TLS-terminating proxy (DJANGO_SECURE_PROXY_SSL_HEADER=1).
   headers["X-Forwarded-Proto"] = "https"
   if auth ~= "" then
      headers["Authorization"] = auth:gsub("{value}", function() return value end)
   end
   local payload = nil
   if method ~= "GET" then
      headers["Content-Type"] = "application/x-www-form-urlencoded"
      payload = body:gsub("{value}", function() return value end)
   end
   return wrk.format(method, path, headers, payload)
end

function init(args)
   local method = env("BENCH_METHOD", "GET")
   local path = env("BENCH_PATH", "/")
   local body = env("BENCH_BODY", "")
   local auth = env("BENCH_AUTH", "")
   local file = env("BENCH_VALUES", "")
   local nthreads = tonumber(env("BENCH_THREADS", "1"))
   consume = env("BENCH_CONSUME", "0") == "1"
   expect = env("BENCH_EXPECT", "")

   local values = {}
   if file ~= "" then
      local all = {}
      for line in io.lines(file) do
         if line ~= "" then all[#all + 1] = line end
      end
      -- Thread `id` takes every nthreads-th value: disjoint slices of equal size.
      for i = id + 1, #all, nthreads do values[#values + 1] = all[i] end
   else
      values[1] = ""
   end

   reqs = {}
   for i, value in ipairs(values) do
      reqs[i] = format_request(method, path, auth, body, value)
   end
   index = 0
   sent = 0
   exhausted = 0
   non2xx = 0
   unexpected = 0
   statuses = {}
   samples = {}
end

function request()
   index = index + 1
   sent = sent + 1
   if index > #reqs then
      -- A consumable pool ran out: the reused values will fail, and the run says so.
      if consume then exhausted = exhausted + 1 end
      index = 1
   end
   return reqs[index]
end

function response(status, headers, body)
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
   local bad = false
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      bad = true
   elseif expect ~= "" and not string.find(body or "", expect) then
      unexpected = unexpected + 1
      bad = true
   end
   if bad and #samples < 3 then
      samples[#samples + 1] = key .. " " .. string.sub(body or "", 1, 300)
   end
end

local function json_string(s)
   s = s:gsub('[%c"\\]', function(c)
      if c == '"' then return '\\"' end
      if c == "\\" then return "\\\\" end
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. s .. '"'
end

function done(summary, latency, requests)
   local non2xx_total, unexpected_total, exhausted_total, sent_total = 0, 0, 0, 0
   local status_total, sample_list, values_total = {}, {}, 0
   for _, thread in ipairs(threads) do
      non2xx_total = non2xx_total + thread:get("non2xx")
      unexpected_total = unexpected_total + thread:get("unexpected")
      exhausted_total = exhausted_total + thread:get("exhausted")
      sent_total = sent_total + thread:get("sent")
      for k, v in pairs(thread:get("statuses")) do status_total[k] = (status_total[k] or 0) + v end
      for _, s in ipairs(thread:get("samples")) do sample_list[#sample_list + 1] = json_string(s) end
   end
   local status_parts = {}
   for k, v in pairs(status_total) do status_parts[#status_parts + 1] = json_string(k) .. ":" .. v end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d},' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status_gt_399":%d,"timeout":%d},' ..
      '"non2xx":%d,"unexpected_body":%d,"pool_exhausted":%d,"sent":%d,' ..
      '"statuses":{%s},"samples":[%s]}\n',
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.mean, latency.max,
      e.connect, e.read, e.write, e.status, e.timeout,
      non2xx_total, unexpected_total, exhausted_total, sent_total,
      table.concat(status_parts, ","), table.concat(sample_list, ",")))
end
