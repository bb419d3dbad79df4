// The node's Pod network: a Linux bridge with the Pods' subnet (CNI bridge + host-local + loopback from Debian's
// containernetworking-plugins), and the one part of kube-proxy Pods need here — the `kubernetes` Service's ClusterIP
// (10.0.0.1:443) forwarded to kube-apiserver, which listens on loopback — as a DNAT rule in a chain of its own.
// route_localnet lets packets that arrive on the bridge be forwarded to 127.0.0.1. The host reaches the Pods through
// the bridge, so kube-apiserver's aggregator reaches the APIService's endpoints directly. One node per machine: the
// names are fixed so that a leftover can be found and removed.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './control-plane.js';

export interface NodeNetwork {
  bridge: string;
  subnet: string;
  /** The bridge's address: the Pods' gateway, the node's IP, where host services for Pods listen. */
  gateway: string;
  /** The `kubernetes` Service's ClusterIP (the first of --service-cluster-ip-range). */
  serviceIp: string;
  chain: string;
  cniConfDir: string;
  ipamDir: string;
}

export function nodeNetwork(stateDir: string): NodeNetwork {
  return {
    bridge: 'vvpnode0', subnet: '10.244.0.0/24', gateway: '10.244.0.1', serviceIp: '10.0.0.1', chain: 'VVP-NODE',
    cniConfDir: join(stateDir, 'cni', 'net.d'), ipamDir: join(stateDir, 'cni', 'ipam'),
  };
}

async function must(file: string, args: string[]): Promise<void> {
  const res = await runCommand(file, args);
  if (res.code !== 0) throw new Error(`${file} ${args.join(' ')}: ${res.stderr.trim()}`);
}

export async function setUpNetwork(net: NodeNetwork, apiserver: URL): Promise<void> {
  if (existsSync(`/sys/class/net/${net.bridge}`)) {
    throw new Error(`bridge ${net.bridge} exists: another node runs on this machine (or one was left: make node-down, or ip link del ${net.bridge})`);
  }
  const prefix = net.subnet.split('/')[1]!;
  await must('ip', ['link', 'add', net.bridge, 'type', 'bridge']);
  await must('ip', ['addr', 'add', `${net.gateway}/${prefix}`, 'dev', net.bridge]);
  await must('ip', ['link', 'set', net.bridge, 'up']);
  writeFileSync(`/proc/sys/net/ipv4/conf/${net.bridge}/route_localnet`, '1');
  await must('iptables', ['-t', 'nat', '-N', net.chain]);
  await must('iptables', ['-t', 'nat', '-A', net.chain, '-d', `${net.serviceIp}/32`, '-p', 'tcp', '--dport', '443',
    '-j', 'DNAT', '--to-destination', `${apiserver.hostname}:${apiserver.port}`]);
  await must('iptables', ['-t', 'nat', '-I', 'PREROUTING', '-i', net.bridge, '-j', net.chain]);

  mkdirSync(net.cniConfDir, { recursive: true });
  mkdirSync(net.ipamDir, { recursive: true });
  writeFileSync(join(net.cniConfDir, '10-vvp-node.conflist'), JSON.stringify({
    cniVersion: '1.0.0',
    name: 'vvp-node',
    plugins: [{
      type: 'bridge', bridge: net.bridge, isGateway: true, ipMasq: false, hairpinMode: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: net.subnet, gateway: net.gateway }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: net.ipamDir },
    }],
  }, null, 2));
}

/** Removes the DNAT chain and the bridge; what is already gone is fine. */
export async function removeNetwork(net: NodeNetwork): Promise<void> {
  await runCommand('iptables', ['-t', 'nat', '-D', 'PREROUTING', '-i', net.bridge, '-j', net.chain]);
  await runCommand('iptables', ['-t', 'nat', '-F', net.chain]);
  await runCommand('iptables', ['-t', 'nat', '-X', net.chain]);
  await runCommand('ip', ['link', 'del', net.bridge]);
}
