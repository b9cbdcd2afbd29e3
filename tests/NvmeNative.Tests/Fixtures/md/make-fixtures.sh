#!/usr/bin/env bash
# Golden md v1.2 fixtures made by the real mdadm (4.2 in the lab). Run it INSIDE the lab, as root:
#
#   /work/main/tests/lab/lab.sh run --kernel 6.1 --out tests/NvmeNative.Tests/Fixtures/md \
#       -- bash tests/NvmeNative.Tests/Fixtures/md/make-fixtures.sh
#
# For each case it creates sparse loop members, runs
#   mdadm --create --run --level=1 --raid-devices=N --metadata=1.2 --bitmap=internal --assume-clean
#         --failfast --homehost=any --name=NAME --uuid=UUID members...
# with stop-before-add.so preloaded, which fails ADD_NEW_DISK so that mdadm gives up right after it has
# written the metadata: the kernel never runs the array and never rewrites what mdadm wrote. Then per member:
#   <case>/member<i>.bin          bytes [4096, 4096 + (bblog_offset + bblog_size) * 512) of the member:
#                                 superblock, bitmap superblock + bits, bad-block log area
#   <case>/member<i>.examine.txt  mdadm --examine
#   <case>/member<i>.bitmap.txt   mdadm --examine-bitmap
#   <case>/case.txt               what was asked: member sizes in bytes, name, uuid, raid devices
#   <case>/create.txt             mdadm's own output (ends with the injected ADD_NEW_DISK failure)
# and names.txt records what mdadm does with names around the 32-byte set_name limit.
set -euo pipefail

OUT=${1:-${NVMENATIVE_LAB_OUT:?pass an output directory or run with lab.sh --out}}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d /tmp/md-fixtures.XXXXXX)
LOOPS=()

cleanup() {
    local l
    for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

gcc -shared -fPIC -O2 -Wall -o "$WORK/stop-before-add.so" "$HERE/stop-before-add.c" -ldl
mdadm --version >"$OUT/mdadm-version.txt" 2>&1
uname -r >"$OUT/kernel-version.txt"

# new_loop SIZE -> prints /dev/loopN of a fresh sparse file
new_loop() {
    local img
    img=$(mktemp "$WORK/member.XXXXXX.img")
    truncate -s "$1" "$img"
    local dev
    dev=$(losetup --find --show "$img")
    LOOPS+=("$dev")
    echo "$dev"
}

le32_at() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
le16_at() { od -An -tu2 -j "$2" -N2 "$1" | tr -d ' '; }

# mdadm_create NAME UUID devices... (expected to fail at ADD_NEW_DISK)
mdadm_create() {
    local name=$1 uuid=$2; shift 2
    LD_PRELOAD="$WORK/stop-before-add.so" mdadm --create /dev/md/fixture --run --level=1 \
        --raid-devices=$# --metadata=1.2 --bitmap=internal --assume-clean --failfast --homehost=any \
        --name="$name" --uuid="$uuid" "$@" 2>&1 || true
}

# make_case CASE NAME UUID SIZE...
make_case() {
    local case=$1 name=$2 uuid=$3; shift 3
    local dir="$OUT/$case" devs=() size
    mkdir -p "$dir"
    for size in "$@"; do devs+=("$(new_loop "$size")"); done
    {
        echo "name=$name"
        echo "uuid=$uuid"
        echo "raid_devices=$#"
        local i=0
        for d in "${devs[@]}"; do echo "member$i.bytes=$(blockdev --getsize64 "$d")"; i=$((i + 1)); done
    } >"$dir/case.txt"
    mdadm_create "$name" "$uuid" "${devs[@]}" >"$dir/create.txt"
    local i=0 d
    for d in "${devs[@]}"; do
        mdadm --examine "$d" >"$dir/member$i.examine.txt" 2>&1 || true
        mdadm --examine-bitmap "$d" >"$dir/member$i.bitmap.txt" 2>&1 || true
        local bblog_size bblog_offset bytes
        bblog_size=$(le16_at "$d" $((4096 + 0xBA)))
        bblog_offset=$(le32_at "$d" $((4096 + 0xBC)))
        bytes=$(( (bblog_offset + bblog_size) * 512 ))
        [[ $bytes -gt 0 ]] || bytes=8192
        dd if="$d" of="$dir/member$i.bin" bs=512 skip=8 count=$((bytes / 512)) status=none
        i=$((i + 1))
    done
    for d in "${devs[@]}"; do losetup -d "$d"; done
    LOOPS=()
}

U=01234567:89abcdef:fedcba98:76543210
make_case raid1-32m    vol1 "$U" 32M 32M
make_case raid1-64m    vol1 "$U" 64M 64M
make_case raid1-100m   vol1 "$U" 100M 100M
make_case raid1-1g     vol1 "$U" 1G 1G
make_case raid1-10g    vol1 "$U" 10G 10G
make_case raid1-300g   vol1 "$U" 300G 300G
make_case raid1-9t     vol1 "$U" 9T 9T
make_case raid1-70t    vol1 "$U" 70T 70T
make_case raid1-3x64m  vol3 "$U" 64M 64M 64M
make_case raid1-64m-100m small-first "$U" 64M 100M
make_case raid1-100m-64m large-first "$U" 100M 64M
make_case raid1-1g-10g small-first "$U" 1G 10G
make_case raid1-10g-1g large-first "$U" 10G 1G
make_case raid1-odd    odd "$U" 49999872 50001408
make_case name-27      abcdefghijklmnopqrstuvwxyz1 "$U" 32M 32M
make_case name-28      abcdefghijklmnopqrstuvwxyz12 "$U" 32M 32M
make_case name-32      abcdefghijklmnopqrstuvwxyz123456 "$U" 32M 32M
make_case name-colon   with:colon "$U" 32M 32M
make_case uuid-2       vol2 00112233-4455-6677-8899-aabbccddeeff 32M 32M

# What mdadm accepts as --name (the create output says why a name is refused).
{
    for name in abcdefghijklmnopqrstuvwxyz1234567 'a/b' 'with:colon' ''; do
        a=$(new_loop 32M); b=$(new_loop 32M)
        echo "=== --name='$name'"
        mdadm_create "$name" "$U" "$a" "$b"
        mdadm --examine "$a" 2>&1 | grep -E 'Name :|No md superblock' || true
        losetup -d "$a" "$b"; LOOPS=()
    done
} >"$OUT/names.txt"

# For reference only (no test reads it): what the kernel does to those bytes once the array really runs,
# and the /run/mdadm/map line mdadm writes.
{
    a=$(new_loop 32M); b=$(new_loop 32M)
    mdadm --create /dev/md/fixture-run --run --level=1 --raid-devices=2 --metadata=1.2 --bitmap=internal \
        --assume-clean --failfast --homehost=any --name=fixture-run --uuid="$U" "$a" "$b" 2>&1
    echo "=== /run/mdadm/map"; cat /run/mdadm/map
    echo "=== mdadm --detail"; mdadm --detail /dev/md/fixture-run
    mdadm --stop /dev/md/fixture-run 2>&1
    echo "=== mdadm --examine after run + stop"; mdadm --examine "$a"
    echo "=== mdadm --examine-bitmap after run + stop"; mdadm --examine-bitmap "$a"
    losetup -d "$a" "$b"; LOOPS=()
} >"$OUT/kernel-run.txt" 2>&1
