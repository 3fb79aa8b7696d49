import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc reports CPU time in these ticks (100 on every Linux this runs on). */
const TICKS = 100;

/** CPU seconds the whole machine spent busy (every process: services, broker, PostgreSQL). */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal …
  const [user, nice, system, , , irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS
  );
}

/** CPU seconds the calling thread has used (the load generator's worker measures itself). */
export function threadCpuSeconds(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** CPU seconds of every process on the machine, by pid, with its command name. */
export function processCpu(): Map<number, { name: string; seconds: number }> {
  const out = new Map<number, { name: string; seconds: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), { name, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS });
    } catch {
      // gone between listing and reading
    }
  }
  return out;
}

/**
 * Where the CPU went between two snapshots: our services by the pid they run as, everything
 * else by command name (`java` is the broker, `postgres` PostgreSQL's backends).
 */
export function cpuByProcess(
  before: Map<number, { name: string; seconds: number }>,
  after: Map<number, { name: string; seconds: number }>,
  services: ReadonlyMap<number, string>,
): Map<string, number> {
  const by = new Map<string, number>();
  for (const [pid, now] of after) {
    const used = now.seconds - (before.get(pid)?.seconds ?? 0);
    if (used <= 0) continue;
    const name = services.get(pid) ?? now.name;
    by.set(name, (by.get(name) ?? 0) + used);
  }
  return by;
}

/**
 * Each service's peak resident memory so far, in MB (`VmHWM`): what its container's memory limit
 * must hold, with headroom (helm/textback/values.yaml).
 */
export function peakMemoryMb(services: ReadonlyMap<number, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, name] of services) {
    try {
      const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (kb) out[name] = Math.round(Number(kb) / 1024);
    } catch {
      // gone (a service restarted by a crash test)
    }
  }
  return out;
}
