// Runs a shell command for the load tester, only ever reached when the tester was started
// with shell commands enabled. Output (stdout and stderr, interleaved) is kept up to a limit.
import { spawn } from 'node:child_process';

export interface ShellResult {
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly output: string;
  readonly timedOut: boolean;
}

const MAX_OUTPUT = 1024 * 1024;

export function runShell(shell: 'bash' | 'sh', command: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ShellResult> {
  return new Promise((resolve) => {
    const child = spawn(shell, ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let timedOut = false;
    const keep = (chunk: Buffer) => {
      if (output.length < MAX_OUTPUT) output += chunk.toString('utf8');
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    // The whole process group goes, so a pipeline's other members do not linger.
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs);
    opts.signal?.addEventListener('abort', kill, { once: true });
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, exitCode: null, output: `${output}${err.message}`, timedOut });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', kill);
      resolve({ ok: code === 0 && !timedOut, exitCode: code, output, timedOut });
    });
  });
}
