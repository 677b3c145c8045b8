#!/usr/bin/env bash
# The import rate: writes 1,000 Markdown articles with front matter (BENCH_IMPORT_FILES to
# change it; bodies of about 2,000 characters, a subheading, emphasis and a link each) and
# times `jinri import` of the folder into a fresh SQLite database with the demo content, then
# again (nothing changes), then with every file changed (a new version each). Prints each run's
# summary line, which carries its rate. Usage: bench/import.sh (after a release build; set
# BENCH_DATABASE_URL=postgres://… to import into an empty PostgreSQL database instead).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${BENCH_IMPORT_FILES:-1000}"
bin=target/release/jinri
[ -x "$bin" ] || { echo "build first: cargo leptos build --release" >&2; exit 1; }
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/files"
write() {
  local mark="$1"
  python3 - "$dir/files" "$n" "$mark" <<'PY'
import sys, os
folder, n, mark = sys.argv[1], int(sys.argv[2]), sys.argv[3]
channels = ["au", "china", "world", "finance", "life"]
para = "悉尼今天天气晴朗，市民纷纷前往海滩消暑。" * 10
for i in range(n):
    body = f"## 第{i}号新闻\n\n{para}**重点**{para}\n\n> 引用{mark}\n\n[原文](https://example.com/{i})\n\n" + (para + "\n\n") * 8
    with open(os.path.join(folder, f"news-{i:05}.md"), "w") as f:
        f.write(f"---\ntitle: 基准测试新闻 {i}\nchannel: {channels[i % 5]}\nsummary: 第 {i} 篇{mark}\nsource: 今日\n"
                f"published: 2026-{1 + i % 12:02}-{1 + i % 28:02} {i % 24:02}:{i % 60:02}\n---\n{body}")
PY
}
url="${BENCH_DATABASE_URL:-sqlite://$dir/import.db}"
write ""
echo "$n files, $(du -sh "$dir/files" | cut -f1) in all"
for run in first again changed; do
  [ "$run" = changed ] && write "（更正）"
  printf '%-8s ' "$run"
  DATABASE_URL="$url" RUST_LOG=warn "$bin" import "$dir/files" 2>/dev/null | head -n 1
done
