#!/usr/bin/env bash
# NvmeNative kernel lab: boots a Debian kernel in QEMU (TCG) with the host root shared read-only
# over 9p, loads the NVMe-oF / nvmet / md / loop modules, and runs one command inside as root.
# See tests/lab/README.md.  Usage: lab.sh setup|run|kernels|help
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${NVMENATIVE_LAB_CACHE:-/var/cache/nvmenative-lab}
INIT_TEMPLATE="$LAB_DIR/guest-init.sh"
KERNELS_ALL=(5.10 6.1 6.12 unstable)
DEFAULT_KERNEL=${NVMENATIVE_LAB_DEFAULT_KERNEL:-6.1}
PREREQS=(qemu-system-x86 busybox-static kmod cpio xz-utils zstd mdadm nvme-cli etcd-server)
# Modules loaded in the guest (dependencies are added by modprobe --show-depends).
# "[?]name[:params]"; a leading "?" marks a module that is skipped if the kernel lacks it
# (Debian does not build nvme-loop). virtio_pci must come before the 9p mount (it does).
GUEST_MODULES=(virtio_pci 9pnet_virtio 9p configfs loop:max_loop=16 md_mod raid1 ext4
    nvme-core nvme-fabrics nvme nvme-tcp ?nvme-loop nvmet nvmet-tcp)
# Bump when the initramfs layout changes in lab.sh itself (guest-init.sh is hashed separately).
INITRAMFS_FORMAT=2

APT_UPDATED=0

die() { echo "lab.sh: error: $*" >&2; exit 125; }
log() { echo "lab.sh: $*" >&2; }

usage() {
    cat <<'EOF'
Usage:
  lab.sh setup   [--kernel 5.10|6.1|6.12|unstable|all]   install prerequisites, fetch kernel(s), build initramfs
  lab.sh run     [--kernel 5.10|6.1|6.12|unstable] [--mem MB] [--timeout SEC] [--out DIR]
                 [--env NAME=VALUE|NAME]... -- CMD [ARGS...]
  lab.sh kernels                                print "<short> <kernel version> <package>" per kernel
Kernels: 5.10      the newest 5.10 LTS of Debian 11 (bullseye, bullseye-updates, bullseye-security)
         6.1       the newest 6.1 LTS of Debian 12 (bookworm, bookworm-updates, bookworm-security)
         6.12      the newest 6.12 of Debian 12 (linux-image-6.12.*+deb12-amd64-unsigned)
         unstable  the newest kernel in Debian unstable (sid)
Environment: NVMENATIVE_LAB_CACHE          cache dir (default /var/cache/nvmenative-lab)
             NVMENATIVE_LAB_DEFAULT_KERNEL run's default --kernel (default 6.1)
             NVMENATIVE_LAB_APT_MAX_AGE    seconds before setup refreshes the lab's private apt lists (default 86400)
             NVMENATIVE_LAB_DEBIAN_URI     Debian archive (default: the one this machine's apt sources use)
             NVMENATIVE_LAB_DEBIAN_SECURITY_URI  Debian security archive (default: from the apt sources)
             NVMENATIVE_LAB_9P_CACHE      9p cache mode of the shared root (default loose; none)
             NVMENATIVE_LAB_LOGLEVEL      guest kernel console loglevel (default 4)
             NVMENATIVE_LAB_CPU           QEMU -cpu model of the guest (default max)
             NVMENATIVE_LAB_KEEP=1        keep the per-run dir (guest kernel log: console.log)
Exit status of run: the command's; 124 on timeout; 125 on a lab failure.
EOF
}

need_root() { [[ $(id -u) == 0 ]] || die "must run as root (installs packages, runs QEMU with 9p passthrough)"; }

# ---------------------------------------------------------------- apt helpers (the machine's own lists)
apt_lists_present() { compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; }

apt_update_once() {
    [[ $APT_UPDATED == 1 ]] && return 0
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || die "apt-get update failed"
    APT_UPDATED=1
}

ensure_prereqs() {
    local missing=() p
    for p in "${PREREQS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [[ ${#missing[@]} == 0 ]] && return 0
    need_root
    apt_lists_present || apt_update_once
    log "installing ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
        apt_update_once
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
            die "apt-get install ${missing[*]} failed"
    fi
}

# ---------------------------------------------------------------- kernels and their Debian suites
# Every kernel comes from a Debian suite through the Debian archive this machine's apt is configured with
# (no mirror is named here), resolved in a private apt state directory per suite ($CACHE/apt/SUITE), so the
# machine's own package lists are never touched and the machine's own release does not matter.
is_kernel_name() { [[ " ${KERNELS_ALL[*]} " == *" $1 "* ]]; }

kernel_suite() { # short -> Debian suite
    case $1 in
        5.10) echo bullseye ;;
        6.1 | 6.12) echo bookworm ;;
        unstable) echo unstable ;;
        *) die "unknown kernel '$1' (expected one of: ${KERNELS_ALL[*]})" ;;
    esac
}

