# lib-apt.sh - sourced by the provisioning scripts: the private apt (one
# config, state and cache per Debian suite under $CACHE/apt, nothing of the
# host's apt read or written) and the places the interpreters go.
# The caller sets PROG (its name, for messages) and `set -Eeuo pipefail`.

die() { echo "$PROG: error: $1" >&2; exit "${2:-1}"; }
onerr() { echo "$PROG: error: line $1: \`$2\` failed" >&2; }
cache_home=${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}
TARGET=${PYCORE_DEBIAN_PYTHONS:-$cache_home/pycore/pythons}
CACHE=${PYCORE_DEBIAN_CACHE:-$cache_home/pycore/debian-pythons}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# Debian architecture of the packages (the caller may set it: arm64 trees
# run under qemu-user); each architecture has its own apt state
DEBARCH=${DEBARCH:-amd64}
FAKE=${FAKE:-}

suite_of() { case $1 in 3.9) echo bullseye ;; 3.11) echo bookworm ;; 3.13) echo trixie ;; *) echo sid ;; esac; }

MIRROR=${PYCORE_DEBIAN_MIRROR:-} SECMIRROR=
mirrors() {   # the host's Debian mirror (apt sources), only needed when fetching
  [ -n "$SECMIRROR" ] && return
  local uris; uris=$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | sort -u)
  [ -n "$MIRROR" ] || MIRROR=$(grep -m1 '/debian/$' <<<"$uris" || true)
  [ -n "$MIRROR" ] || die "no Debian mirror (URI ending in /debian/) in the host's apt sources; set PYCORE_DEBIAN_MIRROR"
  MIRROR=${MIRROR%/}
  SECMIRROR=$(grep -m1 '/debian-security/$' <<<"$uris" || echo "$MIRROR-security")
  SECMIRROR=${SECMIRROR%/}
}

aptdir() { if [ "$DEBARCH" = amd64 ]; then echo "$CACHE/apt/$1"; else echo "$CACHE/apt/$1-$DEBARCH"; fi; }
apt_suite() {  # $1 suite: private apt config + `apt-get update` (once per run)
  local s=$1 d; d=$(aptdir "$1")
  [ "$(cat "$d/updated-by" 2>/dev/null)" = "$$" ] && return
  mirrors
  mkdir -p "$d/lists/partial" "$d/archives/partial" "$d/prefs.d"
  {
    echo "deb [arch=$DEBARCH signed-by=$KEYRING] $MIRROR $s main"
    [ "$s" = sid ] || echo "deb [arch=$DEBARCH signed-by=$KEYRING] $SECMIRROR $s-security main"
  } > "$d/sources.list"
  for p in $FAKE; do
    printf 'Package: %s\nStatus: install ok installed\nVersion: 99:99\nArchitecture: %s\nMaintainer: none\nDescription: not extracted\n\n' "$p" "$DEBARCH"
  done > "$d/status"
  # read by `-c`, i.e. after the host's /etc/apt/apt.conf.d, so these win
  cat > "$d/apt.conf" <<EOF
Dir::State "$d"; Dir::State::Lists "$d/lists"; Dir::State::status "$d/status";
Dir::Etc::sourcelist "$d/sources.list"; Dir::Etc::sourceparts "-";
Dir::Etc::preferences "$d/prefs"; Dir::Etc::preferencesparts "$d/prefs.d";
Dir::Cache "$d"; Dir::Cache::archives "$d/archives";
APT::Architecture "$DEBARCH"; #clear APT::Architectures; APT::Architectures:: "$DEBARCH";
Acquire::Languages "none"; APT::Sandbox::User "root"; Debug::NoLocking "true";
#clear APT::Update::Pre-Invoke; #clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success; #clear DPkg::Pre-Invoke;
#clear DPkg::Post-Invoke; #clear DPkg::Pre-Install-Pkgs;
EOF
  if ! apt-get -c "$d/apt.conf" -q update > "$d/update.log" 2>&1 ||
     grep -qE '^(E:|Err:|W: (Failed|GPG|An error))' "$d/update.log"; then
    grep -E '^(E:|Err:|W:)' "$d/update.log" >&2 || tail -5 "$d/update.log" >&2
    die "cannot fetch the $s package lists from $MIRROR (log: $d/update.log)"
  fi
  echo $$ > "$d/updated-by"
}
APT() { local s=$1; shift; apt-get -c "$(aptdir "$s")/apt.conf" -q "$@"; }
