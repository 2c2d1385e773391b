// Makes sure a command from a Debian package is present: CI starts from a clean machine, so the
// integration tests install what they need themselves (as root, with apt-get) instead of
// relying on whatever someone installed by hand.
import { spawnSync } from 'node:child_process';

function which(command: string): string | undefined {
  const r = spawnSync('which', [command], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function apt(args: string[]): { ok: boolean; output: string } {
  // Wait for the dpkg lock rather than fail when another install is running.
  const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 8 * 60_000,
  });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.slice(-2000) };
}

/**
 * The path of `command`, installing `aptPackage` first when it is missing. Needs root;
 * tries `apt-get update` once when the package lists are stale or absent.
 */
export function ensureInstalled(command: string, aptPackage: string): string {
  const found = which(command);
  if (found) return found;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`${command} is not installed and the tests are not running as root: run "apt-get install -y ${aptPackage}"`);
  }
  const install = ['install', '-y', '--no-install-recommends', aptPackage];
  let result = apt(install);
  if (!result.ok) {
    const update = apt(['update']);
    if (!update.ok) throw new Error(`apt-get update failed while installing ${aptPackage}:\n${update.output}`);
    result = apt(install);
  }
  const path = which(command);
  if (!result.ok || !path) throw new Error(`apt-get install -y ${aptPackage} did not provide ${command}:\n${result.output}`);
  return path;
}
