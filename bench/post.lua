-- wrk script: signed-in readers post comments, each connection as a different reader.
-- The cookies come from bench/run.sh in the file named by JINRI_BENCH_COOKIES.
local cookies = {}
for line in io.lines(os.getenv("JINRI_BENCH_COOKIES")) do cookies[#cookies + 1] = line end
local article = os.getenv("JINRI_BENCH_ARTICLE")
local counter = 0
local next_id = 0

function setup(thread)
  thread:set("first", next_id)
  next_id = next_id + 1
end

function init(args)
  counter = first * 1000000
end

function request()
  counter = counter + 1
  local cookie = cookies[(counter % #cookies) + 1]
  local body = "article_id=" .. article .. "&body=" .. "bench+comment+" .. counter
  return wrk.format("POST", "/api/comments/post", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
    ["Cookie"] = cookie,
  }, body)
end
