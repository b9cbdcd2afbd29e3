#!/bin/busybox sh
# /init of the NvmeNative lab initramfs (busybox ash, runs as PID 1 in the QEMU guest).
# Built into the initramfs by tests/lab/lab.sh; per-run settings come from the host through the
# writable 9p export "labctl" (files: config, run.sh; the guest writes rc / error back there).
#
# Layout once running:
#   /host                 host root, 9p, read-only (chroot target)
#   /hostraw              a second view of /host without the tmpfs overlays (source for binds)
#   /labctl               per-run control dir (host side: a mktemp dir), also bound at
#                         /host/run/nvmenative-lab inside the chroot
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp /host /hostraw /labctl
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Kernel console (printk) is ttyS0 -> a log file on the host; CMD output goes to ttyS1 -> host
# stdout. Raw mode: no \n -> \r\n translation, so host output has plain line ends.
OUT_TTY=/dev/ttyS1
[ -c "$OUT_TTY" ] || OUT_TTY=/dev/console
stty -onlcr -echo <"$OUT_TTY" >"$OUT_TTY" 2>&1
exec </dev/null >"$OUT_TTY" 2>&1

CTL_OK=0
lab_die() {
    echo "lab-guest: ERROR: $*"
    echo "===== lab-guest: dmesg (tail -50) ====="
    dmesg | tail -50
    echo "===== lab-guest: end dmesg ====="
    if [ "$CTL_OK" = 1 ]; then
        echo "$*" >/labctl/error
        sync
    fi
    poweroff -f
    sleep 5
    echo o >/proc/sysrq-trigger
}

