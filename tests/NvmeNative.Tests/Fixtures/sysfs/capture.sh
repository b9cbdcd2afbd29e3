#!/usr/bin/env bash
# Captures the NVMe part of sysfs after real connects, as fixtures for the Topology unit tests.
# Run as root inside the lab (see README.md next to this file):
#   /work/main/tests/lab/lab.sh run --kernel 6.1 --out "$PWD/tests/NvmeNative.Tests/Fixtures/sysfs" -- \
#       tests/NvmeNative.Tests/Fixtures/sysfs/capture.sh "$PWD/tests/NvmeNative.Tests/Fixtures/sysfs"
# Writes <out>/<kernel>-one-portal and <out>/<kernel>-two-portals, each holding sys/ (attributes as files,
# symlinks as they are), oracle-list-subsys.json (nvme-cli's view of the same moment) and KERNEL.
set -euo pipefail

OUT=${1:?usage: capture.sh OUTDIR}
KSHORT=${NVMENATIVE_LAB_KERNEL:-$(uname -r | cut -d. -f1,2)}
CFG=/sys/kernel/config/nvmet
BACKING=/tmp/nvmenative-capture
# Fixed identities, so the captured trees are the same from run to run (the goldens in the tests use them).
HOSTID=6a0a1a3b-5f0e-4c1d-9e2f-00000000c0de
HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:$HOSTID
NQN_A=nqn.2014-08.io.nvmenative:fixture-a
NQN_B=nqn.2014-08.io.nvmenative:fixture-b
# A: two namespaces with uuid and nguid. B: nsid 1 again (same nsid, other target) with a uuid and no
# nguid, and nsid 2 with an nguid and an all-zero uuid (the kernel then shows the nguid in "uuid").
A1_UUID=0a1b2c3d-0000-4000-8000-0000000000a1 A1_NGUID=a1a1a1a1-0000-4000-8000-0000000000a1
A2_UUID=0a1b2c3d-0000-4000-8000-0000000000a2 A2_NGUID=a2a2a2a2-0000-4000-8000-0000000000a2
B1_UUID=0b1b2c3d-0000-4000-8000-0000000000b1
B2_NGUID=b2b2b2b2-0000-4000-8000-0000000000b2

mkdir -p /etc/nvme "$BACKING"
printf '%s\n' "$HOSTNQN" >/etc/nvme/hostnqn
printf '%s\n' "$HOSTID" >/etc/nvme/hostid
ip link set lo up

