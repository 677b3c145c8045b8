-- wrk script: log in as the benchmark reader (JSON reply, as the browser bundle asks).
wrk.method = "POST"
wrk.body = "name=bench_reader&password=bench-password-2021&next=%2F"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
