/**
 * The machine a run was measured on, as the report states it: absolute figures only mean
 * something next to the cores, CPU model, memory, Node version and how busy the machine was.
 *
 * @module scripts/bench/machine
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  platform: string;
  /** 1-minute load average when the run started. */
  loadAtStart: number;
  commit: string;
  /** Files differing from the commit when the run started (a dirty tree is still measured). */
  uncommittedFiles: number;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function describeMachine(): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // Not Linux: os.cpus() is the best available.
  }
  return {
    cores: cpus().length,
    cpuModel,
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAtStart: loadavg()[0],
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    uncommittedFiles: git(['status', '--porcelain']).split('\n').filter(Boolean).length,
  };
}