# ---- modules (dependency order precomputed on the host by modprobe --show-depends) ----
# modules.list lines: <path relative to /lib/modules/KVER> [params...]
KVER=$(cat /etc/lab/kver)
while read -r rel params; do
    [ -n "$rel" ] || continue
    name=${rel##*/}; name=${name%.ko}; name=$(echo "$name" | tr - _)
    [ -d "/sys/module/$name" ] && [ -e "/sys/module/$name/initstate" ] && continue
    # shellcheck disable=SC2086
    insmod "/lib/modules/$KVER/$rel" $params || lab_die "insmod $rel failed"
done </etc/lab/modules.list

ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up || lab_die "cannot bring up lo"
hostname nvmenative-lab

# ---- control channel ----
mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 labctl /labctl || lab_die "cannot mount 9p labctl"
CTL_OK=1
[ -f /labctl/config ] || lab_die "no /labctl/config"
: >/labctl/booted # tells the host the guest kernel ran this far (lab.sh boots again only when it did not)
# shellcheck disable=SC1091
. /labctl/config

# ---- host root ----
mount -t 9p -o "trans=virtio,version=9p2000.L,ro,msize=524288${LAB_ROOT_9P_OPTS}" hostroot /host ||
    lab_die "cannot mount 9p hostroot"
mount --bind /host /hostraw || lab_die "cannot bind /host to /hostraw"

# host identity for NVMe (read before /etc/nvme gets a tmpfs over it)
mkdir -p /tmp/etc-nvme
for f in hostnqn hostid; do
    [ -f "/host/etc/nvme/$f" ] && cp "/host/etc/nvme/$f" "/tmp/etc-nvme/$f"
done

mount -t proc proc /host/proc || lab_die "mount proc in chroot"
mount -t sysfs sysfs /host/sys || lab_die "mount sysfs in chroot"
mount -t configfs configfs /host/sys/kernel/config || lab_die "mount configfs"
mount -t devtmpfs devtmpfs /host/dev || lab_die "mount devtmpfs in chroot"
mkdir -p /host/dev/pts /host/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /host/dev/pts || true
mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm || true
[ -e /host/dev/fd ] || ln -s /proc/self/fd /host/dev/fd
[ -e /host/dev/stdin ] || ln -s /proc/self/fd/0 /host/dev/stdin
[ -e /host/dev/stdout ] || ln -s /proc/self/fd/1 /host/dev/stdout
[ -e /host/dev/stderr ] || ln -s /proc/self/fd/2 /host/dev/stderr

for d in /tmp /var/tmp; do
    [ -d "/host$d" ] && { mount -t tmpfs -o mode=1777 tmpfs "/host$d" || lab_die "tmpfs $d"; }
done
for d in /root /run /etc/nvme /etc/mdadm; do
    if [ -d "/host$d" ]; then
        mount -t tmpfs -o mode=0755 tmpfs "/host$d" || lab_die "tmpfs $d"
    else
        echo "lab-guest: warning: host has no $d; left as is (read-only)"
    fi
done
chmod 0700 /host/root 2>/dev/null
# NvmeNative's replica-state records (root-only, as the library requires); lab.sh setup made the mount point
if [ -d /host/var/lib/nvmenative ]; then
    mount -t tmpfs -o mode=0700 tmpfs /host/var/lib/nvmenative || lab_die "tmpfs /var/lib/nvmenative"
else
    echo "lab-guest: warning: host has no /var/lib/nvmenative; replica-state records cannot be written"
fi
mkdir -p /host/run/lock /host/run/mdadm
for f in hostnqn hostid; do
    [ -f "/tmp/etc-nvme/$f" ] && [ -d /host/etc/nvme ] && cp "/tmp/etc-nvme/$f" "/host/etc/nvme/$f"
done

# Modules dir of the guest kernel (for kmod modprobe/modinfo run from the host root).
if [ -d /host/lib/modules ]; then
    mount -t tmpfs -o mode=0755 tmpfs /host/lib/modules && mkdir -p "/host/lib/modules/$KVER" &&
        mount --bind "/lib/modules/$KVER" "/host/lib/modules/$KVER" ||
        echo "lab-guest: warning: could not expose /lib/modules/$KVER in the chroot"
fi

# Read-only binds of host paths that the tmpfs overlays hid (cwd, dotnet, ~/.nuget ...).
# LAB_BINDS: newline-separated absolute paths.
if [ -n "$LAB_BINDS" ]; then
    echo "$LAB_BINDS" | while read -r p; do
        [ -n "$p" ] || continue
        if [ -d "/hostraw$p" ]; then
            mkdir -p "/host$p" && mount --bind "/hostraw$p" "/host$p" ||
                echo "lab-guest: warning: could not bind $p"
        fi
    done
fi

# Writable export of the host's --out dir at the same absolute path.
if [ -n "$LAB_OUT" ]; then
    mkdir -p "/host$LAB_OUT" 2>/dev/null
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 labout "/host$LAB_OUT" ||
        lab_die "cannot mount --out dir at $LAB_OUT"
fi

mkdir -p /host/run/nvmenative-lab
mount --bind /labctl /host/run/nvmenative-lab || lab_die "cannot bind labctl into chroot"

# ---- run the command ----
rm -f /labctl/rc
if [ "$LAB_PIPE" = 1 ]; then
    # host stdout is not a terminal: give CMD a pipe too (no colours / cursor games in logs).
    # A FIFO + background cat, so that daemons CMD leaves behind holding stdout cannot hang us.
    mkfifo /tmp/cmd-out
    cat /tmp/cmd-out &
    catpid=$!
    chroot /host /usr/bin/env -i /bin/bash /run/nvmenative-lab/run.sh </dev/null >/tmp/cmd-out 2>&1
    rc=$?
    ( sleep 2; kill "$catpid" 2>/dev/null ) &
    wait "$catpid" 2>/dev/null
else
    chroot /host /usr/bin/env -i /bin/bash /run/nvmenative-lab/run.sh </dev/null
    rc=$?
fi
if [ "$rc" != 0 ]; then
    echo "===== lab-guest: command exited $rc; dmesg (tail -50) ====="
    dmesg | tail -50
    echo "===== lab-guest: end dmesg ====="
fi
[ -n "$LAB_OUT" ] && sync
echo "$rc" >/labctl/rc
sync
poweroff -f
