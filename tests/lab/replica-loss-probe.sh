#!/usr/bin/env bash
# Measures, on the guest kernel, how long one 4 KiB O_DIRECT write to a native-multipath head waits when its only
# controller loses the target, for several controller option sets and two ways of losing it:
#   port    the subsystem unlinked from its nvmet port (the target closes the connection: the host sees it at once)
#   addr    the target's address taken off the interface (silent: only keep-alive or an I/O timeout notices)
# and whether the controller keeps reconnecting and comes back live once the target returns.
# Run in the lab:  tests/lab/lab.sh run --kernel 6.12 -- tests/lab/replica-loss-probe.sh
# Output: one line per case: "probe KERNEL MODE OPTIONS -> rc=N after MS ms; state STATE; back live after MS ms".
set -uo pipefail

CAP_S=${PROBE_CAP_S:-20}          # give up waiting for the write after this many seconds (then restore the target)
CFS=/sys/kernel/config/nvmet
NQN=nqn.2014-08.org.nvmexpress:probe-$$
UUID=5b0a1c2e-7a7e-4d2b-9a3e-0c1d2e3f4a5b
IMG=/tmp/probe-$$.img
K=$(uname -r)
ip link set lo up

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

setup_target() {
    truncate -s 16M "$IMG"
    mkdir "$CFS/subsystems/$NQN"
    echo 1 > "$CFS/subsystems/$NQN/attr_allow_any_host"
    mkdir "$CFS/subsystems/$NQN/namespaces/1"
    echo 1 > "$CFS/subsystems/$NQN/namespaces/1/buffered_io"
    echo -n "$IMG" > "$CFS/subsystems/$NQN/namespaces/1/device_path"
    echo -n "$UUID" > "$CFS/subsystems/$NQN/namespaces/1/device_uuid"
    echo 1 > "$CFS/subsystems/$NQN/namespaces/1/enable"
}

# make_port ID ADDR: a tcp port on ADDR:4420+ID
make_port() {
    mkdir "$CFS/ports/$1"
    echo tcp > "$CFS/ports/$1/addr_trtype"; echo ipv4 > "$CFS/ports/$1/addr_adrfam"
    echo "$2" > "$CFS/ports/$1/addr_traddr"; echo $((4420 + $1)) > "$CFS/ports/$1/addr_trsvcid"
}
link() { ln -s "$CFS/subsystems/$NQN" "$CFS/ports/$1/subsystems/$NQN"; }
unlink_port() { rm "$CFS/ports/$1/subsystems/$NQN"; }

head_disk() {
    local d
    for d in /sys/block/nvme*; do
        [[ $(basename "$d") =~ ^nvme[0-9]+n[0-9]+$ ]] || continue
        [[ $(cat "$d/uuid" 2>/dev/null) == "$UUID" ]] && { basename "$d"; return 0; }
    done
    return 1
}

wait_for() { # wait_for SECONDS CMD...: poll CMD every 50 ms
    local end=$(( $(now_ms) + $1 * 1000 )); shift
    until "$@"; do (( $(now_ms) > end )) && return 1; sleep 0.05; done
}

# probe MODE PORTID ADDR OPTIONS
probe() {
    local mode=$1 id=$2 addr=$3 opts=$4 ctrl line disk state res start back
    [[ $mode == addr ]] && ip addr add "$addr/32" dev lo
    make_port "$id" "$addr"; link "$id"
    exec 3<>/dev/nvme-fabrics
    if ! printf '%s' "nqn=$NQN,transport=tcp,traddr=$addr,trsvcid=$((4420 + id)),nr_io_queues=1,$opts" >&3; then
        echo "probe $K $mode $opts -> connect failed"; exec 3>&-; return
    fi
    read -r line <&3; exec 3>&-
    ctrl=nvme$(sed 's/instance=\([0-9]*\).*/\1/' <<<"$line")
    wait_for 20 head_disk >/dev/null || { echo "probe $K $mode $opts -> no namespace"; return; }
    disk=$(head_disk)
    dd if=/dev/zero of="/dev/$disk" bs=4096 count=1 oflag=direct status=none   # a healthy write first

    case $mode in
        port) unlink_port "$id" ;;
        addr) ip addr del "$addr/32" dev lo ;;
    esac
    res=/tmp/probe-res-$$; rm -f "$res"
    start=$(now_ms)
    ( dd if=/dev/zero of="/dev/$disk" bs=4096 count=1 seek=1 oflag=direct status=none 2>/dev/null; echo "$? $(now_ms)" > "$res" ) &
    wait_for "$CAP_S" test -s "$res"
    state=$(cat "/sys/class/nvme/$ctrl/state" 2>/dev/null || echo gone)
    if [[ -s $res ]]; then
        read -r rc end < "$res"; outcome="rc=$rc after $(( end - start )) ms"
    else
        outcome="still blocked after ${CAP_S}000 ms"
    fi
    # The target comes back: the controller must still be reconnecting and go live again.
    start=$(now_ms)
    case $mode in
        port) link "$id" ;;
        addr) ip addr add "$addr/32" dev lo ;;
    esac
    if wait_for 40 grep -qx live "/sys/class/nvme/$ctrl/state"; then back="back live after $(( $(now_ms) - start )) ms"; else back="NOT live after 40 s ($(cat /sys/class/nvme/$ctrl/state 2>/dev/null))"; fi
    wait                                                                      # the blocked write, if any
    [[ -s $res ]] && [[ $outcome == still* ]] && outcome="$outcome (then rc=$(cut -d' ' -f1 "$res"))"
    echo "probe $K $mode $opts -> $outcome; state then $state; $back"
    echo 1 > "/sys/class/nvme/$ctrl/delete_controller"
    unlink_port "$id" 2>/dev/null; rmdir "$CFS/ports/$id"
    [[ $mode == addr ]] && ip addr del "$addr/32" dev lo
}

setup_target
echo "probe $K supported: $(head -c 4096 /dev/nvme-fabrics)"
n=1
for opts in "ctrl_loss_tmo=-1" \
            "ctrl_loss_tmo=-1,reconnect_delay=1,fast_io_fail_tmo=0" \
            "ctrl_loss_tmo=-1,reconnect_delay=1,fast_io_fail_tmo=1" \
            "ctrl_loss_tmo=-1,reconnect_delay=2,fast_io_fail_tmo=2"; do
    probe port $n 127.0.0.1 "$opts"; n=$((n + 1))
done
for opts in "ctrl_loss_tmo=-1,reconnect_delay=1,fast_io_fail_tmo=0" \
            "ctrl_loss_tmo=-1,reconnect_delay=1,fast_io_fail_tmo=0,keep_alive_tmo=2" \
            "ctrl_loss_tmo=-1,reconnect_delay=1,fast_io_fail_tmo=0,keep_alive_tmo=1"; do
    probe addr $n "10.213.0.$n" "$opts"; n=$((n + 1))
done
echo 0 > "$CFS/subsystems/$NQN/namespaces/1/enable"
rmdir "$CFS/subsystems/$NQN/namespaces/1" "$CFS/subsystems/$NQN"
rm -f "$IMG"
