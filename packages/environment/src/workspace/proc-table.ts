import { readdirSync, readFileSync } from 'node:fs';

/** One process as its `/proc/<pid>/stat` line describes it (proc(5)). */
export interface ProcEntry {
  pid: number;
  /** One letter: `R` running, `S` sleeping, `Z` zombie, … */
  state: string;
  ppid: number;
  /** Its process group id. */
  pgrp: number;
}

/**
 * The processes listed in /proc, or `undefined` where /proc cannot be read (not Linux). A process that exits
 * while the table is read is left out.
 */
export function readProcTable(): ProcEntry[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const table: ProcEntry[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // `pid (comm) state ppid pgrp …`; comm may contain spaces and parentheses: split after the last ')'.
    const [state = '', ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    table.push({ pid: Number(entry), state, ppid: Number(ppid), pgrp: Number(pgrp) });
  }
  return table;
}