kernel_pkg_regex() { # short -> regex of the image package's name (the newest by version sort wins)
    case $1 in
        5.10) echo '^linux-image-5\.10\.0-[0-9]+-amd64$' ;;
        6.1) echo '^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
        6.12) echo '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' ;;
        # unstable names its kernels X.Y.Z+debNN-amd64 (earlier: X.Y.0-N-amd64); flavours (cloud, rt) excluded
        unstable) echo '^linux-image-[0-9]+\.[0-9]+(\.[0-9]+)?([-+][a-z0-9.]+)?-amd64$' ;;
        *) die "unknown kernel '$1' (expected one of: ${KERNELS_ALL[*]})" ;;
    esac
}

# "URI KIND" lines (KIND: base, updates or security): the Debian archives of this machine's apt sources (one-line
# or deb822 format; apt itself reads them), recognised by the suites of the machine's own Debian release.
debian_archives() {
    if [[ -n ${NVMENATIVE_LAB_DEBIAN_URI:-} ]]; then
        echo "$NVMENATIVE_LAB_DEBIAN_URI base"
        echo "$NVMENATIVE_LAB_DEBIAN_URI updates"
        [[ -n ${NVMENATIVE_LAB_DEBIAN_SECURITY_URI:-} ]] && echo "$NVMENATIVE_LAB_DEBIAN_SECURITY_URI security"
        return 0
    fi
    local codename uri release kind found=0
    codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
    [[ -n $codename ]] || codename=unstable
    while read -r uri release; do
        case $release in
            "$codename" | stable | oldstable | testing | unstable | sid) kind=base ;;
            "$codename"-updates | stable-updates | oldstable-updates | testing-updates) kind=updates ;;
            "$codename"-security | stable-security | oldstable-security | testing-security) kind=security ;;
            *) continue ;;
        esac
        echo "${uri%/} $kind"
        found=1
    done < <(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Identifier: Packages' 'Target-Of: deb' 2>/dev/null | sort -u)
    [[ $found == 1 ]] || die "no Debian archive found in this machine's apt sources (release '$codename');" \
        "set NVMENATIVE_LAB_DEBIAN_URI (and NVMENATIVE_LAB_DEBIAN_SECURITY_URI)"
}

suite_apt_dir() { echo "$CACHE/apt/$1"; }

suite_apt_opts() { # suite -> the apt options that select its private state, one per line
    local d
    d=$(suite_apt_dir "$1")
    printf '%s\n' -o "Dir::State=$d/state" -o "Dir::Cache=$d/cache" -o "Dir::Etc::SourceList=$d/sources.list" \
        -o "Dir::Etc::SourceParts=$d/sources.list.d" -o "Acquire::Languages=none"
}

write_suite_sources() { # suite -> its private sources.list, from the machine's Debian archives
    local suite=$1 d uri kind line lines=()
    local -A seen=()
    d=$(suite_apt_dir "$suite")
    mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial" "$d/sources.list.d"
    while read -r uri kind; do
        case $kind in
            base) line="deb [arch=amd64 targets=Packages] $uri $suite main" ;;
            updates) [[ $suite == unstable ]] && continue; line="deb [arch=amd64 targets=Packages] $uri $suite-updates main" ;;
            security) [[ $suite == unstable ]] && continue; line="deb [arch=amd64 targets=Packages] $uri $suite-security main" ;;
        esac
        [[ -n ${seen[$line]:-} ]] || lines+=("$line")
        seen[$line]=1
    done < <(debian_archives)
    printf '%s\n' "${lines[@]}" >"$d/sources.list.tmp"
    mv "$d/sources.list.tmp" "$d/sources.list"
}