add_namespace() { # nqn nsid uuid nguid
    local ns=$CFG/subsystems/$1/namespaces/$2 file=$BACKING/${1##*:}-$2.img
    truncate -s 16M "$file"
    mkdir "$ns"
    printf '%s' "$file" >"$ns/device_path"
    printf 1 >"$ns/buffered_io" # tmpfs has no O_DIRECT
    printf '%s' "$3" >"$ns/device_uuid"
    [[ -z $4 ]] || printf '%s' "$4" >"$ns/device_nguid"
    printf 1 >"$ns/enable"
}

add_subsystem() { # nqn
    mkdir "$CFG/subsystems/$1"
    printf 1 >"$CFG/subsystems/$1/attr_allow_any_host"
}

add_port() { # id traddr
    mkdir "$CFG/ports/$1"
    printf tcp >"$CFG/ports/$1/addr_trtype"
    printf ipv4 >"$CFG/ports/$1/addr_adrfam"
    printf '%s' "$2" >"$CFG/ports/$1/addr_traddr"
    printf 4420 >"$CFG/ports/$1/addr_trsvcid"
}

export_on() { ln -s "$CFG/subsystems/$1" "$CFG/ports/$2/subsystems/$1"; } # nqn port

connect() { # nqn traddr: one write of the option string, as the library does
    local reply
    exec 3<>/dev/nvme-fabrics
    printf 'transport=tcp,traddr=%s,trsvcid=4420,nqn=%s,hostnqn=%s,hostid=%s,nr_io_queues=1' \
        "$2" "$1" "$HOSTNQN" "$HOSTID" >&3
    read -r reply <&3
    exec 3>&-
    echo "connect $1 @ $2: $reply" >&2
}

# The namespace scan runs after the connect returns; wait (bounded) until every expected head and path
# disk exists. A fixture script may poll; the library waits on uevents instead.
wait_for_disks() { # heads paths
    local i heads paths
    for ((i = 0; i < 100; i++)); do
        heads=$(find /sys/block -name 'nvme*' | grep -cv 'c[0-9]*n' || true)
        paths=$(find /sys/block -name 'nvme*c*n*' | wc -l)
        ((heads >= $1 && paths >= $2)) && return 0
        sleep 0.1
    done
    echo "capture.sh: expected $1 heads and $2 paths, have: $(ls /sys/block)" >&2
    return 1
}

# Copies one device directory: attributes as regular files, symlinks verbatim. Statistics, power, queue
# (except logical_block_size) and other subtrees the model never reads are left out to keep fixtures small.
# cp reads each attribute to EOF (sysfs reports every size as 4096); write-only attributes fail to open
# and are left out.
copy_device() { # sysfs-dir dest-root
    find "$1" -mindepth 1 -maxdepth 3 \
        \( -name power -o -name mq -o -name trace -o -name integrity -o -name holders -o -name slaves \
        -o -name 'hwmon*' -o -name 'ng[0-9]*' -o -name bdi -o -name stat -o -name inflight -o -name 'events*' \) -prune \
        -o \( -path '*/queue/*' ! -name logical_block_size \) -prune \
        -o \( -type f -o -type l \) -print0 |
        xargs -0 cp -P --parents -t "$2" 2>/dev/null || true
}

capture() { # name
    local dest=$OUT/$KSHORT-$1 l target
    rm -rf "$dest"
    mkdir -p "$dest/sys/class/nvme" "$dest/sys/class/nvme-subsystem" "$dest/sys/block" \
        "$dest/sys/module/nvme_core/parameters"
    for l in /sys/class/nvme/* /sys/class/nvme-subsystem/* /sys/block/nvme*; do
        ln -s "$(readlink "$l")" "$dest${l}"
    done
    for l in /sys/class/nvme/* /sys/class/nvme-subsystem/*; do
        copy_device "$(readlink -f "$l")" "$dest"
    done
    cat /sys/module/nvme_core/parameters/multipath >"$dest/sys/module/nvme_core/parameters/multipath"
    uname -r >"$dest/KERNEL"
    nvme list-subsys -o json >"$dest/oracle-list-subsys.json"
    echo "captured $dest" >&2
}

disconnect_all() {
    local c
    for c in /sys/class/nvme/nvme*; do printf 1 >"$c/delete_controller"; done
}

teardown_target() {
    local p s n
    for p in "$CFG"/ports/*; do
        [[ -d $p ]] || continue
        for s in "$p"/subsystems/*; do [[ -L $s ]] && rm "$s"; done
        rmdir "$p"
    done
    for s in "$CFG"/subsystems/*; do
        [[ -d $s ]] || continue
        for n in "$s"/namespaces/*; do
            [[ -d $n ]] || continue
            printf 0 >"$n/enable"
            rmdir "$n"
        done
        rmdir "$s"
    done
}
trap 'disconnect_all 2>/dev/null || true; teardown_target 2>/dev/null || true' EXIT

add_subsystem "$NQN_A"
add_namespace "$NQN_A" 1 "$A1_UUID" "$A1_NGUID"
add_namespace "$NQN_A" 2 "$A2_UUID" "$A2_NGUID"
add_subsystem "$NQN_B"
add_namespace "$NQN_B" 1 "$B1_UUID" ""
add_namespace "$NQN_B" 2 00000000-0000-0000-0000-000000000000 "$B2_NGUID"
add_port 1 127.0.0.1
add_port 2 127.0.0.2
export_on "$NQN_A" 1
export_on "$NQN_A" 2
export_on "$NQN_B" 1

# one portal: A through 127.0.0.1 only
connect "$NQN_A" 127.0.0.1
wait_for_disks 2 2
capture one-portal
disconnect_all

# two portals: A through 127.0.0.1 and 127.0.0.2 (two controllers, one head per namespace), B through 127.0.0.1
connect "$NQN_A" 127.0.0.1
connect "$NQN_A" 127.0.0.2
connect "$NQN_B" 127.0.0.1
wait_for_disks 4 6
capture two-portals
