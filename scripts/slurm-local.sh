#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for trying and testing `--slurm` runs without a real cluster:
#   scripts/slurm-local.sh up       install slurm-wlm and munge if missing, start munged, slurmctld and slurmd,
#                                   and wait until the node is idle
#   scripts/slurm-local.sh down     cancel every job, then stop the daemons (a clean `scontrol shutdown` would
#                                   leave running jobs alive)
#   scripts/slurm-local.sh status   sinfo and squeue
# No systemd is assumed: the daemons are started by hand and stopped by their pid files. Needs root or sudo.
set -euo pipefail
action="${1:-up}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
run() { "${sudo_cmd[@]}" "$@"; }

conf=/etc/slurm/slurm.conf
state=/var/lib/scidl-slurm
node="$(hostname -s)"
cpus="$(nproc)"
# Memory Slurm may hand out (90 % of RAM), so jobs that ask for --mem are not refused.
memory_mb="$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)"

install() {
    local missing=()
    command -v slurmctld >/dev/null 2>&1 || missing+=(slurm-wlm)
    command -v munged >/dev/null 2>&1 || missing+=(munge)
    if ((${#missing[@]})); then
        echo "slurm-local: installing ${missing[*]} (apt-get)" >&2
        export DEBIAN_FRONTEND=noninteractive
        run apt-get update -qq
        run apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

start_munge() {
    if [[ -f /run/munge/munged.pid ]] && kill -0 "$(cat /run/munge/munged.pid)" 2>/dev/null; then return; fi
    run mkdir -p /run/munge /etc/munge /var/lib/munge /var/log/munge
    if [[ ! -s /etc/munge/munge.key ]]; then
        run dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    run chown -R munge:munge /run/munge /etc/munge /var/lib/munge /var/log/munge
    run chmod 0700 /etc/munge /var/lib/munge /var/log/munge
    run chmod 0755 /run/munge
    run chmod 0400 /etc/munge/munge.key
    run runuser -u munge -- /usr/sbin/munged
}

write_conf() {
    run mkdir -p /etc/slurm "$state/ctld" "$state/d"
    run tee "$conf" >/dev/null <<CONF
# Written by scripts/slurm-local.sh: one node, no accounting, no cgroups.
ClusterName=scidl
SlurmctldHost=$node
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MailProg=/bin/true
ReturnToService=2
SlurmdTimeout=30
NodeName=$node CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
}

stop_pid() {
    local file="$1"
    if [[ -f "$file" ]]; then
        local pid
        pid="$(cat "$file")"
        if kill -0 "$pid" 2>/dev/null; then
            run kill "$pid" || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
        run rm -f "$file"
    fi
}

case "$action" in
up)
    install
    start_munge
    write_conf
    if ! { [[ -f /run/slurmctld.pid ]] && kill -0 "$(cat /run/slurmctld.pid)" 2>/dev/null; }; then
        run slurmctld -c
    fi
    if ! { [[ -f /run/slurmd.pid ]] && kill -0 "$(cat /run/slurmd.pid)" 2>/dev/null; }; then
        run slurmd
    fi
    for _ in $(seq 300); do
        if [[ "$(sinfo -h -n "$node" -o %T 2>/dev/null)" == "idle" ]]; then
            echo "slurm-local: node $node idle ($cpus CPUs, partition debug)" >&2
            exit 0
        fi
        sleep 0.1
    done
    echo "slurm-local: the node did not come up; see $state/slurmctld.log and $state/slurmd.log" >&2
    exit 1
    ;;
down)
    if command -v squeue >/dev/null 2>&1; then
        squeue -h -o %i 2>/dev/null | xargs -r "${sudo_cmd[@]}" scancel 2>/dev/null || true
        for _ in $(seq 50); do [[ -z "$(squeue -h 2>/dev/null)" ]] && break; sleep 0.1; done
    fi
    stop_pid /run/slurmd.pid
    stop_pid /run/slurmctld.pid
    stop_pid /run/munge/munged.pid
    echo "slurm-local: stopped" >&2
    ;;
status)
    sinfo
    squeue
    ;;
*)
    echo "usage: scripts/slurm-local.sh up|down|status" >&2
    exit 2
    ;;
esac