declare -A SUITE_UPDATED=()

suite_lists_present() { compgen -G "$(suite_apt_dir "$1")/state/lists/*_Packages*" >/dev/null; }

# apt-get update of a suite's private lists when forced, missing, or older than NVMENATIVE_LAB_APT_MAX_AGE.
# A failed refresh of lists that exist is only a warning (the lab keeps working offline).
suite_update() { # suite [force]
    local suite=$1 force=${2:-} d stamp age opts
    [[ -n ${SUITE_UPDATED[$suite]:-} ]] && return 0
    d=$(suite_apt_dir "$suite") stamp="$(suite_apt_dir "$suite")/updated"
    if [[ -z $force ]] && suite_lists_present "$suite" && [[ -f $stamp ]]; then
        age=$(($(date +%s) - $(stat -c %Y "$stamp")))
        ((age < ${NVMENATIVE_LAB_APT_MAX_AGE:-86400})) && return 0
    fi
    write_suite_sources "$suite"
    mapfile -t opts < <(suite_apt_opts "$suite")
    log "apt-get update of Debian $suite ($(grep -c . "$d/sources.list") source(s); private lists in $d)"
    if DEBIAN_FRONTEND=noninteractive apt-get "${opts[@]}" update -q >"$d/update.log" 2>&1; then
        touch "$stamp"
    elif suite_lists_present "$suite"; then
        log "warning: apt-get update of Debian $suite failed (see $d/update.log); using the lists of $(date -r "$stamp" 2>/dev/null || echo 'an earlier run')"
    else
        cat "$d/update.log" >&2
        die "apt-get update of Debian $suite failed"
    fi
    SUITE_UPDATED[$suite]=1
}

suite_apt() { # suite apt-command args...
    local suite=$1 cmd=$2 opts
    shift 2
    mapfile -t opts < <(suite_apt_opts "$suite")
    "$cmd" "${opts[@]}" "$@"
}

# newest image package for a short kernel name, from its suite's private lists
resolve_pkg() {
    local short=$1 suite re pkg
    suite=$(kernel_suite "$short")
    re=$(kernel_pkg_regex "$short")
    suite_update "$suite"
    pkg=$(suite_apt "$suite" apt-cache search --names-only "$re" | awk '{print $1}' | sort -V | tail -1)
    [[ -n $pkg ]] || die "no package matches $re in Debian $suite"
    echo "$pkg"
}

