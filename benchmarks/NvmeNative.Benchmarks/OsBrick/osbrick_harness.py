#!/usr/bin/python3
"""os-brick itself, driven by the benchmarks: Debian's python3-os-brick in one long-lived process.

Reads one JSON command per line on stdin and answers each with one JSON line on stdout, carrying the time the
os-brick call took in this process (time.perf_counter around the call alone: the interpreter's start, the imports
and the JSON exchange are outside it). Commands:

  {"op": "connect", "props": {...}}                        NVMeOFConnector.connect_volume(props)
  {"op": "disconnect", "props": {...}, "device_info": {...}}   NVMeOFConnector.disconnect_volume(props, device_info)
  {"op": "lookup", "props": {...}, "repeat": N}            os-brick's scan for an attached volume, N times:
                                                           NVMeOFConnProps(find_controllers=True) (the sysfs scan of
                                                           set_portals_controllers) and one find_device look
  {"op": "quit"}

Answers: {"ok": true, "seconds": S, "result": ...} or {"ok": false, "seconds": S, "error": "..."}. The first line
written, before any command is read, says what runs: {"ready": true, "os_brick": VERSION, "privsep": MODE, ...}.

The connector runs as Nova runs it (use_multipath=True, root_helper unused) with its privileged calls going through
an oslo.privsep daemon, as in a deployment. The daemon is started by fork (no sudo or rootwrap in the lab; the
benchmarks run as root) before the first command, so its start-up is not timed either.

Bug #2035811 (os-brick 6.1.0 matches a controller only when its sysfs `address` is exactly
"traddr=A,trsvcid=P"; kernels that append ",src_addr=..." match nothing) is fixed here as upstream fixed it
(commit 268b126, in later releases): Target.set_portals_controllers is replaced by a version that parses the
address into key=value pairs and compares traddr and trsvcid. Everything else is the packaged os-brick.
"""

import json
import os
import sys
import time
import traceback

from oslo_config import cfg
from oslo_privsep import priv_context

import os_brick
from os_brick import exception
from os_brick import privileged
from os_brick import utils
from os_brick.initiator.connectors import nvmeof

LOCK_PATH = os.environ.get('OSBRICK_HARNESS_LOCK_PATH', '/tmp/osbrick-harness-locks')


def _address_fields(address):
    """The sysfs address "traddr=A,trsvcid=P[,src_addr=S]" as a dict (unknown or malformed parts ignored)."""
    fields = {}
    for part in (address or '').split(','):
        key, sep, value = part.partition('=')
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def _set_portals_controllers_fixed(self):
    """Target.set_portals_controllers with the bug #2035811 fix: compare traddr/trsvcid, not the whole address."""
    if all(p.controller for p in self.portals):
        return
    hostnqn = self.host_nqn or utils.get_host_nqn()
    wanted = [(p.address, p.port, p.transport, hostnqn) for p in self.portals]
    known = [p.controller for p in self.portals if p.controller]
    for ctrl_path in nvmeof.glob.glob(nvmeof.NVME_CTRL_SYSFS_PATH + 'nvme*'):
        name = os.path.basename(ctrl_path)
        if name in known:
            continue
        if nvmeof.sysfs_property('subsysnqn', ctrl_path) != self.nqn:
            continue
        transport = nvmeof.sysfs_property('transport', ctrl_path)
        address = nvmeof.sysfs_property('address', ctrl_path)
        if address is None:
            continue
        fields = _address_fields(address)
        ctrl_hostnqn = nvmeof.sysfs_property('hostnqn', ctrl_path) or utils.ANY
        found = (fields.get('traddr'), fields.get('trsvcid'), transport, ctrl_hostnqn)
        for index, portal in enumerate(wanted):
            if self.portals[index].controller is None and found == portal:
                self.portals[index].controller = name
                known.append(name)
                break
        if len(known) == len(wanted):
            return


def _setup():
    cfg.CONF([], project='osbrick-harness')
    os.makedirs(LOCK_PATH, exist_ok=True)
    cfg.CONF.set_override('lock_path', LOCK_PATH, group='oslo_concurrency')
    os_brick.setup(cfg.CONF)
    nvmeof.Target.set_portals_controllers = _set_portals_controllers_fixed
    privsep = 'fork-daemon'
    try:
        privileged.default.start(priv_context.Method.FORK)
    except Exception as e:  # noqa: BLE001 - reported in the ready line
        privileged.default.set_client_mode(False)
        privsep = 'in-process (daemon failed: %s)' % e
    connector = nvmeof.NVMeOFConnector(root_helper=None, use_multipath=True)
    return connector, privsep


def _version():
    try:
        from importlib import metadata
        return metadata.version('os-brick')
    except Exception:  # noqa: BLE001
        return 'unknown'


def _lookup(props):
    conn_props = nvmeof.NVMeOFConnProps(dict(props), find_controllers=True)
    devices = conn_props.targets[0].get_devices(only_live=True, get_one=True)
    return devices[0] if devices else None


def _run(connector, command):
    op = command.get('op')
    if op == 'connect':
        props = command['props']
        start = time.perf_counter()
        result = connector.connect_volume(props)
        return time.perf_counter() - start, result
    if op == 'disconnect':
        props = command['props']
        device_info = command.get('device_info')
        start = time.perf_counter()
        connector.disconnect_volume(props, device_info)
        return time.perf_counter() - start, None
    if op == 'lookup':
        props = command['props']
        repeat = max(1, int(command.get('repeat', 1)))
        device = None
        start = time.perf_counter()
        for _ in range(repeat):
            device = _lookup(props)
        return (time.perf_counter() - start) / repeat, device
    raise ValueError('unknown op %r' % op)


def main():
    connector, privsep = _setup()
    # Warm the privsep daemon (its fork and first round trip) so no timed call pays for it.
    try:
        connector._execute('true', root_helper=None, run_as_root=True)
    except Exception:  # noqa: BLE001 - the first real call will say what is wrong
        pass
    out = sys.stdout
    out.write(json.dumps({'ready': True, 'os_brick': _version(), 'privsep': privsep,
                          'python': sys.version.split()[0],
                          'fix': 'bug #2035811: set_portals_controllers parses address key=value pairs'}) + '\n')
    out.flush()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        command = json.loads(line)
        if command.get('op') == 'quit':
            break
        try:
            seconds, result = _run(connector, command)
            answer = {'ok': True, 'seconds': seconds, 'result': result}
        except Exception as e:  # noqa: BLE001 - every failure goes back to the driver
            kind = type(e).__name__
            if isinstance(e, exception.BrickException):
                kind = 'BrickException.' + kind
            answer = {'ok': False, 'seconds': None, 'error': '%s: %s' % (kind, e),
                      'traceback': traceback.format_exc(limit=6)}
        out.write(json.dumps(answer) + '\n')
        out.flush()
    privileged.default.stop()


if __name__ == '__main__':
    main()
