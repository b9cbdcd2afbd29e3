#!/usr/bin/env bash
# Lab self-test: run INSIDE the guest, e.g.
#   tests/lab/lab.sh run --kernel 6.12 --out /tmp/labout -- tests/lab/selftest.sh
# Checks md/raid1, nvmet configfs, an NVMe/TCP loopback target + raw /dev/nvme-fabrics connect,
# nvme-cli's view, mdadm RAID1 over loop devices, dotnet, and the --out dir. Exit 0 = all passed.
set -euo pipefail
pass=0 fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

[[ ${NVMENATIVE_LAB:-} == 1 ]] || { echo "not in the lab guest (NVMENATIVE_LAB unset)"; exit 2; }
echo "kernel: $(uname -r) (lab kernel ${NVMENATIVE_LAB_KERNEL:-?}), cwd: $(pwd)"

grep -q raid1 /proc/mdstat && ok "/proc/mdstat lists raid1" || bad "/proc/mdstat: $(cat /proc/mdstat)"
check "/sys/kernel/config/nvmet exists" test -d /sys/kernel/config/nvmet
check "/dev/nvme-fabrics exists" test -c /dev/nvme-fabrics
check "/dev/loop-control exists" test -c /dev/loop-control
check "/dev/loop0 exists" test -b /dev/loop0
check "kmod modprobe sees the guest kernel's modules" modprobe -n -q nvme-tcp
echo "hostnqn: $(cat /etc/nvme/hostnqn 2>/dev/null || echo '<none>')  hostid: $(cat /etc/nvme/hostid 2>/dev/null || echo '<none>')"

# ---- nvmet TCP loopback target, file-backed namespace on tmpfs ----
NQN=nqn.2014-08.org.nvmexpress:nvmenative-lab-selftest
S=/sys/kernel/config/nvmet
truncate -s 64M /tmp/ns1.img
mkdir "$S/subsystems/$NQN"
echo 1 >"$S/subsystems/$NQN/attr_allow_any_host"
mkdir "$S/subsystems/$NQN/namespaces/1"
printf /tmp/ns1.img >"$S/subsystems/$NQN/namespaces/1/device_path"
echo 1 >"$S/subsystems/$NQN/namespaces/1/buffered_io"
echo 1 >"$S/subsystems/$NQN/namespaces/1/enable"
mkdir "$S/ports/1"
echo tcp >"$S/ports/1/addr_trtype"
echo ipv4 >"$S/ports/1/addr_adrfam"
echo 127.0.0.1 >"$S/ports/1/addr_traddr"
echo 4420 >"$S/ports/1/addr_trsvcid"
ln -s "$S/subsystems/$NQN" "$S/ports/1/subsystems/$NQN"
ok "nvmet target created"

opts="transport=tcp,traddr=127.0.0.1,trsvcid=4420,nqn=$NQN"
[[ -f /etc/nvme/hostnqn ]] && opts+=",hostnqn=$(cat /etc/nvme/hostnqn)"
[[ -f /etc/nvme/hostid ]] && opts+=",hostid=$(cat /etc/nvme/hostid)"
exec 3<>/dev/nvme-fabrics
printf '%s' "$opts" >&3
read -r l <&3 || true
exec 3>&-
echo "connect reply: $l"
[[ $l == instance=*,cntlid=* ]] && ok "raw /dev/nvme-fabrics connect" || bad "raw connect reply '$l'"
inst=${l#instance=}; inst=${inst%%,*}
for _ in $(seq 100); do [[ -b /dev/nvme${inst}n1 ]] && break; sleep 0.1; done
check "namespace block device /dev/nvme${inst}n1" test -b "/dev/nvme${inst}n1"
echo "address: $(cat /sys/class/nvme/nvme"$inst"/address) state: $(cat /sys/class/nvme/nvme"$inst"/state)"
nvme list-subsys 2>&1 | tee /tmp/ls.txt
grep -q "$NQN" /tmp/ls.txt && ok "nvme list-subsys shows the subsystem" || bad "nvme list-subsys"
echo 1 >/sys/class/nvme/nvme"$inst"/delete_controller && ok "delete_controller" || bad "delete_controller"
rm "$S/ports/1/subsystems/$NQN"; rmdir "$S/ports/1"
echo 0 >"$S/subsystems/$NQN/namespaces/1/enable"; rmdir "$S/subsystems/$NQN/namespaces/1" "$S/subsystems/$NQN"
ok "nvmet target removed"

# ---- mdadm RAID1 over two loop devices ----
truncate -s 64M /tmp/leg0.img /tmp/leg1.img
L0=$(losetup -f --show /tmp/leg0.img)
L1=$(losetup -f --show /tmp/leg1.img)
echo "loop devices: $L0 $L1"
if mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 "$L0" "$L1"; then
    ok "mdadm --create raid1"
    mdadm --detail /dev/md0 | tee /tmp/md.txt
    grep -q 'Raid Level : raid1' /tmp/md.txt && ok "mdadm --detail" || bad "mdadm --detail"
    cat /proc/mdstat
    mdadm --stop /dev/md0 && ok "mdadm --stop" || bad "mdadm --stop"
else
    bad "mdadm --create raid1"
fi
losetup -d "$L0" "$L1"

# ---- dotnet ----
if command -v dotnet >/dev/null; then
    t0=$(date +%s%N)
    dotnet --info >/tmp/dotnet-info.txt 2>&1 && ok "dotnet --info ($(( ($(date +%s%N) - t0) / 1000000 )) ms)" ||
        { cat /tmp/dotnet-info.txt; bad "dotnet --info"; }
    head -12 /tmp/dotnet-info.txt
else
    bad "dotnet not on PATH"
fi

# ---- --out dir ----
if [[ -n ${NVMENATIVE_LAB_OUT:-} ]]; then
    echo "written in guest on $(uname -r)" >"$NVMENATIVE_LAB_OUT/selftest-$NVMENATIVE_LAB_KERNEL.txt" && ok "wrote to --out dir" ||
        bad "write to --out dir"
fi

echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