pkg_to_kver() {
    local v=${1#linux-image-}
    echo "${v%-unsigned}"
}

# The packages that hold the kernel image and its modules: the image package plus the linux-binary-,
# linux-modules- and linux-base- packages of the same version it depends on (unstable splits a kernel so).
kernel_pkgs() { # short pkg kver
    local suite kre
    suite=$(kernel_suite "$1")
    kre=$(printf '%s' "$3" | sed 's/[.+]/\\&/g')
    echo "$2"
    suite_apt "$suite" apt-cache show --no-all-versions "$2" 2>/dev/null | sed -n 's/^Depends: //p' | tr ',|' '\n\n' |
        sed -e 's/^ *//' -e 's/[ (].*//' | grep -E "^linux-(binary|modules|base)-$kre\$" | sort -u || true
}

# ---------------------------------------------------------------- initramfs
initramfs_key() {
    local kver=$1
    {
        echo "format=$INITRAMFS_FORMAT kver=$kver"
        printf '%s\n' "${GUEST_MODULES[@]}"
        dpkg-query -W -f='${Version}\n' busybox-static 2>/dev/null || echo none
        cat "$INIT_TEMPLATE"
    } | sha256sum | cut -d' ' -f1
}

kernel_ready() { # kver -> 0 if vmlinuz + current initramfs exist
    local d="$CACHE/$1"
    [[ -f $d/vmlinuz && ( -f $d/vmlinux || -f $d/vmlinux.none ) && -f $d/initramfs.cpio.gz && -f $d/initramfs.key ]] &&
        [[ $(cat "$d/initramfs.key") == "$(initramfs_key "$1")" ]]
}

fetch_kernel() { # short pkg kver -> $CACHE/kver/debs/*.deb (+ debs.list)
    local short=$1 pkg=$2 kver=$3 d="$CACHE/$3" pkgs p suite missing=()
    mapfile -t pkgs < <(kernel_pkgs "$short" "$pkg" "$kver")
    # a cache of the earlier one-package layout
    if [[ -f $d/pkg.deb && -f $d/pkg.name && $(cat "$d/pkg.name") == "$pkg" && ${#pkgs[@]} == 1 ]]; then
        mkdir -p "$d/debs" && mv "$d/pkg.deb" "$d/debs/$pkg.deb" && printf '%s\n' "$pkg" >"$d/debs.list"
    fi
    for p in "${pkgs[@]}"; do [[ -f $d/debs/$p.deb ]] || missing+=("$p"); done
    if [[ ${#missing[@]} == 0 && -f $d/debs.list && $(cat "$d/debs.list") == "$(printf '%s\n' "${pkgs[@]}")" ]]; then
        return 0
    fi
    mkdir -p "$d/debs"
    suite=$(kernel_suite "$short")
    log "downloading ${missing[*]} (Debian $suite)"
    local tmp f
    tmp=$(mktemp -d "$CACHE/.dl.XXXXXX")
    chown _apt "$tmp" 2>/dev/null || true # lets apt download sandboxed (no warning)
    if ! (cd "$tmp" && suite_apt "$suite" apt-get download -q "${missing[@]}" >&2); then
        rm -rf "$tmp"
        return 1
    fi
    for p in "${missing[@]}"; do
        f=$(compgen -G "$tmp/${p//+/%2b}_*.deb" || compgen -G "$tmp/${p}_*.deb") || { rm -rf "$tmp"; die "apt-get download did not leave $p"; }
        mv "$f" "$d/debs/$p.deb"
    done
    rm -rf "$tmp" "$d/pkg.deb"
    printf '%s\n' "${pkgs[@]}" >"$d/debs.list"
    echo "$pkg" >"$d/pkg.name"
}

# Uncompressed vmlinux (ELF with a PVH entry note) from the bzImage: QEMU boots it directly, which
# saves the in-guest decompression. Falls back to the bzImage (marker file vmlinux.none).
extract_vmlinux() { # vmlinuz config outdir
    local z=$1 cfg=$2 d=$3 off
    rm -f "$d/vmlinux" "$d/vmlinux.none"
    if ! grep -q '^CONFIG_PVH=y' "$cfg" 2>/dev/null; then
        log "note: kernel has no CONFIG_PVH; booting the bzImage"
        : >"$d/vmlinux.none"
        return 0
    fi
    if off=$(LC_ALL=C grep -abo $'\xfd7zXZ\x00' "$z" | head -1 | cut -d: -f1) && [[ -n $off ]]; then
        tail -c +$((off + 1)) "$z" | xz -dc --single-stream >"$d/vmlinux.tmp" 2>/dev/null || true
    elif off=$(LC_ALL=C grep -abo $'\x28\xb5\x2f\xfd' "$z" | head -1 | cut -d: -f1) && [[ -n $off ]] &&
        command -v zstd >/dev/null; then
        tail -c +$((off + 1)) "$z" | zstd -qdc >"$d/vmlinux.tmp" 2>/dev/null || true
    fi
    if [[ -s $d/vmlinux.tmp && $(head -c 4 "$d/vmlinux.tmp" | od -An -tx1 | tr -d ' ') == 7f454c46 ]]; then
        mv "$d/vmlinux.tmp" "$d/vmlinux"
    else
        rm -f "$d/vmlinux.tmp"
        log "note: could not extract an ELF vmlinux from $z; booting the bzImage (slower)"
        : >"$d/vmlinux.none"
    fi
}

build_initramfs() { # kver
    local kver=$1 d="$CACHE/$1" work ex stage moddir m name params line f rel
    work=$(mktemp -d "$CACHE/.build.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$work'; trap - RETURN" RETURN
    ex="$work/pkg" stage="$work/root"
    local deb kimage kconfig
    while read -r deb; do
        log "unpacking $deb"
        dpkg-deb -x "$d/debs/$deb.deb" "$ex"
    done <"$d/debs.list"
    moddir="$ex/lib/modules/$kver"
    if [[ ! -d $moddir && -d $ex/usr/lib/modules/$kver ]]; then
        mkdir -p "$ex/lib/modules" && ln -s "../../usr/lib/modules/$kver" "$moddir"
    fi
    [[ -d $moddir ]] || die "package has no lib/modules/$kver (found: $(find "$ex" -maxdepth 4 -path "*/lib/modules/*" -prune -print 2>/dev/null | tr "\n" " "))"
    # Debian up to 13 installs boot/vmlinuz-KVER; unstable's split packages put it in the modules dir
    kimage=$ex/boot/vmlinuz-$kver kconfig=$ex/boot/config-$kver
    [[ -f $kimage ]] || kimage=$moddir/vmlinuz
    [[ -f $kconfig ]] || kconfig=$moddir/config
    [[ -f $kimage ]] || die "the packages have no boot/vmlinuz-$kver nor lib/modules/$kver/vmlinuz"
    depmod -b "$ex" "$kver"

    mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc/lab,proc,sys,dev,tmp,host,hostraw,labctl,lib/modules/"$kver"}
    cp /bin/busybox "$stage/bin/busybox"
    install -m 0755 "$INIT_TEMPLATE" "$stage/init"
    echo "$kver" >"$stage/etc/lab/kver"
    : >"$stage/etc/lab/modules.list"
    local -A seen=()
    for m in "${GUEST_MODULES[@]}"; do
        local optional=0 deps
        [[ $m == \?* ]] && { optional=1; m=${m#\?}; }
        name=${m%%:*} params=
        [[ $m == *:* ]] && params=${m#*:}
        if ! deps=$(modprobe -C /dev/null -d "$ex" -S "$kver" --show-depends "$name" 2>&1); then
            [[ $optional == 1 ]] && { log "note: $kver has no module $name (optional, skipped)"; continue; }
            die "modprobe --show-depends $name ($kver): $deps"
        fi
        while read -r line; do
            case $line in
                builtin\ *) continue ;;
                insmod\ *) ;;
                *) die "unexpected modprobe output for $name: $line" ;;
            esac
            f=${line#insmod }
            f=${f%% *}
            rel=${f#"$moddir"/}
            [[ $rel != "$f" ]] || rel=${f#*/lib/modules/"$kver"/}
            [[ -n ${seen[$rel]:-} ]] && continue
            seen[$rel]=1
            mkdir -p "$stage/lib/modules/$kver/$(dirname "$rel")"
            case $rel in
                *.ko.xz) xz -dc "$f" >"$stage/lib/modules/$kver/${rel%.xz}"; rel=${rel%.xz} ;;
                *.ko.zst) zstd -qdc "$f" >"$stage/lib/modules/$kver/${rel%.zst}"; rel=${rel%.zst} ;;
                *.ko.gz) gzip -dc "$f" >"$stage/lib/modules/$kver/${rel%.gz}"; rel=${rel%.gz} ;;
                *.ko) cp "$f" "$stage/lib/modules/$kver/$rel" ;;
                *) die "unexpected module file $f" ;;
            esac
            # params only on the module that was asked for by name
            local base=${rel##*/}
            base=${base%.ko}
            if [[ ${base//-/_} == "${name//-/_}" && -n $params ]]; then
                echo "$rel ${params//,/ }" >>"$stage/etc/lab/modules.list"
            else
                echo "$rel" >>"$stage/etc/lab/modules.list"
            fi
        done <<<"$deps"
    done
    for f in modules.builtin modules.builtin.modinfo modules.order; do
        [[ -f $moddir/$f ]] && cp "$moddir/$f" "$stage/lib/modules/$kver/"
    done
    depmod -b "$stage" "$kver"

    cp "$kimage" "$d/vmlinuz.tmp"
    extract_vmlinux "$kimage" "$kconfig" "$d"
    (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -6 >"$d/initramfs.tmp"
    cp "$stage/etc/lab/modules.list" "$d/modules.list"
    mv "$d/vmlinuz.tmp" "$d/vmlinuz"
    mv "$d/initramfs.tmp" "$d/initramfs.cpio.gz"
    initramfs_key "$kver" >"$d/initramfs.key"
    log "built $d/initramfs.cpio.gz ($(du -h "$d/initramfs.cpio.gz" | cut -f1), $(wc -l <"$d/modules.list") modules)"
}

setup_kernel() { # short
    local short=$1 pkg kver
    pkg=$(resolve_pkg "$short")
    kver=$(pkg_to_kver "$pkg")
    if ! kernel_ready "$kver"; then
        if ! fetch_kernel "$short" "$pkg" "$kver"; then
            # stale lists: the package may be gone from the archive; refresh and resolve again
            suite_update "$(kernel_suite "$short")" force
            pkg=$(resolve_pkg "$short")
            kver=$(pkg_to_kver "$pkg")
            kernel_ready "$kver" || fetch_kernel "$short" "$pkg" "$kver" || die "apt-get download $pkg failed"
        fi
        kernel_ready "$kver" || build_initramfs "$kver"
    fi
    echo "$kver" >"$CACHE/current-$short.tmp"
    mv "$CACHE/current-$short.tmp" "$CACHE/current-$short"
    log "kernel $short = $kver ready ($CACHE/$kver)"
}

with_lock() {
    mkdir -p "$CACHE"
    exec 9>"$CACHE/.lock"
    flock 9
}

cmd_setup() {
    local which=all
    while [[ $# -gt 0 ]]; do
        case $1 in
            --kernel) which=${2:?--kernel needs a value}; shift 2 ;;
            --kernel=*) which=${1#*=}; shift ;;
            -h | --help) usage; exit 0 ;;
            *) die "setup: unknown argument '$1'" ;;
        esac
    done
    local list=()
    case $which in
        all) list=("${KERNELS_ALL[@]}") ;;
        *) is_kernel_name "$which" || die "setup: --kernel must be one of ${KERNELS_ALL[*]} or all (got '$which')"
            list=("$which") ;;
    esac
    need_root
    ensure_prereqs
    # the guest lays the guest kernel's modules over /lib/modules so that kmod's modprobe/modinfo
    # from the shared host root work there; that needs the mount point to exist on the host
    [[ -d /lib/modules ]] || mkdir -p /lib/modules
    # the guest mounts a private tmpfs over the replica-state store's default directory (the host root is
    # read-only there), which needs the mount point to exist on the host
    [[ -d /var/lib/nvmenative ]] || install -d -m 0700 /var/lib/nvmenative
    with_lock
    local k
    for k in "${list[@]}"; do setup_kernel "$k"; done
    exec 9>&-
}

cmd_kernels() {
    local k pkg
    for k in "${KERNELS_ALL[@]}"; do
        pkg=$(resolve_pkg "$k")
        echo "$k $(pkg_to_kver "$pkg") $pkg"
    done
}

# quote for the guest's busybox ash (single quotes)
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# a path is hidden in the guest if it lies under one of the tmpfs overlays
hidden_in_guest() {
    local p=$1 d
    for d in /tmp /var/tmp /root /run /etc/nvme /etc/mdadm; do
        [[ $p == "$d" || $p == "$d"/* ]] && return 0
    done
    return 1
}

kernel_log_tail() { # ctl dir: the guest kernel's console (ttyS0) went to console.log
    [[ -s $1/console.log ]] || return 0
    {
        echo "===== lab.sh: guest kernel log (tail -40) ====="
        tail -40 "$1/console.log" | sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r//g'
        echo "===== lab.sh: end kernel log ====="
    } >&2
}

cmd_run() {
    # 4 GiB: the guest's /tmp is a tmpfs of half of it, and the md bitmap test keeps three 512 MiB members there; 5.10
    # also allocates the holes of a tmpfs file that a loop device or nvmet reads (3 GiB ran out of /tmp on 5.10).
    local short=$DEFAULT_KERNEL mem=4096 timeout=1200 out='' envs=() cmd=()
    while [[ $# -gt 0 ]]; do
        case $1 in
            --kernel) short=${2:?--kernel needs a value}; shift 2 ;;
            --kernel=*) short=${1#*=}; shift ;;
            --mem) mem=${2:?--mem needs a value}; shift 2 ;;
            --mem=*) mem=${1#*=}; shift ;;
            --timeout) timeout=${2:?--timeout needs a value}; shift 2 ;;
            --timeout=*) timeout=${1#*=}; shift ;;
            --out) out=${2:?--out needs a value}; shift 2 ;;
            --out=*) out=${1#*=}; shift ;;
            --env) envs+=("${2:?--env needs NAME=VALUE}"); shift 2 ;;
            --env=*) envs+=("${1#*=}"); shift ;;
            -h | --help) usage; exit 0 ;;
            --) shift; cmd=("$@"); break ;;
            -*) die "run: unknown option '$1' (put the command after --)" ;;
            *) cmd=("$@"); break ;;
        esac
    done
    [[ ${#cmd[@]} -gt 0 ]] || die "run: no command given (lab.sh run [opts] -- CMD [ARGS...])"
    is_kernel_name "$short" || die "run: --kernel must be one of ${KERNELS_ALL[*]} (got '$short')"
    [[ $mem =~ ^[0-9]+$ ]] || die "run: --mem must be a number of MB"
    [[ $timeout =~ ^[0-9]+$ ]] || die "run: --timeout must be a number of seconds"
    need_root

    # setup if needed (quietly; show the log only on failure)
    local kver=
    [[ -f $CACHE/current-$short ]] && kver=$(cat "$CACHE/current-$short")
    if [[ -z $kver ]] || ! kernel_ready "$kver" || ! command -v qemu-system-x86_64 >/dev/null; then
        local slog
        slog=$(mktemp)
        if ! (cmd_setup --kernel "$short") >"$slog" 2>&1; then
            cat "$slog" >&2
            rm -f "$slog"
            die "setup for kernel $short failed"
        fi
        rm -f "$slog"
        kver=$(cat "$CACHE/current-$short")
    fi
    local kdir="$CACHE/$kver" kimg
    # the uncompressed ELF boots via PVH and skips the guest-side xz decompression (5+ s under TCG)
    kimg=$kdir/vmlinux
    [[ -f $kimg ]] || kimg=$kdir/vmlinuz

    local ctl
    ctl=$(mktemp -d "${TMPDIR:-/tmp}/nvmenative-lab.XXXXXX")
    if [[ -n ${NVMENATIVE_LAB_KEEP:-} ]]; then
        echo "lab.sh: keeping run dir $ctl (console.log = guest kernel log)" >&2
    else
        # shellcheck disable=SC2064
        trap "rm -rf '$ctl'" EXIT
    fi

    local cwd binds=() p
    cwd=$(pwd -P)
    hidden_in_guest "$cwd" && binds+=("$cwd")
    # dotnet: make the host's resolved install visible even if it lives under a hidden dir
    local dotnet_dir=
    if p=$(command -v dotnet 2>/dev/null); then
        dotnet_dir=$(dirname "$(readlink -f "$p")")
        hidden_in_guest "$dotnet_dir" && binds+=("$dotnet_dir")
    fi
    [[ -d /root/.nuget ]] && binds+=(/root/.nuget)
    [[ -d /root/.dotnet/tools ]] && binds+=(/root/.dotnet/tools)

    if [[ -n $out ]]; then
        mkdir -p "$out" || die "cannot create --out dir $out"
        out=$(cd "$out" && pwd -P)
        [[ $out != / ]] || die "--out / is not allowed"
    fi

    local is_tty=0
    [[ -t 1 ]] && is_tty=1
    # per-run config for the guest init (busybox ash syntax)
    {
        echo "LAB_OUT=$(shq "$out")"
        echo "LAB_BINDS=$(shq "$(printf '%s\n' "${binds[@]+"${binds[@]}"}")")"
        if [[ $is_tty == 1 ]]; then echo "LAB_PIPE=0"; else echo "LAB_PIPE=1"; fi
        # cache=loose: the guest caches host files for the run (dotnet startup ~2x faster);
        # files the host changes during a run may be seen stale. NVMENATIVE_LAB_9P_CACHE=none disables.
        echo "LAB_ROOT_9P_OPTS=$(shq ",cache=${NVMENATIVE_LAB_9P_CACHE:-loose}")"
    } >"$ctl/config"

    # the script run by bash inside the chroot
    {
        echo "# generated by lab.sh"
        echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${dotnet_dir:+:$(printf %q "$dotnet_dir")}"
        echo "export HOME=/root USER=root LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8 TERM=$(if [[ $is_tty == 1 ]]; then echo linux; else echo dumb; fi)"
        echo "export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1"
        [[ -n $dotnet_dir && $dotnet_dir != /usr/bin ]] && echo "export DOTNET_ROOT=$(printf %q "$dotnet_dir")"
        echo "export NVMENATIVE_LAB=1 NVMENATIVE_LAB_KERNEL=$short NVMENATIVE_LAB_KERNEL_VERSION=$(printf %q "$kver")"
        [[ -n $out ]] && echo "export NVMENATIVE_LAB_OUT=$(printf %q "$out")"
        local e name
        for e in "${envs[@]+"${envs[@]}"}"; do
            name=${e%%=*}
            [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "--env: bad variable name in '$e'"
            if [[ $e == *=* ]]; then
                echo "export $name=$(printf %q "${e#*=}")"
            elif [[ -n ${!name+x} ]]; then
                echo "export $name=$(printf %q "${!name}")"
            fi
        done
        echo "cd $(printf %q "$cwd") || { echo \"lab.sh: cannot cd to $(printf %q "$cwd") in the guest\" >&2; exit 125; }"
        printf 'exec'
        printf ' %q' "${cmd[@]}"
        printf '\n'
    } >"$ctl/run.sh"

    # shellcheck disable=SC2054 # commas are QEMU option syntax
    local qemu=(qemu-system-x86_64 -nodefaults -no-user-config -nographic -no-reboot
        -machine pc -cpu "${NVMENATIVE_LAB_CPU:-max}" -smp 2 -m "$mem"
        -kernel "$kimg" -initrd "$kdir/initramfs.cpio.gz"
        -append "console=ttyS0 loglevel=${NVMENATIVE_LAB_LOGLEVEL:-4} panic=-1 loop.max_loop=16 mitigations=off tsc=reliable no_timer_check"
        -serial "file:$ctl/console.log"
        -chardev stdio,id=con,signal=on -serial chardev:con -monitor none
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
        -virtfs "local,path=${ctl//,/,,},mount_tag=labctl,security_model=none")
    [[ -n $out ]] && qemu+=(-virtfs "local,path=${out//,/,,},mount_tag=labout,security_model=none")

    local qrc=0 attempt
    for attempt in 1 2; do
        qrc=0
        timeout --foreground -k 10 "$timeout" "${qemu[@]}" </dev/null || qrc=$?
        # QEMU itself crashing before the guest kernel printed anything (seen: SIGSEGV at "Booting from ROM" while
        # another VM ran) says nothing about the code under test: boot once more, and say so. A crash after the
        # guest started is reported below, never retried.
        if ((qrc > 128 && qrc != 137)) && [[ ! -f $ctl/rc && ! -f $ctl/booted ]] && ((attempt == 1)); then
            echo "lab.sh: QEMU exited with status $qrc before the guest kernel started; booting again" >&2
            rm -f "$ctl/console.log"
            continue
        fi
        break
    done
    # the guest kernel's log travels with the results (a run that ended without them says why there)
    [[ -n $out && -f $ctl/console.log ]] && sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r//g' "$ctl/console.log" >"$out/console.log"
    if [[ $qrc == 124 || $qrc == 137 ]] && [[ ! -f $ctl/rc ]]; then
        kernel_log_tail "$ctl"
        echo "lab.sh: TIMEOUT: guest ($short, $kver) did not finish within ${timeout}s; QEMU killed" >&2
        exit 124
    fi
    if [[ -f $ctl/error ]]; then
        kernel_log_tail "$ctl"
        echo "lab.sh: guest setup failed: $(cat "$ctl/error")" >&2
        exit 125
    fi
    if [[ ! -f $ctl/rc ]]; then
        kernel_log_tail "$ctl"
        die "guest ($short, $kver) ended without reporting an exit status (QEMU exit $qrc; kernel panic or crash? kernel log above)"
    fi
    local rc
    rc=$(cat "$ctl/rc")
    [[ $rc =~ ^[0-9]+$ ]] || die "guest reported a bad exit status '$rc'"
    return "$rc"
}

main() {
    local sub=${1:-help}
    [[ $# -gt 0 ]] && shift
    case $sub in
        setup) cmd_setup "$@" ;;
        run) cmd_run "$@" ;;
        kernels) cmd_kernels "$@" ;;
        help | -h | --help) usage ;;
        *) usage >&2; die "unknown subcommand '$sub'" ;;
    esac
}

main "$@"
