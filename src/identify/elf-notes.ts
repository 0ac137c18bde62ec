/**
 * ELF note iteration, for finding the GNU build id.
 *
 * Layout of one note (the three header words are 4 bytes in both ELF32 and ELF64):
 *
 *   n_namesz u32 | n_descsz u32 | n_type u32 | name[n_namesz] pad | desc[n_descsz] pad
 *
 * Name and descriptor are padded to the container's alignment: 4, or 8 for segments and
 * sections aligned to 8 (GNU property notes). Like goblin, any other alignment, or a note that
 * runs past its container, ends the iteration: a broken note table is treated as "no build id"
 * rather than a broken file, which is what symbolic does.
 */
import { Cursor } from "./cursor";

export const NT_GNU_BUILD_ID = 3;

/** Returns the descriptor of the first note of type `wantedType`, or undefined. */
export function findNote(
  notes: Uint8Array,
  littleEndian: boolean,
  containerAlign: number,
  wantedType: number,
): Uint8Array | undefined {
  const align = containerAlign <= 4 ? 4 : containerAlign === 8 ? 8 : 0;
  if (align === 0) return undefined;
  const c = new Cursor(notes, littleEndian);
  const pad = (n: number) => Math.ceil(n / align) * align;
  let offset = 0;
  // Every note takes at least 12 bytes, so this loop ends after notes.length / 12 rounds.
  while (c.has(offset, 12)) {
    const header = c.struct(offset, { namesz: [0, "u32"], descsz: [4, "u32"], type: [8, "u32"] });
    if (!header) return undefined;
    const descOffset = offset + 12 + pad(header.namesz);
    const desc = c.slice(descOffset, header.descsz);
    if (!desc) return undefined;
    if (header.type === wantedType) return desc;
    offset = descOffset + pad(header.descsz);
  }
  return undefined;
}
