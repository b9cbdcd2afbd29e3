#!/bin/bash
# Inside the lab guest: where an `nvmenative attach`/`detach` process spends its time beyond the library's own
# (the -vv root phase): wall time, CPU, page faults, per run; 2-replica volume on two file-backed nvmet subsystems.
set -u
BIN=${BIN:-/work/wt/integ/artifacts/nvmenative-aot/nvmenative}
out=$NVMENATIVE_LAB_OUT
cfg=/sys/kernel/config/nvmet
mkdir -p $cfg/ports/7
echo tcp > $cfg/ports/7/addr_trtype; echo ipv4 > $cfg/ports/7/addr_adrfam; echo 127.0.0.1 > $cfg/ports/7/addr_traddr; echo 4477 > $cfg/ports/7/addr_trsvcid
reps=""
for i in 1 2; do
  truncate -s 64M /dev/shm/prof$i.img
  nqn=nqn.2014-08.org.nvmenative:prof-$i
  mkdir $cfg/subsystems/$nqn
  echo 1 > $cfg/subsystems/$nqn/attr_allow_any_host
  mkdir $cfg/subsystems/$nqn/namespaces/1
  echo /dev/shm/prof$i.img > $cfg/subsystems/$nqn/namespaces/1/device_path
  echo 1 > $cfg/subsystems/$nqn/namespaces/1/buffered_io
  u=$(cat /proc/sys/kernel/random/uuid); echo $u > $cfg/subsystems/$nqn/namespaces/1/device_uuid
  echo 1 > $cfg/subsystems/$nqn/namespaces/1/enable
  ln -s $cfg/subsystems/$nqn $cfg/ports/7/subsystems/$nqn
  reps="$reps${reps:+,}{\"target_nqn\": \"$nqn\", \"vol_uuid\": \"$u\", \"portals\": [[\"127.0.0.1\", 4477, \"tcp\"]]}"
done
props="{\"vol_uuid\": \"$(cat /proc/sys/kernel/random/uuid)\", \"alias\": \"profvol\", \"replica_count\": 2, \"volume_replicas\": [$reps]}"
echo "$props" > $out/props.json
mkdir -p /tmp/state
for i in 1 2 3 4 5 6; do
  for verb in attach detach; do
    t0=$(date +%s%N)
    $BIN -vv $verb - --state-store file:/tmp/state < $out/props.json > $out/out-$verb-$i.json 2> $out/err-$verb-$i.txt
    rc=$?
    t1=$(date +%s%N)
    lib=$(sed -n "s/.*phase nvmenative.$verb ended (\([0-9]*\) ms).*/\1/p" $out/err-$verb-$i.txt)
    pf=$(awk '/page-faults/ {gsub(",","",$1); print $1}' $out/stat-$verb-$i.txt)
    usr=$(awk '/seconds user/ {print $1*1000}' $out/stat-$verb-$i.txt); sys=$(awk '/seconds sys/ {print $1*1000}' $out/stat-$verb-$i.txt)
    echo "$verb $i rc=$rc wall=$(( (t1-t0)/1000000 )) ms library=${lib:-?} ms user=${usr} ms sys=${sys} ms faults=$pf"
  done
done
for i in 1 2 3 4 5 6; do
  t0=$(date +%s%N); $BIN --help > /dev/null; t1=$(date +%s%N)
  echo "help $i wall=$(( (t1-t0)/1000000 )) ms faults=$(awk '/page-faults/ {gsub(",","",$1); print $1}' $out/stat-help-$i.txt)"
done
