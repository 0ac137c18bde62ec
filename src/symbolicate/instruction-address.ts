/**
 * Symbolicator's caller-address heuristic (symbolic-common's InstructionInfo): a return address
 * points after the call, so every frame but the crashing one is looked up one instruction back.
 * Only applied when the address can be made absolute (image_addr != 0).
 */

/** Instruction alignment per CPU family; x86 has none. */
function alignment(arch: string): bigint {
  if (arch.startsWith("arm64")) return 4n;
  if (arch.startsWith("arm")) return 2n;
  if (arch === "ppc64") return 8n;
  if (arch.startsWith("ppc") || arch.startsWith("mips") || arch.startsWith("wasm")) return 4n;
  return 1n;
}

const IP_REGISTERS = ["eip", "rip", "pc", "srr0"];
/** SIGILL, SIGBUS, SIGSEGV: the crashing instruction itself faulted. */
const FAULT_SIGNALS = new Set([4, 10, 11]);

export interface AdjustContext {
  arch: string;
  frameIndex: number;
  /** The frame's own `adjust_instruction_addr`, if given. */
  adjust: boolean | undefined;
  /** True if any frame of the thread set `adjust_instruction_addr`. */
  threadAdjusts: boolean;
  signal: number | null;
  registers: Record<string, unknown> | undefined;
  parseHex: (v: unknown) => bigint | null;
}

export function adjustedAddress(address: bigint, ctx: AdjustContext): bigint {
  const align = alignment(ctx.arch);
  const aligned = address - (address % align);
  const previous = aligned - (ctx.arch.startsWith("mips") ? 2n * align : align);
  let usePrevious: boolean;
  if (ctx.adjust !== undefined) usePrevious = ctx.adjust;
  else if (ctx.threadAdjusts) usePrevious = true;
  else if (ctx.frameIndex > 0) usePrevious = true;
  else usePrevious = crashedOnCall(address, ctx);
  return usePrevious && previous >= 0n ? previous : aligned;
}

/** Frame 0: previous only if the signal is a fault and the IP register disagrees with the frame. */
function crashedOnCall(address: bigint, ctx: AdjustContext): boolean {
  if (ctx.signal === null || !FAULT_SIGNALS.has(ctx.signal) || !ctx.registers) return false;
  for (const name of IP_REGISTERS) {
    const ip = ctx.parseHex(ctx.registers[name]);
    if (ip !== null) return ip !== address;
  }
  return false;
}
