/**
 * An independent reader of a Portable PDB's sequence points, for the oracle test: the table
 * layout comes from src/identify/portable-pdb-metadata.ts (written apart from the Rust builder)
 * and the blobs are decoded here, straight from the spec (dotnet/runtime
 * `docs/design/specs/PortablePdb-Metadata.md`, "SequencePoints Blob", "Document Name Blob").
 */
import {
  DOCUMENT,
  METHOD_DEBUG_INFORMATION,
  parsePortablePdbMetadata,
  streamsOf,
  type PortablePdbMetadata,
} from "../../../src/identify/portable-pdb-metadata";

export interface OraclePoint {
  il: number;
  document: number;
  hidden: boolean;
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

class Blob {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}
  get done(): boolean {
    return this.at >= this.bytes.byteLength;
  }
  private byte(): number {
    const b = this.bytes[this.at++];
    if (b === undefined) throw new Error("blob truncated");
    return b;
  }
  unsigned(): number {
    const b0 = this.byte();
    if ((b0 & 0x80) === 0) return b0;
    if ((b0 & 0xc0) === 0x80) return ((b0 & 0x3f) << 8) | this.byte();
    return (b0 & 0x1f) * 2 ** 24 + this.byte() * 2 ** 16 + this.byte() * 2 ** 8 + this.byte();
  }
  signed(): number {
    const b0 = this.bytes[this.at] as number;
    const bits = (b0 & 0x80) === 0 ? 7 : (b0 & 0xc0) === 0x80 ? 14 : 29;
    const raw = this.unsigned();
    return raw % 2 === 0 ? raw / 2 : (raw - 1) / 2 - 2 ** (bits - 1);
  }
}

export interface OraclePdb {
  metadata: PortablePdbMetadata;
  documents: string[];
  /** MethodDef row → its sequence points (hidden ones included). */
  methods: Map<number, OraclePoint[]>;
}

function blobAt(md: PortablePdbMetadata, index: number): Uint8Array {
  const r = new Blob(md.blobs.subarray(index));
  const length = r.unsigned();
  return md.blobs.subarray(index + r.at, index + r.at + length);
}

function field(md: PortablePdbMetadata, table: number, row: number, offset: number, wide: boolean): number {
  const at = (md.tables.offsets[table] as number) + (row - 1) * (md.tables.rowSizes[table] as number) + offset;
  const view = new DataView(md.tables.tilde.buffer, md.tables.tilde.byteOffset);
  return wide ? view.getUint32(at, true) : view.getUint16(at, true);
}

export function readOracle(bytes: Uint8Array): OraclePdb {
  const streams = streamsOf(bytes);
  if (typeof streams === "string") throw new Error(streams);
  const parsed = parsePortablePdbMetadata(streams);
  if (!parsed.ok) throw new Error(parsed.detail);
  const md = parsed.metadata;
  const documents: string[] = [];
  for (let row = 1; row <= (md.rows[DOCUMENT] ?? 0); row++) {
    const name = new Blob(blobAt(md, field(md, DOCUMENT, row, 0, md.wide.blobs)));
    const separator = String.fromCharCode(name.bytes[0] as number);
    name.at = 1;
    const parts: string[] = [];
    while (!name.done) parts.push(new TextDecoder().decode(blobAt(md, name.unsigned())));
    documents.push(parts.join(separator === "\0" ? "" : separator));
  }
  const methods = new Map<number, OraclePoint[]>();
  const documentWide = (md.rows[DOCUMENT] ?? 0) >= 1 << 16;
  for (let row = 1; row <= (md.rows[METHOD_DEBUG_INFORMATION] ?? 0); row++) {
    let document = field(md, METHOD_DEBUG_INFORMATION, row, 0, documentWide);
    const blobIndex = field(md, METHOD_DEBUG_INFORMATION, row, documentWide ? 4 : 2, md.wide.blobs);
    if (blobIndex === 0) continue;
    const r = new Blob(blobAt(md, blobIndex));
    r.unsigned(); // local signature
    if (document === 0) document = r.unsigned();
    const points: OraclePoint[] = [];
    let il = 0;
    let previous: { line: number; column: number } | null = null;
    while (!r.done) {
      const deltaIl = r.unsigned();
      if (points.length > 0 && deltaIl === 0) {
        document = r.unsigned();
        continue;
      }
      il = points.length === 0 ? deltaIl : il + deltaIl;
      const deltaLines = r.unsigned();
      const deltaColumns = deltaLines === 0 ? r.unsigned() : r.signed();
      if (deltaLines === 0 && deltaColumns === 0) {
        points.push({
          il,
          document,
          hidden: true,
          startLine: 0xfeefee,
          startColumn: 0,
          endLine: 0xfeefee,
          endColumn: 0,
        });
        continue;
      }
      const startLine: number = previous ? previous.line + r.signed() : r.unsigned();
      const startColumn: number = previous ? previous.column + r.signed() : r.unsigned();
      previous = { line: startLine, column: startColumn };
      points.push({
        il,
        document,
        hidden: false,
        startLine,
        startColumn,
        endLine: startLine + deltaLines,
        endColumn: startColumn + deltaColumns,
      });
    }
    if (points.length > 0) methods.set(row, points);
  }
  return { metadata: md, documents, methods };
}
